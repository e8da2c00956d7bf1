//! Measuring the machine: hardware inventory (sysinfo, NVML), rusage, energy meters
//! (NVML counter, NVML power sampling, RAPL, a labelled estimate), and the CO2 and cost
//! models with their shipped data.
//!
//! Every energy figure carries its [`units::Method`] and what it covers; an estimate is
//! never presented as a measurement. This crate knows nothing of experiments.

pub mod energy;
pub mod estimate;
pub mod footprint;
pub mod inventory;
pub mod nvml;
pub mod rapl;
pub mod rusage;
pub mod sampler;

pub use energy::{EnergyFigure, EnergyMeter, EnergyMeters, WindowEnergy};
pub use inventory::HardwareInventory;
