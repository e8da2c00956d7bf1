//! Running experiments: the plan (a petgraph DAG), the scheduler with resource slots,
//! the worker processes that run each trial, and the record store with resume.
//!
//! The engine joins the parts that know nothing of each other (spec, data, learn, torch,
//! meter, record); it knows nothing of aggregation or reports, which reach it only as a
//! [`Finisher`].

mod catalogue;
mod command;
mod declared;
mod environment;
mod git;
pub mod interrupt;
pub mod job;
mod latency;
pub mod launch;
pub mod plan;
mod process;
mod progress;
mod qualities;
mod records;
pub mod run;
mod schedule;
pub mod status;
pub mod worker;

use std::path::Path;

use spec::Experiment;

pub use catalogue::{TORCH_HINT, catalogue, is_torch, torch_worker};
pub use plan::{Plan, PlanError};
pub use run::{Finisher, RunOptions, RunSummary, run};

/// Loads and validates an experiment file against this build: the spec's checks (claims
/// included), the learners' hyperparameter checks and the environment's region code, all
/// in one pass.
pub fn load(path: &Path) -> Result<Experiment, spec::LoadError> {
    spec::load(path, &catalogue())
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
