//! The Fashion-MNIST source on small IDX files written by the test (never the network):
//! found in the data folder, checksummed, and rejected with both checksums when corrupt.

use std::io::Write;
use std::path::Path;

use data::fetch::{KnownFile, Locations, sha256_hex};
use data::idx;

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

fn md5_hex(bytes: &[u8]) -> String {
    use md5::Digest;
    md5::Md5::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// Writes four tiny IDX files (3 training and 2 test images of 2x2 pixels) and returns
/// their descriptions with the right checksums.
fn fixture(dir: &Path) -> Vec<(String, String, String)> {
    let files = [
        ("train-images-idx3-ubyte.gz", idx::encode(&[3, 2, 2], &[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11])),
        ("train-labels-idx1-ubyte.gz", idx::encode(&[3], &[0, 9, 4])),
        ("t10k-images-idx3-ubyte.gz", idx::encode(&[2, 2, 2], &[255, 0, 255, 0, 1, 1, 1, 1])),
        ("t10k-labels-idx1-ubyte.gz", idx::encode(&[2], &[3, 3])),
    ];
    std::fs::create_dir_all(dir.join("fashion-mnist")).unwrap();
    files
        .iter()
        .map(|(name, plain)| {
            let bytes = gzip(plain);
            std::fs::write(dir.join("fashion-mnist").join(name), &bytes).unwrap();
            (name.to_string(), sha256_hex(&bytes), md5_hex(&bytes))
        })
        .collect()
}

fn known(files: &[(String, String, String)]) -> [KnownFile<'_>; 4] {
    std::array::from_fn(|i| KnownFile {
        name: &files[i].0,
        url: "http://127.0.0.1:9/never-used",
        sha256: &files[i].1,
        published_md5: Some(&files[i].2),
    })
}

#[test]
fn loads_from_the_data_folder_after_checking_every_file() {
    let dir = tempfile::tempdir().unwrap();
    let files = fixture(dir.path());
    let locations =
        Locations { data_dir: Some(dir.path().to_path_buf()), cache_dir: None, allow_download: false };
    let dataset = data::builtin::fashion_mnist(&known(&files), &locations).unwrap();
    assert_eq!((dataset.train.rows, dataset.train.cols), (3, 4));
    assert_eq!(dataset.train.y, vec![0, 9, 4]);
    assert_eq!(dataset.test.as_ref().unwrap().x, vec![255.0, 0.0, 255.0, 0.0, 1.0, 1.0, 1.0, 1.0]);
    assert_eq!(dataset.class_names[9], "Ankle boot");
}

#[test]
fn a_corrupted_file_is_rejected_naming_it_and_both_checksums() {
    let dir = tempfile::tempdir().unwrap();
    let files = fixture(dir.path());
    let corrupted = dir.path().join("fashion-mnist/train-labels-idx1-ubyte.gz");
    let mut bytes = std::fs::read(&corrupted).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0xff;
    std::fs::write(&corrupted, &bytes).unwrap();
    let locations =
        Locations { data_dir: Some(dir.path().to_path_buf()), cache_dir: None, allow_download: false };
    let error = data::builtin::fashion_mnist(&known(&files), &locations).unwrap_err().to_string();
    assert!(error.contains("train-labels-idx1-ubyte.gz"), "{error}");
    assert!(error.contains(&files[1].1), "expected checksum named: {error}");
    assert!(error.contains(&sha256_hex(&bytes)), "actual checksum named: {error}");
}

#[test]
fn a_missing_file_without_downloads_says_where_it_looked() {
    let dir = tempfile::tempdir().unwrap();
    let locations =
        Locations { data_dir: Some(dir.path().to_path_buf()), cache_dir: None, allow_download: false };
    let error = data::builtin::load("fashion-mnist", &locations).unwrap_err().to_string();
    assert!(error.contains("train-images-idx3-ubyte.gz") && error.contains("not found"), "{error}");
}

#[test]
fn images_and_labels_that_disagree_are_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let mut files = fixture(dir.path());
    let labels = gzip(&idx::encode(&[4], &[0, 1, 2, 3]));
    std::fs::write(dir.path().join("fashion-mnist/train-labels-idx1-ubyte.gz"), &labels).unwrap();
    files[1].1 = sha256_hex(&labels);
    files[1].2 = md5_hex(&labels);
    let locations =
        Locations { data_dir: Some(dir.path().to_path_buf()), cache_dir: None, allow_download: false };
    let error = data::builtin::fashion_mnist(&known(&files), &locations).unwrap_err().to_string();
    assert!(error.contains("4 labels for 3 images"), "{error}");
}

#[test]
fn the_dataset_cache_round_trips() {
    let dir = tempfile::tempdir().unwrap();
    let digits = data::builtin::load("digits", &Locations::default()).unwrap();
    let path = dir.path().join("cache/dataset.bin");
    data::cache::write(&path, &digits).unwrap();
    let read = data::cache::read(&path).unwrap();
    assert_eq!(read, digits);
    assert_eq!(data::cache::fingerprint(&read), data::cache::fingerprint(&digits));
    std::fs::write(&path, b"TRDSET01\x05").unwrap();
    assert!(data::cache::read(&path).unwrap_err().to_string().contains("dataset cache"));
}
