//! The prepared-dataset cache: one binary file per experiment that every trial's worker
//! reads instead of re-parsing the source. Features are stored as `u8` when every value
//! is an integer in 0..=255 (pixels, counts), else as `f32`; all little-endian.
//!
//! Layout: `TRDSET02`, a `u64` header length, a JSON header (names, classes, how each
//! feature was encoded, protected attributes' groups), then for the training table and
//! the optional test table: features (missing values as NaN), then `u32` labels.

use std::fs;
use std::io::Write;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::DataError;
use crate::table::{Dataset, Table};

const MAGIC: &[u8; 8] = b"TRDSET02";

#[derive(Serialize, Deserialize)]
struct Header {
    name: String,
    feature_names: Vec<String>,
    class_names: Vec<String>,
    provenance: String,
    train_rows: usize,
    test_rows: Option<usize>,
    cols: usize,
    bytes_per_value: u8,
    #[serde(default)]
    sources: Vec<crate::table::FeatureSource>,
    #[serde(default)]
    protected: Vec<crate::table::GroupColumn>,
}

fn fits_in_bytes(table: &Table) -> bool {
    table.x.iter().all(|&v| (0.0..=255.0).contains(&v) && v.fract() == 0.0)
}

/// Writes `dataset` to `path` atomically (temporary file, then rename).
pub fn write(path: &Path, dataset: &Dataset) -> Result<(), DataError> {
    let io = |source: std::io::Error| DataError::Io { path: path.display().to_string(), source };
    let compact = fits_in_bytes(&dataset.train) && dataset.test.as_ref().is_none_or(fits_in_bytes);
    let header = Header {
        name: dataset.name.clone(),
        feature_names: dataset.feature_names.clone(),
        class_names: dataset.class_names.clone(),
        provenance: dataset.provenance.clone(),
        train_rows: dataset.train.rows,
        test_rows: dataset.test.as_ref().map(|t| t.rows),
        cols: dataset.train.cols,
        bytes_per_value: if compact { 1 } else { 4 },
        sources: dataset.sources.clone(),
        protected: dataset.protected.clone(),
    };
    let header = serde_json::to_vec(&header).expect("a header serializes");
    let mut bytes = Vec::with_capacity(16 + header.len() + dataset.train.x.len() * 4);
    bytes.extend_from_slice(MAGIC);
    bytes.extend_from_slice(&(header.len() as u64).to_le_bytes());
    bytes.extend_from_slice(&header);
    for table in std::iter::once(&dataset.train).chain(dataset.test.as_ref()) {
        if compact {
            bytes.extend(table.x.iter().map(|&v| v as u8));
        } else {
            bytes.extend(table.x.iter().flat_map(|v| v.to_le_bytes()));
        }
        bytes.extend(table.y.iter().flat_map(|v| v.to_le_bytes()));
    }
    let folder = path.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(folder).map_err(io)?;
    let mut file = tempfile::NamedTempFile::new_in(folder).map_err(io)?;
    file.write_all(&bytes).map_err(io)?;
    file.persist(path).map_err(|e| io(e.error))?;
    Ok(())
}

/// Reads a dataset written by [`write`].
pub fn read(path: &Path) -> Result<Dataset, DataError> {
    let bytes =
        fs::read(path).map_err(|source| DataError::Io { path: path.display().to_string(), source })?;
    let corrupt =
        |reason: &str| DataError::Cache { path: path.display().to_string(), reason: reason.to_string() };
    if bytes.len() < 16 || &bytes[..8] != MAGIC {
        return Err(corrupt("not a tradeoff dataset cache (bad magic)"));
    }
    let header_len = u64::from_le_bytes(bytes[8..16].try_into().expect("8 bytes")) as usize;
    let header_end = 16usize
        .checked_add(header_len)
        .filter(|&e| e <= bytes.len())
        .ok_or_else(|| corrupt("truncated header"))?;
    let header: Header =
        serde_json::from_slice(&bytes[16..header_end]).map_err(|_| corrupt("unreadable header"))?;
    let mut offset = header_end;
    let mut take = |rows: usize| -> Result<Table, DataError> {
        let values = rows * header.cols;
        let x_len = values * header.bytes_per_value as usize;
        let end = offset + x_len + rows * 4;
        if end > bytes.len() {
            return Err(corrupt("truncated data"));
        }
        let x_bytes = &bytes[offset..offset + x_len];
        let x: Vec<f32> = if header.bytes_per_value == 1 {
            x_bytes.iter().map(|&b| f32::from(b)).collect()
        } else {
            x_bytes.chunks_exact(4).map(|c| f32::from_le_bytes(c.try_into().expect("4 bytes"))).collect()
        };
        let y: Vec<u32> = bytes[offset + x_len..end]
            .chunks_exact(4)
            .map(|c| u32::from_le_bytes(c.try_into().expect("4 bytes")))
            .collect();
        offset = end;
        Ok(Table::new(x, y, header.cols))
    };
    let train = take(header.train_rows)?;
    let test = header.test_rows.map(&mut take).transpose()?;
    Ok(Dataset {
        name: header.name,
        feature_names: header.feature_names,
        class_names: header.class_names,
        train,
        test,
        provenance: header.provenance,
        sources: header.sources,
        protected: header.protected,
    })
}

/// SHA-256 of a dataset's content (features and labels of both splits): its identity in
/// records, so a changed dataset never reuses old trials.
pub fn fingerprint(dataset: &Dataset) -> String {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    for table in std::iter::once(&dataset.train).chain(dataset.test.as_ref()) {
        hasher.update((table.rows as u64).to_le_bytes());
        hasher.update((table.cols as u64).to_le_bytes());
        for v in &table.x {
            hasher.update(v.to_le_bytes());
        }
        for v in &table.y {
            hasher.update(v.to_le_bytes());
        }
    }
    hasher.update(dataset.class_names.join("\u{1f}").as_bytes());
    for group in &dataset.protected {
        hasher.update(group.name.as_bytes());
        for v in group.train.iter().chain(group.test.iter().flatten()) {
            hasher.update(v.to_le_bytes());
        }
    }
    hex::encode(hasher.finalize())
}
