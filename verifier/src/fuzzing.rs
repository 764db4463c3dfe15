//! Entry points for the fuzz targets in `fuzz/` (not a public API). Each takes arbitrary
//! bytes, drives one parser or the whole verifier, and asserts the invariants that must hold
//! for every input: no panic, and the properties named in each function.

use alloc::vec::Vec;

use qrseal_core::{
    Claims, Colour, Date, MAX_BODY_LEN, MAX_TOKEN_LEN, SubjectId, TestRecord, TestResult,
    Timestamp, Token, Vaccination, encode_body, text,
};

use crate::{ColourSet, Policy, TrustedKey, Verifier};

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
    if let Ok(claims) = from_bytes {
        assert!(claims.issued_at < claims.expires_at);
        assert_eq!(v.verify(&text::encode_url(data), NOW), Ok(claims));
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
    let claims = Claims {
        subject: SubjectId([byte(1); 12]),
        colour,
        test: (byte(2) % 4 != 0).then(|| TestRecord {
            result: [
                TestResult::Negative,
                TestResult::Positive,
                TestResult::Pending,
            ][usize::from(byte(2) % 3)],
            collected_at: Timestamp::from_unix(u64::from(word(3))),
        }),
        vaccination: (byte(7) != 0).then(|| Vaccination {
            doses: byte(7),
            last_dose: Date::from_days_since_epoch(u16::from(byte(8)) << 8),
        }),
        issued_at: Timestamp::from_unix(u64::from(word(9))),
        expires_at: Timestamp::from_unix(u64::from(word(13))),
        display_hint: None,
    };
    let policy = Policy {
        accepted_colours: Colour::ALL
            .into_iter()
            .filter(|c| byte(17) & (1 << (*c as u8)) != 0)
            .collect::<ColourSet>(),
        max_test_age_secs: (byte(18) % 2 == 1).then(|| u64::from(word(19))),
        min_doses: byte(23),
        ..Policy::default()
    };
    let now = Timestamp::from_unix(u64::from(word(24)));
    let decision = policy.evaluate(&claims, now);
    assert_eq!(decision.admitted(), decision.denials().next().is_none());
    assert_eq!(
        policy.accepted_colours.contains(colour),
        !decision
            .denials()
            .any(|d| matches!(d, crate::Denial::Colour(_)))
    );
}

/// Image decoding (feature `image`): bounded, never panics.
#[cfg(feature = "image")]
pub fn image_decode(data: &[u8]) {
    let _ = crate::frame::decode_image(data);
}
