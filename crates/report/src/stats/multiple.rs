//! Many claims, one error rate: Holm's step-down procedure (Holm 1979) controls the chance
//! of any false rejection among `m` tests at `alpha`, uniformly more powerful than
//! Bonferroni, with no assumption about how the tests depend on each other.

/// Holm-adjusted p-values, in the input order: the `i`-th smallest `p` is multiplied by
/// `m - i`, made monotone, and capped at 1. A test is rejected at `alpha` when its
/// adjusted p-value is at most `alpha`.
pub fn holm(p: &[f64]) -> Vec<f64> {
    let m = p.len();
    let mut order: Vec<usize> = (0..m).collect();
    order.sort_by(|&a, &b| p[a].total_cmp(&p[b]));
    let mut adjusted = vec![0.0; m];
    let mut running: f64 = 0.0;
    for (rank, &i) in order.iter().enumerate() {
        running = running.max(((m - rank) as f64 * p[i]).min(1.0));
        adjusted[i] = running;
    }
    adjusted
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holm_by_hand() {
        // Sorted 0.01, 0.02, 0.04 -> 0.03, 0.04, 0.04 (monotone).
        assert_eq!(holm(&[0.04, 0.01, 0.02]), vec![0.04, 0.03, 0.04]);
        assert_eq!(holm(&[0.5]), vec![0.5]);
        assert_eq!(holm(&[0.6, 0.7]), vec![1.0, 1.0]);
        assert!(holm(&[]).is_empty());
    }
}
