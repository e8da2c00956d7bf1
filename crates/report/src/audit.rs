//! `tradeoff audit`: re-derive every reported number from `runs.jsonl` alone and compare.
//!
//! Every record's hash is verified byte for byte; every planned trial must have a
//! record and every record must be a planned trial; each stored predictions file must
//! match its hash and give its record's quality figures; the summary, the constraint
//! verdicts, the frontier, the pick, the claims and the published figures are
//! recomputed, and every cell of `summary.csv` and `summary.parquet`, and `report.md`
//! and `report.html`, must equal what the records give; each declared candidate's
//! record must have been made from the declared table the experiment file shows (a
//! printed figure edited without a run is named) and hold what its inputs give. Each
//! mismatch is named.

use std::path::Path;

use polars::prelude::*;

use record::ResultsDir;

use crate::trials::Trials;
use crate::{Analysis, ReportError, Results};

#[derive(Debug)]
pub struct Audit {
    pub analysis: Analysis,
    pub records: usize,
    pub problems: Vec<String>,
    /// Records that are kept but not used, named (not problems: a re-run supersedes).
    pub notes: Vec<String>,
}

pub fn audit(dir: &Path) -> Result<Audit, ReportError> {
    let layout = ResultsDir::new(dir);
    let mut problems = Vec::new();
    let mut notes = Vec::new();
    let text = std::fs::read_to_string(layout.runs()).unwrap_or_default();
    let mut records = 0;
    let mut previous = String::new();
    for (index, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        records += 1;
        let value = serde_json::from_str::<serde_json::Value>(line).ok();
        let who = value
            .as_ref()
            .map(|v| {
                format!(
                    " ({} fold {} rep {})",
                    v["candidate"].as_str().unwrap_or("?"),
                    v["fold"],
                    v["repetition"]
                )
            })
            .unwrap_or_default();
        if let Err(reason) = record::verify_line(line) {
            problems.push(format!("runs.jsonl line {}{who}: {reason}", index + 1));
        }
        // The hash chain: each record names the one before it.
        let field = |name: &str| value.as_ref().and_then(|v| v[name].as_str()).unwrap_or("").to_string();
        if field("previous_sha256") != previous {
            problems.push(format!(
                "runs.jsonl line {}{who}: the hash chain breaks here: the record names {} as the one before it, but that is {} \
                 (a record was deleted, reordered or re-sealed)",
                index + 1,
                short(&field("previous_sha256")),
                short(&previous)
            ));
        }
        previous = field("sha256");
    }
    let results = Results::load(dir)?;
    problems.extend(check_spec_versions(&results));
    {
        let fingerprint = results.environment.as_ref().map(|e| e.hardware.fingerprint.as_str());
        let trials = Trials::of(&results.experiment, &results.records, fingerprint, results.plan_keys());
        problems.extend(missing_trials(&trials));
        if results.plan.is_some() && results.plan_keys().is_none() {
            problems.push(
                "plan.json was written for another version of the experiment file: the file was edited after its last run"
                    .into(),
            );
        }
        for record in &trials.superseded {
            notes.push(format!(
                "runs.jsonl: `{}` fold {} rep {} (key `{}`) is superseded by a later record of the same slot",
                record.candidate,
                record.fold,
                record.repetition,
                &record.trial_key[..record.trial_key.len().min(16)]
            ));
        }
        for (reason, record) in &trials.ignored {
            problems.push(format!(
                "runs.jsonl: `{}` fold {} rep {} is not a trial of the current plan ({reason})",
                record.candidate, record.fold, record.repetition
            ));
        }
        let (task, levels) = crate::fixed::task_of(&results);
        problems.extend(check_predictions(dir, &trials, task, &levels));
        problems.extend(crate::published::audit(&results, &trials));
    }
    let analysis = Analysis::of(results)?;
    let expected =
        crate::summary::to_frame(&analysis.summary, analysis.results.experiment.protocol.noise_threshold)?;
    for (name, read) in [
        ("summary.csv", crate::summary::read_csv(&layout.summary_csv())),
        ("summary.parquet", crate::summary::read_parquet(&layout.summary_parquet())),
    ] {
        match read {
            Ok(frame) => problems.extend(compare_frames(name, &frame, &expected)),
            Err(error) => problems.push(format!("{name} cannot be read: {error}")),
        }
    }
    for (name, path, expected) in [
        ("report.md", layout.report_md(), crate::markdown(&analysis)),
        ("report.html", layout.report_html(), crate::html(&analysis)),
    ] {
        match std::fs::read_to_string(path) {
            Err(_) => problems.push(format!("{name} is missing")),
            Ok(actual) if actual != expected => problems.push(first_difference(name, &actual, &expected)),
            Ok(_) => {}
        }
    }
    Ok(Audit { analysis, records, problems, notes })
}

fn short(hash: &str) -> String {
    if hash.is_empty() {
        "nothing (the start of the file)".into()
    } else {
        format!("`{}`", &hash[..hash.len().min(16)])
    }
}

/// The experiment file reported from must be one that `tradeoff run` ran (a copy in
/// `specs/` under its hash), every record must name a version that ran, and every copy
/// must hash to its name: so an edited claim, bound, weight or statistic followed by
/// `tradeoff report` is caught, while an edit that was run again is history, shown in the
/// report.
fn check_spec_versions(results: &Results) -> Vec<String> {
    use sha2::{Digest, Sha256};
    let mut problems = Vec::new();
    for (name, text) in &results.spec_versions {
        let actual = hex::encode(Sha256::digest(text.as_bytes()));
        if &actual != name {
            problems.push(format!(
                "specs/{name}.toml: its content hashes to `{}`, not to its name",
                &actual[..16]
            ));
        }
    }
    let current = &results.experiment.spec_sha256;
    if !results.spec_versions.contains_key(current) {
        problems.push(format!(
            "experiment.toml (sha256 `{}`) is not a version any `tradeoff run` ran: it was edited after the run \
             (the versions that ran are in specs/); run it again to record the change",
            &current[..16]
        ));
    }
    let mut unknown: Vec<&str> = results
        .records
        .iter()
        .map(|r| r.spec_sha256.as_str())
        .filter(|s| !results.spec_versions.contains_key(*s))
        .collect();
    unknown.sort();
    unknown.dedup();
    for sha in unknown {
        problems.push(format!(
            "runs.jsonl: records name experiment file `{}`, which is not in specs/",
            &sha[..sha.len().min(16)]
        ));
    }
    problems
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
fn check_predictions(dir: &Path, trials: &Trials<'_>, task: quality::Task, levels: &[u32]) -> Vec<String> {
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
            let groups = crate::fixed::intersected_groups(&predictions, levels);
            let rows = quality::Rows {
                truth: &predictions.truth,
                predicted: &predictions.predicted,
                scores: predictions.scores.as_ref().map(|s| s.values.as_slice()),
                groups: groups.as_deref(),
                weights: None,
            };
            for name in quality::METRICS {
                let Some(measured) = record.measurement(name) else { continue };
                let Some(recomputed) = quality::metric(name, &rows, &task) else {
                    problems.push(format!(
                        "{who}: the record has {name} = {}, but `{}` cannot give it ({})",
                        measured.value,
                        artifact.path,
                        quality::why_not(name, &rows, &task)
                    ));
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
