//! Per-trial test predictions: `predictions/<key>.parquet` in the results folder, one row
//! per test row with its `row` id, its true class and the predicted class; with the row's
//! protected groups (`group:<column>`) when the dataset names protected attributes, and
//! the learner's class scores (`score:<class>`) when `roc_auc` is measured.
//!
//! They make candidates comparable row by row (paired bootstrap over test rows,
//! McNemar's test) and let `tradeoff audit` recompute every quality figure. Parquet,
//! because any data tool reads it and its dictionary and bit-packed encodings store a
//! class index in about a byte or less whatever its declared width; the record holds the
//! file's SHA-256, so an edited or swapped file is caught.
//!
//! `row` is the index of the row in the table it was drawn from: the training table for
//! folds and holdouts, the official test table for an official split.

use std::path::Path;

use polars::prelude::*;
use sha2::{Digest, Sha256};

use crate::Artifact;

/// One trial's predictions, rows in ascending id order.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Predictions {
    pub row: Vec<u32>,
    pub truth: Vec<u32>,
    pub predicted: Vec<u32>,
    /// Each protected attribute's group of every row.
    pub groups: Vec<(String, Vec<u32>)>,
    /// Class scores, row-major (`classes` per row), when kept.
    pub scores: Option<Scores>,
}

/// The learner's score of every class for every row.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Scores {
    pub classes: usize,
    pub values: Vec<f32>,
}

#[derive(Debug, thiserror::Error)]
pub enum PredictionsError {
    #[error("cannot use `{path}`: {reason}")]
    File { path: String, reason: String },
    #[error("`{path}` does not match its record: {reason}")]
    Mismatch { path: String, reason: String },
}

impl Predictions {
    pub fn len(&self) -> usize {
        self.row.len()
    }

    pub fn is_empty(&self) -> bool {
        self.row.is_empty()
    }

    /// Writes `folder/name` and returns the artifact a record refers to; `relative` is the
    /// path the record names (relative to the results folder).
    pub fn write(&self, path: &Path, relative: &str) -> Result<Artifact, PredictionsError> {
        let fail = |reason: String| PredictionsError::File { path: path.display().to_string(), reason };
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| fail(e.to_string()))?;
        }
        let mut columns = vec![
            Column::new("row".into(), &self.row),
            Column::new("truth".into(), &self.truth),
            Column::new("predicted".into(), &self.predicted),
        ];
        for (name, groups) in &self.groups {
            columns.push(Column::new(format!("group:{name}").into(), groups));
        }
        if let Some(scores) = &self.scores {
            for class in 0..scores.classes {
                let values: Vec<f32> =
                    scores.values.iter().skip(class).step_by(scores.classes).copied().collect();
                columns.push(Column::new(format!("score:{class}").into(), values));
            }
        }
        let mut frame = DataFrame::new(self.len(), columns).map_err(|e| fail(e.to_string()))?;
        let mut bytes = Vec::new();
        ParquetWriter::new(&mut bytes)
            .with_compression(ParquetCompression::Zstd(None))
            .with_statistics(StatisticsOptions::empty())
            .finish(&mut frame)
            .map_err(|e| fail(e.to_string()))?;
        std::fs::write(path, &bytes).map_err(|e| fail(e.to_string()))?;
        Ok(Artifact {
            path: relative.to_string(),
            sha256: hex::encode(Sha256::digest(&bytes)),
            rows: self.len(),
        })
    }

    /// Reads the file an artifact names, checking its hash and row count.
    pub fn read(dir: &Path, artifact: &Artifact) -> Result<Predictions, PredictionsError> {
        let path = dir.join(&artifact.path);
        let fail = |reason: String| PredictionsError::File { path: artifact.path.clone(), reason };
        let bytes = std::fs::read(&path).map_err(|e| fail(e.to_string()))?;
        let actual = hex::encode(Sha256::digest(&bytes));
        if actual != artifact.sha256 {
            return Err(PredictionsError::Mismatch {
                path: artifact.path.clone(),
                reason: format!("content hash {actual}, the record says {}", artifact.sha256),
            });
        }
        let frame =
            ParquetReader::new(std::io::Cursor::new(bytes)).finish().map_err(|e| fail(e.to_string()))?;
        let column = |name: &str| -> Result<Vec<u32>, PredictionsError> {
            let series = frame
                .column(name)
                .and_then(|c| c.cast(&DataType::UInt32))
                .map_err(|e| fail(format!("column `{name}`: {e}")))?;
            let values = series.u32().map_err(|e| fail(e.to_string()))?;
            values
                .iter()
                .map(|v| v.ok_or_else(|| fail(format!("column `{name}` has a missing value"))))
                .collect()
        };
        let mut groups = Vec::new();
        let mut score_columns: Vec<(usize, Vec<f32>)> = Vec::new();
        for name in frame.get_column_names() {
            if let Some(group) = name.strip_prefix("group:") {
                groups.push((group.to_string(), column(name)?));
            } else if let Some(class) = name.strip_prefix("score:") {
                let class: usize =
                    class.parse().map_err(|_| fail(format!("column `{name}` is not a class index")))?;
                let series = frame
                    .column(name)
                    .and_then(|c| c.cast(&DataType::Float32))
                    .map_err(|e| fail(format!("column `{name}`: {e}")))?;
                let values = series.f32().map_err(|e| fail(e.to_string()))?;
                score_columns.push((class, values.iter().map(|v| v.unwrap_or(f32::NAN)).collect()));
            }
        }
        score_columns.sort_by_key(|(class, _)| *class);
        if score_columns.iter().enumerate().any(|(i, (class, _))| i != *class) {
            return Err(fail("score columns are not the classes 0, 1, ...".into()));
        }
        let scores = (!score_columns.is_empty()).then(|| {
            let classes = score_columns.len();
            let rows = score_columns[0].1.len();
            let mut values = vec![0.0f32; rows * classes];
            for (class, column) in &score_columns {
                for (row, value) in column.iter().enumerate() {
                    values[row * classes + class] = *value;
                }
            }
            Scores { classes, values }
        });
        let predictions = Predictions {
            row: column("row")?,
            truth: column("truth")?,
            predicted: column("predicted")?,
            groups,
            scores,
        };
        if predictions.len() != artifact.rows {
            return Err(PredictionsError::Mismatch {
                path: artifact.path.clone(),
                reason: format!("{} rows, the record says {}", predictions.len(), artifact.rows),
            });
        }
        Ok(predictions)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn predictions_round_trip_and_an_edit_is_caught() {
        let dir = tempfile::tempdir().unwrap();
        let predictions = Predictions {
            row: vec![0, 3, 7],
            truth: vec![1, 0, 2],
            predicted: vec![1, 2, 2],
            groups: vec![("sex".into(), vec![0, 1, 1])],
            scores: Some(Scores { classes: 3, values: vec![0.1, 0.8, 0.1, 0.5, 0.2, 0.3, 0.0, 0.25, 0.75] }),
        };
        let artifact =
            predictions.write(&dir.path().join("predictions/a.parquet"), "predictions/a.parquet").unwrap();
        assert_eq!(artifact.rows, 3);
        assert_eq!(Predictions::read(dir.path(), &artifact).unwrap(), predictions);
        let other = Predictions { predicted: vec![1, 0, 2], ..predictions.clone() };
        other.write(&dir.path().join("predictions/a.parquet"), "predictions/a.parquet").unwrap();
        let error = Predictions::read(dir.path(), &artifact).unwrap_err();
        assert!(error.to_string().contains("does not match its record"), "{error}");
    }
}
