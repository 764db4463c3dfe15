//! Revocation publishing through the public API: numbering, merging (the later time wins),
//! checking the list built on, and completing an interrupted publication, with every list
//! checked by the verifier.

use qrseal_core::lists::{ListInfo, Revocation, RevocationList, Window};
use qrseal_core::{SubjectId, Timestamp};
use qrseal_issuer::publish::{new_key_entry, retire_key, sign_trust_list};
use qrseal_issuer::revocation::RevocationPublisher;
use qrseal_issuer::{Error, IssuerKey};
use qrseal_verifier::{TrustStore, TrustedKey};

const H: u64 = 3600;

fn t(secs: u64) -> Timestamp {
    Timestamp::from_unix(1_795_248_000 + secs)
}

fn revoke(n: u8, before: Timestamp) -> Revocation {
    Revocation {
        subject: SubjectId([n; 12]),
        issued_before: before,
    }
}

fn store_trusting(keys: &[&IssuerKey]) -> TrustStore {
    let root = qrseal_issuer::RootKey::from_secret_bytes([0xA0; 32]);
    let entries: Vec<_> = keys
        .iter()
        .map(|k| new_key_entry(k.public_key(), t(0)))
        .collect();
    let info = ListInfo {
        sequence: 1,
        issued_at: t(0),
        next_update_by: t(100 * H),
    };
    let list = sign_trust_list(&root, &info, &entries).unwrap();
    let mut store = TrustStore::new(TrustedKey::from_bytes(&root.public_key()).unwrap());
    store.load_trust_list(&list, t(0)).unwrap();
    store
}

#[test]
fn a_second_revocation_of_a_holder_wins_in_the_full_list_and_the_delta() {
    let key = IssuerKey::from_secret_bytes([1; 32]);
    let publisher = RevocationPublisher::new(&key);
    // T1 = 255 s after the base time's low byte wraps, T2 = 1 s later: the times differ in
    // their first little-endian byte the "wrong" way round.
    let t1 = Timestamp::from_unix(1_795_248_255);
    let t2 = Timestamp::from_unix(1_795_248_256);
    let first = publisher.publish(None, &[revoke(1, t1)], t(H), H).unwrap();
    let second = publisher
        .publish(Some(&first.full), &[revoke(1, t2)], t(2 * H), H)
        .unwrap();
    let full = RevocationList::parse(&second.full).unwrap();
    assert_eq!(full.info.sequence, 2);
    assert_eq!(full.entries().collect::<Vec<_>>(), vec![revoke(1, t2)]);
    assert_eq!(second.added, vec![revoke(1, t2)]);
    // A scanner on the full list and one on the delta agree.
    for lists in [
        vec![&second.full],
        vec![&first.full, second.delta.as_ref().unwrap()],
    ] {
        let mut store = store_trusting(&[&key]);
        for l in lists {
            store.load_revocations(l, t(3 * H)).unwrap();
        }
        assert_eq!(store.revoked_before(&SubjectId([1; 12])), Some(t2));
    }
    // Queuing an earlier time again changes nothing: the delta is empty.
    let third = publisher
        .publish(Some(&second.full), &[revoke(1, t1)], t(3 * H), H)
        .unwrap();
    assert!(third.added.is_empty());
    assert_eq!(
        RevocationList::parse(&third.full).unwrap().state,
        full.state
    );
}

#[test]
fn the_list_built_on_must_be_signed_by_a_key_the_publisher_accepts() {
    let (old, new, stranger) = (
        IssuerKey::from_secret_bytes([1; 32]),
        IssuerKey::from_secret_bytes([2; 32]),
        IssuerKey::from_secret_bytes([3; 32]),
    );
    let by_old = RevocationPublisher::new(&old)
        .publish(None, &[revoke(1, t(H))], t(H), H)
        .unwrap();
    // The new key alone does not sign over a list it cannot check.
    assert!(matches!(
        RevocationPublisher::new(&new).publish(Some(&by_old.full), &[], t(2 * H), H),
        Err(Error::BaseListRefused(_))
    ));
    // Told the old key's trust-list entry (after a rotation), it builds on it.
    let retired = retire_key(&new_key_entry(old.public_key(), t(0)), t(2 * H)).unwrap();
    let publisher = RevocationPublisher::new(&new).with_base_signer(retired);
    let next = publisher
        .publish(Some(&by_old.full), &[], t(3 * H), H)
        .unwrap();
    assert_eq!(next.info.sequence, 2);
    // A list the old key signed after its signing window closed is not accepted.
    let late = RevocationPublisher::new(&old)
        .publish(None, &[], t(5 * H), H)
        .unwrap();
    assert!(matches!(
        publisher.publish(Some(&late.full), &[], t(6 * H), H),
        Err(Error::BaseListRefused(_))
    ));
    // Nor is a stranger's list, or a forged one, or a clock before the base.
    let by_stranger = RevocationPublisher::new(&stranger)
        .publish(None, &[], t(H), H)
        .unwrap();
    assert!(
        publisher
            .publish(Some(&by_stranger.full), &[], t(3 * H), H)
            .is_err()
    );
    let mut forged = next.full.clone();
    let n = forged.len();
    forged[n - 40] ^= 1;
    assert!(matches!(
        publisher.publish(Some(&forged), &[], t(4 * H), H),
        Err(Error::BaseListRefused(_))
    ));
    assert!(matches!(
        publisher.publish(Some(&next.full), &[], t(2 * H), H),
        Err(Error::ClockBeforeBase { .. })
    ));
    assert_eq!(
        retired.signing,
        Window {
            from: t(0),
            until: t(2 * H)
        }
    );
}

#[test]
fn an_interrupted_publication_is_completed_byte_for_byte() {
    let key = IssuerKey::from_secret_bytes([1; 32]);
    let publisher = RevocationPublisher::new(&key);
    let first = publisher
        .publish(None, &[revoke(1, t(H)), revoke(2, t(H))], t(H), H)
        .unwrap();
    let second = publisher
        .publish(
            Some(&first.full),
            &[revoke(3, t(2 * H)), revoke(1, t(2 * H))],
            t(2 * H),
            H,
        )
        .unwrap();
    let delta = second.delta.clone().unwrap();
    let completed = publisher.complete(&first.full, &delta).unwrap();
    assert_eq!(completed, second);
    // A delta that does not apply to the full list given is refused.
    let other = publisher
        .publish(Some(&first.full), &[revoke(4, t(2 * H))], t(2 * H), H)
        .unwrap();
    assert!(matches!(
        publisher.complete(&second.full, other.delta.as_ref().unwrap()),
        Err(Error::InconsistentRevocations(_))
    ));
    // A scanner that took the first branch's delta refuses the other branch's next delta.
    let third_other = publisher
        .publish(Some(&other.full), &[], t(3 * H), H)
        .unwrap();
    let mut store = store_trusting(&[&key]);
    store.load_revocations(&first.full, t(3 * H)).unwrap();
    store.load_revocations(&delta, t(3 * H)).unwrap();
    assert_eq!(
        store.load_revocations(third_other.delta.as_ref().unwrap(), t(3 * H)),
        Err(qrseal_verifier::Error::DeltaWrongBase { got: 3 })
    );
}
