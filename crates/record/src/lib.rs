//! The on-disk results format: one [`Record`] per trial in `runs.jsonl`, and the run's
//! [`Environment`] in `environment.json`. These types are the project's data contract:
//! the engine writes them, the report and the audit read them, and
//! `schemas/run-record.schema.json` is generated from them.
//!
//! Every record is self-contained and carries the SHA-256 of its own content and of the
//! record before it, so an edit to any byte of a line is detectable, and so is a deleted,
//! reordered or re-sealed line. The store appends one line per trial and flushes it to
//! disk before the next trial starts. [`ResultsDir`] spells every file name of a results
//! folder, for the engine that writes it and the report and audit that read it.

mod layout;
pub mod predictions;
mod store;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

pub use layout::ResultsDir;
pub use store::{RecordStore, StoreError};
pub use units::{Measurement, Method};

/// The version of the record format; bumped on any incompatible change.
pub const SCHEMA_VERSION: u32 = 3;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Ok,
    Failed,
}

/// The commit the run was made from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct GitState {
    pub commit: Option<String>,
    /// Whether the working tree had uncommitted changes.
    pub dirty: bool,
}

/// One trial: its inputs, its measurements and its outcome.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Record {
    pub schema_version: u32,
    pub experiment: String,
    /// SHA-256 of the experiment file the trial was planned from.
    pub spec_sha256: String,
    /// SHA-256 of everything that determines the trial's outcome (candidate, data, fold,
    /// repetition, seed, protocol, code version): a re-run skips a key already recorded.
    pub trial_key: String,
    pub git: GitState,
    pub tool_version: String,
    pub candidate: String,
    pub learner: String,
    pub params: Map<String, Value>,
    pub device: String,
    pub fold: u32,
    pub repetition: u32,
    pub seed: u64,
    pub dataset_sha256: String,
    pub hardware_fingerprint: String,
    pub status: Status,
    pub error: Option<String>,
    /// RFC 3339 timestamps.
    pub started_at: String,
    pub ended_at: String,
    pub measurements: BTreeMap<String, Measurement>,
    /// The split the trial was evaluated on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub split: Option<SplitFacts>,
    /// The trial's test predictions, stored beside the records.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub predictions: Option<Artifact>,
    /// What each energy figure covers and why some figures are estimates.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// Where a cluster ran the trial (Slurm's job, task and node); none for local runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub placement: Option<Placement>,
    /// The `sha256` of the record before this one in `runs.jsonl` (empty for the first):
    /// the records form a hash chain.
    pub previous_sha256: String,
    /// SHA-256 of this record serialized without this field.
    pub sha256: String,
}

/// Where a cluster ran a trial: the scheduler's own facts, so a figure can be traced to
/// the job and the node that produced it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Placement {
    /// `slurm`.
    pub backend: String,
    /// The job array's id and the task's index in it (`job_id`_`array_index` to Slurm).
    pub job_id: String,
    pub array_index: u32,
    /// The node the task ran on.
    pub node: String,
    pub partition: Option<String>,
}

/// `plan.json`: the keys of the trials (and declared candidates' records) that the
/// experiment file's plan had when it last ran. The report counts exactly the records
/// with these keys, and lists the others with the reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanKeys {
    /// The experiment file the plan was made from.
    pub spec_sha256: String,
    pub trial_keys: Vec<String>,
}

/// How a run placed its trials, when not on the machine that ran `tradeoff run`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ExecutionFacts {
    /// `slurm`.
    pub backend: String,
    pub partition: Option<String>,
    /// The machine that submitted the jobs and wrote the records.
    pub submitted_from: String,
    /// Where the hardware in this file was read: `node <name>` for a cluster run.
    pub hardware_from: String,
}

impl Record {
    /// The hash of the record's content (every field but `sha256`, serialized compactly
    /// in field order).
    pub fn content_hash(&self) -> String {
        let mut value = serde_json::to_value(self).expect("a record serializes");
        value.as_object_mut().expect("a record is an object").remove("sha256");
        hash_value(&value)
    }

    /// Sets `sha256` from the content.
    pub fn seal(mut self) -> Self {
        self.sha256 = self.content_hash();
        self
    }

    pub fn measurement(&self, metric: &str) -> Option<&Measurement> {
        self.measurements.get(metric)
    }
}

/// The train/test split of one trial.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct SplitFacts {
    /// The seed that assigned rows to folds or to the holdout (0 for an official split).
    pub seed: u64,
    pub train_rows: usize,
    pub test_rows: usize,
}

/// A file a record refers to, by its path inside the results folder and its content hash.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Artifact {
    /// Relative to the results folder, with `/` separators.
    pub path: String,
    pub sha256: String,
    /// Rows it holds.
    pub rows: usize,
}

/// SHA-256 of a JSON value serialized compactly.
pub fn hash_value(value: &Value) -> String {
    let text = serde_json::to_string(value).expect("json serializes");
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// Checks one line of `runs.jsonl` against its stored hash, byte for byte: the line is
/// parsed keeping key order, `sha256` removed, and re-serialized.
pub fn verify_line(line: &str) -> Result<Record, String> {
    let mut value: Value = serde_json::from_str(line).map_err(|e| format!("not valid JSON: {e}"))?;
    let object = value.as_object_mut().ok_or("not a JSON object")?;
    let stored =
        object.remove("sha256").and_then(|v| v.as_str().map(str::to_string)).ok_or("no sha256 field")?;
    let actual = hash_value(&value);
    if actual != stored {
        return Err(format!("content hash {actual} does not match the stored sha256 {stored}"));
    }
    let record: Record = serde_json::from_str(line).map_err(|e| format!("not a record: {e}"))?;
    let reserialized = serde_json::to_string(&record).map_err(|e| e.to_string())?;
    if reserialized != line.trim_end() {
        return Err("the line is not in the canonical form the tool writes".into());
    }
    Ok(record)
}

/// The machine and software a run was made on, and the factors its figures use.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Environment {
    pub schema_version: u32,
    pub experiment: String,
    pub tool_version: String,
    pub rustc_version: String,
    pub git: GitState,
    pub created_at: String,
    pub hardware: meter::HardwareInventory,
    pub dataset: DatasetFacts,
    pub carbon_intensity: meter::footprint::CarbonIntensity,
    pub pue: meter::footprint::Pue,
    pub cpu_power_model: meter::estimate::CpuPowerModel,
    pub rental_price: Option<meter::footprint::DatedPrice>,
    pub electricity_price: Option<meter::footprint::DatedPrice>,
    /// Threads each trial used.
    pub threads: usize,
    /// Why energy sources are missing on this machine, in words.
    pub energy_gaps: Vec<String>,
    /// Set when the trials ran on a cluster: `hardware` is then a compute node's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub execution: Option<ExecutionFacts>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct DatasetFacts {
    pub name: String,
    pub sha256: String,
    pub provenance: String,
    pub train_rows: usize,
    pub test_rows: Option<usize>,
    pub features: usize,
    pub classes: usize,
    /// The classes' names, in index order.
    #[serde(default)]
    pub class_names: Vec<String>,
    /// Protected attributes and their groups' names, in index order.
    #[serde(default)]
    pub groups: Vec<(String, Vec<String>)>,
}

impl Environment {
    pub fn cpu_power_model_description(&self) -> String {
        self.cpu_power_model.describe()
    }
}

/// The JSON Schema of a record, as committed to `schemas/run-record.schema.json`.
pub fn record_schema_json() -> String {
    let mut text = serde_json::to_string_pretty(&schemars::schema_for!(Record)).expect("a schema serializes");
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn sample() -> Record {
        let mut measurements = BTreeMap::new();
        measurements.insert("accuracy".into(), Measurement::counter(0.9, "ratio"));
        Record {
            schema_version: SCHEMA_VERSION,
            experiment: "e".into(),
            spec_sha256: "s".into(),
            trial_key: "k".into(),
            git: GitState { commit: Some("abc".into()), dirty: false },
            tool_version: "0.1.0".into(),
            candidate: "tree".into(),
            learner: "decision_tree".into(),
            params: Map::new(),
            device: "cpu".into(),
            fold: 0,
            repetition: 1,
            seed: 7,
            dataset_sha256: "d".into(),
            hardware_fingerprint: "h".into(),
            status: Status::Ok,
            error: None,
            started_at: "2026-11-27T00:00:00Z".into(),
            ended_at: "2026-11-27T00:00:01Z".into(),
            measurements,
            split: None,
            predictions: None,
            notes: Vec::new(),
            placement: None,
            previous_sha256: String::new(),
            sha256: String::new(),
        }
        .seal()
    }

    #[test]
    fn a_sealed_record_verifies_and_an_edited_one_does_not() {
        let line = serde_json::to_string(&sample()).unwrap();
        assert_eq!(verify_line(&line).unwrap(), sample());
        let edited = line.replace("0.9", "0.95");
        assert!(verify_line(&edited).unwrap_err().contains("does not match"));
    }
}
