//! `qrseal_decode_frame`: a grayscale camera frame with a token's QR symbol in it decodes to
//! the token's text through the C ABI, and the text then verifies; bad frames get their
//! codes, and a buffer too small is refused without a write.
#![allow(unsafe_code)] // calls the C ABI

use qrseal_core::render::{Ecc, QrSymbol};
use qrseal_core::{Colour, Timestamp};
use qrseal_ffi::{QRSEAL_MAX_TEXT_LEN, QRSEAL_PIXEL_GRAY8, qrseal_code, qrseal_decode_frame};
use qrseal_issuer::{Issuer, IssuerKey, Status, SubjectSecret};

/// A 400x300 grey frame with the symbol (3 pixels a module, quiet zone included) pasted at
/// (60, 40).
fn frame(text: &str) -> (u32, u32, Vec<u8>) {
    let symbol = QrSymbol::new(text, Ecc::M).unwrap();
    let (w, h) = (400u32, 300u32);
    let mut pixels = vec![128u8; (w * h) as usize];
    let scale = 3;
    let side = (symbol.width() + 8) * scale;
    for y in 0..side {
        for x in 0..side {
            let (mx, my) = ((x / scale).wrapping_sub(4), (y / scale).wrapping_sub(4));
            let dark = mx < symbol.width() && my < symbol.width() && symbol.is_dark(mx, my);
            pixels[(y + 40) * w as usize + x + 60] = if dark { 20 } else { 235 };
        }
    }
    (w, h, pixels)
}

fn decode(w: u32, h: u32, pixels: &[u8], cap: usize) -> (qrseal_code, Vec<u8>, usize) {
    let mut text = vec![0xeeu8; cap];
    let mut len = usize::MAX;
    // SAFETY: valid buffers with their true lengths.
    let rc = unsafe {
        qrseal_decode_frame(
            pixels.as_ptr(),
            pixels.len(),
            w,
            h,
            QRSEAL_PIXEL_GRAY8,
            text.as_mut_ptr(),
            cap,
            &mut len,
        )
    };
    (rc, text, len)
}

#[test]
fn a_frame_decodes_to_the_token_text() {
    let issuer = Issuer::new(
        IssuerKey::from_secret_bytes([1; 32]),
        SubjectSecret::from_bytes([2; 32]),
    );
    let now = Timestamp::from_unix(1_795_248_000);
    let subject = issuer.subject("110101199003078888").unwrap();
    let qr = issuer
        .issue(&Status::new(subject, Colour::Green), now)
        .unwrap()
        .qr_text();
    let (w, h, pixels) = frame(&qr);

    let (rc, text, len) = decode(w, h, &pixels, QRSEAL_MAX_TEXT_LEN + 1);
    assert_eq!(rc, qrseal_code::QRSEAL_OK);
    assert_eq!(&text[..len], qr.as_bytes());
    assert_eq!(text[len], 0);

    // Exactly the text without room for the NUL: refused, nothing written.
    let (rc, text, len) = decode(w, h, &pixels, qr.len());
    assert_eq!(rc, qrseal_code::QRSEAL_BUFFER_TOO_SMALL);
    assert!(text.iter().all(|&b| b == 0xee) && len == usize::MAX);

    // A frame whose size does not match, and one without a symbol.
    let (rc, ..) = decode(w, h - 1, &pixels, 256);
    assert_eq!(rc, qrseal_code::QRSEAL_IMAGE_UNREADABLE);
    let (rc, ..) = decode(w, h, &vec![128u8; pixels.len()], 256);
    assert_eq!(rc, qrseal_code::QRSEAL_NO_QR_CODE);
    // An unknown pixel format and NULL outputs.
    let mut len = 0usize;
    // SAFETY: valid input; the NULL text buffer is what is being refused.
    let rc = unsafe {
        qrseal_decode_frame(
            pixels.as_ptr(),
            pixels.len(),
            w,
            h,
            9,
            core::ptr::null_mut(),
            0,
            &mut len,
        )
    };
    assert_eq!(rc, qrseal_code::QRSEAL_INVALID_ARGUMENT);
}
