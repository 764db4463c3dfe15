//! The trust store through the public API: trust lists, rotation walked across time,
//! compromise, revocation (full lists and deltas), staleness and the clock guard.

use std::time::Duration;

use qrseal_core::lists::{
    KeyEntry, KeyState, ListInfo, Revocation, RevocationKind, RevocationStateId, TrustList, Window,
    canonical_revocations,
};
use qrseal_core::wire::MAX_VALIDITY_SECS;
use qrseal_core::{Colour, SubjectId, Timestamp};
use qrseal_issuer::publish::{
    new_key_entry, rotate_keys, sign_full_revocations, sign_revocation_delta, sign_trust_list,
};
use qrseal_issuer::{IssuedToken, Issuer, IssuerKey, RootKey, Status, SubjectSecret};
use qrseal_verifier::{
    Checkpoint, Denial, Error, Policy, TrustData, TrustStore, TrustedKey, Verifier,
};

const H: u64 = 3600;
const DAY: u64 = 24 * H;
const SKEW: u64 = Verifier::DEFAULT_CLOCK_SKEW.as_secs();

/// The clock lists are loaded at, unless a test is about that clock: after every list.
const LOAD: Timestamp = Timestamp::from_unix(1_795_219_200 + 400 * DAY);

fn t(secs: u64) -> Timestamp {
    // 2026-11-21T00:00:00Z plus secs.
    Timestamp::from_unix(1_795_219_200 + secs)
}

fn root() -> RootKey {
    RootKey::from_secret_bytes([0xA0; 32])
}

fn issuer(n: u8) -> Issuer {
    Issuer::new(
        IssuerKey::from_secret_bytes([n; 32]),
        SubjectSecret::from_bytes([0x55; 32]),
    )
}

fn info(sequence: u64, issued: Timestamp, valid_for: u64) -> ListInfo {
    ListInfo {
        sequence,
        issued_at: issued,
        next_update_by: issued.saturating_add(valid_for),
    }
}

fn trust_list(sequence: u64, issued: Timestamp, keys: &[KeyEntry]) -> Vec<u8> {
    sign_trust_list(&root(), &info(sequence, issued, 7 * DAY), keys).unwrap()
}

fn store() -> TrustStore {
    TrustStore::new(TrustedKey::from_bytes(&root().public_key()).unwrap())
}

fn token(issuer: &Issuer, id: &str, colour: Colour, at: Timestamp) -> IssuedToken {
    let subject = issuer.subject(id).unwrap();
    issuer.issue(&Status::new(subject, colour), at).unwrap()
}

fn code(r: Result<impl std::fmt::Debug, Error>) -> &'static str {
    match r {
        Ok(_) => "ok",
        Err(e) => e.code().as_str(),
    }
}

/// A full list of `entries` (for a delta, see [`delta_on`]).
fn revocations(
    signer: &Issuer,
    kind: RevocationKind,
    sequence: u64,
    issued: Timestamp,
    entries: &[Revocation],
) -> Vec<u8> {
    assert_eq!(kind, RevocationKind::Full, "deltas: delta_on");
    sign_full_revocations(signer.key(), &info(sequence, issued, DAY), entries).unwrap()
}

fn state_of(entries: &[Revocation]) -> RevocationStateId {
    RevocationStateId::of_entries(&canonical_revocations(entries).unwrap())
}

/// A delta adding `entries` to the set `base`.
fn delta_on(
    signer: &Issuer,
    sequence: u64,
    issued: Timestamp,
    base: &[Revocation],
    entries: &[Revocation],
) -> Vec<u8> {
    let merged = [base, entries].concat();
    let i = info(sequence, issued, DAY);
    sign_revocation_delta(signer.key(), &i, entries, state_of(base), state_of(&merged)).unwrap()
}

fn revoke(issuer: &Issuer, id: &str, before: Timestamp) -> Revocation {
    Revocation {
        subject: issuer.subject(id).unwrap(),
        issued_before: before,
    }
}

#[test]
fn a_rotation_walked_hour_by_hour_never_rejects_an_unexpired_token() {
    let (k1, k2, k3) = (issuer(1), issuer(2), issuer(3));
    let mut keys = vec![new_key_entry(k1.key().public_key(), t(0))];
    let mut store = store();
    store
        .load_trust_list(&trust_list(1, t(0), &keys), LOAD)
        .unwrap();

    // Each rotation is published a day before it takes effect.
    let rotations = [(10 * DAY, &k2), (20 * DAY, &k3)];
    let mut sequence = 1;
    let mut signer = &k1;
    let mut tokens: Vec<IssuedToken> = Vec::new();
    for hour in 0..(40 * 24) {
        let now = t(hour * H);
        for (at, next) in rotations {
            if now.unix() == t(at - DAY).unix() {
                keys = rotate_keys(&keys, next.key().public_key(), t(at)).unwrap();
                sequence += 1;
                store
                    .load_trust_list(&trust_list(sequence, now, &keys), LOAD)
                    .unwrap();
            }
            if now.unix() == t(at).unix() {
                signer = next;
            }
        }
        // The trust list is republished before it goes stale, as a publisher would.
        if hour % (24 * 5) == 0 && hour > 0 {
            sequence += 1;
            store
                .load_trust_list(&trust_list(sequence, now, &keys), LOAD)
                .unwrap();
        }
        tokens.push(token(signer, &format!("ID{hour}"), Colour::Green, now));
        for (i, tok) in tokens.iter().enumerate() {
            let expired = now >= tok.claims().expires_at.saturating_add(SKEW);
            let got = store.verify(&tok.qr_text(), now);
            if expired {
                assert_eq!(code(got), "expired", "token {i} at hour {hour}");
            } else {
                let v = got.unwrap_or_else(|e| panic!("token {i} at hour {hour}: {e}"));
                assert_eq!(v.stale, None);
            }
        }
        // Only unexpired tokens matter from here on.
        tokens.retain(|tok| now < tok.claims().expires_at.saturating_add(SKEW));
    }
    assert_eq!(store.trust_list().unwrap().sequence, sequence);
    assert_eq!(store.checkpoint().clock_floor, t((40 * 24 - 1) * H));

    // The retired keys' windows, checked on a scanner that has the last list but whose
    // clock floor has not passed day 10: k1 signs no token dated after its rotation.
    let mut store = self::store();
    store
        .load_trust_list(&trust_list(sequence, t(9 * DAY), &keys), LOAD)
        .unwrap();
    let late = token(&k1, "late", Colour::Green, t(10 * DAY + H));
    assert_eq!(
        store.verify(&late.qr_text(), t(10 * DAY + 2 * H)),
        Err(Error::OutsideSigningWindow(k1.key().key_id()))
    );
    // A key published ahead of its window is not accepted before it (beyond the skew).
    let list = trust_list(
        sequence + 1,
        t(29 * DAY),
        &rotate_keys(&keys, issuer(4).key().public_key(), t(32 * DAY)).unwrap(),
    );
    store.load_trust_list(&list, LOAD).unwrap();
    let early = token(&issuer(4), "early", Colour::Green, t(31 * DAY));
    assert_eq!(
        store.verify(&early.qr_text(), t(31 * DAY)),
        Err(Error::KeyNotAccepted(issuer(4).key().key_id()))
    );
}

#[test]
fn a_retired_key_is_accepted_until_its_last_token_can_have_expired() {
    let (k1, k2) = (issuer(1), issuer(2));
    let keys = rotate_keys(
        &[new_key_entry(k1.key().public_key(), t(0))],
        k2.key().public_key(),
        t(DAY),
    )
    .unwrap();
    let retired = keys
        .iter()
        .find(|k| k.public_key == k1.key().public_key())
        .unwrap();
    assert_eq!(retired.state, KeyState::Retired);
    assert_eq!(
        retired.signing,
        Window {
            from: t(0),
            until: t(DAY)
        }
    );
    assert_eq!(
        retired.accepting.until,
        t(DAY + u64::from(MAX_VALIDITY_SECS))
    );
    let mut store = store();
    store
        .load_trust_list(&trust_list(1, t(0), &keys), LOAD)
        .unwrap();
    // Hand-made entry whose acceptance ends early: its tokens stop with it.
    let mut short = keys.clone();
    for k in &mut short {
        if k.public_key == k1.key().public_key() {
            k.accepting.until = t(DAY + 2 * H);
        }
    }
    store
        .load_trust_list(&trust_list(2, t(0), &short), LOAD)
        .unwrap();
    let tok = token(&k1, "A", Colour::Green, t(DAY - H));
    assert!(
        store
            .verify(&tok.qr_text(), t(DAY + 2 * H + SKEW - 1))
            .is_ok()
    );
    assert_eq!(
        store.verify(&tok.qr_text(), t(DAY + 2 * H + SKEW)),
        Err(Error::KeyNotAccepted(k1.key().key_id()))
    );
}

#[test]
fn a_compromised_key_stops_verifying_at_the_stated_instant() {
    let k1 = issuer(1);
    let since = t(5 * H);
    let mut entry = new_key_entry(k1.key().public_key(), t(0));
    let mut store = store();
    store
        .load_trust_list(&trust_list(1, t(0), &[entry]), LOAD)
        .unwrap();
    let before = token(&k1, "A", Colour::Green, t(H));
    assert!(store.verify(&before.qr_text(), t(2 * H)).is_ok());

    entry.state = KeyState::Compromised { since };
    store
        .load_trust_list(&trust_list(2, t(H), &[entry]), LOAD)
        .unwrap();
    let compromised = Err(Error::KeyCompromised {
        key_id: k1.key().key_id(),
        since,
    });
    // Before the instant, the token still verifies; from it on, nothing from this key does,
    // not even the same token, and no skew softens that.
    assert!(store.verify(&before.qr_text(), t(5 * H - 1)).is_ok());
    assert_eq!(store.verify(&before.qr_text(), since), compromised);
    // A token claiming an issue time at or after the instant is refused at any clock.
    let forged_late = token(&k1, "B", Colour::Green, since);
    assert_eq!(
        store.verify(&forged_late.qr_text(), t(5 * H - 60)),
        compromised
    );
    // A compromised key signs no revocation list either.
    let list = revocations(&k1, RevocationKind::Full, 1, t(H), &[]);
    assert_eq!(
        store.load_revocations(&list, LOAD),
        Err(Error::UnknownListSigner(k1.key().key_id()))
    );
}

#[test]
fn forged_wrong_root_and_rolled_back_trust_lists_change_nothing() {
    let (k1, k2) = (issuer(1), issuer(2));
    let mut store = store();
    let v2 = trust_list(
        2,
        t(0),
        &[
            new_key_entry(k1.key().public_key(), t(0)),
            new_key_entry(k2.key().public_key(), t(0)),
        ],
    );
    store.load_trust_list(&v2, LOAD).unwrap();
    let before = store.checkpoint();
    let tok = token(&k2, "A", Colour::Green, t(H));

    let mut forged = trust_list(3, t(H), &[new_key_entry(k1.key().public_key(), t(0))]);
    // Any flipped bit: in the header, an entry's window, or the signature.
    for at in [10, 40 + 36, forged.len() - 1] {
        forged[at] ^= 1;
        let err = store.load_trust_list(&forged, LOAD).unwrap_err();
        assert!(
            matches!(err, Error::ForgedList | Error::MalformedList(_)),
            "{at}: {err}"
        );
        forged[at] ^= 1;
    }
    // The same list, intact, but signed by another root.
    let other = RootKey::from_secret_bytes([0xB0; 32]);
    let foreign = sign_trust_list(&other, &info(9, t(H), DAY), &[]).unwrap();
    assert_eq!(
        store.load_trust_list(&foreign, LOAD),
        Err(Error::WrongRoot(other.key_id()))
    );
    // Signed by another key but naming our root: forged.
    let mut impostor = foreign.clone();
    impostor[5..9].copy_from_slice(&root().key_id().0);
    assert_eq!(
        store.load_trust_list(&impostor, LOAD),
        Err(Error::ForgedList)
    );
    // Sequence 1 after 2: a rollback, even though its signature is genuine.
    let v1 = trust_list(1, t(2 * H), &[new_key_entry(k1.key().public_key(), t(0))]);
    assert_eq!(
        store.load_trust_list(&v1, LOAD),
        Err(Error::Rollback { held: 2, got: 1 })
    );
    // Nothing changed: k2 still trusted, same sequence and floor.
    assert_eq!(store.checkpoint(), before);
    assert_eq!(store.trust_list().unwrap().sequence, 2);
    assert!(store.verify(&tok.qr_text(), t(2 * H)).is_ok());
    // The same sequence again is accepted (a reload).
    assert!(store.load_trust_list(&v2, LOAD).is_ok());
}

#[test]
fn malformed_lists_get_their_own_codes() {
    let k1 = issuer(1);
    let good = trust_list(1, t(0), &[new_key_entry(k1.key().public_key(), t(0))]);
    let mut store = store();
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (Vec::new(), "list_truncated"),
        (good[..good.len() - 1].to_vec(), "list_truncated"),
        ([&good[..], &[0]].concat(), "list_trailing_bytes"),
        (b"QSRL".to_vec(), "list_wrong_magic"),
        (
            [&b"QSTL\x02"[..], &good[5..]].concat(),
            "list_unsupported_version",
        ),
    ];
    for (bytes, expected) in cases {
        assert_eq!(code(store.load_trust_list(&bytes, LOAD)), expected);
    }
    // A key id that does not match its key.
    let mut bad = good.clone();
    bad[35] ^= 1;
    assert_eq!(
        TrustList::parse(&bad).unwrap_err().code(),
        "list_key_id_mismatch"
    );
    assert_eq!(
        code(store.load_trust_list(&bad, LOAD)),
        "list_key_id_mismatch"
    );
    assert_eq!(store.trust_list(), None);
}

#[test]
fn revocation_takes_effect_everywhere_and_a_refreshed_token_verifies() {
    let k1 = issuer(1);
    let mut store = store();
    store
        .load_trust_list(
            &trust_list(1, t(0), &[new_key_entry(k1.key().public_key(), t(0))]),
            LOAD,
        )
        .unwrap();
    let green = token(&k1, "110101199003078888", Colour::Green, t(H));
    let other = token(&k1, "OTHER", Colour::Green, t(H));
    assert!(store.verify(&green.qr_text(), t(2 * H)).is_ok());

    // The holder tests positive at 3h: every token issued before is revoked...
    let at = t(3 * H);
    let full = revocations(
        &k1,
        RevocationKind::Full,
        1,
        at,
        &[revoke(&k1, "110101199003078888", at)],
    );
    store.load_revocations(&full, LOAD).unwrap();
    assert_eq!(
        store.verify(&green.qr_text(), t(3 * H)),
        Err(Error::Revoked { before: at })
    );
    assert!(store.verify(&other.qr_text(), t(3 * H)).is_ok());
    // ...and the refreshed token, issued at T and showing the new colour, verifies.
    let red = token(&k1, "110101199003078888", Colour::Red, at);
    let v = store.verify(&red.qr_text(), t(3 * H)).unwrap();
    assert_eq!(v.claims.colour, Colour::Red);
    assert!(!Policy::default().evaluate(&v, t(3 * H)).admitted());
}

#[test]
fn deltas_apply_in_order_and_bad_ones_change_nothing() {
    let (k1, stranger) = (issuer(1), issuer(9));
    let mut store = store();
    store
        .load_trust_list(
            &trust_list(1, t(0), &[new_key_entry(k1.key().public_key(), t(0))]),
            LOAD,
        )
        .unwrap();
    let rev = |id: &str, h: u64| revoke(&k1, id, t(h * H));
    // The set each delta applies to: the full list, then what deltas 2 and 3 add.
    let base = |seq: u64| -> Vec<Revocation> {
        let all = [
            rev("A", 1),
            rev("B", 1),
            rev("C", 2),
            rev("A", 2),
            rev("D", 3),
        ];
        all[..match seq {
            ..=2 => 2,
            3 => 4,
            _ => 5,
        }]
            .to_vec()
    };
    let delta =
        |seq: u64, entries: &[Revocation]| delta_on(&k1, seq, t(seq * H), &base(seq), entries);
    // No full list yet: a delta has nothing to apply to.
    assert_eq!(
        store.load_revocations(&delta(2, &[rev("A", 1)]), LOAD),
        Err(Error::DeltaGap { held: 0, got: 2 })
    );
    store
        .load_revocations(
            &revocations(
                &k1,
                RevocationKind::Full,
                1,
                t(H),
                &[rev("A", 1), rev("B", 1)],
            ),
            LOAD,
        )
        .unwrap();
    store
        .load_revocations(&delta(2, &[rev("C", 2), rev("A", 2)]), LOAD)
        .unwrap();
    assert_eq!(store.revoked_count(), 3);
    // A subject in both keeps the later time.
    assert_eq!(
        store.revoked_before(&k1.subject("A").unwrap()),
        Some(t(2 * H))
    );

    let state = |s: &TrustStore| (s.checkpoint(), s.revocations(), s.revoked_count());
    let held = state(&store);
    let refusals: Vec<(Vec<u8>, Error)> = vec![
        (
            delta(2, &[rev("D", 3)]),
            Error::DeltaOutOfOrder { held: 2, got: 2 },
        ),
        (
            delta(1 + 1, &[]),
            Error::DeltaOutOfOrder { held: 2, got: 2 },
        ),
        (
            delta(4, &[rev("D", 3)]),
            Error::DeltaGap { held: 2, got: 4 },
        ),
        (
            {
                let mut d = delta(3, &[rev("D", 3)]);
                let n = d.len();
                d[n - 40] ^= 0x80; // inside the entry, covered by the signature
                d[n - 65] ^= 0x80;
                d
            },
            Error::ForgedList,
        ),
        (
            delta_on(&stranger, 3, t(3 * H), &base(3), &[]),
            Error::UnknownListSigner(stranger.key().key_id()),
        ),
        (
            revocations(&k1, RevocationKind::Full, 1, t(3 * H), &[]),
            Error::Rollback { held: 2, got: 1 },
        ),
    ];
    for (bytes, expected) in refusals {
        assert_eq!(store.load_revocations(&bytes, LOAD), Err(expected));
        assert_eq!(state(&store), held, "{expected}");
    }
    // The next delta in order still applies, and an empty delta moves the sequence on.
    store
        .load_revocations(&delta(3, &[rev("D", 3)]), LOAD)
        .unwrap();
    store.load_revocations(&delta(4, &[]), LOAD).unwrap();
    assert_eq!(store.revoked_count(), 4);
    assert_eq!(store.revocations().unwrap().sequence, 4);
    // A newer full list replaces the set.
    store
        .load_revocations(
            &revocations(&k1, RevocationKind::Full, 5, t(5 * H), &[rev("E", 5)]),
            LOAD,
        )
        .unwrap();
    assert_eq!(store.revoked_count(), 1);
    assert_eq!(store.revoked_before(&k1.subject("A").unwrap()), None);
}

#[test]
fn revocation_lookup_agrees_with_a_plain_search_at_many_sizes() {
    let k1 = issuer(1);
    let mut store = store();
    store
        .load_trust_list(
            &trust_list(1, t(0), &[new_key_entry(k1.key().public_key(), t(0))]),
            LOAD,
        )
        .unwrap();
    let mut seed = 0x1234_5678_9abc_def0u64;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for size in [0usize, 1, 7, 8, 9, 100, 5000] {
        let entries: Vec<Revocation> = (0..size)
            .map(|_| {
                let mut s = [0u8; 12];
                s[..8].copy_from_slice(&next().to_le_bytes());
                s[8..].copy_from_slice(&next().to_le_bytes()[..4]);
                // Subjects sharing prefixes too.
                if next() % 4 == 0 {
                    s[..2].copy_from_slice(&[0, 0]);
                }
                Revocation {
                    subject: SubjectId(s),
                    issued_before: Timestamp::from_unix(next() % (1 << 32)),
                }
            })
            .collect();
        let seq = store.revocations().map_or(1, |r| r.sequence + 1);
        store
            .load_revocations(
                &revocations(&k1, RevocationKind::Full, seq, t(H), &entries),
                LOAD,
            )
            .unwrap();
        for e in &entries {
            // Duplicates keep the later time.
            let latest = entries
                .iter()
                .filter(|x| x.subject == e.subject)
                .map(|x| x.issued_before)
                .max();
            assert_eq!(store.revoked_before(&e.subject), latest);
            let mut miss = e.subject;
            miss.0[11] ^= 1;
            let present = entries.iter().any(|x| x.subject == miss);
            assert_eq!(store.revoked_before(&miss).is_some(), present);
        }
        assert!(store.revocation_heap_bytes() <= 16 * size + 4 * ((size / 4).max(1) + 1));
    }
}

#[test]
fn stale_data_is_reported_with_its_age_and_left_to_the_policy() {
    let k1 = issuer(1);
    let mut store = store().with_grace(Duration::from_secs(6 * H));
    // Trust list due for renewal after 7 days; revocations after 1 day.
    store
        .load_trust_list(
            &trust_list(1, t(0), &[new_key_entry(k1.key().public_key(), t(0))]),
            LOAD,
        )
        .unwrap();
    store
        .load_revocations(&revocations(&k1, RevocationKind::Full, 1, t(H), &[]), LOAD)
        .unwrap();
    fn store_verify(
        s: &mut TrustStore,
        tok: &IssuedToken,
        now: Timestamp,
    ) -> qrseal_verifier::Verified {
        s.verify(&tok.qr_text(), now).unwrap()
    }
    let fresh = store_verify(
        &mut store,
        &token(&k1, "A", Colour::Green, t(H + DAY + 6 * H - 1)),
        t(H + DAY + 6 * H - 1),
    );
    assert_eq!(fresh.stale, None);
    // Revocations are due at 1h + 1 day; with 6h grace they go stale at 31h.
    let now = t(H + DAY + 6 * H);
    let v = store_verify(&mut store, &token(&k1, "A", Colour::Green, now), now);
    let stale = v.stale.unwrap();
    assert_eq!(stale.data, TrustData::Revocations);
    assert_eq!(stale.age.as_secs(), DAY + 6 * H);
    assert_eq!(stale.overdue.as_secs(), 6 * H);
    // The default policy admits data up to 72 h overdue, then denies with the age.
    assert!(Policy::default().evaluate(&v, now).admitted());
    let now = t(H + DAY + 72 * H + 1);
    let v = store_verify(&mut store, &token(&k1, "A", Colour::Green, now), now);
    let d = Policy::default().evaluate(&v, now);
    assert_eq!(
        d.denials().collect::<Vec<_>>(),
        vec![Denial::StaleTrustData {
            data: TrustData::Revocations,
            overdue: Duration::from_secs(72 * H + 1),
            max: Duration::from_secs(72 * H)
        }]
    );
    // A caller that never denies on staleness still sees it.
    let lenient = Policy::default().max_stale(None);
    assert!(lenient.evaluate(&v, now).admitted());
    assert!(v.stale.is_some());
    // Past the trust list's own date, the more overdue one is reported.
    let now = t(7 * DAY + 6 * H);
    let v = store_verify(&mut store, &token(&k1, "A", Colour::Green, now), now);
    assert_eq!(
        v.stale.unwrap().overdue.as_secs(),
        7 * DAY + 6 * H - (H + DAY)
    );
}

#[test]
fn a_clock_set_back_is_caught_and_the_floor_survives_a_restart() {
    let k1 = issuer(1);
    let mut store = store();
    store
        .load_trust_list(
            &trust_list(1, t(10 * H), &[new_key_entry(k1.key().public_key(), t(0))]),
            LOAD,
        )
        .unwrap();
    let tok = token(&k1, "A", Colour::Green, t(9 * H));
    // The list was signed at 10h: a clock reading earlier than that minus the skew is behind.
    assert_eq!(
        store.verify(&tok.qr_text(), t(10 * H - SKEW - 1)),
        Err(Error::ClockBehind {
            by: Duration::from_secs(SKEW + 1)
        })
    );
    assert!(store.verify(&tok.qr_text(), t(10 * H - SKEW)).is_ok());
    // A verified token raises the floor to its issue time.
    let later = token(&k1, "B", Colour::Green, t(20 * H));
    assert!(store.verify(&later.qr_text(), t(20 * H)).is_ok());
    assert_eq!(store.checkpoint().clock_floor, t(20 * H));
    // A forged token does not move it.
    let mut forged = later.qr_text().into_bytes();
    let n = forged.len();
    forged[n - 1] = if forged[n - 1] == b'0' { b'1' } else { b'0' };
    let forged = String::from_utf8(forged).unwrap();
    let future = token(&k1, "C", Colour::Green, t(30 * H));
    assert!(store.verify(&future.qr_text(), t(20 * H)).is_err());
    assert!(store.verify(&forged, t(20 * H)).is_err());
    assert_eq!(store.checkpoint().clock_floor, t(20 * H));

    // Restart: a fresh store restored from the saved bytes keeps floor and sequences.
    let saved = store.checkpoint().to_bytes();
    let mut restarted = self::store();
    restarted.restore(&Checkpoint::from_bytes(&saved).unwrap());
    assert_eq!(
        restarted.verify(&tok.qr_text(), t(15 * H)),
        Err(Error::ClockBehind {
            by: Duration::from_secs(5 * H)
        })
    );
    // The checkpoint recorded list 1's issue time: a list 1 signed earlier is backdated
    // (nothing is held in memory to compare with), the list itself reloads.
    let older = trust_list(1, t(0), &[new_key_entry(k1.key().public_key(), t(0))]);
    assert_eq!(
        restarted.load_trust_list(&older, LOAD),
        Err(Error::Backdated {
            held: t(10 * H),
            got: t(0)
        })
    );
    let same = trust_list(1, t(10 * H), &[new_key_entry(k1.key().public_key(), t(0))]);
    assert!(
        restarted.load_trust_list(&same, LOAD).is_ok(),
        "same sequence"
    );
    // Restoring never lowers anything.
    restarted.restore(&Checkpoint::default());
    assert_eq!(restarted.checkpoint().clock_floor, t(20 * H));
    assert_eq!(
        code(Checkpoint::from_bytes(&saved[..27])),
        "invalid_checkpoint"
    );
    let mut bad = saved;
    bad[0] = b'X';
    assert_eq!(code(Checkpoint::from_bytes(&bad)), "invalid_checkpoint");
}

#[test]
fn batch_verification_matches_one_by_one() {
    let (k1, k2) = (issuer(1), issuer(2));
    let mut keys = vec![
        new_key_entry(k1.key().public_key(), t(0)),
        new_key_entry(k2.key().public_key(), t(0)),
    ];
    keys[1].state = KeyState::Compromised { since: t(5 * H) };
    let mut single = store();
    single
        .load_trust_list(&trust_list(1, t(0), &keys), LOAD)
        .unwrap();
    single
        .load_revocations(
            &revocations(
                &k1,
                RevocationKind::Full,
                1,
                t(0),
                &[revoke(&k1, "R3", t(2 * H))],
            ),
            LOAD,
        )
        .unwrap();
    let batch = single.clone();
    let now = t(6 * H);
    let texts: Vec<String> = (0..150)
        .map(|i| {
            let signer = if i % 7 == 0 { &k2 } else { &k1 };
            token(
                signer,
                &format!("R{}", i % 5),
                Colour::Green,
                t((i % 6) * H),
            )
            .qr_text()
        })
        .chain(["QS:".to_string(), "garbage".to_string()])
        .collect();
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    let together = batch.verify_batch(&refs, now);
    let alone: Vec<_> = refs.iter().map(|s| single.verify(s, now)).collect();
    assert_eq!(together, alone);
    let codes: std::collections::BTreeSet<_> = alone
        .iter()
        .map(|r| code(r.as_ref().map(|_| ()).map_err(|e| *e)))
        .collect();
    for expected in ["ok", "revoked", "key_compromised", "truncated"] {
        assert!(codes.contains(expected), "{expected} in {codes:?}");
    }
    assert_eq!(batch.checkpoint(), single.checkpoint());
    // A clock behind refuses the whole batch.
    assert!(
        batch
            .verify_batch(&refs, t(0))
            .iter()
            .all(|r| matches!(r, Err(Error::ClockBehind { .. })))
    );
}

#[test]
fn plain_verifier_keys_are_trusted_at_all_times() {
    // `verify --keys DIR` keeps its meaning: a key from bytes has no windows.
    let k1 = issuer(1);
    let key = TrustedKey::from_bytes(&k1.key().public_key()).unwrap();
    assert_eq!(key.signing_window(), Window::ALWAYS);
    assert_eq!(key.compromised_since(), None);
    let v = Verifier::new([key]);
    let tok = token(&k1, "A", Colour::Green, t(0));
    assert!(v.verify(&tok.qr_text(), t(H)).is_ok());
}

#[test]
fn after_a_restart_revocations_must_catch_up_with_the_checkpoint() {
    let k1 = issuer(1);
    let list = trust_list(1, t(0), &[new_key_entry(k1.key().public_key(), t(0))]);
    let full = revocations(
        &k1,
        RevocationKind::Full,
        1,
        t(H),
        &[revoke(&k1, "A", t(H))],
    );
    let (a, b) = (revoke(&k1, "A", t(H)), revoke(&k1, "B", t(2 * H)));
    let d2 = delta_on(&k1, 2, t(2 * H), &[a], &[b]);
    let d3 = delta_on(&k1, 3, t(3 * H), &[a, b], &[]);
    let mut running = store();
    running.load_trust_list(&list, LOAD).unwrap();
    for l in [&full, &d2, &d3] {
        running.load_revocations(l, LOAD).unwrap();
    }
    let saved = running.checkpoint();
    assert_eq!(saved.revocation_sequence, 3);

    let tok = token(&k1, "B", Colour::Green, t(H));
    let mut restarted = store();
    restarted.restore(&saved);
    restarted.load_trust_list(&list, LOAD).unwrap();
    // The revocation files were lost, or an attacker left only the old full list.
    let behind = |loaded| {
        Err(Error::RevocationsBehind {
            loaded,
            required: 3,
        })
    };
    assert_eq!(restarted.verify(&tok.qr_text(), t(4 * H)), behind(0));
    restarted.load_revocations(&full, LOAD).unwrap();
    assert_eq!(restarted.verify(&tok.qr_text(), t(4 * H)), behind(1));
    // Replaying the deltas since brings it back, and B's old token is revoked again.
    restarted.load_revocations(&d2, LOAD).unwrap();
    restarted.load_revocations(&d3, LOAD).unwrap();
    assert_eq!(
        restarted.verify(&tok.qr_text(), t(4 * H)),
        Err(Error::Revoked { before: t(2 * H) })
    );
    assert_eq!(restarted.checkpoint(), running.checkpoint());
}

#[test]
fn a_list_signed_earlier_than_the_one_held_is_refused() {
    let (k1, k2) = (issuer(1), issuer(2));
    let keys = rotate_keys(
        &[new_key_entry(k1.key().public_key(), t(0))],
        k2.key().public_key(),
        t(DAY),
    )
    .unwrap();
    let mut store = store();
    store
        .load_trust_list(&trust_list(2, t(DAY), &keys), LOAD)
        .unwrap();
    // The root's sequence is in order but the time runs backwards.
    assert_eq!(
        store.load_trust_list(&trust_list(3, t(DAY - 1), &keys), LOAD),
        Err(Error::Backdated {
            held: t(DAY),
            got: t(DAY - 1)
        })
    );
    let a = revoke(&k1, "A", t(2 * DAY));
    store
        .load_revocations(
            &revocations(&k2, RevocationKind::Full, 5, t(2 * DAY), &[a]),
            LOAD,
        )
        .unwrap();
    // The retired key may sign lists dated inside its old window, but not to replace newer
    // data: an empty full list with the next sequence would otherwise un-revoke A.
    let old = revocations(&k1, RevocationKind::Full, 6, t(DAY - H), &[]);
    assert_eq!(
        store.load_revocations(&old, LOAD),
        Err(Error::Backdated {
            held: t(2 * DAY),
            got: t(DAY - H)
        })
    );
    assert_eq!(store.revoked_count(), 1);
    assert_eq!(store.revocations().unwrap().sequence, 5);
}

#[test]
fn a_verdict_says_which_revocation_data_it_was_checked_against() {
    let k1 = issuer(1);
    let mut store = store();
    store
        .load_trust_list(
            &trust_list(1, t(0), &[new_key_entry(k1.key().public_key(), t(0))]),
            LOAD,
        )
        .unwrap();
    let tok = token(&k1, "A", Colour::Green, t(H));
    // No revocation data: the token verifies, and the verdict says it was not checked.
    let v = store.verify(&tok.qr_text(), t(2 * H)).unwrap();
    assert_eq!(v.revocations, None);
    let batch = store.verify_batch(&[&tok.qr_text()], t(2 * H));
    assert_eq!(batch[0].as_ref().unwrap().revocations, None);
    let info = store
        .load_revocations(
            &revocations(
                &k1,
                RevocationKind::Full,
                1,
                t(H),
                &[revoke(&k1, "B", t(H))],
            ),
            LOAD,
        )
        .unwrap();
    let v = store.verify(&tok.qr_text(), t(2 * H)).unwrap();
    assert_eq!(v.revocations, Some(info));
    let batch = store.verify_batch(&[&tok.qr_text()], t(2 * H));
    assert_eq!(batch[0].as_ref().unwrap().revocations, Some(info));
}

#[test]
fn a_list_dated_ahead_of_the_clock_is_refused_and_raises_nothing() {
    let (k1, k2) = (issuer(1), issuer(2));
    let keys = [
        new_key_entry(k1.key().public_key(), t(0)),
        new_key_entry(k2.key().public_key(), t(0)),
    ];
    let mut store = store();
    store
        .load_trust_list(&trust_list(1, t(0), &keys), t(H))
        .unwrap();
    let before = store.checkpoint();
    let year = 365 * DAY;
    // Dated a year ahead, by a key of the trust list: refused, the floor stays.
    assert_eq!(
        store.load_trust_list(&trust_list(2, t(year), &keys), t(H)),
        Err(Error::ListFromFuture {
            issued_at: t(year),
            now: t(H)
        })
    );
    let ahead = revocations(&k2, RevocationKind::Full, 1, t(year), &[]);
    assert_eq!(
        code(store.load_revocations(&ahead, t(H))),
        "list_from_future"
    );
    assert_eq!(store.checkpoint(), before);
    let tok = token(&k1, "A", Colour::Green, t(H));
    assert!(store.verify(&tok.qr_text(), t(2 * H)).is_ok());
    // Within the skew it loads.
    let fast = revocations(&k2, RevocationKind::Full, 1, t(H + SKEW), &[]);
    assert!(store.load_revocations(&fast, t(H)).is_ok());
}
