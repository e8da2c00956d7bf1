//! Tests of an effect from paired observations: one value per trial slot, each the
//! difference (or log-ratio) between two candidates measured in that slot, or between a
//! candidate and a bound.
//!
//! Every test returns one-sided p-values for both directions, so a claim can hold (its
//! direction is supported), fail (the opposite is supported) or stay undecided, and a
//! two-sided interval of the effect at the level asked for.

use statrs::distribution::{Binomial, ContinuousCDF, DiscreteCDF, StudentsT};

use super::intervals::{self, Interval};

/// The outcome of a test of an effect against zero.
#[derive(Debug, Clone, PartialEq)]
pub struct Test {
    /// The effect's estimate (a difference, or a log-ratio where the caller passed logs).
    pub estimate: f64,
    pub interval: Result<Interval, String>,
    /// One-sided p-value against "the effect is at most 0".
    pub p_positive: f64,
    /// One-sided p-value against "the effect is at least 0".
    pub p_negative: f64,
    /// Paired observations used (slots, or test rows).
    pub n: usize,
    pub method: &'static str,
}

impl Test {
    /// A test that cannot decide, with the reason.
    pub fn undecidable(estimate: f64, n: usize, method: &'static str, reason: String) -> Test {
        Test { estimate, interval: Err(reason), p_positive: 1.0, p_negative: 1.0, n, method }
    }
}

/// Wilcoxon's signed-rank test with the exact permutation distribution (midranks for
/// ties, zeros dropped), the Hodges–Lehmann estimate (median of the Walsh averages) and
/// its distribution-free interval. Assumes the differences are symmetric about their
/// centre, which holds under the null of exchangeable candidates; pass log-ratios for
/// ratio claims on positive figures.
pub fn wilcoxon(differences: &[f64], level: f64) -> Test {
    const METHOD: &str = "Wilcoxon signed-rank";
    let n_all = differences.len();
    let estimate = hodges_lehmann(differences);
    let nonzero: Vec<f64> = differences.iter().copied().filter(|d| *d != 0.0).collect();
    let interval = walsh_interval(differences, level);
    if nonzero.is_empty() {
        return Test { estimate, interval, p_positive: 1.0, p_negative: 1.0, n: n_all, method: METHOD };
    }
    // Midranks of |d|, doubled so that they are integers.
    let mut order: Vec<usize> = (0..nonzero.len()).collect();
    order.sort_by(|&a, &b| nonzero[a].abs().total_cmp(&nonzero[b].abs()));
    let mut ranks2 = vec![0usize; nonzero.len()];
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && nonzero[order[j + 1]].abs() == nonzero[order[i]].abs() {
            j += 1;
        }
        // Ranks i+1 ..= j+1 share their mean; doubled: (i + j + 2).
        for &k in &order[i..=j] {
            ranks2[k] = i + j + 2;
        }
        i = j + 1;
    }
    let observed: usize = nonzero.iter().zip(&ranks2).filter(|(d, _)| **d > 0.0).map(|(_, r)| r).sum();
    let tied = ranks2.iter().any(|r| r % 2 == 1) || {
        let mut sorted = ranks2.clone();
        sorted.sort_unstable();
        sorted.iter().enumerate().any(|(i, r)| *r != 2 * (i + 1))
    };
    let (at_least, at_most): (f64, f64) = if tied {
        let distribution = signed_rank_distribution(&ranks2);
        (distribution[observed..].iter().sum(), distribution[..=observed].iter().sum())
    } else {
        // Ranks 1..m without ties: the cached distribution of the plain sums.
        let distribution = untied(ranks2.len());
        let half = observed / 2;
        (distribution[half..].iter().sum(), distribution[..=half].iter().sum())
    };
    Test {
        estimate,
        interval,
        p_positive: at_least.min(1.0),
        p_negative: at_most.min(1.0),
        n: n_all,
        method: METHOD,
    }
}

/// P(W = s) for the sum of a random subset of `ranks` (each included with probability 1/2).
fn signed_rank_distribution(ranks: &[usize]) -> Vec<f64> {
    let total: usize = ranks.iter().sum();
    let mut probability = vec![0.0; total + 1];
    probability[0] = 1.0;
    let mut reach = 0;
    for &rank in ranks {
        reach += rank;
        for s in (0..=reach).rev() {
            let with = if s >= rank { probability[s - rank] } else { 0.0 };
            probability[s] = 0.5 * probability[s] + 0.5 * with;
        }
    }
    probability
}

/// The distribution of the signed-rank sum for ranks `1..=n` without ties, computed once
/// per `n` (the calibration simulation asks for the same few thousands of times).
fn untied(n: usize) -> std::sync::Arc<Vec<f64>> {
    use std::collections::HashMap;
    use std::sync::{Arc, Mutex, OnceLock};
    static CACHE: OnceLock<Mutex<HashMap<usize, Arc<Vec<f64>>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Mutex::default);
    if let Some(hit) = cache.lock().expect("an unpoisoned cache").get(&n) {
        return hit.clone();
    }
    let ranks: Vec<usize> = (1..=n).collect();
    let distribution = Arc::new(signed_rank_distribution(&ranks));
    cache.lock().expect("an unpoisoned cache").insert(n, distribution.clone());
    distribution
}

fn walsh_averages(values: &[f64]) -> Vec<f64> {
    let mut averages = Vec::with_capacity(values.len() * (values.len() + 1) / 2);
    for i in 0..values.len() {
        for j in i..values.len() {
            averages.push((values[i] + values[j]) / 2.0);
        }
    }
    averages.sort_by(f64::total_cmp);
    averages
}

/// The Hodges–Lehmann estimate: the median of the Walsh averages.
pub fn hodges_lehmann(values: &[f64]) -> f64 {
    super::median_sorted(&walsh_averages(values))
}

/// The distribution-free interval of the pseudo-median from the Walsh averages.
fn walsh_interval(values: &[f64], level: f64) -> Result<Interval, String> {
    let n = values.len();
    let distribution = untied(n);
    let tail = (1.0 - level) / 2.0;
    // The largest c with P(W <= c - 1) <= tail.
    let mut cumulative = 0.0;
    let mut c = 0;
    for (s, p) in distribution.iter().enumerate() {
        if cumulative + p > tail + 1e-12 {
            break;
        }
        cumulative += p;
        c = s + 1;
    }
    let minimum = (1..60).find(|&m| 0.5f64.powi(m as i32) <= tail + 1e-12).unwrap_or(60);
    if c == 0 || n < minimum {
        return Err(format!(
            "n = {n}: too few paired trials for a {:.0}% interval (at least {minimum})",
            level * 100.0
        ));
    }
    let averages = walsh_averages(values);
    let m = averages.len();
    Ok(Interval {
        low: averages[c - 1],
        high: averages[m - c],
        level: 1.0 - 2.0 * cumulative,
        method: "Hodges–Lehmann (Walsh averages)",
        approximate: false,
    })
}

/// The sign test: distribution-free, for the median of the differences; the interval is
/// the order-statistic interval of that median.
pub fn sign(differences: &[f64], level: f64) -> Test {
    let positive = differences.iter().filter(|d| **d > 0.0).count() as u64;
    let negative = differences.iter().filter(|d| **d < 0.0).count() as u64;
    let m = positive + negative;
    let tail_at_least = |k: u64| -> f64 {
        if k == 0 || m == 0 { 1.0 } else { Binomial::new(0.5, m).expect("a valid binomial").sf(k - 1) }
    };
    let mut sorted = differences.to_vec();
    sorted.sort_by(f64::total_cmp);
    Test {
        estimate: super::median_sorted(&sorted),
        interval: intervals::median(&sorted, level),
        p_positive: tail_at_least(positive),
        p_negative: tail_at_least(negative),
        n: differences.len(),
        method: "sign test",
    }
}

/// Student's t on the differences, with the variance of their mean inflated by
/// `test_train` (the corrected resampled t) when it is positive.
fn t_test(differences: &[f64], level: f64, test_train: f64, method: &'static str) -> Test {
    let n = differences.len();
    let mean = if n == 0 { f64::NAN } else { super::mean(differences) };
    if n < 2 {
        return Test::undecidable(mean, n, method, format!("n = {n}: too few paired trials (at least 2)"));
    }
    let sd = super::std_dev(differences);
    let se = ((1.0 / n as f64 + test_train) * sd * sd).sqrt();
    if se == 0.0 {
        // Every difference is the same number: the sign of the effect is not in doubt.
        let (p_positive, p_negative) = match mean.partial_cmp(&0.0) {
            Some(std::cmp::Ordering::Greater) => (0.0, 1.0),
            Some(std::cmp::Ordering::Less) => (1.0, 0.0),
            _ => (1.0, 1.0),
        };
        let interval = Ok(Interval { low: mean, high: mean, level, method, approximate: false });
        return Test { estimate: mean, interval, p_positive, p_negative, n, method };
    }
    let distribution = StudentsT::new(0.0, 1.0, (n - 1) as f64).expect("positive degrees of freedom");
    let t = mean / se;
    let half = intervals::t_quantile(n - 1, level) * se;
    Test {
        estimate: mean,
        interval: Ok(Interval {
            low: mean - half,
            high: mean + half,
            level,
            method,
            approximate: test_train == 0.0 && n < intervals::T_RELIABLE_FROM,
        }),
        p_positive: distribution.sf(t),
        p_negative: distribution.cdf(t),
        n,
        method,
    }
}

/// The paired t-test.
pub fn t(differences: &[f64], level: f64) -> Test {
    t_test(differences, level, 0.0, "paired t")
}

/// The corrected resampled t-test over `folds x repetitions` slot differences (Nadeau &
/// Bengio 2003; Bouckaert & Frank 2004): fold estimates share training rows, so the
/// variance of their mean is `(1/n + n_test/n_train) s^2`, not `s^2/n`.
pub fn corrected_t(differences: &[f64], test_train: f64, level: f64) -> Test {
    t_test(differences, level, test_train.max(f64::MIN_POSITIVE), "corrected resampled t")
}

/// McNemar's exact test on one test set: `first_only` rows only the first candidate gets
/// right, `second_only` rows only the second does. Returns one-sided p-values for "the
/// first is more accurate" and "the second is more accurate".
pub fn mcnemar(first_only: u64, second_only: u64) -> (f64, f64) {
    let m = first_only + second_only;
    if m == 0 {
        return (1.0, 1.0);
    }
    let binomial = Binomial::new(0.5, m).expect("a valid binomial");
    let at_least = |k: u64| if k == 0 { 1.0 } else { binomial.sf(k - 1) };
    (at_least(first_only), at_least(second_only))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wilcoxon_exact_p_values_by_hand() {
        // All five positive: W+ = 15 of 15, P(W+ >= 15) = 1/32.
        let test = wilcoxon(&[1.0, 2.0, 3.0, 4.0, 5.0], 0.95);
        assert!((test.p_positive - 1.0 / 32.0).abs() < 1e-12);
        assert!((test.p_negative - 1.0).abs() < 1e-12);
        assert_eq!(test.estimate, 3.0);
        // n = 5 cannot give a two-sided 95% interval (1/32 > 2.5%).
        assert!(test.interval.is_err());
        // Ranks 1..4 with the rank-1 value negative: W+ = 9; P(W+ >= 9) = 2/16.
        let test = wilcoxon(&[-1.0, 2.0, 3.0, 4.0], 0.95);
        assert!((test.p_positive - 2.0 / 16.0).abs() < 1e-12, "{test:?}");
        // Zeros carry no sign and are dropped.
        assert_eq!(wilcoxon(&[0.0, 0.0], 0.95).p_positive, 1.0);
    }

    #[test]
    fn ties_use_midranks() {
        // |d| = 1, 1, 2: midranks 1.5, 1.5, 3. W+ = 4.5 with signs (+, -, +).
        // Subset sums of {1.5, 1.5, 3}: 0, 1.5, 1.5, 3, 3, 4.5, 4.5, 6 -> P(W+ >= 4.5) = 3/8.
        let test = wilcoxon(&[1.0, -1.0, 2.0], 0.95);
        assert!((test.p_positive - 3.0 / 8.0).abs() < 1e-12, "{test:?}");
    }

    #[test]
    fn walsh_interval_at_n_6_spans_the_extremes() {
        let test = wilcoxon(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0], 0.95);
        let interval = test.interval.unwrap();
        assert_eq!((interval.low, interval.high), (1.0, 6.0));
        assert!((interval.level - (1.0 - 2.0 / 64.0)).abs() < 1e-12);
    }

    #[test]
    fn sign_and_t_tests() {
        let test = sign(&[1.0, 2.0, -0.5, 3.0, 4.0, 5.0], 0.95);
        // 5 of 6 positive: P(B >= 5) = 7/64.
        assert!((test.p_positive - 7.0 / 64.0).abs() < 1e-12);
        let test = t(&[1.0, 2.0, 3.0], 0.95);
        // t = 2 / (1 / sqrt 3) = 3.464, df 2: one-sided p = 0.0370.
        assert!((test.p_positive - 0.0370).abs() < 1e-3, "{test:?}");
        let constant = t(&[0.5, 0.5, 0.5], 0.95);
        assert_eq!((constant.p_positive, constant.p_negative), (0.0, 1.0));
        let zero = corrected_t(&[0.0, 0.0, 0.0], 0.25, 0.95);
        assert_eq!((zero.p_positive, zero.p_negative), (1.0, 1.0));
    }

    #[test]
    fn corrected_t_is_wider_than_the_plain_one() {
        let d = [0.01, 0.02, 0.015, 0.03, 0.005, 0.02, 0.01, 0.025, 0.02, 0.015];
        let plain = t(&d, 0.95);
        let corrected = corrected_t(&d, 0.25, 0.95);
        assert!(corrected.p_positive > plain.p_positive);
        let (p, c) = (plain.interval.unwrap(), corrected.interval.unwrap());
        assert!(c.high - c.low > p.high - p.low);
    }

    #[test]
    fn mcnemar_by_hand() {
        // 9 discordant rows, 8 for the first: P(X >= 8 | Bin(9, 1/2)) = 10/512.
        let (first, second) = mcnemar(8, 1);
        assert!((first - 10.0 / 512.0).abs() < 1e-12);
        assert!((second - 1.0 + 1.0 / 512.0).abs() < 1e-12);
        assert_eq!(mcnemar(0, 0), (1.0, 1.0));
    }
}
