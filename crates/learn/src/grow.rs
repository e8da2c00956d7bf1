//! Growing one tree by histogram split finding on pre-binned features.
//!
//! A node's samples are a range of one index array, kept in ascending row order by a
//! stable partition as the tree grows (depth first, nodes written in pre-order). A node
//! evaluates its candidate features in blocks: one pass over its rows (row-major bins,
//! so a row's features share cache lines) fills a (bin, class) histogram per feature of
//! the block, sized to stay in L2, and notes which bins are occupied. Each feature's
//! occupied bins are then swept left to right, updating the children's impurity
//! incrementally: an entropy sweep costs a few table lookups per occupied (bin, class)
//! pair, never a logarithm. Scores compare as `(cost, feature index)`, so the tree is
//! the same whatever the thread count.
//!
//! A forest's node draws few features, so a row read from the row-major table would use
//! a couple of bytes of each cache line it fetches. Large nodes read the column-major copy;
//! once a node's rows fit in a few MiB, its whole subtree works from a column-major copy of
//! just those rows (transposed once, kept in the last-level cache): each drawn feature is
//! counted from one short column into a histogram small enough for L1, then swept. The
//! Gini sweep keeps exact integer sums in `f64`, so its costs are bit for bit those of
//! integers; after a pure split the node's other features are skipped (none can win).
//! Children's class counts come from the partition. Every speed-up leaves the trees as
//! they were (hash tests in `tests/missing.rs`).
//!
//! Missing values sit in their feature's last bin. A feature with missing rows in a node
//! is swept twice, as scikit-learn (>= 1.3) and LightGBM do: with the missing rows on
//! the right (which also tries "values left, missing right"), then with them on the
//! left; the lower impurity wins and a tie keeps them on the right. The split stores the
//! direction; a split whose node had no missing rows sends them to the child with more
//! training rows (ties: right), as scikit-learn does.

use rayon::prelude::*;

use crate::binning::Binned;
use crate::profile::{self, Phase};
#[cfg(target_arch = "x86_64")]
use crate::simd::Level;
use crate::tree::{LEAF, MISSING_LEFT, MISSING_SEEN, Node, Tree};
use data::rng::Rng;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Criterion {
    Gini,
    Entropy,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GrowParams {
    pub criterion: Criterion,
    pub max_depth: Option<usize>,
    pub min_samples_split: u32,
    pub min_samples_leaf: u32,
    /// Features drawn per node; all features when `>= cols`.
    pub max_features: usize,
    /// Evaluate a node's features in parallel (a single tree); forests parallelise over trees.
    pub parallel: bool,
}

/// The rows a tree learns from: indices into the binned matrix, with optional integer
/// weights (bootstrap counts) indexed by row.
pub struct Sample<'a> {
    pub rows: Vec<u32>,
    pub weights: Option<&'a [u32]>,
}

pub fn grow(
    binned: &Binned,
    y: &[u32],
    n_classes: usize,
    sample: Sample<'_>,
    params: &GrowParams,
    seed: u64,
) -> Tree {
    grow_in(&mut Workspace::default(), binned, y, n_classes, sample, params, seed)
}

/// Buffers one thread reuses from tree to tree (a forest grows many): the histogram
/// scratch and the subtree copies, allocated and faulted in once.
#[derive(Default)]
pub struct Workspace {
    scratch: Option<Scratch>,
    local: Local,
}

impl std::fmt::Debug for Workspace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Workspace").finish_non_exhaustive()
    }
}

/// [`grow`] with the buffers of `workspace`.
pub fn grow_in(
    workspace: &mut Workspace,
    binned: &Binned,
    y: &[u32],
    n_classes: usize,
    sample: Sample<'_>,
    params: &GrowParams,
    seed: u64,
) -> Tree {
    // n ln n for every weight a node can have, for entropy sweeps (Gini needs none).
    let nlogn: Vec<f64> = match params.criterion {
        Criterion::Entropy => {
            let total_weight: u64 = match sample.weights {
                Some(w) => sample.rows.iter().map(|&r| u64::from(w[r as usize])).sum(),
                None => sample.rows.len() as u64,
            };
            (0..=total_weight).map(|n| if n == 0 { 0.0 } else { n as f64 * (n as f64).ln() }).collect()
        }
        Criterion::Gini => Vec::new(),
    };
    let grower = Grower { binned, y, n_classes, weights: sample.weights, params, nlogn };
    if workspace.scratch.as_ref().is_none_or(|s| s.left.len() != n_classes) {
        workspace.scratch = Some(Scratch::new(n_classes));
    }
    let Workspace { scratch, local } = workspace;
    grower.run(sample.rows, seed, scratch.as_mut().expect("a scratch"), local)
}

struct Grower<'a> {
    binned: &'a Binned,
    y: &'a [u32],
    n_classes: usize,
    weights: Option<&'a [u32]>,
    params: &'a GrowParams,
    nlogn: Vec<f64>,
}

/// The best split of one feature: children's summed impurity, the two bins it falls
/// between, and where the node's missing rows go.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Candidate {
    cost: f64,
    feature: usize,
    left_bin: usize,
    right_bin: usize,
    /// The node has rows missing this feature.
    missing_rows: bool,
    /// They go left (else right).
    missing_left: bool,
}

/// Node weights below this keep Gini sums of squares exact in `f64` (3 n² < 2^53).
const GINI_EXACT_BELOW: u32 = 1 << 25;

/// A sweep's best split: cost fraction `num / den` and its two bins.
type Best = (f64, f64, usize, usize);

/// Whether `(num, den)` costs strictly less than `best` (denominators are positive).
#[inline]
fn improves(num: f64, den: f64, best: Option<Best>) -> bool {
    best.is_none_or(|(b_num, b_den, _, _)| num * b_den < b_num * den)
}

impl Candidate {
    fn better_than(&self, other: &Candidate) -> bool {
        self.cost < other.cost || (self.cost == other.cost && self.feature < other.feature)
    }
}

/// Per-thread buffers for one block of features, reused across blocks and nodes.
struct Scratch {
    /// `block x 256 x classes` counts.
    hist: Vec<u32>,
    /// `block x 4` words: the occupied bins of each feature.
    occupied: Vec<u64>,
    /// `block x 256`: the classes present in each bin (when there are at most 16).
    classes: Vec<u16>,
    left: Vec<u32>,
    right: Vec<u32>,
    /// A large node's rows as (row, class, weight), gathered once for all its features.
    node: Vec<(usize, u16, u32)>,
}

/// Features per histogram block: as many as keep the block's counts near 512 KiB.
fn block_len(n_classes: usize) -> usize {
    ((512 * 1024) / (256 * n_classes * 4)).clamp(1, 256)
}

impl Scratch {
    fn new(n_classes: usize) -> Self {
        let block = block_len(n_classes);
        Scratch {
            hist: vec![0; block * 256 * n_classes],
            occupied: vec![0; block * 4],
            classes: vec![0; block * 256],
            left: vec![0; n_classes],
            right: vec![0; n_classes],
            node: Vec::new(),
        }
    }
}

struct Pending {
    start: usize,
    end: usize,
    depth: usize,
    /// Whether the node's rows index the subtree copy (else the table).
    local: bool,
    /// The split node whose `right` must point at this node, if it is a right child.
    right_of: Option<usize>,
    /// Features known to be constant in this node (they were in an ancestor): one bit each.
    constants: Vec<u64>,
    /// The node's full histogram, when its parent derived it (sibling subtraction).
    hist: Option<HistSet>,
}

/// Every feature's (bin, class) histogram of one node, feature regions laid end to end.
/// Large nodes of a tree that looks at every feature keep one: a child's set is its
/// parent's minus its sibling's, so only the smaller child is ever counted.
#[derive(Debug)]
struct HistSet {
    counts: Vec<u32>,
}

/// A subtree's rows, copied column by column once its node is small: every node below
/// reads a drawn feature's bins from one short column (sequential reads in cache) instead
/// of a cache line per row of the whole table.
#[derive(Default)]
struct Local {
    rows: usize,
    /// Feature `f`'s bins of the copied rows at `[f * rows, (f + 1) * rows)`.
    columns: Vec<u8>,
    class: Vec<u16>,
    weight: Vec<u32>,
}

impl Local {
    #[inline]
    fn column(&self, feature: usize) -> &[u8] {
        &self.columns[feature * self.rows..(feature + 1) * self.rows]
    }
}

/// Where a node's rows' bins are read from.
#[derive(Clone, Copy)]
enum View<'s> {
    /// The whole table: `rows` index its rows.
    Table,
    /// A subtree's copy: `rows` index its rows.
    Local(&'s Local),
}

/// A forest's node moves its subtree into a copy when its rows fill at most this many
/// bytes of bins (so the copy stays in the last-level cache) and at most an eighth of
/// the table's rows. (A second, L2-sized level of copies cost as much as it saved:
/// copying reads whole rows from memory.)
const LOCAL_BYTES: usize = 4 << 20;
const LOCAL_SHRINK: usize = 8;

/// Below this many rows a node marks occupied bins while counting; above, it reads them
/// from the histogram afterwards (a feature's own histogram), or from the classes it
/// marked (a block of features read row by row).
const TRACK_BELOW: usize = 256;
const TRACK_BLOCK_BELOW: usize = 1024;

/// Nodes with at least this many rows keep a histogram set for their children.
const SUBTRACT_MIN: usize = 2048;
/// The most memory histogram sets waiting on the stack may hold.
const SUBTRACT_BUDGET_BYTES: usize = 64 << 20;

/// Incremental impurity of the two children during a sweep. `impurity` is n·H (entropy,
/// in nats) or n·Gini, so a split's cost is the sum over both children.
struct Sweep<'t> {
    criterion: Criterion,
    nlogn: &'t [f64],
    n_left: u32,
    n_right: u32,
    /// Entropy: Σ c·ln c over classes (Gini leaves these at 0).
    sum_left: f64,
    sum_right: f64,
    /// Gini: Σ c² over classes, exact in integers (no floating-point chain per bin).
    squares_left: u64,
    squares_right: u64,
}

impl Sweep<'_> {
    #[inline]
    fn term(&self, count: u32) -> f64 {
        match self.criterion {
            Criterion::Entropy => self.nlogn[count as usize],
            Criterion::Gini => f64::from(count) * f64::from(count),
        }
    }

    /// Moves `weight` of a class from the right child to the left.
    #[inline]
    fn shift(&mut self, left: &mut u32, right: &mut u32, weight: u32) {
        match self.criterion {
            Criterion::Entropy => {
                self.sum_left += self.term(*left + weight) - self.term(*left);
                self.sum_right += self.term(*right - weight) - self.term(*right);
            }
            Criterion::Gini => {
                // (c + w)² - c² = w (2c + w), and likewise on the right.
                let w = u64::from(weight);
                self.squares_left += w * (2 * u64::from(*left) + w);
                self.squares_right -= w * (2 * u64::from(*right) - w);
            }
        }
        *left += weight;
        *right -= weight;
        self.n_left += weight;
        self.n_right -= weight;
    }

    /// The split's cost as a fraction `num / den` (den > 0), so candidates compare by
    /// cross-multiplication: the Gini cost needs two divisions per candidate otherwise.
    #[inline]
    fn cost_fraction(&self) -> (f64, f64) {
        match self.criterion {
            Criterion::Entropy => (self.cost(), 1.0),
            Criterion::Gini => {
                let (left, right) = (f64::from(self.n_left), f64::from(self.n_right));
                let (q_left, q_right) = (self.squares_left as f64, self.squares_right as f64);
                // n - (QL/nL + QR/nR) = n - (QL nR + QR nL) / (nL nR); the constant n is
                // added back once the best is known.
                (-(q_left * right + q_right * left), left * right)
            }
        }
    }

    #[inline]
    fn cost(&self) -> f64 {
        match self.criterion {
            Criterion::Entropy => {
                self.nlogn[self.n_left as usize] - self.sum_left + self.nlogn[self.n_right as usize]
                    - self.sum_right
            }
            Criterion::Gini => {
                f64::from(self.n_left) - self.squares_left as f64 / f64::from(self.n_left)
                    + f64::from(self.n_right)
                    - self.squares_right as f64 / f64::from(self.n_right)
            }
        }
    }
}

impl Grower<'_> {
    /// A candidate split from the best of a sweep with the missing rows on the right
    /// and, when the node has some, the best of one with them on the left.
    fn candidate(
        &self,
        n: u32,
        feature: usize,
        right: Option<Best>,
        left: Option<Best>,
        missing_rows: bool,
    ) -> Option<Candidate> {
        match (right, left) {
            (right, Some(left)) if improves(left.0, left.1, right) => {
                Some(Candidate { missing_left: true, ..self.candidate_of(n, feature, left, missing_rows) })
            }
            (Some(right), _) => Some(self.candidate_of(n, feature, right, missing_rows)),
            (None, _) => None,
        }
    }

    /// The candidate of a sweep's best, with the missing rows (if any) on the right.
    #[inline(always)]
    fn candidate_of(&self, n: u32, feature: usize, best: Best, missing_rows: bool) -> Candidate {
        let (num, den, left_bin, right_bin) = best;
        let cost = match self.params.criterion {
            Criterion::Entropy => num,
            Criterion::Gini => f64::from(n) + num / den,
        };
        Candidate { cost, feature, left_bin, right_bin, missing_rows, missing_left: false }
    }

    /// A sweep with every row on the right.
    fn start_sweep(&self, counts: &[u32], n: u32) -> Sweep<'_> {
        let criterion = self.params.criterion;
        Sweep {
            criterion,
            nlogn: &self.nlogn,
            n_left: 0,
            n_right: n,
            sum_left: 0.0,
            sum_right: match criterion {
                Criterion::Entropy => counts.iter().map(|&c| self.nlogn[c as usize]).sum(),
                Criterion::Gini => 0.0,
            },
            squares_left: 0,
            squares_right: counts.iter().map(|&c| u64::from(c) * u64::from(c)).sum(),
        }
    }

    #[inline]
    fn weight(&self, row: u32) -> u32 {
        self.weights.map_or(1, |w| w[row as usize])
    }

    fn impurity(&self, counts: &[u32]) -> f64 {
        let n: u32 = counts.iter().sum();
        match self.params.criterion {
            Criterion::Entropy => {
                self.nlogn[n as usize] - counts.iter().map(|&c| self.nlogn[c as usize]).sum::<f64>()
            }
            Criterion::Gini => {
                f64::from(n) - counts.iter().map(|&c| f64::from(c) * f64::from(c)).sum::<f64>() / f64::from(n)
            }
        }
    }

    fn run(&self, mut rows: Vec<u32>, seed: u64, scratch: &mut Scratch, local: &mut Local) -> Tree {
        let cols = self.binned.cols;
        let k = self.n_classes;
        let mut rng = Rng::new(seed);
        let mut feature_order: Vec<usize> = (0..cols).collect();
        let mut nodes: Vec<Node> = Vec::new();
        let mut decrease = vec![0.0; cols];
        let mut counts = vec![0u32; k];
        let mut left_counts = vec![0u32; k];
        let mut buffer: Vec<u32> = Vec::new();
        let words = cols.div_ceil(64);
        // The class counts of each pending node, by its place on the stack: a node's are
        // summed while its parent's rows are partitioned.
        let mut pending_counts: Vec<u32> = vec![0; k];
        for &row in &rows {
            pending_counts[self.y[row as usize] as usize] += self.weight(row);
        }
        let mut stack = vec![Pending {
            start: 0,
            end: rows.len(),
            depth: 0,
            local: false,
            right_of: None,
            constants: vec![0; words],
            hist: None,
        }];
        let all_features = self.params.max_features >= cols;
        // Feature regions of a histogram set: feature f's counts start at offsets[f].
        let mut offsets = Vec::with_capacity(cols + 1);
        offsets.push(0);
        for f in 0..cols {
            offsets.push(offsets[f] + self.binned.n_bins(f) * k);
        }
        let set_bytes = offsets[cols] * 4;
        let mut stored_bytes = 0usize;
        while let Some(mut pending) = stack.pop() {
            let node_timer = profile::timer();
            profile::level(pending.depth);
            let rows_here = pending.end - pending.start;
            if pending.hist.is_some() {
                stored_bytes -= set_bytes;
            }
            let id = nodes.len();
            if let Some(parent) = pending.right_of {
                nodes[parent].right = id as u32;
            }
            let place = stack.len();
            counts.copy_from_slice(&pending_counts[place * k..(place + 1) * k]);
            let samples = &mut rows[pending.start..pending.end];
            let n: u32 = counts.iter().sum();
            let timer = profile::lap(Phase::Counts, rows_here, node_timer);
            let majority = counts
                .iter()
                .enumerate()
                .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(&a.0)))
                .map_or(0, |(c, _)| c);
            let leaf = Node { threshold: 0.0, right: 0, feature: LEAF, value: majority as u16 };
            let pure = counts.iter().filter(|&&c| c > 0).count() <= 1;
            let at_max_depth = self.params.max_depth.is_some_and(|d| pending.depth >= d);
            if pure
                || at_max_depth
                || n < self.params.min_samples_split
                || n < 2 * self.params.min_samples_leaf
            {
                nodes.push(leaf);
                profile::lap(Phase::Assembly, rows_here, timer);
                profile::node(rows_here, pending.depth, node_timer);
                continue;
            }
            // A forest's node small enough moves its subtree's rows into a copy.
            if !all_features
                && !pending.local
                && samples.len() * cols <= LOCAL_BYTES
                && samples.len() * LOCAL_SHRINK <= self.binned.rows
            {
                let timer = profile::timer();
                self.copy_rows(samples, local);
                samples.iter_mut().enumerate().for_each(|(i, row)| *row = i as u32);
                pending.local = true;
                profile::lap(Phase::Copy, rows_here, timer);
            }
            let view = if pending.local { View::Local(local) } else { View::Table };
            // A large node of a whole-feature tree works from its histogram set: given by
            // its parent, or counted now.
            let hist = match pending.hist.take() {
                Some(hist) => Some(hist),
                None if all_features && samples.len() >= SUBTRACT_MIN => {
                    Some(self.count_set(samples, &offsets))
                }
                None => None,
            };
            let best = if let Some(hist) = &hist {
                self.best_from_set(hist, &offsets, &counts, n, rows_here, &mut pending.constants)
            } else if all_features {
                self.best_over_all_features(samples, &counts, n, scratch, &mut pending.constants)
            } else {
                let constants = &mut pending.constants;
                self.best_over_drawn_features(
                    view,
                    samples,
                    &counts,
                    n,
                    scratch,
                    &mut rng,
                    &mut feature_order,
                    constants,
                )
            };
            let timer = profile::timer();
            let Some(best) = best else {
                nodes.push(leaf);
                profile::lap(Phase::Assembly, rows_here, timer);
                profile::node(rows_here, pending.depth, node_timer);
                continue;
            };
            decrease[best.feature] += (self.impurity(&counts) - best.cost).max(0.0);
            let (feature, left_bin) = (best.feature, best.left_bin);
            // The missing bin is the feature's last, above every bin sent left.
            let missing_left = if best.missing_left {
                self.binned.missing[feature].map_or(usize::MAX, usize::from)
            } else {
                usize::MAX
            };
            let split =
                self.partition(view, samples, &mut buffer, feature, left_bin, missing_left, &mut left_counts);
            profile::bytes(samples.len() as u64 * (64 + 8));
            let timer = profile::lap(Phase::Partition, rows_here, timer);
            let flags = match (best.missing_rows, best.missing_left) {
                (true, true) => MISSING_SEEN | MISSING_LEFT,
                (true, false) => MISSING_SEEN,
                // None seen here: the child with more training rows, ties right.
                (false, _) if split > samples.len() - split => MISSING_LEFT,
                (false, _) => 0,
            };
            nodes.push(Node {
                threshold: self.binned.threshold(feature, left_bin, best.right_bin),
                right: 0,
                feature: feature as u16,
                value: flags,
            });
            let middle = pending.start + split;
            let depth = pending.depth + 1;
            // Sibling subtraction: count the smaller child, derive the larger one from the
            // parent. A child keeps its set only if it is large itself and the budget allows.
            let (mut left_hist, mut right_hist) = (None, None);
            let mut timer = timer;
            if let Some(mut parent) = hist {
                let (left_rows, right_rows) = (split, samples.len() - split);
                let larger = left_rows.max(right_rows);
                if larger >= SUBTRACT_MIN && stored_bytes + 2 * set_bytes <= SUBTRACT_BUDGET_BYTES {
                    let smaller_is_left = left_rows <= right_rows;
                    let smaller_rows = if smaller_is_left { &samples[..split] } else { &samples[split..] };
                    let smaller = self.count_set(smaller_rows, &offsets);
                    parent.counts.par_chunks_mut(1 << 16).zip(smaller.counts.par_chunks(1 << 16)).for_each(
                        |(p, s)| {
                            for (a, b) in p.iter_mut().zip(s) {
                                *a -= b;
                            }
                        },
                    );
                    let keep_smaller = left_rows.min(right_rows) >= SUBTRACT_MIN;
                    let (large, small) = (Some(parent), keep_smaller.then_some(smaller));
                    (left_hist, right_hist) = if smaller_is_left { (small, large) } else { (large, small) };
                    stored_bytes +=
                        set_bytes * (usize::from(left_hist.is_some()) + usize::from(right_hist.is_some()));
                    // The smaller child's count was timed as a fill.
                    timer = profile::timer();
                }
            }
            // The right child goes where this node was on the stack, the left above it.
            pending_counts.resize((place + 2) * k, 0);
            for c in 0..k {
                pending_counts[place * k + c] = counts[c] - left_counts[c];
                pending_counts[(place + 1) * k + c] = left_counts[c];
            }
            let right = Pending {
                start: middle,
                end: pending.end,
                depth,
                local: pending.local,
                right_of: Some(id),
                constants: pending.constants.clone(),
                hist: right_hist,
            };
            stack.push(right);
            stack.push(Pending {
                hist: left_hist,
                start: pending.start,
                end: middle,
                depth,
                local: pending.local,
                right_of: None,
                constants: pending.constants,
            });
            profile::lap(Phase::Assembly, rows_here, timer);
            profile::node(rows_here, pending.depth, node_timer);
        }
        Tree { nodes, n_features: cols, n_classes: self.n_classes, impurity_decrease: decrease }
    }

    #[inline(never)]
    /// Copies the bins, classes and weights of `samples` (rows of the table) into `to`,
    /// column by column, in the order of `samples`: whole rows (contiguous bytes)
    /// transposed by the vector kernels.
    fn copy_rows(&self, samples: &[u32], to: &mut Local) {
        let cols = self.binned.cols;
        let m = samples.len();
        to.rows = m;
        // Grown once to the largest copy (and the kernels' 16 bytes of slack), never
        // cleared: every byte used is written.
        if to.columns.len() < cols * m + 16 {
            to.columns.resize(cols * m + 16, 0);
        }
        to.class.clear();
        to.class.extend(samples.iter().map(|&r| self.y[r as usize] as u16));
        to.weight.clear();
        to.weight.extend(samples.iter().map(|&r| self.weight(r)));
        crate::simd::gather_transpose(&self.binned.bins, cols, samples, &mut to.columns);
        profile::bytes((m * cols) as u64 * 2);
    }

    /// Stably moves the rows going left to the front (bin of `feature` at most
    /// `left_bin`, or equal to `missing_left`), summing their class weights into
    /// `left_counts`; returns how many went left.
    #[allow(clippy::too_many_arguments)]
    #[inline(never)]
    fn partition(
        &self,
        view: View<'_>,
        samples: &mut [u32],
        buffer: &mut Vec<u32>,
        feature: usize,
        left_bin: usize,
        missing_left: usize,
        left_counts: &mut [u32],
    ) -> usize {
        left_counts.iter_mut().for_each(|c| *c = 0);
        let goes = |bin: u8| usize::from(bin) <= left_bin || usize::from(bin) == missing_left;
        match view {
            View::Local(local) => {
                let column = local.column(feature);
                stable_partition(samples, buffer, |row| {
                    let left = goes(column[row as usize]);
                    if left {
                        left_counts[usize::from(local.class[row as usize])] += local.weight[row as usize];
                    }
                    left
                })
            }
            View::Table => {
                let mut count = |row: u32| {
                    left_counts[self.y[row as usize] as usize] += self.weight(row);
                };
                match &self.binned.columns {
                    // Rows in order read the column forward.
                    Some(columns) => {
                        let column = &columns[feature * self.binned.rows..(feature + 1) * self.binned.rows];
                        stable_partition(samples, buffer, |row| {
                            let left = goes(column[row as usize]);
                            if left {
                                count(row);
                            }
                            left
                        })
                    }
                    None => {
                        let (bins, cols) = (&self.binned.bins, self.binned.cols);
                        stable_partition(samples, buffer, |row| {
                            let left = goes(bins[row as usize * cols + feature]);
                            if left {
                                count(row);
                            }
                            left
                        })
                    }
                }
            }
        }
    }

    /// Counts a node's full histogram set, features in parallel blocks, rows in order.
    fn count_set(&self, samples: &[u32], offsets: &[usize]) -> HistSet {
        let k = self.n_classes;
        let cols = self.binned.cols;
        let bins = &self.binned.bins;
        let mut counts = vec![0u32; offsets[cols]];
        // Split the set into blocks of whole features, each block's counts near 512 KiB.
        let mut blocks: Vec<(usize, usize, &mut [u32])> = Vec::new();
        let mut rest: &mut [u32] = &mut counts;
        let mut first = 0;
        while first < cols {
            let mut last = first;
            while last < cols && offsets[last + 1] - offsets[first] <= 128 * 1024 {
                last += 1;
            }
            last = last.max(first + 1);
            let (head, tail) = rest.split_at_mut(offsets[last] - offsets[first]);
            blocks.push((first, last, head));
            rest = tail;
            first = last;
        }
        let timer = profile::timer();
        profile::bytes(samples.len() as u64 * ((cols as u64).div_ceil(64) * 64 + 12));
        blocks.into_par_iter().for_each(|(first, last, block)| {
            let base = offsets[first];
            for &row in samples {
                let row_bins = &bins[row as usize * cols..(row as usize + 1) * cols];
                let slot = self.y[row as usize] as usize;
                let w = self.weight(row);
                for f in first..last {
                    block[offsets[f] - base + row_bins[f] as usize * k + slot] += w;
                }
            }
        });
        profile::lap(Phase::Fill, samples.len(), timer);
        HistSet { counts }
    }

    /// The best split of a node from its histogram set; marks constant features.
    fn best_from_set(
        &self,
        hist: &HistSet,
        offsets: &[usize],
        counts: &[u32],
        n: u32,
        rows: usize,
        constants: &mut [u64],
    ) -> Option<Candidate> {
        let k = self.n_classes;
        let timer = profile::timer();
        let features: Vec<usize> = (0..self.binned.cols).filter(|&f| !is_set(constants, f)).collect();
        let results: Vec<(bool, Option<Candidate>)> = features
            .par_iter()
            .map_init(
                || (vec![0u32; k], vec![0u32; k]),
                |(left, right), &f| {
                    self.sweep_dense(f, &hist.counts[offsets[f]..offsets[f + 1]], counts, n, left, right)
                },
            )
            .collect();
        let mut best: Option<Candidate> = None;
        for (&feature, (constant, candidate)) in features.iter().zip(results) {
            if constant {
                set(constants, feature);
            }
            if let Some(candidate) = candidate
                && best.is_none_or(|b| candidate.better_than(&b))
            {
                best = Some(candidate);
            }
        }
        profile::lap(Phase::Sweep, rows, timer);
        best
    }

    /// Sweeps one feature's dense histogram (bins x classes) without clearing it.
    fn sweep_dense(
        &self,
        feature: usize,
        hist: &[u32],
        counts: &[u32],
        n: u32,
        left: &mut [u32],
        right: &mut [u32],
    ) -> (bool, Option<Candidate>) {
        let k = self.n_classes;
        let missing = self.binned.missing[feature]
            .map(usize::from)
            .filter(|&bin| hist[bin * k..(bin + 1) * k].iter().any(|&c| c > 0));
        let missing_left = missing.and_then(|bin| self.dense_pass(hist, counts, n, left, right, Some(bin)).1);
        let (occupied, missing_right) = self.dense_pass(hist, counts, n, left, right, None);
        (occupied <= 1, self.candidate(n, feature, missing_right, missing_left, missing.is_some()))
    }

    /// One left-to-right pass over a dense histogram; with `missing_first`, that bin (the
    /// feature's last) starts on the left and the pass covers the bins before it. Returns
    /// the occupied bins passed and the best split.
    fn dense_pass(
        &self,
        hist: &[u32],
        counts: &[u32],
        n: u32,
        left: &mut [u32],
        right: &mut [u32],
        missing_first: Option<usize>,
    ) -> (usize, Option<Best>) {
        let k = self.n_classes;
        left.iter_mut().for_each(|c| *c = 0);
        right.copy_from_slice(counts);
        let mut sweep = self.start_sweep(counts, n);
        let mut hist = hist;
        if let Some(bin) = missing_first {
            for (class, &h) in hist[bin * k..(bin + 1) * k].iter().enumerate() {
                if h > 0 {
                    sweep.shift(&mut left[class], &mut right[class], h);
                }
            }
            hist = &hist[..bin * k];
        }
        let min_leaf = self.params.min_samples_leaf;
        let mut best: Option<Best> = None;
        let mut occupied = 0usize;
        let mut previous_bin = 0usize;
        for (bin, classes) in hist.chunks_exact(k).enumerate() {
            let total: u32 = classes.iter().sum();
            if total == 0 {
                continue;
            }
            if occupied > 0 && sweep.n_left >= min_leaf && sweep.n_right >= min_leaf {
                let (num, den) = sweep.cost_fraction();
                if improves(num, den, best) {
                    best = Some((num, den, previous_bin, bin));
                }
            }
            occupied += 1;
            previous_bin = bin;
            if total == sweep.n_right {
                break; // the last occupied bin
            }
            for (class, &h) in classes.iter().enumerate() {
                if h > 0 {
                    sweep.shift(&mut left[class], &mut right[class], h);
                }
            }
        }
        (occupied, best)
    }

    /// Evaluates every feature not known to be constant; marks those found constant.
    fn best_over_all_features(
        &self,
        samples: &[u32],
        counts: &[u32],
        n: u32,
        scratch: &mut Scratch,
        constants: &mut [u64],
    ) -> Option<Candidate> {
        let features: Vec<usize> = (0..self.binned.cols).filter(|&f| !is_set(constants, f)).collect();
        let block = block_len(self.n_classes);
        let parallel = self.params.parallel
            && samples.len() * features.len() >= 1 << 16
            && rayon::current_num_threads() > 1;
        let pick = |a: Option<Candidate>, b: Option<Candidate>| match (a, b) {
            (Some(a), Some(b)) => Some(if b.better_than(&a) { b } else { a }),
            (a, b) => a.or(b),
        };
        let results: Vec<(bool, Option<Candidate>)> = if parallel {
            features
                .par_chunks(block)
                .map_init(
                    || Scratch::new(self.n_classes),
                    |scratch, chunk| self.evaluate_block(chunk, samples, counts, n, scratch),
                )
                .flatten_iter()
                .collect()
        } else {
            features
                .chunks(block)
                .flat_map(|chunk| self.evaluate_block(chunk, samples, counts, n, scratch))
                .collect()
        };
        let mut best = None;
        for (&feature, (constant, candidate)) in features.iter().zip(results) {
            if constant {
                set(constants, feature);
            }
            best = pick(best, candidate);
        }
        best
    }

    /// Draws features without replacement, as scikit-learn does: `max_features` draws,
    /// and more if all of them were constant in the node. A feature known to be constant
    /// (from an ancestor) counts as drawn but is not evaluated; one found constant is
    /// marked for the node's children. Draws are evaluated in batches of what is still
    /// needed, which visits exactly the features a one-at-a-time search would, and the
    /// first best split in draw order wins.
    #[allow(clippy::too_many_arguments)]
    fn best_over_drawn_features(
        &self,
        view: View<'_>,
        samples: &[u32],
        counts: &[u32],
        n: u32,
        scratch: &mut Scratch,
        rng: &mut Rng,
        order: &mut [usize],
        constants: &mut [u64],
    ) -> Option<Candidate> {
        let cols = order.len();
        let block = block_len(self.n_classes);
        let mut best: Option<Candidate> = None;
        let mut visited = 0;
        let mut varying_found = false;
        let mut drawn = 0;
        let mut batch: Vec<usize> = Vec::with_capacity(block);
        if let View::Local(local) = view {
            scratch.node.clear();
            scratch.node.extend(
                samples.iter().map(|&i| (i as usize, local.class[i as usize], local.weight[i as usize])),
            );
        }
        while drawn < cols && (visited < self.params.max_features || !varying_found) {
            batch.clear();
            while drawn < cols && batch.len() < block {
                if visited >= self.params.max_features && (varying_found || !batch.is_empty()) {
                    break;
                }
                let pick = drawn + rng.below((cols - drawn) as u64) as usize;
                order.swap(drawn, pick);
                let feature = order[drawn];
                drawn += 1;
                visited += 1;
                if !is_set(constants, feature) {
                    batch.push(feature);
                }
            }
            if batch.is_empty() {
                continue;
            }
            let mut take = |feature: usize, (constant, candidate): (bool, Option<Candidate>)| {
                if constant {
                    set(constants, feature);
                } else {
                    varying_found = true;
                }
                if let Some(candidate) = candidate
                    && best.is_none_or(|b| candidate.cost < b.cost)
                {
                    best = Some(candidate);
                }
                // Whether the best is a pure split (see below).
                best.is_some_and(|b| b.cost <= 0.0)
            };
            let gini = self.params.criterion == Criterion::Gini;
            match view {
                View::Table => {
                    for (&feature, result) in
                        batch.iter().zip(self.evaluate_block(&batch, samples, counts, n, scratch))
                    {
                        take(feature, result);
                    }
                }
                View::Local(local) => {
                    if profile::ENABLED {
                        let lines = 1 + samples.windows(2).filter(|w| w[0] / 64 != w[1] / 64).count() as u64;
                        profile::bytes(batch.len() as u64 * lines * 64 + samples.len() as u64 * 12);
                    }
                    for &feature in &batch {
                        let pure = take(
                            feature,
                            self.evaluate_column(local.column(feature), feature, counts, n, scratch),
                        );
                        // A Gini cost is never below 0 as computed (n + num/den with num/den
                        // rounded from a value >= -n), and only a lower one replaces the
                        // best: after a pure split the other drawn features cannot win.
                        // (Skipping them only leaves their constancy for the children to
                        // find; the draws are already made.)
                        if gini && pure {
                            break;
                        }
                    }
                }
            }
        }
        best
    }

    /// For each feature of a block (at most [`block_len`]): whether it is constant in the
    /// node, and its best split.
    fn evaluate_block(
        &self,
        features: &[usize],
        samples: &[u32],
        counts: &[u32],
        n: u32,
        scratch: &mut Scratch,
    ) -> Vec<(bool, Option<Candidate>)> {
        let k = self.n_classes;
        let cols = self.binned.cols;
        let bins = &self.binned.bins;
        // Cache lines each layout would read: row by row, a row's lines for the block's
        // features; column by column, each feature's lines spanned by the node's rows.
        if let Some(columns) = &self.binned.columns {
            let rows = self.binned.rows;
            let by_row = samples.len() * features.len().min(cols / 64 + 1);
            let by_column = features.len() * samples.len().min(rows / 64 + 1);
            if by_column < by_row {
                return self.evaluate_by_column(columns, features, samples, counts, n, scratch);
            }
        }
        // The half cache lines the block reads in a row, to prefetch rows ahead of use:
        // deep in a forest the rows of a node are scattered and each read would stall.
        let mut spans: Vec<usize> = features.iter().map(|&f| f & !31).collect();
        spans.sort_unstable();
        spans.dedup();
        const AHEAD: usize = 8;
        let timer = profile::timer();
        if profile::ENABLED {
            let mut lines: Vec<usize> = features.iter().map(|&f| f / 64).collect();
            lines.sort_unstable();
            lines.dedup();
            profile::bytes(samples.len() as u64 * (lines.len() as u64 * 64 + 12));
        }
        // Large nodes occupy most bins: finding them by scanning is cheaper than marking.
        let track_occupied = samples.len() < TRACK_BLOCK_BELOW;
        for (i, &row) in samples.iter().enumerate() {
            if let Some(&ahead) = samples.get(i + AHEAD) {
                let base = ahead as usize * cols;
                for &offset in &spans {
                    prefetch(&bins[base + offset]);
                }
            }
            let row_bins = &bins[row as usize * cols..(row as usize + 1) * cols];
            let class = self.y[row as usize] as usize;
            let w = self.weight(row);
            let class_bit = 1u16 << (class & 15);
            if track_occupied {
                for (j, &feature) in features.iter().enumerate() {
                    let bin = row_bins[feature] as usize;
                    let slot = j * 256 + bin;
                    scratch.hist[slot * k + class] += w;
                    scratch.classes[slot] |= class_bit;
                    scratch.occupied[j * 4 + (bin >> 6)] |= 1u64 << (bin & 63);
                }
            } else {
                for (j, &feature) in features.iter().enumerate() {
                    let bin = row_bins[feature] as usize;
                    let slot = j * 256 + bin;
                    scratch.hist[slot * k + class] += w;
                    scratch.classes[slot] |= class_bit;
                }
            }
        }
        let timer = profile::lap(Phase::Fill, samples.len(), timer);
        let mut results = Vec::with_capacity(features.len());
        for (j, &feature) in features.iter().enumerate() {
            if !track_occupied {
                for word in 0..4 {
                    let first = j * 256 + word * 64;
                    scratch.occupied[j * 4 + word] =
                        crate::simd::nonzero_mask(&scratch.classes[first..first + 64]);
                }
            }
            results.push(self.sweep(j, feature, counts, n, scratch));
        }
        profile::lap(Phase::Sweep, samples.len(), timer);
        results
    }

    /// The block for a node holding a large share of the rows: feature by feature from
    /// the column-major copy, reading each column front to back.
    fn evaluate_by_column(
        &self,
        columns: &[u8],
        features: &[usize],
        samples: &[u32],
        counts: &[u32],
        n: u32,
        scratch: &mut Scratch,
    ) -> Vec<(bool, Option<Candidate>)> {
        let rows = self.binned.rows;
        if profile::ENABLED {
            // Each feature's column lines holding at least one of the node's rows.
            let lines = 1 + samples.windows(2).filter(|w| w[0] / 64 != w[1] / 64).count() as u64;
            profile::bytes(features.len() as u64 * lines * 64 + samples.len() as u64 * 12);
        }
        scratch.node.clear();
        scratch
            .node
            .extend(samples.iter().map(|&row| (row as usize, self.y[row as usize] as u16, self.weight(row))));
        features
            .iter()
            .map(|&feature| {
                self.evaluate_column(
                    &columns[feature * rows..(feature + 1) * rows],
                    feature,
                    counts,
                    n,
                    scratch,
                )
            })
            .collect()
    }

    /// One feature of the node whose rows `scratch.node` holds, from its column: fills the
    /// histogram (region 0 of the scratch, small enough to stay in L1) and sweeps it.
    /// Compiled for each instruction-set level (BMI's bit scans, AVX-512's registers) and
    /// dispatched at run time.
    fn evaluate_column(
        &self,
        column: &[u8],
        feature: usize,
        counts: &[u32],
        n: u32,
        scratch: &mut Scratch,
    ) -> (bool, Option<Candidate>) {
        #[cfg(target_arch = "x86_64")]
        match crate::simd::level() {
            // SAFETY: the level was detected on this CPU.
            Level::Avx512 => {
                return unsafe { self.evaluate_column_avx512(column, feature, counts, n, scratch) };
            }
            // SAFETY: as above.
            Level::Avx2 => return unsafe { self.evaluate_column_avx2(column, feature, counts, n, scratch) },
            Level::Scalar => {}
        }
        self.evaluate_column_body(column, feature, counts, n, scratch)
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,bmi1,bmi2,lzcnt,popcnt,fma")]
    unsafe fn evaluate_column_avx2(
        &self,
        column: &[u8],
        feature: usize,
        counts: &[u32],
        n: u32,
        scratch: &mut Scratch,
    ) -> (bool, Option<Candidate>) {
        self.evaluate_column_body(column, feature, counts, n, scratch)
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f,avx512bw,avx512vl,avx2,bmi1,bmi2,lzcnt,popcnt,fma")]
    unsafe fn evaluate_column_avx512(
        &self,
        column: &[u8],
        feature: usize,
        counts: &[u32],
        n: u32,
        scratch: &mut Scratch,
    ) -> (bool, Option<Candidate>) {
        self.evaluate_column_body(column, feature, counts, n, scratch)
    }

    #[inline(always)]
    fn evaluate_column_body(
        &self,
        column: &[u8],
        feature: usize,
        counts: &[u32],
        n: u32,
        scratch: &mut Scratch,
    ) -> (bool, Option<Candidate>) {
        let k = self.n_classes;
        let timer = profile::timer();
        let Scratch { hist, classes, occupied, node, .. } = scratch;
        let rows = node.len();
        let (hist, classes) = (&mut hist[..256 * k], &mut classes[..256]);
        // The occupied bins are read from the bins' class masks afterwards (a few vector
        // tests), never marked per row: a run of rows in one 64-bin word would wait on
        // its own previous mark. Small nodes mark each bin's classes as they count; larger
        // ones read them from the histogram afterwards.
        if node.len() < TRACK_BELOW {
            for &(row, class, w) in node.iter() {
                let bin = column[row] as usize;
                hist[bin * k + class as usize] += w;
                classes[bin] |= 1 << (class & 15);
            }
        } else {
            for &(row, class, w) in node.iter() {
                hist[column[row] as usize * k + class as usize] += w;
            }
            crate::simd::class_masks(hist, k, classes);
        }
        for (word, mask) in occupied[..4].iter_mut().enumerate() {
            *mask = crate::simd::nonzero_mask(&classes[word * 64..(word + 1) * 64]);
        }
        let timer = profile::lap(Phase::Fill, rows, timer);
        let result = self.sweep_body(0, feature, counts, n, scratch);
        profile::lap(Phase::Sweep, rows, timer);
        result
    }

    /// Sweeps feature `j` of the filled block, clearing what it used.
    #[inline(never)]
    fn sweep(
        &self,
        j: usize,
        feature: usize,
        counts: &[u32],
        n: u32,
        scratch: &mut Scratch,
    ) -> (bool, Option<Candidate>) {
        self.sweep_body(j, feature, counts, n, scratch)
    }

    #[inline(always)]
    fn sweep_body(
        &self,
        j: usize,
        feature: usize,
        counts: &[u32],
        n: u32,
        scratch: &mut Scratch,
    ) -> (bool, Option<Candidate>) {
        // With missing rows in the node, first the pass that sends them left (it reads
        // the block without clearing it).
        if let Some(bin) = self.binned.missing[feature]
            && scratch.classes[j * 256 + usize::from(bin)] != 0
        {
            let missing_left = self.sweep_missing_left(j, usize::from(bin), counts, n, scratch);
            let (occupied, best) = self.sweep_clearing(j, counts, n, scratch);
            return (occupied <= 1, self.candidate(n, feature, best, missing_left, true));
        }
        let (occupied, best) = self.sweep_clearing(j, counts, n, scratch);
        (occupied <= 1, best.map(|best| self.candidate_of(n, feature, best, false)))
    }

    /// The pass with every missing row on the right: returns the occupied bins and the
    /// best split.
    #[inline(always)]
    fn sweep_clearing(
        &self,
        j: usize,
        counts: &[u32],
        n: u32,
        scratch: &mut Scratch,
    ) -> (usize, Option<Best>) {
        if self.params.criterion == Criterion::Gini && n < GINI_EXACT_BELOW {
            return self.sweep_gini(j, counts, n, scratch);
        }
        let k = self.n_classes;
        scratch.left.iter_mut().for_each(|c| *c = 0);
        scratch.right.copy_from_slice(counts);
        let mut sweep = self.start_sweep(counts, n);
        let min_leaf = self.params.min_samples_leaf;
        // The best split so far: cost fraction and its two bins.
        let mut best: Option<Best> = None;
        let mut occupied = 0usize;
        let mut previous_bin = 0usize;
        let mut done = false;
        for word in 0..4 {
            let mut mask = std::mem::take(&mut scratch.occupied[j * 4 + word]);
            while mask != 0 {
                let bin = word * 64 + mask.trailing_zeros() as usize;
                mask &= mask - 1;
                let slot = j * 256 + bin;
                // The split between the previous occupied bin and this one.
                if !done && occupied > 0 && sweep.n_left >= min_leaf && sweep.n_right >= min_leaf {
                    let (num, den) = sweep.cost_fraction();
                    if improves(num, den, best) {
                        best = Some((num, den, previous_bin, bin));
                    }
                }
                occupied += 1;
                previous_bin = bin;
                // Move the bin to the left child and clear it in the same pass.
                for class in classes_present(scratch.classes[slot], k) {
                    let h = std::mem::take(&mut scratch.hist[slot * k + class]);
                    if h > 0 && !done {
                        sweep.shift(&mut scratch.left[class], &mut scratch.right[class], h);
                    }
                }
                scratch.classes[slot] = 0;
                done = done || sweep.n_right < min_leaf.max(1);
            }
        }
        (occupied, best)
    }

    /// [`Grower::sweep_clearing`] for the Gini criterion, its sums of squares kept in
    /// `f64`: every value is an integer below 2^53 (the node's weight is below 2^25), so
    /// each is exact and the split costs are bit for bit the same as from integers,
    /// without a conversion per candidate. Only the left child's counts are kept; a bin's
    /// change to the sums is summed in integers and added once.
    #[inline(always)]
    fn sweep_gini(&self, j: usize, counts: &[u32], n: u32, scratch: &mut Scratch) -> (usize, Option<Best>) {
        let k = self.n_classes;
        let Scratch { hist, classes, occupied, left, .. } = scratch;
        let left = &mut left[..k];
        let counts = &counts[..k];
        let hist = &mut hist[j * 256 * k..(j + 1) * 256 * k];
        let classes = &mut classes[j * 256..(j + 1) * 256];
        let occupied = &mut occupied[j * 4..j * 4 + 4];
        left.iter_mut().for_each(|c| *c = 0);
        let mut q_left = 0.0f64;
        let mut q_right: f64 = counts.iter().map(|&c| f64::from(c) * f64::from(c)).sum();
        let (mut n_left, mut n_right) = (0u32, n);
        let min_leaf = self.params.min_samples_leaf;
        // A candidate needs min_leaf <= n_left <= n - min_leaf (the node has 2 min_leaf).
        let span = n.saturating_sub(2 * min_leaf);
        let stop = min_leaf.max(1);
        // The best so far; an infinite cost stands for none (every finite one beats it).
        // Its bins are packed: left | right << 8 | FOUND.
        const FOUND: u32 = 1 << 16;
        let (mut b_num, mut b_den, mut b_bins) = (f64::INFINITY, 1.0f64, 0u32);
        let mut seen = 0usize;
        let mut previous_bin = 0u32;
        let mut word = 0;
        let mut mask = std::mem::take(&mut occupied[0]);
        'sweep: loop {
            while mask == 0 {
                word += 1;
                if word == 4 {
                    break 'sweep;
                }
                mask = std::mem::take(&mut occupied[word]);
            }
            let bin = (word * 64) as u32 + mask.trailing_zeros();
            mask &= mask - 1;
            if seen > 0 && n_left.wrapping_sub(min_leaf) <= span {
                let (l, r) = (f64::from(n_left), f64::from(n_right));
                // As `Sweep::cost_fraction`: n - (QL/nL + QR/nR) without the constant.
                let num = -(q_left * r + q_right * l);
                let den = l * r;
                // Selected rather than branched on: whether a bin improves is data.
                let better = num * b_den < b_num * den;
                b_num = if better { num } else { b_num };
                b_den = if better { den } else { b_den };
                b_bins = if better { previous_bin | bin << 8 | FOUND } else { b_bins };
            }
            seen += 1;
            previous_bin = bin;
            // The bin's change to both sums of squares, in integers, then added once:
            // (l + h)² - l² = h (2l + h) and r² - (r - h)² = h (2r - h). (As i64, whose
            // conversion to f64 is one instruction.)
            let (mut d_left, mut d_right, mut moved) = (0i64, 0i64, 0u32);
            let slot = bin as usize;
            let present = std::mem::take(&mut classes[slot]);
            let mut shift = |class: usize| {
                let h = std::mem::take(&mut hist[slot * k + class]);
                let l = left[class];
                let r = counts[class] - l;
                d_left += i64::from(h) * i64::from(2 * l + h);
                d_right += i64::from(h) * i64::from(2 * r - h);
                left[class] = l + h;
                moved += h;
            };
            if k <= 16 && present & present.wrapping_sub(1) == 0 {
                // Most bins hold one class: no loop.
                shift(present.trailing_zeros() as usize);
            } else {
                for class in classes_present(present, k) {
                    shift(class);
                }
            }
            q_left += d_left as f64;
            q_right -= d_right as f64;
            n_left += moved;
            n_right -= moved;
            if n_right < stop {
                break;
            }
        }
        // What the sweep did not reach (it stopped once the right child grew too small)
        // is only cleared.
        loop {
            while mask != 0 {
                let slot = word * 64 + mask.trailing_zeros() as usize;
                mask &= mask - 1;
                seen += 1;
                for class in classes_present(std::mem::take(&mut classes[slot]), k) {
                    hist[slot * k + class] = 0;
                }
            }
            word += 1;
            if word >= 4 {
                break;
            }
            mask = std::mem::take(&mut occupied[word]);
        }
        let best = (b_bins & FOUND != 0).then_some((
            b_num,
            b_den,
            (b_bins & 0xff) as usize,
            (b_bins >> 8 & 0xff) as usize,
        ));
        (seen, best)
    }

    /// The pass of [`Grower::sweep`] with the missing bin (`missing`, the feature's last)
    /// on the left from the start, over the other occupied bins; leaves the block as it is.
    /// Kept out of line so the common pass keeps its registers.
    #[cold]
    #[inline(never)]
    fn sweep_missing_left(
        &self,
        j: usize,
        missing: usize,
        counts: &[u32],
        n: u32,
        scratch: &mut Scratch,
    ) -> Option<Best> {
        let k = self.n_classes;
        let Scratch { hist, occupied, classes, left, right, .. } = scratch;
        left.iter_mut().for_each(|c| *c = 0);
        right.copy_from_slice(counts);
        let mut sweep = self.start_sweep(counts, n);
        let shift_bin = |sweep: &mut Sweep<'_>, left: &mut [u32], right: &mut [u32], slot: usize| {
            for class in classes_present(classes[slot], k) {
                let h = hist[slot * k + class];
                if h > 0 {
                    sweep.shift(&mut left[class], &mut right[class], h);
                }
            }
        };
        shift_bin(&mut sweep, left, right, j * 256 + missing);
        let min_leaf = self.params.min_samples_leaf;
        let mut best: Option<Best> = None;
        // Splits that move only the missing rows left equal the other pass's last one.
        let mut moved = 0usize;
        let mut previous_bin = 0usize;
        for word in 0..4 {
            let mut mask = occupied[j * 4 + word];
            if word == missing / 64 {
                mask &= !(1u64 << (missing % 64));
            }
            while mask != 0 {
                let bin = word * 64 + mask.trailing_zeros() as usize;
                mask &= mask - 1;
                if moved > 0 && sweep.n_left >= min_leaf && sweep.n_right >= min_leaf {
                    let (num, den) = sweep.cost_fraction();
                    if improves(num, den, best) {
                        best = Some((num, den, previous_bin, bin));
                    }
                }
                moved += 1;
                previous_bin = bin;
                shift_bin(&mut sweep, left, right, j * 256 + bin);
                if sweep.n_right < min_leaf.max(1) {
                    return best;
                }
            }
        }
        best
    }
}

#[inline]
fn is_set(bits: &[u64], index: usize) -> bool {
    bits[index / 64] & (1 << (index % 64)) != 0
}

#[inline]
fn set(bits: &mut [u64], index: usize) {
    bits[index / 64] |= 1 << (index % 64);
}

/// The classes that may be present in a bin: the set bits of its class mask when there
/// are at most 16 classes, else every class (callers skip zero counts).
#[inline]
fn classes_present(bits: u16, n_classes: usize) -> ClassBits {
    if n_classes <= 16 { ClassBits::Mask(u32::from(bits)) } else { ClassBits::All(0, n_classes) }
}

#[derive(Clone)]
enum ClassBits {
    Mask(u32),
    All(usize, usize),
}

impl Iterator for ClassBits {
    type Item = usize;

    #[inline]
    fn next(&mut self) -> Option<usize> {
        match self {
            ClassBits::Mask(0) => None,
            ClassBits::Mask(bits) => {
                let class = bits.trailing_zeros() as usize;
                *bits &= *bits - 1;
                Some(class)
            }
            ClassBits::All(next, end) => (*next < *end).then(|| {
                *next += 1;
                *next - 1
            }),
        }
    }
}

#[inline(always)]
fn prefetch(byte: &u8) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch is a hint; it never faults and has no visible effect.
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>((byte as *const u8).cast());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = byte;
}

/// Moves the items satisfying `goes_left` to the front, keeping the order on both
/// sides (so every node's rows stay sorted and its column reads run forward through
/// memory); returns how many went left.
fn stable_partition(
    items: &mut [u32],
    buffer: &mut Vec<u32>,
    mut goes_left: impl FnMut(u32) -> bool,
) -> usize {
    buffer.clear();
    let mut left = 0;
    for i in 0..items.len() {
        let item = items[i];
        if goes_left(item) {
            items[left] = item;
            left += 1;
        } else {
            buffer.push(item);
        }
    }
    items[left..].copy_from_slice(buffer);
    left
}
