//! The lecture's method as code: check constraints, find the Pareto frontier of the
//! candidates that do not violate one, and pick from it by stated priorities.
//!
//! Every verdict is three-valued. A constraint is *met* when the figure's interval
//! clears the bound (or, against a baseline, when a paired test supports it at alpha),
//! *violated* when the evidence is on the wrong side, and *undecided* otherwise; the
//! reason is kept. Undecided candidates stay feasible (nothing shows they violate) and
//! are marked. With `noise_aware` (the default) one candidate beats another on a metric
//! only when a paired test says so at alpha, so noise cannot dominate a candidate or
//! decide a lexicographic order; each dominance keeps its evidence per metric.
//!
//! Energy figures that differ in what they cover or how they were obtained are never
//! ranked silently: a dominance that turns on them is undecided, with the reason, unless
//! `[environment] compare_mixed_energy = true`, and then the frontier records that it
//! ranked them anyway.
//!
//! The weighted pick scores each metric in 0..1, linearly between two figures: a declared
//! `[worst, best]` scale, or else the span of the scored candidates' intervals (from the
//! worst end of any to the best end of any). Either way the scale is stated, not the
//! candidates' min-max spread, so noise is never stretched into 0 versus 1, and each
//! metric spans a comparable part of 0..1, so the weights say what they mean. With
//! `noise_aware`, a candidate that a paired test does not show worse than a better one is
//! scored as that one: differences within the noise score equal. A candidate without a
//! figure for a weighted metric is scored on the metrics it has, its weights renormalised
//! (never scored 0 on the missing one), and listed. The pick reports how often it stays
//! the pick when the trials are resampled, and the smallest single-weight change that
//! changes it.

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
    /// Whether `metric`'s figures of `a` and `b` may be ranked against each other:
    /// `Err(reason)` when they differ in what they cover or how they were obtained and
    /// ranking such figures is not allowed; `Ok(Some(problem))` when they differ and
    /// `compare_mixed_energy` allows ranking them anyway; `Ok(None)` when they agree.
    fn rankable(&self, _metric: &str, _a: &str, _b: &str) -> Result<Option<String>, String> {
        Ok(None)
    }
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
/// Never for figures that may not be ranked against each other.
pub fn better(
    judge: &dyn Judge,
    metric: &str,
    direction: Direction,
    a: &str,
    b: &str,
    noise_aware: bool,
) -> bool {
    if judge.rankable(metric, a, b).is_err() {
        return false;
    }
    if !noise_aware {
        let (Some(fa), Some(fb)) = (judge.figure(a, metric), judge.figure(b, metric)) else { return false };
        return better_value(fa.value, fb.value, direction);
    }
    match judge.compare(metric, a, 1.0, b) {
        Ok(c) if !c.identical => c.p(direction == Direction::Max) <= judge.alpha(),
        _ => false,
    }
}

/// Why a comparison could not have shown a difference, if it could not: no comparison at
/// all, or too few paired trials for its interval (where the test's smallest attainable
/// p-value is above any usable level too).
fn untestable(comparison: Result<Comparison, String>) -> Option<String> {
    match comparison {
        Err(reason) => Some(reason),
        Ok(c) => c.test.interval.err().map(|reason| format!("{}: {reason}", c.test.method)),
    }
}

fn better_value(a: f64, b: f64, direction: Direction) -> bool {
    match direction {
        Direction::Max => a > b,
        Direction::Min => a < b,
    }
}

/// One metric's part in a dominance: what backs "`dominated` is dominated by `by`".
#[derive(Debug, Clone, PartialEq)]
pub struct MetricEvidence {
    pub metric: String,
    pub direction: Direction,
    /// The dominating candidate's figure and the dominated one's (each its statistic).
    pub by_value: f64,
    pub dominated_value: f64,
    /// Shown better on this metric; otherwise not shown worse.
    pub better: bool,
    /// The paired comparison `metric[by] - metric[dominated]`: its estimate, interval and
    /// method (`test.method`), or why there is none. `None` when candidates are compared
    /// by point values (`noise_aware = false`).
    pub comparison: Option<Result<Comparison, String>>,
}

/// Whether one candidate dominates another.
#[derive(Debug, Clone, PartialEq)]
pub enum Dominance {
    /// Never worse and better at least once, with the evidence per objective.
    Dominates(Vec<MetricEvidence>),
    No,
    /// It would turn on figures that may not be ranked against each other: why.
    Undecided(String),
}

/// Whether `a` dominates `b`: never worse, better at least once. When nothing ranked
/// shows `b` better and some objective's figures may not be ranked, or `b`'s figure is
/// the better one where no test is possible (too few paired trials), undecided.
pub fn dominance(
    judge: &dyn Judge,
    a: &str,
    b: &str,
    objectives: &[(String, Direction)],
    noise_aware: bool,
) -> Dominance {
    let mut strictly = false;
    let mut evidence = Vec::new();
    let mut unranked = Vec::new();
    for (metric, direction) in objectives {
        let (Some(fa), Some(fb)) = (judge.figure(a, metric), judge.figure(b, metric)) else {
            return Dominance::No;
        };
        if let Err(reason) = judge.rankable(metric, a, b) {
            unranked.push(reason);
            continue;
        }
        if better(judge, metric, *direction, b, a, noise_aware) {
            return Dominance::No;
        }
        // "Not shown worse" is evidence only where a test could have shown it: with too
        // few paired trials for any test, `b`'s better figure is not noise, just untested.
        if noise_aware
            && better_value(fb.value, fa.value, *direction)
            && let Some(reason) = untestable(judge.compare(metric, b, 1.0, a))
        {
            unranked.push(format!(
                "`{b}` has the better `{metric}` and no test can say whether by more than noise ({reason})"
            ));
            continue;
        }
        let shown = better(judge, metric, *direction, a, b, noise_aware);
        strictly |= shown;
        evidence.push(MetricEvidence {
            metric: metric.clone(),
            direction: *direction,
            by_value: fa.value,
            dominated_value: fb.value,
            better: shown,
            comparison: noise_aware.then(|| judge.compare(metric, a, 1.0, b)),
        });
    }
    if !unranked.is_empty() {
        Dominance::Undecided(unranked.join("; "))
    } else if strictly {
        Dominance::Dominates(evidence)
    } else {
        Dominance::No
    }
}

/// Whether `a` dominates `b` (see [`dominance`]).
pub fn dominates(
    judge: &dyn Judge,
    a: &str,
    b: &str,
    objectives: &[(String, Direction)],
    noise_aware: bool,
) -> bool {
    matches!(dominance(judge, a, b, objectives, noise_aware), Dominance::Dominates(_))
}

/// The frontier, and each dominated candidate with one that dominates it (preferably
/// one on the frontier).
#[derive(Debug, Clone, PartialEq)]
pub struct Frontier {
    pub members: Vec<String>,
    pub dominated: Vec<(String, String)>,
    /// For each entry of `dominated`, in the same order: per objective, the two figures
    /// and the paired comparison (estimate, interval, method) showing the dominating
    /// candidate never worse and better at least once. Show beside "X is dominated by Y".
    pub evidence: Vec<Vec<MetricEvidence>>,
    /// `(candidate, other, reason)`: whether `other` dominates `candidate` is undecided,
    /// because it turns on figures that may not be ranked (energy of different coverage
    /// or method). The candidate stays on the frontier; show each with its reason.
    pub undecided: Vec<(String, String, String)>,
    /// Figures of different coverage or method that the frontier ranked anyway because
    /// `[environment] compare_mixed_energy = true`, one line per metric and pair. Show
    /// as a caveat of the frontier.
    pub mixed: Vec<String>,
}

pub fn frontier(
    candidates: &[String],
    objectives: &[(String, Direction)],
    judge: &dyn Judge,
    noise_aware: bool,
) -> Frontier {
    let dominance: HashMap<(&str, &str), Dominance> = candidates
        .iter()
        .flat_map(|a| candidates.iter().map(move |b| (a, b)))
        .filter(|(a, b)| a != b)
        .map(|(a, b)| ((a.as_str(), b.as_str()), self::dominance(judge, a, b, objectives, noise_aware)))
        .collect();
    let dominates = |a: &str, b: &str| matches!(dominance.get(&(a, b)), Some(Dominance::Dominates(_)));
    let mut members = Vec::new();
    let mut dominated = Vec::new();
    let mut evidence = Vec::new();
    let mut undecided = Vec::new();
    for b in candidates {
        let dominators: Vec<&String> = candidates.iter().filter(|a| *a != b && dominates(a, b)).collect();
        if dominators.is_empty() {
            members.push(b.clone());
            for a in candidates {
                if let Some(Dominance::Undecided(reason)) = dominance.get(&(a.as_str(), b.as_str())) {
                    undecided.push((b.clone(), a.clone(), reason.clone()));
                }
            }
        } else {
            let on_frontier =
                dominators.iter().find(|a| !candidates.iter().any(|c| c != **a && dominates(c, a)));
            let by = on_frontier.unwrap_or(&dominators[0]).to_string();
            if let Some(Dominance::Dominates(e)) = dominance.get(&(by.as_str(), b.as_str())) {
                evidence.push(e.clone());
            }
            dominated.push((b.clone(), by));
        }
    }
    let mut mixed = Vec::new();
    for (i, a) in candidates.iter().enumerate() {
        for b in &candidates[i + 1..] {
            for (metric, _) in objectives {
                if let Ok(Some(problem)) = judge.rankable(metric, a, b)
                    && !mixed.contains(&problem)
                {
                    mixed.push(problem);
                }
            }
        }
    }
    Frontier { members, dominated, evidence, undecided, mixed }
}

/// A candidate's utility and the part of it each metric contributes.
pub type Score = (String, f64, Vec<(String, f64)>);

/// A weighted metric: name, weight, direction, and a declared `[worst, best]` scale.
pub type Weight = (String, f64, Direction, Option<[f64; 2]>);

/// How one weighted metric was scored; the report shows it beside the utilities.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricScale {
    pub metric: String,
    /// `[scores 0, scores 1]`: linear between, clamped.
    pub scale: [f64; 2],
    /// Declared in `[priorities] scales`; otherwise the span of the scored candidates'
    /// intervals, from the worst end of any to the best end of any. Say which.
    pub declared: bool,
    /// `(candidate, scored as)`: candidates that a paired test at alpha does not show
    /// worse than a better one are scored as it (noise-aware: differences within the noise
    /// score equal).
    pub equalised: Vec<(String, String)>,
    /// Candidates without a figure: the metric is left out of their utility.
    pub missing: Vec<String>,
}

/// The pick under the priorities.
#[derive(Debug, Clone, PartialEq)]
pub struct Pick {
    pub method: PriorityMethod,
    pub candidate: String,
    /// Each candidate's utility and its per-metric parts (weighted method), best first.
    /// A part is the metric's share of that candidate's utility; `NaN` where the metric
    /// is left out of it for want of a figure (show "n/a").
    pub scores: Vec<Score>,
    /// The smallest single-weight change that changes the pick, in words.
    pub sensitivity: Option<String>,
    /// For the lexicographic method: the metric that decided.
    pub decided_by: Option<String>,
    /// How often each candidate is the pick across resamples of the trials, and the
    /// number of resamples.
    pub robustness: Option<(usize, Vec<(String, f64)>)>,
    /// Weighted method: how each weighted metric was scored (its scale and where it came
    /// from, candidates scored equal within the noise, candidates without a figure).
    /// Show under the utilities.
    pub scales: Vec<MetricScale>,
    /// `(candidate, metric)`: a weighted metric left out of a candidate's utility because
    /// it has no figure; its other weights are renormalised. Show beside the utilities.
    pub left_out: Vec<(String, String)>,
    /// Candidates whose utility equals the pick's: the experiment's order chose among
    /// them, not the evidence. Show as "tied with".
    pub tied: Vec<String>,
}

/// A score in 0..1, linear from `worst` (0) to `best` (1) and clamped; every figure
/// scores 1 on a scale of no length.
pub fn score(value: f64, [worst, best]: [f64; 2]) -> f64 {
    if worst == best {
        return 1.0;
    }
    ((value - worst) / (best - worst)).clamp(0.0, 1.0)
}

/// Each weighted metric's scale: the declared one, else the span of the candidates'
/// intervals (a figure without one counts as its value), oriented worst to best.
fn scales(candidates: &[String], weights: &[Weight], judge: &dyn Judge) -> Vec<([f64; 2], bool)> {
    weights
        .iter()
        .map(|(metric, _, direction, declared)| {
            if let Some(scale) = declared {
                return (*scale, true);
            }
            let (mut low, mut high) = (f64::INFINITY, f64::NEG_INFINITY);
            for figure in candidates.iter().filter_map(|c| judge.figure(c, metric)) {
                let (l, h) = figure.interval.unwrap_or((figure.value, figure.value));
                low = low.min(l.min(figure.value));
                high = high.max(h.max(figure.value));
            }
            let scale = match direction {
                Direction::Max => [low, high],
                Direction::Min => [high, low],
            };
            (scale, false)
        })
        .collect()
}

/// Per weighted metric and candidate: the candidate whose figure scores it. Itself, or
/// (noise-aware) the best-valued candidate that a paired test does not show it worse than.
fn references(
    candidates: &[String],
    weights: &[Weight],
    judge: &dyn Judge,
    noise_aware: bool,
) -> Vec<Vec<usize>> {
    weights
        .iter()
        .map(|(metric, _, direction, _)| {
            let values: Vec<Option<f64>> =
                candidates.iter().map(|c| judge.figure(c, metric).map(|f| f.value)).collect();
            (0..candidates.len())
                .map(|c| {
                    let mut reference = c;
                    if !noise_aware || values[c].is_none() {
                        return c;
                    }
                    for d in 0..candidates.len() {
                        if let (Some(v), Some(current)) = (values[d], values[reference])
                            && d != c
                            && better_value(v, current, *direction)
                            && !better(judge, metric, *direction, &candidates[d], &candidates[c], true)
                        {
                            reference = d;
                        }
                    }
                    reference
                })
                .collect()
        })
        .collect()
}

/// The scores of the weighted metrics: `columns[metric][candidate]`, `None` without a
/// figure. A candidate scores at least as well as its reference.
fn columns(
    candidates: &[String],
    weights: &[Weight],
    scales: &[([f64; 2], bool)],
    references: &[Vec<usize>],
    values: &dyn Fn(&str, &str) -> Option<f64>,
) -> Vec<Vec<Option<f64>>> {
    weights
        .iter()
        .enumerate()
        .map(|(m, (metric, _, _, _))| {
            (0..candidates.len())
                .map(|c| {
                    let own = score(values(&candidates[c], metric)?, scales[m].0);
                    let reference =
                        values(&candidates[references[m][c]], metric).map(|v| score(v, scales[m].0));
                    Some(reference.map_or(own, |r| r.max(own)))
                })
                .collect()
        })
        .collect()
}

/// Each candidate's utility: the weighted mean of the scores it has (`NaN` with none).
fn utilities(columns: &[Vec<Option<f64>>], weights: &[f64]) -> Vec<f64> {
    let candidates = columns.first().map_or(0, Vec::len);
    (0..candidates)
        .map(|c| {
            let (mut sum, mut total) = (0.0, 0.0);
            for (column, w) in columns.iter().zip(weights) {
                if let Some(s) = column[c] {
                    sum += w * s;
                    total += w;
                }
            }
            if total > 0.0 { sum / total } else { f64::NAN }
        })
        .collect()
}

/// The index of the best utility (ties keep the experiment's order); `None` if no
/// candidate could be scored.
fn argmax(utilities: &[f64]) -> Option<usize> {
    let mut best: Option<usize> = None;
    for (i, u) in utilities.iter().enumerate() {
        if !u.is_nan() && best.is_none_or(|b| *u > utilities[b]) {
            best = Some(i);
        }
    }
    best
}

/// The `x >= 0` where `q2 x^2 + q1 x + q0 = 0`.
fn nonnegative_roots(q2: f64, q1: f64, q0: f64) -> Vec<f64> {
    let size = q2.abs().max(q1.abs()).max(q0.abs());
    let roots = if size == 0.0 {
        Vec::new()
    } else if q2.abs() <= 1e-12 * size {
        if q1 == 0.0 { Vec::new() } else { vec![-q0 / q1] }
    } else {
        let discriminant = q1 * q1 - 4.0 * q2 * q0;
        if discriminant < 0.0 {
            Vec::new()
        } else {
            let root = discriminant.sqrt();
            vec![(-q1 - root) / (2.0 * q2), (-q1 + root) / (2.0 * q2)]
        }
    };
    roots.into_iter().filter(|x| x.is_finite() && *x >= 0.0).collect()
}

/// The smallest change of one weight that changes the pick, in words. A candidate's
/// utility as weight `k` alone becomes `x` is `(A + a x) / (B + b x)`, so a rival ties
/// with the pick at a root of a quadratic (or where a candidate stops having a utility,
/// at `x = 0`); each such point counts only if the pick really changes just past it.
fn sensitivity(
    candidates: &[String],
    weights: &[Weight],
    columns: &[Vec<Option<f64>>],
    base: &[f64],
    pick: usize,
) -> String {
    let at = |k: usize, x: f64| {
        let mut w = base.to_vec();
        w[k] = x;
        argmax(&utilities(columns, &w))
    };
    let mut best: Option<(f64, String)> = None;
    for (k, (metric, weight, _, _)) in weights.iter().enumerate() {
        let parts = |c: usize| {
            let (mut big_a, mut big_b) = (0.0, 0.0);
            for (m, column) in columns.iter().enumerate() {
                if let (Some(s), true) = (column[c], m != k) {
                    big_a += base[m] * s;
                    big_b += base[m];
                }
            }
            let (a, b) = columns[k][c].map_or((0.0, 0.0), |s| (s, 1.0));
            (big_a, big_b, a, b)
        };
        let (pa, pb, pa1, pb1) = parts(pick);
        let mut points: Vec<(f64, Option<usize>)> = Vec::new();
        for rival in (0..candidates.len()).filter(|&r| r != pick) {
            let (ra, rb, ra1, rb1) = parts(rival);
            let q2 = pa1 * rb1 - ra1 * pb1;
            let q1 = pa * rb1 + pa1 * rb - ra * pb1 - ra1 * pb;
            let q0 = pa * rb - ra * pb;
            points.extend(nonnegative_roots(q2, q1, q0).into_iter().map(|x| (x, Some(rival))));
        }
        // After the ties, so that a tie at 0 is named as one.
        points.push((0.0, None));
        for (x, rival) in points {
            if (x - weight).abs() <= 1e-12 * weight.max(1.0) {
                continue;
            }
            let past = x + (x - weight).signum() * 1e-9 * x.max(1.0);
            let Some(new) = at(k, if past < 0.0 { x } else { past }) else { continue };
            let distance = (x - weight).abs();
            if new == pick || best.as_ref().is_some_and(|(d, _)| *d <= distance) {
                continue;
            }
            let verb = if x > *weight { "raising" } else { "lowering" };
            let change = format!("{verb} the weight of `{metric}` from {} to {}", number(*weight), number(x));
            let words = match rival {
                Some(r) if r == new => {
                    format!("{change} makes `{}` tie with `{}`", candidates[r], candidates[pick])
                }
                _ => format!("{change} makes `{}` the pick", candidates[new]),
            };
            best = Some((distance, words));
        }
    }
    best.map(|(_, words)| words).unwrap_or_else(|| "no change of a single weight changes the pick".into())
}

/// Weighted utility over scored metrics.
pub fn weighted(
    candidates: &[String],
    weights: &[Weight],
    judge: &dyn Judge,
    noise_aware: bool,
) -> Option<Pick> {
    if candidates.is_empty() || weights.is_empty() {
        return None;
    }
    let scales = scales(candidates, weights, judge);
    let references = references(candidates, weights, judge, noise_aware);
    let values = |c: &str, m: &str| judge.figure(c, m).map(|f| f.value);
    let columns = columns(candidates, weights, &scales, &references, &values);
    let base: Vec<f64> = weights.iter().map(|(_, w, _, _)| *w).collect();
    let utility = utilities(&columns, &base);
    let pick = argmax(&utility)?;
    let mut order: Vec<usize> = (0..candidates.len()).collect();
    order.sort_by(|&a, &b| {
        let key = |c: usize| if utility[c].is_nan() { f64::NEG_INFINITY } else { utility[c] };
        key(b).total_cmp(&key(a)).then(a.cmp(&b))
    });
    let scores: Vec<Score> = order
        .iter()
        .map(|&c| {
            let total: f64 =
                columns.iter().zip(&base).filter(|(col, _)| col[c].is_some()).map(|(_, w)| w).sum();
            let parts = weights
                .iter()
                .zip(&columns)
                .map(|((m, w, _, _), col)| (m.clone(), col[c].map_or(f64::NAN, |s| w / total * s)))
                .collect();
            (candidates[c].clone(), utility[c], parts)
        })
        .collect();
    let tied: Vec<String> = (0..candidates.len())
        .filter(|&c| c != pick && (utility[c] - utility[pick]).abs() <= 1e-12)
        .map(|c| candidates[c].clone())
        .collect();
    let sensitivity = if tied.is_empty() {
        self::sensitivity(candidates, weights, &columns, &base, pick)
    } else {
        format!(
            "at the stated weights `{}` ties with {}, so the experiment's order decides",
            candidates[pick],
            tied.iter().map(|c| format!("`{c}`")).collect::<Vec<_>>().join(", ")
        )
    };
    // Robustness: the pick in resamples of the trials, each scored on the same scales
    // and references.
    let metrics: Vec<String> = weights.iter().map(|(m, _, _, _)| m.clone()).collect();
    let draws = judge.resampled(candidates, &metrics, crate::stats::resample::DRAWS);
    let robustness = (!draws.is_empty() && candidates.len() > 1).then(|| {
        let mut wins = vec![0usize; candidates.len()];
        for figures in &draws {
            let values = |c: &str, m: &str| figures.get(&(c.to_string(), m.to_string())).copied();
            let columns = self::columns(candidates, weights, &scales, &references, &values);
            if let Some(winner) = argmax(&utilities(&columns, &base)) {
                wins[winner] += 1;
            }
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
    let scales: Vec<MetricScale> = weights
        .iter()
        .enumerate()
        .map(|(m, (metric, _, _, _))| MetricScale {
            metric: metric.clone(),
            scale: scales[m].0,
            declared: scales[m].1,
            equalised: (0..candidates.len())
                .filter(|&c| references[m][c] != c)
                .map(|c| (candidates[c].clone(), candidates[references[m][c]].clone()))
                .collect(),
            missing: (0..candidates.len())
                .filter(|&c| columns[m][c].is_none())
                .map(|c| candidates[c].clone())
                .collect(),
        })
        .collect();
    let left_out =
        scales.iter().flat_map(|s| s.missing.iter().map(|c| (c.clone(), s.metric.clone()))).collect();
    Some(Pick {
        method: PriorityMethod::Weighted,
        candidate: candidates[pick].clone(),
        scores,
        sensitivity: Some(sensitivity),
        decided_by: None,
        robustness,
        scales,
        left_out,
        tied,
    })
}

/// How the weighted pick changes as the weight of `weights[index]` runs from 0 to 1 while
/// the other weights keep their proportions: `(from, to, candidate index)` segments of
/// one pick, evaluated at `steps + 1` points, scored as [`weighted`] scores.
pub fn sensitivity_bands(
    candidates: &[String],
    weights: &[Weight],
    judge: &dyn Judge,
    noise_aware: bool,
    index: usize,
    steps: usize,
) -> Vec<(f64, f64, usize)> {
    let scales = scales(candidates, weights, judge);
    let references = references(candidates, weights, judge, noise_aware);
    let values = |c: &str, m: &str| judge.figure(c, m).map(|f| f.value);
    let columns = columns(candidates, weights, &scales, &references, &values);
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
        let Some(pick) = argmax(&utilities(&columns, &vector)) else { continue };
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
        scales: Vec::new(),
        left_out: Vec::new(),
        tied: Vec::new(),
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
    use crate::stats::{Interval, Test};

    /// Figures with intervals, paired evidence given as one-sided p-values that
    /// `metric[a] > metric[b]` and `<`, and what energy-like figures cover.
    #[derive(Default)]
    struct Table {
        figures: HashMap<(String, String), Figure>,
        tests: HashMap<(String, String, String), (f64, f64)>,
        /// (candidate, metric) -> what the figure covers and how it was obtained.
        scopes: HashMap<(String, String), &'static str>,
        mixed_allowed: bool,
        /// Metrics no paired test can rank (too few trials).
        untestable: Vec<String>,
    }

    impl Table {
        fn put(&mut self, c: &str, m: &str, v: f64, lo: f64, hi: f64) {
            self.figures
                .insert((c.into(), m.into()), Figure { value: v, interval: Ok((lo, hi)), exact: false });
        }

        /// `p`: the one-sided p-value that `metric[a] > metric[b]`.
        fn test(&mut self, m: &str, a: &str, b: &str, p: f64) {
            self.tests.insert((m.into(), a.into(), b.into()), (p, 1.0 - p));
        }
    }

    impl Judge for Table {
        fn figure(&self, candidate: &str, metric: &str) -> Option<Figure> {
            self.figures.get(&(candidate.to_string(), metric.to_string())).cloned()
        }

        fn compare(&self, metric: &str, a: &str, factor: f64, b: &str) -> Result<Comparison, String> {
            self.rankable(metric, a, b)?;
            let key = (metric.to_string(), a.to_string(), b.to_string());
            let reverse = (metric.to_string(), b.to_string(), a.to_string());
            let (p_positive, p_negative) = match (self.tests.get(&key), self.tests.get(&reverse)) {
                (Some(p), _) => *p,
                (None, Some((p, q))) => (*q, *p),
                _ => (0.5, 0.5),
            };
            let _ = factor;
            let value = |c: &str| self.figures[&(c.to_string(), metric.to_string())].value;
            let estimate = value(a) - value(b);
            Ok(Comparison {
                // An untestable metric is what the report gives with too few paired trials:
                // a comparison whose interval is declined and whose test cannot decide.
                test: Test {
                    estimate,
                    interval: if self.untestable.iter().any(|m| m == metric) {
                        Err("n = 3: too few paired trials for a 90% interval (at least 5)".into())
                    } else {
                        Ok(Interval {
                            low: estimate - 0.01,
                            high: estimate + 0.01,
                            level: 0.9,
                            method: "table",
                            approximate: false,
                        })
                    },
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

        fn rankable(&self, metric: &str, a: &str, b: &str) -> Result<Option<String>, String> {
            let scope = |c: &str| self.scopes.get(&(c.to_string(), metric.to_string()));
            match (scope(a), scope(b)) {
                (Some(x), Some(y)) if x != y => {
                    let problem = format!("the `{metric}` figures differ: `{a}`: {x}; `{b}`: {y}");
                    if self.mixed_allowed { Ok(Some(problem)) } else { Err(problem) }
                }
                _ => Ok(None),
            }
        }
    }

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    /// accuracy (max) and train_time (min): tree 0.80 / 1 s, forest 0.87 / 6 s,
    /// slow 0.79 / 9 s. Paired tests: forest more accurate than tree and slow; tree and
    /// slow tie on accuracy; tree faster than both, forest faster than slow.
    fn lecture() -> Table {
        let mut table = Table::default();
        for (c, m, v, lo, hi) in [
            ("tree", "accuracy", 0.80, 0.79, 0.81),
            ("tree", "train_time", 1.0, 0.9, 1.1),
            ("forest", "accuracy", 0.87, 0.86, 0.88),
            ("forest", "train_time", 6.0, 5.5, 6.5),
            ("slow", "accuracy", 0.79, 0.78, 0.80),
            ("slow", "train_time", 9.0, 8.0, 10.0),
        ] {
            table.put(c, m, v, lo, hi);
        }
        for (m, a, b, p) in [
            ("accuracy", "forest", "tree", 0.001),
            ("accuracy", "forest", "slow", 0.001),
            ("accuracy", "tree", "slow", 0.2),
            ("train_time", "forest", "tree", 0.001),
            ("train_time", "slow", "tree", 0.001),
            ("train_time", "slow", "forest", 0.001),
        ] {
            table.test(m, a, b, p);
        }
        table
    }

    fn objectives() -> Vec<(String, Direction)> {
        vec![("accuracy".into(), Direction::Max), ("train_time".into(), Direction::Min)]
    }

    fn weights(list: &[(&str, f64, Direction)]) -> Vec<Weight> {
        list.iter().map(|(m, w, d)| (m.to_string(), *w, *d, None)).collect()
    }

    #[test]
    fn a_better_figure_that_no_test_can_rank_leaves_dominance_undecided() {
        let mut judge = lecture();
        judge.untestable = vec!["train_time".into()];
        // Too few trials: the paired test of the times cannot decide.
        judge.tests.remove(&("train_time".to_string(), "forest".to_string(), "tree".to_string()));
        // The forest is shown more accurate; the tree is faster, but with too few trials
        // for any test: absence of evidence is not "not worse".
        match dominance(&judge, "forest", "tree", &objectives(), true) {
            Dominance::Undecided(reason) => {
                assert!(reason.contains("`tree` has the better `train_time`"), "{reason}")
            }
            other => panic!("{other:?}"),
        }
        let f = frontier(&names(&["tree", "forest", "slow"]), &objectives(), &judge, true);
        assert!(f.members.contains(&"tree".to_string()), "{f:?}");
        assert!(f.undecided.iter().any(|(c, o, _)| c == "tree" && o == "forest"), "{f:?}");
        // Where the untested figure is the dominating candidate's better one, it stands.
        assert!(dominates(&judge, "forest", "slow", &objectives(), true));
        assert!(f.dominated.iter().any(|(c, _)| c == "slow"), "{f:?}");
        // With tests possible, "not shown worse" is the evidence it was.
        judge.untestable.clear();
        assert!(dominates(&judge, "forest", "tree", &objectives(), true));
    }

    #[test]
    fn the_frontier_uses_paired_tests_and_names_a_dominator_with_its_evidence() {
        let judge = lecture();
        let f = frontier(&names(&["tree", "forest", "slow"]), &objectives(), &judge, true);
        assert_eq!(f.members, names(&["tree", "forest"]));
        // slow: not shown more accurate than tree, shown slower: dominated by tree.
        assert_eq!(f.dominated, vec![("slow".to_string(), "tree".to_string())]);
        // The evidence: accuracy not shown worse (difference 0.01, p = 0.2), time shown
        // better (1 s against 9 s), each with its comparison's estimate and method.
        let evidence = &f.evidence[0];
        assert_eq!(evidence.len(), 2);
        let (accuracy, time) = (&evidence[0], &evidence[1]);
        assert_eq!((accuracy.metric.as_str(), accuracy.better), ("accuracy", false));
        assert_eq!((accuracy.by_value, accuracy.dominated_value), (0.80, 0.79));
        assert_eq!((time.metric.as_str(), time.better), ("train_time", true));
        let comparison = time.comparison.as_ref().unwrap().as_ref().unwrap();
        assert_eq!((comparison.test.estimate, comparison.test.method), (-8.0, "table"));
        assert!(f.undecided.is_empty() && f.mixed.is_empty());
        // By point values slow is less accurate than tree too; same frontier, no tests.
        let by_value = frontier(&names(&["tree", "slow"]), &objectives(), &judge, false);
        assert_eq!(by_value.members, names(&["tree"]));
        assert!(by_value.evidence[0].iter().all(|e| e.comparison.is_none() && e.better));
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

    /// Without declared scales a metric is scored on the span of the candidates'
    /// intervals: accuracy over [0.79, 0.88] (tree 0.1111, forest 0.8889), time over
    /// [6.5, 0.9] s (tree 5.5 / 5.6, forest 0.5 / 5.6). Weights 0.5 / 0.5: tree 0.5466,
    /// forest 0.4891; with 0.9 on accuracy the forest's lead counts: 0.8089 against 0.1982.
    #[test]
    fn weighted_utility_scores_on_the_span_of_the_intervals() {
        let judge = lecture();
        let candidates = names(&["tree", "forest"]);
        let even = weights(&[("accuracy", 0.5, Direction::Max), ("train_time", 0.5, Direction::Min)]);
        let pick = weighted(&candidates, &even, &judge, true).unwrap();
        assert_eq!(pick.candidate, "tree");
        let (tree, forest) =
            (0.5 * (0.01 / 0.09) + 0.5 * (5.5 / 5.6), 0.5 * (0.08 / 0.09) + 0.5 * (0.5 / 5.6));
        assert!((pick.scores[0].1 - tree).abs() < 1e-12, "{:?}", pick.scores);
        assert!((pick.scores[1].1 - forest).abs() < 1e-12, "{:?}", pick.scores);
        assert_eq!(pick.scales[0].scale, [0.79, 0.88]);
        assert_eq!(pick.scales[1].scale, [6.5, 0.9]);
        assert!(!pick.scales[0].declared);
        let accurate = weights(&[("accuracy", 0.9, Direction::Max), ("train_time", 0.1, Direction::Min)]);
        let pick = weighted(&candidates, &accurate, &judge, true).unwrap();
        assert_eq!(pick.candidate, "forest");
        assert!((pick.scores[0].1 - (0.9 * 0.08 / 0.09 + 0.1 * 0.5 / 5.6)).abs() < 1e-12);
        // The tie point is exact: 0.1 + d on time, where 0.1 * (0.8889 - 0.1111) =
        // (0.1 + d) * (0.9821 - 0.0893) - ... solved by the quadratic, and checked here by
        // picking just either side of it.
        let words = pick.sensitivity.unwrap();
        assert!(words.contains("makes `tree` tie with `forest`"), "{words}");
        // A declared scale is used as declared.
        let declared: Vec<Weight> = vec![
            ("accuracy".to_string(), 0.5, Direction::Max, Some([0.75, 0.90])),
            ("train_time".to_string(), 0.5, Direction::Min, Some([10.0, 0.0])),
        ];
        let pick = weighted(&candidates, &declared, &judge, true).unwrap();
        assert!(pick.scales.iter().all(|s| s.declared));
        assert!(
            (pick.scores.iter().find(|s| s.0 == "forest").unwrap().1 - (0.5 * 0.8 + 0.5 * 0.4)).abs() < 1e-12
        );
    }

    /// A and B: accuracy 0.80 against 0.79 that no test separates, B shown faster. By point
    /// values the accuracy noise outweighs B's real lead in time under a 0.9 weight; scored
    /// noise-aware, B is scored as A on accuracy and its speed decides.
    #[test]
    fn differences_within_the_noise_score_equal() {
        let mut judge = Table::default();
        judge.put("a", "accuracy", 0.80, 0.70, 0.90);
        judge.put("b", "accuracy", 0.79, 0.69, 0.89);
        judge.put("a", "train_time", 1.05, 1.0, 1.1);
        judge.put("b", "train_time", 1.0, 0.95, 1.05);
        judge.test("accuracy", "a", "b", 0.3);
        judge.test("train_time", "a", "b", 0.001);
        let candidates = names(&["a", "b"]);
        let w = weights(&[("accuracy", 0.9, Direction::Max), ("train_time", 0.1, Direction::Min)]);
        let by_value = weighted(&candidates, &w, &judge, false).unwrap();
        assert_eq!(by_value.candidate, "a", "{:?}", by_value.scores);
        assert!(by_value.scales[0].equalised.is_empty());
        let noise_aware = weighted(&candidates, &w, &judge, true).unwrap();
        assert_eq!(noise_aware.candidate, "b", "{:?}", noise_aware.scores);
        assert_eq!(noise_aware.scales[0].equalised, vec![("b".to_string(), "a".to_string())]);
        assert!(noise_aware.scales[1].equalised.is_empty(), "time is separated");
        // Two candidates the evidence cannot tell apart anywhere tie, and say so.
        judge.test("train_time", "a", "b", 0.4);
        let tie = weighted(&candidates, &w, &judge, true).unwrap();
        assert_eq!(tie.tied, names(&["b"]));
        assert!(tie.sensitivity.unwrap().contains("ties with `b`"));
    }

    /// The German-credit shape (no declared scales): logistic has the best balanced
    /// accuracy (the forest is within the noise of it, the tree shown worse) but no
    /// `rules` figure; the tree has the fewest rules by far. Scored 0 on the missing
    /// figure, logistic lost under a 0.7 weight on balanced accuracy; left out of its
    /// utility, the weights decide.
    fn german_credit() -> Table {
        let mut judge = Table::default();
        judge.put("tree", "balanced_accuracy", 0.6173, 0.5786, 0.656);
        judge.put("forest", "balanced_accuracy", 0.6638, 0.6215, 0.7061);
        judge.put("logistic", "balanced_accuracy", 0.6721, 0.6353, 0.7089);
        judge.put("tree", "rules", 15.0, 14.0, 15.0);
        judge.put("forest", "rules", 37472.0, 37346.0, 37872.0);
        judge.test("balanced_accuracy", "logistic", "tree", 0.01);
        judge.test("balanced_accuracy", "forest", "tree", 0.02);
        judge.test("balanced_accuracy", "logistic", "forest", 0.3);
        judge.test("rules", "forest", "tree", 0.0001);
        judge
    }

    #[test]
    fn a_heavy_weight_on_a_metric_picks_the_best_on_it() {
        let judge = german_credit();
        let candidates = names(&["tree", "forest", "logistic"]);
        let w = |accuracy: f64, rules: f64| {
            weights(&[("balanced_accuracy", accuracy, Direction::Max), ("rules", rules, Direction::Min)])
        };
        let pick = weighted(&candidates, &w(0.7, 0.3), &judge, true).unwrap();
        assert_eq!(pick.candidate, "logistic", "{:?}", pick.scores);
        assert_eq!(pick.left_out, vec![("logistic".to_string(), "rules".to_string())]);
        let logistic = pick.scores.iter().find(|s| s.0 == "logistic").unwrap();
        assert!(logistic.2[1].1.is_nan(), "a missing figure is no part of the utility: {logistic:?}");
        assert!((logistic.1 - (0.6721 - 0.5786) / (0.7089 - 0.5786)).abs() < 1e-12);
        assert_eq!(pick.scales[0].equalised, vec![("forest".to_string(), "logistic".to_string())]);
        assert_eq!(pick.scales[1].missing, names(&["logistic"]));
        // A heavy weight on rules picks the tree, the best on rules.
        assert_eq!(weighted(&candidates, &w(0.1, 0.9), &judge, true).unwrap().candidate, "tree");
        // The sensitivity names the nearest change that alters the pick, and it is true:
        // with no weight on rules the forest, within the noise of logistic on balanced
        // accuracy, ties with it; the tree would need balanced accuracy's weight at 0.2014
        // (tree = (0.3 * 0.99997 + 0.29701 x) / (0.3 + x) reaches logistic's 0.71757).
        let words = pick.sensitivity.clone().unwrap();
        assert_eq!(words, "lowering the weight of `rules` from 0.3 to 0 makes `forest` tie with `logistic`");
        assert_eq!(weighted(&candidates, &w(0.7, 0.0), &judge, true).unwrap().tied, names(&["logistic"]));
        assert_eq!(weighted(&candidates, &w(0.20, 0.3), &judge, true).unwrap().candidate, "tree");
        assert_eq!(weighted(&candidates, &w(0.21, 0.3), &judge, true).unwrap().candidate, "logistic");
        // No single weight change nearer than that alters the pick: a sweep of each.
        for step in 1..=500 {
            let x = step as f64 * 0.01;
            if x > 0.21 && x < 1.0 {
                assert_eq!(weighted(&candidates, &w(x, 0.3), &judge, true).unwrap().candidate, "logistic");
            }
            if x < 0.6 {
                assert_eq!(weighted(&candidates, &w(0.7, x), &judge, true).unwrap().candidate, "logistic");
            }
        }
        // The bands agree: with balanced accuracy's share low the tree is the pick.
        let bands = sensitivity_bands(&candidates, &w(0.7, 0.3), &judge, true, 0, 100);
        assert_eq!(bands.first().map(|b| b.2), Some(0), "{bands:?}");
        assert!(bands.iter().any(|b| b.0 <= 0.7 && 0.7 <= b.1 && b.2 == 2), "{bands:?}");
    }

    #[test]
    fn the_sensitivity_never_claims_no_change_when_one_exists() {
        let judge = german_credit();
        let candidates = names(&["tree", "forest", "logistic"]);
        for (a, r) in [(0.7, 0.3), (0.1, 0.9), (0.5, 0.5), (0.3, 0.7), (0.9, 0.1)] {
            let w = weights(&[("balanced_accuracy", a, Direction::Max), ("rules", r, Direction::Min)]);
            let pick = weighted(&candidates, &w, &judge, true).unwrap();
            let changes = (0..=1000).any(|step| {
                let x = step as f64 * 0.01;
                let mut wa = w.clone();
                wa[0].1 = x;
                let mut wr = w.clone();
                wr[1].1 = x;
                [wa, wr]
                    .iter()
                    .any(|v| weighted(&candidates, v, &judge, true).unwrap().candidate != pick.candidate)
            });
            let words = pick.sensitivity.unwrap();
            assert_eq!(!words.starts_with("no change"), changes, "weights {a}/{r}: {words}");
        }
    }

    /// gpu: more accurate (shown), lower energy by value, but its energy figure covers the
    /// GPU board by counter and the tree's is a CPU estimate.
    fn mixed() -> Table {
        let mut judge = Table::default();
        judge.put("gpu", "accuracy", 0.9, 0.88, 0.92);
        judge.put("tree", "accuracy", 0.8, 0.78, 0.82);
        judge.put("gpu", "train_energy", 50.0, 45.0, 55.0);
        judge.put("tree", "train_energy", 100.0, 90.0, 110.0);
        judge.test("accuracy", "gpu", "tree", 0.001);
        judge.test("train_energy", "tree", "gpu", 0.001);
        judge.scopes.insert(("gpu".into(), "train_energy".into()), "cpu-share+gpu-board+ram-share (counter)");
        judge.scopes.insert(("tree".into(), "train_energy".into()), "cpu-share+ram-share (estimated)");
        judge
    }

    #[test]
    fn energy_of_different_coverage_leaves_a_dominance_undecided() {
        let objectives =
            vec![("accuracy".to_string(), Direction::Max), ("train_energy".to_string(), Direction::Min)];
        let candidates = names(&["gpu", "tree"]);
        let judge = mixed();
        for noise_aware in [true, false] {
            let f = frontier(&candidates, &objectives, &judge, noise_aware);
            assert_eq!(f.members, candidates, "noise_aware {noise_aware}");
            assert!(f.dominated.is_empty());
            assert_eq!(f.undecided.len(), 1, "{:?}", f.undecided);
            let (candidate, other, reason) = &f.undecided[0];
            assert_eq!((candidate.as_str(), other.as_str()), ("tree", "gpu"));
            assert!(reason.contains("cpu-share+ram-share (estimated)"), "{reason}");
            assert!(f.mixed.is_empty());
            assert!(!better(&judge, "train_energy", Direction::Min, "gpu", "tree", noise_aware));
        }
        // Allowed: ranked, and the frontier says it ranked them.
        let mut judge = mixed();
        judge.mixed_allowed = true;
        let f = frontier(&candidates, &objectives, &judge, true);
        assert_eq!(f.dominated, vec![("tree".to_string(), "gpu".to_string())]);
        assert!(f.undecided.is_empty());
        assert_eq!(f.mixed.len(), 1);
        assert!(f.mixed[0].contains("`train_energy`"), "{:?}", f.mixed);
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
