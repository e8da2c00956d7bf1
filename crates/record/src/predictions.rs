//! Per-trial test predictions: `predictions/<key>.parquet` in the results folder, one row
//! per test row with its `row` id, its true class and the predicted class.
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
        let mut frame = df!(
            "row" => &self.row,
            "truth" => &self.truth,
            "predicted" => &self.predicted,
        )
        .map_err(|e| fail(e.to_string()))?;
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
        let predictions =
            Predictions { row: column("row")?, truth: column("truth")?, predicted: column("predicted")? };
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
        let predictions = Predictions { row: vec![0, 3, 7], truth: vec![1, 0, 2], predicted: vec![1, 2, 2] };
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
