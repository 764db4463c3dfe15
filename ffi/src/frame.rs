//! `qrseal_decode_frame`: a camera frame to the text of the QR symbol in it. Behind the
//! `frame` feature (the verifier's `image` feature).

use qrseal_verifier::Code;

use qrseal_verifier::frame::{Frame, PixelFormat, decode_frame};

use crate::codes::qrseal_code;
use crate::{boundary, input};

/// One byte a pixel, luminance (a camera preview's Y plane), for [`qrseal_decode_frame`].
pub const QRSEAL_PIXEL_GRAY8: u32 = 0;
/// Four bytes a pixel, red, green, blue, alpha, for [`qrseal_decode_frame`].
pub const QRSEAL_PIXEL_RGBA8: u32 = 1;

/// Finds and decodes the first QR symbol in a frame of `width` x `height` pixels of
/// `format` (`QRSEAL_PIXEL_GRAY8` or `QRSEAL_PIXEL_RGBA8`; rows top to bottom, no padding),
/// and writes its text, NUL-terminated, into `text` (`text_cap` bytes) and its length
/// without the NUL into `*text_len`. Pass the text to [`crate::qrseal_scanner_verify_text`].
/// A frame whose size does not match is `QRSEAL_IMAGE_UNREADABLE`, one over the side limit
/// `QRSEAL_IMAGE_TOO_LARGE`, one without a readable symbol `QRSEAL_NO_QR_CODE`, a text that
/// does not fit with its NUL `QRSEAL_BUFFER_TOO_SMALL` (`QRSEAL_MAX_TEXT_LEN + 1` bytes
/// hold any token's text). Allocates while decoding. Thread-safe.
///
/// # Safety
///
/// `pixels` must point to `len` readable bytes; `text` to `text_cap` writable bytes;
/// `text_len` must be NULL (refused) or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn qrseal_decode_frame(
    pixels: *const u8,
    len: usize,
    width: u32,
    height: u32,
    format: u32,
    text: *mut u8,
    text_cap: usize,
    text_len: *mut usize,
) -> qrseal_code {
    boundary(|| {
        // SAFETY: the caller's promise above.
        let pixels = unsafe { input(pixels, len) }?;
        if text.is_null() || text_len.is_null() {
            return Err(Code::InvalidArgument);
        }
        let format = match format {
            QRSEAL_PIXEL_GRAY8 => PixelFormat::Gray8,
            QRSEAL_PIXEL_RGBA8 => PixelFormat::Rgba8,
            _ => return Err(Code::InvalidArgument),
        };
        let frame = Frame::new(width, height, format, pixels).map_err(|e| e.code())?;
        let decoded = decode_frame(&frame).map_err(|e| e.code())?;
        let bytes = decoded.as_bytes();
        if bytes.len() >= text_cap {
            return Err(Code::BufferTooSmall);
        }
        // SAFETY: text holds text_cap > bytes.len() writable bytes (caller's promise), so the
        // text and its NUL fit; text_len is not NULL and writable.
        unsafe {
            core::ptr::copy_nonoverlapping(bytes.as_ptr(), text, bytes.len());
            text.add(bytes.len()).write(0);
            text_len.write(bytes.len());
        }
        Ok(())
    })
}
