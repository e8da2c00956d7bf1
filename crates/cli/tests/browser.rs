//! `report.html` in a real browser (headless Chromium), for this test's own report and the
//! committed `results/default` and `results/fashion-tradeoffs`: at a laptop's width
//! (1366 px) and a phone's (390 px, measured inside an iframe of that width, since
//! headless Chromium lays a window out no narrower than 500 px; the test asserts the
//! width it measured). Measured from the rendered boxes by a script injected into a copy
//! of the report (the report itself has no script): the page never scrolls sideways and
//! no figure does; every plot has its data (a point per candidate, a dot per trial, a row
//! per comparison, counted against the analysis); no text leaves its figure, overlaps
//! other text or a data mark, or is too small to read. The print rules are checked the
//! same way at a page's width (tables wrap instead of being cut, plots share rows), and a
//! printed PDF's pages are counted. Hostile links and images in the experiment's text
//! lose their targets. Screenshots at 1366x768 and 390x844 are saved and their paths
//! printed.

mod support;

use std::path::{Path, PathBuf};

use serde_json::Value;
use support::{describe, run_in, workspace};

fn chromium() -> PathBuf {
    ["/usr/bin/chromium", "/usr/bin/chromium-browser"].iter().map(PathBuf::from).find(|p| p.exists()).expect(
        "headless Chromium is needed for this test: run `just chromium` (Debian's `chromium` package)",
    )
}

fn headless(profile: &Path, width: u32, height: u32) -> std::process::Command {
    let mut command = std::process::Command::new(chromium());
    command
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            "--no-pdf-header-footer",
            "--enable-logging=stderr",
            "--v=0",
            "--virtual-time-budget=5000",
        ])
        .arg(format!("--window-size={width},{height}"))
        .arg(format!("--user-data-dir={}", profile.display()));
    command
}

/// Measures the rendered report and hands the result to the page around it.
const PROBE: &str = r#"<script>
(function () {
  const visible = el => { const r = el.getBoundingClientRect(); return r.width > 0 && r.height > 0; };
  const overlap = (a, b) => Math.min(a.right, b.right) - Math.max(a.left, b.left) > 1 &&
                            Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > 1;
  const inside = (a, b) => a.left >= b.left - 1 && a.right <= b.right + 1 && a.top >= b.top - 1 && a.bottom <= b.bottom + 1;
  const result = { innerWidth: window.innerWidth, scrollWidth: document.documentElement.scrollWidth,
                   plots: [], overlaps: [], small: [], outside: [], onMarks: [], scrolling: [], tables: [] };
  for (const figure of document.querySelectorAll('.figure')) {
    if (visible(figure) && figure.scrollWidth > figure.clientWidth + 1) {
      const svg = figure.querySelector('svg');
      result.scrolling.push(svg ? svg.getAttribute('aria-label') : figure.textContent.slice(0, 40));
    }
  }
  const body = document.body.getBoundingClientRect();
  for (const box of document.querySelectorAll('.table')) {
    const table = box.querySelector('table').getBoundingClientRect();
    result.tables.push({ head: box.querySelector('th').textContent, scroll: box.scrollWidth, client: box.clientWidth,
                         right: table.right, bodyRight: body.right });
  }
  for (const svg of [...document.querySelectorAll('svg.plot')].filter(visible)) {
    const name = svg.getAttribute('class') + ': ' + svg.getAttribute('aria-label');
    const r = svg.getBoundingClientRect();
    const figure = svg.closest('.figure');
    const clip = figure ? figure.getBoundingClientRect() : r;
    result.plots.push({ kind: svg.getAttribute('class'), label: svg.getAttribute('aria-label'),
      width: r.width, height: r.height, top: Math.round(r.top + window.scrollY),
      points: svg.querySelectorAll('g.point').length, trials: svg.querySelectorAll('circle.trial').length,
      comparisons: svg.querySelectorAll('g.comparison').length, bands: svg.querySelectorAll('rect.band').length });
    const texts = [...svg.querySelectorAll('text')].map(t => ({ text: t.textContent, box: t.getBoundingClientRect() }));
    const marks = [...svg.querySelectorAll('.mark, circle.trial, rect.estimate')].map(m => m.getBoundingClientRect());
    texts.forEach((a, i) => {
      if (a.box.height < 7) result.small.push([name, a.text, a.box.height]);
      if (!inside(a.box, r) || !inside(a.box, clip)) result.outside.push([name, a.text]);
      for (const b of texts.slice(i + 1)) if (overlap(a.box, b.box)) result.overlaps.push([name, a.text, b.text]);
      if (marks.some(m => overlap(a.box, m))) result.onMarks.push([name, a.text]);
    });
  }
  const json = JSON.stringify(result);
  document.body.setAttribute('data-probe', json);
  if (window.parent !== window) window.parent.postMessage(json, '*');
})();
</script>"#;

/// A page holding the report in an iframe of exactly `width` x `height` pixels.
fn wrapper(report: &str, width: u32, height: u32) -> String {
    format!(
        r#"<!DOCTYPE html><html><body style="margin:0;background:#fff"><script>addEventListener('message', e => document.body.setAttribute('data-probe', e.data));</script><iframe src="{report}" style="border:0;display:block" width="{width}" height="{height}"></iframe></body></html>"#
    )
}

fn unescape(text: &str) -> String {
    text.replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// The CSS the report applies when printed, to apply on screen at a page's width.
fn print_rules(html: &str) -> String {
    let start = html.find("@media print{").expect("the report has print rules") + "@media print{".len();
    let mut depth = 1;
    for (i, c) in html[start..].char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            _ => {}
        }
        if depth == 0 {
            return html[start..start + i].replace("@page{margin:12mm}", "");
        }
    }
    panic!("unbalanced print rules")
}

/// The probe's findings for `html` shown in a `width` x `height` frame (`print`: with
/// the print rules applied).
fn probe(html: &Path, width: u32, height: u32, print: bool) -> Value {
    let text = std::fs::read_to_string(html).unwrap();
    let extra = if print { format!("<style>{}</style>", print_rules(&text)) } else { String::new() };
    let page =
        text.replace("</head>", &format!("{extra}</head>")).replace("</body>", &format!("{PROBE}</body>"));
    let tag = if print { "print" } else { "screen" };
    let probed = html.with_file_name(format!("probe-{tag}-{width}.html"));
    std::fs::write(&probed, page).unwrap();
    let frame = html.with_file_name(format!("frame-{tag}-{width}.html"));
    std::fs::write(&frame, wrapper(probed.file_name().unwrap().to_str().unwrap(), width, height)).unwrap();
    let profile = tempfile::tempdir().unwrap();
    let output = headless(profile.path(), width.max(500) + 40, height + 40)
        .arg("--dump-dom")
        .arg(format!("file://{}", frame.display()))
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", describe(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    let errors: Vec<&str> =
        stderr.lines().filter(|l| l.contains("CONSOLE") || l.contains("Uncaught")).collect();
    assert!(errors.is_empty(), "console errors: {errors:#?}");
    let dom = String::from_utf8_lossy(&output.stdout);
    let start = dom.find("data-probe=\"").expect("the probe reported to the frame") + "data-probe=\"".len();
    let end = start + dom[start..].find('"').unwrap();
    let result: Value = serde_json::from_str(&unescape(&dom[start..end])).unwrap();
    assert_eq!(result["innerWidth"], width, "the report was laid out at {width} px");
    result
}

fn shots() -> PathBuf {
    let folder = Path::new(env!("CARGO_TARGET_TMPDIR")).join("report-screenshots");
    std::fs::create_dir_all(&folder).unwrap();
    folder
}

/// A screenshot of the top of the report: a laptop's window, or a phone's (the report in
/// a 390-px frame, the window as wide, so the picture is exactly the phone's screen).
fn screenshot(html: &Path, width: u32, height: u32, name: &str) -> PathBuf {
    let path = shots().join(name);
    let target = if width < 500 {
        let frame = html.with_file_name(format!("shot-{width}.html"));
        std::fs::write(&frame, wrapper(html.file_name().unwrap().to_str().unwrap(), width, height)).unwrap();
        frame
    } else {
        html.to_path_buf()
    };
    let profile = tempfile::tempdir().unwrap();
    let output = headless(profile.path(), width, height)
        .arg(format!("--screenshot={}", path.display()))
        .arg(format!("file://{}", target.display()))
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", describe(&output));
    let bytes = std::fs::read(&path).unwrap_or_default();
    assert!(bytes.len() > 10_000, "no screenshot at {}", path.display());
    // The PNG's own size (IHDR): the window is the size asked for.
    let size = |at: usize| u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap());
    assert_eq!((size(16), size(20)), (width, height), "{}", path.display());
    path
}

/// The pages of the report printed to PDF.
fn printed_pages(html: &Path) -> usize {
    let pdf = html.with_file_name("printed.pdf");
    let profile = tempfile::tempdir().unwrap();
    let output = headless(profile.path(), 1280, 900)
        .arg(format!("--print-to-pdf={}", pdf.display()))
        .arg(format!("file://{}", html.display()))
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", describe(&output));
    let bytes = std::fs::read(&pdf).unwrap();
    // Page objects are plain dictionaries: `/Type /Page` not followed by `s`.
    bytes
        .windows(11)
        .enumerate()
        .filter(|(i, w)| *w == b"/Type /Page" && bytes.get(i + 11) != Some(&b's'))
        .count()
}

/// What the plots must show, from the analysis of the same folder.
struct Expected {
    /// Per scatter title ("y vs x"): the candidates with both figures.
    points: Vec<(String, usize)>,
    /// Per strip (the metric): the trials the summary counts.
    trials: Vec<(String, usize)>,
    comparisons: usize,
    sensitivity_rows: usize,
}

fn expected(dir: &Path) -> Expected {
    let analysis = report::analyse(dir).expect("the results folder analyses");
    let decision = &analysis.decision;
    let objectives: Vec<&String> = decision.objectives.iter().map(|(m, _)| m).take(4).collect();
    let mut points = Vec::new();
    for (i, y) in objectives.iter().enumerate() {
        for x in objectives.iter().skip(i + 1) {
            let n = decision
                .candidates
                .iter()
                .filter(|c| analysis.row(c, x).is_some() && analysis.row(c, y).is_some())
                .count();
            points.push((format!("{y} vs {x}"), n));
        }
    }
    let trials = analysis
        .results
        .experiment
        .metrics
        .iter()
        .map(|m| {
            (
                m.name().to_string(),
                analysis.summary.iter().filter(|r| r.metric == m.name()).map(|r| r.n).sum(),
            )
        })
        .filter(|(_, n)| *n > 0)
        .collect();
    let comparisons = decision.claims.iter().filter(|c| c.comparison.is_ok()).count()
        + decision.constraints.iter().filter(|c| c.comparison.is_some()).count();
    Expected { points, trials, comparisons, sensitivity_rows: decision.sensitivity.len() }
}

/// Checks one report at a laptop's and a phone's width and printed; returns the
/// screenshots.
fn check(dir: &Path, name: &str) -> Vec<PathBuf> {
    let expected = expected(dir);
    let scratch = tempfile::tempdir().unwrap();
    let html = scratch.path().join("report.html");
    std::fs::copy(dir.join("report.html"), &html).unwrap();
    let mut paths = Vec::new();
    for (width, height, device) in [(1366, 768, "laptop"), (390, 844, "phone")] {
        let result = probe(&html, width, height, false);
        let at = format!("{name} at {width} px");
        let scroll = result["scrollWidth"].as_f64().unwrap();
        assert!(scroll <= f64::from(width) + 1.0, "{at}: the page scrolls sideways ({scroll} px)");
        assert_eq!(result["scrolling"], serde_json::json!([]), "{at}: figures scroll sideways");
        let plots = result["plots"].as_array().unwrap();
        let of_kind = |kind: &str| -> Vec<&Value> {
            plots.iter().filter(|p| p["kind"].as_str().unwrap().split(' ').any(|k| k == kind)).collect()
        };
        let scatters = of_kind("scatter");
        assert_eq!(scatters.len(), expected.points.len(), "{at}: scatters");
        for (title, n) in &expected.points {
            let plot = scatters
                .iter()
                .find(|p| p["label"] == title.as_str())
                .unwrap_or_else(|| panic!("{at}: {title}"));
            assert_eq!(plot["points"], *n, "{at}: {title}: a point per candidate");
        }
        let strips = of_kind("strip");
        assert_eq!(strips.len(), expected.trials.len(), "{at}: strips");
        for (metric, n) in &expected.trials {
            let plot = strips
                .iter()
                .find(|p| p["label"] == metric.as_str())
                .unwrap_or_else(|| panic!("{at}: {metric}"));
            assert_eq!(plot["trials"], *n, "{at}: {metric}: a dot per trial");
        }
        let forests = of_kind("forest");
        assert_eq!(forests.len(), usize::from(expected.comparisons > 0), "{at}: one forest plot is shown");
        for plot in &forests {
            assert_eq!(plot["comparisons"], expected.comparisons, "{at}: a row per comparison");
        }
        let bands = of_kind("sensitivity");
        assert_eq!(
            bands.len(),
            usize::from(expected.sensitivity_rows > 0),
            "{at}: one sensitivity plot is shown"
        );
        for plot in plots {
            let (w, h) = (plot["width"].as_f64().unwrap(), plot["height"].as_f64().unwrap());
            assert!(w > 100.0 && h > 60.0 && w <= f64::from(width), "{at}: {plot}");
        }
        for finding in ["overlaps", "outside", "onMarks", "small"] {
            assert_eq!(result[finding], serde_json::json!([]), "{at}: text {finding}");
        }
        paths.push(screenshot(&html, width, height, &format!("{name}-{device}.png")));
    }
    // Printed: tables wrap within the page, plots share rows and stay small.
    let result = probe(&html, 700, 1000, true);
    for table in result["tables"].as_array().unwrap() {
        assert!(
            table["scroll"].as_f64() <= Some(table["client"].as_f64().unwrap() + 1.0)
                && table["right"].as_f64() <= Some(table["bodyRight"].as_f64().unwrap() + 1.0),
            "{name} printed: a table is cut: {table}"
        );
    }
    let plots = result["plots"].as_array().unwrap();
    let scatter_rows: std::collections::BTreeSet<i64> =
        plots.iter().filter(|p| p["kind"] == "plot scatter").map(|p| p["top"].as_i64().unwrap()).collect();
    assert!(
        expected.points.len() < 2 || scatter_rows.len() < expected.points.len(),
        "{name} printed: a scatter per row"
    );
    for plot in plots {
        assert!(plot["height"].as_f64().unwrap() < 420.0, "{name} printed: a plot fills a page: {plot}");
    }
    for finding in ["overlaps", "outside", "onMarks"] {
        assert_eq!(result[finding], serde_json::json!([]), "{name} printed: text {finding}");
    }
    paths
}

#[test]
fn the_report_reads_on_a_laptop_and_a_phone_and_prints() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("browser.toml"),
        r#"
[experiment]
name = "browser"
seed = 3
description = "A <script>alert('not run')</script> description with a very-long-unbroken-identifier-that-should-wrap-without-widening-the-page, a [link](javascript:alert(1)), an <javascript:alert(2)> autolink, an ![image](https://example.org/track.png) and a [fine link](https://example.org/)."
[dataset]
source = "digits"
subsample = 600
[protocol]
folds = 3
repetitions = 2
[[candidates]]
name = "a-tree-with-a-rather-long-name"
learner = "decision_tree"
[[candidates]]
name = "forest"
learner = "random_forest"
params = { n_estimators = 10 }
[[candidates]]
name = "logistic"
learner = "logistic_regression"
params = { epochs = 5 }
[metrics]
accuracy = {}
train_time = { unit = "ms" }
model_size = { unit = "kB" }
inference_latency = { unit = "us" }
[[constraints]]
metric = "accuracy"
baseline = "logistic"
min_ratio = 1.0
[priorities]
weights = { accuracy = 0.6, model_size = 0.2, inference_latency = 0.2 }
[[claims]]
text = "the forest is larger than the tree, which a claim with a long text that must wrap rather than be cut says at length [see](javascript:alert(3))"
check = "model_size[forest] > 2 * model_size[a-tree-with-a-rather-long-name]"
[[claims]]
text = "the forest is more accurate than the logistic regression"
check = "accuracy[forest] > accuracy[logistic]"
"#,
    )
    .unwrap();
    let output = run_in(dir.path(), &["run", "browser.toml"]);
    assert!(output.status.success(), "{}", describe(&output));
    let results = dir.path().join("results/browser");
    let text = std::fs::read_to_string(results.join("report.html")).unwrap();
    assert!(!text.contains("<script>"), "the description's markup is text, not a tag");
    assert!(!text.to_ascii_lowercase().contains("href=\"javascript"), "a hostile link kept its target");
    assert!(!text.contains("<img") && !text.contains("track.png"), "an image from the experiment's text");
    assert!(text.contains("<a href=\"https://example.org/\">fine link</a>"), "a plain link stays");
    let mut shots = check(&results, "browser");
    // Three candidates, four metrics, two claims and two relative constraints: the PDF
    // has the scatters three to a row and the strips two or three to a row.
    let pages = printed_pages(&results.join("report.html"));
    assert!((2..=8).contains(&pages), "printed on {pages} pages");
    for committed in ["default", "fashion-tradeoffs"] {
        shots.extend(check(&workspace().join("results").join(committed), committed));
    }
    for shot in shots {
        eprintln!("screenshot: {}", shot.display());
    }
}
