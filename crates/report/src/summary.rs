//! Per candidate and metric: the statistic, an interval that keeps its promise (or the
//! reason there is none), IQR, min, max, n and coefficient of variation, written to
//! `summary.csv` and `summary.parquet`. Values are in the unit each metric asks for.
//!
//! Plain aggregates come from polars; intervals from [`crate::stats`], by design:
//! - measured figures (times, sizes, energy): order statistics for the median, Student t
//!   for the mean;
//! - quality figures over several splits: the corrected resampled t of the mean;
//! - quality figures on one fixed test set: Clopper–Pearson for one repetition's
//!   accuracy, the bootstrap over test rows for its other figures, and over several
//!   repetitions the rows' variance (bootstrap) plus the seeds' (the repetitions' spread).
//!
//! Resamples are seeded by metric and repetitions, never by candidate (common random
//! numbers), so identical predictions get identical intervals.

use std::path::Path;

use polars::prelude::*;
use spec::model::Statistic;
use units::Method;

use data::rng::derive_seed;

use crate::fixed::FixedSet;
use crate::stats::{self, Interval, intervals, resample};
use crate::trials::{Design, Trials};

/// Why a declared figure has no confidence interval (its inputs' range, if any, is its
/// `model_range`).
pub const DECLARED: &str = "declared: a given figure has no interval";

/// One candidate x metric.
#[derive(Debug, Clone, PartialEq)]
pub struct SummaryRow {
    pub candidate: String,
    pub metric: String,
    pub unit: String,
    /// The weakest method among the values.
    pub method: Method,
    pub statistic: Statistic,
    /// Trials (slots) with a value.
    pub n: usize,
    /// The statistic of the values.
    pub value: f64,
    /// The interval of the statistic, or why there is none.
    pub interval: Result<Interval, String>,
    pub median: f64,
    pub mean: f64,
    pub q1: f64,
    pub q3: f64,
    pub min: f64,
    pub max: f64,
    /// Standard deviation / mean (0 when the mean is 0).
    pub cv: f64,
    /// For estimates with a model range: the statistic of the trials' low and high ends.
    pub model_range: Option<[f64; 2]>,
    /// The interval of the low ends' statistic (its low end) and of the high ends' (its
    /// high end): the range a verdict on an estimate is decided on.
    pub decision_range: Option<[f64; 2]>,
}

impl SummaryRow {
    /// The interval a verdict uses: the model-widened one for estimates with a range.
    pub fn decision_interval(&self) -> Result<(f64, f64), String> {
        let interval = self.interval.as_ref().map_err(Clone::clone)?;
        Ok(match self.decision_range {
            Some([low, high]) => (low.min(interval.low), high.max(interval.high)),
            None => (interval.low, interval.high),
        })
    }

    pub fn ci_low(&self) -> f64 {
        self.interval.as_ref().map_or(f64::NAN, |i| i.low)
    }

    pub fn ci_high(&self) -> f64 {
        self.interval.as_ref().map_or(f64::NAN, |i| i.high)
    }

    pub fn iqr(&self) -> f64 {
        self.q3 - self.q1
    }

    /// Interval width relative to the statistic, when there is an interval.
    pub fn relative_ci_width(&self) -> Option<f64> {
        let interval = self.interval.as_ref().ok()?;
        Some(if self.value == 0.0 {
            if interval.high > interval.low { f64::INFINITY } else { 0.0 }
        } else {
            (interval.high - interval.low) / self.value.abs()
        })
    }

    /// Whether the interval is wider than `threshold` times the statistic.
    pub fn is_noisy(&self, threshold: f64) -> bool {
        self.relative_ci_width().is_some_and(|w| w > threshold)
    }

    /// What the interval is, or why there is none, in words for the CSV and the report.
    pub fn interval_note(&self) -> String {
        match &self.interval {
            Ok(i) if i.approximate => format!("{}; approximate at n = {}", i.method, self.n),
            Ok(i) => i.method.to_string(),
            Err(reason) => reason.clone(),
        }
    }
}

/// Summarises the plan's records; `level` is the intervals' nominal confidence.
pub fn summarise(
    trials: &Trials<'_>,
    fixed: Option<&FixedSet>,
    level: f64,
) -> Result<Vec<SummaryRow>, PolarsError> {
    let experiment = trials.experiment;
    let mut candidate = Vec::new();
    let mut metric = Vec::new();
    let mut value = Vec::new();
    let mut methods = std::collections::BTreeMap::new();
    for c in &experiment.candidates {
        for request in &experiment.metrics {
            let Some(slots) = trials.records.get(&c.name) else { continue };
            for record in slots.values() {
                let Some(measurement) = record.measurement(request.name()) else { continue };
                let Some(v) = measurement.value_in(request.unit) else { continue };
                candidate.push(c.name.clone());
                metric.push(request.name().to_string());
                value.push(v);
                methods
                    .entry((c.name.clone(), request.name().to_string()))
                    .and_modify(|m: &mut Method| *m = (*m).max(measurement.method))
                    .or_insert(measurement.method);
            }
        }
    }
    let frame = df!("candidate" => candidate, "metric" => metric, "value" => value)?;
    let aggregated = frame
        .lazy()
        .group_by([col("candidate"), col("metric")])
        .agg([
            col("value").count().alias("n"),
            col("value").median().alias("median"),
            col("value").mean().alias("mean"),
            col("value").std(1).alias("std"),
            col("value").quantile(lit(0.25), QuantileMethod::Linear).alias("q1"),
            col("value").quantile(lit(0.75), QuantileMethod::Linear).alias("q3"),
            col("value").min().alias("min"),
            col("value").max().alias("max"),
        ])
        .collect()?;
    let column = |name: &str| -> Result<Vec<f64>, PolarsError> {
        Ok(aggregated
            .column(name)?
            .cast(&DataType::Float64)?
            .f64()?
            .iter()
            .map(|v| v.unwrap_or(0.0))
            .collect())
    };
    let text = |name: &str| -> Result<Vec<String>, PolarsError> {
        Ok(aggregated.column(name)?.str()?.iter().map(|v| v.unwrap_or_default().to_string()).collect())
    };
    let (candidates, metrics) = (text("candidate")?, text("metric")?);
    let (n, median, mean, std, q1, q3, min, max) = (
        column("n")?,
        column("median")?,
        column("mean")?,
        column("std")?,
        column("q1")?,
        column("q3")?,
        column("min")?,
        column("max")?,
    );
    let mut rows = Vec::new();
    for i in 0..candidates.len() {
        let (c, m) = (&candidates[i], &metrics[i]);
        let request = experiment.metric(m).expect("only requested metrics are collected");
        let statistic = request.statistic;
        let pick = |s: Statistic| match s {
            Statistic::Median => median[i],
            Statistic::Mean => mean[i],
            Statistic::Min => min[i],
            Statistic::Max => max[i],
        };
        let (value, interval) = figure(trials, fixed, c, m, statistic, pick(statistic), level);
        let (model_range, decision_range) = model_range(trials, c, m, statistic, level);
        rows.push(SummaryRow {
            candidate: c.clone(),
            metric: m.clone(),
            unit: request.unit.symbol.to_string(),
            method: methods[&(c.clone(), m.clone())],
            statistic,
            n: n[i] as usize,
            value,
            interval,
            median: median[i],
            mean: mean[i],
            q1: q1[i],
            q3: q3[i],
            min: min[i],
            max: max[i],
            cv: if mean[i] != 0.0 && n[i] > 1.0 { std[i] / mean[i].abs() } else { 0.0 },
            model_range,
            decision_range,
        });
    }
    // Report order: candidates as in the experiment, metrics as in the metric table.
    rows.sort_by_key(|r| {
        (
            experiment.candidates.iter().position(|c| c.name == r.candidate).unwrap_or(usize::MAX),
            experiment.metrics.iter().position(|m| m.name() == r.metric).unwrap_or(usize::MAX),
        )
    });
    Ok(rows)
}

/// For estimates with a model range: the statistic of the low ends and of the high ends,
/// and the outer ends of their intervals.
fn model_range(
    trials: &Trials<'_>,
    candidate: &str,
    metric: &str,
    statistic: Statistic,
    level: f64,
) -> (Option<[f64; 2]>, Option<[f64; 2]>) {
    let Some(ranges) = trials.ranges(candidate, metric) else { return (None, None) };
    let mut lows: Vec<f64> = ranges.values().map(|r| r[0]).collect();
    let mut highs: Vec<f64> = ranges.values().map(|r| r[1]).collect();
    lows.sort_by(f64::total_cmp);
    highs.sort_by(f64::total_cmp);
    let of = |sorted: &[f64]| match statistic {
        Statistic::Median => stats::median_sorted(sorted),
        Statistic::Mean => stats::mean(sorted),
        Statistic::Min => sorted[0],
        Statistic::Max => sorted[sorted.len() - 1],
    };
    let interval = |sorted: &[f64]| match statistic {
        Statistic::Median => intervals::median(sorted, level).ok(),
        Statistic::Mean => intervals::mean(sorted, level).ok(),
        Statistic::Min | Statistic::Max => None,
    };
    let decision = match (interval(&lows), interval(&highs)) {
        (Some(low), Some(high)) => Some([low.low, high.high]),
        _ => None,
    };
    (Some([of(&lows), of(&highs)]), decision)
}

/// The figure of one candidate x metric and its interval, by design.
fn figure(
    trials: &Trials<'_>,
    fixed: Option<&FixedSet>,
    candidate: &str,
    metric: &str,
    statistic: Statistic,
    plain: f64,
    level: f64,
) -> (f64, Result<Interval, String>) {
    let experiment = trials.experiment;
    if trials.is_declared(candidate) {
        return (plain, Err(DECLARED.into()));
    }
    match statistic {
        Statistic::Min => return (plain, Err("a minimum has no confidence interval".into())),
        Statistic::Max => return (plain, Err("a maximum has no confidence interval".into())),
        _ => {}
    }
    let from_predictions = experiment.metric(metric).is_some_and(|m| m.info.from_predictions);
    let median = statistic == Statistic::Median;
    if from_predictions {
        match trials.design {
            Design::Resampled { test_train, .. } => {
                let units: Vec<f64> = trials.units(candidate, metric).into_values().collect();
                if median {
                    let mut sorted = units.clone();
                    sorted.sort_by(f64::total_cmp);
                    return (
                        stats::median_sorted(&sorted),
                        Err("fold estimates are correlated, so their median has no valid interval; \
                             summarise quality with the mean (the default)"
                            .into()),
                    );
                }
                return (stats::mean(&units), intervals::corrected_mean(&units, test_train, level));
            }
            Design::FixedTestSet { .. } => {
                if let Some(fixed) = fixed {
                    let repetitions = fixed.common_repetitions(&[candidate]);
                    if let Some(predicted) = fixed.of(candidate, &repetitions) {
                        // Seeded by metric and repetitions, never by the candidate: every
                        // candidate is resampled on the same rows (common random numbers),
                        // so identical predictions get identical intervals.
                        let seed = derive_seed(experiment.seed, &format!("summary/{metric}/{repetitions:?}"));
                        let (exact, interval) = fixed_set_interval(
                            &fixed.test_rows(),
                            &predicted,
                            metric,
                            median,
                            seed,
                            resample::DRAWS,
                            level,
                        );
                        return (exact.unwrap_or(plain), Ok(interval));
                    }
                }
            }
        }
    }
    let mut values: Vec<f64> = trials.values(candidate, metric).into_values().collect();
    values.sort_by(f64::total_cmp);
    (plain, measured_interval(&values, median, level))
}

/// The interval of a measured figure (or a quality figure without stored predictions):
/// order statistics for the median, Student t for the mean. `sorted` must be sorted.
pub fn measured_interval(sorted: &[f64], median: bool, level: f64) -> Result<Interval, String> {
    if median { intervals::median(sorted, level) } else { intervals::mean(sorted, level) }
}

/// The interval of a quality figure on one fixed test set, by the method the design calls
/// for: Clopper–Pearson for one repetition's accuracy (with that accuracy as the figure);
/// the percentile bootstrap over test rows for one repetition's other figures; for the
/// mean over several repetitions, the rows' variance from the bootstrap over rows and the
/// seeds' from the repetitions (`resample::crossed`); the median over repetitions, the
/// percentile bootstrap over rows and repetitions, marked approximate. `draws` resamples
/// from `seed`. The report and the calibration simulation both call this, so the
/// simulation checks the dispatch the report uses.
pub fn fixed_set_interval(
    test: &resample::TestRows<'_>,
    predicted: &resample::Predicted,
    metric: &str,
    median: bool,
    seed: u64,
    draws: usize,
    level: f64,
) -> (Option<f64>, Interval) {
    let repetitions = predicted.by_repetition.len();
    if repetitions == 1 && metric == "accuracy" {
        let confusion = quality::Confusion::of(test.truth, &predicted.by_repetition[0], test.task.n_classes);
        let interval = intervals::clopper_pearson(
            confusion.correct().round() as u64,
            confusion.rows().round() as u64,
            level,
        );
        return (Some(confusion.accuracy()), interval);
    }
    let rows = test.truth.len();
    let figure = |draw: &resample::Draw| resample::metric_under(draw, test, predicted, metric, median);
    if repetitions > 1 && !median {
        let estimate = figure(&resample::Draw::identity(rows, repetitions));
        let by_repetition = resample::per_repetition(rows, repetitions, &figure);
        let row_draws: Vec<f64> =
            resample::row_draws(seed, rows, repetitions, draws).iter().map(figure).collect();
        return (None, resample::crossed_interval(estimate, &by_repetition, &row_draws, level));
    }
    let estimates: Vec<f64> = resample::draws(seed, rows, repetitions, draws).iter().map(figure).collect();
    let mut interval = resample::percentile_interval(&estimates, level);
    if repetitions > 1 {
        interval.method = "bootstrap over test rows and repetitions";
        interval.approximate = true;
    }
    (None, interval)
}

/// Writes `summary.csv` and `summary.parquet`.
pub fn write(rows: &[SummaryRow], noise_threshold: f64, dir: &record::ResultsDir) -> Result<(), PolarsError> {
    let mut frame = to_frame(rows, noise_threshold)?;
    let mut csv = std::fs::File::create(dir.summary_csv())?;
    CsvWriter::new(&mut csv).include_header(true).finish(&mut frame)?;
    let parquet = std::fs::File::create(dir.summary_parquet())?;
    ParquetWriter::new(parquet).finish(&mut frame)?;
    Ok(())
}

/// The summary as a frame: the columns of `summary.csv` and `summary.parquet`.
pub fn to_frame(rows: &[SummaryRow], noise_threshold: f64) -> Result<DataFrame, PolarsError> {
    let text = |f: fn(&SummaryRow) -> String| rows.iter().map(f).collect::<Vec<String>>();
    let number = |f: fn(&SummaryRow) -> f64| rows.iter().map(f).collect::<Vec<f64>>();
    df!(
        "candidate" => text(|r| r.candidate.clone()),
        "metric" => text(|r| r.metric.clone()),
        "unit" => text(|r| r.unit.clone()),
        "method" => text(|r| r.method.to_string()),
        "statistic" => text(|r| format!("{:?}", r.statistic).to_lowercase()),
        "n" => rows.iter().map(|r| r.n as u32).collect::<Vec<u32>>(),
        "value" => number(|r| r.value),
        "ci_low" => number(|r| r.ci_low()),
        "ci_high" => number(|r| r.ci_high()),
        "ci_level" => number(|r| r.interval.as_ref().map_or(f64::NAN, |i| i.level)),
        "ci_note" => text(|r| r.interval_note()),
        "model_low" => number(|r| r.model_range.map_or(f64::NAN, |m| m[0])),
        "model_high" => number(|r| r.model_range.map_or(f64::NAN, |m| m[1])),
        "median" => number(|r| r.median),
        "mean" => number(|r| r.mean),
        "q1" => number(|r| r.q1),
        "q3" => number(|r| r.q3),
        "iqr" => number(|r| r.iqr()),
        "min" => number(|r| r.min),
        "max" => number(|r| r.max),
        "cv" => number(|r| r.cv),
        "noisy" => rows.iter().map(|r| r.is_noisy(noise_threshold)).collect::<Vec<bool>>(),
    )
}

/// Reads `summary.csv` back (for the audit).
pub fn read_csv(path: &Path) -> Result<DataFrame, PolarsError> {
    CsvReadOptions::default()
        .with_has_header(true)
        .try_into_reader_with_file_path(Some(path.to_path_buf()))?
        .finish()
}

/// Reads `summary.parquet` back (for the audit).
pub fn read_parquet(path: &Path) -> Result<DataFrame, PolarsError> {
    ParquetReader::new(std::fs::File::open(path)?).finish()
}
