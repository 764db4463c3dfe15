//! Trust-data benchmarks (issue 3): a [`TrustStore`] holding one million revocations.
//!
//! The budgets: one million entries cost at most 20 bytes each on the wire and in memory,
//! load in under 200 ms, look up in under 1 µs; a 10,000-entry delta applies in under 10 ms.
//! The sizes are printed when the bench starts (they are not timings); the groups are:
//!
//! - `trust_load`: [`TrustStore::load_trust_list`] of a four-key trust list;
//!   [`TrustStore::load_revocations`] of the signed one-million-entry full list into a store
//!   holding only the trust list (parse with the sorted-order check, Ed25519 over the 16 MB
//!   message, copy into the set, prefix index); applying a signed 10,000-entry delta to the
//!   one-million-entry store (the store is cloned outside the timed part). Beside them, the
//!   parts of a full load on their own: `RevocationList::parse`, bare SHA-512 over the
//!   signed message (the bulk of an Ed25519 check on 16 MB) and the copy of the entries.
//! - `trust_lookup`: [`TrustStore::revoked_before`] for subjects in the set (`hit`) and not
//!   in it (`miss`), cycling through 4096 random subjects so that the lookups are not all
//!   served from one cache line.
//! - `trust_verify`: [`TrustStore::verify`] of a full-size token against the store with one
//!   million revocations, beside the same store without revocations and the bare
//!   [`qrseal_verifier::Verifier::verify`] of its trust list.
//!
//! Run: `cargo bench -p qrseal-verifier --bench trust`. BENCHMARKS.md has the figures.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "benchmark set-up: a failure is a bug to see at once"
)]

use std::hint::black_box;
use std::sync::OnceLock;
use std::time::Duration;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use qrseal_core::lists::{
    KeyEntry, ListInfo, REVOCATION_ENTRY_LEN, REVOCATION_LIST_DOMAIN, Revocation, RevocationList,
    RevocationStateId,
};
use qrseal_core::{
    Colour, Date, DisplayHint, SubjectId, TestRecord, TestResult, Timestamp, Vaccination,
};
use qrseal_issuer::publish::{
    new_key_entry, sign_full_revocations, sign_revocation_delta, sign_trust_list,
};
use qrseal_issuer::{Issuer, IssuerKey, RootKey, Status, SubjectSecret};
use qrseal_verifier::{TrustStore, TrustedKey, Verifier};
use sha2::{Digest, Sha512};

/// 2026-11-21T08:00:00Z.
const NOW: u64 = 1_795_248_000;
const HOUR: u64 = 3600;
const DAY: u64 = 24 * HOUR;
/// Entries in the full revocation list.
const ENTRIES: usize = 1_000_000;
/// Entries in the delta applied to it.
const DELTA_ENTRIES: usize = 10_000;
/// Subjects the lookup benches cycle through.
const PROBES: usize = 4096;

/// SplitMix64: a small deterministic generator, so every run builds the same lists.
struct Rng(u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn subject(&mut self) -> SubjectId {
        let mut s = [0u8; 12];
        s[..8].copy_from_slice(&self.next_u64().to_le_bytes());
        s[8..].copy_from_slice(&self.next_u64().to_le_bytes()[..4]);
        SubjectId(s)
    }

    /// A revocation of a random subject, for tokens issued before a time in the last year.
    fn revocation(&mut self) -> Revocation {
        let subject = self.subject();
        let back = self.next_u64() % (365 * DAY);
        Revocation {
            subject,
            issued_before: Timestamp::from_unix(NOW - back),
        }
    }
}

fn now() -> Timestamp {
    Timestamp::from_unix(NOW)
}

fn info(sequence: u64) -> ListInfo {
    ListInfo {
        sequence,
        issued_at: now().saturating_sub(2 * HOUR),
        next_update_by: now().saturating_add(7 * DAY),
    }
}

struct Fixture {
    trust_list: Vec<u8>,
    full: Vec<u8>,
    delta: Vec<u8>,
    /// Holds nothing: no trust list.
    empty: TrustStore,
    /// Holds the trust list, no revocations.
    trusted: TrustStore,
    /// Holds the trust list and the full list.
    loaded: TrustStore,
    /// A plain verifier of the trust list's keys, with their windows.
    verifier: Verifier,
    token: String,
    hits: Vec<SubjectId>,
    misses: Vec<SubjectId>,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(build)
}

fn build() -> Fixture {
    let root = RootKey::from_secret_bytes([7; 32]);
    let issuer = Issuer::new(
        IssuerKey::from_secret_bytes([1; 32]),
        SubjectSecret::from_bytes([2; 32]),
    );
    let since = now().saturating_sub(365 * DAY);
    // The issuer's key and three others (rotation overlap, neighbouring issuers).
    let keys: Vec<KeyEntry> = [[1u8; 32], [11; 32], [12; 32], [13; 32]]
        .into_iter()
        .map(|seed| new_key_entry(IssuerKey::from_secret_bytes(seed).public_key(), since))
        .collect();
    let trust_list = sign_trust_list(&root, &info(1), &keys).unwrap();

    let mut rng = Rng(20_261_121);
    let entries: Vec<Revocation> = (0..ENTRIES).map(|_| rng.revocation()).collect();
    let full = sign_full_revocations(issuer.key(), &info(1), &entries).unwrap();
    let delta_entries: Vec<Revocation> = (0..DELTA_ENTRIES).map(|_| rng.revocation()).collect();
    let base_state = RevocationList::parse(&full).unwrap().state;
    let merged = [&entries[..], &delta_entries[..]].concat();
    let merged_state =
        RevocationStateId::of_entries(&qrseal_core::lists::canonical_revocations(&merged).unwrap());
    let delta = sign_revocation_delta(
        issuer.key(),
        &info(2),
        &delta_entries,
        base_state,
        merged_state,
    )
    .unwrap();
    let hits = entries[..PROBES].iter().map(|e| e.subject).collect();
    let misses = (0..PROBES).map(|_| rng.subject()).collect();

    let empty = TrustStore::new(TrustedKey::from_bytes(&root.public_key()).unwrap());
    let mut trusted = empty.clone();
    trusted.load_trust_list(&trust_list, now()).unwrap();
    let mut loaded = trusted.clone();
    loaded.load_revocations(&full, now()).unwrap();
    assert_eq!(loaded.revoked_count(), ENTRIES);

    // A full-size token (every field, a 16-byte display hint) for a subject not revoked.
    let status = Status {
        subject: issuer.subject("110101199003078888").unwrap(),
        colour: Colour::Green,
        test: Some(TestRecord {
            result: TestResult::Negative,
            collected_at: now().saturating_sub(20 * HOUR),
        }),
        vaccination: Some(Vaccination {
            doses: 3,
            last_dose: Date::from_ymd(2026, 5, 1).unwrap(),
        }),
        display_hint: Some(DisplayHint::new("张*明 ****1234").unwrap()),
    };
    let token = issuer
        .issue(&status, now().saturating_sub(HOUR))
        .unwrap()
        .qr_text();
    assert!(loaded.clone().verify(&token, now()).is_ok());
    assert!(trusted.clone().verify(&token, now()).is_ok());

    let verifier = Verifier::new(keys.iter().map(|e| TrustedKey::from_entry(e).unwrap()));
    let fixture = Fixture {
        verifier,
        trust_list,
        full,
        delta,
        empty,
        trusted,
        loaded,
        token,
        hits,
        misses,
    };
    report_sizes(&fixture);
    fixture
}

/// The size figures of the budget (bytes an entry on the wire and on the heap).
fn report_sizes(f: &Fixture) {
    let n = ENTRIES as f64;
    let heap = f.loaded.revocation_heap_bytes();
    let entries = ENTRIES * REVOCATION_ENTRY_LEN;
    println!("trust data, {ENTRIES} revocations (budget: at most 20 bytes an entry):");
    println!(
        "  wire: full list {} bytes = {:.4} bytes an entry (16 an entry, 38-byte header, 64-byte signature)",
        f.full.len(),
        f.full.len() as f64 / n
    );
    println!(
        "  heap: revocation set {heap} bytes = {:.4} bytes an entry ({entries} in the Vec of 16-byte entries, {} in the prefix index)",
        heap as f64 / n,
        heap - entries
    );
    println!(
        "  delta: {} entries, {} bytes on the wire; trust list: 4 keys, {} bytes",
        DELTA_ENTRIES,
        f.delta.len(),
        f.trust_list.len()
    );
}

fn load(c: &mut Criterion) {
    let f = fixture();
    let mut g = c.benchmark_group("trust_load");
    g.sample_size(20).measurement_time(Duration::from_secs(4));
    g.bench_function("load_trust_list_4_keys", |b| {
        b.iter_batched(
            || f.empty.clone(),
            |mut s| {
                s.load_trust_list(black_box(&f.trust_list), now()).unwrap();
                s
            },
            BatchSize::SmallInput,
        );
    });
    g.bench_function("load_revocations_full_1m", |b| {
        b.iter_batched(
            || f.trusted.clone(),
            |mut s| {
                s.load_revocations(black_box(&f.full), now()).unwrap();
                s
            },
            BatchSize::PerIteration,
        );
    });
    g.bench_function("apply_delta_10k_to_1m", |b| {
        b.iter_batched(
            || f.loaded.clone(),
            |mut s| {
                s.load_revocations(black_box(&f.delta), now()).unwrap();
                s
            },
            BatchSize::PerIteration,
        );
    });
    // The parts of a full load, each on its own.
    g.bench_function("part_parse_1m", |b| {
        b.iter(|| RevocationList::parse(black_box(&f.full)).unwrap().len());
    });
    let body = &f.full[..f.full.len() - 64];
    g.bench_function("part_sha512_16mb", |b| {
        b.iter(|| {
            let mut h = Sha512::new();
            h.update(REVOCATION_LIST_DOMAIN);
            h.update(black_box(body));
            h.finalize()
        });
    });
    let list = RevocationList::parse(&f.full).unwrap();
    g.bench_function("part_copy_entries_1m", |b| {
        b.iter_batched(
            || (),
            |()| black_box(list.raw_entries()).to_vec(),
            BatchSize::PerIteration,
        );
    });
    g.finish();
}

fn lookup(c: &mut Criterion) {
    let f = fixture();
    let mut g = c.benchmark_group("trust_lookup");
    g.measurement_time(Duration::from_secs(3));
    for (name, probes, hit) in [("hit", &f.hits, true), ("miss", &f.misses, false)] {
        assert!(
            probes
                .iter()
                .all(|s| f.loaded.revoked_before(s).is_some() == hit)
        );
        g.bench_function(name, |b| {
            let mut i = 0;
            b.iter(|| {
                i = (i + 1) % PROBES;
                f.loaded.revoked_before(black_box(&probes[i]))
            });
        });
    }
    g.finish();
}

fn verify(c: &mut Criterion) {
    let f = fixture();
    let mut g = c.benchmark_group("trust_verify");
    g.measurement_time(Duration::from_secs(4));
    let text = f.token.as_str();
    g.bench_function("verifier_only", |b| {
        let v = &f.verifier;
        b.iter(|| v.verify(black_box(text), now()).unwrap());
    });
    g.bench_function("store_no_revocations", |b| {
        let s = f.trusted.clone();
        b.iter(|| s.verify(black_box(text), now()).unwrap());
    });
    g.bench_function("store_1m_revocations", |b| {
        let s = f.loaded.clone();
        b.iter(|| s.verify(black_box(text), now()).unwrap());
    });
    g.finish();
}

criterion_group!(benches, load, lookup, verify);
criterion_main!(benches);
