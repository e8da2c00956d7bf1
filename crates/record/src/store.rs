//! `runs.jsonl`: append one line per trial and flush it to disk, so that a kill at any
//! moment loses at most the trial in flight; on opening, a torn last line (a kill during
//! a write) is cut off rather than trusted. Each appended record is sealed with the hash
//! of the one before it, so the file is a hash chain.

use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use crate::Record;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot use `{path}`: {source}")]
    Io { path: String, source: std::io::Error },
    #[error("`{path}` line {line}: {reason}")]
    Corrupt { path: String, line: usize, reason: String },
}

/// An append-only record file.
#[derive(Debug)]
pub struct RecordStore {
    path: PathBuf,
    file: File,
    /// The `sha256` of the last record in the file (empty when there is none).
    last: String,
}

impl RecordStore {
    /// Opens (creating) `path`, returning the store and the records already in it. A
    /// torn final line is truncated away; a bad line elsewhere is an error.
    pub fn open(path: &Path) -> Result<(RecordStore, Vec<Record>), StoreError> {
        let io = |source| StoreError::Io { path: path.display().to_string(), source };
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(io)?;
        }
        let records = if path.exists() { Self::read_and_repair(path)? } else { Vec::new() };
        let file = OpenOptions::new().create(true).append(true).open(path).map_err(io)?;
        let last = records.last().map(|r| r.sha256.clone()).unwrap_or_default();
        Ok((RecordStore { path: path.to_path_buf(), file, last }, records))
    }

    fn read_and_repair(path: &Path) -> Result<Vec<Record>, StoreError> {
        let io = |source| StoreError::Io { path: path.display().to_string(), source };
        let bytes = std::fs::read(path).map_err(io)?;
        let complete = match bytes.iter().rposition(|&b| b == b'\n') {
            Some(last_newline) => last_newline + 1,
            None => 0,
        };
        if complete < bytes.len() {
            // A kill mid-write leaves a line without its newline: drop it.
            OpenOptions::new().write(true).open(path).and_then(|f| f.set_len(complete as u64)).map_err(io)?;
        }
        let mut records = Vec::new();
        for (index, line) in BufReader::new(&bytes[..complete]).lines().enumerate() {
            let line = line.map_err(io)?;
            if line.trim().is_empty() {
                continue;
            }
            let record: Record = serde_json::from_str(&line).map_err(|e| StoreError::Corrupt {
                path: path.display().to_string(),
                line: index + 1,
                reason: e.to_string(),
            })?;
            records.push(record);
        }
        Ok(records)
    }

    /// Reads every record of `path` without repairing it (for reports and audits).
    pub fn read(path: &Path) -> Result<Vec<Record>, StoreError> {
        let io = |source| StoreError::Io { path: path.display().to_string(), source };
        let text = std::fs::read_to_string(path).map_err(io)?;
        text.lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
            .map(|(i, l)| {
                serde_json::from_str(l).map_err(|e| StoreError::Corrupt {
                    path: path.display().to_string(),
                    line: i + 1,
                    reason: e.to_string(),
                })
            })
            .collect()
    }

    /// Links `record` to the last one, seals it, appends it as a line and flushes it to
    /// disk before returning the sealed record.
    pub fn append(&mut self, mut record: Record) -> Result<Record, StoreError> {
        let io = |source| StoreError::Io { path: self.path.display().to_string(), source };
        record.previous_sha256 = self.last.clone();
        let record = record.seal();
        let mut line = serde_json::to_string(&record).expect("a record serializes");
        line.push('\n');
        self.file.write_all(line.as_bytes()).map_err(io)?;
        self.file.sync_data().map_err(io)?;
        self.last = record.sha256.clone();
        Ok(record)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn appends_survive_reopening_and_a_torn_line_is_cut() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("runs.jsonl");
        let (mut store, existing) = RecordStore::open(&path).unwrap();
        assert!(existing.is_empty());
        let first = store.append(crate::tests::sample()).unwrap();
        let second = store.append(crate::tests::sample()).unwrap();
        assert_eq!(first.previous_sha256, "");
        assert_eq!(second.previous_sha256, first.sha256, "each record names the one before it");
        drop(store);
        // Simulate a kill mid-write.
        let mut file = OpenOptions::new().append(true).open(&path).unwrap();
        file.write_all(b"{\"schema_version\":1,\"exper").unwrap();
        drop(file);
        let (mut store, records) = RecordStore::open(&path).unwrap();
        assert_eq!(records, vec![first, second.clone()]);
        // Reopened, the chain goes on from the last record.
        assert_eq!(store.append(crate::tests::sample()).unwrap().previous_sha256, second.sha256);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.ends_with('\n') && text.lines().count() == 3);
    }
}
