//! Tables as users have them, each reader option and each error on small files made
//! here: the target becomes class indices, numbers (whatever their spelling) and booleans
//! become features, strings are one-hot or ordinal, missing values are refused or kept,
//! and every problem names the file, the line and the column.

use std::path::{Path, PathBuf};

use data::{Categorical, Format, Missing, Separator, TableOptions};
use polars::prelude::*;

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn weather(categorical: Categorical) -> TableOptions {
    let mut options = TableOptions::new("play");
    options.drop = vec!["id".into()];
    options.categorical = categorical;
    options
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

fn load(path: &Path, options: &TableOptions) -> Result<data::Dataset, String> {
    data::tabular::load(path, None, Format::Csv, options).map_err(|e| e.to_string())
}

#[test]
fn parquet_and_csv_give_the_same_dataset() {
    let dir = tempfile::tempdir().unwrap();
    let mut table = frame();
    let parquet = dir.path().join("weather.parquet");
    ParquetWriter::new(std::fs::File::create(&parquet).unwrap()).finish(&mut table).unwrap();
    let csv = dir.path().join("weather.csv");
    CsvWriter::new(std::fs::File::create(&csv).unwrap()).include_header(true).finish(&mut table).unwrap();

    let from_parquet =
        data::tabular::load(&parquet, None, Format::Parquet, &weather(Categorical::OneHot)).unwrap();
    let from_csv = load(&csv, &weather(Categorical::OneHot)).unwrap();
    assert_eq!(from_parquet.train, from_csv.train);
    assert_eq!(
        from_csv.feature_names,
        vec!["outlook=overcast", "outlook=rainy", "outlook=sunny", "temperature", "windy"]
    );
    assert_eq!(from_csv.class_names, vec!["no", "yes"]);
    assert_eq!(from_csv.train.y, vec![0, 1, 1, 1]);
    assert_eq!(from_csv.train.row(0), &[0.0, 0.0, 1.0, 30.5, 1.0]);
    assert!(from_csv.provenance.contains("sha256"));

    let native = load(&csv, &weather(Categorical::Native)).unwrap();
    assert_eq!(native.feature_names, vec!["outlook", "temperature", "windy"]);
    assert_eq!(native.train.row(3), &[0.0, 18.5, 1.0]);
}

#[test]
fn headerless_whitespace_files_with_comments_and_blank_lines() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "german.data",
        "| a comment\nA11  6 1169 1\n\nA12 48   5951 2\n| another\nA11 12 2096 1\n",
    );
    let mut options = TableOptions::new("class");
    options.header = false;
    options.columns = vec!["status".into(), "months".into(), "amount".into(), "class".into()];
    options.separator = Separator::Whitespace;
    options.comment = Some("|".into());
    let dataset = load(&path, &options).unwrap();
    assert_eq!(dataset.train.rows, 3);
    assert_eq!(dataset.feature_names, vec!["status=A11", "status=A12", "months", "amount"]);
    assert_eq!(dataset.train.row(1), &[0.0, 1.0, 48.0, 5951.0]);
    assert_eq!(dataset.class_names, vec!["1", "2"]);
}

#[test]
fn comma_space_separators_are_trimmed_and_a_test_file_maps_its_labels() {
    let dir = tempfile::tempdir().unwrap();
    let train = write(
        dir.path(),
        "adult.data",
        "39, State-gov, 77516, <=50K\n50, Private, 83311, >50K\n38, ?, 215646, <=50K\n",
    );
    let test = write(
        dir.path(),
        "adult.test",
        "|1x3 Cross validator\n25, Private, 226802, <=50K.\n28, Local-gov, 336951, >50K.\n",
    );
    let mut options = TableOptions::new("income");
    options.header = false;
    options.columns = vec!["age".into(), "workclass".into(), "fnlwgt".into(), "income".into()];
    options.comment = Some("|".into());
    options.na_values = vec!["?".into()];
    options.missing = Missing::Impute;
    // Without the map, the test file's `<=50K.` is a class the training file lacks.
    let error = data::tabular::load(&train, Some(&test), Format::Csv, &options).unwrap_err().to_string();
    assert!(
        error.contains(
            "adult.test line 2, column 4: class `<=50K.` never occurs in adult.data (its classes: `<=50K`, `>50K`)"
        ),
        "{error}"
    );
    options.target_map =
        [("<=50K.".to_string(), "<=50K".to_string()), (">50K.".to_string(), ">50K".to_string())].into();
    let dataset = data::tabular::load(&train, Some(&test), Format::Csv, &options).unwrap();
    assert_eq!(dataset.class_names, vec!["<=50K", ">50K"]);
    let test_table = dataset.test.as_ref().unwrap();
    assert_eq!(test_table.y, vec![0, 1]);
    // Numbers after ", " stay numbers; `?` is missing (NaN in every indicator); a test
    // category the training rows lack is missing too.
    assert_eq!(dataset.feature_names, vec!["age", "workclass=Private", "workclass=State-gov", "fnlwgt"]);
    assert_eq!(dataset.train.row(0), &[39.0, 0.0, 1.0, 77516.0]);
    assert!(dataset.train.row(2)[1].is_nan() && dataset.train.row(2)[2].is_nan());
    assert!(test_table.row(1)[1].is_nan(), "Local-gov is not a training category");
}

#[test]
fn problems_name_the_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "t.csv", "a,b,label\n1,2,x\n3,,y\n4,5\n");
    let error = load(&path, &TableOptions::new("label")).unwrap_err();
    assert!(error.contains("t.csv line 4: 2 fields, but the header names 3"), "{error}");
    let path = write(dir.path(), "t.csv", "a,b,label\n1,2,x\n3,,y\n");
    let error = load(&path, &TableOptions::new("lable")).unwrap_err();
    assert!(
        error.contains("t.csv has no column `lable`; its columns are: a, b, label (did you mean `label`?)"),
        "{error}"
    );
    let error = load(&path, &TableOptions::new("label")).unwrap_err();
    assert!(error.contains("column `b` has 1 missing values (first: t.csv line 3, column 2)"), "{error}");
    assert!(error.contains("missing = \"impute\""), "{error}");
    let mut dropped = TableOptions::new("label");
    dropped.drop = vec!["b".into()];
    assert_eq!(load(&path, &dropped).unwrap().train.cols, 1);
    let path = write(dir.path(), "t.csv", "a,label\n1,x\n2,\n");
    assert!(
        load(&path, &TableOptions::new("label"))
            .unwrap_err()
            .contains("t.csv line 3, column 2 (`label`): the target is missing")
    );
}

#[test]
fn identifiers_and_free_text_are_refused_unless_accepted() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("name,x,class\n");
    for i in 0..60 {
        text.push_str(&format!("user{i},{i},{}\n", i % 2));
    }
    let path = write(dir.path(), "users.csv", &text);
    let error = load(&path, &TableOptions::new("class")).unwrap_err();
    assert!(
        error.contains("column `name` is not numeric and has 60 distinct values in 60 rows (100%)"),
        "{error}"
    );
    assert!(error.contains("e.g. users.csv line 2, column 1: `user0`"), "{error}");
    let mut accepted = TableOptions::new("class");
    accepted.categorical_ok = vec!["name".into()];
    accepted.categorical = Categorical::Native;
    assert_eq!(load(&path, &accepted).unwrap().train.cols, 2);
}

#[test]
fn a_real_valued_target_is_refused_as_a_regression_target() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "prices.csv", "x,price\n1,10\n2,12.5\n3,11\n");
    let error = load(&path, &TableOptions::new("price")).unwrap_err();
    assert!(error.contains("the target `price` holds real numbers (prices.csv line 3: 12.5)"), "{error}");
    // Whole numbers are class labels, named as written.
    let path = write(dir.path(), "classes.csv", "x,class\n1,0\n2,1\n3,1\n");
    assert_eq!(load(&path, &TableOptions::new("class")).unwrap().class_names, vec!["0", "1"]);
}

#[test]
fn protected_attributes_are_kept_as_groups_even_when_dropped() {
    let dir = tempfile::tempdir().unwrap();
    let path =
        write(dir.path(), "credit.csv", "SEX,LIMIT,default\n1,20000,1\n2,120000,0\n2,90000,0\n,50000,1\n");
    let mut options = TableOptions::new("default");
    options.drop = vec!["SEX".into()];
    options.protected = vec!["SEX".into()];
    options.missing = Missing::Impute;
    let dataset = load(&path, &options).unwrap();
    assert_eq!(dataset.feature_names, vec!["LIMIT"]);
    let sex = &dataset.protected[0];
    assert_eq!(sex.levels, vec!["(missing)", "1", "2"]);
    assert_eq!(sex.train, vec![1, 2, 2, 0]);
}

#[test]
fn a_column_is_numeric_when_every_value_is_a_number_wherever_it_is() {
    let dir = tempfile::tempdir().unwrap();
    // `1e+05` in the last row of an integer column, a quoted field holding the separator,
    // `;` as separator and `-` read as missing.
    let mut text = String::from("income;city;\"label\"\n");
    for i in 0..2000 {
        text.push_str(&format!("{};\"Paris; FR\";{}\n", 1000 + i, i % 2));
    }
    text.push_str("1e+05;Lyon;1\n-;Lyon;0\n");
    let path = write(dir.path(), "semicolons.txt", &text);
    let mut options = TableOptions::new("label");
    options.separator = Separator::Byte(b';');
    options.na_values = vec!["-".into()];
    options.missing = Missing::Native;
    let dataset = load(&path, &options).unwrap();
    assert_eq!(dataset.feature_names, vec!["income", "city=Lyon", "city=Paris; FR"]);
    assert_eq!(dataset.train.row(2000), &[100_000.0, 1.0, 0.0]);
    assert!(dataset.train.row(2001)[0].is_nan(), "`-` is missing");
    assert_eq!(dataset.sources[0].kind, data::FeatureKind::Numeric);
    assert_eq!(dataset.sources[1].kind, data::FeatureKind::OneHot);
}

#[test]
fn a_test_file_with_a_class_the_training_file_lacks_is_refused_with_both_lists() {
    let dir = tempfile::tempdir().unwrap();
    let train = write(dir.path(), "train.csv", "x,y\n1,a\n2,b\n");
    let test = write(dir.path(), "train.test", "x,y\n1,a\n2,c\n");
    let error = data::tabular::load(&train, Some(&test), Format::Csv, &TableOptions::new("y"))
        .unwrap_err()
        .to_string();
    assert!(
        error.contains(
            "train.test line 3, column 2: class `c` never occurs in train.csv (its classes: `a`, `b`)"
        ),
        "{error}"
    );
    // A test file must name the same columns.
    let test = write(dir.path(), "other.test", "x,z\n1,a\n");
    let error = data::tabular::load(&train, Some(&test), Format::Csv, &TableOptions::new("y"))
        .unwrap_err()
        .to_string();
    assert!(error.contains("other.test names its columns differently from train.csv"), "{error}");
}

#[test]
fn a_quoting_error_names_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "bad.csv", "x,y\n1,a\n2,\"b\n3,c\n4,d\n");
    // The open quote on line 3 swallows the rest of the file into one field.
    let error = load(&path, &TableOptions::new("y")).unwrap_err();
    assert!(error.contains("bad.csv line 3, column 2: a quoted field runs over 3 lines"), "{error}");
}

#[test]
fn a_test_category_the_training_rows_lack_is_named_with_its_place() {
    let dir = tempfile::tempdir().unwrap();
    let train = write(dir.path(), "train.csv", "colour,y\nred,a\nblue,b\nred,a\nblue,b\n");
    let test = write(dir.path(), "train.test", "colour,y\nred,a\ngreen,b\n");
    let error = data::tabular::load(&train, Some(&test), Format::Csv, &TableOptions::new("y"))
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("column `colour` has 1 values in the test file that never occur in the training file (first: train.test line 3, column 1: `green`)"),
        "{error}"
    );
    let mut impute = TableOptions::new("y");
    impute.missing = Missing::Impute;
    let dataset = data::tabular::load(&train, Some(&test), Format::Csv, &impute)
        .expect("unseen categories become missing");
    assert!(dataset.test.as_ref().unwrap().x.iter().any(|v| v.is_nan()));
}
