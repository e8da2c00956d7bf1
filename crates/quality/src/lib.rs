//! Quality figures computed from predictions: accuracy and macro-averaged F1, from a
//! confusion matrix.
//!
//! One crate so that the worker that measures a trial, the report that compares
//! candidates row by row (resampling test rows), and the audit that recomputes every
//! figure from the stored predictions use the same formulas. No I/O, no dependencies.

/// Counts of (true class, predicted class) pairs. Predictions outside the known classes
/// count as wrong and in no class's column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Confusion {
    n_classes: usize,
    /// `counts[truth * n_classes + predicted]`.
    counts: Vec<u64>,
    /// Rows predicted as a class the dataset does not have.
    unknown: Vec<u64>,
}

/// The quality metrics this crate computes, by name.
pub const METRICS: &[&str] = &["accuracy", "macro_f1"];

impl Confusion {
    pub fn new(n_classes: usize) -> Self {
        Confusion { n_classes, counts: vec![0; n_classes * n_classes], unknown: vec![0; n_classes] }
    }

    /// The confusion of `predicted` against `truth`, row by row.
    pub fn of(truth: &[u32], predicted: &[u32], n_classes: usize) -> Self {
        let mut confusion = Confusion::new(n_classes);
        for (&t, &p) in truth.iter().zip(predicted) {
            confusion.add(t, p);
        }
        confusion
    }

    /// Counts one row. A true class outside the known classes is ignored.
    pub fn add(&mut self, truth: u32, predicted: u32) {
        self.add_weighted(truth, predicted, 1);
    }

    /// Counts one row `weight` times (a row drawn that often by a bootstrap).
    pub fn add_weighted(&mut self, truth: u32, predicted: u32, weight: u64) {
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

    pub fn rows(&self) -> u64 {
        self.counts.iter().sum::<u64>() + self.unknown.iter().sum::<u64>()
    }

    pub fn correct(&self) -> u64 {
        (0..self.n_classes).map(|c| self.counts[c * self.n_classes + c]).sum()
    }

    /// Share of rows predicted correctly (0 for no rows).
    pub fn accuracy(&self) -> f64 {
        let rows = self.rows();
        if rows == 0 { 0.0 } else { self.correct() as f64 / rows as f64 }
    }

    /// Unweighted mean of per-class F1 = 2 TP / (predicted + actual), over the classes
    /// that occur in the truth or the predictions.
    pub fn macro_f1(&self) -> f64 {
        let k = self.n_classes;
        let mut sum = 0.0;
        let mut classes = 0usize;
        for c in 0..k {
            let actual: u64 = (0..k).map(|p| self.counts[c * k + p]).sum::<u64>() + self.unknown[c];
            let predicted: u64 = (0..k).map(|t| self.counts[t * k + c]).sum();
            if actual + predicted == 0 {
                continue;
            }
            classes += 1;
            sum += 2.0 * self.counts[c * k + c] as f64 / (actual + predicted) as f64;
        }
        if classes == 0 { 0.0 } else { sum / classes as f64 }
    }

    /// A metric of [`METRICS`] by name.
    pub fn metric(&self, name: &str) -> Option<f64> {
        match name {
            "accuracy" => Some(self.accuracy()),
            "macro_f1" => Some(self.macro_f1()),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accuracy_and_macro_f1_by_hand() {
        // Class 0: tp 1, predicted 2, actual 1 -> F1 2/3; class 1: tp 1, predicted 1,
        // actual 2 -> F1 2/3. Accuracy 2/3.
        let c = Confusion::of(&[0, 1, 1], &[0, 0, 1], 2);
        assert!((c.accuracy() - 2.0 / 3.0).abs() < 1e-12);
        assert!((c.macro_f1() - 2.0 / 3.0).abs() < 1e-12);
        assert_eq!((c.rows(), c.correct()), (3, 2));
    }

    #[test]
    fn unknown_predictions_are_wrong_and_absent_classes_do_not_count() {
        // Three classes, class 2 never occurs: F1 over classes 0 and 1 only.
        // Class 0: tp 1, predicted 1, actual 2 (one row predicted as unknown class 9)
        // -> 2/3; class 1: tp 1, predicted 1, actual 1 -> 1.
        let c = Confusion::of(&[0, 0, 1], &[0, 9, 1], 3);
        assert!((c.accuracy() - 2.0 / 3.0).abs() < 1e-12);
        assert!((c.macro_f1() - (2.0 / 3.0 + 1.0) / 2.0).abs() < 1e-12);
        assert_eq!(c.metric("accuracy"), Some(c.accuracy()));
        assert_eq!(c.metric("nope"), None);
    }
}
