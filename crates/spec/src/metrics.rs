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
}

const fn metric(
    name: &'static str,
    dimension: Dimension,
    default_unit: &'static str,
    direction: Direction,
    summary: &'static str,
) -> MetricInfo {
    MetricInfo { name, dimension, default_unit, direction, summary, from_predictions: false }
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
    }
}

use Dimension::*;
use Direction::*;

/// Every known metric, in the order reports list them.
pub const METRICS: &[MetricInfo] = &[
    quality("accuracy", "share of test samples predicted correctly"),
    quality("macro_f1", "unweighted mean of per-class F1 on the test samples"),
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
