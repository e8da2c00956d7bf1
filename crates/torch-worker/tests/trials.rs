//! The torch worker end to end: `tradeoff run` sends torch trials to `tradeoff-torch`,
//! which records the MLP's figures, and a diverging loss is a failed trial with its
//! reason, not a crash. Needs both binaries (`just test` builds them).

use std::path::{Path, PathBuf};
use std::process::Command;

fn tradeoff() -> PathBuf {
    let path = Path::new(env!("CARGO_BIN_EXE_tradeoff-torch")).with_file_name("tradeoff");
    assert!(path.is_file(), "{} is missing: build the workspace first (`just test` does)", path.display());
    path
}

fn records(dir: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(dir.join("runs.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn mlp_trials_run_in_the_torch_worker_and_divergence_is_a_recorded_failure() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("nets.toml"),
        r#"
[experiment]
name = "nets"
[dataset]
source = "digits"
subsample = 600
[protocol]
holdout = 0.25
[[candidates]]
name = "mlp"
learner = "torch.mlp"
params = { hidden = [[32]], epochs = 20, learning_rate = 0.01 }
[[candidates]]
name = "exploding"
learner = "torch.mlp"
params = { hidden = [[32]], epochs = 3, optimizer = "sgd", learning_rate = 1e12 }
[[candidates]]
name = "tree"
learner = "decision_tree"
[metrics]
accuracy = {}
parameters = {}
peak_memory = { unit = "MB" }
baseline_memory = { unit = "MB" }
inference_latency = { unit = "us", percentile = 50 }
inference_latency_cold = { unit = "us", percentile = 50 }
"#,
    )
    .unwrap();
    let output =
        Command::new(tradeoff()).args(["run", "nets.toml"]).current_dir(dir.path()).output().unwrap();
    assert_eq!(
        output.status.code(),
        Some(1),
        "the exploding trial fails: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let records = records(&dir.path().join("results/nets"));
    let find = |name: &str| records.iter().find(|r| r["candidate"] == name).unwrap();
    let mlp = find("mlp");
    assert_eq!(mlp["status"], "ok");
    // 64 inputs -> 32 -> 10: 64*32+32 + 32*10+10.
    assert_eq!(mlp["measurements"]["parameters"]["value"], 2410.0);
    assert!(mlp["measurements"]["accuracy"]["value"].as_f64().unwrap() > 0.5);
    let exploding = find("exploding");
    assert_eq!(exploding["status"], "failed");
    let reason = exploding["error"].as_str().unwrap();
    assert!(reason.starts_with("training diverged: the mean training loss became"), "{reason}");
    // The tree ran in the lean worker: libtorch's pages are not in its peak memory.
    let tree_mb = find("tree")["measurements"]["peak_memory"]["value"].as_f64().unwrap() / 1e6;
    let mlp_mb = mlp["measurements"]["peak_memory"]["value"].as_f64().unwrap() / 1e6;
    assert!(tree_mb < 60.0 && mlp_mb > tree_mb + 40.0, "tree {tree_mb} MB, mlp {mlp_mb} MB");
    // libtorch's own footprint is reported apart, so the MLP's figure shows what the model costs.
    let baseline =
        |name: &str| find(name)["measurements"]["baseline_memory"]["value"].as_f64().unwrap() / 1e6;
    assert!(baseline("mlp") > 60.0 && baseline("tree") < 30.0, "{} {}", baseline("mlp"), baseline("tree"));
    assert!(baseline("mlp") < mlp_mb);
    // Native and libtorch learners go through one latency harness: one row in, one class
    // out; the cold variant flushes the caches before each call and is slower.
    for name in ["mlp", "tree"] {
        let measurements = &find(name)["measurements"];
        let (warm, cold) = (&measurements["inference_latency"], &measurements["inference_latency_cold"]);
        for figure in [warm, cold] {
            let note = figure["note"].as_str().unwrap();
            assert!(
                note.contains("one row in (f32 slice), one class out, allocation included"),
                "{name}: {note}"
            );
            assert!(note.contains("seeded random permutation of the test set"), "{name}: {note}");
        }
        assert!(cold["note"].as_str().unwrap().starts_with("cold:"), "{cold}");
        assert!(warm["note"].as_str().unwrap().starts_with("warm:"), "{warm}");
        let (warm, cold) = (warm["value"].as_f64().unwrap(), cold["value"].as_f64().unwrap());
        assert!(cold > warm, "{name}: cold {cold} s is not above warm {warm} s");
    }
}

#[test]
fn the_worker_refuses_to_run_without_a_job_mode() {
    let output = Command::new(env!("CARGO_BIN_EXE_tradeoff-torch")).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("tradeoff-torch worker"));
}
