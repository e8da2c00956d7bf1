//! `tradeoff compare A B`: two results folders of the same experiment side by side (two
//! machines, two commits). Per candidate and metric, the ratio of B's statistic to A's
//! with a bootstrap interval; the trials of two runs are independent, so the two sides
//! are resampled independently. On one fixed test set a quality figure's trials share
//! their test rows, so their spread says nothing of the test sample: there the test rows
//! are resampled (together, when both runs tested the same rows). Differences in
//! hardware, protocol, candidates, units or methods are warnings first: a ratio across
//! them mixes two questions. Nothing is left out without a warning that says why.

use data::rng::{Rng, derive_seed};
use spec::model::Statistic;

use crate::Analysis;
use crate::fixed::FixedSet;
use crate::stats::{self, resample};
use crate::trials::{Design, Trials};

/// One candidate x metric in both runs.
#[derive(Debug, Clone)]
pub struct Row {
    pub candidate: String,
    pub metric: String,
    /// A's unit; B's figures are converted into it.
    pub unit: String,
    pub a: f64,
    pub b: f64,
    /// B / A.
    pub ratio: f64,
    /// The ratio's 95% interval, or why there is none.
    pub interval: Result<(f64, f64), String>,
    /// What the bootstrap resampled: "trials", or "test rows" on a fixed test set.
    pub resampled: &'static str,
}

#[derive(Debug, Clone)]
pub struct Across {
    pub rows: Vec<Row>,
    pub warnings: Vec<String>,
}

/// Fewest trials per side for a bootstrap interval of a ratio.
const MINIMUM: usize = 6;

/// The trials of one run, and the predictions of its fixed test set (or why there are
/// none to resample).
struct Side<'a> {
    trials: Trials<'a>,
    fixed: Result<Option<FixedSet>, String>,
}

impl<'a> Side<'a> {
    fn of(analysis: &'a Analysis) -> Side<'a> {
        let results = &analysis.results;
        let trials = Trials::of(
            &results.experiment,
            &results.records,
            results.environment.as_ref().map(|e| e.hardware.fingerprint.as_str()),
            results.plan_keys(),
        );
        let (task, levels) = crate::fixed::task_of(results);
        let fixed = FixedSet::load(&results.dir, &trials, task, &levels);
        Side { trials, fixed }
    }

    fn fixed_test_set(&self) -> bool {
        matches!(self.trials.design, Design::FixedTestSet { .. })
    }
}

pub fn compare(a: &Analysis, b: &Analysis) -> Across {
    let (ea, eb) = (&a.results.experiment, &b.results.experiment);
    let mut warnings = Vec::new();
    if ea.name != eb.name {
        warnings.push(format!("different experiments: `{}` and `{}`", ea.name, eb.name));
    }
    match (&a.results.environment, &b.results.environment) {
        (Some(x), Some(y)) if x.hardware.fingerprint != y.hardware.fingerprint => warnings.push(format!(
            "different hardware: {} ({} logical cores) and {} ({} logical cores): timings and energy compare the machines as much as the code",
            x.hardware.cpu.brand, x.hardware.cpu.logical_cores, y.hardware.cpu.brand, y.hardware.cpu.logical_cores
        )),
        (None, _) | (_, None) => warnings.push("a folder has no environment.json: its hardware is unknown".into()),
        _ => {}
    }
    let section = |e: &spec::Experiment, f: fn(&spec::model::ExperimentFile) -> serde_json::Value| f(&e.file);
    let protocol = |f: &spec::model::ExperimentFile| serde_json::to_value(&f.protocol).unwrap_or_default();
    let dataset = |f: &spec::model::ExperimentFile| serde_json::to_value(&f.dataset).unwrap_or_default();
    if section(ea, protocol) != section(eb, protocol) {
        warnings.push("different protocols (folds, repetitions, statistic, ...): the figures are not operationalized alike".into());
    }
    if section(ea, dataset) != section(eb, dataset) {
        warnings.push("different datasets".into());
    }
    if let (Some(x), Some(y)) = (&a.results.environment, &b.results.environment)
        && x.git.commit != y.git.commit
    {
        warnings.push(format!(
            "different commits: {} and {}",
            x.git.commit.as_deref().map(|c| &c[..c.len().min(12)]).unwrap_or("?"),
            y.git.commit.as_deref().map(|c| &c[..c.len().min(12)]).unwrap_or("?")
        ));
    }
    for c in &ea.candidates {
        if eb.candidate(&c.name).is_none() {
            warnings.push(format!("`{}` is only in A: not compared", c.name));
        }
    }
    for c in &eb.candidates {
        if ea.candidate(&c.name).is_none() {
            warnings.push(format!("`{}` is only in B: not compared", c.name));
        }
    }
    for m in &ea.metrics {
        if eb.metric(m.name()).is_none() {
            warnings.push(format!("`{}` is only in A: not compared", m.name()));
        }
    }
    for m in &eb.metrics {
        if ea.metric(m.name()).is_none() {
            warnings.push(format!("`{}` is only in B: not compared", m.name()));
        }
    }
    for metric in &ea.metrics {
        let Some(metric_b) = eb.metric(metric.name()) else { continue };
        if metric_b.unit.convert(1.0, metric.unit).is_none() {
            warnings.push(format!(
                "`{}`: in {} in A but {} in B, which do not convert: not compared",
                metric.name(),
                metric.unit.symbol,
                metric_b.unit.symbol
            ));
        } else if metric_b.unit != metric.unit {
            warnings.push(format!(
                "`{}`: B's figures converted from {} to {}",
                metric.name(),
                metric_b.unit.symbol,
                metric.unit.symbol
            ));
        }
    }
    let (sa, sb) = (Side::of(a), Side::of(b));
    let mut rows = Vec::new();
    for ca in &ea.candidates {
        let Some(cb) = eb.candidate(&ca.name) else { continue };
        if ca.learner != cb.learner || ca.params != cb.params {
            warnings.push(format!("`{}` has other hyperparameters in B", ca.name));
        }
        for metric in &ea.metrics {
            let Some(metric_b) = eb.metric(metric.name()) else { continue };
            let pair = format!("`{}` {}", ca.name, metric.name());
            let (ra, rb) = match (a.row(&ca.name, metric.name()), b.row(&ca.name, metric.name())) {
                (Some(ra), Some(rb)) => (ra, rb),
                (None, None) => continue,
                (ra, _) => {
                    warnings.push(format!(
                        "{pair}: no figure in {}: not compared",
                        if ra.is_none() { "A" } else { "B" }
                    ));
                    continue;
                }
            };
            // B's figures in A's unit (a unit that does not convert was warned about).
            let Some(to_a) = metric_b.unit.convert(1.0, metric.unit) else { continue };
            if ra.method != rb.method {
                warnings.push(format!(
                    "{pair}: {} in A but {} in B: the ratio compares the methods as much as the runs",
                    method_words(ra.method),
                    method_words(rb.method)
                ));
            }
            if ra.value == 0.0 {
                warnings.push(format!("{pair}: A's figure is 0: no ratio"));
                continue;
            }
            let seed = derive_seed(ea.seed, &format!("across/{}/{}", ca.name, metric.name()));
            let by_rows = metric.info.from_predictions && (sa.fixed_test_set() || sb.fixed_test_set());
            let interval = if by_rows {
                rows_interval(&sa, &sb, &ca.name, metric.name(), ra.statistic, seed)
            } else {
                let va: Vec<f64> = sa.trials.values(&ca.name, metric.name()).into_values().collect();
                let vb: Vec<f64> =
                    sb.trials.values(&ca.name, metric.name()).into_values().map(|v| v * to_a).collect();
                if va.len() < MINIMUM || vb.len() < MINIMUM {
                    Err(format!(
                        "n = {} and {}: too few trials for an interval (at least {MINIMUM} each)",
                        va.len(),
                        vb.len()
                    ))
                } else {
                    Ok(ratio_interval(&va, &vb, ra.statistic, seed))
                }
            };
            rows.push(Row {
                candidate: ca.name.clone(),
                metric: metric.name().to_string(),
                unit: ra.unit.clone(),
                a: ra.value,
                b: rb.value * to_a,
                ratio: rb.value * to_a / ra.value,
                interval,
                resampled: if by_rows { "test rows" } else { "trials" },
            });
        }
    }
    Across { rows, warnings }
}

fn method_words(method: units::Method) -> String {
    if method.is_measurement() { format!("measured ({method})") } else { method.to_string() }
}

/// The ratio interval of a quality figure on a fixed test set, by resampling test rows.
fn rows_interval(
    a: &Side<'_>,
    b: &Side<'_>,
    candidate: &str,
    metric: &str,
    statistic: Statistic,
    seed: u64,
) -> Result<(f64, f64), String> {
    if !(a.fixed_test_set() && b.fixed_test_set()) {
        return Err(
            "one run tested on a fixed test set, the other on resampled splits: no common interval".into()
        );
    }
    let load = |side: &Side<'_>, name: &str| match &side.fixed {
        Ok(Some(fixed)) => Ok(fixed.clone()),
        Ok(None) => Err(format!("{name} has no stored predictions")),
        Err(reason) => Err(format!("{name}'s predictions cannot be used ({reason})")),
    };
    let why = |reason: String| {
        format!(
            "one fixed test set: its trials repeat the same test rows, so their spread is not the test set's sampling error, \
             and {reason}"
        )
    };
    let fa = load(a, "A").map_err(why)?;
    let fb = load(b, "B").map_err(why)?;
    fixed_ratio_interval(&fa, &fb, candidate, metric, statistic == Statistic::Median, seed)
}

/// The 95% percentile-bootstrap interval of metric(B) / metric(A) on fixed test sets:
/// test rows (and repetitions) resampled, the rows drawn together where both runs tested
/// the same rows (the ratio then compares the runs on the same sample), apart otherwise.
pub fn fixed_ratio_interval(
    a: &FixedSet,
    b: &FixedSet,
    candidate: &str,
    metric: &str,
    median: bool,
    seed: u64,
) -> Result<(f64, f64), String> {
    let predicted = |set: &FixedSet, name: &str| {
        let repetitions = set.common_repetitions(&[candidate]);
        set.of(candidate, &repetitions)
            .filter(|p| !p.by_repetition.is_empty())
            .ok_or_else(|| format!("`{candidate}` has no stored predictions in {name}"))
    };
    let (pa, pb) = (predicted(a, "A")?, predicted(b, "B")?);
    let same_rows = a.truth == b.truth;
    let draws_a = resample::draws(seed, a.truth.len(), pa.by_repetition.len(), resample::DRAWS);
    let draws_b =
        resample::draws(seed ^ 0x9e37_79b9_7f4a_7c15, b.truth.len(), pb.by_repetition.len(), resample::DRAWS);
    let ratios: Vec<f64> = draws_a
        .iter()
        .zip(draws_b)
        .map(|(da, mut db)| {
            if same_rows {
                db.rows.clone_from(&da.rows);
            }
            resample::metric_under(&db, &b.test_rows(), &pb, metric, median)
                / resample::metric_under(da, &a.test_rows(), &pa, metric, median)
        })
        .collect();
    let interval = resample::percentile_interval(&ratios, 0.95);
    if !(interval.low.is_finite() && interval.high.is_finite()) {
        return Err(format!("`{metric}` cannot be recomputed from the stored predictions"));
    }
    Ok((interval.low, interval.high))
}

/// The 95% percentile-bootstrap interval of statistic(B) / statistic(A), each side
/// resampled on its own.
fn ratio_interval(a: &[f64], b: &[f64], statistic: Statistic, seed: u64) -> (f64, f64) {
    let mut rng = Rng::new(seed);
    let of = |values: &mut Vec<f64>| match statistic {
        Statistic::Mean => stats::mean(values),
        _ => stats::median(values),
    };
    let draw = |values: &[f64], rng: &mut Rng| -> Vec<f64> {
        (0..values.len()).map(|_| values[rng.below(values.len() as u64) as usize]).collect()
    };
    let ratios: Vec<f64> = (0..resample::DRAWS)
        .map(|_| {
            let (mut x, mut y) = (draw(a, &mut rng), draw(b, &mut rng));
            of(&mut y) / of(&mut x)
        })
        .collect();
    let interval = resample::percentile_interval(&ratios, 0.95);
    (interval.low, interval.high)
}

/// The comparison as a terminal table.
pub fn table(across: &Across, a_name: &str, b_name: &str) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    for warning in &across.warnings {
        let _ = writeln!(out, "warning: {warning}");
    }
    if !across.warnings.is_empty() {
        let _ = writeln!(out);
    }
    let header = ["candidate", "metric", "unit", a_name, b_name, "B / A", "95% interval (bootstrap of)"];
    let mut rows: Vec<Vec<String>> = vec![header.iter().map(|s| s.to_string()).collect()];
    for row in &across.rows {
        rows.push(vec![
            row.candidate.clone(),
            row.metric.clone(),
            row.unit.clone(),
            crate::format::number(row.a),
            crate::format::number(row.b),
            format!("{:.3}x", row.ratio),
            match &row.interval {
                Ok((low, high)) => format!("[{:.3}, {:.3}] ({})", low, high, row.resampled),
                Err(reason) => reason.clone(),
            },
        ]);
    }
    let widths: Vec<usize> =
        (0..header.len()).map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0)).collect();
    for row in rows {
        let cells: Vec<String> = row
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c}{}", " ".repeat(w - c.chars().count())))
            .collect();
        let _ = writeln!(out, "{}", cells.join("  ").trim_end());
    }
    out
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn committed(name: &str) -> Analysis {
        crate::analyse(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../results").join(name))
            .expect("a committed results folder")
    }

    #[test]
    fn differences_between_the_runs_are_warned_about_not_dropped_silently() {
        let a = committed("default");
        let mut b = committed("default");
        // Another machine: its environment and every record made on it.
        let environment = b.results.environment.as_mut().unwrap();
        environment.hardware.fingerprint = "another-machine".into();
        environment.hardware.cpu.brand = "Another CPU".into();
        for record in &mut b.results.records {
            record.hardware_fingerprint = "another-machine".into();
        }
        // B dropped a candidate, measured what A estimated, and reports train_time in s.
        b.results.experiment.candidates.retain(|c| c.name != "mlp");
        let energy =
            b.summary.iter_mut().find(|r| r.candidate == "forest" && r.metric == "train_energy").unwrap();
        energy.method = units::Method::Counter;
        let seconds = units::Unit::parse("s").unwrap();
        b.results.experiment.metrics.iter_mut().find(|m| m.name() == "train_time").unwrap().unit = seconds;
        for row in b.summary.iter_mut().filter(|r| r.metric == "train_time") {
            row.value /= 1000.0;
            row.unit = "s".into();
        }
        let across = compare(&a, &b);
        let warned = |words: &str| across.warnings.iter().any(|w| w.contains(words));
        let brand = &a.results.environment.as_ref().unwrap().hardware.cpu.brand;
        assert!(warned(&format!("different hardware: {brand} (")), "{:#?}", across.warnings);
        assert!(warned("logical cores) and Another CPU ("), "{:#?}", across.warnings);
        assert!(warned("`mlp` is only in A: not compared"), "{:#?}", across.warnings);
        assert!(
            warned("`forest` train_energy: estimated in A but measured (counter) in B"),
            "{:#?}",
            across.warnings
        );
        assert!(warned("`train_time`: B's figures converted from s to ms"), "{:#?}", across.warnings);
        assert_eq!(across.warnings.iter().filter(|w| w.contains("converted")).count(), 1, "once per metric");
        assert!(!across.rows.iter().any(|r| r.candidate == "mlp"));
        // Converted, the same trials give a ratio of 1 whose interval contains it.
        let time = across.rows.iter().find(|r| r.candidate == "tree" && r.metric == "train_time").unwrap();
        let (low, high) = time.interval.clone().unwrap();
        assert!((time.ratio - 1.0).abs() < 1e-9 && low <= 1.0 && high >= 1.0, "{time:?}");
        assert_eq!(time.unit, "ms");
        // The same run twice: no warning at all.
        assert!(compare(&a, &committed("default")).warnings.is_empty());
    }

    /// A fixed test set of `rows` rows with the given share predicted right, the same in
    /// every one of three repetitions (a deterministic learner).
    fn fixed(rows: usize, right: f64) -> FixedSet {
        let truth: Vec<u32> = (0..rows as u32).map(|i| i % 2).collect();
        let predicted: Vec<u32> = truth
            .iter()
            .enumerate()
            .map(|(i, t)| if (i as f64) < right * rows as f64 { *t } else { 1 - t })
            .collect();
        let by_repetition: BTreeMap<u32, Vec<u32>> = (0..3).map(|r| (r, predicted.clone())).collect();
        FixedSet {
            truth,
            n_classes: 2,
            task: quality::Task::new(2),
            groups: None,
            predicted: BTreeMap::from([("tree".to_string(), by_repetition)]),
            scores: BTreeMap::new(),
        }
    }

    #[test]
    fn on_a_fixed_test_set_the_ratio_interval_comes_from_the_test_rows() {
        // Identical trials in each run: resampling trials gave [r, r]. Resampling the test
        // rows gives the test sample's uncertainty.
        let (a, b) = (fixed(400, 0.80), fixed(400, 0.85));
        let (low, high) = fixed_ratio_interval(&a, &b, "tree", "accuracy", false, 7).unwrap();
        let ratio = 0.85 / 0.80;
        assert!(low < ratio && ratio < high, "[{low}, {high}]");
        assert!(high - low > 0.02, "a real width: [{low}, {high}]");
        // Paired on the same rows, B's extra right answers are the only difference: every
        // resample keeps B ahead.
        assert!(low > 1.0, "[{low}, {high}]");
        // The same predictions on both sides: exactly 1, and that is no illusion.
        assert_eq!(fixed_ratio_interval(&a, &a, "tree", "accuracy", false, 7).unwrap(), (1.0, 1.0));
        assert!(fixed_ratio_interval(&a, &b, "forest", "accuracy", false, 7).is_err());
    }

    #[test]
    fn the_official_split_compared_with_itself_resamples_test_rows() {
        let a = committed("fashion-tradeoffs");
        let across = compare(&a, &committed("fashion-tradeoffs"));
        let accuracy = across.rows.iter().find(|r| r.metric == "accuracy").unwrap();
        assert_eq!(accuracy.resampled, "test rows", "{accuracy:?}");
        assert!(accuracy.interval.is_ok(), "{accuracy:?}");
        let latency = across.rows.iter().find(|r| r.metric == "inference_latency").unwrap();
        assert_eq!(latency.resampled, "trials");
    }
}
