//! Scanner pages: a camera frame decoded to the text of the QR symbol it shows, by the
//! verifier's decoder (the one the Rust crate and the C library use).

use qrseal_verifier::frame::{Frame, PixelFormat};
use wasm_bindgen::prelude::*;

use crate::reason::throw;

/// Finds and decodes the first QR symbol in a camera frame: `pixels` holds `width *
/// height` pixels, rows top to bottom, one byte each (`rgba` false: a grayscale or Y
/// plane) or four (`rgba` true: a canvas's `ImageData.data`). Returns the symbol's text,
/// to pass to `verify`. Throws with code `no_qr_code`, `image_unreadable` (the size does not
/// match) or `image_too_large`.
#[wasm_bindgen(js_name = decodeFrame)]
pub fn decode_frame(width: u32, height: u32, pixels: &[u8], rgba: bool) -> Result<String, JsValue> {
    let format = if rgba {
        PixelFormat::Rgba8
    } else {
        PixelFormat::Gray8
    };
    let frame = Frame::new(width, height, format, pixels).map_err(throw)?;
    qrseal_verifier::frame::decode_frame(&frame).map_err(throw)
}
