//! `report.md`: readable on GitHub, every figure with its unit and method, the
//! protocol and the hardware, and what was left out and why.

use std::fmt::Write as _;

use units::Method;

use crate::Analysis;
use crate::compare::Scale;
use crate::decide::Status;
use crate::format::{number, with_interval};
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
                    let _ = write!(out, " n/a |");
                }
            }
        }
        let _ = writeln!(out);
    }
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "Cells: statistic [{level} interval] (method); `no CI`: no interval keeps its promise here (the reason is in the detail table); \
         `n/a`: no successful trial measured it.\n"
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
                    if let Some(sensitivity) = &pick.sensitivity {
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
        let _ = writeln!(
            out,
            "- **Constraints**: {met} of {} checks met{}",
            decision.constraints.len(),
            if met == decision.constraints.len() { "." } else { "; the rest:" }
        );
        for check in decision.constraints.iter().filter(|c| c.status != Status::Met) {
            let _ = writeln!(
                out,
                "  - `{}` {} `{}` {} — {}",
                check.candidate,
                match check.status {
                    Status::Violated => "**violates**",
                    _ => "is *undecided* on",
                },
                check.metric,
                check.bound,
                check.reason
            );
        }
    }
    if !decision.claims.is_empty() {
        let _ = writeln!(
            out,
            "- **Claims** (paired tests, one-sided, Holm-corrected together at α = {}):",
            number(experiment.protocol.alpha)
        );
        for check in &decision.claims {
            let verdict = match check.verdict {
                crate::claims::Verdict::Undecided => "*undecided*".to_string(),
                v => format!("**{}**", v.as_str()),
            };
            let evidence = match &check.comparison {
                Ok(c) => {
                    let interval = c
                        .shown_interval()
                        .map(|i| format!(" [{}, {}]", number(i.low), number(i.high)))
                        .unwrap_or_default();
                    let what = if matches!(c.scale, Scale::Ratio { .. }) { "ratio" } else { "difference" };
                    format!(
                        "{what} {}{interval}, {} (n = {})",
                        number(c.shown_estimate()),
                        c.test.method,
                        c.test.n
                    )
                }
                Err(reason) => reason.clone(),
            };
            let why = if check.verdict == crate::claims::Verdict::Undecided && !check.reason.is_empty() {
                format!("; {}", check.reason)
            } else {
                String::new()
            };
            let _ = writeln!(out, "  - {verdict} — {}: {evidence}{why}", check.claim.text);
        }
    }
    let _ = writeln!(out, "\n{COMPARISONS}\n");
}

/// One row per candidate with the prioritised metrics first: the figures a reader
/// compares; every other figure is in the details.
fn write_key_figures(out: &mut String, analysis: &Analysis) {
    let experiment = &analysis.results.experiment;
    let mut metrics: Vec<&spec::MetricRequest> =
        analysis.decision.objectives.iter().filter_map(|(m, _)| experiment.metric(m)).collect();
    if metrics.len() == experiment.metrics.len() || metrics.is_empty() {
        metrics = experiment.metrics.iter().take(5).collect();
    }
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
                    let _ = write!(out, " n/a |");
                }
            }
        }
        let _ = writeln!(out);
    }
    let _ = writeln!(
        out,
        "\nThe statistic of each figure with its {level} interval; methods other than `counter` named. ★ marks the pick. All figures, their intervals' methods and the trials are under *Details*.\n"
    );
    let _ = writeln!(out, "{MATRIX}\n");
}

fn percent(level: f64) -> String {
    let text = format!("{:.1}", level * 100.0);
    format!("{}%", text.trim_end_matches('0').trim_end_matches('.'))
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
    for (dominated, by) in &decision.frontier.dominated {
        let _ = writeln!(out, "- `{dominated}` is dominated by `{by}`");
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
                        parts.iter().map(|(_, p)| format!("{p:.3}")).collect::<Vec<_>>().join(" | ")
                    );
                }
                let _ = writeln!(out);
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
                if let Some(sensitivity) = &pick.sensitivity {
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
    let relative = "relative to the best candidate (value / best, or best / value where lower is better)";
    if declared.is_empty() {
        relative.to_string()
    } else {
        format!("on its declared scale ({}), other metrics {relative}", declared.join("; "))
    }
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
    let _ = writeln!(out, "| claim | check | verdict | estimate | interval | method | p (Holm) | notes |");
    let _ = writeln!(out, "|---|---|---|---|---|---|---|---|");
    for check in claims {
        let verdict = match check.verdict {
            crate::claims::Verdict::Undecided => "*undecided*".to_string(),
            v => format!("**{}**", v.as_str()),
        };
        let (estimate, interval, method, notes) = match &check.comparison {
            Err(_) => ("—".to_string(), "—".to_string(), "—".to_string(), String::new()),
            Ok(c) => {
                let what = match c.scale {
                    Scale::Ratio { .. } => "ratio ",
                    Scale::Difference => "difference ",
                };
                (
                    format!("{what}{}", number(c.shown_estimate())),
                    match c.shown_interval() {
                        Ok(i) => format!("[{}, {}]", number(i.low), number(i.high)),
                        Err(_) => "—".to_string(),
                    },
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
            "| {} | `{}` | {verdict} | {estimate} | {interval} | {method} | {} ({}) | {notes} |",
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
        let _ = writeln!(
            out,
            "- `{}`: `{}` {} on `{}`",
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
