//! `tradeoff audit`: re-derive every reported number from `runs.jsonl` alone and compare.
//!
//! Every record's hash is verified byte for byte; every planned trial must have a
//! record and every record must be a planned trial; each stored predictions file must
//! match its hash and give its record's quality figures; the summary, the constraint
//! verdicts, the frontier, the pick, the claims and the published figures are
//! recomputed, and every cell of `summary.csv` and `summary.parquet`, and `report.md`
//! and `report.html`, must equal what the records give. Each mismatch is named.

use std::path::Path;

use polars::prelude::*;

use crate::trials::Trials;
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
    {
        let fingerprint = results.environment.as_ref().map(|e| e.hardware.fingerprint.as_str());
        let trials = Trials::of(&results.experiment, &results.records, fingerprint);
        problems.extend(missing_trials(&trials));
        for (reason, record) in &trials.ignored {
            problems.push(format!(
                "runs.jsonl: `{}` fold {} rep {} is not a trial of the current plan ({reason})",
                record.candidate, record.fold, record.repetition
            ));
        }
        let n_classes = results.environment.as_ref().map_or(0, |e| e.dataset.classes);
        problems.extend(check_predictions(dir, &trials, n_classes));
    }
    let analysis = Analysis::of(results)?;
    let expected =
        crate::summary::to_frame(&analysis.summary, analysis.results.experiment.protocol.noise_threshold)?;
    for (name, read) in [
        ("summary.csv", crate::summary::read_csv(&dir.join("summary.csv"))),
        ("summary.parquet", crate::summary::read_parquet(&dir.join("summary.parquet"))),
    ] {
        match read {
            Ok(frame) => problems.extend(compare_frames(name, &frame, &expected)),
            Err(error) => problems.push(format!("{name} cannot be read: {error}")),
        }
    }
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
fn missing_trials(trials: &Trials<'_>) -> Vec<String> {
    let mut missing = Vec::new();
    for candidate in &trials.experiment.candidates {
        let present = trials.records.get(&candidate.name);
        let slots: Vec<(u32, u32)> = if candidate.is_run() { trials.slots.clone() } else { vec![(0, 0)] };
        for (repetition, fold) in slots {
            if !present.is_some_and(|p| p.contains_key(&(repetition, fold))) {
                missing.push(format!(
                    "runs.jsonl: no successful record for `{}` fold {fold} rep {repetition} (deleted, failed or never run)",
                    candidate.name
                ));
            }
        }
    }
    missing
}

/// Each stored prediction file must match its hash, and the quality figures of its record
/// must follow from it.
fn check_predictions(dir: &Path, trials: &Trials<'_>, n_classes: usize) -> Vec<String> {
    let mut problems = Vec::new();
    for (candidate, slots) in &trials.records {
        if trials.is_declared(candidate) {
            continue;
        }
        for ((repetition, fold), record) in slots {
            let who = format!("`{candidate}` fold {fold} rep {repetition}");
            let Some(artifact) = &record.predictions else {
                problems.push(format!("{who}: the record names no predictions file"));
                continue;
            };
            let predictions = match record::predictions::Predictions::read(dir, artifact) {
                Ok(p) => p,
                Err(error) => {
                    problems.push(format!("{who}: {error}"));
                    continue;
                }
            };
            let confusion = quality::Confusion::of(&predictions.truth, &predictions.predicted, n_classes);
            for name in quality::METRICS {
                let (Some(measured), Some(recomputed)) = (record.measurement(name), confusion.metric(name))
                else {
                    continue;
                };
                if !close(measured.value, recomputed) {
                    problems.push(format!(
                        "{who}: {name} is {} in the record but {recomputed} from `{}`",
                        measured.value, artifact.path
                    ));
                }
            }
        }
    }
    problems
}

/// Every column and cell of a summary file against the summary the records give.
fn compare_frames(name: &str, file: &DataFrame, expected: &DataFrame) -> Vec<String> {
    let mut problems = Vec::new();
    let names = |f: &DataFrame| f.get_column_names().iter().map(|c| c.to_string()).collect::<Vec<_>>();
    if names(file) != names(expected) {
        problems.push(format!(
            "{name}: columns are [{}], the records give [{}]",
            names(file).join(", "),
            names(expected).join(", ")
        ));
        return problems;
    }
    if file.height() != expected.height() {
        problems.push(format!("{name}: {} rows, the records give {}", file.height(), expected.height()));
        return problems;
    }
    let label = |row: usize| -> String {
        let cell = |c: &str| expected.column(c).ok().and_then(|c| c.get(row).ok()).map(|v| v.to_string());
        format!(
            "`{}` / `{}`",
            cell("candidate").unwrap_or_default().trim_matches('"'),
            cell("metric").unwrap_or_default().trim_matches('"')
        )
    };
    for column in expected.columns() {
        let column_name = column.name().as_str();
        let Ok(actual) = file.column(column_name) else { continue };
        let numeric = column.dtype().is_primitive_numeric();
        for row in 0..expected.height() {
            let same = if numeric {
                let value = |c: &Column| {
                    c.cast(&DataType::Float64).ok().and_then(|c| c.f64().ok().and_then(|s| s.get(row)))
                };
                match (value(actual), value(column)) {
                    (Some(a), Some(b)) => close(a, b),
                    (a, b) => a.is_none() && b.is_none(),
                }
            } else {
                let value = |c: &Column| {
                    c.cast(&DataType::String)
                        .ok()
                        .and_then(|c| c.str().ok().and_then(|s| s.get(row).map(str::to_string)))
                };
                value(actual) == value(column)
            };
            if !same {
                let show = |c: &Column| c.get(row).map(|v| v.to_string()).unwrap_or_default();
                problems.push(format!(
                    "{name}: {} {column_name} is {} in the file but {} from the records",
                    label(row),
                    show(actual),
                    show(column)
                ));
            }
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
