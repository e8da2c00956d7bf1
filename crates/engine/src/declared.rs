//! Records for declared candidates: figures given in the experiment file (published
//! hardware power, device counts and hours) instead of measured, each labelled
//! `declared`, with the formula in its note. CO2 and cost follow the same formulas as
//! measured figures, so the report and the audit treat both alike.

use std::collections::BTreeMap;

use spec::{Candidate, Experiment};
use units::{Measurement, Method};

/// The measurements a declared candidate's inputs give, and why some are missing.
pub fn measurements(
    experiment: &Experiment,
    candidate: &Candidate,
    intensity: &meter::footprint::CarbonIntensity,
    pue: meter::footprint::Pue,
) -> (BTreeMap<String, Measurement>, Vec<String>) {
    let mut out = BTreeMap::new();
    let mut notes = Vec::new();
    let Some(declared) = &candidate.declared else { return (out, notes) };
    let source = declared.source.clone().unwrap_or_else(|| "the experiment file".into());
    let hardware = match (&declared.hardware, declared.devices) {
        (Some(h), Some(n)) => format!("{n} x {h}"),
        (Some(h), None) => h.clone(),
        (None, Some(n)) => format!("{n} devices"),
        (None, None) => "unstated hardware".into(),
    };
    if let Some(hours) = declared.hours {
        out.insert(
            "train_time".into(),
            Measurement::new(hours * 3600.0, "s", Method::Declared)
                .with_note(format!("{hours} h on {hardware}, declared ({source})")),
        );
    }
    match (declared.hours, declared.power_w) {
        (Some(hours), Some(power)) => {
            let joules = power * hours * 3600.0;
            out.insert(
                "train_energy".into(),
                Measurement::new(joules, "J", Method::Declared).with_note(format!(
                    "{power} W x {hours} h (IT equipment: CPU + DRAM + accelerators, before PUE), declared ({source})"
                )),
            );
            let co2 = meter::footprint::co2_grams(
                meter::footprint::EnergyInput::exact(joules, Method::Declared),
                pue,
                intensity,
            );
            out.insert(
                "co2".into(),
                Measurement::new(co2.value, "g", co2.method).with_note(co2.formula).with_inputs(co2.inputs),
            );
        }
        _ => notes.push("no energy: declare both `hours` and `power_w`".into()),
    }
    if let (Some(hours), Some(devices), Some([low, high])) =
        (declared.hours, declared.devices, declared.price_per_device_hour)
    {
        let device_hours = hours * f64::from(devices);
        out.insert(
            "cost".into(),
            Measurement::new(device_hours * low, "USD", Method::Declared).with_note(format!(
                "{device_hours} device-hours x {low} USD (low price); at the high price {high} USD: {} USD",
                device_hours * high
            )),
        );
    }
    // Only what the experiment asks for.
    out.retain(|name, _| experiment.metric(name).is_some());
    (out, notes)
}
