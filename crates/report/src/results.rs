//! A results folder read back: `runs.jsonl`, `environment.json` and the copy of the
//! experiment file the run was made from. Everything the report shows comes from here.

use std::path::{Path, PathBuf};

use record::{Environment, Record, RecordStore};
use spec::Experiment;

/// The name of the experiment file's copy inside a results folder.
pub const EXPERIMENT_COPY: &str = "experiment.toml";

#[derive(Debug)]
pub struct Results {
    pub dir: PathBuf,
    pub experiment: Experiment,
    pub environment: Option<Environment>,
    /// Every record, in file order.
    pub records: Vec<Record>,
}

#[derive(Debug, thiserror::Error)]
pub enum ResultsError {
    #[error("cannot read `{path}`: {reason}")]
    Read { path: String, reason: String },
    #[error("{0}")]
    Store(#[from] record::StoreError),
}

impl Results {
    pub fn load(dir: &Path) -> Result<Results, ResultsError> {
        let experiment_path = dir.join(EXPERIMENT_COPY);
        let experiment = spec::load(&experiment_path, &spec::Catalogue::permissive()).map_err(|e| {
            ResultsError::Read { path: experiment_path.display().to_string(), reason: e.to_string() }
        })?;
        let environment_path = dir.join("environment.json");
        let environment = match std::fs::read_to_string(&environment_path) {
            Ok(text) => Some(serde_json::from_str(&text).map_err(|e| ResultsError::Read {
                path: environment_path.display().to_string(),
                reason: e.to_string(),
            })?),
            Err(_) => None,
        };
        let runs = dir.join("runs.jsonl");
        let records = if runs.exists() { RecordStore::read(&runs)? } else { Vec::new() };
        Ok(Results { dir: dir.to_path_buf(), experiment, environment, records })
    }
}
