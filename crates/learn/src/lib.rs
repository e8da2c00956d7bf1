//! The [`Learner`] trait and the native learners: a CART decision tree, a random forest
//! and multinomial logistic regression, written for speed (histogram split finding on
//! pre-binned features, rayon over features and trees) and deterministic for a seed
//! whatever the thread count.
//!
//! This crate knows nothing of experiments: a learner is built from a map of
//! hyperparameters, fitted on a [`data::Table`], and asked for predictions, its
//! serialized bytes and facts about its size.

mod binning;
pub mod forest;
pub mod grow;
pub mod logistic;
pub mod majority;
mod params;
pub mod profile;
pub mod simd;
pub mod testing;
pub mod tree;
pub mod tree_learner;
pub mod walk;

use serde_json::{Map, Value};

pub use binning::Binned;
pub use params::{ParamError, Params};

/// Facts about a fitted model, for the interpretability and size metrics.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ModelFacts {
    /// Learned parameters (weights and biases; for trees, the nodes).
    pub parameters: Option<u64>,
    pub nodes: Option<u64>,
    pub leaves: Option<u64>,
    /// Depth of the deepest tree.
    pub depth: Option<u64>,
}

#[derive(Debug, thiserror::Error)]
pub enum LearnError {
    #[error("unusable training data: {0}")]
    InvalidData(String),
    #[error("training diverged: {0}")]
    Diverged(String),
    #[error("{0}")]
    Backend(String),
}

/// A technique that learns a classifier from a table.
pub trait Learner: Send + Sync {
    /// Learns from `train`; `seed` fixes every random choice.
    fn fit(&mut self, train: &data::Table, n_classes: usize, seed: u64) -> Result<(), LearnError>;
    /// Predicts the class of every row of a row-major matrix with `cols` columns.
    fn predict(&self, x: &[f32], cols: usize) -> Vec<u32>;
    /// Predicts one row (batch 1, for latency).
    fn predict_one(&self, row: &[f32]) -> u32 {
        self.predict(row, row.len())[0]
    }
    /// The deployable model as bytes; its length is the `model_size` metric.
    fn to_bytes(&self) -> Vec<u8>;
    fn facts(&self) -> ModelFacts;
    /// The model as human-readable rules, where it has them.
    fn rules(&self, _feature_names: &[String], _class_names: &[String]) -> Option<String> {
        None
    }
    /// Impurity-based feature importances (summing to 1), where the model has them.
    fn feature_importances(&self) -> Option<Vec<f64>> {
        None
    }
    /// Blocks until queued device work is done (CUDA); a no-op on the CPU.
    fn synchronize(&self) {}
    /// Brings up the learner's runtime (thread pools, allocators, a device context)
    /// before any data is loaded, so the worker can tell the runtime's own memory from
    /// what the data and the model cost.
    fn prepare_runtime(&self) {}
    /// The GPU the learner will train on, if any: only that board is metered.
    fn gpu(&self) -> Option<u32> {
        None
    }
    /// Class scores of every row (row-major, one per class, higher meaning more likely),
    /// for ROC AUC, with what they are; `None` for a model without scores.
    fn predict_scores(&self, _x: &[f32], _cols: usize) -> Option<Scores> {
        None
    }
    /// The mean number of tests on the prediction path of the rows (summed over a
    /// forest's trees), for a model made of tests; `None` otherwise.
    fn mean_path_length(&self, _x: &[f32], _cols: usize) -> Option<f64> {
        None
    }
    /// Takes in more training rows: `train` holds the rows already learned followed by
    /// the new ones. By default a full refit; a learner that can warm-start says how.
    fn update(&mut self, train: &data::Table, n_classes: usize, seed: u64) -> Result<Update, LearnError> {
        self.fit(train, n_classes, seed)?;
        Ok(Update::Refit)
    }
}

/// Class scores and what they are (for the record's note).
#[derive(Debug, Clone, PartialEq)]
pub struct Scores {
    pub values: Vec<f32>,
    /// `softmax probabilities`, `share of trees voting for the class`, ...
    pub kind: &'static str,
}

/// How a learner took in new rows.
#[derive(Debug, Clone, PartialEq)]
pub enum Update {
    /// Trained again from scratch on all rows.
    Refit,
    /// Continued from the fitted model, as described.
    WarmStart(String),
}

impl Update {
    pub fn describe(&self) -> String {
        match self {
            Update::Refit => "full refit on all rows (this learner has no warm start)".to_string(),
            Update::WarmStart(how) => format!("warm start: {how}"),
        }
    }
}

/// Builds a learner from its hyperparameters and device.
pub type Build = fn(&Map<String, Value>, &str) -> Result<Box<dyn Learner>, Vec<ParamError>>;

/// A learner this crate (or another learner crate) provides.
#[derive(Clone)]
pub struct LearnerKind {
    pub name: &'static str,
    pub params: &'static [&'static str],
    pub accepts_device: bool,
    /// Whether it learns from missing (NaN) feature values itself.
    pub accepts_missing: bool,
    pub build: Build,
}

impl std::fmt::Debug for LearnerKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LearnerKind").field("name", &self.name).finish()
    }
}

/// The native learners, plus the test learners when `TRADEOFF_TEST_LEARNERS=1`.
pub fn native_learners() -> Vec<LearnerKind> {
    let mut kinds = vec![
        majority::MAJORITY,
        tree_learner::DECISION_TREE,
        forest::RANDOM_FOREST,
        logistic::LOGISTIC_REGRESSION,
    ];
    if testing::enabled() {
        kinds.extend_from_slice(testing::TEST_LEARNERS);
    }
    kinds
}

/// Checks that a table can be learned from: finite features, labels below `n_classes`.
pub fn check_table(train: &data::Table, n_classes: usize) -> Result<(), LearnError> {
    check_features(train, n_classes, false)
}

/// As [`check_table`], with missing (NaN) features allowed when `missing_ok`: for
/// learners that route missing values themselves. Infinities are refused either way.
pub fn check_features(train: &data::Table, n_classes: usize, missing_ok: bool) -> Result<(), LearnError> {
    if train.rows == 0 {
        return Err(LearnError::InvalidData("no training rows".into()));
    }
    if let Some(position) = train.x.iter().position(|v| !(v.is_finite() || missing_ok && v.is_nan())) {
        return Err(LearnError::InvalidData(format!(
            "feature {} of row {} is {}",
            position % train.cols,
            position / train.cols,
            train.x[position]
        )));
    }
    if let Some(&label) = train.y.iter().find(|&&l| l as usize >= n_classes) {
        return Err(LearnError::InvalidData(format!("label {label} is not below the {n_classes} classes")));
    }
    Ok(())
}
