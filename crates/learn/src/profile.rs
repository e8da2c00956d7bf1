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
    use std::time::Instant;

    use super::{BUCKETS, LEVELS, PHASES, Phase, Report, bucket};

    #[allow(clippy::declare_interior_mutable_const)]
    const ZERO: AtomicU64 = AtomicU64::new(0);
    #[allow(clippy::declare_interior_mutable_const)]
    const ZEROS: [AtomicU64; BUCKETS.len()] = [ZERO; BUCKETS.len()];
    static PHASE_NS: [[AtomicU64; BUCKETS.len()]; PHASES.len()] = [ZEROS; PHASES.len()];
    static BUCKET_NODES: [AtomicU64; BUCKETS.len()] = [ZERO; BUCKETS.len()];
    static BUCKET_ROWS: [AtomicU64; BUCKETS.len()] = [ZERO; BUCKETS.len()];
    static LEVEL_NS: [AtomicU64; LEVELS] = [ZERO; LEVELS];
    static LEVEL_BYTES: [AtomicU64; LEVELS] = [ZERO; LEVELS];
    static LEVEL_ROWS: [AtomicU64; LEVELS] = [ZERO; LEVELS];

    thread_local! {
        /// The level of the node this thread works on.
        static LEVEL: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
    }

    /// A started clock.
    #[derive(Debug, Clone, Copy)]
    pub struct Timer(Instant);

    #[inline]
    pub fn timer() -> Timer {
        Timer(Instant::now())
    }

    fn index(phase: Phase) -> usize {
        PHASES.iter().position(|(p, _)| *p == phase).expect("a listed phase")
    }

    /// Adds the time since `since` to `phase` for a node of `rows` rows; returns a new timer.
    #[inline]
    pub fn lap(phase: Phase, rows: usize, since: Timer) -> Timer {
        let now = Instant::now();
        let ns = now.duration_since(since.0).as_nanos() as u64;
        PHASE_NS[index(phase)][bucket(rows)].fetch_add(ns, Relaxed);
        Timer(now)
    }

    /// Starts a node at `depth` on this thread: its bytes count at that level.
    #[inline]
    pub fn level(depth: usize) {
        LEVEL.with(|l| l.set(depth.min(LEVELS - 1)));
    }

    /// Counts a node of `rows` rows at `depth`, its work having started at `since`.
    #[inline]
    pub fn node(rows: usize, depth: usize, since: Timer) {
        let b = bucket(rows);
        BUCKET_NODES[b].fetch_add(1, Relaxed);
        BUCKET_ROWS[b].fetch_add(rows as u64, Relaxed);
        let level = depth.min(LEVELS - 1);
        LEVEL_NS[level].fetch_add(since.0.elapsed().as_nanos() as u64, Relaxed);
        LEVEL_ROWS[level].fetch_add(rows as u64, Relaxed);
    }

    /// Notes bytes touched at this thread's level.
    #[inline]
    pub fn bytes(bytes: u64) {
        LEVEL_BYTES[LEVEL.with(|l| l.get())].fetch_add(bytes, Relaxed);
    }

    pub const ENABLED: bool = true;

    pub fn take() -> Option<Report> {
        let load = |a: &AtomicU64| a.swap(0, Relaxed);
        let mut report = Report::default();
        for (p, row) in PHASE_NS.iter().enumerate() {
            for (b, cell) in row.iter().enumerate() {
                report.phase_ns[p][b] = load(cell);
            }
        }
        for b in 0..BUCKETS.len() {
            report.bucket_nodes[b] = load(&BUCKET_NODES[b]);
            report.bucket_rows[b] = load(&BUCKET_ROWS[b]);
        }
        report.level_ns = LEVEL_NS.iter().map(load).collect();
        report.level_bytes = LEVEL_BYTES.iter().map(load).collect();
        report.level_rows = LEVEL_ROWS.iter().map(load).collect();
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
