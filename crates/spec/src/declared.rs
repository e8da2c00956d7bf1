//! What a declared candidate's inputs mean: the formulas of its line items (device-hours,
//! energy, CO2 gross and net, idle energy, embodied emissions, cost), the input each
//! formula rests on, and the published figures they are compared with.
//!
//! The engine records the figures a declared candidate gives from this derivation, and
//! the report re-derives them from the experiment file to audit the published figures:
//! one derivation, so a record and its audit cannot drift apart.
//!
//! Every input is either declared (a number, or a table with what the source prints, a
//! range or a relative uncertainty and a note), taken from `[environment]` (PUE, carbon
//! intensity) or a stated default (utilisation 1, a year of 8,760 hours), and every
//! line item is a [`Formula`] over them, so values, intervals and the value of one input
//! that reconciles a figure are exact.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use units::Method;

use crate::diagnostic::{Diagnostic, did_you_mean};
use crate::formula::Formula;
use crate::model::DeclaredInputs;
use crate::structure::{Path, SpanIndex};

/// A declared input: a plain number, or a table that also says what the source prints
/// and how uncertain the value is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum DeclaredValue {
    Plain(f64),
    Detailed(DetailedValue),
}

/// `{ value = 79.2, printed = 79 }`, `{ value = 330, range = [300, 350] }`,
/// `{ value = 0.4, uncertainty = 0.1 }`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DetailedValue {
    /// The value the figures are computed from.
    pub value: f64,
    /// The value as the source prints it, where it differs from `value` (e.g. `79` when
    /// the published figures follow from 79.2): the audit recomputes from both.
    #[serde(default)]
    pub printed: Option<f64>,
    /// Lowest and highest plausible value: every figure derived from the input carries
    /// the interval, and verdicts on it are decided on the interval.
    #[serde(default)]
    pub range: Option<[f64; 2]>,
    /// Relative uncertainty: `0.1` means 10% lower to 10% higher (instead of `range`).
    #[serde(default)]
    pub uncertainty: Option<f64>,
    /// Where the value comes from, or why it differs from the printed one.
    #[serde(default)]
    pub note: Option<String>,
}

impl DeclaredValue {
    pub fn value(&self) -> f64 {
        match self {
            DeclaredValue::Plain(v) => *v,
            DeclaredValue::Detailed(d) => d.value,
        }
    }

    /// The value as the source prints it.
    pub fn printed(&self) -> f64 {
        match self {
            DeclaredValue::Plain(v) => *v,
            DeclaredValue::Detailed(d) => d.printed.unwrap_or(d.value),
        }
    }

    /// The interval the value may lie in (a point when none is declared).
    pub fn range(&self) -> [f64; 2] {
        match self {
            DeclaredValue::Plain(v) => [*v, *v],
            DeclaredValue::Detailed(d) => match (d.range, d.uncertainty) {
                (Some(range), _) => range,
                (None, Some(u)) => [d.value * (1.0 - u), d.value * (1.0 + u)],
                (None, None) => [d.value, d.value],
            },
        }
    }

    pub fn note(&self) -> Option<&str> {
        match self {
            DeclaredValue::Plain(_) => None,
            DeclaredValue::Detailed(d) => d.note.as_deref(),
        }
    }
}

/// A rental price per device-hour: `[low, high]` (two published cost figures,
/// `cost_low_usd` and `cost_high_usd`), or one price (`cost_usd`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum PriceDeclaration {
    LowHigh([f64; 2]),
    One(DeclaredValue),
}

/// A published figure: a number, whose last printed digit sets how close a recomputed
/// figure must be (`85.7` is matched by 85.65 to 85.75), or a table that says so
/// explicitly (`{ value = 4600000, resolution = 100000 }` for "$4.6M").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum PublishedFigure {
    Plain(f64),
    Detailed(PublishedDetail),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PublishedDetail {
    pub value: f64,
    /// The unit of the last digit printed: `100000` for "$4.6M", `0.1` for "85.7".
    #[serde(default)]
    pub resolution: Option<f64>,
    /// Where in the source the figure is printed.
    #[serde(default)]
    pub note: Option<String>,
}

impl PublishedFigure {
    pub fn value(&self) -> f64 {
        match self {
            PublishedFigure::Plain(v) => *v,
            PublishedFigure::Detailed(d) => d.value,
        }
    }

    /// The unit of the last digit printed: explicit, or from the number as written
    /// (`85.7` -> 0.1, `1287` -> 1).
    pub fn resolution(&self) -> f64 {
        match self {
            PublishedFigure::Detailed(PublishedDetail { resolution: Some(r), .. }) => *r,
            _ => {
                let text = format!("{}", self.value());
                match text.split_once('.') {
                    Some((_, decimals)) => 10f64.powi(-(decimals.len() as i32)),
                    None => 1.0,
                }
            }
        }
    }

    /// The values that print as this figure: within half a resolution.
    pub fn accepts(&self) -> [f64; 2] {
        let half = self.resolution() / 2.0;
        // A relative hair of slack so that a value exactly on the boundary of rounding,
        // reached through other floating-point operations, still counts.
        let slack = self.value().abs() * 1e-12;
        [self.value() - half - slack, self.value() + half + slack]
    }

    pub fn note(&self) -> Option<&str> {
        match self {
            PublishedFigure::Plain(_) => None,
            PublishedFigure::Detailed(d) => d.note.as_deref(),
        }
    }
}

/// Embodied (manufacturing) emissions of one kind of hardware, charged by the share of
/// its service life the training used: `kg_per_unit x units_per_device x device-hours /
/// (lifetime_years x hours_per_year x usage)`. Never part of operational CO2.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EmbodiedItem {
    /// What the emissions are of (`gpus`, `servers`): letters, digits and `-`.
    pub part: String,
    /// Manufacturing emissions of one unit, kg CO2e.
    pub kg_per_unit: DeclaredValue,
    /// Units per device: `0.125` servers per GPU for eight GPUs a server (default 1).
    #[serde(default)]
    pub units_per_device: Option<DeclaredValue>,
    /// Years a unit stays in service.
    pub lifetime_years: DeclaredValue,
    /// Share of its service life a unit is in use (default 1).
    #[serde(default)]
    pub usage: Option<DeclaredValue>,
}

/// A line item of a declared candidate.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LineId {
    DeviceHours,
    DeviceYears,
    Hours,
    ItEnergy,
    Energy,
    Co2,
    Co2Net,
    IdleEnergy,
    IdleCo2,
    Embodied(String),
    EmbodiedTotal,
    TotalCo2,
    Cost,
    CostLow,
    CostHigh,
}

impl LineId {
    /// The stem of its published keys (`co2` in `co2_t`).
    pub fn name(&self) -> String {
        match self {
            LineId::DeviceHours => "device_hours".into(),
            LineId::DeviceYears => "device_years".into(),
            LineId::Hours => "hours".into(),
            LineId::ItEnergy => "it_energy".into(),
            LineId::Energy => "energy".into(),
            LineId::Co2 => "co2".into(),
            LineId::Co2Net => "co2_net".into(),
            LineId::IdleEnergy => "idle_energy".into(),
            LineId::IdleCo2 => "idle_co2".into(),
            LineId::Embodied(part) => format!("embodied_co2_{part}"),
            LineId::EmbodiedTotal => "embodied_co2".into(),
            LineId::TotalCo2 => "total_co2".into(),
            LineId::Cost => "cost".into(),
            LineId::CostLow => "cost_low".into(),
            LineId::CostHigh => "cost_high".into(),
        }
    }

    /// What the line is, in words.
    pub fn label(&self) -> String {
        match self {
            LineId::DeviceHours => "device-hours".into(),
            LineId::DeviceYears => "device-years".into(),
            LineId::Hours => "wall-clock hours".into(),
            LineId::ItEnergy => "energy of the IT equipment (before PUE)".into(),
            LineId::Energy => "energy x PUE".into(),
            LineId::Co2 => "operational CO2e, gross".into(),
            LineId::Co2Net => "operational CO2e, net of clean-energy purchases".into(),
            LineId::IdleEnergy => "idle and infrastructure energy x PUE".into(),
            LineId::IdleCo2 => "CO2e of idle and infrastructure energy".into(),
            LineId::Embodied(part) => format!("embodied CO2e of the {part}"),
            LineId::EmbodiedTotal => "embodied CO2e".into(),
            LineId::TotalCo2 => "life-cycle CO2e (operational + idle + embodied)".into(),
            LineId::Cost => "rental cost".into(),
            LineId::CostLow => "rental cost at the low price".into(),
            LineId::CostHigh => "rental cost at the high price".into(),
        }
    }

    /// The unit its formula computes in.
    pub fn unit(&self) -> &'static str {
        match self {
            LineId::DeviceHours | LineId::Hours => "h",
            LineId::DeviceYears => "years",
            LineId::ItEnergy | LineId::Energy | LineId::IdleEnergy => "kWh",
            LineId::Co2
            | LineId::Co2Net
            | LineId::IdleCo2
            | LineId::Embodied(_)
            | LineId::EmbodiedTotal
            | LineId::TotalCo2 => "kg",
            LineId::Cost | LineId::CostLow | LineId::CostHigh => "USD",
        }
    }
}

/// The unit a published figure is printed in, and its factor from the line's unit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PrintedUnit {
    pub symbol: &'static str,
    /// Printed value = line value x `per_line_unit`.
    pub per_line_unit: f64,
}

/// Published keys: `<line>_<unit>`, plus `device_hours`, `device_years` and the
/// `energy_kwh_pue` of older files.
const ENERGY_UNITS: [(&str, &str, f64); 3] =
    [("kwh", "kWh", 1.0), ("mwh", "MWh", 1e-3), ("gwh", "GWh", 1e-6)];
const MASS_UNITS: [(&str, &str, f64); 4] =
    [("g", "g", 1e3), ("kg", "kg", 1.0), ("t", "t", 1e-3), ("lb", "lb", 1.0 / 0.453_592_37)];

/// The line item and unit a published key names.
pub fn published_key(key: &str, parts: &[String]) -> Option<(LineId, PrintedUnit)> {
    let unit = |symbol, per_line_unit| PrintedUnit { symbol, per_line_unit };
    match key {
        "device_hours" => return Some((LineId::DeviceHours, unit("h", 1.0))),
        "device_years" => return Some((LineId::DeviceYears, unit("years", 1.0))),
        "hours" => return Some((LineId::Hours, unit("h", 1.0))),
        "days" => return Some((LineId::Hours, unit("days", 1.0 / 24.0))),
        "energy_kwh_pue" => return Some((LineId::Energy, unit("kWh", 1.0))),
        _ => {}
    }
    let (stem, suffix) = key.rsplit_once('_')?;
    if let Some((_, symbol, factor)) = ENERGY_UNITS.iter().find(|(s, _, _)| *s == suffix) {
        let line = match stem {
            "it_energy" => LineId::ItEnergy,
            "energy" => LineId::Energy,
            "idle_energy" => LineId::IdleEnergy,
            _ => return None,
        };
        return Some((line, unit(symbol, *factor)));
    }
    if let Some((_, symbol, factor)) = MASS_UNITS.iter().find(|(s, _, _)| *s == suffix) {
        let line = match stem {
            "co2" => LineId::Co2,
            "co2_net" => LineId::Co2Net,
            "idle_co2" => LineId::IdleCo2,
            "embodied_co2" => LineId::EmbodiedTotal,
            "total_co2" => LineId::TotalCo2,
            _ => {
                let part = stem.strip_prefix("embodied_co2_")?;
                if !parts.iter().any(|p| p == part) {
                    return None;
                }
                LineId::Embodied(part.to_string())
            }
        };
        return Some((line, unit(symbol, *factor)));
    }
    if suffix == "usd" {
        let line = match stem {
            "cost" => LineId::Cost,
            "cost_low" => LineId::CostLow,
            "cost_high" => LineId::CostHigh,
            _ => return None,
        };
        return Some((line, unit("USD", 1.0)));
    }
    None
}

/// Examples of published keys, for "expected" in diagnostics.
pub const PUBLISHED_KEYS: &str = "`energy_mwh`, `it_energy_kwh`, `co2_t`, `co2_net_t`, `co2_lb`, `idle_energy_kwh`, \
`idle_co2_t`, `embodied_co2_t`, `embodied_co2_<part>_t`, `total_co2_t`, `cost_usd`, `cost_low_usd`, `cost_high_usd`, \
`device_hours`, `device_years` (energy in kwh, mwh or gwh; CO2e in g, kg, t or lb)";

/// Where an input's value comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// In the candidate's `declared` table.
    Declared,
    /// From `[environment]` (the run's PUE and carbon intensity).
    Environment,
    /// A stated default (utilisation 1, 8,760 hours a year, ...).
    Default,
}

/// One input of the formulas.
#[derive(Debug, Clone, PartialEq)]
pub struct Input {
    /// As written in the file: `hours`, `embodied.gpus.lifetime_years`,
    /// `[environment] pue`, `hours_per_year (default)`.
    pub key: String,
    pub unit: &'static str,
    pub value: f64,
    /// As the source prints it (= `value` unless declared otherwise).
    pub printed: f64,
    pub range: [f64; 2],
    pub method: Method,
    pub origin: Origin,
    pub note: Option<String>,
}

/// A line item: its formula over the inputs, its method and the formula in words.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    pub id: LineId,
    pub formula: Formula,
    pub method: Method,
    /// The formula in words, with the input names (`device_power_w x device-hours / 1000`).
    pub how: String,
}

/// The run's factors that a candidate does not declare itself.
#[derive(Debug, Clone, PartialEq)]
pub struct Defaults {
    pub pue: f64,
    /// False for the default PUE of 1.0 (IT equipment only).
    pub pue_declared: bool,
    pub intensity_g_per_kwh: f64,
    /// `declared` for a number in `[environment]`, `estimated` for a table region.
    pub intensity_method: Method,
}

/// Every line item a candidate's declared inputs give.
#[derive(Debug, Clone, PartialEq)]
pub struct Derivation {
    pub inputs: Vec<Input>,
    pub lines: Vec<Line>,
    /// Why line items the candidate may want are missing.
    pub missing: Vec<String>,
}

/// A year of 365 days, the default length of `device_years` and of embodied lifetimes.
pub const HOURS_PER_YEAR: f64 = 8760.0;

struct Builder<'a> {
    declared: &'a DeclaredInputs,
    inputs: Vec<Input>,
}

impl Builder<'_> {
    fn declared(&mut self, key: &str, unit: &'static str, value: &DeclaredValue) -> Formula {
        if let Some(index) = self.inputs.iter().position(|i| i.key == key) {
            return Formula::input(index);
        }
        let note = value.note().map(str::to_string).or_else(|| {
            self.declared.as_printed.contains_key(key).then(|| self.declared.correction.clone())?
        });
        let printed = self.declared.as_printed.get(key).copied().unwrap_or_else(|| value.printed());
        self.push(Input {
            key: key.to_string(),
            unit,
            value: value.value(),
            printed,
            range: value.range(),
            method: Method::Declared,
            origin: Origin::Declared,
            note,
        })
    }

    fn other(
        &mut self,
        key: &str,
        unit: &'static str,
        value: f64,
        method: Method,
        origin: Origin,
    ) -> Formula {
        if let Some(index) = self.inputs.iter().position(|i| i.key == key) {
            return Formula::input(index);
        }
        self.push(Input {
            key: key.to_string(),
            unit,
            value,
            printed: value,
            range: [value, value],
            method,
            origin,
            note: None,
        })
    }

    fn push(&mut self, input: Input) -> Formula {
        self.inputs.push(input);
        Formula::input(self.inputs.len() - 1)
    }
}

impl Derivation {
    /// The line items of `declared`, with `defaults` for what it does not declare.
    pub fn of(declared: &DeclaredInputs, defaults: &Defaults) -> Derivation {
        let mut b = Builder { declared, inputs: Vec::new() };
        let mut lines: Vec<Line> = Vec::new();
        let mut missing = Vec::new();
        let d = declared;
        let devices = d.devices.as_ref().map(|v| b.declared("devices", "", v));
        let hours = match (&d.hours, &d.days) {
            (Some(h), _) => Some(b.declared("hours", "h", h)),
            (None, Some(days)) => Some(b.declared("days", "days", days).scaled(24.0)),
            (None, None) => None,
        };
        let mut year = None;
        let mut hours_per_year = |b: &mut Builder<'_>| {
            year.get_or_insert_with(|| {
                b.other("hours_per_year (default)", "h", HOURS_PER_YEAR, Method::Declared, Origin::Default)
            })
            .clone()
        };
        // Device-hours: declared, from device-years, from compute, or devices x hours.
        let device_hours: Option<(Formula, Method, String)> = if let Some(v) = &d.device_hours {
            Some((b.declared("device_hours", "h", v), Method::Declared, "device_hours".into()))
        } else if let Some(v) = &d.device_years {
            let years = b.declared("device_years", "years", v);
            let per_year = hours_per_year(&mut b);
            Some((years.times(&per_year), Method::Declared, "device_years x hours_per_year".into()))
        } else if let (Some(flops), Some(tflops)) = (&d.flops, &d.device_tflops) {
            let flops = b.declared("flops", "FLOP", flops);
            let tflops = b.declared("device_tflops", "TFLOP/s", tflops);
            let utilisation = match &d.utilisation {
                Some(u) => b.declared("utilisation", "", u),
                None => b.other("utilisation (default)", "", 1.0, Method::Declared, Origin::Default),
            };
            let rate = tflops.times(&utilisation).scaled(1e12 * 3600.0);
            flops.divided_by(&rate).map(|f| {
                (f, Method::Estimated, "flops / (device_tflops x 1e12 x utilisation) / 3600".to_string())
            })
        } else if let (Some(n), Some(h)) = (&devices, &hours) {
            let how = if d.hours.is_some() { "devices x hours" } else { "devices x days x 24" };
            Some((n.times(h), Method::Declared, how.into()))
        } else {
            None
        };
        if let Some((formula, method, how)) = &device_hours {
            lines.push(Line {
                id: LineId::DeviceHours,
                formula: formula.clone(),
                method: *method,
                how: how.clone(),
            });
            let per_year = hours_per_year(&mut b);
            if let Some(years) = formula.divided_by(&per_year) {
                lines.push(Line {
                    id: LineId::DeviceYears,
                    formula: years,
                    method: *method,
                    how: format!("{} / hours_per_year", group(how)),
                });
            }
        }
        // Wall-clock hours.
        let wall = match (&hours, &device_hours, &devices) {
            (Some(h), _, _) => {
                let how = if d.hours.is_some() { "hours" } else { "days x 24" };
                Some((h.clone(), Method::Declared, how.to_string()))
            }
            (None, Some((dh, method, how)), Some(n)) => {
                dh.divided_by(n).map(|f| (f, *method, format!("{} / devices", group(how))))
            }
            _ => None,
        };
        if let Some((formula, method, how)) = &wall {
            lines.push(Line {
                id: LineId::Hours,
                formula: formula.clone(),
                method: *method,
                how: how.clone(),
            });
        }
        // Energy of the IT equipment.
        let it_energy: Option<(Formula, Method, String)> = match (
            &d.power_w,
            &d.device_power_w,
            &d.device_tdp_w,
        ) {
            (Some(p), _, _) => match &wall {
                Some((h, method, how)) => {
                    let p = b.declared("power_w", "W", p);
                    Some((p.times(h).scaled(1e-3), *method, format!("power_w x {how} / 1000")))
                }
                None => {
                    missing.push("no energy: `power_w` needs `hours` (or `days`)".into());
                    None
                }
            },
            (None, Some(p), _) | (None, None, Some(p)) => {
                let (key, method) = if d.device_power_w.is_some() {
                    ("device_power_w", Method::Declared)
                } else {
                    // TDP stands in for the average draw: a model, not a measurement.
                    ("device_tdp_w", Method::Estimated)
                };
                match &device_hours {
                    Some((dh, dh_method, how)) => {
                        let p = b.declared(key, "W", p);
                        let method = modelled([method, *dh_method]);
                        Some((p.times(dh).scaled(1e-3), method, format!("{key} x {how} / 1000")))
                    }
                    None => {
                        missing.push(format!(
                            "no energy: `{key}` needs device-hours (`device_hours`, `device_years`, `flops` with `device_tflops`, or `devices` with `hours`)"
                        ));
                        None
                    }
                }
            }
            (None, None, None) => {
                missing.push(
                    "no energy: declare `power_w` (whole system) with `hours`, or `device_power_w` / `device_tdp_w` (per device) with device-hours"
                        .into(),
                );
                None
            }
        };
        let pue = match &d.pue {
            Some(v) => b.declared("pue", "", v),
            None if defaults.pue_declared => {
                b.other("[environment] pue", "", defaults.pue, Method::Declared, Origin::Environment)
            }
            None => b.other(
                "pue (default: IT equipment only)",
                "",
                defaults.pue,
                Method::Declared,
                Origin::Default,
            ),
        };
        let intensity = |b: &mut Builder<'_>| match &d.carbon_intensity {
            Some(v) => (b.declared("carbon_intensity", "g/kWh", v), Method::Declared),
            None => (
                b.other(
                    "[environment] carbon_intensity",
                    "g/kWh",
                    defaults.intensity_g_per_kwh,
                    defaults.intensity_method,
                    Origin::Environment,
                ),
                defaults.intensity_method,
            ),
        };
        let mut operational: Vec<(Formula, Method)> = Vec::new();
        if let Some((it, method, how)) = &it_energy {
            lines.push(Line { id: LineId::ItEnergy, formula: it.clone(), method: *method, how: how.clone() });
            let energy = it.times(&pue);
            lines.push(Line {
                id: LineId::Energy,
                formula: energy.clone(),
                method: *method,
                how: format!("{how} x pue"),
            });
            let (g, g_method) = intensity(&mut b);
            let co2 = energy.times(&g).scaled(1e-3);
            let co2_method = modelled([*method, g_method]);
            lines.push(Line {
                id: LineId::Co2,
                formula: co2.clone(),
                method: co2_method,
                how: format!("{how} x pue x carbon_intensity / 1000"),
            });
            operational.push((co2, co2_method));
            if let Some(net) = &d.net_carbon_intensity {
                let net = b.declared("net_carbon_intensity", "g/kWh", net);
                lines.push(Line {
                    id: LineId::Co2Net,
                    formula: energy.times(&net).scaled(1e-3),
                    method: *method,
                    how: format!("{how} x pue x net_carbon_intensity / 1000"),
                });
            }
        }
        if let Some(idle) = &d.idle_kwh {
            let idle = b.declared("idle_kwh", "kWh", idle);
            let energy = idle.times(&pue);
            lines.push(Line {
                id: LineId::IdleEnergy,
                formula: energy.clone(),
                method: Method::Declared,
                how: "idle_kwh x pue".into(),
            });
            let (g, g_method) = intensity(&mut b);
            let co2 = energy.times(&g).scaled(1e-3);
            let method = modelled([Method::Declared, g_method]);
            lines.push(Line {
                id: LineId::IdleCo2,
                formula: co2.clone(),
                method,
                how: "idle_kwh x pue x carbon_intensity / 1000".into(),
            });
            operational.push((co2, method));
        }
        // Embodied emissions, each part by the share of its service life used.
        let mut embodied: Vec<Formula> = Vec::new();
        for item in &d.embodied {
            let Some((dh, _, how)) = &device_hours else {
                missing.push(format!("no embodied emissions of the {}: they need device-hours", item.part));
                break;
            };
            let prefix = format!("embodied.{}", item.part);
            let kg = b.declared(&format!("{prefix}.kg_per_unit"), "kg", &item.kg_per_unit);
            let units = match &item.units_per_device {
                Some(v) => b.declared(&format!("{prefix}.units_per_device"), "", v),
                None => Formula::constant(1.0),
            };
            let lifetime = b.declared(&format!("{prefix}.lifetime_years"), "years", &item.lifetime_years);
            let usage = match &item.usage {
                Some(v) => b.declared(&format!("{prefix}.usage"), "", v),
                None => Formula::constant(1.0),
            };
            let per_year = hours_per_year(&mut b);
            let service = lifetime.times(&per_year).times(&usage);
            let Some(formula) = kg.times(&units).times(dh).divided_by(&service) else { continue };
            embodied.push(formula.clone());
            lines.push(Line {
                id: LineId::Embodied(item.part.clone()),
                formula,
                method: Method::Estimated,
                how: format!(
                    "{prefix}.kg_per_unit{} x {} / ({prefix}.lifetime_years x hours_per_year{})",
                    if item.units_per_device.is_some() {
                        format!(" x {prefix}.units_per_device")
                    } else {
                        String::new()
                    },
                    group(how),
                    if item.usage.is_some() { format!(" x {prefix}.usage") } else { String::new() },
                ),
            });
        }
        if let Some(first) = embodied.first() {
            let total = embodied.iter().skip(1).fold(first.clone(), |acc, f| acc.plus(f));
            lines.push(Line {
                id: LineId::EmbodiedTotal,
                formula: total.clone(),
                method: Method::Estimated,
                how: "the sum of the parts' embodied CO2e".into(),
            });
            operational.push((total, Method::Estimated));
        }
        if operational.len() > 1 {
            let total = operational.iter().skip(1).fold(operational[0].0.clone(), |acc, (f, _)| acc.plus(f));
            let method = modelled(operational.iter().map(|(_, m)| *m));
            lines.push(Line {
                id: LineId::TotalCo2,
                formula: total,
                method,
                how: "operational + idle + embodied CO2e".into(),
            });
        }
        // Rental cost.
        match (&d.price_per_device_hour, &device_hours) {
            (Some(PriceDeclaration::LowHigh([low, high])), Some((dh, method, how))) => {
                let method = modelled([*method, Method::Declared]);
                for (id, key, price) in [
                    (LineId::CostLow, "price_per_device_hour (low)", *low),
                    (LineId::CostHigh, "price_per_device_hour (high)", *high),
                ] {
                    let p = b.other(key, "USD/h", price, Method::Declared, Origin::Declared);
                    lines.push(Line { id, formula: dh.times(&p), method, how: format!("{how} x {key}") });
                }
            }
            (Some(PriceDeclaration::One(price)), Some((dh, method, how))) => {
                let p = b.declared("price_per_device_hour", "USD/h", price);
                let method = modelled([*method, Method::Declared]);
                lines.push(Line {
                    id: LineId::Cost,
                    formula: dh.times(&p),
                    method,
                    how: format!("{how} x price_per_device_hour"),
                });
            }
            (Some(_), None) => missing.push("no cost: the price needs device-hours".into()),
            (None, _) => {}
        }
        Derivation { inputs: b.inputs, lines, missing }
    }

    pub fn line(&self, id: &LineId) -> Option<&Line> {
        self.lines.iter().find(|l| &l.id == id)
    }

    /// The inputs as declared.
    pub fn values(&self) -> Vec<f64> {
        self.inputs.iter().map(|i| i.value).collect()
    }

    /// The inputs as the source prints them.
    pub fn printed(&self) -> Vec<f64> {
        self.inputs.iter().map(|i| i.printed).collect()
    }

    pub fn ranges(&self) -> Vec<[f64; 2]> {
        self.inputs.iter().map(|i| i.range).collect()
    }

    /// Whether an input's declared value differs from the printed one.
    pub fn corrects_the_source(&self) -> bool {
        self.inputs.iter().any(|i| i.value != i.printed)
    }

    /// A line's value and, where an input carries a range, its interval.
    pub fn evaluate(&self, id: &LineId) -> Option<(f64, Option<[f64; 2]>)> {
        let line = self.line(id)?;
        let value = line.formula.value(&self.values());
        let uncertain =
            line.formula.inputs().iter().any(|&i| self.inputs[i].range[0] != self.inputs[i].range[1]);
        Some((value, uncertain.then(|| line.formula.interval(&self.ranges()))))
    }
}

/// A metric a declared candidate records, from one of its line items.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricFigure {
    pub metric: &'static str,
    pub line: LineId,
    /// In the metric's base unit (`s`, `J`, `g`, `USD`).
    pub value: f64,
    pub range: Option<[f64; 2]>,
    pub unit: &'static str,
    pub method: Method,
}

impl Derivation {
    /// The metrics a declared candidate's record holds: wall-clock time, the IT energy,
    /// operational CO2 (gross), the rental cost (at the low price of a pair) and embodied
    /// CO2, each in its base unit. Idle energy, net CO2 and the life-cycle total stay line
    /// items of the audit: the metrics keep one meaning for run and declared candidates.
    pub fn metric_figures(&self) -> Vec<MetricFigure> {
        let mut out = Vec::new();
        let cost = if self.line(&LineId::Cost).is_some() { LineId::Cost } else { LineId::CostLow };
        for (metric, line, unit, factor) in [
            ("train_time", LineId::Hours, "s", 3600.0),
            ("train_energy", LineId::ItEnergy, "J", 3.6e6),
            ("co2", LineId::Co2, "g", 1e3),
            ("cost", cost, "USD", 1.0),
            ("embodied_co2", LineId::EmbodiedTotal, "g", 1e3),
        ] {
            let Some((value, range)) = self.evaluate(&line) else { continue };
            let method = self.line(&line).expect("evaluated").method;
            out.push(MetricFigure {
                metric,
                line,
                value: value * factor,
                range: range.map(|[low, high]| [low * factor, high * factor]),
                unit,
                method,
            });
        }
        out
    }

    /// A line's formula in words and the inputs it rests on, with their values:
    /// `device_power_w x devices x days x 24 / 1000 x pue; device_power_w = 310 W, ...`.
    pub fn explain(&self, id: &LineId) -> Option<String> {
        let line = self.line(id)?;
        let inputs: Vec<String> = line
            .formula
            .inputs()
            .iter()
            .map(|&i| {
                let input = &self.inputs[i];
                let mut text = format!("{} = {}{}", input.key, plain(input.value), with_space(input.unit));
                if input.printed != input.value {
                    text.push_str(&format!(" (printed: {})", plain(input.printed)));
                }
                if input.range[0] != input.range[1] {
                    text.push_str(&format!(" [{}, {}]", plain(input.range[0]), plain(input.range[1])));
                }
                text
            })
            .collect();
        Some(format!("{}; {}", line.how, inputs.join(", ")))
    }
}

/// " W" for "W", nothing for a unitless input.
pub fn with_space(unit: &str) -> String {
    if unit.is_empty() { String::new() } else { format!(" {unit}") }
}

/// A formula in words as one operand: in parentheses unless it is one name.
fn group(how: &str) -> String {
    if how.contains(' ') { format!("({how})") } else { how.to_string() }
}

/// A number as written in a file: shortest form, no exponent below 1e15.
pub fn plain(value: f64) -> String {
    if value.abs() >= 1e15 || (value != 0.0 && value.abs() < 1e-4) {
        format!("{value:e}")
    } else {
        format!("{value}")
    }
}

/// The method of a line item: `estimated` where a model stands in anywhere in it
/// (compute-based device-hours, TDP for power, a share of manufacturing emissions, a
/// carbon intensity from the shipped table), `declared` where it is arithmetic on given
/// figures. (Among measured figures the weakest method wins; here every input is given,
/// so what tells figures apart is whether a model made them.)
fn modelled(methods: impl IntoIterator<Item = Method>) -> Method {
    methods.into_iter().min().unwrap_or(Method::Declared)
}

/// The names of a candidate's embodied parts.
pub fn parts(declared: &DeclaredInputs) -> Vec<String> {
    declared.embodied.iter().map(|e| e.part.clone()).collect()
}

/// The semantic checks of one candidate's `declared` table at `path`.
pub fn check(declared: &DeclaredInputs, path: &Path, spans: &SpanIndex) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let at = |key: &str| spans.value(&path.key(key));
    let key_at = |key: &str| spans.key(&path.key(key));
    let d = declared;
    // Each value: positive, its range around it, its uncertainty a fraction.
    let mut values: Vec<(String, Path, &DeclaredValue, Option<[f64; 2]>)> = Vec::new();
    let bounded = |key: &str| -> Option<[f64; 2]> {
        match key {
            "utilisation" => Some([0.0, 1.0]),
            "pue" => Some([1.0, 5.0]),
            _ => None,
        }
    };
    for (key, value) in [
        ("devices", &d.devices),
        ("hours", &d.hours),
        ("days", &d.days),
        ("device_hours", &d.device_hours),
        ("device_years", &d.device_years),
        ("power_w", &d.power_w),
        ("device_power_w", &d.device_power_w),
        ("device_tdp_w", &d.device_tdp_w),
        ("pue", &d.pue),
        ("carbon_intensity", &d.carbon_intensity),
        ("net_carbon_intensity", &d.net_carbon_intensity),
        ("flops", &d.flops),
        ("device_tflops", &d.device_tflops),
        ("utilisation", &d.utilisation),
        ("idle_kwh", &d.idle_kwh),
    ] {
        if let Some(value) = value {
            values.push((key.to_string(), path.key(key), value, bounded(key)));
        }
    }
    if let Some(PriceDeclaration::One(price)) = &d.price_per_device_hour {
        values.push(("price_per_device_hour".into(), path.key("price_per_device_hour"), price, None));
    }
    if let Some(PriceDeclaration::LowHigh([low, high])) = &d.price_per_device_hour
        && !(*low > 0.0 && low <= high && high.is_finite())
    {
        out.push(
            Diagnostic::new(
                "spec::declared-value",
                at("price_per_device_hour"),
                "the prices must be positive, low first",
            )
            .expected("`[low, high]` with 0 < low <= high")
            .found(format!("[{low}, {high}]")),
        );
    }
    let mut seen_parts: Vec<&str> = Vec::new();
    for (i, item) in d.embodied.iter().enumerate() {
        let item_path = path.key("embodied").index(i);
        let valid = !item.part.is_empty() && item.part.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
        if !valid || seen_parts.contains(&item.part.as_str()) {
            out.push(
                Diagnostic::new(
                    "spec::declared-value",
                    spans.value(&item_path.key("part")),
                    if valid {
                        "two embodied items name the same part"
                    } else {
                        "an embodied part needs a simple name"
                    },
                )
                .expected("a unique name of letters, digits and `-`")
                .found(format!("`{}`", item.part)),
            );
        }
        seen_parts.push(&item.part);
        let name = |field: &str| format!("embodied.{}.{field}", item.part);
        values.push((name("kg_per_unit"), item_path.key("kg_per_unit"), &item.kg_per_unit, None));
        values.push((name("lifetime_years"), item_path.key("lifetime_years"), &item.lifetime_years, None));
        if let Some(v) = &item.units_per_device {
            values.push((name("units_per_device"), item_path.key("units_per_device"), v, None));
        }
        if let Some(v) = &item.usage {
            values.push((name("usage"), item_path.key("usage"), v, Some([0.0, 1.0])));
        }
    }
    for (key, value_path, value, bounds) in &values {
        let span = spans.value(value_path);
        let bad = |message: String, expected: String, found: String| {
            Diagnostic::new("spec::declared-value", span.clone(), message).expected(expected).found(found)
        };
        let v = value.value();
        let within =
            |x: f64| x.is_finite() && x > 0.0 && bounds.is_none_or(|[low, high]| x > low && x <= high);
        let wanted = match bounds {
            Some([low, high]) if *low == 0.0 => format!("a number above 0 and at most {high}"),
            Some([low, high]) => format!("a number from {low} to {high}"),
            None => "a positive number".into(),
        };
        if !within(v) {
            out.push(bad(format!("`{key}` is out of range"), wanted.clone(), format!("{v}")));
            continue;
        }
        let DeclaredValue::Detailed(detail) = value else { continue };
        if let Some(printed) = detail.printed
            && !(printed.is_finite() && printed > 0.0)
        {
            out.push(bad(
                format!("`{key}`: the printed value is out of range"),
                wanted.clone(),
                format!("{printed}"),
            ));
        }
        match (detail.range, detail.uncertainty) {
            (Some(_), Some(_)) => out.push(bad(
                format!("`{key}` declares both a range and an uncertainty"),
                "`range` or `uncertainty`, not both".into(),
                "both".into(),
            )),
            (Some([low, high]), None) if !(within(low) && within(high) && low <= v && v <= high) => {
                out.push(bad(
                    format!("the range of `{key}` must contain its value"),
                    format!("`[low, high]` with low <= {v} <= high, each {wanted}"),
                    format!("[{low}, {high}]"),
                ))
            }
            (None, Some(u)) if !(u > 0.0 && u < 1.0) => out.push(bad(
                format!("the uncertainty of `{key}` is relative"),
                "a fraction above 0 and below 1 (0.1 = 10%)".into(),
                format!("{u}"),
            )),
            _ => {}
        }
    }
    // Keys that exclude each other, and keys that need another.
    let conflict = |a: &str, b: &str| {
        Diagnostic::new(
            "spec::declared-conflict",
            key_at(b),
            format!("`{a}` and `{b}` say the same thing twice"),
        )
        .expected(format!("either `{a}` or `{b}`"))
        .found("both")
    };
    if d.hours.is_some() && d.days.is_some() {
        out.push(conflict("hours", "days"));
    }
    let powers: Vec<&str> = [
        ("power_w", d.power_w.is_some()),
        ("device_power_w", d.device_power_w.is_some()),
        ("device_tdp_w", d.device_tdp_w.is_some()),
    ]
    .iter()
    .filter(|(_, set)| *set)
    .map(|(k, _)| *k)
    .collect();
    if powers.len() > 1 {
        out.push(conflict(powers[0], powers[1]));
    }
    let times: Vec<&str> = [
        ("device_hours", d.device_hours.is_some()),
        ("device_years", d.device_years.is_some()),
        ("flops", d.flops.is_some()),
    ]
    .iter()
    .filter(|(_, set)| *set)
    .map(|(k, _)| *k)
    .collect();
    if times.len() > 1 {
        out.push(conflict(times[0], times[1]));
    }
    if !times.is_empty() && d.devices.is_some() && (d.hours.is_some() || d.days.is_some()) {
        let time = if d.hours.is_some() { "hours" } else { "days" };
        out.push(
            Diagnostic::new(
                "spec::declared-conflict",
                key_at(times[0]),
                format!("`{}` and `devices` x `{time}` both give the device-hours", times[0]),
            )
            .expected(format!("`{}`, or `devices` with `{time}`", times[0]))
            .found("both"),
        );
    }
    let needs = |key: &str, other: &str, set: bool, other_set: bool| {
        (set && !other_set).then(|| {
            Diagnostic::new("spec::declared-missing", key_at(key), format!("`{key}` needs `{other}`"))
                .expected(format!("`{other}` in the same `declared` table"))
                .found("nothing")
        })
    };
    out.extend(needs("flops", "device_tflops", d.flops.is_some(), d.device_tflops.is_some()));
    out.extend(needs("device_tflops", "flops", d.device_tflops.is_some(), d.flops.is_some()));
    out.extend(needs("utilisation", "flops", d.utilisation.is_some(), d.flops.is_some()));
    if d.net_carbon_intensity.is_some() && powers.is_empty() {
        out.push(
            Diagnostic::new(
                "spec::declared-missing",
                key_at("net_carbon_intensity"),
                "`net_carbon_intensity` needs a power to give energy",
            )
            .expected("`power_w`, `device_power_w` or `device_tdp_w` in the same `declared` table")
            .found("nothing"),
        );
    }
    // Published figures: a known key whose line the inputs give.
    let derivation = Derivation::of(
        declared,
        &Defaults {
            pue: 1.0,
            pue_declared: false,
            intensity_g_per_kwh: 1.0,
            intensity_method: Method::Declared,
        },
    );
    let parts = parts(declared);
    for (key, figure) in &d.published {
        let key_path = path.key("published").key(key);
        match published_key(key, &parts) {
            None => {
                let known = [
                    "energy_mwh",
                    "energy_kwh",
                    "it_energy_kwh",
                    "co2_t",
                    "co2_kg",
                    "co2_lb",
                    "co2_net_t",
                    "idle_energy_kwh",
                    "idle_co2_t",
                    "embodied_co2_t",
                    "total_co2_t",
                    "cost_usd",
                    "cost_low_usd",
                    "cost_high_usd",
                    "device_hours",
                    "device_years",
                ];
                out.push(
                    Diagnostic::new(
                        "spec::unknown-published-figure",
                        spans.key(&key_path),
                        format!("no line item is called `{key}`"),
                    )
                    .expected(PUBLISHED_KEYS)
                    .found(format!("`{key}`"))
                    .maybe_help(did_you_mean(key, known)),
                );
            }
            Some((line, _)) if derivation.line(&line).is_none() => {
                let why = derivation
                    .missing
                    .iter()
                    .find(|m| {
                        let cost = matches!(line, LineId::Cost | LineId::CostLow | LineId::CostHigh);
                        m.starts_with(if cost { "no cost" } else { "no energy" })
                    })
                    .cloned()
                    .unwrap_or_else(|| format!("the declared inputs give no {}", line.label()));
                out.push(
                    Diagnostic::new(
                        "spec::published-not-derivable",
                        spans.key(&key_path),
                        format!("`{key}` cannot be recomputed from the declared inputs"),
                    )
                    .expected(format!("inputs that give the {}", line.label()))
                    .found(why),
                );
            }
            Some(_) => {}
        }
        let value = figure.value();
        let resolution = figure.resolution();
        if !(value.is_finite() && value > 0.0 && resolution.is_finite() && resolution > 0.0) {
            out.push(
                Diagnostic::new(
                    "spec::declared-value",
                    spans.value(&key_path),
                    format!("`{key}` is out of range"),
                )
                .expected("a positive figure with a positive resolution")
                .found(format!("{value} (resolution {resolution})")),
            );
        }
    }
    for key in d.as_printed.keys() {
        if !derivation.inputs.iter().any(|i| &i.key == key && i.origin == Origin::Declared) {
            let declared_keys: Vec<&str> = derivation
                .inputs
                .iter()
                .filter(|i| i.origin == Origin::Declared)
                .map(|i| i.key.as_str())
                .collect();
            out.push(
                Diagnostic::new(
                    "spec::declared-missing",
                    spans.key(&path.key("as_printed").key(key)),
                    format!("`as_printed` names `{key}`, which is not a declared input"),
                )
                .expected(crate::diagnostic::one_of(declared_keys.iter().copied()))
                .found(format!("`{key}`"))
                .maybe_help(did_you_mean(key, declared_keys)),
            );
        }
    }
    out
}

/// For tests and callers that want a derivation's inputs by name.
pub fn inputs_by_key(derivation: &Derivation) -> BTreeMap<&str, &Input> {
    derivation.inputs.iter().map(|i| (i.key.as_str(), i)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inputs(toml_text: &str) -> DeclaredInputs {
        toml::from_str(toml_text).expect("valid declared table")
    }

    fn defaults() -> Defaults {
        Defaults {
            pue: 1.0,
            pue_declared: false,
            intensity_g_per_kwh: 475.0,
            intensity_method: Method::Estimated,
        }
    }

    #[test]
    fn patterson_table_4_t5_by_hand() {
        // Patterson et al. 2021 Table 4, T5: 512 TPU v3 x 20 days x 24 h x 310 W x PUE 1.12
        // = 245,760 chip-hours x 0.31 kW = 76,185.6 kWh x 1.12 = 85,327.872 kWh (85.3 MWh;
        // the table prints 85.7); x 0.545 kg/kWh = 46,503.69 kg (the table prints 46.7 t).
        let d = inputs(
            "devices = 512\ndays = 20\ndevice_power_w = 310\npue = 1.12\ncarbon_intensity = 545\nnet_carbon_intensity = 545\n\
             published = { energy_mwh = 85.7, co2_t = 46.7 }",
        );
        let derivation = Derivation::of(&d, &defaults());
        let (energy, range) = derivation.evaluate(&LineId::Energy).unwrap();
        assert!((energy - 85_327.872).abs() < 1e-6, "{energy}");
        assert_eq!(range, None);
        let (co2, _) = derivation.evaluate(&LineId::Co2).unwrap();
        assert!((co2 - 46_503.690_24).abs() < 1e-6, "{co2}");
        assert_eq!(derivation.line(&LineId::Co2).unwrap().method, Method::Declared);
        let (hours, _) = derivation.evaluate(&LineId::DeviceHours).unwrap();
        assert_eq!(hours, 245_760.0);
        // The environment's intensity is not used when the candidate declares its own.
        assert!(!derivation.inputs.iter().any(|i| i.origin == Origin::Environment));
    }

    #[test]
    fn ranges_and_printed_values_flow_through() {
        // 330 W in [300, 350] x 100 device-hours = 33 kWh in [30, 35]; PUE 1.1 +-10%
        // -> energy x PUE = 36.3 kWh in [30 x 0.99, 35 x 1.21] = [29.7, 42.35].
        let d = inputs(
            "device_hours = 100\ndevice_power_w = { value = 330, range = [300, 350] }\npue = { value = 1.1, uncertainty = 0.1 }\n\
             hours = { value = 79.2, printed = 79 }",
        );
        let derivation = Derivation::of(&d, &defaults());
        let (it, range) = derivation.evaluate(&LineId::ItEnergy).unwrap();
        assert!((it - 33.0).abs() < 1e-12);
        let [low, high] = range.unwrap();
        assert!((low - 30.0).abs() < 1e-12 && (high - 35.0).abs() < 1e-12);
        let (_, range) = derivation.evaluate(&LineId::Energy).unwrap();
        let [low, high] = range.unwrap();
        assert!((low - 29.7).abs() < 1e-9 && (high - 42.35).abs() < 1e-9, "{low} {high}");
        let by_key = inputs_by_key(&derivation);
        assert_eq!(by_key["hours"].value, 79.2);
        assert_eq!(by_key["hours"].printed, 79.0);
        assert!(derivation.corrects_the_source());
    }

    #[test]
    fn compute_based_device_hours_are_estimates() {
        // GPT-3 by the lecture's route: 3.14e23 FLOPs / (28 TFLOP/s x 1e12 x 3600 s/h)
        // = 3,115,079.37 V100-hours = 355.6 years of 8,760 h; x $1.50 = $4,672,619.
        let d = inputs("flops = 3.14e23\ndevice_tflops = 28\nprice_per_device_hour = 1.5");
        let derivation = Derivation::of(&d, &defaults());
        let (hours, _) = derivation.evaluate(&LineId::DeviceHours).unwrap();
        assert!((hours - 3.14e23 / 28e12 / 3600.0).abs() < 1e-6);
        assert!((hours - 3_115_079.365).abs() < 1e-3, "{hours}");
        assert_eq!(derivation.line(&LineId::DeviceHours).unwrap().method, Method::Estimated);
        let (cost, _) = derivation.evaluate(&LineId::Cost).unwrap();
        assert!((cost - 4_672_619.05).abs() < 0.01, "{cost}");
        assert_eq!(derivation.line(&LineId::Cost).unwrap().method, Method::Estimated);
        let (years, _) = derivation.evaluate(&LineId::DeviceYears).unwrap();
        assert!((years - 355.602).abs() < 1e-3, "{years}");
        // The default utilisation is an input the figure rests on.
        assert!(inputs_by_key(&derivation).contains_key("utilisation (default)"));
    }

    #[test]
    fn bloom_line_items_stay_apart() {
        // Luccioni et al.: 1,082,990 GPU-hours x 0.4 kW (TDP) = 433,196 kWh x 57 g/kWh =
        // 24,692.17 kg; idle 256,646 kWh x 57 = 14,628.82 kg; GPUs 150 kg x 1,082,990 /
        // (6 x 8,760 x 0.85 = 44,676 h) = 3,636.15 kg; servers 2,500 x 0.125 x 1,082,990 /
        // 44,676 = 7,575.31 kg; life cycle 24,692.17 + 14,628.82 + 3,636.15 + 7,575.31 = 50,532.45.
        let d = inputs(
            "device_hours = 1082990\ndevices = 384\ndevice_tdp_w = 400\ncarbon_intensity = 57\nidle_kwh = 256646\n\
             embodied = [{ part = \"servers\", kg_per_unit = 2500, units_per_device = 0.125, lifetime_years = 6, usage = 0.85 },\n\
                         { part = \"gpus\", kg_per_unit = 150, lifetime_years = 6, usage = 0.85 }]",
        );
        let derivation = Derivation::of(&d, &defaults());
        let value = |id: LineId| derivation.evaluate(&id).unwrap().0;
        assert!((value(LineId::Co2) - 24_692.172).abs() < 1e-6);
        assert!((value(LineId::IdleCo2) - 14_628.822).abs() < 1e-6);
        assert!((value(LineId::Embodied("gpus".into())) - 150.0 * 1_082_990.0 / 44_676.0).abs() < 1e-9);
        assert!((value(LineId::Embodied("servers".into())) - 7_575.306_09).abs() < 1e-4);
        assert!((value(LineId::TotalCo2) - 50_532.447).abs() < 1e-3, "{}", value(LineId::TotalCo2));
        // Operational CO2 holds no embodied part, and each line keeps its own method.
        assert_eq!(
            derivation.line(&LineId::Co2).unwrap().method,
            Method::Estimated,
            "TDP stands in for power"
        );
        assert_eq!(derivation.line(&LineId::IdleCo2).unwrap().method, Method::Declared);
        assert_eq!(derivation.line(&LineId::EmbodiedTotal).unwrap().method, Method::Estimated);
        assert!(
            !derivation
                .line(&LineId::Co2)
                .unwrap()
                .formula
                .inputs()
                .iter()
                .any(|&i| derivation.inputs[i].key.starts_with("embodied"))
        );
        // Wall-clock hours follow from device-hours over devices.
        assert!((value(LineId::Hours) - 1_082_990.0 / 384.0).abs() < 1e-9);
    }

    #[test]
    fn published_keys_name_lines_and_units() {
        let parts = vec!["gpus".to_string()];
        assert_eq!(published_key("co2_t", &parts).unwrap().0, LineId::Co2);
        assert_eq!(published_key("co2_t", &parts).unwrap().1.per_line_unit, 1e-3);
        assert_eq!(published_key("energy_kwh_pue", &parts).unwrap().0, LineId::Energy);
        assert_eq!(published_key("embodied_co2_gpus_t", &parts).unwrap().0, LineId::Embodied("gpus".into()));
        assert!(published_key("embodied_co2_servers_t", &parts).is_none(), "no such part");
        assert_eq!(published_key("cost_low_usd", &parts).unwrap().0, LineId::CostLow);
        assert!(published_key("co2_tons", &parts).is_none());
        assert!((published_key("co2_lb", &parts).unwrap().1.per_line_unit - 2.204_622_621_8).abs() < 1e-9);
    }

    #[test]
    fn a_published_figure_is_matched_to_its_last_digit() {
        assert_eq!(PublishedFigure::Plain(85.7).resolution(), 0.1);
        assert_eq!(PublishedFigure::Plain(1287.0).resolution(), 1.0);
        assert_eq!(PublishedFigure::Plain(24.69).resolution(), 0.01);
        let lecture =
            PublishedFigure::Detailed(PublishedDetail { value: 4.6e6, resolution: Some(1e5), note: None });
        let [low, high] = lecture.accepts();
        assert!((low - 4.55e6).abs() < 1e-3 && (high - 4.65e6).abs() < 1e-3);
    }
}
