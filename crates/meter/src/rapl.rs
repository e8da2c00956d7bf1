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
            Ok(rapl) => RaplInventory {
                zones: rapl.zones.iter().map(|z| z.info.clone()).collect(),
                unavailable: None,
            },
            Err(reason) => RaplInventory { zones: Vec::new(), unavailable: Some(reason) },
        }
    }
}

#[derive(Debug, Clone)]
struct Zone {
    info: RaplZone,
    energy_path: PathBuf,
}

/// How the reader sees the file system: the real one, or one a test shapes (root reads
/// any file whatever its mode, so a test cannot make the kernel refuse it).
pub trait Files: Send + Sync + std::fmt::Debug {
    fn read_to_string(&self, path: &Path) -> std::io::Result<String>;
    fn read_dir(&self, path: &Path) -> std::io::Result<Vec<PathBuf>>;
}

/// The real file system.
#[derive(Debug, Clone, Copy, Default)]
pub struct RealFiles;

impl Files for RealFiles {
    fn read_to_string(&self, path: &Path) -> std::io::Result<String> {
        fs::read_to_string(path)
    }

    fn read_dir(&self, path: &Path) -> std::io::Result<Vec<PathBuf>> {
        fs::read_dir(path)?.map(|e| e.map(|e| e.path())).collect()
    }
}

/// Readable RAPL package and DRAM zones.
#[derive(Debug, Clone)]
pub struct Rapl {
    zones: Vec<Zone>,
    files: std::sync::Arc<dyn Files>,
}

/// One reading of every zone, in microjoules.
#[derive(Debug, Clone, PartialEq)]
pub struct RaplReading(pub Vec<u64>);

impl Rapl {
    /// Opens the package and DRAM zones under `root`, or says why it cannot.
    pub fn open(root: &Path) -> Result<Rapl, RaplUnavailable> {
        Self::open_with(root, std::sync::Arc::new(RealFiles))
    }

    /// Opens through `files` (tests pass a shaped file system).
    pub fn open_with(root: &Path, files: std::sync::Arc<dyn Files>) -> Result<Rapl, RaplUnavailable> {
        let entries = match files.read_dir(root) {
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
            .into_iter()
            .filter(|p| p.file_name().is_some_and(|n| n.to_string_lossy().starts_with("intel-rapl:")))
            .collect();
        dirs.sort();
        if dirs.is_empty() {
            return Err(RaplUnavailable::Absent(format!("no intel-rapl zone in {}", root.display())));
        }
        let mut zones = Vec::new();
        let mut first_error = None;
        for dir in dirs {
            let name =
                files.read_to_string(&dir.join("name")).map(|n| n.trim().to_string()).unwrap_or_default();
            let is_package = name.starts_with("package-");
            if !(is_package || name == "dram") {
                continue;
            }
            let energy_path = dir.join("energy_uj");
            let readable = files.read_to_string(&energy_path).and_then(|t| {
                t.trim().parse::<u64>().map_err(|e| std::io::Error::new(ErrorKind::InvalidData, e))
            });
            let max = files
                .read_to_string(&dir.join("max_energy_range_uj"))
                .ok()
                .and_then(|t| t.trim().parse::<u64>().ok());
            match (readable, max) {
                (Ok(_), Some(max)) => zones.push(Zone {
                    info: RaplZone { path: dir.display().to_string(), name, max_energy_range_uj: max },
                    energy_path,
                }),
                (Err(e), _) if first_error.is_none() => {
                    first_error = Some(match e.kind() {
                        ErrorKind::PermissionDenied => RaplUnavailable::Permission(format!(
                            "{}: {e} (root-only since Linux 5.10)",
                            energy_path.display()
                        )),
                        _ => RaplUnavailable::Masked(format!("{}: {e}", energy_path.display())),
                    })
                }
                (Ok(_), None) if first_error.is_none() => {
                    first_error =
                        Some(RaplUnavailable::Masked(format!("{}: no max_energy_range_uj", dir.display())))
                }
                _ => {}
            }
        }
        if zones.is_empty() {
            return Err(first_error.unwrap_or_else(|| {
                RaplUnavailable::Absent(format!("no package or dram zone in {}", root.display()))
            }));
        }
        Ok(Rapl { zones, files })
    }

    pub fn zones(&self) -> Vec<RaplZone> {
        self.zones.iter().map(|z| z.info.clone()).collect()
    }

    pub fn read(&self) -> Result<RaplReading, String> {
        self.zones
            .iter()
            .map(|z| {
                self.files
                    .read_to_string(&z.energy_path)
                    .map_err(|e| format!("{}: {e}", z.energy_path.display()))
                    .and_then(|t| {
                        t.trim().parse::<u64>().map_err(|e| format!("{}: {e}", z.energy_path.display()))
                    })
            })
            .collect::<Result<Vec<_>, _>>()
            .map(RaplReading)
    }

    /// Joules between two readings, per zone name, wraparound handled.
    pub fn joules_between(&self, start: &RaplReading, end: &RaplReading) -> Vec<(String, f64)> {
        self.zones
            .iter()
            .zip(start.0.iter().zip(&end.0))
            .map(|(zone, (&a, &b))| {
                (zone.info.name.clone(), wrapping_delta(a, b, zone.info.max_energy_range_uj) as f64 * 1e-6)
            })
            .collect()
    }
}

/// `end - start` for a counter that wraps to zero after `max_range`.
pub fn wrapping_delta(start: u64, end: u64, max_range: u64) -> u64 {
    if end >= start { end - start } else { (max_range - start) + end + 1 }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    /// Writes a powercap tree: package-0 with a core subzone and a dram subzone, and a
    /// psys zone that must be left out.
    fn tree(root: &Path, package_uj: u64, dram_uj: u64, max: u64) {
        let zone = |name: &str, dir: &str, energy: u64| {
            let path = root.join(dir);
            fs::create_dir_all(&path).unwrap();
            fs::write(path.join("name"), format!("{name}\n")).unwrap();
            fs::write(path.join("energy_uj"), format!("{energy}\n")).unwrap();
            fs::write(path.join("max_energy_range_uj"), format!("{max}\n")).unwrap();
        };
        zone("package-0", "intel-rapl:0", package_uj);
        zone("core", "intel-rapl:0:0", 1);
        zone("dram", "intel-rapl:0:1", dram_uj);
        zone("psys", "intel-rapl:1", 5);
    }

    fn set(root: &Path, dir: &str, energy: u64) {
        fs::write(root.join(dir).join("energy_uj"), format!("{energy}\n")).unwrap();
    }

    #[test]
    fn reads_package_and_dram_but_not_subzones_or_psys() {
        let dir = tempfile::tempdir().unwrap();
        tree(dir.path(), 1_000_000, 500_000, 262_143_328_850);
        let rapl = Rapl::open(dir.path()).unwrap();
        let names: Vec<String> = rapl.zones().into_iter().map(|z| z.name).collect();
        assert_eq!(names, vec!["package-0", "dram"]);
        let start = rapl.read().unwrap();
        set(dir.path(), "intel-rapl:0", 3_500_000);
        set(dir.path(), "intel-rapl:0:1", 750_000);
        let end = rapl.read().unwrap();
        assert_eq!(rapl.joules_between(&start, &end), vec![("package-0".into(), 2.5), ("dram".into(), 0.25)]);
    }

    #[test]
    fn a_counter_that_wraps_is_counted_modulo_its_range() {
        let dir = tempfile::tempdir().unwrap();
        tree(dir.path(), 999_000, 10, 1_000_000);
        let rapl = Rapl::open(dir.path()).unwrap();
        let start = rapl.read().unwrap();
        // 999000 up to the range's top (1000000): 1000 uJ, one more to wrap to 0, then 4000.
        set(dir.path(), "intel-rapl:0", 4_000);
        let end = rapl.read().unwrap();
        let (zone, joules) = &rapl.joules_between(&start, &end)[0];
        assert_eq!(zone, "package-0");
        assert!((joules - 0.005001).abs() < 1e-12, "{joules}");
        assert_eq!(wrapping_delta(10, 30, 1_000_000), 20);
    }

    #[test]
    fn an_absent_tree_says_so() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("powercap");
        assert!(
            matches!(Rapl::open(&missing), Err(RaplUnavailable::Absent(d)) if d.contains("does not exist"))
        );
        // A powercap folder without RAPL zones (a VM or a masked container).
        assert!(
            matches!(Rapl::open(dir.path()), Err(RaplUnavailable::Absent(d)) if d.contains("no intel-rapl zone"))
        );
    }

    /// The real files, except that reading an `energy_uj` is refused as the kernel refuses
    /// it to non-root users since Linux 5.10.
    #[derive(Debug)]
    struct Refusing;

    impl Files for Refusing {
        fn read_to_string(&self, path: &Path) -> std::io::Result<String> {
            if path.ends_with("energy_uj") {
                Err(std::io::Error::from(std::io::ErrorKind::PermissionDenied))
            } else {
                RealFiles.read_to_string(path)
            }
        }

        fn read_dir(&self, path: &Path) -> std::io::Result<Vec<PathBuf>> {
            RealFiles.read_dir(path)
        }
    }

    #[test]
    fn a_refused_counter_is_a_permission_problem() {
        let dir = tempfile::tempdir().unwrap();
        tree(dir.path(), 1, 1, 100);
        match Rapl::open_with(dir.path(), Arc::new(Refusing)) {
            Err(RaplUnavailable::Permission(detail)) => {
                assert!(detail.contains("intel-rapl:0/energy_uj"), "{detail}")
            }
            other => panic!("expected a permission problem, got {other:?}"),
        }
        let inventory = RaplInventory::probe(&dir.path().join("nothing"));
        assert!(inventory.zones.is_empty() && inventory.unavailable.is_some());
    }
}
