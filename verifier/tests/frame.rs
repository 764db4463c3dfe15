//! Reading tokens from images (feature `image`): round trips through PNG, JPEG and camera
//! frames, and bounded, clear failures for hostile images.
#![cfg(feature = "image")]

mod common;
use common::fix_ihdr_crc;

use qrseal_core::render::{Ecc, QrSymbol, RenderOptions};
use qrseal_core::{Colour, Timestamp};
use qrseal_issuer::{Issuer, IssuerKey, Status, SubjectSecret};
use qrseal_verifier::frame::{MAX_IMAGE_SIDE, decode_frame, decode_image};
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
    assert_eq!(decode_frame(w, h, &frame).unwrap(), text);
}

#[test]
fn hostile_images_fail_clearly() {
    // No symbol.
    assert_eq!(
        decode_frame(64, 64, &[255u8; 64 * 64]),
        Err(Error::NoQrCode)
    );
    // Buffer and dimensions disagree; zero size; larger than allowed.
    assert!(matches!(
        decode_frame(64, 64, &[0u8; 10]),
        Err(Error::ImageUnreadable(_))
    ));
    assert!(matches!(
        decode_frame(0, 0, &[]),
        Err(Error::ImageUnreadable(_))
    ));
    assert!(matches!(
        decode_frame(MAX_IMAGE_SIDE + 1, 1, &[]),
        Err(Error::ImageTooLarge { .. })
    ));
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
