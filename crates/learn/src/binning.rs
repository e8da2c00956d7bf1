//! Pre-binned features: every feature mapped to at most 256 `u8` bins, stored row by row
//! (a row's bins are contiguous, so reading a handful of its features costs one or two
//! cache lines, and a node's histogram pass walks its rows in ascending order).
//!
//! A feature with at most 256 distinct values gets one bin per value, so histogram
//! splits are exactly the splits an exact (sorting) search would find; pixels and small
//! integer codes take a fast path that needs no sort. Other features get quantile bins.
//!
//! Missing values (NaN) get a bin of their own, the feature's last, so the split search
//! can try sending them either way (at most 255 bins are left for the feature's values).
//! A feature without missing values is binned exactly as if missing values did not exist.

use rayon::prelude::*;

/// Features binned for split finding.
#[derive(Debug, Clone)]
pub struct Binned {
    pub rows: usize,
    pub cols: usize,
    /// Row-major: `bins[row * cols + feature]`.
    pub bins: Vec<u8>,
    /// Column-major, `columns[feature * rows + row]`, when asked for: a node holding a
    /// large share of the rows reads a few features faster column by column.
    pub columns: Option<Vec<u8>>,
    /// Per feature: smallest and largest value that falls in each bin (NaN for the
    /// missing bin).
    pub lower: Vec<Vec<f32>>,
    pub upper: Vec<Vec<f32>>,
    /// Per feature: the bin holding its missing values (the last one), if it has any.
    pub missing: Vec<Option<u8>>,
}

pub const MAX_BINS: usize = 256;

impl Binned {
    /// Bins a row-major matrix (values finite or NaN for missing).
    pub fn new(x: &[f32], rows: usize, cols: usize) -> Self {
        Self::build(x, rows, cols, false)
    }

    /// Bins a row-major matrix and keeps the column-major copy too.
    pub fn with_columns(x: &[f32], rows: usize, cols: usize) -> Self {
        Self::build(x, rows, cols, true)
    }

    fn build(x: &[f32], rows: usize, cols: usize, keep_columns: bool) -> Self {
        // One pass over the rows in order finds the features whose values are all integers
        // in 0..=255 (pixels, counts, codes) and which of those values occur.
        // Without branches or read-modify-writes per value: a value's byte is marked seen
        // (a plain store; a value that is not a small integer marks something, but then its
        // feature is not small and the marks are not used).
        let (small, seen) = x
            .par_chunks(cols.max(1) * 1024)
            .fold(
                || (vec![true; cols], vec![[false; 256]; cols]),
                |(mut small, mut seen), block| {
                    for row in block.chunks_exact(cols) {
                        for ((&v, small), seen) in row.iter().zip(small.iter_mut()).zip(seen.iter_mut()) {
                            let byte = v as u8;
                            *small &= (0.0..=255.0).contains(&v) & (f32::from(byte) == v);
                            seen[usize::from(byte)] = true;
                        }
                    }
                    (small, seen)
                },
            )
            .reduce(
                || (vec![true; cols], vec![[false; 256]; cols]),
                |(mut small, mut seen), (other_small, other_seen)| {
                    for f in 0..cols {
                        small[f] &= other_small[f];
                        for (a, b) in seen[f].iter_mut().zip(&other_seen[f]) {
                            *a |= *b;
                        }
                    }
                    (small, seen)
                },
            );
        // Small-integer features: bin = rank of the value among those present.
        let mut rank = vec![[0u8; 256]; cols];
        let mut lower = vec![Vec::new(); cols];
        let mut upper = vec![Vec::new(); cols];
        for f in (0..cols).filter(|&f| small[f]) {
            for v in 0..256 {
                if seen[f][v] {
                    rank[f][v] = lower[f].len() as u8;
                    lower[f].push(v as f32);
                }
            }
            upper[f] = lower[f].clone();
        }
        // Other features: sorted values, exact or quantile bins, one feature at a time.
        let general: Vec<(usize, FeatureBins)> = (0..cols)
            .into_par_iter()
            .filter(|&f| !small[f])
            .map(|f| (f, bin_feature(x, rows, cols, f)))
            .collect();
        let mut general_column: Vec<Option<Vec<u8>>> = vec![None; cols];
        let mut missing = vec![None; cols];
        for (f, bins) in general {
            lower[f] = bins.lower;
            upper[f] = bins.upper;
            missing[f] = bins.missing;
            general_column[f] = Some(bins.column);
        }
        let general: Vec<(usize, Vec<u8>)> =
            general_column.into_iter().enumerate().filter_map(|(f, c)| c.map(|c| (f, c))).collect();
        let mut bins = vec![0u8; rows * cols];
        bins.par_chunks_mut(cols.max(1) * 1024).enumerate().for_each(|(block, chunk)| {
            for (offset, row_bins) in chunk.chunks_exact_mut(cols).enumerate() {
                let r = block * 1024 + offset;
                let row = &x[r * cols..(r + 1) * cols];
                // Every feature through its rank table (meaningless for the others, which
                // are written next from their own bins).
                for ((bin, &v), rank) in row_bins.iter_mut().zip(row).zip(&rank) {
                    *bin = rank[usize::from(v as u8)];
                }
                for (f, column) in &general {
                    row_bins[*f] = column[r];
                }
            }
        });
        let columns = keep_columns.then(|| transpose(&bins, rows, cols));
        Binned { rows, cols, bins, columns, lower, upper, missing }
    }

    /// The bins of one row.
    #[inline]
    pub fn row(&self, row: usize) -> &[u8] {
        &self.bins[row * self.cols..(row + 1) * self.cols]
    }

    /// The bins of one feature, in row order.
    pub fn column(&self, feature: usize) -> Vec<u8> {
        (0..self.rows).map(|r| self.bins[r * self.cols + feature]).collect()
    }

    pub fn n_bins(&self, feature: usize) -> usize {
        self.upper[feature].len()
    }

    /// The threshold between the last bin sent left and the next occupied bin: the
    /// midpoint of the two values, as an exact split search would place it. Infinity
    /// when the next bin is the missing bin: every value goes left, missing values right.
    pub fn threshold(&self, feature: usize, left_bin: usize, right_bin: usize) -> f32 {
        if self.missing[feature] == Some(right_bin as u8) {
            return f32::INFINITY;
        }
        let left = self.upper[feature][left_bin];
        let right = self.lower[feature][right_bin];
        let mid = ((f64::from(left) + f64::from(right)) / 2.0) as f32;
        // Adjacent floats can round the midpoint up to `right`; keep `x <= t` sending
        // the left value left and the right value right.
        if mid >= right { left } else { mid }
    }
}

/// Column-major copy of a row-major matrix: blocks of columns in parallel, each by the
/// vector transposes of [`crate::simd`].
fn transpose(bins: &[u8], rows: usize, cols: usize) -> Vec<u8> {
    const BLOCK: usize = 64;
    let all: Vec<u32> = (0..rows as u32).collect();
    // 16 bytes of slack for the kernels' last group.
    let mut columns = vec![0u8; rows * cols + 16];
    columns[..rows * cols].par_chunks_mut(rows.max(1) * BLOCK).enumerate().for_each(|(block, out)| {
        let first = block * BLOCK;
        let last = (first + BLOCK).min(cols);
        crate::simd::transpose_columns(bins, cols, &all, first, last, out);
    });
    columns.truncate(rows * cols);
    columns
}

/// One feature's bins by row, the smallest and largest value of each bin, and the bin of
/// its missing values (the last) when it has any.
struct FeatureBins {
    column: Vec<u8>,
    lower: Vec<f32>,
    upper: Vec<f32>,
    missing: Option<u8>,
}

fn bin_feature(x: &[f32], rows: usize, cols: usize, feature: usize) -> FeatureBins {
    let value = |row: usize| x[row * cols + feature];
    let has_missing = (0..rows).any(|r| value(r).is_nan());
    // The missing bin takes the last of the 256.
    let max_bins = if has_missing { MAX_BINS - 1 } else { MAX_BINS };
    let with_missing = |column: Vec<u8>, mut lower: Vec<f32>, mut upper: Vec<f32>| {
        let missing = has_missing.then(|| {
            lower.push(f32::NAN);
            upper.push(f32::NAN);
            (lower.len() - 1) as u8
        });
        let column = match missing {
            Some(bin) => {
                column.into_iter().enumerate().map(|(r, b)| if value(r).is_nan() { bin } else { b }).collect()
            }
            None => column,
        };
        FeatureBins { column, lower, upper, missing }
    };
    // Fast path: integers in 0..=255 (pixels, counts, codes).
    let mut present = [false; 256];
    let small_integers = (0..rows).all(|r| {
        let v = value(r);
        if v.is_nan() {
            return true;
        }
        let ok = (0.0..=255.0).contains(&v) && v.fract() == 0.0;
        if ok {
            present[v as usize] = true;
        }
        ok
    });
    if small_integers && present.iter().filter(|&&p| p).count() <= max_bins {
        let mut rank = [0u8; 256];
        let mut values = Vec::new();
        for (v, &is_present) in present.iter().enumerate() {
            if is_present {
                rank[v] = values.len() as u8;
                values.push(v as f32);
            }
        }
        // A missing value's placeholder here is replaced by the missing bin.
        let column = (0..rows).map(|r| if value(r).is_nan() { 0 } else { rank[value(r) as usize] }).collect();
        return with_missing(column, values.clone(), values);
    }
    let mut sorted: Vec<f32> = (0..rows).map(value).filter(|v| !v.is_nan()).collect();
    sorted.sort_unstable_by(f32::total_cmp);
    let mut distinct = sorted.clone();
    distinct.dedup();
    if distinct.len() <= max_bins {
        let column = (0..rows).map(|r| distinct.partition_point(|&d| d < value(r)) as u8).collect();
        return with_missing(column, distinct.clone(), distinct);
    }
    // Quantile bins: cut points at equal shares of the (non-missing) rows, never
    // splitting a value.
    let present_rows = sorted.len();
    let mut cuts: Vec<f32> = Vec::with_capacity(max_bins - 1);
    for q in 1..max_bins {
        let cut = sorted[q * present_rows / max_bins];
        if cuts.last().is_none_or(|&last| cut > last) && cut > sorted[0] {
            cuts.push(cut);
        }
    }
    // Bin b holds values v with cuts[b-1] <= v < cuts[b].
    let bin_of = |v: f32| cuts.partition_point(|&c| c <= v);
    let n_bins = cuts.len() + 1;
    let mut lower = vec![f32::INFINITY; n_bins];
    let mut upper = vec![f32::NEG_INFINITY; n_bins];
    let column: Vec<u8> = (0..rows)
        .map(|r| {
            let v = value(r);
            if v.is_nan() {
                return 0;
            }
            let b = bin_of(v);
            lower[b] = lower[b].min(v);
            upper[b] = upper[b].max(v);
            b as u8
        })
        .collect();
    with_missing(column, lower, upper)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_integers_get_one_bin_per_value() {
        let x = [0.0, 7.0, 255.0, 7.0];
        let binned = Binned::new(&x, 4, 1);
        assert_eq!(binned.column(0), &[0, 1, 2, 1]);
        assert_eq!(binned.threshold(0, 1, 2), 131.0);
    }

    #[test]
    fn floats_with_few_values_are_exact_and_many_values_are_quantiles() {
        let x = [0.5, -1.25, 0.5, 3.0];
        let binned = Binned::new(&x, 4, 1);
        assert_eq!(binned.column(0), &[1, 0, 1, 2]);
        assert_eq!(binned.threshold(0, 0, 1), -0.375);

        let many: Vec<f32> = (0..10_000).map(|i| i as f32 * 0.5).collect();
        let binned = Binned::new(&many, 10_000, 1);
        assert_eq!(binned.n_bins(0), 256);
        let column = binned.column(0);
        assert!(column.windows(2).all(|w| w[0] <= w[1]), "bins follow the order of values");
        for b in 0..255 {
            assert!(binned.upper[0][b] < binned.lower[0][b + 1]);
        }
    }

    #[test]
    fn missing_values_get_the_last_bin_of_their_feature() {
        let nan = f32::NAN;
        // Rows (3, 0.5, 1), (NaN, NaN, 1), (7, -2, 2): small integers, floats, and a
        // feature without missing values.
        let x = [3.0, 0.5, 1.0, nan, nan, 1.0, 7.0, -2.0, 2.0];
        let binned = Binned::new(&x, 3, 3);
        assert_eq!(binned.column(0), &[0, 2, 1]);
        assert_eq!(binned.column(1), &[1, 2, 0]);
        assert_eq!(binned.column(2), &[0, 0, 1]);
        assert_eq!(binned.missing, [Some(2), Some(2), None]);
        assert_eq!(binned.n_bins(0), 3);
        assert_eq!(binned.threshold(0, 0, 1), 5.0);
        assert_eq!(binned.threshold(0, 1, 2), f32::INFINITY, "values left, missing right");

        // Every byte value and a missing one: 255 quantile bins and the missing bin.
        let mut many: Vec<f32> = (0..2560).map(|i| (i % 256) as f32).collect();
        many.push(nan);
        let binned = Binned::new(&many, many.len(), 1);
        assert_eq!(binned.n_bins(0), 256);
        assert_eq!(binned.missing[0], Some(255));
        assert_eq!(binned.column(0)[2560], 255);
        assert!(binned.column(0)[..2560].iter().all(|&b| b < 255));
    }
}
