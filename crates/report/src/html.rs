//! `report.html`: the Markdown report as HTML (one source for the words), with the plots
//! inline as SVG and the style inline, so the file is self-contained: no scripts, no
//! fonts, no network.

use std::fmt::Write as _;

use crate::Analysis;
use crate::svg::{self, Point, PointStyle};

const STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}\
table{border-collapse:collapse;margin:1em 0;font-size:13px}th,td{border:1px solid #ccc;padding:3px 7px;text-align:left}\
th{background:#f3f3f3}code{background:#f5f5f5;padding:0 3px}.plots{display:flex;flex-wrap:wrap;gap:12px}\
.plot{border:1px solid #ddd}";

pub fn render(analysis: &Analysis, markdown: &str) -> String {
    let body = body(markdown);
    let plots = plots(analysis);
    // The plots go right after the first table (the results).
    let body = match body.find("</table>") {
        Some(end) => format!("{}{}{}", &body[..end + 8], plots, &body[end + 8..]),
        None => format!("{body}{plots}"),
    };
    let title = format!("tradeoff: {}", analysis.results.experiment.name);
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title><style>{STYLE}</style></head><body>\n{body}</body></html>\n",
        title.replace('<', "&lt;")
    )
}

/// The Markdown as HTML. Raw HTML in it can only come from the experiment's own text (a
/// description, a claim, a name): it is shown as text, never interpreted.
fn body(markdown: &str) -> String {
    let mut options = pulldown_cmark::Options::empty();
    options.insert(pulldown_cmark::Options::ENABLE_TABLES);
    let parser = pulldown_cmark::Parser::new_ext(markdown, options).map(|event| match event {
        pulldown_cmark::Event::Html(text) | pulldown_cmark::Event::InlineHtml(text) => {
            pulldown_cmark::Event::Text(text)
        }
        other => other,
    });
    let mut body = String::new();
    pulldown_cmark::html::push_html(&mut body, parser);
    body
}

fn plots(analysis: &Analysis) -> String {
    let experiment = &analysis.results.experiment;
    let decision = &analysis.decision;
    let unit = |metric: &str| experiment.metric(metric).map(|m| m.unit.symbol).unwrap_or("");
    let mut out = String::from("<h2>Plots</h2>\n");
    let objectives = &decision.objectives;
    if objectives.len() >= 2 {
        let _ = writeln!(
            out,
            "<p>Pareto plots: the frontier filled, dominated candidates hollow, constraint violators grey; whiskers are 95% CIs.</p>\n<div class=\"plots\">"
        );
        let (y_metric, _) = &objectives[0];
        for (x_metric, _) in objectives.iter().skip(1).take(3) {
            let points: Vec<Point> = decision
                .candidates
                .iter()
                .filter_map(|c| {
                    let x = analysis.row(c, x_metric)?;
                    let y = analysis.row(c, y_metric)?;
                    let style = if decision.violates(c) {
                        PointStyle::Violator
                    } else if decision.frontier.members.contains(c) {
                        PointStyle::Frontier
                    } else {
                        PointStyle::Dominated
                    };
                    Some(Point { label: c.clone(), x: whiskers(x), y: whiskers(y), style })
                })
                .collect();
            if points.is_empty() {
                continue;
            }
            out.push_str(&svg::scatter(
                &format!("{y_metric} vs {x_metric}"),
                &format!("{x_metric} ({})", unit(x_metric)),
                &format!("{y_metric} ({})", unit(y_metric)),
                &points,
            ));
            out.push('\n');
        }
        out.push_str("</div>\n");
    }
    let _ = writeln!(out, "<p>Each metric by candidate, with 95% CI whiskers.</p>\n<div class=\"plots\">");
    for metric in &experiment.metrics {
        let bars: Vec<(String, f64, f64, f64)> = experiment
            .candidates
            .iter()
            .filter_map(|c| {
                analysis.row(&c.name, metric.name()).map(|r| {
                    let (value, low, high) = whiskers(r);
                    (c.name.clone(), value, low, high)
                })
            })
            .collect();
        if bars.is_empty() {
            continue;
        }
        out.push_str(&svg::bars(metric.name(), metric.unit.symbol, &bars));
        out.push('\n');
    }
    out.push_str("</div>\n");
    out
}

/// A figure and its interval's ends; a figure without an interval gets no whiskers.
fn whiskers(row: &crate::SummaryRow) -> (f64, f64, f64) {
    match &row.interval {
        Ok(i) => (row.value, i.low, i.high),
        Err(_) => (row.value, row.value, row.value),
    }
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
    }
}
