//! `tradeoff check` on folders of experiment files: every bad file's diagnostics match
//! its snapshot (`<name>.stderr`) and exit with code 2; every good file checks clean.

mod support;

use std::path::Path;

use support::{assert_snapshot, describe, run_in};

fn corpus(folder: &str) -> Vec<std::path::PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/check").join(folder);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("corpus folder")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "empty corpus {}", dir.display());
    files
}

#[test]
fn invalid_files_report_every_problem_with_its_position() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/check/invalid");
    for file in corpus("invalid") {
        let name = file.file_name().unwrap().to_str().unwrap();
        let output = run_in(&dir, &["check", name]);
        assert_eq!(output.status.code(), Some(2), "{name}: {}", describe(&output));
        assert!(output.stdout.is_empty(), "{name}: nothing on stdout for an invalid file");
        let stderr = String::from_utf8(output.stderr).expect("utf-8");
        assert_snapshot(&file.with_extension("stderr"), &stderr);
    }
}

#[test]
fn valid_files_check_clean() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/check/valid");
    for file in corpus("valid") {
        let name = file.file_name().unwrap().to_str().unwrap();
        let output = run_in(&dir, &["check", name]);
        assert_eq!(output.status.code(), Some(0), "{name}: {}", describe(&output));
        let stdout = String::from_utf8(output.stdout).unwrap();
        assert!(stdout.contains(": ok"), "{stdout}");
    }
}

#[test]
fn a_sweep_expands_to_its_grid() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/check/valid");
    let output = run_in(&dir, &["check", "sweep.toml"]);
    let stdout = String::from_utf8(output.stdout).unwrap();
    // 2 criteria x 3 depths + 1 forest = 7 candidates; 7 x 2 repetitions x 1 holdout = 14 trials.
    assert!(
        stdout.contains("7 candidate(s) after expansion (7 run, 0 declared), 14 recorded trial(s)"),
        "{stdout}"
    );
    let plan = run_in(&dir, &["plan", "sweep.toml"]);
    let text = String::from_utf8(plan.stdout).unwrap();
    assert!(text.contains("tree/criterion=entropy/max_depth=16 (decision_tree): 2 trials"), "{text}");
}

#[test]
fn every_shipped_experiment_checks_clean_and_names_its_schema() {
    let workspace = support::workspace();
    let mut files: Vec<_> = std::fs::read_dir(workspace.join("experiments"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    assert!(!files.is_empty());
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        assert!(
            text.starts_with("#:schema ../schemas/experiment.schema.json\n"),
            "{} must start with `#:schema ../schemas/experiment.schema.json`",
            file.display()
        );
        // Experiments on the real datasets find them through TRADEOFF_DATA_DIR (CI sets it
        // when `../shared/data` exists); without it they must say exactly that.
        let mut command = support::tradeoff();
        if let Ok(data) = std::env::var("TRADEOFF_DATA_DIR") {
            command.env("TRADEOFF_DATA_DIR", data);
        }
        let output =
            command.args(["check", file.to_str().unwrap()]).current_dir(&workspace).output().unwrap();
        // A build without libtorch rejects torch learners with a hint; that is checked elsewhere.
        let stderr = String::from_utf8_lossy(&output.stderr);
        if stderr.contains("spec::learner-unavailable") {
            continue;
        }
        if std::env::var("TRADEOFF_DATA_DIR").is_err() && stderr.contains("spec::unset-variable") {
            assert!(stderr.contains("TRADEOFF_DATA_DIR"), "{stderr}");
            continue;
        }
        assert_eq!(output.status.code(), Some(0), "{}: {}", file.display(), describe(&output));
    }
}

#[test]
fn committed_schemas_are_current() {
    let workspace = support::workspace();
    let dir = tempfile::tempdir().unwrap();
    let output = run_in(&workspace, &["schema", "--out", dir.path().to_str().unwrap()]);
    assert!(output.status.success(), "{}", describe(&output));
    for name in ["experiment.schema.json", "run-record.schema.json"] {
        let fresh = std::fs::read_to_string(dir.path().join(name)).unwrap();
        let committed = std::fs::read_to_string(workspace.join("schemas").join(name)).unwrap_or_default();
        assert!(
            fresh == committed,
            "schemas/{name} is stale: run `just schemas` (tradeoff schema) and commit it"
        );
    }
}

#[test]
fn a_dependency_cycle_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let experiment = |name: &str, after: &str| {
        format!(
            "[experiment]\nname = \"{name}\"\ndepends_on = [\"{after}\"]\n[dataset]\nsource = \"weather\"\n\
             [[candidates]]\nname = \"tree\"\nlearner = \"decision_tree\"\n[metrics]\naccuracy = {{}}\n"
        )
    };
    std::fs::write(dir.path().join("a.toml"), experiment("alpha", "beta")).unwrap();
    std::fs::write(dir.path().join("b.toml"), experiment("beta", "alpha")).unwrap();
    let output = run_in(dir.path(), &["plan", "a.toml"]);
    assert_eq!(output.status.code(), Some(2), "{}", describe(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("cycle: alpha -> beta -> alpha"), "{stderr}");
}

#[test]
fn the_plan_is_a_dag_in_dot() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/check/valid");
    let output = run_in(&dir, &["plan", "minimal.toml", "--dot", "-"]);
    let dot = String::from_utf8(output.stdout).unwrap();
    assert!(dot.starts_with("digraph plan {"), "{dot}");
    // prepare -> 1 trial -> aggregate -> report: 4 nodes, 3 edges.
    assert_eq!(dot.matches("[label=").count(), 4, "{dot}");
    assert_eq!(dot.matches(" -> n").count(), 3, "{dot}");
}

#[test]
fn a_torch_learner_without_the_torch_worker_says_how_to_get_it() {
    // A copy of the binary in a folder without `tradeoff-torch` beside it.
    let dir = tempfile::tempdir().unwrap();
    let lonely = dir.path().join("tradeoff");
    std::fs::copy(env!("CARGO_BIN_EXE_tradeoff"), &lonely).unwrap();
    std::fs::write(
        dir.path().join("mlp.toml"),
        "[experiment]\nname = \"mlp\"\n[dataset]\nsource = \"digits\"\n[[candidates]]\nname = \"mlp\"\nlearner = \"torch.mlp\"\n[metrics]\naccuracy = {}\n",
    )
    .unwrap();
    let output = std::process::Command::new(&lonely)
        .args(["check", "mlp.toml"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "{}", describe(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("learner `torch.mlp` is not in this build"), "{stderr}");
    assert!(stderr.contains("just build"), "{stderr}");
}
