//! The display hint's content rules (docs/SPEC.md section 3): at most four decimal digits,
//! and only characters that NFC leaves alone, enforced alike when claims are built (issuer)
//! and when a token is parsed (verifier).

// A failed unwrap is a failed test, with the location in the message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use qrseal_core::wire::{MAX_BODY_LEN, MAX_HINT_DIGITS, encode_body};
use qrseal_core::{Claims, Colour, DisplayHint, Error, Field, KeyId, SubjectId, Timestamp, Token};

/// A token (with a zero signature) whose hint is `placeholder`, with the hint's bytes then
/// replaced by `hint` (same length), so that a parser sees a hint no encoder would write.
fn token_with_hint(placeholder: &str, hint: &str) -> Vec<u8> {
    assert_eq!(placeholder.len(), hint.len());
    let claims = Claims::new(
        SubjectId([7; 12]),
        Colour::Green,
        Timestamp::from_unix(1_795_244_400),
        Timestamp::from_unix(1_795_244_400 + 86_400),
    )
    .with_display_hint(Some(DisplayHint::new(placeholder).unwrap()));
    let mut body = [0u8; MAX_BODY_LEN];
    let n = encode_body(KeyId([1, 2, 3, 4]), &claims, &mut body).unwrap();
    let mut token = body[..n].to_vec();
    let at = n - hint.len();
    assert_eq!(&token[at..], placeholder.as_bytes());
    token[at..].copy_from_slice(hint.as_bytes());
    token.extend_from_slice(&[0u8; 64]);
    token
}

#[test]
fn a_hint_cannot_carry_an_id_number() {
    // The report's example: a full name and an 18-character resident ID.
    for bad in [
        "张三明 110101199003078888",
        "****78888",
        "1101 0119 9003",
        // Full-width digits, as a Chinese input method types them.
        "张*明 ＊＊１２３４５",
        // Digits of other scripts count too: Arabic-Indic and mathematical bold.
        "١٢٣٤٥",
        "𝟏𝟐𝟑𝟒𝟓",
        "1a2b3c4d5e",
    ] {
        match DisplayHint::new(bad) {
            Err(Error::TooManyDigits { field, count, max }) => {
                assert_eq!(field, Field::DisplayHint);
                assert!(count > MAX_HINT_DIGITS, "{bad:?}: {count}");
                assert_eq!(max, MAX_HINT_DIGITS);
            }
            other => panic!("{bad:?}: {other:?}"),
        }
        assert_eq!(
            DisplayHint::new(bad).unwrap_err().code(),
            "too_many_digits",
            "{bad:?}"
        );
    }
    // Masked hints keep working: the last four digits, in any width; other numerals (circled,
    // Han) are not decimal digits.
    for good in [
        "张*明 ****1234",
        "张*明 ＊＊＊＊１２３４",
        "李*华 ****888X",
        "Zoé ①②③④⑤",
        "一二三四五六",
        "王*",
    ] {
        assert_eq!(DisplayHint::new(good).unwrap().as_str(), good);
    }
}

#[test]
fn a_parsed_token_with_an_id_number_in_its_hint_is_refused() {
    let token = token_with_hint("abcdefgh", "12345678");
    assert_eq!(
        Token::parse(&token).unwrap_err(),
        Error::TooManyDigits {
            field: Field::DisplayHint,
            count: 8,
            max: MAX_HINT_DIGITS
        }
    );
    // The same token with four digits parses.
    let token = token_with_hint("abcdefgh", "abcd1234");
    assert_eq!(
        Token::parse(&token)
            .unwrap()
            .claims
            .display_hint
            .unwrap()
            .as_str(),
        "abcd1234"
    );
}

#[test]
fn hints_that_look_alike_are_the_same_bytes() {
    // "Zoé" typed with a combining accent is refused; the precomposed form is accepted.
    assert_eq!(
        DisplayHint::new("Zoe\u{301}").unwrap_err(),
        Error::NotNfc {
            field: Field::DisplayHint,
            offset: 3
        }
    );
    assert_eq!(DisplayHint::new("Zo\u{e9}").unwrap().as_str(), "Zoé");
    for bad in [
        // A CJK compatibility ideograph, which NFC replaces by the unified one.
        "\u{F900}*明",
        // The Angstrom sign (NFC: U+00C5).
        "\u{212B}ngstrom",
        // Hangul written as conjoining jamo, which NFC composes into a syllable.
        "\u{1112}\u{1161}\u{11AB}",
        // A combining mark on its own.
        "\u{301}",
    ] {
        assert_eq!(
            DisplayHint::new(bad).unwrap_err().code(),
            "not_nfc",
            "{bad:?}"
        );
    }
    assert_eq!(DisplayHint::new("한국").unwrap().as_str(), "한국");
    let token = token_with_hint("Zoeé", "Zoe\u{301}");
    assert!(matches!(
        Token::parse(&token),
        Err(Error::NotNfc {
            field: Field::DisplayHint,
            ..
        })
    ));
}
