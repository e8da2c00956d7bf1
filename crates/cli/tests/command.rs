//! `learner = "command"` end to end: the shipped examples (scikit-learn, PyTorch, shell)
//! run, are measured and scored by tradeoff and pass the audit; commands that misbehave
//! are failed trials naming the cause; editing a script re-runs its trials.
//!
//! The examples need `python3` with scikit-learn and torch on PATH: `just test` puts the
//! project's `.venv` there.

mod support;

use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::Value;
use support::{describe, notes, records, run_in, tradeoff, workspace};

fn ok_records<'a>(records: &'a [Value], candidate: &str) -> Vec<&'a Value> {
    records.iter().filter(|r| r["candidate"] == candidate && r["status"] == "ok").collect()
}

fn value(record: &Value, metric: &str) -> Option<f64> {
    record["measurements"][metric]["value"].as_f64()
}

#[test]
fn the_example_commands_are_measured_and_scored_like_the_built_ins() {
    let python = std::process::Command::new("python3").args(["-c", "import sklearn, torch, numpy"]).output();
    assert!(
        python.as_ref().is_ok_and(|o| o.status.success()),
        "python3 with scikit-learn and torch is not on PATH: run through `just test`, which puts .venv there"
    );
    let results = tempfile::tempdir().unwrap();
    let root = workspace();
    let output = tradeoff()
        .args(["run", "examples/command-learners.toml", "--results"])
        .arg(results.path())
        .current_dir(&root)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    let dir = results.path().join("command-learners");
    let records = records(&dir);
    assert_eq!(records.len(), 18, "{records:#?}");
    for candidate in ["hgb/max_iter=30", "hgb/max_iter=60", "sklearn-tree", "torch-mlp", "majority"] {
        let ok = ok_records(&records, candidate);
        assert_eq!(ok.len(), 3, "{candidate}: {records:#?}");
        for record in ok {
            let time = &record["measurements"]["train_time"];
            assert!(time["note"].as_str().unwrap().contains("`fit start` and `fit end` marks"), "{time}");
            assert!(value(record, "model_size").is_some_and(|b| b > 0.0), "{candidate}: {}", notes(record));
            assert!(value(record, "inference_throughput").is_some_and(|r| r > 0.0), "{candidate}");
            let memory = &record["measurements"]["peak_memory"];
            assert!(memory["note"].as_str().unwrap().contains("process tree"), "{memory}");
            assert!(notes(record).contains("command hand-off"), "{}", notes(record));
        }
    }
    // Quality is tradeoff's own, from the stored predictions: the learners rank as expected.
    let mean = |candidate: &str| {
        let ok = ok_records(&records, candidate);
        ok.iter().map(|r| value(r, "accuracy").unwrap()).sum::<f64>() / ok.len() as f64
    };
    assert!(mean("hgb/max_iter=60") > 0.93, "{}", mean("hgb/max_iter=60"));
    assert!(mean("torch-mlp") > 0.9, "{}", mean("torch-mlp"));
    assert!(
        (mean("sklearn-tree") - mean("tree")).abs() < 0.05,
        "{} vs {}",
        mean("sklearn-tree"),
        mean("tree")
    );
    assert!(mean("majority") < 0.15, "{}", mean("majority"));
    // Latency only where the candidate serves single rows; the MLP says why not.
    for candidate in ["hgb/max_iter=30", "sklearn-tree", "majority"] {
        assert!(ok_records(&records, candidate).iter().all(|r| value(r, "inference_latency").is_some()));
    }
    let mlp = ok_records(&records, "torch-mlp");
    assert!(mlp.iter().all(|r| value(r, "inference_latency").is_none()));
    assert!(notes(mlp[0]).contains("`predict_one = true`"), "{}", notes(mlp[0]));
    // The Python process tree is far bigger than the shell's; the shell's model is one class.
    let memory = |candidate: &str| value(ok_records(&records, candidate)[0], "peak_memory").unwrap();
    assert!(memory("hgb/max_iter=30") > 50e6 && memory("majority") < 50e6);
    assert!(value(ok_records(&records, "majority")[0], "model_size").unwrap() <= 3.0);
    // Latency through a pipe is not ranked against in-process calls: the claim is undecided.
    let report = std::fs::read_to_string(dir.join("report.md")).unwrap();
    let claim = report
        .lines()
        .find(|l| l.contains("answers a single row more slowly"))
        .unwrap_or_else(|| panic!("no claim line in\n{report}"));
    assert!(claim.contains("undecided") && claim.contains("round trip"), "{claim}");
    let audit = tradeoff().arg("audit").arg(&dir).output().unwrap();
    assert_eq!(audit.status.code(), Some(0), "{}", describe(&audit));
}

fn write_script(dir: &Path, name: &str, body: &str) {
    std::fs::write(dir.join(name), format!("set -eu\nD=\"$TRADEOFF_JOB_DIR\"\n{body}\n")).unwrap();
}

/// Predictions of class 0 for every test row, from the CSV hand-off.
const PREDICT: &str = r#"awk -F, 'NR == 1 { print "row_id,class"; next } { print $1 ",0" }' "$D/test.csv" > "$D/predictions.csv""#;

#[test]
fn misbehaving_commands_are_failed_trials_that_say_why() {
    let dir = tempfile::tempdir().unwrap();
    let scripts: [(&str, String); 10] = [
        ("good", PREDICT.to_string()),
        ("exits", "echo 'something broke' >&2; exit 3".into()),
        ("crashes", "kill -SEGV $$".into()),
        ("silent", "true".into()),
        ("wrong-ids", PREDICT.replace("$1 \",0\"", "$1 + 100000 \",0\"")),
        ("too-few", PREDICT.replace("{ print $1 \",0\" }", "NR == 2 { print $1 \",0\" }")),
        ("unknown-class", PREDICT.replace("\",0\"", "\",99\"")),
        ("bad-mark", format!("echo 'fit begin' >&3\n{PREDICT}")),
        ("unended", format!("echo 'fit start' >&3\n{PREDICT}")),
        ("sleeps", "exec sleep 60".into()),
    ];
    // The Python client's CSV path (no NumPy needed): the majority class, with marks.
    let client = workspace().join("clients/python");
    std::fs::write(
        dir.path().join("client_csv.py"),
        format!(
            "import sys\nsys.path.insert(0, {client:?})\nimport tradeoff_client as tc\nfrom collections import Counter\n\
             job = tc.load()\nassert job.features and len(job.X_train[0]) == len(job.features)\n\
             with tc.fit():\n    majority = Counter(job.y_train).most_common(1)[0][0]\n\
             with tc.predict():\n    classes = [majority] * len(job.test_ids)\ntc.save_predictions(job, classes)\n"
        ),
    )
    .unwrap();
    let mut toml = String::from(
        "[experiment]\nname = \"misbehave\"\n[dataset]\nsource = \"weather\"\n[protocol]\nholdout = 0.25\ntimeout = \"3s\"\n",
    );
    for (name, body) in &scripts {
        write_script(dir.path(), &format!("{name}.sh"), body);
        toml.push_str(&format!(
            "[[candidates]]\nname = \"{name}\"\nlearner = \"command\"\ncommand = [\"sh\", \"{name}.sh\"]\ndata_format = \"csv\"\n"
        ));
    }
    toml.push_str(
        "[[candidates]]\nname = \"client-csv\"\nlearner = \"command\"\ncommand = [\"python3\", \"client_csv.py\"]\ndata_format = \"csv\"\n",
    );
    toml.push_str("[metrics]\naccuracy = {}\ntrain_time = {}\n");
    std::fs::write(dir.path().join("misbehave.toml"), toml).unwrap();
    let started = Instant::now();
    let output = run_in(dir.path(), &["run", "misbehave.toml"]);
    assert_eq!(output.status.code(), Some(1), "{}", describe(&output));
    assert!(started.elapsed() < Duration::from_secs(60), "the sleeping command was not cut at its timeout");
    let records = records(&dir.path().join("results/misbehave"));
    assert_eq!(records.len(), scripts.len() + 1, "{records:#?}");
    let client = records.iter().find(|r| r["candidate"] == "client-csv").unwrap();
    assert_eq!(client["status"], "ok", "{client:#}");
    assert!(
        client["measurements"]["train_time"]["note"].as_str().unwrap().contains("`fit start` and `fit end`")
    );
    let error = |candidate: &str| {
        let record = records.iter().find(|r| r["candidate"] == candidate).unwrap();
        record["error"].as_str().unwrap_or_default().to_string()
    };
    let good = records.iter().find(|r| r["candidate"] == "good").unwrap();
    assert_eq!(good["status"], "ok", "{good:#}");
    // Without marks, the whole process is timed, and the record says so.
    assert!(notes(good).contains("marked no fit phase"), "{}", notes(good));
    assert!(good["measurements"]["train_time"]["note"].as_str().unwrap().contains("whole command"));
    // The worker killed at the timeout left no job folder behind.
    let sleeps = records.iter().find(|r| r["candidate"] == "sleeps").unwrap();
    let left: Vec<String> = std::fs::read_dir(std::env::temp_dir())
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.starts_with("tradeoff-job-"))
        .filter(|n| {
            let pid = n.trim_start_matches("tradeoff-job-").split('-').next().unwrap_or_default();
            !std::path::Path::new(&format!("/proc/{pid}")).exists()
        })
        .collect();
    assert!(left.is_empty(), "abandoned job folders: {left:?} ({sleeps:#})");
    for (candidate, expected) in [
        ("exits", "exited with code 3; its stderr ends: something broke"),
        ("crashes", "killed by SIGSEGV"),
        ("silent", "the command wrote no predictions"),
        ("wrong-ids", "line 2: row id 1000"),
        ("too-few", "test rows have no prediction"),
        ("unknown-class", "line 2: unknown class 99"),
        ("bad-mark", "the command wrote the mark `fit begin`"),
        ("unended", "marked `fit start` but never `fit end`"),
        ("sleeps", "timed out after"),
    ] {
        assert!(error(candidate).contains(expected), "{candidate}: {:?}", error(candidate));
    }
}

#[test]
fn editing_the_script_reruns_its_trials_and_nothing_else() {
    let dir = tempfile::tempdir().unwrap();
    write_script(dir.path(), "constant.sh", PREDICT);
    std::fs::write(
        dir.path().join("edit.toml"),
        "[experiment]\nname = \"edit\"\n[dataset]\nsource = \"weather\"\n[protocol]\nfolds = 2\n\
         [[candidates]]\nname = \"tree\"\nlearner = \"decision_tree\"\n\
         [[candidates]]\nname = \"constant\"\nlearner = \"command\"\ncommand = [\"sh\", \"constant.sh\"]\ndata_format = \"csv\"\n\
         [metrics]\naccuracy = {}\n",
    )
    .unwrap();
    let summary = |output: &std::process::Output| {
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        assert_eq!(output.status.code(), Some(0), "{}", describe(output));
        stdout.lines().find(|l| l.starts_with("edit: ")).unwrap_or_default().to_string()
    };
    let first = summary(&run_in(dir.path(), &["run", "edit.toml"]));
    assert!(first.contains("4 trials recorded, 0 already recorded"), "{first}");
    let again = summary(&run_in(dir.path(), &["run", "edit.toml"]));
    assert!(again.contains("0 trials recorded, 4 already recorded"), "{again}");
    std::fs::write(
        dir.path().join("constant.sh"),
        format!("# predicts class 0\n{}", std::fs::read_to_string(dir.path().join("constant.sh")).unwrap()),
    )
    .unwrap();
    let edited = summary(&run_in(dir.path(), &["run", "edit.toml"]));
    assert!(edited.contains("2 trials recorded, 2 already recorded"), "{edited}");
}
