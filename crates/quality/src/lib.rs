//! Quality figures computed from predictions: accuracy, macro-F1, balanced accuracy,
//! precision, recall, ROC AUC, and the fairness gaps between protected groups (accuracy
//! gap, demographic parity difference, equalized odds difference, as Fairlearn defines
//! them).
//!
//! One crate so that the worker that measures a trial, the report that compares
//! candidates row by row (resampling test rows: every figure takes row weights), and the
//! audit that recomputes every quality figure from stored predictions use the same
//! formulas. No I/O, no dependencies.

/// The quality metrics this crate computes, by name.
pub const METRICS: &[&str] = &[
    "accuracy",
    "macro_f1",
    "balanced_accuracy",
    "precision",
    "recall",
    "roc_auc",
    "accuracy_gap",
    "demographic_parity_difference",
    "equalized_odds_difference",
];

/// What the figures are about: the classes, the positive one (binary tasks, or one
/// declared), and the smallest group a fairness figure counts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Task {
    pub n_classes: usize,
    /// The positive class for precision, recall, AUC and the fairness figures; `None`
    /// means macro averages (precision, recall, AUC) and the worst class one-vs-rest
    /// (fairness).
    pub positive: Option<u32>,
    /// Groups with less weight than this are left out of the fairness figures.
    pub min_group_size: f64,
}

impl Task {
    /// A task with `n_classes`: binary tasks take the second class as positive.
    pub fn new(n_classes: usize) -> Task {
        Task { n_classes, positive: (n_classes == 2).then_some(1), min_group_size: 1.0 }
    }
}

/// Test rows: truth and predictions, optionally the learner's class scores (row-major,
/// `n_classes` per row), each row's protected group, and row weights (how often a
/// bootstrap drew it; all 1 when absent).
#[derive(Debug, Clone, Copy)]
pub struct Rows<'a> {
    pub truth: &'a [u32],
    pub predicted: &'a [u32],
    pub scores: Option<&'a [f32]>,
    pub groups: Option<&'a [u32]>,
    pub weights: Option<&'a [u32]>,
}

impl<'a> Rows<'a> {
    pub fn new(truth: &'a [u32], predicted: &'a [u32]) -> Rows<'a> {
        Rows { truth, predicted, scores: None, groups: None, weights: None }
    }

    fn weight(&self, i: usize) -> f64 {
        self.weights.map_or(1.0, |w| f64::from(w[i]))
    }
}

/// A metric of [`METRICS`] by name; `None` when the rows cannot give it (no scores for
/// AUC, fewer than two groups large enough for a fairness gap, an unknown name).
pub fn metric(name: &str, rows: &Rows<'_>, task: &Task) -> Option<f64> {
    let confusion = || Confusion::of_rows(rows, task.n_classes);
    match name {
        "accuracy" => Some(confusion().accuracy()),
        "macro_f1" => Some(confusion().macro_f1()),
        "balanced_accuracy" => Some(confusion().balanced_accuracy()),
        "precision" => Some(confusion().precision(task.positive)),
        "recall" => Some(confusion().recall(task.positive)),
        "roc_auc" => roc_auc(rows, task),
        "accuracy_gap" => fairness(rows, task, Gap::Accuracy),
        "demographic_parity_difference" => fairness(rows, task, Gap::DemographicParity),
        "equalized_odds_difference" => fairness(rows, task, Gap::EqualizedOdds),
        _ => None,
    }
}

/// Why [`metric`] gave no figure for these rows, in words for the record.
pub fn why_not(name: &str, rows: &Rows<'_>, task: &Task) -> String {
    match name {
        "roc_auc" if rows.scores.is_none() => "the learner exposes no class scores".into(),
        "roc_auc" => "the test rows lack a positive or a negative row for every class scored".into(),
        "accuracy_gap" | "demographic_parity_difference" | "equalized_odds_difference"
            if rows.groups.is_none() =>
        {
            "the dataset names no protected attribute".into()
        }
        "accuracy_gap" | "demographic_parity_difference" | "equalized_odds_difference" => format!(
            "fewer than two protected groups have at least {} test rows (`min_group_size`)",
            task.min_group_size
        ),
        _ => format!("`{name}` is not a quality metric"),
    }
}

/// Each row's group in the intersection of several protected attributes: `(groups,
/// levels)` per attribute, combined in mixed radix (the first attribute varies slowest).
/// One attribute's groups are returned as they are.
pub fn intersect(columns: &[(&[u32], u32)]) -> Vec<u32> {
    let rows = columns.first().map_or(0, |(g, _)| g.len());
    (0..rows)
        .map(|r| columns.iter().fold(0u32, |index, (groups, levels)| index * levels + groups[r]))
        .collect()
}

/// The name of an intersected group: its levels joined by ` & `.
pub fn intersection_name(group: u32, levels: &[&[String]]) -> String {
    let mut rest = group;
    let mut parts = Vec::with_capacity(levels.len());
    for names in levels.iter().rev() {
        let n = names.len().max(1) as u32;
        parts.push(names.get((rest % n) as usize).cloned().unwrap_or_else(|| (rest % n).to_string()));
        rest /= n;
    }
    parts.reverse();
    parts.join(" & ")
}

/// Weighted counts of (true class, predicted class) pairs. Predictions outside the known
/// classes count as wrong and in no class's column.
#[derive(Debug, Clone, PartialEq)]
pub struct Confusion {
    n_classes: usize,
    /// `counts[truth * n_classes + predicted]`.
    counts: Vec<f64>,
    /// Rows predicted as a class the dataset does not have, by true class.
    unknown: Vec<f64>,
}

impl Confusion {
    pub fn new(n_classes: usize) -> Self {
        Confusion { n_classes, counts: vec![0.0; n_classes * n_classes], unknown: vec![0.0; n_classes] }
    }

    /// The confusion of `predicted` against `truth`, row by row.
    pub fn of(truth: &[u32], predicted: &[u32], n_classes: usize) -> Self {
        Confusion::of_rows(&Rows::new(truth, predicted), n_classes)
    }

    pub fn of_rows(rows: &Rows<'_>, n_classes: usize) -> Self {
        let mut confusion = Confusion::new(n_classes);
        for (i, (&t, &p)) in rows.truth.iter().zip(rows.predicted).enumerate() {
            confusion.add_weighted(t, p, rows.weight(i));
        }
        confusion
    }

    /// Counts one row. A true class outside the known classes is ignored.
    pub fn add(&mut self, truth: u32, predicted: u32) {
        self.add_weighted(truth, predicted, 1.0);
    }

    /// Counts one row `weight` times (a row drawn that often by a bootstrap).
    pub fn add_weighted(&mut self, truth: u32, predicted: u32, weight: f64) {
        let (t, p) = (truth as usize, predicted as usize);
        if t >= self.n_classes {
            return;
        }
        if p < self.n_classes {
            self.counts[t * self.n_classes + p] += weight;
        } else {
            self.unknown[t] += weight;
        }
    }

    pub fn rows(&self) -> f64 {
        self.counts.iter().sum::<f64>() + self.unknown.iter().sum::<f64>()
    }

    pub fn correct(&self) -> f64 {
        (0..self.n_classes).map(|c| self.counts[c * self.n_classes + c]).sum()
    }

    /// Rows whose true class is `c`.
    pub fn actual(&self, c: usize) -> f64 {
        (0..self.n_classes).map(|p| self.counts[c * self.n_classes + p]).sum::<f64>() + self.unknown[c]
    }

    /// Rows predicted as `c`.
    pub fn predicted(&self, c: usize) -> f64 {
        (0..self.n_classes).map(|t| self.counts[t * self.n_classes + c]).sum()
    }

    /// Rows of class `c` predicted as `c`.
    pub fn hits(&self, c: usize) -> f64 {
        self.counts[c * self.n_classes + c]
    }

    /// Share of rows predicted correctly (0 for no rows).
    pub fn accuracy(&self) -> f64 {
        ratio(self.correct(), self.rows())
    }

    /// Unweighted mean of per-class F1 = 2 TP / (predicted + actual), over the classes
    /// that occur in the truth or the predictions.
    pub fn macro_f1(&self) -> f64 {
        mean((0..self.n_classes).filter_map(|c| {
            let denominator = self.actual(c) + self.predicted(c);
            (denominator > 0.0).then(|| 2.0 * self.hits(c) / denominator)
        }))
    }

    /// Mean recall over the classes that occur in the truth.
    pub fn balanced_accuracy(&self) -> f64 {
        mean((0..self.n_classes).filter(|&c| self.actual(c) > 0.0).map(|c| self.hits(c) / self.actual(c)))
    }

    /// Precision of the positive class, or the macro average over the classes that occur
    /// in the truth or the predictions; a class never predicted has precision 0 there, as
    /// in scikit-learn (`zero_division = 0`), so never predicting a class is not rewarded.
    pub fn precision(&self, positive: Option<u32>) -> f64 {
        match positive {
            Some(p) => ratio(self.hits(p as usize), self.predicted(p as usize)),
            None => mean(
                (0..self.n_classes)
                    .filter(|&c| self.predicted(c) > 0.0 || self.actual(c) > 0.0)
                    .map(|c| if self.predicted(c) > 0.0 { self.hits(c) / self.predicted(c) } else { 0.0 }),
            ),
        }
    }

    /// Recall of the positive class, or the macro average over true classes.
    pub fn recall(&self, positive: Option<u32>) -> f64 {
        match positive {
            Some(p) => ratio(self.hits(p as usize), self.actual(p as usize)),
            None => self.balanced_accuracy(),
        }
    }

    /// A metric by name, for the figures a confusion matrix gives.
    pub fn metric(&self, name: &str) -> Option<f64> {
        match name {
            "accuracy" => Some(self.accuracy()),
            "macro_f1" => Some(self.macro_f1()),
            "balanced_accuracy" => Some(self.balanced_accuracy()),
            _ => None,
        }
    }
}

fn ratio(a: f64, b: f64) -> f64 {
    if b > 0.0 { a / b } else { 0.0 }
}

fn mean(values: impl Iterator<Item = f64>) -> f64 {
    let (sum, n) = values.fold((0.0, 0usize), |(s, n), v| (s + v, n + 1));
    if n == 0 { 0.0 } else { sum / n as f64 }
}

/// ROC AUC from the scores: for a binary task (or a declared positive class) the
/// probability that a positive row outscores a negative one (ties count half), from the
/// weighted rank sum; otherwise the one-vs-rest macro average over classes present.
fn roc_auc(rows: &Rows<'_>, task: &Task) -> Option<f64> {
    let scores = rows.scores?;
    let k = task.n_classes;
    if scores.len() != rows.truth.len() * k {
        return None;
    }
    let one_vs_rest = |class: usize| -> Option<f64> {
        let mut items: Vec<(f32, bool, f64)> = (0..rows.truth.len())
            .map(|i| (scores[i * k + class], rows.truth[i] as usize == class, rows.weight(i)))
            .filter(|(_, _, w)| *w > 0.0)
            .collect();
        items.sort_by(|a, b| a.0.total_cmp(&b.0));
        let (mut positive, mut negative, mut below, mut area) = (0.0, 0.0, 0.0, 0.0);
        let mut i = 0;
        while i < items.len() {
            // A run of equal scores: its positives beat the negatives below and tie half
            // with the negatives in the run.
            let mut j = i;
            let (mut run_positive, mut run_negative) = (0.0, 0.0);
            while j < items.len() && items[j].0 == items[i].0 {
                if items[j].1 {
                    run_positive += items[j].2
                } else {
                    run_negative += items[j].2
                }
                j += 1;
            }
            area += run_positive * (below + run_negative / 2.0);
            below += run_negative;
            positive += run_positive;
            negative += run_negative;
            i = j;
        }
        (positive > 0.0 && negative > 0.0).then(|| area / (positive * negative))
    };
    match task.positive {
        Some(p) => one_vs_rest(p as usize),
        None => {
            let values: Vec<f64> = (0..k).filter_map(one_vs_rest).collect();
            (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Gap {
    Accuracy,
    DemographicParity,
    EqualizedOdds,
}

/// One protected group's rates.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupRates {
    pub group: u32,
    /// Weight (rows) in the group.
    pub rows: f64,
    pub accuracy: f64,
    /// Share predicted as the class (the positive class, or each class one-vs-rest).
    pub selection: Vec<f64>,
    /// Per class: true-positive and false-positive rate (one-vs-rest).
    pub tpr: Vec<f64>,
    pub fpr: Vec<f64>,
}

/// Per-group rates, for the groups with rows.
pub fn groups(rows: &Rows<'_>, task: &Task) -> Vec<GroupRates> {
    let Some(groups) = rows.groups else { return Vec::new() };
    let n_groups = groups.iter().copied().max().map_or(0, |g| g as usize + 1);
    let k = task.n_classes;
    let mut confusions = vec![Confusion::new(k); n_groups];
    for i in 0..rows.truth.len() {
        confusions[groups[i] as usize].add_weighted(rows.truth[i], rows.predicted[i], rows.weight(i));
    }
    confusions
        .into_iter()
        .enumerate()
        .filter(|(_, c)| c.rows() > 0.0)
        .map(|(g, c)| {
            let total = c.rows();
            GroupRates {
                group: g as u32,
                rows: total,
                accuracy: c.accuracy(),
                selection: (0..k).map(|class| c.predicted(class) / total).collect(),
                tpr: (0..k).map(|class| ratio(c.hits(class), c.actual(class))).collect(),
                fpr: (0..k)
                    .map(|class| ratio(c.predicted(class) - c.hits(class), total - c.actual(class)))
                    .collect(),
            }
        })
        .collect()
}

fn fairness(rows: &Rows<'_>, task: &Task, gap: Gap) -> Option<f64> {
    let eligible: Vec<GroupRates> =
        groups(rows, task).into_iter().filter(|g| g.rows >= task.min_group_size).collect();
    if eligible.len() < 2 {
        return None;
    }
    let spread = |values: Vec<f64>| -> f64 {
        values.iter().copied().fold(f64::NEG_INFINITY, f64::max)
            - values.iter().copied().fold(f64::INFINITY, f64::min)
    };
    let classes: Vec<usize> = match task.positive {
        Some(p) => vec![p as usize],
        None => (0..task.n_classes).collect(),
    };
    Some(match gap {
        Gap::Accuracy => spread(eligible.iter().map(|g| g.accuracy).collect()),
        Gap::DemographicParity => classes
            .iter()
            .map(|&c| spread(eligible.iter().map(|g| g.selection[c]).collect()))
            .fold(0.0, f64::max),
        Gap::EqualizedOdds => classes
            .iter()
            .map(|&c| {
                spread(eligible.iter().map(|g| g.tpr[c]).collect())
                    .max(spread(eligible.iter().map(|g| g.fpr[c]).collect()))
            })
            .fold(0.0, f64::max),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: Option<f64>, b: f64) -> bool {
        a.is_some_and(|a| (a - b).abs() < 1e-12)
    }

    #[test]
    fn accuracy_and_macro_f1_by_hand() {
        // Class 0: tp 1, predicted 2, actual 1 -> F1 2/3; class 1: tp 1, predicted 1,
        // actual 2 -> F1 2/3. Accuracy 2/3.
        let c = Confusion::of(&[0, 1, 1], &[0, 0, 1], 2);
        assert!((c.accuracy() - 2.0 / 3.0).abs() < 1e-12);
        assert!((c.macro_f1() - 2.0 / 3.0).abs() < 1e-12);
        assert_eq!((c.rows(), c.correct()), (3.0, 2.0));
    }

    #[test]
    fn unknown_predictions_are_wrong_and_absent_classes_do_not_count() {
        // Three classes, class 2 never occurs: F1 over classes 0 and 1 only.
        let c = Confusion::of(&[0, 0, 1], &[0, 9, 1], 3);
        assert!((c.accuracy() - 2.0 / 3.0).abs() < 1e-12);
        assert!((c.macro_f1() - (2.0 / 3.0 + 1.0) / 2.0).abs() < 1e-12);
        assert_eq!(c.metric("nope"), None);
    }

    /// Ten rows, positive class 1: truth 1 1 1 1 0 0 0 0 0 0, predicted 1 1 1 0 1 0 0 0 0 0.
    /// TP 3, FN 1, FP 1, TN 5: precision 3/4, recall 3/4, balanced accuracy
    /// (3/4 + 5/6) / 2, accuracy 8/10.
    #[test]
    fn imbalanced_figures_by_hand() {
        let truth = [1, 1, 1, 1, 0, 0, 0, 0, 0, 0];
        let predicted = [1, 1, 1, 0, 1, 0, 0, 0, 0, 0];
        let rows = Rows::new(&truth, &predicted);
        let task = Task::new(2);
        assert!(close(metric("precision", &rows, &task), 0.75));
        assert!(close(metric("recall", &rows, &task), 0.75));
        assert!(close(metric("balanced_accuracy", &rows, &task), (0.75 + 5.0 / 6.0) / 2.0));
        assert!(close(metric("accuracy", &rows, &task), 0.8));
        // Weights: drawing the false negative twice more.
        let weights = [1, 1, 1, 3, 1, 1, 1, 1, 1, 1];
        let weighted = Rows { weights: Some(&weights), ..rows };
        assert!(close(metric("recall", &weighted, &task), 0.5));
    }

    /// Three classes, no positive class: macro averages, as scikit-learn's
    /// `precision_score(average="macro", zero_division=0)` and `recall_score`.
    /// truth 0 0 1 1 2 2, predicted 0 1 1 1 0 0: class 0 precision 1/3 (1 of 3 predicted),
    /// class 1 precision 2/3, class 2 never predicted: 0. Recall 1/2, 1, 0.
    #[test]
    fn macro_precision_and_recall_by_hand() {
        let truth = [0, 0, 1, 1, 2, 2];
        let predicted = [0, 1, 1, 1, 0, 0];
        let rows = Rows::new(&truth, &predicted);
        let task = Task { n_classes: 3, positive: None, min_group_size: 1.0 };
        assert!(close(metric("precision", &rows, &task), (1.0 / 3.0 + 2.0 / 3.0 + 0.0) / 3.0));
        assert!(close(metric("recall", &rows, &task), (0.5 + 1.0 + 0.0) / 3.0));
        assert!(close(metric("balanced_accuracy", &rows, &task), 0.5));
    }

    /// Scores of the positive class: positives 0.9, 0.8, 0.4; negatives 0.7, 0.4, 0.1.
    /// Pairs (9): positive wins 0.9>all 3, 0.8>all 3, 0.4>0.1 and ties 0.4: 3+3+1+0.5 = 7.5.
    #[test]
    fn roc_auc_by_hand() {
        let truth = [1, 1, 1, 0, 0, 0];
        let predicted = [1, 1, 0, 1, 0, 0];
        let positive = [0.9f32, 0.8, 0.4, 0.7, 0.4, 0.1];
        let scores: Vec<f32> = positive.iter().flat_map(|p| [1.0 - p, *p]).collect();
        let rows = Rows { scores: Some(&scores), ..Rows::new(&truth, &predicted) };
        assert!(close(metric("roc_auc", &rows, &Task::new(2)), 7.5 / 9.0));
        assert_eq!(metric("roc_auc", &Rows::new(&truth, &predicted), &Task::new(2)), None);
    }

    /// Two groups. Group 0: truth 1 1 0 0, predicted 1 0 0 0: accuracy 3/4, selection 1/4,
    /// TPR 1/2, FPR 0. Group 1: truth 1 1 0 0, predicted 1 1 1 0: accuracy 3/4, selection
    /// 3/4, TPR 1, FPR 1/2. Gaps: accuracy 0, demographic parity 1/2, equalized odds
    /// max(1/2, 1/2) = 1/2.
    #[test]
    fn fairness_gaps_by_hand() {
        let truth = [1, 1, 0, 0, 1, 1, 0, 0];
        let predicted = [1, 0, 0, 0, 1, 1, 1, 0];
        let groups = [0, 0, 0, 0, 1, 1, 1, 1];
        let rows = Rows { groups: Some(&groups), ..Rows::new(&truth, &predicted) };
        let task = Task::new(2);
        assert!(close(metric("accuracy_gap", &rows, &task), 0.0));
        assert!(close(metric("demographic_parity_difference", &rows, &task), 0.5));
        assert!(close(metric("equalized_odds_difference", &rows, &task), 0.5));
        // A group below the minimum size is left out: one group left, no gap.
        let small = Task { min_group_size: 5.0, ..task };
        assert_eq!(metric("accuracy_gap", &rows, &small), None);
    }

    /// Three groups, the third too small to count. Group 0 (4 rows): truth 1 1 0 0,
    /// predicted 1 1 0 0: accuracy 1, selection 1/2, TPR 1, FPR 0. Group 1 (6 rows):
    /// truth 1 1 1 0 0 0, predicted 1 0 0 1 0 0: accuracy 3/6, selection 2/6, TPR 1/3,
    /// FPR 1/3. Group 2 (2 rows, under the minimum of 3): truth 1 0, predicted 0 1.
    /// Over groups 0 and 1: accuracy gap 1/2, demographic parity 1/6, equalized odds the
    /// larger of the TPR gap 2/3 and the FPR gap 1/3.
    #[test]
    fn fairness_gaps_take_the_larger_rate_gap_and_skip_small_groups() {
        let truth = [1, 1, 0, 0, 1, 1, 1, 0, 0, 0, 1, 0];
        let predicted = [1, 1, 0, 0, 1, 0, 0, 1, 0, 0, 0, 1];
        let groups = [0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 2, 2];
        let rows = Rows { groups: Some(&groups), ..Rows::new(&truth, &predicted) };
        let task = Task { min_group_size: 3.0, ..Task::new(2) };
        assert!(close(metric("accuracy_gap", &rows, &task), 0.5));
        assert!(close(metric("demographic_parity_difference", &rows, &task), 0.5 - 2.0 / 6.0));
        // TPR gap 1 - 1/3 = 2/3, FPR gap 1/3 - 0 = 1/3: the larger counts.
        assert!(close(metric("equalized_odds_difference", &rows, &task), 2.0 / 3.0));
        // Counting the small group too: its TPR 0 and FPR 1 widen both gaps to 1.
        let all = Task { min_group_size: 1.0, ..task };
        assert!(close(metric("equalized_odds_difference", &rows, &all), 1.0));
    }
}
