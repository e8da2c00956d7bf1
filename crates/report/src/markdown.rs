//! `report.md`: readable on GitHub, every figure with its unit and method, the
//! protocol and the hardware, and what was left out and why.

use std::fmt::Write as _;

use units::Method;

use crate::Analysis;
use crate::format::{number, with_interval};

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
    let _ = writeln!(out, "| candidate | metric | unit | method | n | {} | 95% CI | IQR | min | max | CV |", statistic_words(experiment));
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
    let noisy: Vec<&crate::SummaryRow> = analysis.summary.iter().filter(|r| r.is_noisy()).collect();
    if !noisy.is_empty() {
        let _ = writeln!(out, "**Noisy figures** (95% CI wider than {:.0}% of the statistic):\n", crate::summary::NOISE_THRESHOLD * 100.0);
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

    for section in &analysis.sections {
        out.push_str(section);
        out.push('\n');
    }

    write_methods(&mut out, analysis);
    write_protocol(&mut out, analysis);
    write_environment(&mut out, analysis);
    write_failures(&mut out, analysis);
    out
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
            let mut m: Vec<Method> = analysis.summary.iter().filter(|r| r.metric == metric.name()).map(|r| r.method).collect();
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
        let _ = writeln!(out, "- **{}** ({}; {}): {}.{}", metric.name(), metric.unit.symbol, if methods.is_empty() { "no figure".into() } else { methods }, metric.info.summary, if note.is_empty() { String::new() } else { format!(" Example record: {note}.") });
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
            let _ = writeln!(out, "- {}", if environment.pue.is_default { "PUE 1.0 (default: IT equipment only, no facility overhead)".to_string() } else { format!("PUE {} (declared)", environment.pue.value) });
        }
    }
    let _ = writeln!(out);
}

fn write_protocol(out: &mut String, analysis: &Analysis) {
    let experiment = &analysis.results.experiment;
    let protocol = &experiment.protocol;
    let _ = writeln!(out, "## Protocol\n");
    let _ = writeln!(out, "- experiment file: `{}` (sha256 `{}`)", experiment.path.display(), &experiment.spec_sha256[..16]);
    if let Some(environment) = &analysis.results.environment {
        let d = &environment.dataset;
        let _ = writeln!(
            out,
            "- dataset: {} — {} training rows{}, {} features, {} classes (content sha256 `{}`)",
            d.provenance,
            d.train_rows,
            d.test_rows.map(|t| format!(", {t} official test rows")).unwrap_or_default(),
            d.features,
            d.classes,
            &d.sha256[..16]
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
        let _ = writeln!(out, "- `{}`: `{}` {} on `{}`", candidate.name, candidate.learner, params, candidate.device);
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
    let _ = writeln!(out, "- OS: {} {}, kernel {}", hardware.os.name, hardware.os.version, hardware.os.kernel);
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
        let _ = writeln!(out, "- excluded: {} fold {} rep {}: {reason}", record.candidate, record.fold, record.repetition);
    }
    let _ = writeln!(out);
}
