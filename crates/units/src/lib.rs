//! Quantities, units and measurement methods: the vocabulary every figure is written in.
//!
//! A figure in `tradeoff` is never a bare number. It is a [`Measurement`]: a value, the
//! unit it is expressed in, and the [`Method`] that produced it. Records store values in a
//! base unit per [`Dimension`] (seconds, bytes, joules, grams, ...); reports convert to the
//! unit an experiment asks for with [`Unit::convert`]. This crate knows nothing of
//! experiments, learners or hardware.

use std::fmt;

use serde::{Deserialize, Serialize};

/// How a figure was obtained, from strongest to weakest evidence.
///
/// The order matters: a figure derived from several inputs carries the weakest method
/// among them ([`Method::weakest`]).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Method {
    /// Read from a counter: a hardware energy counter, the kernel's rusage, a monotonic
    /// clock, or an exact count (correct predictions, serialized bytes).
    Counter,
    /// Instantaneous readings sampled over time and integrated.
    Sampled,
    /// Computed by a named model from indirect inputs (e.g. TDP x utilisation).
    Estimated,
    /// Given by the user in the experiment file.
    Declared,
}

impl Method {
    /// The weakest method among `methods`, or `None` for an empty input.
    pub fn weakest(methods: impl IntoIterator<Item = Method>) -> Option<Method> {
        methods.into_iter().max()
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Method::Counter => "counter",
            Method::Sampled => "sampled",
            Method::Estimated => "estimated",
            Method::Declared => "declared",
        }
    }

    /// True for figures that were measured on this machine during the run.
    pub fn is_measurement(self) -> bool {
        matches!(self, Method::Counter | Method::Sampled)
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a unit measures. Conversion is only defined within one dimension.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Dimension {
    Time,
    Bytes,
    Energy,
    Mass,
    Money,
    Count,
    Ratio,
    Rate,
}

/// A unit of measure: its symbol, dimension and factor to the dimension's base unit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Unit {
    pub symbol: &'static str,
    pub dimension: Dimension,
    /// Multiply a value in this unit by `to_base` to get the base unit.
    pub to_base: f64,
}

const UNITS: &[Unit] = &[
    Unit { symbol: "s", dimension: Dimension::Time, to_base: 1.0 },
    Unit { symbol: "ms", dimension: Dimension::Time, to_base: 1e-3 },
    Unit { symbol: "us", dimension: Dimension::Time, to_base: 1e-6 },
    Unit { symbol: "ns", dimension: Dimension::Time, to_base: 1e-9 },
    Unit { symbol: "min", dimension: Dimension::Time, to_base: 60.0 },
    Unit { symbol: "h", dimension: Dimension::Time, to_base: 3600.0 },
    Unit { symbol: "B", dimension: Dimension::Bytes, to_base: 1.0 },
    Unit { symbol: "kB", dimension: Dimension::Bytes, to_base: 1e3 },
    Unit { symbol: "MB", dimension: Dimension::Bytes, to_base: 1e6 },
    Unit { symbol: "GB", dimension: Dimension::Bytes, to_base: 1e9 },
    Unit { symbol: "KiB", dimension: Dimension::Bytes, to_base: 1024.0 },
    Unit { symbol: "MiB", dimension: Dimension::Bytes, to_base: 1024.0 * 1024.0 },
    Unit { symbol: "GiB", dimension: Dimension::Bytes, to_base: 1024.0 * 1024.0 * 1024.0 },
    Unit { symbol: "J", dimension: Dimension::Energy, to_base: 1.0 },
    Unit { symbol: "mJ", dimension: Dimension::Energy, to_base: 1e-3 },
    Unit { symbol: "kJ", dimension: Dimension::Energy, to_base: 1e3 },
    Unit { symbol: "MJ", dimension: Dimension::Energy, to_base: 1e6 },
    Unit { symbol: "Wh", dimension: Dimension::Energy, to_base: 3600.0 },
    Unit { symbol: "kWh", dimension: Dimension::Energy, to_base: 3.6e6 },
    Unit { symbol: "MWh", dimension: Dimension::Energy, to_base: 3.6e9 },
    Unit { symbol: "g", dimension: Dimension::Mass, to_base: 1.0 },
    Unit { symbol: "mg", dimension: Dimension::Mass, to_base: 1e-3 },
    Unit { symbol: "kg", dimension: Dimension::Mass, to_base: 1e3 },
    Unit { symbol: "t", dimension: Dimension::Mass, to_base: 1e6 },
    Unit { symbol: "lb", dimension: Dimension::Mass, to_base: 453.592_37 },
    Unit { symbol: "USD", dimension: Dimension::Money, to_base: 1.0 },
    Unit { symbol: "count", dimension: Dimension::Count, to_base: 1.0 },
    Unit { symbol: "ratio", dimension: Dimension::Ratio, to_base: 1.0 },
    Unit { symbol: "%", dimension: Dimension::Ratio, to_base: 0.01 },
    Unit { symbol: "1/s", dimension: Dimension::Rate, to_base: 1.0 },
];

impl Unit {
    /// Looks a unit up by its symbol (`"ms"`, `"kWh"`, ...).
    pub fn parse(symbol: &str) -> Option<Unit> {
        UNITS.iter().copied().find(|u| u.symbol == symbol)
    }

    /// The base unit of a dimension: what records store.
    pub fn base(dimension: Dimension) -> Unit {
        UNITS
            .iter()
            .copied()
            .find(|u| u.dimension == dimension && u.to_base == 1.0)
            .expect("every dimension has a base unit")
    }

    /// Every symbol of a dimension, for "expected one of" messages.
    pub fn symbols(dimension: Dimension) -> Vec<&'static str> {
        UNITS.iter().filter(|u| u.dimension == dimension).map(|u| u.symbol).collect()
    }

    /// Converts `value` from this unit into `target`; `None` across dimensions.
    pub fn convert(self, value: f64, target: Unit) -> Option<f64> {
        (self.dimension == target.dimension).then(|| value * self.to_base / target.to_base)
    }
}

impl fmt::Display for Unit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.symbol)
    }
}

/// One figure: value, unit symbol and method. This is the shape every measurement has
/// in `runs.jsonl` and in reports.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Measurement {
    pub value: f64,
    pub unit: String,
    pub method: Method,
    /// Free-form provenance: the model and constants of an estimate, what an energy
    /// figure covers, the sampling period, ...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// What an energy figure (or one derived from energy) covers, as a canonical list of
    /// parts (`cpu-package+dram`, `gpu-board`, `cpu-share+ram-share`): two figures are
    /// compared only when they cover the same parts by the same method.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// For an estimate, the lowest and highest value its model's constants allow, in
    /// `unit`; a verdict on an estimate is decided on this range, not on `value`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub range: Option<[f64; 2]>,
    /// For a derived figure, the method of each input (energy, carbon intensity, PUE,
    /// price, time).
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub inputs: std::collections::BTreeMap<String, Method>,
}

impl Measurement {
    pub fn new(value: f64, unit: &str, method: Method) -> Self {
        Measurement {
            value,
            unit: unit.to_string(),
            method,
            note: None,
            scope: None,
            range: None,
            inputs: std::collections::BTreeMap::new(),
        }
    }

    pub fn counter(value: f64, unit: &str) -> Self {
        Self::new(value, unit, Method::Counter)
    }

    pub fn with_note(mut self, note: impl Into<String>) -> Self {
        self.note = Some(note.into());
        self
    }

    pub fn with_scope(mut self, scope: impl Into<String>) -> Self {
        self.scope = Some(scope.into());
        self
    }

    pub fn with_range(mut self, range: Option<[f64; 2]>) -> Self {
        self.range = range;
        self
    }

    pub fn with_inputs(mut self, inputs: std::collections::BTreeMap<String, Method>) -> Self {
        self.inputs = inputs;
        self
    }

    /// The value expressed in `target`, if both units are known and share a dimension.
    pub fn value_in(&self, target: Unit) -> Option<f64> {
        Unit::parse(&self.unit)?.convert(self.value, target)
    }

    /// The model's range expressed in `target`, for an estimate that has one.
    pub fn range_in(&self, target: Unit) -> Option<[f64; 2]> {
        let unit = Unit::parse(&self.unit)?;
        let [low, high] = self.range?;
        Some([unit.convert(low, target)?, unit.convert(high, target)?])
    }
}

/// Parses a duration written as `"90s"`, `"20m"`, `"1h30m"`, `"500ms"` or a plain number
/// of seconds. Returns seconds.
pub fn parse_duration(text: &str) -> Result<f64, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err("an empty duration".into());
    }
    if let Ok(seconds) = text.parse::<f64>() {
        return Ok(seconds);
    }
    let mut total = 0.0;
    let mut rest = text;
    while !rest.is_empty() {
        let number_len = rest.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(rest.len());
        if number_len == 0 {
            return Err(format!("`{text}`: expected a number before `{rest}`"));
        }
        let number: f64 = rest[..number_len]
            .parse()
            .map_err(|_| format!("`{text}`: `{}` is not a number", &rest[..number_len]))?;
        rest = &rest[number_len..];
        let unit_len = rest.find(|c: char| c.is_ascii_digit() || c == '.').unwrap_or(rest.len());
        let factor = match &rest[..unit_len] {
            "ms" => 1e-3,
            "s" => 1.0,
            "m" | "min" => 60.0,
            "h" => 3600.0,
            "d" => 86400.0,
            other => return Err(format!("`{text}`: unknown duration unit `{other}` (use ms, s, m, h or d)")),
        };
        total += number * factor;
        rest = &rest[unit_len..];
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weakest_method_is_the_least_direct() {
        assert_eq!(
            Method::weakest([Method::Counter, Method::Estimated, Method::Sampled]),
            Some(Method::Estimated)
        );
        assert_eq!(Method::weakest([Method::Counter, Method::Declared]), Some(Method::Declared));
        assert_eq!(Method::weakest([]), None);
    }

    #[test]
    fn conversions_stay_within_a_dimension() {
        let kwh = Unit::parse("kWh").unwrap();
        let joule = Unit::parse("J").unwrap();
        assert_eq!(kwh.convert(1.0, joule), Some(3.6e6));
        assert_eq!(Unit::parse("ms").unwrap().convert(1500.0, Unit::parse("s").unwrap()), Some(1.5));
        assert_eq!(kwh.convert(1.0, Unit::parse("s").unwrap()), None);
        assert_eq!(Unit::base(Dimension::Bytes).symbol, "B");
    }

    #[test]
    fn durations_parse_in_mixed_units() {
        assert_eq!(parse_duration("20m"), Ok(1200.0));
        assert_eq!(parse_duration("1h30m"), Ok(5400.0));
        assert_eq!(parse_duration("250ms"), Ok(0.25));
        assert_eq!(parse_duration("42"), Ok(42.0));
        assert!(parse_duration("3 fortnights").is_err());
        assert!(parse_duration("").is_err());
    }
}
