//! The predictions of one fixed test set, aligned row by row across candidates and
//! repetitions, for the bootstrap over test rows (see [`crate::stats::resample`]).

use std::collections::BTreeMap;
use std::path::Path;

use record::predictions::Predictions;

use crate::stats::resample::Predicted;
use crate::trials::{Design, Trials};

#[derive(Debug, Clone)]
pub struct FixedSet {
    pub truth: Vec<u32>,
    pub n_classes: usize,
    /// candidate -> repetition -> predicted class of each row, aligned with `truth`.
    pub predicted: BTreeMap<String, BTreeMap<u32, Vec<u32>>>,
}

impl FixedSet {
    /// Loads the predictions of every successful trial when the design has one fixed
    /// test set; `Err` says why the rows cannot be used (the report then falls back to
    /// per-trial figures and says so).
    pub fn load(dir: &Path, trials: &Trials<'_>, n_classes: usize) -> Result<Option<FixedSet>, String> {
        if !matches!(trials.design, Design::FixedTestSet { .. }) {
            return Ok(None);
        }
        let mut rows: Option<(Vec<u32>, Vec<u32>)> = None;
        let mut predicted: BTreeMap<String, BTreeMap<u32, Vec<u32>>> = BTreeMap::new();
        for (candidate, slots) in &trials.records {
            if trials.is_declared(candidate) {
                continue;
            }
            for ((repetition, _), record) in slots {
                let Some(artifact) = &record.predictions else {
                    return Err(format!("`{candidate}` repetition {repetition} has no stored predictions"));
                };
                let p = Predictions::read(dir, artifact).map_err(|e| e.to_string())?;
                match &rows {
                    None => rows = Some((p.row.clone(), p.truth.clone())),
                    Some((row, truth)) if *row != p.row || *truth != p.truth => {
                        return Err(format!(
                            "`{candidate}` repetition {repetition} was tested on other rows than the first trial"
                        ));
                    }
                    Some(_) => {}
                }
                predicted.entry(candidate.clone()).or_default().insert(*repetition, p.predicted);
            }
        }
        Ok(rows.map(|(_, truth)| FixedSet { truth, n_classes, predicted }))
    }

    /// A candidate's predictions for the given repetitions (all of which it must have).
    pub fn of(&self, candidate: &str, repetitions: &[u32]) -> Option<Predicted> {
        let by_repetition = self.predicted.get(candidate)?;
        let rows: Option<Vec<Vec<u32>>> = repetitions.iter().map(|r| by_repetition.get(r).cloned()).collect();
        rows.map(|by_repetition| Predicted { by_repetition })
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
