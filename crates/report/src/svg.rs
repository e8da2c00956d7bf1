//! Plots as inline SVG, written by hand: a Pareto scatter with confidence whiskers and
//! per-metric bars with whiskers. No fonts or scripts are needed to render them, so the
//! HTML report stays one self-contained file.

use std::fmt::Write as _;

use crate::format::number;

/// A point of a scatter: a candidate with both figures and how to draw it.
#[derive(Debug, Clone)]
pub struct Point {
    pub label: String,
    pub x: (f64, f64, f64),
    pub y: (f64, f64, f64),
    pub style: PointStyle,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PointStyle {
    Frontier,
    Dominated,
    Violator,
}

const WIDTH: f64 = 560.0;
const HEIGHT: f64 = 360.0;
const LEFT: f64 = 70.0;
const RIGHT: f64 = 20.0;
const TOP: f64 = 30.0;
const BOTTOM: f64 = 50.0;

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// A linear axis over `[low, high]` padded by 8%, mapped to `[a, b]` pixels.
struct Axis {
    low: f64,
    high: f64,
    a: f64,
    b: f64,
}

impl Axis {
    fn new(values: impl Iterator<Item = f64>, a: f64, b: f64) -> Axis {
        let (mut low, mut high) = values
            .filter(|v| v.is_finite())
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), v| (l.min(v), h.max(v)));
        if !low.is_finite() {
            (low, high) = (0.0, 1.0);
        }
        if high - low < 1e-12 {
            let pad = if low == 0.0 { 1.0 } else { low.abs() * 0.1 };
            (low, high) = (low - pad, high + pad);
        }
        let pad = (high - low) * 0.08;
        Axis { low: low - pad, high: high + pad, a, b }
    }

    fn at(&self, value: f64) -> f64 {
        self.a + (value - self.low) / (self.high - self.low) * (self.b - self.a)
    }

    fn ticks(&self) -> Vec<f64> {
        let span = self.high - self.low;
        if !(span.is_finite() && span > 0.0) {
            return vec![self.low];
        }
        let raw = span / 5.0;
        let magnitude = 10f64.powf(raw.log10().floor());
        let step = [1.0, 2.0, 5.0, 10.0]
            .iter()
            .map(|m| m * magnitude)
            .find(|s| span / s <= 6.0)
            .unwrap_or(10.0 * magnitude);
        let first = (self.low / step).ceil();
        // Ticks by index, not by repeated addition: with huge values and a tiny span,
        // adding the step may not change the value, and the loop would never end.
        (0..12)
            .map(|i| (first + f64::from(i)) * step)
            .take_while(|t| *t <= self.high + step * 1e-9)
            .map(|t| if t.abs() < step * 1e-9 { 0.0 } else { t })
            .collect()
    }
}

fn frame(out: &mut String, title: &str, class: &str) {
    let _ = write!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="plot {class}" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" role="img" aria-label="{}"><title>{}</title><rect x="0" y="0" width="{WIDTH}" height="{HEIGHT}" fill="white"/><text x="{}" y="18" text-anchor="middle" font-size="14" font-family="sans-serif">{}</text>"#,
        escape(title),
        escape(title),
        WIDTH / 2.0,
        escape(title)
    );
}

/// Opens the axes group and draws both axis lines.
fn open_axes(out: &mut String) {
    let (x0, y0) = (LEFT, HEIGHT - BOTTOM);
    let _ = write!(
        out,
        r##"<g font-family="sans-serif" font-size="11" fill="#333"><line x1="{x0}" y1="{y0}" x2="{}" y2="{y0}" stroke="#333"/><line x1="{x0}" y1="{TOP}" x2="{x0}" y2="{y0}" stroke="#333"/>"##,
        WIDTH - RIGHT
    );
}

/// The value axis's ticks with their grid lines.
fn y_ticks(out: &mut String, y: &Axis) {
    for tick in y.ticks() {
        let py = y.at(tick);
        let _ = write!(
            out,
            r##"<line x1="{}" y1="{py:.1}" x2="{LEFT}" y2="{py:.1}" stroke="#333"/><line x1="{LEFT}" y1="{py:.1}" x2="{}" y2="{py:.1}" stroke="#eee"/><text x="{}" y="{:.1}" text-anchor="end">{}</text>"##,
            LEFT - 4.0,
            WIDTH - RIGHT,
            LEFT - 6.0,
            py + 4.0,
            number(tick)
        );
    }
}

/// The value axis's label, rotated, and the end of the axes group.
fn close_axes(out: &mut String, y_label: &str) {
    let _ = write!(
        out,
        r#"<text x="14" y="{:.1}" text-anchor="middle" transform="rotate(-90 14 {:.1})">{}</text></g>"#,
        (TOP + HEIGHT - BOTTOM) / 2.0,
        (TOP + HEIGHT - BOTTOM) / 2.0,
        escape(y_label)
    );
}

/// Two numeric axes with ticks and labels.
fn axes(out: &mut String, x: &Axis, y: &Axis, x_label: &str, y_label: &str) {
    let y0 = HEIGHT - BOTTOM;
    open_axes(out);
    for tick in x.ticks() {
        let px = x.at(tick);
        let _ = write!(
            out,
            r##"<line x1="{px:.1}" y1="{y0}" x2="{px:.1}" y2="{}" stroke="#333"/><text x="{px:.1}" y="{}" text-anchor="middle">{}</text>"##,
            y0 + 4.0,
            y0 + 16.0,
            number(tick)
        );
    }
    y_ticks(out, y);
    let _ = write!(
        out,
        r#"<text x="{:.1}" y="{}" text-anchor="middle">{}</text>"#,
        (LEFT + WIDTH - RIGHT) / 2.0,
        HEIGHT - 12.0,
        escape(x_label)
    );
    close_axes(out, y_label);
}

/// A Pareto scatter: frontier filled and labelled, dominated hollow, constraint
/// violators grey; whiskers show each figure's 95% CI.
pub fn scatter(title: &str, x_label: &str, y_label: &str, points: &[Point]) -> String {
    let x = Axis::new(points.iter().flat_map(|p| [p.x.1, p.x.2, p.x.0]), LEFT, WIDTH - RIGHT);
    let y = Axis::new(points.iter().flat_map(|p| [p.y.1, p.y.2, p.y.0]), HEIGHT - BOTTOM, TOP);
    let mut out = String::new();
    frame(&mut out, title, "pareto");
    axes(&mut out, &x, &y, x_label, y_label);
    for point in points {
        let (color, fill) = match point.style {
            PointStyle::Frontier => ("#1f6feb", "#1f6feb"),
            PointStyle::Dominated => ("#1f6feb", "white"),
            PointStyle::Violator => ("#999", "#ddd"),
        };
        let (px, py) = (x.at(point.x.0), y.at(point.y.0));
        let _ = write!(
            out,
            r#"<g class="point {}"><line x1="{:.1}" y1="{py:.1}" x2="{:.1}" y2="{py:.1}" stroke="{color}"/><line x1="{px:.1}" y1="{:.1}" x2="{px:.1}" y2="{:.1}" stroke="{color}"/><circle cx="{px:.1}" cy="{py:.1}" r="5" fill="{fill}" stroke="{color}" stroke-width="1.5"/><text x="{:.1}" y="{:.1}" font-size="11" font-family="sans-serif" fill="{color}">{}</text></g>"#,
            match point.style {
                PointStyle::Frontier => "frontier",
                PointStyle::Dominated => "dominated",
                PointStyle::Violator => "violator",
            },
            x.at(point.x.1),
            x.at(point.x.2),
            y.at(point.y.1),
            y.at(point.y.2),
            px + 7.0,
            py - 7.0,
            escape(&point.label)
        );
    }
    out.push_str("</svg>");
    out
}

/// Bars of one metric per candidate with CI whiskers.
pub fn bars(title: &str, unit: &str, bars: &[(String, f64, f64, f64)]) -> String {
    let y = Axis::new(bars.iter().flat_map(|b| [b.1, b.2, b.3, 0.0]), HEIGHT - BOTTOM, TOP);
    let slot = (WIDTH - LEFT - RIGHT) / bars.len().max(1) as f64;
    let mut out = String::new();
    frame(&mut out, title, "bars");
    // Category axis: labels under each bar instead of numeric ticks.
    open_axes(&mut out);
    y_ticks(&mut out, &y);
    close_axes(&mut out, unit);
    let zero = y.at(0.0_f64.clamp(y.low, y.high));
    for (i, (label, value, low, high)) in bars.iter().enumerate() {
        let left = LEFT + slot * i as f64 + slot * 0.2;
        let width = slot * 0.6;
        let top = y.at(*value);
        let centre = left + width / 2.0;
        let _ = write!(
            out,
            r##"<g class="bar"><rect x="{left:.1}" y="{:.1}" width="{width:.1}" height="{:.1}" fill="#8cb4f0"/><line x1="{centre:.1}" y1="{:.1}" x2="{centre:.1}" y2="{:.1}" stroke="#333"/><line x1="{:.1}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="#333"/><line x1="{:.1}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="#333"/><text x="{centre:.1}" y="{}" text-anchor="middle" font-size="11" font-family="sans-serif">{}</text></g>"##,
            top.min(zero),
            (zero - top).abs(),
            y.at(*low),
            y.at(*high),
            centre - 5.0,
            y.at(*low),
            centre + 5.0,
            y.at(*low),
            centre - 5.0,
            y.at(*high),
            centre + 5.0,
            y.at(*high),
            HEIGHT - BOTTOM + 16.0,
            escape(label)
        );
    }
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
            let axis = Axis::new([low, high].into_iter(), 0.0, 100.0);
            let ticks = axis.ticks();
            assert!(!ticks.is_empty() && ticks.len() <= 12, "{low}..{high}: {ticks:?}");
        }
        let overflow = Axis::new([f64::MAX, -f64::MAX].into_iter(), 0.0, 100.0);
        assert!(overflow.ticks().len() <= 12);
    }

    #[test]
    fn plots_are_well_formed_svg_with_one_mark_per_candidate() {
        let points = vec![
            Point {
                label: "tree".into(),
                x: (1.0, 0.9, 1.1),
                y: (0.8, 0.79, 0.81),
                style: PointStyle::Frontier,
            },
            Point {
                label: "slow <&>".into(),
                x: (9.0, 8.0, 10.0),
                y: (0.7, 0.69, 0.71),
                style: PointStyle::Violator,
            },
        ];
        let svg = scatter("accuracy vs train_time", "train_time (s)", "accuracy", &points);
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert_eq!(svg.matches("<circle").count(), 2);
        assert!(svg.contains("slow &lt;&amp;&gt;"));
        let svg = bars(
            "accuracy",
            "ratio",
            &[("tree".into(), 0.8, 0.79, 0.81), ("forest".into(), 0.87, 0.86, 0.88)],
        );
        assert_eq!(svg.matches("class=\"bar\"").count(), 2);
    }
}
