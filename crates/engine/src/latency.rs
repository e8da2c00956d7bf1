//! Single-row inference latency as a deployment sees it: one row in (a slice of `f32`),
//! one class out, whatever the learner allocates on the way included (a tensor, a forward
//! pass, a copy back for libtorch learners), the same harness for every learner.
//!
//! Rows are drawn from a long seeded random permutation of the test set, and the next
//! row depends on the previous prediction through a hash, so the processor can neither
//! run calls ahead nor learn a short cycle of rows (a chain `next = i + 1 + class` settles
//! into a lap of a few hundred rows that the caches and branch predictors then know).
//!
//! *Warm*: the model and recent rows in cache, calls shorter than a few microseconds timed
//! in groups. *Cold*: before each call every cache line of twice the last-level cache is
//! written, so the call finds the model and its row in memory, not in cache.

use std::time::{Duration, Instant};

use data::rng::Rng;
use learn::Learner;

/// The timed samples and how they were taken.
#[derive(Debug, Clone)]
pub struct Latencies {
    /// Seconds per call, one value per sample.
    pub seconds: Vec<f64>,
    /// Calls per timed sample.
    pub group: usize,
    /// Bytes written before each sample to evict the caches (cold only).
    pub evicted: Option<usize>,
    /// What one call is, in words.
    pub call: &'static str,
}

/// One call of an in-process learner.
pub const IN_PROCESS_CALL: &str = "one row in (f32 slice), one class out, allocation included";

impl Latencies {
    /// What the figure is, for the record's note.
    pub fn describe(&self, percentile: f64) -> String {
        let call = format!(
            "{}; rows from a seeded random permutation of the test set, the next row chosen through a hash of \
             the previous prediction",
            self.call
        );
        match self.evicted {
            Some(bytes) => format!(
                "cold: p{percentile} of {} single calls, each timed alone after writing {} MiB (twice the last-level cache) to evict it; {call}",
                self.seconds.len(),
                bytes >> 20
            ),
            None if self.group == 1 => {
                format!("warm: p{percentile} of {} single calls, each timed; {call}", self.seconds.len())
            }
            None => format!(
                "warm: p{percentile} of {} samples, each the mean of {} consecutive calls (one call is too short to time alone); {call}",
                self.seconds.len(),
                self.group
            ),
        }
    }
}

/// Row order: seeded shuffles of the test rows, concatenated until long enough.
struct Rows {
    order: Vec<u32>,
    position: usize,
}

impl Rows {
    fn new(rows: usize, calls: usize, seed: u64) -> Rows {
        let mut rng = Rng::new(seed);
        let mut order = Vec::with_capacity(calls.max(rows) + rows);
        while order.len() < calls.max(rows) {
            let mut lap: Vec<u32> = (0..rows as u32).collect();
            rng.shuffle(&mut lap);
            order.extend(lap);
        }
        Rows { order, position: 0 }
    }

    fn current(&self) -> usize {
        self.order[self.position % self.order.len()] as usize
    }

    /// Moves on by one or two rows, depending on a hash of the prediction.
    fn advance(&mut self, predicted: u32) {
        let mut z = (u64::from(predicted) ^ self.position as u64).wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        self.position += 1 + ((z ^ (z >> 31)) & 1) as usize;
    }
}

/// Warm latency: `samples` samples; calls faster than a few microseconds are timed in
/// groups of `k` (so a group takes at least 20 us) and each sample is the group's time / k.
pub fn warm(model: &dyn Learner, test: &data::Table, samples: usize, seed: u64) -> Latencies {
    warm_calls(test, samples, seed, |_, row| model.predict_one(row), || model.synchronize())
}

/// [`warm`] for any single-row call: `call(index, row)` answers the class of test row
/// `index`; `synchronize` waits for work the call may have left queued (a GPU's).
pub fn warm_calls(
    test: &data::Table,
    samples: usize,
    seed: u64,
    mut call: impl FnMut(usize, &[f32]) -> u32,
    mut synchronize: impl FnMut(),
) -> Latencies {
    // Size the groups from a short warm-up over the same kind of rows.
    let mut rows = Rows::new(test.rows, 100_000, seed);
    let started = Instant::now();
    let mut warmup = 0;
    while warmup < 10 || (started.elapsed() < Duration::from_micros(200) && warmup < 100_000) {
        let index = rows.current();
        let predicted = call(index, test.row(index));
        rows.advance(std::hint::black_box(predicted));
        warmup += 1;
    }
    synchronize();
    let per_call = started.elapsed().as_secs_f64() / warmup as f64;
    let group = ((20e-6 / per_call).ceil() as usize).clamp(1, 10_000);
    let mut rows = Rows::new(test.rows, samples * group, seed);
    let seconds = (0..samples)
        .map(|_| {
            let started = Instant::now();
            for _ in 0..group {
                let index = rows.current();
                let predicted = call(index, test.row(index));
                rows.advance(std::hint::black_box(predicted));
            }
            synchronize();
            started.elapsed().as_secs_f64() / group as f64
        })
        .collect();
    Latencies { seconds, group, evicted: None, call: IN_PROCESS_CALL }
}

/// Cold latency: before each of `samples` calls, twice the last-level cache is written.
pub fn cold(model: &dyn Learner, test: &data::Table, samples: usize, seed: u64) -> Latencies {
    let bytes = 2 * last_level_cache_bytes();
    let mut buffer = vec![0u8; bytes];
    let mut rows = Rows::new(test.rows, samples, seed ^ 0x5EED);
    let mut sink = 0u64;
    let seconds = (0..samples.max(1))
        .map(|round| {
            // One write per cache line: every line of the buffer becomes the newest in cache.
            for line in buffer.chunks_mut(64) {
                line[0] = line[0].wrapping_add(round as u8 | 1);
            }
            sink = sink.wrapping_add(u64::from(buffer[round % bytes]));
            let started = Instant::now();
            let predicted = model.predict_one(test.row(rows.current()));
            model.synchronize();
            let elapsed = started.elapsed().as_secs_f64();
            rows.advance(std::hint::black_box(predicted));
            elapsed
        })
        .collect();
    std::hint::black_box(sink);
    Latencies { seconds, group: 1, evicted: Some(bytes), call: IN_PROCESS_CALL }
}

/// The size of the largest CPU cache (sysfs), or 32 MiB when it cannot be read; capped
/// at 256 MiB.
pub fn last_level_cache_bytes() -> usize {
    let mut largest = 0usize;
    for index in 0..8 {
        let path = format!("/sys/devices/system/cpu/cpu0/cache/index{index}/size");
        let Ok(text) = std::fs::read_to_string(path) else { continue };
        let text = text.trim();
        let (number, factor) = match text.strip_suffix('K') {
            Some(n) => (n, 1024),
            None => match text.strip_suffix('M') {
                Some(n) => (n, 1024 * 1024),
                None => (text, 1),
            },
        };
        if let Ok(n) = number.parse::<usize>() {
            largest = largest.max(n * factor);
        }
    }
    if largest == 0 { 32 << 20 } else { largest.clamp(1 << 20, 256 << 20) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_visit_the_whole_test_set_in_no_short_cycle() {
        let mut rows = Rows::new(1000, 20_000, 7);
        let mut seen = std::collections::HashSet::new();
        let mut visits = Vec::new();
        for call in 0..6_000 {
            visits.push(rows.current());
            seen.insert(rows.current());
            rows.advance((call % 10) as u32);
        }
        // Every row is reached, unlike a `next = i + 1 + class` chain that settles into a lap.
        assert!(seen.len() > 990, "{} rows visited", seen.len());
        // No short period: the last 500 visits do not repeat with a period under 500.
        let tail = &visits[visits.len() - 1000..];
        for period in 1..500 {
            assert!(tail[..500] != tail[period..period + 500], "period {period}");
        }
        assert!(last_level_cache_bytes() >= 1 << 20);
    }
}
