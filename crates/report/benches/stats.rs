//! `just bench-stats`: the calibration of every interval and test the report uses,
//! printed as a table (coverage per distribution and n, null "holds" rate, power).
//! The same simulation backs the calibration test in `tests/calibration.rs`.

use std::time::Instant;

use report::stats::calibration;

fn main() {
    let experiments: usize =
        std::env::var("CALIBRATION_EXPERIMENTS").ok().and_then(|v| v.parse().ok()).unwrap_or(2000);
    let started = Instant::now();
    let coverage = calibration::coverage(experiments, 2026);
    let rates = calibration::comparisons(experiments, 2026);
    print!("{}", calibration::table(&coverage, &rates));
    let se = (0.05f64 * 0.95 / experiments as f64).sqrt();
    println!(
        "\n{experiments} simulated experiments per row (Monte Carlo standard error of a 5% rate: {:.2} points); {:.1} s",
        se * 100.0,
        started.elapsed().as_secs_f64()
    );
}
