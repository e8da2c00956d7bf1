//! Plots as inline SVG, written by hand so the HTML report stays one self-contained file
//! that needs no fonts or scripts: a trade-off scatter, strip plots of the trials, a
//! forest plot of comparisons against their bounds, and a weight-sensitivity band.
//!
//! Every plot scales to its container (`viewBox`, no fixed width) and keeps its text
//! apart by construction: labels sit in their own column or margin, points are told
//! apart by colour and a legend rather than by labels next to them, and tick labels are
//! few and short. Axes spanning more than a decade of positive values are logarithmic;
//! an axis that does not start at zero says so.

use std::fmt::Write as _;

/// Colours for candidates (Okabe and Ito's palette, readable with colour blindness).
pub const PALETTE: [&str; 8] =
    ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"];

/// The colour of the `index`-th candidate.
pub fn colour(index: usize) -> &'static str {
    PALETTE[index % PALETTE.len()]
}

pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// A number as a short tick label: three significant digits, `k`/`M`/`G` for large values.
pub fn compact(value: f64) -> String {
    if !value.is_finite() {
        return value.to_string();
    }
    if value == 0.0 {
        return "0".into();
    }
    let magnitude = value.abs();
    let (scaled, suffix) = if magnitude >= 1e9 {
        (value / 1e9, "G")
    } else if magnitude >= 1e6 {
        (value / 1e6, "M")
    } else if magnitude >= 1e4 {
        (value / 1e3, "k")
    } else {
        (value, "")
    };
    if scaled.abs() < 1e-3 {
        return format!("{scaled:.1e}").replace(".0e", "e");
    }
    let digits = (2 - scaled.abs().log10().floor() as i32).max(0) as usize;
    let text = format!("{scaled:.digits$}");
    let text =
        if text.contains('.') { text.trim_end_matches('0').trim_end_matches('.').to_string() } else { text };
    format!("{text}{suffix}")
}

/// How an axis maps values to pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scale {
    low: f64,
    high: f64,
    /// Pixel positions of `low` and `high`.
    a: f64,
    b: f64,
    pub log: bool,
}

impl Scale {
    /// An axis over `values` (non-finite values ignored) between pixels `a` and `b`:
    /// logarithmic when every value is positive and they span more than a decade, else
    /// linear and padded by 8%; `from_zero` makes a linear axis start at zero when the
    /// values are all positive.
    pub fn new(values: impl IntoIterator<Item = f64>, a: f64, b: f64, from_zero: bool) -> Scale {
        let values: Vec<f64> = values.into_iter().filter(|v| v.is_finite()).collect();
        let (mut low, mut high) =
            values.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), &v| (l.min(v), h.max(v)));
        if values.is_empty() {
            (low, high) = (0.0, 1.0);
        }
        if low > 0.0 && high / low > 10.0 {
            let (l, h) = (low.log10(), high.log10());
            let pad = (h - l) * 0.06;
            return Scale { low: l - pad, high: h + pad, a, b, log: true };
        }
        if from_zero && low > 0.0 {
            low = 0.0;
        }
        if !(high - low).is_finite() || high - low <= f64::EPSILON * high.abs().max(1.0) {
            let pad = if low == 0.0 { 1.0 } else { low.abs() * 0.1 };
            (low, high) = (low - pad, high + pad);
        }
        let pad = (high - low) * 0.08;
        let low = if from_zero && low == 0.0 { 0.0 } else { low - pad };
        Scale { low, high: high + pad, a, b, log: false }
    }

    /// The pixel of a value (values beyond the axis are clamped to its ends).
    pub fn at(&self, value: f64) -> f64 {
        let v = if self.log { value.max(f64::MIN_POSITIVE).log10() } else { value };
        let t = ((v - self.low) / (self.high - self.low)).clamp(-0.02, 1.02);
        self.a + t * (self.b - self.a)
    }

    /// Where a linear axis starts, when it is not at zero.
    pub fn starts_above_zero(&self) -> Option<f64> {
        (!self.log && self.low > 0.0).then_some(self.low)
    }

    /// At most `most` ticks at round values.
    pub fn ticks(&self, most: usize) -> Vec<f64> {
        let (low, high) = (self.low, self.high);
        let span = high - low;
        if !(span.is_finite() && span > 0.0) {
            return vec![if self.log { 10f64.powf(low) } else { low }];
        }
        if self.log {
            let decades: Vec<f64> =
                ((low.ceil() as i32)..=(high.floor() as i32)).map(|e| 10f64.powi(e)).collect();
            if decades.len() >= 2 {
                let stride = decades.len().div_ceil(most.max(1));
                return decades.into_iter().step_by(stride.max(1)).collect();
            }
            // Less than a decade shown: 1, 2, 5 steps inside it.
            let mut ticks = Vec::new();
            for e in (low.floor() as i32)..=(high.ceil() as i32) {
                for m in [1.0, 2.0, 5.0] {
                    let v = m * 10f64.powi(e);
                    if (low..=high).contains(&v.log10()) {
                        ticks.push(v);
                    }
                }
            }
            return ticks.into_iter().take(most).collect();
        }
        let raw = span / most.max(2) as f64;
        let magnitude = 10f64.powf(raw.log10().floor());
        let step = [1.0, 2.0, 2.5, 5.0, 10.0]
            .iter()
            .map(|m| m * magnitude)
            .find(|s| span / s <= most as f64)
            .unwrap_or(10.0 * magnitude);
        let first = (low / step).ceil();
        // Ticks by index, not by repeated addition: with huge values and a tiny span,
        // adding the step may not change the value, and the loop would never end.
        (0..most as i32 + 1)
            .map(|i| (first + f64::from(i)) * step)
            .take_while(|t| *t <= high + step * 1e-9)
            .map(|t| if t.abs() < step * 1e-9 { 0.0 } else { t })
            .collect()
    }
}

/// A figure and its interval's ends (equal to it when there is none).
pub type Whisker = (f64, f64, f64);

/// A point of a trade-off scatter.
#[derive(Debug, Clone)]
pub struct Point {
    pub label: String,
    pub colour: &'static str,
    pub x: Whisker,
    pub y: Whisker,
    pub style: PointStyle,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PointStyle {
    Frontier,
    Dominated,
    Violator,
}

/// An opened SVG of `width` x `height` user units, scaling to its container.
fn open(out: &mut String, class: &str, width: f64, height: f64, title: &str) {
    let _ = write!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="plot {class}" viewBox="0 0 {width} {height}" role="img" aria-label="{0}" font-family="sans-serif" font-size="11"><title>{0}</title><rect width="{width}" height="{height}" fill="white"/>"#,
        escape(title)
    );
}

fn text(out: &mut String, x: f64, y: f64, anchor: &str, class: &str, content: &str) {
    let _ = write!(
        out,
        r##"<text x="{x:.1}" y="{y:.1}" text-anchor="{anchor}" class="{class}" fill="#333">{}</text>"##,
        escape(content)
    );
}

const SCATTER_W: f64 = 320.0;
const SCATTER_H: f64 = 260.0;
const SCATTER_LEFT: f64 = 64.0;
const SCATTER_RIGHT: f64 = 14.0;
const SCATTER_TOP: f64 = 30.0;
const SCATTER_BOTTOM: f64 = 46.0;

/// A trade-off scatter of two metrics: each candidate a point with its interval's
/// whiskers, the frontier joined by a line, dominated candidates hollow, constraint
/// violators grey; the frontier line joins its members in the order of the x axis.
pub fn scatter(title: &str, x_label: &str, y_label: &str, points: &[Point]) -> String {
    let x = Scale::new(
        points.iter().flat_map(|p| [p.x.0, p.x.1, p.x.2]),
        SCATTER_LEFT,
        SCATTER_W - SCATTER_RIGHT,
        false,
    );
    let y = Scale::new(
        points.iter().flat_map(|p| [p.y.0, p.y.1, p.y.2]),
        SCATTER_H - SCATTER_BOTTOM,
        SCATTER_TOP,
        false,
    );
    let mut out = String::new();
    open(&mut out, "scatter", SCATTER_W, SCATTER_H, title);
    text(&mut out, SCATTER_W / 2.0, 16.0, "middle", "title", title);
    let (x0, y0) = (SCATTER_LEFT, SCATTER_H - SCATTER_BOTTOM);
    let _ = write!(
        out,
        r##"<line x1="{x0}" y1="{y0}" x2="{}" y2="{y0}" stroke="#555"/><line x1="{x0}" y1="{SCATTER_TOP}" x2="{x0}" y2="{y0}" stroke="#555"/>"##,
        SCATTER_W - SCATTER_RIGHT
    );
    for tick in x.ticks(4) {
        let px = x.at(tick);
        let _ =
            write!(out, r##"<line x1="{px:.1}" y1="{y0}" x2="{px:.1}" y2="{}" stroke="#555"/>"##, y0 + 4.0);
        text(&mut out, px, y0 + 15.0, "middle", "tick", &compact(tick));
    }
    for tick in y.ticks(5) {
        let py = y.at(tick);
        let _ = write!(
            out,
            r##"<line x1="{}" y1="{py:.1}" x2="{x0}" y2="{py:.1}" stroke="#555"/><line x1="{x0}" y1="{py:.1}" x2="{}" y2="{py:.1}" stroke="#eee"/>"##,
            x0 - 4.0,
            SCATTER_W - SCATTER_RIGHT
        );
        text(&mut out, x0 - 6.0, py + 4.0, "end", "tick", &compact(tick));
    }
    text(
        &mut out,
        (SCATTER_LEFT + SCATTER_W - SCATTER_RIGHT) / 2.0,
        SCATTER_H - 8.0,
        "middle",
        "label",
        &axis_words(x_label, &x),
    );
    let middle = (SCATTER_TOP + y0) / 2.0;
    let _ = write!(
        out,
        r##"<text x="12" y="{middle:.1}" text-anchor="middle" class="label" fill="#333" transform="rotate(-90 12 {middle:.1})">{}</text>"##,
        escape(&axis_words(y_label, &y))
    );
    // The frontier, joined in the order of the x axis.
    let mut frontier: Vec<(f64, f64)> = points
        .iter()
        .filter(|p| p.style == PointStyle::Frontier)
        .map(|p| (x.at(p.x.0), y.at(p.y.0)))
        .collect();
    frontier.sort_by(|a, b| a.0.total_cmp(&b.0));
    if frontier.len() >= 2 {
        let path: Vec<String> = frontier.iter().map(|(px, py)| format!("{px:.1},{py:.1}")).collect();
        let _ = write!(
            out,
            r##"<polyline class="frontier" points="{}" fill="none" stroke="#888" stroke-dasharray="4 3"/>"##,
            path.join(" ")
        );
    }
    for point in points {
        let (stroke, fill) = match point.style {
            PointStyle::Frontier => (point.colour, point.colour),
            PointStyle::Dominated => (point.colour, "white"),
            PointStyle::Violator => ("#999", "#ddd"),
        };
        let (px, py) = (x.at(point.x.0), y.at(point.y.0));
        let _ = write!(
            out,
            r#"<g class="point"><title>{}: {} × {}</title><line x1="{:.1}" y1="{py:.1}" x2="{:.1}" y2="{py:.1}" stroke="{stroke}"/><line x1="{px:.1}" y1="{:.1}" x2="{px:.1}" y2="{:.1}" stroke="{stroke}"/><circle cx="{px:.1}" cy="{py:.1}" r="5" fill="{fill}" stroke="{stroke}" stroke-width="1.6"/></g>"#,
            escape(&point.label),
            compact(point.x.0),
            compact(point.y.0),
            x.at(point.x.1),
            x.at(point.x.2),
            y.at(point.y.1),
            y.at(point.y.2),
        );
    }
    out.push_str("</svg>");
    out
}

/// An axis title that says when the axis is logarithmic or does not start at zero.
fn axis_words(label: &str, scale: &Scale) -> String {
    if scale.log {
        format!("{label}, log scale")
    } else if scale.starts_above_zero().is_some() {
        format!("{label} (axis not from 0)")
    } else {
        label.to_string()
    }
}

/// One candidate's row of a strip plot.
#[derive(Debug, Clone)]
pub struct StripRow {
    pub label: String,
    pub colour: &'static str,
    /// Every trial's value.
    pub values: Vec<f64>,
    /// The summary statistic and its interval (equal ends when there is none).
    pub summary: Whisker,
}

const STRIP_W: f64 = 420.0;
const STRIP_LEFT: f64 = 110.0;
const STRIP_RIGHT: f64 = 16.0;
const STRIP_ROW: f64 = 26.0;
const STRIP_TOP: f64 = 28.0;
const STRIP_BOTTOM: f64 = 40.0;

/// The trials of one metric, a row per candidate: each trial a dot (spread vertically so
/// equal values stay visible), the summary a bar with its interval. With few trials the
/// dots are the evidence, so they are shown, not only a bar.
pub fn strip(title: &str, unit_label: &str, rows: &[StripRow], from_zero: bool) -> String {
    let height = STRIP_TOP + STRIP_ROW * rows.len() as f64 + STRIP_BOTTOM;
    let x = Scale::new(
        rows.iter().flat_map(|r| r.values.iter().copied().chain([r.summary.0, r.summary.1, r.summary.2])),
        STRIP_LEFT,
        STRIP_W - STRIP_RIGHT,
        from_zero,
    );
    let mut out = String::new();
    open(&mut out, "strip", STRIP_W, height, title);
    text(&mut out, STRIP_W / 2.0, 17.0, "middle", "title", title);
    let bottom = height - STRIP_BOTTOM;
    for tick in x.ticks(4) {
        let px = x.at(tick);
        let _ = write!(
            out,
            r##"<line x1="{px:.1}" y1="{STRIP_TOP}" x2="{px:.1}" y2="{bottom:.1}" stroke="#eee"/><line x1="{px:.1}" y1="{bottom:.1}" x2="{px:.1}" y2="{:.1}" stroke="#555"/>"##,
            bottom + 4.0
        );
        text(&mut out, px, bottom + 15.0, "middle", "tick", &compact(tick));
    }
    let _ = write!(
        out,
        r##"<line x1="{STRIP_LEFT}" y1="{bottom:.1}" x2="{}" y2="{bottom:.1}" stroke="#555"/>"##,
        STRIP_W - STRIP_RIGHT
    );
    text(
        &mut out,
        (STRIP_LEFT + STRIP_W - STRIP_RIGHT) / 2.0,
        height - 8.0,
        "middle",
        "label",
        &axis_words(unit_label, &x),
    );
    for (i, row) in rows.iter().enumerate() {
        let centre = STRIP_TOP + STRIP_ROW * (i as f64 + 0.5);
        text(&mut out, STRIP_LEFT - 8.0, centre + 4.0, "end", "row", &truncate(&row.label, 16));
        let _ = write!(out, r#"<g class="row"><title>{}</title>"#, escape(&row.label));
        for (k, value) in row.values.iter().enumerate() {
            // A fixed spread, the same for every render: -6 .. +6 px.
            let offset = ((k * 7919) % 13) as f64 - 6.0;
            let _ = write!(
                out,
                r#"<circle cx="{:.1}" cy="{:.1}" r="2.6" fill="{}" fill-opacity="0.55"/>"#,
                x.at(*value),
                centre + offset * 0.8,
                row.colour
            );
        }
        let (value, low, high) = row.summary;
        let _ = write!(
            out,
            r##"<line x1="{:.1}" y1="{centre:.1}" x2="{:.1}" y2="{centre:.1}" stroke="#222" stroke-width="1.5"/><line x1="{:.1}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="#222" stroke-width="2.5"/></g>"##,
            x.at(low),
            x.at(high),
            x.at(value),
            centre - 8.0,
            x.at(value),
            centre + 8.0
        );
    }
    out.push_str("</svg>");
    out
}

/// One row of a forest plot: an estimate with its interval against the bound it is
/// compared with, on the row's own axis (rows can be differences or ratios of any unit).
#[derive(Debug, Clone)]
pub struct ForestRow {
    pub label: String,
    /// The verdict in a word, shown at the right.
    pub verdict: String,
    pub colour: &'static str,
    pub estimate: f64,
    /// The interval, when there is one.
    pub interval: Option<(f64, f64)>,
    pub bound: f64,
    /// Ratio rows use a logarithmic axis.
    pub ratio: bool,
}

const FOREST_W: f64 = 640.0;
const FOREST_LABEL: f64 = 250.0;
const FOREST_VERDICT: f64 = 86.0;
const FOREST_ROW: f64 = 46.0;

/// Comparisons against their bounds, one row each (claims and constraints relative to a
/// baseline), as in a meta-analysis's forest plot.
pub fn forest(title: &str, rows: &[ForestRow]) -> String {
    let height = 30.0 + FOREST_ROW * rows.len() as f64 + 8.0;
    let mut out = String::new();
    open(&mut out, "forest", FOREST_W, height, title);
    text(&mut out, FOREST_W / 2.0, 17.0, "middle", "title", title);
    let (left, right) = (FOREST_LABEL + 10.0, FOREST_W - FOREST_VERDICT - 10.0);
    for (i, row) in rows.iter().enumerate() {
        let top = 30.0 + FOREST_ROW * i as f64;
        let centre = top + 16.0;
        let (low, high) = row.interval.unwrap_or((row.estimate, row.estimate));
        let scale = if row.ratio && [low, high, row.bound, row.estimate].iter().all(|v| *v > 0.0) {
            // A log axis around the bound, wide enough for the interval.
            let span =
                [low, high, row.estimate].iter().map(|v| (v / row.bound).ln().abs()).fold(0.1f64, f64::max);
            Scale {
                low: (row.bound.ln() - span * 1.15) / std::f64::consts::LN_10,
                high: (row.bound.ln() + span * 1.15) / std::f64::consts::LN_10,
                a: left,
                b: right,
                log: true,
            }
        } else {
            let span = [low, high, row.estimate]
                .iter()
                .map(|v| (v - row.bound).abs())
                .fold(f64::MIN_POSITIVE, f64::max);
            Scale {
                low: row.bound - span * 1.15,
                high: row.bound + span * 1.15,
                a: left,
                b: right,
                log: false,
            }
        };
        if i > 0 {
            let _ = write!(
                out,
                r##"<line x1="8" y1="{:.1}" x2="{}" y2="{:.1}" stroke="#eee"/>"##,
                top - 4.0,
                FOREST_W - 8.0,
                top - 4.0
            );
        }
        text(&mut out, 8.0, centre + 4.0, "start", "row", &truncate(&row.label, 38));
        let bound_x = scale.at(row.bound);
        let _ = write!(
            out,
            r##"<g class="comparison"><title>{}: {} {}</title><line x1="{left}" y1="{centre:.1}" x2="{right}" y2="{centre:.1}" stroke="#ddd"/><line x1="{bound_x:.1}" y1="{:.1}" x2="{bound_x:.1}" y2="{:.1}" stroke="#555" stroke-dasharray="3 2"/>"##,
            escape(&row.label),
            escape(&row.verdict),
            compact(row.estimate),
            centre - 12.0,
            centre + 12.0
        );
        if row.interval.is_some() {
            let _ = write!(
                out,
                r#"<line x1="{:.1}" y1="{centre:.1}" x2="{:.1}" y2="{centre:.1}" stroke="{}" stroke-width="3"/>"#,
                scale.at(low),
                scale.at(high),
                row.colour
            );
        }
        let _ = write!(
            out,
            r##"<rect x="{:.1}" y="{:.1}" width="8" height="8" fill="{}" stroke="#222"/></g>"##,
            scale.at(row.estimate) - 4.0,
            centre - 4.0,
            row.colour
        );
        text(&mut out, bound_x, centre + 24.0, "middle", "tick", &compact(row.bound));
        text(&mut out, FOREST_W - 8.0, centre + 4.0, "end", "verdict", &row.verdict);
    }
    out.push_str("</svg>");
    out
}

/// How the pick changes as one weight varies from 0 to 1 (the others keeping their
/// proportions): a band per weight, coloured by the candidate picked, with a mark at the
/// weight the experiment states.
#[derive(Debug, Clone)]
pub struct SensitivityRow {
    pub metric: String,
    pub stated: f64,
    /// (weight from, weight to, colour, candidate) segments covering 0..1.
    pub segments: Vec<(f64, f64, &'static str, String)>,
}

const BAND_W: f64 = 560.0;
const BAND_LEFT: f64 = 176.0;
const BAND_ROW: f64 = 30.0;

pub fn sensitivity(title: &str, rows: &[SensitivityRow]) -> String {
    let height = 30.0 + BAND_ROW * rows.len() as f64 + 30.0;
    let mut out = String::new();
    open(&mut out, "sensitivity", BAND_W, height, title);
    text(&mut out, BAND_W / 2.0, 17.0, "middle", "title", title);
    let (left, right) = (BAND_LEFT, BAND_W - 16.0);
    let at = |w: f64| left + w.clamp(0.0, 1.0) * (right - left);
    for (i, row) in rows.iter().enumerate() {
        let top = 30.0 + BAND_ROW * i as f64;
        text(
            &mut out,
            left - 8.0,
            top + 15.0,
            "end",
            "row",
            &truncate(&format!("weight of {}", row.metric), 24),
        );
        for (from, to, colour, candidate) in &row.segments {
            let _ = write!(
                out,
                r#"<rect x="{:.1}" y="{:.1}" width="{:.1}" height="18" fill="{colour}" fill-opacity="0.8"><title>{} for weights {} to {}</title></rect>"#,
                at(*from),
                top + 2.0,
                (at(*to) - at(*from)).max(0.5),
                escape(candidate),
                compact(*from),
                compact(*to)
            );
        }
        let _ = write!(
            out,
            r##"<path d="M {0:.1} {1:.1} l -5 -7 h 10 z" fill="#222"/>"##,
            at(row.stated),
            top + 2.0
        );
    }
    let bottom = 30.0 + BAND_ROW * rows.len() as f64;
    for tick in [0.0, 0.25, 0.5, 0.75, 1.0] {
        text(&mut out, at(tick), bottom + 14.0, "middle", "tick", &compact(tick));
    }
    out.push_str("</svg>");
    out
}

/// `text` cut to `chars` characters with an ellipsis (the full text is in a `<title>`).
fn truncate(text: &str, chars: usize) -> String {
    if text.chars().count() <= chars {
        text.to_string()
    } else {
        format!("{}…", text.chars().take(chars - 1).collect::<String>())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axes_end_on_huge_values_with_tiny_spans() {
        for (low, high) in
            [(1e20, 1e20 + 1e5), (1e300, 1e300 * (1.0 + 1e-15)), (-1e18, -1e18 + 1.0), (5.0, 5.0)]
        {
            let scale = Scale::new([low, high], 0.0, 100.0, false);
            let ticks = scale.ticks(5);
            assert!(!ticks.is_empty() && ticks.len() <= 6, "{low}..{high}: {ticks:?}");
        }
        let overflow = Scale::new([f64::MAX, -f64::MAX], 0.0, 100.0, false);
        assert!(overflow.ticks(5).len() <= 6);
    }

    #[test]
    fn a_positive_range_over_a_decade_is_logarithmic_and_others_say_where_they_start() {
        let times = Scale::new([0.01, 7.0, 11.0], 0.0, 100.0, false);
        assert!(times.log);
        assert_eq!(times.ticks(5), vec![0.01, 0.1, 1.0, 10.0]);
        let accuracy = Scale::new([0.80, 0.88], 0.0, 100.0, false);
        assert!(!accuracy.log && accuracy.starts_above_zero().is_some());
        assert_eq!(axis_words("accuracy", &accuracy), "accuracy (axis not from 0)");
        let sizes = Scale::new([2.0, 7.0], 0.0, 100.0, true);
        assert_eq!(sizes.starts_above_zero(), None);
    }

    #[test]
    fn tick_labels_are_short() {
        assert_eq!(compact(0.8512), "0.851");
        assert_eq!(compact(12345.0), "12.3k");
        assert_eq!(compact(3.594e7), "35.9M");
        assert_eq!(compact(0.00012), "1.2e-4");
        assert_eq!(compact(0.0001), "1e-4");
        assert_eq!(compact(250.0), "250");
    }

    #[test]
    fn plots_are_well_formed_and_escape_names() {
        let point = |label: &str, style| Point {
            label: label.into(),
            colour: colour(0),
            x: (1.0, 0.9, 1.1),
            y: (0.8, 0.79, 0.81),
            style,
        };
        let svg = scatter(
            "a <b>",
            "x",
            "y",
            &[point("<tree>", PointStyle::Frontier), point("forest", PointStyle::Dominated)],
        );
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(svg.contains("&lt;tree&gt;") && !svg.contains("<tree>"));
        assert_eq!(svg.matches("<circle").count(), 2);
        let rows = [StripRow {
            label: "tree".into(),
            colour: colour(1),
            values: vec![1.0, 2.0, 3.0],
            summary: (2.0, 1.0, 3.0),
        }];
        assert_eq!(strip("t", "s", &rows, true).matches("<circle").count(), 3);
        let forest_rows = [ForestRow {
            label: "claim".into(),
            verdict: "holds".into(),
            colour: colour(2),
            estimate: 3.0,
            interval: Some((2.5, 3.5)),
            bound: 2.0,
            ratio: true,
        }];
        assert!(forest("f", &forest_rows).contains("holds"));
    }
}
