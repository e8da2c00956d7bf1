//! Verdicts a reviewer can defend, end to end on the real binary: two candidates that are
//! the same learner with the same hyperparameters never make a claim hold, whatever the
//! seed; a timing claim backed by a single trial is undecided; on one fixed test set an
//! accuracy claim is decided by McNemar's test on the stored predictions; a protocol
//! change leaves old records out of the report, listed, and the audit names them.

mod support;

use std::path::Path;

use serde_json::Value;
use support::{describe, records, run_in};

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).unwrap();
}

fn report(dir: &Path, name: &str) -> String {
    std::fs::read_to_string(dir.join("results").join(name).join("report.md")).unwrap()
}

/// The verdict cell of the claims table row whose check is `check`.
fn verdict(report: &str, check: &str) -> String {
    let row = report
        .lines()
        .find(|l| l.starts_with('|') && l.contains(&format!("`{check}`")))
        .unwrap_or_else(|| panic!("no claim `{check}` in:\n{report}"));
    row.split('|').nth(3).unwrap().trim().trim_matches('*').to_string()
}

#[test]
fn twins_never_make_a_claim_hold_whatever_the_seed() {
    let dir = tempfile::tempdir().unwrap();
    for seed in [1, 2, 3] {
        let name = format!("twins-{seed}");
        write(
            dir.path(),
            &format!("{name}.toml"),
            &format!(
                r#"
[experiment]
name = "{name}"
seed = {seed}
[dataset]
source = "digits"
subsample = 600
[protocol]
folds = 3
repetitions = 3
[[candidates]]
name = "a"
learner = "random_forest"
params = {{ n_estimators = 5 }}
[[candidates]]
name = "b"
learner = "random_forest"
params = {{ n_estimators = 5 }}
[metrics]
accuracy = {{}}
macro_f1 = {{}}
model_size = {{}}
[[claims]]
text = "a is more accurate than b"
check = "accuracy[a] > accuracy[b]"
[[claims]]
text = "b is more accurate than a"
check = "accuracy[b] > accuracy[a]"
[[claims]]
text = "a has the better macro F1"
check = "macro_f1[a] > macro_f1[b]"
[[claims]]
text = "a is smaller"
check = "model_size[a] < model_size[b]"
"#
            ),
        );
        let output = run_in(dir.path(), &["run", &format!("{name}.toml")]);
        assert!(output.status.success(), "{}", describe(&output));
        // Same split, same seed, same learner: the same predictions, byte for byte.
        let records = records(&dir.path().join("results").join(&name));
        let predictions = |candidate: &str| -> Vec<Value> {
            records
                .iter()
                .filter(|r| r["candidate"] == candidate)
                .map(|r| r["predictions"]["sha256"].clone())
                .collect()
        };
        assert_eq!(predictions("a"), predictions("b"));
        assert_eq!(predictions("a").len(), 9);
        let report = report(dir.path(), &name);
        for check in [
            "accuracy[a] > accuracy[b]",
            "accuracy[b] > accuracy[a]",
            "macro_f1[a] > macro_f1[b]",
            "model_size[a] < model_size[b]",
        ] {
            assert_eq!(verdict(&report, check), "undecided", "seed {seed}, `{check}`:\n{report}");
        }
        assert!(report.contains("equal in every paired trial"), "{report}");
    }
}

#[test]
fn a_timing_claim_backed_by_one_trial_is_undecided() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "single.toml",
        r#"
[experiment]
name = "single"
[dataset]
source = "digits"
subsample = 600
[protocol]
holdout = 0.3
[[candidates]]
name = "tree"
learner = "decision_tree"
[[candidates]]
name = "forest"
learner = "random_forest"
params = { n_estimators = 50 }
[metrics]
accuracy = {}
train_time = { unit = "ms" }
[[constraints]]
metric = "train_time"
max = 100000
[[claims]]
text = "the forest trains slower"
check = "train_time[forest] > train_time[tree]"
"#,
    );
    let output = run_in(dir.path(), &["run", "single.toml"]);
    assert!(output.status.success(), "{}", describe(&output));
    let report = report(dir.path(), "single");
    assert_eq!(verdict(&report, "train_time[forest] > train_time[tree]"), "undecided", "{report}");
    // One trial: no interval for the median, so even a generous bound is undecided.
    assert!(
        report.contains("n = 1: too few trials for a 95% interval of the median (at least 6)"),
        "{report}"
    );
    assert!(report.contains("| forest | `train_time` | at most 100000 | *undecided* |"), "{report}");
}

#[test]
fn on_one_test_set_accuracy_claims_use_the_stored_predictions() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "official.toml",
        r#"
[experiment]
name = "official"
seed = 3
[dataset]
source = "digits"
[protocol]
split = "official"
[[candidates]]
name = "tree"
learner = "decision_tree"
[[candidates]]
name = "forest"
learner = "random_forest"
params = { n_estimators = 30 }
[metrics]
accuracy = {}
[[claims]]
text = "the forest is more accurate than the tree"
check = "accuracy[forest] > accuracy[tree]"
[[claims]]
text = "the tree is more accurate than the forest"
check = "accuracy[tree] > accuracy[forest]"
"#,
    );
    let output = run_in(dir.path(), &["run", "official.toml"]);
    assert!(output.status.success(), "{}", describe(&output));
    let report = report(dir.path(), "official");
    assert_eq!(verdict(&report, "accuracy[forest] > accuracy[tree]"), "holds", "{report}");
    assert_eq!(verdict(&report, "accuracy[tree] > accuracy[forest]"), "fails", "{report}");
    assert!(report.contains("McNemar's exact test"), "{report}");
    assert!(report.contains("Clopper–Pearson"), "{report}");
    assert!(report.contains("**test sample**: included"), "{report}");
}

#[test]
fn a_protocol_change_leaves_old_records_out_and_the_audit_names_them() {
    let dir = tempfile::tempdir().unwrap();
    let experiment = |repetitions: u32| {
        format!(
            r#"
[experiment]
name = "changed"
[dataset]
source = "digits"
subsample = 300
[protocol]
folds = 2
repetitions = {repetitions}
[[candidates]]
name = "tree"
learner = "decision_tree"
[metrics]
accuracy = {{}}
"#
        )
    };
    write(dir.path(), "changed.toml", &experiment(3));
    let output = run_in(dir.path(), &["run", "changed.toml"]);
    assert!(output.status.success(), "{}", describe(&output));
    write(dir.path(), "changed.toml", &experiment(2));
    let output = run_in(dir.path(), &["run", "changed.toml"]);
    assert!(output.status.success(), "{}", describe(&output));
    let report = report(dir.path(), "changed");
    assert!(report.contains("4 recorded trials of the current plan used"), "{report}");
    assert!(
        report.contains(
            "- ignored, repetition 2 fold 0 is outside the plan (2 repetition(s) x 2 split(s)): 1 record(s)"
        ),
        "{report}"
    );
    let folder = dir.path().join("results/changed");
    let audit = run_in(&folder, &["audit", "."]);
    let stdout = String::from_utf8_lossy(&audit.stdout);
    assert_eq!(audit.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("`tree` fold 1 rep 2 is not a trial of the current plan"), "{stdout}");
}

/// A change the slots cannot show (the data: a subsample of another size) gives every
/// trial a new key. Records of the old plan never count beside the new ones: where the new
/// run redid a slot they are superseded (named by the audit), where it did not (a run cut
/// short) they are left out and listed, so the report never pools two datasets.
#[test]
fn only_records_with_the_current_plans_keys_count() {
    let dir = tempfile::tempdir().unwrap();
    let experiment = |subsample: u32, seconds: u32| {
        format!(
            r#"
[experiment]
name = "keys"
[dataset]
source = "digits"
subsample = {subsample}
[protocol]
holdout = 0.25
repetitions = 3
isolation = "shared"
threads = 1
[[candidates]]
name = "slow"
learner = "test.sleep"
params = {{ seconds = {seconds} }}
[metrics]
accuracy = {{}}
"#
        )
    };
    write(dir.path(), "keys.toml", &experiment(300, 1));
    let output = run_in(dir.path(), &["run", "keys.toml"]);
    assert!(output.status.success(), "{}", describe(&output));
    let folder = dir.path().join("results/keys");
    // Same candidate, seeds and slots, other data; the run is cut after its first record.
    write(dir.path(), "keys.toml", &experiment(200, 1));
    let mut child = support::tradeoff()
        .args(["run", "keys.toml", "--jobs", "1"])
        .current_dir(dir.path())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    while records(&folder).len() < 4 {
        assert!(std::time::Instant::now() < deadline, "the second run recorded nothing");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let output = run_in(dir.path(), &["report", "results/keys"]);
    assert!(output.status.success(), "{}", describe(&output));
    let text = report(dir.path(), "keys");
    assert!(text.contains("1 recorded trials of the current plan used"), "{text}");
    assert!(text.contains("not a trial of the plan the last run made"), "{text}");
    let audit = run_in(&folder, &["audit", "."]);
    let stdout = String::from_utf8_lossy(&audit.stdout);
    assert_eq!(audit.status.code(), Some(1), "two planned trials are missing: {stdout}");
    assert!(
        stdout.contains("note: runs.jsonl: `slow` fold 0 rep 0"),
        "the superseded record is named: {stdout}"
    );
    // Finishing the run brings every slot to the new data, and the audit passes.
    let output = run_in(dir.path(), &["run", "keys.toml"]);
    assert!(output.status.success(), "{}", describe(&output));
    assert!(report(dir.path(), "keys").contains("3 recorded trials of the current plan used"));
    let audit = run_in(&folder, &["audit", "."]);
    assert!(audit.status.success(), "{}", describe(&audit));
}

#[test]
fn a_claim_on_estimated_energy_is_decided_on_the_model_range() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "estimated.toml",
        r#"
[experiment]
name = "estimated"
[dataset]
source = "weather"
[protocol]
holdout = 0.25
repetitions = 8
[[candidates]]
name = "small"
learner = "test.sleep"
params = { seconds = 0.2 }
[[candidates]]
name = "large"
learner = "test.sleep"
params = { seconds = 0.3 }
[metrics]
train_time = {}
train_energy = {}
[[claims]]
text = "the longer sleep takes longer"
check = "train_time[large] > train_time[small]"
[[claims]]
text = "the longer sleep uses more energy"
check = "train_energy[large] > train_energy[small]"
"#,
    );
    let output = run_in(dir.path(), &["run", "estimated.toml"]);
    assert!(output.status.success(), "{}", describe(&output));
    let report = report(dir.path(), "estimated");
    // The same trials: the measured time (1.5 times as long, whatever the load) separates
    // them; the energy estimate's model range (its RAM term spans a factor of 8.5) does
    // not, so the claim on it stays undecided.
    assert_eq!(verdict(&report, "train_time[large] > train_time[small]"), "holds", "{report}");
    assert_eq!(verdict(&report, "train_energy[large] > train_energy[small]"), "undecided", "{report}");
    assert!(report.contains("decided on the estimates' model ranges"), "{report}");
    assert!(report.contains("; model "), "the results table shows the model range: {report}");
}

/// The `summary.csv` cells of one candidate and metric, by column name.
fn summary_cell(dir: &Path, name: &str, candidate: &str, metric: &str, column: &str) -> String {
    let text = std::fs::read_to_string(dir.join("results").join(name).join("summary.csv")).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let index = header.iter().position(|h| *h == column).unwrap_or_else(|| panic!("no column {column}"));
    let row = lines
        .map(|l| l.split(',').collect::<Vec<_>>())
        .find(|cells| cells[0] == candidate && cells[1] == metric)
        .unwrap_or_else(|| panic!("no row {candidate} {metric} in:\n{text}"));
    row[index].to_string()
}

/// On an official split the quality intervals come from resampling the test rows. Two
/// candidates that are the same learner with the same hyperparameters predict the same
/// rows, so they must get the same intervals: the resamples are seeded by metric and
/// repetitions, never by name. Otherwise one could meet a bound the other misses.
#[test]
fn twins_on_an_official_split_get_identical_intervals() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "official-twins.toml",
        r#"
[experiment]
name = "official-twins"
seed = 5
[dataset]
source = "digits"
[protocol]
split = "official"
repetitions = 2
[[candidates]]
name = "a"
learner = "decision_tree"
params = { max_depth = 6 }
[[candidates]]
name = "b"
learner = "decision_tree"
params = { max_depth = 6 }
[metrics]
accuracy = {}
macro_f1 = {}
[[constraints]]
metric = "macro_f1"
min = 0.5
[[claims]]
text = "a is more accurate than b"
check = "accuracy[a] > accuracy[b]"
[[claims]]
text = "a has the better macro F1"
check = "macro_f1[a] > macro_f1[b]"
"#,
    );
    let output = run_in(dir.path(), &["run", "official-twins.toml"]);
    assert!(output.status.success(), "{}", describe(&output));
    for metric in ["accuracy", "macro_f1"] {
        for column in ["value", "ci_low", "ci_high", "ci_note"] {
            let (a, b) = (
                summary_cell(dir.path(), "official-twins", "a", metric, column),
                summary_cell(dir.path(), "official-twins", "b", metric, column),
            );
            assert_eq!(a, b, "{metric} {column}");
        }
        let (low, high) = (
            summary_cell(dir.path(), "official-twins", "a", metric, "ci_low").parse::<f64>().unwrap(),
            summary_cell(dir.path(), "official-twins", "a", metric, "ci_high").parse::<f64>().unwrap(),
        );
        assert!(low < high, "a real interval: [{low}, {high}]");
    }
    assert!(
        summary_cell(dir.path(), "official-twins", "a", "accuracy", "ci_note").contains("repetitions"),
        "two repetitions: the rows' and the seeds' variance"
    );
    let report = report(dir.path(), "official-twins");
    for check in ["accuracy[a] > accuracy[b]", "macro_f1[a] > macro_f1[b]"] {
        assert_eq!(verdict(&report, check), "undecided", "`{check}`:\n{report}");
    }
}
