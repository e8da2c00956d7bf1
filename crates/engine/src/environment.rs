//! What a run writes into a results folder besides records: `environment.json` (the
//! hardware the trials ran on, the dataset, the carbon and price inputs) and the
//! experiment file itself, every version that ran.

use std::path::PathBuf;

use record::{DatasetFacts, Environment, ExecutionFacts, ResultsDir};
use spec::Experiment;

use crate::job::EnergyJob;
use crate::run::RunError;

/// The parts of an environment that come from the run rather than the experiment.
pub(crate) struct EnvironmentInputs<'a> {
    pub hardware: &'a meter::HardwareInventory,
    pub tool_version: &'a str,
    pub git: record::GitState,
    pub dataset: &'a DatasetFacts,
    pub energy: &'a EnergyJob,
    pub threads: usize,
    pub execution: Option<ExecutionFacts>,
}

pub(crate) fn write_environment(
    experiment: &Experiment,
    dir: &ResultsDir,
    inputs: &EnvironmentInputs<'_>,
) -> Result<(), RunError> {
    let hardware = inputs.hardware;
    let cpu = &hardware.cpu;
    let mut gaps = Vec::new();
    if let Some(reason) = &hardware.gpus.unavailable {
        gaps.push(format!("GPU: {reason}"));
    }
    if let Some(reason) = &hardware.rapl.unavailable {
        gaps.push(format!("CPU and DRAM energy estimated: RAPL {reason}"));
    }
    let environment = Environment {
        schema_version: record::SCHEMA_VERSION,
        experiment: experiment.name.clone(),
        tool_version: inputs.tool_version.to_string(),
        rustc_version: env!("TRADEOFF_RUSTC_VERSION").to_string(),
        git: inputs.git.clone(),
        created_at: crate::run::now(),
        hardware: hardware.clone(),
        dataset: inputs.dataset.clone(),
        carbon_intensity: inputs.energy.intensity.clone(),
        pue: inputs.energy.pue,
        cpu_power_model: meter::estimate::CpuPowerModel::new(
            &cpu.brand,
            cpu.logical_cores,
            inputs.energy.cpu_tdp_w,
        ),
        rental_price: inputs.energy.rental_price.clone(),
        electricity_price: inputs.energy.electricity_price.clone(),
        threads: inputs.threads,
        energy_gaps: gaps,
        execution: inputs.execution.clone(),
    };
    let path = dir.environment();
    let text = serde_json::to_string_pretty(&environment).expect("an environment serializes") + "\n";
    std::fs::write(&path, text).map_err(|source| RunError::Io { path: path.display().to_string(), source })
}

/// Keeps the experiment file in its results folder: `experiment.toml` (what the report
/// reads) and `specs/<sha256>.toml`, every version that was run, so the audit can tell a
/// file that was run from one edited afterwards.
pub(crate) fn keep_experiment_file(experiment: &Experiment, dir: &ResultsDir) -> Result<(), RunError> {
    let write = |path: PathBuf| {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|source| RunError::Io { path: parent.display().to_string(), source })?;
        }
        std::fs::write(&path, &experiment.source.text)
            .map_err(|source| RunError::Io { path: path.display().to_string(), source })
    };
    write(dir.experiment())?;
    write(dir.spec_version(&experiment.spec_sha256))
}

/// The hardware of the cluster node a run's trials ran on, kept in the spool so a
/// resumed run describes the same machine: `node-hardware.json`.
pub(crate) fn node_hardware_path(dir: &ResultsDir) -> PathBuf {
    dir.spool().join("node-hardware.json")
}

pub(crate) fn read_node_hardware(dir: &ResultsDir) -> Option<meter::HardwareInventory> {
    let text = std::fs::read_to_string(node_hardware_path(dir)).ok()?;
    serde_json::from_str(&text).ok()
}

pub(crate) fn write_node_hardware(
    dir: &ResultsDir,
    hardware: &meter::HardwareInventory,
) -> Result<(), RunError> {
    let path = node_hardware_path(dir);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .map_err(|source| RunError::Io { path: parent.display().to_string(), source })?;
    }
    let text = serde_json::to_string_pretty(hardware).expect("an inventory serializes") + "\n";
    std::fs::write(&path, text).map_err(|source| RunError::Io { path: path.display().to_string(), source })
}
