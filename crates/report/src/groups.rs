//! Per-group figures for the protected attributes: each candidate's test rows, accuracy,
//! and (for the positive class) selection, true-positive and false-positive rate in every
//! group, pooled over its trials from the stored predictions. They show what the fairness
//! gaps summarise, and which groups were too small to count in them.

use std::collections::BTreeMap;
use std::path::Path;

use record::predictions::Predictions;

use crate::fixed::intersected_groups;
use crate::trials::Trials;

/// One candidate's figures in one group, pooled over its trials.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupRow {
    pub candidate: String,
    pub group: String,
    /// Test rows in the group, per trial on average.
    pub rows_per_trial: f64,
    pub accuracy: f64,
    /// Rates of the positive class (none without one).
    pub selection: Option<f64>,
    pub tpr: Option<f64>,
    pub fpr: Option<f64>,
    /// Whether the group is large enough to count in the fairness gaps.
    pub counted: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct GroupFigures {
    /// The protected attributes, joined by ` & ` when intersected.
    pub attribute: String,
    pub min_group_size: f64,
    pub positive: Option<String>,
    pub rows: Vec<GroupRow>,
}

/// The per-group table, or `None` when the dataset names no protected attribute.
pub fn of(dir: &Path, trials: &Trials<'_>, results: &crate::Results) -> Result<Option<GroupFigures>, String> {
    let Some(facts) = results.environment.as_ref().map(|e| &e.dataset) else { return Ok(None) };
    if facts.groups.is_empty() {
        return Ok(None);
    }
    let (task, levels) = crate::fixed::task_of(results);
    let names: Vec<&[String]> = facts.groups.iter().map(|(_, l)| l.as_slice()).collect();
    let mut rows = Vec::new();
    for (candidate, slots) in &trials.records {
        if trials.is_declared(candidate) {
            continue;
        }
        // group -> (trials it appeared in, trials it counted in)
        let mut counts: BTreeMap<u32, (f64, f64)> = BTreeMap::new();
        let mut confusions: BTreeMap<u32, quality::Confusion> = BTreeMap::new();
        let trial_count = slots.len() as f64;
        for record in slots.values() {
            let Some(artifact) = &record.predictions else { continue };
            let predictions = Predictions::read(dir, artifact).map_err(|e| e.to_string())?;
            let Some(groups) = intersected_groups(&predictions, &levels) else { continue };
            for (i, &group) in groups.iter().enumerate() {
                confusions
                    .entry(group)
                    .or_insert_with(|| quality::Confusion::new(task.n_classes))
                    .add(predictions.truth[i], predictions.predicted[i]);
            }
            // Whether the group counted in this trial's gaps.
            let rows = quality::Rows {
                groups: Some(&groups),
                ..quality::Rows::new(&predictions.truth, &predictions.predicted)
            };
            for rates in quality::groups(&rows, &task) {
                let entry = counts.entry(rates.group).or_default();
                entry.0 += 1.0;
                if rates.rows >= task.min_group_size {
                    entry.1 += 1.0;
                }
            }
        }
        for (group, confusion) in confusions {
            let (appeared, counted) = counts.get(&group).copied().unwrap_or_default();
            let positive = task.positive.map(|p| p as usize);
            let total = confusion.rows();
            let rate = |hits: f64, of: f64| if of > 0.0 { hits / of } else { 0.0 };
            rows.push(GroupRow {
                candidate: candidate.clone(),
                group: quality::intersection_name(group, &names),
                rows_per_trial: total / trial_count.max(1.0),
                accuracy: confusion.accuracy(),
                selection: positive.map(|p| rate(confusion.predicted(p), total)),
                tpr: positive.map(|p| rate(confusion.hits(p), confusion.actual(p))),
                fpr: positive
                    .map(|p| rate(confusion.predicted(p) - confusion.hits(p), total - confusion.actual(p))),
                counted: appeared > 0.0 && counted == appeared,
            });
        }
    }
    let positive = task.positive.and_then(|p| facts.class_names.get(p as usize).cloned());
    Ok(Some(GroupFigures {
        attribute: facts.groups.iter().map(|(name, _)| name.as_str()).collect::<Vec<_>>().join(" & "),
        min_group_size: task.min_group_size,
        positive,
        rows,
    }))
}
