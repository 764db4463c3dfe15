//! Issuing benchmarks, each beside its baseline in one criterion group so that the ratio
//! comes from one run (absolute times drift from machine to machine and run to run):
//!
//! - `issue`: [`Issuer::issue`] of a full-size status (test, vaccination, 16-byte display
//!   hint) against bare `ed25519_dalek::SigningKey::sign` of a message of the same length.
//! - `issue_batch`: [`Issuer::issue_batch`] of 4096 statuses (every core, via rayon) against
//!   the same 4096 issued one by one on one thread; throughput is in tokens.
//! - `subject`: [`Issuer::subject`] (keyed HMAC-SHA256 of an ID number) against bare
//!   HMAC-SHA256 over the same bytes.
//!
//! Run: `cargo bench -p qrseal-issuer --bench issue`. BENCHMARKS.md has the figures.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "benchmark set-up: a failure is a bug to see at once"
)]

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use ed25519_dalek::{Signer, SigningKey};
use hmac::{KeyInit, Mac};
use qrseal_core::wire::{SIGNATURE_LEN, SIGNING_DOMAIN};
use qrseal_core::{Colour, Date, DisplayHint, TestRecord, TestResult, Timestamp, Vaccination};
use qrseal_issuer::{Issuer, IssuerKey, Status, SubjectSecret};

/// 2026-11-21T08:00:00Z.
const NOW: u64 = 1_795_248_000;
const KEY_SEED: [u8; 32] = [1; 32];
const SUBJECT_SECRET: [u8; 32] = [2; 32];
/// Tokens in one `issue_batch` call: a large enough batch that rayon's start-up is noise.
const BATCH: usize = 4096;

fn now() -> Timestamp {
    Timestamp::from_unix(NOW)
}

fn issuer() -> Issuer {
    Issuer::new(
        IssuerKey::from_secret_bytes(KEY_SEED),
        SubjectSecret::from_bytes(SUBJECT_SECRET),
    )
}

/// An 18-character resident ID number (fictitious) that differs per `i`.
fn id_number(i: usize) -> String {
    format!("110101199003{:05}X", i % 100_000)
}

/// The largest status the design budgets for: every field present, a 16-byte display hint.
fn full_status(issuer: &Issuer, i: usize) -> Status {
    Status {
        subject: issuer.subject(&id_number(i)).unwrap(),
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

fn bench_issue(c: &mut Criterion) {
    let issuer = issuer();
    let status = full_status(&issuer, 0);
    let token = issuer.issue(&status, now()).unwrap();
    // The baseline signs exactly the message `issue` signs: the domain, then the body.
    let body = &token.bytes()[..token.bytes().len() - SIGNATURE_LEN];
    let message = [SIGNING_DOMAIN, body].concat();
    let signing_key = SigningKey::from_bytes(&KEY_SEED);
    assert_eq!(
        signing_key.sign(&message).to_bytes()[..],
        token.bytes()[body.len()..],
        "the baseline must produce the token's own signature"
    );

    let mut group = c.benchmark_group("issue");
    group.throughput(Throughput::Elements(1));
    group.bench_function("ed25519_dalek_sign", |b| {
        b.iter(|| black_box(&signing_key).sign(black_box(&message)))
    });
    group.bench_function("qrseal_issue", |b| {
        b.iter(|| black_box(&issuer).issue(black_box(&status), black_box(now())))
    });
    // What an issuing service hands the phone: the token and its QR text.
    group.bench_function("qrseal_issue_qr_text", |b| {
        b.iter(|| {
            black_box(&issuer)
                .issue(black_box(&status), black_box(now()))
                .map(|t| t.qr_text())
        })
    });
    group.finish();
}

fn bench_issue_batch(c: &mut Criterion) {
    let issuer = issuer();
    let statuses: Vec<Status> = (0..BATCH).map(|i| full_status(&issuer, i)).collect();
    assert!(
        issuer
            .issue_batch(&statuses, now())
            .iter()
            .all(Result::is_ok)
    );

    let mut group = c.benchmark_group("issue_batch");
    // One iteration signs 4096 tokens (tens of milliseconds): ten samples are plenty.
    group.sample_size(10);
    group.throughput(Throughput::Elements(BATCH as u64));
    group.bench_function(BenchmarkId::new("one_by_one", BATCH), |b| {
        b.iter(|| {
            statuses
                .iter()
                .map(|s| issuer.issue(s, black_box(now())))
                .collect::<Vec<_>>()
        })
    });
    group.bench_function(
        BenchmarkId::new(
            format!("issue_batch_{}_threads", rayon::current_num_threads()),
            BATCH,
        ),
        |b| b.iter(|| issuer.issue_batch(black_box(&statuses), black_box(now()))),
    );
    group.finish();
}

fn bench_subject(c: &mut Criterion) {
    let issuer = issuer();
    let id = id_number(7);
    // What `subject_for` hashes: the domain, then the normalised (here unchanged) ID.
    let message = [b"qrseal/v1/subject".as_slice(), id.as_bytes()].concat();
    let keyed = <hmac::Hmac<sha2::Sha256> as KeyInit>::new_from_slice(&SUBJECT_SECRET).unwrap();
    let expected = issuer.subject(&id).unwrap();
    let tag = keyed.clone().chain_update(&message).finalize().into_bytes();
    assert_eq!(
        tag[..expected.0.len()],
        expected.0,
        "the baseline must agree"
    );

    let mut group = c.benchmark_group("subject");
    group.throughput(Throughput::Elements(1));
    // HMAC as `subject_for` runs it: the key schedule (two SHA-256 blocks) on every call.
    group.bench_function("hmac_sha256", |b| {
        b.iter(|| {
            <hmac::Hmac<sha2::Sha256> as KeyInit>::new_from_slice(black_box(&SUBJECT_SECRET))
                .unwrap()
                .chain_update(black_box(&message))
                .finalize()
        })
    });
    // HMAC with the key schedule done once and the keyed state cloned per call.
    group.bench_function("hmac_sha256_prekeyed", |b| {
        b.iter(|| {
            black_box(&keyed)
                .clone()
                .chain_update(black_box(&message))
                .finalize()
        })
    });
    group.bench_function("qrseal_subject", |b| {
        b.iter(|| black_box(&issuer).subject(black_box(&id)))
    });
    group.finish();
}

criterion_group!(benches, bench_issue, bench_issue_batch, bench_subject);
criterion_main!(benches);
