//! Built-in datasets: `digits` (embedded, so a fresh machine runs the default experiment
//! without a download), `weather` (the lecture's 16 rows) and `fashion-mnist` (the
//! lecture's scenario, fetched and checksummed).

use std::io::Read;
use std::path::Path;

use crate::DataError;
use crate::fetch::{KnownFile, Locations, obtain, sha256_hex};
use crate::idx;
use crate::table::{Dataset, Table};

/// A built-in dataset's name and whether it has an official train/test split.
pub const BUILTINS: &[(&str, bool)] = &[("digits", true), ("weather", false), ("fashion-mnist", true)];

pub fn load(name: &str, locations: &Locations) -> Result<Dataset, DataError> {
    match name {
        "digits" => digits(),
        "weather" => Ok(weather()),
        "fashion-mnist" => fashion_mnist(&FASHION_MNIST, locations),
        other => Err(DataError::UnknownBuiltin { name: other.to_string() }),
    }
}

const OPTDIGITS_TRAIN: &[u8] = include_bytes!("../assets/optdigits.tra.gz");
const OPTDIGITS_TEST: &[u8] = include_bytes!("../assets/optdigits.tes.gz");
const OPTDIGITS_TRAIN_SHA256: &str = "e1b683cc211604fe8fd8c4417e6a69f31380e0c61d4af22e93cc21e9257ffedd";
const OPTDIGITS_TEST_SHA256: &str = "6ebb3d2fee246a4e99363262ddf8a00a3c41bee6014c373ed9d9216ba7f651b8";

/// UCI optdigits: 8x8 bitmaps of handwritten digits, 64 features valued 0..16.
fn digits() -> Result<Dataset, DataError> {
    let parse = |name: &str, gz: &[u8], sha256: &str| -> Result<Table, DataError> {
        let mut text = String::new();
        flate2::read::GzDecoder::new(gz)
            .read_to_string(&mut text)
            .map_err(|source| DataError::Io { path: name.to_string(), source })?;
        let actual = sha256_hex(text.as_bytes());
        if actual != sha256 {
            return Err(DataError::Checksum {
                file: name.into(),
                algorithm: "sha256",
                expected: sha256.into(),
                actual,
            });
        }
        let mut x = Vec::new();
        let mut y = Vec::new();
        for (line_number, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
            let values: Result<Vec<u32>, _> = line.split(',').map(|v| v.trim().parse::<u32>()).collect();
            let values = values.map_err(|e| DataError::Table {
                path: name.into(),
                reason: format!("line {}: {e}", line_number + 1),
            })?;
            let (label, features) = values.split_last().expect("non-empty line");
            x.extend(features.iter().map(|&v| v as f32));
            y.push(*label);
        }
        Ok(Table::new(x, y, 64))
    };
    Ok(Dataset {
        name: "digits".into(),
        feature_names: (0..64).map(|i| format!("pixel_{}_{}", i / 8, i % 8)).collect(),
        class_names: (0..10).map(|d| d.to_string()).collect(),
        train: parse("optdigits.tra", OPTDIGITS_TRAIN, OPTDIGITS_TRAIN_SHA256)?,
        test: Some(parse("optdigits.tes", OPTDIGITS_TEST, OPTDIGITS_TEST_SHA256)?),
        provenance: format!(
            "UCI optdigits (CC BY 4.0), embedded; optdigits.tra sha256 {OPTDIGITS_TRAIN_SHA256}, optdigits.tes sha256 {OPTDIGITS_TEST_SHA256}"
        ),
        sources: Vec::new(),
        protected: Vec::new(),
    })
}

/// The lecture's weather table: outlook, temperature, humidity, windy -> play.
pub const WEATHER_ROWS: [[&str; 5]; 16] = [
    ["overcast", "hot", "high", "false", "yes"],
    ["overcast", "hot", "high", "false", "no"],
    ["overcast", "hot", "high", "false", "yes"],
    ["overcast", "cool", "normal", "true", "yes"],
    ["overcast", "mild", "high", "true", "yes"],
    ["overcast", "hot", "normal", "false", "yes"],
    ["rainy", "mild", "high", "false", "yes"],
    ["rainy", "cool", "normal", "false", "yes"],
    ["rainy", "cool", "normal", "true", "no"],
    ["rainy", "mild", "normal", "false", "yes"],
    ["rainy", "mild", "high", "true", "no"],
    ["sunny", "hot", "high", "false", "no"],
    ["sunny", "hot", "high", "true", "no"],
    ["sunny", "mild", "high", "false", "no"],
    ["sunny", "cool", "normal", "false", "yes"],
    ["sunny", "mild", "normal", "true", "yes"],
];

/// The weather table one-hot encoded: one 0/1 feature per attribute value, in the order
/// the values first appear (`outlook=overcast`, `outlook=rainy`, ...); `windy` is 0/1.
fn weather() -> Dataset {
    let columns = ["outlook", "temperature", "humidity"];
    let mut levels: Vec<Vec<&str>> = vec![Vec::new(); 3];
    for row in &WEATHER_ROWS {
        for (c, level) in levels.iter_mut().enumerate() {
            if !level.contains(&row[c]) {
                level.push(row[c]);
            }
        }
    }
    let mut feature_names: Vec<String> = Vec::new();
    for (c, level) in levels.iter().enumerate() {
        feature_names.extend(level.iter().map(|v| format!("{}={v}", columns[c])));
    }
    feature_names.push("windy".into());
    let mut x = Vec::new();
    let mut y = Vec::new();
    for row in &WEATHER_ROWS {
        for (c, level) in levels.iter().enumerate() {
            x.extend(level.iter().map(|v| if *v == row[c] { 1.0 } else { 0.0 }));
        }
        x.push(if row[3] == "true" { 1.0 } else { 0.0 });
        y.push(if row[4] == "yes" { 1 } else { 0 });
    }
    let cols = feature_names.len();
    Dataset {
        name: "weather".into(),
        feature_names,
        class_names: vec!["no".into(), "yes".into()],
        train: Table::new(x, y, cols),
        test: None,
        provenance: "the weather table of the lecture (16 rows)".into(),
        sources: Vec::new(),
        protected: Vec::new(),
    }
}

const FASHION_BASE: &str = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com";

/// The four official Fashion-MNIST files with the checksums Zalando publishes (md5, in
/// its README) and the sha256 that loaders pin for the same bytes.
pub const FASHION_MNIST: [KnownFile<'static>; 4] = [
    KnownFile {
        name: "train-images-idx3-ubyte.gz",
        url: "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/train-images-idx3-ubyte.gz",
        sha256: "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
        published_md5: Some("8d4fb7e6c68d591d4c3dfef9ec88bf0d"),
    },
    KnownFile {
        name: "train-labels-idx1-ubyte.gz",
        url: "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/train-labels-idx1-ubyte.gz",
        sha256: "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
        published_md5: Some("25c81989df183df01b3e8a0aad5dffbe"),
    },
    KnownFile {
        name: "t10k-images-idx3-ubyte.gz",
        url: "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/t10k-images-idx3-ubyte.gz",
        sha256: "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
        published_md5: Some("bef4ecab320f06d8554ea6380940ec79"),
    },
    KnownFile {
        name: "t10k-labels-idx1-ubyte.gz",
        url: "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/t10k-labels-idx1-ubyte.gz",
        sha256: "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
        published_md5: Some("bb300cfdad3c16e7a12a480ee83cd310"),
    },
];

const FASHION_CLASSES: [&str; 10] = [
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
];

/// Fashion-MNIST from the given files (the official ones, or test fixtures).
pub fn fashion_mnist(files: &[KnownFile<'_>; 4], locations: &Locations) -> Result<Dataset, DataError> {
    let mut parts = Vec::new();
    let mut provenance = Vec::new();
    for file in files {
        let (bytes, path) = obtain(file, "fashion-mnist", locations)?;
        parts.push(idx::parse_maybe_gzip(&path.display().to_string(), &bytes)?);
        provenance.push(format!("{} (sha256 {})", display_name(&path), file.sha256));
    }
    let table = |images: usize, labels: usize| -> Result<Table, DataError> {
        let (pixels, y, cols) =
            idx::images_and_labels(&parts[images], &parts[labels], files[images].name, files[labels].name)?;
        if let Some(&bad) = y.iter().find(|&&label| label >= 10) {
            return Err(DataError::Idx {
                file: files[labels].name.into(),
                reason: format!("label {bad} is not a class 0..9"),
            });
        }
        Ok(Table::new(pixels.iter().map(|&p| f32::from(p)).collect(), y, cols))
    };
    let train = table(0, 1)?;
    let test = table(2, 3)?;
    if train.cols != test.cols {
        return Err(DataError::Idx {
            file: files[2].name.into(),
            reason: format!("{} pixels per test image, {} per training image", test.cols, train.cols),
        });
    }
    Ok(Dataset {
        name: "fashion-mnist".into(),
        feature_names: (0..train.cols).map(|i| format!("pixel_{i}")).collect(),
        class_names: FASHION_CLASSES.iter().map(|c| c.to_string()).collect(),
        train,
        test: Some(test),
        provenance: format!(
            "Fashion-MNIST (Zalando, MIT), official split: {}; from {FASHION_BASE}",
            provenance.join(", ")
        ),
        sources: Vec::new(),
        protected: Vec::new(),
    })
}

fn display_name(path: &Path) -> String {
    path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
}
