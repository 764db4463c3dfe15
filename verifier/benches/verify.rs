//! Verification benchmarks, each beside its baseline in one criterion group so that the
//! ratio comes from one run (absolute times drift from machine to machine and run to run):
//!
//! - `verify`: bare `ed25519_dalek::VerifyingKey::verify_strict` on a message as long as a
//!   qrseal signed message (`SIGNING_DOMAIN || body`) against the low-level
//!   [`signature::verify`], [`Verifier::verify_bytes`], [`Verifier::verify`] (QR text to
//!   claims) and `verify` + [`Policy::evaluate`] (QR text to decision).
//! - `verify_batch`: [`Verifier::verify_batch`] against single [`Verifier::verify`] calls
//!   over the same tokens, for batches of 64 and 1024; throughput is in tokens.
//! - `reject`: the cheap rejections (unknown key, expired, damaged or truncated text) beside
//!   a bad signature and bare `verify_strict`, to show they cost a small fraction of a
//!   signature check.
//! - `frame` (feature `image`, which this bench requires): `frame::decode_image` of a PNG
//!   rendered by `qrseal_core::render::QrSymbol`, and `frame::decode_frame` of a grayscale
//!   640x480 camera frame with the symbol pasted in.
//!
//! Run: `cargo bench -p qrseal-verifier --features image --bench verify`. BENCHMARKS.md has
//! the figures.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "benchmark set-up: a failure is a bug to see at once"
)]

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use qrseal_core::render::{Ecc, QrSymbol, RenderOptions};
use qrseal_core::wire::{SIGNATURE_LEN, SIGNING_DOMAIN};
use qrseal_core::{
    Colour, Date, DisplayHint, TestRecord, TestResult, Timestamp, Vaccination, text,
};
use qrseal_issuer::{IssuedToken, Issuer, IssuerKey, Status, SubjectSecret};
use qrseal_verifier::frame::{Frame, PixelFormat, decode_frame, decode_image};
use qrseal_verifier::{Error, Policy, TrustedKey, Verifier, signature};

/// 2026-11-21T08:00:00Z.
const NOW: u64 = 1_795_248_000;
const KEY_SEED: [u8; 32] = [1; 32];
/// Batch sizes: one batch-equation chunk, and a server-sized batch of 16 chunks.
const BATCH_SIZES: [usize; 2] = [64, 1024];

fn now() -> Timestamp {
    Timestamp::from_unix(NOW)
}

fn issuer(seed: [u8; 32]) -> Issuer {
    Issuer::new(
        IssuerKey::from_secret_bytes(seed),
        SubjectSecret::from_bytes([2; 32]),
    )
}

/// The largest status the design budgets for: every field present, a 16-byte display hint.
fn full_status(issuer: &Issuer, i: usize) -> Status {
    Status {
        subject: issuer
            .subject(&format!("110101199003{:05}X", i % 100_000))
            .unwrap(),
        colour: Colour::Green,
        test: Some(TestRecord {
            result: TestResult::Negative,
            collected_at: now().saturating_sub(20 * 3600),
        }),
        vaccination: Some(Vaccination {
            doses: 3,
            last_dose: Date::from_ymd(2026, 5, 1).unwrap(),
        }),
        // 3 + 1 + 3 + 1 + 8 = 16 bytes of UTF-8.
        display_hint: Some(DisplayHint::new("张*明 ****1234").unwrap()),
    }
}

/// A scanner's trust store: the issuer's key plus three others (key rotation with overlap,
/// neighbouring issuers), so the key lookup is not a one-entry special case.
fn verifier(issuer: &Issuer) -> Verifier {
    let mut keys = vec![TrustedKey::from_bytes(&issuer.key().public_key()).unwrap()];
    for seed in 11..14u8 {
        let other = IssuerKey::from_secret_bytes([seed; 32]);
        keys.push(TrustedKey::from_bytes(&other.public_key()).unwrap());
    }
    Verifier::new(keys)
}

/// The policy of a checkpoint that wants a recent negative test and two doses.
fn policy() -> Policy {
    Policy::default()
        .max_test_age(std::time::Duration::from_secs(48 * 3600))
        .min_doses(2)
}

/// The signed message of a token (`SIGNING_DOMAIN || body`) and its signature.
fn message_and_signature(token: &IssuedToken) -> (Vec<u8>, [u8; SIGNATURE_LEN]) {
    let bytes = token.bytes();
    let (body, signature) = bytes.split_at(bytes.len() - SIGNATURE_LEN);
    (
        [SIGNING_DOMAIN, body].concat(),
        signature.try_into().unwrap(),
    )
}

fn bench_verify(c: &mut Criterion) {
    let issuer = issuer(KEY_SEED);
    let verifier = verifier(&issuer);
    let policy = policy();
    let token = issuer.issue(&full_status(&issuer, 0), now()).unwrap();
    let qr = token.qr_text();
    let (message, signature_bytes) = message_and_signature(&token);
    let trusted = TrustedKey::from_bytes(&issuer.key().public_key()).unwrap();
    // The baseline key is parsed once, as the verifier's keys are.
    let dalek_key = ed25519_dalek::VerifyingKey::from_bytes(&issuer.key().public_key()).unwrap();
    let dalek_signature = ed25519_dalek::Signature::from_bytes(&signature_bytes);

    // Every contestant accepts this token, so each bench times the accepting path.
    assert!(dalek_key.verify_strict(&message, &dalek_signature).is_ok());
    assert!(signature::verify(&trusted, &message, &signature_bytes));
    assert!(verifier.verify_bytes(token.bytes(), now()).is_ok());
    let claims = verifier.verify(&qr, now()).unwrap();
    assert!(policy.evaluate(&claims, now()).admitted());

    let mut group = c.benchmark_group("verify");
    group.throughput(Throughput::Elements(1));
    group.bench_function("ed25519_dalek_verify_strict", |b| {
        b.iter(|| {
            black_box(&dalek_key).verify_strict(black_box(&message), black_box(&dalek_signature))
        })
    });
    group.bench_function("qrseal_signature_verify", |b| {
        b.iter(|| {
            signature::verify(
                black_box(&trusted),
                black_box(&message),
                black_box(&signature_bytes),
            )
        })
    });
    group.bench_function("qrseal_verify_bytes", |b| {
        b.iter(|| black_box(&verifier).verify_bytes(black_box(token.bytes()), black_box(now())))
    });
    group.bench_function("qrseal_verify_qr_text", |b| {
        b.iter(|| black_box(&verifier).verify(black_box(&qr), black_box(now())))
    });
    group.bench_function("qrseal_text_to_decision", |b| {
        b.iter(|| {
            black_box(&verifier)
                .verify(black_box(&qr), black_box(now()))
                .map(|claims| black_box(&policy).evaluate(&claims, black_box(now())))
        })
    });
    group.finish();
}

fn bench_verify_batch(c: &mut Criterion) {
    let issuer = issuer(KEY_SEED);
    let verifier = verifier(&issuer);
    let largest = BATCH_SIZES[BATCH_SIZES.len() - 1];
    let statuses: Vec<Status> = (0..largest).map(|i| full_status(&issuer, i)).collect();
    let texts: Vec<String> = issuer
        .issue_batch(&statuses, now())
        .into_iter()
        .map(|t| t.unwrap().qr_text())
        .collect();
    let texts: Vec<&str> = texts.iter().map(String::as_str).collect();
    assert!(
        verifier
            .verify_batch(&texts, now())
            .iter()
            .all(Result::is_ok)
    );

    let mut group = c.benchmark_group("verify_batch");
    for n in BATCH_SIZES {
        let batch = &texts[..n];
        group.throughput(Throughput::Elements(n as u64));
        // An iteration verifies n tokens (milliseconds): fewer samples keep the default
        // 5-second measurement long enough for every sample.
        group.sample_size(if n > 64 { 10 } else { 30 });
        group.bench_with_input(BenchmarkId::new("single_verify", n), batch, |b, batch| {
            b.iter(|| {
                batch
                    .iter()
                    .map(|t| verifier.verify(t, black_box(now())))
                    .filter(Result::is_ok)
                    .count()
            })
        });
        group.bench_with_input(BenchmarkId::new("verify_batch", n), batch, |b, batch| {
            b.iter(|| verifier.verify_batch(black_box(batch), black_box(now())))
        });
    }
    group.finish();
}

fn bench_reject(c: &mut Criterion) {
    let issuer = issuer(KEY_SEED);
    let verifier = verifier(&issuer);
    let status = full_status(&issuer, 0);
    let token = issuer.issue(&status, now()).unwrap();
    let qr = token.qr_text();
    let (message, signature_bytes) = message_and_signature(&token);
    let dalek_key = ed25519_dalek::VerifyingKey::from_bytes(&issuer.key().public_key()).unwrap();
    let dalek_signature = ed25519_dalek::Signature::from_bytes(&signature_bytes);

    // Signed by a key the scanner does not trust.
    let stranger = self::issuer([99; 32]);
    let unknown_key = stranger.issue(&status, now()).unwrap().qr_text();
    // Checked a month after issue.
    let month_later = now().saturating_add(30 * 86_400);
    // A character outside the QR alphanumeric set (a camera misread), near the end so the
    // decoder reads almost all the text first.
    let mut damaged = qr.clone().into_bytes();
    let at = damaged.len() - 3;
    damaged[at] = b'a';
    let damaged = String::from_utf8(damaged).unwrap();
    // Cut short: base45 decodes, the token parse finds the signature missing.
    let truncated = &qr[..qr.len() - 30];
    // The last byte of the signature flipped: everything passes until the curve equation.
    let mut forged = token.bytes().to_vec();
    *forged.last_mut().unwrap() ^= 0x01;
    let bad_signature = text::encode_qr(&forged);

    assert!(matches!(
        verifier.verify(&unknown_key, now()),
        Err(Error::UnknownKey(_))
    ));
    assert!(matches!(
        verifier.verify(&qr, month_later),
        Err(Error::Expired { .. })
    ));
    assert!(verifier.verify(&damaged, now()).is_err());
    assert!(verifier.verify(truncated, now()).is_err());
    assert!(matches!(
        verifier.verify(&bad_signature, now()),
        Err(Error::BadSignature)
    ));

    let mut group = c.benchmark_group("reject");
    group.throughput(Throughput::Elements(1));
    group.bench_function("ed25519_dalek_verify_strict", |b| {
        b.iter(|| {
            black_box(&dalek_key).verify_strict(black_box(&message), black_box(&dalek_signature))
        })
    });
    let cases: [(&str, &str, Timestamp); 5] = [
        ("unknown_key", &unknown_key, now()),
        ("expired", &qr, month_later),
        ("damaged_text", &damaged, now()),
        ("truncated_text", truncated, now()),
        ("bad_signature", &bad_signature, now()),
    ];
    for (name, text, at) in cases {
        group.bench_function(name, |b| {
            b.iter(|| black_box(&verifier).verify(black_box(text), black_box(at)))
        });
    }
    group.finish();
}

fn bench_frame(c: &mut Criterion) {
    let issuer = issuer(KEY_SEED);
    let qr = issuer
        .issue(&full_status(&issuer, 0), now())
        .unwrap()
        .qr_text();
    let symbol = QrSymbol::new(&qr, Ecc::M).unwrap();
    // The PNG a holder's app would show or share: the default 8 pixels a module.
    let png = symbol.to_png(RenderOptions::default()).unwrap();
    // A camera preview: the symbol at 4 pixels a module, pasted off centre into a grey
    // 640x480 frame.
    let luma = symbol
        .to_luma(RenderOptions {
            module_size: 4,
            quiet_zone: true,
        })
        .unwrap();
    let (w, h) = (640u32, 480u32);
    let mut frame = vec![128u8; (w * h) as usize];
    for (x, y, p) in luma.enumerate_pixels() {
        let (fx, fy) = (x + 180, y + 100);
        if fx < w && fy < h {
            frame[(fy * w + fx) as usize] = p.0[0];
        }
    }
    assert_eq!(decode_image(&png).unwrap(), qr);
    let frame = Frame::new(w, h, PixelFormat::Gray8, &frame).unwrap();
    assert_eq!(decode_frame(&frame).unwrap(), qr);
    println!(
        "frame: QR version {} ({} modules), PNG {} bytes ({}x{} px), frame {w}x{h}",
        symbol.version(),
        symbol.width(),
        png.len(),
        (symbol.width() + 8) * 8,
        (symbol.width() + 8) * 8,
    );

    let mut group = c.benchmark_group("frame");
    group.throughput(Throughput::Elements(1));
    // Each decode takes milliseconds.
    group.sample_size(20);
    group.bench_function("decode_image_png", |b| {
        b.iter(|| decode_image(black_box(&png)))
    });
    group.bench_function("decode_frame_640x480", |b| {
        b.iter(|| decode_frame(black_box(&frame)))
    });
    group.finish();
}

criterion_group!(
    benches,
    bench_verify,
    bench_verify_batch,
    bench_reject,
    bench_frame
);
criterion_main!(benches);
