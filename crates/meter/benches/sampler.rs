//! `just bench-meter`: what the sampler thread costs. A CPU-bound workload runs on every
//! core for a few seconds inside an energy window; the sampler's own CPU time (read with
//! CLOCK_THREAD_CPUTIME_ID inside the thread) is compared with the workload's, at the
//! default period and at others.

use std::path::Path;
use std::time::{Duration, Instant};

use meter::EnergyMeters;
use meter::estimate::CpuPowerModel;

fn busy(seconds: f64) -> u64 {
    let threads = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    let handles: Vec<_> = (0..threads)
        .map(|t| {
            std::thread::spawn(move || {
                let start = Instant::now();
                let mut x = t as u64 + 1;
                while start.elapsed().as_secs_f64() < seconds {
                    for _ in 0..10_000 {
                        x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                    }
                }
                x
            })
        })
        .collect();
    handles.into_iter().map(|h| h.join().unwrap()).fold(0, u64::wrapping_add)
}

fn main() {
    let inventory = meter::HardwareInventory::probe_cpu_only();
    println!(
        "sampler overhead: {} logical cores, 4 s of CPU-bound work on every core per row",
        inventory.logical_cores
    );
    println!(
        "{:>10} {:>9} {:>14} {:>16} {:>10}",
        "period", "samples", "workload CPU s", "sampler CPU s", "overhead"
    );
    for period_ms in [10u64, 100, 1000] {
        let model = CpuPowerModel::new(&inventory.brand, inventory.logical_cores, None);
        let meters = EnergyMeters::open(
            None,
            Path::new(meter::rapl::POWERCAP_ROOT),
            model,
            &[],
            Duration::from_millis(period_ms),
        );
        let window = meters.start();
        std::hint::black_box(busy(4.0));
        let energy = meters.finish(window);
        let default = if Duration::from_millis(period_ms) == meter::sampler::DEFAULT_PERIOD {
            " (default)"
        } else {
            ""
        };
        println!(
            "{:>8}ms {:>9} {:>14.2} {:>16.5} {:>9.4}%{default}",
            period_ms,
            energy.samples,
            energy.cpu_seconds,
            energy.sampler_cpu_seconds,
            energy.sampler_cpu_seconds / energy.cpu_seconds * 100.0
        );
    }
    println!("target: < 1% of the trial's CPU time at the default period");
}
