//! Running experiments: the plan (a petgraph DAG), the scheduler with resource slots,
//! the worker processes that run each trial, and the record store with resume.
//!
//! The engine joins the parts that know nothing of each other (spec, data, learn, torch,
//! meter, record); it knows nothing of aggregation or reports, which reach it only as a
//! [`Finisher`].

mod catalogue;
mod declared;
mod git;
pub mod job;
pub mod plan;
mod process;
mod progress;
pub mod run;
pub mod worker;

use std::path::Path;

use spec::{Experiment, FileDiagnostics};

pub use catalogue::{TORCH_HINT, catalogue, is_torch, torch_worker};
pub use plan::{Plan, PlanError};
pub use run::{Finisher, RunOptions, RunSummary, run};

/// Why an experiment file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("cannot read `{path}`: {source}")]
    Io { path: String, source: std::io::Error },
    #[error("{}", .0.render())]
    Invalid(Box<FileDiagnostics>),
}

/// Loads and validates an experiment file against this build: the spec's checks, the
/// learners' hyperparameter checks, the environment's region code, and `extra` checks of
/// the caller's (claims), all in one pass.
pub fn load(path: &Path, extra: Vec<spec::FileCheck>) -> Result<Experiment, LoadError> {
    let mut catalogue = catalogue();
    catalogue.checks.extend(extra);
    match spec::load(path, &catalogue) {
        Ok(experiment) => Ok(experiment),
        Err(spec::LoadError::Io { path, source }) => Err(LoadError::Io { path, source }),
        Err(spec::LoadError::Invalid(diagnostics)) => Err(LoadError::Invalid(diagnostics)),
    }
}

/// The carbon intensity an experiment uses: its region, its number, or the named world default.
pub fn resolve_intensity(experiment: &Experiment) -> meter::footprint::CarbonIntensity {
    match &experiment.file.environment.carbon_intensity {
        Some(spec::model::CarbonIntensity::Grams(g)) => meter::footprint::declared_intensity(*g),
        Some(spec::model::CarbonIntensity::Region(code)) => {
            meter::footprint::lookup_region(code).unwrap_or_else(meter::footprint::world_default)
        }
        None => meter::footprint::world_default(),
    }
}
