//! `decision_tree`: a CART tree (gini or entropy) grown by histogram split finding.

use serde_json::{Map, Value};

use crate::binning::Binned;
use crate::grow::{Criterion, GrowParams, Sample, grow};
use crate::profile::{self, Phase};
use crate::tree::{Tree, normalised_importances};
use crate::{LearnError, Learner, LearnerKind, ModelFacts, ParamError, Params, Scores};

pub const DECISION_TREE: LearnerKind = LearnerKind {
    name: "decision_tree",
    params: &["criterion", "max_depth", "min_samples_split", "min_samples_leaf", "max_features"],
    accepts_device: false,
    accepts_missing: true,
    build: |params, _device| Ok(Box::new(DecisionTree::from_params(params)?)),
};

/// How many features a node may look at.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum MaxFeatures {
    All,
    Sqrt,
    Log2,
    Count(usize),
    Fraction(f64),
}

impl MaxFeatures {
    pub fn resolve(self, cols: usize) -> usize {
        let n = match self {
            MaxFeatures::All => cols,
            MaxFeatures::Sqrt => (cols as f64).sqrt() as usize,
            MaxFeatures::Log2 => (cols as f64).log2() as usize,
            MaxFeatures::Count(n) => n,
            MaxFeatures::Fraction(f) => (f * cols as f64) as usize,
        };
        n.clamp(1, cols.max(1))
    }

    pub fn parse(params: &mut Params<'_>, default: MaxFeatures) -> MaxFeatures {
        let expected = "`sqrt`, `log2`, `all`, a count >= 1 or a fraction in (0, 1]".to_string();
        let Some(value) = params.raw("max_features") else { return default };
        let parsed = match value {
            Value::String(s) if s == "sqrt" => Some(MaxFeatures::Sqrt),
            Value::String(s) if s == "log2" => Some(MaxFeatures::Log2),
            Value::String(s) if s == "all" => Some(MaxFeatures::All),
            Value::Number(n) if n.is_u64() => {
                n.as_u64().filter(|&c| c >= 1).map(|c| MaxFeatures::Count(c as usize))
            }
            Value::Number(n) => n.as_f64().filter(|&f| f > 0.0 && f <= 1.0).map(MaxFeatures::Fraction),
            _ => None,
        };
        parsed.unwrap_or_else(|| {
            params.push(ParamError {
                param: Some("max_features".into()),
                message: "not a feature count".into(),
                expected: Some(expected),
            });
            default
        })
    }
}

/// The hyperparameters shared by trees and forests.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TreeParams {
    pub criterion: Criterion,
    pub max_depth: Option<usize>,
    pub min_samples_split: u32,
    pub min_samples_leaf: u32,
    pub max_features: MaxFeatures,
}

impl TreeParams {
    pub fn parse(
        params: &mut Params<'_>,
        default_criterion: &'static str,
        default_features: MaxFeatures,
    ) -> TreeParams {
        let criterion = match params.choice("criterion", default_criterion, &["gini", "entropy"]) {
            "entropy" => Criterion::Entropy,
            _ => Criterion::Gini,
        };
        TreeParams {
            criterion,
            max_depth: params.opt_int("max_depth", 1, 10_000).map(|d| d as usize),
            min_samples_split: params.int("min_samples_split", 2, 2, u32::MAX as i64) as u32,
            min_samples_leaf: params.int("min_samples_leaf", 1, 1, u32::MAX as i64) as u32,
            max_features: MaxFeatures::parse(params, default_features),
        }
    }

    pub fn grow_params(&self, cols: usize, parallel: bool) -> GrowParams {
        GrowParams {
            criterion: self.criterion,
            max_depth: self.max_depth,
            min_samples_split: self.min_samples_split,
            min_samples_leaf: self.min_samples_leaf,
            max_features: self.max_features.resolve(cols),
            parallel,
        }
    }
}

#[derive(Debug, Clone)]
pub struct DecisionTree {
    pub params: TreeParams,
    pub tree: Option<Tree>,
    /// Each node's share of training rows per class (filled for leaves), for class
    /// scores: `nodes x classes`. Not part of the deployed model, which predicts a class.
    leaf_shares: Vec<f32>,
}

impl DecisionTree {
    pub fn from_params(map: &Map<String, Value>) -> Result<Self, Vec<ParamError>> {
        let mut params = Params::new(map);
        let tree_params = TreeParams::parse(&mut params, "gini", MaxFeatures::All);
        params.finish(DecisionTree { params: tree_params, tree: None, leaf_shares: Vec::new() })
    }

    pub fn new(params: TreeParams) -> Self {
        DecisionTree { params, tree: None, leaf_shares: Vec::new() }
    }

    fn fitted(&self) -> &Tree {
        self.tree.as_ref().expect("predict after fit")
    }
}

pub(crate) fn check_shape(train: &data::Table, n_classes: usize) -> Result<(), LearnError> {
    crate::check_features(train, n_classes, true)?;
    if train.cols >= u16::MAX as usize || n_classes >= u16::MAX as usize {
        return Err(LearnError::InvalidData(format!(
            "{} features and {n_classes} classes: trees take fewer than 65535 of each",
            train.cols
        )));
    }
    Ok(())
}

impl Learner for DecisionTree {
    fn fit(&mut self, train: &data::Table, n_classes: usize, seed: u64) -> Result<(), LearnError> {
        check_shape(train, n_classes)?;
        let timer = profile::timer();
        let binned = Binned::new(&train.x, train.rows, train.cols);
        profile::lap(Phase::Binning, train.rows, timer);
        let sample = Sample { rows: (0..train.rows as u32).collect(), weights: None };
        let params = self.params.grow_params(train.cols, true);
        let tree = grow(&binned, &train.y, n_classes, sample, &params, seed);
        // The class shares of the training rows in each leaf: the tree's scores.
        let mut shares = vec![0.0f32; tree.nodes.len() * n_classes];
        for (r, &label) in train.y.iter().enumerate() {
            shares[tree.leaf_index(train.row(r)) * n_classes + label as usize] += 1.0;
        }
        for leaf in shares.chunks_exact_mut(n_classes) {
            let total: f32 = leaf.iter().sum();
            if total > 0.0 {
                leaf.iter_mut().for_each(|v| *v /= total);
            }
        }
        self.leaf_shares = shares;
        self.tree = Some(tree);
        Ok(())
    }

    fn predict(&self, x: &[f32], cols: usize) -> Vec<u32> {
        self.fitted().predict(x, cols)
    }

    fn predict_one(&self, row: &[f32]) -> u32 {
        u32::from(self.fitted().predict_row(row))
    }

    fn to_bytes(&self) -> Vec<u8> {
        let tree = self.fitted();
        let mut out = b"TRDT\x02".to_vec();
        out.extend_from_slice(&(tree.n_features as u32).to_le_bytes());
        out.extend_from_slice(&(tree.n_classes as u32).to_le_bytes());
        tree.write_bytes(&mut out);
        out
    }

    fn facts(&self) -> ModelFacts {
        let tree = self.fitted();
        ModelFacts {
            parameters: Some(tree.nodes.len() as u64),
            nodes: Some(tree.nodes.len() as u64),
            leaves: Some(tree.leaves() as u64),
            depth: Some(tree.depth() as u64),
        }
    }

    fn rules(&self, feature_names: &[String], class_names: &[String]) -> Option<String> {
        Some(self.fitted().rules(feature_names, class_names, usize::MAX))
    }

    fn feature_importances(&self) -> Option<Vec<f64>> {
        Some(normalised_importances(&self.fitted().impurity_decrease))
    }

    fn predict_scores(&self, x: &[f32], cols: usize) -> Option<Scores> {
        let tree = self.fitted();
        let k = tree.n_classes;
        let mut values = Vec::with_capacity(x.len() / cols * k);
        for row in x.chunks_exact(cols) {
            let leaf = tree.leaf_index(row);
            values.extend_from_slice(&self.leaf_shares[leaf * k..(leaf + 1) * k]);
        }
        Some(Scores { values, kind: "class shares of the training rows in the row's leaf" })
    }

    fn mean_path_length(&self, x: &[f32], cols: usize) -> Option<f64> {
        let tree = self.fitted();
        let rows = x.len() / cols;
        let total: usize = x.chunks_exact(cols).map(|row| tree.path_length(row)).sum();
        Some(total as f64 / rows.max(1) as f64)
    }
}

/// Reads a decision tree written by `to_bytes` (for round-trip checks); format 1 (no
/// missing-value flags) reads too.
pub fn tree_from_bytes(bytes: &[u8]) -> Option<Tree> {
    let rest = bytes.strip_prefix(b"TRDT\x02").or_else(|| bytes.strip_prefix(b"TRDT\x01"))?;
    let (n_features, rest) = rest.split_first_chunk::<4>()?;
    let (n_classes, mut rest) = rest.split_first_chunk::<4>()?;
    Tree::read_bytes(
        &mut rest,
        u32::from_le_bytes(*n_features) as usize,
        u32::from_le_bytes(*n_classes) as usize,
    )
}
