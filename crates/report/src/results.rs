//! A results folder read back: `runs.jsonl`, `environment.json` and the copy of the
//! experiment file the run was made from. Everything the report shows comes from here.

use std::path::{Path, PathBuf};

use record::{Environment, Record, RecordStore, Status};
use spec::Experiment;

/// The name of the experiment file's copy inside a results folder.
pub const EXPERIMENT_COPY: &str = "experiment.toml";

#[derive(Debug)]
pub struct Results {
    pub dir: PathBuf,
    pub experiment: Experiment,
    pub environment: Option<Environment>,
    /// Every record, in file order.
    pub records: Vec<Record>,
}

#[derive(Debug, thiserror::Error)]
pub enum ResultsError {
    #[error("cannot read `{path}`: {reason}")]
    Read { path: String, reason: String },
    #[error("{0}")]
    Store(#[from] record::StoreError),
}

impl Results {
    pub fn load(dir: &Path) -> Result<Results, ResultsError> {
        let experiment_path = dir.join(EXPERIMENT_COPY);
        let experiment = spec::load(&experiment_path, &spec::Catalogue::permissive()).map_err(|e| {
            ResultsError::Read { path: experiment_path.display().to_string(), reason: e.to_string() }
        })?;
        let environment_path = dir.join("environment.json");
        let environment = match std::fs::read_to_string(&environment_path) {
            Ok(text) => Some(serde_json::from_str(&text).map_err(|e| ResultsError::Read {
                path: environment_path.display().to_string(),
                reason: e.to_string(),
            })?),
            Err(_) => None,
        };
        let runs = dir.join("runs.jsonl");
        let records = if runs.exists() { RecordStore::read(&runs)? } else { Vec::new() };
        Ok(Results { dir: dir.to_path_buf(), experiment, environment, records })
    }

    /// The records a summary uses: successful, of this machine, of this experiment file,
    /// and for each trial the latest attempt.
    pub fn usable(&self) -> Vec<&Record> {
        let fingerprint = self.environment.as_ref().map(|e| e.hardware.fingerprint.clone());
        let mut latest: Vec<&Record> = Vec::new();
        for record in &self.records {
            if fingerprint.as_ref().is_some_and(|f| f != &record.hardware_fingerprint) {
                continue;
            }
            // A record of an older version of the file (other learner or hyperparameters
            // under the same name) is not a figure of this candidate.
            match self.experiment.candidate(&record.candidate) {
                Some(candidate)
                    if candidate.learner == record.learner && candidate.params == record.params => {}
                _ => continue,
            }
            match latest.iter_mut().find(|r| {
                r.candidate == record.candidate && r.fold == record.fold && r.repetition == record.repetition
            }) {
                Some(slot) => *slot = record,
                None => latest.push(record),
            }
        }
        latest.retain(|r| r.status == Status::Ok);
        latest
    }

    /// Records left out of the summary, and why, for the report to say so.
    pub fn excluded(&self) -> Vec<(String, &Record)> {
        let fingerprint = self.environment.as_ref().map(|e| e.hardware.fingerprint.clone());
        self.records
            .iter()
            .filter_map(|record| {
                if fingerprint.as_ref().is_some_and(|f| f != &record.hardware_fingerprint) {
                    Some((
                        format!("made on another machine (fingerprint {})", record.hardware_fingerprint),
                        record,
                    ))
                } else if self.experiment.candidate(&record.candidate).is_none() {
                    Some(("its candidate is no longer in the experiment".to_string(), record))
                } else if self
                    .experiment
                    .candidate(&record.candidate)
                    .is_some_and(|c| c.learner != record.learner || c.params != record.params)
                {
                    Some(("made with other hyperparameters under the same name".to_string(), record))
                } else {
                    None
                }
            })
            .collect()
    }

    pub fn failed(&self) -> Vec<&Record> {
        self.records.iter().filter(|r| r.status == Status::Failed).collect()
    }
}
