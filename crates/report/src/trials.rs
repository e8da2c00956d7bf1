//! The records that belong to the current plan, arranged by candidate and trial slot.
//!
//! A record counts only if it is a trial the experiment file plans today. When the last
//! run wrote its plan's trial keys (`plan.json`, for this very experiment file), that is
//! exact: a record counts if its key is one of them, since the key hashes every input of
//! the trial (data, protocol settings, code, machine). Otherwise, and as a second check,
//! by what the record says: its candidate (same learner and hyperparameters), a planned
//! (repetition, fold), and the seed and split the seed schedule gives that slot. Anything
//! else is listed with its reason, never mixed in and never dropped silently; of several
//! records of one slot the latest counts and the earlier ones are listed as superseded.

use std::collections::BTreeMap;

use record::{Record, Status};
use spec::{Evaluation, Experiment};

/// A trial slot: (repetition, fold). Every candidate of a slot shares its split and seed.
pub type Slot = (u32, u32);

/// How the test data varied across slots, which decides how quality figures are
/// summarised and compared.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Design {
    /// Several train/test splits (k-fold, or a holdout redrawn each repetition):
    /// quality estimates share training rows and are correlated, so the corrected
    /// resampled t applies. `partitions` is how many distinct splittings there are.
    Resampled { folds: u32, partitions: u32, test_train: f64 },
    /// One fixed test set (an official split, or the same holdout every repetition):
    /// its sampling error is found by resampling its rows.
    FixedTestSet { repetitions: u32 },
}

/// The records of the plan.
#[derive(Debug)]
pub struct Trials<'a> {
    pub experiment: &'a Experiment,
    /// Planned slots, in plan order.
    pub slots: Vec<Slot>,
    /// Successful records of the plan: candidate -> slot -> record. Declared candidates
    /// have one record at slot (0, 0).
    pub records: BTreeMap<String, BTreeMap<Slot, &'a Record>>,
    /// Failed attempts of planned slots that have no successful record.
    pub failed: Vec<&'a Record>,
    /// Records that are not part of the current plan, with the reason.
    pub ignored: Vec<(String, &'a Record)>,
    /// Successful records of planned slots replaced by a later record of the same slot
    /// (a re-run after the code or the machine changed).
    pub superseded: Vec<&'a Record>,
    pub design: Design,
}

impl<'a> Trials<'a> {
    /// Sorts `records` (in file order) into the plan's trials; `fingerprint` is the
    /// machine the results folder was run on.
    pub fn of(
        experiment: &'a Experiment,
        records: &'a [Record],
        fingerprint: Option<&str>,
        plan: Option<&record::PlanKeys>,
    ) -> Trials<'a> {
        let protocol = &experiment.protocol;
        let splits = protocol.evaluation.splits();
        let slots: Vec<Slot> =
            (0..protocol.repetitions).flat_map(|r| (0..splits).map(move |f| (r, f))).collect();
        let keys: Option<std::collections::HashSet<&str>> = plan
            .filter(|p| p.spec_sha256 == experiment.spec_sha256)
            .map(|p| p.trial_keys.iter().map(String::as_str).collect());
        let mut latest: BTreeMap<(String, Slot), &Record> = BTreeMap::new();
        let mut ignored = Vec::new();
        let mut superseded = Vec::new();
        // Records of a planned slot whose key the last run's plan does not have.
        let mut stale: Vec<&Record> = Vec::new();
        for record in records {
            match membership(experiment, record, fingerprint) {
                Err(reason) => ignored.push((reason, record)),
                Ok(()) if keys.as_ref().is_some_and(|k| !k.contains(record.trial_key.as_str())) => {
                    stale.push(record);
                }
                Ok(()) => {
                    let key = (record.candidate.clone(), (record.repetition, record.fold));
                    if let Some(earlier) = latest.insert(key, record)
                        && earlier.status == Status::Ok
                    {
                        superseded.push(earlier);
                    }
                }
            }
        }
        for record in stale {
            let slot = (record.candidate.clone(), (record.repetition, record.fold));
            if latest.contains_key(&slot) {
                if record.status == Status::Ok {
                    superseded.push(record);
                }
            } else {
                ignored.push((
                    "not a trial of the plan the last run made: its key differs (the data, a protocol or \
                     metric setting, the code or the machine changed since); run `tradeoff run` to redo it"
                        .into(),
                    record,
                ));
            }
        }
        let mut by_candidate: BTreeMap<String, BTreeMap<Slot, &Record>> = BTreeMap::new();
        let mut failed = Vec::new();
        for ((candidate, slot), record) in latest {
            match record.status {
                Status::Ok => {
                    by_candidate.entry(candidate).or_default().insert(slot, record);
                }
                Status::Failed => failed.push(record),
            }
        }
        let test_train = test_train_ratio(experiment, by_candidate.values().flat_map(|m| m.values()));
        let design = match protocol.evaluation {
            Evaluation::Official => Design::FixedTestSet { repetitions: protocol.repetitions },
            Evaluation::Holdout(_) if !protocol.reshuffle || protocol.repetitions == 1 => {
                Design::FixedTestSet { repetitions: protocol.repetitions }
            }
            Evaluation::Holdout(_) => {
                Design::Resampled { folds: 1, partitions: protocol.repetitions, test_train }
            }
            Evaluation::Folds(k) => Design::Resampled {
                folds: k,
                partitions: if protocol.reshuffle { protocol.repetitions } else { 1 },
                test_train,
            },
        };
        Trials { experiment, slots, records: by_candidate, failed, ignored, superseded, design }
    }

    /// Every successful record of the plan.
    pub fn usable(&self) -> Vec<&'a Record> {
        self.records.values().flat_map(|m| m.values().copied()).collect()
    }

    /// A candidate's value of a metric in each slot it succeeded in, in the metric's unit.
    pub fn values(&self, candidate: &str, metric: &str) -> BTreeMap<Slot, f64> {
        let Some(request) = self.experiment.metric(metric) else { return BTreeMap::new() };
        self.records
            .get(candidate)
            .map(|slots| {
                slots
                    .iter()
                    .filter_map(|(slot, record)| {
                        let value = record.measurement(metric)?.value_in(request.unit)?;
                        Some((*slot, value))
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// A candidate's model range of a metric in each slot, where its figures are estimates
    /// that carry one (the point value elsewhere).
    pub fn ranges(&self, candidate: &str, metric: &str) -> Option<BTreeMap<Slot, [f64; 2]>> {
        let request = self.experiment.metric(metric)?;
        let slots = self.records.get(candidate)?;
        if !slots.values().any(|r| r.measurement(metric).is_some_and(|m| m.range.is_some())) {
            return None;
        }
        Some(
            slots
                .iter()
                .filter_map(|(slot, record)| {
                    let m = record.measurement(metric)?;
                    let value = m.value_in(request.unit)?;
                    Some((*slot, m.range_in(request.unit).unwrap_or([value, value])))
                })
                .collect(),
        )
    }

    /// What a candidate's figures of a metric cover and how they were obtained, as
    /// distinct `scope (method)` labels: energy figures, and latency and throughput measured
    /// through a command's pipe or in-process, compare only within one label.
    pub fn coverage(&self, candidate: &str, metric: &str) -> Vec<String> {
        let mut labels: Vec<String> = self
            .records
            .get(candidate)
            .into_iter()
            .flat_map(|slots| slots.values())
            .filter_map(|r| r.measurement(metric))
            .map(|m| {
                let unscoped = if matches!(metric, "inference_latency" | "inference_throughput") {
                    "in-process calls"
                } else {
                    "declared figures"
                };
                format!("{} ({})", m.scope.as_deref().unwrap_or(unscoped), m.method)
            })
            .collect();
        labels.sort();
        labels.dedup();
        labels
    }

    /// The units a figure is analysed over: slots, except for quality figures when
    /// repetitions reuse one split, where a fold's repetitions are averaged into one
    /// value (they add no information about the split).
    pub fn units(&self, candidate: &str, metric: &str) -> BTreeMap<Slot, f64> {
        let values = self.values(candidate, metric);
        let quality = self.experiment.metric(metric).is_some_and(|m| m.info.from_predictions);
        match self.design {
            Design::Resampled { partitions: 1, .. }
                if quality && self.experiment.protocol.repetitions > 1 =>
            {
                let mut by_fold: BTreeMap<u32, Vec<f64>> = BTreeMap::new();
                for ((_, fold), value) in values {
                    by_fold.entry(fold).or_default().push(value);
                }
                by_fold.into_iter().map(|(fold, v)| ((0, fold), crate::stats::mean(&v))).collect()
            }
            _ => values,
        }
    }

    pub fn is_declared(&self, candidate: &str) -> bool {
        self.experiment.candidate(candidate).is_some_and(|c| !c.is_run())
    }
}

/// Whether a record is a trial of the current plan, or why not.
fn membership(experiment: &Experiment, record: &Record, fingerprint: Option<&str>) -> Result<(), String> {
    if fingerprint.is_some_and(|f| f != record.hardware_fingerprint) {
        return Err(format!("made on another machine (fingerprint {})", record.hardware_fingerprint));
    }
    let Some(candidate) = experiment.candidate(&record.candidate) else {
        return Err("its candidate is no longer in the experiment".into());
    };
    if candidate.learner != record.learner || candidate.params != record.params {
        return Err("made with other hyperparameters under the same name".into());
    }
    if !candidate.is_run() {
        return Ok(());
    }
    let protocol = &experiment.protocol;
    if record.repetition >= protocol.repetitions || record.fold >= protocol.evaluation.splits() {
        return Err(format!(
            "repetition {} fold {} is outside the plan ({} repetition(s) x {} split(s))",
            record.repetition,
            record.fold,
            protocol.repetitions,
            protocol.evaluation.splits()
        ));
    }
    if record.status == Status::Failed {
        return Ok(());
    }
    let Some(split) = &record.split else {
        return Err("recorded without its split (an older record format)".into());
    };
    if record.seed != data::seeds::learner(experiment.seed, record.repetition, record.fold) {
        return Err("made under another seed (the experiment's seed or seed schedule changed)".into());
    }
    let expected_split = match protocol.evaluation {
        Evaluation::Official => 0,
        _ => data::seeds::split(experiment.seed, record.repetition, protocol.reshuffle),
    };
    if split.seed != expected_split {
        return Err("made on another split (the protocol's seed or `reshuffle` changed)".into());
    }
    Ok(())
}

/// Test rows per training row, from the records (or the protocol when none says).
fn test_train_ratio<'r>(experiment: &Experiment, records: impl Iterator<Item = &'r &'r Record>) -> f64 {
    let ratios: Vec<f64> = records
        .filter_map(|r| r.split.as_ref())
        .filter(|s| s.train_rows > 0)
        .map(|s| s.test_rows as f64 / s.train_rows as f64)
        .collect();
    if !ratios.is_empty() {
        return crate::stats::mean(&ratios);
    }
    match experiment.protocol.evaluation {
        Evaluation::Folds(k) => 1.0 / (f64::from(k) - 1.0),
        Evaluation::Holdout(h) => h / (1.0 - h),
        Evaluation::Official => 0.0,
    }
}
