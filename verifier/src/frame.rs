//! Reading a token's QR text from a camera image (feature `image`).
//!
//! Bounded: images larger than [`MAX_IMAGE_SIDE`] on a side are refused from their header,
//! before any pixel is decoded, and the decoder may allocate at most [`MAX_DECODE_BYTES`].

use alloc::string::String;

use crate::Error;

/// The longest image side accepted, in pixels. A phone camera frame is at most 4000 or so;
/// a QR symbol needs far less.
pub const MAX_IMAGE_SIDE: u32 = 4096;

/// The most memory the image decoder may allocate.
pub const MAX_DECODE_BYTES: u64 = 64 * 1024 * 1024;

/// Finds and decodes the first QR symbol in a PNG or JPEG file and returns its text.
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
    decode_frame(w, h, luma.as_raw())
}

/// Finds and decodes the first QR symbol in an 8-bit grayscale frame (row-major, one byte a
/// pixel, `width * height` bytes), as a camera preview delivers it.
pub fn decode_frame(width: u32, height: u32, luma: &[u8]) -> Result<String, Error> {
    if width > MAX_IMAGE_SIDE || height > MAX_IMAGE_SIDE {
        return Err(Error::ImageTooLarge {
            width,
            height,
            max: MAX_IMAGE_SIDE,
        });
    }
    let (w, h) = (width as usize, height as usize);
    if width == 0 || height == 0 || luma.len() != w * h {
        return Err(Error::ImageUnreadable(
            "frame size does not match width x height",
        ));
    }
    let mut prepared = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| luma[y * w + x]);
    for grid in prepared.detect_grids() {
        if let Ok((_, content)) = grid.decode() {
            return Ok(content);
        }
    }
    Err(Error::NoQrCode)
}
