//! The summary `tradeoff run` and `tradeoff report` end with, in the manner of
//! hyperfine: each candidate's key figures with intervals, the pick, the frontier and the
//! claims with their verdicts. Coloured when asked (the CLI decides: a terminal, and no
//! `NO_COLOR`), plain otherwise, so pipes and logs get clean text.

use std::fmt::Write as _;

use anstyle::{AnsiColor, Style};

use crate::Analysis;
use crate::claims::Verdict;
use crate::format::{Effect, number, percent};

/// The summary of an analysed results folder; `colour` adds ANSI styles.
pub fn summary(analysis: &Analysis, report: Option<&std::path::Path>, colour: bool) -> String {
    let paint = |style: Style, text: &str| {
        if colour { format!("{style}{text}{style:#}") } else { text.to_string() }
    };
    let bold = Style::new().bold();
    let dim = Style::new().dimmed();
    let green = Style::new().fg_color(Some(AnsiColor::Green.into())).bold();
    let red = Style::new().fg_color(Some(AnsiColor::Red.into())).bold();
    let yellow = Style::new().fg_color(Some(AnsiColor::Yellow.into())).bold();
    let experiment = &analysis.results.experiment;
    let decision = &analysis.decision;
    let protocol = &experiment.protocol;
    let mut out = String::new();
    let design = match protocol.evaluation {
        spec::Evaluation::Folds(k) => format!(
            "{} x {k}-fold{}",
            protocol.repetitions,
            if protocol.reshuffle && protocol.repetitions > 1 { ", splits and seeds varied" } else { "" }
        ),
        spec::Evaluation::Holdout(h) => format!("{} x {:.0}% holdout", protocol.repetitions, h * 100.0),
        spec::Evaluation::Official => format!("{} x the official test set", protocol.repetitions),
    };
    let _ = writeln!(
        out,
        "{}  ·  {} trials  ·  {design}  ·  α = {}",
        paint(bold, &experiment.name),
        analysis.used,
        number(protocol.alpha)
    );
    // Key figures: the prioritised metrics (or the first four).
    let mut metrics: Vec<&spec::MetricRequest> =
        decision.objectives.iter().filter_map(|(m, _)| experiment.metric(m)).take(4).collect();
    if metrics.is_empty() {
        metrics = experiment.metrics.iter().take(4).collect();
    }
    let mut table: Vec<Vec<String>> = vec![
        std::iter::once("candidate".to_string())
            .chain(metrics.iter().map(|m| format!("{} ({})", m.name(), m.unit.symbol)))
            .collect(),
    ];
    let mut marks = Vec::new();
    for candidate in &experiment.candidates {
        let picked = decision.pick.as_ref().is_some_and(|p| p.candidate == candidate.name);
        let violates = decision.violates(&candidate.name);
        let mut row = vec![format!(
            "{}{}",
            candidate.name,
            if picked {
                " ★"
            } else if violates {
                " ✗"
            } else {
                ""
            }
        )];
        for metric in &metrics {
            row.push(match analysis.row(&candidate.name, metric.name()) {
                None => "n/a".into(),
                Some(r) => {
                    let interval = match &r.interval {
                        Ok(i) if i.low != i.high => format!(" [{}, {}]", number(i.low), number(i.high)),
                        Ok(_) => String::new(),
                        Err(_) => " (no CI)".into(),
                    };
                    let method = if r.method == units::Method::Counter {
                        String::new()
                    } else {
                        format!(" {}", r.method)
                    };
                    format!("{}{interval}{method}", number(r.value))
                }
            });
        }
        table.push(row);
        marks.push((picked, violates));
    }
    let widths: Vec<usize> =
        (0..table[0].len()).map(|c| table.iter().map(|r| r[c].chars().count()).max().unwrap_or(0)).collect();
    for (i, row) in table.iter().enumerate() {
        let line: Vec<String> = row
            .iter()
            .zip(&widths)
            .map(|(cell, w)| format!("{cell}{}", " ".repeat(w - cell.chars().count())))
            .collect();
        let line = format!("  {}", line.join("   ").trim_end());
        let styled = match i {
            0 => paint(dim, &line),
            _ if marks[i - 1].0 => paint(green, &line),
            _ if marks[i - 1].1 => paint(dim, &line),
            _ => line,
        };
        let _ = writeln!(out, "{styled}");
    }
    let _ = writeln!(out);
    match (&decision.pick, &decision.pick_blocked) {
        (Some(pick), _) => {
            let robustness = pick
                .robustness
                .as_ref()
                .and_then(|(draws, shares)| {
                    shares
                        .iter()
                        .find(|(c, _)| c == &pick.candidate)
                        .map(|(_, s)| format!(" — the pick in {:.0}% of {draws} resamples", s * 100.0))
                })
                .unwrap_or_default();
            let _ =
                writeln!(out, "  {}  {}{robustness}", paint(bold, "pick    "), paint(green, &pick.candidate));
        }
        (None, Some(reason)) => {
            let _ = writeln!(out, "  {}  none: {reason}", paint(bold, "pick    "));
        }
        (None, None) => {
            let _ = writeln!(out, "  {}  none", paint(bold, "pick    "));
        }
    }
    if !decision.frontier.members.is_empty() {
        let dominated: Vec<String> =
            decision.frontier.dominated.iter().map(|(d, by)| format!("{d} dominated by {by}")).collect();
        let _ = writeln!(
            out,
            "  {}  {}{}",
            paint(bold, "frontier"),
            decision.frontier.members.join(", "),
            if dominated.is_empty() { String::new() } else { format!(" ({})", dominated.join("; ")) }
        );
    }
    for (i, check) in decision.claims.iter().enumerate() {
        let (word, style) = match check.verdict {
            Verdict::Holds => ("holds    ", green),
            Verdict::Fails => ("fails    ", red),
            Verdict::Undecided => ("undecided", yellow),
        };
        let evidence = match &check.comparison {
            Ok(c) => {
                let effect = Effect::of_claim(analysis, &check.claim.check, c);
                let interval = c
                    .shown_interval()
                    .map(|i| format!(" [{}, {}] {}", number(i.low), number(i.high), percent(i.level)))
                    .unwrap_or_default();
                format!(
                    "  {} {}{interval} ({})",
                    effect.kind(),
                    effect.value(c.shown_estimate()),
                    effect.methods()
                )
            }
            Err(_) => String::new(),
        };
        let _ = writeln!(
            out,
            "  {}  {} {}{}",
            paint(bold, if i == 0 { "claims  " } else { "        " }),
            paint(style, word),
            check.claim.text,
            paint(dim, &evidence)
        );
    }
    if let Some(path) = report {
        let _ = writeln!(out, "  {}  {}", paint(bold, "report  "), path.display());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::summary;

    /// The text without ANSI escape sequences.
    fn plain(text: &str) -> String {
        let mut out = String::new();
        let mut chars = text.chars();
        while let Some(c) = chars.next() {
            if c == '\u{1b}' {
                for d in chars.by_ref() {
                    if d.is_ascii_alphabetic() {
                        break;
                    }
                }
            } else {
                out.push(c);
            }
        }
        out
    }

    #[test]
    fn coloured_and_plain_say_the_same() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../results/default");
        let analysis = crate::analyse(&dir).unwrap();
        let coloured = summary(&analysis, Some(std::path::Path::new("report.md")), true);
        let text = summary(&analysis, Some(std::path::Path::new("report.md")), false);
        assert!(!text.contains('\u{1b}'), "{text}");
        assert_eq!(plain(&coloured), text);
        // The pick in bold green; each claim's verdict in green, red or yellow, with its
        // effect, interval, level and method on the same line (whatever the figures).
        let decision = &analysis.decision;
        let pick = &decision.pick.as_ref().expect("a pick").candidate;
        assert!(coloured.contains(&format!("\u{1b}[1m\u{1b}[32m{pick}")), "{coloured:?}");
        assert!(!decision.claims.is_empty());
        for check in &decision.claims {
            let (word, colour) = match check.verdict {
                crate::claims::Verdict::Holds => ("holds", 32),
                crate::claims::Verdict::Fails => ("fails", 31),
                crate::claims::Verdict::Undecided => ("undecided", 33),
            };
            assert!(coloured.contains(&format!("\u{1b}[1m\u{1b}[{colour}m{word}")), "{coloured:?}");
            let line = regex::Regex::new(&format!(
                r"(?m)^ +(claims)? +{word} +{}  \w+ (difference|ratio) -?[0-9.e-]+[^\[]*\[-?[0-9.e-]+, -?[0-9.e-]+\] [0-9.]+% \((counter|estimated|sampled|declared)[^)]*\)$",
                regex::escape(&check.claim.text)
            ))
            .unwrap();
            assert!(line.is_match(&text), "{word} {}: {text}", check.claim.text);
        }
        assert!(
            text.starts_with("default  ·  60 trials  ·  3 x 5-fold, splits and seeds varied  ·  α = 0.05\n"),
            "{text}"
        );
        assert!(text.trim_end().ends_with("report    report.md"), "{text}");
    }
}
