//! The metrics an experiment may ask for: name, dimension, default unit and direction.
//!
//! This table is part of the file format. The engine decides how each metric is
//! measured; the report reads directions from here.

use units::Dimension;

/// Whether smaller or larger values are better.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    Min,
    Max,
}

/// A metric the engine knows how to measure.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MetricInfo {
    pub name: &'static str,
    pub dimension: Dimension,
    /// The unit used when the experiment names none (and the unit records store).
    pub default_unit: &'static str,
    pub direction: Direction,
    pub summary: &'static str,
    /// Computed from the test predictions: its uncertainty includes the test sample, and
    /// two candidates' figures can be compared row by row.
    pub from_predictions: bool,
    /// Compares protected groups: needs `protected` in `[dataset]`.
    pub needs_groups: bool,
}

const fn metric(
    name: &'static str,
    dimension: Dimension,
    default_unit: &'static str,
    direction: Direction,
    summary: &'static str,
) -> MetricInfo {
    MetricInfo {
        name,
        dimension,
        default_unit,
        direction,
        summary,
        from_predictions: false,
        needs_groups: false,
    }
}

/// A metric computed from the test predictions.
const fn quality(name: &'static str, summary: &'static str) -> MetricInfo {
    MetricInfo {
        name,
        dimension: Dimension::Ratio,
        default_unit: "ratio",
        direction: Direction::Max,
        summary,
        from_predictions: true,
        needs_groups: false,
    }
}

/// A gap between protected groups, computed from the test predictions (smaller is fairer).
const fn fairness(name: &'static str, summary: &'static str) -> MetricInfo {
    MetricInfo {
        name,
        dimension: Dimension::Ratio,
        default_unit: "ratio",
        direction: Direction::Min,
        summary,
        from_predictions: true,
        needs_groups: true,
    }
}

use Dimension::*;
use Direction::*;

/// Every known metric, in the order reports list them.
/// Metric keys that belong to some metrics only, and the metrics they belong to; the
/// schema offers each key on its own metrics alone.
pub const METRIC_PARAMS: &[(&str, &[&str])] = &[
    ("sigma", &["noise_accuracy", "noise_accuracy_drop"]),
    ("resample", &["prediction_instability"]),
    ("new_rows", &["update_time"]),
    ("per", &["inference_cost"]),
];

pub const METRICS: &[MetricInfo] = &[
    quality("accuracy", "share of test samples predicted correctly"),
    quality("macro_f1", "unweighted mean of per-class F1 on the test samples"),
    quality(
        "balanced_accuracy",
        "mean of the per-class recalls: accuracy that a majority class cannot inflate",
    ),
    quality("precision", "precision of the positive class (binary), or its macro average over classes"),
    quality("recall", "recall of the positive class (binary), or its macro average over classes"),
    quality(
        "roc_auc",
        "area under the ROC curve from the learner's scores (binary; one-vs-rest macro average for more classes)",
    ),
    fairness(
        "accuracy_gap",
        "largest minus smallest accuracy among the protected groups large enough to count",
    ),
    fairness(
        "demographic_parity_difference",
        "largest minus smallest rate of positive predictions among groups (Fairlearn's definition; one-vs-rest, worst class, for more classes)",
    ),
    fairness(
        "equalized_odds_difference",
        "the larger of the groups' largest differences in true-positive and in false-positive rate (Fairlearn's definition; one-vs-rest, worst class, for more classes)",
    ),
    metric(
        "noise_accuracy",
        Ratio,
        "ratio",
        Max,
        "accuracy with Gaussian noise of `sigma` training standard deviations added to every test feature (seeded)",
    ),
    metric(
        "noise_accuracy_drop",
        Ratio,
        "ratio",
        Min,
        "accuracy minus `noise_accuracy`: what the noise costs",
    ),
    metric(
        "prediction_instability",
        Ratio,
        "ratio",
        Min,
        "share of test predictions that change when the learner is retrained (same seed) with `resample` of its training rows redrawn",
    ),
    metric(
        "mean_path_length",
        Count,
        "count",
        Min,
        "mean number of tests on a prediction's path (trees; summed over a forest's trees)",
    ),
    metric("rules", Count, "count", Min, "number of decision rules: leaves (summed over a forest's trees)"),
    metric(
        "update_time",
        Time,
        "s",
        Min,
        "time to take in `new_rows` more training rows: warm-started training where the learner can, else a full refit (the record says which)",
    ),
    metric(
        "inference_cost",
        Money,
        "USD",
        Min,
        "cost of `per` predictions: their machine time x the rental price plus their energy x the electricity price",
    ),
    metric("train_time", Time, "s", Min, "wall-clock time of the fit call, data loading excluded"),
    metric(
        "inference_latency",
        Time,
        "ms",
        Min,
        "time to predict one sample (batch 1) with the model in cache, at a percentile",
    ),
    metric(
        "inference_latency_cold",
        Time,
        "ms",
        Min,
        "time to predict one sample (batch 1) right after the caches were flushed, at a percentile",
    ),
    metric("inference_throughput", Rate, "1/s", Max, "predictions per second at a large batch"),
    metric("model_size", Bytes, "B", Min, "bytes of the serialized model"),
    metric(
        "peak_memory",
        Bytes,
        "B",
        Min,
        "the trial worker's own peak resident set (VmHWM): runtime, data and model",
    ),
    metric(
        "baseline_memory",
        Bytes,
        "B",
        Min,
        "the worker's resident set with its runtime up (libtorch for torch learners), before data and model",
    ),
    metric("cpu_time", Time, "s", Min, "user + system CPU time of the trial's worker process (rusage)"),
    metric("parameters", Count, "count", Min, "number of learned parameters (weights, or tree nodes)"),
    metric("nodes", Count, "count", Min, "number of tree nodes (interpretability proxy)"),
    metric("leaves", Count, "count", Min, "number of tree leaves (interpretability proxy)"),
    metric("depth", Count, "count", Min, "depth of the deepest tree (interpretability proxy)"),
    metric("train_energy", Energy, "J", Min, "energy of the training phase"),
    metric("inference_energy", Energy, "J", Min, "energy per 1000 predictions"),
    metric("co2", Mass, "g", Min, "CO2-equivalent of training: energy x PUE x carbon intensity"),
    metric(
        "embodied_co2",
        Mass,
        "g",
        Min,
        "embodied CO2e of the hardware: manufacturing emissions x share of its service life used (declared candidates)",
    ),
    metric("cost", Money, "USD", Min, "rental cost of training: device-hours x declared price"),
    metric("energy_cost", Money, "USD", Min, "electricity cost of training: facility kWh x declared tariff"),
];

/// Looks a metric up by name.
pub fn metric_info(name: &str) -> Option<&'static MetricInfo> {
    METRICS.iter().find(|m| m.name == name)
}
