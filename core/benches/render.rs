//! Rendering and text-codec benchmarks (feature `render`, which this bench requires):
//!
//! - `qr_encode`: [`QrSymbol::new`] (alphanumeric-mode QR encoding at ECC M) of the QR text
//!   of a maximum-size token ([`MAX_TOKEN_LEN`] bytes: every field present and at its
//!   widest, a 32-byte display hint) and of a full-size one (16-byte hint).
//! - `qr_render`: [`QrSymbol::to_png`], [`QrSymbol::to_svg`] (8 pixels or units a module,
//!   quiet zone) and [`QrSymbol::to_terminal`] of the maximum-size symbol.
//! - `text`: [`text::decode`] of the QR and URL forms, [`Token::parse`], and the two
//!   encoders, all on the maximum-size token.
//!
//! The tokens carry a fixed pseudo-random signature: nothing here checks signatures, and
//! the cost of each step depends only on the bytes' length and alphabet.
//!
//! Run: `cargo bench -p qrseal-core --features render --bench render`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "benchmark set-up: a failure is a bug to see at once"
)]

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use qrcode::EcLevel;
use qrseal_core::render::{Ecc, QrSymbol, RenderOptions};
use qrseal_core::text::{self, TextForm, TokenBuf};
use qrseal_core::wire::{
    MAX_BODY_LEN, MAX_TEST_AGE_SECS, MAX_TOKEN_LEN, MAX_VALIDITY_SECS, SIGNATURE_LEN, encode_body,
};
use qrseal_core::{
    Claims, Colour, Date, DisplayHint, KeyId, SubjectId, TestRecord, TestResult, Timestamp, Token,
    Vaccination,
};

/// 2026-11-21T08:00:00Z.
const NOW: u64 = 1_795_248_000;

/// A token for `claims` with a fixed pseudo-random signature.
fn token(claims: &Claims) -> Vec<u8> {
    let mut body = [0u8; MAX_BODY_LEN];
    let n = encode_body(KeyId([0x5e, 0xa1, 0x0d, 0x42]), claims, &mut body).unwrap();
    let mut state = 0x9e37_79b9_7f4a_7c15_u64;
    let signature = (0..SIGNATURE_LEN).map(|_| {
        // xorshift64: any well-spread bytes will do.
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state.to_le_bytes()[0]
    });
    body[..n].iter().copied().chain(signature).collect()
}

/// Every field present, each at the widest encoding v1 allows.
fn max_claims() -> Claims {
    let issued_at = Timestamp::from_unix(NOW);
    Claims::new(
        SubjectId([0xa5; 12]),
        Colour::DarkRed,
        issued_at,
        issued_at.saturating_add(u64::from(MAX_VALIDITY_SECS)),
    )
    .with_test(Some(TestRecord {
        result: TestResult::Pending,
        collected_at: issued_at.saturating_sub(u64::from(MAX_TEST_AGE_SECS)),
    }))
    .with_vaccination(Some(Vaccination {
        doses: u8::MAX,
        last_dose: Date::from_days_since_epoch(u16::MAX),
    }))
    .with_display_hint(Some(
        DisplayHint::new("司马*明 110***********1234(2)").unwrap(),
    ))
}

/// What the issuer benches issue: test, vaccination and a 16-byte display hint.
fn full_claims() -> Claims {
    let issued_at = Timestamp::from_unix(NOW);
    Claims::new(
        SubjectId([0xa5; 12]),
        Colour::Green,
        issued_at,
        issued_at.saturating_add(24 * 3600 - 1234),
    )
    .with_test(Some(TestRecord {
        result: TestResult::Negative,
        collected_at: issued_at.saturating_sub(20 * 3600),
    }))
    .with_vaccination(Some(Vaccination {
        doses: 3,
        last_dose: Date::from_ymd(2026, 5, 1).unwrap(),
    }))
    .with_display_hint(Some(DisplayHint::new("张*明 ****1234").unwrap()))
}

fn bench_qr_encode(c: &mut Criterion) {
    let max = token(&max_claims());
    assert_eq!(
        max.len(),
        MAX_TOKEN_LEN,
        "the maximum-size token must be maximal"
    );
    let max_qr = text::encode_qr(&max);
    let full_qr = text::encode_qr(&token(&full_claims()));
    for (name, qr) in [("max", &max_qr), ("full", &full_qr)] {
        let symbol = QrSymbol::new(qr, Ecc::M).unwrap();
        println!(
            "qr_encode: {name} token: {} characters, QR version {} at ECC M ({} modules)",
            qr.len(),
            symbol.version(),
            symbol.width()
        );
    }

    let mut group = c.benchmark_group("qr_encode");
    group.throughput(Throughput::Elements(1));
    // Each encode takes about a millisecond.
    group.sample_size(50);
    // Baseline: the qrcode crate choosing segments and version itself, same text and level.
    group.bench_function("qrcode_crate_max_token_ecc_m", |b| {
        b.iter(|| qrcode::QrCode::with_error_correction_level(black_box(&max_qr), EcLevel::M))
    });
    group.bench_function("max_token_ecc_m", |b| {
        b.iter(|| QrSymbol::new(black_box(&max_qr), Ecc::M))
    });
    group.bench_function("full_token_ecc_m", |b| {
        b.iter(|| QrSymbol::new(black_box(&full_qr), Ecc::M))
    });
    group.finish();
}

fn bench_qr_render(c: &mut Criterion) {
    let symbol = QrSymbol::new(&text::encode_qr(&token(&max_claims())), Ecc::M).unwrap();
    let opts = RenderOptions::default();

    let mut group = c.benchmark_group("qr_render");
    group.throughput(Throughput::Elements(1));
    group.bench_function("to_png", |b| b.iter(|| black_box(&symbol).to_png(opts)));
    group.bench_function("to_svg", |b| b.iter(|| black_box(&symbol).to_svg(opts)));
    group.bench_function("to_terminal", |b| {
        b.iter(|| black_box(&symbol).to_terminal(true))
    });
    group.finish();
}

fn bench_text(c: &mut Criterion) {
    let bytes = token(&max_claims());
    let qr = text::encode_qr(&bytes);
    let url = text::encode_url(&bytes);
    let mut buf: TokenBuf = [0u8; MAX_TOKEN_LEN];
    assert_eq!(
        text::decode(&qr, &mut buf).unwrap(),
        (&bytes[..], TextForm::Qr)
    );
    assert_eq!(
        text::decode(&url, &mut buf).unwrap(),
        (&bytes[..], TextForm::Url)
    );
    assert_eq!(Token::parse(&bytes).unwrap().claims, max_claims());

    let mut group = c.benchmark_group("text");
    group.throughput(Throughput::Elements(1));
    group.bench_function("decode_qr_form", |b| {
        b.iter(|| text::decode(black_box(&qr), &mut buf).map(|(t, _)| t.len()))
    });
    group.bench_function("decode_url_form", |b| {
        b.iter(|| text::decode(black_box(&url), &mut buf).map(|(t, _)| t.len()))
    });
    group.bench_function("token_parse", |b| {
        b.iter(|| Token::parse(black_box(&bytes)).map(|t| t.claims))
    });
    group.bench_function("encode_qr_form", |b| {
        b.iter(|| text::encode_qr(black_box(&bytes)))
    });
    group.bench_function("encode_url_form", |b| {
        b.iter(|| text::encode_url(black_box(&bytes)))
    });
    group.finish();
}

criterion_group!(benches, bench_qr_encode, bench_qr_render, bench_text);
criterion_main!(benches);
