//! Records for declared candidates: figures given in the experiment file (published
//! hardware power, device counts, hours, compute) instead of measured. Each measurement
//! comes from the line items of `spec::declared::Derivation`, the same derivation the
//! report audits published figures with, and carries its method (`declared`, or
//! `estimated` where a model stands in: compute-based device-hours, TDP for power,
//! embodied emissions), the formula and inputs in its note, and the interval its inputs'
//! ranges give.

use std::collections::BTreeMap;

use spec::declared::{Defaults, Derivation, LineId};
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
    let Some(declared) = &candidate.declared else { return (out, Vec::new()) };
    let defaults = Defaults {
        pue: pue.value,
        pue_declared: !pue.is_default,
        intensity_g_per_kwh: intensity.g_per_kwh,
        intensity_method: intensity.method,
    };
    let derivation = Derivation::of(declared, &defaults);
    let source = declared.source.clone().unwrap_or_else(|| "the experiment file".into());
    let hardware = match (&declared.hardware, &declared.devices) {
        (Some(h), Some(n)) => format!("{} x {h}", n.value()),
        (Some(h), None) => h.clone(),
        (None, Some(n)) => format!("{} devices", n.value()),
        (None, None) => "unstated hardware".into(),
    };
    for figure in derivation.metric_figures() {
        let Some(explained) = derivation.explain(&figure.line) else { continue };
        let mut note =
            format!("{} = {explained} ({}, {source}; {hardware})", figure.line.label(), figure.method);
        if figure.line == LineId::CostLow
            && let Some((high, _)) = derivation.evaluate(&LineId::CostHigh)
        {
            note.push_str(&format!("; at the high price: {high} USD"));
        }
        let mut measurement = Measurement::new(figure.value, figure.unit, figure.method)
            .with_note(note)
            .with_range(figure.range);
        if figure.metric == "co2" {
            measurement = measurement.with_inputs(co2_inputs(&derivation));
        }
        out.insert(figure.metric.to_string(), measurement);
    }
    // Only what the experiment asks for, and why an asked-for figure is missing.
    out.retain(|name, _| experiment.metric(name).is_some());
    let wants_energy =
        ["train_energy", "co2"].iter().any(|m| experiment.metric(m).is_some() && !out.contains_key(*m));
    let wants_cost = experiment.metric("cost").is_some() && !out.contains_key("cost");
    let notes = derivation
        .missing
        .iter()
        .filter(|m| (wants_energy && m.starts_with("no energy")) || (wants_cost && m.starts_with("no cost")))
        .cloned()
        .collect();
    (out, notes)
}

/// The methods of what operational CO2 rests on, as measured figures list them.
fn co2_inputs(derivation: &Derivation) -> BTreeMap<String, Method> {
    let mut inputs = BTreeMap::new();
    if let Some(energy) = derivation.line(&LineId::ItEnergy) {
        inputs.insert("energy".to_string(), energy.method);
    }
    for input in &derivation.inputs {
        if input.key.ends_with("carbon_intensity") && !input.key.starts_with("net") {
            inputs.insert("carbon intensity".to_string(), input.method);
        }
        if input.key == "pue" || input.key == "[environment] pue" {
            inputs.insert("PUE".to_string(), Method::Declared);
        }
    }
    inputs
}
