//! `report.md`: readable on GitHub, every figure with its unit and method, the
//! protocol and the hardware, and what was left out and why.

use std::fmt::Write as _;

use units::Method;

use crate::format::{number, with_interval};
use crate::{Analysis, PublishedCheck};

pub fn render(analysis: &Analysis) -> String {
    let results = &analysis.results;
    let experiment = &results.experiment;
    let mut out = String::new();
    let _ = writeln!(out, "# Experiment `{}`\n", experiment.name);
    if let Some(description) = &experiment.file.experiment.description {
        let _ = writeln!(out, "{}\n", description.trim());
    }
    let usable = results.usable();
    let _ = writeln!(
        out,
        "{} recorded trials used, {} failed, from `runs.jsonl`. Each figure is the {} over folds and repetitions, \
         with its bootstrap 95% confidence interval; the method says how it was obtained \
         (`counter`: read from a counter or counted; `sampled`: power integrated over time; `estimated`: a model; \
         `declared`: given in the experiment file).\n",
        usable.len(),
        results.failed().len(),
        statistic_words(experiment)
    );

    let _ = writeln!(out, "## Results\n");
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
    let _ = writeln!(out, "Cells: statistic [95% CI] (method); `n/a`: no successful trial measured it.\n");

    let _ = writeln!(out, "### Detail\n");
    let _ = writeln!(
        out,
        "| candidate | metric | unit | method | n | {} | 95% CI | IQR | min | max | CV |",
        statistic_words(experiment)
    );
    let _ = writeln!(out, "|---|---|---|---|---|---|---|---|---|---|---|");
    for row in &analysis.summary {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} – {} | {} | {} | {} | {:.1}% |",
            row.candidate,
            row.metric,
            row.unit,
            row.method,
            row.n,
            number(row.value),
            number(row.ci_low),
            number(row.ci_high),
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
            "**Noisy figures** (95% CI wider than {:.0}% of the statistic):\n",
            threshold * 100.0
        );
        for row in noisy {
            let _ = writeln!(
                out,
                "- {} / {}: CI width {:.0}% with n = {}. {}",
                row.candidate,
                row.metric,
                row.relative_ci_width() * 100.0,
                row.n,
                if row.n < 10 {
                    "Add repetitions (`protocol.repetitions`) to narrow it."
                } else {
                    "Lengthen the measured window (larger batches, more latency samples) or isolate the machine."
                }
            );
        }
        let _ = writeln!(out);
    }

    write_decision(&mut out, analysis);
    write_claims(&mut out, analysis);
    write_published(&mut out, analysis);
    write_scenarios(&mut out, analysis);

    write_methods(&mut out, analysis);
    write_protocol(&mut out, analysis);
    write_environment(&mut out, analysis);
    write_failures(&mut out, analysis);
    out
}

fn write_decision(out: &mut String, analysis: &Analysis) {
    let decision = &analysis.decision;
    let experiment = &analysis.results.experiment;
    if decision.candidates.is_empty() {
        return;
    }
    let _ = writeln!(out, "## Decision\n");
    let _ = writeln!(out, "### Constraints\n");
    if experiment.file.constraints.is_empty() {
        let _ = writeln!(out, "No constraints: every candidate is feasible.\n");
    } else {
        for candidate in &decision.candidates {
            let failed: Vec<&crate::decide::Violation> =
                decision.violations.iter().filter(|v| &v.candidate == candidate).collect();
            if failed.is_empty() {
                let _ = writeln!(out, "- `{candidate}`: meets every constraint");
            } else {
                for v in failed {
                    let unit = experiment.metric(&v.metric).map(|m| m.unit.symbol).unwrap_or("");
                    let _ = writeln!(
                        out,
                        "- `{candidate}`: **violates** `{}` {}: {}{}",
                        v.metric,
                        v.bound,
                        v.value
                            .map(|x| format!("{} {unit}", number(x)))
                            .unwrap_or_else(|| "no figure".into()),
                        match (v.by, v.relative) {
                            (Some(by), Some(rel)) =>
                                format!(", off by {} {unit} ({:.1}%)", number(by), rel * 100.0),
                            (Some(by), None) => format!(", off by {} {unit}", number(by)),
                            _ => String::new(),
                        }
                    );
                }
            }
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
        "Over {} among the feasible candidates{}.\n",
        objectives.join(", "),
        if decision.noise_aware {
            "; differences whose 95% CIs overlap count as ties (noise-aware)"
        } else {
            ""
        }
    );
    if decision.feasible.is_empty() {
        let _ = writeln!(out, "No candidate is feasible, so there is no frontier and no pick.\n");
        return;
    }
    let _ = writeln!(
        out,
        "- on the frontier: {}",
        decision.frontier.members.iter().map(|c| format!("`{c}`")).collect::<Vec<_>>().join(", ")
    );
    for (dominated, by) in &decision.frontier.dominated {
        let _ = writeln!(out, "- `{dominated}` is dominated by `{by}`");
    }
    let _ = writeln!(out);
    let _ = writeln!(out, "### Pick\n");
    match &decision.pick {
        None => {
            let _ = writeln!(
                out,
                "No `[priorities]`: the frontier is the answer; choosing among it is a judgement the experiment does not state.\n"
            );
        }
        Some(pick) => match pick.method {
            spec::model::PriorityMethod::Weighted => {
                let _ = writeln!(
                    out,
                    "**`{}`**, by weighted utility over metrics normalised across the frontier (1 = best, 0 = worst):\n",
                    pick.candidate
                );
                let metrics: Vec<&String> =
                    pick.scores.first().map(|s| s.2.iter().map(|(m, _)| m).collect()).unwrap_or_default();
                let _ = writeln!(
                    out,
                    "| candidate | utility | {} |",
                    metrics.iter().map(|m| m.as_str()).collect::<Vec<_>>().join(" | ")
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
                if let Some(sensitivity) = &pick.sensitivity {
                    let _ = writeln!(out, "\nSensitivity: {sensitivity}.\n");
                }
            }
            spec::model::PriorityMethod::Lexicographic => {
                let _ = writeln!(
                    out,
                    "**`{}`**, lexicographically by {}{}.\n",
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

fn write_claims(out: &mut String, analysis: &Analysis) {
    let claims = &analysis.decision.claims;
    if claims.is_empty() {
        return;
    }
    let _ = writeln!(out, "## Claims\n");
    let _ = writeln!(
        out,
        "A claim holds when the 95% CIs support it throughout, fails when they contradict it throughout, and is undecided when they overlap its bound.\n"
    );
    let _ = writeln!(out, "| claim | check | verdict | left | right |");
    let _ = writeln!(out, "|---|---|---|---|---|");
    for (claim, checked) in claims {
        match checked {
            Ok(c) => {
                let _ = writeln!(
                    out,
                    "| {} | `{}` | **{}** | {} [{}, {}] | {} [{}, {}] |",
                    claim.text,
                    claim.check,
                    c.verdict.as_str(),
                    number(c.left.value),
                    number(c.left.low),
                    number(c.left.high),
                    number(c.right.value),
                    number(c.right.low),
                    number(c.right.high)
                );
            }
            Err(reason) => {
                let _ = writeln!(out, "| {} | `{}` | **undecided** | {reason} | |", claim.text, claim.check);
            }
        }
    }
    let _ = writeln!(out);
}

fn write_published(out: &mut String, analysis: &Analysis) {
    if analysis.published.is_empty() {
        return;
    }
    let environment = &analysis.results.experiment.file.environment;
    let _ = writeln!(out, "## Published figures, recomputed\n");
    let _ = writeln!(
        out,
        "From the declared inputs with the experiment's own constants (PUE {}, carbon intensity {}); \
         published figures are whole numbers, so a recomputed figure matches when it rounds to them.\n",
        environment.pue.map(number).unwrap_or_else(|| "1.0".into()),
        match &environment.carbon_intensity {
            Some(spec::model::CarbonIntensity::Grams(g)) =>
                format!("{} g/kWh = {} lb/kWh", number(*g), number(g / 453.592_37)),
            Some(spec::model::CarbonIntensity::Region(code)) => format!("`{code}`"),
            None => "world default".into(),
        }
    );
    let _ = writeln!(out, "| candidate | figure | published | recomputed | match | as printed |");
    let _ = writeln!(out, "|---|---|---|---|---|---|");
    for check in &analysis.published {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {:.1} | {} | {} |",
            check.candidate,
            check.figure,
            number(check.published),
            check.recomputed,
            if check.matches { "yes" } else { "**no**" },
            check
                .as_printed
                .map(|(v, ok)| format!("{v:.1} ({})", if ok { "matches" } else { "does not match" }))
                .unwrap_or_else(|| "—".into())
        );
    }
    let mut corrected: Vec<(&str, &str)> = analysis
        .published
        .iter()
        .filter(|c| c.as_printed.is_some_and(|(_, ok)| !ok) && c.matches)
        .map(|c| (c.candidate.as_str(), c.correction.as_deref().unwrap_or("a corrected input")))
        .collect();
    corrected.dedup();
    let _ = writeln!(out);
    for (candidate, correction) in corrected {
        let _ = writeln!(out, "- `{candidate}` matches the paper only with a corrected input: {correction}.");
    }
    let failing: Vec<&PublishedCheck> = analysis.published.iter().filter(|c| !c.matches).collect();
    if failing.is_empty() {
        let _ = writeln!(out, "- every published figure is reproduced.\n");
    } else {
        for c in failing {
            let _ = writeln!(
                out,
                "- `{}` {}: published {}, recomputed {:.1} — **not reproduced**",
                c.candidate,
                c.figure,
                number(c.published),
                c.recomputed
            );
        }
        let _ = writeln!(out);
    }
}

fn write_scenarios(out: &mut String, analysis: &Analysis) {
    if analysis.scenarios.is_empty() {
        return;
    }
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
            "| {} | {} | {} | {} g/kWh ({}{}) | {} kg |",
            row.scenario,
            row.candidate,
            number(row.pue),
            number(row.intensity.g_per_kwh),
            row.intensity.name,
            row.intensity.year.map(|y| format!(", {y}")).unwrap_or_default(),
            number(row.co2_g / 1000.0)
        );
    }
    let _ = writeln!(out);
}

/// The first 16 characters of a hash.
fn short(hash: &str) -> &str {
    hash.get(..16).unwrap_or(hash)
}

fn statistic_words(experiment: &spec::Experiment) -> &'static str {
    match experiment.protocol.statistic {
        spec::model::Statistic::Median => "median",
        spec::model::Statistic::Mean => "mean",
        spec::model::Statistic::Min => "minimum",
        spec::model::Statistic::Max => "maximum",
    }
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
            .usable()
            .iter()
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

fn write_protocol(out: &mut String, analysis: &Analysis) {
    let experiment = &analysis.results.experiment;
    let protocol = &experiment.protocol;
    let _ = writeln!(out, "## Protocol\n");
    // The copy in the results folder, named without the folder so the report is the same
    // wherever it is rendered from.
    let _ = writeln!(
        out,
        "- experiment file: `{}` in this folder (sha256 `{}`)",
        crate::EXPERIMENT_COPY,
        short(&experiment.spec_sha256)
    );
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

fn write_failures(out: &mut String, analysis: &Analysis) {
    let results = &analysis.results;
    let failed = results.failed();
    let excluded = results.excluded();
    if failed.is_empty() && excluded.is_empty() {
        return;
    }
    let _ = writeln!(out, "## Left out\n");
    for record in failed {
        let _ = writeln!(
            out,
            "- failed: {} fold {} rep {}: {}",
            record.candidate,
            record.fold,
            record.repetition,
            record.error.as_deref().unwrap_or("no reason recorded")
        );
    }
    for (reason, record) in excluded {
        let _ = writeln!(
            out,
            "- excluded: {} fold {} rep {}: {reason}",
            record.candidate, record.fold, record.repetition
        );
    }
    let _ = writeln!(out);
}
