//! QR rendering (feature `render`): PNG, SVG and terminal text from one [`QrSymbol`].

use alloc::string::String;
use alloc::vec::Vec;

use qrcode::bits::Bits;
use qrcode::types::QrError;
use qrcode::{EcLevel, QrCode, Version};

use crate::Error;

/// QR error-correction level. Higher levels survive more damage and need larger symbols.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Ecc {
    /// About 7% of codewords can be restored.
    L,
    /// About 15%; the default, as for EU DCC symbols.
    #[default]
    M,
    /// About 25%.
    Q,
    /// About 30%.
    H,
}

impl Ecc {
    fn level(self) -> EcLevel {
        match self {
            Ecc::L => EcLevel::L,
            Ecc::M => EcLevel::M,
            Ecc::Q => EcLevel::Q,
            Ecc::H => EcLevel::H,
        }
    }
}

impl Ecc {
    /// The level's letter: `L`, `M`, `Q` or `H`.
    pub const fn name(self) -> &'static str {
        match self {
            Ecc::L => "L",
            Ecc::M => "M",
            Ecc::Q => "Q",
            Ecc::H => "H",
        }
    }
}

impl core::fmt::Display for Ecc {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.name())
    }
}

impl core::str::FromStr for Ecc {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        match s {
            "L" | "l" => Ok(Ecc::L),
            "M" | "m" => Ok(Ecc::M),
            "Q" | "q" => Ok(Ecc::Q),
            "H" | "h" => Ok(Ecc::H),
            _ => Err(Error::Render("ECC level must be L, M, Q or H")),
        }
    }
}

/// How a symbol is drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RenderOptions {
    /// Pixels per module (PNG) or user units per module (SVG); at least 1.
    pub module_size: u32,
    /// Draw the 4-module quiet zone the QR standard asks for around the symbol.
    pub quiet_zone: bool,
}

impl Default for RenderOptions {
    fn default() -> Self {
        RenderOptions {
            module_size: 8,
            quiet_zone: true,
        }
    }
}

/// The largest module size accepted, so that a PNG stays under about 64 MiB.
pub const MAX_MODULE_SIZE: u32 = 40;

/// A QR symbol holding a token's QR text, built in alphanumeric mode at the smallest version
/// that fits the chosen error-correction level.
#[derive(Clone)]
pub struct QrSymbol {
    code: QrCode,
}

impl QrSymbol {
    /// Builds the symbol. The text must consist of QR alphanumeric characters only (as the QR
    /// text form does); anything else is refused rather than silently switched to byte mode.
    pub fn new(text: &str, ecc: Ecc) -> Result<QrSymbol, Error> {
        const ALNUM: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";
        if text.is_empty() {
            return Err(Error::EmptyText);
        }
        if let Some(offset) = text.bytes().position(|c| !ALNUM.contains(&c)) {
            return Err(Error::InvalidCharacter { offset });
        }
        for v in 1..=40 {
            let mut bits = Bits::new(Version::Normal(v));
            let built = bits
                .push_alphanumeric_data(text.as_bytes())
                .and_then(|()| bits.push_terminator(ecc.level()))
                .and_then(|()| QrCode::with_bits(bits, ecc.level()));
            match built {
                Ok(code) => return Ok(QrSymbol { code }),
                Err(QrError::DataTooLong) => continue,
                Err(_) => return Err(Error::Render("the QR encoder refused the text")),
            }
        }
        Err(Error::Render("text does not fit the largest QR symbol"))
    }

    /// The QR version (1 to 40).
    pub fn version(&self) -> u8 {
        match self.code.version() {
            Version::Normal(v) | Version::Micro(v) => v as u8,
        }
    }

    /// Modules along one side, without quiet zone (version 6 is 41).
    pub fn width(&self) -> usize {
        self.code.width()
    }

    /// The error-correction level.
    pub fn ecc(&self) -> Ecc {
        match self.code.error_correction_level() {
            EcLevel::L => Ecc::L,
            EcLevel::M => Ecc::M,
            EcLevel::Q => Ecc::Q,
            EcLevel::H => Ecc::H,
        }
    }

    /// Whether the module at column `x`, row `y` is dark.
    pub fn is_dark(&self, x: usize, y: usize) -> bool {
        x < self.width() && y < self.width() && self.code[(x, y)] == qrcode::Color::Dark
    }

    /// An 8-bit grayscale image of the symbol.
    pub fn to_luma(&self, opts: RenderOptions) -> Result<image::GrayImage, Error> {
        let size = check_module_size(opts.module_size)?;
        Ok(self
            .code
            .render::<image::Luma<u8>>()
            .quiet_zone(opts.quiet_zone)
            .module_dimensions(size, size)
            .build())
    }

    /// A PNG file of the symbol.
    pub fn to_png(&self, opts: RenderOptions) -> Result<Vec<u8>, Error> {
        let img = self.to_luma(opts)?;
        let mut out = Vec::new();
        img.write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
            .map_err(|_| Error::Render("PNG encoding failed"))?;
        Ok(out)
    }

    /// An SVG document of the symbol.
    pub fn to_svg(&self, opts: RenderOptions) -> Result<String, Error> {
        let size = check_module_size(opts.module_size)?;
        Ok(self
            .code
            .render::<qrcode::render::svg::Color<'_>>()
            .quiet_zone(opts.quiet_zone)
            .module_dimensions(size, size)
            .build())
    }

    /// The symbol as lines of Unicode half blocks, two modules a character cell. Drawn for
    /// the usual dark-background terminal: light modules (and the quiet zone) are the filled
    /// blocks, dark modules the terminal's background. On a light-background terminal the
    /// picture is inverted and many scanners will not read it; use PNG or SVG there.
    pub fn to_terminal(&self, quiet_zone: bool) -> String {
        self.code
            .render::<qrcode::render::unicode::Dense1x2>()
            .dark_color(qrcode::render::unicode::Dense1x2::Light)
            .light_color(qrcode::render::unicode::Dense1x2::Dark)
            .quiet_zone(quiet_zone)
            .build()
    }
}

fn check_module_size(size: u32) -> Result<u32, Error> {
    if (1..=MAX_MODULE_SIZE).contains(&size) {
        Ok(size)
    } else {
        Err(Error::Render("module size must be between 1 and 40"))
    }
}
