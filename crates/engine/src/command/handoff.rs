//! The job folder a `command` candidate reads: the trial's rows as NumPy `.npy` arrays
//! (or CSV), and `job.json` with everything else. NumPy's format is chosen over Parquet
//! because any Python with NumPy reads it without pyarrow (`np.load`, memory-mappable),
//! it is a short header (padded to a multiple of 64 bytes) and raw little-endian values,
//! written here by hand, and most ML code starts from arrays anyway; CSV is there for
//! commands without NumPy.
//!
//! The folder is a fresh temporary directory per trial, removed when the trial ends.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use serde_json::json;

use crate::job::TrialJob;
use spec::CommandSpec;

/// The version of the protocol `job.json` describes; bumped on incompatible changes.
pub const PROTOCOL: u32 = 1;

/// A trial's job folder; removed on drop.
pub struct JobFolder {
    pub path: PathBuf,
}

impl JobFolder {
    pub fn create() -> Result<JobFolder, String> {
        remove_folders(|pid| !Path::new(&format!("/proc/{pid}")).exists());
        let nanos =
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
        let path = std::env::temp_dir().join(format!("tradeoff-job-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(path.join("model"))
            .map_err(|e| format!("cannot create the job folder `{}`: {e}", path.display()))?;
        Ok(JobFolder { path })
    }

    pub fn job_file(&self) -> PathBuf {
        self.path.join("job.json")
    }

    pub fn predictions(&self) -> PathBuf {
        self.path.join("predictions.csv")
    }

    pub fn model_dir(&self) -> PathBuf {
        self.path.join("model")
    }

    pub fn log(&self, name: &str) -> PathBuf {
        self.path.join(name)
    }
}

/// Removes the job folders of the workers `abandoned` says died without removing theirs
/// (killed at a timeout): a folder holds a trial's rows, for a large table hundreds of
/// megabytes.
pub fn remove_folders(abandoned: impl Fn(u32) -> bool) {
    let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) else { return };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name
            .to_str()
            .and_then(|n| n.strip_prefix("tradeoff-job-"))
            .and_then(|rest| rest.split('-').next())
            .and_then(|pid| pid.parse::<u32>().ok())
        else {
            continue;
        };
        if abandoned(pid) {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

impl Drop for JobFolder {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// What was handed over, for the record's note.
pub struct Handoff {
    pub bytes: u64,
    pub seconds: f64,
}

/// The rows of one trial, as the command gets them.
pub struct Rows<'a> {
    pub train: &'a data::Table,
    pub train_ids: &'a [u32],
    pub test: &'a data::Table,
    pub test_ids: &'a [u32],
}

/// Writes the rows and `job.json` into `folder`.
pub fn write(
    folder: &JobFolder,
    job: &TrialJob,
    command: &CommandSpec,
    dataset: &data::Dataset,
    rows: &Rows<'_>,
    device: &str,
) -> Result<Handoff, String> {
    let started = std::time::Instant::now();
    let dir = &folder.path;
    let file = |name: &str| dir.join(name);
    let (train, test) = match command.data_format {
        spec::model::DataFormat::Npy => {
            write_npy_f32(&file("train_x.npy"), &rows.train.x, rows.train.rows, rows.train.cols)?;
            write_npy_i32(&file("train_y.npy"), &rows.train.y)?;
            write_npy_i32(&file("train_ids.npy"), rows.train_ids)?;
            write_npy_f32(&file("test_x.npy"), &rows.test.x, rows.test.rows, rows.test.cols)?;
            write_npy_i32(&file("test_ids.npy"), rows.test_ids)?;
            (
                json!({"x": file("train_x.npy"), "y": file("train_y.npy"), "ids": file("train_ids.npy"), "rows": rows.train.rows}),
                json!({"x": file("test_x.npy"), "ids": file("test_ids.npy"), "rows": rows.test.rows}),
            )
        }
        spec::model::DataFormat::Csv => {
            write_csv(&file("train.csv"), &dataset.feature_names, rows.train, rows.train_ids, true)?;
            write_csv(&file("test.csv"), &dataset.feature_names, rows.test, rows.test_ids, false)?;
            (
                json!({"csv": file("train.csv"), "rows": rows.train.rows}),
                json!({"csv": file("test.csv"), "rows": rows.test.rows}),
            )
        }
    };
    let wants_scores = crate::worker::wants(job, "roc_auc");
    let description = json!({
        "protocol": PROTOCOL,
        "mode": "fit-predict",
        "folder": dir,
        "data_format": command.data_format,
        "train": train,
        "test": test,
        "features": dataset.feature_names,
        "classes": dataset.class_names,
        "n_classes": dataset.n_classes(),
        "params": job.params,
        "seed": job.seed,
        "threads": job.threads,
        "device": device,
        "scores": wants_scores,
        "predictions": folder.predictions(),
        "model_dir": folder.model_dir(),
        "marks_fd": super::child::MARKS_FD,
    });
    let text = serde_json::to_string_pretty(&description).expect("a job description serializes");
    std::fs::write(folder.job_file(), text).map_err(|e| format!("cannot write the job file: {e}"))?;
    let bytes = std::fs::read_dir(dir)
        .map(|entries| entries.filter_map(|e| e.ok()?.metadata().ok()).map(|m| m.len()).sum())
        .unwrap_or(0);
    Ok(Handoff { bytes, seconds: started.elapsed().as_secs_f64() })
}

/// A `.npy` file (format 1.0): the magic, the header dict padded with spaces to a multiple
/// of 64 bytes and ended by a newline, then the values in C order.
fn npy(path: &Path, descr: &str, shape: &str, body: &[u8]) -> Result<(), String> {
    let mut header = format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}");
    let unpadded = 10 + header.len() + 1;
    header.push_str(&" ".repeat((64 - unpadded % 64) % 64));
    header.push('\n');
    let mut out = Vec::with_capacity(10 + header.len() + body.len());
    out.extend_from_slice(b"\x93NUMPY\x01\x00");
    out.extend_from_slice(&(header.len() as u16).to_le_bytes());
    out.extend_from_slice(header.as_bytes());
    out.extend_from_slice(body);
    std::fs::write(path, out).map_err(|e| format!("cannot write `{}`: {e}", path.display()))
}

fn write_npy_f32(path: &Path, values: &[f32], rows: usize, cols: usize) -> Result<(), String> {
    let body: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
    npy(path, "<f4", &format!("({rows}, {cols})"), &body)
}

fn write_npy_i32(path: &Path, values: &[u32]) -> Result<(), String> {
    let body: Vec<u8> = values.iter().flat_map(|&v| (v as i32).to_le_bytes()).collect();
    npy(path, "<i4", &format!("({},)", values.len()), &body)
}

/// CSV with a header: `row_id`, the features (empty for a missing value), and `label`
/// (the class index) for training rows.
fn write_csv(
    path: &Path,
    features: &[String],
    table: &data::Table,
    ids: &[u32],
    label: bool,
) -> Result<(), String> {
    let fail = |e: &dyn std::fmt::Display| format!("cannot write `{}`: {e}", path.display());
    let file = std::fs::File::create(path).map_err(|e| fail(&e))?;
    let mut writer = csv::Writer::from_writer(std::io::BufWriter::new(file));
    let mut header = vec!["row_id".to_string()];
    header.extend(features.iter().cloned());
    if label {
        header.push("label".into());
    }
    writer.write_record(&header).map_err(|e| fail(&e))?;
    let mut record: Vec<String> = Vec::with_capacity(header.len());
    for (row, id) in ids.iter().enumerate().take(table.rows) {
        record.clear();
        record.push(id.to_string());
        record.extend(table.row(row).iter().map(|v| if v.is_nan() { String::new() } else { v.to_string() }));
        if label {
            record.push(table.y[row].to_string());
        }
        writer.write_record(&record).map_err(|e| fail(&e))?;
    }
    let mut inner = writer.into_inner().map_err(|e| fail(&e))?;
    inner.flush().map_err(|e| fail(&e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn npy_headers_are_padded_to_64_bytes_and_hold_the_shape() {
        let dir = std::env::temp_dir().join(format!("tradeoff-npy-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("x.npy");
        write_npy_f32(&path, &[1.0, f32::NAN, -2.5, 0.0, 3.0, 4.0], 2, 3).unwrap();
        let bytes = std::fs::read(&path).unwrap();
        assert_eq!(&bytes[..8], b"\x93NUMPY\x01\x00");
        let header_len = u16::from_le_bytes([bytes[8], bytes[9]]) as usize;
        assert_eq!((10 + header_len) % 64, 0);
        let header = std::str::from_utf8(&bytes[10..10 + header_len]).unwrap();
        assert!(
            header.starts_with("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }"),
            "{header}"
        );
        assert!(header.ends_with('\n'));
        let body = &bytes[10 + header_len..];
        assert_eq!(body.len(), 6 * 4);
        assert_eq!(f32::from_le_bytes(body[8..12].try_into().unwrap()), -2.5);
        assert!(f32::from_le_bytes(body[4..8].try_into().unwrap()).is_nan());
        write_npy_i32(&path, &[7, 0, 3]).unwrap();
        let bytes = std::fs::read(&path).unwrap();
        let header_len = u16::from_le_bytes([bytes[8], bytes[9]]) as usize;
        assert!(std::str::from_utf8(&bytes[10..10 + header_len]).unwrap().contains("'<i4'"));
        assert!(std::str::from_utf8(&bytes[10..10 + header_len]).unwrap().contains("(3,)"));
        assert_eq!(i32::from_le_bytes(bytes[10 + header_len..14 + header_len].try_into().unwrap()), 7);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
