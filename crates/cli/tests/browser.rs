//! `report.html` in a real browser (headless Chromium) at a laptop's and a phone's width:
//! the page body never scrolls sideways, every plot is there and drawn, no two labels of
//! a plot overlap and none is too small to read (all measured from the rendered boxes by
//! a script injected into a copy of the report; the report itself has no script), and a
//! screenshot of what a first-time reader sees is saved for review.

mod support;

use std::path::{Path, PathBuf};

use serde_json::Value;
use support::{describe, run_in};

fn chromium() -> PathBuf {
    ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
        .expect("headless Chromium is needed for this test: `just test` installs Debian's `chromium` package")
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
            "--enable-logging=stderr",
            "--v=0",
            "--virtual-time-budget=3000",
        ])
        .arg(format!("--window-size={width},{height}"))
        .arg(format!("--user-data-dir={}", profile.display()));
    command
}

/// Measures the rendered report: page overflow, plots, overlapping and tiny labels.
const PROBE: &str = r#"<script>
(function () {
  const result = { scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth };
  const plots = [...document.querySelectorAll('svg.plot')];
  result.plots = plots.map(svg => {
    const r = svg.getBoundingClientRect();
    return { kind: svg.getAttribute('class'), width: r.width, height: r.height,
             marks: svg.querySelectorAll('circle,rect,line,polyline,path').length };
  });
  result.overlaps = []; result.small = [];
  for (const svg of plots) {
    const texts = [...svg.querySelectorAll('text')].map(t => ({ text: t.textContent, box: t.getBoundingClientRect() }));
    for (let i = 0; i < texts.length; i++) {
      if (texts[i].box.height < 7) result.small.push([svg.getAttribute('class'), texts[i].text, texts[i].box.height]);
      for (let j = i + 1; j < texts.length; j++) {
        const a = texts[i].box, b = texts[j].box;
        const w = Math.min(a.right, b.right) - Math.max(a.left, b.left);
        const h = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
        if (w > 1 && h > 1) result.overlaps.push([svg.getAttribute('class'), texts[i].text, texts[j].text]);
      }
    }
  }
  result.consoleErrors = 0;
  document.body.setAttribute('data-probe', JSON.stringify(result));
})();
</script>"#;

fn unescape(text: &str) -> String {
    text.replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

fn probe(html: &Path, width: u32, height: u32) -> Value {
    let page = std::fs::read_to_string(html).unwrap().replace("</body>", &format!("{PROBE}</body>"));
    let probed = html.with_file_name(format!("probe-{width}.html"));
    std::fs::write(&probed, page).unwrap();
    let profile = tempfile::tempdir().unwrap();
    let output = headless(profile.path(), width, height)
        .arg("--dump-dom")
        .arg(format!("file://{}", probed.display()))
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", describe(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    let errors: Vec<&str> =
        stderr.lines().filter(|l| l.contains("CONSOLE") || l.contains("Uncaught")).collect();
    assert!(errors.is_empty(), "console errors: {errors:#?}");
    let dom = String::from_utf8_lossy(&output.stdout);
    let start = dom.find("data-probe=\"").expect("the probe ran") + "data-probe=\"".len();
    let end = start + dom[start..].find('"').unwrap();
    serde_json::from_str(&unescape(&dom[start..end])).unwrap()
}

fn screenshot(html: &Path, width: u32, height: u32, name: &str) -> PathBuf {
    let folder = Path::new(env!("CARGO_TARGET_TMPDIR")).join("report-screenshots");
    std::fs::create_dir_all(&folder).unwrap();
    let path = folder.join(name);
    let profile = tempfile::tempdir().unwrap();
    let output = headless(profile.path(), width, height)
        .arg(format!("--screenshot={}", path.display()))
        .arg(format!("file://{}", html.display()))
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", describe(&output));
    assert!(
        std::fs::metadata(&path).map(|m| m.len() > 10_000).unwrap_or(false),
        "no screenshot at {}",
        path.display()
    );
    path
}

#[test]
fn the_report_reads_on_a_laptop_and_a_phone() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("browser.toml"),
        r#"
[experiment]
name = "browser"
seed = 3
description = "A <script>alert('not run')</script> description with a very-long-unbroken-identifier-that-should-wrap-without-widening-the-page."
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
text = "the forest is larger than the tree"
check = "model_size[forest] > 2 * model_size[a-tree-with-a-rather-long-name]"
[[claims]]
text = "the forest is more accurate than the logistic regression"
check = "accuracy[forest] > accuracy[logistic]"
"#,
    )
    .unwrap();
    let output = run_in(dir.path(), &["run", "browser.toml"]);
    assert!(output.status.success(), "{}", describe(&output));
    let html = dir.path().join("results/browser/report.html");
    let text = std::fs::read_to_string(&html).unwrap();
    assert!(!text.contains("<script>"), "the description's markup is text, not a tag");
    for (width, height, name) in [(1280, 800, "laptop.png"), (390, 844, "phone.png")] {
        let result = probe(&html, width, height);
        let (scroll, inner) =
            (result["scrollWidth"].as_f64().unwrap(), result["innerWidth"].as_f64().unwrap());
        assert!(scroll <= inner + 1.0, "{width} px: the page scrolls sideways ({scroll} > {inner})");
        let plots = result["plots"].as_array().unwrap();
        let kinds: Vec<&str> = plots.iter().map(|p| p["kind"].as_str().unwrap()).collect();
        // Three metrics prioritised: three scatters; a forest plot; four strip plots; the
        // weight sensitivity.
        assert_eq!(kinds.iter().filter(|k| k.contains("scatter")).count(), 3, "{kinds:?}");
        assert_eq!(kinds.iter().filter(|k| k.contains("forest")).count(), 1, "{kinds:?}");
        assert_eq!(kinds.iter().filter(|k| k.contains("strip")).count(), 4, "{kinds:?}");
        assert_eq!(kinds.iter().filter(|k| k.contains("sensitivity")).count(), 1, "{kinds:?}");
        for plot in plots {
            assert!(
                plot["width"].as_f64().unwrap() > 100.0 && plot["height"].as_f64().unwrap() > 60.0,
                "{plot}"
            );
            assert!(plot["marks"].as_u64().unwrap() >= 3, "an empty plot: {plot}");
        }
        assert_eq!(result["overlaps"], serde_json::json!([]), "{width} px: labels overlap");
        assert_eq!(result["small"], serde_json::json!([]), "{width} px: labels too small to read");
        let shot = screenshot(&html, width, height, name);
        eprintln!("screenshot: {}", shot.display());
    }
}
