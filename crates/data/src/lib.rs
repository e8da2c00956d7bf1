//! Datasets: built-in sets (one embedded, so a fresh machine needs no download), CSV and
//! Parquet tables through polars, the IDX files of Fashion-MNIST with checksums and a user
//! cache, seeded stratified splits, and the binary cache trials load from.
//!
//! This crate knows nothing of experiments: it turns a [`Source`] into a [`Dataset`].

pub mod builtin;
pub mod cache;
pub mod fetch;
pub mod idx;
pub mod missing;
pub mod rng;
pub mod seeds;
pub mod split;
mod table;
pub mod tabular;

use std::path::PathBuf;

pub use fetch::Locations;
pub use table::{Dataset, FeatureKind, FeatureSource, GroupColumn, Table};
pub use tabular::{Categorical, Format, Missing, Separator, TableOptions};

/// Where a dataset comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum Source {
    Builtin(String),
    /// A table file, and the publisher's separate test file if there is one.
    File {
        path: PathBuf,
        test_path: Option<PathBuf>,
        format: Format,
    },
    Url {
        url: String,
        sha256: String,
        format: Format,
    },
}

/// The known name closest to `found`, when one is close enough to suggest.
pub fn suggest<'a>(found: &str, known: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    known
        .into_iter()
        .map(|k| (k, strsim::damerau_levenshtein(found, k)))
        .filter(|(k, d)| *d <= 2.max(found.len().min(k.len()) / 3))
        .min_by_key(|(_, d)| *d)
        .map(|(k, _)| k)
}

#[derive(Debug, thiserror::Error)]
pub enum DataError {
    #[error("cannot read `{path}`: {source}")]
    Io { path: String, source: std::io::Error },
    #[error("`{file}` is not a valid IDX file: {reason}")]
    Idx { file: String, reason: String },
    #[error("checksum mismatch for `{file}`: expected {algorithm} {expected}, found {actual}")]
    Checksum { file: String, algorithm: &'static str, expected: String, actual: String },
    #[error("cannot download {url}: {reason}")]
    Download { url: String, reason: String },
    #[error(
        "`{file}` not found (looked in: {tried}); set TRADEOFF_DATA_DIR or --data-dir, or allow the download"
    )]
    NotFound { file: String, tried: String },
    #[error("cannot use table `{path}`: {reason}")]
    Table { path: String, reason: String },
    #[error("dataset cache `{path}` is unusable: {reason}")]
    Cache { path: String, reason: String },
    #[error("unknown built-in dataset `{name}`")]
    UnknownBuiltin { name: String },
}

/// Loads a dataset from its source.
pub fn load(
    source: &Source,
    table: Option<&TableOptions>,
    locations: &Locations,
) -> Result<Dataset, DataError> {
    let table_options = || {
        table.cloned().ok_or_else(|| DataError::Table {
            path: "?".into(),
            reason: "a table needs a target column".into(),
        })
    };
    match source {
        Source::Builtin(name) => builtin::load(name, locations),
        Source::File { path, test_path, format } => {
            tabular::load(path, test_path.as_deref(), *format, &table_options()?)
        }
        Source::Url { url, sha256, format } => {
            let file_name = url.rsplit('/').next().filter(|n| !n.is_empty()).unwrap_or("download");
            let known = fetch::KnownFile { name: file_name, url, sha256, published_md5: None };
            let (_, path) = fetch::obtain(&known, "downloads", locations)?;
            tabular::load(&path, None, *format, &table_options()?)
        }
    }
}
