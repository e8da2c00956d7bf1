//! The predictions of one fixed test set, aligned row by row across candidates and
//! repetitions, for the bootstrap over test rows (see [`crate::stats::resample`]).

use std::collections::BTreeMap;
use std::path::Path;

use record::predictions::Predictions;

use crate::stats::resample::{Predicted, TestRows};
use crate::trials::{Design, Trials};

/// Row ids, true classes and groups of the test rows, as the first trial stored them.
type TestRowsOwned = (Vec<u32>, Vec<u32>, Option<Vec<u32>>);

#[derive(Debug, Clone)]
pub struct FixedSet {
    pub truth: Vec<u32>,
    pub n_classes: usize,
    /// What the quality figures mean here (positive class, smallest group counted).
    pub task: quality::Task,
    /// Each row's protected group (intersected over attributes), when the data has them.
    pub groups: Option<Vec<u32>>,
    /// candidate -> repetition -> predicted class of each row, aligned with `truth`.
    pub predicted: BTreeMap<String, BTreeMap<u32, Vec<u32>>>,
    /// candidate -> repetition -> class scores (row-major), where they were stored.
    pub scores: BTreeMap<String, BTreeMap<u32, Vec<f32>>>,
}

impl FixedSet {
    /// Loads the predictions of every successful trial when the design has one fixed
    /// test set; `Err` says why the rows cannot be used (the report then falls back to
    /// per-trial figures and says so).
    pub fn load(
        dir: &Path,
        trials: &Trials<'_>,
        task: quality::Task,
        levels: &[u32],
    ) -> Result<Option<FixedSet>, String> {
        if !matches!(trials.design, Design::FixedTestSet { .. }) {
            return Ok(None);
        }
        // The first trial's row ids, truth and groups: every other trial must match them.
        let mut rows: Option<TestRowsOwned> = None;
        let mut predicted: BTreeMap<String, BTreeMap<u32, Vec<u32>>> = BTreeMap::new();
        let mut scores: BTreeMap<String, BTreeMap<u32, Vec<f32>>> = BTreeMap::new();
        for (candidate, slots) in &trials.records {
            if trials.is_declared(candidate) {
                continue;
            }
            for ((repetition, _), record) in slots {
                let Some(artifact) = &record.predictions else {
                    return Err(format!("`{candidate}` repetition {repetition} has no stored predictions"));
                };
                let p = Predictions::read(dir, artifact).map_err(|e| e.to_string())?;
                let groups = intersected_groups(&p, levels);
                match &rows {
                    None => rows = Some((p.row.clone(), p.truth.clone(), groups)),
                    Some((row, truth, first_groups))
                        if *row != p.row || *truth != p.truth || *first_groups != groups =>
                    {
                        return Err(format!(
                            "`{candidate}` repetition {repetition} was tested on other rows than the first trial"
                        ));
                    }
                    Some(_) => {}
                }
                if let Some(s) = p.scores {
                    scores.entry(candidate.clone()).or_default().insert(*repetition, s.values);
                }
                predicted.entry(candidate.clone()).or_default().insert(*repetition, p.predicted);
            }
        }
        Ok(rows.map(|(_, truth, groups)| FixedSet {
            truth,
            n_classes: task.n_classes,
            task,
            groups,
            predicted,
            scores,
        }))
    }

    /// The test rows as the resampling sees them.
    pub fn test_rows(&self) -> TestRows<'_> {
        TestRows { truth: &self.truth, groups: self.groups.as_deref(), task: self.task }
    }

    /// A candidate's predictions for the given repetitions (all of which it must have).
    pub fn of(&self, candidate: &str, repetitions: &[u32]) -> Option<Predicted> {
        let by_repetition = self.predicted.get(candidate)?;
        let rows: Option<Vec<Vec<u32>>> = repetitions.iter().map(|r| by_repetition.get(r).cloned()).collect();
        let scores = self.scores.get(candidate);
        rows.map(|by_repetition| Predicted {
            by_repetition,
            scores_by_repetition: repetitions
                .iter()
                .map(|r| scores.and_then(|s| s.get(r)).cloned())
                .collect(),
        })
    }

    /// Repetitions in which every named candidate has predictions.
    pub fn common_repetitions(&self, candidates: &[&str]) -> Vec<u32> {
        let Some(first) = candidates.first().and_then(|c| self.predicted.get(*c)) else { return Vec::new() };
        first
            .keys()
            .copied()
            .filter(|r| candidates.iter().all(|c| self.predicted.get(*c).is_some_and(|m| m.contains_key(r))))
            .collect()
    }
}

/// Each row's group across the stored protected attributes, combined as the worker did.
pub fn intersected_groups(predictions: &Predictions, levels: &[u32]) -> Option<Vec<u32>> {
    if predictions.groups.is_empty() {
        return None;
    }
    let columns: Vec<(&[u32], u32)> = predictions
        .groups
        .iter()
        .enumerate()
        .map(|(i, (_, groups))| {
            let n =
                levels.get(i).copied().unwrap_or_else(|| groups.iter().copied().max().map_or(1, |m| m + 1));
            (groups.as_slice(), n)
        })
        .collect();
    Some(quality::intersect(&columns))
}

/// The quality task of a results folder: its classes, the declared positive class (else
/// the second of two), the smallest group a fairness figure counts; and the number of
/// levels of each protected attribute.
pub fn task_of(results: &crate::results::Results) -> (quality::Task, Vec<u32>) {
    let facts = results.environment.as_ref().map(|e| &e.dataset);
    let n_classes = facts.map_or(0, |f| f.classes);
    let dataset = results.experiment.dataset.as_ref();
    let positive = dataset
        .and_then(|d| d.positive.as_ref())
        .and_then(|p| facts?.class_names.iter().position(|c| c == p))
        .map(|i| i as u32)
        .or((n_classes == 2).then_some(1));
    let task = quality::Task {
        n_classes,
        positive,
        min_group_size: dataset.map_or(0.0, |d| d.min_group_size as f64),
    };
    let levels = facts.map(|f| f.groups.iter().map(|(_, l)| l.len() as u32).collect()).unwrap_or_default();
    (task, levels)
}
