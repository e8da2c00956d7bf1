//! The layout of a results folder, spelled in one place: the engine writes these files,
//! the report and the audit read them.

use std::path::{Path, PathBuf};

/// `results/<experiment>/` and the files in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResultsDir {
    root: PathBuf,
}

impl ResultsDir {
    /// The folder itself.
    pub fn new(root: impl Into<PathBuf>) -> ResultsDir {
        ResultsDir { root: root.into() }
    }

    /// `results_root/<experiment>`.
    pub fn of(results_root: &Path, experiment: &str) -> ResultsDir {
        ResultsDir::new(results_root.join(experiment))
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The records, one line each, hash-chained.
    pub fn runs(&self) -> PathBuf {
        self.root.join("runs.jsonl")
    }

    pub fn environment(&self) -> PathBuf {
        self.root.join("environment.json")
    }

    /// The experiment file the folder is reported from.
    pub fn experiment(&self) -> PathBuf {
        self.root.join(Self::EXPERIMENT)
    }

    /// Every version of the experiment file that `tradeoff run` ran, by SHA-256.
    pub fn spec_versions(&self) -> PathBuf {
        self.root.join("specs")
    }

    pub fn spec_version(&self, sha256: &str) -> PathBuf {
        self.spec_versions().join(format!("{sha256}.toml"))
    }

    /// A trial's predictions: the absolute path and the path its record names.
    pub fn predictions(&self, trial_key: &str) -> (PathBuf, String) {
        let relative = format!("predictions/{}.parquet", &trial_key[..trial_key.len().min(20)]);
        (self.root.join(&relative), relative)
    }

    /// Rules and importances of fitted trees.
    pub fn models(&self) -> PathBuf {
        self.root.join("models")
    }

    /// The trial keys of the plan the last run ran: the records that count.
    pub fn plan(&self) -> PathBuf {
        self.root.join("plan.json")
    }

    /// Where a cluster run keeps its job files, the tasks' output and what it submitted
    /// (not committed): a re-run re-attaches to the jobs listed here.
    pub fn spool(&self) -> PathBuf {
        self.root.join("spool")
    }

    /// The prepared dataset every worker reads (not committed).
    pub fn dataset_cache(&self) -> PathBuf {
        self.root.join("cache").join("dataset.bin")
    }

    pub fn summary_csv(&self) -> PathBuf {
        self.root.join("summary.csv")
    }

    pub fn summary_parquet(&self) -> PathBuf {
        self.root.join("summary.parquet")
    }

    pub fn report_md(&self) -> PathBuf {
        self.root.join("report.md")
    }

    pub fn report_html(&self) -> PathBuf {
        self.root.join("report.html")
    }

    /// The experiment file's name inside the folder.
    pub const EXPERIMENT: &'static str = "experiment.toml";
}
