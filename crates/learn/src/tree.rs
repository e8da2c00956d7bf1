//! The tree model: a flat array of nodes in pre-order (a split's left child is the next
//! node), predictions batched and parallel, a compact serialization, the rules as text
//! and impurity-based feature importances.

use std::fmt::Write as _;

use rayon::prelude::*;

/// One node. A leaf has `feature == LEAF` and its class in `value`; a split sends
/// `x[feature] <= threshold` to the next node and the rest to `right`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Node {
    pub threshold: f32,
    pub right: u32,
    pub feature: u16,
    pub value: u16,
}

pub const LEAF: u16 = u16::MAX;

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
    #[inline]
    pub fn predict_row(&self, row: &[f32]) -> u16 {
        let mut i = 0usize;
        loop {
            let node = &self.nodes[i];
            if node.feature == LEAF {
                return node.value;
            }
            i = if row[node.feature as usize] <= node.threshold { i + 1 } else { node.right as usize };
        }
    }

    /// The index of the leaf `row` lands in.
    pub fn leaf_index(&self, row: &[f32]) -> usize {
        let mut i = 0usize;
        while self.nodes[i].feature != LEAF {
            let node = &self.nodes[i];
            i = if row[node.feature as usize] <= node.threshold { i + 1 } else { node.right as usize };
        }
        i
    }

    /// The number of tests on `row`'s path to its leaf.
    pub fn path_length(&self, row: &[f32]) -> usize {
        let (mut i, mut tests) = (0usize, 0usize);
        while self.nodes[i].feature != LEAF {
            let node = &self.nodes[i];
            i = if row[node.feature as usize] <= node.threshold { i + 1 } else { node.right as usize };
            tests += 1;
        }
        tests
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
    /// (u32); a leaf is the leaf tag and its class (u16).
    pub fn write_bytes(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&(self.nodes.len() as u32).to_le_bytes());
        for node in &self.nodes {
            out.extend_from_slice(&node.feature.to_le_bytes());
            if node.feature == LEAF {
                out.extend_from_slice(&node.value.to_le_bytes());
            } else {
                out.extend_from_slice(&node.threshold.to_le_bytes());
                out.extend_from_slice(&node.right.to_le_bytes());
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
                let right = u32::from_le_bytes(take(bytes)?);
                if right as usize >= count || feature as usize >= n_features {
                    return None;
                }
                nodes.push(Node { threshold, right, feature, value: 0 });
            }
        }
        Some(Tree { nodes, n_features, n_classes, impurity_decrease: vec![0.0; n_features] })
    }

    /// The tree as indented rules, down to `max_depth` levels.
    pub fn rules(&self, feature_names: &[String], class_names: &[String], max_depth: usize) -> String {
        let mut out = String::new();
        self.write_rules(0, 0, max_depth, feature_names, class_names, &mut out);
        out
    }

    fn write_rules(
        &self,
        i: usize,
        depth: usize,
        max_depth: usize,
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
        let _ = writeln!(out, "{indent}|--- {name} <= {}", node.threshold);
        self.write_rules(i + 1, depth + 1, max_depth, features, classes, out);
        let _ = writeln!(out, "{indent}|--- {name} >  {}", node.threshold);
        self.write_rules(node.right as usize, depth + 1, max_depth, features, classes, out);
    }
}

/// Importances normalised to sum to 1 (all zero for a single leaf).
pub fn normalised_importances(decrease: &[f64]) -> Vec<f64> {
    let total: f64 = decrease.iter().sum();
    if total > 0.0 { decrease.iter().map(|d| d / total).collect() } else { vec![0.0; decrease.len()] }
}
