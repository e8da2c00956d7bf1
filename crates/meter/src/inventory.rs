//! What the machine is: CPU, memory, OS, virtualisation, cgroup limits (sysinfo and
//! `/proc`), GPUs (NVML) and RAPL zones, with a fingerprint so that results from
//! different machines are never silently compared.

use std::fs;
use std::path::Path;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::nvml::GpuInventory;
use crate::rapl::RaplInventory;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct HardwareInventory {
    pub cpu: CpuInfo,
    pub memory: MemoryInfo,
    pub os: OsInfo,
    /// A hint that this is a virtual machine or container, and how it was told.
    pub virtualization: Option<String>,
    pub cgroup: CgroupLimits,
    pub gpus: GpuInventory,
    pub rapl: RaplInventory,
    /// SHA-256 over what makes figures comparable: CPU model, core counts, memory, GPU
    /// models and their power limits, OS kernel.
    pub fingerprint: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct CpuInfo {
    pub brand: String,
    pub vendor: String,
    pub physical_cores: Option<usize>,
    pub logical_cores: usize,
    pub frequency_mhz: Option<u64>,
    pub arch: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct MemoryInfo {
    pub total_bytes: u64,
    pub available_bytes: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct OsInfo {
    pub name: String,
    pub version: String,
    pub kernel: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct CgroupLimits {
    /// The cgroup's memory limit, when one is set.
    pub memory_limit_bytes: Option<u64>,
    /// CPUs the cgroup may use (quota / period), when limited.
    pub cpu_limit: Option<f64>,
}

impl HardwareInventory {
    /// Probes this machine. Never fails: what cannot be read is recorded with the reason.
    pub fn probe() -> Self {
        Self::probe_with(Path::new(crate::rapl::POWERCAP_ROOT))
    }

    /// Probes with RAPL read from `powercap_root` (tests point it at a fake tree).
    pub fn probe_with(powercap_root: &Path) -> Self {
        let mut system = sysinfo::System::new().ok();
        if let Some(system) = system.as_mut() {
            system.refresh_memory();
        }
        let cpu = Self::probe_cpu_only();
        let memory = MemoryInfo {
            total_bytes: system.as_ref().map_or(0, |s| s.total_memory()),
            available_bytes: system.as_ref().map_or(0, |s| s.available_memory()),
        };
        let os = OsInfo {
            name: sysinfo::System::name().unwrap_or_else(|_| std::env::consts::OS.to_string()),
            version: sysinfo::System::os_version().unwrap_or_default(),
            kernel: sysinfo::System::kernel_version().unwrap_or_default(),
        };
        let cgroup = CgroupLimits {
            memory_limit_bytes: system.as_ref().and_then(|s| s.cgroup_limits()).map(|l| l.total_memory),
            cpu_limit: cgroup_cpu_limit(),
        };
        let gpus = GpuInventory::probe();
        let rapl = RaplInventory::probe(powercap_root);
        let mut inventory = HardwareInventory {
            cpu,
            memory,
            os,
            virtualization: virtualization_hint(),
            cgroup,
            gpus,
            rapl,
            fingerprint: String::new(),
        };
        inventory.fingerprint = inventory.compute_fingerprint();
        inventory
    }

    /// Only the CPU, cheaply (workers need the model name for the estimate, not NVML).
    pub fn probe_cpu_only() -> CpuInfo {
        let mut system = sysinfo::System::new().ok();
        if let Some(system) = system.as_mut() {
            system.refresh_cpu_all();
        }
        let cpus = system.as_ref().map(|s| s.cpus()).unwrap_or_default();
        let first = cpus.first();
        CpuInfo {
            brand: first
                .map(|c| c.brand().trim().to_string())
                .filter(|b| !b.is_empty())
                .unwrap_or_else(|| "unknown".into()),
            vendor: first.map(|c| c.vendor_id().to_string()).unwrap_or_else(|| "unknown".into()),
            physical_cores: sysinfo::System::physical_core_count().ok(),
            logical_cores: cpus.len().max(std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)),
            frequency_mhz: first.map(|c| c.frequency()).filter(|&f| f > 0),
            arch: sysinfo::System::cpu_arch(),
        }
    }

    pub fn compute_fingerprint(&self) -> String {
        let mut hasher = Sha256::new();
        let mut add = |part: &str| {
            hasher.update(part.as_bytes());
            hasher.update([0x1f]);
        };
        add(&self.cpu.brand);
        add(&self.cpu.logical_cores.to_string());
        add(&self.cpu.physical_cores.map(|c| c.to_string()).unwrap_or_default());
        // Memory rounded to GiB: the available amount drifts, the installed amount does not.
        add(&(self.memory.total_bytes >> 30).to_string());
        add(&self.os.kernel);
        for gpu in &self.gpus.devices {
            add(&gpu.name);
            add(&gpu.power_limit_w.map(|w| w.to_string()).unwrap_or_default());
        }
        hex::encode(&hasher.finalize()[..8])
    }

    /// A one-line description: "AMD EPYC, 2 logical cores, 24 GiB, no GPU".
    pub fn summary(&self) -> String {
        let gpus = if self.gpus.devices.is_empty() {
            "no GPU".to_string()
        } else {
            self.gpus.devices.iter().map(|g| g.name.clone()).collect::<Vec<_>>().join(", ")
        };
        format!(
            "{}, {} logical cores, {:.0} GiB, {}",
            self.cpu.brand,
            self.cpu.logical_cores,
            self.memory.total_bytes as f64 / (1u64 << 30) as f64,
            gpus
        )
    }
}

/// The `hypervisor` CPU flag, or the DMI product name of common hypervisors, or a container marker.
fn virtualization_hint() -> Option<String> {
    if Path::new("/.dockerenv").exists() {
        return Some("container (/.dockerenv)".into());
    }
    if let Ok(cpuinfo) = fs::read_to_string("/proc/cpuinfo")
        && cpuinfo.lines().any(|l| l.starts_with("flags") && l.split_whitespace().any(|f| f == "hypervisor"))
    {
        let product = fs::read_to_string("/sys/class/dmi/id/product_name")
            .map(|p| p.trim().to_string())
            .unwrap_or_default();
        return Some(if product.is_empty() {
            "virtual machine (cpu flag `hypervisor`)".into()
        } else {
            format!("virtual machine (cpu flag `hypervisor`, product `{product}`)")
        });
    }
    None
}

/// cgroup v2 `cpu.max` as CPUs (quota / period), if limited.
fn cgroup_cpu_limit() -> Option<f64> {
    let text = fs::read_to_string("/sys/fs/cgroup/cpu.max").ok()?;
    let mut parts = text.split_whitespace();
    let quota: f64 = parts.next()?.parse().ok()?;
    let period: f64 = parts.next()?.parse().ok()?;
    (period > 0.0).then_some(quota / period)
}
