//! CPU and RAM energy estimated when no counter can be read: a named model with its
//! constants, always labelled `estimated`.
//!
//! CPU: P = TDP x process CPU utilisation, i.e. E = TDP x CPU-seconds / logical cores
//! (CodeCarbon's process-scope "cpu_load" model). TDP is the experiment's declared
//! `cpu_tdp_w`, else the shipped table's value for the CPU model (codecarbon's
//! `cpu_power.csv`), else 12 W per logical core (Green Algorithms' default for an
//! unknown CPU, Lannelongue et al. 2021).
//! RAM: 0.3725 W per GB of the process's resident memory (Green Algorithms).

use serde::{Deserialize, Serialize};

const CPU_TDP_TABLE: &str = include_str!("../data/cpu-tdp.csv");
pub const DEFAULT_WATTS_PER_CORE: f64 = 12.0;
pub const RAM_WATTS_PER_GB: f64 = 0.3725;

/// The range of the CPU model with a known TDP, as factors of its figure: a busy core
/// draws at most its share of TDP (the sustained power limit), and measured average power
/// under load sits near half of it (CodeCarbon's constant mode and carbontracker both use
/// TDP x 0.5; ML.ENERGY: measured power "never really touches" TDP).
pub const TDP_UNCERTAINTY: [f64; 2] = [0.5, 1.0];
/// With an unknown CPU (12 W per core): from 3 W (Cloud Carbon Footprint's 0.74-3.5 W per
/// vCPU at full load) to 18 W per core (high-clocked desktop and server cores).
pub const PER_CORE_UNCERTAINTY: [f64; 2] = [0.25, 1.5];
/// RAM at 0.3725 W/GB, from 0.078 W/GB (CodeCarbon's 5 W per 64 GB DIMM) to 0.625 W/GB
/// (5 W per 8 GB DIMM).
pub const RAM_UNCERTAINTY: [f64; 2] = [0.2, 1.7];

/// Where the TDP came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum TdpSource {
    Declared,
    Table { model: String },
    PerCoreDefault,
}

/// The CPU power model for this machine.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct CpuPowerModel {
    pub tdp_w: f64,
    pub logical_cores: usize,
    pub source: TdpSource,
}

impl CpuPowerModel {
    pub fn new(brand: &str, logical_cores: usize, declared_tdp_w: Option<f64>) -> Self {
        let logical_cores = logical_cores.max(1);
        if let Some(tdp_w) = declared_tdp_w {
            return CpuPowerModel { tdp_w, logical_cores, source: TdpSource::Declared };
        }
        match lookup_tdp(brand) {
            Some((model, tdp_w)) => {
                CpuPowerModel { tdp_w, logical_cores, source: TdpSource::Table { model } }
            }
            None => CpuPowerModel {
                tdp_w: DEFAULT_WATTS_PER_CORE * logical_cores as f64,
                logical_cores,
                source: TdpSource::PerCoreDefault,
            },
        }
    }

    /// The model's range as factors of its figure.
    pub fn uncertainty(&self) -> [f64; 2] {
        match self.source {
            TdpSource::PerCoreDefault => PER_CORE_UNCERTAINTY,
            TdpSource::Declared | TdpSource::Table { .. } => TDP_UNCERTAINTY,
        }
    }

    /// Joules for `cpu_seconds` of process CPU time.
    pub fn cpu_joules(&self, cpu_seconds: f64) -> f64 {
        self.tdp_w * cpu_seconds / self.logical_cores as f64
    }

    /// The model and its constants in words, stored with every estimated figure.
    pub fn describe(&self) -> String {
        let tdp = match &self.source {
            TdpSource::Declared => format!("declared TDP {} W", self.tdp_w),
            TdpSource::Table { model } => {
                format!("TDP {} W of `{model}` (codecarbon cpu_power.csv)", self.tdp_w)
            }
            TdpSource::PerCoreDefault => format!(
                "unknown CPU model: {DEFAULT_WATTS_PER_CORE} W x {} logical cores (Green Algorithms default)",
                self.logical_cores
            ),
        };
        format!("TDP x process CPU utilisation: {tdp}, spread over {} logical cores", self.logical_cores)
    }
}

/// Joules of RAM power for a mean resident set over a duration.
pub fn ram_joules(mean_rss_bytes: f64, seconds: f64) -> f64 {
    RAM_WATTS_PER_GB * mean_rss_bytes / 1e9 * seconds
}

pub fn describe_ram() -> String {
    format!("{RAM_WATTS_PER_GB} W per GB of process resident memory (Green Algorithms)")
}

fn normalise(text: &str) -> String {
    let cleaned = text
        .replace("(R)", " ")
        .replace("(TM)", " ")
        .replace("(tm)", " ")
        .replace("CPU", " ")
        .replace("Processor", " ");
    let cleaned = cleaned.split('@').next().unwrap_or("");
    cleaned.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
}

/// The TDP of the longest table model name contained in `brand` (whole words).
pub fn lookup_tdp(brand: &str) -> Option<(String, f64)> {
    let brand = format!(" {} ", normalise(brand));
    let mut best: Option<(String, f64)> = None;
    for line in CPU_TDP_TABLE.lines().skip(1) {
        let Some((name, tdp)) = line.rsplit_once(',') else { continue };
        let Ok(tdp) = tdp.trim().parse::<f64>() else { continue };
        let key = normalise(name);
        // A bare family name ("amd epyc") is not a model.
        if !key.chars().any(|c| c.is_ascii_digit()) {
            continue;
        }
        if brand.contains(&format!(" {key} "))
            && best.as_ref().is_none_or(|(b, _)| key.len() > normalise(b).len())
        {
            best = Some((name.to_string(), tdp));
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_lookup_matches_whole_model_names() {
        assert_eq!(lookup_tdp("AMD EPYC 7763 64-Core Processor"), Some(("AMD EPYC 7763".into(), 280.0)));
        assert_eq!(lookup_tdp("Intel(R) Xeon(R) Platinum 8480+").map(|m| m.1), Some(350.0));
        assert_eq!(lookup_tdp("AMD EPYC"), None);
    }

    #[test]
    fn unknown_cpus_fall_back_to_watts_per_core() {
        let model = CpuPowerModel::new("AMD EPYC", 2, None);
        assert_eq!(model.source, TdpSource::PerCoreDefault);
        // 10 CPU-seconds at 12 W per core.
        assert_eq!(model.cpu_joules(10.0), 120.0);
        let declared = CpuPowerModel::new("AMD EPYC", 4, Some(100.0));
        assert_eq!(declared.cpu_joules(8.0), 200.0);
        assert!((ram_joules(2e9, 10.0) - 7.45).abs() < 1e-12);
    }
}
