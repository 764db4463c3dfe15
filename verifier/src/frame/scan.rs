//! Finding and reading the QR symbol in a grayscale image, with bounded work.
//!
//! The detector is rxing's port of zxing-cpp (binarise, find finder patterns, group them in
//! threes, sample the grid, Reed-Solomon decode), driven step by step here rather than
//! through its reader so that each step's work has a ceiling whatever the image holds:
//!
//! - the image searched is at most [`MAX_WORK_SIDE`] pixels on its long side (larger ones
//!   are box-filtered down first), and finder patterns are looked for on a fixed number of
//!   rows (rxing's non-`try_harder` scan), so the search is linear in a bounded area;
//! - before rxing looks for finder patterns (its de-duplication compares every candidate with
//!   every pattern found so far), the rows it will scan are counted for windows that could
//!   be a pattern; above [`MAX_CENTRE_RUNS`] the pass gives up (a picture tiled with finder
//!   patterns);
//! - at most [`MAX_FINDER_PATTERNS`] finder patterns (the largest) are grouped, and at most
//!   [`MAX_CANDIDATES`] groups are sampled and decoded.
//!
//! A crafted image is thus a clean miss in bounded time instead of a search that once took
//! minutes and gigabytes (verifier/tests/image_limits.rs holds the crafted cases).
//!
//! A frame that fails is tried again with its tones remapped, at most twice: contrast
//! stretched when the whole frame spans a narrow range (a dim or washed-out screen), then
//! highlights expanded (a cube curve), which gives back the few grey levels that separate
//! modules under a glare spot. Each retry was kept because it lifted a condition of the camera
//! benchmark (BENCHMARKS.md): low contrast from 40 % to 100 % of zxing-cpp's rate, mixed
//! degradations from 92 % to 101 %.

use alloc::borrow::Cow;
use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;

use rxing::common::HybridBinarizer;
use rxing::common::cpp_essentials::ConcentricPattern;
use rxing::qrcode::cpp_port::decoder::Decode;
use rxing::qrcode::cpp_port::detector::{FindFinderPatterns, GenerateFinderPatternSets, SampleQR};
use rxing::{BinaryBitmap, Luma8Source};

use crate::Error;

/// The longest side searched, in pixels. A 4096-pixel photo is searched at a third of its
/// size, which still leaves 4 pixels a module to a symbol a third of the photo wide.
pub(super) const MAX_WORK_SIDE: usize = 1600;

/// Finder patterns grouped at most. One symbol has three; a busy background adds a few.
pub(super) const MAX_FINDER_PATTERNS: usize = 40;

/// Groups of three finder patterns sampled and decoded at most, the most plausible first.
pub(super) const MAX_CANDIDATES: usize = 12;

/// Row windows that could be a finder pattern, on the rows rxing scans, above which a pass
/// gives up. A symbol's three patterns give a few dozen, heavy sensor noise (the camera
/// benchmark's `noise` condition) up to about 3300 in a 1280x720 frame, a picture tiled with
/// patterns tens of thousands. rxing's work grows with the square of this count (each window
/// is compared with every pattern found so far).
pub(super) const MAX_CENTRE_RUNS: usize = 5000;

/// Decodes the first QR symbol in `luma` (`w * h` bytes, checked by the caller).
pub(super) fn decode_luma(w: usize, h: usize, luma: &[u8]) -> Result<String, Error> {
    let (work, w, h) = shrink(w, h, luma);
    if let Some(text) = attempt(w, h, &work) {
        return Ok(text);
    }
    if let Some(text) = stretch_contrast(&work).and_then(|s| attempt(w, h, &s)) {
        return Ok(text);
    }
    if let Some(text) = attempt(w, h, &expand_highlights(&work)) {
        return Ok(text);
    }
    Err(Error::NoQrCode)
}

/// One detection pass: binarise, find, group, sample, decode.
fn attempt(w: usize, h: usize, luma: &[u8]) -> Option<String> {
    // Both sides are at most MAX_IMAGE_SIDE (4096), so they fit u32.
    let source = Luma8Source::new_with_slice(luma, w as u32, h as u32).ok()?;
    let bitmap = BinaryBitmap::new(HybridBinarizer::new(source));
    let bits = bitmap.get_black_matrix();
    if centre_runs(bits) > MAX_CENTRE_RUNS {
        return None;
    }
    let mut patterns = FindFinderPatterns(bits, false, 0);
    if patterns.len() > MAX_FINDER_PATTERNS {
        // Larger patterns are less likely to be noise (rxing ranks them the same way).
        patterns.sort_by_key(|p: &ConcentricPattern| core::cmp::Reverse(p.size));
        patterns.truncate(MAX_FINDER_PATTERNS);
    }
    for set in GenerateFinderPatternSets(&mut patterns)
        .into_iter()
        .take(MAX_CANDIDATES)
    {
        let Ok(sampled) = SampleQR(bits, &set) else {
            continue;
        };
        let Ok(decoded) = Decode(rxing::common::DetectorRXingResult::getBits(&sampled)) else {
            continue;
        };
        if decoded.isValid() {
            return Some(decoded.text());
        }
    }
    None
}

/// Counts, on exactly the rows `FindFinderPatterns(bits, false, 0)` scans, the runs
/// dark-light-dark-light-dark that pass the row test it applies before locating a pattern
/// ([`could_be_finder`]). Every pattern rxing records starts from a distinct such window, so
/// this bounds how many it finds. Stops counting past [`MAX_CENTRE_RUNS`].
fn centre_runs(bits: &rxing::common::BitMatrix) -> usize {
    let (w, h) = (bits.getWidth(), bits.getHeight());
    // rxing's row step without `try_harder`: 3/4 of the image height over 97 modules
    // (version 20), at least 3.
    let skip = ((3 * h) / (4 * 97)).max(3);
    let mut runs: Vec<u32> = Vec::with_capacity(64);
    let mut count = 0;
    let mut y = skip - 1;
    while y < h {
        // Run lengths of the row, light first (a leading 0 when the row starts dark).
        runs.clear();
        let mut dark = false;
        let mut len = 0u32;
        for x in 0..w {
            if bits.get(x, y) != dark {
                runs.push(len);
                dark = !dark;
                len = 0;
            }
            len += 1;
        }
        runs.push(len);
        // Dark runs sit at odd indices; a window is centred on one with two runs each side.
        for c in (3..runs.len().saturating_sub(2)).step_by(2) {
            if could_be_finder(&runs[c - 2..c + 3]) {
                count += 1;
                if count > MAX_CENTRE_RUNS {
                    return count;
                }
            }
        }
        y += skip;
    }
    count
}

/// rxing's test of five runs for a 1:1:3:1:1 finder pattern (its fast plausibility check,
/// then the edge-to-edge module-size check with its tolerances), minus the quiet-zone
/// condition and with a hair of slack for rounding, so that it passes whatever rxing passes.
fn could_be_finder(v: &[u32]) -> bool {
    let centre = v[2];
    if centre < 3 || centre < 2 * v[0].max(v[4]) || centre < v[1].max(v[3]) {
        return false;
    }
    let bar = f64::from(v[0] + v[2] + v[4]) / 5.0;
    let space = f64::from(v[1] + v[3]) / 2.0;
    if bar.max(space) > 4.0 * bar.min(space) + 1e-9 {
        return false;
    }
    let (bar_tolerance, space_tolerance) = (bar * 0.75 + 0.5 + 1e-9, space / 3.0 + 0.5 + 1e-9);
    [(v[0], 1.0), (v[2], 3.0), (v[4], 1.0)]
        .iter()
        .all(|&(run, modules)| (f64::from(run) - modules * bar).abs() <= bar_tolerance)
        && [v[1], v[3]]
            .iter()
            .all(|&run| (f64::from(run) - space).abs() <= space_tolerance)
}

/// Box-filters `luma` down by the smallest integer factor that brings its long side within
/// [`MAX_WORK_SIDE`]; borrows it when it already fits.
fn shrink(w: usize, h: usize, luma: &[u8]) -> (Cow<'_, [u8]>, usize, usize) {
    let factor = w.max(h).div_ceil(MAX_WORK_SIDE);
    if factor <= 1 {
        return (Cow::Borrowed(luma), w, h);
    }
    let (sw, sh) = (w / factor, h / factor);
    let mut sums = vec![0u32; sw];
    let mut out = Vec::with_capacity(sw * sh);
    let area = (factor * factor) as u32;
    for sy in 0..sh {
        sums.fill(0);
        for row in luma[sy * factor * w..].chunks_exact(w).take(factor) {
            for (sum, block) in sums.iter_mut().zip(row.chunks_exact(factor)) {
                *sum += block.iter().map(|&p| p as u32).sum::<u32>();
            }
        }
        out.extend(sums.iter().map(|&s| (s / area) as u8));
    }
    (Cow::Owned(out), sw, sh)
}

/// Maps each level v to 255 * (v / 255)^3: levels 235 and 255, flat to the binariser, become
/// 200 and 255.
fn expand_highlights(luma: &[u8]) -> Vec<u8> {
    let table: Vec<u8> = (0..256u32)
        .map(|v| ((v * v * v + 255 * 255 / 2) / (255 * 255)) as u8)
        .collect();
    luma.iter().map(|&p| table[p as usize]).collect()
}

/// Maps the 1st to 99th percentile of brightness onto the full range, or `None` when the
/// image already spans most of it (a second pass would see the same picture).
fn stretch_contrast(luma: &[u8]) -> Option<Vec<u8>> {
    let mut histogram = [0usize; 256];
    for &p in luma {
        histogram[p as usize] += 1;
    }
    let cut = luma.len() / 100;
    let percentile = |from_top: bool| {
        let mut seen = 0;
        let mut level = |v: usize| {
            seen += histogram[v];
            seen > cut
        };
        if from_top {
            (0..256).rev().find(|&v| level(v))
        } else {
            (0..256).find(|&v| level(v))
        }
    };
    let (lo, hi) = (percentile(false)?, percentile(true)?);
    if hi <= lo || hi - lo > 200 {
        return None;
    }
    let span = hi - lo;
    let table: Vec<u8> = (0..256usize)
        .map(|v| (v.clamp(lo, hi) - lo) * 255 / span)
        .map(|v| v as u8)
        .collect();
    Some(luma.iter().map(|&p| table[p as usize]).collect())
}
