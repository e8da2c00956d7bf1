//! `tradeoff compare A B`: two results folders of the same experiment side by side (two
//! machines, two commits). Per candidate and metric, the ratio of B's statistic to A's
//! with a bootstrap interval; the trials of two runs are independent, so the two sides
//! are resampled independently. Differences in hardware, protocol or candidates are
//! warnings first: a ratio across them mixes two questions.

use data::rng::{Rng, derive_seed};
use spec::model::Statistic;

use crate::Analysis;
use crate::stats::{self, resample};
use crate::trials::Trials;

/// One candidate x metric in both runs.
#[derive(Debug, Clone)]
pub struct Row {
    pub candidate: String,
    pub metric: String,
    pub unit: String,
    pub a: f64,
    pub b: f64,
    /// B / A.
    pub ratio: f64,
    /// The ratio's 95% interval, or why there is none.
    pub interval: Result<(f64, f64), String>,
}

#[derive(Debug, Clone)]
pub struct Across {
    pub rows: Vec<Row>,
    pub warnings: Vec<String>,
}

/// Fewest trials per side for a bootstrap interval of a ratio.
const MINIMUM: usize = 6;

pub fn compare(a: &Analysis, b: &Analysis) -> Across {
    let (ea, eb) = (&a.results.experiment, &b.results.experiment);
    let mut warnings = Vec::new();
    if ea.name != eb.name {
        warnings.push(format!("different experiments: `{}` and `{}`", ea.name, eb.name));
    }
    match (&a.results.environment, &b.results.environment) {
        (Some(x), Some(y)) if x.hardware.fingerprint != y.hardware.fingerprint => warnings.push(format!(
            "different hardware: {} ({} logical cores) and {} ({} logical cores): timings and energy compare the machines as much as the code",
            x.hardware.cpu.brand, x.hardware.cpu.logical_cores, y.hardware.cpu.brand, y.hardware.cpu.logical_cores
        )),
        (None, _) | (_, None) => warnings.push("a folder has no environment.json: its hardware is unknown".into()),
        _ => {}
    }
    let section = |e: &spec::Experiment, f: fn(&spec::model::ExperimentFile) -> serde_json::Value| f(&e.file);
    let protocol = |f: &spec::model::ExperimentFile| serde_json::to_value(&f.protocol).unwrap_or_default();
    let dataset = |f: &spec::model::ExperimentFile| serde_json::to_value(&f.dataset).unwrap_or_default();
    if section(ea, protocol) != section(eb, protocol) {
        warnings.push("different protocols (folds, repetitions, statistic, ...): the figures are not operationalized alike".into());
    }
    if section(ea, dataset) != section(eb, dataset) {
        warnings.push("different datasets".into());
    }
    if let (Some(x), Some(y)) = (&a.results.environment, &b.results.environment)
        && x.git.commit != y.git.commit
    {
        warnings.push(format!(
            "different commits: {} and {}",
            x.git.commit.as_deref().map(|c| &c[..c.len().min(12)]).unwrap_or("?"),
            y.git.commit.as_deref().map(|c| &c[..c.len().min(12)]).unwrap_or("?")
        ));
    }
    let ta = Trials::of(
        ea,
        &a.results.records,
        a.results.environment.as_ref().map(|e| e.hardware.fingerprint.as_str()),
        a.results.plan_keys(),
    );
    let tb = Trials::of(
        eb,
        &b.results.records,
        b.results.environment.as_ref().map(|e| e.hardware.fingerprint.as_str()),
        b.results.plan_keys(),
    );
    let mut rows = Vec::new();
    for ca in &ea.candidates {
        let Some(cb) = eb.candidate(&ca.name) else { continue };
        if ca.learner != cb.learner || ca.params != cb.params {
            warnings.push(format!("`{}` has other hyperparameters in B", ca.name));
        }
        for metric in &ea.metrics {
            let (Some(ra), Some(rb)) = (a.row(&ca.name, metric.name()), b.row(&ca.name, metric.name()))
            else {
                continue;
            };
            if ra.unit != rb.unit || rb.value == 0.0 && ra.value == 0.0 {
                continue;
            }
            let va: Vec<f64> = ta.values(&ca.name, metric.name()).into_values().collect();
            let vb: Vec<f64> = tb.values(&ca.name, metric.name()).into_values().collect();
            let interval = if va.len() < MINIMUM || vb.len() < MINIMUM {
                Err(format!(
                    "n = {} and {}: too few trials for an interval (at least {MINIMUM} each)",
                    va.len(),
                    vb.len()
                ))
            } else {
                let seed = derive_seed(ea.seed, &format!("across/{}/{}", ca.name, metric.name()));
                Ok(ratio_interval(&va, &vb, ra.statistic, seed))
            };
            rows.push(Row {
                candidate: ca.name.clone(),
                metric: metric.name().to_string(),
                unit: ra.unit.clone(),
                a: ra.value,
                b: rb.value,
                ratio: rb.value / ra.value,
                interval,
            });
        }
    }
    Across { rows, warnings }
}

/// The 95% percentile-bootstrap interval of statistic(B) / statistic(A), each side
/// resampled on its own.
fn ratio_interval(a: &[f64], b: &[f64], statistic: Statistic, seed: u64) -> (f64, f64) {
    let mut rng = Rng::new(seed);
    let of = |values: &mut Vec<f64>| match statistic {
        Statistic::Mean => stats::mean(values),
        _ => stats::median(values),
    };
    let draw = |values: &[f64], rng: &mut Rng| -> Vec<f64> {
        (0..values.len()).map(|_| values[rng.below(values.len() as u64) as usize]).collect()
    };
    let ratios: Vec<f64> = (0..resample::DRAWS)
        .map(|_| {
            let (mut x, mut y) = (draw(a, &mut rng), draw(b, &mut rng));
            of(&mut y) / of(&mut x)
        })
        .collect();
    let interval = resample::percentile_interval(&ratios, 0.95);
    (interval.low, interval.high)
}

/// The comparison as a terminal table.
pub fn table(across: &Across, a_name: &str, b_name: &str) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    for warning in &across.warnings {
        let _ = writeln!(out, "warning: {warning}");
    }
    if !across.warnings.is_empty() {
        let _ = writeln!(out);
    }
    let header = ["candidate", "metric", "unit", a_name, b_name, "B / A", "95% interval (bootstrap)"];
    let mut rows: Vec<Vec<String>> = vec![header.iter().map(|s| s.to_string()).collect()];
    for row in &across.rows {
        rows.push(vec![
            row.candidate.clone(),
            row.metric.clone(),
            row.unit.clone(),
            crate::format::number(row.a),
            crate::format::number(row.b),
            format!("{:.3}x", row.ratio),
            match &row.interval {
                Ok((low, high)) => format!("[{:.3}, {:.3}]", low, high),
                Err(reason) => reason.clone(),
            },
        ]);
    }
    let widths: Vec<usize> =
        (0..header.len()).map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0)).collect();
    for row in rows {
        let cells: Vec<String> = row
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c}{}", " ".repeat(w - c.chars().count())))
            .collect();
        let _ = writeln!(out, "{}", cells.join("  ").trim_end());
    }
    out
}
