//! What the running build can do: its learners (with their hyperparameter checks) and
//! its built-in datasets. The engine fills this in; the spec crate only consults it, so
//! it never depends on the learners themselves.

use serde_json::{Map, Value};

/// A problem with one candidate's hyperparameters, found by the learner's own check.
#[derive(Debug, Clone, PartialEq)]
pub struct ParamProblem {
    /// The offending hyperparameter, or `None` for a problem with the whole set.
    pub param: Option<String>,
    pub message: String,
    pub expected: Option<String>,
}

pub type ParamCheck = Box<dyn Fn(&Map<String, Value>) -> Vec<ParamProblem> + Send + Sync>;

/// One learner the build knows about.
pub struct LearnerEntry {
    pub name: String,
    /// Why this build cannot run it and how to fix that; `None` when it can.
    pub unavailable: Option<String>,
    /// Whether it takes a `device` (`cpu`, `cuda`, ...).
    pub accepts_device: bool,
    /// Whether it can learn from missing feature values itself (`missing = "native"`).
    pub accepts_missing: bool,
    /// Its hyperparameter names, for did-you-mean.
    pub params: Vec<String>,
    /// Whether it takes any hyperparameter (a `command` learner passes them on).
    pub any_params: bool,
    /// Checks one expanded hyperparameter set (types, ranges, combinations).
    pub check: ParamCheck,
}

impl std::fmt::Debug for LearnerEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LearnerEntry").field("name", &self.name).field("params", &self.params).finish()
    }
}

/// One built-in dataset.
#[derive(Debug, Clone)]
pub struct DatasetEntry {
    pub name: String,
    /// Whether it comes with its own train/test split (`split = "official"`).
    pub official_split: bool,
}

/// A check of the whole file by another crate (carbon regions, claims), run in the same
/// pass as the spec's own.
pub type FileCheck = Box<
    dyn Fn(&crate::model::ExperimentFile, &crate::structure::SpanIndex) -> Vec<crate::Diagnostic>
        + Send
        + Sync,
>;

/// A check of the resolved dataset by the crate that reads data (the file exists, the
/// columns named exist), run when the file's dataset section is otherwise valid.
pub type DatasetCheck =
    Box<dyn Fn(&crate::DatasetRef, &crate::structure::SpanIndex) -> Vec<crate::Diagnostic> + Send + Sync>;

/// A check of a `command` candidate's program by the crate that runs it (the program
/// exists and can be executed); `span` is where the program is written.
pub type CommandCheck =
    Box<dyn Fn(&crate::CommandSpec, std::ops::Range<usize>) -> Option<crate::Diagnostic> + Send + Sync>;

/// Everything the build offers, as the validator needs it.
#[derive(Default)]
pub struct Catalogue {
    pub learners: Vec<LearnerEntry>,
    pub datasets: Vec<DatasetEntry>,
    pub checks: Vec<FileCheck>,
    pub dataset_check: Option<DatasetCheck>,
    pub command_check: Option<CommandCheck>,
    /// Accept any learner and dataset name: for reading back a results folder, where the
    /// file was checked when it ran and this build may lack its learners.
    pub permissive: bool,
}

impl std::fmt::Debug for Catalogue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Catalogue")
            .field("learners", &self.learners)
            .field("datasets", &self.datasets)
            .finish()
    }
}

impl Catalogue {
    /// A catalogue that accepts every learner and dataset (see `permissive`).
    pub fn permissive() -> Self {
        Catalogue { permissive: true, ..Catalogue::default() }
    }

    pub fn learner(&self, name: &str) -> Option<&LearnerEntry> {
        self.learners.iter().find(|l| l.name == name)
    }

    pub fn dataset(&self, name: &str) -> Option<&DatasetEntry> {
        self.datasets.iter().find(|d| d.name == name)
    }
}
