//! CO2 and cost from energy, each step labelled: facility energy = IT energy x PUE (a
//! separate step; 1.0 means IT equipment only), CO2e = facility kWh x carbon intensity,
//! rental cost = device-hours x a declared dated price, electricity cost = facility kWh x
//! a declared tariff. A derived figure carries the weakest method among its inputs.

use serde::{Deserialize, Serialize};
use units::Method;

const CARBON_TABLE: &str = include_str!("../data/carbon-intensity.csv");

/// A grid carbon intensity and where it came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct CarbonIntensity {
    pub g_per_kwh: f64,
    /// The region code, or `declared` for a number given in the experiment.
    pub code: String,
    pub name: String,
    pub year: Option<u32>,
    pub source: String,
    /// `estimated` for an annual average from the shipped table (it stands in for the
    /// grid at the time of the run), `declared` for a number given by the user.
    pub method: Method,
    /// True when no location was given and the named world default was used.
    pub is_default: bool,
}

/// Every row of the shipped table.
pub fn carbon_table() -> Vec<CarbonIntensity> {
    let mut rows = Vec::new();
    for line in CARBON_TABLE.lines().skip(1) {
        let fields = split_csv(line);
        if fields.len() < 6 {
            continue;
        }
        let Ok(g_per_kwh) = fields[3].parse() else { continue };
        rows.push(CarbonIntensity {
            g_per_kwh,
            code: fields[0].clone(),
            name: fields[2].clone(),
            year: fields[4].parse().ok(),
            source: fields[5].clone(),
            method: Method::Estimated,
            is_default: false,
        });
    }
    rows
}

fn split_csv(line: &str) -> Vec<String> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    for c in line.chars() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => fields.push(std::mem::take(&mut field)),
            c => field.push(c),
        }
    }
    fields.push(field);
    fields
}

/// The region named by `code` (case-insensitive, ISO alpha-2 or alpha-3 for countries).
pub fn lookup_region(code: &str) -> Option<CarbonIntensity> {
    let wanted = code.trim().to_ascii_lowercase();
    CARBON_TABLE.lines().skip(1).zip(carbon_table()).find_map(|(line, row)| {
        let iso3 = split_csv(line).get(1).cloned().unwrap_or_default().to_ascii_lowercase();
        (row.code.to_ascii_lowercase() == wanted || (!iso3.is_empty() && iso3 == wanted)).then_some(row)
    })
}

/// The named default used when an experiment gives no location.
pub fn world_default() -> CarbonIntensity {
    let mut world = lookup_region("WORLD").expect("the shipped table has a WORLD row");
    world.is_default = true;
    world
}

/// A number of g CO2e/kWh declared by the user.
impl CarbonIntensity {
    /// The same intensity labelled with another method (for tests and scenarios).
    pub fn clone_with_method(&self, method: Method) -> CarbonIntensity {
        CarbonIntensity { method, ..self.clone() }
    }
}

pub fn declared_intensity(g_per_kwh: f64) -> CarbonIntensity {
    CarbonIntensity {
        g_per_kwh,
        code: "declared".into(),
        name: "declared in the experiment".into(),
        year: None,
        source: "the experiment's [environment] carbon_intensity".into(),
        method: Method::Declared,
        is_default: false,
    }
}

/// Power usage effectiveness, with whether it is the default (IT energy only).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Pue {
    pub value: f64,
    pub is_default: bool,
}

impl Pue {
    pub fn new(declared: Option<f64>) -> Pue {
        match declared {
            Some(value) => Pue { value, is_default: false },
            None => Pue { value: 1.0, is_default: true },
        }
    }

    /// The default scopes the figure to IT equipment and weakens nothing; a declared
    /// PUE is an input taken on trust.
    pub fn method(&self) -> Option<Method> {
        (!self.is_default).then_some(Method::Declared)
    }

    pub fn describe(&self) -> String {
        if self.is_default {
            "PUE 1.0 (default: IT equipment only, no facility overhead)".into()
        } else {
            format!("PUE {} (declared)", self.value)
        }
    }
}

/// A derived figure: value, method (the weakest of its inputs) and how it was computed.
/// A figure derived from others, with its formula, the method of each input and, where
/// an input has a model range, the range it carries through.
#[derive(Debug, Clone, PartialEq)]
pub struct Derived {
    pub value: f64,
    /// The weakest method among the inputs that are evidence about this run or its place
    /// (energy, time, carbon intensity, price). A declared PUE is listed in `inputs` but
    /// does not relabel the figure: it scales a facility, it does not weaken the evidence.
    pub method: Method,
    pub formula: String,
    pub inputs: std::collections::BTreeMap<String, Method>,
    pub range: Option<[f64; 2]>,
}

/// An energy figure as the input of a derived one.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EnergyInput {
    pub joules: f64,
    pub method: Method,
    pub range: Option<[f64; 2]>,
}

impl EnergyInput {
    pub fn exact(joules: f64, method: Method) -> EnergyInput {
        EnergyInput { joules, method, range: None }
    }
}

fn inputs(entries: &[(&str, Option<Method>)]) -> std::collections::BTreeMap<String, Method> {
    entries.iter().filter_map(|(name, method)| method.map(|m| (name.to_string(), m))).collect()
}

/// CO2e in grams: energy x PUE x carbon intensity.
pub fn co2_grams(energy: EnergyInput, pue: Pue, intensity: &CarbonIntensity) -> Derived {
    let grams = |joules: f64| joules / 3.6e6 * pue.value * intensity.g_per_kwh;
    Derived {
        value: grams(energy.joules),
        method: Method::weakest([energy.method, intensity.method]).expect("two inputs"),
        formula: format!(
            "{:.3} J / 3.6e6 x {} x {} g/kWh ({}{})",
            energy.joules,
            pue.describe(),
            intensity.g_per_kwh,
            intensity.name,
            intensity.year.map(|y| format!(", {y}")).unwrap_or_default()
        ),
        inputs: inputs(&[
            ("energy", Some(energy.method)),
            ("carbon intensity", Some(intensity.method)),
            ("PUE", pue.method()),
        ]),
        range: energy.range.map(|[low, high]| [grams(low), grams(high)]),
    }
}

/// A price with the date it held.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct DatedPrice {
    pub usd: f64,
    pub date: String,
    pub note: Option<String>,
}

/// Rental cost: device-hours x a declared price.
pub fn rental_cost(seconds: f64, devices: f64, price: &DatedPrice) -> Derived {
    let hours = seconds / 3600.0 * devices;
    Derived {
        value: hours * price.usd,
        method: Method::weakest([Method::Counter, Method::Declared]).expect("two inputs"),
        formula: format!("{hours:.6} device-hours x {} USD/h (declared, {})", price.usd, price.date),
        inputs: inputs(&[("time", Some(Method::Counter)), ("price", Some(Method::Declared))]),
        range: None,
    }
}

/// Electricity cost: facility kWh x a declared tariff.
pub fn electricity_cost(energy: EnergyInput, pue: Pue, tariff: &DatedPrice) -> Derived {
    let usd = |joules: f64| joules / 3.6e6 * pue.value * tariff.usd;
    Derived {
        value: usd(energy.joules),
        method: Method::weakest([energy.method, Method::Declared]).expect("two inputs"),
        formula: format!(
            "{:.9} kWh x {} USD/kWh (declared, {})",
            energy.joules / 3.6e6 * pue.value,
            tariff.usd,
            tariff.date
        ),
        inputs: inputs(&[
            ("energy", Some(energy.method)),
            ("tariff", Some(Method::Declared)),
            ("PUE", pue.method()),
        ]),
        range: energy.range.map(|[low, high]| [usd(low), usd(high)]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn co2_follows_the_formula_and_the_weakest_method() {
        // 3.6 MJ = 1 kWh; PUE 1.5 -> 1.5 kWh; 400 g/kWh -> 600 g.
        let co2 = co2_grams(
            EnergyInput::exact(3.6e6, Method::Counter),
            Pue::new(Some(1.5)),
            &declared_intensity(400.0),
        );
        assert!((co2.value - 600.0).abs() < 1e-9);
        assert_eq!(co2.method, Method::Declared);
        // Default PUE does not weaken; a table intensity is an estimate.
        let germany = lookup_region("de").unwrap();
        let co2 = co2_grams(EnergyInput::exact(7.2e6, Method::Counter), Pue::new(None), &germany);
        assert!((co2.value - 2.0 * germany.g_per_kwh).abs() < 1e-9);
        assert_eq!(co2.method, Method::Estimated);
        assert!(co2.formula.contains("IT equipment only"));
        assert!(!co2.inputs.contains_key("PUE"), "the default PUE is no input");
    }

    #[test]
    fn a_declared_pue_is_listed_without_relabelling_an_estimate() {
        // Estimated energy of 1 kWh with a model range of 0.5..1 kWh, PUE 1.2, 500 g/kWh.
        let energy = EnergyInput { joules: 3.6e6, method: Method::Estimated, range: Some([1.8e6, 3.6e6]) };
        let co2 = co2_grams(
            energy,
            Pue::new(Some(1.2)),
            &declared_intensity(500.0).clone_with_method(Method::Estimated),
        );
        assert_eq!(co2.method, Method::Estimated);
        assert_eq!(co2.inputs.get("PUE"), Some(&Method::Declared));
        assert_eq!(co2.inputs.get("energy"), Some(&Method::Estimated));
        let [low, high] = co2.range.unwrap();
        assert!((low - 300.0).abs() < 1e-9 && (high - 600.0).abs() < 1e-9);
    }

    #[test]
    fn costs_are_kept_apart() {
        let price = DatedPrice { usd: 2.0, date: "2026-11".into(), note: None };
        let rental = rental_cost(5400.0, 4.0, &price);
        assert!((rental.value - 12.0).abs() < 1e-12);
        assert_eq!(rental.method, Method::Declared);
        let tariff = DatedPrice { usd: 0.25, date: "2026-11".into(), note: None };
        let power = electricity_cost(
            EnergyInput::exact(3.6e6 * 8.0, Method::Estimated),
            Pue::new(Some(1.2)),
            &tariff,
        );
        assert!((power.value - 2.4).abs() < 1e-12);
        assert_eq!(power.method, Method::Declared);
    }

    #[test]
    fn the_table_has_countries_regions_and_a_named_world_default() {
        let world = world_default();
        assert!(world.is_default);
        assert_eq!(world.g_per_kwh, 475.0);
        assert_eq!(world.year, Some(2019));
        assert_eq!(lookup_region("DEU").unwrap().code, "DE");
        assert!(lookup_region("gcp:europe-west9").is_some());
        assert!(lookup_region("aws:us-east-1").unwrap().source.contains("Virginia"));
        assert!(lookup_region("atlantis").is_none());
        assert!(carbon_table().iter().all(|r| !r.source.is_empty() && r.g_per_kwh >= 0.0));
    }
}
