//! The validated experiment: defaults applied, sweeps expanded, names resolved. Only
//! [`crate::load`] builds one, so holding an [`Experiment`] means the file checked clean.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::metrics::MetricInfo;
use crate::model::{
    CategoricalEncoding, DeclaredInputs, ExperimentFile, Isolation, MissingPolicy, Statistic, TableFormat,
};
use crate::source::SourceFile;
use crate::structure::SpanIndex;

#[derive(Debug, Clone)]
pub struct Experiment {
    /// The file as read, for re-rendering diagnostics (claims are checked later).
    pub source: SourceFile,
    pub spans: SpanIndex,
    /// The file on disk; relative dataset paths resolve against its folder.
    pub path: PathBuf,
    /// SHA-256 of the file's bytes: the spec hash stored in every record.
    pub spec_sha256: String,
    /// The file as written, for the parts the report interprets.
    pub file: ExperimentFile,
    pub name: String,
    pub seed: u64,
    pub depends_on: Vec<String>,
    pub dataset: Option<DatasetRef>,
    pub protocol: Protocol,
    pub candidates: Vec<Candidate>,
    pub metrics: Vec<MetricRequest>,
    pub execution: Execution,
}

/// Where trials run, resolved: the backend and, for Slurm, what each job asks for.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Execution {
    pub backend: crate::model::Backend,
    pub slurm: SlurmOptions,
}

/// What `sbatch` is asked for. Defaults that depend on the protocol (`time`, `exclusive`)
/// are left unset here and resolved by the engine, so command-line flags can still win.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SlurmOptions {
    pub partition: Option<String>,
    pub account: Option<String>,
    pub qos: Option<String>,
    pub time_seconds: Option<f64>,
    pub gres: Option<String>,
    pub exclusive: Option<bool>,
    pub max_parallel: Option<u32>,
    pub sbatch_args: Vec<String>,
    pub queue_timeout_seconds: Option<f64>,
}

/// Where the data comes from, and how a table becomes features.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DatasetRef {
    pub location: DatasetLocation,
    pub target: Option<String>,
    pub drop: Vec<String>,
    pub categorical: CategoricalEncoding,
    pub subsample: Option<u64>,
    /// The publisher's separate test file (resolved against the experiment's folder).
    pub test_path: Option<PathBuf>,
    pub header: bool,
    pub columns: Vec<String>,
    pub separator: FieldSeparator,
    pub comment: Option<String>,
    pub na_values: Vec<String>,
    pub missing: MissingPolicy,
    pub target_map: std::collections::BTreeMap<String, String>,
    pub categorical_ok: Vec<String>,
    pub max_categorical_share: f64,
    pub protected: Vec<String>,
    pub min_group_size: u64,
    pub positive: Option<String>,
}

/// How the fields of a CSV line are separated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FieldSeparator {
    Byte(u8),
    Whitespace,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DatasetLocation {
    Builtin { name: String },
    File { path: PathBuf, format: TableFormat },
    Url { url: String, sha256: String, format: TableFormat },
}

/// How test data is chosen for quality metrics.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Evaluation {
    Folds(u32),
    Holdout(f64),
    Official,
}

impl Evaluation {
    /// How many train/test splits one repetition runs.
    pub fn splits(self) -> u32 {
        match self {
            Evaluation::Folds(k) => k,
            Evaluation::Holdout(_) | Evaluation::Official => 1,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Protocol {
    pub repetitions: u32,
    pub warmup: u32,
    pub statistic: Statistic,
    pub evaluation: Evaluation,
    pub isolation: Isolation,
    pub timeout_seconds: Option<f64>,
    pub threads: Option<u32>,
    pub latency_samples: u32,
    pub idle_baseline_seconds: Option<f64>,
    pub noise_threshold: f64,
    /// Whether each repetition draws its own split.
    pub reshuffle: bool,
    /// The error rate of verdicts.
    pub alpha: f64,
}

/// One candidate after sweep expansion.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Candidate {
    /// `tree`, or `tree/max_depth=10` for a point of a sweep.
    pub name: String,
    /// The `name` written in the file.
    pub base_name: String,
    /// Index of the `[[candidates]]` entry it came from.
    pub section: usize,
    pub learner: String,
    pub params: Map<String, Value>,
    pub device: crate::Device,
    pub threads: Option<u32>,
    pub declared: Option<DeclaredInputs>,
    /// What the candidate does with missing feature values.
    pub missing: MissingPolicy,
    /// The program a `command` candidate runs.
    pub command: Option<CommandSpec>,
}

/// A `learner = "command"` candidate's program and how it is run (also what a worker is
/// sent to run it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CommandSpec {
    /// The program and its arguments, as written.
    pub argv: Vec<String>,
    /// The experiment file's folder: the command runs there, and relative paths in
    /// `argv` resolve against it.
    pub dir: PathBuf,
    /// Whether it serves single rows (`TRADEOFF_MODE=predict-one`).
    pub predict_one: bool,
    pub data_format: crate::model::DataFormat,
}

impl Candidate {
    /// Whether it runs trials (as opposed to declaring its figures).
    pub fn is_run(&self) -> bool {
        self.declared.is_none()
    }
}

/// A metric the experiment asks for, with its operationalization.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricRequest {
    pub info: &'static MetricInfo,
    pub unit: units::Unit,
    pub statistic: Statistic,
    pub percentile: f64,
    pub batch: Option<u32>,
    /// `noise_accuracy`: noise in training standard deviations.
    pub sigma: f64,
    /// `prediction_instability`: share of training rows redrawn.
    pub resample: f64,
    /// `update_time`: share of further training rows.
    pub new_rows: f64,
    /// `inference_cost`: predictions the cost is for.
    pub per: f64,
}

impl MetricRequest {
    pub fn name(&self) -> &'static str {
        self.info.name
    }
}

impl Experiment {
    pub fn metric(&self, name: &str) -> Option<&MetricRequest> {
        self.metrics.iter().find(|m| m.name() == name)
    }

    pub fn candidate(&self, name: &str) -> Option<&Candidate> {
        self.candidates.iter().find(|c| c.name == name)
    }

    /// Whether any requested metric is a time or an energy (such trials are isolated).
    pub fn has_timed_metrics(&self) -> bool {
        use units::Dimension::{Energy, Mass, Money, Rate, Time};
        self.metrics.iter().any(|m| matches!(m.info.dimension, Time | Energy | Rate | Mass | Money))
    }
}
