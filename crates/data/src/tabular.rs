//! CSV and Parquet tables through polars: a named target column becomes class indices,
//! numeric and boolean columns become features, string columns are one-hot or
//! ordinally encoded.

use std::path::Path;

use polars::prelude::*;

use crate::DataError;
use crate::table::{Dataset, Table};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Parquet,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Categorical {
    OneHot,
    Native,
}

/// How a table becomes a dataset.
#[derive(Debug, Clone)]
pub struct TableOptions {
    pub target: String,
    pub drop: Vec<String>,
    pub categorical: Categorical,
}

/// Reads a table file into a dataset.
pub fn load(path: &Path, format: Format, options: &TableOptions) -> Result<Dataset, DataError> {
    let error = |reason: String| DataError::Table { path: path.display().to_string(), reason };
    let frame = match format {
        Format::Csv => CsvReadOptions::default()
            .with_has_header(true)
            .with_infer_schema_length(Some(10_000))
            .try_into_reader_with_file_path(Some(path.to_path_buf()))
            .and_then(|reader| reader.finish()),
        Format::Parquet => std::fs::File::open(path)
            .map_err(PolarsError::from)
            .and_then(|file| ParquetReader::new(file).finish()),
    }
    .map_err(|e| error(e.to_string()))?;
    let mut dataset = from_frame(&frame, options).map_err(error)?;
    let bytes =
        std::fs::read(path).map_err(|source| DataError::Io { path: path.display().to_string(), source })?;
    dataset.name = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    dataset.provenance = format!("{} (sha256 {})", path.display(), crate::fetch::sha256_hex(&bytes));
    Ok(dataset)
}

/// Encodes a data frame: `options.target` becomes the labels, the other columns features.
pub fn from_frame(frame: &DataFrame, options: &TableOptions) -> Result<Dataset, String> {
    let names: Vec<String> = frame.get_column_names().iter().map(|n| n.to_string()).collect();
    if !names.contains(&options.target) {
        return Err(format!("no target column `{}`; the columns are: {}", options.target, names.join(", ")));
    }
    for dropped in &options.drop {
        if !names.contains(dropped) {
            return Err(format!(
                "cannot drop `{dropped}`: no such column; the columns are: {}",
                names.join(", ")
            ));
        }
    }
    let rows = frame.height();
    let target = frame.column(&options.target).map_err(|e| e.to_string())?.as_materialized_series().clone();
    let (class_names, y) = encode_target(&target)?;

    let mut feature_names = Vec::new();
    let mut columns: Vec<Vec<f32>> = Vec::new();
    for name in &names {
        if name == &options.target || options.drop.contains(name) {
            continue;
        }
        let series = frame.column(name).map_err(|e| e.to_string())?.as_materialized_series().clone();
        let dtype = series.dtype().clone();
        if dtype.is_primitive_numeric() || dtype == DataType::Boolean {
            let nulls = series.null_count();
            if nulls > 0 {
                return Err(format!(
                    "column `{name}` has {nulls} missing values; fill them or list the column in `drop`"
                ));
            }
            let values = series.cast(&DataType::Float32).map_err(|e| e.to_string())?;
            let values: Vec<f32> = values.f32().map_err(|e| e.to_string())?.into_no_null_iter().collect();
            feature_names.push(name.clone());
            columns.push(values);
        } else if dtype == DataType::String {
            let strings: Vec<String> = series
                .str()
                .map_err(|e| e.to_string())?
                .iter()
                .map(|v| v.unwrap_or("(missing)").trim().to_string())
                .collect();
            let mut levels: Vec<String> = strings.clone();
            levels.sort();
            levels.dedup();
            match options.categorical {
                Categorical::OneHot => {
                    for level in &levels {
                        feature_names.push(format!("{name}={level}"));
                        columns.push(strings.iter().map(|s| if s == level { 1.0 } else { 0.0 }).collect());
                    }
                }
                Categorical::Native => {
                    feature_names.push(name.clone());
                    columns.push(
                        strings
                            .iter()
                            .map(|s| levels.binary_search(s).expect("a level of its own column") as f32)
                            .collect(),
                    );
                }
            }
        } else {
            return Err(format!(
                "column `{name}` has type {dtype}, which is not a number, boolean or string"
            ));
        }
    }
    if feature_names.is_empty() {
        return Err("no feature columns left after the target and `drop`".into());
    }
    let cols = columns.len();
    let mut x = vec![0.0f32; rows * cols];
    for (c, column) in columns.iter().enumerate() {
        for (r, value) in column.iter().enumerate() {
            x[r * cols + c] = *value;
        }
    }
    Ok(Dataset {
        name: String::new(),
        feature_names,
        class_names,
        train: Table::new(x, y, cols),
        test: None,
        provenance: String::new(),
    })
}

/// Class names sorted (numerically when the target is numeric) and each row's index.
fn encode_target(target: &Series) -> Result<(Vec<String>, Vec<u32>), String> {
    if target.null_count() > 0 {
        return Err(format!("the target `{}` has {} missing values", target.name(), target.null_count()));
    }
    let numeric = target.dtype().is_primitive_numeric();
    if target.dtype().is_float() {
        // A real-valued target is a regression problem: refuse it rather than make a class
        // of every distinct number.
        let values = target.cast(&DataType::Float64).map_err(|e| e.to_string())?;
        let values = values.f64().map_err(|e| e.to_string())?;
        if let Some((row, value)) =
            values.iter().enumerate().find_map(|(i, v)| v.filter(|v| v.fract() != 0.0).map(|v| (i, v)))
        {
            return Err(format!(
                "the target `{}` holds real numbers (row {}: {value}), so it is a regression target; \
                 tradeoff compares classifiers: choose a column of class labels",
                target.name(),
                row + 1
            ));
        }
    }
    // Whole numbers stored as floats name their classes as integers ("1", not "1.0").
    let target = if target.dtype().is_float() {
        target.cast(&DataType::Int64).map_err(|e| e.to_string())?
    } else {
        target.clone()
    };
    let as_text = target.cast(&DataType::String).map_err(|e| e.to_string())?;
    let labels: Vec<String> = as_text
        .str()
        .map_err(|e| e.to_string())?
        .iter()
        .map(|s| s.unwrap_or_default().trim().to_string())
        .collect();
    let mut classes = labels.clone();
    if numeric {
        classes.sort_by(|a, b| {
            let (a, b) = (a.parse::<f64>().unwrap_or(f64::NAN), b.parse::<f64>().unwrap_or(f64::NAN));
            a.total_cmp(&b)
        });
    } else {
        classes.sort();
    }
    classes.dedup();
    if classes.len() < 2 {
        return Err(format!(
            "the target `{}` has {} class; classification needs at least 2",
            target.name(),
            classes.len()
        ));
    }
    let index: std::collections::HashMap<&str, u32> =
        classes.iter().enumerate().map(|(i, c)| (c.as_str(), i as u32)).collect();
    let y = labels.iter().map(|l| index[l.as_str()]).collect();
    Ok((classes, y))
}
