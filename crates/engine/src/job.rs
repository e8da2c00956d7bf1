//! The messages between the scheduler and its worker processes: a [`Job`] goes to the
//! worker's stdin as JSON; the worker's last stdout line is its [`Outcome`].

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use units::Measurement;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Job {
    Prepare(Box<PrepareJob>),
    Trial(Box<TrialJob>),
}

/// Load a dataset from its source and write the binary cache trials read.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PrepareJob {
    pub source: SourceJob,
    /// How a table file becomes a dataset (none for built-in datasets).
    pub table: Option<data::TableOptions>,
    /// The positive class as written in the target column, checked against the classes.
    pub positive: Option<String>,
    pub subsample: Option<u64>,
    pub seed: u64,
    pub cache_path: PathBuf,
    pub data_dir: Option<PathBuf>,
    pub allow_download: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceJob {
    Builtin { name: String },
    File { path: PathBuf, test_path: Option<PathBuf>, parquet: bool },
    Url { url: String, sha256: String, parquet: bool },
}

/// One trial: fit, evaluate and measure one candidate on one split.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TrialJob {
    pub cache_path: PathBuf,
    pub learner: String,
    pub params: Map<String, Value>,
    pub device: String,
    pub evaluation: spec::Evaluation,
    pub fold: u32,
    pub split_seed: u64,
    pub seed: u64,
    pub threads: usize,
    pub metrics: Vec<MetricJob>,
    /// What the candidate does with missing feature values.
    pub missing: data::Missing,
    /// The positive class's index and the smallest group a fairness figure counts.
    pub positive: Option<u32>,
    pub min_group_size: u64,
    pub latency_samples: u32,
    pub energy: EnergyJob,
    /// Where to write the model's rules (trees), if wanted.
    pub rules_path: Option<PathBuf>,
    /// Where to write the test predictions (absolute) and how the record names the file
    /// (relative to the results folder); none for warm-ups.
    pub predictions: Option<(PathBuf, String)>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MetricJob {
    pub name: String,
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

/// What the worker needs to meter energy and derive CO2 and cost.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EnergyJob {
    pub powercap_root: PathBuf,
    pub cpu_tdp_w: Option<f64>,
    pub sampler_period_ms: u64,
    pub intensity: meter::footprint::CarbonIntensity,
    pub pue: meter::footprint::Pue,
    pub rental_price: Option<meter::footprint::DatedPrice>,
    pub electricity_price: Option<meter::footprint::DatedPrice>,
    /// Parts whose power the experiment declares: (part, watts).
    pub declared_power: Vec<(String, f64)>,
    /// Idle power is measured this long before training, for the dynamic energy.
    pub idle_baseline_seconds: Option<f64>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Prepared(record::DatasetFacts),
    Trial(TrialResult),
    Failed { reason: String },
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct TrialResult {
    pub measurements: BTreeMap<String, Measurement>,
    pub notes: Vec<String>,
    pub split: Option<record::SplitFacts>,
    pub predictions: Option<record::Artifact>,
}
