//! The lecture's method as code: check constraints, find the Pareto frontier of the
//! candidates that do not violate one, and pick from it by stated priorities.
//!
//! Every verdict is three-valued. A constraint is *met* when the figure's interval
//! clears the bound (or, against a baseline, when a paired test supports it at alpha),
//! *violated* when the evidence is on the wrong side, and *undecided* otherwise; the
//! reason is kept. Undecided candidates stay feasible (nothing shows they violate) and
//! are marked. With `noise_aware` (the default) one candidate beats another on a metric
//! only when a paired test says so at alpha, so noise cannot dominate a candidate or
//! decide a lexicographic order. The weighted pick scores metrics on a stated scale
//! (never a min-max stretch of the candidates' spread) and reports how often it stays
//! the pick when the trials are resampled.

use std::collections::HashMap;

use spec::Direction;
use spec::model::{ConstraintSection, PriorityMethod};

use crate::compare::Comparison;
use crate::format::number;

/// A figure of one candidate on one metric.
#[derive(Debug, Clone, PartialEq)]
pub struct Figure {
    pub value: f64,
    /// Its interval, or why there is none.
    pub interval: Result<(f64, f64), String>,
    /// Declared (given, exact) rather than measured.
    pub exact: bool,
}

/// What the decision needs to know about the results.
pub trait Judge {
    fn figure(&self, candidate: &str, metric: &str) -> Option<Figure>;
    /// Evidence about `metric[candidate] - factor * metric[other]` (positive: larger).
    fn compare(&self, metric: &str, candidate: &str, factor: f64, other: &str) -> Result<Comparison, String>;
    fn alpha(&self) -> f64;
    /// Each candidate's figures in `draws` resamples of the trials (for the pick's
    /// robustness); empty when resampling is not possible.
    fn resampled(
        &self,
        _candidates: &[String],
        _metrics: &[String],
        _draws: usize,
    ) -> Vec<HashMap<(String, String), f64>> {
        Vec::new()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Met,
    Violated,
    Undecided,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Met => "meets",
            Status::Violated => "violates",
            Status::Undecided => "undecided",
        }
    }
}

/// One constraint checked for one candidate.
#[derive(Debug, Clone, PartialEq)]
pub struct ConstraintCheck {
    pub candidate: String,
    pub metric: String,
    /// The bound in words: "at least 0.8", "at most 2 x forest".
    pub bound: String,
    pub status: Status,
    /// Why, with the figures that decided.
    pub reason: String,
    /// The paired comparison behind a bound relative to a baseline.
    pub comparison: Option<Comparison>,
}

/// Checks every constraint for every candidate.
pub fn constraints(
    candidates: &[String],
    constraints: &[ConstraintSection],
    judge: &dyn Judge,
) -> Vec<ConstraintCheck> {
    let mut out = Vec::new();
    for candidate in candidates {
        for constraint in constraints {
            let metric = &constraint.metric;
            let check = |bound: String, status: Status, reason: String| ConstraintCheck {
                candidate: candidate.clone(),
                metric: metric.clone(),
                bound,
                status,
                reason,
                comparison: None,
            };
            for (limit, lower) in [(constraint.min, true), (constraint.max, false)] {
                let Some(limit) = limit else { continue };
                let words = format!("{} {}", if lower { "at least" } else { "at most" }, number(limit));
                out.push(match judge.figure(candidate, metric) {
                    None => {
                        check(words, Status::Violated, "no figure: nothing shows it meets the bound".into())
                    }
                    Some(figure) => {
                        let (status, reason) = against_bound(&figure, limit, lower);
                        check(words, status, reason)
                    }
                });
            }
            let Some(baseline) = &constraint.baseline else { continue };
            for (ratio, lower) in [(constraint.min_ratio, true), (constraint.max_ratio, false)] {
                let Some(ratio) = ratio else { continue };
                let words =
                    format!("{} {} x {baseline}", if lower { "at least" } else { "at most" }, number(ratio));
                if candidate == baseline {
                    // Against itself the ratio alone decides.
                    let holds = if lower { ratio <= 1.0 } else { ratio >= 1.0 };
                    let status = if holds { Status::Met } else { Status::Violated };
                    out.push(check(words, status, "the baseline itself".into()));
                    continue;
                }
                out.push(match judge.compare(metric, candidate, ratio, baseline) {
                    Err(reason) => check(words, Status::Undecided, reason),
                    Ok(comparison) => {
                        let (status, reason) = by_test(&comparison, lower, judge.alpha());
                        ConstraintCheck { comparison: Some(comparison), ..check(words, status, reason) }
                    }
                });
            }
        }
    }
    out
}

/// An absolute bound against a figure's interval.
fn against_bound(figure: &Figure, limit: f64, lower: bool) -> (Status, String) {
    let clears = |v: f64| if lower { v >= limit } else { v <= limit };
    if figure.exact {
        let status = if clears(figure.value) { Status::Met } else { Status::Violated };
        return (status, format!("declared {}", number(figure.value)));
    }
    match &figure.interval {
        Err(reason) => (Status::Undecided, format!("value {}: {reason}", number(figure.value))),
        Ok((low, high)) => {
            let words = format!("interval [{}, {}]", number(*low), number(*high));
            if clears(*low) && clears(*high) {
                (Status::Met, format!("{words} clears the bound"))
            } else if !clears(*low) && !clears(*high) {
                (Status::Violated, format!("{words} is past the bound"))
            } else {
                (Status::Undecided, format!("{words} contains the bound"))
            }
        }
    }
}

/// A paired comparison at `alpha`: `larger` says the claim is that the candidate's side is
/// the larger one.
pub fn by_test(comparison: &Comparison, larger: bool, alpha: f64) -> (Status, String) {
    let interval = match comparison.shown_interval() {
        Ok(i) => format!(" [{}, {}]", number(i.low), number(i.high)),
        Err(_) => String::new(),
    };
    let shown = match comparison.scale {
        crate::compare::Scale::Ratio { .. } => {
            format!("ratio {}{interval}", number(comparison.shown_estimate()))
        }
        crate::compare::Scale::Difference => {
            format!("difference {}{interval}", number(comparison.shown_estimate()))
        }
    };
    if comparison.identical {
        return (Status::Undecided, format!("{shown}: equal in every paired trial"));
    }
    let (p_holds, p_fails) = (comparison.p(larger), comparison.p(!larger));
    let method = comparison.test.method;
    if p_holds <= alpha {
        (Status::Met, format!("{shown}, {method} p = {}", number(p_holds)))
    } else if p_fails <= alpha {
        (Status::Violated, format!("{shown}, {method} p = {}", number(p_fails)))
    } else {
        let why = comparison
            .test
            .interval
            .as_ref()
            .err()
            .cloned()
            .unwrap_or_else(|| format!("p = {} > {alpha}", number(p_holds)));
        (Status::Undecided, format!("{shown}, {method}: {why}"))
    }
}

/// Whether `a` is better than `b` on a metric: by a paired test at alpha, or by value.
pub fn better(
    judge: &dyn Judge,
    metric: &str,
    direction: Direction,
    a: &str,
    b: &str,
    noise_aware: bool,
) -> bool {
    if !noise_aware {
        let (Some(fa), Some(fb)) = (judge.figure(a, metric), judge.figure(b, metric)) else { return false };
        return match direction {
            Direction::Max => fa.value > fb.value,
            Direction::Min => fa.value < fb.value,
        };
    }
    match judge.compare(metric, a, 1.0, b) {
        Ok(c) if !c.identical => c.p(direction == Direction::Max) <= judge.alpha(),
        _ => false,
    }
}

/// Whether `a` dominates `b`: never worse, better at least once.
pub fn dominates(
    judge: &dyn Judge,
    a: &str,
    b: &str,
    objectives: &[(String, Direction)],
    noise_aware: bool,
) -> bool {
    let mut strictly = false;
    for (metric, direction) in objectives {
        if judge.figure(a, metric).is_none() || judge.figure(b, metric).is_none() {
            return false;
        }
        if better(judge, metric, *direction, b, a, noise_aware) {
            return false;
        }
        if better(judge, metric, *direction, a, b, noise_aware) {
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

pub fn frontier(
    candidates: &[String],
    objectives: &[(String, Direction)],
    judge: &dyn Judge,
    noise_aware: bool,
) -> Frontier {
    let dominance: HashMap<(&str, &str), bool> = candidates
        .iter()
        .flat_map(|a| candidates.iter().map(move |b| (a, b)))
        .filter(|(a, b)| a != b)
        .map(|(a, b)| ((a.as_str(), b.as_str()), dominates(judge, a, b, objectives, noise_aware)))
        .collect();
    let mut members = Vec::new();
    let mut dominated = Vec::new();
    for b in candidates {
        let dominators: Vec<&String> =
            candidates.iter().filter(|a| *a != b && dominance[&(a.as_str(), b.as_str())]).collect();
        if dominators.is_empty() {
            members.push(b.clone());
        } else {
            let on_frontier = dominators
                .iter()
                .find(|a| !candidates.iter().any(|c| c != **a && dominance[&(c.as_str(), a.as_str())]));
            dominated.push((b.clone(), on_frontier.unwrap_or(&dominators[0]).to_string()));
        }
    }
    Frontier { members, dominated }
}

/// A candidate's utility and the part of it each metric contributes.
pub type Score = (String, f64, Vec<(String, f64)>);

/// A weighted metric: name, weight, direction, and a declared `[worst, best]` scale.
pub type Weight = (String, f64, Direction, Option<[f64; 2]>);

/// The pick under the priorities.
#[derive(Debug, Clone, PartialEq)]
pub struct Pick {
    pub method: PriorityMethod,
    pub candidate: String,
    /// Each candidate's utility and its per-metric parts (weighted method), best first.
    pub scores: Vec<Score>,
    /// The smallest single-weight change that changes the pick, in words.
    pub sensitivity: Option<String>,
    /// For the lexicographic method: the metric that decided.
    pub decided_by: Option<String>,
    /// How often each candidate is the pick across resamples of the trials, and the
    /// number of resamples.
    pub robustness: Option<(usize, Vec<(String, f64)>)>,
}

/// A metric's score in 0..=1: linear on a declared scale, else relative to the best
/// candidate (best / value for lower-is-better, value / best otherwise). Proportional
/// scores keep a 1% difference a 1% difference, where a min-max stretch would turn any
/// difference, noise included, into 0 versus 1.
pub fn score(value: f64, best: f64, direction: Direction, scale: Option<[f64; 2]>) -> f64 {
    if let Some([worst, best]) = scale {
        return ((value - worst) / (best - worst)).clamp(0.0, 1.0);
    }
    match direction {
        Direction::Max if best > 0.0 => (value / best).clamp(0.0, 1.0),
        Direction::Min if value > 0.0 => (best.max(0.0) / value).clamp(0.0, 1.0),
        _ => {
            if value == best {
                1.0
            } else {
                0.0
            }
        }
    }
}

/// Each candidate's score on each weighted metric (missing figures score 0).
fn columns(
    candidates: &[String],
    weights: &[Weight],
    values: &dyn Fn(&str, &str) -> Option<f64>,
) -> Vec<Vec<f64>> {
    weights
        .iter()
        .map(|(metric, _, direction, scale)| {
            let present: Vec<Option<f64>> = candidates.iter().map(|c| values(c, metric)).collect();
            let best = present.iter().flatten().copied().reduce(|a, b| match direction {
                Direction::Max => a.max(b),
                Direction::Min => a.min(b),
            });
            present
                .iter()
                .map(|v| match (v, best) {
                    (Some(v), Some(best)) => score(*v, best, *direction, *scale),
                    _ => 0.0,
                })
                .collect()
        })
        .collect()
}

/// The index of the best utility (ties keep the experiment's order).
fn argmax(utilities: &[f64]) -> usize {
    let mut best = 0;
    for (i, u) in utilities.iter().enumerate() {
        if *u > utilities[best] {
            best = i;
        }
    }
    best
}

fn utilities(columns: &[Vec<f64>], weights: &[f64], candidates: usize) -> Vec<f64> {
    let sum: f64 = weights.iter().sum();
    (0..candidates)
        .map(|c| {
            if sum <= 0.0 {
                0.0
            } else {
                columns.iter().zip(weights).map(|(col, w)| w * col[c]).sum::<f64>() / sum
            }
        })
        .collect()
}

/// Weighted utility over scored metrics.
pub fn weighted(candidates: &[String], weights: &[Weight], judge: &dyn Judge) -> Option<Pick> {
    if candidates.is_empty() {
        return None;
    }
    let values = |c: &str, m: &str| judge.figure(c, m).map(|f| f.value);
    let columns = columns(candidates, weights, &values);
    let base: Vec<f64> = weights.iter().map(|(_, w, _, _)| *w).collect();
    let total: f64 = base.iter().sum();
    let utility = utilities(&columns, &base, candidates.len());
    let pick = argmax(&utility);
    let mut order: Vec<usize> = (0..candidates.len()).collect();
    order.sort_by(|&a, &b| utility[b].total_cmp(&utility[a]).then(a.cmp(&b)));
    let scores: Vec<Score> = order
        .iter()
        .map(|&c| {
            let parts = weights
                .iter()
                .zip(&columns)
                .map(|((m, w, _, _), col)| (m.clone(), w / total * col[c]))
                .collect();
            (candidates[c].clone(), utility[c], parts)
        })
        .collect();
    // Sensitivity: for each weight and rival, the change of that weight alone at which the
    // rival's utility reaches the pick's (utility is linear in each weight's numerator).
    let mut best: Option<(f64, String)> = None;
    for (m, (metric, w, _, _)) in weights.iter().enumerate() {
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
                        number(*w),
                        number(w + delta),
                        candidates[rival],
                        candidates[pick]
                    ),
                ));
            }
        }
    }
    // Robustness: the pick in resamples of the trials.
    let metrics: Vec<String> = weights.iter().map(|(m, _, _, _)| m.clone()).collect();
    let draws = judge.resampled(candidates, &metrics, crate::stats::resample::DRAWS);
    let robustness = (!draws.is_empty() && candidates.len() > 1).then(|| {
        let mut wins = vec![0usize; candidates.len()];
        for figures in &draws {
            let values = |c: &str, m: &str| figures.get(&(c.to_string(), m.to_string())).copied();
            let columns = self::columns(candidates, weights, &values);
            wins[argmax(&utilities(&columns, &base, candidates.len()))] += 1;
        }
        let mut shares: Vec<(String, f64)> = candidates
            .iter()
            .zip(&wins)
            .filter(|(_, w)| **w > 0)
            .map(|(c, w)| (c.clone(), *w as f64 / draws.len() as f64))
            .collect();
        shares.sort_by(|a, b| b.1.total_cmp(&a.1));
        (draws.len(), shares)
    });
    Some(Pick {
        method: PriorityMethod::Weighted,
        candidate: candidates[pick].clone(),
        scores,
        sensitivity: Some(
            best.map(|(_, words)| words)
                .unwrap_or_else(|| "no change of a single weight changes the pick".into()),
        ),
        decided_by: None,
        robustness,
    })
}

/// How the weighted pick changes as the weight of `weights[index]` runs from 0 to 1 while
/// the other weights keep their proportions: `(from, to, candidate index)` segments of
/// one pick, evaluated at `steps + 1` points.
pub fn sensitivity_bands(
    candidates: &[String],
    weights: &[Weight],
    judge: &dyn Judge,
    index: usize,
    steps: usize,
) -> Vec<(f64, f64, usize)> {
    let values = |c: &str, m: &str| judge.figure(c, m).map(|f| f.value);
    let columns = columns(candidates, weights, &values);
    let others: f64 = weights.iter().enumerate().filter(|(i, _)| *i != index).map(|(_, w)| w.1).sum();
    let mut segments: Vec<(f64, f64, usize)> = Vec::new();
    let half = 0.5 / steps as f64;
    for step in 0..=steps {
        let w = step as f64 / steps as f64;
        let vector: Vec<f64> = weights
            .iter()
            .enumerate()
            .map(|(i, (_, original, _, _))| {
                if i == index {
                    w
                } else if others > 0.0 {
                    original / others * (1.0 - w)
                } else {
                    0.0
                }
            })
            .collect();
        let pick = argmax(&utilities(&columns, &vector, candidates.len()));
        let (from, to) = ((w - half).max(0.0), (w + half).min(1.0));
        match segments.last_mut() {
            Some(last) if last.2 == pick => last.1 = to,
            _ => segments.push((from, to, pick)),
        }
    }
    segments
}

/// Lexicographic choice: the best on the first metric; candidates within `tolerance`
/// (relative) of it, or not shown worse by a paired test when `noise_aware`, go on to
/// the next metric.
pub fn lexicographic(
    candidates: &[String],
    order: &[(String, Direction)],
    tolerance: f64,
    judge: &dyn Judge,
    noise_aware: bool,
) -> Option<Pick> {
    let mut remaining: Vec<String> = candidates.to_vec();
    let mut decided_by = None;
    for (metric, direction) in order {
        if remaining.len() <= 1 {
            break;
        }
        let values: Vec<(String, f64)> =
            remaining.iter().filter_map(|c| judge.figure(c, metric).map(|f| (c.clone(), f.value))).collect();
        let Some((leader, best)) = values.iter().cloned().reduce(|a, b| {
            let b_better = match direction {
                Direction::Max => b.1 > a.1,
                Direction::Min => b.1 < a.1,
            };
            if b_better { b } else { a }
        }) else {
            continue;
        };
        let kept: Vec<String> = values
            .iter()
            .filter(|(c, v)| {
                (v - best).abs() <= tolerance * best.abs().max(f64::MIN_POSITIVE)
                    || (noise_aware && *c != leader && !better(judge, metric, *direction, &leader, c, true))
            })
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
        robustness: None,
    })
}

/// The objectives of an experiment: the metrics its priorities name, or every metric.
pub fn objectives(experiment: &spec::Experiment) -> Vec<(String, Direction)> {
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
    use crate::compare::Scale;
    use crate::stats::Test;

    /// Figures with intervals, and paired evidence given as one-sided p-values that
    /// `metric[a] > metric[b]` and `<`.
    struct Table {
        figures: HashMap<(String, String), Figure>,
        tests: HashMap<(String, String, String), (f64, f64)>,
    }

    impl Judge for Table {
        fn figure(&self, candidate: &str, metric: &str) -> Option<Figure> {
            self.figures.get(&(candidate.to_string(), metric.to_string())).cloned()
        }

        fn compare(&self, metric: &str, a: &str, factor: f64, b: &str) -> Result<Comparison, String> {
            let key = (metric.to_string(), a.to_string(), b.to_string());
            let reverse = (metric.to_string(), b.to_string(), a.to_string());
            let (p_positive, p_negative) = match (self.tests.get(&key), self.tests.get(&reverse)) {
                (Some(p), _) => *p,
                (None, Some((p, q))) => (*q, *p),
                _ => (0.5, 0.5),
            };
            let _ = factor;
            Ok(Comparison {
                test: Test {
                    estimate: 0.0,
                    interval: Err("none".into()),
                    p_positive,
                    p_negative,
                    n: 10,
                    method: "table",
                },
                scale: Scale::Difference,
                identical: false,
                notes: Vec::new(),
            })
        }

        fn alpha(&self) -> f64 {
            0.05
        }
    }

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    /// accuracy (max) and train_time (min): tree 0.80 / 1 s, forest 0.87 / 6 s,
    /// slow 0.79 / 9 s. Paired tests: forest more accurate than tree and slow; tree and
    /// slow tie on accuracy; tree faster than both, forest faster than slow.
    fn lecture() -> Table {
        let figure = |v: f64, lo: f64, hi: f64| Figure { value: v, interval: Ok((lo, hi)), exact: false };
        let mut figures = HashMap::new();
        for (c, m, v, lo, hi) in [
            ("tree", "accuracy", 0.80, 0.79, 0.81),
            ("tree", "train_time", 1.0, 0.9, 1.1),
            ("forest", "accuracy", 0.87, 0.86, 0.88),
            ("forest", "train_time", 6.0, 5.5, 6.5),
            ("slow", "accuracy", 0.79, 0.78, 0.80),
            ("slow", "train_time", 9.0, 8.0, 10.0),
        ] {
            figures.insert((c.to_string(), m.to_string()), figure(v, lo, hi));
        }
        let mut tests = HashMap::new();
        for (m, a, b, p) in [
            ("accuracy", "forest", "tree", 0.001),
            ("accuracy", "forest", "slow", 0.001),
            ("accuracy", "tree", "slow", 0.2),
            ("train_time", "forest", "tree", 0.001),
            ("train_time", "slow", "tree", 0.001),
            ("train_time", "slow", "forest", 0.001),
        ] {
            tests.insert((m.to_string(), a.to_string(), b.to_string()), (p, 1.0 - p));
        }
        Table { figures, tests }
    }

    fn objectives() -> Vec<(String, Direction)> {
        vec![("accuracy".into(), Direction::Max), ("train_time".into(), Direction::Min)]
    }

    #[test]
    fn the_frontier_uses_paired_tests_and_names_a_dominator() {
        let judge = lecture();
        let f = frontier(&names(&["tree", "forest", "slow"]), &objectives(), &judge, true);
        assert_eq!(f.members, names(&["tree", "forest"]));
        // slow: not shown more accurate than tree, shown slower: dominated by tree.
        assert_eq!(f.dominated, vec![("slow".to_string(), "tree".to_string())]);
        // By point values slow is less accurate than tree too; same frontier.
        assert_eq!(
            frontier(&names(&["tree", "slow"]), &objectives(), &judge, false).members,
            names(&["tree"])
        );
    }

    #[test]
    fn constraints_are_three_valued() {
        let judge = lecture();
        let min = |m: f64| ConstraintSection {
            metric: "accuracy".into(),
            min: Some(m),
            max: None,
            baseline: None,
            min_ratio: None,
            max_ratio: None,
        };
        let status = |c: &str, bound: f64| constraints(&names(&[c]), &[min(bound)], &judge)[0].status;
        assert_eq!(status("forest", 0.85), Status::Met);
        assert_eq!(status("tree", 0.85), Status::Violated);
        assert_eq!(status("tree", 0.8), Status::Undecided, "[0.79, 0.81] contains 0.8");
        let baseline = ConstraintSection {
            metric: "accuracy".into(),
            min: None,
            max: None,
            baseline: Some("tree".into()),
            min_ratio: Some(1.0),
            max_ratio: None,
        };
        let checks = constraints(&names(&["tree", "forest", "slow"]), &[baseline], &judge);
        let statuses: Vec<Status> = checks.iter().map(|c| c.status).collect();
        assert_eq!(statuses, vec![Status::Met, Status::Met, Status::Undecided]);
        assert_eq!(checks[0].reason, "the baseline itself");
    }

    #[test]
    fn a_missing_interval_leaves_a_constraint_undecided_with_the_reason() {
        let mut judge = lecture();
        judge.figures.get_mut(&("tree".to_string(), "accuracy".to_string())).unwrap().interval =
            Err("n = 3: too few trials".into());
        let c = ConstraintSection {
            metric: "accuracy".into(),
            min: Some(0.5),
            max: None,
            baseline: None,
            min_ratio: None,
            max_ratio: None,
        };
        let check = &constraints(&names(&["tree"]), &[c], &judge)[0];
        assert_eq!(check.status, Status::Undecided);
        assert!(check.reason.contains("n = 3"), "{}", check.reason);
    }

    /// accuracy relative to the best: tree 0.80/0.87, forest 1; time best/value: tree 1,
    /// forest 1/6. Weights 0.5/0.5: tree 0.9598, forest 0.5833 -> tree.
    #[test]
    fn weighted_utility_is_proportional_not_stretched() {
        let judge = lecture();
        let weights: Vec<Weight> = vec![
            ("accuracy".to_string(), 0.5, Direction::Max, None),
            ("train_time".to_string(), 0.5, Direction::Min, None),
        ];
        let pick = weighted(&names(&["tree", "forest"]), &weights, &judge).unwrap();
        assert_eq!(pick.candidate, "tree");
        assert!((pick.scores[0].1 - (0.5 * 0.80 / 0.87 + 0.5)).abs() < 1e-12, "{:?}", pick.scores);
        assert!((pick.scores[1].1 - (0.5 + 0.5 / 6.0)).abs() < 1e-12);
        // On a declared accuracy scale 0.75..0.90 the forest's lead counts fully.
        let weights: Vec<Weight> = vec![
            ("accuracy".to_string(), 0.9, Direction::Max, Some([0.75, 0.90])),
            ("train_time".to_string(), 0.1, Direction::Min, None),
        ];
        let pick = weighted(&names(&["tree", "forest"]), &weights, &judge).unwrap();
        assert_eq!(pick.candidate, "forest");
        assert!(pick.sensitivity.unwrap().contains("makes `tree` tie with `forest`"));
    }

    #[test]
    fn a_heavy_weight_on_a_metric_picks_the_best_on_it() {
        // The German-credit failure: a weight of 0.6 on one metric must not pick the
        // worst candidate on it when the others are near-ties.
        let judge = lecture();
        let weights: Vec<Weight> = vec![
            ("accuracy".to_string(), 0.6, Direction::Max, Some([0.7, 0.9])),
            ("train_time".to_string(), 0.4, Direction::Min, Some([10.0, 0.0])),
        ];
        let pick = weighted(&names(&["tree", "forest", "slow"]), &weights, &judge).unwrap();
        assert_ne!(pick.candidate, "slow");
    }

    #[test]
    fn lexicographic_ties_what_a_paired_test_cannot_separate() {
        let judge = lecture();
        // tree and slow are not separated on accuracy by the test: time decides.
        let pick = lexicographic(&names(&["slow", "tree"]), &objectives(), 0.0, &judge, true).unwrap();
        assert_eq!((pick.candidate.as_str(), pick.decided_by.as_deref()), ("tree", Some("train_time")));
        // By values alone, tree is more accurate: accuracy decides.
        let pick = lexicographic(&names(&["slow", "tree"]), &objectives(), 0.0, &judge, false).unwrap();
        assert_eq!((pick.candidate.as_str(), pick.decided_by.as_deref()), ("tree", Some("accuracy")));
    }
}
