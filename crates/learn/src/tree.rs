//! The tree model: a flat array of nodes in pre-order (a split's left child is the next
//! node), predictions batched and parallel, a compact serialization, the rules as text
//! and impurity-based feature importances.
//!
//! Missing values (NaN) follow each split's default direction: the side the training
//! rows with a missing value went (chosen by impurity), or, where the node had none, the
//! child with more training rows (ties: right), as scikit-learn does.

use std::fmt::Write as _;

use rayon::prelude::*;

/// One node. A leaf has `feature == LEAF` and its class in `value`; a split sends
/// `x[feature] <= threshold` to the next node, the rest to `right`, and a missing value
/// where its `value` flags say ([`MISSING_LEFT`], [`MISSING_SEEN`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Node {
    pub threshold: f32,
    pub right: u32,
    pub feature: u16,
    pub value: u16,
}

pub const LEAF: u16 = u16::MAX;
/// A split's flag: missing values go to the left child (else right).
pub const MISSING_LEFT: u16 = 1;
/// A split's flag: the node had training rows missing its feature, so the direction was
/// learned (else it is the child with more training rows).
pub const MISSING_SEEN: u16 = 2;

/// The serialized `right` field carries the two flags in its top bits.
const RIGHT_MISSING_LEFT: u32 = 1 << 31;
const RIGHT_MISSING_SEEN: u32 = 1 << 30;
/// Trees of more nodes than this cannot be written.
pub const MAX_NODES: usize = 1 << 30;

impl Node {
    /// Whether a row goes to the left child.
    #[inline(always)]
    pub fn goes_left(&self, row: &[f32]) -> bool {
        let v = row[self.feature as usize];
        v <= self.threshold || (self.value & MISSING_LEFT != 0 && v.is_nan())
    }

    pub fn missing_left(&self) -> bool {
        self.value & MISSING_LEFT != 0
    }

    pub fn missing_seen(&self) -> bool {
        self.value & MISSING_SEEN != 0
    }
}

/// A fitted decision tree.
#[derive(Debug, Clone, PartialEq)]
pub struct Tree {
    pub nodes: Vec<Node>,
    pub n_features: usize,
    pub n_classes: usize,
    /// Total impurity decrease per feature (unnormalised), for importances.
    pub impurity_decrease: Vec<f64>,
}

impl Tree {
    /// The child of split `i` that `row` goes to.
    #[inline(always)]
    fn next(&self, i: usize, node: &Node, row: &[f32]) -> usize {
        if node.goes_left(row) { i + 1 } else { node.right as usize }
    }

    #[inline]
    pub fn predict_row(&self, row: &[f32]) -> u16 {
        let mut i = 0usize;
        loop {
            let node = &self.nodes[i];
            if node.feature == LEAF {
                return node.value;
            }
            i = self.next(i, node, row);
        }
    }

    /// The index of the leaf `row` lands in.
    pub fn leaf_index(&self, row: &[f32]) -> usize {
        let mut i = 0usize;
        while self.nodes[i].feature != LEAF {
            i = self.next(i, &self.nodes[i], row);
        }
        i
    }

    /// The number of tests on `row`'s path to its leaf.
    pub fn path_length(&self, row: &[f32]) -> usize {
        let (mut i, mut tests) = (0usize, 0usize);
        while self.nodes[i].feature != LEAF {
            i = self.next(i, &self.nodes[i], row);
            tests += 1;
        }
        tests
    }

    /// Whether any split learned where missing values go from training rows.
    pub fn saw_missing(&self) -> bool {
        self.nodes.iter().any(|n| n.feature != LEAF && n.missing_seen())
    }

    pub fn predict(&self, x: &[f32], cols: usize) -> Vec<u32> {
        x.par_chunks(cols * 256)
            .flat_map_iter(|chunk| chunk.chunks_exact(cols).map(|row| u32::from(self.predict_row(row))))
            .collect()
    }

    pub fn leaves(&self) -> usize {
        self.nodes.iter().filter(|n| n.feature == LEAF).count()
    }

    /// Depth of the deepest leaf (a single leaf has depth 0).
    pub fn depth(&self) -> usize {
        let mut deepest = 0;
        let mut stack = vec![(0usize, 0usize)];
        while let Some((i, depth)) = stack.pop() {
            let node = &self.nodes[i];
            if node.feature == LEAF {
                deepest = deepest.max(depth);
            } else {
                stack.push((i + 1, depth + 1));
                stack.push((node.right as usize, depth + 1));
            }
        }
        deepest
    }

    /// Compact bytes: a split is tag + feature (u16), threshold (f32), right child
    /// (u32, its top two bits the missing-value flags); a leaf is the leaf tag and its
    /// class (u16). (Format 1 had no flags: every missing value went right.)
    pub fn write_bytes(&self, out: &mut Vec<u8>) {
        assert!(self.nodes.len() <= MAX_NODES, "a tree of {} nodes", self.nodes.len());
        out.extend_from_slice(&(self.nodes.len() as u32).to_le_bytes());
        for node in &self.nodes {
            out.extend_from_slice(&node.feature.to_le_bytes());
            if node.feature == LEAF {
                out.extend_from_slice(&node.value.to_le_bytes());
            } else {
                let mut right = node.right;
                if node.missing_left() {
                    right |= RIGHT_MISSING_LEFT;
                }
                if node.missing_seen() {
                    right |= RIGHT_MISSING_SEEN;
                }
                out.extend_from_slice(&node.threshold.to_le_bytes());
                out.extend_from_slice(&right.to_le_bytes());
            }
        }
    }

    /// Reads a tree written by [`Tree::write_bytes`]; `None` on malformed bytes.
    pub fn read_bytes(bytes: &mut &[u8], n_features: usize, n_classes: usize) -> Option<Tree> {
        fn take<const N: usize>(bytes: &mut &[u8]) -> Option<[u8; N]> {
            let (head, rest) = bytes.split_first_chunk::<N>()?;
            *bytes = rest;
            Some(*head)
        }
        let count = u32::from_le_bytes(take(bytes)?) as usize;
        let mut nodes = Vec::with_capacity(count.min(1 << 24));
        for _ in 0..count {
            let feature = u16::from_le_bytes(take(bytes)?);
            if feature == LEAF {
                nodes.push(Node {
                    threshold: 0.0,
                    right: 0,
                    feature,
                    value: u16::from_le_bytes(take(bytes)?),
                });
            } else {
                let threshold = f32::from_le_bytes(take(bytes)?);
                let raw = u32::from_le_bytes(take(bytes)?);
                let right = raw & !(RIGHT_MISSING_LEFT | RIGHT_MISSING_SEEN);
                if right as usize >= count || feature as usize >= n_features {
                    return None;
                }
                let value = u16::from(raw & RIGHT_MISSING_LEFT != 0) * MISSING_LEFT
                    + u16::from(raw & RIGHT_MISSING_SEEN != 0) * MISSING_SEEN;
                nodes.push(Node { threshold, right, feature, value });
            }
        }
        Some(Tree { nodes, n_features, n_classes, impurity_decrease: vec![0.0; n_features] })
    }

    /// The tree as indented rules, down to `max_depth` levels. A tree that learned from
    /// missing values notes on each test where they go, `x <= 2.5 (missing: left)`; one
    /// that never saw any sends them to the child with more training rows.
    pub fn rules(&self, feature_names: &[String], class_names: &[String], max_depth: usize) -> String {
        let mut out = String::new();
        let notes = self.saw_missing();
        self.write_rules(0, 0, max_depth, notes, feature_names, class_names, &mut out);
        out
    }

    #[allow(clippy::too_many_arguments)]
    fn write_rules(
        &self,
        i: usize,
        depth: usize,
        max_depth: usize,
        notes: bool,
        features: &[String],
        classes: &[String],
        out: &mut String,
    ) {
        let indent = "|   ".repeat(depth);
        let node = &self.nodes[i];
        if node.feature == LEAF {
            let class = classes.get(node.value as usize).cloned().unwrap_or_else(|| node.value.to_string());
            let _ = writeln!(out, "{indent}|--- class: {class}");
            return;
        }
        if depth >= max_depth {
            let _ = writeln!(out, "{indent}|--- ... (deeper levels omitted)");
            return;
        }
        let name = features
            .get(node.feature as usize)
            .cloned()
            .unwrap_or_else(|| format!("feature_{}", node.feature));
        let note = match (notes, node.missing_left()) {
            (false, _) => "",
            (true, true) => " (missing: left)",
            (true, false) => " (missing: right)",
        };
        let _ = writeln!(out, "{indent}|--- {name} <= {}{note}", node.threshold);
        self.write_rules(i + 1, depth + 1, max_depth, notes, features, classes, out);
        let _ = writeln!(out, "{indent}|--- {name} >  {}", node.threshold);
        self.write_rules(node.right as usize, depth + 1, max_depth, notes, features, classes, out);
    }
}

/// Importances normalised to sum to 1 (all zero for a single leaf).
pub fn normalised_importances(decrease: &[f64]) -> Vec<f64> {
    let total: f64 = decrease.iter().sum();
    if total > 0.0 { decrease.iter().map(|d| d / total).collect() } else { vec![0.0; decrease.len()] }
}
