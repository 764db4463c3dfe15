//! The single-verify hot path does not touch the heap: a counting global allocator watches
//! `Verifier::verify` and `Policy::evaluate` for valid and rejected tokens.
//!
//! The library crates forbid `unsafe`; a global allocator cannot be written without it, and
//! this one only forwards to the system allocator.
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering};

use qrseal_core::{Colour, Timestamp};
use qrseal_issuer::{Issuer, IssuerKey, RootKey, Status, SubjectSecret};
use qrseal_verifier::{Policy, TrustedKey, Verifier};

struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    // Only allocations made by the thread under test count: the test harness's own threads
    // may allocate at any time. Const-initialised, so reading it never allocates.
    static WATCHED: Cell<bool> = const { Cell::new(false) };
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if WATCHED.try_with(Cell::get).unwrap_or(false) {
            ALLOCATIONS.fetch_add(1, Ordering::SeqCst);
        }
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

#[test]
fn verify_and_policy_do_not_allocate() {
    let now = Timestamp::from_unix(1_795_248_000);
    let issuer = Issuer::new(
        IssuerKey::from_secret_bytes([1; 32]),
        SubjectSecret::from_bytes([2; 32]),
    );
    let token = issuer
        .issue(
            &Status::new(issuer.subject("X1").unwrap(), Colour::Green),
            now,
        )
        .unwrap();
    let qr = token.qr_text();
    let url = token.url_text();
    let mut forged = qr.clone().into_bytes();
    let last = forged.len() - 1;
    forged[last] = if forged[last] == b'0' { b'1' } else { b'0' };
    let forged = String::from_utf8(forged).unwrap();
    let verifier = Verifier::new([TrustedKey::from_bytes(&issuer.key().public_key()).unwrap()]);
    let policy = Policy::default();

    // One call first: the test harness and the CPU-feature detection of curve25519-dalek
    // may allocate once per process.
    assert!(verifier.verify(&qr, now).is_ok());
    WATCHED.with(|w| w.set(true));
    let before = ALLOCATIONS.load(Ordering::SeqCst);
    let mut admitted = 0;
    for _ in 0..10 {
        for t in [&qr, &url] {
            let claims = verifier.verify(t, now).unwrap();
            admitted += usize::from(policy.evaluate(&claims, now).admitted());
        }
        assert!(verifier.verify(&forged, now).is_err());
        assert!(verifier.verify("QS:", now).is_err());
        assert!(verifier.verify(&qr, Timestamp::from_unix(0)).is_err());
    }
    let after = ALLOCATIONS.load(Ordering::SeqCst);
    WATCHED.with(|w| w.set(false));
    assert_eq!(admitted, 20);
    assert_eq!(
        after - before,
        0,
        "verify allocated {} times",
        after - before
    );
}

#[test]
fn trust_store_verify_and_revocation_lookup_do_not_allocate() {
    use qrseal_core::lists::{ListInfo, Revocation};
    use qrseal_issuer::publish::{new_key_entry, sign_full_revocations, sign_trust_list};
    use qrseal_verifier::TrustStore;

    let now = Timestamp::from_unix(1_795_248_000);
    let root = RootKey::from_secret_bytes([9; 32]);
    let issuer = Issuer::new(
        IssuerKey::from_secret_bytes([1; 32]),
        SubjectSecret::from_bytes([2; 32]),
    );
    let info = ListInfo {
        sequence: 1,
        issued_at: now.saturating_sub(3600),
        next_update_by: now.saturating_add(3600),
    };
    let list = sign_trust_list(
        &root,
        &info,
        &[new_key_entry(
            issuer.key().public_key(),
            Timestamp::from_unix(0),
        )],
    )
    .unwrap();
    let revoked = issuer.subject("R1").unwrap();
    let entries: Vec<Revocation> = (0..1000u32)
        .map(|i| Revocation {
            subject: qrseal_core::SubjectId({
                let mut s = [0u8; 12];
                s[..4].copy_from_slice(&i.wrapping_mul(2_654_435_761).to_be_bytes());
                s
            }),
            issued_before: now,
        })
        .chain([Revocation {
            subject: revoked,
            issued_before: now,
        }])
        .collect();
    let revocations = sign_full_revocations(issuer.key(), &info, &entries).unwrap();
    let mut store = TrustStore::new(TrustedKey::from_bytes(&root.public_key()).unwrap());
    store.load_trust_list(&list, now).unwrap();
    store.load_revocations(&revocations, now).unwrap();
    let ok = issuer
        .issue(
            &Status::new(issuer.subject("X1").unwrap(), Colour::Green),
            now,
        )
        .unwrap()
        .qr_text();
    let bad = issuer
        .issue(&Status::new(revoked, Colour::Green), now.saturating_sub(60))
        .unwrap()
        .qr_text();
    let policy = Policy::default();
    assert!(store.verify(&ok, now).is_ok());

    WATCHED.with(|w| w.set(true));
    let before = ALLOCATIONS.load(Ordering::SeqCst);
    let mut admitted = 0;
    for _ in 0..10 {
        let v = store.verify(&ok, now).unwrap();
        admitted += usize::from(policy.evaluate(&v, now).admitted());
        assert!(store.verify(&bad, now).is_err());
        assert!(store.verify(&ok, Timestamp::from_unix(0)).is_err());
        assert!(store.revoked_before(&revoked).is_some());
    }
    let after = ALLOCATIONS.load(Ordering::SeqCst);
    WATCHED.with(|w| w.set(false));
    assert_eq!(admitted, 10);
    assert_eq!(
        after - before,
        0,
        "store verify allocated {} times",
        after - before
    );
}
