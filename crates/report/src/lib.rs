//! From records to a decision: aggregation with polars (statistic, bootstrap CI, IQR, n,
//! CV), constraints, the Pareto frontier, the pick under priorities, claims, published
//! figures of declared candidates, and the reports (`report.md`, a self-contained
//! `report.html` with SVG plots) — all from a results folder alone, which is what lets
//! `tradeoff audit` re-derive every number.
//!
//! The report never sees the engine.

mod analysis;
pub mod audit;
pub mod claims;
pub mod decide;
pub mod format;
mod html;
mod markdown;
pub mod results;
pub mod summary;
pub mod svg;

use std::path::{Path, PathBuf};

pub use analysis::{Analysis, Decision, PublishedCheck, ScenarioRow};
pub use results::{EXPERIMENT_COPY, Results};
pub use summary::SummaryRow;

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error(transparent)]
    Results(#[from] results::ResultsError),
    #[error("aggregation failed: {0}")]
    Polars(#[from] polars::prelude::PolarsError),
    #[error("cannot write `{path}`: {source}")]
    Io { path: String, source: std::io::Error },
}

/// Reads a results folder and computes everything its report shows.
pub fn analyse(dir: &Path) -> Result<Analysis, ReportError> {
    Ok(Analysis::of(Results::load(dir)?)?)
}

/// Writes `summary.csv` and `summary.parquet` from the records.
pub fn aggregate(dir: &Path) -> Result<Analysis, ReportError> {
    let analysis = analyse(dir)?;
    summary::write(&analysis.summary, analysis.results.experiment.protocol.noise_threshold, dir)?;
    Ok(analysis)
}

/// The report's Markdown.
pub fn markdown(analysis: &Analysis) -> String {
    markdown::render(analysis)
}

/// The self-contained HTML report.
pub fn html(analysis: &Analysis) -> String {
    html::render(analysis, &markdown::render(analysis))
}

/// Writes the summary files, `report.md` and `report.html`; returns the Markdown's path.
pub fn render(dir: &Path) -> Result<PathBuf, ReportError> {
    let analysis = aggregate(dir)?;
    let write = |name: &str, text: String| -> Result<PathBuf, ReportError> {
        let path = dir.join(name);
        std::fs::write(&path, text)
            .map_err(|source| ReportError::Io { path: path.display().to_string(), source })?;
        Ok(path)
    };
    let path = write("report.md", markdown::render(&analysis))?;
    write("report.html", html(&analysis))?;
    Ok(path)
}

/// Checks claim syntax and references in an experiment file, for `tradeoff check`.
pub fn check_claims(
    file: &spec::model::ExperimentFile,
    spans: &spec::structure::SpanIndex,
) -> Vec<spec::Diagnostic> {
    use spec::structure::Path as SpecPath;
    let metrics: Vec<&str> = file.metrics.keys().map(String::as_str).collect();
    let mut candidate_names: Vec<String> = Vec::new();
    for section in &file.candidates {
        candidate_names.push(section.name.clone());
        for (sweep, _) in spec::expand(&section.params) {
            if !sweep.is_empty() {
                let labels: Vec<String> = sweep
                    .iter()
                    .map(|(k, v)| {
                        format!(
                            "{k}={}",
                            v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string().replace(' ', ""))
                        )
                    })
                    .collect();
                candidate_names.push(format!("{}/{}", section.name, labels.join("/")));
            }
        }
    }
    let mut diagnostics = Vec::new();
    for (i, claim) in file.claims.iter().enumerate() {
        let path = SpecPath::root().key("claims").index(i).key("check");
        let span = spans.value(&path);
        // Offsets inside a basic string map to the file after its opening quote.
        let at = |range: std::ops::Range<usize>| {
            (span.start + 1 + range.start)..(span.start + 1 + range.end.max(range.start + 1))
        };
        match claims::Claim::parse(&claim.check) {
            Err(error) => diagnostics.push(
                spec::Diagnostic::new(
                    "claim::syntax",
                    at(error.span.clone()),
                    format!("cannot read the claim: {}", error.message),
                )
                .expected(error.expected.clone())
                .found(format!(
                    "`{}`",
                    claim.check.get(error.span.start..).unwrap_or("").chars().take(20).collect::<String>()
                )),
            ),
            Ok(parsed) => {
                for (metric, candidate, range) in parsed.references() {
                    if !metrics.contains(&metric) {
                        diagnostics.push(
                            spec::Diagnostic::new(
                                "claim::unknown-metric",
                                at(range.clone()),
                                format!("the claim uses `{metric}`, which is not measured"),
                            )
                            .expected(format!(
                                "a metric from `[metrics]`: {}",
                                spec::one_of(metrics.iter().copied())
                            ))
                            .found(format!("`{metric}`"))
                            .maybe_help(spec::did_you_mean(metric, metrics.iter().copied())),
                        );
                    }
                    if !candidate_names.iter().any(|c| c == candidate) {
                        diagnostics.push(
                            spec::Diagnostic::new(
                                "claim::unknown-candidate",
                                at(range.clone()),
                                format!("the claim names candidate `{candidate}`, which does not exist"),
                            )
                            .expected(format!(
                                "a candidate: {}",
                                spec::one_of(candidate_names.iter().map(String::as_str))
                            ))
                            .found(format!("`{candidate}`"))
                            .maybe_help(spec::did_you_mean(
                                candidate,
                                candidate_names.iter().map(String::as_str),
                            )),
                        );
                    }
                }
            }
        }
    }
    diagnostics
}
