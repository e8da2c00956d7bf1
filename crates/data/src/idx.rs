//! The IDX format of (Fashion-)MNIST: a 4-byte magic (two zero bytes, a type code, the
//! number of dimensions), big-endian `u32` dimension sizes, then the data. Malformed
//! files are errors that say what is wrong, never panics.

use std::io::Read;

use crate::DataError;

/// An IDX array of unsigned bytes.
#[derive(Debug, Clone, PartialEq)]
pub struct IdxArray {
    pub dims: Vec<usize>,
    pub data: Vec<u8>,
}

const UNSIGNED_BYTE: u8 = 0x08;

/// Parses IDX bytes (already decompressed). `name` labels errors.
pub fn parse(name: &str, bytes: &[u8]) -> Result<IdxArray, DataError> {
    let error = |reason: String| DataError::Idx { file: name.to_string(), reason };
    if bytes.len() < 4 {
        return Err(error(format!("truncated: {} bytes, shorter than the 4-byte magic", bytes.len())));
    }
    if bytes[0] != 0 || bytes[1] != 0 {
        return Err(error(format!(
            "bad magic {:02x} {:02x} {:02x} {:02x}: expected 00 00 08 <dims>",
            bytes[0], bytes[1], bytes[2], bytes[3]
        )));
    }
    if bytes[2] != UNSIGNED_BYTE {
        return Err(error(format!(
            "unsupported element type 0x{:02x}: expected 0x08 (unsigned byte)",
            bytes[2]
        )));
    }
    let n_dims = bytes[3] as usize;
    if n_dims == 0 {
        return Err(error("zero dimensions".into()));
    }
    let header_len = 4 + 4 * n_dims;
    if bytes.len() < header_len {
        return Err(error(format!(
            "truncated header: {n_dims} dimensions need {header_len} bytes, found {}",
            bytes.len()
        )));
    }
    let dims: Vec<usize> = (0..n_dims)
        .map(|d| u32::from_be_bytes(bytes[4 + 4 * d..8 + 4 * d].try_into().expect("4 bytes")) as usize)
        .collect();
    let expected = dims.iter().try_fold(1usize, |acc, &d| acc.checked_mul(d));
    let Some(expected) = expected else {
        return Err(error(format!("dimensions {dims:?} overflow")));
    };
    let body = &bytes[header_len..];
    if body.len() != expected {
        let kind = if body.len() < expected { "truncated" } else { "trailing bytes" };
        return Err(error(format!(
            "{kind}: dimensions {dims:?} need {expected} data bytes, found {}",
            body.len()
        )));
    }
    Ok(IdxArray { dims, data: body.to_vec() })
}

/// Decompresses a gzip file's bytes (or passes plain IDX bytes through) and parses them.
pub fn parse_maybe_gzip(name: &str, bytes: &[u8]) -> Result<IdxArray, DataError> {
    if bytes.starts_with(&[0x1f, 0x8b]) {
        let mut plain = Vec::new();
        flate2::read::GzDecoder::new(bytes)
            .read_to_end(&mut plain)
            .map_err(|e| DataError::Idx { file: name.to_string(), reason: format!("not valid gzip: {e}") })?;
        parse(name, &plain)
    } else {
        parse(name, bytes)
    }
}

/// Writes an IDX array of unsigned bytes (tests and fixtures use it).
pub fn encode(dims: &[usize], data: &[u8]) -> Vec<u8> {
    let mut bytes = vec![0, 0, UNSIGNED_BYTE, dims.len() as u8];
    for &d in dims {
        bytes.extend_from_slice(&(d as u32).to_be_bytes());
    }
    bytes.extend_from_slice(data);
    bytes
}

/// Pairs an image array (n x rows x cols) with a label array (n) into features and labels.
pub fn images_and_labels(
    images: &IdxArray,
    labels: &IdxArray,
    images_name: &str,
    labels_name: &str,
) -> Result<(Vec<u8>, Vec<u32>, usize), DataError> {
    if images.dims.len() != 3 {
        return Err(DataError::Idx {
            file: images_name.to_string(),
            reason: format!("expected 3 dimensions (images x rows x columns), found {:?}", images.dims),
        });
    }
    if labels.dims.len() != 1 {
        return Err(DataError::Idx {
            file: labels_name.to_string(),
            reason: format!("expected 1 dimension (labels), found {:?}", labels.dims),
        });
    }
    if images.dims[0] != labels.dims[0] {
        return Err(DataError::Idx {
            file: labels_name.to_string(),
            reason: format!("{} labels for {} images in `{images_name}`", labels.dims[0], images.dims[0]),
        });
    }
    let pixels = images.dims[1] * images.dims[2];
    Ok((images.data.clone(), labels.data.iter().map(|&l| u32::from(l)).collect(), pixels))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_rejects_malformed_files() {
        let bytes = encode(&[2, 2, 2], &[1, 2, 3, 4, 5, 6, 7, 8]);
        assert_eq!(parse("a", &bytes).unwrap().dims, vec![2, 2, 2]);

        let bad_magic = [&[0x12, 0x34][..], &bytes[2..]].concat();
        let message = parse("a", &bad_magic).unwrap_err().to_string();
        assert!(message.contains("bad magic 12 34 08 03"), "{message}");

        let truncated = &bytes[..bytes.len() - 3];
        let message = parse("a", truncated).unwrap_err().to_string();
        assert!(message.contains("truncated: dimensions [2, 2, 2] need 8 data bytes, found 5"), "{message}");

        let message = parse("a", &bytes[..6]).unwrap_err().to_string();
        assert!(message.contains("truncated header"), "{message}");
        assert!(parse("a", &[]).unwrap_err().to_string().contains("shorter than the 4-byte magic"));

        let labels = parse("l", &encode(&[3], &[0, 1, 2])).unwrap();
        let images = parse("i", &bytes).unwrap();
        let message = images_and_labels(&images, &labels, "i", "l").unwrap_err().to_string();
        assert!(message.contains("3 labels for 2 images"), "{message}");
        let message = images_and_labels(&labels, &labels, "l", "l").unwrap_err().to_string();
        assert!(message.contains("expected 3 dimensions"), "{message}");
    }

    #[test]
    fn broken_gzip_is_an_error() {
        let message = parse_maybe_gzip("x.gz", &[0x1f, 0x8b, 0, 1, 2]).unwrap_err().to_string();
        assert!(message.contains("not valid gzip"), "{message}");
    }
}
