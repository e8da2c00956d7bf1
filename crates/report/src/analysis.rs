//! Everything a report shows, computed from a results folder: the summary, the
//! constraint verdicts, the frontier, the pick, the claims, the published figures of
//! declared candidates and CO2 under other scenarios.

use std::collections::HashMap;

use record::Record;
use spec::model::{PriorityMethod, Statistic};
use spec::{Claim, Comparison as Cmp, Direction, Experiment, Expr};

use data::rng::{Rng, derive_seed};

use crate::claims::{self, ClaimCheck};
use crate::compare::{Comparison, Evidence};
use crate::decide::{self, ConstraintCheck, Figure, Frontier, Judge, Pick, Status};
use crate::fixed::FixedSet;
use crate::results::Results;
use crate::stats::resample;
use crate::summary::{self, SummaryRow};
use crate::trials::{Design, Slot, Trials};

#[derive(Debug)]
pub struct Analysis {
    pub results: Results,
    pub summary: Vec<SummaryRow>,
    pub decision: Decision,
    /// Declared candidates: their line items and published figures, recomputed.
    pub published: Vec<crate::published::Reproduction>,
    pub scenarios: Vec<ScenarioRow>,
    /// How the test data varied across trials.
    pub design: Design,
    /// Successful records of the current plan.
    pub used: usize,
    /// Failed attempts of planned trials that have no successful record.
    pub failed: Vec<Record>,
    /// Records that are not part of the current plan, with the reason.
    pub ignored: Vec<(String, Record)>,
    /// Records of planned slots replaced by a later record of the same slot.
    pub superseded: usize,
    /// Why the stored predictions could not be used, if they could not.
    pub predictions_unusable: Option<String>,
    /// How the experiment file changed after trials were recorded, section by section.
    pub spec_changes: Vec<SpecChange>,
    /// Per-group figures of the protected attributes, or why they could not be made.
    pub groups: Result<Option<crate::groups::GroupFigures>, String>,
    /// The fewest and most rows a trial trained and tested on: `(train, test)` ranges.
    pub rows_used: Option<([usize; 2], [usize; 2])>,
}

/// Trials recorded under an earlier version of the experiment file than the one reported
/// from, and what differs: a claim or a bound edited after the results were in shows.
#[derive(Debug, Clone, PartialEq)]
pub struct SpecChange {
    pub sha256: String,
    pub records: usize,
    /// The sections that differ (`claims`, `constraints`, `priorities`, ...), or why the
    /// version cannot be compared.
    pub sections: Vec<String>,
}

/// A weighted metric, its stated share of the weights, and the pick as that share runs
/// from 0 to 1: `(from, to, candidate)` segments.
pub type SensitivityBand = (String, f64, Vec<(f64, f64, String)>);

#[derive(Debug)]
pub struct Decision {
    pub candidates: Vec<String>,
    pub constraints: Vec<ConstraintCheck>,
    /// Candidates that violate no constraint (met or undecided).
    pub feasible: Vec<String>,
    pub objectives: Vec<(String, Direction)>,
    pub noise_aware: bool,
    pub frontier: Frontier,
    pub pick: Option<Pick>,
    /// Why there is no pick although priorities are stated.
    pub pick_blocked: Option<String>,
    /// For a weighted pick: per weighted metric, its stated share of the weights and the
    /// pick as that share runs from 0 to 1, as `(from, to, candidate)` segments.
    pub sensitivity: Vec<SensitivityBand>,
    pub claims: Vec<ClaimCheck>,
    /// Energy figures of different coverage or method that the frontier, the pick or a
    /// claim ranked anyway, because `[environment] compare_mixed_energy = true`: one line
    /// each. Show as a caveat of the decision.
    pub mixed_energy: Vec<String>,
}

impl Decision {
    pub fn violates(&self, candidate: &str) -> bool {
        self.constraints.iter().any(|c| c.candidate == candidate && c.status == Status::Violated)
    }

    /// Feasible candidates with at least one undecided constraint.
    pub fn undecided(&self) -> Vec<&str> {
        self.feasible
            .iter()
            .filter(|c| self.constraints.iter().any(|k| &k.candidate == *c && k.status == Status::Undecided))
            .map(String::as_str)
            .collect()
    }
}

/// CO2 of one candidate under one scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct ScenarioRow {
    pub scenario: String,
    pub candidate: String,
    pub intensity: meter::footprint::CarbonIntensity,
    pub pue: f64,
    pub co2_g: f64,
}

impl Analysis {
    pub fn row(&self, candidate: &str, metric: &str) -> Option<&SummaryRow> {
        self.summary.iter().find(|r| r.candidate == candidate && r.metric == metric)
    }

    pub fn of(results: Results) -> Result<Analysis, polars::prelude::PolarsError> {
        let experiment = &results.experiment;
        let fingerprint = results.environment.as_ref().map(|e| e.hardware.fingerprint.as_str());
        let trials = Trials::of(experiment, &results.records, fingerprint, results.plan_keys());
        let (task, levels) = crate::fixed::task_of(&results);
        let (fixed, predictions_unusable) = match FixedSet::load(&results.dir, &trials, task, &levels) {
            Ok(fixed) => (fixed, None),
            Err(reason) => (None, Some(reason)),
        };
        let level = 1.0 - experiment.protocol.alpha;
        let summary = summary::summarise(&trials, fixed.as_ref(), level)?;
        let evidence = Evidence::new(&trials, fixed.as_ref());
        let judge = Judged { summary: &summary, evidence: &evidence, trials: &trials, fixed: fixed.as_ref() };
        let decision = decide(experiment, &summary, &judge, &evidence);
        let design = trials.design;
        let used = trials.usable().len();
        let failed = trials.failed.iter().map(|r| (*r).clone()).collect();
        let ignored = trials.ignored.iter().map(|(why, r)| (why.clone(), (*r).clone())).collect();
        let superseded = trials.superseded.len();
        let spec_changes = spec_changes(&results, &trials);
        let groups = crate::groups::of(&results.dir, &trials, &results);
        let splits: Vec<&record::SplitFacts> =
            trials.usable().iter().filter_map(|r| r.split.as_ref()).collect();
        let range = |f: fn(&record::SplitFacts) -> usize| -> [usize; 2] {
            [splits.iter().map(|s| f(s)).min().unwrap_or(0), splits.iter().map(|s| f(s)).max().unwrap_or(0)]
        };
        let rows_used = (!splits.is_empty()).then(|| (range(|s| s.train_rows), range(|s| s.test_rows)));
        let published = crate::published::of(&results);
        let scenarios = scenarios(&results, &summary);
        Ok(Analysis {
            results,
            summary,
            decision,
            published,
            scenarios,
            design,
            used,
            failed,
            ignored,
            superseded,
            predictions_unusable,
            spec_changes,
            groups,
            rows_used,
        })
    }
}

/// The sections of the experiment file that differ between the version the plan's
/// records were made under and the version reported from.
fn spec_changes(results: &Results, trials: &Trials<'_>) -> Vec<SpecChange> {
    let current = &results.experiment;
    let mut counts: std::collections::BTreeMap<&str, usize> = std::collections::BTreeMap::new();
    for record in trials.usable() {
        if record.spec_sha256 != current.spec_sha256 {
            *counts.entry(record.spec_sha256.as_str()).or_default() += 1;
        }
    }
    counts
        .into_iter()
        .map(|(sha, records)| {
            let sections = match results.spec_versions.get(sha).map(|text| {
                spec::parse(
                    spec::SourceFile::new(format!("specs/{sha}.toml"), text.clone()),
                    &results.layout.spec_version(sha),
                    &spec::Catalogue::permissive(),
                )
            }) {
                None => vec!["(that version is not in specs/)".to_string()],
                Some(Err(_)) => vec!["(that version no longer reads as an experiment file)".to_string()],
                Some(Ok(old)) => {
                    let value =
                        |file: &spec::model::ExperimentFile| serde_json::to_value(file).unwrap_or_default();
                    let (old, new) = (value(&old.file), value(&current.file));
                    let keys: std::collections::BTreeSet<&String> =
                        old.as_object().into_iter().chain(new.as_object()).flat_map(|o| o.keys()).collect();
                    keys.into_iter().filter(|k| old.get(*k) != new.get(*k)).map(|k| k.to_string()).collect()
                }
            };
            SpecChange { sha256: sha.to_string(), records, sections }
        })
        .collect()
}

/// The decision's view of the results: summary figures, paired evidence, resamples.
struct Judged<'a> {
    summary: &'a [SummaryRow],
    evidence: &'a Evidence<'a>,
    trials: &'a Trials<'a>,
    fixed: Option<&'a FixedSet>,
}

impl Judge for Judged<'_> {
    fn figure(&self, candidate: &str, metric: &str) -> Option<Figure> {
        let row = self.summary.iter().find(|r| r.candidate == candidate && r.metric == metric)?;
        let declared = self.trials.is_declared(candidate);
        // A declared figure is exact, unless its inputs carry ranges: then its interval decides.
        Some(match (declared, row.model_range) {
            (true, Some([low, high])) => Figure { value: row.value, interval: Ok((low, high)), exact: false },
            _ => Figure { value: row.value, interval: row.decision_interval(), exact: declared },
        })
    }

    fn compare(&self, metric: &str, candidate: &str, factor: f64, other: &str) -> Result<Comparison, String> {
        if factor == 1.0 {
            return self.evidence.difference(metric, candidate, other);
        }
        let reference =
            |c: &str| Expr::Metric { metric: metric.to_string(), candidate: c.to_string(), span: 0..0 };
        let claim = Claim {
            left: reference(candidate),
            comparison: Cmp::GreaterEqual,
            right: Expr::Binary(Box::new(Expr::Number(factor)), '*', Box::new(reference(other))),
        };
        self.evidence.claim(&claim, &format!("{metric}[{candidate}] vs {factor} x {metric}[{other}]"))
    }

    fn alpha(&self) -> f64 {
        self.evidence.alpha()
    }

    fn rankable(&self, metric: &str, a: &str, b: &str) -> Result<Option<String>, String> {
        match self.evidence.comparable(metric, &[a, b]) {
            Ok(()) => Ok(None),
            Err(problem) if mixed_energy_allowed(self.trials.experiment) => Ok(Some(problem)),
            Err(problem) => Err(format!(
                "{problem}; such figures are not ranked (set `[environment] compare_mixed_energy = true` to compare them anyway)"
            )),
        }
    }

    fn resampled(
        &self,
        candidates: &[String],
        metrics: &[String],
        draws: usize,
    ) -> Vec<HashMap<(String, String), f64>> {
        resampled_figures(self.trials, self.fixed, candidates, metrics, draws)
    }
}

/// Each candidate's figures in `count` resamples of the trials: trial slots are drawn
/// with replacement (the same slots for every candidate, so pairing is kept), and on a
/// fixed test set its rows are drawn too.
fn resampled_figures(
    trials: &Trials<'_>,
    fixed: Option<&FixedSet>,
    candidates: &[String],
    metrics: &[String],
    count: usize,
) -> Vec<HashMap<(String, String), f64>> {
    let experiment = trials.experiment;
    let mut rng = Rng::new(derive_seed(experiment.seed, "pick/resamples"));
    let folds: Vec<Slot> = (0..experiment.protocol.evaluation.splits()).map(|f| (0, f)).collect();
    let tally = |keys: &[Slot], rng: &mut Rng| -> HashMap<Slot, u32> {
        let mut counts = HashMap::new();
        for _ in 0..keys.len() {
            *counts.entry(keys[rng.below(keys.len() as u64) as usize]).or_insert(0) += 1;
        }
        counts
    };
    let weighted = |values: &std::collections::BTreeMap<Slot, f64>,
                    counts: &HashMap<Slot, u32>,
                    statistic: Statistic| {
        let mut expanded = Vec::new();
        for (slot, value) in values {
            expanded.extend(std::iter::repeat_n(*value, counts.get(slot).copied().unwrap_or(0) as usize));
        }
        if expanded.is_empty() {
            return None;
        }
        expanded.sort_by(f64::total_cmp);
        Some(match statistic {
            Statistic::Median => crate::stats::median_sorted(&expanded),
            Statistic::Mean => crate::stats::mean(&expanded),
            Statistic::Min => expanded[0],
            Statistic::Max => expanded[expanded.len() - 1],
        })
    };
    (0..count)
        .map(|_| {
            let slots = tally(&trials.slots, &mut rng);
            let fold_counts = tally(&folds, &mut rng);
            let rows = fixed.map(|f| resample::draws(rng.next_u64(), f.truth.len(), 1, 1).remove(0).rows);
            let mut figures = HashMap::new();
            for candidate in candidates {
                for metric in metrics {
                    let Some(request) = experiment.metric(metric) else { continue };
                    let value = if trials.is_declared(candidate) {
                        trials.values(candidate, metric).values().next().copied()
                    } else if request.info.from_predictions {
                        match (trials.design, fixed, &rows) {
                            (Design::FixedTestSet { .. }, Some(fixed), Some(rows)) => {
                                let repetitions = fixed.common_repetitions(&[candidate]);
                                let times: Vec<u32> = repetitions
                                    .iter()
                                    .map(|r| slots.get(&(*r, 0)).copied().unwrap_or(0))
                                    .collect();
                                match fixed.of(candidate, &repetitions) {
                                    Some(predicted) if times.iter().any(|t| *t > 0) => {
                                        Some(resample::metric_under(
                                            &resample::Draw { rows: rows.clone(), repetitions: times },
                                            &fixed.test_rows(),
                                            &predicted,
                                            metric,
                                            request.statistic == Statistic::Median,
                                        ))
                                    }
                                    _ => None,
                                }
                            }
                            (Design::Resampled { partitions: 1, .. }, _, _)
                                if experiment.protocol.repetitions > 1 =>
                            {
                                weighted(&trials.units(candidate, metric), &fold_counts, request.statistic)
                            }
                            _ => weighted(&trials.values(candidate, metric), &slots, request.statistic),
                        }
                    } else {
                        weighted(&trials.values(candidate, metric), &slots, request.statistic)
                    };
                    if let Some(value) = value {
                        figures.insert((candidate.clone(), metric.clone()), value);
                    }
                }
            }
            figures
        })
        .collect()
}

fn mixed_energy_allowed(experiment: &Experiment) -> bool {
    experiment.file.environment.compare_mixed_energy.unwrap_or(false)
}

fn decide(
    experiment: &Experiment,
    summary: &[SummaryRow],
    judge: &Judged<'_>,
    evidence: &Evidence<'_>,
) -> Decision {
    let candidates: Vec<String> = experiment
        .candidates
        .iter()
        .map(|c| c.name.clone())
        .filter(|c| summary.iter().any(|r| &r.candidate == c))
        .collect();
    let constraints = decide::constraints(&candidates, &experiment.file.constraints, judge);
    let feasible: Vec<String> = candidates
        .iter()
        .filter(|c| !constraints.iter().any(|k| &k.candidate == *c && k.status == Status::Violated))
        .cloned()
        .collect();
    let objectives = decide::objectives(experiment);
    let priorities = experiment.file.priorities.as_ref();
    let noise_aware = priorities.and_then(|p| p.noise_aware).unwrap_or(true);
    let frontier = decide::frontier(&feasible, &objectives, judge, noise_aware);
    // The pick ranks every prioritised metric: energy figures of different coverage or
    // method are not ranked silently.
    let members: Vec<&str> = frontier.members.iter().map(String::as_str).collect();
    let pick_blocked = priorities.and_then(|p| {
        if mixed_energy_allowed(experiment) {
            return None;
        }
        prioritised(p).into_iter().find_map(|m| evidence.comparable(m, &members).err())
    });
    // What was ranked although it differs in coverage or method, where that is allowed.
    let mut mixed_energy = frontier.mixed.clone();
    if mixed_energy_allowed(experiment)
        && let Some(p) = priorities
    {
        for problem in prioritised(p).into_iter().filter_map(|m| evidence.comparable(m, &members).err()) {
            if !mixed_energy.contains(&problem) {
                mixed_energy.push(problem);
            }
        }
    }
    let pick = priorities.filter(|_| pick_blocked.is_none()).and_then(|p| {
        match p.method.unwrap_or(PriorityMethod::Weighted) {
            PriorityMethod::Weighted => {
                let weights: Vec<decide::Weight> = p
                    .weights
                    .iter()
                    .filter(|(_, w)| **w > 0.0)
                    .filter_map(|(m, w)| {
                        experiment
                            .metric(m)
                            .map(|r| (m.clone(), *w, r.info.direction, p.scales.get(m).copied()))
                    })
                    .collect();
                decide::weighted(&frontier.members, &weights, judge, noise_aware)
            }
            PriorityMethod::Lexicographic => {
                let order: Vec<(String, Direction)> = p
                    .order
                    .iter()
                    .filter_map(|m| experiment.metric(m).map(|r| (m.clone(), r.info.direction)))
                    .collect();
                decide::lexicographic(
                    &frontier.members,
                    &order,
                    p.tolerance.unwrap_or(0.01),
                    judge,
                    noise_aware,
                )
            }
        }
    });
    let claims = claims::check(&experiment.file.claims, evidence);
    for claim in &claims {
        if let Ok(comparison) = &claim.comparison {
            for note in comparison.notes.iter().filter(|n| n.contains(crate::compare::MIXED_ANYWAY)) {
                let line = format!("claim `{}`: {note}", claim.claim.check);
                if !mixed_energy.contains(&line) {
                    mixed_energy.push(line);
                }
            }
        }
    }
    let mut sensitivity = Vec::new();
    if let Some(p) = priorities
        && pick.as_ref().is_some_and(|p| p.method == PriorityMethod::Weighted)
        && frontier.members.len() > 1
    {
        let weights: Vec<decide::Weight> = p
            .weights
            .iter()
            .filter(|(_, w)| **w > 0.0)
            .filter_map(|(m, w)| {
                experiment.metric(m).map(|r| (m.clone(), *w, r.info.direction, p.scales.get(m).copied()))
            })
            .collect();
        let total: f64 = weights.iter().map(|w| w.1).sum();
        if weights.len() > 1 {
            for (index, (metric, weight, _, _)) in weights.iter().enumerate() {
                let bands =
                    decide::sensitivity_bands(&frontier.members, &weights, judge, noise_aware, index, 100)
                        .into_iter()
                        .map(|(from, to, c)| (from, to, frontier.members[c].clone()))
                        .collect();
                sensitivity.push((metric.clone(), weight / total, bands));
            }
        }
    }
    Decision {
        candidates,
        constraints,
        feasible,
        objectives,
        noise_aware,
        frontier,
        pick,
        pick_blocked,
        sensitivity,
        claims,
        mixed_energy,
    }
}

/// The metrics a priorities section ranks by.
fn prioritised(p: &spec::model::PrioritiesSection) -> Vec<&String> {
    p.weights.iter().filter(|(_, w)| **w > 0.0).map(|(m, _)| m).chain(&p.order).collect()
}

fn scenarios(results: &Results, summary: &[SummaryRow]) -> Vec<ScenarioRow> {
    let experiment = &results.experiment;
    let mut out = Vec::new();
    for scenario in &experiment.file.environment.scenarios {
        let intensity = match &scenario.carbon_intensity {
            spec::model::CarbonIntensity::Grams(g) => meter::footprint::declared_intensity(*g),
            spec::model::CarbonIntensity::Region(code) => match meter::footprint::lookup_region(code) {
                Some(region) => region,
                None => continue,
            },
        };
        for candidate in &experiment.candidates {
            let Some(row) =
                summary.iter().find(|r| r.candidate == candidate.name && r.metric == "train_energy")
            else {
                continue;
            };
            let joules = units::Unit::parse(&row.unit)
                .and_then(|u| u.convert(row.value, units::Unit::base(units::Dimension::Energy)));
            let Some(joules) = joules else { continue };
            out.push(ScenarioRow {
                scenario: scenario.name.clone(),
                candidate: candidate.name.clone(),
                intensity: intensity.clone(),
                pue: scenario.pue,
                co2_g: joules / 3.6e6 * scenario.pue * intensity.g_per_kwh,
            });
        }
    }
    out
}
