//! Tables as users bring them, end to end: a file with missing values, a category, a
//! protected attribute and a separate test file, run through every quality of the
//! lecture; the figures must be in the records, the per-group table in the report, and
//! the audit must re-derive them from the stored predictions.

mod support;

use std::path::Path;

use serde_json::Value;
use support::{describe, records, run_in};

/// A deterministic table: `score` decides the class (with noise), `group` shifts it,
/// every 17th `score` is missing, `colour` is a category; `?` marks missing values.
fn table(rows: usize, offset: usize) -> String {
    let mut text = String::from("id,score,colour,group,outcome\n");
    for i in offset..offset + rows {
        let noise = ((i * 7919) % 101) as f64 / 100.0 - 0.5;
        let score = ((i * 37) % 97) as f64 / 10.0;
        let group = if i % 3 == 0 { "a" } else { "b" };
        let shift = if group == "a" { 1.0 } else { 0.0 };
        let outcome = if score + shift + 2.0 * noise > 5.0 { "yes" } else { "no" };
        let colour = ["red", "green", "blue"][i % 3];
        let score = if i % 17 == 0 { "?".to_string() } else { format!("{score}") };
        text.push_str(&format!("{i},{score},{colour},{group},{outcome}\n"));
    }
    text
}

/// `train.csv` of `train` rows and `holdout.test` of the `test` rows after them.
fn write_split(dir: &Path, train: usize, test: usize) {
    std::fs::write(dir.join("train.csv"), table(train, 0)).unwrap();
    std::fs::write(dir.join("holdout.test"), table(test, train)).unwrap();
}

const EXPERIMENT: &str = r#"
[experiment]
name = "qualities"
seed = 3

[dataset]
path = "train.csv"
test_path = "holdout.test"
format = "csv"
target = "outcome"
positive = "yes"
drop = ["id", "group"]
protected = ["group"]
na_values = ["?"]
missing = "impute"
min_group_size = 20

[protocol]
split = "official"
repetitions = 2

[[candidates]]
name = "majority"
learner = "majority"

[[candidates]]
name = "tree"
learner = "decision_tree"
params = { max_depth = 4 }

[[candidates]]
name = "logistic"
learner = "logistic_regression"
params = { epochs = 10 }

[metrics]
accuracy = {}
balanced_accuracy = {}
precision = {}
recall = {}
roc_auc = {}
accuracy_gap = {}
demographic_parity_difference = {}
equalized_odds_difference = {}
noise_accuracy = { sigma = 0.5 }
noise_accuracy_drop = { sigma = 0.5 }
prediction_instability = { resample = 0.2 }
mean_path_length = {}
rules = {}
update_time = { new_rows = 0.2 }
inference_cost = { per = 1000 }

[environment]
rental_price = { usd = 1.0, date = "2026-11" }

[[constraints]]
metric = "equalized_odds_difference"
max = 0.5
"#;

fn measurement<'a>(record: &'a Value, name: &str) -> Option<&'a Value> {
    record["measurements"].get(name)
}

#[test]
fn every_quality_is_measured_recorded_reported_and_audited() {
    let dir = tempfile::tempdir().unwrap();
    write_split(dir.path(), 400, 150);
    std::fs::write(dir.path().join("qualities.toml"), EXPERIMENT).unwrap();
    let output = run_in(dir.path(), &["run", "qualities.toml"]);
    assert!(output.status.success(), "{}", describe(&output));
    let results = dir.path().join("results/qualities");
    let records = records(&results);
    let trials: Vec<&Value> = records.iter().filter(|r| r["status"] == "ok").collect();
    assert_eq!(trials.len(), 6, "3 candidates x 2 repetitions");
    for record in &trials {
        let candidate = record["candidate"].as_str().unwrap();
        for name in [
            "accuracy",
            "balanced_accuracy",
            "precision",
            "recall",
            "roc_auc",
            "accuracy_gap",
            "demographic_parity_difference",
            "equalized_odds_difference",
            "noise_accuracy",
            "noise_accuracy_drop",
            "prediction_instability",
            "update_time",
            "inference_cost",
        ] {
            let m = measurement(record, name).unwrap_or_else(|| panic!("{candidate} lacks {name}: {record}"));
            assert!(m["value"].as_f64().unwrap().is_finite(), "{candidate} {name}: {m}");
        }
        let notes = record["notes"].to_string();
        assert!(notes.contains("imputed from this split's training rows"), "{candidate}: {notes}");
        assert_eq!(record["split"]["test_rows"], 150, "the test file's rows");
        let update = measurement(record, "update_time").unwrap()["note"].as_str().unwrap().to_string();
        let cost = measurement(record, "inference_cost").unwrap();
        assert_eq!(cost["method"], "declared", "a declared price makes the cost declared");
        assert!(cost["note"].as_str().unwrap().contains("not included: energy"), "{cost}");
        match candidate {
            "majority" => {
                assert_eq!(measurement(record, "balanced_accuracy").unwrap()["value"], 0.5);
                assert_eq!(measurement(record, "roc_auc").unwrap()["value"], 0.5);
                assert_eq!(measurement(record, "rules").unwrap()["value"], 1.0);
            }
            "tree" => {
                let path = measurement(record, "mean_path_length").unwrap()["value"].as_f64().unwrap();
                assert!(path > 0.0 && path <= 4.0, "at most max_depth tests: {path}");
                assert!(update.contains("full refit"), "{update}");
            }
            "logistic" => {
                assert!(measurement(record, "mean_path_length").is_none());
                assert!(notes.contains("`mean_path_length` is n/a for `logistic_regression`"), "{notes}");
                assert!(notes.contains("`rules` is n/a"), "{notes}");
                assert!(update.contains("warm start: 1 epochs"), "{update}");
                let auc = measurement(record, "roc_auc").unwrap();
                assert!(auc["note"].as_str().unwrap().contains("softmax probabilities"), "{auc}");
            }
            other => panic!("unexpected candidate {other}"),
        }
    }

    let report = std::fs::read_to_string(results.join("report.md")).unwrap();
    assert!(report.contains("### Groups of `group`"), "{report}");
    assert!(report.contains("| tree | a |"), "{report}");
    assert!(report.contains("- rows used: each trial trained on 400 rows and was tested on 150"), "{report}");
    assert!(report.contains("[`models/tree.rules.txt`](models/tree.rules.txt)"), "{report}");

    let audit = run_in(dir.path(), &["audit", "results/qualities"]);
    assert!(audit.status.success(), "{}", describe(&audit));

    // Editing a fairness figure in a record is caught: it no longer follows from the
    // stored predictions and groups.
    let runs = results.join("runs.jsonl");
    let text = std::fs::read_to_string(&runs).unwrap();
    let first = text.lines().find(|l| l.contains("\"candidate\":\"tree\"")).unwrap();
    let record: Value = serde_json::from_str(first).unwrap();
    let gap = measurement(&record, "accuracy_gap").unwrap()["value"].as_f64().unwrap();
    let edited = first.replacen(
        &format!("\"accuracy_gap\":{{\"value\":{gap}"),
        "\"accuracy_gap\":{\"value\":0.0001",
        1,
    );
    assert_ne!(edited, first, "the edit applies");
    std::fs::write(&runs, text.replacen(first, &edited, 1)).unwrap();
    let audit = run_in(dir.path(), &["audit", "results/qualities"]);
    assert_eq!(audit.status.code(), Some(1), "{}", describe(&audit));
    let said = String::from_utf8_lossy(&audit.stdout).to_string() + &String::from_utf8_lossy(&audit.stderr);
    assert!(said.contains("accuracy_gap is 0.0001 in the record but"), "{said}");
}

/// `missing = "native"`: the trees learn from the rows missing `score` and route them at
/// prediction; the tree's rules say where they go.
#[test]
fn native_missing_values_are_learned_by_the_trees() {
    let dir = tempfile::tempdir().unwrap();
    write_split(dir.path(), 400, 150);
    let text = r#"
[experiment]
name = "native"
seed = 3

[dataset]
path = "train.csv"
test_path = "holdout.test"
format = "csv"
target = "outcome"
drop = ["id", "group"]
na_values = ["?"]
missing = "native"

[protocol]
split = "official"

[[candidates]]
name = "tree"
learner = "decision_tree"
params = { max_depth = 4 }

[[candidates]]
name = "forest"
learner = "random_forest"
params = { n_estimators = 10 }

[metrics]
accuracy = {}
rules = {}
"#;
    std::fs::write(dir.path().join("native.toml"), text).unwrap();
    let output = run_in(dir.path(), &["run", "native.toml"]);
    assert!(output.status.success(), "{}", describe(&output));
    let results = dir.path().join("results/native");
    let records = records(&results);
    let trials: Vec<&Value> = records.iter().filter(|r| r["status"] == "ok").collect();
    assert_eq!(trials.len(), 2, "{records:?}");
    for record in trials {
        let notes = record["notes"].to_string();
        assert!(notes.contains("left to the learner (native)"), "{notes}");
        let accuracy = measurement(record, "accuracy").unwrap()["value"].as_f64().unwrap();
        assert!(accuracy > 0.7, "{}: {accuracy}", record["candidate"]);
    }
    let rules = std::fs::read_to_string(results.join("models/tree.rules.txt")).unwrap();
    assert!(rules.contains("(missing: "), "{rules}");
}

#[test]
fn native_missing_values_are_refused_for_a_learner_that_cannot_take_them() {
    let dir = tempfile::tempdir().unwrap();
    write_split(dir.path(), 100, 50);
    let text = EXPERIMENT.replace(
        "learner = \"logistic_regression\"\nparams = { epochs = 10 }",
        "learner = \"logistic_regression\"\nparams = { epochs = 10 }\nmissing = \"native\"",
    );
    std::fs::write(dir.path().join("native.toml"), &text).unwrap();
    let output = run_in(dir.path(), &["check", "native.toml"]);
    assert_eq!(output.status.code(), Some(2), "{}", describe(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("spec::missing-unsupported"), "{stderr}");
    assert!(stderr.contains("learner `logistic_regression` cannot learn from missing values"), "{stderr}");
    assert!(stderr.contains("native.toml:"), "the diagnostic names the file: {stderr}");
}

#[test]
fn check_opens_the_data_and_names_a_missing_column_at_its_key() {
    let dir = tempfile::tempdir().unwrap();
    write_split(dir.path(), 30, 10);
    let text = EXPERIMENT.replace("target = \"outcome\"", "target = \"outcme\"");
    std::fs::write(dir.path().join("typo.toml"), &text).unwrap();
    let output = run_in(dir.path(), &["check", "typo.toml"]);
    assert_eq!(output.status.code(), Some(2), "{}", describe(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("error[spec::unknown-column]: the data has no column `outcme`"), "{stderr}");
    assert!(stderr.contains("did you mean `outcome`?"), "{stderr}");
    // The line of `target`, at its value.
    assert!(stderr.contains("typo.toml:10:10"), "{stderr}");
    let text = EXPERIMENT.replace("path = \"train.csv\"", "path = \"absent.csv\"");
    std::fs::write(dir.path().join("absent.toml"), &text).unwrap();
    let output = run_in(dir.path(), &["check", "absent.toml"]);
    assert_eq!(output.status.code(), Some(2), "{}", describe(&output));
    assert!(String::from_utf8_lossy(&output.stderr).contains("cannot open"), "{}", describe(&output));
    assert!(!Path::new(&dir.path().join("results")).exists(), "check records nothing");
    // A typo in `drop` and in `protected`: each named at its own key, with the real name.
    let text = EXPERIMENT
        .replace("drop = [\"id\", \"group\"]", "drop = [\"idd\", \"group\"]")
        .replace("protected = [\"group\"]", "protected = [\"grup\"]");
    std::fs::write(dir.path().join("typos.toml"), &text).unwrap();
    let output = run_in(dir.path(), &["check", "typos.toml"]);
    assert_eq!(output.status.code(), Some(2), "{}", describe(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("the data has no column `idd`") && stderr.contains("did you mean `id`?"),
        "{stderr}"
    );
    assert!(
        stderr.contains("the data has no column `grup`") && stderr.contains("did you mean `group`?"),
        "{stderr}"
    );
    assert!(stderr.contains("typos.toml:12:9"), "the line of `drop`, at its value: {stderr}");
    assert!(stderr.contains("typos.toml:13:14"), "the line of `protected`, at its value: {stderr}");
}

/// `missing` set on a candidate wins over the dataset's default (`error`): the table keeps
/// its missing values, the candidate that imputes runs, and the one left at `error` fails
/// its trials with the counts, instead of the whole dataset being refused.
#[test]
fn a_candidates_missing_policy_overrides_the_datasets() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("train.csv"), table(300, 0)).unwrap();
    std::fs::write(
        dir.path().join("override.toml"),
        r#"
[experiment]
name = "override"
[dataset]
path = "train.csv"
target = "outcome"
drop = ["id", "group"]
na_values = ["?"]
[protocol]
holdout = 0.25
[[candidates]]
name = "imputes"
learner = "logistic_regression"
params = { epochs = 5 }
missing = "impute"
[[candidates]]
name = "strict"
learner = "logistic_regression"
params = { epochs = 5 }
[metrics]
accuracy = {}
"#,
    )
    .unwrap();
    let output = run_in(dir.path(), &["run", "override.toml"]);
    assert_eq!(output.status.code(), Some(1), "one candidate's trials fail: {}", describe(&output));
    let records = records(&dir.path().join("results/override"));
    let of = |name: &str| records.iter().find(|r| r["candidate"] == name).unwrap().clone();
    let imputes = of("imputes");
    assert_eq!(imputes["status"], "ok", "{imputes:#}");
    assert!(
        imputes["notes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n.as_str().unwrap().contains("imputed from this split's training rows")),
        "{imputes:#}"
    );
    let strict = of("strict");
    assert_eq!(strict["status"], "failed");
    let error = strict["error"].as_str().unwrap();
    assert!(error.contains("values are missing and this candidate's `missing` is \"error\""), "{error}");
}
