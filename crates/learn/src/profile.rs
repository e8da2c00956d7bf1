//! Where a tree's fit goes, for the benchmark (cargo feature `profile`): time per phase
//! and node-size bucket, and per tree level the time spent and the bytes the histogram
//! fill and the partition touched, so the bench can set them against the machine's
//! memory bandwidth (levels are exact for a forest, whose trees each grow on one thread).
//! Without the feature every function here is empty and inlined away: the fit pays
//! nothing for it.

/// The phases of a fit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Features to bins (once per fit).
    Binning,
    /// Drawing each tree's bootstrap sample.
    Bootstrap,
    /// A node's class counts.
    Counts,
    /// Filling (bin, class) histograms from the node's rows.
    Fill,
    /// Sweeping histograms for the best split.
    Sweep,
    /// Copying a subtree's rows column by column.
    Copy,
    /// Sending the node's rows to its children.
    Partition,
    /// Everything else per node: the node itself, its children's bookkeeping.
    Assembly,
}

pub const PHASES: [(Phase, &str); 8] = [
    (Phase::Binning, "binning"),
    (Phase::Bootstrap, "bootstrap"),
    (Phase::Counts, "class counts"),
    (Phase::Fill, "histogram fill"),
    (Phase::Sweep, "split sweep"),
    (Phase::Copy, "subtree copy"),
    (Phase::Partition, "partition"),
    (Phase::Assembly, "tree assembly"),
];

/// Node-size buckets, by the node's distinct rows: `[lower, upper)`.
pub const BUCKETS: [(usize, usize); 5] =
    [(0, 64), (64, 512), (512, 4096), (4096, 32768), (32768, usize::MAX)];

/// Tree levels tracked (deeper ones count in the last).
pub const LEVELS: usize = 64;

/// What a profiled fit spent, summed over threads.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Report {
    /// Nanoseconds per phase (in [`PHASES`] order) and bucket.
    pub phase_ns: [[u64; BUCKETS.len()]; PHASES.len()],
    /// Nodes and their rows per bucket.
    pub bucket_nodes: [u64; BUCKETS.len()],
    pub bucket_rows: [u64; BUCKETS.len()],
    /// Per level: nanoseconds of node work, bytes the fill and partition touched, rows.
    pub level_ns: Vec<u64>,
    pub level_bytes: Vec<u64>,
    pub level_rows: Vec<u64>,
}

pub fn bucket(rows: usize) -> usize {
    BUCKETS.iter().position(|&(lo, hi)| rows >= lo && rows < hi).unwrap_or(BUCKETS.len() - 1)
}

#[cfg(feature = "profile")]
mod imp {
    use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
    use std::sync::{Arc, Mutex, OnceLock};
    use std::time::Instant;

    use super::{BUCKETS, LEVELS, PHASES, Phase, Report, bucket};

    /// One thread's sums, in clock ticks; only that thread writes them.
    struct Sums {
        phase: [[AtomicU64; BUCKETS.len()]; PHASES.len()],
        nodes: [AtomicU64; BUCKETS.len()],
        rows: [AtomicU64; BUCKETS.len()],
        level_ticks: [AtomicU64; LEVELS],
        level_bytes: [AtomicU64; LEVELS],
        level_rows: [AtomicU64; LEVELS],
        level: AtomicU64,
    }

    fn zeros<const N: usize>() -> [AtomicU64; N] {
        std::array::from_fn(|_| AtomicU64::new(0))
    }

    static THREADS: Mutex<Vec<Arc<Sums>>> = Mutex::new(Vec::new());

    thread_local! {
        static SUMS: Arc<Sums> = {
            let sums = Arc::new(Sums {
                phase: std::array::from_fn(|_| zeros()),
                nodes: zeros(),
                rows: zeros(),
                level_ticks: zeros(),
                level_bytes: zeros(),
                level_rows: zeros(),
                level: AtomicU64::new(0),
            });
            THREADS.lock().expect("profile registry").push(sums.clone());
            sums
        };
    }

    /// A single writer's add: no locked instruction, no shared cache line.
    #[inline]
    fn add(cell: &AtomicU64, value: u64) {
        cell.store(cell.load(Relaxed) + value, Relaxed);
    }

    /// The clock: the time-stamp counter where there is one (a few cycles to read, so the
    /// profile barely perturbs what it measures), converted to nanoseconds at the end.
    #[inline]
    fn ticks() -> u64 {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: RDTSC exists on every x86-64 CPU.
        unsafe {
            std::arch::x86_64::_rdtsc()
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            start().0.elapsed().as_nanos() as u64
        }
    }

    fn start() -> &'static (Instant, u64) {
        static START: OnceLock<(Instant, u64)> = OnceLock::new();
        START.get_or_init(|| (Instant::now(), ticks()))
    }

    /// A started clock.
    #[derive(Debug, Clone, Copy)]
    pub struct Timer(u64);

    #[inline]
    pub fn timer() -> Timer {
        start();
        Timer(ticks())
    }

    fn index(phase: Phase) -> usize {
        PHASES.iter().position(|(p, _)| *p == phase).expect("a listed phase")
    }

    /// Adds the time since `since` to `phase` for a node of `rows` rows; returns a new timer.
    #[inline]
    pub fn lap(phase: Phase, rows: usize, since: Timer) -> Timer {
        let now = ticks();
        SUMS.with(|s| add(&s.phase[index(phase)][bucket(rows)], now.wrapping_sub(since.0)));
        Timer(now)
    }

    /// Starts a node at `depth` on this thread: its bytes count at that level.
    #[inline]
    pub fn level(depth: usize) {
        SUMS.with(|s| s.level.store(depth.min(LEVELS - 1) as u64, Relaxed));
    }

    /// Counts a node of `rows` rows at `depth`, its work having started at `since`.
    #[inline]
    pub fn node(rows: usize, depth: usize, since: Timer) {
        let (b, level) = (bucket(rows), depth.min(LEVELS - 1));
        let now = ticks();
        SUMS.with(|s| {
            add(&s.nodes[b], 1);
            add(&s.rows[b], rows as u64);
            add(&s.level_ticks[level], now.wrapping_sub(since.0));
            add(&s.level_rows[level], rows as u64);
        });
    }

    /// Notes bytes touched at this thread's level.
    #[inline]
    pub fn bytes(bytes: u64) {
        SUMS.with(|s| add(&s.level_bytes[s.level.load(Relaxed) as usize], bytes));
    }

    pub const ENABLED: bool = true;

    /// Everything recorded since the last call, summed over threads (call it while no
    /// fit runs).
    pub fn take() -> Option<Report> {
        let (started, first_tick) = *start();
        let ns_per_tick =
            started.elapsed().as_nanos() as f64 / ticks().wrapping_sub(first_tick).max(1) as f64;
        let ns = |t: u64| (t as f64 * ns_per_tick) as u64;
        let mut report = Report {
            level_ns: vec![0; LEVELS],
            level_bytes: vec![0; LEVELS],
            level_rows: vec![0; LEVELS],
            ..Report::default()
        };
        for sums in THREADS.lock().expect("profile registry").iter() {
            let take = |a: &AtomicU64| a.swap(0, Relaxed);
            for (p, row) in sums.phase.iter().enumerate() {
                for (b, cell) in row.iter().enumerate() {
                    report.phase_ns[p][b] += ns(take(cell));
                }
            }
            for b in 0..BUCKETS.len() {
                report.bucket_nodes[b] += take(&sums.nodes[b]);
                report.bucket_rows[b] += take(&sums.rows[b]);
            }
            for l in 0..LEVELS {
                report.level_ns[l] += ns(take(&sums.level_ticks[l]));
                report.level_bytes[l] += take(&sums.level_bytes[l]);
                report.level_rows[l] += take(&sums.level_rows[l]);
            }
        }
        Some(report)
    }
}

#[cfg(not(feature = "profile"))]
mod imp {
    use super::{Phase, Report};

    #[derive(Debug, Clone, Copy)]
    pub struct Timer;

    #[inline(always)]
    pub fn timer() -> Timer {
        Timer
    }

    #[inline(always)]
    pub fn lap(_phase: Phase, _rows: usize, since: Timer) -> Timer {
        since
    }

    #[inline(always)]
    pub fn level(_depth: usize) {}

    #[inline(always)]
    pub fn node(_rows: usize, _depth: usize, _since: Timer) {}

    #[inline(always)]
    pub fn bytes(_bytes: u64) {}

    pub const ENABLED: bool = false;

    pub fn take() -> Option<Report> {
        None
    }
}

/// Whether this build profiles (feature `profile`).
pub const ENABLED: bool = imp::ENABLED;
pub use imp::{Timer, bytes, lap, level, node, take, timer};
