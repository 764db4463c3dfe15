//! Property tests through the verifier: any single-character change to a valid token's text
//! (either form) is rejected, and batch verification returns what single verification does.

use proptest::prelude::*;
use qrseal_core::{Colour, Date, DisplayHint, TestRecord, TestResult, Timestamp, Vaccination};
use qrseal_issuer::{Issuer, IssuerKey, Status, SubjectSecret};
use qrseal_verifier::{TrustedKey, Verifier};

const NOW: u64 = 1_795_248_000;
const URL_ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

fn issuer() -> Issuer {
    Issuer::new(
        IssuerKey::from_secret_bytes([5; 32]),
        SubjectSecret::from_bytes([6; 32]),
    )
}

fn verifier(issuer: &Issuer) -> Verifier {
    Verifier::new([TrustedKey::from_bytes(&issuer.key().public_key()).unwrap()])
}

prop_compose! {
    fn status()(
        id in "[0-9]{17}[0-9X]",
        colour in prop::sample::select(Colour::ALL.to_vec()),
        test_age in prop::option::of(0..200_000u64),
        doses in 0..5u8,
        hint in prop::option::of("[A-Z*]{1,8} [0-9*]{4}"),
    ) -> Status {
        let issuer = issuer();
        Status {
            subject: issuer.subject(&id).unwrap(),
            colour,
            test: test_age.map(|age| TestRecord {
                result: TestResult::Negative,
                collected_at: Timestamp::from_unix(NOW - age),
            }),
            vaccination: (doses > 0).then(|| Vaccination {
                doses,
                last_dose: Date::from_days_since_epoch(20_000),
            }),
            display_hint: hint.map(|h| DisplayHint::new(&h).unwrap()),
        }
    }
}

fn replace_char(text: &str, at: usize, alphabet: &[u8], pick: usize) -> Option<String> {
    let mut bytes = text.as_bytes().to_vec();
    let old = bytes[at];
    let new = alphabet
        .iter()
        .copied()
        .filter(|&c| c != old)
        .nth(pick % (alphabet.len() - 1))?;
    bytes[at] = new;
    String::from_utf8(bytes).ok()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn any_single_character_change_is_rejected(
        status in status(),
        at in any::<prop::sample::Index>(),
        pick in any::<usize>(),
    ) {
        let issuer = issuer();
        let v = verifier(&issuer);
        let now = Timestamp::from_unix(NOW);
        let token = issuer.issue(&status, now).unwrap();
        let qr = token.qr_text();
        let url = token.url_text();
        prop_assert!(v.verify(&qr, now).is_ok());
        // QR form: any position after the prefix, any other base45 character; or the prefix.
        let i = at.index(qr.len());
        let alphabet: &[u8] = if i < 3 { b"ABCDEFGHIJKLMNOPQRSTUVWXYZ:" } else { qrseal_core::base45::ALPHABET };
        let changed = replace_char(&qr, i, alphabet, pick).unwrap();
        prop_assert!(v.verify(&changed, now).is_err(), "QR change at {i}: {changed}");
        // URL form.
        let j = at.index(url.len());
        let changed = replace_char(&url, j, URL_ALPHABET, pick).unwrap();
        prop_assert!(v.verify(&changed, now).is_err(), "URL change at {j}: {changed}");
    }

    #[test]
    fn batch_returns_what_single_verification_returns(
        statuses in prop::collection::vec(status(), 1..40),
        damage in prop::collection::vec((any::<prop::sample::Index>(), any::<usize>()), 0..6),
        later in 0..200_000u64,
    ) {
        let issuer = issuer();
        let v = verifier(&issuer);
        let issued = Timestamp::from_unix(NOW);
        let mut texts: Vec<String> =
            statuses.iter().map(|s| issuer.issue(s, issued).unwrap().qr_text()).collect();
        for (which, pick) in damage {
            let k = which.index(texts.len());
            let at = 3 + pick % (texts[k].len() - 3);
            if let Some(t) = replace_char(&texts[k], at, qrseal_core::base45::ALPHABET, pick) {
                texts[k] = t;
            }
        }
        // Verify some time after issue, so that some tokens have expired.
        let now = issued.saturating_add(later);
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        let batch = v.verify_batch(&refs, now);
        prop_assert_eq!(batch.len(), refs.len());
        for (t, r) in refs.iter().zip(&batch) {
            prop_assert_eq!(&v.verify(t, now), r);
        }
    }
}
