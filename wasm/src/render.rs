//! Holder pages: the token drawn as a QR symbol, by qrseal-core's renderer.

use qrseal_core::render::{Ecc, QrSymbol, RenderOptions};
use wasm_bindgen::prelude::*;

use crate::reason::throw_core;

/// A QR symbol as modules, for drawing on a canvas (mini-programs draw on canvas): row
/// after row, `1` dark and `0` light, without the quiet zone (leave 4 light modules around
/// it when drawing).
#[wasm_bindgen]
#[derive(Clone, Debug)]
pub struct QrMatrix {
    width: u32,
    modules: Vec<u8>,
}

#[wasm_bindgen]
impl QrMatrix {
    /// Modules per side (41 for version 6, 45 for version 7).
    #[wasm_bindgen(getter)]
    pub fn width(&self) -> u32 {
        self.width
    }

    /// `width * width` bytes, row after row: 1 dark, 0 light.
    #[wasm_bindgen(getter)]
    pub fn modules(&self) -> Vec<u8> {
        self.modules.clone()
    }
}

/// The token's QR text (`QS:...`) as an SVG document, at ECC level M with `module_size`
/// user units a module (1 to 40) and the standard quiet zone when `quiet_zone` is true.
/// Throws with code `empty_text` or `invalid_character` (offset named) for a text that is
/// not QR-alphanumeric, `render` for a bad module size.
#[wasm_bindgen(js_name = renderSvg)]
pub fn render_svg(qr_text: &str, module_size: u32, quiet_zone: bool) -> Result<String, JsValue> {
    QrSymbol::new(qr_text, Ecc::M)
        .and_then(|symbol| {
            symbol.to_svg(RenderOptions {
                module_size,
                quiet_zone,
            })
        })
        .map_err(throw_core)
}

/// The token's QR text (`QS:...`) as a module matrix at ECC level M. Throws with code
/// `empty_text` or `invalid_character` for a text that is not QR-alphanumeric.
#[wasm_bindgen(js_name = renderMatrix)]
pub fn render_matrix(qr_text: &str) -> Result<QrMatrix, JsValue> {
    let symbol = QrSymbol::new(qr_text, Ecc::M).map_err(throw_core)?;
    let width = symbol.width();
    let mut modules = Vec::with_capacity(width * width);
    for y in 0..width {
        for x in 0..width {
            modules.push(u8::from(symbol.is_dark(x, y)));
        }
    }
    Ok(QrMatrix {
        // A QR symbol is at most 177 modules wide.
        width: u32::try_from(width).unwrap_or(u32::MAX),
        modules,
    })
}
