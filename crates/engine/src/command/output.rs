//! What a `command` candidate answers, checked before anything is scored: its
//! `predictions.csv` must give exactly one known class for every test row id (and, when
//! it gives scores, one finite score per class), and its phase marks must come in order.
//! Anything else is a failed trial that names the line and the problem.

use std::collections::HashMap;
use std::path::Path;
use std::time::Instant;

/// The test predictions in the order of the test rows.
#[derive(Debug, PartialEq)]
pub struct Answers {
    pub predicted: Vec<u32>,
    /// Row-major, one per class, when the command wrote scores.
    pub scores: Option<Vec<f32>>,
}

/// Reads `path`: a header `row_id,class` optionally followed by `score_0` ... `score_{k-1}`,
/// then one line per test row, in any order.
pub fn read_predictions(path: &Path, test_ids: &[u32], n_classes: usize) -> Result<Answers, String> {
    let name =
        path.file_name().map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned());
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .trim(csv::Trim::All)
        .from_path(path)
        .map_err(|e| match e.kind() {
            csv::ErrorKind::Io(io) if io.kind() == std::io::ErrorKind::NotFound => {
                "the command wrote no predictions (expected `predictions.csv` in the job folder)".to_string()
            }
            _ => format!("cannot read {name}: {e}"),
        })?;
    let header: Vec<String> =
        reader.headers().map_err(|e| format!("{name}: {e}"))?.iter().map(str::to_string).collect();
    if header.len() < 2 || header[0] != "row_id" || header[1] != "class" {
        return Err(format!(
            "{name} line 1: the header is `{}`, expected `row_id,class` (then optionally `score_0` ... `score_{}`)",
            header.join(","),
            n_classes - 1
        ));
    }
    let with_scores = header.len() > 2;
    if with_scores {
        let expected: Vec<String> = (0..n_classes).map(|k| format!("score_{k}")).collect();
        if header[2..] != expected[..] {
            return Err(format!(
                "{name} line 1: score columns `{}`, expected one per class: `{}`",
                header[2..].join(","),
                expected.join(",")
            ));
        }
    }
    let position: HashMap<u32, usize> = test_ids.iter().enumerate().map(|(i, &id)| (id, i)).collect();
    let mut predicted = vec![u32::MAX; test_ids.len()];
    let mut scores = with_scores.then(|| vec![0f32; test_ids.len() * n_classes]);
    for (index, record) in reader.records().enumerate() {
        let line = index + 2;
        let record = record.map_err(|e| format!("{name} line {line}: {e}"))?;
        let field = |i: usize| record.get(i).unwrap_or("");
        let id: u32 = field(0)
            .parse()
            .map_err(|_| format!("{name} line {line}: row id `{}` is not a row id", field(0)))?;
        let Some(&at) = position.get(&id) else {
            return Err(format!("{name} line {line}: row id {id} is not a test row of this trial"));
        };
        if predicted[at] != u32::MAX {
            return Err(format!("{name} line {line}: row id {id} is predicted twice"));
        }
        let class: u32 = field(1).parse().map_err(|_| {
            format!("{name} line {line}: class `{}` is not a class index (0 to {})", field(1), n_classes - 1)
        })?;
        if class as usize >= n_classes {
            return Err(format!(
                "{name} line {line}: unknown class {class}: the classes are 0 to {} (`classes` in job.json)",
                n_classes - 1
            ));
        }
        predicted[at] = class;
        if let Some(scores) = &mut scores {
            for k in 0..n_classes {
                let text = field(2 + k);
                let value: f32 = text.parse().ok().filter(|v: &f32| v.is_finite()).ok_or_else(|| {
                    format!("{name} line {line}: score_{k} `{text}` is not a finite number")
                })?;
                scores[at * n_classes + k] = value;
            }
        }
    }
    let missing: Vec<u32> =
        predicted.iter().zip(test_ids).filter(|(p, _)| **p == u32::MAX).map(|(_, &id)| id).collect();
    if !missing.is_empty() {
        return Err(format!(
            "{name}: {} of the {} test rows have no prediction (row ids {}{})",
            missing.len(),
            test_ids.len(),
            missing.iter().take(5).map(u32::to_string).collect::<Vec<_>>().join(", "),
            if missing.len() > 5 { ", ..." } else { "" }
        ));
    }
    Ok(Answers { predicted, scores })
}

/// The phases a command marked, from the lines it wrote to its marks descriptor.
#[derive(Debug, Default)]
pub struct Phases {
    pub fit: Option<(Instant, Instant)>,
    pub predict: Option<(Instant, Instant)>,
    /// The model file or folder it named (`model PATH`).
    pub model: Option<String>,
    /// When the first mark arrived: start-up time is from spawn to here.
    pub first_mark: Option<Instant>,
}

/// One mark, understood.
#[derive(Debug, Clone, PartialEq)]
pub enum MarkKind {
    Start(&'static str),
    End(&'static str),
    Model(String),
}

/// What a mark line says; unknown lines are an error naming them.
pub fn parse_mark(text: &str) -> Result<MarkKind, String> {
    let text = text.trim();
    match text {
        "fit start" => Ok(MarkKind::Start("fit")),
        "fit end" => Ok(MarkKind::End("fit")),
        "predict start" => Ok(MarkKind::Start("predict")),
        "predict end" => Ok(MarkKind::End("predict")),
        _ => match text.strip_prefix("model ") {
            Some(path) if !path.trim().is_empty() => Ok(MarkKind::Model(path.trim().to_string())),
            _ => Err(format!(
                "the command wrote the mark `{text}`; the marks are `fit start`, `fit end`, `predict start`, `predict end` and `model PATH`"
            )),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(text: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("tradeoff-output-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(format!("p{}.csv", text.len()));
        std::fs::write(&path, text).unwrap();
        path
    }

    #[test]
    fn predictions_are_put_in_test_row_order_with_their_scores() {
        let path = file("row_id,class,score_0,score_1\n9,1,0.2,0.8\n4,0,0.9,0.1\n");
        let answers = read_predictions(&path, &[4, 9], 2).unwrap();
        assert_eq!(answers.predicted, vec![0, 1]);
        assert_eq!(answers.scores, Some(vec![0.9, 0.1, 0.2, 0.8]));
        let path = file("row_id,class\n4,1\n9,0\n");
        assert_eq!(read_predictions(&path, &[4, 9], 2).unwrap().scores, None);
    }

    #[test]
    fn bad_predictions_name_the_line_and_the_problem() {
        let cases = [
            ("row_id,class\n4,0\n", "1 of the 2 test rows have no prediction (row ids 9)"),
            ("row_id,class\n4,0\n9,0\n5,1\n", "line 4: row id 5 is not a test row"),
            ("row_id,class\n4,0\n4,1\n", "line 3: row id 4 is predicted twice"),
            ("row_id,class\n4,0\n9,7\n", "line 3: unknown class 7: the classes are 0 to 1"),
            ("row_id,class\n4,cat\n", "line 2: class `cat` is not a class index"),
            ("id,label\n4,0\n", "line 1: the header is `id,label`"),
            ("row_id,class,score_0\n4,0,1\n", "score columns `score_0`, expected one per class"),
            ("row_id,class,score_0,score_1\n4,0,1,nan\n", "line 2: score_1 `nan` is not a finite number"),
        ];
        for (text, expected) in cases {
            let error = read_predictions(&file(text), &[4, 9], 2).unwrap_err();
            assert!(error.contains(expected), "{text:?}: {error}");
        }
        let missing = std::env::temp_dir().join("tradeoff-no-such-predictions.csv");
        assert!(read_predictions(&missing, &[4], 2).unwrap_err().contains("wrote no predictions"));
    }

    #[test]
    fn marks_are_the_four_phase_lines_and_the_model() {
        assert_eq!(parse_mark("fit start\n"), Ok(MarkKind::Start("fit")));
        assert_eq!(parse_mark("predict end"), Ok(MarkKind::End("predict")));
        assert_eq!(parse_mark("model /tmp/m.pkl"), Ok(MarkKind::Model("/tmp/m.pkl".into())));
        assert!(parse_mark("fit begin").unwrap_err().contains("`fit begin`"));
        assert!(parse_mark("model ").is_err());
    }
}
