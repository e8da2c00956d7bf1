//! `report.md`: readable on GitHub, every figure with its unit and method, the
//! protocol and the hardware, and what was left out and why.

use std::fmt::Write as _;

use units::Method;

use crate::Analysis;
use crate::decide::Status;
use crate::format::{Effect, missing, number, percent, with_interval};
use crate::trials::Design;

pub fn render(analysis: &Analysis) -> String {
    let results = &analysis.results;
    let experiment = &results.experiment;
    let mut out = String::new();
    let _ = writeln!(out, "# Experiment `{}`\n", experiment.name);
    if let Some(description) = &experiment.file.experiment.description {
        let _ = writeln!(out, "{}\n", description.trim());
    }
    write_brief(&mut out, analysis);
    write_key_figures(&mut out, analysis);
    write_variation(&mut out, analysis);

    let _ = writeln!(out, "## Details\n");
    let level = percent(1.0 - experiment.protocol.alpha);
    let _ = writeln!(
        out,
        "{} recorded trials of the current plan used, {} failed{}, from `runs.jsonl`. Each figure is its statistic over the trials \
         with a {level} confidence interval where one keeps its promise (the method is named per figure); the method in brackets \
         says how the figure was obtained (`counter`: read from a counter or counted; `sampled`: power integrated over time; \
         `estimated`: a model; `declared`: given in the experiment file).\n",
        analysis.used,
        analysis.failed.len(),
        if analysis.ignored.is_empty() {
            String::new()
        } else {
            format!(
                ", {} ignored as not part of the current plan (listed under *Left out*)",
                analysis.ignored.len()
            )
        },
    );
    let _ = writeln!(out, "### All figures\n");
    let metrics: Vec<&spec::MetricRequest> = experiment.metrics.iter().collect();
    let _ = write!(out, "| candidate |");
    for metric in &metrics {
        let _ = write!(out, " {} ({}) |", metric.name(), metric.unit.symbol);
    }
    let _ = writeln!(out);
    let _ = writeln!(out, "|---|{}", "---|".repeat(metrics.len()));
    for candidate in &experiment.candidates {
        let _ = write!(out, "| {} |", candidate.name);
        for metric in &metrics {
            match analysis.row(&candidate.name, metric.name()) {
                Some(row) => {
                    let _ = write!(out, " {} |", with_interval(row));
                }
                None => {
                    let _ = write!(out, " n/a: {} |", missing(analysis, &candidate.name, metric.name()));
                }
            }
        }
        let _ = writeln!(out);
    }
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "Cells: statistic [{level} interval] in the column's unit, with the method when it is not `counter`; `no CI`: no interval \
         keeps its promise here (the reason is in the detail table); `n/a`: no figure, with the reason.\n"
    );
    let _ = writeln!(out, "{STRIPS}\n");

    let _ = writeln!(out, "### Detail\n");
    let _ = writeln!(
        out,
        "| candidate | metric | unit | method | n | statistic | value | interval | level | how | IQR | min | max | CV |"
    );
    let _ = writeln!(out, "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    for row in &analysis.summary {
        let (interval, achieved) = match &row.interval {
            Ok(i) => (format!("{} – {}", number(i.low), number(i.high)), percent(i.level)),
            Err(_) => ("—".to_string(), "—".to_string()),
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {:.1}% |",
            row.candidate,
            row.metric,
            row.unit,
            row.method,
            row.n,
            statistic_name(row.statistic),
            number(row.value),
            interval,
            achieved,
            row.interval_note(),
            number(row.iqr()),
            number(row.min),
            number(row.max),
            row.cv * 100.0
        );
    }
    let _ = writeln!(out);
    let threshold = experiment.protocol.noise_threshold;
    let noisy: Vec<&crate::SummaryRow> = analysis.summary.iter().filter(|r| r.is_noisy(threshold)).collect();
    if !noisy.is_empty() {
        let _ = writeln!(
            out,
            "**Noisy figures** (interval wider than {:.0}% of the statistic):\n",
            threshold * 100.0
        );
        for row in noisy {
            let _ = writeln!(
                out,
                "- {} / {}: interval width {:.0}% with n = {}. {}",
                row.candidate,
                row.metric,
                row.relative_ci_width().unwrap_or(0.0) * 100.0,
                row.n,
                advice(analysis, row)
            );
        }
        let _ = writeln!(out);
    }

    write_decision(&mut out, analysis);
    write_groups(&mut out, analysis);
    write_claims(&mut out, analysis);
    crate::published::write_markdown(&mut out, analysis);
    write_scenarios(&mut out, analysis);

    write_methods(&mut out, analysis);
    write_protocol(&mut out, analysis);
    write_environment(&mut out, analysis);
    write_left_out(&mut out, analysis);
    out
}

/// Where `report.html` puts its figures (HTML comments: invisible on GitHub).
pub const MATRIX: &str = "<!-- figure:matrix -->";
pub const COMPARISONS: &str = "<!-- figure:comparisons -->";
pub const STRIPS: &str = "<!-- figure:strips -->";
pub const SENSITIVITY: &str = "<!-- figure:sensitivity -->";

/// The answer first: the pick and how robust it is, the frontier, the constraints that
/// are not simply met, and every claim with its estimate and interval.
fn write_brief(out: &mut String, analysis: &Analysis) {
    let decision = &analysis.decision;
    let experiment = &analysis.results.experiment;
    let _ = writeln!(out, "## Decision\n");
    if decision.candidates.is_empty() {
        let _ = writeln!(out, "No candidate has a successful trial yet.\n");
        return;
    }
    let undecided = decision.undecided();
    for caveat in &decision.mixed_energy {
        let _ = writeln!(
            out,
            "- **Caveat**: ranked although not comparable, as `[environment] compare_mixed_energy = true` allows: {caveat}"
        );
    }
    match (&decision.pick, &decision.pick_blocked) {
        (Some(pick), _) => {
            let mut words = format!("- **Pick: `{}`**", pick.candidate);
            if undecided.contains(&pick.candidate.as_str()) {
                words.push_str(" (with an undecided constraint)");
            }
            match pick.method {
                spec::model::PriorityMethod::Weighted => {
                    if let Some((_, utility, _)) = pick.scores.first() {
                        let _ = write!(words, ": weighted utility {utility:.3}");
                    }
                    if let Some((draws, shares)) = &pick.robustness {
                        let own = shares.iter().find(|(c, _)| c == &pick.candidate).map_or(0.0, |(_, s)| *s);
                        let _ = write!(
                            words,
                            "; the pick in {} of {} resamples of the trials",
                            percent_whole(own),
                            thousands(*draws)
                        );
                    }
                    if let Some(sensitivity) = share_sensitivity(analysis, pick) {
                        let _ = write!(words, "; {sensitivity}");
                    }
                }
                spec::model::PriorityMethod::Lexicographic => {
                    if let Some(metric) = &pick.decided_by {
                        let _ = write!(words, ": lexicographic, decided by `{metric}`");
                    }
                }
            }
            let _ = writeln!(out, "{words}.");
        }
        (None, Some(reason)) => {
            let _ = writeln!(out, "- **No pick**: {reason}.");
        }
        (None, None) if experiment.file.priorities.is_none() => {
            let _ = writeln!(
                out,
                "- **No pick**: the experiment states no `[priorities]`; the frontier is the answer."
            );
        }
        (None, None) => {
            let _ = writeln!(out, "- **No pick**: no candidate is feasible.");
        }
    }
    let frontier: Vec<String> = decision.frontier.members.iter().map(|c| format!("`{c}`")).collect();
    let mut words = format!(
        "- **Frontier**: {}",
        if frontier.is_empty() { "none".to_string() } else { frontier.join(", ") }
    );
    for (dominated, by) in &decision.frontier.dominated {
        let _ = write!(words, "; `{dominated}` dominated by `{by}`");
    }
    for (candidate, other, _) in &decision.frontier.undecided {
        let _ = write!(words, "; whether `{other}` dominates `{candidate}` is undecided (see Details)");
    }
    let violators: Vec<&String> = decision.candidates.iter().filter(|c| decision.violates(c)).collect();
    if !violators.is_empty() {
        let _ = write!(
            words,
            "; out for a violated constraint: {}",
            violators.iter().map(|c| format!("`{c}`")).collect::<Vec<_>>().join(", ")
        );
    }
    let _ = writeln!(out, "{words}.");
    if !decision.constraints.is_empty() {
        let met = decision.constraints.iter().filter(|c| c.status == Status::Met).count();
        let _ = writeln!(out, "- **Constraints** ({met} of {} checks met):", decision.constraints.len());
        // One line per bound: who meets it, and who does not, with why.
        let mut bounds: Vec<(&str, &str)> = Vec::new();
        for check in &decision.constraints {
            if !bounds.contains(&(check.metric.as_str(), check.bound.as_str())) {
                bounds.push((check.metric.as_str(), check.bound.as_str()));
            }
        }
        for (metric, bound) in bounds {
            let checks: Vec<&crate::decide::ConstraintCheck> =
                decision.constraints.iter().filter(|c| c.metric == metric && c.bound == bound).collect();
            let mut parts = Vec::new();
            let names = |status: Status| -> Vec<String> {
                checks.iter().filter(|c| c.status == status).map(|c| format!("`{}`", c.candidate)).collect()
            };
            let met = names(Status::Met);
            if !met.is_empty() {
                parts.push(format!("met by {}", met.join(", ")));
            }
            for check in checks.iter().filter(|c| c.status != Status::Met) {
                parts.push(format!(
                    "{} `{}` ({})",
                    if check.status == Status::Violated { "**violated** by" } else { "*undecided* for" },
                    check.candidate,
                    check.reason
                ));
            }
            let _ = writeln!(out, "  - `{metric}` {bound}: {}", parts.join("; "));
        }
    }
    if !decision.claims.is_empty() {
        let alpha = experiment.protocol.alpha;
        let _ = writeln!(
            out,
            "- **Claims** (paired tests, one-sided, Holm-corrected together at α = {}; intervals two-sided {}, each end a \
             one-sided {} bound):",
            number(alpha),
            percent(1.0 - 2.0 * alpha),
            percent(1.0 - alpha)
        );
        for check in &decision.claims {
            let verdict = match check.verdict {
                crate::claims::Verdict::Undecided => "*undecided*".to_string(),
                v => format!("**{}**", v.as_str()),
            };
            let evidence = match &check.comparison {
                Ok(c) => Effect::of_claim(analysis, &check.claim.check, c).words(c),
                Err(reason) => reason.clone(),
            };
            let why = if check.verdict == crate::claims::Verdict::Undecided
                && !check.reason.is_empty()
                && check.comparison.is_ok()
            {
                format!("; {}", check.reason)
            } else {
                String::new()
            };
            let _ = writeln!(out, "  - {verdict} — {}: {evidence}{why}", check.claim.text);
        }
    }
    let _ = writeln!(out, "\n{COMPARISONS}\n");
}

/// One row per candidate with the prioritised metrics (or the first five when none are):
/// the figures a reader compares; the sentence under the table names the others and
/// where they are.
fn write_key_figures(out: &mut String, analysis: &Analysis) {
    let experiment = &analysis.results.experiment;
    let prioritised: Vec<&spec::MetricRequest> =
        analysis.decision.objectives.iter().filter_map(|(m, _)| experiment.metric(m)).collect();
    let chosen = experiment.file.priorities.is_some() && !prioritised.is_empty();
    let metrics: Vec<&spec::MetricRequest> =
        if chosen { prioritised } else { experiment.metrics.iter().take(5).collect() };
    let _ = writeln!(out, "## Key figures\n");
    let _ = write!(out, "| candidate | trials |");
    for metric in &metrics {
        let _ = write!(out, " {} ({}) |", metric.name(), metric.unit.symbol);
    }
    let _ = writeln!(out);
    let _ = writeln!(out, "|---|---|{}", "---|".repeat(metrics.len()));
    let level = percent(1.0 - experiment.protocol.alpha);
    for candidate in &experiment.candidates {
        let n =
            analysis.summary.iter().filter(|r| r.candidate == candidate.name).map(|r| r.n).max().unwrap_or(0);
        let mark = if analysis.decision.pick.as_ref().is_some_and(|p| p.candidate == candidate.name) {
            " ★"
        } else {
            ""
        };
        let _ = write!(out, "| {}{mark} | {n} |", candidate.name);
        for metric in &metrics {
            match analysis.row(&candidate.name, metric.name()) {
                Some(row) => {
                    let interval = match &row.interval {
                        Ok(i) if i.low != i.high => format!("<br>[{}, {}]", number(i.low), number(i.high)),
                        Ok(_) => String::new(),
                        Err(_) => "<br>no CI".to_string(),
                    };
                    let method = if row.method == Method::Counter {
                        String::new()
                    } else {
                        format!(" ({})", row.method)
                    };
                    let _ = write!(out, " {}{method}{interval} |", number(row.value));
                }
                None => {
                    let _ = write!(out, " n/a: {} |", missing(analysis, &candidate.name, metric.name()));
                }
            }
        }
        let _ = writeln!(out);
    }
    let others: Vec<String> = experiment
        .metrics
        .iter()
        .filter(|m| !metrics.iter().any(|k| k.name() == m.name()))
        .map(|m| format!("`{}`", m.name()))
        .collect();
    let which = if chosen {
        "The metrics the priorities weigh, each"
    } else if experiment.file.priorities.is_none() {
        "No `[priorities]`: the first metrics, each"
    } else {
        "Each figure"
    };
    let _ = writeln!(
        out,
        "\n{which} as its statistic with its {level} interval, in the column's unit; methods other than `counter` named. \
         ★ marks the pick. {}, the intervals' methods and every trial are under *Details*.\n",
        if others.is_empty() {
            "Every figure".to_string()
        } else {
            format!("The other figures ({})", others.join(", "))
        }
    );
    let _ = writeln!(out, "{MATRIX}\n");
}

/// The share of one weight at which the pick changes, nearest the stated shares, in the
/// same terms as the sensitivity plot: each weight's share of all weights, the others
/// keeping their proportions. Recomputed from the pick's per-metric parts, which are
/// each weight's share times the candidate's score on that metric.
fn share_sensitivity(analysis: &Analysis, pick: &crate::decide::Pick) -> Option<String> {
    let priorities = analysis.results.experiment.file.priorities.as_ref()?;
    let metrics: Vec<&String> = pick.scores.first()?.2.iter().map(|(m, _)| m).collect();
    let weights: Vec<f64> =
        metrics.iter().map(|m| priorities.weights.get(*m).copied().unwrap_or(0.0)).collect();
    let total: f64 = weights.iter().sum();
    if metrics.len() < 2 || pick.scores.len() < 2 || total <= 0.0 || weights.iter().any(|w| *w <= 0.0) {
        return None;
    }
    // Each candidate's score in 0..1 on each metric.
    let score = |parts: &[(String, f64)], i: usize| parts[i].1 * total / weights[i];
    let picked = pick.scores.iter().find(|(c, _, _)| *c == pick.candidate)?;
    let mut best: Option<(f64, f64, &str, &str)> = None;
    for m in 0..metrics.len() {
        let stated = weights[m] / total;
        let others = total - weights[m];
        for (rival, _, parts) in pick.scores.iter().filter(|(c, _, _)| *c != pick.candidate) {
            // Utility at share s: s * score_m + (1 - s) * rest, rest the others' weighted mean.
            let rest = |p: &[(String, f64)]| {
                (0..metrics.len()).filter(|i| *i != m).map(|i| weights[i] * score(p, i)).sum::<f64>() / others
            };
            let (dm, dr) = (score(&picked.2, m) - score(parts, m), rest(&picked.2) - rest(parts));
            if (dr - dm).abs() < 1e-12 {
                continue;
            }
            let tie = dr / (dr - dm);
            if !(0.0..=1.0).contains(&tie) {
                continue;
            }
            if best.is_none_or(|(s0, t, _, _)| (tie - stated).abs() < (t - s0).abs()) {
                best = Some((stated, tie, metrics[m].as_str(), rival.as_str()));
            }
        }
    }
    Some(match best {
        None => "no change of one weight's share changes the pick".to_string(),
        Some((stated, tie, metric, rival)) => {
            let (from, to) = shares(stated, tie);
            format!(
                "{} `{metric}`'s share of the weights from {from} to {to} makes `{rival}` tie with `{}`",
                if tie > stated { "raising" } else { "lowering" },
                pick.candidate
            )
        }
    })
}

/// Two shares as percentages, with a decimal when whole percents would read as equal.
fn shares(a: f64, b: f64) -> (String, String) {
    let whole = |v: f64| format!("{:.0}%", v * 100.0);
    if whole(a) != whole(b) {
        (whole(a), whole(b))
    } else {
        (format!("{:.1}%", a * 100.0), format!("{:.1}%", b * 100.0))
    }
}

fn statistic_name(statistic: spec::model::Statistic) -> &'static str {
    match statistic {
        spec::model::Statistic::Median => "median",
        spec::model::Statistic::Mean => "mean",
        spec::model::Statistic::Min => "min",
        spec::model::Statistic::Max => "max",
    }
}

/// What narrows a noisy figure: more of what varies, not copies of what does not.
fn advice(analysis: &Analysis, row: &crate::SummaryRow) -> String {
    let experiment = &analysis.results.experiment;
    let quality = experiment.metric(&row.metric).is_some_and(|m| m.info.from_predictions);
    match analysis.design {
        Design::FixedTestSet { .. } if quality => {
            "The test set's own sampling error dominates: only a larger test set narrows it.".into()
        }
        Design::Resampled { partitions: 1, .. } if quality && experiment.protocol.repetitions > 1 => {
            "Repetitions reuse one split here; set `protocol.reshuffle = true` so that each draws its own folds.".into()
        }
        Design::Resampled { partitions: 1, .. } if quality => {
            "One split only: add repetitions with `protocol.reshuffle = true`, each drawing its own folds.".into()
        }
        Design::Resampled { .. } if quality => {
            "Add repetitions (`protocol.repetitions`): each draws its own split. Correlation between folds keeps a floor under the width.".into()
        }
        _ if row.n < 10 => "Add repetitions (`protocol.repetitions`) to narrow it.".into(),
        _ => "Lengthen the measured window (larger batches, more latency samples) or isolate the machine.".into(),
    }
}

/// Which sources of variation the trials cover, so a reader knows what the intervals mean.
fn write_variation(out: &mut String, analysis: &Analysis) {
    let experiment = &analysis.results.experiment;
    let protocol = &experiment.protocol;
    let r = protocol.repetitions;
    let _ = writeln!(out, "## Sources of variation\n");
    let split = match (protocol.evaluation, protocol.reshuffle) {
        (spec::Evaluation::Official, _) => {
            "fixed: the dataset's official test set, the same in every trial".to_string()
        }
        (spec::Evaluation::Folds(k), true) if r > 1 => {
            format!(
                "varied: each of the {r} repetitions draws its own stratified {k}-fold partition ({} slots)",
                r * k
            )
        }
        (spec::Evaluation::Folds(k), _) => {
            format!("{k} folds of one stratified partition, reused by every repetition")
        }
        (spec::Evaluation::Holdout(h), true) if r > 1 => {
            format!("varied: each of the {r} repetitions draws its own stratified {:.0}% holdout", h * 100.0)
        }
        (spec::Evaluation::Holdout(h), _) => format!("fixed: one stratified {:.0}% holdout", h * 100.0),
    };
    let _ = writeln!(out, "- **data split**: {split};");
    let _ = writeln!(
        out,
        "- **learner seed**: {} (one per trial slot, shared by every candidate in it: common random numbers, so comparisons are paired);",
        if r * protocol.evaluation.splits() > 1 { "varied" } else { "one seed" }
    );
    let test = match analysis.design {
        Design::FixedTestSet { .. } if analysis.predictions_unusable.is_none() => {
            "included: quality figures resample the test rows (and repetitions), so their intervals cover the test set's own sampling error".to_string()
        }
        Design::FixedTestSet { .. } => format!(
            "**not included**: the stored predictions could not be used ({}), so quality intervals cover only the variation between trials",
            analysis.predictions_unusable.clone().unwrap_or_default()
        ),
        Design::Resampled { test_train, .. } => format!(
            "included through the splits; quality figures use the corrected resampled t (Nadeau & Bengio 2003), whose variance allows for folds sharing training rows (test/train = {})",
            number(test_train)
        ),
    };
    let _ = writeln!(out, "- **test sample**: {test}.");
    let _ = writeln!(
        out,
        "\nVerdicts are decided at α = {}: comparisons are paired (by trial slot, or by test row on one test set), one-sided in the claimed direction; \
         the claims are tested together with Holm's correction.\n",
        number(protocol.alpha)
    );
}

fn write_decision(out: &mut String, analysis: &Analysis) {
    let decision = &analysis.decision;
    let experiment = &analysis.results.experiment;
    if decision.candidates.is_empty() {
        return;
    }
    let _ = writeln!(out, "### Constraints\n");
    if experiment.file.constraints.is_empty() {
        let _ = writeln!(out, "No constraints: every candidate is feasible.\n");
    } else {
        let _ = writeln!(
            out,
            "A bound is met when the figure's {} interval clears it, violated when the interval is past it, and undecided when it contains the bound; \
             a bound relative to a baseline is decided by a paired test at α = {}.\n",
            percent(1.0 - experiment.protocol.alpha),
            number(experiment.protocol.alpha)
        );
        let _ = writeln!(out, "| candidate | metric | bound | verdict | why |");
        let _ = writeln!(out, "|---|---|---|---|---|");
        for check in &decision.constraints {
            let verdict = match check.status {
                Status::Met => "meets".to_string(),
                Status::Violated => "**violates**".to_string(),
                Status::Undecided => "*undecided*".to_string(),
            };
            let _ = writeln!(
                out,
                "| {} | `{}` | {} | {verdict} | {} |",
                check.candidate, check.metric, check.bound, check.reason
            );
        }
        let _ = writeln!(out);
    }
    let objectives: Vec<String> = decision
        .objectives
        .iter()
        .map(|(m, d)| {
            format!(
                "`{m}` ({})",
                if *d == spec::Direction::Max { "higher is better" } else { "lower is better" }
            )
        })
        .collect();
    let _ = writeln!(out, "### Pareto frontier\n");
    let _ = writeln!(
        out,
        "Over {} among the feasible candidates; {}.\n",
        objectives.join(", "),
        if decision.noise_aware {
            format!(
                "one candidate is better than another on a metric only when a paired test says so at α = {} (noise-aware)",
                number(experiment.protocol.alpha)
            )
        } else {
            "compared by point values (`noise_aware = false`)".to_string()
        }
    );
    if decision.feasible.is_empty() {
        let _ = writeln!(out, "No candidate is feasible, so there is no frontier and no pick.\n");
        return;
    }
    let undecided = decision.undecided();
    let _ = writeln!(
        out,
        "- on the frontier: {}",
        decision
            .frontier
            .members
            .iter()
            .map(|c| if undecided.contains(&c.as_str()) {
                format!("`{c}` (a constraint undecided)")
            } else {
                format!("`{c}`")
            })
            .collect::<Vec<_>>()
            .join(", ")
    );
    for ((dominated, by), evidence) in decision
        .frontier
        .dominated
        .iter()
        .zip(decision.frontier.evidence.iter().map(Some).chain(std::iter::repeat(None)))
    {
        let _ = writeln!(out, "- `{dominated}` is dominated by `{by}`{}", dominance_words(evidence));
    }
    for (candidate, other, reason) in &decision.frontier.undecided {
        let _ = writeln!(
            out,
            "- whether `{other}` dominates `{candidate}` is undecided: {reason}; `{candidate}` stays"
        );
    }
    for caveat in &decision.frontier.mixed {
        let _ = writeln!(out, "- ranked although not comparable (`compare_mixed_energy = true`): {caveat}");
    }
    if !undecided.is_empty() {
        let _ = writeln!(
            out,
            "- candidates with an undecided constraint are kept (nothing shows they violate it) and marked: {}",
            undecided.iter().map(|c| format!("`{c}`")).collect::<Vec<_>>().join(", ")
        );
    }
    let _ = writeln!(out);
    let _ = writeln!(out, "### Pick\n");
    match &decision.pick {
        None if decision.pick_blocked.is_some() => {
            let _ = writeln!(
                out,
                "*No pick*: {}; set `[environment] compare_mixed_energy = true` to rank them anyway.\n",
                decision.pick_blocked.as_deref().unwrap_or_default()
            );
        }
        None => {
            let _ = writeln!(
                out,
                "No `[priorities]`: the frontier is the answer; choosing among it is a judgement the experiment does not state.\n"
            );
        }
        Some(pick) => match pick.method {
            spec::model::PriorityMethod::Weighted => {
                let priorities = experiment.file.priorities.as_ref();
                let _ = writeln!(
                    out,
                    "**`{}`**{}, by weighted utility over the frontier. Each metric is scored in 0..1 {}:\n",
                    pick.candidate,
                    if undecided.contains(&pick.candidate.as_str()) {
                        " (with an undecided constraint)"
                    } else {
                        ""
                    },
                    scoring_words(priorities)
                );
                let metrics: Vec<&String> =
                    pick.scores.first().map(|s| s.2.iter().map(|(m, _)| m).collect()).unwrap_or_default();
                let _ = writeln!(
                    out,
                    "| candidate | utility | {} |",
                    metrics.iter().map(|m| format!("{m} (share)")).collect::<Vec<_>>().join(" | ")
                );
                let _ = writeln!(out, "|---|---|{}", "---|".repeat(metrics.len()));
                for (candidate, utility, parts) in &pick.scores {
                    let _ = writeln!(
                        out,
                        "| {candidate} | {:.3} | {} |",
                        utility,
                        parts
                            .iter()
                            .map(|(_, p)| if p.is_nan() { "n/a".to_string() } else { format!("{p:.3}") })
                            .collect::<Vec<_>>()
                            .join(" | ")
                    );
                }
                let _ = writeln!(out);
                for scale in &pick.scales {
                    let mut words = format!(
                        "- `{}` scored from {} (0) to {} (1){}",
                        scale.metric,
                        number(scale.scale[0]),
                        number(scale.scale[1]),
                        if scale.declared {
                            " (declared)"
                        } else {
                            " (the span of the candidates' intervals, worst end to best end)"
                        }
                    );
                    for (candidate, as_) in &scale.equalised {
                        let _ = write!(
                            words,
                            "; `{candidate}` scored as `{as_}` (a paired test does not show it worse)"
                        );
                    }
                    for candidate in &scale.missing {
                        let _ = write!(
                            words,
                            "; `{candidate}` has no figure: left out of its utility, its other weights renormalised"
                        );
                    }
                    let _ = writeln!(out, "{words}");
                }
                if !pick.scales.is_empty() {
                    let _ = writeln!(out);
                }
                if !pick.tied.is_empty() {
                    let _ = writeln!(
                        out,
                        "Tied with {}: the utilities are equal, so the order of the candidates in the file chose, not the evidence.\n",
                        pick.tied.iter().map(|c| format!("`{c}`")).collect::<Vec<_>>().join(", ")
                    );
                }
                if let Some((draws, shares)) = &pick.robustness {
                    let _ = writeln!(
                        out,
                        "Robustness: with the trials resampled (trial slots{}, {} times), the pick is {}.\n",
                        if matches!(analysis.design, Design::FixedTestSet { .. }) {
                            " and test rows"
                        } else {
                            ""
                        },
                        thousands(*draws),
                        shares
                            .iter()
                            .map(|(c, share)| format!("`{c}` in {}", percent_whole(*share)))
                            .collect::<Vec<_>>()
                            .join(", ")
                    );
                }
                if let Some(sensitivity) = share_sensitivity(analysis, pick) {
                    let _ = writeln!(out, "Sensitivity: {sensitivity}.\n");
                }
                let _ = writeln!(out, "{SENSITIVITY}\n");
            }
            spec::model::PriorityMethod::Lexicographic => {
                let _ = writeln!(
                    out,
                    "**`{}`**, lexicographically by {}{}; candidates a paired test cannot separate from the best go on to the next metric.\n",
                    pick.candidate,
                    experiment
                        .file
                        .priorities
                        .as_ref()
                        .map(|p| p.order.iter().map(|m| format!("`{m}`")).collect::<Vec<_>>().join(", then "))
                        .unwrap_or_default(),
                    pick.decided_by.as_ref().map(|m| format!(" (decided by `{m}`)")).unwrap_or_default()
                );
            }
        },
    }
}

fn scoring_words(priorities: Option<&spec::model::PrioritiesSection>) -> String {
    let declared: Vec<String> = priorities
        .map(|p| {
            p.scales
                .iter()
                .map(|(m, [worst, best])| {
                    format!("`{m}` linearly from {} (0) to {} (1)", number(*worst), number(*best))
                })
                .collect()
        })
        .unwrap_or_default();
    let relative = "linearly over the span of the candidates' intervals (worst end to best end; differences a paired test \
                    does not show score equal)";
    if declared.is_empty() {
        relative.to_string()
    } else {
        format!("on its declared scale ({}), other metrics {relative}", declared.join("; "))
    }
}

/// How a dominance was shown: per objective, the two figures and the paired comparison.
fn dominance_words(evidence: Option<&Vec<crate::decide::MetricEvidence>>) -> String {
    let Some(evidence) = evidence.filter(|e| !e.is_empty()) else { return String::new() };
    let parts: Vec<String> = evidence
        .iter()
        .map(|e| {
            let verdict = if e.better { "better" } else { "not worse" };
            let test = match &e.comparison {
                Some(Ok(comparison)) => match comparison.shown_interval() {
                    Ok(interval) => format!(
                        ", {} {} [{}, {}], {}",
                        if matches!(comparison.scale, crate::compare::Scale::Ratio { .. }) {
                            "ratio"
                        } else {
                            "difference"
                        },
                        number(comparison.shown_estimate()),
                        number(interval.low),
                        number(interval.high),
                        comparison.test.method
                    ),
                    Err(reason) => format!(", {}: {reason}", comparison.test.method),
                },
                Some(Err(reason)) => format!(", no test: {reason}"),
                None => ", by point values".to_string(),
            };
            format!(
                "`{}` {verdict} ({} vs {}{test})",
                e.metric,
                number(e.by_value),
                number(e.dominated_value)
            )
        })
        .collect();
    format!(": {}", parts.join("; "))
}

fn thousands(n: usize) -> String {
    let text = n.to_string();
    let mut out = String::new();
    for (i, c) in text.chars().enumerate() {
        if i > 0 && (text.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn percent_whole(share: f64) -> String {
    format!("{:.0}%", share * 100.0)
}

fn write_claims(out: &mut String, analysis: &Analysis) {
    let claims = &analysis.decision.claims;
    if claims.is_empty() {
        return;
    }
    let alpha = analysis.results.experiment.protocol.alpha;
    let _ = writeln!(out, "### Claims\n");
    let _ = writeln!(
        out,
        "Each claim is a paired comparison, tested one-sided in the claimed direction; the {} claims are tested together with \
         Holm's correction at α = {}, so the chance that any \"holds\" is wrong is at most {}. Intervals are two-sided at {}, \
         so each end is a one-sided {} bound.\n",
        claims.len(),
        number(alpha),
        number(alpha),
        percent(1.0 - 2.0 * alpha),
        percent(1.0 - alpha)
    );
    let _ = writeln!(
        out,
        "| claim | check | verdict | estimate | {} interval | figures | test | p (Holm) | notes |",
        percent(1.0 - 2.0 * alpha)
    );
    let _ = writeln!(out, "|---|---|---|---|---|---|---|---|---|");
    for check in claims {
        let verdict = match check.verdict {
            crate::claims::Verdict::Undecided => "*undecided*".to_string(),
            v => format!("**{}**", v.as_str()),
        };
        let (estimate, interval, figures, method, notes) = match &check.comparison {
            Err(_) => ("—".to_string(), "—".to_string(), "—".to_string(), "—".to_string(), String::new()),
            Ok(c) => {
                let effect = Effect::of_claim(analysis, &check.claim.check, c);
                (
                    format!("{} {}", effect.kind(), effect.value(c.shown_estimate())),
                    match c.shown_interval() {
                        Ok(i) if (i.level - (1.0 - 2.0 * alpha)).abs() < 1e-9 => {
                            format!("[{}, {}]", number(i.low), number(i.high))
                        }
                        Ok(i) => format!("[{}, {}] ({})", number(i.low), number(i.high), percent(i.level)),
                        Err(_) => "—".to_string(),
                    },
                    effect.methods(),
                    format!("{} (n = {})", c.test.method, c.test.n),
                    c.notes.join("; "),
                )
            }
        };
        let p = match check.verdict {
            crate::claims::Verdict::Fails => (check.p_fails, check.adjusted_fails),
            _ => (check.p_holds, check.adjusted_holds),
        };
        let notes = if check.reason.is_empty() {
            notes
        } else if notes.is_empty() {
            check.reason.clone()
        } else {
            format!("{}; {notes}", check.reason)
        };
        let _ = writeln!(
            out,
            "| {} | `{}` | {verdict} | {estimate} | {interval} | {figures} | {method} | {} ({}) | {notes} |",
            check.claim.text,
            check.claim.check,
            number(p.0),
            number(p.1)
        );
    }
    let _ = writeln!(out);
}

fn write_scenarios(out: &mut String, analysis: &Analysis) {
    if analysis.scenarios.is_empty() {
        return;
    }
    // In the unit the experiment asks CO2 in (kg when it does not measure CO2 itself).
    let unit = analysis
        .results
        .experiment
        .metric("co2")
        .map(|m| m.unit)
        .or_else(|| units::Unit::parse("kg"))
        .expect("kg is a unit");
    let _ = writeln!(out, "## CO2 under other factors\n");
    let _ = writeln!(
        out,
        "The same training energy, with other carbon intensities and PUEs (each intensity with its source and year).\n"
    );
    let _ = writeln!(out, "| scenario | candidate | PUE | carbon intensity | CO2e |");
    let _ = writeln!(out, "|---|---|---|---|---|");
    for row in &analysis.scenarios {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} g/kWh ({}{}) | {} {} |",
            row.scenario,
            row.candidate,
            number(row.pue),
            number(row.intensity.g_per_kwh),
            row.intensity.name,
            row.intensity.year.map(|y| format!(", {y}")).unwrap_or_default(),
            number(units::Unit::parse("g").and_then(|g| g.convert(row.co2_g, unit)).unwrap_or(f64::NAN)),
            unit.symbol
        );
    }
    let _ = writeln!(out);
}

/// The first 16 characters of a hash.
fn short(hash: &str) -> &str {
    hash.get(..16).unwrap_or(hash)
}

fn write_methods(out: &mut String, analysis: &Analysis) {
    let results = &analysis.results;
    let _ = writeln!(out, "## How each figure was obtained\n");
    for metric in &results.experiment.metrics {
        let methods: Vec<Method> = {
            let mut m: Vec<Method> =
                analysis.summary.iter().filter(|r| r.metric == metric.name()).map(|r| r.method).collect();
            m.sort();
            m.dedup();
            m
        };
        let note = results
            .records
            .iter()
            .filter(|r| r.status == record::Status::Ok)
            .find_map(|r| r.measurement(metric.name()).and_then(|m| m.note.clone()))
            .unwrap_or_default();
        let methods = methods.iter().map(|m| format!("`{m}`")).collect::<Vec<_>>().join(", ");
        let _ = writeln!(
            out,
            "- **{}** ({}; {}): {}.{}",
            metric.name(),
            metric.unit.symbol,
            if methods.is_empty() { "no figure".into() } else { methods },
            metric.info.summary,
            if note.is_empty() { String::new() } else { format!(" Example record: {note}.") }
        );
    }
    let estimated: Vec<&str> = results
        .experiment
        .metrics
        .iter()
        .filter(|m| analysis.summary.iter().any(|r| r.metric == m.name() && !r.method.is_measurement()))
        .map(|m| m.name())
        .collect();
    if !estimated.is_empty() {
        let _ = writeln!(
            out,
            "\n**Not measurements:** {} {} estimated or declared, not read from a counter.",
            estimated.iter().map(|m| format!("`{m}`")).collect::<Vec<_>>().join(", "),
            if estimated.len() == 1 { "is" } else { "are" }
        );
        if let Some(environment) = &results.environment {
            for gap in &environment.energy_gaps {
                let _ = writeln!(out, "- {gap}");
            }
            let _ = writeln!(out, "- CPU power model: {}", environment.cpu_power_model_description());
            let intensity = &environment.carbon_intensity;
            let _ = writeln!(
                out,
                "- Carbon intensity: {} g CO2e/kWh, {} ({}{}){}",
                intensity.g_per_kwh,
                intensity.name,
                intensity.source,
                intensity.year.map(|y| format!(", {y}")).unwrap_or_else(|| ", year not stated".into()),
                if intensity.is_default { " — **no location given: world default**" } else { "" }
            );
            let _ = writeln!(
                out,
                "- {}",
                if environment.pue.is_default {
                    "PUE 1.0 (default: IT equipment only, no facility overhead)".to_string()
                } else {
                    format!("PUE {} (declared)", environment.pue.value)
                }
            );
        }
    }
    let _ = writeln!(out);
}

/// Per-group figures of the protected attributes, pooled over each candidate's trials.
fn write_groups(out: &mut String, analysis: &Analysis) {
    let figures = match &analysis.groups {
        Ok(Some(figures)) => figures,
        Ok(None) => return,
        Err(reason) => {
            let _ = writeln!(
                out,
                "### Groups

The per-group figures could not be made: {reason}.
"
            );
            return;
        }
    };
    let _ = writeln!(
        out,
        "### Groups of `{}`
",
        figures.attribute
    );
    let positive = figures.positive.as_deref().map(|p| format!("`{p}`"));
    let _ = writeln!(
        out,
        "Each candidate's test rows pooled over its trials{}. The fairness gaps are computed per trial over the groups with at least {} test rows (`min_group_size`); a group below that is shown here but left out of them (*not counted*).
",
        positive
            .as_ref()
            .map(|p| format!("; selection is the share predicted {p}, TPR and FPR are its true- and false-positive rates"))
            .unwrap_or_else(|| "; no positive class: only accuracy per group".to_string()),
        number(figures.min_group_size)
    );
    let _ = writeln!(
        out,
        "| candidate | group | test rows per trial | accuracy | selection | TPR | FPR | in the gaps |"
    );
    let _ = writeln!(out, "|---|---|---|---|---|---|---|---|");
    let rate = |v: Option<f64>| v.map_or("—".to_string(), number);
    for row in &figures.rows {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} | {} |",
            row.candidate,
            row.group,
            number(row.rows_per_trial),
            number(row.accuracy),
            rate(row.selection),
            rate(row.tpr),
            rate(row.fpr),
            if row.counted { "counted" } else { "*not counted*" }
        );
    }
    let _ = writeln!(out);
}

fn write_protocol(out: &mut String, analysis: &Analysis) {
    let experiment = &analysis.results.experiment;
    let protocol = &experiment.protocol;
    let _ = writeln!(out, "## Protocol\n");
    // The copy in the results folder, named without the folder so the report is the same
    // wherever it is rendered from.
    let _ = writeln!(
        out,
        "- experiment file: `{}` in this folder (sha256 `{}`); every version that was run is kept in `specs/`",
        record::ResultsDir::EXPERIMENT,
        short(&experiment.spec_sha256)
    );
    for change in &analysis.spec_changes {
        let _ = writeln!(
            out,
            "- **the experiment file changed after trials were recorded**: {} of the trials used ran under version `{}`, \
             which differs in: {}",
            change.records,
            short(&change.sha256),
            change.sections.iter().map(|s| format!("`{s}`")).collect::<Vec<_>>().join(", ")
        );
    }
    if let Some(last) = analysis.results.records.last() {
        let _ = writeln!(
            out,
            "- records: {} lines in `runs.jsonl`, hash-chained; the chain ends at `{}`",
            analysis.results.records.len(),
            short(&last.sha256)
        );
    }
    if let Some(environment) = &analysis.results.environment
        && environment.dataset.train_rows == 0
    {
        let _ = writeln!(out, "- dataset: none — {}", environment.dataset.provenance);
    } else if let Some(environment) = &analysis.results.environment {
        let d = &environment.dataset;
        let _ = writeln!(
            out,
            "- dataset: {} — {} training rows{}, {} features, {} classes (content sha256 `{}`)",
            d.provenance,
            d.train_rows,
            d.test_rows.map(|t| format!(", {t} official test rows")).unwrap_or_default(),
            d.features,
            d.classes,
            short(&d.sha256)
        );
        if let Some((train, test)) = analysis.rows_used {
            let span = |[low, high]: [usize; 2]| {
                if low == high { low.to_string() } else { format!("{low}–{high}") }
            };
            let _ = writeln!(
                out,
                "- rows used: each trial trained on {} rows and was tested on {} (after `subsample` and the split)",
                span(train),
                span(test)
            );
        }
        let _ = writeln!(out, "- threads per trial: {}", environment.threads);
    }
    let evaluation = match protocol.evaluation {
        spec::Evaluation::Folds(k) => format!("stratified {k}-fold cross-validation"),
        spec::Evaluation::Holdout(h) => format!("stratified holdout of {:.0}% of the rows", h * 100.0),
        spec::Evaluation::Official => "the dataset's official train/test split".into(),
    };
    let _ = writeln!(out, "- evaluation: {evaluation}; seed {}", experiment.seed);
    let _ = writeln!(
        out,
        "- {} repetition(s) per fold, {} unrecorded warm-up trial(s) per candidate, isolation `{:?}`{}",
        protocol.repetitions,
        protocol.warmup,
        protocol.isolation,
        protocol.timeout_seconds.map(|t| format!(", timeout {t} s per trial")).unwrap_or_default()
    );
    let _ = writeln!(out, "- every trial ran in its own worker process; timed phases exclude data loading");
    let rules: Vec<String> = std::fs::read_dir(analysis.results.layout.models())
        .map(|entries| {
            let mut names: Vec<String> = entries
                .filter_map(|e| e.ok()?.file_name().into_string().ok())
                .filter(|n| n.ends_with(".rules.txt"))
                .collect();
            names.sort();
            names
        })
        .unwrap_or_default();
    if !rules.is_empty() {
        let _ = writeln!(
            out,
            "- decision rules of the first trial's model: {}",
            rules.iter().map(|n| format!("[`models/{n}`](models/{n})")).collect::<Vec<_>>().join(", ")
        );
    }
    for candidate in &experiment.candidates {
        let params = serde_json::to_string(&candidate.params).unwrap_or_default();
        // A command candidate is its program: name it, as run from the experiment's folder.
        let program = candidate
            .command
            .as_ref()
            .map(|c| {
                format!(
                    " `{}` (rows as `{}`)",
                    c.argv.join(" "),
                    serde_json::to_value(c.data_format)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_string))
                        .unwrap_or_default()
                )
            })
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "- `{}`: `{}`{program} {} on `{}`",
            candidate.name, candidate.learner, params, candidate.device
        );
    }
    let _ = writeln!(out);
}

fn write_environment(out: &mut String, analysis: &Analysis) {
    let Some(environment) = &analysis.results.environment else {
        let _ = writeln!(out, "## Hardware\n\nNo `environment.json`: the hardware is unknown.\n");
        return;
    };
    let hardware = &environment.hardware;
    let _ = writeln!(out, "## Hardware and software\n");
    let _ = writeln!(
        out,
        "- CPU: {} ({} logical / {} physical cores{})",
        hardware.cpu.brand,
        hardware.cpu.logical_cores,
        hardware.cpu.physical_cores.map(|c| c.to_string()).unwrap_or_else(|| "?".into()),
        hardware.cpu.frequency_mhz.map(|f| format!(", {f} MHz")).unwrap_or_default()
    );
    let _ = writeln!(out, "- memory: {:.1} GiB", hardware.memory.total_bytes as f64 / (1u64 << 30) as f64);
    let _ =
        writeln!(out, "- OS: {} {}, kernel {}", hardware.os.name, hardware.os.version, hardware.os.kernel);
    if let Some(virtualization) = &hardware.virtualization {
        let _ = writeln!(out, "- virtualisation: {virtualization}");
    }
    match (&hardware.gpus.unavailable, hardware.gpus.devices.is_empty()) {
        (Some(reason), _) => {
            let _ = writeln!(out, "- GPU: none used ({reason})");
        }
        (None, false) => {
            for gpu in &hardware.gpus.devices {
                let _ = writeln!(
                    out,
                    "- GPU {}: {} (driver {}, power limit {} W, MIG {}, energy counter {})",
                    gpu.index,
                    gpu.name,
                    hardware.gpus.driver_version.clone().unwrap_or_default(),
                    gpu.power_limit_w.map(number).unwrap_or_else(|| "?".into()),
                    gpu.mig_mode,
                    if gpu.energy_counter { "yes" } else { "no" }
                );
            }
        }
        (None, true) => {
            let _ = writeln!(out, "- GPU: none");
        }
    }
    let _ = writeln!(
        out,
        "- RAPL: {}",
        match &hardware.rapl.unavailable {
            Some(reason) => format!("unavailable ({reason})"),
            None => hardware.rapl.zones.iter().map(|z| z.name.clone()).collect::<Vec<_>>().join(", "),
        }
    );
    let _ = writeln!(out, "- hardware fingerprint: `{}`", hardware.fingerprint);
    let _ = writeln!(out, "- tradeoff {} built with {}", environment.tool_version, environment.rustc_version);
    let _ = writeln!(
        out,
        "- git: {}{}",
        environment.git.commit.as_deref().map(|c| &c[..c.len().min(12)]).unwrap_or("not a git checkout"),
        if environment.git.dirty { " (uncommitted changes)" } else { "" }
    );
    let _ = writeln!(out);
}

fn write_left_out(out: &mut String, analysis: &Analysis) {
    if analysis.failed.is_empty() && analysis.ignored.is_empty() && analysis.superseded == 0 {
        return;
    }
    let _ = writeln!(out, "## Left out\n");
    if analysis.superseded > 0 {
        let _ = writeln!(
            out,
            "- superseded: {} earlier record(s) of trial slots recorded again later (after a change of code or inputs); the latest of each slot counts",
            analysis.superseded
        );
    }
    for record in &analysis.failed {
        let _ = writeln!(
            out,
            "- failed: {} fold {} rep {}: {}",
            record.candidate,
            record.fold,
            record.repetition,
            record.error.as_deref().unwrap_or("no reason recorded")
        );
    }
    // Ignored records grouped by reason, so a protocol change reads as one line.
    let mut reasons: Vec<(&str, Vec<&record::Record>)> = Vec::new();
    for (reason, record) in &analysis.ignored {
        match reasons.iter_mut().find(|(r, _)| *r == reason.as_str()) {
            Some((_, records)) => records.push(record),
            None => reasons.push((reason.as_str(), vec![record])),
        }
    }
    for (reason, records) in reasons {
        let examples: Vec<String> = records
            .iter()
            .take(4)
            .map(|r| format!("{} fold {} rep {}", r.candidate, r.fold, r.repetition))
            .collect();
        let _ = writeln!(
            out,
            "- ignored, {reason}: {} record(s) ({}{})",
            records.len(),
            examples.join("; "),
            if records.len() > 4 { "; ..." } else { "" }
        );
    }
    let _ = writeln!(out);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn committed(name: &str) -> Analysis {
        crate::analyse(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../results").join(name))
            .expect("a committed results folder")
    }

    /// Where each of `parts` first occurs in `text`, in order.
    fn in_order(text: &str, parts: &[&str]) {
        let mut from = 0;
        for part in parts {
            let at = text[from..].find(part).unwrap_or_else(|| panic!("`{part}` is not after byte {from}"));
            from += at + part.len();
        }
    }

    #[test]
    fn the_decision_comes_first_then_the_key_figures_then_the_details() {
        let analysis = committed("default");
        let markdown = render(&analysis);
        in_order(
            &markdown,
            &[
                "# Experiment `default`",
                "## Decision",
                "- **Pick: `",
                "- **Frontier**",
                "- **Constraints**",
                "- **Claims**",
                COMPARISONS,
                "## Key figures",
                MATRIX,
                "## Sources of variation",
                "## Details",
                "### All figures",
                STRIPS,
                "### Detail",
                "### Constraints",
                "### Pareto frontier",
                "### Pick",
                SENSITIVITY,
                "### Claims",
                "## How each figure was obtained",
                "## Protocol",
                "## Hardware and software",
            ],
        );
        // The HTML keeps the order, with each figure where its marker was.
        let html = crate::html(&analysis);
        in_order(
            &html,
            &[
                "<h2>Decision</h2>",
                "class=\"plot forest wide\"",
                "<h2>Key figures</h2>",
                "class=\"plot scatter\"",
                "<h2>Details</h2>",
                "class=\"plot strip\"",
                "class=\"plot sensitivity wide\"",
                "<h2>Protocol</h2>",
            ],
        );
        for marker in [MATRIX, COMPARISONS, STRIPS, SENSITIVITY] {
            assert!(!html.contains(marker), "{marker} was replaced");
        }
    }

    /// Whether `text` matches `pattern` (numbers of committed results change with each
    /// re-run; their form must not).
    fn matches(text: &str, pattern: &str) -> bool {
        regex::Regex::new(pattern).expect("a valid pattern").is_match(text)
    }

    #[test]
    fn the_brief_gives_each_estimate_its_unit_method_and_level_and_every_constraint_verdict() {
        let markdown = render(&committed("default"));
        let brief = &markdown[..markdown.find("## Key figures").unwrap()];
        assert!(brief.contains("intervals two-sided 90%, each end a one-sided 95% bound"), "{brief}");
        let number = r"-?[0-9.]+(e-?[0-9]+)?";
        let interval = format!(r"\[{number}, {number}\]");
        assert!(
            matches(
                brief,
                &format!(
                    r"the tree uses less training energy than the forest: train_energy difference {number} J {interval} \(estimated; [0-9.]+% interval, Wilcoxon signed-rank, n = 15\)"
                )
            ),
            "{brief}"
        );
        assert!(
            matches(brief, &format!(r"train_time ratio {number}× {interval} \(counter; [0-9.]+% interval")),
            "{brief}"
        );
        assert!(
            matches(brief, &format!(r"accuracy difference {number} {interval} \(counter; [0-9.]+% interval")),
            "{brief}"
        );
        // Every constraint verdict, met ones included, one line per bound.
        assert!(matches(brief, r"- \*\*Constraints\*\* \([0-9] of 8 checks met\):"), "{brief}");
        assert!(
            matches(brief, r"\n  - `accuracy` at least 0\.9: (met by|\*undecided\*|\*\*violated\*\*)"),
            "{brief}"
        );
        assert!(
            matches(
                brief,
                r"\n  - `accuracy` at least 1 x logistic: (met by|\*undecided\*|\*\*violated\*\*)"
            ),
            "{brief}"
        );
        // The key figures: the prioritised metrics, and where the others are.
        let key = &markdown[markdown.find("## Key figures").unwrap()..markdown.find("## Sources").unwrap()];
        assert!(
            key.contains(
                "| candidate | trials | accuracy (ratio) | inference_latency (us) | train_energy (J) |"
            ),
            "{key}"
        );
        assert!(key.contains("The other figures (`macro_f1`, `train_time`,"), "{key}");
        assert!(key.contains("`co2`), the intervals' methods and every trial are under *Details*"), "{key}");
    }

    #[test]
    fn the_sensitivity_text_and_picture_use_one_scale() {
        let analysis = committed("default");
        let pick = analysis.decision.pick.as_ref().unwrap();
        let Some(words) = share_sensitivity(&analysis, pick) else {
            // No single weight changes the pick: the picture must show one candidate
            // across every band of every weight.
            for (_, _, bands) in &analysis.decision.sensitivity {
                assert!(bands.iter().all(|(_, _, c)| *c == pick.candidate), "{bands:?}");
            }
            return;
        };
        let found = regex::Regex::new(
            r"^(raising|lowering) `([a-z_]+)`'s share of the weights from ([0-9]+)% to ([0-9]+)% makes `([^`]+)` tie with `([^`]+)`$",
        )
        .unwrap()
        .captures(&words)
        .unwrap_or_else(|| panic!("unexpected words: {words}"));
        let (metric, from, to, rival) = (&found[2], &found[3], &found[4], &found[5]);
        assert_eq!(&found[6], pick.candidate, "{words}");
        let (_, stated, bands) = analysis.decision.sensitivity.iter().find(|(m, _, _)| m == metric).unwrap();
        assert_eq!(format!("{:.0}", stated * 100.0), from, "the text starts at the stated share");
        // The picture's band for the same weight changes pick where the text says.
        let to = to.parse::<f64>().unwrap() / 100.0;
        let switch = bands
            .iter()
            .filter(|(_, _, c)| c == rival)
            .map(|(from, until, _)| if to > *stated { *from } else { *until })
            .min_by(|a, b| (a - to).abs().total_cmp(&(b - to).abs()))
            .unwrap_or_else(|| panic!("no band of `{rival}` for `{metric}`: {bands:?}"));
        assert!((switch - to).abs() < 0.011, "the band switches at {switch}, the text says {to}");
    }

    #[test]
    fn a_figure_that_does_not_apply_says_why() {
        let markdown = render(&committed("credit-fairness"));
        let all = &markdown[markdown.find("### All figures").unwrap()..markdown.find("### Detail").unwrap()];
        assert!(all.contains("| n/a: the model is not made of tests |"), "{all}");
        assert!(all.contains("| n/a: the model has no decision rules |"), "{all}");
        assert!(!all.contains("no successful trial measured it |"), "{all}");
    }
}
