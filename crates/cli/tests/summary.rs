//! What `tradeoff run` and `tradeoff report` print at the end, and `tradeoff compare`:
//! the answer in the terminal (key figures with intervals, the pick, the claims with
//! their units), coloured on a terminal (a pseudo-terminal from util-linux's `script`),
//! plain text when stdout is piped or `NO_COLOR` is set; two runs side by side with
//! ratios and warnings.

mod support;

use std::path::Path;

use support::{describe, run_in};

const EXPERIMENT: &str = r#"
[experiment]
name = "summary"
seed = 9
[dataset]
source = "digits"
subsample = 500
[protocol]
folds = 3
repetitions = 2
[[candidates]]
name = "tree"
learner = "decision_tree"
[[candidates]]
name = "forest"
learner = "random_forest"
params = { n_estimators = 8 }
[metrics]
accuracy = {}
model_size = { unit = "kB" }
[priorities]
weights = { accuracy = 0.7, model_size = 0.3 }
[[claims]]
text = "the forest is bigger than the tree"
check = "model_size[forest] > model_size[tree]"
"#;

fn run(dir: &Path, results: &str) -> String {
    std::fs::write(dir.join("summary.toml"), EXPERIMENT).unwrap();
    let output = run_in(dir, &["run", "summary.toml", "--results", results]);
    assert!(output.status.success(), "{}", describe(&output));
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn run_and_report_end_with_the_answer_in_plain_text_when_piped() {
    let dir = tempfile::tempdir().unwrap();
    let stdout = run(dir.path(), "results");
    assert!(!stdout.contains('\u{1b}'), "no colour codes in a pipe: {stdout}");
    assert!(stdout.contains("summary  ·  12 trials  ·  2 x 3-fold, splits and seeds varied"), "{stdout}");
    assert!(stdout.contains("  pick      "), "{stdout}");
    assert!(
        stdout.contains("claims    holds     the forest is bigger than the tree  model_size ratio"),
        "{stdout}"
    );
    // The key figures: every candidate with its interval.
    assert!(stdout.lines().any(|l| l.trim_start().starts_with("forest") && l.contains('[')), "{stdout}");
    let report = run_in(&dir.path().join("results/summary"), &["report", "."]);
    let text = String::from_utf8(report.stdout).unwrap();
    assert!(text.contains("  report    ./report.md"), "{text}");
}

#[test]
fn compare_puts_two_runs_side_by_side_with_ratios_and_warnings() {
    let dir = tempfile::tempdir().unwrap();
    run(dir.path(), "a");
    run(dir.path(), "b");
    let output = run_in(dir.path(), &["compare", "a/summary", "b/summary"]);
    assert!(output.status.success(), "{}", describe(&output));
    let text = String::from_utf8(output.stdout).unwrap();
    // Same machine, same protocol, same seed: the same model sizes, so a ratio of 1 whose
    // interval (the two runs resampled independently) contains 1.
    assert!(!text.contains("warning"), "{text}");
    let row = text.lines().find(|l| l.starts_with("forest") && l.contains("model_size")).unwrap();
    let interval: Vec<f64> = row[row.find('[').unwrap() + 1..row.find(']').unwrap()]
        .split(", ")
        .map(|v| v.parse().unwrap())
        .collect();
    assert!(row.contains("1.000x") && interval[0] <= 1.0 && interval[1] >= 1.0, "{row}");
    // Another protocol is named first.
    let edited = EXPERIMENT.replace("repetitions = 2", "repetitions = 3");
    std::fs::write(dir.path().join("summary.toml"), edited).unwrap();
    let output = run_in(dir.path(), &["run", "summary.toml", "--results", "c"]);
    assert!(output.status.success(), "{}", describe(&output));
    let text = String::from_utf8(run_in(dir.path(), &["compare", "a/summary", "c/summary"]).stdout).unwrap();
    assert!(text.starts_with("warning: different protocols"), "{text}");
}

/// `tradeoff report DIR` on a pseudo-terminal, with `NO_COLOR` set or not.
fn on_a_terminal(dir: &Path, no_color: bool) -> String {
    let command = format!("{} report {}", env!("CARGO_BIN_EXE_tradeoff"), dir.display());
    let mut script = std::process::Command::new("script");
    script.args(["-qec", &command, "/dev/null"]).env("TERM", "xterm-256color").env_remove("NO_COLOR");
    if no_color {
        script.env("NO_COLOR", "1");
    }
    let output = script.output().expect("util-linux's `script` runs the report on a pseudo-terminal");
    assert!(output.status.success(), "{}", describe(&output));
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn a_terminal_gets_colour_unless_no_color_is_set() {
    let dir = tempfile::tempdir().unwrap();
    run(dir.path(), "results");
    let results = dir.path().join("results/summary");
    let coloured = on_a_terminal(&results, false);
    assert!(coloured.contains("\u{1b}[1m"), "bold on a terminal: {coloured:?}");
    assert!(
        coloured.contains("\u{1b}[32m") && coloured.contains("holds"),
        "a holding claim in green: {coloured:?}"
    );
    let plain = on_a_terminal(&results, true);
    assert!(!plain.contains('\u{1b}'), "NO_COLOR: {plain:?}");
    assert!(plain.contains("claims    holds     the forest is bigger than the tree"), "{plain:?}");
}
