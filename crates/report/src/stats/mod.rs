//! The statistics behind every interval and verdict the report prints, each method chosen
//! for the design that produced the numbers and named where it is used:
//!
//! - [`intervals`]: one candidate's figure. Median: distribution-free order-statistic
//!   interval (none below n = 6); mean: Student t (none below n = 10); quality under
//!   cross-validation:
//!   the corrected resampled t (Nadeau & Bengio 2003, Bouckaert & Frank 2004); accuracy
//!   on one fixed test set: Clopper–Pearson; min and max: no interval.
//! - [`paired`]: two candidates (or one against a bound), paired by trial slot: Wilcoxon
//!   signed-rank with the Hodges–Lehmann estimate, the sign test, the paired t, the
//!   corrected resampled t, and McNemar's exact test (Dietterich 1998).
//! - [`resample`]: the paired bootstrap over test rows of one fixed test set, and over
//!   several repetitions the rows' variance plus the seeds' with Satterthwaite's t.
//! - [`multiple`]: Holm's step-down correction across an experiment's claims.
//! - [`calibration`]: the simulation that checks all of the above keep their promises.
//!
//! Distributions (binomial, Student t, beta) come from statrs.

pub mod calibration;
pub mod intervals;
pub mod multiple;
pub mod paired;
pub mod resample;

pub use intervals::Interval;
pub use paired::Test;

/// The median of a sample (`NaN` when empty).
pub fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    median_sorted(&sorted)
}

pub fn median_sorted(sorted: &[f64]) -> f64 {
    let n = sorted.len();
    if n == 0 {
        f64::NAN
    } else if n % 2 == 1 {
        sorted[n / 2]
    } else {
        (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
    }
}

pub fn mean(values: &[f64]) -> f64 {
    values.iter().sum::<f64>() / values.len() as f64
}

/// Sample standard deviation (n - 1 in the denominator); 0 for fewer than two values.
pub fn std_dev(values: &[f64]) -> f64 {
    let n = values.len();
    if n < 2 {
        return 0.0;
    }
    let m = mean(values);
    (values.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / (n - 1) as f64).sqrt()
}
