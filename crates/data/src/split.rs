//! Seeded, stratified splits: k folds, a holdout share, a subsample. Every class keeps its
//! share in each part, and the same seed gives the same parts on every machine.

use crate::rng::Rng;

fn indices_by_class(y: &[u32], n_classes: usize, rng: &mut Rng) -> Vec<Vec<usize>> {
    let mut by_class = vec![Vec::new(); n_classes];
    for (i, &class) in y.iter().enumerate() {
        by_class[class as usize].push(i);
    }
    for indices in &mut by_class {
        rng.shuffle(indices);
    }
    by_class
}

/// The fold (`0..k`) of every row, stratified by class.
pub fn stratified_folds(y: &[u32], n_classes: usize, k: u32, seed: u64) -> Vec<u32> {
    let mut rng = Rng::new(seed);
    let mut fold_of = vec![0u32; y.len()];
    // Each class continues the round-robin where the previous one stopped, so the folds'
    // sizes differ by at most one row.
    let mut next = 0u32;
    for indices in indices_by_class(y, n_classes, &mut rng) {
        for i in indices {
            fold_of[i] = next;
            next = (next + 1) % k;
        }
    }
    fold_of
}

/// Train and test row indices for fold `fold` of `k`.
pub fn fold_split(fold_of: &[u32], fold: u32) -> (Vec<usize>, Vec<usize>) {
    let (test, train): (Vec<usize>, Vec<usize>) = (0..fold_of.len()).partition(|&i| fold_of[i] == fold);
    (train, test)
}

/// Train and test row indices with `test_share` of each class held out (at least one row
/// of a class with two or more rows).
pub fn stratified_holdout(
    y: &[u32],
    n_classes: usize,
    test_share: f64,
    seed: u64,
) -> (Vec<usize>, Vec<usize>) {
    let mut rng = Rng::new(seed);
    let mut train = Vec::new();
    let mut test = Vec::new();
    for indices in indices_by_class(y, n_classes, &mut rng) {
        let mut n_test = (indices.len() as f64 * test_share).round() as usize;
        if n_test == 0 && indices.len() >= 2 {
            n_test = 1;
        }
        test.extend_from_slice(&indices[..n_test]);
        train.extend_from_slice(&indices[n_test..]);
    }
    train.sort_unstable();
    test.sort_unstable();
    (train, test)
}

/// `n` row indices (sorted), each class keeping its share.
pub fn stratified_subsample(y: &[u32], n_classes: usize, n: usize, seed: u64) -> Vec<usize> {
    if n >= y.len() {
        return (0..y.len()).collect();
    }
    let (_, kept) = stratified_holdout(y, n_classes, n as f64 / y.len() as f64, seed);
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels() -> Vec<u32> {
        (0..100).map(|i| if i < 70 { 0 } else { 1 }).collect()
    }

    #[test]
    fn folds_partition_rows_and_keep_class_shares() {
        let y = labels();
        let folds = stratified_folds(&y, 2, 5, 1);
        for fold in 0..5 {
            let (train, test) = fold_split(&folds, fold);
            assert_eq!(train.len() + test.len(), 100);
            assert_eq!(test.len(), 20);
            assert_eq!(test.iter().filter(|&&i| y[i] == 1).count(), 6);
        }
        assert_eq!(folds, stratified_folds(&y, 2, 5, 1));
        assert_ne!(folds, stratified_folds(&y, 2, 5, 2));
    }

    #[test]
    fn holdout_and_subsample_are_stratified() {
        let y = labels();
        let (train, test) = stratified_holdout(&y, 2, 0.2, 3);
        assert_eq!((train.len(), test.len()), (80, 20));
        assert_eq!(test.iter().filter(|&&i| y[i] == 1).count(), 6);
        let kept = stratified_subsample(&y, 2, 10, 3);
        assert_eq!(kept.len(), 10);
        assert_eq!(kept.iter().filter(|&&i| y[i] == 1).count(), 3);
    }
}
