//! CPU package and DRAM energy from RAPL counters under `/sys/class/powercap`.
//!
//! Counters wrap at `max_energy_range_uj`; deltas are taken modulo that range plus one.
//! Subzones (core, uncore) are inside their package and never added to it; `psys` is
//! left out (it covers more of the platform than the package and would double count).
//! When the counters cannot be read, the reason is kept: absent, permission or masked.

use std::fs;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub const POWERCAP_ROOT: &str = "/sys/class/powercap";

/// Why RAPL gives no figure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(tag = "reason", content = "detail", rename_all = "lowercase")]
pub enum RaplUnavailable {
    /// No powercap tree or no RAPL zone in it (typical of virtual machines).
    Absent(String),
    /// The counters exist but this user may not read them (root-only since Linux 5.10).
    Permission(String),
    /// The tree is there but hidden or unreadable (containers mask it).
    Masked(String),
}

impl std::fmt::Display for RaplUnavailable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RaplUnavailable::Absent(d) => write!(f, "absent: {d}"),
            RaplUnavailable::Permission(d) => write!(f, "permission denied: {d}"),
            RaplUnavailable::Masked(d) => write!(f, "masked: {d}"),
        }
    }
}

/// One RAPL zone measured.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct RaplZone {
    pub path: String,
    /// `package-0`, `dram`, ...
    pub name: String,
    pub max_energy_range_uj: u64,
}

/// What the probe found, as stored in `environment.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct RaplInventory {
    pub zones: Vec<RaplZone>,
    pub unavailable: Option<RaplUnavailable>,
}

impl RaplInventory {
    pub fn probe(root: &Path) -> Self {
        match Rapl::open(root) {
            Ok(rapl) => RaplInventory { zones: rapl.zones.iter().map(|z| z.info.clone()).collect(), unavailable: None },
            Err(reason) => RaplInventory { zones: Vec::new(), unavailable: Some(reason) },
        }
    }
}

#[derive(Debug, Clone)]
struct Zone {
    info: RaplZone,
    energy_path: PathBuf,
}

/// Readable RAPL package and DRAM zones.
#[derive(Debug, Clone)]
pub struct Rapl {
    zones: Vec<Zone>,
}

/// One reading of every zone, in microjoules.
#[derive(Debug, Clone, PartialEq)]
pub struct RaplReading(pub Vec<u64>);

impl Rapl {
    /// Opens the package and DRAM zones under `root`, or says why it cannot.
    pub fn open(root: &Path) -> Result<Rapl, RaplUnavailable> {
        let entries = match fs::read_dir(root) {
            Ok(entries) => entries,
            Err(e) if e.kind() == ErrorKind::NotFound => {
                return Err(RaplUnavailable::Absent(format!("{} does not exist", root.display())));
            }
            Err(e) if e.kind() == ErrorKind::PermissionDenied => {
                return Err(RaplUnavailable::Permission(format!("{}: {e}", root.display())));
            }
            Err(e) => return Err(RaplUnavailable::Masked(format!("{}: {e}", root.display()))),
        };
        let mut dirs: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.file_name().is_some_and(|n| n.to_string_lossy().starts_with("intel-rapl:")))
            .collect();
        dirs.sort();
        if dirs.is_empty() {
            return Err(RaplUnavailable::Absent(format!("no intel-rapl zone in {}", root.display())));
        }
        let mut zones = Vec::new();
        let mut first_error = None;
        for dir in dirs {
            let name = fs::read_to_string(dir.join("name")).map(|n| n.trim().to_string()).unwrap_or_default();
            let is_package = name.starts_with("package-");
            if !(is_package || name == "dram") {
                continue;
            }
            let energy_path = dir.join("energy_uj");
            let readable = fs::read_to_string(&energy_path).and_then(|t| {
                t.trim().parse::<u64>().map_err(|e| std::io::Error::new(ErrorKind::InvalidData, e))
            });
            let max = fs::read_to_string(dir.join("max_energy_range_uj")).ok().and_then(|t| t.trim().parse::<u64>().ok());
            match (readable, max) {
                (Ok(_), Some(max)) => zones.push(Zone {
                    info: RaplZone { path: dir.display().to_string(), name, max_energy_range_uj: max },
                    energy_path,
                }),
                (Err(e), _) if first_error.is_none() => {
                    first_error = Some(match e.kind() {
                        ErrorKind::PermissionDenied => {
                            RaplUnavailable::Permission(format!("{}: {e} (root-only since Linux 5.10)", energy_path.display()))
                        }
                        _ => RaplUnavailable::Masked(format!("{}: {e}", energy_path.display())),
                    })
                }
                (Ok(_), None) if first_error.is_none() => {
                    first_error = Some(RaplUnavailable::Masked(format!("{}: no max_energy_range_uj", dir.display())))
                }
                _ => {}
            }
        }
        if zones.is_empty() {
            return Err(first_error.unwrap_or_else(|| {
                RaplUnavailable::Absent(format!("no package or dram zone in {}", root.display()))
            }));
        }
        Ok(Rapl { zones })
    }

    pub fn zones(&self) -> Vec<RaplZone> {
        self.zones.iter().map(|z| z.info.clone()).collect()
    }

    pub fn read(&self) -> Result<RaplReading, String> {
        self.zones
            .iter()
            .map(|z| {
                fs::read_to_string(&z.energy_path)
                    .map_err(|e| format!("{}: {e}", z.energy_path.display()))
                    .and_then(|t| t.trim().parse::<u64>().map_err(|e| format!("{}: {e}", z.energy_path.display())))
            })
            .collect::<Result<Vec<_>, _>>()
            .map(RaplReading)
    }

    /// Joules between two readings, per zone name, wraparound handled.
    pub fn joules_between(&self, start: &RaplReading, end: &RaplReading) -> Vec<(String, f64)> {
        self.zones
            .iter()
            .zip(start.0.iter().zip(&end.0))
            .map(|(zone, (&a, &b))| (zone.info.name.clone(), wrapping_delta(a, b, zone.info.max_energy_range_uj) as f64 * 1e-6))
            .collect()
    }
}

/// `end - start` for a counter that wraps to zero after `max_range`.
pub fn wrapping_delta(start: u64, end: u64, max_range: u64) -> u64 {
    if end >= start { end - start } else { (max_range - start) + end + 1 }
}
