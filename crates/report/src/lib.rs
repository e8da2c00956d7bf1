//! From records to a decision: the records of the current plan (`trials`), aggregation
//! with polars and intervals that keep their promise (`summary`, `stats`), paired
//! comparisons (`compare`), three-valued constraints, the Pareto frontier and the pick
//! (`decide`), claims under Holm's correction (`claims`), published figures of declared
//! candidates, and the reports (`report.md`, a self-contained
//! `report.html` with SVG plots) — all from a results folder alone, which is what lets
//! `tradeoff audit` re-derive every number.
//!
//! The report never sees the engine.

pub mod across;
mod analysis;
pub mod audit;
pub mod claims;
pub mod compare;
pub mod decide;
pub mod fixed;
pub mod format;
pub mod groups;
mod html;
mod markdown;
pub mod published;
pub mod results;
pub mod stats;
pub mod summary;
pub mod svg;
pub mod terminal;
pub mod trials;

use std::path::{Path, PathBuf};

pub use analysis::{Analysis, Decision, ScenarioRow, SpecChange};
pub use published::Reproduction;
pub use results::Results;
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
    summary::write(
        &analysis.summary,
        analysis.results.experiment.protocol.noise_threshold,
        &analysis.results.layout,
    )?;
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
    let write = |path: PathBuf, text: String| -> Result<PathBuf, ReportError> {
        std::fs::write(&path, text)
            .map_err(|source| ReportError::Io { path: path.display().to_string(), source })?;
        Ok(path)
    };
    let layout = &analysis.results.layout;
    let path = write(layout.report_md(), markdown::render(&analysis))?;
    write(layout.report_html(), html(&analysis))?;
    Ok(path)
}
