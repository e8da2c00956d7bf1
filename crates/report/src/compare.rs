//! Paired comparisons behind every verdict that relates figures: claims, constraints
//! against a baseline, and the dominance tests of the Pareto frontier.
//!
//! Candidates are compared on what they share. Within a trial slot they had the same
//! split and seed, so the comparison is paired by slot; on one fixed test set it is
//! paired by test row. The method follows the design:
//!
//! | figures | design | method |
//! |---|---|---|
//! | quality (accuracy, F1) | several splits | corrected resampled t over slot differences |
//! | quality | one fixed test set | paired bootstrap over test rows; over several repetitions, t on the rows' variance (bootstrap) plus the seeds' (the repetitions' spread); McNemar's exact test for a plain accuracy comparison with one repetition |
//! | measured (time, energy, size), median | any | Wilcoxon signed-rank over slot differences (over log-ratios for a ratio claim); sign test against a bound |
//! | measured, mean | any | paired t (one-sample t against a bound) |
//! | declared figures only | — | exact arithmetic; on the interval of their inputs' ranges where they carry one |
//!
//! Each comparison yields one-sided p-values for both directions and a two-sided
//! interval at `1 - 2 alpha`, whose ends are one-sided bounds at `1 - alpha`.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};

use spec::model::Statistic;
use spec::{Claim, Comparison as Cmp, Expr};

use data::rng::derive_seed;

use crate::fixed::FixedSet;
use crate::stats::paired::{self, Test};
use crate::stats::{Interval, resample};
use crate::trials::{Design, Slot, Trials};

/// The note of a comparison that ranked energy figures of different coverage or method.
pub const MIXED_ANYWAY: &str = "compared anyway, as `compare_mixed_energy = true` allows";

/// How a comparison's effect is expressed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Scale {
    /// `left - right` of the claim, in the metric's unit.
    Difference,
    /// `ln(numerator / denominator) - ln(bound)`; shown as the ratio.
    Ratio { bound: f64 },
}

/// The evidence about one relation between figures.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    /// The test of the effect against zero: positive means the left side is larger.
    pub test: Test,
    pub scale: Scale,
    /// Both sides are equal in every paired unit (identical predictions or figures).
    pub identical: bool,
    /// What the reader should know: pairing, per-repetition McNemar, fallbacks.
    pub notes: Vec<String>,
}

impl Comparison {
    /// The estimate as shown: a difference, or a ratio.
    pub fn shown_estimate(&self) -> f64 {
        match self.scale {
            Scale::Difference => self.test.estimate,
            Scale::Ratio { bound } => (self.test.estimate).exp() * bound,
        }
    }

    /// The interval as shown, or why there is none.
    pub fn shown_interval(&self) -> Result<Interval, String> {
        let interval = self.test.interval.clone()?;
        Ok(match self.scale {
            Scale::Difference => interval,
            Scale::Ratio { bound } => {
                Interval { low: interval.low.exp() * bound, high: interval.high.exp() * bound, ..interval }
            }
        })
    }

    /// The bound the shown estimate is compared with (0 for a difference).
    pub fn shown_bound(&self) -> f64 {
        match self.scale {
            Scale::Difference => 0.0,
            Scale::Ratio { bound } => bound,
        }
    }

    /// The one-sided p-value for "the left side is larger" (`true`) or smaller.
    pub fn p(&self, left_larger: bool) -> f64 {
        if self.identical {
            return 1.0;
        }
        if left_larger { self.test.p_positive } else { self.test.p_negative }
    }
}

/// Compares figures of one experiment's trials.
#[derive(Debug)]
pub struct Evidence<'a> {
    trials: &'a Trials<'a>,
    fixed: Option<&'a FixedSet>,
    /// Two-sided level of the intervals shown with comparisons: `1 - 2 alpha`.
    pub level: f64,
    cache: RefCell<HashMap<String, Result<Comparison, String>>>,
}

impl<'a> Evidence<'a> {
    pub fn new(trials: &'a Trials<'a>, fixed: Option<&'a FixedSet>) -> Evidence<'a> {
        let alpha = trials.experiment.protocol.alpha;
        Evidence { trials, fixed, level: 1.0 - 2.0 * alpha, cache: RefCell::default() }
    }

    pub fn alpha(&self) -> f64 {
        self.trials.experiment.protocol.alpha
    }

    /// `metric[a]` against `metric[b]`: positive effect means `a` is larger.
    pub fn difference(&self, metric: &str, a: &str, b: &str) -> Result<Comparison, String> {
        let reference = |candidate: &str| Expr::Metric {
            metric: metric.to_string(),
            candidate: candidate.to_string(),
            span: 0..0,
        };
        let claim = Claim { left: reference(a), comparison: Cmp::Greater, right: reference(b) };
        self.claim(&claim, &format!("{metric}[{a}] vs {metric}[{b}]"))
    }

    /// The evidence about a claim's `left - right` (or its ratio); `label` seeds its
    /// resamples and keys the cache.
    pub fn claim(&self, claim: &Claim, label: &str) -> Result<Comparison, String> {
        if let Some(hit) = self.cache.borrow().get(label) {
            return hit.clone();
        }
        let result = self.evaluate(claim, label);
        self.cache.borrow_mut().insert(label.to_string(), result.clone());
        result
    }

    fn evaluate(&self, claim: &Claim, label: &str) -> Result<Comparison, String> {
        let trials = self.trials;
        let experiment = trials.experiment;
        let mut references: Vec<(String, String)> = Vec::new();
        for (metric, candidate, _) in claim.references() {
            let pair = (metric.to_string(), candidate.to_string());
            if !references.contains(&pair) {
                references.push(pair);
            }
        }
        let mut constants: HashMap<(String, String), f64> = HashMap::new();
        let mut run: Vec<String> = Vec::new();
        for (metric, candidate) in &references {
            let values = trials.values(candidate, metric);
            if values.is_empty() {
                return Err(format!("no figure for {metric}[{candidate}]"));
            }
            if trials.is_declared(candidate) {
                constants.insert(
                    (metric.clone(), candidate.clone()),
                    values.values().copied().next().unwrap_or(f64::NAN),
                );
            } else if !run.contains(candidate) {
                run.push(candidate.clone());
            }
        }
        // Energy figures of different coverage or method are not ranked silently.
        let mut caveat = None;
        if let Err(problem) = self.comparable_references(&references) {
            if !experiment.file.environment.compare_mixed_energy.unwrap_or(false) {
                return Err(format!(
                    "{problem}; such figures are not ranked (set `[environment] compare_mixed_energy = true` to compare them anyway)"
                ));
            }
            caveat = Some(format!("{problem}: {MIXED_ANYWAY}"));
        }
        let mut comparison = self.evaluate_comparable(claim, label, &references, &constants, &run)?;
        comparison.notes.extend(caveat);
        Ok(comparison)
    }

    /// Whether the energy figures a set of references names cover the same parts by the
    /// same method for every candidate.
    fn comparable_references(&self, references: &[(String, String)]) -> Result<(), String> {
        let mut metrics: Vec<&str> = references.iter().map(|(m, _)| m.as_str()).collect();
        metrics.sort();
        metrics.dedup();
        for metric in metrics {
            let candidates: Vec<&str> =
                references.iter().filter(|(m, _)| m == metric).map(|(_, c)| c.as_str()).collect();
            self.comparable(metric, &candidates)?;
        }
        Ok(())
    }

    /// Whether `metric`'s figures of `candidates` can be ranked against each other: for
    /// energy and what derives from it (CO2, electricity cost), the same coverage and
    /// method; for latency and throughput, the same protocol (in-process, or through a
    /// command); anything else always.
    pub fn comparable(&self, metric: &str, candidates: &[&str]) -> Result<(), String> {
        let Some(request) = self.trials.experiment.metric(metric) else { return Ok(()) };
        let energy_like =
            request.info.dimension == units::Dimension::Energy || matches!(metric, "co2" | "energy_cost");
        // A command's latency is a pipe round trip and its throughput one marked pass; a
        // built-in's are in-process calls and repeated batches: not one protocol.
        let protocol_like = matches!(metric, "inference_latency" | "inference_throughput");
        if !(energy_like || protocol_like) || candidates.len() < 2 {
            return Ok(());
        }
        let labels: Vec<(&str, Vec<String>)> =
            candidates.iter().map(|c| (*c, self.trials.coverage(c, metric))).collect();
        if labels.iter().all(|(_, l)| *l == labels[0].1) && labels[0].1.len() <= 1 {
            return Ok(());
        }
        Err(format!(
            "the `{metric}` figures differ in what they cover or how they were obtained: {}",
            labels
                .iter()
                .map(|(c, l)| format!(
                    "`{c}`: {}",
                    if l.is_empty() { "none".to_string() } else { l.join(" and ") }
                ))
                .collect::<Vec<_>>()
                .join("; ")
        ))
    }

    fn evaluate_comparable(
        &self,
        claim: &Claim,
        label: &str,
        references: &[(String, String)],
        constants: &HashMap<(String, String), f64>,
        run: &[String],
    ) -> Result<Comparison, String> {
        let trials = self.trials;
        let experiment = trials.experiment;
        if run.is_empty() {
            let mut lookup = |m: &str, c: &str| constants.get(&(m.to_string(), c.to_string())).copied();
            let left = claim.left.evaluate(&mut lookup).unwrap_or(f64::NAN);
            let right = claim.right.evaluate(&mut lookup).unwrap_or(f64::NAN);
            // Declared figures whose inputs carry ranges are decided on their intervals;
            // plain declared figures stay exact.
            let ranges = self.declared_ranges(references);
            if ranges.is_empty() {
                return Ok(exact(left - right));
            }
            let mut bounds = |m: &str, c: &str| {
                let key = (m.to_string(), c.to_string());
                ranges.get(&key).copied().or_else(|| constants.get(&key).map(|v| [*v, *v]))
            };
            let (Some([l_low, l_high]), Some([r_low, r_high])) =
                (interval_of(&claim.left, &mut bounds), interval_of(&claim.right, &mut bounds))
            else {
                return Ok(exact(left - right));
            };
            return Ok(exact_on_range(left - right, [l_low - r_high, l_high - r_low]));
        }
        let is_quality = |m: &str| experiment.metric(m).is_some_and(|r| r.info.from_predictions);
        let all_quality = references.iter().all(|(m, _)| is_quality(m));
        let median = references
            .iter()
            .any(|(m, _)| experiment.metric(m).is_some_and(|r| r.statistic == Statistic::Median));
        if all_quality {
            match trials.design {
                Design::FixedTestSet { .. } => {
                    if let Some(fixed) = self.fixed {
                        return self.rows(claim, constants, run, fixed, median, label);
                    }
                }
                Design::Resampled { test_train, folds, partitions } => {
                    return self.resampled(claim, references, constants, test_train, folds, partitions);
                }
            }
        }
        let mut comparison = self.slots(claim, references, constants, run, median)?;
        if all_quality {
            comparison
                .notes
                .push("compared per trial: the stored predictions of the test rows could not be used".into());
        }
        Ok(comparison)
    }

    /// The ranges of declared figures whose inputs carry one, by (metric, candidate).
    fn declared_ranges(&self, references: &[(String, String)]) -> HashMap<(String, String), [f64; 2]> {
        references
            .iter()
            .filter(|(_, c)| self.trials.is_declared(c))
            .filter_map(|(m, c)| {
                let range = self.trials.ranges(c, m)?.into_values().next()?;
                Some(((m.clone(), c.clone()), range))
            })
            .collect()
    }

    /// Paired by trial slot: measured figures.
    fn slots(
        &self,
        claim: &Claim,
        references: &[(String, String)],
        constants: &HashMap<(String, String), f64>,
        run: &[String],
        median: bool,
    ) -> Result<Comparison, String> {
        let per_reference: HashMap<(String, String), BTreeMap<Slot, f64>> = references
            .iter()
            .filter(|r| !constants.contains_key(*r))
            .map(|(m, c)| ((m.clone(), c.clone()), self.trials.values(c, m)))
            .collect();
        let common = common_keys(per_reference.values());
        let value = |slot: &Slot, m: &str, c: &str| {
            let key = (m.to_string(), c.to_string());
            constants
                .get(&key)
                .copied()
                .or_else(|| per_reference.get(&key).and_then(|v| v.get(slot)).copied())
        };
        let pairing = if run.len() >= 2 {
            format!("paired by trial slot ({} slots where all succeeded)", common.len())
        } else {
            format!("{} trial(s) against a fixed bound", common.len())
        };
        // A ratio of one metric between two run candidates: test the log-ratio.
        let has_ranges = references.iter().any(|(m, c)| self.trials.ranges(c, m).is_some());
        if let Some(form) = claim.ratio_form()
            && median
            && !has_ranges
            && run.contains(&form.numerator)
            && run.contains(&form.denominator)
        {
            let logs: Option<Vec<f64>> = common
                .iter()
                .map(|slot| {
                    let n = value(slot, &form.metric, &form.numerator)?;
                    let d = value(slot, &form.metric, &form.denominator)?;
                    (n > 0.0 && d > 0.0).then(|| (n / d).ln() - form.bound.ln())
                })
                .collect();
            if let Some(logs) = logs {
                let identical = form.bound == 1.0 && !logs.is_empty() && logs.iter().all(|d| *d == 0.0);
                return Ok(Comparison {
                    test: paired::wilcoxon(&logs, self.level),
                    scale: Scale::Ratio { bound: form.bound },
                    identical,
                    notes: vec![format!("{pairing}; on the ratio of the two in each slot")],
                });
            }
        }
        let differences: Vec<f64> = common
            .iter()
            .filter_map(|slot| {
                let mut lookup = |m: &str, c: &str| value(slot, m, c);
                Some(claim.left.evaluate(&mut lookup)? - claim.right.evaluate(&mut lookup)?)
            })
            .collect();
        let identical = run.len() >= 2 && !differences.is_empty() && differences.iter().all(|d| *d == 0.0);
        let method = |d: &[f64]| slot_test(d, run.len() >= 2, median, self.level);
        let mut test = method(&differences);
        let mut notes = vec![pairing];
        // Estimates with a model range are decided on it: each side at the end of its
        // range least favourable to the verdict.
        let ranges: HashMap<(String, String), BTreeMap<Slot, [f64; 2]>> = references
            .iter()
            .filter(|r| !constants.contains_key(*r))
            .filter_map(|(m, c)| Some(((m.clone(), c.clone()), self.trials.ranges(c, m)?)))
            .collect();
        // A declared figure with a range holds it in every slot.
        let declared_ranges = self.declared_ranges(references);
        if !ranges.is_empty() || !declared_ranges.is_empty() {
            let bounds = |slot: &Slot, m: &str, c: &str| -> Option<[f64; 2]> {
                let key = (m.to_string(), c.to_string());
                if let Some(range) = declared_ranges.get(&key) {
                    return Some(*range);
                }
                match ranges.get(&key) {
                    Some(r) => r.get(slot).copied(),
                    None => value(slot, m, c).map(|v| [v, v]),
                }
            };
            let (mut lowest, mut highest) = (Vec::new(), Vec::new());
            for slot in &common {
                let mut lookup = |m: &str, c: &str| bounds(slot, m, c);
                let (Some([l_low, l_high]), Some([r_low, r_high])) =
                    (interval_of(&claim.left, &mut lookup), interval_of(&claim.right, &mut lookup))
                else {
                    continue;
                };
                lowest.push(l_low - r_high);
                highest.push(l_high - r_low);
            }
            let (low, high) = (method(&lowest), method(&highest));
            test.p_positive = low.p_positive;
            test.p_negative = high.p_negative;
            test.interval = match (low.interval, high.interval) {
                (Ok(l), Ok(h)) => Ok(Interval { low: l.low, high: h.high, ..l }),
                (Err(e), _) | (_, Err(e)) => Err(e),
            };
            notes.push(
                "decided on the estimates' model ranges: each side at the end of its range least favourable to the verdict"
                    .into(),
            );
        }
        Ok(Comparison { test, scale: Scale::Difference, identical, notes })
    }

    /// Quality over several splits: the corrected resampled t over slot differences.
    fn resampled(
        &self,
        claim: &Claim,
        references: &[(String, String)],
        constants: &HashMap<(String, String), f64>,
        test_train: f64,
        folds: u32,
        partitions: u32,
    ) -> Result<Comparison, String> {
        let per_reference: HashMap<(String, String), BTreeMap<Slot, f64>> = references
            .iter()
            .filter(|r| !constants.contains_key(*r))
            .map(|(m, c)| ((m.clone(), c.clone()), self.trials.units(c, m)))
            .collect();
        let common = common_keys(per_reference.values());
        let differences: Vec<f64> = common
            .iter()
            .filter_map(|slot| {
                let mut lookup = |m: &str, c: &str| {
                    let key = (m.to_string(), c.to_string());
                    constants.get(&key).copied().or_else(|| per_reference.get(&key)?.get(slot).copied())
                };
                Some(claim.left.evaluate(&mut lookup)? - claim.right.evaluate(&mut lookup)?)
            })
            .collect();
        let run_count = per_reference.keys().map(|(_, c)| c).collect::<std::collections::BTreeSet<_>>().len();
        let identical = run_count >= 2 && !differences.is_empty() && differences.iter().all(|d| *d == 0.0);
        let mut notes = vec![format!(
            "{} paired estimates ({partitions} x {folds}-fold); variance corrected for overlapping training sets (test/train = {:.3})",
            differences.len(),
            test_train
        )];
        if partitions == 1 && self.trials.experiment.protocol.repetitions > 1 {
            notes.push("repetitions reuse one split, so each fold's repetitions are averaged first".into());
        }
        Ok(Comparison {
            test: paired::corrected_t(&differences, test_train, self.level),
            scale: Scale::Difference,
            identical,
            notes,
        })
    }

    /// Quality on one fixed test set: the paired bootstrap over its rows (and
    /// repetitions), and McNemar's exact test for a plain accuracy comparison.
    #[allow(clippy::too_many_arguments)]
    fn rows(
        &self,
        claim: &Claim,
        constants: &HashMap<(String, String), f64>,
        run: &[String],
        fixed: &FixedSet,
        median: bool,
        label: &str,
    ) -> Result<Comparison, String> {
        let names: Vec<&str> = run.iter().map(String::as_str).collect();
        let repetitions = fixed.common_repetitions(&names);
        if repetitions.is_empty() {
            return Err(format!("no repetition in which {} all have predictions", names.join(", ")));
        }
        let predicted: HashMap<&str, resample::Predicted> =
            names.iter().filter_map(|c| Some((*c, fixed.of(c, &repetitions)?))).collect();
        let rows = fixed.truth.len();
        let effect = |draw: &resample::Draw| -> f64 {
            let mut lookup = |m: &str, c: &str| {
                constants.get(&(m.to_string(), c.to_string())).copied().or_else(|| {
                    Some(resample::metric_under(draw, &fixed.test_rows(), predicted.get(c)?, m, median))
                })
            };
            let left = claim.left.evaluate(&mut lookup).unwrap_or(f64::NAN);
            let right = claim.right.evaluate(&mut lookup).unwrap_or(f64::NAN);
            left - right
        };
        let estimate = effect(&resample::Draw::identity(rows, repetitions.len()));
        let seed = derive_seed(self.trials.experiment.seed, &format!("compare/{label}"));
        let crossed = repetitions.len() > 1 && !median;
        let (mut test, draws) = if crossed {
            // Rows and seeds crossed: the rows' variance from resampling rows, the seeds'
            // from the repetitions' own effects.
            let by_repetition = resample::per_repetition(rows, repetitions.len(), &effect);
            let draws: Vec<f64> = resample::row_draws(seed, rows, repetitions.len(), resample::DRAWS)
                .iter()
                .map(effect)
                .collect();
            let test = resample::crossed_test(estimate, &by_repetition, &draws, rows, self.level);
            (test, draws.into_iter().chain(by_repetition).collect::<Vec<f64>>())
        } else {
            let draws: Vec<f64> =
                resample::draws(seed, rows, repetitions.len(), resample::DRAWS).iter().map(effect).collect();
            (resample::test(estimate, &draws, rows, self.level), draws)
        };
        let identical = run.len() >= 2 && estimate == 0.0 && draws.iter().all(|d| *d == 0.0);
        let mut notes = vec![format!(
            "paired by test row: {rows} rows{}",
            if crossed {
                format!(
                    " x {} repetitions (the rows' variance by resampling rows, the seeds' from the repetitions)",
                    repetitions.len()
                )
            } else if repetitions.len() > 1 {
                format!(" x {} repetitions (rows and repetitions resampled)", repetitions.len())
            } else {
                String::new()
            }
        )];
        // A plain `accuracy[a] ? accuracy[b]`: McNemar's exact test on the discordant rows.
        if let (Expr::Metric { metric: m1, candidate: a, .. }, Expr::Metric { metric: m2, candidate: b, .. }) =
            (&claim.left, &claim.right)
            && m1 == "accuracy"
            && m2 == "accuracy"
            && a != b
            && let (Some(pa), Some(pb)) = (predicted.get(a.as_str()), predicted.get(b.as_str()))
        {
            let mut p_values = Vec::new();
            for (ra, rb) in pa.by_repetition.iter().zip(&pb.by_repetition) {
                let (mut only_a, mut only_b) = (0u64, 0u64);
                for ((&t, &x), &y) in fixed.truth.iter().zip(ra).zip(rb) {
                    match (x == t, y == t) {
                        (true, false) => only_a += 1,
                        (false, true) => only_b += 1,
                        _ => {}
                    }
                }
                p_values.push((only_a, only_b, paired::mcnemar(only_a, only_b)));
            }
            if let [(only_a, only_b, (p_a, p_b))] = p_values[..] {
                test.p_positive = p_a;
                test.p_negative = p_b;
                test.method = "McNemar's exact test";
                notes.push(format!(
                    "{only_a} rows only `{a}` gets right, {only_b} only `{b}`; the interval is the paired bootstrap's"
                ));
            } else {
                notes.push(format!(
                    "McNemar's exact test per repetition (one-sided, `{a}` more accurate): p = {}",
                    p_values
                        .iter()
                        .map(|(_, _, (p, _))| crate::format::number(*p))
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
        }
        Ok(Comparison { test, scale: Scale::Difference, identical, notes })
    }
}

/// The test of per-slot differences the design calls for: Wilcoxon signed-rank for the
/// medians of two run candidates, the sign test for a median against a bound, the paired
/// (or one-sample) t for means. The calibration simulation calls this too, so it checks
/// the dispatch the report uses.
pub fn slot_test(differences: &[f64], two_candidates: bool, median: bool, level: f64) -> Test {
    match (two_candidates, median) {
        (true, true) => paired::wilcoxon(differences, level),
        (false, true) => paired::sign(differences, level),
        (_, false) => paired::t(differences, level),
    }
}

/// An expression's interval when each reference is an interval (interval arithmetic).
fn interval_of(expr: &Expr, lookup: &mut dyn FnMut(&str, &str) -> Option<[f64; 2]>) -> Option<[f64; 2]> {
    Some(match expr {
        Expr::Number(n) => [*n, *n],
        Expr::Metric { metric, candidate, .. } => lookup(metric, candidate)?,
        Expr::Negate(inner) => {
            let [low, high] = interval_of(inner, lookup)?;
            [-high, -low]
        }
        Expr::Binary(a, op, b) => {
            let ([a0, a1], [b0, b1]) = (interval_of(a, lookup)?, interval_of(b, lookup)?);
            match op {
                '+' => [a0 + b0, a1 + b1],
                '-' => [a0 - b1, a1 - b0],
                _ => {
                    if *op == '/' && b0 <= 0.0 && b1 >= 0.0 {
                        return Some([f64::NEG_INFINITY, f64::INFINITY]);
                    }
                    let apply = |x: f64, y: f64| if *op == '*' { x * y } else { x / y };
                    let corners = [apply(a0, b0), apply(a0, b1), apply(a1, b0), apply(a1, b1)];
                    [
                        corners.iter().copied().fold(f64::INFINITY, f64::min),
                        corners.iter().copied().fold(f64::NEG_INFINITY, f64::max),
                    ]
                }
            }
        }
    })
}

/// The keys every map has.
fn common_keys<'m>(maps: impl Iterator<Item = &'m BTreeMap<Slot, f64>>) -> Vec<Slot> {
    let mut common: Option<Vec<Slot>> = None;
    for map in maps {
        common = Some(match common {
            None => map.keys().copied().collect(),
            Some(keys) => keys.into_iter().filter(|k| map.contains_key(k)).collect(),
        });
    }
    common.unwrap_or_default()
}

/// A comparison of declared figures whose inputs carry ranges: the claim's side holds
/// only if it holds over the whole interval `[low, high]` of the difference, fails only
/// if it fails over all of it, and is undecided otherwise.
fn exact_on_range(difference: f64, [low, high]: [f64; 2]) -> Comparison {
    let p_positive = if low > 0.0 { 0.0 } else { 1.0 };
    let p_negative = if high < 0.0 { 0.0 } else { 1.0 };
    Comparison {
        test: Test {
            estimate: difference,
            interval: Ok(Interval { low, high, level: 1.0, method: "declared ranges", approximate: false }),
            p_positive,
            p_negative,
            n: 1,
            method: "declared figures, decided on the interval their inputs' ranges give",
        },
        scale: Scale::Difference,
        identical: low == 0.0 && high == 0.0,
        notes: vec![
            "decided on the declared inputs' ranges: the verdict must hold at every end of them".into(),
        ],
    }
}

/// A comparison of declared figures: no sampling, the arithmetic decides.
fn exact(difference: f64) -> Comparison {
    let (p_positive, p_negative) = if difference > 0.0 {
        (0.0, 1.0)
    } else if difference < 0.0 {
        (1.0, 0.0)
    } else {
        (1.0, 1.0)
    };
    Comparison {
        test: Test {
            estimate: difference,
            interval: Ok(Interval {
                low: difference,
                high: difference,
                level: 1.0,
                method: "exact",
                approximate: false,
            }),
            p_positive,
            p_negative,
            n: 1,
            method: "declared figures, exact arithmetic",
        },
        scale: Scale::Difference,
        identical: difference == 0.0,
        notes: Vec::new(),
    }
}
