//! `tradeoff audit` on a real results folder: a clean folder passes; one edited byte in a
//! record, a deleted record, an edited summary or report, an experiment file edited and
//! only re-reported, and a deleted-then-re-sealed record each fail with the culprit named.

mod support;

use std::path::{Path, PathBuf};

use support::{describe, run_in};

/// Runs a small experiment once and returns its results folder (in a fresh temp dir).
fn results() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("audited.toml"),
        r#"
[experiment]
name = "audited"
seed = 5
[dataset]
source = "digits"
subsample = 600
[protocol]
folds = 3
repetitions = 2
[[candidates]]
name = "tree"
learner = "decision_tree"
[[candidates]]
name = "forest"
learner = "random_forest"
params = { n_estimators = 10 }
[metrics]
accuracy = {}
train_time = { unit = "ms" }
model_size = { unit = "kB" }
[[constraints]]
metric = "accuracy"
min = 0.5
[priorities]
weights = { accuracy = 1, model_size = 1 }
[[claims]]
text = "the forest is larger"
check = "model_size[forest] > model_size[tree]"
"#,
    )
    .unwrap();
    let output = run_in(dir.path(), &["run", "audited.toml"]);
    assert!(output.status.success(), "{}", describe(&output));
    let folder = dir.path().join("results/audited");
    (dir, folder)
}

fn audit(folder: &Path) -> (i32, String) {
    let output = run_in(folder, &["audit", "."]);
    (output.status.code().unwrap(), String::from_utf8_lossy(&output.stdout).into_owned())
}

#[test]
fn a_clean_results_folder_passes() {
    let (_dir, folder) = results();
    let (code, stdout) = audit(&folder);
    assert_eq!(code, 0, "{stdout}");
    assert!(stdout.contains("12 records") && stdout.contains("audit passed"), "{stdout}");
    assert!(stdout.contains("claim `model_size[forest] > model_size[tree]`: holds"), "{stdout}");
    assert!(stdout.contains("pick: "), "{stdout}");
}

#[test]
fn an_edited_byte_in_a_record_is_named() {
    let (_dir, folder) = results();
    let runs = folder.join("runs.jsonl");
    let text = std::fs::read_to_string(&runs).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    // Change one digit of the second record's accuracy.
    let position = lines[1].find("\"accuracy\":{\"value\":0.").unwrap() + 24;
    let mut bytes = lines[1].clone().into_bytes();
    bytes[position] = if bytes[position] == b'9' { b'8' } else { b'9' };
    lines[1] = String::from_utf8(bytes).unwrap();
    std::fs::write(&runs, lines.join("\n") + "\n").unwrap();
    let (code, stdout) = audit(&folder);
    assert_eq!(code, 1, "{stdout}");
    assert!(stdout.contains("MISMATCH runs.jsonl line 2 (forest fold 0 rep 0): content hash"), "{stdout}");
}

#[test]
fn a_deleted_record_is_named() {
    let (_dir, folder) = results();
    let runs = folder.join("runs.jsonl");
    let text = std::fs::read_to_string(&runs).unwrap();
    let kept: Vec<&str> = text
        .lines()
        .filter(|l| {
            !(l.contains("\"candidate\":\"tree\"")
                && l.contains("\"fold\":2")
                && l.contains("\"repetition\":0"))
        })
        .collect();
    assert_eq!(kept.len(), 11);
    std::fs::write(&runs, kept.join("\n") + "\n").unwrap();
    let (code, stdout) = audit(&folder);
    assert_eq!(code, 1, "{stdout}");
    assert!(stdout.contains("no successful record for `tree` fold 2 rep 0"), "{stdout}");
    assert!(
        stdout.contains("summary.csv: `tree` / `accuracy` n is 6 in the file but 5 from the records"),
        "{stdout}"
    );
}

#[test]
fn an_edited_summary_is_named() {
    let (_dir, folder) = results();
    let path = folder.join("summary.csv");
    let text = std::fs::read_to_string(&path).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let row = lines.iter().position(|l| l.starts_with("forest,model_size,")).unwrap();
    let mut fields: Vec<String> = lines[row].split(',').map(str::to_string).collect();
    fields[6] = "1.5".into(); // value
    lines[row] = fields.join(",");
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    let (code, stdout) = audit(&folder);
    assert_eq!(code, 1, "{stdout}");
    assert!(stdout.contains("summary.csv: `forest` / `model_size` value is 1.5 in the file"), "{stdout}");
}

#[test]
fn an_edited_report_is_named() {
    let (_dir, folder) = results();
    let path = folder.join("report.md");
    let text = std::fs::read_to_string(&path).unwrap().replacen("**holds**", "**fails**", 1);
    std::fs::write(&path, text).unwrap();
    let (code, stdout) = audit(&folder);
    assert_eq!(code, 1, "{stdout}");
    assert!(stdout.contains("report.md line"), "{stdout}");
}

#[test]
fn an_edited_claim_threshold_followed_by_report_fails_the_audit() {
    let (_dir, folder) = results();
    let path = folder.join("experiment.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let edited = text.replace(
        "check = \"model_size[forest] > model_size[tree]\"",
        "check = \"model_size[forest] > 2 * model_size[tree]\"",
    );
    assert_ne!(text, edited);
    std::fs::write(&path, edited).unwrap();
    let rendered = run_in(&folder, &["report", "."]);
    assert!(rendered.status.success(), "{}", describe(&rendered));
    let (code, stdout) = audit(&folder);
    assert_eq!(code, 1, "{stdout}");
    assert!(
        stdout.contains("is not a version any `tradeoff run` ran: it was edited after the run"),
        "{stdout}"
    );
}

#[test]
fn a_deleted_then_resealed_record_breaks_the_hash_chain() {
    let (_dir, folder) = results();
    let runs = folder.join("runs.jsonl");
    let text = std::fs::read_to_string(&runs).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    // Delete the third record and re-seal the one after it so that it links to the second:
    // its own hash and link verify, but the next record still names the deleted one.
    let second: serde_json::Value = serde_json::from_str(&lines[1]).unwrap();
    lines.remove(2);
    let mut moved: serde_json::Value = serde_json::from_str(&lines[2]).unwrap();
    moved["previous_sha256"] = second["sha256"].clone();
    moved.as_object_mut().unwrap().remove("sha256");
    let hash = record::hash_value(&moved);
    moved["sha256"] = serde_json::Value::String(hash);
    lines[2] = serde_json::to_string(&moved).unwrap();
    assert!(record::verify_line(&lines[2]).is_ok(), "the re-sealed record verifies on its own");
    std::fs::write(&runs, lines.join("\n") + "\n").unwrap();
    let (code, stdout) = audit(&folder);
    assert_eq!(code, 1, "{stdout}");
    assert!(
        stdout.contains("MISMATCH runs.jsonl line 4") && stdout.contains("the hash chain breaks here"),
        "{stdout}"
    );
    assert!(stdout.contains("no successful record for"), "{stdout}");
}
