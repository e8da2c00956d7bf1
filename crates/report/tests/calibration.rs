//! The calibration simulation as a test, every method called through the report's own
//! dispatch. Intervals: every interval the report prints covers the true value at least
//! 93% of the time for every setting in the suite, one marked approximate at least 90%,
//! and below that the report declines. Tests: "holds" on equal candidates at most 5% of
//! the time, allowing three Monte Carlo standard errors for some sixty rows checked at
//! once (0.65 points at the 10,000 null experiments of the exact and t tests, 1.03 at the
//! 4,000 of the paired bootstrap, 2.07 at the 1,000 of the test over rows and
//! repetitions), and a
//! difference of three standard errors found at least 80% of the time from n = 10. Holm's
//! family-wise error at most 5% with the same allowance. The methods the report does not
//! use (the plain t on correlated folds, uncorrected claims) fail the same checks, which
//! shows the checks can fail.

use report::stats::calibration::{self, APPROXIMATE_FLOOR, COVERAGE_FLOOR};

const EXPERIMENTS: usize = 2000;

#[test]
fn intervals_cover_the_true_value_or_are_declined() {
    let coverage = calibration::coverage(EXPERIMENTS, 2026);
    let methods: Vec<&str> = coverage.iter().map(|r| r.method).collect();
    for method in [
        "order statistics",
        "Student t",
        "Hodges–Lehmann",
        "corrected resampled t",
        "Clopper–Pearson",
        "bootstrap over test rows",
        "bootstrap over test rows + t over repetitions",
    ] {
        assert!(methods.iter().any(|m| m.contains(method)), "the suite covers {method}: {methods:?}");
    }
    for row in &coverage {
        let rate = row.rate();
        if row.method.contains("wrong here") {
            assert!(rate.unwrap() < 0.90, "the plain t should fail on correlated folds: {row:?}");
            continue;
        }
        if (row.method.starts_with("median") || row.method.contains("Hodges")) && row.n < 6 {
            assert_eq!(row.produced, 0, "a rank interval below n = 6 must be declined: {row:?}");
            continue;
        }
        if row.method.starts_with("mean: Student t") && row.n < 10 {
            assert_eq!(row.produced, 0, "a t interval of a mean below n = 10 must be declined: {row:?}");
            continue;
        }
        assert_eq!(row.produced, row.experiments, "every experiment gets an interval: {row:?}");
        let rate = rate.unwrap();
        let floor = if row.approximate { APPROXIMATE_FLOOR } else { COVERAGE_FLOOR };
        assert!(rate >= floor, "coverage {rate} below {floor}: {row:?}");
    }
    // Three repetitions whose seeds matter more than the rows: the interval says it is
    // approximate rather than promise 95%.
    let dominated = coverage
        .iter()
        .find(|r| r.distribution.contains("seed SD 3x") && r.n == 3)
        .expect("the seed-dominated setting");
    assert!(dominated.approximate, "{dominated:?}");
}

#[test]
fn tests_hold_their_error_rate_and_find_real_differences() {
    let rates = calibration::comparisons(EXPERIMENTS, 2026);
    assert!(rates.iter().any(|r| r.n == 3), "the suite includes n = 3");
    assert!(
        rates
            .iter()
            .filter(|r| r.method.starts_with("paired bootstrap"))
            .all(|r| r.null_experiments >= 2000 && r.experiments >= 2000),
        "the paired bootstrap rests on at least 2,000 simulated experiments"
    );
    for row in &rates {
        let allowance = row.tolerance();
        if row.method.contains("wrong here") {
            assert!(
                row.null_holds > 0.05 + allowance,
                "the plain t should over-reject on correlated folds: {row:?}"
            );
            continue;
        }
        // A known limit, shown in the table: against a bound, the t test of a mean from
        // skewed or bimodal figures says "holds" too often in the direction opposite the
        // skew (13% for lognormal timings at n = 10). Timings are summarised by the median
        // (sign test) unless a metric asks for the mean.
        if row.method.starts_with("one-sample t")
            && (row.setting.contains("lognormal") || row.setting.contains("bimodal"))
        {
            continue;
        }
        assert!(row.null_holds <= 0.05 + allowance, "false 'holds' rate too high: {row:?}");
        // The sign test uses only signs (2/pi of the t's efficiency on normal figures) and
        // is exact, so at n = 10 its level is 1%: its power is shown, not held to 80%. The
        // test on one test set over repetitions counts repetitions as n.
        if row.n >= 10 && !row.method.starts_with("sign test") && !row.method.contains("seeds") {
            assert!(row.power >= 0.80, "power below 80% at 3 standard errors: {row:?}");
        }
    }
}

#[test]
fn holm_holds_the_familywise_error() {
    let rows = calibration::familywise(EXPERIMENTS, 2026);
    for row in &rows {
        let allowance = 3.0 * (0.05f64 * 0.95 / row.experiments as f64).sqrt();
        if row.method.contains("wrong here") {
            assert!(row.rate > 0.05 + allowance, "uncorrected claims should exceed 5%: {row:?}");
        } else {
            assert!(row.rate <= 0.05 + allowance, "family-wise error too high: {row:?}");
        }
    }
    assert!(rows.iter().any(|r| r.claims == 10 && r.nulls == 5), "a family with true differences too");
}
