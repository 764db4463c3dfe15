//! The settled public API: one trust store shared by scanner threads, verdicts that carry the
//! state of the trust data, and one policy entry point that sees it.

use std::time::Duration;

use qrseal_core::lists::ListInfo;
use qrseal_core::{Colour, Timestamp};
use qrseal_issuer::publish::{new_key_entry, sign_full_revocations, sign_trust_list};
use qrseal_issuer::{Issuer, IssuerKey, RootKey, Status, SubjectSecret};
use qrseal_verifier::{Denial, Policy, TrustStore, TrustedKey, Verifier};

const H: u64 = 3600;

fn t(secs: u64) -> Timestamp {
    // 2026-11-21T00:00:00Z plus secs.
    Timestamp::from_unix(1_795_219_200 + secs)
}

fn root() -> RootKey {
    RootKey::from_secret_bytes([0xA0; 32])
}

fn issuer() -> Issuer {
    Issuer::new(
        IssuerKey::from_secret_bytes([1; 32]),
        SubjectSecret::from_bytes([0x55; 32]),
    )
}

fn info(sequence: u64) -> ListInfo {
    ListInfo {
        sequence,
        issued_at: t(0),
        next_update_by: t(7 * 24 * H),
    }
}

/// A store pinning the root, holding a trust list that names the issuer; with an empty full
/// revocation list when `revocations`.
fn store(revocations: bool) -> TrustStore {
    let iss = issuer();
    let entry = new_key_entry(iss.key().public_key(), t(0));
    let list = sign_trust_list(&root(), &info(1), &[entry]).unwrap();
    let mut store = TrustStore::new(TrustedKey::from_bytes(&root().public_key()).unwrap());
    store.load_trust_list(&list, t(0)).unwrap();
    if revocations {
        let rev = sign_full_revocations(iss.key(), &info(1), &[]).unwrap();
        store.load_revocations(&rev, t(0)).unwrap();
    }
    store
}

fn token(n: u64, at: Timestamp) -> String {
    let iss = issuer();
    let subject = iss.subject(&format!("11010119900307{n:04}")).unwrap();
    iss.issue(&Status::new(subject, Colour::Green), at)
        .unwrap()
        .qr_text()
}

#[test]
fn one_store_serves_several_threads() {
    fn shareable<T: Send + Sync>() {}
    shareable::<TrustStore>();
    let store = store(true);
    let now = t(10 * H);
    // Four threads, each verifying 25 tokens issued at distinct times; the clock floor ends
    // at the latest issue time whichever thread raised it.
    let tokens: Vec<Vec<(String, Timestamp)>> = (0..4)
        .map(|thread| {
            (0..25)
                .map(|i| {
                    let at = t(H + thread * 100 + i);
                    (token(thread * 100 + i, at), at)
                })
                .collect()
        })
        .collect();
    std::thread::scope(|scope| {
        for batch in &tokens {
            let store = &store;
            scope.spawn(move || {
                for (text, at) in batch {
                    let verified = store.verify(text, now).unwrap();
                    assert_eq!(verified.claims.issued_at, *at);
                }
                let texts: Vec<&str> = batch.iter().map(|(s, _)| s.as_str()).collect();
                assert!(store.verify_batch(&texts, now).iter().all(Result::is_ok));
            });
        }
    });
    assert_eq!(store.checkpoint().clock_floor, t(H + 324));
    // The floor raised through `&self` guards the clock like one raised by a list.
    let skew = Verifier::DEFAULT_CLOCK_SKEW.as_secs();
    let behind = t(H + 324 - skew - 1);
    assert_eq!(
        store.verify(&tokens[0][0].0, behind).unwrap_err().code(),
        "clock_behind"
    );
    // A clone carries the floor.
    assert_eq!(store.clone().checkpoint(), store.checkpoint());
}

#[test]
fn a_verdict_says_whether_revocation_data_was_checked() {
    let now = t(2 * H);
    let text = token(1, t(H));
    let require = Policy::default().require_revocations(true);

    // Trust list but no revocation list: a revoked token would verify. The verdict says so,
    // and a policy that requires revocation data denies.
    let without = store(false).verify(&text, now).unwrap();
    assert_eq!(without.revocations, None);
    assert!(Policy::default().evaluate(&without, now).admitted());
    let d = require.evaluate(&without, now);
    assert_eq!(
        d.denials().collect::<Vec<_>>(),
        vec![Denial::NoRevocationData]
    );
    assert_eq!(Denial::NoRevocationData.code(), "no_revocation_data");

    // With one, the verdict names it and the policy admits.
    let with = store(true).verify(&text, now).unwrap();
    assert_eq!(with.revocations, Some(info(1)));
    assert!(require.evaluate(&with, now).admitted());

    // A plain verifier checks no revocation data either.
    let plain = Verifier::new([TrustedKey::from_bytes(&issuer().key().public_key()).unwrap()]);
    let v = plain.verify(&text, now).unwrap();
    assert!(!require.evaluate(&v, now).admitted());
}

#[test]
fn durations_are_typed_and_shown_in_hours() {
    let store = store(true).with_clock_skew(Duration::ZERO);
    let text = token(1, t(H));
    let expires = store.verify(&text, t(H)).unwrap().claims.expires_at;
    let late = expires.saturating_add(229 * H + 3 * 60 + 7);
    let e = store.verify(&text, late).unwrap_err();
    assert_eq!(e.to_string(), "token expired 229h03m ago");
    let early = Verifier::new([TrustedKey::from_bytes(&issuer().key().public_key()).unwrap()])
        .with_clock_skew(Duration::ZERO)
        .verify(&text, t(H - 42))
        .unwrap_err();
    assert_eq!(early.to_string(), "token is not valid for another 42s");
}
