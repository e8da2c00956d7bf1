//! The calibration simulation as a test: every interval the report prints covers the true
//! value at least 93% of the time for every distribution in the suite (or is declined or
//! marked approximate), tests say "holds" on equal candidates at most 5% of the time (up
//! to Monte Carlo error), and find a difference of three standard errors at n >= 10 at
//! least 80% of the time. The methods the report does not use on correlated folds (the
//! plain t) fail the same checks, which shows the checks can fail.

use report::stats::calibration;

const EXPERIMENTS: usize = 2000;

#[test]
fn intervals_cover_the_true_value() {
    let coverage = calibration::coverage(EXPERIMENTS, 2026);
    for row in &coverage {
        let rate = row.rate();
        if row.method.contains("wrong here") {
            assert!(rate.unwrap() < 0.90, "the plain t should fail on correlated folds: {row:?}");
            continue;
        }
        if row.method.starts_with("median") && row.n < 6 {
            assert_eq!(row.produced, 0, "a median interval below n = 6 must be declined: {row:?}");
            continue;
        }
        let rate = rate.unwrap_or_else(|| panic!("no interval produced: {row:?}"));
        if !row.approximate {
            assert!(rate >= 0.93, "coverage {rate} below 93%: {row:?}");
        }
    }
}

#[test]
fn tests_hold_their_error_rate_and_find_real_differences() {
    let rates = calibration::comparisons(EXPERIMENTS, 2026);
    for row in &rates {
        let tolerance = 2.0 * (0.05f64 * 0.95 / row.experiments as f64).sqrt();
        if row.method.contains("wrong here") {
            assert!(
                row.null_holds > 0.05 + tolerance,
                "the plain t should over-reject on correlated folds: {row:?}"
            );
            continue;
        }
        assert!(row.null_holds <= 0.05 + tolerance, "false 'holds' rate too high: {row:?}");
        if row.n >= 10 {
            assert!(row.power >= 0.80, "power below 80% at 3 standard errors: {row:?}");
        }
    }
}
