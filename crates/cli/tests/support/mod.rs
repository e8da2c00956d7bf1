//! Helpers shared by the CLI tests: run the real binary, compare with snapshot files.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn tradeoff() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_tradeoff"));
    command.env("TRADEOFF_TEST_LEARNERS", "1").env_remove("TRADEOFF_DATA_DIR");
    command
}

pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().expect("workspace root")
}

/// Runs the binary in `dir`, failing with everything needed to debug.
pub fn run_in(dir: &Path, args: &[&str]) -> Output {
    tradeoff().args(args).current_dir(dir).output().expect("the binary runs")
}

pub fn describe(output: &Output) -> String {
    format!(
        "status {:?}\n--- stdout\n{}\n--- stderr\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// Compares `actual` with the snapshot at `path`; with UPDATE_SNAPSHOTS=1, writes it.
pub fn assert_snapshot(path: &Path, actual: &str) {
    if std::env::var("UPDATE_SNAPSHOTS").is_ok_and(|v| v == "1") {
        std::fs::write(path, actual).expect("snapshot written");
        return;
    }
    let expected = std::fs::read_to_string(path).unwrap_or_else(|_| {
        panic!("no snapshot {}; run with UPDATE_SNAPSHOTS=1 to create it:\n{actual}", path.display())
    });
    assert_eq!(expected, actual, "snapshot {} differs (UPDATE_SNAPSHOTS=1 rewrites it)", path.display());
}

/// A record's notes, one per line.
pub fn notes(record: &serde_json::Value) -> String {
    record["notes"]
        .as_array()
        .map(|n| n.iter().filter_map(serde_json::Value::as_str).collect::<Vec<_>>().join("\n"))
        .unwrap_or_default()
}

/// Reads every record of a results folder.
pub fn records(dir: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(dir.join("runs.jsonl"))
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON record"))
        .collect()
}

/// The fake `libnvidia-ml.so` of `crates/meter/tests/fake-nvml`, compiled once per test
/// binary: NVML paths tested without a GPU.
pub fn fake_nvml() -> &'static Path {
    static LIBRARY: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    LIBRARY.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("tradeoff-cli-fake-nvml-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let library = dir.join("libnvidia-ml-fake.so");
        let source = workspace().join("crates/meter/tests/fake-nvml/fake_nvml.c");
        let status = Command::new("cc")
            .args(["-shared", "-fPIC", "-O2", "-o"])
            .arg(&library)
            .arg(&source)
            .status()
            .expect("a C compiler (`cc`) builds the fake NVML library");
        assert!(status.success(), "the fake NVML library did not compile");
        library
    })
}

/// The binary with the fake NVML library and `script` (written into `dir`).
pub fn with_fake_nvml(dir: &Path, script: &str) -> Command {
    let path = dir.join("nvml-script");
    std::fs::write(&path, script).unwrap();
    let mut command = tradeoff();
    command.env("TRADEOFF_NVML_LIBRARY", fake_nvml()).env("FAKE_NVML_SCRIPT", &path).current_dir(dir);
    command
}
