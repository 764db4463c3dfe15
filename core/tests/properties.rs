//! Property tests: round trips of claims and both text forms, canonical encoding, and base45
//! against the `base45` crate (the RFC 9285 examples are unit tests in `src/base45.rs`).

use proptest::prelude::*;
use qrseal_core::wire::{
    MAX_BODY_LEN, MAX_TEST_AGE_SECS, MAX_TOKEN_LEN, MAX_VALIDITY_SECS, encode_body,
};
use qrseal_core::{
    Claims, Colour, Date, DisplayHint, KeyId, SubjectId, TestRecord, TestResult, Timestamp, Token,
    Vaccination, base45, text,
};

fn colour() -> impl Strategy<Value = Colour> {
    prop::sample::select(Colour::ALL.to_vec())
}

fn hint() -> impl Strategy<Value = Option<DisplayHint>> {
    prop::option::of(
        "[a-zA-Z0-9 *张明王李]{1,10}"
            .prop_filter_map("fits 32 bytes", |s| DisplayHint::new(&s).ok()),
    )
}

prop_compose! {
    /// Any claims v1 can carry.
    fn claims()(
        subject in any::<[u8; 12]>(),
        colour in colour(),
        issued in 0..=u64::from(u32::MAX),
        validity in 1..=u64::from(MAX_VALIDITY_SECS),
        test in prop::option::of((0..3usize, 0..=u64::from(MAX_TEST_AGE_SECS))),
        vaccination in prop::option::of((1..=u8::MAX, any::<u16>())),
        display_hint in hint(),
    ) -> Claims {
        let issued_at = Timestamp::from_unix(issued);
        Claims::new(SubjectId(subject), colour, issued_at, issued_at.saturating_add(validity))
            .with_test(test.map(|(r, age)| TestRecord {
                result: [TestResult::Negative, TestResult::Positive, TestResult::Pending][r],
                collected_at: issued_at.saturating_sub(age.min(issued)),
            }))
            .with_vaccination(vaccination.map(|(doses, days)| Vaccination {
                doses,
                last_dose: Date::from_days_since_epoch(days),
            }))
            .with_display_hint(display_hint)
    }
}

fn token(key_id: [u8; 4], claims: &Claims, signature: [u8; 64]) -> Vec<u8> {
    let mut body = [0u8; MAX_BODY_LEN];
    let n = encode_body(KeyId(key_id), claims, &mut body).unwrap();
    let mut t = body[..n].to_vec();
    t.extend_from_slice(&signature);
    t
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn claims_round_trip_through_bytes_and_both_text_forms(
        key_id in any::<[u8; 4]>(),
        claims in claims(),
        sig in prop::array::uniform32(any::<u8>()),
    ) {
        let mut signature = [0u8; 64];
        signature[..32].copy_from_slice(&sig);
        let bytes = token(key_id, &claims, signature);
        prop_assert!(bytes.len() <= MAX_TOKEN_LEN);
        let parsed = Token::parse(&bytes).unwrap();
        prop_assert_eq!(parsed.claims, claims);
        prop_assert_eq!(parsed.key_id, KeyId(key_id));
        prop_assert_eq!(parsed.signature, &signature);
        let mut buf = [0u8; MAX_TOKEN_LEN];
        let qr = text::encode_qr(&bytes);
        prop_assert!(qr.len() <= text::MAX_QR_TEXT_LEN);
        prop_assert_eq!(text::decode(&qr, &mut buf).unwrap().0, &bytes[..]);
        let url = text::encode_url(&bytes);
        prop_assert_eq!(text::decode(&url, &mut buf).unwrap().0, &bytes[..]);
    }

    /// Encoding is injective: two claim sets share an encoding only if they are equal.
    #[test]
    fn distinct_claims_have_distinct_encodings(a in claims(), b in claims()) {
        let (ta, tb) = (token([0; 4], &a, [0; 64]), token([0; 4], &b, [0; 64]));
        prop_assert_eq!(a == b, ta == tb);
    }

    /// Canonical form: any byte string that parses is exactly the encoding of what it holds,
    /// so no two distinct byte strings carry the same claims (and the same signature could
    /// never vouch for two). Mutations of valid tokens explore the near misses.
    #[test]
    fn anything_that_parses_is_the_canonical_encoding(
        claims in claims(),
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0..3u8), 1..4),
    ) {
        let mut bytes = token([1, 2, 3, 4], &claims, [7; 64]);
        for (at, value, kind) in edits {
            let i = at.index(bytes.len() + 1);
            match kind {
                0 if i < bytes.len() => bytes[i] = value,
                1 => bytes.insert(i.min(bytes.len()), value),
                _ if i < bytes.len() => { bytes.remove(i); }
                _ => {}
            }
        }
        if let Ok(parsed) = Token::parse(&bytes) {
            let again = token(parsed.key_id.0, &parsed.claims, *parsed.signature);
            prop_assert_eq!(again, bytes);
        }
    }

    /// Arbitrary bytes never panic the parser, and what parses is canonical.
    #[test]
    fn arbitrary_bytes_parse_or_fail_cleanly(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        if let Ok(parsed) = Token::parse(&bytes) {
            prop_assert_eq!(token(parsed.key_id.0, &parsed.claims, *parsed.signature), bytes);
        }
    }

    /// Arbitrary text never panics the decoder; what decodes re-encodes to the same text.
    #[test]
    fn arbitrary_text_decodes_or_fails_cleanly(s in "(QS:)?[0-9A-Z $%*+\\-./:a-z_=]{0,210}") {
        let mut buf = [0u8; MAX_TOKEN_LEN];
        if let Ok((bytes, form)) = text::decode(&s, &mut buf) {
            let again = match form {
                text::TextForm::Qr => text::encode_qr(bytes),
                text::TextForm::Url => text::encode_url(bytes),
            };
            prop_assert_eq!(again, s);
        }
    }

    #[test]
    fn base45_agrees_with_the_base45_crate(data in prop::collection::vec(any::<u8>(), 0..150)) {
        let mut out = [0u8; 225];
        let n = base45::encode_into(&data, &mut out).unwrap();
        let ours = std::str::from_utf8(&out[..n]).unwrap();
        // `::base45` is the crates.io crate; `base45` is ours.
        prop_assert_eq!(ours, ::base45::encode(&data));
        let mut back = [0u8; 150];
        let m = base45::decode_into(ours.as_bytes(), &mut back).unwrap();
        prop_assert_eq!(&back[..m], &data[..]);
    }
}
