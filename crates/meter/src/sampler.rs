//! A thread beside the workload that samples power and usage at a fixed period, and the
//! integrators that turn samples into energy.
//!
//! It reads GPU board power (for the `sampled` method where the energy counter is
//! missing), RAPL counters (so a counter that wraps more than once in a long window is
//! still counted right), and the process's CPU time and resident memory (for the
//! estimate's RAM term). Timestamps come from one monotonic clock.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::nvml::NvmlMeter;
use crate::rapl::{Rapl, RaplReading};

/// The default sampling period.
pub const DEFAULT_PERIOD: Duration = Duration::from_millis(100);

/// One sample.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    /// Seconds since the sampler started.
    pub t: f64,
    pub gpu_power_w: Option<Vec<f64>>,
    pub rapl: Option<RaplReading>,
    pub process_cpu_s: f64,
    pub rss_bytes: u64,
}

/// Resident memory of the workload, where it is not this process (another process's tree).
pub type RssProbe = Arc<dyn Fn() -> u64 + Send + Sync>;

/// What the sampler reads.
#[derive(Clone, Default)]
pub struct Sources {
    pub nvml: Option<Arc<NvmlMeter>>,
    pub rapl: Option<Arc<Rapl>>,
    /// The workload's resident memory; this process's own when `None`.
    pub rss: Option<RssProbe>,
}

/// A running sampler; [`Sampler::stop`] returns its timeline.
pub struct Sampler {
    stop: Arc<AtomicBool>,
    handle: JoinHandle<(Vec<Sample>, f64)>,
    pub period: Duration,
    pub started: Instant,
}

impl std::fmt::Debug for Sampler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sampler").field("period", &self.period).finish()
    }
}

impl Sampler {
    pub fn start(sources: Sources, period: Duration) -> Sampler {
        let stop = Arc::new(AtomicBool::new(false));
        let started = Instant::now();
        let flag = stop.clone();
        let handle = std::thread::Builder::new()
            .name("tradeoff-sampler".into())
            .spawn(move || {
                let mut samples = Vec::new();
                let mut next = started;
                loop {
                    samples.push(take_sample(&sources, started));
                    if flag.load(Ordering::Relaxed) {
                        break;
                    }
                    next += period;
                    let now = Instant::now();
                    if next > now {
                        std::thread::park_timeout(next - now);
                    } else {
                        next = now;
                    }
                }
                (samples, thread_cpu_seconds())
            })
            .expect("the sampler thread starts");
        Sampler { stop, handle, period, started }
    }

    /// Stops the thread after one last sample; returns every sample and the CPU time
    /// the sampler itself used (its overhead).
    pub fn stop(self) -> (Vec<Sample>, f64) {
        self.stop.store(true, Ordering::Relaxed);
        self.handle.thread().unpark();
        self.handle.join().unwrap_or_default()
    }
}

fn take_sample(sources: &Sources, started: Instant) -> Sample {
    Sample {
        t: started.elapsed().as_secs_f64(),
        gpu_power_w: sources.nvml.as_ref().and_then(|n| n.power_w().ok()),
        rapl: sources.rapl.as_ref().and_then(|r| r.read().ok()),
        process_cpu_s: crate::rusage::own_usage().cpu_seconds(),
        rss_bytes: sources.rss.as_ref().map_or_else(current_rss_bytes, |probe| probe()),
    }
}

/// CPU time used by the calling thread.
fn thread_cpu_seconds() -> f64 {
    let mut time = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: clock_gettime writes the timespec it is given.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut time) };
    if rc == 0 { time.tv_sec as f64 + time.tv_nsec as f64 * 1e-9 } else { 0.0 }
}

/// Resident set size now, from `/proc/self/statm` (0 where unavailable).
pub fn current_rss_bytes() -> u64 {
    let Ok(statm) = std::fs::read_to_string("/proc/self/statm") else { return 0 };
    let pages: u64 = statm.split_whitespace().nth(1).and_then(|p| p.parse().ok()).unwrap_or(0);
    // SAFETY: sysconf has no preconditions.
    let page_size = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    pages * page_size.max(0) as u64
}

/// Integrates instantaneous power samples `(t seconds, watts)` over `[start, end]` by
/// the trapezoid rule, interpolating linearly at the window edges. Exact when power is
/// linear between samples, hence for piecewise-constant power sampled at both ends of
/// each constant stretch.
pub fn integrate_trapezoid(samples: &[(f64, f64)], start: f64, end: f64) -> f64 {
    if samples.len() < 2 || end <= start {
        return samples.first().map_or(0.0, |&(_, p)| p * (end - start).max(0.0));
    }
    let at = |t: f64| -> f64 {
        let i = samples.partition_point(|&(ts, _)| ts <= t);
        match i {
            0 => samples[0].1,
            i if i == samples.len() => samples[i - 1].1,
            i => {
                let (t0, p0) = samples[i - 1];
                let (t1, p1) = samples[i];
                if t1 == t0 { p1 } else { p0 + (p1 - p0) * (t - t0) / (t1 - t0) }
            }
        }
    };
    let mut points = vec![(start, at(start))];
    points.extend(samples.iter().copied().filter(|&(t, _)| t > start && t < end));
    points.push((end, at(end)));
    points.windows(2).map(|w| (w[0].1 + w[1].1) / 2.0 * (w[1].0 - w[0].0)).sum()
}

/// Integrates averaged power readings: each `(t, watts)` is the mean power since the
/// previous sample (what a counter-derived or 1 s-averaged field reports). Exact for
/// piecewise-constant power that changes only at sample times.
pub fn integrate_hold(samples: &[(f64, f64)]) -> f64 {
    samples.windows(2).map(|w| w[1].1 * (w[1].0 - w[0].0)).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trapezoid_is_exact_for_piecewise_constant_power_sampled_at_both_ends() {
        // 100 W for 2 s, then 300 W for 1 s: 200 J + 300 J.
        let trace = [(0.0, 100.0), (1.0, 100.0), (2.0, 100.0), (2.0, 300.0), (2.5, 300.0), (3.0, 300.0)];
        assert_eq!(integrate_trapezoid(&trace, 0.0, 3.0), 500.0);
        // A window inside the trace: 0.5..2.5 = 1.5 s at 100 W + 0.5 s at 300 W.
        assert_eq!(integrate_trapezoid(&trace, 0.5, 2.5), 300.0);
    }

    #[test]
    fn trapezoid_is_exact_for_linear_ramps() {
        let ramp: Vec<(f64, f64)> = (0..=10).map(|i| (f64::from(i), 10.0 * f64::from(i))).collect();
        assert!((integrate_trapezoid(&ramp, 0.0, 10.0) - 500.0).abs() < 1e-9);
    }

    #[test]
    fn hold_integration_is_exact_for_averaged_readings() {
        // Averages over each preceding second: 50 W, then 150 W, then 150 W.
        let trace = [(0.0, 0.0), (1.0, 50.0), (2.0, 150.0), (3.0, 150.0)];
        assert_eq!(integrate_hold(&trace), 350.0);
    }

    #[test]
    fn the_sampler_takes_samples_until_stopped() {
        let sampler = Sampler::start(Sources::default(), Duration::from_millis(5));
        std::thread::sleep(Duration::from_millis(60));
        let (samples, own_cpu) = sampler.stop();
        assert!(own_cpu >= 0.0);
        assert!(samples.len() >= 5, "{} samples", samples.len());
        assert!(samples.windows(2).all(|w| w[0].t <= w[1].t));
        assert!(samples.last().unwrap().rss_bytes > 0);
    }
}
