//! Batch prediction for forests, laid out for the memory system rather than for reading.
//!
//! A forest's prediction is bound by memory waits, not arithmetic: each test reads a
//! node and then one feature of the row, both at places that depend on the previous
//! test. Three things shrink the bytes those reads touch:
//!
//! - **Ranks instead of values.** A test `x <= t` only needs where `x` falls among the
//!   thresholds the forest uses for that feature, so a block of rows is first rewritten
//!   as ranks ([`Ranks`], `u16`: half an `f32`) and every test compares ranks. Integer
//!   features in `0..=255` (pixels, counts, codes, one-hot columns) rank through a lookup
//!   table; other values by binary search. A missing value (NaN) gets a rank of its own.
//! - **Eight-byte steps.** A [`Walk`] step holds the rank bound, the feature and the right
//!   child, the missing-value direction in that child's top bit; leaves loop to
//!   themselves, so a row advances with a select instead of a branch per test.
//! - **Rows in flight.** [`Walk::GROUP`] rows walk a tree at once, independently, so
//!   their memory waits overlap; a row that reaches its leaf votes and hands its place to
//!   the next row of the block, so no walk waits for the deepest.
//!
//! The answers are exactly those of [`Tree::predict_row`]: `rank(x) < bound(t)` holds
//! exactly when `x <= t` (see [`Ranks`]), and missing values go where the node says.

use crate::tree::{LEAF, Tree};

/// Rank of a missing value: above every bound, so it never passes a test by value.
const MISSING: u16 = u16::MAX;
/// Features above this many distinct thresholds cannot be ranked in a `u16`.
const MAX_THRESHOLDS: usize = MISSING as usize - 1;
/// Lookup tables for integer values are kept for at most this many features (512 bytes each).
const MAX_TABLED_FEATURES: usize = 1 << 14;
/// The right child's top bit: a missing value goes left.
const MISSING_LEFT: u32 = 1 << 31;

/// Where a value falls among the forest's thresholds for its feature: its rank is the
/// number of thresholds below it. For a threshold `t` of the list, `bound(t)` is the
/// number of thresholds at or below it, and `rank(x) < bound(t)` exactly when `x <= t`
/// (if `x <= t`, every threshold below `x` is below `t` too, and `t` itself is not;
/// if `x > t`, `t` and everything at or below it are below `x`).
#[derive(Debug, Clone)]
pub struct Ranks {
    /// Per feature, the distinct thresholds in ascending order (no NaN; -0 merged with 0).
    thresholds: Vec<Vec<f32>>,
    /// `table[v * n_features + feature]`: the rank of the integer `v`, when kept. Value
    /// major, so a row of mostly equal values (zeros, say) reads the table in order.
    table: Option<Vec<u16>>,
}

impl Ranks {
    /// The thresholds of every split of `trees`; `None` when a feature has more distinct
    /// thresholds than a `u16` rank can tell apart.
    pub fn new(trees: &[Tree], n_features: usize) -> Option<Ranks> {
        let mut thresholds = vec![Vec::new(); n_features];
        for tree in trees {
            for node in tree.nodes.iter().filter(|n| n.feature != LEAF && !n.threshold.is_nan()) {
                thresholds.get_mut(node.feature as usize)?.push(node.threshold);
            }
        }
        for list in &mut thresholds {
            list.sort_unstable_by(f32::total_cmp);
            list.dedup_by(|a, b| a == b);
            if list.len() > MAX_THRESHOLDS {
                return None;
            }
        }
        let mut ranks = Ranks { thresholds, table: None };
        if n_features <= MAX_TABLED_FEATURES {
            let table = (0..256)
                .flat_map(|v| (0..n_features).map(move |feature| (feature, v)))
                .map(|(feature, v)| ranks.search(feature, v as f32))
                .collect();
            ranks.table = Some(table);
        }
        Some(ranks)
    }

    pub fn n_features(&self) -> usize {
        self.thresholds.len()
    }

    fn search(&self, feature: usize, v: f32) -> u16 {
        if v.is_nan() { MISSING } else { self.thresholds[feature].partition_point(|&t| t < v) as u16 }
    }

    /// The bound a test `x <= threshold` compares ranks against (0 for a NaN threshold,
    /// which no value passes).
    fn bound(&self, feature: usize, threshold: f32) -> u16 {
        if threshold.is_nan() {
            0
        } else {
            self.thresholds[feature].partition_point(|&t| t <= threshold) as u16
        }
    }

    /// Rewrites the rows of `x` (row-major, `cols >= n_features` wide) as ranks,
    /// `n_features` per row, into `out`.
    pub fn rank_rows(&self, x: &[f32], cols: usize, out: &mut Vec<u16>) {
        let n = self.n_features();
        assert!(cols >= n);
        out.clear();
        out.reserve(x.len() / cols.max(1) * n);
        for row in x.chunks_exact(cols) {
            let row = &row[..n];
            match &self.table {
                Some(table) => out.extend(row.iter().enumerate().map(|(feature, &v)| {
                    let small = v as u8;
                    if f32::from(small) == v {
                        table[small as usize * n + feature]
                    } else {
                        self.search(feature, v)
                    }
                })),
                None => out.extend(row.iter().enumerate().map(|(feature, &v)| self.search(feature, v))),
            }
        }
    }
}

/// One test: a row whose rank is below `bound` (or that is missing, where the right
/// child's top bit says so) goes to the next step, any other to `right`. A leaf is a
/// step to itself that no row passes.
#[derive(Debug, Clone, Copy)]
struct Step {
    right: u32,
    feature: u16,
    bound: u16,
}

/// A tree laid out for batch prediction over ranked rows: see the module docs.
#[derive(Debug, Clone)]
pub struct Walk {
    steps: Vec<Step>,
    values: Vec<u16>,
}

impl Walk {
    /// Rows walked at once: enough independent walks to overlap their memory waits.
    pub const GROUP: usize = 16;

    /// `tree` with its thresholds turned into rank bounds (`ranks` made from a forest
    /// holding it); `None` for a malformed tree (a child out of bounds or not after its
    /// parent, a feature the ranks do not know), which the walk could not follow safely.
    pub fn new(tree: &Tree, ranks: &Ranks) -> Option<Walk> {
        let n = tree.nodes.len();
        let steps = tree
            .nodes
            .iter()
            .enumerate()
            .map(|(i, node)| {
                if node.feature == LEAF {
                    return Some(Step { right: i as u32, feature: 0, bound: 0 });
                }
                let (right, feature) = (node.right as usize, node.feature as usize);
                if right <= i + 1 || right >= n || i + 1 >= n || feature >= ranks.n_features() {
                    return None;
                }
                let missing_left = if node.missing_left() { MISSING_LEFT } else { 0 };
                Some(Step {
                    right: node.right | missing_left,
                    feature: node.feature,
                    bound: ranks.bound(feature, node.threshold),
                })
            })
            .collect::<Option<Vec<Step>>>()?;
        if steps.is_empty() || (steps.len() > 1 && ranks.n_features() == 0) || n >= MISSING_LEFT as usize {
            return None;
        }
        Some(Walk { steps, values: tree.nodes.iter().map(|n| n.value).collect() })
    }

    /// Adds each row's leaf value to its votes: `votes[row * k + value] += 1` for every
    /// row of `ranked` (rows of `n_features` ranks, as [`Ranks::rank_rows`] writes them).
    pub fn vote(&self, ranked: &[u16], n_features: usize, votes: &mut [u32], k: usize) {
        let rows = ranked.len() / n_features.max(1);
        assert!(votes.len() >= rows * k);
        if n_features == 0 {
            // No feature, so no split: the tree is a single leaf.
            votes.chunks_exact_mut(k).take(rows).for_each(|v| v[self.values[0] as usize] += 1);
            return;
        }
        const IDLE: usize = usize::MAX;
        let mut row = [IDLE; Self::GROUP];
        let mut at = [0u32; Self::GROUP];
        let mut next_row = 0;
        for slot in row.iter_mut().take(rows) {
            *slot = next_row;
            next_row += 1;
        }
        let mut active = rows.min(Self::GROUP);
        while active > 0 {
            for s in 0..Self::GROUP {
                let r = row[s];
                if r == IDLE {
                    continue;
                }
                let i = at[s] as usize;
                // SAFETY: `i` is a step index (0, or a `right` or `i + 1` of a split, which
                // `Tree` keeps in bounds); a step's feature is below the ranks' `n_features`
                // (the thresholds were collected per feature from these trees), and
                // `r < rows`, so the rank is inside `ranked`.
                let (step, rank) = unsafe {
                    let step = *self.steps.get_unchecked(i);
                    (step, *ranked.get_unchecked(r * n_features + step.feature as usize))
                };
                let left = (rank < step.bound) | ((step.right & MISSING_LEFT != 0) & (rank == MISSING));
                let next = if left { i as u32 + 1 } else { step.right & !MISSING_LEFT };
                if next as usize == i {
                    // A leaf: vote, and take the next row of the block.
                    votes[r * k + self.values[i] as usize] += 1;
                    if next_row < rows {
                        row[s] = next_row;
                        next_row += 1;
                        at[s] = 0;
                    } else {
                        row[s] = IDLE;
                        active -= 1;
                    }
                } else {
                    at[s] = next;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use data::rng::Rng;

    use super::*;
    use crate::tree::{MISSING_LEFT as NODE_MISSING_LEFT, Node};

    /// Thresholds and values at the edges of ranking: equal values, signed zeros,
    /// integers and non-integers around the lookup table's range, infinities, NaN.
    const EDGES: [f32; 16] = [
        f32::NEG_INFINITY,
        -1.0,
        -0.0,
        0.0,
        0.5,
        1.0,
        1.5,
        3.0,
        254.0,
        254.5,
        255.0,
        255.5,
        256.0,
        1e30,
        f32::INFINITY,
        f32::NAN,
    ];

    /// A random tree of splits on `features` features, thresholds drawn from [`EDGES`],
    /// missing values sent either way, grown in pre-order like the grower's trees.
    fn random_tree(rng: &mut Rng, depth: usize, features: usize, classes: u16) -> Tree {
        fn grow(rng: &mut Rng, depth: usize, features: usize, classes: u16, nodes: &mut Vec<Node>) {
            let at = nodes.len();
            if depth == 0 || rng.below(5) == 0 {
                let value = rng.below(u64::from(classes)) as u16;
                nodes.push(Node { threshold: 0.0, right: 0, feature: LEAF, value });
                return;
            }
            let threshold = EDGES[rng.below(EDGES.len() as u64) as usize];
            let feature = rng.below(features as u64) as u16;
            let value = if rng.below(2) == 0 { NODE_MISSING_LEFT } else { 0 };
            nodes.push(Node { threshold, right: 0, feature, value });
            grow(rng, depth - 1, features, classes, nodes);
            nodes[at].right = nodes.len() as u32;
            grow(rng, depth - 1, features, classes, nodes);
        }
        let mut nodes = Vec::new();
        grow(rng, depth, features, classes, &mut nodes);
        Tree {
            nodes,
            n_features: features,
            n_classes: usize::from(classes),
            impurity_decrease: vec![0.0; features],
        }
    }

    #[test]
    fn walks_over_ranks_answer_as_the_trees_do_at_every_edge() {
        let (features, classes) = (3, 4);
        let mut rng = Rng::new(7);
        let trees: Vec<Tree> = (0..40).map(|_| random_tree(&mut rng, 6, features, classes)).collect();
        let ranks = Ranks::new(&trees, features).unwrap();
        // Every combination of edge values, with two columns more than the trees use.
        let cols = features + 2;
        let mut x = Vec::new();
        for a in EDGES {
            for b in EDGES {
                for c in EDGES {
                    x.extend([a, b, c, 9.0, f32::NAN]);
                }
            }
        }
        let rows = x.len() / cols;
        let mut ranked = Vec::new();
        ranks.rank_rows(&x, cols, &mut ranked);
        assert_eq!(ranked.len(), rows * features);
        for tree in &trees {
            let mut votes = vec![0u32; rows * usize::from(classes)];
            Walk::new(tree, &ranks).unwrap().vote(&ranked, features, &mut votes, usize::from(classes));
            for (r, row) in x.chunks_exact(cols).enumerate() {
                let mut expected = vec![0u32; usize::from(classes)];
                expected[usize::from(tree.predict_row(row))] = 1;
                assert_eq!(&votes[r * expected.len()..(r + 1) * expected.len()], expected, "row {row:?}");
            }
        }
        // Without the lookup table (as for very wide tables), the same ranks.
        let searched = Ranks { table: None, ..ranks.clone() };
        let mut again = Vec::new();
        searched.rank_rows(&x, cols, &mut again);
        assert_eq!(again, ranked);
    }

    #[test]
    fn too_many_thresholds_or_malformed_trees_are_not_laid_out() {
        // A chain of splits on one feature with more distinct thresholds than a u16 rank.
        let splits = MAX_THRESHOLDS + 1;
        let mut nodes = Vec::new();
        for i in 0..splits {
            nodes.push(Node { threshold: i as f32, right: nodes.len() as u32 + 2, feature: 0, value: 0 });
            nodes.push(Node { threshold: 0.0, right: 0, feature: LEAF, value: 1 });
        }
        nodes.push(Node { threshold: 0.0, right: 0, feature: LEAF, value: 0 });
        let chain = Tree { nodes, n_features: 1, n_classes: 2, impurity_decrease: vec![0.0] };
        assert!(Ranks::new(std::slice::from_ref(&chain), 1).is_none());
        // A split whose right child points back up would loop for ever.
        let mut rng = Rng::new(3);
        let mut tree = random_tree(&mut rng, 4, 2, 2);
        let ranks = Ranks::new(std::slice::from_ref(&tree), 2).unwrap();
        assert!(Walk::new(&tree, &ranks).is_some());
        let split = tree.nodes.iter().position(|n| n.feature != LEAF).unwrap();
        tree.nodes[split].right = split as u32;
        assert!(Walk::new(&tree, &ranks).is_none());
        // A feature beyond the ranks' width.
        assert!(Ranks::new(std::slice::from_ref(&tree), 1).is_none());
    }
}
