//! The experiment file as written: serde types that mirror the TOML one to one.
//!
//! The same types generate `schemas/experiment.schema.json` (schemars), and that schema
//! drives the structural check in [`crate::structure`], so the file format, the schema
//! and the error messages cannot drift apart. Semantic rules (names that must exist,
//! mutually exclusive keys) live in [`crate::validate`].

use std::collections::BTreeMap;

use crate::declared::{DeclaredValue, EmbodiedItem, PriceDeclaration, PublishedFigure};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// An experiment: a dataset, candidates, metrics with their operationalization,
/// constraints, priorities and claims.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "tradeoff experiment")]
pub struct ExperimentFile {
    pub experiment: ExperimentSection,
    /// The data every candidate is trained and evaluated on. Required unless every
    /// candidate declares its figures (`declared`).
    #[serde(default)]
    pub dataset: Option<DatasetSection>,
    /// How each metric is operationalized: repetitions, folds, warm-ups, isolation.
    #[serde(default)]
    pub protocol: ProtocolSection,
    /// The techniques compared. A list-valued param is a sweep that expands to a grid.
    #[serde(default)]
    pub candidates: Vec<CandidateSection>,
    /// The metrics measured for every candidate, by name.
    #[serde(default)]
    #[schemars(schema_with = "crate::structure::metrics_schema")]
    pub metrics: BTreeMap<String, MetricSection>,
    /// Where and at what price the experiment runs: carbon intensity, PUE, prices.
    #[serde(default)]
    pub environment: EnvironmentSection,
    /// Bounds a candidate must meet to be considered at all.
    #[serde(default)]
    pub constraints: Vec<ConstraintSection>,
    /// How to pick among the candidates on the Pareto frontier.
    #[serde(default)]
    pub priorities: Option<PrioritiesSection>,
    /// Statements about the results that the report checks.
    #[serde(default)]
    pub claims: Vec<ClaimSection>,
    /// Where trials run: on this machine (default) or as Slurm jobs.
    #[serde(default)]
    pub execution: ExecutionSection,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExperimentSection {
    /// Names the results folder `results/<name>/`: letters, digits, `-` and `_`.
    pub name: String,
    /// The root of every seed: folds, bootstrap samples and each trial's seed derive from it.
    #[serde(default)]
    pub seed: u64,
    #[serde(default)]
    pub description: Option<String>,
    /// Experiments whose results must exist before this one runs.
    #[serde(default)]
    pub depends_on: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DatasetSection {
    /// A built-in dataset: `digits` (embedded), `weather` (the lecture's 16 rows),
    /// `fashion-mnist` (looked up in --data-dir, TRADEOFF_DATA_DIR or the user cache,
    /// else downloaded and checksummed).
    #[serde(default)]
    pub source: Option<String>,
    /// A CSV or Parquet file, relative to the experiment file.
    #[serde(default)]
    pub path: Option<String>,
    /// A CSV or Parquet file to download; `sha256` is then required.
    #[serde(default)]
    pub url: Option<String>,
    /// The expected SHA-256 of the downloaded file (hex).
    #[serde(default)]
    pub sha256: Option<String>,
    /// The target column of a table (CSV/Parquet).
    #[serde(default)]
    pub target: Option<String>,
    /// The file format; by default taken from the file extension.
    #[serde(default)]
    pub format: Option<TableFormat>,
    /// Columns to leave out of the features.
    #[serde(default)]
    pub drop: Vec<String>,
    /// How string columns become features.
    #[serde(default)]
    pub categorical: Option<CategoricalEncoding>,
    /// Keep a stratified, seeded subset of this many training rows.
    #[serde(default)]
    #[schemars(range(min = 1))]
    pub subsample: Option<u64>,
    /// The publisher's separate test file, in the same format; `split = "official"` then
    /// tests on it.
    #[serde(default)]
    pub test_path: Option<String>,
    /// Whether the first line names the columns (default true); without a header, name
    /// them in `columns`.
    #[serde(default)]
    pub header: Option<bool>,
    /// Column names for a file without a header.
    #[serde(default)]
    pub columns: Vec<String>,
    /// The field separator: one character (`","`, `";"`, `"\t"`), or `"whitespace"` for
    /// runs of spaces and tabs. Default `","`.
    #[serde(default)]
    pub separator: Option<String>,
    /// Lines starting with this text are skipped (e.g. `"|"`, `"#"`).
    #[serde(default)]
    pub comment: Option<String>,
    /// Field values read as missing (default `["", "NA"]`).
    #[serde(default)]
    pub na_values: Option<Vec<String>>,
    /// Missing feature values: `error` (default: refused, naming the column), `native`
    /// (trees learn where missing rows go), `impute` (filled per trial from its training
    /// rows: median, most frequent category). Candidates may override it.
    #[serde(default)]
    pub missing: Option<MissingPolicy>,
    /// Target labels renamed before classes are formed, e.g. `{ "<=50K." = "<=50K" }`.
    #[serde(default)]
    pub target_map: BTreeMap<String, String>,
    /// Non-numeric columns encoded as categories however many distinct values they have.
    #[serde(default)]
    pub categorical_ok: Vec<String>,
    /// A non-numeric column with more distinct values than this share of its rows (and
    /// more than 20) is refused as an identifier or free text (default 0.5).
    #[serde(default)]
    #[schemars(range(min = 0.0, max = 1.0))]
    pub max_categorical_share: Option<f64>,
    /// Protected attributes: kept as groups for the fairness figures, even when in `drop`.
    #[serde(default)]
    pub protected: Vec<String>,
    /// Groups with fewer test rows than this are shown but left out of fairness figures
    /// (default 30).
    #[serde(default)]
    #[schemars(range(min = 1))]
    pub min_group_size: Option<u64>,
    /// The positive class (as written in the target column) for `precision`, `recall`,
    /// `roc_auc` and the fairness figures of a binary task; without it, the second class
    /// in sorted order, and for more classes macro averages.
    #[serde(default)]
    pub positive: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum MissingPolicy {
    Error,
    Native,
    Impute,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum TableFormat {
    Csv,
    Parquet,
}

/// Where trials run. `tradeoff run --backend` and its Slurm flags win over these keys.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExecutionSection {
    /// `local` (default): worker processes on this machine; `slurm`: each trial a task of
    /// a Slurm job array (`sbatch`), on a file system the nodes share with this machine.
    #[serde(default)]
    pub backend: Option<Backend>,
    /// Slurm partition (`--partition`); default: the cluster's default partition.
    #[serde(default)]
    pub partition: Option<String>,
    /// Slurm account to charge (`--account`).
    #[serde(default)]
    pub account: Option<String>,
    /// Slurm quality of service (`--qos`).
    #[serde(default)]
    pub qos: Option<String>,
    /// Slurm's limit per task (`--time`), such as `"30m"`; default: the protocol's
    /// timeout plus a minute for starting up, else the partition's limit.
    #[serde(default)]
    pub time: Option<String>,
    /// Generic resources asked for GPU candidates (`--gres`, default `gpu:1`).
    #[serde(default)]
    pub gres: Option<String>,
    /// Ask for whole nodes for timed trials (`--exclusive`); default: true when
    /// `protocol.isolation` is `exclusive`.
    #[serde(default)]
    pub exclusive: Option<bool>,
    /// Tasks of one job array running at once (`--array=...%N`); default: no limit.
    #[serde(default)]
    #[schemars(range(min = 1, max = 100000))]
    pub max_parallel: Option<u32>,
    /// Further `sbatch` arguments, passed as given (`["--constraint=epyc"]`).
    #[serde(default)]
    pub sbatch_args: Vec<String>,
    /// A task still queued this long after submission is cancelled and recorded as failed
    /// (default `"1d"`).
    #[serde(default)]
    pub queue_timeout: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    Local,
    Slurm,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum CategoricalEncoding {
    /// One 0/1 feature per category.
    Onehot,
    /// One feature holding the category's index (categories sorted by name).
    Native,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProtocolSection {
    /// Recorded trials per candidate and fold (default 1).
    #[serde(default)]
    #[schemars(range(min = 1, max = 1000))]
    pub repetitions: Option<u32>,
    /// Unrecorded trials run first for each candidate (default 0).
    #[serde(default)]
    #[schemars(range(max = 100))]
    pub warmup: Option<u32>,
    /// How repeated figures are summarised (default `median`).
    #[serde(default)]
    pub statistic: Option<Statistic>,
    /// k-fold cross-validation (stratified, seeded).
    #[serde(default)]
    #[schemars(range(min = 2, max = 100))]
    pub folds: Option<u32>,
    /// Share of the rows held out for testing (stratified, seeded).
    #[serde(default)]
    #[schemars(range(min = 0.01, max = 0.99))]
    pub holdout: Option<f64>,
    /// `official`: use the dataset's own train/test split (Fashion-MNIST, digits).
    #[serde(default)]
    pub split: Option<SplitKind>,
    /// `exclusive` (default): timed trials never overlap; `shared`: they may.
    #[serde(default)]
    pub isolation: Option<Isolation>,
    /// Per-trial limit such as `"20m"`, `"90s"`; a trial past it is killed and recorded as failed.
    #[serde(default)]
    pub timeout: Option<String>,
    /// Threads each trial may use (default: every logical core).
    #[serde(default)]
    #[schemars(range(min = 1, max = 1024))]
    pub threads: Option<u32>,
    /// Single-sample predictions timed for `inference_latency` (default 1000).
    #[serde(default)]
    #[schemars(range(min = 10, max = 1000000))]
    pub latency_samples: Option<u32>,
    /// Measure idle power this long (e.g. `"5s"`) before each trial's training, and record
    /// a derived dynamic energy (gross minus idle power x duration) next to the gross one.
    #[serde(default)]
    pub idle_baseline: Option<String>,
    /// Each repetition draws its own folds or holdout split (default true). With `false`
    /// every repetition reuses one split, so repetitions vary only the learner's seed.
    #[serde(default)]
    pub reshuffle: Option<bool>,
    /// The error rate of the experiment's verdicts (default 0.05; at most 0.25, as
    /// comparisons show two-sided 1 - 2 alpha intervals): claims are tested together at
    /// this level (Holm), constraints and dominance each at this level.
    #[serde(default)]
    #[schemars(range(min = 0.0001, max = 0.25))]
    pub alpha: Option<f64>,
    /// A figure whose 95% CI is wider than this share of its statistic is flagged as
    /// noisy (default 0.10).
    #[serde(default)]
    #[schemars(range(min = 0.0, max = 10.0))]
    pub noise_threshold: Option<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Statistic {
    Median,
    Mean,
    Min,
    Max,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum SplitKind {
    Official,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Isolation {
    Exclusive,
    Shared,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CandidateSection {
    /// Unique within the experiment; claims and constraints refer to it.
    pub name: String,
    /// `decision_tree`, `random_forest`, `logistic_regression`, `torch.mlp`, `torch.cnn`.
    pub learner: String,
    /// Hyperparameters. A list is a sweep: `max_depth = [5, 10]` makes two candidates;
    /// a list-valued hyperparameter is written as a list of lists (`hidden = [[300, 100]]`).
    #[serde(default)]
    pub params: BTreeMap<String, serde_json::Value>,
    /// `cpu`, `cuda`, `cuda:N` or `auto` (torch learners only; default `cpu`).
    #[serde(default)]
    pub device: Option<String>,
    /// Threads for this candidate's trials, overriding `protocol.threads`.
    #[serde(default)]
    #[schemars(range(min = 1, max = 1024))]
    pub threads: Option<u32>,
    /// Overrides `[dataset] missing` for this candidate.
    #[serde(default)]
    pub missing: Option<MissingPolicy>,
    /// Figures given instead of measured (published results, hardware not at hand).
    #[serde(default)]
    pub declared: Option<DeclaredInputs>,
    /// `learner = "command"`: the program and its arguments, run from the experiment
    /// file's folder for every trial, e.g. `["python3", "learners/hgb.py"]`. The trial's
    /// rows, params, seed, threads and device are handed over in a job folder named by
    /// `TRADEOFF_JOB` (see the README's protocol).
    #[serde(default)]
    #[schemars(length(min = 1))]
    pub command: Option<Vec<String>>,
    /// `learner = "command"`: the command also serves single rows when started with
    /// `TRADEOFF_MODE=predict-one` (rows on stdin, classes on stdout), which
    /// `inference_latency` times.
    #[serde(default)]
    pub predict_one: Option<bool>,
    /// `learner = "command"`: how the trial's rows are written for the command: `npy`
    /// (NumPy arrays, the default) or `csv` (for commands without NumPy).
    #[serde(default)]
    pub data_format: Option<DataFormat>,
}

/// How a command candidate's rows are handed over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum DataFormat {
    /// `.npy` arrays: float32 features (NaN for missing), int32 labels and row ids.
    #[default]
    Npy,
    /// CSV with a header: `row_id`, the features, and `label` for training rows.
    Csv,
}

/// Inputs declared for a candidate that is not run: the energy model's `declared` method.
/// Every number may be written plainly or as a table with what the source prints, a range
/// or a relative uncertainty and a note (`hours = { value = 79.2, printed = 79 }`,
/// `device_power_w = { value = 330, range = [300, 350] }`); see `spec::declared` for the
/// formula of each line item.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DeclaredInputs {
    /// Accelerator model, e.g. `P100`, `V100`, `TPUv3`.
    #[serde(default)]
    pub hardware: Option<String>,
    /// Number of accelerators.
    #[serde(default)]
    pub devices: Option<DeclaredValue>,
    /// Wall-clock training hours.
    #[serde(default)]
    pub hours: Option<DeclaredValue>,
    /// Wall-clock training days (instead of `hours`).
    #[serde(default)]
    pub days: Option<DeclaredValue>,
    /// Device-hours in all (instead of `devices` x `hours`), e.g. GPU-hours as published.
    #[serde(default)]
    pub device_hours: Option<DeclaredValue>,
    /// Device-years in all (instead of `device_hours`; a year is 8,760 hours).
    #[serde(default)]
    pub device_years: Option<DeclaredValue>,
    /// Average total power drawn while training, in watts (CPU + DRAM + all accelerators).
    #[serde(default)]
    pub power_w: Option<DeclaredValue>,
    /// Average power per device in watts, as measured (its share of memory, network, fans
    /// and host CPU included where the source says so).
    #[serde(default)]
    pub device_power_w: Option<DeclaredValue>,
    /// Thermal design power per device in watts, standing in for its average draw: the
    /// energy is then `estimated`.
    #[serde(default)]
    pub device_tdp_w: Option<DeclaredValue>,
    /// The facility's PUE, overriding `[environment] pue` for this candidate.
    #[serde(default)]
    pub pue: Option<DeclaredValue>,
    /// Gross carbon intensity of the energy in g CO2e/kWh, overriding `[environment]`.
    #[serde(default)]
    pub carbon_intensity: Option<DeclaredValue>,
    /// Carbon intensity net of clean-energy purchases, g CO2e/kWh (a separate line item).
    #[serde(default)]
    pub net_carbon_intensity: Option<DeclaredValue>,
    /// Floating-point operations of the training: with `device_tflops` (and
    /// `utilisation`), the device-hours are estimated from compute.
    #[serde(default)]
    pub flops: Option<DeclaredValue>,
    /// Throughput per device assumed for `flops`, in TFLOP/s.
    #[serde(default)]
    pub device_tflops: Option<DeclaredValue>,
    /// Share of `device_tflops` sustained (default 1).
    #[serde(default)]
    pub utilisation: Option<DeclaredValue>,
    /// Idle and infrastructure energy in kWh (before PUE), a line item of its own.
    #[serde(default)]
    pub idle_kwh: Option<DeclaredValue>,
    /// Embodied emissions of the hardware, each part charged by the share of its service
    /// life the training used; never part of operational CO2.
    #[serde(default)]
    pub embodied: Vec<EmbodiedItem>,
    /// Rental price per device-hour in USD: one price, or `[low, high]`.
    #[serde(default)]
    pub price_per_device_hour: Option<PriceDeclaration>,
    /// Figures as published, for comparison: line item and unit (`energy_mwh`, `co2_t`,
    /// `co2_net_t`, `co2_lb`, `cost_usd`, ...) -> the figure as printed.
    #[serde(default)]
    pub published: BTreeMap<String, PublishedFigure>,
    /// Where the figures come from.
    #[serde(default)]
    pub source: Option<String>,
    /// Inputs as the source prints them, where they differ from the ones declared above
    /// (e.g. `{ hours = 79 }` when the published figures follow from 79.2); the same as
    /// `hours = { value = 79.2, printed = 79 }`.
    #[serde(default)]
    pub as_printed: BTreeMap<String, f64>,
    /// Why a declared input differs from the printed one.
    #[serde(default)]
    pub correction: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MetricSection {
    /// The unit the report shows (records keep the base unit).
    #[serde(default)]
    pub unit: Option<String>,
    /// Overrides `protocol.statistic` for this metric.
    #[serde(default)]
    pub statistic: Option<Statistic>,
    /// For latencies: which percentile of the per-sample times a trial reports (default 50).
    #[serde(default)]
    #[schemars(range(min = 1.0, max = 100.0))]
    pub percentile: Option<f64>,
    /// For latency (must be 1) and throughput (default: the whole test set, up to 10000).
    #[serde(default)]
    #[schemars(range(min = 1))]
    pub batch: Option<u32>,
    /// For `noise_accuracy` and `noise_accuracy_drop`: Gaussian noise of this many training
    /// standard deviations added to each test feature (default 0.1).
    #[serde(default)]
    #[schemars(range(min = 0.0, max = 100.0))]
    pub sigma: Option<f64>,
    /// For `prediction_instability`: the share of training rows replaced by a bootstrap
    /// draw before retraining (default 0.1).
    #[serde(default)]
    #[schemars(range(min = 0.0, max = 1.0))]
    pub resample: Option<f64>,
    /// For `update_time`: the share of further training rows taken in (default 0.1).
    #[serde(default)]
    #[schemars(range(min = 0.0, max = 1.0))]
    pub new_rows: Option<f64>,
    /// For `inference_cost`: the number of predictions it is the cost of (default 1e6).
    #[serde(default)]
    #[schemars(range(min = 1.0))]
    pub per: Option<f64>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EnvironmentSection {
    /// A region code from the shipped table (`DE`, `FR`, `US`, `aws:us-east-1`, ...) or g CO2e/kWh.
    #[serde(default)]
    pub carbon_intensity: Option<CarbonIntensity>,
    /// Power usage effectiveness of the facility (default 1.0: IT equipment only).
    #[serde(default)]
    #[schemars(range(min = 1.0, max = 5.0))]
    pub pue: Option<f64>,
    /// CPU thermal design power in watts, when the CPU model is not in the shipped table.
    #[serde(default)]
    #[schemars(range(min = 1.0, max = 2000.0))]
    pub cpu_tdp_w: Option<f64>,
    /// Rental price of the machine: device-hours x this price.
    #[serde(default)]
    pub rental_price: Option<Price>,
    /// Electricity tariff: facility kWh x this price.
    #[serde(default)]
    pub electricity_price: Option<Price>,
    /// Power of parts no meter reads, declared (from a wall meter or a datasheet):
    /// part -> watts. Each adds `watts x window` to energy figures, labelled `declared`.
    #[serde(default)]
    pub declared_power_w: BTreeMap<String, f64>,
    /// Other carbon intensities and PUEs under which the report shows CO2 again.
    #[serde(default)]
    pub scenarios: Vec<Scenario>,
    /// Rank energy figures that cover different parts or come from different methods
    /// (a GPU's counter against a CPU estimate), and latency or throughput measured by
    /// different protocols (a `command` candidate's pipe round trip against in-process
    /// calls), against each other (default false: such comparisons are undecided, with
    /// the reason).
    #[serde(default)]
    pub compare_mixed_energy: Option<bool>,
}

/// A "what if it ran there" line of the report: CO2 recomputed with other factors.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    pub name: String,
    pub carbon_intensity: CarbonIntensity,
    #[schemars(range(min = 1.0, max = 5.0))]
    pub pue: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum CarbonIntensity {
    /// grams CO2e per kWh
    Grams(f64),
    /// a region code from the shipped table
    Region(String),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Price {
    /// USD per hour (rental) or per kWh (electricity).
    #[schemars(range(min = 0.0))]
    pub usd: f64,
    /// When the price was valid (prices change; a figure without a date cannot be audited).
    pub date: String,
    /// Provider, SKU, pricing model, ...
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ConstraintSection {
    pub metric: String,
    /// Absolute lower bound, in the metric's unit.
    #[serde(default)]
    pub min: Option<f64>,
    /// Absolute upper bound, in the metric's unit.
    #[serde(default)]
    pub max: Option<f64>,
    /// The candidate that `min_ratio` / `max_ratio` are relative to.
    #[serde(default)]
    pub baseline: Option<String>,
    /// At least this multiple of the baseline's value.
    #[serde(default)]
    pub min_ratio: Option<f64>,
    /// At most this multiple of the baseline's value.
    #[serde(default)]
    pub max_ratio: Option<f64>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PrioritiesSection {
    /// `weighted` (default): utility over normalised metrics; `lexicographic`: by `order`.
    #[serde(default)]
    pub method: Option<PriorityMethod>,
    /// metric -> weight (weighted method).
    #[serde(default)]
    pub weights: BTreeMap<String, f64>,
    /// Metrics from most to least important (lexicographic method).
    #[serde(default)]
    pub order: Vec<String>,
    /// Relative difference under which two values tie (lexicographic method; default 0.01).
    #[serde(default)]
    #[schemars(range(min = 0.0, max = 1.0))]
    pub tolerance: Option<f64>,
    /// metric -> `[worst, best]` in the metric's unit: the utility scores a value linearly
    /// between them (clamped to 0..1). Metrics without a scale are scored linearly over the
    /// span of the candidates' intervals (worst end to best end), and candidates a paired
    /// test does not tell apart score equal.
    #[serde(default)]
    pub scales: BTreeMap<String, [f64; 2]>,
    /// Count a candidate as better than another on a metric only when a paired test says
    /// so at `protocol.alpha` (default true), so noise cannot make a candidate look
    /// dominated or decide a lexicographic order.
    #[serde(default)]
    pub noise_aware: Option<bool>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum PriorityMethod {
    Weighted,
    Lexicographic,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ClaimSection {
    /// The claim in words, as it would be published.
    pub text: String,
    /// The claim as an expression over metric summaries:
    /// `train_time[forest] >= 5 * train_time[tree]`.
    pub check: String,
}
