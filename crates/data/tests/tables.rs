//! CSV and Parquet tables through polars: the target becomes class indices, numbers and
//! booleans become features, strings are one-hot or ordinal, and problems are named.

use data::{Categorical, Format, TableOptions};
use polars::prelude::*;

fn options(categorical: Categorical) -> TableOptions {
    TableOptions { target: "play".into(), drop: vec!["id".into()], categorical }
}

fn frame() -> DataFrame {
    df!(
        "id" => [1i64, 2, 3, 4],
        "outlook" => ["sunny", "rainy", "sunny", "overcast"],
        "temperature" => [30.5f64, 12.0, 25.0, 18.5],
        "windy" => [true, false, false, true],
        "play" => ["no", "yes", "yes", "yes"],
    )
    .unwrap()
}

#[test]
fn parquet_and_csv_give_the_same_dataset() {
    let dir = tempfile::tempdir().unwrap();
    let mut table = frame();
    let parquet = dir.path().join("weather.parquet");
    ParquetWriter::new(std::fs::File::create(&parquet).unwrap()).finish(&mut table).unwrap();
    let csv = dir.path().join("weather.csv");
    CsvWriter::new(std::fs::File::create(&csv).unwrap()).include_header(true).finish(&mut table).unwrap();

    let from_parquet = data::tabular::load(&parquet, Format::Parquet, &options(Categorical::OneHot)).unwrap();
    let from_csv = data::tabular::load(&csv, Format::Csv, &options(Categorical::OneHot)).unwrap();
    assert_eq!(from_parquet.train, from_csv.train);
    assert_eq!(
        from_csv.feature_names,
        vec!["outlook=overcast", "outlook=rainy", "outlook=sunny", "temperature", "windy"]
    );
    assert_eq!(from_csv.class_names, vec!["no", "yes"]);
    assert_eq!(from_csv.train.y, vec![0, 1, 1, 1]);
    assert_eq!(from_csv.train.row(0), &[0.0, 0.0, 1.0, 30.5, 1.0]);
    assert!(from_csv.provenance.contains("sha256"));

    let native = data::tabular::load(&csv, Format::Csv, &options(Categorical::Native)).unwrap();
    assert_eq!(native.feature_names, vec!["outlook", "temperature", "windy"]);
    assert_eq!(native.train.row(3), &[0.0, 18.5, 1.0]);
}

#[test]
fn a_missing_target_or_missing_values_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("t.csv");
    std::fs::write(&csv, "a,b,label\n1,2,x\n3,,y\n").unwrap();
    let missing_target =
        TableOptions { target: "class".into(), drop: vec![], categorical: Categorical::OneHot };
    let error = data::tabular::load(&csv, Format::Csv, &missing_target).unwrap_err().to_string();
    assert!(error.contains("no target column `class`; the columns are: a, b, label"), "{error}");
    let options = TableOptions { target: "label".into(), drop: vec![], categorical: Categorical::OneHot };
    let error = data::tabular::load(&csv, Format::Csv, &options).unwrap_err().to_string();
    assert!(error.contains("column `b` has 1 missing values"), "{error}");
    let dropped =
        TableOptions { target: "label".into(), drop: vec!["b".into()], categorical: Categorical::OneHot };
    assert_eq!(data::tabular::load(&csv, Format::Csv, &dropped).unwrap().train.cols, 1);
}

#[test]
fn a_real_valued_target_is_refused_as_a_regression_target() {
    let frame = df!(
        "x" => [1.0f64, 2.0, 3.0],
        "price" => [10.0f64, 12.5, 11.0],
    )
    .unwrap();
    let options = TableOptions { target: "price".into(), drop: vec![], categorical: Categorical::OneHot };
    let error = data::tabular::from_frame(&frame, &options).unwrap_err();
    assert!(error.contains("the target `price` holds real numbers (row 2: 12.5)"), "{error}");
    // Whole numbers stored as floats are class labels.
    let frame = df!("x" => [1.0f64, 2.0, 3.0], "class" => [0.0f64, 1.0, 1.0]).unwrap();
    let options = TableOptions { target: "class".into(), drop: vec![], categorical: Categorical::OneHot };
    assert_eq!(data::tabular::from_frame(&frame, &options).unwrap().class_names, vec!["0", "1"]);
}
