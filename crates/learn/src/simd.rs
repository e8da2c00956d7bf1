//! CPU-specific code paths, chosen once at run time.
//!
//! The shipped binary targets baseline x86-64 (never `-C target-cpu=native`), so the
//! kernels that gain from wider vectors are compiled a second and third time with
//! `#[target_feature(enable = ...)]` and picked by `is_x86_feature_detected!`. Every path
//! computes exactly the same result; `TRADEOFF_SIMD=scalar|avx2|avx512` forces a lower
//! one (tests compare them, the bench prints which ran).

use std::sync::OnceLock;

/// An instruction-set level, lowest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Scalar,
    /// AVX2 with BMI1/2, LZCNT, POPCNT and FMA (every AVX2 CPU since Haswell and Zen).
    Avx2,
    /// AVX-512 F, BW and VL besides (Skylake-SP, Ice Lake, Zen 4 and later).
    Avx512,
}

impl Level {
    pub fn name(self) -> &'static str {
        match self {
            Level::Scalar => "scalar",
            Level::Avx2 => "avx2",
            Level::Avx512 => "avx512",
        }
    }

    /// The best level this CPU supports.
    pub fn detect() -> Level {
        #[cfg(target_arch = "x86_64")]
        {
            let avx2 = is_x86_feature_detected!("avx2")
                && is_x86_feature_detected!("bmi1")
                && is_x86_feature_detected!("bmi2")
                && is_x86_feature_detected!("lzcnt")
                && is_x86_feature_detected!("popcnt")
                && is_x86_feature_detected!("fma");
            if avx2
                && is_x86_feature_detected!("avx512f")
                && is_x86_feature_detected!("avx512bw")
                && is_x86_feature_detected!("avx512vl")
            {
                return Level::Avx512;
            }
            if avx2 {
                return Level::Avx2;
            }
        }
        Level::Scalar
    }

    /// The levels this CPU can run, lowest first (for tests that compare them).
    pub fn available() -> Vec<Level> {
        [Level::Scalar, Level::Avx2, Level::Avx512].into_iter().filter(|&l| l <= Level::detect()).collect()
    }
}

/// The level in use: the best detected, or lower if `TRADEOFF_SIMD` asks.
pub fn level() -> Level {
    static LEVEL: OnceLock<Level> = OnceLock::new();
    *LEVEL.get_or_init(|| {
        let best = Level::detect();
        let asked = match std::env::var("TRADEOFF_SIMD").as_deref() {
            Ok("scalar") => Level::Scalar,
            Ok("avx2") => Level::Avx2,
            _ => best,
        };
        asked.min(best)
    })
}

/// The path in use, for the bench: `avx512`, `avx2` or `scalar`.
pub fn path() -> &'static str {
    level().name()
}

/// The bit mask of the nonzero entries of 64 `u16`s (bit `i` for entry `i`).
#[inline]
pub fn nonzero_mask(values: &[u16]) -> u64 {
    let values: &[u16; 64] = values.try_into().expect("64 entries");
    #[cfg(target_arch = "x86_64")]
    match level() {
        // SAFETY: the level was detected on this CPU.
        Level::Avx512 => return unsafe { x86::nonzero_mask_avx512(values) },
        // SAFETY: as above.
        Level::Avx2 => return unsafe { x86::nonzero_mask_avx2(values) },
        Level::Scalar => {}
    }
    nonzero_mask_scalar(values)
}

fn nonzero_mask_scalar(values: &[u16; 64]) -> u64 {
    values.iter().enumerate().fold(0u64, |mask, (i, &v)| mask | (u64::from(v != 0) << i))
}

/// Each bin's classes present in a (bin, class) histogram of `k` classes: bit `c & 15`
/// of `masks[bin]` is set when class `c` has a count in the bin (so any bit when the bin
/// is occupied). Fills all 256 bins (`hist` holds `256 * k` counts).
pub fn class_masks(hist: &[u32], k: usize, masks: &mut [u16]) {
    let masks: &mut [u16; 256] = masks.try_into().expect("256 bins");
    assert!(hist.len() >= 256 * k && k > 0);
    #[cfg(target_arch = "x86_64")]
    match level() {
        // SAFETY: the level was detected on this CPU; `hist` holds 256 * k counts.
        Level::Avx512 if k <= 16 => return unsafe { x86::class_masks_avx512(hist, k, masks) },
        // SAFETY: as above.
        Level::Avx2 | Level::Avx512 if k <= 16 => return unsafe { x86::class_masks_avx2(hist, k, masks) },
        _ => {}
    }
    class_masks_scalar(hist, k, masks);
}

fn class_masks_scalar(hist: &[u32], k: usize, masks: &mut [u16; 256]) {
    for (bin, mask) in masks.iter_mut().enumerate() {
        *mask = hist[bin * k..(bin + 1) * k]
            .iter()
            .enumerate()
            .fold(0u16, |m, (c, &h)| m | (u16::from(h != 0) << (c & 15)));
    }
}

/// Gathers rows of a row-major byte matrix with `cols` columns into a column-major
/// copy: `out[f * rows.len() + i] = bins[rows[i] * cols + f]`. `out` holds 16 bytes more
/// than `cols * rows.len()` (the vector kernels write whole groups of 16 rows).
pub fn gather_transpose(bins: &[u8], cols: usize, rows: &[u32], out: &mut [u8]) {
    assert!(out.len() >= cols * rows.len() + 16, "room for a padded group");
    transpose_columns(bins, cols, rows, 0, cols, out);
}

/// [`gather_transpose`] of the columns `first..last` only, into `out` from its start:
/// `out[(f - first) * rows.len() + i]`. With 16 bytes of slack in `out` the last,
/// partial group of rows goes through the vector kernels too; without, byte by byte.
pub fn transpose_columns(bins: &[u8], cols: usize, rows: &[u32], first: usize, last: usize, out: &mut [u8]) {
    let m = rows.len();
    assert!(first <= last && last <= cols);
    assert!(out.len() >= (last - first) * m, "room for the columns");
    assert!(rows.iter().all(|&r| (r as usize + 1) * cols <= bins.len()), "rows inside the matrix");
    let padded = out.len() >= (last - first) * m + 16;
    // Groups of 16 rows go through the vector transposes: the widest tiles first, 16-byte
    // ones for the columns left, bytes for the last few. With slack, the last, partial
    // group is done first, padded with repeats of its last row: what it writes past a
    // column's end lands at the start of the next column, which the first group
    // overwrites later, or in the slack.
    let groups = if m < 16 {
        0
    } else if padded {
        m.div_ceil(16)
    } else {
        m / 16
    };
    #[cfg(target_arch = "x86_64")]
    let done_cols = if groups > 0 {
        // Columns [first, wide) in the level's own tiles, [wide, narrow) in SSE2's.
        let width = match level() {
            Level::Avx512 => 64,
            Level::Avx2 => 32,
            Level::Scalar => usize::MAX,
        };
        let narrow = first + (last - first) / 16 * 16;
        let wide = if width == usize::MAX { first } else { first + (last - first) / width * width };
        let group_of = |g: usize| -> [u32; 16] {
            let filled = (m - 16 * g).min(16);
            std::array::from_fn(|i| rows[16 * g + i.min(filled - 1)])
        };
        let order = std::iter::once(groups - 1).chain(0..groups - 1);
        let mut upcoming = order.clone().skip(1);
        for g in order {
            let (group, next) = (group_of(g), group_of(upcoming.next().unwrap_or(g)));
            // SAFETY: every row of the groups holds `cols` bytes (checked above); a tile
            // writes 16 bytes at `(c - first) * m + 16 g` for first <= c < last and
            // 16 g < m, inside `out` for a whole group, and inside its 16 bytes of slack
            // (or the next column, written again later) for the padded one; each kernel
            // runs only at a level detected on this CPU (SSE2 is part of x86-64).
            unsafe {
                // The kernels address column c at (c * m) from `o`: `out` starts at `first`.
                let (b, o) = (bins.as_ptr(), out.as_mut_ptr().wrapping_sub(first * m));
                match level() {
                    Level::Avx512 => x86::transpose_avx512(b, cols, first, wide, &group, &next, o, m, 16 * g),
                    Level::Avx2 => x86::transpose_avx2(b, cols, first, wide, &group, &next, o, m, 16 * g),
                    Level::Scalar => {}
                }
                x86::transpose_sse2(b, cols, wide, narrow, &group, &next, o, m, 16 * g);
            }
        }
        narrow
    } else {
        first
    };
    #[cfg(not(target_arch = "x86_64"))]
    let done_cols = first;
    let grouped = (16 * groups).min(m);
    for (i, &r) in rows.iter().enumerate() {
        let row = &bins[r as usize * cols..(r as usize + 1) * cols];
        let from = if i < grouped { done_cols } else { first };
        for (f, &bin) in row.iter().enumerate().take(last).skip(from) {
            out[(f - first) * m + i] = bin;
        }
    }
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use std::arch::x86_64::*;

    /// Transposes 16 registers of 16-byte lanes: lane `l` of register `r` holds bytes
    /// `16 l .. 16 l + 16` of row `r` before, and the 16 rows' column `16 l + r` after.
    /// Four rounds of interleaves (bytes, pairs, quads, octets), as the instruction set
    /// names them; each lane is transposed on its own.
    macro_rules! transpose_16x16 {
        ($a:ident, $lo8:ident, $hi8:ident, $lo16:ident, $hi16:ident, $lo32:ident, $hi32:ident, $lo64:ident, $hi64:ident) => {{
            let mut b = $a;
            for i in 0..8 {
                b[2 * i] = $lo8($a[2 * i], $a[2 * i + 1]);
                b[2 * i + 1] = $hi8($a[2 * i], $a[2 * i + 1]);
            }
            // b[2i] holds rows 2i, 2i+1 interleaved for columns 0-7, b[2i+1] for 8-15.
            let mut c = b;
            for i in 0..4 {
                for j in 0..2 {
                    c[4 * i + 2 * j] = $lo16(b[4 * i + j], b[4 * i + 2 + j]);
                    c[4 * i + 2 * j + 1] = $hi16(b[4 * i + j], b[4 * i + 2 + j]);
                }
            }
            let mut d = c;
            for i in 0..2 {
                for j in 0..4 {
                    d[8 * i + 2 * j] = $lo32(c[8 * i + j], c[8 * i + 4 + j]);
                    d[8 * i + 2 * j + 1] = $hi32(c[8 * i + j], c[8 * i + 4 + j]);
                }
            }
            let mut e = d;
            for j in 0..8 {
                e[2 * j] = $lo64(d[j], d[8 + j]);
                e[2 * j + 1] = $hi64(d[j], d[8 + j]);
            }
            e
        }};
    }

    /// Hints the cache line at column `c0` of each row of a group.
    #[inline(always)]
    fn prefetch_rows(bins: *const u8, cols: usize, rows: &[u32; 16], c0: usize) {
        for &r in rows {
            // A prefetch never faults, wherever it points.
            let at = bins.wrapping_add(r as usize * cols + c0);
            // SAFETY: SSE is part of x86-64; a prefetch has no visible effect.
            unsafe { _mm_prefetch::<_MM_HINT_T0>(at.cast()) };
        }
    }

    /// SSE2 (part of every x86-64): 16 rows by 16 columns per tile.
    #[target_feature(enable = "sse2")]
    #[allow(clippy::too_many_arguments)]
    pub unsafe fn transpose_sse2(
        bins: *const u8,
        cols: usize,
        from: usize,
        tiled: usize,
        group: &[u32; 16],
        next: &[u32; 16],
        out: *mut u8,
        m: usize,
        first: usize,
    ) {
        for c0 in (from..tiled).step_by(16) {
            if c0 % 64 == 0 {
                prefetch_rows(bins, cols, next, c0);
            }
            // SAFETY: the caller guarantees every row holds `cols >= tiled` bytes.
            let a: [__m128i; 16] = std::array::from_fn(|r| unsafe {
                _mm_loadu_si128(bins.add(group[r] as usize * cols + c0).cast())
            });
            let t = transpose_16x16!(
                a,
                _mm_unpacklo_epi8,
                _mm_unpackhi_epi8,
                _mm_unpacklo_epi16,
                _mm_unpackhi_epi16,
                _mm_unpacklo_epi32,
                _mm_unpackhi_epi32,
                _mm_unpacklo_epi64,
                _mm_unpackhi_epi64
            );
            for (r, v) in t.iter().enumerate() {
                // SAFETY: column c0 + r < cols, rows first..first + 16 <= m.
                unsafe { _mm_storeu_si128(out.add((c0 + r) * m + first).cast(), *v) };
            }
        }
    }

    /// AVX2: 16 rows by 32 columns per tile (two 16 x 16 transposes, one per lane).
    #[target_feature(enable = "avx2")]
    #[allow(clippy::too_many_arguments)]
    pub unsafe fn transpose_avx2(
        bins: *const u8,
        cols: usize,
        from: usize,
        tiled: usize,
        group: &[u32; 16],
        next: &[u32; 16],
        out: *mut u8,
        m: usize,
        first: usize,
    ) {
        for c0 in (from..tiled).step_by(32) {
            if c0 % 64 == 0 {
                prefetch_rows(bins, cols, next, c0);
            }
            // SAFETY: the caller guarantees every row holds `cols >= tiled` bytes.
            let a: [__m256i; 16] = std::array::from_fn(|r| unsafe {
                _mm256_loadu_si256(bins.add(group[r] as usize * cols + c0).cast())
            });
            let t = transpose_16x16!(
                a,
                _mm256_unpacklo_epi8,
                _mm256_unpackhi_epi8,
                _mm256_unpacklo_epi16,
                _mm256_unpackhi_epi16,
                _mm256_unpacklo_epi32,
                _mm256_unpackhi_epi32,
                _mm256_unpacklo_epi64,
                _mm256_unpackhi_epi64
            );
            for (r, v) in t.iter().enumerate() {
                for lane in 0..2 {
                    let part = if lane == 0 {
                        _mm256_castsi256_si128(*v)
                    } else {
                        _mm256_extracti128_si256::<1>(*v)
                    };
                    // SAFETY: column c0 + 16 lane + r < cols, rows first..first + 16 <= m.
                    unsafe { _mm_storeu_si128(out.add((c0 + 16 * lane + r) * m + first).cast(), part) };
                }
            }
        }
    }

    /// AVX-512: 16 rows by 64 columns per tile (four 16 x 16 transposes, one per lane).
    #[target_feature(enable = "avx512f,avx512bw")]
    #[allow(clippy::too_many_arguments)]
    pub unsafe fn transpose_avx512(
        bins: *const u8,
        cols: usize,
        from: usize,
        tiled: usize,
        group: &[u32; 16],
        next: &[u32; 16],
        out: *mut u8,
        m: usize,
        first: usize,
    ) {
        for c0 in (from..tiled).step_by(64) {
            if c0 % 64 == 0 {
                prefetch_rows(bins, cols, next, c0);
            }
            // SAFETY: the caller guarantees every row holds `cols >= tiled` bytes.
            let a: [__m512i; 16] = std::array::from_fn(|r| unsafe {
                _mm512_loadu_si512(bins.add(group[r] as usize * cols + c0).cast())
            });
            let t = transpose_16x16!(
                a,
                _mm512_unpacklo_epi8,
                _mm512_unpackhi_epi8,
                _mm512_unpacklo_epi16,
                _mm512_unpackhi_epi16,
                _mm512_unpacklo_epi32,
                _mm512_unpackhi_epi32,
                _mm512_unpacklo_epi64,
                _mm512_unpackhi_epi64
            );
            for (r, v) in t.iter().enumerate() {
                let parts = [
                    _mm512_extracti32x4_epi32::<0>(*v),
                    _mm512_extracti32x4_epi32::<1>(*v),
                    _mm512_extracti32x4_epi32::<2>(*v),
                    _mm512_extracti32x4_epi32::<3>(*v),
                ];
                for (lane, part) in parts.into_iter().enumerate() {
                    // SAFETY: column c0 + 16 lane + r < cols, rows first..first + 16 <= m.
                    unsafe { _mm_storeu_si128(out.add((c0 + 16 * lane + r) * m + first).cast(), part) };
                }
            }
        }
    }

    /// `k <= 16` classes: one masked load and test per bin.
    #[target_feature(enable = "avx512f")]
    pub unsafe fn class_masks_avx512(hist: &[u32], k: usize, masks: &mut [u16; 256]) {
        let lanes: __mmask16 = if k == 16 { u16::MAX } else { (1u16 << k) - 1 };
        for (bin, mask) in masks.iter_mut().enumerate() {
            // SAFETY: the k lanes loaded, bin * k .. bin * k + k, are inside `hist`.
            let v = unsafe { _mm512_maskz_loadu_epi32(lanes, hist.as_ptr().add(bin * k).cast()) };
            *mask = _mm512_test_epi32_mask(v, v);
        }
    }

    /// `k <= 16` classes: one or two masked loads and compares per bin.
    #[target_feature(enable = "avx2")]
    pub unsafe fn class_masks_avx2(hist: &[u32], k: usize, masks: &mut [u16; 256]) {
        let lane_mask = |lanes: usize| {
            let all: [i32; 8] = std::array::from_fn(|i| if i < lanes { -1 } else { 0 });
            // SAFETY: eight i32 from a local array.
            unsafe { _mm256_loadu_si256(all.as_ptr().cast()) }
        };
        let (low, high) = (lane_mask(k.min(8)), lane_mask(k.saturating_sub(8)));
        let zero = _mm256_setzero_si256();
        for (bin, mask) in masks.iter_mut().enumerate() {
            let at = hist.as_ptr().wrapping_add(bin * k).cast::<i32>();
            // SAFETY: masked lanes are not read; the others, bin * k .. bin * k + k, are
            // inside `hist`.
            let (a, b) =
                unsafe { (_mm256_maskload_epi32(at, low), _mm256_maskload_epi32(at.wrapping_add(8), high)) };
            let zeros_a = _mm256_movemask_ps(_mm256_castsi256_ps(_mm256_cmpeq_epi32(a, zero))) as u16;
            let zeros_b = _mm256_movemask_ps(_mm256_castsi256_ps(_mm256_cmpeq_epi32(b, zero))) as u16;
            *mask = !(zeros_a | (zeros_b << 8)) & (((1u32 << k) - 1) as u16);
        }
    }

    #[target_feature(enable = "avx2,bmi2")]
    pub unsafe fn nonzero_mask_avx2(values: &[u16; 64]) -> u64 {
        let mut mask = 0u64;
        for part in 0..4 {
            // SAFETY: 16 entries from 16 * part are inside the array.
            let v = unsafe { _mm256_loadu_si256(values.as_ptr().add(16 * part).cast()) };
            let zero = _mm256_cmpeq_epi16(v, _mm256_setzero_si256());
            // Two mask bits per u16: keep the even ones.
            let bytes = !(_mm256_movemask_epi8(zero) as u32);
            mask |= u64::from(_pext_u32(bytes, 0x5555_5555)) << (16 * part);
        }
        mask
    }

    #[target_feature(enable = "avx512f,avx512bw")]
    pub unsafe fn nonzero_mask_avx512(values: &[u16; 64]) -> u64 {
        // SAFETY: two 32-entry loads inside the array.
        let (low, high) = unsafe {
            (_mm512_loadu_si512(values.as_ptr().cast()), _mm512_loadu_si512(values.as_ptr().add(32).cast()))
        };
        u64::from(_mm512_test_epi16_mask(low, low)) | (u64::from(_mm512_test_epi16_mask(high, high)) << 32)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_path_transposes_like_the_definition() {
        // Row counts below, at and around the group of 16; column counts around each
        // tile width.
        for (cols, m) in [(200, 37), (784, 16), (784, 5), (100, 33), (16, 48), (64, 17), (7, 20), (150, 1)] {
            let bins: Vec<u8> = (0..300 * cols).map(|i| (i * 7 % 251) as u8).collect();
            let rows: Vec<u32> = (0..m).map(|i| (i * 13 % 300) as u32).collect();
            let expected: Vec<u8> = (0..cols)
                .flat_map(|f| rows.iter().map(move |&r| ((r as usize * cols + f) * 7 % 251) as u8))
                .collect();
            let mut out = vec![0; cols * rows.len() + 16];
            gather_transpose(&bins, cols, &rows, &mut out);
            assert_eq!(out[..cols * m], expected, "{cols} x {m}, path {}", path());
            // A block of columns into a buffer without slack.
            let (first, last) = (cols / 3, cols - cols / 4);
            let mut block = vec![0; (last - first) * m];
            transpose_columns(&bins, cols, &rows, first, last, &mut block);
            assert_eq!(block, expected[first * m..last * m], "{cols} x {m}, columns {first}..{last}");
        }
    }

    #[test]
    fn every_path_finds_the_classes_of_each_bin() {
        for k in [1, 2, 10, 16, 17, 26] {
            let hist: Vec<u32> =
                (0..256 * k).map(|i| u32::from(i % 7 == 0 || i % 11 == 3) * i as u32).collect();
            let (mut expected, mut masks) = ([0u16; 256], [0u16; 256]);
            class_masks_scalar(&hist, k, &mut expected);
            class_masks(&hist, k, &mut masks);
            assert_eq!(masks, expected, "{k} classes, path {}", path());
        }
    }

    #[test]
    fn every_path_finds_the_nonzero_entries() {
        let values: [u16; 64] =
            std::array::from_fn(|i| if i % 3 == 0 || i == 63 { 1 << (i % 16) } else { 0 });
        let expected = nonzero_mask_scalar(&values);
        assert_eq!(expected.count_ones(), 22);
        assert_eq!(nonzero_mask(&values), expected, "path {}", path());
    }
}
