//! The C API's cost over the Rust API, in one criterion group so the ratio comes from one
//! run: `rust` is [`Verifier::verify`] + [`Policy::evaluate`] on a QR text, `c` is
//! `qrseal_scanner_verify_text` on the same text with the default policy (the same work plus
//! the panic boundary, the pointer checks and filling `qrseal_verdict`). Target: c/rust at
//! most 1.05. After the criterion group the bench prints the ratio measured in alternating
//! blocks (`ffi_verify interleaved`), which a busy machine does not skew.
//!
//! Run: `cargo bench -p qrseal-ffi --bench ffi`. BENCHMARKS.md has the figures.
#![allow(
    unsafe_code,
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "benchmark set-up calls the C ABI; a failure is a bug to see at once"
)]

use std::hint::black_box;
use std::mem::MaybeUninit;
use std::time::Instant;

use criterion::{Criterion, criterion_group, criterion_main};
use qrseal_core::{Colour, Timestamp};
use qrseal_ffi::{
    qrseal_code, qrseal_policy_free, qrseal_policy_new, qrseal_scanner_free,
    qrseal_scanner_new_keys, qrseal_scanner_verify_text, qrseal_verdict,
};
use qrseal_issuer::{Issuer, IssuerKey, Status, SubjectSecret};
use qrseal_verifier::{Policy, TrustedKey, Verifier};

/// 2026-11-21T08:00:00Z.
const NOW: u64 = 1_795_248_000;
/// Interleaved measurement: rounds, and verifies of each kind a round.
const ROUNDS: usize = 101;
const BLOCK: usize = 200;

fn bench(c: &mut Criterion) {
    let issuer = Issuer::new(
        IssuerKey::from_secret_bytes([1; 32]),
        SubjectSecret::from_bytes([2; 32]),
    );
    let now = Timestamp::from_unix(NOW);
    let subject = issuer.subject("110101199003078888").unwrap();
    let text = issuer
        .issue(&Status::new(subject, Colour::Green), now)
        .unwrap()
        .qr_text();
    let public = issuer.key().public_key();
    let verifier = Verifier::new([TrustedKey::from_bytes(&public).unwrap()]);
    let policy = Policy::default();

    let mut scanner = std::ptr::null_mut();
    let mut c_policy = std::ptr::null_mut();
    // SAFETY: valid pointers and lengths; the handles are freed below.
    unsafe {
        assert_eq!(
            qrseal_scanner_new_keys(public.as_ptr(), public.len(), &mut scanner),
            qrseal_code::QRSEAL_OK
        );
        assert_eq!(qrseal_policy_new(&mut c_policy), qrseal_code::QRSEAL_OK);
    }

    let mut group = c.benchmark_group("ffi_verify");
    group.bench_function("rust", |b| {
        b.iter(|| {
            let verified = verifier.verify(black_box(&text), black_box(now)).unwrap();
            black_box(policy.evaluate(&verified, now))
        })
    });
    group.bench_function("c", |b| {
        let mut verdict = MaybeUninit::<qrseal_verdict>::uninit();
        b.iter(|| {
            let text = black_box(text.as_bytes());
            // SAFETY: live handles, a valid text slice and a writable verdict.
            let rc = unsafe {
                qrseal_scanner_verify_text(
                    scanner,
                    c_policy,
                    text.as_ptr(),
                    text.len(),
                    black_box(NOW),
                    verdict.as_mut_ptr(),
                )
            };
            assert_eq!(rc, qrseal_code::QRSEAL_OK);
            black_box(&verdict);
        })
    });
    group.finish();

    // The same two calls in alternating blocks, so that load from other processes falls on
    // both alike: the median of the per-round ratios (criterion measures one function after
    // the other, so a busy machine skews its two figures apart).
    let mut verdict = MaybeUninit::<qrseal_verdict>::uninit();
    let mut ratios = Vec::new();
    for _ in 0..ROUNDS {
        let start = Instant::now();
        for _ in 0..BLOCK {
            let verified = verifier.verify(black_box(&text), black_box(now)).unwrap();
            black_box(policy.evaluate(&verified, now));
        }
        let rust = start.elapsed();
        let start = Instant::now();
        for _ in 0..BLOCK {
            let t = black_box(text.as_bytes());
            // SAFETY: as above.
            let rc = unsafe {
                qrseal_scanner_verify_text(
                    scanner,
                    c_policy,
                    t.as_ptr(),
                    t.len(),
                    black_box(NOW),
                    verdict.as_mut_ptr(),
                )
            };
            assert_eq!(rc, qrseal_code::QRSEAL_OK);
            black_box(&verdict);
        }
        ratios.push(start.elapsed().as_secs_f64() / rust.as_secs_f64());
    }
    ratios.sort_by(f64::total_cmp);
    println!(
        "ffi_verify interleaved: c/rust = {:.3} (median of {ROUNDS} rounds of {BLOCK} each; quartiles {:.3}..{:.3})",
        ratios[ROUNDS / 2],
        ratios[ROUNDS / 4],
        ratios[3 * ROUNDS / 4]
    );

    // SAFETY: made above, freed once.
    unsafe {
        qrseal_scanner_free(scanner);
        qrseal_policy_free(c_policy);
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
