//! Energy of a timed phase, from every meter that can say something about it.
//!
//! Each source is an [`EnergyMeter`]: read at the start of a window, and asked at its end
//! for the energy in between, given the sampler's timeline. The sources are the NVML
//! energy counter (`counter`), NVML power integrated over the samples (`sampled`), RAPL
//! package and DRAM counters (`counter`), the CPU and RAM estimate used when RAPL is
//! absent (`estimated`), and powers the experiment declares (`declared`). Gross energy is
//! what is stored; every figure lists what it covers.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use units::Method;

use crate::estimate::{CpuPowerModel, describe_ram, ram_joules};
use crate::nvml::NvmlMeter;
use crate::rapl::{Rapl, RaplReading, wrapping_delta};
use crate::rusage::own_usage;
use crate::sampler::{Sample, Sampler, Sources, integrate_trapezoid};

/// Energy of one part of the machine over a window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EnergyFigure {
    pub joules: f64,
    pub method: Method,
    /// What it covers: "GPU board", "CPU package", "DRAM", "CPU (process share)", ...
    pub covers: String,
    /// The same as a short key (`gpu-board`, `cpu-package`, `dram`, `cpu-share`,
    /// `ram-share`, `declared:<part>`), for telling comparable figures apart.
    pub part: String,
    /// The source, model and constants.
    pub note: String,
    /// For an estimate, the lowest and highest joules its model's constants allow.
    pub range: Option<[f64; 2]>,
}

impl EnergyFigure {
    /// The range, or the value itself where the figure has no model range.
    pub fn bounds(&self) -> [f64; 2] {
        self.range.unwrap_or([self.joules, self.joules])
    }
}

/// What a meter read when a window opened.
#[derive(Debug, Clone)]
pub enum Start {
    Gpu(Vec<u64>),
    Rapl(RaplReading),
    Nothing,
}

/// What a meter sees of a closed window.
#[derive(Debug)]
pub struct Window<'a> {
    pub seconds: f64,
    /// Where the window starts on the sampler's clock.
    pub offset: f64,
    pub samples: &'a [Sample],
    /// Process CPU time spent in the window.
    pub cpu_seconds: f64,
    pub period: Duration,
}

/// One source of energy figures.
pub trait EnergyMeter: Send + Sync {
    /// Reads the source when a window opens.
    fn begin(&self) -> Start;
    /// The energy of the window that opened with `start`, one figure per part covered,
    /// or why the window cannot be measured (a GPU lost mid-window, a counter that stopped
    /// answering): a figure missing a part would understate the energy silently.
    fn end(&self, start: &Start, window: &Window<'_>) -> Result<Vec<EnergyFigure>, String>;
}

/// NVML's total-energy counter (Volta and newer), read at the window's edges.
struct GpuCounter(Arc<NvmlMeter>);

impl EnergyMeter for GpuCounter {
    fn begin(&self) -> Start {
        self.0.energy_mj().map(Start::Gpu).unwrap_or(Start::Nothing)
    }

    fn end(&self, start: &Start, _: &Window<'_>) -> Result<Vec<EnergyFigure>, String> {
        let Start::Gpu(start) = start else {
            return Err("the GPU energy counter could not be read when the window opened".into());
        };
        let end = self.0.energy_mj().map_err(|e| format!("{e} when the window closed"))?;
        if start.iter().zip(&end).any(|(a, b)| b < a) {
            return Err("the GPU energy counter went backwards (the driver reloaded)".into());
        }
        let joules = start.iter().zip(&end).map(|(a, b)| (b - a) as f64 / 1000.0).sum();
        let (covers, part) = self.0.covers();
        Ok(vec![EnergyFigure {
            joules,
            method: Method::Counter,
            covers,
            part,
            note: "nvmlDeviceGetTotalEnergyConsumption at the window's edges, device synchronised".into(),
            range: None,
        }])
    }
}

/// NVML board power sampled beside the workload and integrated (no energy counter).
struct GpuSampled(Arc<NvmlMeter>);

impl EnergyMeter for GpuSampled {
    fn begin(&self) -> Start {
        Start::Nothing
    }

    fn end(&self, _: &Start, window: &Window<'_>) -> Result<Vec<EnergyFigure>, String> {
        let inside = window.samples.iter().filter(|s| {
            s.t >= window.offset - window.period.as_secs_f64() && s.t <= window.offset + window.seconds
        });
        if inside.clone().any(|s| s.gpu_power_w.as_ref().is_none_or(|p| p.len() != self.0.indices.len())) {
            return Err("GPU power readings stopped during the window".into());
        }
        let joules = (0..self.0.indices.len())
            .map(|d| {
                let trace: Vec<(f64, f64)> = window
                    .samples
                    .iter()
                    .filter_map(|s| s.gpu_power_w.as_ref().and_then(|p| p.get(d)).map(|&w| (s.t, w)))
                    .collect();
                integrate_trapezoid(&trace, window.offset, window.offset + window.seconds)
            })
            .sum();
        let (covers, part) = self.0.covers();
        Ok(vec![EnergyFigure {
            joules,
            method: Method::Sampled,
            covers,
            part,
            note: format!(
                "nvmlDeviceGetPowerUsage every {} ms, trapezoid rule (no energy counter)",
                window.period.as_millis()
            ),
            range: None,
        }])
    }
}

/// RAPL package and DRAM counters, summed across the sampler's readings so that a
/// counter wrapping more than once in a long window is still counted right.
struct RaplMeter(Arc<Rapl>);

impl EnergyMeter for RaplMeter {
    fn begin(&self) -> Start {
        self.0.read().map(Start::Rapl).unwrap_or(Start::Nothing)
    }

    fn end(&self, start: &Start, window: &Window<'_>) -> Result<Vec<EnergyFigure>, String> {
        let Start::Rapl(start) = start else {
            return Err("RAPL could not be read when the window opened".into());
        };
        let end = self.0.read().map_err(|e| format!("RAPL could not be read when the window closed: {e}"))?;
        let mut readings: Vec<&RaplReading> = vec![start];
        readings.extend(window.samples.iter().filter_map(|s| s.rapl.as_ref()));
        readings.push(&end);
        Ok(self
            .0
            .zones()
            .iter()
            .enumerate()
            .map(|(z, zone)| {
                let microjoules: u64 = readings
                    .windows(2)
                    .map(|w| wrapping_delta(w[0].0[z], w[1].0[z], zone.max_energy_range_uj))
                    .sum();
                EnergyFigure {
                    joules: microjoules as f64 * 1e-6,
                    method: Method::Counter,
                    covers: if zone.name == "dram" {
                        "DRAM".into()
                    } else {
                        format!("CPU package ({})", zone.name)
                    },
                    part: if zone.name == "dram" { "dram".into() } else { "cpu-package".into() },
                    note: "RAPL energy_uj (powercap), machine-wide, wraparound handled".into(),
                    range: None,
                }
            })
            .collect())
    }
}

/// The CPU share of this process, estimated from its CPU time and a named power model.
struct CpuEstimate(CpuPowerModel);

impl EnergyMeter for CpuEstimate {
    fn begin(&self) -> Start {
        Start::Nothing
    }

    fn end(&self, _: &Start, window: &Window<'_>) -> Result<Vec<EnergyFigure>, String> {
        let joules = self.0.cpu_joules(window.cpu_seconds);
        let [low, high] = self.0.uncertainty();
        Ok(vec![EnergyFigure {
            joules,
            method: Method::Estimated,
            covers: "CPU (process share)".into(),
            part: "cpu-share".into(),
            note: format!(
                "{}; {:.3} CPU-s; model range x{low}..x{high}",
                self.0.describe(),
                window.cpu_seconds
            ),
            range: Some([joules * low, joules * high]),
        }])
    }
}

/// RAM power of this process's resident memory, estimated.
struct RamEstimate;

impl EnergyMeter for RamEstimate {
    fn begin(&self) -> Start {
        Start::Nothing
    }

    fn end(&self, _: &Start, window: &Window<'_>) -> Result<Vec<EnergyFigure>, String> {
        let mean_rss = if window.samples.is_empty() {
            crate::sampler::current_rss_bytes() as f64
        } else {
            window.samples.iter().map(|s| s.rss_bytes as f64).sum::<f64>() / window.samples.len() as f64
        };
        let joules = ram_joules(mean_rss, window.seconds);
        let [low, high] = crate::estimate::RAM_UNCERTAINTY;
        Ok(vec![EnergyFigure {
            joules,
            method: Method::Estimated,
            covers: "RAM (process resident memory)".into(),
            part: "ram-share".into(),
            note: format!(
                "{}; mean RSS {:.1} MB; model range x{low}..x{high}",
                describe_ram(),
                mean_rss / 1e6
            ),
            range: Some([joules * low, joules * high]),
        }])
    }
}

/// A power the experiment declares for a part no meter reads (an accelerator measured
/// at the wall, a datasheet figure), times the window.
struct DeclaredPower {
    part: String,
    watts: f64,
}

impl EnergyMeter for DeclaredPower {
    fn begin(&self) -> Start {
        Start::Nothing
    }

    fn end(&self, _: &Start, window: &Window<'_>) -> Result<Vec<EnergyFigure>, String> {
        Ok(vec![EnergyFigure {
            joules: self.watts * window.seconds,
            method: Method::Declared,
            covers: self.part.clone(),
            part: format!("declared:{}", self.part),
            note: format!("{} W declared in the experiment x {:.3} s", self.watts, window.seconds),
            range: None,
        }])
    }
}

/// Every part's figure, their sum, and the window they cover.
#[derive(Debug, Clone, PartialEq)]
pub struct WindowEnergy {
    pub seconds: f64,
    pub cpu_seconds: f64,
    pub parts: Vec<EnergyFigure>,
    pub total: EnergyFigure,
    pub samples: usize,
    /// CPU time the sampler thread itself used.
    pub sampler_cpu_seconds: f64,
    /// Sources that could not measure the window, and why: the total then misses a part
    /// and must not be reported.
    pub failures: Vec<String>,
}

impl WindowEnergy {
    /// Mean power over the window, W.
    pub fn watts(&self) -> f64 {
        if self.seconds > 0.0 { self.total.joules / self.seconds } else { 0.0 }
    }
}

/// The energy sources of a trial, opened once in the worker.
pub struct EnergyMeters {
    meters: Vec<Box<dyn EnergyMeter>>,
    sources: Sources,
    /// Why sources are missing, in words, for the report.
    pub gaps: Vec<String>,
    pub period: Duration,
}

impl std::fmt::Debug for EnergyMeters {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EnergyMeters").field("meters", &self.meters.len()).field("gaps", &self.gaps).finish()
    }
}

/// A window in progress.
pub struct OpenWindow {
    started: Instant,
    sampler: Sampler,
    starts: Vec<Start>,
    cpu_seconds: f64,
}

impl EnergyMeters {
    /// Opens NVML for `gpus` (none for a CPU trial), RAPL under `powercap_root`, the CPU
    /// and RAM estimate where RAPL is absent, and the declared powers.
    pub fn open(
        gpus: Option<&[u32]>,
        powercap_root: &Path,
        cpu_model: CpuPowerModel,
        declared: &[(String, f64)],
        period: Duration,
    ) -> Self {
        let mut gaps = Vec::new();
        let mut meters: Vec<Box<dyn EnergyMeter>> = Vec::new();
        let mut sources = Sources::default();
        if let Some(indices) = gpus {
            match NvmlMeter::open(indices) {
                Ok(meter) => {
                    let meter = Arc::new(meter);
                    if meter.has_counter {
                        meters.push(Box::new(GpuCounter(meter.clone())));
                    } else {
                        gaps.push(format!(
                            "GPU energy sampled: the NVML energy counter does not answer ({})",
                            meter.counter_error.as_deref().unwrap_or("no reason given")
                        ));
                        meters.push(Box::new(GpuSampled(meter.clone())));
                    }
                    if !meter.mig.is_empty() {
                        gaps.push(format!(
                            "GPU {:?} in MIG mode: NVML reports energy for the whole board, so the figure includes every MIG instance's work, other users' too",
                            meter.mig
                        ));
                    }
                    sources.nvml = Some(meter);
                }
                Err(reason) => gaps.push(format!("GPU energy not measured: {reason}")),
            }
        }
        match Rapl::open(powercap_root) {
            Ok(rapl) => {
                let rapl = Arc::new(rapl);
                let has_dram = rapl.zones().iter().any(|z| z.name == "dram");
                meters.push(Box::new(RaplMeter(rapl.clone())));
                if !has_dram {
                    meters.push(Box::new(RamEstimate));
                    gaps.push("RAM energy estimated: RAPL has no DRAM zone here".into());
                }
                sources.rapl = Some(rapl);
            }
            Err(reason) => {
                gaps.push(format!("CPU and RAM energy estimated: RAPL {reason}"));
                meters.push(Box::new(CpuEstimate(cpu_model)));
                meters.push(Box::new(RamEstimate));
            }
        }
        for (part, watts) in declared {
            meters.push(Box::new(DeclaredPower { part: part.clone(), watts: *watts }));
        }
        EnergyMeters { meters, sources, gaps, period }
    }

    /// Samples the workload's resident memory through `probe` (for the RAM estimate) instead
    /// of this process's own: for a workload running in another process.
    pub fn with_rss_probe(mut self, probe: crate::sampler::RssProbe) -> Self {
        self.sources.rss = Some(probe);
        self
    }

    /// Opens a window over this process's work.
    pub fn start(&self) -> OpenWindow {
        self.start_at(own_usage().cpu_seconds())
    }

    /// Opens a window over another process's work, whose CPU time so far is
    /// `cpu_seconds` (the CPU estimate charges the CPU time spent inside the window).
    pub fn start_at(&self, cpu_seconds: f64) -> OpenWindow {
        let starts = self.meters.iter().map(|m| m.begin()).collect();
        OpenWindow {
            started: Instant::now(),
            sampler: Sampler::start(self.sources.clone(), self.period),
            starts,
            cpu_seconds,
        }
    }

    pub fn finish(&self, open: OpenWindow) -> WindowEnergy {
        self.finish_at(open, own_usage().cpu_seconds())
    }

    /// Closes a window opened with [`EnergyMeters::start_at`], the process's CPU time now
    /// being `cpu_seconds`.
    pub fn finish_at(&self, open: OpenWindow, cpu_seconds: f64) -> WindowEnergy {
        let seconds = open.started.elapsed().as_secs_f64();
        let cpu_seconds = (cpu_seconds - open.cpu_seconds).max(0.0);
        let sampler_started = open.sampler.started;
        let (samples, sampler_cpu_seconds) = open.sampler.stop();
        let window = Window {
            seconds,
            offset: open.started.saturating_duration_since(sampler_started).as_secs_f64(),
            samples: &samples,
            cpu_seconds,
            period: self.period,
        };
        let mut parts: Vec<EnergyFigure> = Vec::new();
        let mut failures = Vec::new();
        for (meter, start) in self.meters.iter().zip(&open.starts) {
            match meter.end(start, &window) {
                Ok(figures) => parts.extend(figures),
                Err(reason) => failures.push(reason),
            }
        }
        let has_range = parts.iter().any(|p| p.range.is_some());
        let mut keys: Vec<&str> = parts.iter().map(|p| p.part.as_str()).collect();
        keys.sort();
        let total = EnergyFigure {
            joules: parts.iter().map(|p| p.joules).sum(),
            method: Method::weakest(parts.iter().map(|p| p.method)).unwrap_or(Method::Estimated),
            covers: format!(
                "{}; not covered: PSU losses, fans, network, storage",
                parts.iter().map(|p| p.covers.as_str()).collect::<Vec<_>>().join(" + ")
            ),
            part: keys.join("+"),
            note: parts
                .iter()
                .map(|p| format!("{}: {} ({})", p.covers, p.method, p.note))
                .collect::<Vec<_>>()
                .join("; "),
            range: has_range.then(|| {
                [parts.iter().map(|p| p.bounds()[0]).sum(), parts.iter().map(|p| p.bounds()[1]).sum()]
            }),
        };
        WindowEnergy {
            seconds,
            cpu_seconds,
            parts,
            total,
            samples: samples.len(),
            sampler_cpu_seconds,
            failures,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_rapl_the_cpu_and_ram_are_estimated_and_a_declared_part_is_added() {
        let dir = tempfile::tempdir().unwrap();
        let model = CpuPowerModel::new("unknown", 2, Some(40.0));
        let declared = [("accelerator (wall meter)".to_string(), 50.0)];
        let meters =
            EnergyMeters::open(None, &dir.path().join("none"), model, &declared, Duration::from_millis(10));
        assert!(meters.gaps.iter().any(|g| g.contains("RAPL absent")));
        let open = meters.start();
        let started = Instant::now();
        let mut x = 0u64;
        while started.elapsed() < Duration::from_millis(100) {
            x = std::hint::black_box(x.wrapping_add(1));
        }
        let energy = meters.finish(open);
        let covers: Vec<&str> = energy.parts.iter().map(|p| p.covers.as_str()).collect();
        assert_eq!(
            covers,
            vec!["CPU (process share)", "RAM (process resident memory)", "accelerator (wall meter)"]
        );
        // 40 W over 2 cores: 20 J per CPU-second.
        assert!((energy.parts[0].joules - 20.0 * energy.cpu_seconds).abs() < 1e-9);
        assert!((energy.parts[2].joules - 50.0 * energy.seconds).abs() < 1e-9);
        assert_eq!(energy.total.method, Method::Declared);
        assert!(energy.total.covers.ends_with("not covered: PSU losses, fans, network, storage"));
        assert!(energy.samples >= 2);
    }
}
