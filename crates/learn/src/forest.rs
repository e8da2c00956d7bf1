//! `random_forest`: bootstrapped trees grown in parallel, each from its own seed, each
//! node drawing `max_features` features; prediction by majority vote.

use rayon::prelude::*;
use serde_json::{Map, Value};

use crate::binning::Binned;
use crate::grow::{Sample, Workspace, grow_in};
use crate::profile::{self, Phase};
use crate::tree::{Tree, normalised_importances};
use crate::tree_learner::{MaxFeatures, TreeParams, check_shape};
use crate::walk::{Ranks, Walk};
use crate::{LearnError, Learner, LearnerKind, ModelFacts, ParamError, Params, Scores};
use data::rng::{Rng, derive_seed};

pub const RANDOM_FOREST: LearnerKind = LearnerKind {
    name: "random_forest",
    params: &[
        "n_estimators",
        "criterion",
        "max_depth",
        "min_samples_split",
        "min_samples_leaf",
        "max_features",
        "bootstrap",
    ],
    accepts_device: false,
    accepts_missing: true,
    build: |params, _device| Ok(Box::new(RandomForest::from_params(params)?)),
};

#[derive(Debug, Clone)]
pub struct RandomForest {
    pub n_estimators: usize,
    pub bootstrap: bool,
    pub params: TreeParams,
    trees: Vec<Tree>,
    /// The trees laid out for batch prediction, made once per fit (`None` where they
    /// cannot be: see [`Batch::new`]).
    batch: Option<Batch>,
    n_classes: usize,
    n_features: usize,
}

impl RandomForest {
    pub fn from_params(map: &Map<String, Value>) -> Result<Self, Vec<ParamError>> {
        let mut params = Params::new(map);
        let n_estimators = params.int("n_estimators", 100, 1, 100_000) as usize;
        let bootstrap = params.boolean("bootstrap", true);
        let tree_params = TreeParams::parse(&mut params, "gini", MaxFeatures::Sqrt);
        params.finish(RandomForest::new(n_estimators, bootstrap, tree_params))
    }

    pub fn new(n_estimators: usize, bootstrap: bool, params: TreeParams) -> Self {
        RandomForest {
            n_estimators,
            bootstrap,
            params,
            trees: Vec::new(),
            batch: None,
            n_classes: 0,
            n_features: 0,
        }
    }
}

impl Learner for RandomForest {
    fn fit(&mut self, train: &data::Table, n_classes: usize, seed: u64) -> Result<(), LearnError> {
        check_shape(train, n_classes)?;
        let timer = profile::timer();
        let binned = Binned::with_columns(&train.x, train.rows, train.cols);
        profile::lap(Phase::Binning, train.rows, timer);
        let grow_params = self.params.grow_params(train.cols, false);
        let rows = train.rows;
        // Each thread reuses its buffers from tree to tree.
        self.trees = (0..self.n_estimators)
            .into_par_iter()
            .map_init(Workspace::default, |workspace, t| {
                let tree_seed = derive_seed(seed, &format!("tree-{t}"));
                if self.bootstrap {
                    let timer = profile::timer();
                    let mut rng = Rng::new(derive_seed(tree_seed, "bootstrap"));
                    let mut counts = vec![0u32; rows];
                    for _ in 0..rows {
                        counts[rng.below(rows as u64) as usize] += 1;
                    }
                    let in_bag: Vec<u32> = (0..rows as u32).filter(|&r| counts[r as usize] > 0).collect();
                    profile::lap(Phase::Bootstrap, rows, timer);
                    grow_in(
                        workspace,
                        &binned,
                        &train.y,
                        n_classes,
                        Sample { rows: in_bag, weights: Some(&counts) },
                        &grow_params,
                        tree_seed,
                    )
                } else {
                    let all = Sample { rows: (0..rows as u32).collect(), weights: None };
                    grow_in(workspace, &binned, &train.y, n_classes, all, &grow_params, tree_seed)
                }
            })
            .collect();
        self.n_classes = n_classes;
        self.n_features = train.cols;
        self.batch = Batch::new(&self.trees, self.n_features);
        Ok(())
    }

    fn predict(&self, x: &[f32], cols: usize) -> Vec<u32> {
        let k = self.n_classes.max(1);
        self.votes(x, cols).chunks_exact(k).map(argmax).collect()
    }

    fn predict_one(&self, row: &[f32]) -> u32 {
        let mut votes = vec![0u32; self.n_classes];
        for tree in &self.trees {
            votes[tree.predict_row(row) as usize] += 1;
        }
        argmax(&votes)
    }

    fn to_bytes(&self) -> Vec<u8> {
        let mut out = b"TRRF\x02".to_vec();
        out.extend_from_slice(&(self.n_features as u32).to_le_bytes());
        out.extend_from_slice(&(self.n_classes as u32).to_le_bytes());
        out.extend_from_slice(&(self.trees.len() as u32).to_le_bytes());
        for tree in &self.trees {
            tree.write_bytes(&mut out);
        }
        out
    }

    fn facts(&self) -> ModelFacts {
        let nodes: usize = self.trees.iter().map(|t| t.nodes.len()).sum();
        ModelFacts {
            parameters: Some(nodes as u64),
            nodes: Some(nodes as u64),
            leaves: Some(self.trees.iter().map(|t| t.leaves() as u64).sum()),
            depth: self.trees.iter().map(|t| t.depth() as u64).max(),
        }
    }

    fn predict_scores(&self, x: &[f32], cols: usize) -> Option<Scores> {
        let trees = self.trees.len().max(1) as f32;
        let values = self.votes(x, cols).into_iter().map(|v| v as f32 / trees).collect();
        Some(Scores { values, kind: "share of trees voting for the class" })
    }

    /// Tests per prediction: every tree is walked, so the paths add up.
    fn mean_path_length(&self, x: &[f32], cols: usize) -> Option<f64> {
        let rows = x.len() / cols;
        let total: usize = x
            .chunks_exact(cols)
            .map(|row| self.trees.iter().map(|t| t.path_length(row)).sum::<usize>())
            .sum();
        Some(total as f64 / rows.max(1) as f64)
    }

    fn feature_importances(&self) -> Option<Vec<f64>> {
        let mut total = vec![0.0; self.n_features];
        for tree in &self.trees {
            for (sum, value) in total.iter_mut().zip(normalised_importances(&tree.impurity_decrease)) {
                *sum += value;
            }
        }
        Some(normalised_importances(&total))
    }
}

impl RandomForest {
    /// The fitted trees, in the order of their seeds.
    pub fn trees(&self) -> &[Tree] {
        &self.trees
    }

    /// Every tree's vote for every row, `votes[row * k + class]` (`k` at least 1): tree
    /// by tree over blocks of rows, so each tree stays in cache for a block; the block is
    /// first rewritten as ranks, and several rows walk each tree at once (see
    /// [`crate::walk`]). A forest whose trees cannot be laid out so (more thresholds per
    /// feature than a rank tells apart) votes row by row.
    fn votes(&self, x: &[f32], cols: usize) -> Vec<u32> {
        const BLOCK: usize = 256;
        let k = self.n_classes.max(1);
        x.par_chunks(cols * BLOCK)
            .flat_map_iter(|block| {
                let mut votes = vec![0u32; block.len() / cols * k];
                match &self.batch {
                    Some(Batch { ranks, walks }) => {
                        let mut ranked = Vec::new();
                        ranks.rank_rows(block, cols, &mut ranked);
                        for walk in walks {
                            walk.vote(&ranked, ranks.n_features(), &mut votes, k);
                        }
                    }
                    None => {
                        for (row, votes) in block.chunks_exact(cols).zip(votes.chunks_exact_mut(k)) {
                            for tree in &self.trees {
                                votes[tree.predict_row(row) as usize] += 1;
                            }
                        }
                    }
                }
                votes
            })
            .collect()
    }
}

/// The trees laid out for batch prediction ([`crate::walk`]).
#[derive(Debug, Clone)]
struct Batch {
    ranks: Ranks,
    walks: Vec<Walk>,
}

impl Batch {
    /// `None` where the trees cannot be laid out so (see [`Ranks::new`], [`Walk::new`]).
    fn new(trees: &[Tree], n_features: usize) -> Option<Batch> {
        let ranks = Ranks::new(trees, n_features)?;
        let walks = trees.par_iter().map(|tree| Walk::new(tree, &ranks)).collect::<Option<Vec<Walk>>>()?;
        Some(Batch { ranks, walks })
    }
}

/// The most voted class; ties go to the lowest class index.
fn argmax(votes: &[u32]) -> u32 {
    let mut best = 0;
    for (class, &count) in votes.iter().enumerate() {
        if count > votes[best] {
            best = class;
        }
    }
    best as u32
}
