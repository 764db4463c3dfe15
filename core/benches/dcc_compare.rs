//! qrseal beside the EU Digital COVID Certificate (EU DCC) on the same work, in one run.
//!
//! Prints (does not time), for each of the 40 real EU DCC vaccination certificates in
//! `testvectors/external/eu-dcc/vaccination-vectors.json`: its QR text length, the QR
//! version [`QrSymbol::new`] picks at ECC M (the text is `HC1:` + base45, so alphanumeric
//! mode, as ours) and its signature algorithm; then the median and mean, next to qrseal's
//! colour-only, full-size (test, vaccination, 16-byte hint) and maximum-size tokens.
//!
//! Times, in the group `text_to_verified` (throughput in tokens, 40 an iteration):
//! - `qrseal_text_to_decision`: 40 full-size qrseal QR texts through `Verifier::verify` and
//!   `Policy::evaluate` (Ed25519, validity window, policy);
//! - `dgc_validate`: the 40 EU DCC texts through the `dgc` crate's `validate` (base45, zlib
//!   inflate, COSE/CBOR parse, ECDSA P-256 or RSA-PSS verification via ring), with a trust
//!   list built once from each certificate's `certificate_b64`;
//! - `dgc_validate_es256`: the same, on the ECDSA P-256 certificates only;
//! - `dgc_decode_only`: `dgc::decode_cwt` (base45, inflate, COSE/CBOR), no signature.
//!
//! `dgc::validate` checks neither validity times nor any policy, so the EU side does less
//! work than ours here.
//!
//! Run: `cargo bench -p qrseal-core --features render --bench dcc_compare`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "benchmark set-up: a failure is a bug to see at once"
)]

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use qrseal_core::render::{Ecc, QrSymbol};
use qrseal_core::wire::{MAX_TEST_AGE_SECS, MAX_TOKEN_LEN, MAX_VALIDITY_SECS};
use qrseal_core::{Colour, Date, DisplayHint, TestRecord, TestResult, Timestamp, Vaccination};
use qrseal_issuer::{Issuer, IssuerKey, Status, SubjectSecret, TtlPolicy};
use qrseal_verifier::{Policy, TrustedKey, Verifier};

/// 2026-11-21T08:00:00Z.
const NOW: u64 = 1_795_248_000;
const VECTORS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../testvectors/external/eu-dcc/vaccination-vectors.json"
);

struct Anchor {
    source: String,
    text: String,
    certificate_b64: String,
}

fn anchors() -> Vec<Anchor> {
    let json =
        std::fs::read_to_string(VECTORS).unwrap_or_else(|e| panic!("cannot read {VECTORS}: {e}"));
    let entries: Vec<serde_json::Value> = serde_json::from_str(&json).unwrap();
    entries
        .iter()
        .map(|e| Anchor {
            source: e["source"].as_str().unwrap().to_owned(),
            text: e["prefix"].as_str().unwrap().to_owned(),
            certificate_b64: e["certificate_b64"].as_str().unwrap().to_owned(),
        })
        .collect()
}

fn now() -> Timestamp {
    Timestamp::from_unix(NOW)
}

fn issuer() -> Issuer {
    Issuer::new(
        IssuerKey::from_secret_bytes([1; 32]),
        SubjectSecret::from_bytes([2; 32]),
    )
}

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
        display_hint: Some(DisplayHint::new("张*明 ****1234").unwrap()),
    }
}

/// qrseal's QR texts at three sizes: colour only, full-size, and the largest v1 allows.
fn our_texts() -> [(&'static str, String); 3] {
    let issuer = issuer();
    let subject = issuer.subject("110101199003078888").unwrap();
    let colour_only = issuer
        .issue(&Status::new(subject, Colour::Green), now())
        .unwrap();
    let full = issuer.issue(&full_status(&issuer, 0), now()).unwrap();
    let longest = issuer
        .with_ttl(TtlPolicy::new(
            std::time::Duration::from_secs(u64::from(MAX_VALIDITY_SECS)),
            std::time::Duration::ZERO,
        ))
        .unwrap();
    let max = longest
        .issue(
            &Status {
                subject,
                colour: Colour::DarkRed,
                test: Some(TestRecord {
                    result: TestResult::Pending,
                    collected_at: now().saturating_sub(u64::from(MAX_TEST_AGE_SECS)),
                }),
                vaccination: Some(Vaccination {
                    doses: u8::MAX,
                    last_dose: Date::from_days_since_epoch(u16::MAX),
                }),
                display_hint: Some(DisplayHint::new("司马*明 110***********1234(2)").unwrap()),
            },
            now(),
        )
        .unwrap();
    assert_eq!(max.bytes().len(), MAX_TOKEN_LEN);
    [
        ("colour only", colour_only.qr_text()),
        ("full (test, vaccination, 16-byte hint)", full.qr_text()),
        ("maximum (32-byte hint)", max.qr_text()),
    ]
}

fn median(sorted: &[usize]) -> f64 {
    let n = sorted.len();
    if n % 2 == 1 {
        sorted[n / 2] as f64
    } else {
        (sorted[n / 2 - 1] + sorted[n / 2]) as f64 / 2.0
    }
}

fn mean(values: &[usize]) -> f64 {
    values.iter().sum::<usize>() as f64 / values.len() as f64
}

/// The size table: printed, not timed.
fn print_sizes(anchors: &[Anchor]) {
    println!("EU DCC vaccination certificates, QR at ECC M (alphanumeric mode):");
    println!(
        "{:<46} {:>6} {:>8} {:>8} {:>6}",
        "source", "chars", "version", "modules", "alg"
    );
    let mut lengths = Vec::new();
    let mut versions = Vec::new();
    for a in anchors {
        let symbol = QrSymbol::new(&a.text, Ecc::M).unwrap();
        let alg = dgc::decode_cwt(&a.text)
            .ok()
            .and_then(|cwt| cwt.header.alg)
            .map_or_else(|| "?".to_owned(), |alg| format!("{alg:?}"));
        println!(
            "{:<46} {:>6} {:>8} {:>8} {:>6}",
            a.source,
            a.text.len(),
            symbol.version(),
            symbol.width(),
            alg
        );
        lengths.push(a.text.len());
        versions.push(usize::from(symbol.version()));
    }
    lengths.sort_unstable();
    versions.sort_unstable();
    println!(
        "EU DCC ({} certificates): chars median {:.1}, mean {:.1}, range {}..={}; \
         QR version median {:.1}, mean {:.1}, range {}..={}",
        anchors.len(),
        median(&lengths),
        mean(&lengths),
        lengths[0],
        lengths[lengths.len() - 1],
        median(&versions),
        mean(&versions),
        versions[0],
        versions[versions.len() - 1],
    );
    for (name, text) in our_texts() {
        let symbol = QrSymbol::new(&text, Ecc::M).unwrap();
        println!(
            "qrseal {name}: {} chars, QR version {} ({} modules)",
            text.len(),
            symbol.version(),
            symbol.width()
        );
    }
}

fn bench_text_to_verified(c: &mut Criterion) {
    let anchors = anchors();
    print_sizes(&anchors);

    // The EU side: one trust list holding every signing certificate's key, built once.
    let mut trust_list = dgc::TrustList::default();
    for a in &anchors {
        trust_list
            .add_key_from_certificate(&a.certificate_b64)
            .unwrap();
    }
    let eu_texts: Vec<&str> = anchors.iter().map(|a| a.text.as_str()).collect();
    let es256_texts: Vec<&str> = eu_texts
        .iter()
        .copied()
        .filter(|t| dgc::decode_cwt(t).unwrap().header.alg == Some(dgc::EcAlg::Es256))
        .collect();
    for t in &eu_texts {
        let (_, validity) = dgc::validate(t, &trust_list).unwrap();
        assert!(
            validity.is_valid(),
            "dgc must accept every anchor: {validity}"
        );
    }

    // Our side: as many full-size tokens, for different holders.
    let issuer = issuer();
    let verifier = Verifier::new([TrustedKey::from_bytes(&issuer.key().public_key()).unwrap()]);
    let policy = Policy::default()
        .max_test_age(std::time::Duration::from_secs(48 * 3600))
        .min_doses(2);
    let ours: Vec<String> = (0..eu_texts.len())
        .map(|i| {
            issuer
                .issue(&full_status(&issuer, i), now())
                .unwrap()
                .qr_text()
        })
        .collect();
    for t in &ours {
        assert!(
            policy
                .evaluate(&verifier.verify(t, now()).unwrap(), now())
                .admitted()
        );
    }

    let mut group = c.benchmark_group("text_to_verified");
    // An iteration verifies 40 tokens (milliseconds).
    group.sample_size(30);
    group.throughput(Throughput::Elements(ours.len() as u64));
    group.bench_function("qrseal_text_to_decision", |b| {
        b.iter(|| {
            ours.iter()
                .filter(|t| {
                    verifier
                        .verify(black_box(t), black_box(now()))
                        .is_ok_and(|claims| policy.evaluate(&claims, now()).admitted())
                })
                .count()
        })
    });
    group.bench_function("dgc_validate", |b| {
        b.iter(|| {
            eu_texts
                .iter()
                .filter(|t| {
                    dgc::validate(black_box(t), &trust_list).is_ok_and(|(_, v)| v.is_valid())
                })
                .count()
        })
    });
    group.throughput(Throughput::Elements(es256_texts.len() as u64));
    group.bench_function("dgc_validate_es256", |b| {
        b.iter(|| {
            es256_texts
                .iter()
                .filter(|t| {
                    dgc::validate(black_box(t), &trust_list).is_ok_and(|(_, v)| v.is_valid())
                })
                .count()
        })
    });
    group.throughput(Throughput::Elements(eu_texts.len() as u64));
    group.bench_function("dgc_decode_only", |b| {
        b.iter(|| {
            eu_texts
                .iter()
                .filter(|t| dgc::decode_cwt(black_box(t)).is_ok())
                .count()
        })
    });
    group.finish();
}

criterion_group!(benches, bench_text_to_verified);
criterion_main!(benches);
