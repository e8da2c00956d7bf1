//! Energy of a timed phase: counters read at the window's edges, a sampler running
//! beside the workload, and, where no counter answers, a labelled estimate. Gross energy
//! is what is stored; every figure lists what it covers.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use units::Method;

use crate::estimate::{CpuPowerModel, describe_ram, ram_joules};
use crate::nvml::NvmlMeter;
use crate::rapl::{Rapl, RaplReading, wrapping_delta};
use crate::rusage::{Usage, own_usage};
use crate::sampler::{Sample, Sampler, Sources, integrate_trapezoid};

/// Energy of one part of the machine over a window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EnergyFigure {
    pub joules: f64,
    pub method: Method,
    /// What it covers: "GPU board", "CPU package", "DRAM", "CPU (process share)", ...
    pub covers: String,
    /// The source, model and constants.
    pub note: String,
}

/// Every part, their sum, and the window they cover.
#[derive(Debug, Clone, PartialEq)]
pub struct WindowEnergy {
    pub seconds: f64,
    pub cpu_seconds: f64,
    pub parts: Vec<EnergyFigure>,
    pub total: EnergyFigure,
    pub samples: usize,
    /// CPU time the sampler thread itself used.
    pub sampler_cpu_seconds: f64,
}

/// The energy sources of a trial, opened once in the worker.
pub struct EnergyMeters {
    nvml: Option<Arc<NvmlMeter>>,
    rapl: Option<Arc<Rapl>>,
    cpu_model: CpuPowerModel,
    /// Why sources are missing, in words, for the report.
    pub gaps: Vec<String>,
    pub period: Duration,
}

impl std::fmt::Debug for EnergyMeters {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EnergyMeters").field("gaps", &self.gaps).finish()
    }
}

/// A running window.
pub struct Window {
    started: Instant,
    sampler: Sampler,
    rapl_start: Option<RaplReading>,
    gpu_start: Option<Vec<u64>>,
    usage_start: Usage,
}

impl EnergyMeters {
    /// Opens NVML for `gpus` (none for a CPU trial) and RAPL under `powercap_root`.
    pub fn open(
        gpus: Option<&[u32]>,
        powercap_root: &std::path::Path,
        cpu_model: CpuPowerModel,
        period: Duration,
    ) -> Self {
        let mut gaps = Vec::new();
        let nvml = gpus.and_then(|indices| match NvmlMeter::open(indices) {
            Ok(meter) => Some(Arc::new(meter)),
            Err(reason) => {
                gaps.push(format!("GPU energy not measured: {reason}"));
                None
            }
        });
        let rapl = match Rapl::open(powercap_root) {
            Ok(rapl) => Some(Arc::new(rapl)),
            Err(reason) => {
                gaps.push(format!("CPU energy estimated: RAPL {reason}"));
                None
            }
        };
        EnergyMeters { nvml, rapl, cpu_model, gaps, period }
    }

    pub fn start(&self) -> Window {
        let sources = Sources { nvml: self.nvml.clone(), rapl: self.rapl.clone() };
        let gpu_start = self.nvml.as_ref().filter(|n| n.has_counter).and_then(|n| n.energy_mj().ok());
        let rapl_start = self.rapl.as_ref().and_then(|r| r.read().ok());
        let usage_start = own_usage();
        Window {
            started: Instant::now(),
            sampler: Sampler::start(sources, self.period),
            rapl_start,
            gpu_start,
            usage_start,
        }
    }

    pub fn finish(&self, window: Window) -> WindowEnergy {
        let seconds = window.started.elapsed().as_secs_f64();
        let usage_end = own_usage();
        let gpu_end = self.nvml.as_ref().filter(|n| n.has_counter).and_then(|n| n.energy_mj().ok());
        let rapl_end = self.rapl.as_ref().and_then(|r| r.read().ok());
        let sampler_started = window.sampler.started;
        let (samples, sampler_cpu_seconds) = window.sampler.stop();
        let offset = window.started.saturating_duration_since(sampler_started).as_secs_f64();
        let cpu_seconds = usage_end.cpu_seconds() - window.usage_start.cpu_seconds();
        let mut parts = Vec::new();

        if let Some(nvml) = &self.nvml {
            match (&window.gpu_start, &gpu_end) {
                (Some(start), Some(end)) => {
                    let joules: f64 =
                        start.iter().zip(end).map(|(a, b)| b.saturating_sub(*a) as f64 / 1000.0).sum();
                    parts.push(EnergyFigure {
                        joules,
                        method: Method::Counter,
                        covers: format!("GPU board ({})", nvml.names.join(", ")),
                        note:
                            "nvmlDeviceGetTotalEnergyConsumption at the window's edges, device synchronised"
                                .into(),
                    });
                }
                _ => {
                    let devices = nvml.indices.len();
                    let joules: f64 = (0..devices)
                        .map(|d| {
                            let trace: Vec<(f64, f64)> = samples
                                .iter()
                                .filter_map(|s| {
                                    s.gpu_power_w.as_ref().and_then(|p| p.get(d)).map(|&w| (s.t, w))
                                })
                                .collect();
                            integrate_trapezoid(&trace, offset, offset + seconds)
                        })
                        .sum();
                    parts.push(EnergyFigure {
                        joules,
                        method: Method::Sampled,
                        covers: format!("GPU board ({})", nvml.names.join(", ")),
                        note: format!(
                            "nvmlDeviceGetPowerUsage every {} ms, trapezoid rule (no energy counter)",
                            self.period.as_millis()
                        ),
                    });
                }
            }
        }

        match (&self.rapl, &window.rapl_start, &rapl_end) {
            (Some(rapl), Some(start), Some(end)) => {
                for (zone, joules) in rapl_joules(rapl, start, &samples, end) {
                    let covers =
                        if zone == "dram" { "DRAM".to_string() } else { format!("CPU package ({zone})") };
                    parts.push(EnergyFigure {
                        joules,
                        method: Method::Counter,
                        covers,
                        note: "RAPL energy_uj (powercap), machine-wide, wraparound handled".into(),
                    });
                }
            }
            _ => parts.push(EnergyFigure {
                joules: self.cpu_model.cpu_joules(cpu_seconds),
                method: Method::Estimated,
                covers: "CPU (process share)".into(),
                note: format!("{}; {cpu_seconds:.3} CPU-s", self.cpu_model.describe()),
            }),
        }
        let rapl_covers_dram = parts.iter().any(|p| p.covers == "DRAM");
        if !rapl_covers_dram {
            let mean_rss = mean_rss(&samples);
            parts.push(EnergyFigure {
                joules: ram_joules(mean_rss, seconds),
                method: Method::Estimated,
                covers: "RAM (process resident memory)".into(),
                note: format!("{}; mean RSS {:.1} MB", describe_ram(), mean_rss / 1e6),
            });
        }
        let total = EnergyFigure {
            joules: parts.iter().map(|p| p.joules).sum(),
            method: Method::weakest(parts.iter().map(|p| p.method)).unwrap_or(Method::Estimated),
            covers: format!(
                "{}; not covered: PSU losses, fans, network, storage",
                parts.iter().map(|p| p.covers.as_str()).collect::<Vec<_>>().join(" + ")
            ),
            note: parts
                .iter()
                .map(|p| format!("{}: {} ({})", p.covers, p.method, p.note))
                .collect::<Vec<_>>()
                .join("; "),
        };
        WindowEnergy { seconds, cpu_seconds, parts, total, samples: samples.len(), sampler_cpu_seconds }
    }
}

/// RAPL joules per zone over start, the sampler's readings and end, so that a counter
/// wrapping more than once in a long window is still counted right.
fn rapl_joules(
    rapl: &Rapl,
    start: &RaplReading,
    samples: &[Sample],
    end: &RaplReading,
) -> Vec<(String, f64)> {
    let zones = rapl.zones();
    let mut readings: Vec<&RaplReading> = vec![start];
    readings.extend(samples.iter().filter_map(|s| s.rapl.as_ref()));
    readings.push(end);
    zones
        .iter()
        .enumerate()
        .map(|(z, zone)| {
            let microjoules: u64 = readings
                .windows(2)
                .map(|w| wrapping_delta(w[0].0[z], w[1].0[z], zone.max_energy_range_uj))
                .sum();
            (zone.name.clone(), microjoules as f64 * 1e-6)
        })
        .collect()
}

fn mean_rss(samples: &[Sample]) -> f64 {
    if samples.is_empty() {
        return crate::sampler::current_rss_bytes() as f64;
    }
    samples.iter().map(|s| s.rss_bytes as f64).sum::<f64>() / samples.len() as f64
}
