//! A results folder read back: `runs.jsonl`, `environment.json`, the experiment file the
//! report is made from and every version of it that was run. Everything the report shows
//! comes from here.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use record::{Environment, Record, RecordStore, ResultsDir};
use spec::Experiment;

#[derive(Debug)]
pub struct Results {
    pub dir: PathBuf,
    pub layout: ResultsDir,
    pub experiment: Experiment,
    pub environment: Option<Environment>,
    /// Every record, in file order.
    pub records: Vec<Record>,
    /// The versions of the experiment file that `tradeoff run` ran, by SHA-256 (from
    /// `specs/`), as text.
    pub spec_versions: BTreeMap<String, String>,
    /// The trial keys of the plan the last run ran (`plan.json`), when it is there.
    pub plan: Option<record::PlanKeys>,
}

impl Results {
    /// The plan's trial keys, if they belong to the experiment file reported from (an
    /// experiment file edited since its last run has no keys yet).
    pub fn plan_keys(&self) -> Option<&record::PlanKeys> {
        self.plan.as_ref().filter(|p| p.spec_sha256 == self.experiment.spec_sha256)
    }
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
        let layout = ResultsDir::new(dir);
        let experiment_path = layout.experiment();
        let experiment = spec::load(&experiment_path, &spec::Catalogue::permissive()).map_err(|e| {
            ResultsError::Read { path: experiment_path.display().to_string(), reason: e.to_string() }
        })?;
        let environment_path = layout.environment();
        let environment = match std::fs::read_to_string(&environment_path) {
            Ok(text) => Some(serde_json::from_str(&text).map_err(|e| ResultsError::Read {
                path: environment_path.display().to_string(),
                reason: e.to_string(),
            })?),
            Err(_) => None,
        };
        let runs = layout.runs();
        let records = if runs.exists() { RecordStore::read(&runs)? } else { Vec::new() };
        let mut spec_versions = BTreeMap::new();
        if let Ok(entries) = std::fs::read_dir(layout.spec_versions()) {
            for entry in entries.flatten() {
                let path = entry.path();
                let Some(name) = path.file_stem().and_then(|s| s.to_str()) else { continue };
                if path.extension().is_some_and(|x| x == "toml")
                    && let Ok(text) = std::fs::read_to_string(&path)
                {
                    spec_versions.insert(name.to_string(), text);
                }
            }
        }
        let plan_path = layout.plan();
        let plan = match std::fs::read_to_string(&plan_path) {
            Ok(text) => Some(serde_json::from_str(&text).map_err(|e| ResultsError::Read {
                path: plan_path.display().to_string(),
                reason: e.to_string(),
            })?),
            Err(_) => None,
        };
        Ok(Results { dir: dir.to_path_buf(), layout, experiment, environment, records, spec_versions, plan })
    }
}
