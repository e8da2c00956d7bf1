//! Intervals for one candidate's figure. Each says its achieved confidence level and its
//! method, and is refused (with the reason in words) where no method keeps the promise.

use statrs::distribution::{Beta, Binomial, ContinuousCDF, DiscreteCDF, StudentsT};

/// A confidence interval and what it promises.
#[derive(Debug, Clone, PartialEq)]
pub struct Interval {
    pub low: f64,
    pub high: f64,
    /// The confidence level the method achieves (exact methods may exceed the nominal one).
    pub level: f64,
    pub method: &'static str,
    /// The level holds only approximately here (small n for a method that assumes normality).
    pub approximate: bool,
}

impl Interval {
    pub fn contains(&self, value: f64) -> bool {
        self.low <= value && value <= self.high
    }
}

/// Below this many values a t interval of the mean is marked approximate: the calibration
/// simulation (`just bench-stats`) shows heavy-tailed timings (lognormal, sigma 0.6)
/// covered only 90-93% at n = 10 to 30, and 94% from n = 50.
pub const T_RELIABLE_FROM: usize = 50;

/// The fewest values for which an order-statistic interval of the median reaches 95%.
pub fn median_minimum(level: f64) -> usize {
    (1..200).find(|&n| 1.0 - 2.0 * 0.5f64.powi(n as i32) >= level).unwrap_or(200)
}

/// Distribution-free interval of the median from order statistics: the widest symmetric
/// rank interval `[x(l), x(n+1-l)]` whose binomial coverage is at least `level`, and the
/// coverage it achieves. `sorted` must be sorted.
pub fn median(sorted: &[f64], level: f64) -> Result<Interval, String> {
    let n = sorted.len();
    let coverage = |l: usize| -> f64 {
        // P(l <= B <= n - l) for B ~ Binomial(n, 1/2), with 1-based ranks.
        let binomial = Binomial::new(0.5, n as u64).expect("a valid binomial");
        1.0 - 2.0 * binomial.cdf(l as u64 - 1)
    };
    if n == 0 || coverage(1) < level {
        return Err(format!(
            "n = {n}: too few trials for a {:.0}% interval of the median (at least {})",
            level * 100.0,
            median_minimum(level)
        ));
    }
    let mut l = 1;
    while l < n / 2 && coverage(l + 1) >= level {
        l += 1;
    }
    Ok(Interval {
        low: sorted[l - 1],
        high: sorted[n - l],
        level: coverage(l),
        method: "order statistics",
        approximate: false,
    })
}

/// Below this many values no interval of the mean is given: whatever the figures'
/// distribution, none keeps near its promise (the t interval covered 83-85% of bimodal
/// timings at n = 3 and 5, `just bench-stats`).
pub const MEAN_MINIMUM: usize = 10;

/// Student t interval of the mean, from `MEAN_MINIMUM` values.
pub fn mean(values: &[f64], level: f64) -> Result<Interval, String> {
    let n = values.len();
    if n < MEAN_MINIMUM {
        return Err(format!(
            "n = {n}: too few trials for an interval of the mean that keeps its promise (at least {MEAN_MINIMUM})"
        ));
    }
    student_t(values, level)
}

/// Student t interval of the mean, at any n of at least 2 (marked approximate below
/// `T_RELIABLE_FROM`).
pub fn student_t(values: &[f64], level: f64) -> Result<Interval, String> {
    let n = values.len();
    if n < 2 {
        return Err(format!("n = {n}: too few trials for an interval of the mean (at least 2)"));
    }
    let m = super::mean(values);
    let half = t_quantile(n - 1, level) * super::std_dev(values) / (n as f64).sqrt();
    Ok(Interval {
        low: m - half,
        high: m + half,
        level,
        method: "Student t",
        approximate: n < T_RELIABLE_FROM,
    })
}

/// The corrected resampled t interval of a mean over `folds x repetitions` correlated
/// estimates (Nadeau & Bengio 2003; Bouckaert & Frank 2004): the variance of the mean is
/// `(1 / n + test_train) * s^2`, where `test_train` is the ratio of test to training rows.
pub fn corrected_mean(values: &[f64], test_train: f64, level: f64) -> Result<Interval, String> {
    let n = values.len();
    if n < 2 {
        return Err(format!("n = {n}: too few trial slots for an interval (at least 2)"));
    }
    let m = super::mean(values);
    let se = ((1.0 / n as f64 + test_train) * super::std_dev(values).powi(2)).sqrt();
    let half = t_quantile(n - 1, level) * se;
    Ok(Interval { low: m - half, high: m + half, level, method: "corrected resampled t", approximate: false })
}

/// Clopper–Pearson (exact binomial) interval of a proportion: `successes` of `n`.
pub fn clopper_pearson(successes: u64, n: u64, level: f64) -> Interval {
    let tail = (1.0 - level) / 2.0;
    let (x, n_f) = (successes as f64, n as f64);
    let low = if successes == 0 {
        0.0
    } else {
        Beta::new(x, n_f - x + 1.0).expect("valid shapes").inverse_cdf(tail)
    };
    let high = if successes >= n {
        1.0
    } else {
        Beta::new(x + 1.0, n_f - x).expect("valid shapes").inverse_cdf(1.0 - tail)
    };
    Interval { low, high, level, method: "Clopper–Pearson", approximate: false }
}

/// The two-sided `level` quantile of Student's t with `df` degrees of freedom.
pub fn t_quantile(df: usize, level: f64) -> f64 {
    StudentsT::new(0.0, 1.0, df as f64).expect("positive degrees of freedom").inverse_cdf(0.5 + level / 2.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sorted(n: usize) -> Vec<f64> {
        (1..=n).map(|i| i as f64).collect()
    }

    #[test]
    fn median_intervals_use_order_statistics_and_refuse_small_n() {
        let error = median(&sorted(3), 0.95).unwrap_err();
        assert_eq!(error, "n = 3: too few trials for a 95% interval of the median (at least 6)");
        assert!(median(&sorted(5), 0.95).is_err());
        // n = 6: [x(1), x(6)] covers 1 - 2/64 = 96.9%.
        let six = median(&sorted(6), 0.95).unwrap();
        assert_eq!((six.low, six.high), (1.0, 6.0));
        assert!((six.level - 0.96875).abs() < 1e-12);
        // n = 10: [x(2), x(9)] covers 1 - 2 * 11/1024 = 97.9%.
        let ten = median(&sorted(10), 0.95).unwrap();
        assert_eq!((ten.low, ten.high), (2.0, 9.0));
        assert!((ten.level - (1.0 - 22.0 / 1024.0)).abs() < 1e-12);
    }

    #[test]
    fn t_and_corrected_t_intervals() {
        let values = [1.0, 2.0, 3.0, 4.0, 5.0];
        assert!(mean(&values, 0.95).unwrap_err().contains("at least 10"));
        let plain = student_t(&values, 0.95).unwrap();
        // mean 3, s = sqrt(2.5), t(4) = 2.7764
        let half = 2.776_445 * 2.5f64.sqrt() / 5f64.sqrt();
        assert!((plain.low - (3.0 - half)).abs() < 1e-5 && plain.approximate);
        let corrected = corrected_mean(&values, 0.25, 0.95).unwrap();
        let half = 2.776_445 * ((0.2 + 0.25) * 2.5f64).sqrt();
        assert!((corrected.high - (3.0 + half)).abs() < 1e-5);
        assert!(mean(&[1.0], 0.95).is_err());
    }

    #[test]
    fn clopper_pearson_matches_known_values() {
        // 8 of 10: [0.4439, 0.9748] (standard tables).
        let i = clopper_pearson(8, 10, 0.95);
        assert!((i.low - 0.4439).abs() < 1e-4 && (i.high - 0.9748).abs() < 1e-4, "{i:?}");
        let none = clopper_pearson(0, 10, 0.95);
        assert_eq!(none.low, 0.0);
        assert!((none.high - 0.3085).abs() < 1e-4);
    }
}
