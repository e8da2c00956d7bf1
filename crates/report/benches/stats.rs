//! `just bench-stats`: the calibration of every interval and test the report uses,
//! printed as tables (coverage per method, setting and n; null "holds" rate and power;
//! Holm's family-wise error). The same simulation backs `tests/calibration.rs`.

use std::time::Instant;

use report::stats::calibration;

fn main() {
    let experiments: usize =
        std::env::var("CALIBRATION_EXPERIMENTS").ok().and_then(|v| v.parse().ok()).unwrap_or(2000);
    let started = Instant::now();
    let coverage = calibration::coverage(experiments, 2026);
    let rates = calibration::comparisons(experiments, 2026);
    let familywise = calibration::familywise(experiments, 2026);
    print!("{}", calibration::table(&coverage, &rates, &familywise));
    println!(
        "\n{experiments} simulated experiments per row ({} for the null rates of the exact and t tests and for the family-wise error, twice for the paired bootstrap, half for the test over rows and repetitions); allowance on a null rate: three Monte Carlo standard errors; {:.1} s",
        calibration::NULL_FACTOR * experiments,
        started.elapsed().as_secs_f64()
    );
}
