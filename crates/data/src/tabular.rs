//! Tables as users have them: CSV with any single-byte separator or runs of whitespace,
//! with or without a header, with comment and blank lines, quoted fields and spaces
//! around values, or Parquet; optionally with the publisher's separate test file.
//!
//! Nothing depends on a sample of rows: a column is numeric when every one of its
//! non-missing values parses as a number (`1e+05` included), else categorical, and a
//! categorical column with a share of distinct values above a limit is refused with its
//! count (an identifier or free text would become thousands of one-hot features). Every
//! problem inside a file names the file, its line and its column.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use polars::prelude::*;
use serde::{Deserialize, Serialize};

use crate::DataError;
use crate::table::{Dataset, FeatureKind, FeatureSource, GroupColumn, Table};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Csv,
    Parquet,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Categorical {
    OneHot,
    Native,
}

/// How fields are separated in a CSV file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Separator {
    Byte(u8),
    /// Runs of spaces and tabs (no quoting).
    Whitespace,
}

/// What to do with missing feature values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Missing {
    /// Refuse the table, naming the column.
    Error,
    /// Keep them (as NaN): learners that can route missing values learn where they go.
    Native,
    /// Keep them here; each trial fills them from its own training rows.
    Impute,
}

/// How a table becomes a dataset.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TableOptions {
    pub target: String,
    pub drop: Vec<String>,
    pub categorical: Categorical,
    /// Whether the first non-comment line names the columns.
    pub header: bool,
    /// Column names for a file without a header.
    pub columns: Vec<String>,
    pub separator: Separator,
    /// Lines starting with this are skipped.
    pub comment: Option<String>,
    /// Tokens read as missing.
    pub na_values: Vec<String>,
    pub missing: Missing,
    /// Target labels renamed before classes are formed (`<=50K.` -> `<=50K`).
    pub target_map: BTreeMap<String, String>,
    /// Categorical columns accepted whatever their share of distinct values.
    pub categorical_ok: Vec<String>,
    /// A categorical column with more distinct values than this share of its rows is
    /// refused (unless in `categorical_ok`).
    pub max_categorical_share: f64,
    /// Columns kept as groups for fairness figures.
    pub protected: Vec<String>,
}

impl TableOptions {
    /// The defaults for a table with this target column.
    pub fn new(target: &str) -> TableOptions {
        TableOptions {
            target: target.to_string(),
            drop: Vec::new(),
            categorical: Categorical::OneHot,
            header: true,
            columns: Vec::new(),
            separator: Separator::Byte(b','),
            comment: None,
            na_values: vec![String::new(), "NA".into()],
            missing: Missing::Error,
            target_map: BTreeMap::new(),
            categorical_ok: Vec::new(),
            max_categorical_share: 0.5,
            protected: Vec::new(),
        }
    }
}

/// One cell as read.
#[derive(Debug, Clone, PartialEq)]
enum Cell {
    Missing,
    Number(f64),
    Text(String),
}

/// A file's columns as read, with each row's line in the file.
struct Raw {
    file: String,
    names: Vec<String>,
    columns: Vec<Vec<Cell>>,
    lines: Vec<usize>,
}

impl Raw {
    fn rows(&self) -> usize {
        self.lines.len()
    }

    fn index(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|n| n == name)
    }
}

/// Reads a table (and its separate test file) into a dataset.
pub fn load(
    path: &Path,
    test_path: Option<&Path>,
    format: Format,
    options: &TableOptions,
) -> Result<Dataset, DataError> {
    let train = read(path, format, options, None)?;
    let test = test_path.map(|p| read(p, format, options, None)).transpose()?;
    let mut dataset = encode(&train, test.as_ref(), options).map_err(|reason| table_error(path, reason))?;
    let checksum = |p: &Path| -> Result<String, DataError> {
        let bytes =
            std::fs::read(p).map_err(|source| DataError::Io { path: p.display().to_string(), source })?;
        Ok(format!("{} (sha256 {})", p.display(), crate::fetch::sha256_hex(&bytes)))
    };
    dataset.name = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    dataset.provenance = match test_path {
        Some(t) => format!("{}; test file {}", checksum(path)?, checksum(t)?),
        None => checksum(path)?,
    };
    Ok(dataset)
}

/// The column names of a table and its first `rows` rows, cheaply (for `tradeoff check`).
pub fn peek(
    path: &Path,
    format: Format,
    options: &TableOptions,
    rows: usize,
) -> Result<Vec<String>, DataError> {
    Ok(read(path, format, options, Some(rows))?.names)
}

fn table_error(path: &Path, reason: String) -> DataError {
    DataError::Table { path: path.display().to_string(), reason }
}

fn read(path: &Path, format: Format, options: &TableOptions, limit: Option<usize>) -> Result<Raw, DataError> {
    match format {
        Format::Csv => read_csv(path, options, limit),
        Format::Parquet => read_parquet(path, options),
    }
}

fn read_csv(path: &Path, options: &TableOptions, limit: Option<usize>) -> Result<Raw, DataError> {
    let file = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let metadata = std::fs::metadata(path)
        .map_err(|source| DataError::Io { path: path.display().to_string(), source })?;
    if !metadata.is_file() {
        return Err(table_error(path, "not a regular file".into()));
    }
    let io = |source| DataError::Io { path: path.display().to_string(), source };
    let bytes = match limit {
        None => std::fs::read(path).map_err(io)?,
        // A peek reads the first MiB only, cut after its last full line.
        Some(_) => {
            use std::io::Read as _;
            let mut head = Vec::new();
            std::fs::File::open(path).map_err(io)?.take(1 << 20).read_to_end(&mut head).map_err(io)?;
            if head.len() == 1 << 20
                && let Some(end) = head.iter().rposition(|b| *b == b'\n')
            {
                head.truncate(end + 1);
            }
            head
        }
    };
    let text = String::from_utf8_lossy(&bytes);
    // Comment lines become empty lines, which both readers skip, so line numbers stay true.
    let comment = options.comment.as_deref().filter(|c| !c.is_empty());
    let text: String = text
        .lines()
        .map(|line| if comment.is_some_and(|c| line.trim_start().starts_with(c)) { "" } else { line })
        .collect::<Vec<_>>()
        .join("\n");
    let mut records: Vec<(usize, Vec<String>)> = Vec::new();
    match options.separator {
        Separator::Whitespace => {
            for (i, line) in text.lines().enumerate() {
                let fields: Vec<String> = line.split_whitespace().map(str::to_string).collect();
                if !fields.is_empty() {
                    records.push((i + 1, fields));
                }
                if limit.is_some_and(|l| records.len() > l) {
                    break;
                }
            }
        }
        Separator::Byte(separator) => {
            let lines = Lines::new(text.as_bytes());
            let mut reader = csv::ReaderBuilder::new()
                .has_headers(false)
                .flexible(true)
                .trim(csv::Trim::All)
                .delimiter(separator)
                .from_reader(text.as_bytes());
            for result in reader.records() {
                let record = result.map_err(|e| {
                    let line = e.position().map_or(0, |p| lines.line_at(text.as_bytes(), p.byte() as usize));
                    let column = match e.kind() {
                        csv::ErrorKind::Utf8 { err, .. } => format!(", column {}", err.field() + 1),
                        _ => String::new(),
                    };
                    table_error(path, format!("{file} line {line}{column}: {e}"))
                })?;
                let line = record.position().map_or(0, |p| lines.line_at(text.as_bytes(), p.byte() as usize));
                if record.len() == 1 && record[0].is_empty() {
                    continue;
                }
                // A quote left open swallows the lines after it into one field.
                if let Some(column) = record.iter().position(|field| field.contains('\n')) {
                    return Err(table_error(
                        path,
                        format!(
                            "{file} line {line}, column {}: a quoted field runs over {} lines; is a quote left open?",
                            column + 1,
                            record[column].lines().count()
                        ),
                    ));
                }
                records.push((line, record.iter().map(str::to_string).collect()));
                if limit.is_some_and(|l| records.len() > l) {
                    break;
                }
            }
        }
    }
    let mut records = records.into_iter();
    let names: Vec<String> = if options.header {
        match records.next() {
            Some((_, names)) => names,
            None => return Err(table_error(path, format!("{file} is empty"))),
        }
    } else if options.columns.is_empty() {
        return Err(table_error(path, "a file without a header needs `columns = [...]`".into()));
    } else {
        options.columns.clone()
    };
    let mut columns: Vec<Vec<Cell>> = vec![Vec::new(); names.len()];
    let mut lines = Vec::new();
    for (line, fields) in records {
        if fields.len() != names.len() {
            return Err(table_error(
                path,
                format!(
                    "{file} line {line}: {} fields, but {} {}",
                    fields.len(),
                    if options.header { "the header names" } else { "`columns` names" },
                    names.len()
                ),
            ));
        }
        for (column, field) in columns.iter_mut().zip(fields) {
            column.push(if options.na_values.contains(&field) { Cell::Missing } else { Cell::Text(field) });
        }
        lines.push(line);
    }
    Ok(Raw { file, names, columns, lines })
}

fn read_parquet(path: &Path, options: &TableOptions) -> Result<Raw, DataError> {
    let file = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let frame = std::fs::File::open(path)
        .map_err(PolarsError::from)
        .and_then(|f| ParquetReader::new(f).finish())
        .map_err(|e| table_error(path, e.to_string()))?;
    let names: Vec<String> = frame.get_column_names().iter().map(|n| n.to_string()).collect();
    let mut columns = Vec::new();
    for name in &names {
        let series = frame
            .column(name)
            .map_err(|e| table_error(path, e.to_string()))?
            .as_materialized_series()
            .clone();
        let dtype = series.dtype().clone();
        let cells: Vec<Cell> = if dtype.is_primitive_numeric() || dtype == DataType::Boolean {
            let values = series.cast(&DataType::Float64).map_err(|e| table_error(path, e.to_string()))?;
            values
                .f64()
                .map_err(|e| table_error(path, e.to_string()))?
                .iter()
                .map(|v| v.map_or(Cell::Missing, Cell::Number))
                .collect()
        } else {
            let values = series.cast(&DataType::String).map_err(|e| table_error(path, e.to_string()))?;
            values
                .str()
                .map_err(|e| table_error(path, e.to_string()))?
                .iter()
                .map(|v| match v.map(str::trim) {
                    None => Cell::Missing,
                    Some(s) if options.na_values.iter().any(|n| n == s) => Cell::Missing,
                    Some(s) => Cell::Text(s.to_string()),
                })
                .collect()
        };
        columns.push(cells);
    }
    // Parquet rows have no lines: number them from 1 as rows.
    let lines = (1..=frame.height()).collect();
    Ok(Raw { file, names, columns, lines })
}

/// Line numbers of byte positions in a text, from its newlines' offsets, found once (a
/// count from the start for every record would take time quadratic in the file).
struct Lines {
    newlines: Vec<usize>,
}

impl Lines {
    fn new(text: &[u8]) -> Lines {
        Lines { newlines: text.iter().enumerate().filter(|(_, b)| **b == b'\n').map(|(i, _)| i).collect() }
    }

    /// The line (from 1) of the record starting at `byte`: a record's position can be
    /// that of the blank lines the reader skipped before it.
    fn line_at(&self, text: &[u8], byte: usize) -> usize {
        let start = byte.min(text.len());
        let skipped = text[start..].iter().take_while(|b| **b == b'\n' || **b == b'\r').count();
        self.newlines.partition_point(|&newline| newline < start + skipped) + 1
    }
}

/// A cell's number, when it is one (finite; `inf` and `NaN` spelled out are not numbers;
/// `true` and `false` are 1 and 0, as Parquet's booleans are).
fn number(cell: &Cell) -> Option<f64> {
    match cell {
        Cell::Number(v) => Some(*v),
        Cell::Text(s) if s.eq_ignore_ascii_case("true") => Some(1.0),
        Cell::Text(s) if s.eq_ignore_ascii_case("false") => Some(0.0),
        Cell::Text(s) => s.parse::<f64>().ok().filter(|v| v.is_finite()),
        Cell::Missing => None,
    }
}

/// The text of a non-missing cell (numbers in their shortest form).
fn label(cell: &Cell) -> Option<String> {
    match cell {
        Cell::Missing => None,
        Cell::Text(s) => Some(s.clone()),
        Cell::Number(v) if v.fract() == 0.0 && v.abs() < 1e15 => Some(format!("{}", *v as i64)),
        Cell::Number(v) => Some(v.to_string()),
    }
}

/// The encoded dataset: target classes, features (missing values as NaN), the source of
/// each feature, and the protected columns' groups.
fn encode(train: &Raw, test: Option<&Raw>, options: &TableOptions) -> Result<Dataset, String> {
    let column_of = |raw: &Raw, name: &str| -> Result<usize, String> {
        raw.index(name).ok_or_else(|| {
            format!(
                "{} has no column `{name}`; its columns are: {}{}",
                raw.file,
                raw.names.join(", "),
                crate::suggest(name, raw.names.iter().map(String::as_str))
                    .map(|s| format!(" (did you mean `{s}`?)"))
                    .unwrap_or_default()
            )
        })
    };
    if let Some(test) = test
        && test.names != train.names
    {
        return Err(format!(
            "{} names its columns differently from {}: {} vs {}",
            test.file,
            train.file,
            test.names.join(", "),
            train.names.join(", ")
        ));
    }
    let target = column_of(train, &options.target)?;
    for name in options.drop.iter().chain(&options.protected).chain(&options.categorical_ok) {
        column_of(train, name)?;
    }

    // Classes: from the training file, after `target_map`.
    let labels = |raw: &Raw| -> Result<Vec<(String, usize)>, String> {
        raw.columns[target]
            .iter()
            .zip(&raw.lines)
            .map(|(cell, line)| {
                let value = label(cell).ok_or_else(|| {
                    format!(
                        "{} line {line}, column {} (`{}`): the target is missing",
                        raw.file,
                        target + 1,
                        options.target
                    )
                })?;
                Ok((options.target_map.get(&value).cloned().unwrap_or(value), *line))
            })
            .collect()
    };
    let target_numbers: Vec<Option<f64>> = train.columns[target].iter().map(number).collect();
    if target_numbers.iter().all(Option::is_some)
        && let Some((row, value)) = target_numbers
            .iter()
            .enumerate()
            .find_map(|(i, v)| v.filter(|v| v.fract() != 0.0).map(|v| (i, v)))
    {
        return Err(format!(
            "the target `{}` holds real numbers ({} line {}: {value}), so it is a regression target; \
             tradeoff compares classifiers: choose a column of class labels",
            options.target, train.file, train.lines[row]
        ));
    }
    let train_labels = labels(train)?;
    let mut classes: Vec<String> = train_labels.iter().map(|(l, _)| l.clone()).collect();
    let numeric_classes = classes.iter().all(|c| c.parse::<f64>().is_ok());
    classes.sort_by(|a, b| {
        if numeric_classes {
            a.parse::<f64>().unwrap_or(0.0).total_cmp(&b.parse::<f64>().unwrap_or(0.0))
        } else {
            a.cmp(b)
        }
    });
    classes.dedup();
    if classes.len() < 2 {
        return Err(format!(
            "the target `{}` has {} class; classification needs at least 2",
            options.target,
            classes.len()
        ));
    }
    let class_index: HashMap<&str, u32> =
        classes.iter().enumerate().map(|(i, c)| (c.as_str(), i as u32)).collect();
    let train_y: Vec<u32> = train_labels.iter().map(|(l, _)| class_index[l.as_str()]).collect();
    let test_y: Option<Vec<u32>> = test
        .map(|raw| {
            labels(raw)?
                .into_iter()
                .map(|(l, line)| {
                    class_index.get(l.as_str()).copied().ok_or_else(|| {
                        format!(
                            "{} line {line}, column {}: class `{l}` never occurs in {} (its classes: {}); rename it with `target_map`",
                            raw.file,
                            target + 1,
                            train.file,
                            classes.iter().map(|c| format!("`{c}`")).collect::<Vec<_>>().join(", ")
                        )
                    })
                })
                .collect::<Result<Vec<u32>, String>>()
        })
        .transpose()?;

    // Features.
    let mut feature_names = Vec::new();
    let mut sources = Vec::new();
    let mut train_columns: Vec<Vec<f32>> = Vec::new();
    let mut test_columns: Vec<Vec<f32>> = Vec::new();
    let mut notes = Vec::new();
    for (c, name) in train.names.iter().enumerate() {
        if c == target || options.drop.contains(name) {
            continue;
        }
        let cells = || train.columns[c].iter().chain(test.into_iter().flat_map(|t| t.columns[c].iter()));
        let missing = cells().filter(|cell| **cell == Cell::Missing).count();
        if missing > 0 && options.missing == Missing::Error {
            let (file, line) = [Some(train), test]
                .into_iter()
                .flatten()
                .find_map(|raw| {
                    raw.columns[c]
                        .iter()
                        .position(|cell| *cell == Cell::Missing)
                        .map(|r| (&raw.file, raw.lines[r]))
                })
                .expect("a missing cell exists");
            return Err(format!(
                "column `{name}` has {missing} missing values (first: {file} line {line}, column {}); \
                 set `missing = \"impute\"` (each trial fills them from its training rows), \
                 `missing = \"native\"` (trees learn where missing rows go), or list the column in `drop`",
                c + 1
            ));
        }
        let numeric = cells().all(|cell| *cell == Cell::Missing || number(cell).is_some());
        if numeric {
            feature_names.push(name.clone());
            sources.push(FeatureSource { column: name.clone(), kind: FeatureKind::Numeric });
            let values = |raw: &Raw| {
                raw.columns[c].iter().map(|cell| number(cell).map_or(f32::NAN, |v| v as f32)).collect()
            };
            train_columns.push(values(train));
            if let Some(test) = test {
                test_columns.push(values(test));
            }
            continue;
        }
        // Categorical: levels from the training rows.
        let mut levels: Vec<String> = train.columns[c].iter().filter_map(label).collect();
        let present = levels.len();
        levels.sort();
        levels.dedup();
        if present > 0
            && levels.len() as f64 > options.max_categorical_share * present as f64
            && !options.categorical_ok.contains(name)
            && levels.len() > 20
        {
            let example = train.columns[c]
                .iter()
                .zip(&train.lines)
                .find(|(cell, _)| number(cell).is_none() && **cell != Cell::Missing)
                .map(|(cell, line)| {
                    format!(
                        "; e.g. {} line {line}, column {}: `{}`",
                        train.file,
                        c + 1,
                        label(cell).unwrap_or_default()
                    )
                })
                .unwrap_or_default();
            return Err(format!(
                "column `{name}` is not numeric and has {} distinct values in {present} rows ({:.0}%): an identifier or free text, \
                 not a category{example}; list it in `drop`, or in `categorical_ok` to encode it anyway",
                levels.len(),
                100.0 * levels.len() as f64 / present as f64
            ));
        }
        let level_of: HashMap<&str, usize> =
            levels.iter().enumerate().map(|(i, l)| (l.as_str(), i)).collect();
        let codes = |raw: &Raw| -> Vec<Option<Option<usize>>> {
            // None: missing; Some(None): a level the training rows do not have.
            raw.columns[c].iter().map(|cell| label(cell).map(|l| level_of.get(l.as_str()).copied())).collect()
        };
        let (train_codes, test_codes) = (codes(train), test.map(codes));
        if let Some(codes) = &test_codes {
            let unseen = codes.iter().filter(|c| matches!(c, Some(None))).count();
            if unseen > 0 {
                notes.push(format!("{unseen} test values of `{name}` are categories the training rows lack (encoded as missing)"));
                if options.missing == Missing::Error {
                    let (raw, first) = test
                        .and_then(|raw| {
                            let row = codes.iter().position(|c| matches!(c, Some(None)))?;
                            Some((raw, row))
                        })
                        .expect("an unseen value exists");
                    return Err(format!(
                        "column `{name}` has {unseen} values in the test file that never occur in the training file \
                         (first: {} line {}, column {}: `{}`); set `missing` to \"impute\" or \"native\" to treat them as missing",
                        raw.file,
                        raw.lines[first],
                        c + 1,
                        label(&raw.columns[c][first]).unwrap_or_default()
                    ));
                }
            }
        }
        match options.categorical {
            Categorical::OneHot => {
                for (l, level) in levels.iter().enumerate() {
                    feature_names.push(format!("{name}={level}"));
                    sources.push(FeatureSource { column: name.clone(), kind: FeatureKind::OneHot });
                    let indicator = |codes: &[Option<Option<usize>>]| -> Vec<f32> {
                        codes
                            .iter()
                            .map(|code| match code {
                                Some(Some(k)) => f32::from(u8::from(*k == l)),
                                _ => f32::NAN,
                            })
                            .collect()
                    };
                    train_columns.push(indicator(&train_codes));
                    if let Some(codes) = &test_codes {
                        test_columns.push(indicator(codes));
                    }
                }
            }
            Categorical::Native => {
                feature_names.push(name.clone());
                sources.push(FeatureSource { column: name.clone(), kind: FeatureKind::Ordinal });
                let ordinal = |codes: &[Option<Option<usize>>]| -> Vec<f32> {
                    codes.iter().map(|code| code.flatten().map_or(f32::NAN, |k| k as f32)).collect()
                };
                train_columns.push(ordinal(&train_codes));
                if let Some(codes) = &test_codes {
                    test_columns.push(ordinal(codes));
                }
            }
        }
    }
    if feature_names.is_empty() {
        return Err("no feature columns left after the target and `drop`".into());
    }
    let interleave = |columns: &[Vec<f32>], rows: usize| -> Vec<f32> {
        let cols = columns.len();
        let mut x = vec![0.0f32; rows * cols];
        for (c, column) in columns.iter().enumerate() {
            for (r, value) in column.iter().enumerate() {
                x[r * cols + c] = *value;
            }
        }
        x
    };
    let cols = feature_names.len();
    let train_table = Table::new(interleave(&train_columns, train.rows()), train_y, cols);
    let test_table =
        test.map(|raw| Table::new(interleave(&test_columns, raw.rows()), test_y.unwrap_or_default(), cols));

    // Protected attributes: groups from both files, missing as its own group.
    let protected = options
        .protected
        .iter()
        .map(|name| {
            let c = train.index(name).expect("checked above");
            let value = |cell: &Cell| label(cell).unwrap_or_else(|| "(missing)".to_string());
            let mut levels: Vec<String> = train.columns[c]
                .iter()
                .chain(test.into_iter().flat_map(|t| t.columns[c].iter()))
                .map(value)
                .collect();
            levels.sort();
            levels.dedup();
            let index: HashMap<&str, u32> =
                levels.iter().enumerate().map(|(i, l)| (l.as_str(), i as u32)).collect();
            let groups = |raw: &Raw| {
                raw.columns[c].iter().map(|cell| index[value(cell).as_str()]).collect::<Vec<u32>>()
            };
            GroupColumn { name: name.clone(), train: groups(train), test: test.map(groups), levels }
        })
        .collect();
    let mut provenance_notes = String::new();
    if !notes.is_empty() {
        provenance_notes = format!(" ({})", notes.join("; "));
    }
    Ok(Dataset {
        name: String::new(),
        feature_names,
        class_names: classes,
        train: train_table,
        test: test_table,
        provenance: provenance_notes,
        sources,
        protected,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    #[test]
    fn numbers_are_numbers_whatever_their_spelling() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(dir.path(), "t.csv", "id,amount,class\n1,1e+05,yes\n2,250,no\n3,  7.5 ,yes\n");
        let mut options = TableOptions::new("class");
        options.drop = vec!["id".into()];
        let dataset = load(&path, None, Format::Csv, &options).unwrap();
        assert_eq!(dataset.feature_names, vec!["amount"]);
        assert_eq!(dataset.train.x, vec![100000.0, 250.0, 7.5]);
    }
}
