//! `tradeoff run` end to end on small experiments: failures are recorded with their
//! reason while other trials go on, a killed run resumes without duplicates, and the
//! same seed gives the same records whatever the thread count.

mod support;

use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::Value;
use support::{describe, records, run_in, tradeoff};

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).unwrap();
}

fn by_candidate<'a>(records: &'a [Value], candidate: &str) -> Vec<&'a Value> {
    records.iter().filter(|r| r["candidate"] == candidate).collect()
}

#[test]
fn panics_aborts_and_timeouts_are_recorded_as_failures_while_the_rest_go_on() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "failures.toml",
        r#"
[experiment]
name = "failures"
[dataset]
source = "weather"
[protocol]
holdout = 0.25
timeout = "2s"
[[candidates]]
name = "tree"
learner = "decision_tree"
[[candidates]]
name = "panics"
learner = "test.panic"
[[candidates]]
name = "aborts"
learner = "test.abort"
[[candidates]]
name = "sleeps"
learner = "test.sleep"
params = { seconds = 60 }
[metrics]
accuracy = {}
train_time = {}
peak_memory = {}
"#,
    );
    let started = Instant::now();
    let output = run_in(dir.path(), &["run", "failures.toml"]);
    assert_eq!(output.status.code(), Some(1), "some trials failed: {}", describe(&output));
    assert!(started.elapsed() < Duration::from_secs(30), "the sleeping trial was not cut at its timeout");
    let records = records(&dir.path().join("results/failures"));
    assert_eq!(records.len(), 4, "one record per trial: {records:#?}");
    let status =
        |candidate: &str| by_candidate(&records, candidate)[0]["status"].as_str().unwrap().to_string();
    let error =
        |candidate: &str| by_candidate(&records, candidate)[0]["error"].as_str().unwrap_or("").to_string();
    assert_eq!(status("tree"), "ok");
    assert!(by_candidate(&records, "tree")[0]["measurements"]["accuracy"]["value"].is_number());
    assert_eq!(status("panics"), "failed");
    assert!(error("panics").starts_with("panicked: test.panic was asked to panic"), "{}", error("panics"));
    assert_eq!(status("aborts"), "failed");
    assert_eq!(error("aborts"), "aborted (SIGABRT)");
    assert_eq!(status("sleeps"), "failed");
    assert!(error("sleeps").starts_with("timed out after 2 s"), "{}", error("sleeps"));
    let report = std::fs::read_to_string(dir.path().join("results/failures/report.md")).unwrap();
    assert!(report.contains("failed: panics fold 0 rep 0: panicked"), "{report}");
}

#[test]
fn a_run_killed_halfway_resumes_and_records_every_trial_exactly_once() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "resume.toml",
        r#"
[experiment]
name = "resume"
[dataset]
source = "weather"
[protocol]
folds = 2
repetitions = 4
[[candidates]]
name = "slow"
learner = "test.sleep"
params = { seconds = 0.4 }
[[candidates]]
name = "tree"
learner = "decision_tree"
[metrics]
accuracy = {}
"#,
    );
    use std::os::unix::process::CommandExt as _;
    let results = dir.path().join("results/resume");
    let mut child = tradeoff()
        .args(["run", "resume.toml"])
        .current_dir(dir.path())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .process_group(0)
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while records(&results).len() < 5 {
        assert!(Instant::now() < deadline, "the run made no progress");
        std::thread::sleep(Duration::from_millis(20));
    }
    // SIGKILL the scheduler and its workers at once, mid-run.
    let group = child.id() as i32;
    let killed =
        std::process::Command::new("kill").args(["-s", "KILL", "--", &format!("-{group}")]).status().unwrap();
    assert!(killed.success(), "kill failed");
    child.wait().unwrap();
    let before = records(&results).len();
    assert!((5..16).contains(&before), "killed halfway: {before} of 16 recorded");

    let output = run_in(dir.path(), &["run", "resume.toml"]);
    assert!(output.status.success(), "{}", describe(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains(&format!("{} trials recorded, {before} already recorded", 16 - before)),
        "{stdout}"
    );
    let after = records(&results);
    assert_eq!(after.len(), 16);
    let mut keys: Vec<&str> = after.iter().map(|r| r["trial_key"].as_str().unwrap()).collect();
    keys.sort();
    keys.dedup();
    assert_eq!(keys.len(), 16, "every trial exactly once");
    assert!(after.iter().all(|r| r["status"] == "ok"));
}

#[test]
fn the_same_seed_gives_the_same_records_with_one_or_two_threads() {
    let dir = tempfile::tempdir().unwrap();
    let experiment = |name: &str, threads: u32| {
        format!(
            r#"
[experiment]
name = "{name}"
seed = 11
[dataset]
source = "digits"
subsample = 1200
[protocol]
folds = 3
threads = {threads}
[[candidates]]
name = "tree"
learner = "decision_tree"
params = {{ criterion = "entropy" }}
[[candidates]]
name = "forest"
learner = "random_forest"
params = {{ n_estimators = 15 }}
[[candidates]]
name = "logistic"
learner = "logistic_regression"
params = {{ epochs = 5 }}
[metrics]
accuracy = {{}}
macro_f1 = {{}}
model_size = {{}}
nodes = {{}}
train_time = {{}}
"#
        )
    };
    write(dir.path(), "one.toml", &experiment("one", 1));
    write(dir.path(), "two.toml", &experiment("two", 2));
    for file in ["one.toml", "two.toml"] {
        let output = run_in(dir.path(), &["run", file]);
        assert!(output.status.success(), "{}", describe(&output));
    }
    let strip = |records: Vec<Value>| -> Vec<Value> {
        records
            .into_iter()
            .map(|mut r| {
                let measurements = r["measurements"].as_object_mut().unwrap();
                measurements.remove("train_time");
                let mut kept = serde_json::Map::new();
                for key in
                    ["candidate", "fold", "repetition", "seed", "params", "dataset_sha256", "measurements"]
                {
                    kept.insert(key.into(), r[key].take());
                }
                Value::Object(kept)
            })
            .collect()
    };
    let one = strip(records(&dir.path().join("results/one")));
    let two = strip(records(&dir.path().join("results/two")));
    assert_eq!(one.len(), 9);
    assert_eq!(one, two);
}

/// Live (not zombie) processes in process group `group`.
fn live_members(group: i32) -> Vec<i32> {
    let mut members = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<i32>() else { continue };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else { continue };
        // After the command name's closing parenthesis: state, ppid, pgrp, ...
        let Some((_, rest)) = stat.rsplit_once(')') else { continue };
        let fields: Vec<&str> = rest.split_whitespace().collect();
        if fields.len() > 2 && fields[2] == group.to_string() && fields[0] != "Z" {
            members.push(pid);
        }
    }
    members
}

#[test]
fn a_killed_scheduler_takes_its_workers_with_it_and_the_run_resumes() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "orphans.toml",
        r#"
[experiment]
name = "orphans"
[dataset]
source = "weather"
[protocol]
holdout = 0.25
repetitions = 3
[[candidates]]
name = "slow"
learner = "test.sleep"
params = { seconds = 3 }
[[candidates]]
name = "tree"
learner = "decision_tree"
[metrics]
accuracy = {}
"#,
    );
    use std::os::unix::process::CommandExt as _;
    let mut child = tradeoff()
        .args(["run", "orphans.toml"])
        .current_dir(dir.path())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .process_group(0)
        .spawn()
        .unwrap();
    let scheduler = child.id() as i32;
    // Wait until a worker is running beside the scheduler.
    let deadline = Instant::now() + Duration::from_secs(60);
    while live_members(scheduler).iter().all(|&pid| pid == scheduler) {
        assert!(Instant::now() < deadline, "no worker started");
        std::thread::sleep(Duration::from_millis(20));
    }
    // SIGKILL the scheduler alone, not its group.
    let killed =
        std::process::Command::new("kill").args(["-s", "KILL", &scheduler.to_string()]).status().unwrap();
    assert!(killed.success());
    child.wait().unwrap();
    let killed_at = Instant::now();
    while !live_members(scheduler).is_empty() {
        assert!(
            killed_at.elapsed() < Duration::from_secs(1),
            "workers outlived the scheduler by more than a second: {:?}",
            live_members(scheduler)
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    let output = run_in(dir.path(), &["run", "orphans.toml"]);
    assert!(output.status.success(), "{}", describe(&output));
    let after = records(&dir.path().join("results/orphans"));
    let mut slots: Vec<(String, u64)> = after
        .iter()
        .filter(|r| r["status"] == "ok")
        .map(|r| (r["candidate"].as_str().unwrap().to_string(), r["repetition"].as_u64().unwrap()))
        .collect();
    slots.sort();
    let before = slots.len();
    slots.dedup();
    assert_eq!((before, slots.len()), (6, 6), "every trial recorded once: {after:#?}");
}

#[test]
fn a_dataset_that_hangs_is_cut_at_the_timeout() {
    let dir = tempfile::tempdir().unwrap();
    // A server that accepts the download and never answers: a stalled download.
    let server = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = server.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in server.incoming() {
            held.push(stream);
        }
    });
    write(
        dir.path(),
        "stalled.toml",
        &r#"
[experiment]
name = "stalled"
[dataset]
url = "http://127.0.0.1:PORT/stalled.csv"
sha256 = "0000000000000000000000000000000000000000000000000000000000000000"
target = "class"
[protocol]
timeout = "2s"
[[candidates]]
name = "tree"
learner = "decision_tree"
[metrics]
accuracy = {}
"#
        .replace("PORT", &port.to_string()),
    );
    let started = Instant::now();
    let output = run_in(dir.path(), &["run", "stalled.toml"]);
    assert!(started.elapsed() < Duration::from_secs(30), "preparation was not cut at its timeout");
    assert_eq!(output.status.code(), Some(1), "{}", describe(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("dataset preparation failed: timed out after 2 s"), "{stdout}");
}

#[test]
fn peak_memory_is_the_learners_own_and_not_the_harness() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "memory.toml",
        r#"
[experiment]
name = "memory"
[dataset]
source = "weather"
[protocol]
holdout = 0.25
[[candidates]]
name = "small"
learner = "test.constant"
[[candidates]]
name = "large"
learner = "test.constant"
params = { megabytes = 120 }
[metrics]
peak_memory = { unit = "MB" }
baseline_memory = { unit = "MB" }
inference_latency_cold = {}
"#,
    );
    let output = run_in(dir.path(), &["run", "memory.toml"]);
    assert!(output.status.success(), "{}", describe(&output));
    let records = records(&dir.path().join("results/memory"));
    let figure = |candidate: &str, metric: &str| {
        by_candidate(&records, candidate)[0]["measurements"][metric]["value"].as_f64().unwrap() / 1e6
    };
    let (small, large) = (figure("small", "peak_memory"), figure("large", "peak_memory"));
    // The learner's 120 MiB show; the cold-latency harness's cache-flushing buffer and the
    // scheduler's own pages do not.
    assert!(large - small > 120.0, "small {small:.1} MB, large {large:.1} MB");
    assert!(small < figure("small", "baseline_memory") + 30.0, "small {small:.1} MB");
    let note = by_candidate(&records, "small")[0]["measurements"]["peak_memory"]["note"].as_str().unwrap();
    assert!(note.contains("VmHWM") && note.contains("cross-check: ru_maxrss"), "{note}");
}
