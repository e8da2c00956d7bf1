//! The bootstrap over one fixed test set: rows (and repetitions) are resampled
//! independently, as for a crossed design (Owen 2007), and every candidate is evaluated
//! on the same resampled rows, so differences between candidates are paired.
//!
//! It gives the quality figures of an official split their test-sample uncertainty, and
//! tests claims about them without assuming a distribution. With several repetitions
//! (learner seeds) the mean over them is judged by [`crossed`]: the rows' variance from
//! this bootstrap, the seeds' from the repetitions themselves.

use data::rng::Rng;
use statrs::distribution::{ContinuousCDF, Normal, StudentsT};

use super::intervals::Interval;
use super::paired::Test;

/// Resamples per bootstrap.
pub const DRAWS: usize = 2000;

/// One resample: how often each test row and each repetition is drawn.
#[derive(Debug, Clone)]
pub struct Draw {
    pub rows: Vec<u32>,
    pub repetitions: Vec<u32>,
}

impl Draw {
    /// The original sample: every row and repetition once.
    pub fn identity(rows: usize, repetitions: usize) -> Draw {
        Draw { rows: vec![1; rows], repetitions: vec![1; repetitions] }
    }
}

/// `count` seeded resamples of `rows` test rows and `repetitions` repetitions (with one
/// repetition only rows are resampled).
pub fn draws(seed: u64, rows: usize, repetitions: usize, count: usize) -> Vec<Draw> {
    let mut rng = Rng::new(seed);
    (0..count)
        .map(|_| {
            let mut draw = Draw { rows: vec![0; rows], repetitions: vec![0; repetitions] };
            for _ in 0..rows {
                draw.rows[rng.below(rows as u64) as usize] += 1;
            }
            if repetitions == 1 {
                draw.repetitions[0] = 1;
            } else {
                for _ in 0..repetitions {
                    draw.repetitions[rng.below(repetitions as u64) as usize] += 1;
                }
            }
            draw
        })
        .collect()
}

/// One candidate's predictions on the test set, per repetition, aligned with the test
/// rows (and its class scores, where they were stored).
#[derive(Debug, Clone, Default)]
pub struct Predicted {
    pub by_repetition: Vec<Vec<u32>>,
    pub scores_by_repetition: Vec<Option<Vec<f32>>>,
}

impl Predicted {
    /// Predictions without scores.
    pub fn classes(by_repetition: Vec<Vec<u32>>) -> Predicted {
        Predicted { scores_by_repetition: vec![None; by_repetition.len()], by_repetition }
    }
}

/// What the test rows are, whoever predicted them: their classes, their protected group
/// (intersected over attributes), and the task that defines the figures.
#[derive(Debug, Clone, Copy)]
pub struct TestRows<'a> {
    pub truth: &'a [u32],
    pub groups: Option<&'a [u32]>,
    pub task: quality::Task,
}

impl<'a> TestRows<'a> {
    pub fn plain(truth: &'a [u32], n_classes: usize) -> TestRows<'a> {
        TestRows { truth, groups: None, task: quality::Task::new(n_classes) }
    }
}

/// A quality metric under a draw: per drawn repetition, the metric on the drawn rows
/// (each weighted by how often it was drawn); then the mean (or median) over
/// repetitions, each counted as often as it was drawn.
pub fn metric_under(
    draw: &Draw,
    test: &TestRows<'_>,
    predicted: &Predicted,
    metric: &str,
    median: bool,
) -> f64 {
    let mut values = Vec::new();
    for (repetition, &times) in draw.repetitions.iter().enumerate() {
        if times == 0 {
            continue;
        }
        let rows = quality::Rows {
            truth: test.truth,
            predicted: &predicted.by_repetition[repetition],
            scores: predicted.scores_by_repetition.get(repetition).and_then(|s| s.as_deref()),
            groups: test.groups,
            weights: Some(&draw.rows),
        };
        let value = quality::metric(metric, &rows, &test.task).unwrap_or(f64::NAN);
        values.extend(std::iter::repeat_n(value, times as usize));
    }
    if median { super::median(&values) } else { super::mean(&values) }
}

/// The percentile interval of bootstrap estimates.
pub fn percentile_interval(estimates: &[f64], level: f64) -> Interval {
    let mut sorted: Vec<f64> = estimates.iter().copied().filter(|v| v.is_finite()).collect();
    sorted.sort_by(f64::total_cmp);
    let at = |q: f64| {
        let index = ((q * (sorted.len() + 1) as f64).round() as usize).clamp(1, sorted.len().max(1)) - 1;
        sorted.get(index).copied().unwrap_or(f64::NAN)
    };
    Interval {
        low: at((1.0 - level) / 2.0),
        high: at((1.0 + level) / 2.0),
        level,
        method: "bootstrap over test rows",
        approximate: false,
    }
}

/// A test of an effect from its estimate on the original sample and its bootstrap
/// distribution: the p-value of a direction is the share of resamples on the other side.
pub fn test(estimate: f64, draws: &[f64], n: usize, level: f64) -> Test {
    let b = draws.len() as f64;
    let at_most_zero = draws.iter().filter(|d| **d <= 0.0).count() as f64;
    let at_least_zero = draws.iter().filter(|d| **d >= 0.0).count() as f64;
    Test {
        estimate,
        interval: Ok(percentile_interval(draws, level)),
        p_positive: ((1.0 + at_most_zero) / (b + 1.0)).min(1.0),
        p_negative: ((1.0 + at_least_zero) / (b + 1.0)).min(1.0),
        n,
        method: "paired bootstrap over test rows",
    }
}

/// Rows and learner seeds crossed: a figure that is the mean over `r` repetitions on one
/// test set varies with the rows (shared by every repetition) and with the seeds. Its
/// variance is the rows' part, the variance of `row_draws` (the figure in resamples of the
/// rows, every repetition kept), plus the seeds' part, `s^2 / r` from the repetitions'
/// own figures. Student t with Satterthwaite's degrees of freedom (the seeds' part rests
/// on `r - 1`), as the percentile bootstrap over rows and repetitions cannot be: it
/// treats three repetitions as the whole population of seeds and covered 82-89% when
/// seeds matter as much as rows (`just bench-stats`). Returns the standard error and the
/// degrees of freedom (infinite when the repetitions agree exactly).
pub fn crossed(per_repetition: &[f64], row_draws: &[f64]) -> (f64, f64) {
    let finite: Vec<f64> = row_draws.iter().copied().filter(|v| v.is_finite()).collect();
    let rows = super::std_dev(&finite).powi(2);
    let r = per_repetition.len() as f64;
    let seeds = super::std_dev(per_repetition).powi(2) / r;
    let total = rows + seeds;
    let df = if seeds > 0.0 { total * total / (seeds * seeds / (r - 1.0)) } else { f64::INFINITY };
    (total.sqrt(), df)
}

/// The two-sided `level` quantile of Student's t with `df` (possibly fractional or
/// infinite) degrees of freedom.
fn quantile(df: f64, level: f64) -> f64 {
    let p = 0.5 + level / 2.0;
    if df.is_finite() && df < 1e7 {
        StudentsT::new(0.0, 1.0, df).expect("positive degrees of freedom").inverse_cdf(p)
    } else {
        Normal::new(0.0, 1.0).expect("the standard normal").inverse_cdf(p)
    }
}

/// The method's name where it is used.
pub const CROSSED: &str = "bootstrap over test rows + t over repetitions";

/// The interval of a mean over repetitions on one test set (see [`crossed`]).
/// Marked approximate when the seeds' part dominates so that Satterthwaite's degrees of
/// freedom fall below `CROSSED_RELIABLE_DF` (3 repetitions with seeds three times the rows'
/// standard error covered 91%).
pub fn crossed_interval(estimate: f64, per_repetition: &[f64], row_draws: &[f64], level: f64) -> Interval {
    let (se, df) = crossed(per_repetition, row_draws);
    let half = quantile(df, level) * se;
    Interval {
        low: estimate - half,
        high: estimate + half,
        level,
        method: CROSSED,
        approximate: df < CROSSED_RELIABLE_DF,
    }
}

/// Satterthwaite's degrees of freedom below which a crossed interval is approximate.
pub const CROSSED_RELIABLE_DF: f64 = 10.0;

/// A test of an effect that is a mean over repetitions on one test set (see [`crossed`]).
pub fn crossed_test(
    estimate: f64,
    per_repetition: &[f64],
    row_draws: &[f64],
    rows: usize,
    level: f64,
) -> Test {
    let (se, df) = crossed(per_repetition, row_draws);
    let interval = Ok(crossed_interval(estimate, per_repetition, row_draws, level));
    let (p_positive, p_negative) = if se == 0.0 || !se.is_finite() {
        match estimate.partial_cmp(&0.0) {
            Some(std::cmp::Ordering::Greater) => (0.0, 1.0),
            Some(std::cmp::Ordering::Less) => (1.0, 0.0),
            _ => (1.0, 1.0),
        }
    } else {
        let t = estimate / se;
        if df.is_finite() && df < 1e7 {
            let d = StudentsT::new(0.0, 1.0, df).expect("positive degrees of freedom");
            (d.sf(t), d.cdf(t))
        } else {
            let d = Normal::new(0.0, 1.0).expect("the standard normal");
            (d.sf(t), d.cdf(t))
        }
    };
    Test { estimate, interval, p_positive, p_negative, n: rows, method: CROSSED }
}

/// The figure of each repetition alone, every row once.
pub fn per_repetition(rows: usize, repetitions: usize, figure: &dyn Fn(&Draw) -> f64) -> Vec<f64> {
    (0..repetitions)
        .map(|r| {
            let mut only = vec![0; repetitions];
            only[r] = 1;
            figure(&Draw { rows: vec![1; rows], repetitions: only })
        })
        .collect()
}

/// `count` resamples of the rows alone, every one of `repetitions` kept once.
pub fn row_draws(seed: u64, rows: usize, repetitions: usize, count: usize) -> Vec<Draw> {
    draws(seed, rows, 1, count)
        .into_iter()
        .map(|d| Draw { rows: d.rows, repetitions: vec![1; repetitions] })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_are_seeded_and_keep_their_totals() {
        let a = draws(5, 100, 3, 10);
        let b = draws(5, 100, 3, 10);
        assert_eq!(a[7].rows, b[7].rows);
        for draw in &a {
            assert_eq!(draw.rows.iter().sum::<u32>(), 100);
            assert_eq!(draw.repetitions.iter().sum::<u32>(), 3);
        }
        assert_eq!(draws(5, 10, 1, 3)[2].repetitions, vec![1]);
    }

    #[test]
    fn the_identity_draw_gives_the_plain_metric() {
        let truth = vec![0, 1, 1, 0];
        let predicted = Predicted::classes(vec![vec![0, 1, 0, 0], vec![0, 1, 1, 0]]);
        let draw = Draw::identity(4, 2);
        // Accuracies 0.75 and 1.0: mean 0.875.
        assert_eq!(metric_under(&draw, &TestRows::plain(&truth, 2), &predicted, "accuracy", false), 0.875);
    }

    #[test]
    fn the_crossed_error_adds_the_rows_and_the_seeds() {
        // Rows: draws 1, 2, 3 (variance 1); seeds: 0.2, 0.4, 0.6 (s^2 = 0.04, / 3).
        let (se, df) = crossed(&[0.2, 0.4, 0.6], &[1.0, 2.0, 3.0]);
        assert!((se - (1.0f64 + 0.04 / 3.0).sqrt()).abs() < 1e-12);
        // Satterthwaite: (1 + 0.01333)^2 / (0.01333^2 / 2) = 11,552.
        assert!((df - (1.0 + 0.04 / 3.0f64).powi(2) / ((0.04f64 / 3.0).powi(2) / 2.0)).abs() < 1e-6);
        // Seeds only, three of them: t with 2 degrees of freedom (4.303 at 95%).
        let interval = crossed_interval(0.4, &[0.2, 0.4, 0.6], &[0.4, 0.4], 0.95);
        let half = 4.302_653 * 0.2 / 3.0f64.sqrt();
        assert!((interval.high - (0.4 + half)).abs() < 1e-5, "{interval:?}");
        let test = crossed_test(0.4, &[0.2, 0.4, 0.6], &[0.4, 0.4], 100, 0.9);
        assert!(test.p_positive < 0.05 && test.p_negative > 0.95, "{test:?}");
    }

    #[test]
    fn a_draw_weights_rows_in_group_figures() {
        // Group 0: rows 0-1, both right; group 1: rows 2-3, one right. Gap 0.5.
        let truth = vec![0, 1, 1, 0];
        let groups = vec![0, 0, 1, 1];
        let test = TestRows { truth: &truth, groups: Some(&groups), task: quality::Task::new(2) };
        let predicted = Predicted::classes(vec![vec![0, 1, 1, 1]]);
        assert_eq!(metric_under(&Draw::identity(4, 1), &test, &predicted, "accuracy_gap", false), 0.5);
        // Drawing row 2 three times and row 3 never: group 1 is all right, no gap.
        let draw = Draw { rows: vec![1, 1, 2, 0], repetitions: vec![1] };
        assert_eq!(metric_under(&draw, &test, &predicted, "accuracy_gap", false), 0.0);
    }
}
