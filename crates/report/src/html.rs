//! `report.html`: the Markdown report as HTML (one source for the words), with the
//! figures inline as SVG where the Markdown marks their place, and the style inline, so
//! the file is self-contained: no scripts, no fonts, no network. It reads on a laptop and
//! a phone (figures in a responsive grid; the forest and sensitivity plots in a layout
//! for each; wide tables scroll inside their box) and prints (tables wrap instead of
//! being cut, plots in a grid).
//!
//! The experiment's own text (description, claims, names) is untrusted: raw HTML in it is
//! shown as text, links keep only `http(s)`, `mailto` and relative targets, and images
//! become their alt text.

use std::fmt::Write as _;

use crate::Analysis;
use crate::claims::Verdict;
use crate::compare::Scale;
use crate::decide::Status;
use crate::format::Effect;
use crate::markdown::{COMPARISONS, MATRIX, SENSITIVITY, STRIPS};
use crate::svg::{self, Axis, ForestRow, Layout, Point, PointStyle, SensitivityRow, StripRow};

const STYLE: &str = "\
html{background:#fff}\
body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;max-width:1100px;margin:1.5em auto;padding:0 1em;color:#1f2328;line-height:1.45}\
h1{font-size:1.6em}p,li{overflow-wrap:anywhere}h2{margin-top:1.6em;border-bottom:1px solid #ddd}\
code{background:#f3f4f6;padding:0 3px;border-radius:3px;overflow-wrap:anywhere}\
.table{overflow-x:auto;margin:1em 0}table{border-collapse:collapse;font-size:13px}\
th,td{border:1px solid #d0d7de;padding:3px 7px;text-align:left;vertical-align:top}th{background:#f6f8fa}\
.figures{display:grid;grid-template-columns:repeat(auto-fit,minmax(280px,1fr));gap:12px;margin:1em 0}\
.figures.wide{grid-template-columns:repeat(auto-fit,minmax(340px,1fr))}\
.figure{border:1px solid #d0d7de;border-radius:6px;padding:4px;background:white;overflow-x:auto}\
svg.plot{display:block;width:100%;height:auto}svg.plot.scatter{max-width:520px;margin:0 auto}\
svg.plot.forest.wide{max-width:780px;margin:0 auto}svg.plot.sensitivity.wide{max-width:700px;margin:0 auto}\
svg.plot.narrow{max-width:520px;margin:0 auto}.layout-narrow{display:none}\
@media screen and (max-width:640px){.layout-wide{display:none}.layout-narrow{display:block}\
table{font-size:12px}th,td{padding:2px 4px}th{overflow-wrap:anywhere}}\
.legend{display:flex;flex-wrap:wrap;gap:4px 14px;font-size:13px;margin:.3em 0}\
.swatch{display:inline-block;width:10px;height:10px;border-radius:50%;margin-right:5px;vertical-align:middle}\
.shape{display:inline-block;width:10px;height:10px;margin-right:5px;vertical-align:middle;box-sizing:border-box;border:2px solid #444;border-radius:50%}\
.shape.filled{background:#444}.shape.cross{border:0;border-radius:0;background:linear-gradient(45deg,transparent 40%,#444 40%,#444 60%,transparent 60%),linear-gradient(-45deg,transparent 40%,#444 40%,#444 60%,transparent 60%)}\
@media print{@page{margin:12mm}body{max-width:none;margin:0;padding:0;font-size:10pt}\
h2{break-after:avoid}.table{overflow:visible}table{font-size:7pt;width:100%}\
th,td{padding:1px 3px;overflow-wrap:anywhere}\
.figures,.figures.wide{grid-template-columns:repeat(2,minmax(0,1fr));gap:6px}\
.figure{break-inside:avoid;overflow:visible}.layout-narrow{display:none}.layout-wide{display:block}\
svg.plot.forest.wide,svg.plot.sensitivity.wide{max-width:100%}}";

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

/// Whether a link target is one the report may point at: `http(s)`, `mailto`, or a
/// relative path or fragment. Browsers ignore tabs and newlines inside a URL and spaces
/// and control characters around it, so those are removed before the scheme is read.
fn safe_url(url: &str) -> bool {
    let cleaned: String = url.chars().filter(|c| !matches!(c, '\t' | '\n' | '\r')).collect();
    let cleaned = cleaned.trim_matches(|c: char| c <= ' ');
    let lower = cleaned.to_ascii_lowercase();
    if ["http://", "https://", "mailto:"].iter().any(|p| lower.starts_with(p)) {
        return true;
    }
    // No scheme: a colon only after the path, query or fragment has begun.
    cleaned.find([':', '/', '?', '#']).is_none_or(|i| !cleaned[i..].starts_with(':'))
}

/// The Markdown as HTML. Raw HTML in it can only come from the experiment's own text (a
/// description, a claim, a name): it is shown as text, never interpreted; only the
/// figure markers and line breaks the report writes itself pass. Links to anything but
/// `http(s)`, `mailto` and relative targets keep their text and lose their target;
/// images are replaced by their alt text.
fn body(markdown: &str) -> String {
    use pulldown_cmark::{Event, Tag, TagEnd};
    let mut options = pulldown_cmark::Options::empty();
    options.insert(pulldown_cmark::Options::ENABLE_TABLES);
    let ours = |text: &str| [MATRIX, COMPARISONS, STRIPS, SENSITIVITY, "<br>"].contains(&text.trim());
    // Whether each open link was kept, innermost last.
    let mut links: Vec<bool> = Vec::new();
    let parser = pulldown_cmark::Parser::new_ext(markdown, options).filter_map(|event| match event {
        Event::Html(text) | Event::InlineHtml(text) if !ours(&text) => Some(Event::Text(text)),
        Event::Start(Tag::Link { ref dest_url, .. }) => {
            let keep = safe_url(dest_url);
            links.push(keep);
            keep.then_some(event)
        }
        Event::End(TagEnd::Link) => links.pop().unwrap_or(true).then_some(event),
        Event::Start(Tag::Image { .. }) | Event::End(TagEnd::Image) => None,
        other => Some(other),
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

/// Candidates by colour; with `shapes`, what a point's shape says too.
fn legend(analysis: &Analysis, candidates: &[String], shapes: &[PointStyle]) -> String {
    let mut out = String::from("<div class=\"legend\">");
    for candidate in candidates {
        let _ = write!(
            out,
            "<span><span class=\"swatch\" style=\"background:{}\"></span>{}</span>",
            colour_of(analysis, candidate),
            svg::escape(candidate)
        );
    }
    for style in shapes {
        let class = match style {
            PointStyle::Frontier => "filled",
            PointStyle::Dominated => "hollow",
            PointStyle::Violator => "cross",
        };
        let _ = write!(out, "<span><span class=\"shape {class}\"></span>{}</span>", style.words());
    }
    out.push_str("</div>");
    out
}

/// Whether a metric's values are amounts with a natural zero (not quality figures).
fn quantity(analysis: &Analysis, metric: &str) -> bool {
    analysis.results.experiment.metric(metric).is_some_and(|m| !m.info.from_predictions)
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
    let style_of = |c: &str| {
        if decision.violates(c) {
            PointStyle::Violator
        } else if decision.frontier.members.iter().any(|m| m == c) {
            PointStyle::Frontier
        } else {
            PointStyle::Dominated
        }
    };
    let mut shapes: Vec<PointStyle> = decision.candidates.iter().map(|c| style_of(c)).collect();
    shapes.sort_by_key(|s| *s as u8);
    shapes.dedup();
    let mut out = legend(analysis, &decision.candidates, &shapes);
    out.push_str("<div class=\"figures\">");
    for (i, y_metric) in objectives.iter().enumerate() {
        for x_metric in objectives.iter().skip(i + 1) {
            let points: Vec<Point> = decision
                .candidates
                .iter()
                .filter_map(|c| {
                    let (x, y) = (analysis.row(c, x_metric)?, analysis.row(c, y_metric)?);
                    Some(Point {
                        label: c.clone(),
                        colour: colour_of(analysis, c),
                        x: whisker(x),
                        y: whisker(y),
                        style: style_of(c),
                    })
                })
                .collect();
            if points.is_empty() {
                continue;
            }
            let axis =
                |m: &str| Axis { title: format!("{m} ({})", unit(m)), quantity: quantity(analysis, m) };
            let _ = write!(
                out,
                "<div class=\"figure\">{}</div>",
                svg::scatter(&format!("{y_metric} vs {x_metric}"), &axis(x_metric), &axis(y_metric), &points)
            );
        }
    }
    out.push_str(
        "</div><p>Each candidate in its colour, named beside its point where there is room (hover for its figures); \
         filled: on the frontier; hollow: dominated; a cross: violates a constraint; whiskers: each figure's interval; \
         dashed: the frontier.</p>",
    );
    out
}

/// Claims and constraints relative to a baseline: each comparison's estimate and
/// interval against its bound, in a wide and a narrow layout (the page shows one).
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
        let effect = Effect::of_claim(analysis, &check.claim.check, comparison);
        rows.push(forest_row(
            &check.claim.text,
            check.verdict.as_str(),
            verdict_colour(check.verdict == Verdict::Holds, check.verdict == Verdict::Fails),
            comparison,
            &effect,
            &check.claim.check,
        ));
    }
    for check in &decision.constraints {
        let Some(comparison) = &check.comparison else { continue };
        let baseline = check.bound.rsplit(' ').next().unwrap_or_default();
        let effect = Effect::of(
            analysis,
            &[(check.metric.as_str(), check.candidate.as_str()), (check.metric.as_str(), baseline)],
            comparison,
        );
        rows.push(forest_row(
            &format!("{}: {} {}", check.candidate, check.metric, check.bound),
            match check.status {
                Status::Met => "met",
                Status::Violated => "violated",
                Status::Undecided => "undecided",
            },
            verdict_colour(check.status == Status::Met, check.status == Status::Violated),
            comparison,
            &effect,
            &format!("{} {}", check.metric, check.bound),
        ));
    }
    if rows.is_empty() {
        return String::new();
    }
    let title = "Comparisons against their bounds";
    format!(
        "<div class=\"figure layout-wide\">{}</div><div class=\"figure layout-narrow\">{}</div>\
         <p>Each paired comparison's estimate (square) and interval (bar) against the bound it is compared with \
         (dashed, labelled); the axis under each row is in the unit at its right (Δ: a difference; ratios on a log \
         scale), shared by rows of one metric and bound. Hover a row for its numbers.</p>",
        svg::forest(title, &rows, Layout::Wide),
        svg::forest(title, &rows, Layout::Narrow)
    )
}

fn forest_row(
    label: &str,
    verdict: &str,
    colour: &'static str,
    comparison: &crate::compare::Comparison,
    effect: &Effect,
    group: &str,
) -> ForestRow {
    let ratio = matches!(comparison.scale, Scale::Ratio { .. });
    let unit = match (ratio, effect.unit) {
        (true, _) => "ratio".to_string(),
        (false, Some(unit)) => format!("Δ {unit}"),
        (false, None) => "difference".to_string(),
    };
    let what = format!(
        "{}{} ({})",
        effect.kind(),
        effect.unit.map(|u| format!(" in {u}")).unwrap_or_default(),
        effect.methods()
    );
    // Rows of one metric and bound share an axis: a constraint's rows differ only in the
    // candidate; a claim is its own group.
    ForestRow {
        label: label.to_string(),
        verdict: verdict.to_string(),
        colour,
        estimate: comparison.shown_estimate(),
        interval: comparison.shown_interval().ok().map(|i| (i.low, i.high, i.level)),
        bound: comparison.shown_bound(),
        ratio,
        unit,
        what,
        group: group.to_string(),
    }
}

/// The trials of every metric: with few trials, the points are the evidence.
fn strips(analysis: &Analysis) -> String {
    let results = &analysis.results;
    let experiment = &results.experiment;
    // The trials the summary counts: the plan's, the latest record of each slot.
    let trials = crate::trials::Trials::of(
        experiment,
        &results.records,
        results.environment.as_ref().map(|e| e.hardware.fingerprint.as_str()),
        results.plan_keys(),
    );
    let mut out = String::from("<div class=\"figures wide\">");
    let mut any = false;
    for metric in &experiment.metrics {
        let rows: Vec<StripRow> = experiment
            .candidates
            .iter()
            .filter_map(|c| {
                let row = analysis.row(&c.name, metric.name())?;
                let values: Vec<f64> = trials.values(&c.name, metric.name()).into_values().collect();
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
        let axis = Axis {
            title: format!("{} ({})", metric.name(), metric.unit.symbol),
            quantity: quantity(analysis, metric.name()),
        };
        let _ = write!(out, "<div class=\"figure\">{}</div>", svg::strip(metric.name(), &axis, &rows));
    }
    out.push_str(
        "</div><p>Each dot a trial; the bar the statistic with its interval. An axis not from zero, or on a log scale, \
         says so under it.</p>",
    );
    if any { out } else { String::new() }
}

/// How the weighted pick changes as each weight's share varies.
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
    let title = "The pick as each weight's share varies";
    format!(
        "{}<div class=\"figure layout-wide\">{}</div><div class=\"figure layout-narrow\">{}</div><p>Each band: the pick as one \
         metric's share of the weights runs from 0% to 100%, the others keeping their proportions; the triangle marks \
         the stated share.</p>",
        legend(analysis, &decision.frontier.members, &[]),
        svg::sensitivity(title, &rows, Layout::Wide),
        svg::sensitivity(title, &rows, Layout::Narrow)
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

    #[test]
    fn links_keep_only_safe_targets_and_images_become_text() {
        let html = super::body(
            "[a](javascript:alert(1)) [b](JaVaScRiPt:alert(2)) [c](java%0ascript:x) [d]( \tjava\nscript:alert(3))\n\
             [e](data:text/html,<script>x</script>) [f](vbscript:x) <javascript:alert(4)> [g][r]\n\n\
             [r]: javascript:alert(5)\n\n\
             [ok1](https://example.org/a?b=1) [ok2](mailto:me@example.org) [ok3](models/tree.rules.txt) [ok4](#claims) \
             [ok5](page.html?x=a:b)\n\n![alt words](https://example.org/track.png) ![x](javascript:alert(6))\n",
        );
        assert!(!html.to_ascii_lowercase().contains("href=\"javascript"), "{html}");
        assert!(
            !html.contains("href=\"data:") && !html.contains("href=\"vbscript") && !html.contains("<img"),
            "{html}"
        );
        assert_eq!(html.matches("<a ").count(), 5, "{html}");
        for good in [
            "href=\"https://example.org/a?b=1\"",
            "href=\"mailto:me@example.org\"",
            "href=\"models/tree.rules.txt\"",
            "href=\"#claims\"",
            "href=\"page.html?x=a:b\"",
        ] {
            assert!(html.contains(good), "{good}: {html}");
        }
        // The words stay; only the targets go.
        for text in ["<p>a b c", "alt words", "[d]("] {
            assert!(html.contains(text), "{text}: {html}");
        }
        assert!(!html.contains("track.png"), "{html}");
    }

    #[test]
    fn url_schemes() {
        for safe in ["https://a.b", "HTTP://a.b", "mailto:x@y", "a/b.txt", "#x", "?q=1:2", "a.html#b:c", ""] {
            assert!(super::safe_url(safe), "{safe}");
        }
        for unsafe_ in [
            "javascript:x",
            " javascript:x",
            "java\tscript:x",
            "\u{1}javascript:x",
            "data:x",
            "file:///etc",
            "x:y",
        ] {
            assert!(!super::safe_url(unsafe_), "{unsafe_:?}");
        }
    }
}
