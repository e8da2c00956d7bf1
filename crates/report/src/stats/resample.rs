//! The bootstrap over one fixed test set: rows (and repetitions) are resampled
//! independently, as for a crossed design (Owen 2007), and every candidate is evaluated
//! on the same resampled rows, so differences between candidates are paired.
//!
//! It gives the quality figures of an official split their test-sample uncertainty, and
//! tests claims about them without assuming a distribution.

use data::rng::Rng;

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
