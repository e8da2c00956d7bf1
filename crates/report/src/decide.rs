//! The lecture's method as code: drop candidates that violate a constraint, find the
//! Pareto frontier of the rest, and pick from it by stated priorities, showing how
//! sensitive the pick is to the weights.
//!
//! Figures are the summary's statistics with their 95% confidence intervals. In the
//! noise-aware mode (the default) one candidate is better than another on a metric only
//! when their intervals do not overlap, so noise cannot make a candidate look dominated.

use spec::model::{ConstraintSection, PriorityMethod};
use spec::{Direction, Experiment};

use crate::SummaryRow;

/// A figure of one candidate on one metric.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Figure {
    pub value: f64,
    pub low: f64,
    pub high: f64,
}

impl Figure {
    pub fn of(row: &SummaryRow) -> Figure {
        Figure { value: row.value, low: row.ci_low, high: row.ci_high }
    }
}

/// The figures of an experiment, by candidate and metric.
pub trait Figures {
    fn figure(&self, candidate: &str, metric: &str) -> Option<Figure>;
}

impl Figures for [SummaryRow] {
    fn figure(&self, candidate: &str, metric: &str) -> Option<Figure> {
        self.iter().find(|r| r.candidate == candidate && r.metric == metric).map(Figure::of)
    }
}

/// One constraint a candidate fails.
#[derive(Debug, Clone, PartialEq)]
pub struct Violation {
    pub candidate: String,
    pub metric: String,
    /// The bound in words: "min 0.8", "at most 2 x forest (0.013 s)".
    pub bound: String,
    pub value: Option<f64>,
    /// How far past the bound, in the metric's unit (absolute) and relative to the bound.
    pub by: Option<f64>,
    pub relative: Option<f64>,
}

/// Checks every constraint for every candidate. A candidate with no figure for a
/// constrained metric violates it (nothing shows that it meets it).
pub fn violations<F: Figures + ?Sized>(
    candidates: &[String],
    constraints: &[ConstraintSection],
    figures: &F,
) -> Vec<Violation> {
    let mut out = Vec::new();
    for candidate in candidates {
        for constraint in constraints {
            let metric = &constraint.metric;
            let value = figures.figure(candidate, metric).map(|f| f.value);
            let mut bounds: Vec<(String, f64, bool)> = Vec::new(); // (words, bound, is_lower)
            if let Some(min) = constraint.min {
                bounds.push((format!("at least {}", crate::format::number(min)), min, true));
            }
            if let Some(max) = constraint.max {
                bounds.push((format!("at most {}", crate::format::number(max)), max, false));
            }
            if let Some(baseline) = &constraint.baseline {
                let base = figures.figure(baseline, metric).map(|f| f.value);
                for (ratio, lower) in [(constraint.min_ratio, true), (constraint.max_ratio, false)] {
                    let Some(ratio) = ratio else { continue };
                    match base {
                        Some(base) => bounds.push((
                            format!(
                                "{} {} x {baseline} ({})",
                                if lower { "at least" } else { "at most" },
                                crate::format::number(ratio),
                                crate::format::number(base * ratio)
                            ),
                            base * ratio,
                            lower,
                        )),
                        None => out.push(Violation {
                            candidate: candidate.clone(),
                            metric: metric.clone(),
                            bound: format!("relative to `{baseline}`, which has no figure"),
                            value,
                            by: None,
                            relative: None,
                        }),
                    }
                }
            }
            for (words, bound, lower) in bounds {
                match value {
                    None => out.push(Violation {
                        candidate: candidate.clone(),
                        metric: metric.clone(),
                        bound: words,
                        value: None,
                        by: None,
                        relative: None,
                    }),
                    Some(v) if (lower && v < bound) || (!lower && v > bound) => out.push(Violation {
                        candidate: candidate.clone(),
                        metric: metric.clone(),
                        bound: words,
                        value: Some(v),
                        by: Some((v - bound).abs()),
                        relative: (bound != 0.0).then(|| (v - bound).abs() / bound.abs()),
                    }),
                    Some(_) => {}
                }
            }
        }
    }
    out
}

/// Whether `a` is better than `b` on a metric: by value, or only when their intervals
/// do not overlap in the noise-aware mode.
pub fn better(a: Figure, b: Figure, direction: Direction, noise_aware: bool) -> bool {
    match (direction, noise_aware) {
        (Direction::Max, false) => a.value > b.value,
        (Direction::Min, false) => a.value < b.value,
        (Direction::Max, true) => a.low > b.high,
        (Direction::Min, true) => a.high < b.low,
    }
}

/// Whether `a` dominates `b`: never worse, better at least once.
pub fn dominates<F: Figures + ?Sized>(
    a: &str,
    b: &str,
    objectives: &[(String, Direction)],
    figures: &F,
    noise_aware: bool,
) -> bool {
    let mut strictly = false;
    for (metric, direction) in objectives {
        let (Some(fa), Some(fb)) = (figures.figure(a, metric), figures.figure(b, metric)) else {
            return false;
        };
        if better(fb, fa, *direction, noise_aware) {
            return false;
        }
        if better(fa, fb, *direction, noise_aware) {
            strictly = true;
        }
    }
    strictly
}

/// The frontier, and each dominated candidate with one that dominates it (preferably
/// one on the frontier).
#[derive(Debug, Clone, PartialEq)]
pub struct Frontier {
    pub members: Vec<String>,
    pub dominated: Vec<(String, String)>,
}

pub fn frontier<F: Figures + ?Sized>(
    candidates: &[String],
    objectives: &[(String, Direction)],
    figures: &F,
    noise_aware: bool,
) -> Frontier {
    let mut members = Vec::new();
    let mut dominated = Vec::new();
    for b in candidates {
        let dominators: Vec<&String> = candidates
            .iter()
            .filter(|a| *a != b && dominates(a, b, objectives, figures, noise_aware))
            .collect();
        if dominators.is_empty() {
            members.push(b.clone());
        } else {
            // Prefer a dominator that nothing dominates.
            let on_frontier = dominators.iter().find(|a| {
                !candidates.iter().any(|c| c != **a && dominates(c, a, objectives, figures, noise_aware))
            });
            dominated.push((b.clone(), on_frontier.unwrap_or(&dominators[0]).to_string()));
        }
    }
    Frontier { members, dominated }
}

/// A candidate's utility and the part of it each metric contributes.
pub type Score = (String, f64, Vec<(String, f64)>);

/// The pick under the priorities.
#[derive(Debug, Clone, PartialEq)]
pub struct Pick {
    pub method: PriorityMethod,
    pub candidate: String,
    /// Each candidate's utility and its per-metric parts (weighted method), best first.
    pub scores: Vec<Score>,
    /// The smallest weight change that changes the pick, in words.
    pub sensitivity: Option<String>,
    /// For the lexicographic method: the metric that decided.
    pub decided_by: Option<String>,
}

/// Normalised score of each candidate on a metric: 1 for the best, 0 for the worst,
/// direction-aware; 1 for everyone when all are equal.
fn normalised<F: Figures + ?Sized>(
    candidates: &[String],
    metric: &str,
    direction: Direction,
    figures: &F,
) -> Vec<f64> {
    let values: Vec<Option<f64>> =
        candidates.iter().map(|c| figures.figure(c, metric).map(|f| f.value)).collect();
    let present: Vec<f64> = values.iter().flatten().copied().collect();
    let (lo, hi) =
        present.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| (lo.min(v), hi.max(v)));
    values
        .iter()
        .map(|v| match v {
            None => 0.0,
            Some(_) if hi <= lo => 1.0,
            Some(v) => match direction {
                Direction::Max => (v - lo) / (hi - lo),
                Direction::Min => (hi - v) / (hi - lo),
            },
        })
        .collect()
}

/// Weighted utility over metrics normalised across `candidates`.
pub fn weighted<F: Figures + ?Sized>(
    candidates: &[String],
    weights: &[(String, f64, Direction)],
    figures: &F,
) -> Option<Pick> {
    if candidates.is_empty() {
        return None;
    }
    let total: f64 = weights.iter().map(|(_, w, _)| w).sum();
    let columns: Vec<Vec<f64>> =
        weights.iter().map(|(m, _, d)| normalised(candidates, m, *d, figures)).collect();
    let utility = |c: usize, w: &[f64]| -> f64 {
        let sum: f64 = w.iter().sum();
        if sum <= 0.0 { 0.0 } else { columns.iter().zip(w).map(|(col, wi)| wi * col[c]).sum::<f64>() / sum }
    };
    let base: Vec<f64> = weights.iter().map(|(_, w, _)| *w).collect();
    let mut scores: Vec<Score> = candidates
        .iter()
        .enumerate()
        .map(|(c, name)| {
            let parts = weights
                .iter()
                .zip(&columns)
                .map(|((m, w, _), col)| (m.clone(), w / total * col[c]))
                .collect();
            (name.clone(), utility(c, &base), parts)
        })
        .collect();
    // Best first; ties keep the experiment's order.
    let mut order: Vec<usize> = (0..candidates.len()).collect();
    order.sort_by(|&a, &b| scores[b].1.total_cmp(&scores[a].1).then(a.cmp(&b)));
    let pick = order[0];
    // Sensitivity: for each weight and rival, the change of that weight alone at which
    // the rival's utility reaches the pick's (utility is linear in each weight's numerator).
    let mut best: Option<(f64, String)> = None;
    for (m, (metric, w, _)) in weights.iter().enumerate() {
        for rival in (0..candidates.len()).filter(|&r| r != pick) {
            let gap: f64 = columns.iter().zip(&base).map(|(col, wi)| wi * (col[pick] - col[rival])).sum();
            let slope = columns[m][pick] - columns[m][rival];
            if slope == 0.0 {
                continue;
            }
            let delta = -gap / slope;
            if w + delta < 0.0 || delta == 0.0 && gap > 0.0 {
                continue;
            }
            if best.as_ref().is_none_or(|(d, _)| delta.abs() < d.abs()) {
                best = Some((
                    delta,
                    format!(
                        "{} the weight of `{metric}` from {} to {} makes `{}` tie with `{}`",
                        if delta > 0.0 { "raising" } else { "lowering" },
                        crate::format::number(*w),
                        crate::format::number(w + delta),
                        candidates[rival],
                        candidates[pick]
                    ),
                ));
            }
        }
    }
    let ordered: Vec<_> = order.iter().map(|&i| scores[i].clone()).collect();
    scores = ordered;
    Some(Pick {
        method: PriorityMethod::Weighted,
        candidate: candidates[pick].clone(),
        scores,
        sensitivity: Some(
            best.map(|(_, words)| words)
                .unwrap_or_else(|| "no change of a single weight changes the pick".into()),
        ),
        decided_by: None,
    })
}

/// Lexicographic choice: the best on the first metric, ties (within `tolerance`,
/// relative) broken by the next.
pub fn lexicographic<F: Figures + ?Sized>(
    candidates: &[String],
    order: &[(String, Direction)],
    tolerance: f64,
    figures: &F,
) -> Option<Pick> {
    let mut remaining: Vec<String> = candidates.to_vec();
    let mut decided_by = None;
    for (metric, direction) in order {
        if remaining.len() <= 1 {
            break;
        }
        let values: Vec<(String, f64)> = remaining
            .iter()
            .filter_map(|c| figures.figure(c, metric).map(|f| (c.clone(), f.value)))
            .collect();
        let Some(best) = values.iter().map(|(_, v)| *v).reduce(|a, b| match direction {
            Direction::Max => a.max(b),
            Direction::Min => a.min(b),
        }) else {
            continue;
        };
        let kept: Vec<String> = values
            .iter()
            .filter(|(_, v)| (v - best).abs() <= tolerance * best.abs().max(f64::MIN_POSITIVE))
            .map(|(c, _)| c.clone())
            .collect();
        if kept.len() < remaining.len() {
            decided_by = Some(metric.clone());
        }
        remaining = kept;
    }
    let candidate = remaining.first()?.clone();
    Some(Pick {
        method: PriorityMethod::Lexicographic,
        candidate,
        scores: Vec::new(),
        sensitivity: None,
        decided_by,
    })
}

/// The objectives of an experiment: the metrics its priorities name, or every metric.
pub fn objectives(experiment: &Experiment) -> Vec<(String, Direction)> {
    let named: Vec<String> = match &experiment.file.priorities {
        Some(p) if p.method == Some(PriorityMethod::Lexicographic) => p.order.clone(),
        Some(p) => p.weights.iter().filter(|(_, w)| **w > 0.0).map(|(m, _)| m.clone()).collect(),
        None => Vec::new(),
    };
    experiment
        .metrics
        .iter()
        .filter(|m| named.is_empty() || named.iter().any(|n| n == m.name()))
        .map(|m| (m.name().to_string(), m.info.direction))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    struct Table(HashMap<(String, String), Figure>);

    impl Figures for Table {
        fn figure(&self, candidate: &str, metric: &str) -> Option<Figure> {
            self.0.get(&(candidate.to_string(), metric.to_string())).copied()
        }
    }

    fn table(rows: &[(&str, &str, f64, f64, f64)]) -> Table {
        Table(
            rows.iter()
                .map(|(c, m, v, lo, hi)| {
                    ((c.to_string(), m.to_string()), Figure { value: *v, low: *lo, high: *hi })
                })
                .collect(),
        )
    }

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    /// accuracy (max) and train_time (min):
    /// tree 0.80 / 1 s, forest 0.87 / 6 s, slow 0.79 / 9 s (dominated by both),
    /// twin 0.87 / 6 s (ties forest).
    fn lecture() -> Table {
        table(&[
            ("tree", "accuracy", 0.80, 0.79, 0.81),
            ("tree", "train_time", 1.0, 0.9, 1.1),
            ("forest", "accuracy", 0.87, 0.86, 0.88),
            ("forest", "train_time", 6.0, 5.5, 6.5),
            ("slow", "accuracy", 0.79, 0.78, 0.80),
            ("slow", "train_time", 9.0, 8.0, 10.0),
            ("twin", "accuracy", 0.87, 0.86, 0.88),
            ("twin", "train_time", 6.0, 5.9, 6.1),
        ])
    }

    fn objectives() -> Vec<(String, Direction)> {
        vec![("accuracy".into(), Direction::Max), ("train_time".into(), Direction::Min)]
    }

    #[test]
    fn the_frontier_keeps_ties_and_names_a_dominator() {
        let f = frontier(&names(&["tree", "forest", "slow", "twin"]), &objectives(), &lecture(), false);
        assert_eq!(f.members, names(&["tree", "forest", "twin"]));
        // slow is dominated by tree (better on both), which is on the frontier.
        assert_eq!(f.dominated, vec![("slow".to_string(), "tree".to_string())]);
    }

    #[test]
    fn noise_aware_mode_treats_overlapping_intervals_as_ties() {
        // b is worse by value on accuracy but its interval overlaps a's, and equal on time.
        let figures = table(&[
            ("a", "accuracy", 0.85, 0.84, 0.86),
            ("a", "train_time", 2.0, 1.9, 2.1),
            ("b", "accuracy", 0.845, 0.835, 0.855),
            ("b", "train_time", 2.0, 1.9, 2.1),
        ]);
        let candidates = names(&["a", "b"]);
        assert_eq!(frontier(&candidates, &objectives(), &figures, false).members, names(&["a"]));
        assert_eq!(frontier(&candidates, &objectives(), &figures, true).members, names(&["a", "b"]));
        // slow is still dominated when intervals are apart: tree 0.79..0.81 vs 0.78..0.80 overlap
        // on accuracy, so only a clear win on time would not suffice without accuracy.
        let f = frontier(&names(&["tree", "slow"]), &objectives(), &lecture(), true);
        assert_eq!(f.members, names(&["tree"]), "time 0.9..1.1 vs 8..10 is clear, accuracy is a tie");
    }

    #[test]
    fn constraints_name_the_metric_and_the_margin() {
        let constraints = vec![
            ConstraintSection {
                metric: "accuracy".into(),
                min: Some(0.8),
                max: None,
                baseline: None,
                min_ratio: None,
                max_ratio: None,
            },
            ConstraintSection {
                metric: "train_time".into(),
                min: None,
                max: None,
                baseline: Some("tree".into()),
                min_ratio: None,
                max_ratio: Some(5.0),
            },
        ];
        let found = violations(&names(&["tree", "forest", "slow"]), &constraints, &lecture());
        let described: Vec<(String, String, String)> = found
            .iter()
            .map(|v| (v.candidate.clone(), v.metric.clone(), crate::format::number(v.by.unwrap())))
            .collect();
        assert_eq!(
            described,
            vec![
                ("forest".into(), "train_time".into(), "1".into()),
                ("slow".into(), "accuracy".into(), "0.01".into()),
                ("slow".into(), "train_time".into(), "4".into()),
            ]
        );
        assert_eq!(found[0].bound, "at most 5 x tree (5)");
    }

    /// Weights accuracy 0.5, train_time 0.5 over tree and forest:
    /// normalised accuracy tree 0, forest 1; train_time tree 1, forest 0.
    /// Utilities tie at 0.5; with accuracy 0.6 / time 0.4: forest 0.6, tree 0.4 -> forest,
    /// and lowering accuracy's weight from 0.6 to 0.4 makes tree tie.
    #[test]
    fn weighted_utility_with_breakdown_and_sensitivity() {
        let weights = vec![
            ("accuracy".to_string(), 0.6, Direction::Max),
            ("train_time".to_string(), 0.4, Direction::Min),
        ];
        let pick = weighted(&names(&["tree", "forest"]), &weights, &lecture()).unwrap();
        assert_eq!(pick.candidate, "forest");
        assert!((pick.scores[0].1 - 0.6).abs() < 1e-12 && (pick.scores[1].1 - 0.4).abs() < 1e-12);
        assert_eq!(pick.scores[0].2, vec![("accuracy".to_string(), 0.6), ("train_time".to_string(), 0.0)]);
        assert_eq!(
            pick.sensitivity.as_deref(),
            Some("lowering the weight of `accuracy` from 0.6 to 0.4 makes `tree` tie with `forest`")
        );
    }

    #[test]
    fn lexicographic_breaks_ties_within_tolerance_by_the_next_metric() {
        let order = objectives();
        let pick = lexicographic(&names(&["tree", "forest", "twin"]), &order, 0.01, &lecture()).unwrap();
        // forest and twin tie on accuracy and on time: the first in the experiment wins.
        assert_eq!(pick.candidate, "forest");
        assert_eq!(pick.decided_by.as_deref(), Some("accuracy"));
        let pick = lexicographic(
            &names(&["tree", "forest"]),
            &[("train_time".into(), Direction::Min)],
            0.01,
            &lecture(),
        )
        .unwrap();
        assert_eq!(pick.candidate, "tree");
    }
}
