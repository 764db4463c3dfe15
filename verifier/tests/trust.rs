//! The trust store through the public API: trust lists, rotation walked across time,
//! compromise, revocation (full lists and deltas), staleness and the clock guard.

use std::time::Duration;

use qrseal_core::lists::{
    KeyEntry, KeyState, ListInfo, Revocation, RevocationKind, TrustList, Window,
};
use qrseal_core::wire::MAX_VALIDITY_SECS;
use qrseal_core::{Colour, SubjectId, Timestamp};
use qrseal_issuer::publish::{new_key_entry, rotate_keys, sign_revocations, sign_trust_list};
use qrseal_issuer::{IssuedToken, Issuer, IssuerKey, RootKey, Status, SubjectSecret};
use qrseal_verifier::{
    Checkpoint, Denial, Error, Policy, TrustData, TrustStore, TrustedKey, Verifier,
};

const H: u64 = 3600;
const DAY: u64 = 24 * H;
const SKEW: u64 = Verifier::DEFAULT_CLOCK_SKEW.as_secs();

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

fn revocations(
    signer: &Issuer,
    kind: RevocationKind,
    sequence: u64,
    issued: Timestamp,
    entries: &[Revocation],
) -> Vec<u8> {
    sign_revocations(signer.key(), kind, &info(sequence, issued, DAY), entries).unwrap()
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
    store.load_trust_list(&trust_list(1, t(0), &keys)).unwrap();

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
                    .load_trust_list(&trust_list(sequence, now, &keys))
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
                .load_trust_list(&trust_list(sequence, now, &keys))
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
        .load_trust_list(&trust_list(sequence, t(9 * DAY), &keys))
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
    store.load_trust_list(&list).unwrap();
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
    store.load_trust_list(&trust_list(1, t(0), &keys)).unwrap();
    // Hand-made entry whose acceptance ends early: its tokens stop with it.
    let mut short = keys.clone();
    for k in &mut short {
        if k.public_key == k1.key().public_key() {
            k.accepting.until = t(DAY + 2 * H);
        }
    }
    store.load_trust_list(&trust_list(2, t(0), &short)).unwrap();
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
        .load_trust_list(&trust_list(1, t(0), &[entry]))
        .unwrap();
    let before = token(&k1, "A", Colour::Green, t(H));
    assert!(store.verify(&before.qr_text(), t(2 * H)).is_ok());

    entry.state = KeyState::Compromised { since };
    store
        .load_trust_list(&trust_list(2, t(H), &[entry]))
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
        store.load_revocations(&list),
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
    store.load_trust_list(&v2).unwrap();
    let before = store.checkpoint();
    let tok = token(&k2, "A", Colour::Green, t(H));

    let mut forged = trust_list(3, t(H), &[new_key_entry(k1.key().public_key(), t(0))]);
    // Any flipped bit: in the header, an entry's window, or the signature.
    for at in [10, 40 + 36, forged.len() - 1] {
        forged[at] ^= 1;
        let err = store.load_trust_list(&forged).unwrap_err();
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
        store.load_trust_list(&foreign),
        Err(Error::WrongRoot(other.key_id()))
    );
    // Signed by another key but naming our root: forged.
    let mut impostor = foreign.clone();
    impostor[5..9].copy_from_slice(&root().key_id().0);
    assert_eq!(store.load_trust_list(&impostor), Err(Error::ForgedList));
    // Sequence 1 after 2: a rollback, even though its signature is genuine.
    let v1 = trust_list(1, t(2 * H), &[new_key_entry(k1.key().public_key(), t(0))]);
    assert_eq!(
        store.load_trust_list(&v1),
        Err(Error::Rollback { held: 2, got: 1 })
    );
    // Nothing changed: k2 still trusted, same sequence and floor.
    assert_eq!(store.checkpoint(), before);
    assert_eq!(store.trust_list().unwrap().sequence, 2);
    assert!(store.verify(&tok.qr_text(), t(2 * H)).is_ok());
    // The same sequence again is accepted (a reload).
    assert!(store.load_trust_list(&v2).is_ok());
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
        assert_eq!(code(store.load_trust_list(&bytes)), expected);
    }
    // A key id that does not match its key.
    let mut bad = good.clone();
    bad[35] ^= 1;
    assert_eq!(TrustList::parse(&bad).unwrap_err().code(), "list_invalid");
    assert_eq!(code(store.load_trust_list(&bad)), "list_invalid");
    assert_eq!(store.trust_list(), None);
}

#[test]
fn revocation_takes_effect_everywhere_and_a_refreshed_token_verifies() {
    let k1 = issuer(1);
    let mut store = store();
    store
        .load_trust_list(&trust_list(
            1,
            t(0),
            &[new_key_entry(k1.key().public_key(), t(0))],
        ))
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
    store.load_revocations(&full).unwrap();
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
        .load_trust_list(&trust_list(
            1,
            t(0),
            &[new_key_entry(k1.key().public_key(), t(0))],
        ))
        .unwrap();
    let rev = |id: &str, h: u64| revoke(&k1, id, t(h * H));
    let delta = |seq: u64, entries: &[Revocation]| {
        revocations(&k1, RevocationKind::Delta, seq, t(seq * H), entries)
    };
    // No full list yet: a delta has nothing to apply to.
    assert_eq!(
        store.load_revocations(&delta(2, &[rev("A", 1)])),
        Err(Error::DeltaGap { held: 0, got: 2 })
    );
    store
        .load_revocations(&revocations(
            &k1,
            RevocationKind::Full,
            1,
            t(H),
            &[rev("A", 1), rev("B", 1)],
        ))
        .unwrap();
    store
        .load_revocations(&delta(2, &[rev("C", 2), rev("A", 2)]))
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
            revocations(&stranger, RevocationKind::Delta, 3, t(3 * H), &[]),
            Error::UnknownListSigner(stranger.key().key_id()),
        ),
        (
            revocations(&k1, RevocationKind::Full, 1, t(3 * H), &[]),
            Error::Rollback { held: 2, got: 1 },
        ),
    ];
    for (bytes, expected) in refusals {
        assert_eq!(store.load_revocations(&bytes), Err(expected));
        assert_eq!(state(&store), held, "{expected}");
    }
    // The next delta in order still applies, and an empty delta moves the sequence on.
    store.load_revocations(&delta(3, &[rev("D", 3)])).unwrap();
    store.load_revocations(&delta(4, &[])).unwrap();
    assert_eq!(store.revoked_count(), 4);
    assert_eq!(store.revocations().unwrap().sequence, 4);
    // A newer full list replaces the set.
    store
        .load_revocations(&revocations(
            &k1,
            RevocationKind::Full,
            5,
            t(5 * H),
            &[rev("E", 5)],
        ))
        .unwrap();
    assert_eq!(store.revoked_count(), 1);
    assert_eq!(store.revoked_before(&k1.subject("A").unwrap()), None);
}

#[test]
fn revocation_lookup_agrees_with_a_plain_search_at_many_sizes() {
    let k1 = issuer(1);
    let mut store = store();
    store
        .load_trust_list(&trust_list(
            1,
            t(0),
            &[new_key_entry(k1.key().public_key(), t(0))],
        ))
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
            .load_revocations(&revocations(&k1, RevocationKind::Full, seq, t(H), &entries))
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
        .load_trust_list(&trust_list(
            1,
            t(0),
            &[new_key_entry(k1.key().public_key(), t(0))],
        ))
        .unwrap();
    store
        .load_revocations(&revocations(&k1, RevocationKind::Full, 1, t(H), &[]))
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
        .load_trust_list(&trust_list(
            1,
            t(10 * H),
            &[new_key_entry(k1.key().public_key(), t(0))],
        ))
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
    let old = trust_list(1, t(0), &[new_key_entry(k1.key().public_key(), t(0))]);
    assert!(restarted.load_trust_list(&old).is_ok(), "same sequence");
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
    single.load_trust_list(&trust_list(1, t(0), &keys)).unwrap();
    single
        .load_revocations(&revocations(
            &k1,
            RevocationKind::Full,
            1,
            t(0),
            &[revoke(&k1, "R3", t(2 * H))],
        ))
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
    let d2 = revocations(
        &k1,
        RevocationKind::Delta,
        2,
        t(2 * H),
        &[revoke(&k1, "B", t(2 * H))],
    );
    let d3 = revocations(&k1, RevocationKind::Delta, 3, t(3 * H), &[]);
    let mut running = store();
    running.load_trust_list(&list).unwrap();
    for l in [&full, &d2, &d3] {
        running.load_revocations(l).unwrap();
    }
    let saved = running.checkpoint();
    assert_eq!(saved.revocation_sequence, 3);

    let tok = token(&k1, "B", Colour::Green, t(H));
    let mut restarted = store();
    restarted.restore(&saved);
    restarted.load_trust_list(&list).unwrap();
    // The revocation files were lost, or an attacker left only the old full list.
    let behind = |loaded| {
        Err(Error::RevocationsBehind {
            loaded,
            required: 3,
        })
    };
    assert_eq!(restarted.verify(&tok.qr_text(), t(4 * H)), behind(0));
    restarted.load_revocations(&full).unwrap();
    assert_eq!(restarted.verify(&tok.qr_text(), t(4 * H)), behind(1));
    // Replaying the deltas since brings it back, and B's old token is revoked again.
    restarted.load_revocations(&d2).unwrap();
    restarted.load_revocations(&d3).unwrap();
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
        .load_trust_list(&trust_list(2, t(DAY), &keys))
        .unwrap();
    // The root's sequence is in order but the time runs backwards.
    assert_eq!(
        store.load_trust_list(&trust_list(3, t(DAY - 1), &keys)),
        Err(Error::Backdated {
            held: t(DAY),
            got: t(DAY - 1)
        })
    );
    let a = revoke(&k1, "A", t(2 * DAY));
    store
        .load_revocations(&revocations(&k2, RevocationKind::Full, 5, t(2 * DAY), &[a]))
        .unwrap();
    // The retired key may sign lists dated inside its old window, but not to replace newer
    // data: an empty full list with the next sequence would otherwise un-revoke A.
    let old = revocations(&k1, RevocationKind::Full, 6, t(DAY - H), &[]);
    assert_eq!(
        store.load_revocations(&old),
        Err(Error::Backdated {
            held: t(2 * DAY),
            got: t(DAY - H)
        })
    );
    assert_eq!(store.revoked_count(), 1);
    assert_eq!(store.revocations().unwrap().sequence, 5);
}
