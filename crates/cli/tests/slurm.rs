//! The Slurm backend against a real slurmctld and slurmd: `just test-slurm` starts a
//! single-node cluster (`scripts/slurm-local.sh`), exports `SLURM_CONF` and runs these
//! (ignored by a plain `cargo test`, which has no cluster). `just test` includes them.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use support::{describe, records, run_in, tradeoff, workspace};

fn cluster() {
    assert!(
        std::env::var_os("SLURM_CONF").is_some(),
        "no Slurm cluster: run these through `just test-slurm` (scripts/slurm-local.sh start)"
    );
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// The records as (candidate, repetition, fold) → record, for comparison.
fn by_slot(dir: &Path) -> std::collections::BTreeMap<(String, u64, u64), serde_json::Value> {
    records(dir)
        .into_iter()
        .map(|r| {
            (
                (
                    r["candidate"].as_str().unwrap().to_string(),
                    r["repetition"].as_u64().unwrap(),
                    r["fold"].as_u64().unwrap(),
                ),
                r,
            )
        })
        .collect()
}

#[test]
#[ignore = "needs a Slurm cluster: just test-slurm"]
fn the_default_experiment_through_slurm_gives_the_records_of_a_local_run() {
    cluster();
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(workspace().join("experiments/default.toml")).unwrap();
    write(dir.path(), "default.toml", &text.replace("#:schema ../schemas/experiment.schema.json\n", ""));
    let local = run_in(dir.path(), &["run", "default.toml", "--results", "local"]);
    assert!(local.status.success(), "{}", describe(&local));
    let started = Instant::now();
    let slurm = run_in(dir.path(), &["run", "default.toml", "--results", "slurm", "--backend", "slurm"]);
    assert!(slurm.status.success(), "{}", describe(&slurm));
    eprintln!("the default experiment through Slurm took {:.1} s", started.elapsed().as_secs_f64());
    let local = by_slot(&dir.path().join("local/default"));
    let slurm = by_slot(&dir.path().join("slurm/default"));
    assert_eq!(local.len(), 60);
    assert_eq!(local.keys().collect::<Vec<_>>(), slurm.keys().collect::<Vec<_>>());
    for (slot, a) in &local {
        let b = &slurm[slot];
        assert!(a.get("placement").is_none(), "a local record has no placement");
        let placement = &b["placement"];
        assert_eq!(placement["backend"], "slurm", "{slot:?}");
        assert!(placement["job_id"].as_str().unwrap().chars().all(|c| c.is_ascii_digit()));
        assert!(!placement["node"].as_str().unwrap().is_empty());
        // The node's own fingerprint, taken on the node: here the same machine.
        assert_eq!(a["hardware_fingerprint"], b["hardware_fingerprint"], "{slot:?}");
        for field in ["status", "seed", "split", "params", "dataset_sha256"] {
            assert_eq!(a[field], b[field], "{field} of {slot:?}");
        }
        // The same predictions, row for row (the files are named by the trial key, which
        // names the machine: this one, or the Slurm partition).
        assert_eq!(a["predictions"]["sha256"], b["predictions"]["sha256"], "predictions of {slot:?}");
        for metric in ["accuracy", "macro_f1", "model_size"] {
            assert_eq!(
                a["measurements"][metric]["value"], b["measurements"][metric]["value"],
                "{metric} of {slot:?}"
            );
        }
    }
    let environment: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("slurm/default/environment.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(environment["execution"]["backend"], "slurm");
    // The report reads the Slurm folder like any other, and the audit passes.
    let audit = run_in(dir.path(), &["audit", "slurm/default"]);
    assert!(audit.status.success(), "{}", describe(&audit));
    let report = std::fs::read_to_string(dir.path().join("slurm/default/report.md")).unwrap();
    assert!(!report.contains("made on another machine"), "no record is set aside as foreign");
}

#[test]
#[ignore = "needs a Slurm cluster: just test-slurm"]
fn slurm_end_states_are_recorded_as_failures_with_their_reasons() {
    cluster();
    let dir = tempfile::tempdir().unwrap();
    // Slurm's own limit of one minute ends `slow`; `panics` exits non-zero; `victim` is
    // cancelled from outside; the tree succeeds beside them.
    write(
        dir.path(),
        "states.toml",
        r#"
[experiment]
name = "states"
[dataset]
source = "weather"
[protocol]
holdout = 0.25
isolation = "shared"
[[candidates]]
name = "panics"
learner = "test.panic"
[[candidates]]
name = "slow"
learner = "test.sleep"
params = { seconds = 200 }
[[candidates]]
name = "victim"
learner = "test.sleep"
params = { seconds = 100 }
[[candidates]]
name = "tree"
learner = "decision_tree"
[[candidates]]
name = "shell"
learner = "command"
command = ["sh", "constant.sh"]
data_format = "csv"
[metrics]
accuracy = {}
[execution]
backend = "slurm"
time = "1m"
"#,
    );
    // A command candidate runs on the node as on this machine: class 0 for every test row.
    write(
        dir.path(),
        "constant.sh",
        r#"awk -F, 'NR == 1 { print "row_id,class"; next } { print $1 ",0" }' "$TRADEOFF_JOB_DIR/test.csv" > "$TRADEOFF_JOB_DIR/predictions.csv""#,
    );
    let child = tradeoff()
        .args(["run", "states.toml"])
        .current_dir(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Cancel the victim from outside once it runs.
    let spool = dir.path().join("results/states/spool");
    // Other tests share the two-core cluster: the victim may wait a while for a CPU.
    let deadline = Instant::now() + Duration::from_secs(600);
    let victim = loop {
        assert!(Instant::now() < deadline, "the victim never ran");
        if let Some(id) = running_task(&spool, "victim") {
            break id;
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    let cancelled = Command::new("scancel").arg(&victim).status().unwrap();
    assert!(cancelled.success());
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(1), "failed trials make exit code 1: {}", describe(&output));
    let records = by_slot(&dir.path().join("results/states"));
    let error = |candidate: &str| {
        let record = &records[&(candidate.to_string(), 0, 0)];
        assert_eq!(record["status"], "failed", "{record:#}");
        assert_eq!(record["placement"]["backend"], "slurm");
        record["error"].as_str().unwrap().to_string()
    };
    let panics = error("panics");
    assert!(panics.contains("panicked: test.panic was asked to panic"), "{panics}");
    assert!(panics.contains("Slurm job"), "{panics}");
    let slow = error("slow");
    assert!(slow.starts_with("Slurm TIMEOUT"), "{slow}");
    let victim = error("victim");
    assert!(victim.starts_with("Slurm CANCELLED"), "{victim}");
    assert_eq!(records[&("tree".to_string(), 0, 0)]["status"], "ok");
    let shell = &records[&("shell".to_string(), 0, 0)];
    assert_eq!(shell["status"], "ok", "{shell:#}");
    assert_eq!(shell["placement"]["backend"], "slurm");
    assert!(shell["measurements"]["accuracy"]["value"].as_f64().is_some(), "{shell:#}");
}

/// The `job_task` id of a running task of `candidate`, from the spool and squeue.
fn running_task(spool: &Path, candidate: &str) -> Option<String> {
    for entry in std::fs::read_dir(spool).ok()?.flatten() {
        let Ok(text) = std::fs::read_to_string(entry.path().join("batch.json")) else { continue };
        let batch: serde_json::Value = serde_json::from_str(&text).ok()?;
        let Some(job) = batch["job_id"].as_str() else { continue };
        for task in batch["tasks"].as_array()? {
            if task["label"].as_str()?.contains(&format!(": {candidate} ")) {
                let id = format!("{job}_{}", task["index"]);
                let out = Command::new("squeue").args(["-h", "-j", &id, "-o", "%T"]).output().ok()?;
                if String::from_utf8_lossy(&out.stdout).trim() == "RUNNING" {
                    return Some(id);
                }
            }
        }
    }
    None
}

fn sleepers(dir: &Path) {
    write(
        dir,
        "resume.toml",
        r#"
[experiment]
name = "resume"
[dataset]
source = "weather"
[protocol]
holdout = 0.25
repetitions = 3
isolation = "shared"
threads = 1
[[candidates]]
name = "slow"
learner = "test.sleep"
params = { seconds = 3 }
[[candidates]]
name = "tree"
learner = "decision_tree"
[metrics]
accuracy = {}
[execution]
backend = "slurm"
"#,
    );
}

/// Waits until the trials of `dir`'s spool were submitted (a batch with a job id and
/// more than one task).
fn wait_for_submission(spool: &Path) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        assert!(Instant::now() < deadline, "nothing was submitted");
        let submitted = std::fs::read_dir(spool).into_iter().flatten().flatten().any(|e| {
            std::fs::read_to_string(e.path().join("batch.json"))
                .ok()
                .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
                .is_some_and(|b| {
                    b["job_id"].is_string() && b["tasks"].as_array().is_some_and(|t| t.len() > 1)
                })
        });
        if submitted {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Every trial task the spool holds (across batches), by label.
fn submitted_trials(spool: &Path) -> Vec<String> {
    let mut labels = Vec::new();
    for entry in std::fs::read_dir(spool).unwrap().flatten() {
        let Ok(text) = std::fs::read_to_string(entry.path().join("batch.json")) else { continue };
        let batch: serde_json::Value = serde_json::from_str(&text).unwrap();
        for task in batch["tasks"].as_array().unwrap() {
            let label = task["label"].as_str().unwrap();
            if !label.ends_with("prepare dataset") {
                labels.push(label.to_string());
            }
        }
    }
    labels.sort();
    labels
}

fn status_counts(output: &Output) -> std::collections::BTreeMap<String, usize> {
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| {
            let (name, count) = line.trim().rsplit_once(char::is_whitespace)?;
            Some((name.trim().to_string(), count.parse().ok()?))
        })
        .collect()
}

#[test]
#[ignore = "needs a Slurm cluster: just test-slurm"]
fn a_killed_orchestrator_reattaches_and_records_every_trial_once() {
    cluster();
    let dir = tempfile::tempdir().unwrap();
    sleepers(dir.path());
    let mut child = tradeoff()
        .args(["run", "resume.toml"])
        .current_dir(dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let folder = dir.path().join("results/resume");
    wait_for_submission(&folder.join("spool"));
    child.kill().unwrap(); // SIGKILL: no chance to cancel or record anything
    child.wait().unwrap();
    // The jobs live on in Slurm; `tradeoff status` accounts for every planned trial.
    let status = run_in(dir.path(), &["status", "results/resume"]);
    assert!(status.status.success(), "{}", describe(&status));
    let counts = status_counts(&status);
    assert_eq!(counts.get("not started"), Some(&0), "{}", describe(&status));
    let planned: usize = String::from_utf8_lossy(&status.stdout)
        .split_whitespace()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .expect("the planned count");
    assert_eq!(planned, 6, "{}", describe(&status));
    let submitted_before = submitted_trials(&folder.join("spool"));
    assert_eq!(submitted_before.len(), 6, "every trial was submitted once: {submitted_before:?}");
    let output = run_in(dir.path(), &["run", "resume.toml"]);
    assert!(output.status.success(), "{}", describe(&output));
    assert_eq!(
        submitted_trials(&folder.join("spool")),
        submitted_before,
        "the re-run submitted nothing twice"
    );
    let records = records(&folder);
    let mut slots: Vec<(String, u64)> = records
        .iter()
        .map(|r| (r["candidate"].as_str().unwrap().to_string(), r["repetition"].as_u64().unwrap()))
        .collect();
    slots.sort();
    let all = slots.len();
    slots.dedup();
    assert_eq!((all, slots.len()), (6, 6), "every trial recorded once: {records:#?}");
    assert!(records.iter().all(|r| r["status"] == "ok"));
    let status = run_in(dir.path(), &["status", "results/resume"]);
    assert_eq!(status_counts(&status).get("done"), Some(&6), "{}", describe(&status));
    // A third run has nothing left to do.
    let again = run_in(dir.path(), &["run", "resume.toml"]);
    assert!(
        String::from_utf8_lossy(&again.stdout).contains("0 trials recorded, 6 already recorded"),
        "{}",
        describe(&again)
    );
}

#[test]
#[ignore = "needs a Slurm cluster: just test-slurm"]
fn ctrl_c_cancels_the_submitted_jobs_and_says_so() {
    cluster();
    let dir = tempfile::tempdir().unwrap();
    sleepers(dir.path());
    let child = tradeoff()
        .args(["run", "resume.toml"])
        .current_dir(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let spool = dir.path().join("results/resume/spool");
    wait_for_submission(&spool);
    let interrupted = Command::new("kill").args(["-s", "INT", &child.id().to_string()]).status().unwrap();
    assert!(interrupted.success());
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(130), "{}", describe(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("cancelled Slurm job(s)"), "{stderr}");
    // Nothing of this run is left queued or running.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let labels = submitted_trials(&spool);
        assert!(!labels.is_empty());
        let jobs: Vec<String> = std::fs::read_dir(&spool)
            .unwrap()
            .flatten()
            .filter_map(|e| std::fs::read_to_string(e.path().join("batch.json")).ok())
            .filter_map(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
            .filter_map(|b| b["job_id"].as_str().map(str::to_string))
            .collect();
        let out = Command::new("squeue").args(["-h", "-j", &jobs.join(","), "-o", "%T"]).output().unwrap();
        let states = String::from_utf8_lossy(&out.stdout).to_string();
        if !states.contains("PENDING") && !states.contains("RUNNING") {
            break;
        }
        assert!(Instant::now() < deadline, "jobs still alive after Ctrl-C: {states}");
        std::thread::sleep(Duration::from_millis(200));
    }
    // The cancelled tasks are not collected later: a re-run submits them afresh and
    // records every trial as ok.
    let output = run_in(dir.path(), &["run", "resume.toml"]);
    assert!(output.status.success(), "{}", describe(&output));
    let records = records(&dir.path().join("results/resume"));
    assert_eq!(records.len(), 6, "{records:#?}");
    assert!(records.iter().all(|r| r["status"] == "ok"), "{records:#?}");
}
