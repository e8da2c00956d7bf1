//! The structural check: the parsed TOML tree (with byte spans) walked against the JSON
//! Schema generated from [`crate::model`].
//!
//! serde stops at the first problem; users fixing an experiment file want all of them at
//! once. So before serde sees the text, this walker visits every key and value, and
//! reports unknown keys (with a did-you-mean), wrong types, values outside an enum or a
//! range and missing required keys, each with its span. It also records the span of every
//! key and value by path, so the semantic checks can point at what they reject.

use std::collections::HashMap;
use std::fmt;
use std::ops::Range;

use serde_json::{Map, Value, json};
use toml::Spanned;
use toml::de::{DeTable, DeValue};

use crate::diagnostic::{Diagnostic, did_you_mean, one_of};
use crate::metrics::METRICS;

/// A path into the document: `candidates[1].params.max_depth`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Path(Vec<Segment>);

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Segment {
    Key(String),
    Index(usize),
}

impl Path {
    pub fn root() -> Self {
        Path(Vec::new())
    }

    pub fn key(&self, key: &str) -> Path {
        let mut segments = self.0.clone();
        segments.push(Segment::Key(key.to_string()));
        Path(segments)
    }

    pub fn index(&self, index: usize) -> Path {
        let mut segments = self.0.clone();
        segments.push(Segment::Index(index));
        Path(segments)
    }

    pub fn is_root(&self) -> bool {
        self.0.is_empty()
    }

    /// The path of the enclosing table, for "in `protocol`" in messages.
    fn display_table(&self) -> String {
        if self.is_root() { "the top level".to_string() } else { format!("`{self}`") }
    }
}

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, segment) in self.0.iter().enumerate() {
            match segment {
                Segment::Key(key) if i == 0 => write!(f, "{key}")?,
                Segment::Key(key) => write!(f, ".{key}")?,
                Segment::Index(index) => write!(f, "[{index}]")?,
            }
        }
        Ok(())
    }
}

/// Where each key and value of a document sits in its text.
#[derive(Debug, Default, Clone)]
pub struct SpanIndex {
    values: HashMap<Path, Range<usize>>,
    keys: HashMap<Path, Range<usize>>,
}

impl SpanIndex {
    /// The span of the value at `path`, or of the nearest enclosing value that has one.
    pub fn value(&self, path: &Path) -> Range<usize> {
        let mut path = path.clone();
        loop {
            if let Some(span) = self.values.get(&path) {
                return span.clone();
            }
            if path.0.pop().is_none() {
                return 0..0;
            }
        }
    }

    /// The span of the key that introduces `path`, falling back to its value.
    pub fn key(&self, path: &Path) -> Range<usize> {
        self.keys.get(path).cloned().unwrap_or_else(|| self.value(path))
    }
}

/// Walks `document` against `schema`, returning every structural problem and the span
/// index of the document.
pub fn check(document: &Spanned<DeTable<'_>>, schema: &Value) -> Structure {
    let mut walker =
        Walker { root: schema, diagnostics: Vec::new(), index: SpanIndex::default(), rejected: Vec::new() };
    walker.index.values.insert(Path::root(), document.span());
    walker.table(document.get_ref(), document.span(), schema, &Path::root());
    Structure { diagnostics: walker.diagnostics, spans: walker.index, rejected: walker.rejected }
}

/// The outcome of the structural check.
#[derive(Debug)]
pub struct Structure {
    pub diagnostics: Vec<Diagnostic>,
    pub spans: SpanIndex,
    /// Paths whose values were rejected: left out when the rest of the file is read on,
    /// so that its meaning can still be checked in the same pass.
    pub rejected: Vec<Path>,
}

struct Walker<'s> {
    root: &'s Value,
    diagnostics: Vec<Diagnostic>,
    index: SpanIndex,
    rejected: Vec<Path>,
}

impl<'s> Walker<'s> {
    fn resolve(&self, mut schema: &'s Value) -> &'s Value {
        while let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
            let pointer = reference.trim_start_matches('#');
            match self.root.pointer(pointer) {
                Some(target) => schema = target,
                None => break,
            }
        }
        schema
    }

    fn value(&mut self, value: &Spanned<DeValue<'_>>, schema: &'s Value, path: &Path) {
        let schema = self.resolve(schema);
        self.index.values.insert(path.clone(), value.span());
        if schema == &Value::Bool(true) || schema.as_object().is_some_and(Map::is_empty) {
            self.index_everything(value, path);
            return;
        }
        // Alternatives (Option<T>, untagged enums): check against the branch whose type
        // matches what was written; if none matches, say what would have.
        if let Some(branches) = schema.get("anyOf").and_then(Value::as_array) {
            let branches: Vec<&Value> =
                branches.iter().map(|b| self.resolve(b)).filter(|b| !is_null_schema(b)).collect();
            let matching = branches.iter().find(|b| type_matches(b, value.get_ref()));
            match matching {
                Some(branch) => self.value(value, branch, path),
                None => self.type_error(value, schema, path),
            }
            return;
        }
        if let Some(allowed) = enum_values(schema) {
            match value.get_ref() {
                DeValue::String(found) if allowed.iter().any(|a| *a == found.as_ref()) => {}
                DeValue::String(found) => {
                    let diagnostic = Diagnostic::new(
                        "spec::unknown-value",
                        value.span(),
                        format!("`{path}` has no option `{found}`"),
                    )
                    .expected(one_of(allowed.iter().copied()))
                    .found(format!("`{found}`"))
                    .maybe_help(did_you_mean(found, allowed.iter().copied()));
                    self.diagnostics.push(diagnostic);
                    self.rejected.push(path.clone());
                }
                _ => self.type_error(value, schema, path),
            }
            return;
        }
        if !type_matches(schema, value.get_ref()) {
            self.type_error(value, schema, path);
            return;
        }
        match value.get_ref() {
            DeValue::Table(table) => self.table(table, value.span(), schema, path),
            DeValue::Array(array) => {
                let items = schema.get("items").or_else(|| schema.get("prefixItems"));
                for (i, item) in array.iter().enumerate() {
                    let item_schema = match items {
                        Some(Value::Array(tuple)) => tuple.get(i).unwrap_or(&Value::Bool(true)),
                        Some(single) => single,
                        None => &Value::Bool(true),
                    };
                    self.value(item, item_schema, &path.index(i));
                }
                self.check_length(array.len(), value.span(), schema, path);
            }
            DeValue::Integer(_) | DeValue::Float(_) => self.check_range(value, schema, path),
            _ => {}
        }
    }

    fn table(&mut self, table: &DeTable<'_>, span: Range<usize>, schema: &'s Value, path: &Path) {
        let properties = schema.get("properties").and_then(Value::as_object);
        let additional = schema.get("additionalProperties");
        for (key, value) in table.iter() {
            let key_path = path.key(key.get_ref());
            self.index.keys.insert(key_path.clone(), key.span());
            let property = properties.and_then(|p| p.get(key.get_ref().as_ref()));
            match (property, additional) {
                (Some(property_schema), _) => self.value(value, property_schema, &key_path),
                (None, Some(Value::Bool(false))) => {
                    let known: Vec<&str> =
                        properties.map(|p| p.keys().map(String::as_str).collect()).unwrap_or_default();
                    let message = if path.is_root() {
                        format!("unknown table `{}`", key.get_ref())
                    } else {
                        format!("unknown key `{}` in {}", key.get_ref(), path.display_table())
                    };
                    let diagnostic = Diagnostic::new("spec::unknown-key", key.span(), message)
                        .expected(one_of(known.iter().copied()))
                        .found(format!("`{}`", key.get_ref()))
                        .maybe_help(did_you_mean(key.get_ref(), known.iter().copied()));
                    self.diagnostics.push(diagnostic);
                    self.rejected.push(key_path.clone());
                    self.index_everything(value, &key_path);
                }
                (None, Some(additional_schema)) => self.value(value, additional_schema, &key_path),
                (None, None) => self.index_everything(value, &key_path),
            }
        }
        if let Some(required) = schema.get("required").and_then(Value::as_array) {
            for name in required.iter().filter_map(Value::as_str) {
                if !table.iter().any(|(key, _)| key.get_ref() == name) {
                    let (message, span) = if path.is_root() {
                        (format!("missing table `[{name}]`"), 0..0)
                    } else {
                        (format!("missing key `{name}` in {}", path.display_table()), span.clone())
                    };
                    let expected = properties
                        .and_then(|p| p.get(name))
                        .map(|s| describe(self.resolve(s), self))
                        .unwrap_or_else(|| "a value".into());
                    self.diagnostics.push(
                        Diagnostic::new("spec::missing-key", span, message)
                            .expected(format!("`{name}`: {expected}"))
                            .found("nothing"),
                    );
                }
            }
        }
    }

    fn index_everything(&mut self, value: &Spanned<DeValue<'_>>, path: &Path) {
        self.index.values.insert(path.clone(), value.span());
        match value.get_ref() {
            DeValue::Table(table) => {
                for (key, item) in table.iter() {
                    let key_path = path.key(key.get_ref());
                    self.index.keys.insert(key_path.clone(), key.span());
                    self.index_everything(item, &key_path);
                }
            }
            DeValue::Array(array) => {
                for (i, item) in array.iter().enumerate() {
                    self.index_everything(item, &path.index(i));
                }
            }
            _ => {}
        }
    }

    fn type_error(&mut self, value: &Spanned<DeValue<'_>>, schema: &'s Value, path: &Path) {
        self.rejected.push(path.clone());
        let expected = describe(schema, self);
        self.diagnostics.push(
            Diagnostic::new("spec::type-mismatch", value.span(), format!("wrong type for `{path}`"))
                .expected(expected)
                .found(found(value.get_ref())),
        );
    }

    fn check_range(&mut self, value: &Spanned<DeValue<'_>>, schema: &Value, path: &Path) {
        let Some(number) = as_f64(value.get_ref()) else {
            self.rejected.push(path.clone());
            self.diagnostics.push(
                Diagnostic::new(
                    "spec::out-of-range",
                    value.span(),
                    format!("`{path}` does not fit in 64 bits"),
                )
                .expected(describe(schema, self))
                .found(found(value.get_ref())),
            );
            return;
        };
        let below = schema.get("minimum").and_then(Value::as_f64).is_some_and(|min| number < min)
            || schema.get("exclusiveMinimum").and_then(Value::as_f64).is_some_and(|min| number <= min);
        let above = schema.get("maximum").and_then(Value::as_f64).is_some_and(|max| number > max)
            || schema.get("exclusiveMaximum").and_then(Value::as_f64).is_some_and(|max| number >= max);
        if below || above {
            self.rejected.push(path.clone());
            self.diagnostics.push(
                Diagnostic::new("spec::out-of-range", value.span(), format!("`{path}` is out of range"))
                    .expected(describe(schema, self))
                    .found(found(value.get_ref())),
            );
        }
    }

    fn check_length(&mut self, length: usize, span: Range<usize>, schema: &Value, path: &Path) {
        let min = schema.get("minItems").and_then(Value::as_u64);
        let max = schema.get("maxItems").and_then(Value::as_u64);
        if min.is_some_and(|m| (length as u64) < m) || max.is_some_and(|m| (length as u64) > m) {
            self.rejected.push(path.clone());
            self.diagnostics.push(
                Diagnostic::new(
                    "spec::out-of-range",
                    span,
                    format!("`{path}` has the wrong number of items"),
                )
                .expected(describe(schema, self))
                .found(format!("{length} item{}", if length == 1 { "" } else { "s" })),
            );
        }
    }
}

fn is_null_schema(schema: &Value) -> bool {
    schema.get("type").and_then(Value::as_str) == Some("null")
}

/// The allowed strings of an enum schema (`enum`, or `oneOf` of `const`s).
fn enum_values(schema: &Value) -> Option<Vec<&str>> {
    if let Some(values) = schema.get("enum").and_then(Value::as_array) {
        return Some(values.iter().filter_map(Value::as_str).collect());
    }
    let branches = schema.get("oneOf").and_then(Value::as_array)?;
    branches.iter().map(|b| b.get("const").and_then(Value::as_str)).collect()
}

fn schema_types(schema: &Value) -> Vec<&str> {
    match schema.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

fn type_matches(schema: &Value, value: &DeValue<'_>) -> bool {
    if enum_values(schema).is_some() {
        return matches!(value, DeValue::String(_));
    }
    let types = schema_types(schema);
    if types.is_empty() {
        return true;
    }
    types.iter().any(|t| {
        matches!(
            (*t, value),
            ("string", DeValue::String(_))
                | ("integer", DeValue::Integer(_))
                | ("number", DeValue::Integer(_) | DeValue::Float(_))
                | ("boolean", DeValue::Boolean(_))
                | ("array", DeValue::Array(_))
                | ("object", DeValue::Table(_))
        )
    })
}

fn as_f64(value: &DeValue<'_>) -> Option<f64> {
    match value {
        DeValue::Integer(integer) => {
            let digits = integer.as_str().replace('_', "");
            i128::from_str_radix(&digits, integer.radix())
                .ok()
                .filter(|v| v.unsigned_abs() <= u64::MAX as u128)
                .map(|v| v as f64)
        }
        DeValue::Float(float) => {
            let text = float.as_str().replace('_', "");
            match text.trim_start_matches(['+', '-']) {
                "inf" => Some(if text.starts_with('-') { f64::NEG_INFINITY } else { f64::INFINITY }),
                "nan" => Some(f64::NAN),
                _ => text.parse().ok(),
            }
        }
        _ => None,
    }
}

/// The document as a plain TOML value without the rejected paths, for reading on
/// after structural errors.
pub fn pruned(document: &Spanned<DeTable<'_>>, rejected: &[Path]) -> toml::Value {
    fn convert(value: &DeValue<'_>, path: &Path, rejected: &[Path]) -> Option<toml::Value> {
        if rejected.contains(path) {
            return None;
        }
        Some(match value {
            DeValue::String(s) => toml::Value::String(s.to_string()),
            DeValue::Integer(i) => {
                let digits = i.as_str().replace('_', "");
                toml::Value::Integer(i64::from_str_radix(&digits, i.radix()).ok()?)
            }
            DeValue::Float(_) => toml::Value::Float(as_f64(value)?),
            DeValue::Boolean(b) => toml::Value::Boolean(*b),
            DeValue::Datetime(d) => toml::Value::Datetime(*d),
            DeValue::Array(items) => toml::Value::Array(
                items
                    .iter()
                    .enumerate()
                    .filter_map(|(i, item)| convert(item.get_ref(), &path.index(i), rejected))
                    .collect(),
            ),
            DeValue::Table(table) => toml::Value::Table(
                table
                    .iter()
                    .filter_map(|(k, v)| {
                        convert(v.get_ref(), &path.key(k.get_ref()), rejected)
                            .map(|v| (k.get_ref().to_string(), v))
                    })
                    .collect(),
            ),
        })
    }
    convert(&DeValue::Table(document.get_ref().clone()), &Path::root(), rejected)
        .unwrap_or(toml::Value::Table(toml::Table::new()))
}

/// What a schema accepts, in words.
fn describe(schema: &Value, walker: &Walker<'_>) -> String {
    let schema = walker.resolve(schema);
    if let Some(values) = enum_values(schema) {
        return format!("one of {}", one_of(values));
    }
    if let Some(branches) = schema.get("anyOf").and_then(Value::as_array) {
        let parts: Vec<String> = branches
            .iter()
            .map(|b| walker.resolve(b))
            .filter(|b| !is_null_schema(b))
            .map(|b| describe(b, walker))
            .collect();
        return parts.join(" or ");
    }
    let types: Vec<&str> = schema_types(schema).into_iter().filter(|t| *t != "null").collect();
    let Some(kind) = types.first() else { return "any value".into() };
    let min = schema.get("minimum").and_then(Value::as_f64);
    let max = schema.get("maximum").and_then(Value::as_f64);
    let noun = match *kind {
        "string" => return "a string".into(),
        "boolean" => return "`true` or `false`".into(),
        "object" => return "a table".into(),
        "array" => {
            let count = match (schema.get("minItems"), schema.get("maxItems")) {
                (Some(a), Some(b)) if a == b => format!("{a} "),
                _ => String::new(),
            };
            let items = schema.get("items").map(|i| describe(i, walker)).unwrap_or_else(|| "values".into());
            return format!("an array of {count}{}", plural(&items));
        }
        "integer" if min == Some(0.0) && max.is_none() => return "a non-negative integer".into(),
        "integer" => "an integer",
        _ => "a number",
    };
    match (min, max) {
        (Some(min), Some(max)) => format!("{noun} from {} to {}", number(min), number(max)),
        (Some(min), None) => format!("{noun} >= {}", number(min)),
        (None, Some(max)) => format!("{noun} <= {}", number(max)),
        (None, None) => noun.to_string(),
    }
}

fn plural(description: &str) -> String {
    let bare = description.trim_start_matches("an ").trim_start_matches("a ");
    match bare.split_once(' ') {
        Some((noun, rest)) => format!("{noun}s {rest}"),
        None => format!("{bare}s"),
    }
}

fn number(value: f64) -> String {
    if value.fract() == 0.0 && value.abs() < 1e15 { format!("{}", value as i64) } else { format!("{value}") }
}

/// What was written, in words.
pub(crate) fn found(value: &DeValue<'_>) -> String {
    match value {
        DeValue::String(s) => format!("a string `\"{s}\"`"),
        DeValue::Integer(i) => format!("an integer `{i}`"),
        DeValue::Float(f) => format!("a float `{f}`"),
        DeValue::Boolean(b) => format!("a boolean `{b}`"),
        DeValue::Datetime(d) => format!("a datetime `{d}`"),
        DeValue::Array(_) => "an array".into(),
        DeValue::Table(_) => "a table".into(),
    }
}

/// The schema of `[metrics]`: one optional key per known metric, each allowing only the
/// units of that metric's dimension.
pub fn metrics_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
    use schemars::JsonSchema;
    let section = crate::model::MetricSection::json_schema(generator);
    let mut properties = Map::new();
    for metric in METRICS {
        let mut schema = section.as_value().clone();
        let units = units::Unit::symbols(metric.dimension);
        schema["description"] =
            json!(format!("{} (default unit: {}).", capitalise(metric.summary), metric.default_unit));
        schema["properties"]["unit"] = json!({ "type": "string", "enum": units });
        if let Some(properties) = schema["properties"].as_object_mut() {
            for (key, owners) in crate::metrics::METRIC_PARAMS {
                if !owners.contains(&metric.name) {
                    properties.remove(*key);
                }
            }
        }
        properties.insert(metric.name.to_string(), schema);
    }
    schemars::json_schema!({
        "type": "object",
        "properties": properties,
        "additionalProperties": false,
    })
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}
