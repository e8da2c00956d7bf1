//! Plots as inline SVG, written by hand so the HTML report stays one self-contained file
//! that needs no fonts or scripts: a trade-off scatter, strip plots of the trials, a
//! forest plot of comparisons against their bounds, and a weight-sensitivity band.
//!
//! Every plot scales to its container (`viewBox`, no fixed width) and keeps its text
//! apart by construction: labels sit in their own column, row or margin and wrap rather
//! than being cut, a scatter's point labels take the first free place around their point
//! (or are left to the legend and the hover text), and tick labels are few and short.
//! The forest and sensitivity plots come in a wide layout (labels in a column) and a
//! narrow one (labels above their row) so that a phone shows them whole. Text sizes are
//! attributes, not CSS, so the widths estimated here are the ones drawn.
//!
//! Axes: a positive quantity (a time, a size, an energy) spanning more than 5x is on a log
//! axis, a quality figure only beyond a decade; a linear axis of a quantity starts at zero
//! only where the values fill at least half of it, so that zero never squashes the
//! differences; an axis that does not start at zero, or is logarithmic, says so.

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

/// A share in 0..=1 as a whole percentage.
pub fn percent(share: f64) -> String {
    format!("{:.0}%", share * 100.0)
}

/// Positive quantities spanning more than this ratio get a log axis.
const QUANTITY_LOG_RATIO: f64 = 5.0;
/// Quality figures (bounded, read against each other) only beyond a decade.
const QUALITY_LOG_RATIO: f64 = 10.0;

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

fn extent(values: impl IntoIterator<Item = f64>) -> Option<(f64, f64)> {
    let values: Vec<f64> = values.into_iter().filter(|v| v.is_finite()).collect();
    if values.is_empty() {
        return None;
    }
    Some(values.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), &v| (l.min(v), h.max(v))))
}

impl Scale {
    /// An axis over `values` (non-finite values ignored) between pixels `a` and `b`.
    /// `quantity`: the values are amounts with a natural zero (times, sizes, energies):
    /// logarithmic when positive and spanning more than 5x, else linear from zero when
    /// the values fill at least half of the axis that zero would give. Otherwise (quality
    /// figures): logarithmic beyond a decade, else linear around the values.
    pub fn new(values: impl IntoIterator<Item = f64>, a: f64, b: f64, quantity: bool) -> Scale {
        let (low, high) = extent(values).unwrap_or((0.0, 1.0));
        let ratio = if quantity { QUANTITY_LOG_RATIO } else { QUALITY_LOG_RATIO };
        if low > 0.0 && high / low > ratio {
            return Scale::log(low, high, a, b);
        }
        Scale::linear(low, high, a, b, quantity && low > 0.0 && low <= high / 2.0)
    }

    /// A log axis over positive `values` (ratios), however narrow; linear if any is not
    /// positive.
    pub fn log_over(values: impl IntoIterator<Item = f64>, a: f64, b: f64) -> Scale {
        let values: Vec<f64> = values.into_iter().filter(|v| v.is_finite()).collect();
        let (low, high) = extent(values.iter().copied()).unwrap_or((1.0, 1.0));
        if low > 0.0 { Scale::log(low, high, a, b) } else { Scale::linear(low, high, a, b, false) }
    }

    /// A linear axis around `values`, zero only where they reach it.
    pub fn linear_over(values: impl IntoIterator<Item = f64>, a: f64, b: f64) -> Scale {
        let (low, high) = extent(values).unwrap_or((0.0, 1.0));
        Scale::linear(low, high, a, b, false)
    }

    fn log(low: f64, high: f64, a: f64, b: f64) -> Scale {
        let (l, h) = (low.log10(), high.log10());
        let pad = ((h - l) * 0.06).max(0.004);
        Scale { low: l - pad, high: h + pad, a, b, log: true }
    }

    fn linear(mut low: f64, mut high: f64, a: f64, b: f64, from_zero: bool) -> Scale {
        if from_zero {
            low = 0.0;
        }
        if !(high - low).is_finite() || high - low <= f64::EPSILON * high.abs().max(1.0) {
            let pad = if low == 0.0 { 1.0 } else { low.abs() * 0.1 };
            (low, high) = (low - pad, high + pad);
        }
        let pad = (high - low) * 0.08;
        let low = if from_zero { 0.0 } else { low - pad };
        // Padding must not push an all-positive axis below zero without saying so: a
        // padded start just above zero reads as "from zero" anyway.
        let low = if !from_zero && low < 0.0 && low + pad >= 0.0 { 0.0 } else { low };
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
        if !self.log {
            return nice(low, high, most);
        }
        let decades: Vec<f64> =
            ((low.ceil() as i32)..=(high.floor() as i32)).map(|e| 10f64.powi(e)).collect();
        // 1, 2, 5 steps where they give a few ticks (up to about two decades shown)...
        let mut steps = Vec::new();
        for e in (low.floor() as i32)..=(high.ceil() as i32) {
            for m in [1.0, 2.0, 5.0] {
                let v = m * 10f64.powi(e);
                if (low..=high).contains(&v.log10()) {
                    steps.push(v);
                }
            }
        }
        if (3..=most + 1).contains(&steps.len()) {
            return steps;
        }
        // ...decades over wider spans...
        if decades.len() >= 2 {
            let stride = decades.len().div_ceil(most.max(1));
            return decades.into_iter().step_by(stride.max(1)).collect();
        }
        // ...and round values spaced evenly in value (not in pixels) over narrow ones.
        nice(10f64.powf(low), 10f64.powf(high), most).into_iter().filter(|t| *t > 0.0).collect()
    }
}

/// At most `most` round values between `low` and `high`.
fn nice(low: f64, high: f64, most: usize) -> Vec<f64> {
    let span = high - low;
    if !(span.is_finite() && span > 0.0) {
        return vec![low];
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

/// An axis title that says when the axis is logarithmic or does not start at zero.
pub fn axis_words(label: &str, scale: &Scale) -> String {
    if scale.log {
        format!("{label}, log scale")
    } else if scale.starts_above_zero().is_some() {
        format!("{label} (axis not from 0)")
    } else {
        label.to_string()
    }
}

// Text sizes in user units, and the estimate of how wide text is drawn.
const TITLE: f64 = 12.0;
const LABEL: f64 = 11.0;
const TICK: f64 = 10.0;
const LINE: f64 = 1.25;

/// How wide `text` is drawn at `size`: an average advance of 0.62 em per character
/// (DejaVu Sans, the widest of the common sans-serif faces; 0.68 em bold), so the
/// estimate errs on the wide side.
fn width(text: &str, size: f64, bold: bool) -> f64 {
    text.chars().count() as f64 * size * if bold { 0.68 } else { 0.62 }
}

/// How many characters fit in `room` user units at `size`.
fn fits(room: f64, size: f64) -> usize {
    ((room / (size * 0.62)).floor() as usize).max(4)
}

/// `text` in lines of at most `chars` characters, broken at spaces, else after a `-`,
/// `_` or `/`, else anywhere: nothing is cut.
pub fn wrap(text: &str, chars: usize) -> Vec<String> {
    let chars = chars.max(4);
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let mut word: Vec<char> = word.chars().collect();
        loop {
            let used = line.chars().count();
            let room = if used == 0 { chars } else { chars.saturating_sub(used + 1) };
            if word.len() <= room {
                if used > 0 {
                    line.push(' ');
                }
                line.extend(word.iter());
                break;
            }
            if used > 0 && word.len() <= chars {
                lines.push(std::mem::take(&mut line));
                continue;
            }
            // A word longer than the room left: break it after a separator if one is
            // near the end of the room, else at the room.
            if room < 3 && used > 0 {
                lines.push(std::mem::take(&mut line));
                continue;
            }
            let cut = word[..room]
                .iter()
                .rposition(|c| matches!(c, '-' | '_' | '/' | '.'))
                .filter(|p| *p + 1 >= room / 2)
                .map_or(room, |p| p + 1);
            if used > 0 {
                line.push(' ');
            }
            line.extend(word[..cut].iter());
            lines.push(std::mem::take(&mut line));
            word.drain(..cut);
            if word.is_empty() {
                break;
            }
        }
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// A box in user units.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Rect {
    x0: f64,
    y0: f64,
    x1: f64,
    y1: f64,
}

impl Rect {
    fn overlaps(&self, other: &Rect) -> bool {
        self.x0 < other.x1 && other.x0 < self.x1 && self.y0 < other.y1 && other.y0 < self.y1
    }

    fn inside(&self, other: &Rect) -> bool {
        self.x0 >= other.x0 && self.x1 <= other.x1 && self.y0 >= other.y0 && self.y1 <= other.y1
    }

    fn grown(&self, by: f64) -> Rect {
        Rect { x0: self.x0 - by, y0: self.y0 - by, x1: self.x1 + by, y1: self.y1 + by }
    }
}

/// The box of lines of text whose block's top-left corner (or top-centre, top-right by
/// `anchor`) is at `x`, `top`.
fn text_box(lines: &[String], size: f64, anchor: &str, x: f64, top: f64) -> Rect {
    let w = lines.iter().map(|l| width(l, size, false)).fold(0.0, f64::max);
    let h = size * LINE * lines.len() as f64;
    let x0 = match anchor {
        "end" => x - w,
        "middle" => x - w / 2.0,
        _ => x,
    };
    Rect { x0, y0: top, x1: x0 + w, y1: top + h }
}

/// A figure and its interval's ends (equal to it when there is none).
pub type Whisker = (f64, f64, f64);

/// An axis: its title (with the unit) and whether its values are quantities with a
/// natural zero (see [`Scale::new`]).
#[derive(Debug, Clone)]
pub struct Axis {
    pub title: String,
    pub quantity: bool,
}

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

impl PointStyle {
    pub fn words(self) -> &'static str {
        match self {
            PointStyle::Frontier => "on the frontier",
            PointStyle::Dominated => "dominated",
            PointStyle::Violator => "violates a constraint",
        }
    }
}

/// An opened SVG of `width` x `height` user units, scaling to its container.
fn open(out: &mut String, class: &str, width: f64, height: f64, title: &str) {
    let _ = write!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="plot {class}" viewBox="0 0 {width} {height:.0}" role="img" aria-label="{0}" font-family="sans-serif" font-size="{LABEL}"><title>{0}</title><rect width="{width}" height="{height:.0}" fill="white"/>"#,
        escape(title)
    );
}

/// One line of text with its baseline at `y`.
fn text(out: &mut String, x: f64, y: f64, anchor: &str, class: &str, size: f64, content: &str) {
    let weight = if class == "title" || class == "verdict" { r#" font-weight="600""# } else { "" };
    let _ = write!(
        out,
        r##"<text x="{x:.1}" y="{y:.1}" text-anchor="{anchor}" class="{class}" font-size="{size}"{weight} fill="#333">{}</text>"##,
        escape(content)
    );
}

/// Lines of text whose block starts at `top` (the first line's ascent included).
fn lines(out: &mut String, x: f64, top: f64, anchor: &str, class: &str, size: f64, content: &[String]) {
    for (i, line) in content.iter().enumerate() {
        text(out, x, top + size * (0.95 + LINE * i as f64), anchor, class, size, line);
    }
}

/// A title across the top, wrapped to the width; returns where the plot may start.
fn title_lines(out: &mut String, width: f64, title: &str) -> f64 {
    let wrapped = wrap(title, fits(width - 16.0, TITLE * 1.1));
    lines(out, width / 2.0, 6.0, "middle", "title", TITLE, &wrapped);
    6.0 + TITLE * LINE * wrapped.len() as f64 + 8.0
}

/// Tick labels under a horizontal axis at `y` (baseline), kept inside `left..right` and
/// apart from each other (a label that would touch the previous one is left out).
fn tick_labels(out: &mut String, ticks: &[(f64, String)], y: f64, left: f64, right: f64) {
    let mut last = f64::NEG_INFINITY;
    for (px, label) in ticks {
        let w = width(label, TICK, false);
        let centre = px.clamp(left + w / 2.0, right - w / 2.0);
        if centre - w / 2.0 < last + 4.0 {
            continue;
        }
        text(out, centre, y, "middle", "tick", TICK, label);
        last = centre + w / 2.0;
    }
}

const SCATTER_W: f64 = 330.0;
const SCATTER_H: f64 = 280.0;
const SCATTER_RIGHT: f64 = 12.0;
const SCATTER_BOTTOM: f64 = 50.0;
const POINT_LABEL: f64 = 10.0;

/// A trade-off scatter of two metrics: each candidate a point in its colour with its
/// interval's whiskers, its shape saying its status (filled: on the frontier; hollow:
/// dominated; a cross: violates a constraint), labelled with its name where there is room,
/// the frontier joined by a dashed line in the order of the x axis.
pub fn scatter(title: &str, x_axis: &Axis, y_axis: &Axis, points: &[Point]) -> String {
    let mut out = String::new();
    open(&mut out, "scatter", SCATTER_W, SCATTER_H, title);
    let top = title_lines(&mut out, SCATTER_W, title);
    let y0 = SCATTER_H - SCATTER_BOTTOM;
    let y = Scale::new(points.iter().flat_map(|p| [p.y.0, p.y.1, p.y.2]), y0, top, y_axis.quantity);
    // The y title runs up the left side in as many lines as it needs.
    let y_words = wrap(&axis_words(&y_axis.title, &y), fits(y0 - top, LABEL));
    let y_ticks: Vec<(f64, String)> = y.ticks(5).into_iter().map(|t| (y.at(t), compact(t))).collect();
    let tick_width = y_ticks.iter().map(|(_, l)| width(l, TICK, false)).fold(0.0, f64::max);
    let x0 = (4.0 + LABEL * LINE * y_words.len() as f64 + 6.0 + tick_width + 8.0).max(48.0);
    let right = SCATTER_W - SCATTER_RIGHT;
    let x = Scale::new(points.iter().flat_map(|p| [p.x.0, p.x.1, p.x.2]), x0, right, x_axis.quantity);
    let _ = write!(
        out,
        r##"<line x1="{x0:.1}" y1="{y0}" x2="{right}" y2="{y0}" stroke="#555"/><line x1="{x0:.1}" y1="{top:.1}" x2="{x0:.1}" y2="{y0}" stroke="#555"/>"##,
    );
    let x_ticks: Vec<(f64, String)> = x.ticks(4).into_iter().map(|t| (x.at(t), compact(t))).collect();
    for (px, _) in &x_ticks {
        let _ =
            write!(out, r##"<line x1="{px:.1}" y1="{y0}" x2="{px:.1}" y2="{}" stroke="#555"/>"##, y0 + 4.0);
    }
    tick_labels(&mut out, &x_ticks, y0 + 15.0, x0 - 4.0, SCATTER_W - 2.0);
    for (py, label) in &y_ticks {
        let _ = write!(
            out,
            r##"<line x1="{:.1}" y1="{py:.1}" x2="{x0:.1}" y2="{py:.1}" stroke="#555"/><line x1="{x0:.1}" y1="{py:.1}" x2="{right}" y2="{py:.1}" stroke="#eee"/>"##,
            x0 - 4.0,
        );
        text(&mut out, x0 - 6.0, py + 3.5, "end", "tick", TICK, label);
    }
    let x_words = wrap(&axis_words(&x_axis.title, &x), fits(SCATTER_W - 16.0, LABEL));
    lines(&mut out, (x0 + right) / 2.0, y0 + 22.0, "middle", "label", LABEL, &x_words);
    let middle = (top + y0) / 2.0;
    for (i, line) in y_words.iter().enumerate() {
        let lx = 4.0 + LABEL * (0.95 + LINE * i as f64);
        let _ = write!(
            out,
            r##"<text x="{lx:.1}" y="{middle:.1}" text-anchor="middle" class="label" font-size="{LABEL}" fill="#333" transform="rotate(-90 {lx:.1} {middle:.1})">{}</text>"##,
            escape(line)
        );
    }
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
    let centres: Vec<(f64, f64)> = points.iter().map(|p| (x.at(p.x.0), y.at(p.y.0))).collect();
    for (point, (px, py)) in points.iter().zip(&centres) {
        let colour = point.colour;
        let _ = write!(
            out,
            r#"<g class="point"><title>{}: {} × {} ({})</title><line x1="{:.1}" y1="{py:.1}" x2="{:.1}" y2="{py:.1}" stroke="{colour}" stroke-opacity="0.7"/><line x1="{px:.1}" y1="{:.1}" x2="{px:.1}" y2="{:.1}" stroke="{colour}" stroke-opacity="0.7"/>"#,
            escape(&point.label),
            compact(point.x.0),
            compact(point.y.0),
            point.style.words(),
            x.at(point.x.1),
            x.at(point.x.2),
            y.at(point.y.1),
            y.at(point.y.2),
        );
        match point.style {
            PointStyle::Violator => {
                let _ = write!(
                    out,
                    r#"<path class="mark" d="M {0:.1} {1:.1} l 9 9 m 0 -9 l -9 9" transform="translate(-4.5 -4.5)" stroke="{colour}" stroke-width="2.6" fill="none"/></g>"#,
                    px, py
                );
            }
            style => {
                let fill = if style == PointStyle::Frontier { colour } else { "white" };
                let _ = write!(
                    out,
                    r#"<circle class="mark" cx="{px:.1}" cy="{py:.1}" r="5" fill="{fill}" stroke="{colour}" stroke-width="1.8"/></g>"#
                );
            }
        }
    }
    // Point labels: each at the first place around its point that is inside the plot and
    // clear of other labels and every point (and, first try, of the whiskers too).
    let area = Rect { x0: x0 + 2.0, y0: top, x1: right, y1: y0 - 2.0 };
    let marks: Vec<Rect> = centres
        .iter()
        .map(|(px, py)| Rect { x0: px - 6.5, y0: py - 6.5, x1: px + 6.5, y1: py + 6.5 })
        .collect();
    let whiskers: Vec<Rect> = points
        .iter()
        .zip(&centres)
        .flat_map(|(p, (px, py))| {
            [
                Rect { x0: x.at(p.x.1), y0: py - 1.0, x1: x.at(p.x.2), y1: py + 1.0 },
                Rect { x0: px - 1.0, y0: y.at(p.y.2), x1: px + 1.0, y1: y.at(p.y.1) },
            ]
        })
        .collect();
    // The frontier line, as small boxes along it.
    let mut along: Vec<Rect> = Vec::new();
    for pair in frontier.windows(2) {
        let ((ax, ay), (bx, by)) = (pair[0], pair[1]);
        let steps = ((bx - ax).hypot(by - ay) / 3.0).ceil().max(1.0) as usize;
        for k in 0..=steps {
            let t = k as f64 / steps as f64;
            let (cx, cy) = (ax + t * (bx - ax), ay + t * (by - ay));
            along.push(Rect { x0: cx - 1.0, y0: cy - 1.0, x1: cx + 1.0, y1: cy + 1.0 });
        }
    }
    let whiskers: Vec<Rect> = whiskers.into_iter().chain(along).collect();
    let mut placed: Vec<Rect> = Vec::new();
    for (point, (px, py)) in points.iter().zip(&centres) {
        let words = wrap(&point.label, 16);
        let h = POINT_LABEL * LINE * words.len() as f64;
        let spot = [true, false].into_iter().find_map(|strict| {
            [8.0, 16.0].into_iter().find_map(|d: f64| {
                let diagonal = d * 0.75;
                [
                    ("start", px + d, py - h / 2.0),
                    ("end", px - d, py - h / 2.0),
                    ("middle", *px, py - d - h),
                    ("middle", *px, py + d),
                    ("start", px + diagonal, py - diagonal - h),
                    ("end", px - diagonal, py - diagonal - h),
                    ("start", px + diagonal, py + diagonal),
                    ("end", px - diagonal, py + diagonal),
                ]
                .into_iter()
                .find(|(anchor, lx, top)| {
                    let b = text_box(&words, POINT_LABEL, anchor, *lx, *top).grown(1.5);
                    b.inside(&area)
                        && !placed.iter().chain(&marks).any(|o| o.overlaps(&b))
                        && !(strict && whiskers.iter().any(|o| o.overlaps(&b)))
                })
            })
        });
        if let Some((anchor, lx, top)) = spot {
            placed.push(text_box(&words, POINT_LABEL, anchor, lx, top).grown(1.5));
            lines(&mut out, lx, top, anchor, "point-label", POINT_LABEL, &words);
        }
    }
    out.push_str("</svg>");
    out
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
const STRIP_LEFT: f64 = 112.0;
const STRIP_RIGHT: f64 = 16.0;
const STRIP_ROW: f64 = 26.0;

/// The trials of one metric, a row per candidate: each trial a dot (spread vertically so
/// equal values stay visible), the summary a bar with its interval. With few trials the
/// dots are the evidence, so they are shown, not only a bar.
pub fn strip(title: &str, axis: &Axis, rows: &[StripRow]) -> String {
    let labels: Vec<Vec<String>> =
        rows.iter().map(|r| wrap(&r.label, fits(STRIP_LEFT - 14.0, LABEL))).collect();
    let heights: Vec<f64> =
        labels.iter().map(|l| (LABEL * LINE * l.len() as f64 + 6.0).max(STRIP_ROW)).collect();
    let x = Scale::new(
        rows.iter().flat_map(|r| r.values.iter().copied().chain([r.summary.0, r.summary.1, r.summary.2])),
        STRIP_LEFT,
        STRIP_W - STRIP_RIGHT,
        axis.quantity,
    );
    let axis_lines = wrap(&axis_words(&axis.title, &x), fits(STRIP_W - 16.0, LABEL));
    // The height depends on the title's lines, known once drawn: draw into a body first.
    let mut body = String::new();
    let top = title_lines(&mut body, STRIP_W, title);
    let bottom = top + heights.iter().sum::<f64>();
    let height = bottom + 22.0 + LABEL * LINE * axis_lines.len() as f64 + 4.0;
    let ticks: Vec<(f64, String)> = x.ticks(4).into_iter().map(|t| (x.at(t), compact(t))).collect();
    for (px, _) in &ticks {
        let _ = write!(
            body,
            r##"<line x1="{px:.1}" y1="{top:.1}" x2="{px:.1}" y2="{bottom:.1}" stroke="#eee"/><line x1="{px:.1}" y1="{bottom:.1}" x2="{px:.1}" y2="{:.1}" stroke="#555"/>"##,
            bottom + 4.0
        );
    }
    tick_labels(&mut body, &ticks, bottom + 15.0, STRIP_LEFT - 20.0, STRIP_W - 2.0);
    let _ = write!(
        body,
        r##"<line x1="{STRIP_LEFT}" y1="{bottom:.1}" x2="{}" y2="{bottom:.1}" stroke="#555"/>"##,
        STRIP_W - STRIP_RIGHT
    );
    lines(
        &mut body,
        (STRIP_LEFT + STRIP_W - STRIP_RIGHT) / 2.0,
        bottom + 20.0,
        "middle",
        "label",
        LABEL,
        &axis_lines,
    );
    let mut row_top = top;
    for ((row, label), h) in rows.iter().zip(&labels).zip(&heights) {
        let centre = row_top + h / 2.0;
        lines(
            &mut body,
            STRIP_LEFT - 8.0,
            centre - LABEL * LINE * label.len() as f64 / 2.0,
            "end",
            "row",
            LABEL,
            label,
        );
        let _ = write!(body, r#"<g class="row"><title>{}</title>"#, escape(&row.label));
        for (k, value) in row.values.iter().enumerate() {
            // A fixed spread, the same for every render: -6 .. +6 px.
            let offset = ((k * 7919) % 13) as f64 - 6.0;
            let _ = write!(
                body,
                r#"<circle class="trial" cx="{:.1}" cy="{:.1}" r="2.6" fill="{}" fill-opacity="0.55"/>"#,
                x.at(*value),
                centre + offset * 0.8,
                row.colour
            );
        }
        let (value, low, high) = row.summary;
        let _ = write!(
            body,
            r##"<line x1="{:.1}" y1="{centre:.1}" x2="{:.1}" y2="{centre:.1}" stroke="#222" stroke-width="1.5"/><line x1="{:.1}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="#222" stroke-width="2.5"/></g>"##,
            x.at(low),
            x.at(high),
            x.at(value),
            centre - 8.0,
            x.at(value),
            centre + 8.0
        );
        row_top += h;
    }
    let mut out = String::new();
    open(&mut out, "strip", STRIP_W, height, title);
    out.push_str(&body);
    out.push_str("</svg>");
    out
}

/// Whether a plot with labels puts them in a column beside the rows (laptops, print) or
/// above each row (phones).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    Wide,
    Narrow,
}

impl Layout {
    pub fn class(self) -> &'static str {
        match self {
            Layout::Wide => "wide",
            Layout::Narrow => "narrow",
        }
    }
}

/// One row of a forest plot: an estimate with its interval against the bound it is
/// compared with. Rows of one `group` (one metric, scale and bound) share an axis.
#[derive(Debug, Clone)]
pub struct ForestRow {
    pub label: String,
    /// The verdict in a word, shown at the right.
    pub verdict: String,
    pub colour: &'static str,
    pub estimate: f64,
    /// The interval and its level, when there is one.
    pub interval: Option<(f64, f64, f64)>,
    pub bound: f64,
    /// Ratio rows use a logarithmic axis and `×` ticks.
    pub ratio: bool,
    /// The axis's unit in a few characters, under the verdict: `Δ J`, `ratio`.
    pub unit: String,
    /// What the numbers are, for the hover text: "difference in train_energy (J), estimated".
    pub what: String,
    pub group: String,
}

/// The estimate, interval and bound of a row in words, as its hover text says them.
pub fn forest_words(row: &ForestRow) -> String {
    let value = |v: f64| if row.ratio { format!("{}×", compact(v)) } else { compact(v) };
    let interval = match row.interval {
        Some((low, high, level)) => {
            format!(", {} interval [{}, {}]", percent(level), value(low), value(high))
        }
        None => ", no interval".to_string(),
    };
    format!("{} {}{interval}; bound {}", row.what, value(row.estimate), value(row.bound))
}

/// The width of the narrow layouts: drawn at about its own size on a phone.
const NARROW_W: f64 = 340.0;
const FOREST_ROW: f64 = 44.0;
const VERDICT_W: f64 = 84.0;

/// Comparisons against their bounds, one row each (claims and constraints relative to a
/// baseline), as in a meta-analysis's forest plot: a numeric axis per row, shared by the
/// rows of one metric and bound, with its unit.
pub fn forest(title: &str, rows: &[ForestRow], layout: Layout) -> String {
    let w = match layout {
        Layout::Wide => 660.0,
        Layout::Narrow => NARROW_W,
    };
    let (label_room, left) = match layout {
        Layout::Wide => (250.0, 272.0),
        Layout::Narrow => (w - 16.0, 20.0),
    };
    let right = w - VERDICT_W - 12.0;
    // One scale per group, over every value its rows show.
    let mut scales: Vec<(&str, Scale)> = Vec::new();
    for row in rows {
        if scales.iter().any(|(g, _)| *g == row.group) {
            continue;
        }
        let members: Vec<&ForestRow> = rows.iter().filter(|r| r.group == row.group).collect();
        let values = members.iter().flat_map(|r| {
            let (low, high, _) = r.interval.unwrap_or((r.estimate, r.estimate, 0.0));
            [low, high, r.estimate, r.bound]
        });
        let scale = if row.ratio {
            Scale::log_over(values, left, right)
        } else {
            Scale::linear_over(values, left, right)
        };
        scales.push((&row.group, scale));
    }
    let mut body = String::new();
    let mut top = title_lines(&mut body, w, title);
    for (i, row) in rows.iter().enumerate() {
        let scale =
            scales.iter().find(|(g, _)| *g == row.group).map(|(_, s)| *s).expect("every group has a scale");
        let label = wrap(&row.label, fits(label_room, LABEL));
        let label_h = LABEL * LINE * label.len() as f64;
        let (centre, height) = match layout {
            Layout::Wide => (top + 12.0, (label_h + 8.0).max(FOREST_ROW)),
            Layout::Narrow => (top + label_h + 14.0, label_h + FOREST_ROW + 4.0),
        };
        if i > 0 {
            let _ = write!(
                body,
                r##"<line x1="8" y1="{0:.1}" x2="{1}" y2="{0:.1}" stroke="#e5e5e5"/>"##,
                top - 4.0,
                w - 8.0
            );
        }
        match layout {
            Layout::Wide => lines(&mut body, 8.0, centre - LABEL * 0.95 + 4.0, "start", "row", LABEL, &label),
            Layout::Narrow => lines(&mut body, 8.0, top, "start", "row", LABEL, &label),
        }
        let bound_x = scale.at(row.bound);
        let _ = write!(
            body,
            r##"<g class="comparison"><title>{}: {}. {}</title><line x1="{left}" y1="{centre:.1}" x2="{right}" y2="{centre:.1}" stroke="#ccc"/><line x1="{bound_x:.1}" y1="{:.1}" x2="{bound_x:.1}" y2="{:.1}" stroke="#555" stroke-dasharray="3 2"/>"##,
            escape(&row.label),
            escape(&row.verdict),
            escape(&forest_words(row)),
            centre - 10.0,
            centre + 10.0
        );
        // Ticks: round values, and the bound always (the value everything is read against).
        let mut ticks: Vec<f64> = scale.ticks(5);
        let bound_room = width(&compact(row.bound), TICK, false) + 10.0;
        ticks.retain(|t| (scale.at(*t) - bound_x).abs() > bound_room);
        ticks.push(row.bound);
        ticks.sort_by(f64::total_cmp);
        for t in &ticks {
            let px = scale.at(*t);
            let _ = write!(
                body,
                r##"<line x1="{px:.1}" y1="{:.1}" x2="{px:.1}" y2="{:.1}" stroke="#999"/>"##,
                centre + 10.0,
                centre + 13.0
            );
        }
        if let Some((low, high, _)) = row.interval {
            let _ = write!(
                body,
                r#"<line x1="{:.1}" y1="{centre:.1}" x2="{:.1}" y2="{centre:.1}" stroke="{}" stroke-width="3"/>"#,
                scale.at(low),
                scale.at(high),
                row.colour
            );
        }
        let _ = write!(
            body,
            r##"<rect class="estimate" x="{:.1}" y="{:.1}" width="8" height="8" fill="{}" stroke="#222"/></g>"##,
            scale.at(row.estimate) - 4.0,
            centre - 4.0,
            row.colour
        );
        let labelled: Vec<(f64, String)> = ticks
            .iter()
            .map(|t| (scale.at(*t), if row.ratio { format!("{}×", compact(*t)) } else { compact(*t) }))
            .collect();
        tick_labels(&mut body, &labelled, centre + 23.0, left - 12.0, right + 8.0);
        text(&mut body, w - 8.0, centre + 4.0, "end", "verdict", LABEL, &row.verdict);
        text(&mut body, w - 8.0, centre + 23.0, "end", "unit", TICK, &row.unit);
        top += height;
    }
    let mut out = String::new();
    open(&mut out, &format!("forest {}", layout.class()), w, top + 2.0, title);
    out.push_str(&body);
    out.push_str("</svg>");
    out
}

/// How the pick changes as one weight's share of all weights runs from 0 to 1 (the
/// others keeping their proportions): a band per weight, coloured by the candidate
/// picked, with a mark at the share the experiment states.
#[derive(Debug, Clone)]
pub struct SensitivityRow {
    pub metric: String,
    /// The stated share of the weights.
    pub stated: f64,
    /// (share from, share to, colour, candidate) segments covering 0..1.
    pub segments: Vec<(f64, f64, &'static str, String)>,
}

const BAND_ROW: f64 = 32.0;

pub fn sensitivity(title: &str, rows: &[SensitivityRow], layout: Layout) -> String {
    let w = match layout {
        Layout::Wide => 580.0,
        Layout::Narrow => NARROW_W,
    };
    let (label_room, left) = match layout {
        Layout::Wide => (170.0, 192.0),
        Layout::Narrow => (w - 16.0, 16.0),
    };
    let right = w - 18.0;
    let at = |share: f64| left + share.clamp(0.0, 1.0) * (right - left);
    let mut body = String::new();
    let mut top = title_lines(&mut body, w, title);
    for row in rows {
        let label =
            wrap(&format!("{} (stated {})", row.metric, percent(row.stated)), fits(label_room, LABEL));
        let label_h = LABEL * LINE * label.len() as f64;
        let (band, height) = match layout {
            Layout::Wide => (top + 8.0, (label_h + 6.0).max(BAND_ROW)),
            Layout::Narrow => (top + label_h + 9.0, label_h + BAND_ROW),
        };
        match layout {
            Layout::Wide => {
                lines(&mut body, left - 8.0, band + 9.0 - label_h / 2.0, "end", "row", LABEL, &label)
            }
            Layout::Narrow => lines(&mut body, left, top, "start", "row", LABEL, &label),
        }
        for (from, to, colour, candidate) in &row.segments {
            let _ = write!(
                body,
                r#"<rect class="band" x="{:.1}" y="{band:.1}" width="{:.1}" height="18" fill="{colour}" fill-opacity="0.85"><title>{} is the pick for shares from {} to {}</title></rect>"#,
                at(*from),
                (at(*to) - at(*from)).max(0.5),
                escape(candidate),
                percent(*from),
                percent(*to)
            );
        }
        let _ = write!(
            body,
            r##"<path class="stated" d="M {0:.1} {1:.1} l -5 -7 h 10 z" fill="#222"><title>stated share {2}</title></path>"##,
            at(row.stated),
            band,
            percent(row.stated)
        );
        top += height;
    }
    let ticks: Vec<(f64, String)> =
        [0.0, 0.25, 0.5, 0.75, 1.0].iter().map(|s| (at(*s), percent(*s))).collect();
    let _ = write!(body, r##"<line x1="{left}" y1="{0:.1}" x2="{right}" y2="{0:.1}" stroke="#555"/>"##, top);
    for (px, _) in &ticks {
        let _ = write!(
            body,
            r##"<line x1="{px:.1}" y1="{0:.1}" x2="{px:.1}" y2="{1:.1}" stroke="#555"/>"##,
            top,
            top + 4.0
        );
    }
    tick_labels(&mut body, &ticks, top + 15.0, 2.0, w - 2.0);
    let caption = wrap("each metric's share of the weights", fits(right - left, LABEL));
    lines(&mut body, (left + right) / 2.0, top + 20.0, "middle", "label", LABEL, &caption);
    let height = top + 20.0 + LABEL * LINE * caption.len() as f64 + 6.0;
    let mut out = String::new();
    open(&mut out, &format!("sensitivity {}", layout.class()), w, height, title);
    out.push_str(&body);
    out.push_str("</svg>");
    out
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
        assert_eq!(axis_words("size", &sizes), "size");
    }

    #[test]
    fn zero_never_squashes_the_differences_of_a_quantity() {
        // The default experiment's peak memory: three candidates near 15-17 MB, one at
        // 143 MB (9.7x). Linear from zero put the three within 4 px of each other.
        let memory = [14.7, 16.66, 17.33, 142.8];
        let scale = Scale::new(memory, 0.0, 300.0, true);
        assert!(scale.log, "a 9.7x range of a quantity is logarithmic");
        assert!(scale.at(16.66) - scale.at(14.7) > 12.0, "{}", scale.at(16.66) - scale.at(14.7));
        assert!(scale.ticks(4).len() >= 3, "{:?}", scale.ticks(4));
        assert_eq!(axis_words("peak_memory (MB)", &scale), "peak_memory (MB), log scale");
        // Close quantities: not from zero, and the axis says so.
        let close = Scale::new([10.5, 10.8, 11.08], 0.0, 300.0, true);
        assert!(!close.log && close.starts_above_zero().is_some());
        assert!(close.at(10.8) - close.at(10.5) > 60.0);
        // A quality figure keeps a linear axis around its values up to a decade.
        assert!(!Scale::new([0.12, 0.9], 0.0, 100.0, false).log);
    }

    #[test]
    fn narrow_log_axes_have_readable_ticks() {
        // A ratio of 1.39 [1.36, 1.41] against a bound of 1.
        let ratio = Scale::log_over([1.0, 1.36, 1.387, 1.411], 0.0, 300.0);
        assert!(ratio.log);
        let ticks = ratio.ticks(4);
        assert!(ticks.len() >= 3 && ticks.contains(&1.0), "{ticks:?}");
        for pair in ticks.windows(2) {
            assert!(pair[0] < pair[1]);
        }
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
    fn wrapping_keeps_every_character() {
        let text = "the forest takes at least 5x longer to train than the tree";
        let wrapped = wrap(text, 20);
        assert!(wrapped.iter().all(|l| l.chars().count() <= 20), "{wrapped:?}");
        assert_eq!(wrapped.join(" "), text);
        let long = wrap("a-tree-with-a-rather-long-name", 16);
        assert_eq!(long, vec!["a-tree-with-a-", "rather-long-name"]);
        assert_eq!(wrap("abcdefghijklmnopqrstuvwxyz", 10).concat(), "abcdefghijklmnopqrstuvwxyz");
        assert_eq!(wrap("", 10), vec![String::new()]);
    }

    fn boxes(svg: &str, class: &str) -> Vec<Rect> {
        // Every text of a class as drawn: its lines' estimated boxes.
        let mut out = Vec::new();
        for part in svg.split("<text ").skip(1) {
            if !part[..part.find('>').unwrap()].contains(&format!("class=\"{class}\"")) {
                continue;
            }
            let tag = format!(" {}", &part[..part.find('>').unwrap()]);
            let attr = |name: &str| -> f64 {
                let rest = tag.split(&format!(" {name}=\"")).nth(1).unwrap();
                rest[..rest.find('"').unwrap()].parse().unwrap()
            };
            let anchor = part.split("text-anchor=\"").nth(1).unwrap().split('"').next().unwrap();
            let content = part[part.find('>').unwrap() + 1..part.find("</text>").unwrap()].to_string();
            let size = attr("font-size");
            let top = attr("y") - size * 0.95;
            out.push(text_box(&[content], size, anchor, attr("x"), top));
        }
        out
    }

    #[test]
    fn scatter_labels_its_points_apart_and_marks_violators_by_shape_not_grey() {
        let point = |label: &str, x: f64, y: f64, style| Point {
            label: label.into(),
            colour: colour(0),
            x: (x, x * 0.95, x * 1.05),
            y: (y, y - 0.01, y + 0.01),
            style,
        };
        // Two candidates on top of each other: both labels shown, apart.
        let points = [
            point("<tree>", 1.0, 0.80, PointStyle::Frontier),
            point("forest", 1.0, 0.80, PointStyle::Dominated),
            point("a-tree-with-a-rather-long-name", 3.0, 0.9, PointStyle::Violator),
        ];
        let axis = |t: &str| Axis { title: t.into(), quantity: true };
        let svg = scatter("a <b>", &axis("x"), &axis("y"), &points);
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(svg.contains("&lt;tree&gt;") && !svg.contains("<tree>"));
        assert_eq!(svg.matches("<g class=\"point\">").count(), 3);
        assert!(!svg.contains("#999") && !svg.contains("#ddd"), "a violator keeps its colour");
        let labels = boxes(&svg, "point-label");
        assert_eq!(labels.len(), 4, "three labels, the long one on two lines: {svg}");
        for (i, a) in labels.iter().enumerate() {
            assert!(a.x0 >= 0.0 && a.x1 <= SCATTER_W, "{a:?}");
            for b in &labels[i + 1..] {
                assert!(!a.overlaps(b), "{a:?} {b:?}");
            }
        }
    }

    #[test]
    fn forest_rows_have_numeric_axes_units_and_the_interval_in_the_hover() {
        let row = |label: &str, ratio: bool| ForestRow {
            label: label.into(),
            verdict: "undecided".into(),
            colour: colour(2),
            estimate: if ratio { 6.498 } else { -0.8784 },
            interval: Some(if ratio { (5.729, 6.757, 0.9) } else { (-1.444, -0.1117, 0.9) }),
            bound: if ratio { 5.0 } else { 0.0 },
            ratio,
            unit: if ratio { "ratio".into() } else { "Δ J".into() },
            what: if ratio { "ratio of train_time".into() } else { "difference in train_energy (J)".into() },
            group: label.into(),
        };
        let long = "the forest takes at least 5x longer to train than the tree, and a good deal more besides";
        for layout in [Layout::Wide, Layout::Narrow] {
            let svg = forest("f", &[row(long, true), row("energy", false)], layout);
            assert_eq!(svg.matches("<g class=\"comparison\">").count(), 2);
            assert!(svg.contains("90% interval [5.73×, 6.76×]; bound 5×"), "{svg}");
            assert!(svg.contains("difference in train_energy (J) -0.878, 90% interval [-1.44, -0.112]"));
            assert!(svg.contains(">Δ J</text>") && svg.contains(">5×</text>") && svg.contains(">0</text>"));
            // The whole label, wrapped, never cut.
            assert!(boxes(&svg, "row").len() >= 3, "{layout:?}: the long label wraps");
            assert!(!svg.contains('…'));
            let w = if layout == Layout::Wide { 660.0 } else { NARROW_W };
            for b in boxes(&svg, "tick").iter().chain(&boxes(&svg, "row")).chain(&boxes(&svg, "verdict")) {
                assert!(b.x0 >= 0.0 && b.x1 <= w, "{layout:?}: {b:?} leaves the figure: {svg}");
            }
        }
    }

    #[test]
    fn sensitivity_speaks_in_shares() {
        let rows = [SensitivityRow {
            metric: "inference_latency".into(),
            stated: 0.3,
            segments: vec![
                (0.0, 0.655, colour(0), "forest".into()),
                (0.655, 1.0, colour(1), "logistic".into()),
            ],
        }];
        for layout in [Layout::Wide, Layout::Narrow] {
            let svg = sensitivity("s", &rows, layout);
            assert!(svg.contains("inference_latency (stated 30%)") || svg.contains("(stated 30%)"), "{svg}");
            assert!(svg.contains("forest is the pick for shares from 0% to 66%"), "{svg}");
            assert!(svg.contains(">100%</text>"));
        }
    }

    #[test]
    fn strips_draw_every_trial() {
        let rows = [StripRow {
            label: "tree".into(),
            colour: colour(1),
            values: vec![1.0, 2.0, 3.0],
            summary: (2.0, 1.0, 3.0),
        }];
        let svg = strip("t", &Axis { title: "s".into(), quantity: true }, &rows);
        assert_eq!(svg.matches("<circle class=\"trial\"").count(), 3);
    }
}
