//! The v1 wire format through the public API: round trips, canonical form, every error kind,
//! and the QR size budget.

use qrseal_core::wire::{
    MAX_BODY_LEN, MAX_TEST_AGE_SECS, MAX_TOKEN_LEN, MAX_VALIDITY_SECS, SIGNATURE_LEN, encode_body,
};

use qrseal_core::{
    Claims, Colour, Date, DisplayHint, Error, Field, KeyId, SubjectId, TestRecord, TestResult,
    Timestamp, Token, Vaccination, text,
};

const NOW: u64 = 1_795_248_000; // 2026-11-21T08:00:00Z

fn minimal() -> Claims {
    Claims::new(
        SubjectId([0xab; 12]),
        Colour::Green,
        Timestamp::from_unix(NOW),
        Timestamp::from_unix(NOW + 86_400),
    )
}

/// Every field present, each numeric one at the largest value v1 allows.
fn largest(hint: Option<&str>) -> Claims {
    Claims::new(
        SubjectId([0xff; 12]),
        Colour::DarkRed,
        Timestamp::from_unix(u64::from(u32::MAX)),
        Timestamp::from_unix(u64::from(u32::MAX) + u64::from(MAX_VALIDITY_SECS)),
    )
    .with_test(Some(TestRecord {
        result: TestResult::Pending,
        collected_at: Timestamp::from_unix(u64::from(u32::MAX) - u64::from(MAX_TEST_AGE_SECS)),
    }))
    .with_vaccination(Some(Vaccination {
        doses: u8::MAX,
        last_dose: Date::from_days_since_epoch(u16::MAX),
    }))
    .with_display_hint(hint.map(|h| DisplayHint::new(h).unwrap()))
}

/// A token with a dummy signature: the format does not look at the signature's value.
fn token(claims: &Claims) -> Vec<u8> {
    let mut body = [0u8; MAX_BODY_LEN];
    let n = encode_body(KeyId([1, 2, 3, 4]), claims, &mut body).unwrap();
    let mut t = body[..n].to_vec();
    t.extend_from_slice(&[0x5a; SIGNATURE_LEN]);
    t
}

#[test]
fn claims_round_trip_through_bytes_and_both_text_forms() {
    let mut cases = vec![minimal(), largest(None), largest(Some("张*明 ****1234"))];
    for colour in Colour::ALL {
        for result in [
            TestResult::Negative,
            TestResult::Positive,
            TestResult::Pending,
        ] {
            let mut c = minimal();
            c.colour = colour;
            c.test = Some(TestRecord {
                result,
                collected_at: Timestamp::from_unix(NOW - 3600),
            });
            cases.push(c);
        }
    }
    for claims in cases {
        let bytes = token(&claims);
        let parsed = Token::parse(&bytes).unwrap();
        assert_eq!(parsed.claims, claims);
        assert_eq!(parsed.key_id, KeyId([1, 2, 3, 4]));
        assert_eq!(parsed.signature, &[0x5a; SIGNATURE_LEN]);
        assert_eq!(parsed.body, &bytes[..bytes.len() - SIGNATURE_LEN]);
        let mut buf = [0u8; MAX_TOKEN_LEN];
        for t in [text::encode_qr(&bytes), text::encode_url(&bytes)] {
            let (decoded, _) = text::decode(&t, &mut buf).unwrap();
            assert_eq!(decoded, &bytes[..]);
        }
    }
}

#[test]
fn size_budget_matches_the_constants() {
    // The worst case without a hint is 99 bytes; with a 16-byte hint 116; with 32, the max.
    assert_eq!(token(&largest(None)).len(), 99);
    assert_eq!(token(&largest(Some("abcdefghijklmnop"))).len(), 116);
    assert_eq!(token(&largest(Some(&"x".repeat(32)))).len(), MAX_TOKEN_LEN);
    // A present-day token with every field is smaller still.
    assert!(token(&minimal()).len() < 99);
}

#[cfg(feature = "render")]
#[test]
fn every_field_but_the_hint_fits_qr_version_6_m_and_a_16_byte_hint_fits_7_m() {
    use qrseal_core::render::{Ecc, QrSymbol};
    let no_hint = text::encode_qr(&token(&largest(None)));
    assert_eq!(no_hint.len(), 152);
    let symbol = QrSymbol::new(&no_hint, Ecc::M).unwrap();
    assert_eq!(symbol.version(), 6);
    assert_eq!(symbol.width(), 41);
    // "张*明 ****1234" is 16 bytes of UTF-8.
    assert_eq!("张*明 ****1234".len(), 16);
    let with_hint = text::encode_qr(&token(&largest(Some("张*明 ****1234"))));
    assert_eq!(with_hint.len(), 177);
    assert_eq!(QrSymbol::new(&with_hint, Ecc::M).unwrap().version(), 7);
    // The URL form is for links, not QR symbols, and is not alphanumeric.
    assert!(QrSymbol::new(&text::encode_url(&token(&minimal())), Ecc::M).is_err());
}

#[test]
fn parse_names_each_defect() {
    let good = token(&largest(Some("ab")));
    let body_len = good.len() - SIGNATURE_LEN;

    assert_eq!(
        Token::parse(&[]).unwrap_err(),
        Error::Truncated {
            field: Field::Version,
            offset: 0
        }
    );
    let mut v2 = good.clone();
    v2[0] = 2;
    assert_eq!(Token::parse(&v2).unwrap_err(), Error::UnsupportedVersion(2));
    assert_eq!(
        Token::parse(&good[..3]).unwrap_err(),
        Error::Truncated {
            field: Field::KeyId,
            offset: 3
        }
    );
    assert_eq!(
        Token::parse(&good[..10]).unwrap_err(),
        Error::Truncated {
            field: Field::Subject,
            offset: 5
        }
    );
    assert_eq!(
        Token::parse(&good[..body_len + 10]).unwrap_err(),
        Error::Truncated {
            field: Field::Signature,
            offset: body_len + 10
        }
    );
    let mut long = good.clone();
    long.push(0);
    assert_eq!(
        Token::parse(&long).unwrap_err(),
        Error::TrailingBytes { extra: 1 }
    );

    // Colour sits right after the 12-byte subject, at offset 17.
    let mut colour = token(&minimal());
    colour[17] = 4;
    assert_eq!(
        Token::parse(&colour).unwrap_err(),
        Error::UnknownEnumValue {
            field: Field::Colour,
            offset: 17
        }
    );
}

/// Byte offsets in the body of `minimal()`: subject 5..17, colour 17, issued_at 18..22,
/// validity 22..25 (86400 = 3 varint bytes), test tag 25, vaccination tag 26, hint tag 27.
#[test]
fn values_outside_v1_are_rejected_with_their_field() {
    let base = token(&minimal());
    let with = |at: usize, new: &[u8], drop: usize| {
        let mut t = base.clone();
        t.splice(at..at + drop, new.iter().copied());
        t
    };
    // Validity 0.
    assert_eq!(
        Token::parse(&with(22, &[0], 3)).unwrap_err(),
        Error::OutOfRange {
            field: Field::Validity,
            offset: 22
        }
    );
    // Validity 2^21 (one over the maximum).
    assert_eq!(
        Token::parse(&with(22, &[0x80, 0x80, 0x80, 0x01], 3)).unwrap_err(),
        Error::OutOfRange {
            field: Field::Validity,
            offset: 22
        }
    );
    // Test tag 4 is not defined.
    assert_eq!(
        Token::parse(&with(25, &[4], 1)).unwrap_err(),
        Error::UnknownEnumValue {
            field: Field::Test,
            offset: 25
        }
    );
    // Test age 2^21.
    assert_eq!(
        Token::parse(&with(25, &[1, 0x80, 0x80, 0x80, 0x01], 1)).unwrap_err(),
        Error::OutOfRange {
            field: Field::Test,
            offset: 25
        }
    );
    // Option tag 2 for vaccination.
    assert_eq!(
        Token::parse(&with(26, &[2], 1)).unwrap_err(),
        Error::UnknownEnumValue {
            field: Field::Vaccination,
            offset: 26
        }
    );
    // Zero doses.
    assert_eq!(
        Token::parse(&with(26, &[1, 0, 1], 1)).unwrap_err(),
        Error::OutOfRange {
            field: Field::Vaccination,
            offset: 26
        }
    );
    // A 33-byte hint.
    let mut hint = vec![1, 33];
    hint.extend_from_slice(&[b'a'; 33]);
    assert_eq!(
        Token::parse(&with(27, &hint, 1)).unwrap_err(),
        Error::FieldTooLong {
            field: Field::DisplayHint,
            len: 33,
            max: 32
        }
    );
    // An empty hint (must be encoded as no hint).
    assert_eq!(
        Token::parse(&with(27, &[1, 0], 1)).unwrap_err(),
        Error::OutOfRange {
            field: Field::DisplayHint,
            offset: 27
        }
    );
    // Invalid UTF-8 and a control character.
    assert_eq!(
        Token::parse(&with(27, &[1, 2, 0xc3, 0x28], 1)).unwrap_err(),
        Error::InvalidText {
            field: Field::DisplayHint
        }
    );
    assert_eq!(
        Token::parse(&with(27, &[1, 2, b'a', 0x1b], 1)).unwrap_err(),
        Error::InvalidText {
            field: Field::DisplayHint
        }
    );
}

#[test]
fn a_non_minimal_varint_is_not_canonical() {
    // Validity 86400 = 0x80 0xa3 0x05; with a redundant continuation byte it still decodes
    // to 86400, so only the canonical check can catch it.
    let base = token(&minimal());
    assert_eq!(&base[22..25], &[0x80, 0xa3, 0x05]);
    let mut t = base.clone();
    t.splice(22..25, [0x80, 0xa3, 0x85, 0x00]);
    assert_eq!(
        Token::parse(&t).unwrap_err(),
        Error::NonCanonical { offset: 24 }
    );
}

#[test]
fn claims_that_v1_cannot_carry_are_refused_at_encoding() {
    let mut buf = [0u8; MAX_BODY_LEN];
    let refuse = |c: Claims, field: Field| {
        let mut buf = [0u8; MAX_BODY_LEN];
        match encode_body(KeyId([0; 4]), &c, &mut buf) {
            Err(Error::Unencodable { field: f, .. }) => assert_eq!(f, field),
            other => panic!("expected Unencodable for {field}, got {other:?}"),
        }
    };
    let mut c = minimal();
    c.expires_at = c.issued_at;
    refuse(c, Field::Validity);
    let mut c = minimal();
    c.expires_at = c.issued_at.saturating_add(u64::from(MAX_VALIDITY_SECS) + 1);
    refuse(c, Field::Validity);
    let mut c = minimal();
    c.issued_at = Timestamp::from_unix(u64::from(u32::MAX) + 1);
    c.expires_at = c.issued_at.saturating_add(60);
    refuse(c, Field::IssuedAt);
    let mut c = minimal();
    c.test = Some(TestRecord {
        result: TestResult::Negative,
        collected_at: c.issued_at.saturating_add(1),
    });
    refuse(c, Field::Test);
    let mut c = minimal();
    c.test = Some(TestRecord {
        result: TestResult::Negative,
        collected_at: c.issued_at.saturating_sub(u64::from(MAX_TEST_AGE_SECS) + 1),
    });
    refuse(c, Field::Test);
    let mut c = minimal();
    c.vaccination = Some(Vaccination {
        doses: 0,
        last_dose: Date::from_days_since_epoch(20_000),
    });
    refuse(c, Field::Vaccination);
    assert!(encode_body(KeyId([0; 4]), &minimal(), &mut buf).is_ok());
}

#[test]
fn display_hints_are_bounded_printable_text() {
    assert_eq!(
        DisplayHint::new("张*明 ****1234").unwrap().as_str(),
        "张*明 ****1234"
    );
    assert!(DisplayHint::new("").is_err());
    assert!(DisplayHint::new(&"a".repeat(33)).is_err());
    assert!(DisplayHint::new("a\u{7}b").is_err());
    assert!(DisplayHint::new("line\nbreak").is_err());
    assert!(DisplayHint::new(&"a".repeat(32)).is_ok());
}

#[test]
fn refresh_falls_in_the_middle_of_the_life_and_spreads_per_holder() {
    let mut seen = std::collections::HashSet::new();
    // Subject ids are HMAC outputs; a xorshift stream stands in for them.
    let mut x = 0x2545_f491_4f6c_dd1du64;
    for _ in 0..1000 {
        let mut c = minimal();
        for b in c.subject.0.iter_mut() {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            *b = (x >> 32) as u8;
        }
        let r = c.refresh_at();
        assert!(r >= c.issued_at.saturating_add(43_200), "{r}");
        assert!(r <= c.issued_at.saturating_add(43_200 + 21_600), "{r}");
        assert!(r < c.expires_at);
        seen.insert(r.unix() / 60);
    }
    // 1000 holders over a 6-hour window: many distinct minutes, not one.
    assert!(seen.len() > 300, "{} distinct minutes", seen.len());
}

#[test]
fn display_hints_refuse_reordering_and_invisible_characters() {
    for bad in [
        "\u{202e}4321 ming",
        "a\u{200b}b",
        "x\u{2066}y",
        "\u{feff}abc",
        "a\u{2028}b",
        "tag\u{e0041}",
    ] {
        assert!(
            matches!(
                DisplayHint::new(bad),
                Err(Error::InvalidText {
                    field: Field::DisplayHint
                })
            ),
            "{bad:?}"
        );
    }
}

#[test]
fn hint_lengths_are_u32_on_every_platform() {
    // Hint tag at byte 27 of `minimal()`'s body.
    let base = token(&minimal());
    let with_hint = |hint: &[u8]| {
        let mut t = base.clone();
        t.splice(27..28, hint.iter().copied());
        t
    };
    // Length u32::MAX: refused as too long before any byte of it is read.
    assert_eq!(
        Token::parse(&with_hint(&[1, 0xff, 0xff, 0xff, 0xff, 0x0f])).unwrap_err(),
        Error::FieldTooLong {
            field: Field::DisplayHint,
            len: u32::MAX as usize,
            max: 32
        }
    );
    // A length that does not fit in a u32 is out of range, on 32- and 64-bit alike.
    assert_eq!(
        Token::parse(&with_hint(&[1, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01])).unwrap_err(),
        Error::OutOfRange {
            field: Field::DisplayHint,
            offset: 27
        }
    );
    // A length longer than what follows is a truncation at the hint.
    assert_eq!(
        Token::parse(&with_hint(&[1, 20, b'a'])[..30]).unwrap_err(),
        Error::Truncated {
            field: Field::DisplayHint,
            offset: 27
        }
    );
}
