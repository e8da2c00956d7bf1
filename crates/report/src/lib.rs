//! From records to a decision: aggregation with polars (median, bootstrap CI, IQR, n),
//! and the reports (`report.md`) rendered from a results folder alone.
//!
//! The report reads `runs.jsonl`, `environment.json` and the copy of the experiment file
//! in the results folder; it never sees the engine, so what it shows can always be
//! re-derived from the files.

pub mod format;
mod markdown;
pub mod results;
pub mod summary;

use std::path::Path;

pub use results::{EXPERIMENT_COPY, Results};
pub use summary::SummaryRow;

/// Everything the report shows, computed from a results folder.
#[derive(Debug)]
pub struct Analysis {
    pub results: Results,
    pub summary: Vec<SummaryRow>,
    /// Extra sections in Markdown, in order.
    pub sections: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error(transparent)]
    Results(#[from] results::ResultsError),
    #[error("aggregation failed: {0}")]
    Polars(#[from] polars::prelude::PolarsError),
    #[error("cannot write `{path}`: {source}")]
    Io { path: String, source: std::io::Error },
}

impl Analysis {
    pub fn of(dir: &Path) -> Result<Analysis, ReportError> {
        let results = Results::load(dir)?;
        let summary = summary::summarise(&results.experiment, &results.usable())?;
        Ok(Analysis { results, summary, sections: Vec::new() })
    }

    pub fn row(&self, candidate: &str, metric: &str) -> Option<&SummaryRow> {
        self.summary.iter().find(|r| r.candidate == candidate && r.metric == metric)
    }
}

/// Writes `summary.csv` and `summary.parquet` from the records.
pub fn aggregate(dir: &Path) -> Result<Analysis, ReportError> {
    let analysis = Analysis::of(dir)?;
    summary::write(&analysis.summary, dir)?;
    Ok(analysis)
}

/// Writes `report.md` (and the summary files) from the records; returns the report's path.
pub fn render(dir: &Path) -> Result<std::path::PathBuf, ReportError> {
    let analysis = aggregate(dir)?;
    let path = dir.join("report.md");
    std::fs::write(&path, markdown::render(&analysis))
        .map_err(|source| ReportError::Io { path: path.display().to_string(), source })?;
    Ok(path)
}
