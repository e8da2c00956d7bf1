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
#[derive(Debug, Clone, PartialEq)]
pub struct Derived {
    pub value: f64,
    pub method: Method,
    pub formula: String,
}

/// CO2e in grams of `energy_j` joules of IT energy obtained by `energy_method`.
pub fn co2_grams(energy_j: f64, energy_method: Method, pue: Pue, intensity: &CarbonIntensity) -> Derived {
    let facility_kwh = energy_j / 3.6e6 * pue.value;
    let method =
        Method::weakest([Some(energy_method), pue.method(), Some(intensity.method)].into_iter().flatten())
            .expect("at least the energy's method");
    Derived {
        value: facility_kwh * intensity.g_per_kwh,
        method,
        formula: format!(
            "{energy_j:.3} J / 3.6e6 x {} x {} g/kWh ({}{})",
            pue.describe(),
            intensity.g_per_kwh,
            intensity.name,
            intensity.year.map(|y| format!(", {y}")).unwrap_or_default()
        ),
    }
}

/// A price declared in the experiment, with its date.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct DatedPrice {
    pub usd: f64,
    pub date: String,
    pub note: Option<String>,
}

/// Rental cost: device-hours (a measured time) x a declared hourly price.
pub fn rental_cost(seconds: f64, devices: f64, price: &DatedPrice) -> Derived {
    let hours = seconds / 3600.0 * devices;
    Derived {
        value: hours * price.usd,
        method: Method::weakest([Method::Counter, Method::Declared]).expect("two inputs"),
        formula: format!("{hours:.6} device-hours x {} USD/h (declared, {})", price.usd, price.date),
    }
}

/// Electricity cost: facility kWh x a declared tariff.
pub fn electricity_cost(energy_j: f64, energy_method: Method, pue: Pue, tariff: &DatedPrice) -> Derived {
    let facility_kwh = energy_j / 3.6e6 * pue.value;
    Derived {
        value: facility_kwh * tariff.usd,
        method: Method::weakest([energy_method, Method::Declared]).expect("two inputs"),
        formula: format!("{facility_kwh:.9} kWh x {} USD/kWh (declared, {})", tariff.usd, tariff.date),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn co2_follows_the_formula_and_the_weakest_method() {
        // 3.6 MJ = 1 kWh; PUE 1.5 -> 1.5 kWh; 400 g/kWh -> 600 g.
        let co2 = co2_grams(3.6e6, Method::Counter, Pue::new(Some(1.5)), &declared_intensity(400.0));
        assert!((co2.value - 600.0).abs() < 1e-9);
        assert_eq!(co2.method, Method::Declared);
        // Default PUE does not weaken; a table intensity is an estimate.
        let germany = lookup_region("de").unwrap();
        let co2 = co2_grams(7.2e6, Method::Counter, Pue::new(None), &germany);
        assert!((co2.value - 2.0 * germany.g_per_kwh).abs() < 1e-9);
        assert_eq!(co2.method, Method::Estimated);
        assert!(co2.formula.contains("IT equipment only"));
    }

    #[test]
    fn costs_are_kept_apart() {
        let price = DatedPrice { usd: 2.0, date: "2026-11".into(), note: None };
        let rental = rental_cost(5400.0, 4.0, &price);
        assert!((rental.value - 12.0).abs() < 1e-12);
        assert_eq!(rental.method, Method::Declared);
        let tariff = DatedPrice { usd: 0.25, date: "2026-11".into(), note: None };
        let power = electricity_cost(3.6e6 * 8.0, Method::Estimated, Pue::new(Some(1.2)), &tariff);
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
