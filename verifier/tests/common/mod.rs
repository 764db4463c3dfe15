//! Helpers shared by the image tests.

/// Recomputes the CRC of a PNG's IHDR chunk (it covers the chunk type and data, bytes 12..29
/// of the file), so that a test can change the declared dimensions and still pass the
/// decoder's CRC check.
pub(crate) fn fix_ihdr_crc(png: &mut [u8]) {
    let mut crc = 0xffff_ffffu32;
    for &b in &png[12..29] {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xedb8_8320
            } else {
                crc >> 1
            };
        }
    }
    png[29..33].copy_from_slice(&(!crc).to_be_bytes());
}
