//! Per candidate and metric: the protocol's statistic (median by default) with a seeded
//! bootstrap 95% confidence interval, IQR, min, max, n and coefficient of variation,
//! computed with polars from the records and written to `summary.csv` and
//! `summary.parquet`. Values are converted to the unit each metric asks for.

use std::collections::BTreeMap;
use std::path::Path;

use polars::prelude::*;
use spec::Experiment;
use spec::model::Statistic;
use units::Method;

use data::rng::{Rng, derive_seed};
use record::Record;

/// Bootstrap resamples per interval.
pub const BOOTSTRAP_SAMPLES: usize = 2000;

/// One candidate x metric.
#[derive(Debug, Clone, PartialEq)]
pub struct SummaryRow {
    pub candidate: String,
    pub metric: String,
    pub unit: String,
    /// The weakest method among the values.
    pub method: Method,
    pub statistic: Statistic,
    pub n: usize,
    /// The protocol's statistic of the values.
    pub value: f64,
    pub ci_low: f64,
    pub ci_high: f64,
    pub median: f64,
    pub mean: f64,
    pub q1: f64,
    pub q3: f64,
    pub min: f64,
    pub max: f64,
    /// Standard deviation / mean (0 when the mean is 0).
    pub cv: f64,
}

impl SummaryRow {
    pub fn iqr(&self) -> f64 {
        self.q3 - self.q1
    }

    /// CI width relative to the statistic.
    pub fn relative_ci_width(&self) -> f64 {
        if self.value == 0.0 {
            if self.ci_high > self.ci_low { f64::INFINITY } else { 0.0 }
        } else {
            (self.ci_high - self.ci_low) / self.value.abs()
        }
    }

    /// Whether the CI is wider than `threshold` times the statistic.
    pub fn is_noisy(&self, threshold: f64) -> bool {
        self.relative_ci_width() > threshold
    }
}

/// The values of one candidate x metric, in the metric's unit, with their methods.
pub type Values = BTreeMap<(String, String), Vec<(f64, Method)>>;

/// Collects the values of every requested metric from the records.
pub fn collect(experiment: &Experiment, records: &[&Record]) -> Values {
    let mut values: Values = BTreeMap::new();
    for record in records {
        for request in &experiment.metrics {
            let Some(measurement) = record.measurement(request.name()) else { continue };
            let Some(value) = measurement.value_in(request.unit) else { continue };
            values
                .entry((record.candidate.clone(), request.name().to_string()))
                .or_default()
                .push((value, measurement.method));
        }
    }
    values
}

/// Summarises the usable records of an experiment.
pub fn summarise(experiment: &Experiment, records: &[&Record]) -> Result<Vec<SummaryRow>, PolarsError> {
    let values = collect(experiment, records);
    let mut candidate = Vec::new();
    let mut metric = Vec::new();
    let mut value = Vec::new();
    for ((c, m), vs) in &values {
        for (v, _) in vs {
            candidate.push(c.clone());
            metric.push(m.clone());
            value.push(*v);
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
        .sort(["candidate", "metric"], SortMultipleOptions::default())
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
    let candidates: Vec<String> =
        aggregated.column("candidate")?.str()?.iter().map(|v| v.unwrap_or_default().to_string()).collect();
    let metrics: Vec<String> =
        aggregated.column("metric")?.str()?.iter().map(|v| v.unwrap_or_default().to_string()).collect();
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
        let request = experiment.metric(&metrics[i]).expect("only requested metrics are collected");
        let group = &values[&(candidates[i].clone(), metrics[i].clone())];
        let sample: Vec<f64> = group.iter().map(|(v, _)| *v).collect();
        let statistic = request.statistic;
        let seed = derive_seed(experiment.seed, &format!("bootstrap/{}/{}", candidates[i], metrics[i]));
        let (ci_low, ci_high) = bootstrap_ci(&sample, statistic, seed);
        rows.push(SummaryRow {
            candidate: candidates[i].clone(),
            metric: metrics[i].clone(),
            unit: request.unit.symbol.to_string(),
            method: Method::weakest(group.iter().map(|(_, m)| *m)).unwrap_or(Method::Counter),
            statistic,
            n: n[i] as usize,
            value: match statistic {
                Statistic::Median => median[i],
                Statistic::Mean => mean[i],
                Statistic::Min => min[i],
                Statistic::Max => max[i],
            },
            ci_low,
            ci_high,
            median: median[i],
            mean: mean[i],
            q1: q1[i],
            q3: q3[i],
            min: min[i],
            max: max[i],
            cv: if mean[i] != 0.0 && n[i] > 1.0 { std[i] / mean[i].abs() } else { 0.0 },
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

/// The statistic of a sample.
pub fn statistic_of(values: &[f64], statistic: Statistic) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    match statistic {
        Statistic::Median => {
            let n = sorted.len();
            if n == 0 {
                f64::NAN
            } else if n % 2 == 1 {
                sorted[n / 2]
            } else {
                (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
            }
        }
        Statistic::Mean => sorted.iter().sum::<f64>() / sorted.len() as f64,
        Statistic::Min => sorted.first().copied().unwrap_or(f64::NAN),
        Statistic::Max => sorted.last().copied().unwrap_or(f64::NAN),
    }
}

/// Percentile bootstrap 95% interval of the statistic, from a fixed seed.
pub fn bootstrap_ci(values: &[f64], statistic: Statistic, seed: u64) -> (f64, f64) {
    let n = values.len();
    if n == 0 {
        return (f64::NAN, f64::NAN);
    }
    if n == 1 {
        return (values[0], values[0]);
    }
    let mut rng = Rng::new(seed);
    let mut resample = vec![0.0; n];
    let mut estimates: Vec<f64> = (0..BOOTSTRAP_SAMPLES)
        .map(|_| {
            for slot in resample.iter_mut() {
                *slot = values[rng.below(n as u64) as usize];
            }
            statistic_of(&resample, statistic)
        })
        .collect();
    estimates.sort_by(f64::total_cmp);
    let at = |q: f64| {
        estimates[((q * (BOOTSTRAP_SAMPLES - 1) as f64).round() as usize).min(BOOTSTRAP_SAMPLES - 1)]
    };
    (at(0.025), at(0.975))
}

/// Writes `summary.csv` and `summary.parquet`.
pub fn write(rows: &[SummaryRow], noise_threshold: f64, dir: &Path) -> Result<(), PolarsError> {
    let mut frame = to_frame(rows, noise_threshold)?;
    let mut csv = std::fs::File::create(dir.join("summary.csv"))?;
    CsvWriter::new(&mut csv).include_header(true).finish(&mut frame)?;
    let parquet = std::fs::File::create(dir.join("summary.parquet"))?;
    ParquetWriter::new(parquet).finish(&mut frame)?;
    Ok(())
}

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
        "ci_low" => number(|r| r.ci_low),
        "ci_high" => number(|r| r.ci_high),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statistics_and_bootstrap_are_deterministic() {
        assert_eq!(statistic_of(&[3.0, 1.0, 2.0], Statistic::Median), 2.0);
        assert_eq!(statistic_of(&[4.0, 1.0, 2.0, 3.0], Statistic::Median), 2.5);
        let values = [1.0, 2.0, 3.0, 4.0, 100.0];
        let (low, high) = bootstrap_ci(&values, Statistic::Median, 7);
        assert_eq!((low, high), bootstrap_ci(&values, Statistic::Median, 7));
        assert!(low >= 1.0 && high <= 100.0 && low <= 3.0 && high >= 3.0);
        assert_eq!(bootstrap_ci(&[5.0], Statistic::Median, 1), (5.0, 5.0));
    }
}
