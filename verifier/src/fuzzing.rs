//! Entry points for the fuzz targets in `fuzz/` (not a public API). Each takes arbitrary
//! bytes, drives one parser or the whole verifier, and asserts the invariants that must hold
//! for every input: no panic, and the properties named in each function.

use alloc::vec::Vec;
use core::time::Duration;

use qrseal_core::lists::{
    KeyEntry, ListInfo, Revocation, RevocationKind, RevocationList, TrustList,
    encode_full_revocation_list, encode_revocation_delta, encode_trust_list,
};
use qrseal_core::wire::{MAX_BODY_LEN, MAX_TOKEN_LEN, encode_body};
use qrseal_core::{
    Claims, Colour, Date, SubjectId, TestRecord, TestResult, Timestamp, Token, Vaccination, text,
};

use crate::{Checkpoint, ColourSet, Error, Policy, TrustStore, TrustedKey, Verified, Verifier};

/// A verifier trusting the two issuer keys of `testvectors/tokens.json` (`issuer` and
/// `next`), so that seeds taken from the test vectors reach the signature check.
fn verifier() -> Verifier {
    Verifier::new(trusted_keys())
}

fn trusted_keys() -> Vec<TrustedKey> {
    TRUSTED_PUBLIC_KEYS
        .iter()
        .filter_map(|k| TrustedKey::from_bytes(k).ok())
        .collect()
}

/// Public keys of the `issuer` and `next` keys in testvectors/tokens.json.
const TRUSTED_PUBLIC_KEYS: &[[u8; 32]] = &[
    [
        0x3a, 0x25, 0x87, 0xcc, 0xfd, 0x7f, 0x4c, 0x01, 0xc0, 0x32, 0x3a, 0xf8, 0xbe, 0x53, 0xe7,
        0x06, 0x5a, 0xc7, 0xf8, 0x23, 0x20, 0x28, 0x74, 0x13, 0x85, 0x24, 0x98, 0x0e, 0x62, 0x67,
        0x6d, 0x50,
    ],
    [
        0xfa, 0xff, 0x6f, 0x0c, 0xe4, 0xdf, 0x21, 0x6f, 0x3a, 0x4b, 0x11, 0xb9, 0x53, 0x0d, 0xaa,
        0xae, 0xa2, 0x15, 0x2f, 0xb8, 0x76, 0xc2, 0x11, 0xcb, 0x98, 0x70, 0x3f, 0x31, 0x87, 0xda,
        0x21, 0x36,
    ],
];

/// The instant the test vectors are generated at, 2026-11-21T08:00:00Z.
const NOW: Timestamp = Timestamp::from_unix(1_795_248_000);

/// Text decoding of both forms: decoding succeeds only on text that re-encodes to itself.
pub fn text_decode(data: &[u8]) {
    let Ok(s) = core::str::from_utf8(data) else {
        return;
    };
    let mut buf = [0u8; MAX_TOKEN_LEN];
    if let Ok((bytes, form)) = text::decode(s, &mut buf) {
        let again = match form {
            text::TextForm::Qr => text::encode_qr(bytes),
            text::TextForm::Url => text::encode_url(bytes),
        };
        assert_eq!(again, s, "text forms are canonical");
    }
}

/// Binary token parsing: a token that parses is the canonical encoding of its claims.
pub fn token_parse(data: &[u8]) {
    if let Ok(token) = Token::parse(data) {
        let mut body = [0u8; MAX_BODY_LEN];
        let n = encode_body(token.key_id, &token.claims, &mut body);
        assert_eq!(
            n.map(|n| &body[..n]),
            Ok(token.body),
            "parsed tokens are canonical"
        );
        assert_eq!(token.body.len() + 64, data.len());
    }
}

/// Full verification from text (both forms) and from bytes: they agree (text longer than
/// any token is refused by its length first), and a valid token's claims are within its
/// validity window.
pub fn verify(data: &[u8]) {
    let v = verifier();
    let from_bytes = v.verify_bytes(data, NOW);
    let via_text = v.verify(&text::encode_qr(data), NOW);
    if data.len() <= MAX_TOKEN_LEN {
        assert_eq!(via_text, from_bytes);
    } else {
        assert!(matches!(
            via_text,
            Err(crate::Error::Malformed(
                qrseal_core::Error::TextTooLong { .. }
            ))
        ));
        assert!(from_bytes.is_err());
    }
    if let Ok(verified) = from_bytes {
        let claims = verified.claims;
        assert!(claims.issued_at < claims.expires_at);
        assert_eq!(v.verify(&text::encode_url(data), NOW), Ok(verified));
    }
    if let Ok(s) = core::str::from_utf8(data) {
        let _ = v.verify(s, NOW);
    }
}

/// Batch verification: the input is split into tokens at 0xff bytes; the batch returns
/// exactly what verifying each alone returns.
pub fn verify_batch(data: &[u8]) {
    let v = verifier();
    let texts: Vec<alloc::string::String> = data
        .split(|&b| b == 0xff)
        .take(130)
        .map(text::encode_qr)
        .collect();
    let refs: Vec<&str> = texts.iter().map(|s| s.as_str()).collect();
    let batch = v.verify_batch(&refs, NOW);
    assert_eq!(batch.len(), refs.len());
    for (t, r) in refs.iter().zip(&batch) {
        assert_eq!(&v.verify(t, NOW), r);
    }
}

/// Policy evaluation over arbitrary claims and policies: admitted exactly when no denial.
pub fn policy(data: &[u8]) {
    let byte = |i: usize| data.get(i).copied().unwrap_or(0);
    let word = |i: usize| {
        let mut w = [0u8; 4];
        for (j, b) in w.iter_mut().enumerate() {
            *b = byte(i + j);
        }
        u32::from_le_bytes(w)
    };
    let colour = Colour::ALL[usize::from(byte(0) % 4)];
    let claims = Claims::new(
        SubjectId([byte(1); 12]),
        colour,
        Timestamp::from_unix(u64::from(word(9))),
        Timestamp::from_unix(u64::from(word(13))),
    )
    .with_test((byte(2) % 4 != 0).then(|| TestRecord {
        result: [
            TestResult::Negative,
            TestResult::Positive,
            TestResult::Pending,
        ][usize::from(byte(2) % 3)],
        collected_at: Timestamp::from_unix(u64::from(word(3))),
    }))
    .with_vaccination((byte(7) != 0).then(|| Vaccination {
        doses: byte(7),
        last_dose: Date::from_days_since_epoch(u16::from(byte(8)) << 8),
    }));
    let policy = Policy {
        accepted_colours: Colour::ALL
            .into_iter()
            .filter(|c| byte(17) & (1 << (*c as u8)) != 0)
            .collect::<ColourSet>(),
        max_test_age: (byte(18) % 2 == 1).then(|| Duration::from_secs(u64::from(word(19)))),
        min_doses: byte(23),
        ..Policy::default()
    };
    let now = Timestamp::from_unix(u64::from(word(24)));
    let decision = policy.evaluate(&Verified::keys_only(claims), now);
    assert_eq!(decision.admitted(), decision.denials().next().is_none());
    assert_eq!(
        policy.accepted_colours.contains(colour),
        !decision
            .denials()
            .any(|d| matches!(d, crate::Denial::Colour(_)))
    );
}

/// Image decoding (feature `image`): bounded, never panics. The same bytes are also read as
/// a raw grayscale camera frame (first byte plus one: the width; the rest: the pixels, as
/// many whole rows as there are), so the QR search sees arbitrary pixels as well as decoded
/// files.
#[cfg(feature = "image")]
pub fn image_decode(data: &[u8]) {
    let _ = crate::frame::decode_image(data);
    if let Some((&first, pixels)) = data.split_first() {
        let width = usize::from(first) + 1;
        let height = pixels.len() / width;
        if height > 0 {
            let pixels = &pixels[..width * height];
            // The width is at most 256; a height past u32 (or past 4096, which `Frame::new`
            // refuses) is not a frame.
            let frame = u32::try_from(height).map(|height| {
                crate::frame::Frame::new(
                    width as u32,
                    height,
                    crate::frame::PixelFormat::Gray8,
                    pixels,
                )
            });
            if let Ok(Ok(frame)) = frame {
                let _ = crate::frame::decode_frame(&frame);
            }
        }
    }
}

/// Trust-list parsing: a list that parses is the canonical encoding of its header and keys
/// (`encode_trust_list`, then the signature), and no proper prefix of it parses.
pub fn trust_list(data: &[u8]) {
    let Ok(list) = TrustList::parse(data) else {
        return;
    };
    let keys: Vec<KeyEntry> = list.keys().collect();
    assert_eq!(keys.len(), list.len());
    assert_eq!(keys.is_empty(), list.is_empty());
    let mut again = match encode_trust_list(list.root_key_id, &list.info, &keys) {
        Ok(body) => body,
        Err(e) => panic!("a parsed trust list does not re-encode: {e}"),
    };
    assert_eq!(again.as_slice(), list.body);
    again.extend_from_slice(list.signature);
    assert_eq!(again.as_slice(), data, "trust lists are canonical");
    assert!(TrustList::parse(&data[..data.len() - 1]).is_err());
}

/// Revocation-list parsing: a list that parses is the canonical encoding of its header and
/// entries (`encode_full_revocation_list` or `encode_revocation_delta`, then the signature),
/// and no proper prefix of it parses.
pub fn revocation_list(data: &[u8]) {
    let Ok(list) = RevocationList::parse(data) else {
        return;
    };
    let entries: Vec<Revocation> = list.entries().collect();
    assert_eq!(entries.len(), list.len());
    assert_eq!(list.raw_entries().len(), list.len());
    assert_eq!(entries.is_empty(), list.is_empty());
    let encoded = match (list.kind, list.base_state) {
        (RevocationKind::Delta, Some(base)) => {
            encode_revocation_delta(list.signer, &list.info, &entries, base, list.state)
        }
        _ => encode_full_revocation_list(list.signer, &list.info, &entries),
    };
    let mut again = match encoded {
        Ok(body) => body,
        Err(e) => panic!("a parsed revocation list does not re-encode: {e}"),
    };
    assert_eq!(again.as_slice(), list.body);
    again.extend_from_slice(list.signature);
    assert_eq!(again.as_slice(), data, "revocation lists are canonical");
    assert!(RevocationList::parse(&data[..data.len() - 1]).is_err());
}

/// The root key [`trust_store`] pins: the public key of the secret seed
/// `b"qrseal fuzz trust-store root key"` (32 bytes), which signs the trust lists among the
/// seeds in `fuzz/seeds/trust_store/` (written by `verifier/tests/fuzz_seeds.rs`).
pub const TRUST_ROOT_PUBLIC_KEY: [u8; 32] = [
    0xaf, 0xb5, 0x76, 0xe7, 0x8a, 0xa7, 0xe6, 0x7e, 0x62, 0x1d, 0xd2, 0xa9, 0xc1, 0xfd, 0xaa, 0x8a,
    0xa7, 0x15, 0x0b, 0xb8, 0x3b, 0x90, 0xb5, 0x40, 0x2c, 0xe3, 0xc0, 0xdd, 0xe7, 0xb3, 0xf4, 0xb7,
];

/// The most steps [`trust_store`] takes from one input.
pub const TRUST_STORE_MAX_STEPS: usize = 8;

/// What [`trust_store`] checks a failed step leaves unchanged.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Snapshot {
    checkpoint: Checkpoint,
    revoked: usize,
    trust: Option<ListInfo>,
    revocations: Option<ListInfo>,
}

fn snapshot(store: &TrustStore) -> Snapshot {
    Snapshot {
        checkpoint: store.checkpoint(),
        revoked: store.revoked_count(),
        trust: store.trust_list(),
        revocations: store.revocations(),
    }
}

/// A [`TrustStore`] pinning [`TRUST_ROOT_PUBLIC_KEY`] driven through up to
/// [`TRUST_STORE_MAX_STEPS`] steps. Each step is an op byte, a u16 little-endian length and
/// that many bytes (fewer if the input ends). The op's low two bits pick the step (0: load a
/// trust list, 1: load a revocation list, 2: verify the bytes as a token, in QR text form,
/// 3: restore the bytes as a checkpoint); its upper six bits set the clock for a load or a
/// verification, `2026-11-20T00:00:00Z` plus that many hours (32: the seeds' `NOW`).
///
/// Invariants: a failed step changes nothing (checkpoint, revoked count, list headers); a
/// successful load installs the list's header, never lowers a sequence number or the clock
/// floor, and leaves the other kind of data alone; after a full revocation list exactly its
/// entries are revoked, after a delta at least its entries; a verification gives what the
/// store's plain [`Verifier`] gives, unless the revocation data is behind a restored
/// checkpoint, the clock is behind the floor or the subject is revoked, and only a success
/// raises the floor (to the token's issue time, if that is later); a checkpoint restores
/// field by field to the larger value.
pub fn trust_store(data: &[u8]) {
    let Ok(root) = TrustedKey::from_bytes(&TRUST_ROOT_PUBLIC_KEY) else {
        panic!("the fixed root key is a valid public key");
    };
    let mut store = TrustStore::new(root);
    let mut rest = data;
    for _ in 0..TRUST_STORE_MAX_STEPS {
        let [op, lo, hi, tail @ ..] = rest else {
            break;
        };
        let len = usize::from(u16::from_le_bytes([*lo, *hi])).min(tail.len());
        let (chunk, next) = tail.split_at(len);
        rest = next;
        let before = snapshot(&store);
        let now = NOW
            .saturating_sub(32 * 3600)
            .saturating_add(u64::from(op >> 2) * 3600);
        match op & 3 {
            0 => trust_store_trust_list(&mut store, &before, chunk, now),
            1 => trust_store_revocations(&mut store, &before, chunk, now),
            2 => trust_store_verify(&mut store, &before, chunk, now),
            _ => trust_store_restore(&mut store, &before, chunk),
        }
    }
}

/// A successful load never lowers the clock floor, and raises it to the list's issue time.
fn assert_floor_raised(store: &TrustStore, before: &Snapshot, info: &ListInfo) {
    let floor = store.checkpoint().clock_floor;
    assert_eq!(floor, before.checkpoint.clock_floor.max(info.issued_at));
}

fn trust_store_trust_list(store: &mut TrustStore, before: &Snapshot, chunk: &[u8], now: Timestamp) {
    match store.load_trust_list(chunk, now) {
        Err(_) => assert_eq!(&snapshot(store), before, "a failed load changes nothing"),
        Ok(info) => {
            let after = snapshot(store);
            assert_eq!(after.trust, Some(info));
            assert!(info.sequence >= before.checkpoint.trust_list_sequence);
            assert_eq!(
                after.checkpoint.trust_list_sequence,
                before.checkpoint.trust_list_sequence.max(info.sequence)
            );
            assert_floor_raised(store, before, &info);
            assert_eq!(
                after.checkpoint.revocation_sequence,
                before.checkpoint.revocation_sequence
            );
            assert_eq!(
                (after.revoked, after.revocations),
                (before.revoked, before.revocations)
            );
            assert!(TrustList::parse(chunk).is_ok());
        }
    }
}

fn trust_store_revocations(
    store: &mut TrustStore,
    before: &Snapshot,
    chunk: &[u8],
    now: Timestamp,
) {
    let info = match store.load_revocations(chunk, now) {
        Err(_) => {
            assert_eq!(&snapshot(store), before, "a failed load changes nothing");
            return;
        }
        Ok(info) => info,
    };
    let after = snapshot(store);
    let Ok(list) = RevocationList::parse(chunk) else {
        panic!("a revocation list that loaded does not parse");
    };
    assert_eq!(list.info, info);
    assert_eq!(after.revocations, Some(info));
    // Sequences are measured against the revocation data loaded; a restored checkpoint's
    // sequence only holds back verification until the data catches up.
    let held = before.revocations.map_or(0, |i| i.sequence);
    assert!(info.sequence >= held);
    assert_eq!(
        after.checkpoint.revocation_sequence,
        before.checkpoint.revocation_sequence.max(info.sequence)
    );
    assert_floor_raised(store, before, &info);
    assert_eq!(after.trust, before.trust);
    assert_eq!(
        after.checkpoint.trust_list_sequence,
        before.checkpoint.trust_list_sequence
    );
    assert!(store.revocation_heap_bytes() >= 16 * after.revoked);
    match list.kind {
        RevocationKind::Full => {
            assert_eq!(after.revoked, list.len());
            for e in list.entries() {
                assert_eq!(store.revoked_before(&e.subject), Some(e.issued_before));
            }
        }
        RevocationKind::Delta => {
            assert_eq!(info.sequence, held + 1, "a delta follows the sequence held");
            assert!(before.revocations.is_some());
            assert!(after.revoked >= before.revoked);
            assert!(after.revoked <= before.revoked + list.len());
            for e in list.entries() {
                assert!(store.revoked_before(&e.subject) >= Some(e.issued_before));
            }
        }
    }
}

fn trust_store_verify(store: &mut TrustStore, before: &Snapshot, chunk: &[u8], now: Timestamp) {
    let qr = text::encode_qr(chunk);
    let plain = store.verifier().verify(&qr, now).map(|v| v.claims);
    match store.verify(&qr, now) {
        Ok(verified) => {
            assert_eq!(plain, Ok(verified.claims));
            let claims = verified.claims;
            assert!(
                store
                    .revoked_before(&claims.subject)
                    .is_none_or(|b| claims.issued_at >= b)
            );
            assert_eq!(verified.stale, store.staleness(now));
            let after = snapshot(store);
            let floor = before.checkpoint.clock_floor.max(claims.issued_at);
            assert_eq!(after.checkpoint.clock_floor, floor);
            let unchanged = Snapshot {
                checkpoint: {
                    let mut cp = before.checkpoint;
                    cp.clock_floor = floor;
                    cp
                },
                ..*before
            };
            assert_eq!(after, unchanged, "a verification changes only the floor");
        }
        Err(e) => {
            assert_eq!(
                &snapshot(store),
                before,
                "a failed verification changes nothing"
            );
            match e {
                Error::RevocationsBehind { loaded, required } => {
                    assert_eq!(loaded, before.revocations.map_or(0, |i| i.sequence));
                    assert_eq!(required, before.checkpoint.revocation_sequence);
                    assert!(loaded < required);
                }
                Error::ClockBehind { .. } => {
                    assert!(
                        now.saturating_add(store.verifier().skew_secs())
                            < before.checkpoint.clock_floor
                    );
                }
                Error::Revoked { before: t } => {
                    let Ok(claims) = plain else {
                        panic!("a revoked token did not verify without revocations");
                    };
                    assert_eq!(store.revoked_before(&claims.subject), Some(t));
                    assert!(claims.issued_at < t);
                }
                e => assert_eq!(plain, Err(e)),
            }
        }
    }
}

fn trust_store_restore(store: &mut TrustStore, before: &Snapshot, chunk: &[u8]) {
    let Ok(saved) = Checkpoint::from_bytes(chunk) else {
        assert_eq!(&snapshot(store), before);
        return;
    };
    assert_eq!(
        saved.to_bytes().as_slice(),
        chunk,
        "checkpoints are canonical"
    );
    store.restore(&saved);
    let after = snapshot(store);
    let b = before.checkpoint;
    assert_eq!(after.checkpoint, restored(&b, &saved));
    assert_eq!(
        (after.revoked, after.trust, after.revocations),
        (before.revoked, before.trust, before.revocations)
    );
}

/// What restoring `saved` over `b` gives, field by field: the clock floor the larger, and
/// for each kind of list the (sequence, issue time) pair with the larger sequence (on a tie,
/// the later time).
fn restored(b: &Checkpoint, saved: &Checkpoint) -> Checkpoint {
    let pair = |s1: u64, t1: Timestamp, s2: u64, t2: Timestamp| match s1.cmp(&s2) {
        core::cmp::Ordering::Less => (s2, t2),
        core::cmp::Ordering::Greater => (s1, t1),
        core::cmp::Ordering::Equal => (s1, t1.max(t2)),
    };
    let (trust_list_sequence, trust_list_issued_at) = pair(
        b.trust_list_sequence,
        b.trust_list_issued_at,
        saved.trust_list_sequence,
        saved.trust_list_issued_at,
    );
    let (revocation_sequence, revocation_issued_at) = pair(
        b.revocation_sequence,
        b.revocation_issued_at,
        saved.revocation_sequence,
        saved.revocation_issued_at,
    );
    Checkpoint {
        clock_floor: b.clock_floor.max(saved.clock_floor),
        trust_list_sequence,
        trust_list_issued_at,
        revocation_sequence,
        revocation_issued_at,
    }
}
