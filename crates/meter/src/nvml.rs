//! NVIDIA GPUs through NVML (nvml-wrapper loads `libnvidia-ml.so` at run time, so a
//! machine without the driver builds and runs; the reason is recorded instead).
//!
//! The total-energy counter (Volta and newer, millijoules) is the `counter` method;
//! where it is missing, board power is sampled and integrated (`sampled`).
//!
//! `TRADEOFF_NVML_LIBRARY` names another library to load instead of
//! `libnvidia-ml.so.1`: a driver installed elsewhere, or the scripted fake the tests
//! build (`tests/fake-nvml/fake_nvml.c`), so every NVML path is tested without a GPU.

use nvml_wrapper::Nvml;
use nvml_wrapper::enum_wrappers::device::TemperatureSensor;
use serde::{Deserialize, Serialize};

/// What the probe found about GPUs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct GpuInventory {
    /// Why there is no GPU information (no driver, NVML failed), if so.
    pub unavailable: Option<String>,
    pub driver_version: Option<String>,
    pub nvml_version: Option<String>,
    pub devices: Vec<GpuDevice>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct GpuDevice {
    pub index: u32,
    pub name: String,
    pub uuid: String,
    pub architecture: Option<String>,
    pub memory_bytes: Option<u64>,
    /// Enforced power limit, W.
    pub power_limit_w: Option<f64>,
    pub default_power_limit_w: Option<f64>,
    /// `enabled`, `disabled`, or why it could not be read.
    pub mig_mode: String,
    /// Whether `nvmlDeviceGetTotalEnergyConsumption` answers.
    pub energy_counter: bool,
    /// Whether `nvmlDeviceGetPowerUsage` answers.
    pub power_usage: bool,
    pub temperature_c: Option<u32>,
}

/// The environment variable that names the NVML library to load.
pub const LIBRARY_VARIABLE: &str = "TRADEOFF_NVML_LIBRARY";

/// Loads and initialises NVML: `libnvidia-ml.so.1`, or the library named by
/// `TRADEOFF_NVML_LIBRARY`.
pub fn init() -> Result<Nvml, nvml_wrapper::error::NvmlError> {
    match std::env::var_os(LIBRARY_VARIABLE) {
        Some(path) => Nvml::builder().lib_path(&path).init(),
        None => Nvml::init(),
    }
}

impl GpuInventory {
    pub fn probe() -> Self {
        match init() {
            Ok(nvml) => Self::from_nvml(&nvml),
            Err(error) => GpuInventory {
                unavailable: Some(format!("NVML not available: {error}")),
                driver_version: None,
                nvml_version: None,
                devices: Vec::new(),
            },
        }
    }

    fn from_nvml(nvml: &Nvml) -> Self {
        let count = match nvml.device_count() {
            Ok(count) => count,
            Err(error) => {
                return GpuInventory {
                    unavailable: Some(format!("NVML could not count devices: {error}")),
                    driver_version: nvml.sys_driver_version().ok(),
                    nvml_version: nvml.sys_nvml_version().ok(),
                    devices: Vec::new(),
                };
            }
        };
        let devices = (0..count)
            .filter_map(|index| {
                let device = nvml.device_by_index(index).ok()?;
                Some(GpuDevice {
                    index,
                    name: device.name().unwrap_or_else(|e| format!("unknown ({e})")),
                    uuid: device.uuid().unwrap_or_default(),
                    architecture: device.architecture().ok().map(|a| format!("{a:?}")),
                    memory_bytes: device.memory_info().ok().map(|m| m.total),
                    power_limit_w: device.enforced_power_limit().ok().map(|mw| f64::from(mw) / 1000.0),
                    default_power_limit_w: device
                        .power_management_limit_default()
                        .ok()
                        .map(|mw| f64::from(mw) / 1000.0),
                    mig_mode: match device.mig_mode() {
                        Ok(mode) if mode.current == 1 => "enabled".into(),
                        Ok(_) => "disabled".into(),
                        Err(error) => format!("unknown ({error})"),
                    },
                    energy_counter: device.total_energy_consumption().is_ok(),
                    power_usage: device.power_usage().is_ok(),
                    temperature_c: device.temperature(TemperatureSensor::Gpu).ok(),
                })
            })
            .collect();
        GpuInventory {
            unavailable: if count == 0 { Some("NVML reports no GPU".into()) } else { None },
            driver_version: nvml.sys_driver_version().ok(),
            nvml_version: nvml.sys_nvml_version().ok(),
            devices,
        }
    }
}

/// Reads energy and power of chosen GPUs during a run.
pub struct NvmlMeter {
    nvml: Nvml,
    pub indices: Vec<u32>,
    pub names: Vec<String>,
    /// Whether every chosen device has the energy counter.
    pub has_counter: bool,
    /// Why the energy counter does not answer, when it does not.
    pub counter_error: Option<String>,
    /// Devices in MIG mode: their board figures cover every MIG instance on the board.
    pub mig: Vec<u32>,
}

impl std::fmt::Debug for NvmlMeter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NvmlMeter").field("indices", &self.indices).finish()
    }
}

impl NvmlMeter {
    /// Opens NVML for the devices `indices` (all devices when empty).
    pub fn open(indices: &[u32]) -> Result<NvmlMeter, String> {
        let nvml = init().map_err(|e| format!("NVML not available: {e}"))?;
        let count = nvml.device_count().map_err(|e| format!("NVML could not count devices: {e}"))?;
        if count == 0 {
            return Err("NVML reports no GPU".into());
        }
        let indices: Vec<u32> = if indices.is_empty() { (0..count).collect() } else { indices.to_vec() };
        let mut names = Vec::new();
        let mut counter_error = None;
        let mut mig = Vec::new();
        for &index in &indices {
            let device = nvml.device_by_index(index).map_err(|e| format!("GPU {index}: {e}"))?;
            names.push(device.name().unwrap_or_default());
            if let Err(error) = device.total_energy_consumption() {
                counter_error.get_or_insert_with(|| format!("GPU {index}: {error}"));
            }
            if device.mig_mode().is_ok_and(|m| m.current == 1) {
                mig.push(index);
            }
        }
        Ok(NvmlMeter { nvml, indices, names, has_counter: counter_error.is_none(), counter_error, mig })
    }

    /// Total energy counters, millijoules since driver load, one per device.
    pub fn energy_mj(&self) -> Result<Vec<u64>, String> {
        self.indices
            .iter()
            .map(|&i| {
                self.nvml
                    .device_by_index(i)
                    .and_then(|d| d.total_energy_consumption())
                    .map_err(|e| format!("GPU {i} energy counter: {e}"))
            })
            .collect()
    }

    /// What a board figure covers, in words and as a key.
    pub fn covers(&self) -> (String, String) {
        if self.mig.is_empty() {
            (format!("GPU board ({})", self.names.join(", ")), "gpu-board".into())
        } else {
            (
                format!(
                    "GPU board ({}; MIG mode: every instance on the board, other users' work included)",
                    self.names.join(", ")
                ),
                "gpu-board-mig".into(),
            )
        }
    }

    /// Board power, watts, one per device (`nvmlDeviceGetPowerUsage`; a 1 s average on Hopper).
    pub fn power_w(&self) -> Result<Vec<f64>, String> {
        self.indices
            .iter()
            .map(|&i| {
                self.nvml
                    .device_by_index(i)
                    .and_then(|d| d.power_usage())
                    .map(|mw| f64::from(mw) / 1000.0)
                    .map_err(|e| format!("GPU {i} power: {e}"))
            })
            .collect()
    }
}
