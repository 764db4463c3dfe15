//! Reading a token's QR text from a camera frame or an image file (feature `image`).
//!
//! ```no_run
//! use qrseal_verifier::frame::{Frame, PixelFormat, decode_frame};
//! # fn preview() -> (u32, u32, Vec<u8>) { (640, 480, vec![0; 640 * 480]) }
//! let (width, height, y_plane) = preview(); // a camera's luminance plane
//! let frame = Frame::new(width, height, PixelFormat::Gray8, &y_plane)?;
//! match decode_frame(&frame) {
//!     Ok(text) => { /* verify `text` */ }
//!     Err(qrseal_verifier::Error::NoQrCode) => { /* try the next frame */ }
//!     Err(e) => return Err(e),
//! }
//! # Ok::<(), qrseal_verifier::Error>(())
//! ```
//!
//! The detector is the `rxing` crate's port of zxing-cpp, chosen by measurement on a
//! synthetic camera corpus (BENCHMARKS.md, `scripts/camera-bench.sh`): it reads what zxing-cpp
//! reads at about twice its CPU time, builds for `wasm32-unknown-unknown` and the handheld
//! targets, and has no C code.
//!
//! Bounded for any input: files and frames larger than [`MAX_IMAGE_SIDE`] on a side are
//! refused (files from their header, before any pixel is decoded), the file decoder may
//! allocate at most [`MAX_DECODE_BYTES`], and the QR search does a bounded amount of work
//! whatever the pixels show (see `frame/scan.rs`): every accepted image decodes or fails in
//! well under 250 ms of CPU and 128 MiB of heap (tests/image_limits.rs measures crafted
//! worst cases). Misses are `Error::NoQrCode`; a text is returned only when the symbol's
//! error correction checks out.

use alloc::string::String;

use crate::Error;

mod scan;

/// The longest image side accepted, in pixels. A phone camera frame is at most 4000 or so;
/// a QR symbol needs far less.
pub const MAX_IMAGE_SIDE: u32 = 4096;

/// The most memory the image decoder may allocate.
pub const MAX_DECODE_BYTES: u64 = 64 * 1024 * 1024;

/// Finds and decodes the first QR symbol in a PNG or JPEG file and returns its text.
///
/// Errors: [`Error::ImageTooLarge`], [`Error::ImageUnreadable`], [`Error::NoQrCode`].
pub fn decode_image(file: &[u8]) -> Result<String, Error> {
    let reader = || {
        let reader = image::ImageReader::new(std::io::Cursor::new(file))
            .with_guessed_format()
            .map_err(|_| Error::ImageUnreadable("could not read the image header"))?;
        match reader.format() {
            Some(image::ImageFormat::Png | image::ImageFormat::Jpeg) => Ok(reader),
            _ => Err(Error::ImageUnreadable("not a PNG or JPEG image")),
        }
    };
    // The header alone gives the size; refuse a dimension bomb before decoding anything.
    let (width, height) = reader()?
        .into_dimensions()
        .map_err(|_| Error::ImageUnreadable("could not read the image header"))?;
    if width > MAX_IMAGE_SIDE || height > MAX_IMAGE_SIDE {
        return Err(Error::ImageTooLarge {
            width,
            height,
            max: MAX_IMAGE_SIDE,
        });
    }
    let mut reader = reader()?;
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_IMAGE_SIDE);
    limits.max_image_height = Some(MAX_IMAGE_SIDE);
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    reader.limits(limits);
    let img = reader.decode().map_err(|e| match e {
        image::ImageError::Limits(_) => Error::ImageTooLarge {
            width,
            height,
            max: MAX_IMAGE_SIDE,
        },
        _ => Error::ImageUnreadable("the image data is damaged or truncated"),
    })?;
    let luma = img.into_luma8();
    let (w, h) = luma.dimensions();
    scan::decode_luma(w as usize, h as usize, luma.as_raw())
}

/// How the pixels of a [`Frame`] are laid out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PixelFormat {
    /// One byte a pixel, luminance (0 black, 255 white): a camera preview's Y plane.
    Gray8,
    /// Four bytes a pixel, red, green, blue, alpha: a canvas's `ImageData`.
    Rgba8,
}

impl PixelFormat {
    /// Bytes a pixel.
    pub fn bytes_per_pixel(self) -> usize {
        match self {
            PixelFormat::Gray8 => 1,
            PixelFormat::Rgba8 => 4,
        }
    }
}

/// A camera frame or decoded picture: rows top to bottom, pixels left to right, no padding
/// between rows.
#[derive(Clone, Copy)]
pub struct Frame<'a> {
    width: u32,
    height: u32,
    format: PixelFormat,
    pixels: &'a [u8],
}

impl<'a> Frame<'a> {
    /// Checks that `pixels` holds exactly `width * height` pixels of `format` and that both
    /// sides are within [`MAX_IMAGE_SIDE`].
    pub fn new(
        width: u32,
        height: u32,
        format: PixelFormat,
        pixels: &'a [u8],
    ) -> Result<Frame<'a>, Error> {
        if width > MAX_IMAGE_SIDE || height > MAX_IMAGE_SIDE {
            return Err(Error::ImageTooLarge {
                width,
                height,
                max: MAX_IMAGE_SIDE,
            });
        }
        // Both sides are at most 4096, so the product cannot overflow.
        let expected = width as usize * height as usize * format.bytes_per_pixel();
        if width == 0 || height == 0 || pixels.len() != expected {
            return Err(Error::ImageUnreadable(
                "frame size does not match width x height",
            ));
        }
        Ok(Frame {
            width,
            height,
            format,
            pixels,
        })
    }

    /// Width in pixels.
    pub fn width(&self) -> u32 {
        self.width
    }

    /// Height in pixels.
    pub fn height(&self) -> u32 {
        self.height
    }

    /// The pixel layout.
    pub fn format(&self) -> PixelFormat {
        self.format
    }
}

// Megabytes of pixels are no use in a log line.
impl core::fmt::Debug for Frame<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Frame")
            .field("width", &self.width)
            .field("height", &self.height)
            .field("format", &self.format)
            .finish_non_exhaustive()
    }
}

/// Finds and decodes the first QR symbol in a camera frame and returns its text, or
/// [`Error::NoQrCode`].
pub fn decode_frame(frame: &Frame<'_>) -> Result<String, Error> {
    let gray;
    let luma: &[u8] = match frame.format {
        PixelFormat::Gray8 => frame.pixels,
        PixelFormat::Rgba8 => {
            gray = rgba_to_luma(frame.pixels);
            &gray
        }
    };
    scan::decode_luma(frame.width as usize, frame.height as usize, luma)
}

/// BT.601 luma, in integers; alpha is ignored (a camera frame is opaque).
fn rgba_to_luma(rgba: &[u8]) -> alloc::vec::Vec<u8> {
    rgba.chunks_exact(4)
        .map(|p| ((77 * p[0] as u32 + 150 * p[1] as u32 + 29 * p[2] as u32 + 128) >> 8) as u8)
        .collect()
}
