//! Reading a learner's hyperparameters from a JSON map, collecting every problem instead
//! of stopping at the first, so `tradeoff check` can report them all.

use serde_json::{Map, Value};

/// A problem with one hyperparameter (or with the set, when `param` is `None`).
#[derive(Debug, Clone, PartialEq)]
pub struct ParamError {
    pub param: Option<String>,
    pub message: String,
    pub expected: Option<String>,
}

/// Typed access to a hyperparameter map; problems accumulate in `errors`.
pub struct Params<'a> {
    map: &'a Map<String, Value>,
    pub errors: Vec<ParamError>,
}

impl<'a> Params<'a> {
    pub fn new(map: &'a Map<String, Value>) -> Self {
        Params { map, errors: Vec::new() }
    }

    fn wrong(&mut self, name: &str, message: &str, expected: String) {
        self.errors.push(ParamError {
            param: Some(name.to_string()),
            message: message.to_string(),
            expected: Some(expected),
        });
    }

    /// An integer in `min..=max`, or `default` when absent.
    pub fn int(&mut self, name: &str, default: i64, min: i64, max: i64) -> i64 {
        self.opt_int(name, min, max).unwrap_or(default)
    }

    /// An optional integer in `min..=max`.
    pub fn opt_int(&mut self, name: &str, min: i64, max: i64) -> Option<i64> {
        let value = self.map.get(name)?;
        let expected = format!("an integer from {min} to {max}");
        match value.as_i64() {
            Some(v) if (min..=max).contains(&v) => Some(v),
            Some(_) => {
                self.wrong(name, "out of range", expected);
                None
            }
            None => {
                self.wrong(name, "not an integer", expected);
                None
            }
        }
    }

    /// A number in `min..=max` (integers accepted), or `default` when absent.
    pub fn float(&mut self, name: &str, default: f64, min: f64, max: f64) -> f64 {
        let Some(value) = self.map.get(name) else { return default };
        let expected = format!("a number from {min} to {max}");
        match value.as_f64() {
            Some(v) if v >= min && v <= max => v,
            Some(_) => {
                self.wrong(name, "out of range", expected);
                default
            }
            None => {
                self.wrong(name, "not a number", expected);
                default
            }
        }
    }

    pub fn boolean(&mut self, name: &str, default: bool) -> bool {
        let Some(value) = self.map.get(name) else { return default };
        value.as_bool().unwrap_or_else(|| {
            self.wrong(name, "not a boolean", "`true` or `false`".into());
            default
        })
    }

    /// One of `choices`, or `default` when absent.
    pub fn choice(&mut self, name: &str, default: &'static str, choices: &[&'static str]) -> &'static str {
        let Some(value) = self.map.get(name) else { return default };
        let expected =
            format!("one of {}", choices.iter().map(|c| format!("`{c}`")).collect::<Vec<_>>().join(", "));
        match value.as_str().and_then(|s| choices.iter().find(|c| **c == s)) {
            Some(choice) => choice,
            None => {
                self.wrong(name, "not a known option", expected);
                default
            }
        }
    }

    /// A list of positive integers (layer sizes), or `default` when absent.
    pub fn int_list(&mut self, name: &str, default: &[i64], min: i64, max: i64) -> Vec<i64> {
        let Some(value) = self.map.get(name) else { return default.to_vec() };
        let expected = format!("a list of integers from {min} to {max}, e.g. `[[300, 100]]` in a sweep");
        let parsed: Option<Vec<i64>> = value
            .as_array()
            .and_then(|items| items.iter().map(|v| v.as_i64().filter(|n| (min..=max).contains(n))).collect());
        parsed.unwrap_or_else(|| {
            self.wrong(name, "not a list of layer sizes", expected);
            default.to_vec()
        })
    }

    /// The raw value, for parameters with several accepted shapes.
    pub fn raw(&self, name: &str) -> Option<&'a Value> {
        self.map.get(name)
    }

    pub fn push(&mut self, error: ParamError) {
        self.errors.push(error);
    }

    pub fn finish<T>(self, value: T) -> Result<T, Vec<ParamError>> {
        if self.errors.is_empty() { Ok(value) } else { Err(self.errors) }
    }
}
