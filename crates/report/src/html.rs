//! `report.html`: the Markdown report as HTML (one source for the words), with the
//! figures inline as SVG where the Markdown marks their place, and the style inline, so
//! the file is self-contained: no scripts, no fonts, no network. It reads on a laptop and
//! a phone (figures in a responsive grid, wide tables scroll inside their box) and prints.

use std::fmt::Write as _;

use crate::Analysis;
use crate::claims::Verdict;
use crate::compare::Scale;
use crate::decide::Status;
use crate::markdown::{COMPARISONS, MATRIX, SENSITIVITY, STRIPS};
use crate::svg::{self, ForestRow, Point, PointStyle, SensitivityRow, StripRow};

const STYLE: &str = "\
body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;max-width:1100px;margin:1.5em auto;padding:0 1em;color:#1f2328;line-height:1.45}\
h1{font-size:1.6em}p,li{overflow-wrap:anywhere}h2{margin-top:1.6em;border-bottom:1px solid #ddd}\
code{background:#f3f4f6;padding:0 3px;border-radius:3px;overflow-wrap:anywhere}\
.table{overflow-x:auto;margin:1em 0}table{border-collapse:collapse;font-size:13px}\
th,td{border:1px solid #d0d7de;padding:3px 7px;text-align:left;vertical-align:top}th{background:#f6f8fa}\
.figures{display:grid;grid-template-columns:repeat(auto-fit,minmax(280px,1fr));gap:12px;margin:1em 0}\
.figures.wide{grid-template-columns:repeat(auto-fit,minmax(340px,1fr))}\
.figure{border:1px solid #d0d7de;border-radius:6px;padding:4px;background:white;overflow-x:auto}\
svg.plot{display:block;width:100%;height:auto;min-width:300px}svg.plot.forest,svg.plot.sensitivity{min-width:520px;max-width:820px;margin:0 auto}svg.plot .title{font-size:12px;font-weight:600}\
svg.plot .tick{font-size:10px}svg.plot .label,svg.plot .row,svg.plot .verdict{font-size:11px}\
.legend{display:flex;flex-wrap:wrap;gap:4px 14px;font-size:13px;margin:.3em 0}\
.swatch{display:inline-block;width:10px;height:10px;border-radius:50%;margin-right:5px;vertical-align:middle}\
@media print{.figures{display:block}.figure{break-inside:avoid;margin-bottom:8px}body{max-width:none}}";

pub fn render(analysis: &Analysis, markdown: &str) -> String {
    let mut body = body(markdown);
    for (marker, figure) in [
        (MATRIX, matrix(analysis)),
        (COMPARISONS, comparisons(analysis)),
        (STRIPS, strips(analysis)),
        (SENSITIVITY, sensitivity(analysis)),
    ] {
        body = body.replace(marker, &figure);
    }
    // Wide tables scroll inside their box instead of widening the page.
    let body = body.replace("<table>", "<div class=\"table\"><table>").replace("</table>", "</table></div>");
    let title = format!("tradeoff: {}", analysis.results.experiment.name);
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{}</title><style>{STYLE}</style></head><body>\n{body}</body></html>\n",
        svg::escape(&title)
    )
}

/// The Markdown as HTML. Raw HTML in it can only come from the experiment's own text (a
/// description, a claim, a name): it is shown as text, never interpreted; only the
/// figure markers and line breaks the report writes itself pass.
fn body(markdown: &str) -> String {
    let mut options = pulldown_cmark::Options::empty();
    options.insert(pulldown_cmark::Options::ENABLE_TABLES);
    let ours = |text: &str| [MATRIX, COMPARISONS, STRIPS, SENSITIVITY, "<br>"].contains(&text.trim());
    let parser = pulldown_cmark::Parser::new_ext(markdown, options).map(|event| match event {
        pulldown_cmark::Event::Html(text) | pulldown_cmark::Event::InlineHtml(text) if !ours(&text) => {
            pulldown_cmark::Event::Text(text)
        }
        other => other,
    });
    let mut body = String::new();
    pulldown_cmark::html::push_html(&mut body, parser);
    body
}

/// The colour of a candidate: its place in the experiment.
fn colour_of(analysis: &Analysis, candidate: &str) -> &'static str {
    svg::colour(analysis.results.experiment.candidates.iter().position(|c| c.name == candidate).unwrap_or(0))
}

fn whisker(row: &crate::SummaryRow) -> svg::Whisker {
    match &row.interval {
        Ok(i) => (row.value, i.low, i.high),
        Err(_) => (row.value, row.value, row.value),
    }
}

fn legend(analysis: &Analysis, candidates: &[String]) -> String {
    let mut out = String::from("<div class=\"legend\">");
    for candidate in candidates {
        let _ = write!(
            out,
            "<span><span class=\"swatch\" style=\"background:{}\"></span>{}</span>",
            colour_of(analysis, candidate),
            svg::escape(candidate)
        );
    }
    out.push_str("</div>");
    out
}

/// Every pair of prioritised metrics as a scatter: the trade-offs at a glance.
fn matrix(analysis: &Analysis) -> String {
    let decision = &analysis.decision;
    let experiment = &analysis.results.experiment;
    let objectives: Vec<&String> = decision.objectives.iter().map(|(m, _)| m).take(4).collect();
    if objectives.len() < 2 || decision.candidates.is_empty() {
        return String::new();
    }
    let unit = |m: &str| experiment.metric(m).map(|r| r.unit.symbol).unwrap_or("");
    let mut out = legend(analysis, &decision.candidates);
    out.push_str("<div class=\"figures\">");
    for (i, y_metric) in objectives.iter().enumerate() {
        for x_metric in objectives.iter().skip(i + 1) {
            let points: Vec<Point> = decision
                .candidates
                .iter()
                .filter_map(|c| {
                    let (x, y) = (analysis.row(c, x_metric)?, analysis.row(c, y_metric)?);
                    let style = if decision.violates(c) {
                        PointStyle::Violator
                    } else if decision.frontier.members.contains(c) {
                        PointStyle::Frontier
                    } else {
                        PointStyle::Dominated
                    };
                    Some(Point {
                        label: c.clone(),
                        colour: colour_of(analysis, c),
                        x: whisker(x),
                        y: whisker(y),
                        style,
                    })
                })
                .collect();
            if points.is_empty() {
                continue;
            }
            let _ = write!(
                out,
                "<div class=\"figure\">{}</div>",
                svg::scatter(
                    &format!("{y_metric} vs {x_metric}"),
                    &format!("{x_metric} ({})", unit(x_metric)),
                    &format!("{y_metric} ({})", unit(y_metric)),
                    &points
                )
            );
        }
    }
    out.push_str("</div><p>Filled: on the frontier; hollow: dominated; grey: violates a constraint; whiskers: each figure's interval; dashed: the frontier.</p>");
    out
}

/// Claims and constraints relative to a baseline: each comparison's estimate and
/// interval against its bound.
fn comparisons(analysis: &Analysis) -> String {
    let decision = &analysis.decision;
    let verdict_colour = |holds: bool, fails: bool| {
        if holds {
            "#1a7f37"
        } else if fails {
            "#cf222e"
        } else {
            "#9a6700"
        }
    };
    let mut rows = Vec::new();
    for check in &decision.claims {
        let Ok(comparison) = &check.comparison else { continue };
        rows.push(forest_row(
            &check.claim.text,
            check.verdict.as_str(),
            verdict_colour(check.verdict == Verdict::Holds, check.verdict == Verdict::Fails),
            comparison,
        ));
    }
    for check in &decision.constraints {
        let Some(comparison) = &check.comparison else { continue };
        rows.push(forest_row(
            &format!("{}: {} {}", check.candidate, check.metric, check.bound),
            check.status.as_str(),
            verdict_colour(check.status == Status::Met, check.status == Status::Violated),
            comparison,
        ));
    }
    if rows.is_empty() {
        return String::new();
    }
    format!(
        "<div class=\"figure\">{}</div><p>Each paired comparison's estimate (square) and interval (bar) against the bound it is compared with (dashed); ratios on a log scale.</p>",
        svg::forest("Comparisons against their bounds", &rows)
    )
}

fn forest_row(
    label: &str,
    verdict: &str,
    colour: &'static str,
    comparison: &crate::compare::Comparison,
) -> ForestRow {
    ForestRow {
        label: label.to_string(),
        verdict: verdict.to_string(),
        colour,
        estimate: comparison.shown_estimate(),
        interval: comparison.shown_interval().ok().map(|i| (i.low, i.high)),
        bound: comparison.shown_bound(),
        ratio: matches!(comparison.scale, Scale::Ratio { .. }),
    }
}

/// The trials of every metric: with few trials, the points are the evidence.
fn strips(analysis: &Analysis) -> String {
    let experiment = &analysis.results.experiment;
    let records: Vec<&record::Record> =
        analysis.results.records.iter().filter(|r| r.status == record::Status::Ok).collect();
    let mut out = String::from("<div class=\"figures wide\">");
    let mut any = false;
    for metric in &experiment.metrics {
        let rows: Vec<StripRow> = experiment
            .candidates
            .iter()
            .filter_map(|c| {
                let row = analysis.row(&c.name, metric.name())?;
                let values: Vec<f64> = records
                    .iter()
                    .filter(|r| {
                        r.candidate == c.name && !analysis.ignored.iter().any(|(_, i)| i.sha256 == r.sha256)
                    })
                    .filter_map(|r| r.measurement(metric.name())?.value_in(metric.unit))
                    .collect();
                Some(StripRow {
                    label: c.name.clone(),
                    colour: colour_of(analysis, &c.name),
                    values,
                    summary: whisker(row),
                })
            })
            .collect();
        if rows.is_empty() {
            continue;
        }
        any = true;
        // Quality figures are read against each other, not against zero; sizes and times
        // from zero unless they span decades (then the axis is logarithmic anyway).
        let from_zero = !metric.info.from_predictions;
        let _ = write!(
            out,
            "<div class=\"figure\">{}</div>",
            svg::strip(
                metric.name(),
                &format!("{} ({})", metric.name(), metric.unit.symbol),
                &rows,
                from_zero
            )
        );
    }
    out.push_str("</div>");
    if any { out } else { String::new() }
}

/// How the weighted pick changes as each weight varies.
fn sensitivity(analysis: &Analysis) -> String {
    let decision = &analysis.decision;
    if decision.sensitivity.is_empty() {
        return String::new();
    }
    let rows: Vec<SensitivityRow> = decision
        .sensitivity
        .iter()
        .map(|(metric, stated, bands)| SensitivityRow {
            metric: metric.clone(),
            stated: *stated,
            segments: bands
                .iter()
                .map(|(from, to, c)| (*from, *to, colour_of(analysis, c), c.clone()))
                .collect(),
        })
        .collect();
    format!(
        "{}<div class=\"figure\">{}</div><p>Each band: the pick as one metric's share of the weights runs from 0 to 1, the others keeping their proportions; the triangle marks the stated share.</p>",
        legend(analysis, &decision.frontier.members),
        svg::sensitivity("The pick as each weight varies", &rows)
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn raw_html_from_an_experiment_is_shown_as_text() {
        let html = super::body(
            "# Experiment\n\nFast <script>alert(1)</script> and <b>bold</b>.\n\n<img src=x onerror=y>\n",
        );
        assert!(!html.contains("<script>") && !html.contains("<img") && !html.contains("<b>"), "{html}");
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "{html}");
        let ours = super::body("a<br>b\n\n<!-- figure:matrix -->\n");
        assert!(ours.contains("<br>") && ours.contains("<!-- figure:matrix -->"), "{ours}");
    }
}
