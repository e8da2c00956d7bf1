//! `tradeoff audit`: re-derive every reported number from `runs.jsonl` alone and compare.
//!
//! Every record's hash is verified byte for byte; every planned trial must have a
//! record; the summary, the constraint verdicts, the frontier, the pick, the claims and
//! the published figures are recomputed, and `summary.csv`, `report.md` and
//! `report.html` must equal what the records give. Each mismatch is named.

use std::collections::BTreeSet;
use std::path::Path;

use polars::prelude::*;

use crate::{Analysis, ReportError, Results};

#[derive(Debug)]
pub struct Audit {
    pub analysis: Analysis,
    pub records: usize,
    pub problems: Vec<String>,
}

pub fn audit(dir: &Path) -> Result<Audit, ReportError> {
    let mut problems = Vec::new();
    let runs = dir.join("runs.jsonl");
    let text = std::fs::read_to_string(&runs).unwrap_or_default();
    let mut records = 0;
    for (index, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        records += 1;
        if let Err(reason) = record::verify_line(line) {
            let who = serde_json::from_str::<serde_json::Value>(line)
                .ok()
                .map(|v| {
                    format!(
                        " ({} fold {} rep {})",
                        v["candidate"].as_str().unwrap_or("?"),
                        v["fold"],
                        v["repetition"]
                    )
                })
                .unwrap_or_default();
            problems.push(format!("runs.jsonl line {}{who}: {reason}", index + 1));
        }
    }
    let results = Results::load(dir)?;
    problems.extend(missing_trials(&results));
    let analysis = Analysis::of(results)?;
    problems.extend(compare_summary(&analysis, &dir.join("summary.csv")));
    for (name, expected) in
        [("report.md", crate::markdown(&analysis)), ("report.html", crate::html(&analysis))]
    {
        match std::fs::read_to_string(dir.join(name)) {
            Err(_) => problems.push(format!("{name} is missing")),
            Ok(actual) if actual != expected => problems.push(first_difference(name, &actual, &expected)),
            Ok(_) => {}
        }
    }
    Ok(Audit { analysis, records, problems })
}

/// Every planned trial needs a successful record (and every declared candidate one).
fn missing_trials(results: &Results) -> Vec<String> {
    let experiment = &results.experiment;
    let present: BTreeSet<(String, u32, u32)> =
        results.usable().iter().map(|r| (r.candidate.clone(), r.fold, r.repetition)).collect();
    let mut missing = Vec::new();
    for candidate in &experiment.candidates {
        let (folds, repetitions) = if candidate.is_run() {
            (experiment.protocol.evaluation.splits(), experiment.protocol.repetitions)
        } else {
            (1, 1)
        };
        for repetition in 0..repetitions {
            for fold in 0..folds {
                if !present.contains(&(candidate.name.clone(), fold, repetition)) {
                    missing.push(format!(
                        "runs.jsonl: no successful record for `{}` fold {fold} rep {repetition} (deleted, failed or never run)",
                        candidate.name
                    ));
                }
            }
        }
    }
    missing
}

fn compare_summary(analysis: &Analysis, path: &Path) -> Vec<String> {
    let frame = match crate::summary::read_csv(path) {
        Ok(frame) => frame,
        Err(error) => return vec![format!("summary.csv cannot be read: {error}")],
    };
    let mut problems = Vec::new();
    let text = |name: &str| -> Vec<String> {
        frame
            .column(name)
            .ok()
            .and_then(|c| c.cast(&DataType::String).ok())
            .map(|c| {
                c.str().map(|s| s.iter().map(|v| v.unwrap_or("").to_string()).collect()).unwrap_or_default()
            })
            .unwrap_or_default()
    };
    let number = |name: &str| -> Vec<f64> {
        frame
            .column(name)
            .ok()
            .and_then(|c| c.cast(&DataType::Float64).ok())
            .map(|c| c.f64().map(|s| s.iter().map(|v| v.unwrap_or(f64::NAN)).collect()).unwrap_or_default())
            .unwrap_or_default()
    };
    let (candidates, metrics, methods) = (text("candidate"), text("metric"), text("method"));
    let columns = ["n", "value", "ci_low", "ci_high", "median", "q1", "q3", "min", "max"];
    let values: Vec<Vec<f64>> = columns.iter().map(|c| number(c)).collect();
    let mut seen = BTreeSet::new();
    for (i, (candidate, metric)) in candidates.iter().zip(&metrics).enumerate() {
        seen.insert((candidate.clone(), metric.clone()));
        let Some(row) = analysis.row(candidate, metric) else {
            problems
                .push(format!("summary.csv: row `{candidate}` / `{metric}` is not supported by any record"));
            continue;
        };
        let recomputed =
            [row.n as f64, row.value, row.ci_low, row.ci_high, row.median, row.q1, row.q3, row.min, row.max];
        for (c, name) in columns.iter().enumerate() {
            let (file, fresh) = (values[c].get(i).copied().unwrap_or(f64::NAN), recomputed[c]);
            if !close(file, fresh) {
                problems.push(format!(
                    "summary.csv: `{candidate}` / `{metric}` {name} is {file} in the file but {fresh} from the records"
                ));
            }
        }
        if methods.get(i).map(String::as_str) != Some(row.method.as_str()) {
            problems.push(format!(
                "summary.csv: `{candidate}` / `{metric}` method differs from the records ({})",
                row.method
            ));
        }
    }
    for row in &analysis.summary {
        if !seen.contains(&(row.candidate.clone(), row.metric.clone())) {
            problems.push(format!(
                "summary.csv: no row for `{}` / `{}`, which the records support",
                row.candidate, row.metric
            ));
        }
    }
    problems
}

fn close(a: f64, b: f64) -> bool {
    if a.is_nan() && b.is_nan() {
        return true;
    }
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1e-300)
}

fn first_difference(name: &str, actual: &str, expected: &str) -> String {
    for (i, (a, e)) in actual.lines().zip(expected.lines()).enumerate() {
        if a != e {
            let clip = |s: &str| s.chars().take(120).collect::<String>();
            return format!(
                "{name} line {} differs from the report the records give:\n    file:    {}\n    records: {}",
                i + 1,
                clip(a),
                clip(e)
            );
        }
    }
    format!(
        "{name} differs from the report the records give (length {} vs {} lines)",
        actual.lines().count(),
        expected.lines().count()
    )
}
