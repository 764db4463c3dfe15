//! Verification through the public API: every rejection reason, clock skew, batch agreement
//! and policy decisions.

use std::time::Duration;

use qrseal_core::{
    Colour, Date, DisplayHint, TestRecord, TestResult, Timestamp, Vaccination, text,
};
use qrseal_issuer::{IssuedToken, Issuer, IssuerKey, Status, SubjectSecret};
use qrseal_verifier::{
    ColourSet, Denial, Error, KeyDefect, Policy, TrustedKey, Verified, Verifier,
};

const NOW: u64 = 1_795_248_000; // 2026-11-21T08:00:00Z

fn now() -> Timestamp {
    Timestamp::from_unix(NOW)
}

fn issuer(seed: u8) -> Issuer {
    Issuer::new(
        IssuerKey::from_secret_bytes([seed; 32]),
        SubjectSecret::from_bytes([9; 32]),
    )
}

fn trust(issuers: &[&Issuer]) -> Verifier {
    Verifier::new(
        issuers
            .iter()
            .map(|i| TrustedKey::from_bytes(&i.key().public_key()).unwrap()),
    )
}

fn full_status(issuer: &Issuer, id: &str, colour: Colour) -> Status {
    Status {
        subject: issuer.subject(id).unwrap(),
        colour,
        test: Some(TestRecord {
            result: TestResult::Negative,
            collected_at: now().saturating_sub(20 * 3600),
        }),
        vaccination: Some(Vaccination {
            doses: 2,
            last_dose: "2026-05-01".parse::<Date>().unwrap(),
        }),
        display_hint: Some(DisplayHint::new("张*明 ****1234").unwrap()),
    }
}

fn issue(issuer: &Issuer, colour: Colour) -> IssuedToken {
    issuer
        .issue(&full_status(issuer, "110101199003078888", colour), now())
        .unwrap()
}

#[test]
fn a_valid_token_verifies_in_both_text_forms() {
    let iss = issuer(1);
    let token = issue(&iss, Colour::Green);
    let v = trust(&[&iss]);
    let verified = v.verify(&token.qr_text(), now()).unwrap();
    assert_eq!(verified.claims, *token.claims());
    // A plain verifier holds no dated trust data and no revocation data.
    assert_eq!((verified.stale, verified.revocations), (None, None));
    assert_eq!(v.verify(&token.url_text(), now()).unwrap(), verified);
    assert_eq!(v.verify_bytes(token.bytes(), now()).unwrap(), verified);
}

#[test]
fn each_rejection_names_its_reason() {
    let iss = issuer(1);
    let token = issue(&iss, Colour::Green);
    let v = trust(&[&iss]);
    let qr = token.qr_text();

    assert_eq!(
        v.verify("", now()),
        Err(Error::Malformed(qrseal_core::Error::EmptyText))
    );
    assert!(matches!(
        v.verify("QS:!!!", now()),
        Err(Error::Malformed(qrseal_core::Error::InvalidCharacter {
            offset: 3
        }))
    ));
    assert!(matches!(
        v.verify(&"Q".repeat(10_000), now()),
        Err(Error::Malformed(qrseal_core::Error::TextTooLong { .. }))
    ));

    let mut v2 = token.bytes().to_vec();
    v2[0] = 2;
    assert_eq!(
        v.verify(&text::encode_qr(&v2), now()),
        Err(Error::UnsupportedVersion(2))
    );

    let stranger = trust(&[&issuer(2)]);
    assert_eq!(
        stranger.verify(&qr, now()),
        Err(Error::UnknownKey(iss.key().key_id()))
    );

    let c = token.claims();
    let after = c
        .expires_at
        .saturating_add(Verifier::DEFAULT_CLOCK_SKEW.as_secs());
    let by = after.seconds_since(c.expires_at);
    assert_eq!(
        v.verify(&qr, after),
        Err(Error::Expired {
            by: Duration::from_secs(by)
        })
    );
    let before = c
        .issued_at
        .saturating_sub(Verifier::DEFAULT_CLOCK_SKEW.as_secs() + 1);
    assert_eq!(
        v.verify(&qr, before),
        Err(Error::NotYetValid {
            by: Verifier::DEFAULT_CLOCK_SKEW + Duration::from_secs(1)
        })
    );

    // Flip one bit in every signature byte, in R and in s.
    for i in token.bytes().len() - 64..token.bytes().len() {
        let mut forged = token.bytes().to_vec();
        forged[i] ^= 0x01;
        assert_eq!(
            v.verify_bytes(&forged, now()),
            Err(Error::BadSignature),
            "byte {i}"
        );
    }
    // A changed claim with the old signature.
    let mut changed = token.bytes().to_vec();
    changed[5] ^= 0x80; // first byte of the subject
    assert_eq!(v.verify_bytes(&changed, now()), Err(Error::BadSignature));
}

#[test]
fn oversized_input_is_refused_by_its_length_alone() {
    let v = trust(&[&issuer(1)]);
    // 64 MiB of valid base45 behind the QR prefix, and of base64url: refused before a byte of
    // content is decoded (the bound is generous: the check itself takes microseconds).
    for big in [format!("QS:{}", "0".repeat(64 << 20)), "A".repeat(64 << 20)] {
        let start = std::time::Instant::now();
        assert!(matches!(
            v.verify(&big, now()),
            Err(Error::Malformed(qrseal_core::Error::TextTooLong { .. }))
        ));
        assert!(start.elapsed() < std::time::Duration::from_millis(500));
        let refs = [big.as_str(); 3];
        assert!(v.verify_batch(&refs, now()).iter().all(Result::is_err));
    }
    let mut bytes = vec![1u8; 64 << 20];
    bytes[0] = 1;
    assert!(v.verify_bytes(&bytes, now()).is_err());
}

#[test]
fn clock_skew_is_tolerated_and_configurable() {
    let iss = issuer(1);
    let token = issue(&iss, Colour::Green);
    let c = token.claims();
    let qr = token.qr_text();
    let v = trust(&[&iss]);
    // Within the default 5 minutes either side.
    assert!(v.verify(&qr, c.expires_at.saturating_add(299)).is_ok());
    assert!(v.verify(&qr, c.issued_at.saturating_sub(300)).is_ok());
    // With no skew, the expiry instant itself is already too late.
    let strict = trust(&[&iss]).with_clock_skew(Duration::ZERO);
    assert_eq!(
        strict.verify(&qr, c.expires_at),
        Err(Error::Expired { by: Duration::ZERO })
    );
    assert!(strict.verify(&qr, c.expires_at.saturating_sub(1)).is_ok());
    assert_eq!(
        strict.verify(&qr, c.issued_at.saturating_sub(1)),
        Err(Error::NotYetValid {
            by: Duration::from_secs(1)
        })
    );
}

#[test]
fn any_single_character_change_is_rejected() {
    let iss = issuer(1);
    let v = trust(&[&iss]);
    let qr = issue(&iss, Colour::Green).qr_text();
    let alphabet = qrseal_core::base45::ALPHABET;
    for i in 0..qr.len() {
        for &c in alphabet.iter().step_by(7) {
            if qr.as_bytes()[i] == c {
                continue;
            }
            let mut changed = qr.clone().into_bytes();
            changed[i] = c;
            let changed = String::from_utf8(changed).unwrap();
            assert!(
                v.verify(&changed, now()).is_err(),
                "change at {i} to {}",
                c as char
            );
        }
    }
}

#[test]
fn several_keys_are_trusted_at_once() {
    let (a, b) = (issuer(1), issuer(2));
    let v = trust(&[&a, &b]);
    assert!(v.verify(&issue(&a, Colour::Green).qr_text(), now()).is_ok());
    assert!(v.verify(&issue(&b, Colour::Green).qr_text(), now()).is_ok());
    assert_eq!(v.keys().len(), 2);
    // The same key twice is kept once.
    assert_eq!(trust(&[&a, &a]).keys().len(), 1);
}

#[test]
fn keys_are_held_sorted_by_id_and_the_first_of_a_key_given_twice_is_kept() {
    use qrseal_core::lists::{KeyEntry, KeyState, Window};
    // Verifier::new inserts keys one by one instead of sorting them with std's sort (for the
    // size of the WebAssembly module): the order and the choice among duplicates must stay
    // those of the stable sort and dedup it replaced.
    let keys: Vec<[u8; 32]> = (1..=12)
        .map(|seed| issuer(seed).key().public_key())
        .collect();
    let order =
        |v: &Verifier| -> Vec<[u8; 32]> { v.keys().iter().map(|k| *k.public_key()).collect() };
    let mut expected = keys.clone();
    expected.sort_by_key(|k| (TrustedKey::from_bytes(k).unwrap().key_id(), *k));
    let given = |ks: &mut dyn Iterator<Item = &[u8; 32]>| {
        Verifier::new(ks.map(|k| TrustedKey::from_bytes(k).unwrap()))
    };
    assert_eq!(order(&given(&mut keys.iter())), expected);
    assert_eq!(order(&given(&mut keys.iter().rev())), expected);
    assert_eq!(order(&given(&mut expected.iter())), expected);
    // Each key twice, in two orders: each kept once.
    assert_eq!(
        order(&given(&mut keys.iter().chain(keys.iter().rev()))),
        expected
    );

    // The same key with two different windows: the first given wins, whichever it is.
    let with_window = |from: u64| {
        TrustedKey::from_entry(&KeyEntry {
            public_key: keys[0],
            signing: Window::ALWAYS,
            accepting: Window {
                from: Timestamp::from_unix(from),
                until: Timestamp::from_unix(u64::from(u32::MAX)),
            },
            state: KeyState::Active,
        })
        .unwrap()
    };
    for (first, second) in [(10, 20), (20, 10)] {
        let v = Verifier::new([
            with_window(first),
            TrustedKey::from_bytes(&keys[1]).unwrap(),
            with_window(second),
        ]);
        assert_eq!(v.keys().len(), 2);
        let kept = v
            .keys()
            .iter()
            .find(|k| *k.public_key() == keys[0])
            .unwrap();
        assert_eq!(kept.acceptance_window().from, Timestamp::from_unix(first));
    }
}

#[test]
fn public_key_pem_in_every_layout_qrseal_accepts_and_nothing_else() {
    let iss = issuer(1);
    let pem = iss.key().public_key_pem().unwrap();
    let key = iss.key().public_key();
    let body = pem
        .lines()
        .find(|l| !l.starts_with("-----"))
        .unwrap()
        .to_owned();
    assert_eq!(body.len(), 60);
    let doc = |b: &str| format!("-----BEGIN PUBLIC KEY-----\n{b}\n-----END PUBLIC KEY-----\n");
    let accepted = [
        pem.clone(),
        pem.trim_end().to_owned(),
        pem.replace('\n', "\r\n"),
        pem.replace('\n', "\r"),
        // Text before the document (RFC 7468, section 5.2).
        format!("text before\n{pem}"),
        format!("\n{pem}"),
        // One empty line after the text.
        doc(&format!("{body}\n")),
    ];
    for text in &accepted {
        let got = TrustedKey::from_public_key_pem(text);
        assert_eq!(got.map(|k| *k.public_key()), Ok(key), "{text:?}");
    }
    let not_pem = Err(Error::InvalidKey(KeyDefect::NotPem));
    // The last character before `=` carries 2 unused bits: set the lowest (non-canonical
    // base64 of the same bytes).
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut flipped_tail = body.clone().into_bytes();
    let value = ALPHABET
        .iter()
        .position(|&c| c == flipped_tail[58])
        .unwrap();
    assert_eq!(value & 3, 0);
    flipped_tail[58] = ALPHABET[value | 1];
    let flipped_tail = String::from_utf8(flipped_tail).unwrap();
    let refused = [
        String::new(),
        "not pem".to_owned(),
        pem.replace("PUBLIC KEY", "PRIVATE KEY"),
        pem.replace("BEGIN PUBLIC KEY", "BEGIN PUBLIC  KEY"),
        format!("{pem}\n"),
        format!("{pem} "),
        format!("{pem}text after\n"),
        format!("text before{pem}"),
        format!("nul\0before\n{pem}"),
        pem.replace("-----\n", "-----"),
        doc(""),
        doc(&format!("{body}\n\n")),
        doc(&format!("\n{body}")),
        doc(&format!("{}\n\n{}", &body[..30], &body[30..])),
        // Strict RFC 7468 (section 3): lines of 64 characters but the last, so the 60 of an
        // Ed25519 key are one line.
        doc(&format!("{}\n{}", &body[..30], &body[30..])),
        doc(&body.replace('=', "")),
        doc(&format!("{body}AAAA")),
        doc(&body[4..]),
        doc(&format!("MCowBQYDK2VwAyEB{}", &body[16..])),
        // An X25519 key (OID 1.3.101.110), the same length.
        doc(&format!("MCowBQYDK2VuAyEA{}", &body[16..])),
        doc(&format!("{} {}", &body[..30], &body[30..])),
        doc(&flipped_tail),
        doc(&"A".repeat(65)),
        doc(&"A".repeat(100_000)),
    ];
    for (i, text) in refused.iter().enumerate() {
        let got = TrustedKey::from_public_key_pem(text).map(|k| *k.public_key());
        assert_eq!(got, not_pem, "case {i}: {:?}", &text[..text.len().min(200)]);
    }
}

#[test]
fn keys_that_allow_forgery_are_refused_at_load() {
    // The identity point (small order) and a non-canonical encoding of y.
    let mut identity = [0u8; 32];
    identity[0] = 1;
    assert_eq!(
        TrustedKey::from_bytes(&identity).unwrap_err(),
        Error::InvalidKey(KeyDefect::Weak)
    );
    let mut non_canonical = [0xffu8; 32];
    non_canonical[0] = 0xed;
    non_canonical[31] = 0x7f;
    assert_eq!(
        TrustedKey::from_bytes(&non_canonical).unwrap_err(),
        Error::InvalidKey(KeyDefect::Weak)
    );
    assert_eq!(
        TrustedKey::from_public_key_pem("not pem").unwrap_err(),
        Error::InvalidKey(KeyDefect::NotPem)
    );
    let pem = issuer(1).key().public_key_pem().unwrap();
    assert_eq!(
        TrustedKey::from_public_key_pem(&pem).unwrap().public_key(),
        &issuer(1).key().public_key()
    );
}

#[test]
fn batch_verification_returns_exactly_what_single_verification_does() {
    let (a, b) = (issuer(1), issuer(2));
    let v = trust(&[&a, &b]);
    let mut texts: Vec<String> = Vec::new();
    for i in 0..150 {
        let iss = if i % 3 == 0 { &b } else { &a };
        let colour = Colour::ALL[i % 4];
        let token = iss
            .issue(&full_status(iss, &format!("ID{i}"), colour), now())
            .unwrap();
        let mut t = token.qr_text();
        match i % 25 {
            // A forged signature.
            7 => {
                let mut bytes = token.bytes().to_vec();
                let last = bytes.len() - 1;
                bytes[last - 40] ^= 4;
                t = text::encode_qr(&bytes);
            }
            // Damaged text.
            11 => t.truncate(t.len() - 3),
            // Unknown key.
            13 => t = issue(&issuer(3), Colour::Green).qr_text(),
            // URL form mixed in.
            17 => t = token.url_text(),
            _ => {}
        }
        texts.push(t);
    }
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    let batch = v.verify_batch(&refs, now());
    assert_eq!(batch.len(), refs.len());
    let mut bad = 0;
    for (i, (t, got)) in refs.iter().zip(&batch).enumerate() {
        assert_eq!(got, &v.verify(t, now()), "token {i}");
        bad += usize::from(got.is_err());
    }
    assert_eq!(bad, 18);
    // All-good batches take the fast path and still return every claim.
    let good: Vec<&str> = refs
        .iter()
        .zip(&batch)
        .filter(|(_, r)| r.is_ok())
        .map(|(t, _)| *t)
        .collect();
    assert!(v.verify_batch(&good, now()).iter().all(Result::is_ok));
    assert!(v.verify_batch(&[], now()).is_empty());
}

/// A token with these contents, issued an hour ago and verified now by a plain verifier.
fn verified_with(colour: Colour, test: Option<(TestResult, u64)>, doses: u8) -> Verified {
    let iss = issuer(1);
    let status = Status {
        subject: iss.subject("110101199003078888").unwrap(),
        colour,
        test: test.map(|(result, age)| TestRecord {
            result,
            collected_at: now().saturating_sub(age),
        }),
        vaccination: (doses > 0).then(|| Vaccination {
            doses,
            last_dose: Date::from_days_since_epoch(20_000),
        }),
        display_hint: None,
    };
    let token = iss.issue(&status, now().saturating_sub(3600)).unwrap();
    trust(&[&iss]).verify(&token.qr_text(), now()).unwrap()
}

#[test]
fn policy_admits_or_denies_with_every_reason() {
    let default = Policy::default();
    assert!(
        default
            .evaluate(&verified_with(Colour::Green, None, 0), now())
            .admitted()
    );
    let d = default.evaluate(&verified_with(Colour::Yellow, None, 0), now());
    assert!(!d.admitted());
    assert_eq!(
        d.denials().collect::<Vec<_>>(),
        vec![Denial::Colour(Colour::Yellow)]
    );

    let gate = Policy::default()
        .accept(
            [Colour::Green, Colour::Yellow]
                .into_iter()
                .collect::<ColourSet>(),
        )
        .max_test_age(Duration::from_secs(48 * 3600))
        .min_doses(2);
    let h = 3600;
    assert!(
        gate.evaluate(
            &verified_with(Colour::Yellow, Some((TestResult::Negative, 47 * h)), 2),
            now()
        )
        .admitted()
    );
    assert_eq!(
        gate.evaluate(
            &verified_with(Colour::Green, Some((TestResult::Negative, 50 * h)), 2),
            now()
        )
        .denials()
        .collect::<Vec<_>>(),
        vec![Denial::TestTooOld {
            age: Duration::from_secs(50 * h),
            max: Duration::from_secs(48 * h)
        }]
    );
    assert_eq!(
        gate.evaluate(
            &verified_with(Colour::Red, Some((TestResult::Positive, h)), 1),
            now()
        )
        .denials()
        .collect::<Vec<_>>(),
        vec![
            Denial::Colour(Colour::Red),
            Denial::TestNotNegative(TestResult::Positive),
            Denial::TooFewDoses { doses: 1, min: 2 }
        ]
    );
    assert_eq!(
        gate.evaluate(&verified_with(Colour::Green, None, 0), now())
            .denials()
            .collect::<Vec<_>>(),
        vec![Denial::NoTest, Denial::TooFewDoses { doses: 0, min: 2 }]
    );
    assert_eq!(
        gate.evaluate(
            &verified_with(Colour::Green, Some((TestResult::Pending, h)), 2),
            now()
        )
        .denials()
        .collect::<Vec<_>>(),
        vec![Denial::TestNotNegative(TestResult::Pending)]
    );
}
