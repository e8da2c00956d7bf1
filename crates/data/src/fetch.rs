//! Files with known checksums: found in a data folder or the user cache, or downloaded
//! into the cache. A file is used only after its checksum matches; a download goes to a
//! temporary file that is renamed into the cache only once verified, so an interrupted
//! or corrupted download never lands there.

use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use md5::Md5;
use sha2::{Digest, Sha256};

use crate::DataError;

/// A file a dataset needs: its name, where it is published, and its checksums.
#[derive(Debug, Clone, Copy)]
pub struct KnownFile<'a> {
    pub name: &'a str,
    pub url: &'a str,
    pub sha256: &'a str,
    /// The checksum the publisher prints, where it prints md5 (Fashion-MNIST's README).
    pub published_md5: Option<&'a str>,
}

/// Where to look for files, in order.
#[derive(Debug, Clone, Default)]
pub struct Locations {
    /// `--data-dir` or `TRADEOFF_DATA_DIR`.
    pub data_dir: Option<PathBuf>,
    /// The user cache (`$XDG_CACHE_HOME/tradeoff` or `~/.cache/tradeoff`).
    pub cache_dir: Option<PathBuf>,
    /// Whether a missing file may be downloaded.
    pub allow_download: bool,
}

impl Locations {
    /// The defaults for this user: the environment's data folder and cache, downloads on.
    pub fn from_env() -> Self {
        let data_dir = std::env::var_os("TRADEOFF_DATA_DIR").map(PathBuf::from);
        let cache_dir = std::env::var_os("XDG_CACHE_HOME")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cache")))
            .map(|dir| dir.join("tradeoff"));
        Locations { data_dir, cache_dir, allow_download: true }
    }
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Checks `bytes` against the file's checksums; `path` names the file in the error.
pub fn verify(file: &KnownFile, path: &Path, bytes: &[u8]) -> Result<(), DataError> {
    let actual = sha256_hex(bytes);
    if actual != file.sha256 {
        return Err(DataError::Checksum {
            file: path.display().to_string(),
            algorithm: "sha256",
            expected: file.sha256.to_string(),
            actual,
        });
    }
    if let Some(published) = file.published_md5 {
        let md5 = hex::encode(Md5::digest(bytes));
        if md5 != published {
            return Err(DataError::Checksum {
                file: path.display().to_string(),
                algorithm: "md5",
                expected: published.to_string(),
                actual: md5,
            });
        }
    }
    Ok(())
}

/// Finds, verifies and returns the bytes of `file`, looking in `folder` under the data
/// directory and the cache, then downloading into the cache.
pub fn obtain(
    file: &KnownFile,
    folder: &str,
    locations: &Locations,
) -> Result<(Vec<u8>, PathBuf), DataError> {
    let mut tried = Vec::new();
    if let Some(data_dir) = &locations.data_dir {
        for candidate in [data_dir.join(folder).join(file.name), data_dir.join(file.name)] {
            if candidate.is_file() {
                let bytes = read(&candidate)?;
                verify(file, &candidate, &bytes)?;
                return Ok((bytes, candidate));
            }
            tried.push(candidate);
        }
    }
    let cached = locations.cache_dir.as_ref().map(|dir| dir.join(folder).join(file.name));
    if let Some(cached) = &cached {
        if cached.is_file() {
            let bytes = read(cached)?;
            verify(file, cached, &bytes)?;
            return Ok((bytes, cached.clone()));
        }
        tried.push(cached.clone());
    }
    match (&cached, locations.allow_download) {
        (Some(cached), true) => {
            let bytes = download(file, cached)?;
            Ok((bytes, cached.clone()))
        }
        _ => Err(DataError::NotFound {
            file: file.name.to_string(),
            tried: tried.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", "),
        }),
    }
}

fn read(path: &Path) -> Result<Vec<u8>, DataError> {
    fs::read(path).map_err(|source| DataError::Io { path: path.display().to_string(), source })
}

/// Downloads `file` to `destination`: into a temporary file beside it, verified, then renamed.
fn download(file: &KnownFile, destination: &Path) -> Result<Vec<u8>, DataError> {
    let folder = destination.parent().expect("a cache path has a parent");
    fs::create_dir_all(folder)
        .map_err(|source| DataError::Io { path: folder.display().to_string(), source })?;
    let failed = |reason: String| DataError::Download { url: file.url.to_string(), reason };
    // A server that accepts and never answers must not hang a run without a protocol
    // timeout: connecting, the first byte and the whole body each have a limit.
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_connect(Some(std::time::Duration::from_secs(30)))
        .timeout_recv_response(Some(std::time::Duration::from_secs(60)))
        .timeout_recv_body(Some(std::time::Duration::from_secs(1800)))
        .build()
        .into();
    let mut response = agent.get(file.url).call().map_err(|e| failed(e.to_string()))?;
    let mut bytes = Vec::new();
    response
        .body_mut()
        .with_config()
        .limit(512 * 1024 * 1024)
        .reader()
        .read_to_end(&mut bytes)
        .map_err(|e| failed(e.to_string()))?;
    verify(file, Path::new(file.url), &bytes)?;
    let mut partial = tempfile::NamedTempFile::new_in(folder)
        .map_err(|source| DataError::Io { path: folder.display().to_string(), source })?;
    partial
        .write_all(&bytes)
        .and_then(|_| partial.as_file().sync_all())
        .map_err(|source| DataError::Io { path: partial.path().display().to_string(), source })?;
    partial
        .persist(destination)
        .map_err(|e| DataError::Io { path: destination.display().to_string(), source: e.error })?;
    Ok(bytes)
}
