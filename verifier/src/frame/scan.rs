//! Finding and reading the QR symbol in a grayscale image.

use alloc::string::String;

use crate::Error;

/// Decodes the first QR symbol in `luma` (`w * h` bytes, checked by the caller).
pub(super) fn decode_luma(w: usize, h: usize, luma: &[u8]) -> Result<String, Error> {
    let mut prepared = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| luma[y * w + x]);
    for grid in prepared.detect_grids() {
        if let Ok((_, content)) = grid.decode() {
            return Ok(content);
        }
    }
    Err(Error::NoQrCode)
}
