//! Reading tokens from images (feature `image`): round trips through PNG, JPEG and camera
//! frames, and bounded, clear failures for hostile images.
#![cfg(feature = "image")]

mod common;
use common::fix_ihdr_crc;

use qrseal_core::render::{Ecc, QrSymbol, RenderOptions};
use qrseal_core::{Colour, Timestamp};
use qrseal_issuer::{Issuer, IssuerKey, Status, SubjectSecret};
use qrseal_verifier::frame::{Frame, MAX_IMAGE_SIDE, PixelFormat, decode_frame, decode_image};
use qrseal_verifier::{Error, TrustedKey, Verifier};

fn token_text() -> (String, Verifier, Timestamp) {
    let now = Timestamp::from_unix(1_795_248_000);
    let issuer = Issuer::new(
        IssuerKey::from_secret_bytes([1; 32]),
        SubjectSecret::from_bytes([2; 32]),
    );
    let token = issuer
        .issue(
            &Status::new(issuer.subject("A1").unwrap(), Colour::Green),
            now,
        )
        .unwrap();
    let v = Verifier::new([TrustedKey::from_bytes(&issuer.key().public_key()).unwrap()]);
    (token.qr_text(), v, now)
}

#[test]
fn png_round_trip_verifies() {
    let (text, v, now) = token_text();
    let symbol = QrSymbol::new(&text, Ecc::M).unwrap();
    let png = symbol.to_png(RenderOptions::default()).unwrap();
    let read = decode_image(&png).unwrap();
    assert_eq!(read, text);
    assert!(v.verify(&read, now).is_ok());
}

#[test]
fn jpeg_and_camera_frames_decode() {
    let (text, _, _) = token_text();
    let symbol = QrSymbol::new(&text, Ecc::Q).unwrap();
    let luma = symbol
        .to_luma(RenderOptions {
            module_size: 6,
            quiet_zone: true,
        })
        .unwrap();
    let mut jpeg = Vec::new();
    image::DynamicImage::ImageLuma8(luma.clone())
        .write_to(
            &mut std::io::Cursor::new(&mut jpeg),
            image::ImageFormat::Jpeg,
        )
        .unwrap();
    assert_eq!(decode_image(&jpeg).unwrap(), text);

    // The symbol pasted into a grey 640x480 preview frame, off centre.
    let (w, h) = (640u32, 480u32);
    let mut frame = vec![128u8; (w * h) as usize];
    for (x, y, p) in luma.enumerate_pixels() {
        let (fx, fy) = (x + 100, y + 60);
        if fx < w && fy < h {
            frame[(fy * w + fx) as usize] = p.0[0];
        }
    }
    assert_eq!(gray_frame(w, h, &frame), Ok(text.clone()));

    // The same frame as RGBA, as a canvas delivers it.
    let rgba: Vec<u8> = frame.iter().flat_map(|&v| [v, v, v, 255]).collect();
    let rgba = Frame::new(w, h, PixelFormat::Rgba8, &rgba).unwrap();
    assert_eq!(decode_frame(&rgba).unwrap(), text);
}

/// A 1280x720 frame of the camera corpus (scripts/camera_corpus.py, condition `mixed`, seed 10,
/// frame 71, saved as JPEG): a tilted, blurred, noisy symbol under a glare spot, where dark
/// modules are only a few levels below light ones. zxing-cpp reads it; without the decoder's
/// highlight pass (which expands the bright levels) we did not.
#[test]
fn frames_with_glare_decode() {
    let jpeg = include_bytes!("data/glare-mixed.jpg");
    assert_eq!(
        decode_image(jpeg).as_deref(),
        Ok(
            "QS:F90UQF*6TNFSX$3*CM6V1RJBV7FR8E3802NNYM00008TJ65RS6PO:L9*G:G6/CU1 HD1SL$2B FEPE.TGJDVLH0QU2PN6A5V.1P3FWRPID2HV7OGL4E2I1WB49SUURKOC%XEN-4R-E"
        )
    );
}

fn gray_frame(w: u32, h: u32, luma: &[u8]) -> Result<String, Error> {
    decode_frame(&Frame::new(w, h, PixelFormat::Gray8, luma)?)
}

/// A dim screen in a dark room: the symbol's dark and light modules 40 grey levels apart
/// around a mid-grey, too little local contrast for the binariser; the decoder's second pass
/// stretches the contrast and reads it.
#[test]
fn low_contrast_frames_decode() {
    let (text, _, _) = token_text();
    let luma = QrSymbol::new(&text, Ecc::M)
        .unwrap()
        .to_luma(RenderOptions {
            module_size: 5,
            quiet_zone: true,
        })
        .unwrap();
    let (w, h) = (640u32, 480u32);
    let mut frame = vec![100u8; (w * h) as usize];
    for (x, y, p) in luma.enumerate_pixels() {
        frame[((y + 100) * w + x + 150) as usize] = if p.0[0] < 128 { 96 } else { 118 };
    }
    assert_eq!(gray_frame(w, h, &frame), Ok(text));
}

#[test]
fn hostile_images_fail_clearly() {
    // No symbol.
    assert_eq!(gray_frame(64, 64, &[255u8; 64 * 64]), Err(Error::NoQrCode));
    // Buffer and dimensions disagree (also for RGBA: one byte a pixel is not four); zero
    // size; larger than allowed.
    assert!(matches!(
        gray_frame(64, 64, &[0u8; 10]),
        Err(Error::ImageUnreadable(_))
    ));
    assert!(matches!(
        Frame::new(64, 64, PixelFormat::Rgba8, &[0u8; 64 * 64]),
        Err(Error::ImageUnreadable(_))
    ));
    assert!(matches!(
        gray_frame(0, 0, &[]),
        Err(Error::ImageUnreadable(_))
    ));
    assert!(matches!(
        gray_frame(MAX_IMAGE_SIDE + 1, 1, &[]),
        Err(Error::ImageTooLarge { .. })
    ));
    // Degenerate shapes: a pixel, a line, one or two pixels wide at the largest side (which
    // the decoder shrinks to nothing), a side of exactly the maximum.
    for (w, h) in [
        (1, 1),
        (4096, 1),
        (1, 4096),
        (4096, 2),
        (2, 4096),
        (7, 7),
        (4096, 16),
    ] {
        let pixels = vec![0u8; w * h];
        assert_eq!(
            gray_frame(w as u32, h as u32, &pixels),
            Err(Error::NoQrCode),
            "{w}x{h}"
        );
    }
    // Not an image at all, and an empty file.
    assert!(matches!(
        decode_image(b"hello"),
        Err(Error::ImageUnreadable(_))
    ));
    assert!(matches!(decode_image(&[]), Err(Error::ImageUnreadable(_))));

    // A valid PNG truncated at every length: an error whenever image data is missing. Only
    // the last 16 bytes (the image data's CRC and the empty IEND chunk) carry no pixels; cut
    // there, the decoder may still read the whole symbol, and then it must read it exactly.
    let (text, _, _) = token_text();
    let png = QrSymbol::new(&text, Ecc::M)
        .unwrap()
        .to_png(RenderOptions::default())
        .unwrap();
    for len in 0..png.len() {
        match decode_image(&png[..len]) {
            Err(_) => {}
            Ok(read) => {
                assert!(
                    len >= png.len() - 16,
                    "truncated at {len} of {} decoded",
                    png.len()
                );
                assert_eq!(read, text);
            }
        }
    }

    // A dimension bomb: a PNG header claiming 100000 x 100000 pixels, refused from the
    // header without allocating the pixels.
    let mut bomb = png.clone();
    bomb[16..20].copy_from_slice(&100_000u32.to_be_bytes());
    bomb[20..24].copy_from_slice(&100_000u32.to_be_bytes());
    fix_ihdr_crc(&mut bomb);
    assert_eq!(
        decode_image(&bomb),
        Err(Error::ImageTooLarge {
            width: 100_000,
            height: 100_000,
            max: MAX_IMAGE_SIDE
        })
    );
}
