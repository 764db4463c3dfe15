//! `tokens.json`: tokens in both text forms with the verifier's expected answer.

use std::time::Duration;

use qrseal_core::text::MAX_QR_TEXT_LEN;
use qrseal_core::wire::{
    MAX_TEST_AGE_SECS, MAX_TOKEN_LEN, MAX_VALIDITY_SECS, SIGNING_DOMAIN, encode_body,
};
use qrseal_core::{
    Claims, Colour, Date, DisplayHint, KeyId, SubjectId, TestRecord, TestResult, Timestamp,
    Vaccination, text,
};
use qrseal_issuer::{Issuer, Status, TtlPolicy};
use qrseal_verifier::{ColourSet, Denial, Policy, Verifier};

use crate::json::Json;
use crate::keys::{self, NamedKey};
use crate::raw::{Parts, hint_bytes, overlong_varint, varint};

/// 2026-11-21T08:00:00Z: the scanner's clock in most cases.
pub(crate) const NOW: Timestamp = Timestamp::from_unix(1_795_248_000);
/// One hour before [`NOW`]: when most tokens were issued.
pub(crate) const ISSUED: Timestamp = Timestamp::from_unix(1_795_248_000 - 3600);
/// The skew most cases verify with (the verifier's default).
pub(crate) const SKEW: u64 = Verifier::DEFAULT_CLOCK_SKEW.as_secs();
/// The (fictional) ID number whose subject hash the tokens carry.
pub(crate) const ID_NUMBER: &str = "110101199003078888";
/// A 16-byte display hint.
pub(crate) const HINT_16: &str = "张*明 ****1234";
/// A 32-byte display hint, the longest allowed.
const HINT_32: &str = "欧阳*明 ****1234 OUYANG *MING";
/// A 33-byte display hint, one byte too long.
const HINT_33: &str = "张*明 ****1234 李*华 ****5678";

/// The group order of Ed25519, little-endian.
const L: [u8; 32] = [
    0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
];

/// What the verifier must answer.
#[derive(Clone, Debug)]
pub(crate) enum Expected {
    Valid {
        key_id: KeyId,
        claims: Claims,
    },
    Invalid {
        code: &'static str,
        field: Option<&'static str>,
        by_secs: Option<u64>,
    },
}

fn err(code: &'static str) -> Expected {
    Expected::Invalid {
        code,
        field: None,
        by_secs: None,
    }
}

fn err_in(code: &'static str, field: &'static str) -> Expected {
    Expected::Invalid {
        code,
        field: Some(field),
        by_secs: None,
    }
}

fn err_by(code: &'static str, by_secs: u64) -> Expected {
    Expected::Invalid {
        code,
        field: None,
        by_secs: Some(by_secs),
    }
}

/// One case.
#[derive(Clone, Debug)]
pub(crate) struct Case {
    pub(crate) name: &'static str,
    pub(crate) description: String,
    pub(crate) trusted: Vec<&'static str>,
    pub(crate) now: Timestamp,
    pub(crate) skew: u64,
    pub(crate) qr_text: Option<String>,
    pub(crate) url_text: Option<String>,
    pub(crate) token: Option<Vec<u8>>,
    pub(crate) expected: Expected,
    pub(crate) policy: Option<(Policy, Vec<Denial>)>,
}

impl Case {
    fn token(name: &'static str, description: &str, token: &[u8], expected: Expected) -> Case {
        Case {
            name,
            description: description.to_owned(),
            trusted: vec!["issuer"],
            now: NOW,
            skew: SKEW,
            qr_text: Some(text::encode_qr(token)),
            url_text: Some(text::encode_url(token)),
            token: Some(token.to_vec()),
            expected,
            policy: None,
        }
    }

    fn text(
        name: &'static str,
        description: &str,
        qr_text: Option<String>,
        url_text: Option<String>,
        expected: Expected,
    ) -> Case {
        Case {
            name,
            description: description.to_owned(),
            trusted: vec!["issuer"],
            now: NOW,
            skew: SKEW,
            qr_text,
            url_text,
            token: None,
            expected,
            policy: None,
        }
    }

    fn at(mut self, now: Timestamp) -> Case {
        self.now = now;
        self
    }

    fn skew(mut self, skew: u64) -> Case {
        self.skew = skew;
        self
    }

    fn trusting(mut self, names: &[&'static str]) -> Case {
        self.trusted = names.to_vec();
        self
    }

    fn policy(mut self, policy: Policy, denials: Vec<Denial>) -> Case {
        self.policy = Some((policy, denials));
        self
    }
}

/// Signs `body` as an issuer does: Ed25519 over `SIGNING_DOMAIN || body`, appended.
fn sign(key: &NamedKey, body: &[u8]) -> Vec<u8> {
    let mut message = SIGNING_DOMAIN.to_vec();
    message.extend_from_slice(body);
    let mut token = body.to_vec();
    token.extend_from_slice(&key.sign(&message));
    token
}

/// Encodes `claims` with the library and signs them.
fn sign_claims(key: &NamedKey, claims: &Claims) -> Result<Vec<u8>, String> {
    let mut body = [0u8; qrseal_core::wire::MAX_BODY_LEN];
    let n = encode_body(key.signing().key_id(), claims, &mut body)
        .map_err(|e| format!("encode_body: {e}"))?;
    Ok(sign(key, &body[..n]))
}

fn hint(text: &str) -> Result<DisplayHint, String> {
    DisplayHint::new(text).map_err(|e| format!("hint {text:?}: {e}"))
}

fn date(y: u32, m: u32, d: u32) -> Result<Date, String> {
    Date::from_ymd(y, m, d).map_err(|e| format!("date: {e}"))
}

fn test_record(result: TestResult, secs_before_issue: u64, issued: Timestamp) -> TestRecord {
    TestRecord {
        result,
        collected_at: issued.saturating_sub(secs_before_issue),
    }
}

/// `s + l`: the same scalar as `s` modulo l, but not its canonical encoding.
fn add_l(s: &[u8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    let mut carry = 0u16;
    for i in 0..32 {
        let sum = u16::from(s[i]) + u16::from(L[i]) + carry;
        out[i] = sum as u8;
        carry = sum >> 8;
    }
    out
}

fn with_signature(token: &[u8], f: impl FnOnce(&mut [u8])) -> Vec<u8> {
    let mut t = token.to_vec();
    let n = t.len();
    f(&mut t[n - 64..]);
    t
}

/// Builds every case.
pub(crate) struct Builder {
    issuer_key: NamedKey,
    subject: SubjectId,
    issuer: Issuer,
}

impl Builder {
    pub(crate) fn new() -> Result<Builder, String> {
        let issuer_key = keys::named("issuer")?;
        let issuer = Issuer::new(issuer_key.signing(), keys::subject_secret());
        let subject = issuer
            .subject(ID_NUMBER)
            .map_err(|e| format!("subject: {e}"))?;
        Ok(Builder {
            issuer_key,
            subject,
            issuer,
        })
    }

    pub(crate) fn subject(&self) -> SubjectId {
        self.subject
    }

    fn status(&self, colour: Colour) -> Status {
        Status::new(self.subject, colour)
    }

    /// Issues through `qrseal_issuer::Issuer` (default TTL policy) at [`ISSUED`].
    fn issue(&self, status: &Status) -> Result<(Vec<u8>, Claims), String> {
        let t = self
            .issuer
            .issue(status, ISSUED)
            .map_err(|e| format!("issue: {e}"))?;
        Ok((t.bytes().to_vec(), *t.claims()))
    }

    fn valid(&self, claims: Claims) -> Expected {
        Expected::Valid {
            key_id: self.issuer_key.signing().key_id(),
            claims,
        }
    }

    /// Claims with every field present (test, vaccination, 16-byte hint), issued at
    /// [`ISSUED`] with the default TTL: the base of the malformed-structure cases.
    fn full_claims(&self) -> Result<Claims, String> {
        Ok(Claims::new(
            self.subject,
            Colour::Green,
            ISSUED,
            TtlPolicy::default().expiry(&self.subject, ISSUED),
        )
        .with_test(Some(test_record(TestResult::Negative, 20 * 3600, ISSUED)))
        .with_vaccination(Some(Vaccination {
            doses: 3,
            last_dose: date(2026, 5, 12)?,
        }))
        .with_display_hint(Some(hint(HINT_16)?)))
    }

    /// A body of `full_claims` with one field replaced, re-signed with the issuer key so that
    /// the replaced field is the only defect.
    fn mutated(&self, f: impl FnOnce(&mut Parts)) -> Result<Vec<u8>, String> {
        self.mutated_from(&self.full_claims()?, f)
    }

    /// Like [`Builder::mutated`], from other claims.
    fn mutated_from(&self, claims: &Claims, f: impl FnOnce(&mut Parts)) -> Result<Vec<u8>, String> {
        let mut parts = Parts::of(self.issuer_key.signing().key_id(), claims);
        f(&mut parts);
        Ok(sign(&self.issuer_key, &parts.body()))
    }

    /// The first `offset_in_field` bytes of `field`, after every field before it, of the
    /// `full_claims` body: a token that ends inside that field (and so has no signature).
    fn cut_in(&self, field: &str, offset_in_field: usize) -> Result<Vec<u8>, String> {
        let parts = Parts::of(self.issuer_key.signing().key_id(), &self.full_claims()?);
        let body = parts.body();
        Ok(body[..parts.offset_of(field) + offset_in_field].to_vec())
    }

    pub(crate) fn cases(&self) -> Result<Vec<Case>, String> {
        let mut cases = Vec::new();
        self.valid_cases(&mut cases)?;
        self.policy_cases(&mut cases)?;
        self.text_cases(&mut cases)?;
        self.structure_cases(&mut cases)?;
        self.signature_cases(&mut cases)?;
        self.time_cases(&mut cases)?;
        Ok(cases)
    }

    fn valid_cases(&self, cases: &mut Vec<Case>) -> Result<(), String> {
        let (token, claims) = self.issue(&self.status(Colour::Green))?;
        cases.push(Case::token(
            "valid-minimal-green",
            "Green, no test, no vaccination, no hint; issued an hour ago with the default TTL \
             (24 h minus the holder's spread). The smallest realistic token.",
            &token,
            self.valid(claims),
        ));

        for (name, colour) in [
            ("valid-colour-yellow", Colour::Yellow),
            ("valid-colour-red", Colour::Red),
            ("valid-colour-dark-red", Colour::DarkRed),
        ] {
            let (token, claims) = self.issue(&self.status(colour))?;
            cases.push(Case::token(
                name,
                &format!(
                    "Colour {} (wire value {}). A valid token whatever its colour: admitting \
                     it is the policy's decision, not the verifier's.",
                    colour.name(),
                    colour as u8
                ),
                &token,
                self.valid(claims),
            ));
        }

        for (name, colour, result, before) in [
            (
                "valid-test-negative",
                Colour::Green,
                TestResult::Negative,
                20 * 3600,
            ),
            (
                "valid-test-positive",
                Colour::Red,
                TestResult::Positive,
                7200,
            ),
            (
                "valid-test-pending",
                Colour::Yellow,
                TestResult::Pending,
                1800,
            ),
        ] {
            let mut status = self.status(colour);
            status.test = Some(test_record(result, before, ISSUED));
            let (token, claims) = self.issue(&status)?;
            cases.push(Case::token(
                name,
                &format!(
                    "Test {} (tag {}), sample collected {} s before issue: the age is \
                     carried, collected_at = issued_at - age.",
                    result.name(),
                    result as u8 + 1,
                    before
                ),
                &token,
                self.valid(claims),
            ));
        }

        // Every field present, each at its largest encoding.
        let max_issuer = Issuer::new(self.issuer_key.signing(), keys::subject_secret())
            .with_ttl(TtlPolicy::new(
                Duration::from_secs(u64::from(MAX_VALIDITY_SECS)),
                Duration::ZERO,
            ))
            .map_err(|e| format!("ttl: {e}"))?;
        let mut status = self.status(Colour::DarkRed);
        status.test = Some(test_record(
            TestResult::Pending,
            u64::from(MAX_TEST_AGE_SECS),
            ISSUED,
        ));
        status.vaccination = Some(Vaccination {
            doses: 255,
            last_dose: date(2026, 10, 1)?,
        });
        status.display_hint = Some(hint(HINT_32)?);
        let max = max_issuer
            .issue(&status, ISSUED)
            .map_err(|e| format!("issue: {e}"))?;
        if max.bytes().len() != MAX_TOKEN_LEN || max.qr_text().len() != MAX_QR_TEXT_LEN {
            return Err(format!(
                "the maximal token is {} bytes, {} QR characters; expected {MAX_TOKEN_LEN} and \
                 {MAX_QR_TEXT_LEN}",
                max.bytes().len(),
                max.qr_text().len()
            ));
        }
        cases.push(Case::token(
            "valid-maximal",
            "Every field at its largest: validity 2^21-1 s, pending test aged 2^21-1 s, 255 \
             doses, last dose as a 3-byte varint, 32-byte hint. 132 bytes = MAX_TOKEN_LEN; \
             201 QR characters, 176 URL characters (the longest texts).",
            max.bytes(),
            self.valid(*max.claims()),
        ));

        // The size budget: every field but the hint at its largest encoding.
        let mut status = self.status(Colour::Green);
        status.test = Some(test_record(TestResult::Negative, 20 * 3600, ISSUED));
        status.vaccination = Some(Vaccination {
            doses: 3,
            last_dose: date(2026, 5, 12)?,
        });
        let (token, claims) = self.issue(&status)?;
        let qr_len = text::encode_qr(&token).len();
        if token.len() != 99 || qr_len != 152 {
            return Err(format!(
                "worst case without hint: {} bytes, {qr_len} chars",
                token.len()
            ));
        }
        cases.push(Case::token(
            "valid-size-budget-no-hint",
            "Negative test and vaccination, no hint: every varint at its 3-byte length, so \
             the largest token without a hint. 99 bytes, 152 QR characters: QR version 6 at \
             ECC M (154 alphanumeric characters).",
            &token,
            self.valid(claims),
        ));

        status.display_hint = Some(hint(HINT_16)?);
        let (token, claims) = self.issue(&status)?;
        let qr_len = text::encode_qr(&token).len();
        if token.len() != 116 || qr_len != 177 {
            return Err(format!(
                "worst case with 16-byte hint: {} bytes, {qr_len} chars",
                token.len()
            ));
        }
        cases.push(Case::token(
            "valid-hint-chinese-16-bytes",
            "The size budget case plus the 16-byte hint `张*明 ****1234` (UTF-8, 4 characters \
             of 3 bytes). 116 bytes, 177 QR characters: QR version 7 at ECC M (178).",
            &token,
            self.valid(claims),
        ));

        let mut status = self.status(Colour::Green);
        status.display_hint = Some(hint("Zoé ＊＊１２３４")?);
        let (token, claims) = self.issue(&status)?;
        cases.push(Case::token(
            "valid-hint-precomposed-and-full-width",
            "A hint `Zoé ＊＊１２３４`: the precomposed é (U+00E9) is NFC-stable, and four \
             full-width digits are within the limit of 4 decimal digits.",
            &token,
            self.valid(claims),
        ));

        let mut status = self.status(Colour::Green);
        status.vaccination = Some(Vaccination {
            doses: 2,
            last_dose: date(2025, 12, 1)?,
        });
        let (token, claims) = self.issue(&status)?;
        let mut case = Case::token(
            "valid-url-form-only",
            "Only the URL form (base64url, no padding) is given; it verifies like the QR form.",
            &token,
            self.valid(claims),
        );
        case.qr_text = None;
        cases.push(case);

        let next = keys::named("next")?;
        let mut claims = claims;
        claims.vaccination = None;
        let token = sign_claims(&next, &claims)?;
        cases.push(
            Case::token(
                "valid-second-trusted-key",
                "Signed by `next`; the verifier trusts `issuer` and `next` (key rotation with \
                 overlap). The key id selects `next`.",
                &token,
                Expected::Valid {
                    key_id: next.signing().key_id(),
                    claims,
                },
            )
            .trusting(&["issuer", "next"]),
        );

        let a = keys::named("collide-a")?;
        let b = keys::named("collide-b")?;
        if a.signing().key_id() != b.signing().key_id() {
            return Err("collide-a and collide-b no longer share a key id".into());
        }
        // The verifier tries keys sharing an id in order of public key: sign with the later
        // one so that the first candidate fails and the second must be tried.
        let (later, later_name) = if a.signing().public_key() > b.signing().public_key() {
            (&a, "collide-a")
        } else {
            (&b, "collide-b")
        };
        let token = sign_claims(later, &claims)?;
        cases.push(
            Case::token(
                "valid-key-id-collision",
                &format!(
                    "Two trusted keys share the key id {}; the token is signed by {later_name}, \
                     the one a verifier sorting candidates by public key tries second. Every \
                     key with the id must be tried.",
                    a.signing().key_id()
                ),
                &token,
                Expected::Valid {
                    key_id: later.signing().key_id(),
                    claims,
                },
            )
            .trusting(&["collide-a", "collide-b"]),
        );

        // A test collected at the epoch: age == issued_at, the largest age allowed there.
        let issued = Timestamp::from_unix(86_400);
        let epoch_claims = Claims::new(
            self.subject,
            Colour::Green,
            issued,
            issued.saturating_add(3600),
        )
        .with_test(Some(TestRecord {
            result: TestResult::Negative,
            collected_at: Timestamp::from_unix(0),
        }));
        let token = sign_claims(&self.issuer_key, &epoch_claims)?;
        cases.push(
            Case::token(
                "valid-test-age-equals-issued-at",
                "Issued 1970-01-02T00:00:00Z with a test aged exactly 86400 s: collected_at = \
                 0, the earliest representable. The age may equal issued_at, not exceed it.",
                &token,
                self.valid(epoch_claims),
            )
            .at(issued),
        );
        Ok(())
    }

    fn policy_cases(&self, cases: &mut Vec<Case>) -> Result<(), String> {
        let h48 = Policy::default().max_test_age(Duration::from_secs(48 * 3600));
        let (token, claims) = self.issue(&self.status(Colour::Green))?;
        cases.push(
            Case::token(
                "policy-default-admits-green",
                "The default policy (green only, no test or dose requirement) admits green.",
                &token,
                self.valid(claims),
            )
            .policy(Policy::default(), vec![]),
        );

        let (token, claims) = self.issue(&self.status(Colour::Yellow))?;
        cases.push(
            Case::token(
                "policy-default-denies-yellow",
                "A valid yellow token; the default policy denies it for its colour.",
                &token,
                self.valid(claims),
            )
            .policy(Policy::default(), vec![Denial::Colour(Colour::Yellow)]),
        );
        cases.push(
            Case::token(
                "policy-green-or-yellow-admits-yellow",
                "The same yellow token under a policy accepting green and yellow: admitted.",
                &token,
                self.valid(claims),
            )
            .policy(
                Policy::default().accept(ColourSet::GREEN.with(Colour::Yellow)),
                vec![],
            ),
        );

        let mut status = self.status(Colour::Green);
        status.test = Some(test_record(TestResult::Negative, 20 * 3600, ISSUED));
        let (token, claims) = self.issue(&status)?;
        cases.push(
            Case::token(
                "policy-48h-admits-recent-negative",
                "Negative test collected 21 h before now; a 48 h policy admits it.",
                &token,
                self.valid(claims),
            )
            .policy(h48, vec![]),
        );

        // Issued 2 h ago with a test collected 47 h before issue: fresh when issued, 49 h
        // old at the gate.
        let issued = NOW.saturating_sub(7200);
        let old = self
            .issuer
            .issue(
                &Status {
                    test: Some(test_record(TestResult::Negative, 47 * 3600, issued)),
                    ..self.status(Colour::Green)
                },
                issued,
            )
            .map_err(|e| format!("issue: {e}"))?;
        cases.push(
            Case::token(
                "policy-48h-denies-old-test",
                "Negative test collected 47 h before issue, issued 2 h ago: 49 h old now. A \
                 48 h policy measures the age at `now`, not at issue, and denies.",
                old.bytes(),
                self.valid(*old.claims()),
            )
            .policy(
                h48,
                vec![Denial::TestTooOld {
                    age: Duration::from_secs(49 * 3600),
                    max: Duration::from_secs(48 * 3600),
                }],
            ),
        );

        let (token, claims) = self.issue(&self.status(Colour::Green))?;
        cases.push(
            Case::token(
                "policy-48h-denies-no-test",
                "Green without a test; a 48 h test policy denies (no test recorded).",
                &token,
                self.valid(claims),
            )
            .policy(h48, vec![Denial::NoTest]),
        );

        let mut status = self.status(Colour::Green);
        status.vaccination = Some(Vaccination {
            doses: 1,
            last_dose: date(2026, 9, 1)?,
        });
        let (token, claims) = self.issue(&status)?;
        cases.push(
            Case::token(
                "policy-min-doses-denies-one-dose",
                "One dose recorded; a policy requiring 2 doses denies.",
                &token,
                self.valid(claims),
            )
            .policy(
                Policy::default().min_doses(2),
                vec![Denial::TooFewDoses { doses: 1, min: 2 }],
            ),
        );

        let mut status = self.status(Colour::Red);
        status.test = Some(test_record(TestResult::Positive, 3600, ISSUED));
        let (token, claims) = self.issue(&status)?;
        cases.push(
            Case::token(
                "policy-every-denial-in-order",
                "Red, positive test, no vaccination, against green-only + 48 h test + 2 doses: \
                 three denials, in the order colour, test, vaccination.",
                &token,
                self.valid(claims),
            )
            .policy(
                h48.min_doses(2),
                vec![
                    Denial::Colour(Colour::Red),
                    Denial::TestNotNegative(TestResult::Positive),
                    Denial::TooFewDoses { doses: 0, min: 2 },
                ],
            ),
        );
        Ok(())
    }

    fn text_cases(&self, cases: &mut Vec<Case>) -> Result<(), String> {
        let (token, _) = self.issue(&self.status(Colour::Green))?;
        let qr = text::encode_qr(&token);
        let url = text::encode_url(&token);

        cases.push(Case::text(
            "empty-text",
            "The empty string, in either form.",
            Some(String::new()),
            Some(String::new()),
            err("empty_text"),
        ));
        cases.push(Case::text(
            "qr-text-too-long",
            "`QS:` followed by 199 zeros: 202 characters, one more than the longest text \
             (201). Rejected on length before any decoding.",
            Some(format!("QS:{}", "0".repeat(199))),
            None,
            err("text_too_long"),
        ));
        cases.push(Case::text(
            "url-text-too-long",
            "177 `A`s: not QR form, and one character more than the longest URL form (176).",
            None,
            Some("A".repeat(177)),
            err("text_too_long"),
        ));

        let mut bad = qr.clone().into_bytes();
        bad[10] = b'a';
        cases.push(Case::text(
            "qr-invalid-character",
            "A valid QR text with its 11th character replaced by `a`: lower case is not in \
             the base45 alphabet.",
            Some(String::from_utf8(bad).map_err(|e| e.to_string())?),
            None,
            err("invalid_character"),
        ));
        // Three ASCII characters replaced by one 3-byte character: the byte length (which
        // is what counts) stays a multiple of 3.
        cases.push(Case::text(
            "qr-non-ascii-character",
            "A valid QR text with 3 characters replaced by `张` (3 bytes of UTF-8): lengths \
             and offsets count bytes, so the length check passes and the character is \
             rejected.",
            Some(format!("{}张{}", &qr[..9], &qr[12..])),
            None,
            err("invalid_character"),
        ));
        cases.push(Case::text(
            "qr-trailing-newline",
            "A valid QR text followed by a line feed, as some scanners send it. Text is \
             verified exactly as given (no trimming); the body is now 3n+1 characters long, \
             which is checked first.",
            Some(format!("{qr}\n")),
            None,
            err("invalid_encoding"),
        ));
        cases.push(Case::text(
            "qr-prefix-lower-case",
            "The prefix must be exactly `QS:`; with `qs:` the text is taken as URL form, \
             where `:` is not allowed.",
            Some(format!("qs:{}", &qr[3..])),
            None,
            err("invalid_character"),
        ));
        cases.push(Case::text(
            "qr-group-over-65535",
            "The first base45 group replaced by `GGW` = 16 + 16*45 + 32*45^2 = 65536, one \
             above what 2 bytes hold.",
            Some(format!("QS:GGW{}", &qr[6..])),
            None,
            err("invalid_encoding"),
        ));
        cases.push(Case::text(
            "qr-final-pair-over-255",
            "A valid QR text with `::` appended: a final 2-character group of value 44 + \
             44*45 = 2024, above 255.",
            Some(format!("{qr}::")),
            None,
            err("invalid_encoding"),
        ));
        cases.push(Case::text(
            "qr-dangling-character",
            "A valid QR text with one `0` appended: a base45 text of length 3n+1 is never \
             valid. This is checked before the characters are.",
            Some(format!("{qr}0")),
            None,
            err("invalid_encoding"),
        ));
        cases.push(Case::text(
            "qr-prefix-only",
            "`QS:` alone decodes to zero bytes: the token is truncated before its version.",
            Some("QS:".into()),
            None,
            err_in("truncated", "version"),
        ));

        cases.push(Case::text(
            "url-padding",
            "A valid URL text with `=` padding appended: padding is not allowed, and `=` is \
             outside the URL-form alphabet.",
            None,
            Some(format!("{url}=")),
            err("invalid_character"),
        ));
        if url.len().is_multiple_of(4) {
            return Err("the base token's URL text needs trailing bits".into());
        }
        let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let last = url.as_bytes()[url.len() - 1];
        let value = alphabet
            .iter()
            .position(|&c| c == last)
            .ok_or("URL text has a foreign character")?;
        let mut bad = url.clone().into_bytes();
        let n = bad.len();
        bad[n - 1] = alphabet[value | 1];
        cases.push(Case::text(
            "url-nonzero-trailing-bits",
            "A valid URL text whose last character is changed so that the bits beyond the \
             last byte are not zero: two texts for one token would otherwise exist.",
            None,
            Some(String::from_utf8(bad).map_err(|e| e.to_string())?),
            err("invalid_encoding"),
        ));
        let mut bad = url.clone().into_bytes();
        bad[0] = b'+';
        cases.push(Case::text(
            "url-standard-base64-character",
            "A valid URL text with its first character replaced by `+`, which belongs to \
             standard base64, not base64url.",
            None,
            Some(String::from_utf8(bad).map_err(|e| e.to_string())?),
            err("invalid_character"),
        ));
        let extra = match url.len() % 4 {
            0 => "A",
            2 => "AAA",
            _ => "AA",
        };
        cases.push(Case::text(
            "url-impossible-length",
            "A valid URL text extended to a length of 4n+1 characters, which no byte string \
             has.",
            None,
            Some(format!("{url}{extra}")),
            err("invalid_encoding"),
        ));
        Ok(())
    }

    fn structure_cases(&self, cases: &mut Vec<Case>) -> Result<(), String> {
        cases.push(Case::token(
            "unsupported-version-2",
            "A well-formed body with version byte 0x02, re-signed. The version is checked \
             first, before anything else.",
            &self.mutated(|p| p.version = vec![2])?,
            err("unsupported_version"),
        ));
        cases.push(Case::token(
            "unsupported-version-lone-byte",
            "A single byte 0x00: the version is checked before any length, so this is an \
             unsupported version, not a truncated token.",
            &[0x00],
            err("unsupported_version"),
        ));

        for (name, field, cut, why) in [
            (
                "truncated-key-id",
                "key_id",
                2,
                "The version and 2 of the 4 key id bytes.",
            ),
            (
                "truncated-subject",
                "subject",
                6,
                "Ends after 6 of the 12 subject bytes.",
            ),
            (
                "truncated-colour",
                "colour",
                0,
                "Ends where the colour should start.",
            ),
            (
                "truncated-issued-at",
                "issued_at",
                2,
                "Ends after 2 of the 4 issued_at bytes.",
            ),
            (
                "truncated-validity",
                "validity",
                1,
                "Ends inside the validity varint (after a byte with the continuation bit).",
            ),
            (
                "truncated-test",
                "test",
                1,
                "Ends after the test tag (negative), before its age.",
            ),
            (
                "truncated-vaccination",
                "vaccination",
                2,
                "Ends after the vaccination tag and dose count, before the date.",
            ),
            (
                "truncated-display-hint",
                "display_hint",
                7,
                "The hint says 16 bytes; only 5 follow.",
            ),
        ] {
            cases.push(Case::token(
                name,
                &format!(
                    "{why} A token cut inside a field is truncated in that field; it has \
                     no signature."
                ),
                &self.cut_in(field, cut)?,
                err_in("truncated", field),
            ));
        }
        let full = self.mutated(|_| ())?;
        cases.push(Case::token(
            "truncated-signature",
            "A complete body and 63 of the 64 signature bytes.",
            &full[..full.len() - 1],
            err_in("truncated", "signature"),
        ));
        let mut long = full.clone();
        long.push(0);
        cases.push(Case::token(
            "trailing-bytes",
            "A valid token with one 0x00 byte after the signature.",
            &long,
            err("trailing_bytes"),
        ));

        cases.push(Case::token(
            "unknown-colour",
            "Colour value 4 (defined: 0-3).",
            &self.mutated(|p| p.colour = vec![4])?,
            err_in("unknown_enum_value", "colour"),
        ));
        cases.push(Case::token(
            "unknown-test-tag",
            "Test tag 4 (defined: 0 none, 1 negative, 2 positive, 3 pending), followed by an \
             age.",
            &self.mutated(|p| p.test[0] = 4)?,
            err_in("unknown_enum_value", "test"),
        ));
        cases.push(Case::token(
            "vaccination-option-tag-2",
            "Vaccination option tag 2 (defined: 0 absent, 1 present).",
            &self.mutated(|p| p.vaccination[0] = 2)?,
            err_in("unknown_enum_value", "vaccination"),
        ));
        cases.push(Case::token(
            "display-hint-option-tag-2",
            "Display hint option tag 2 (defined: 0 absent, 1 present).",
            &self.mutated(|p| p.display_hint[0] = 2)?,
            err_in("unknown_enum_value", "display_hint"),
        ));

        cases.push(Case::token(
            "validity-zero",
            "Validity 0: a token must expire after it is issued.",
            &self.mutated(|p| p.validity = varint(0))?,
            err_in("out_of_range", "validity"),
        ));
        cases.push(Case::token(
            "validity-over-max",
            "Validity 2^21 s, one above the maximum (a 4-byte varint).",
            &self.mutated(|p| p.validity = varint(1 << 21))?,
            err_in("out_of_range", "validity"),
        ));
        cases.push(Case::token(
            "validity-varint-over-32-bits",
            "Validity ff ff ff ff 1f: a 5-byte varint whose last byte has bits above 2^32.",
            &self.mutated(|p| p.validity = vec![0xff, 0xff, 0xff, 0xff, 0x1f])?,
            err_in("out_of_range", "validity"),
        ));
        cases.push(Case::token(
            "test-age-over-max",
            "Test age 2^21 s, one above the maximum.",
            &self.mutated(|p| {
                let tag = p.test[0];
                p.test = vec![tag];
                p.test.extend(varint(1 << 21));
            })?,
            err_in("out_of_range", "test"),
        ));
        let issued = Timestamp::from_unix(86_400);
        let epoch_claims = Claims::new(
            self.subject,
            Colour::Green,
            issued,
            issued.saturating_add(3600),
        );
        let mut parts = Parts::of(self.issuer_key.signing().key_id(), &epoch_claims);
        parts.test = vec![1];
        parts.test.extend(varint(86_401));
        cases.push(
            Case::token(
                "test-age-before-epoch",
                "Issued 1970-01-02T00:00:00Z (86400) with a test aged 86401 s: it would be \
                 collected before 1970. The age must not exceed issued_at.",
                &sign(&self.issuer_key, &parts.body()),
                err_in("out_of_range", "test"),
            )
            .at(issued),
        );
        cases.push(Case::token(
            "doses-zero",
            "Vaccination present with 0 doses: no vaccination is written as an absent \
             vaccination, never as zero doses.",
            &self.mutated(|p| p.vaccination[1] = 0)?,
            err_in("out_of_range", "vaccination"),
        ));
        cases.push(Case::token(
            "last-dose-over-16-bits",
            "Last-dose date 80 80 04 = 65536 days: a 3-byte varint above what a u16 holds.",
            &self.mutated(|p| {
                p.vaccination.truncate(2);
                p.vaccination.extend([0x80, 0x80, 0x04]);
            })?,
            err_in("out_of_range", "vaccination"),
        ));
        cases.push(Case::token(
            "display-hint-empty",
            "A present hint of length 0: an absent hint is written with tag 0.",
            &self.mutated(|p| p.display_hint = hint_bytes(b""))?,
            err_in("out_of_range", "display_hint"),
        ));
        // Without test and vaccination, so that the token stays within the longest text.
        let no_test = self.full_claims()?.with_test(None).with_vaccination(None);
        cases.push(Case::token(
            "display-hint-too-long",
            "A 33-byte hint (`张*明 ****1234 李*华 ****5678`); at most 32 bytes are allowed. \
             (No test or vaccination, so that the token is no longer than the longest text \
             form allows.)",
            &self.mutated_from(&no_test, |p| {
                p.display_hint = hint_bytes(HINT_33.as_bytes())
            })?,
            err_in("field_too_long", "display_hint"),
        ));
        cases.push(Case::token(
            "display-hint-control-character",
            "A hint containing ESC (U+001B, `\\u001b[2J` clears a terminal): control \
             characters could rewrite a scanner's screen or log line.",
            &self.mutated(|p| p.display_hint = hint_bytes("张*明\u{1b}[2J".as_bytes()))?,
            err_in("invalid_text", "display_hint"),
        ));
        cases.push(Case::token(
            "display-hint-c1-control-character",
            "A hint containing U+009B (CSI, a C1 control, 2 bytes in UTF-8). Every Unicode \
             control character (general category Cc) is rejected.",
            &self.mutated(|p| p.display_hint = hint_bytes("张*明 \u{9b}1234".as_bytes()))?,
            err_in("invalid_text", "display_hint"),
        ));
        cases.push(Case::token(
            "display-hint-bidi-override",
            "A hint containing U+202E (RIGHT-TO-LEFT OVERRIDE), which would show `1234` as \
             `4321` at the gate. Unicode format characters (category Cf) are rejected.",
            &self.mutated(|p| p.display_hint = hint_bytes("张*明 \u{202e}1234".as_bytes()))?,
            err_in("invalid_text", "display_hint"),
        ));
        cases.push(Case::token(
            "display-hint-id-number",
            "A hint holding a name and a whole resident ID number (`张三明 110101199003078888`, \
             18 digits). A token never carries an ID number: a hint may hold at most 4 \
             decimal digits, enough for a masked ID's last four.",
            &self
                .mutated(|p| p.display_hint = hint_bytes("张三明 110101199003078888".as_bytes()))?,
            err_in("too_many_digits", "display_hint"),
        ));
        cases.push(Case::token(
            "display-hint-full-width-digits",
            "A hint with 5 full-width digits (`张*明 １２３４５`, U+FF11..U+FF15, as a Chinese \
             input method types them): every Unicode decimal digit (category Nd) counts.",
            &self.mutated(|p| p.display_hint = hint_bytes("张*明 １２３４５".as_bytes()))?,
            err_in("too_many_digits", "display_hint"),
        ));
        cases.push(Case::token(
            "display-hint-spaced-digits",
            "A hint with 12 digits in runs of 4 (`1101 0119 9003`): digits count in total, \
             not per run.",
            &self.mutated(|p| p.display_hint = hint_bytes(b"1101 0119 9003"))?,
            err_in("too_many_digits", "display_hint"),
        ));
        cases.push(Case::token(
            "display-hint-combining-accent",
            "A hint with `e` followed by U+0301 COMBINING ACUTE ACCENT (`Zoé` typed \
             decomposed). Only characters that NFC leaves alone are allowed, so two hints that \
             look the same are the same bytes; the precomposed `é` (U+00E9) is accepted.",
            &self.mutated(|p| p.display_hint = hint_bytes("Zoe\u{301} ****1234".as_bytes()))?,
            err_in("not_nfc", "display_hint"),
        ));
        cases.push(Case::token(
            "display-hint-cjk-compatibility-ideograph",
            "A hint starting with U+F900 (a CJK compatibility ideograph that NFC replaces by \
             U+8C48): not NFC-stable.",
            &self.mutated(|p| p.display_hint = hint_bytes("\u{F900}*明 ****1234".as_bytes()))?,
            err_in("not_nfc", "display_hint"),
        ));
        let mut bad_utf8 = HINT_16.as_bytes().to_vec();
        bad_utf8[1] = 0x20;
        cases.push(Case::token(
            "display-hint-invalid-utf8",
            "The 16-byte hint with the second byte of `张` replaced by a space: not UTF-8.",
            &self.mutated(|p| p.display_hint = hint_bytes(&bad_utf8))?,
            err_in("invalid_text", "display_hint"),
        ));

        let claims = self.full_claims()?;
        let validity = claims.expires_at.seconds_since(claims.issued_at);
        cases.push(Case::token(
            "non-canonical-validity",
            "Validity written as a 4-byte varint with a redundant zero group: decodes to the \
             same value, but is not the shortest encoding, so two byte strings (and two \
             signatures) would exist for one claim set.",
            &self.mutated(|p| p.validity = overlong_varint(validity, 4))?,
            err("non_canonical"),
        ));
        cases.push(Case::token(
            "non-canonical-colour",
            "Colour green written as 80 00 instead of 00.",
            &self.mutated(|p| p.colour = overlong_varint(0, 2))?,
            err("non_canonical"),
        ));
        cases.push(Case::token(
            "non-canonical-test-age",
            "The test age written with one redundant varint byte.",
            &self.mutated(|p| {
                let tag = p.test[0];
                let age = claims
                    .issued_at
                    .seconds_since(claims.test.map_or(claims.issued_at, |t| t.collected_at));
                p.test = vec![tag];
                p.test.extend(overlong_varint(age, 4));
            })?,
            err("non_canonical"),
        ));
        cases.push(Case::token(
            "non-canonical-hint-length",
            "The hint length 16 written as 90 00 instead of 10.",
            &self.mutated(|p| {
                let mut h = vec![1];
                h.extend(overlong_varint(16, 2));
                h.extend_from_slice(HINT_16.as_bytes());
                p.display_hint = h;
            })?,
            err("non_canonical"),
        ));
        Ok(())
    }

    fn signature_cases(&self, cases: &mut Vec<Case>) -> Result<(), String> {
        let (token, claims) = self.issue(&self.status(Colour::Green))?;
        let unknown = keys::named("unknown")?;
        cases.push(Case::token(
            "unknown-key",
            "Well formed and validly signed, by a key the verifier does not trust: its key \
             id matches no trusted key.",
            &sign_claims(&unknown, &claims)?,
            err("unknown_key"),
        ));
        cases.push(
            Case::token(
                "unknown-key-expired",
                "Signed by an untrusted key and expired: the key lookup comes before the \
                 validity window.",
                &sign_claims(&unknown, &claims)?,
                err("unknown_key"),
            )
            .at(claims.expires_at.saturating_add(SKEW + 3600)),
        );
        cases.push(Case::token(
            "bad-signature-s-bit-flipped",
            "A valid token with the lowest bit of s (signature byte 32) flipped.",
            &with_signature(&token, |s| s[32] ^= 1),
            err("bad_signature"),
        ));
        cases.push(Case::token(
            "bad-signature-r-bit-flipped",
            "A valid token with the lowest bit of R (signature byte 0) flipped.",
            &with_signature(&token, |s| s[0] ^= 1),
            err("bad_signature"),
        ));
        cases.push(Case::token(
            "bad-signature-s-not-canonical",
            "A valid token with s replaced by s + l: the same scalar modulo l, so a verifier \
             that reduces s would accept it. s must be below l.",
            &with_signature(&token, |s| {
                let plus_l = add_l(&s[32..]);
                s[32..].copy_from_slice(&plus_l);
            }),
            err("bad_signature"),
        ));
        cases.push(Case::token(
            "bad-signature-r-small-order",
            "R replaced by 01 00 .. 00, the identity point (order 1): small-order R is \
             rejected.",
            &with_signature(&token, |s| {
                s[..32].fill(0);
                s[0] = 1;
            }),
            err("bad_signature"),
        ));

        let red = self.issue(&self.status(Colour::Red))?.0;
        let parts = Parts::of(self.issuer_key.signing().key_id(), &claims);
        let mut tampered = red.clone();
        tampered[parts.offset_of("colour")] = 0;
        cases.push(Case::token(
            "bad-signature-tampered-colour",
            "A red token whose colour byte was changed to green after signing.",
            &tampered,
            err("bad_signature"),
        ));

        let body = &token[..token.len() - 64];
        let mut no_domain = body.to_vec();
        no_domain.extend_from_slice(&self.issuer_key.sign(body));
        cases.push(Case::token(
            "bad-signature-without-domain",
            "The body signed without the `qrseal/v1/token` prefix: a valid Ed25519 signature \
             on the wrong message.",
            &no_domain,
            err("bad_signature"),
        ));

        let next = keys::named("next")?;
        let mut message = SIGNING_DOMAIN.to_vec();
        message.extend_from_slice(body);
        let mut wrong_key = body.to_vec();
        wrong_key.extend_from_slice(&next.sign(&message));
        cases.push(
            Case::token(
                "bad-signature-other-trusted-key",
                "Carries the key id of `issuer` but is signed by `next`, which is also \
                 trusted: only keys with the token's id are tried.",
                &wrong_key,
                err("bad_signature"),
            )
            .trusting(&["issuer", "next"]),
        );
        Ok(())
    }

    fn time_cases(&self, cases: &mut Vec<Case>) -> Result<(), String> {
        let (token, claims) = self.issue(&self.status(Colour::Green))?;
        let expires = claims.expires_at;
        let issued = claims.issued_at;
        cases.push(
            Case::token(
                "expired",
                "now = expires_at + 300 with a 300 s skew: expired (now >= expires_at + \
                 skew), reported as expired by now - expires_at.",
                &token,
                err_by("expired", SKEW),
            )
            .at(expires.saturating_add(SKEW)),
        );
        cases.push(
            Case::token(
                "valid-expired-within-skew",
                "now = expires_at + 299 with a 300 s skew: past expiry, within the skew.",
                &token,
                self.valid(claims),
            )
            .at(expires.saturating_add(SKEW - 1)),
        );
        cases.push(
            Case::token(
                "valid-last-second-no-skew",
                "Skew 0, now = expires_at - 1: the last valid second.",
                &token,
                self.valid(claims),
            )
            .at(expires.saturating_sub(1))
            .skew(0),
        );
        cases.push(
            Case::token(
                "expired-at-expiry-no-skew",
                "Skew 0, now = expires_at: expires_at is exclusive; expired by 0 s.",
                &token,
                err_by("expired", 0),
            )
            .at(expires)
            .skew(0),
        );
        cases.push(
            Case::token(
                "valid-before-issue-within-skew",
                "now = issued_at - 300 with a 300 s skew: a scanner clock 5 minutes slow.",
                &token,
                self.valid(claims),
            )
            .at(issued.saturating_sub(SKEW)),
        );
        cases.push(
            Case::token(
                "not-yet-valid",
                "now = issued_at - 301 with a 300 s skew: not yet valid (now + skew < \
                 issued_at), by issued_at - now.",
                &token,
                err_by("not_yet_valid", SKEW + 1),
            )
            .at(issued.saturating_sub(SKEW + 1)),
        );
        cases.push(
            Case::token(
                "expired-with-bad-signature",
                "Expired and with a broken signature: the validity window is checked before \
                 the signature, so the answer is expired.",
                &with_signature(&token, |s| s[32] ^= 1),
                err_by("expired", 86_400),
            )
            .at(expires.saturating_add(86_400)),
        );
        Ok(())
    }
}

/// The error field a verifier error names, if any.
pub(crate) fn error_field(e: &qrseal_verifier::Error) -> Option<&'static str> {
    use qrseal_core::Error as C;
    match e {
        qrseal_verifier::Error::Malformed(
            C::Truncated { field, .. }
            | C::UnknownEnumValue { field, .. }
            | C::OutOfRange { field, .. }
            | C::FieldTooLong { field, .. }
            | C::InvalidText { field }
            | C::NotNfc { field, .. }
            | C::TooManyDigits { field, .. }
            | C::Unencodable { field, .. },
        ) => Some(field.name()),
        _ => None,
    }
}

fn error_by_secs(e: &qrseal_verifier::Error) -> Option<u64> {
    match e {
        qrseal_verifier::Error::Expired { by } | qrseal_verifier::Error::NotYetValid { by } => {
            Some(by.as_secs())
        }
        _ => None,
    }
}

/// Checks that the library answers every case as expected, and that the spec-derived
/// encoder in [`crate::raw`] agrees with the library on every valid token.
pub(crate) fn check(cases: &[Case]) -> Result<(), String> {
    let all = keys::all();
    for case in cases {
        let mut trusted = Vec::new();
        for name in &case.trusted {
            let key = all
                .iter()
                .find(|k| k.name == *name)
                .ok_or_else(|| format!("{}: no key {name}", case.name))?;
            trusted.push(key.trusted()?);
        }
        let verifier = Verifier::new(trusted).with_clock_skew(Duration::from_secs(case.skew));
        let mut answers = Vec::new();
        for t in [&case.qr_text, &case.url_text].into_iter().flatten() {
            answers.push((t.clone(), verifier.verify(t, case.now)));
        }
        if let Some(token) = &case.token {
            answers.push((hex::encode(token), verifier.verify_bytes(token, case.now)));
        }
        if answers.is_empty() {
            return Err(format!("{}: no input", case.name));
        }
        for (input, got) in &answers {
            let ok = match (got, &case.expected) {
                (Ok(v), Expected::Valid { claims, .. }) => v.claims == *claims,
                (
                    Err(e),
                    Expected::Invalid {
                        code,
                        field,
                        by_secs,
                    },
                ) => {
                    e.code() == *code
                        && (field.is_none() || error_field(e) == *field)
                        && error_by_secs(e) == *by_secs
                }
                _ => false,
            };
            if !ok {
                return Err(format!(
                    "case {}: the verifier answers {got:?} for {input:?}, but the vector \
                     expects {:?}",
                    case.name, case.expected
                ));
            }
        }
        if let (Expected::Valid { key_id, claims }, Some(token)) = (&case.expected, &case.token) {
            let spec_body = Parts::of(*key_id, claims).body();
            if token[..token.len() - 64] != spec_body[..] {
                return Err(format!(
                    "case {}: the library's body {} differs from the spec encoding {}",
                    case.name,
                    hex::encode(&token[..token.len() - 64]),
                    hex::encode(&spec_body)
                ));
            }
        }
        if let (Some((policy, denials)), Some((_, Ok(verified)))) = (&case.policy, answers.first())
        {
            let decision = policy.evaluate(verified, case.now);
            let got: Vec<Denial> = decision.denials().collect();
            if got != *denials || decision.admitted() != denials.is_empty() {
                return Err(format!(
                    "case {}: policy gives {got:?}, the vector expects {denials:?}",
                    case.name
                ));
            }
        }
    }
    let mut names: Vec<&str> = cases.iter().map(|c| c.name).collect();
    names.sort_unstable();
    if let Some(w) = names.windows(2).find(|w| w[0] == w[1]) {
        return Err(format!("two cases are called {}", w[0]));
    }
    Ok(())
}

fn time_pair(
    out: &mut Vec<(&'static str, Json)>,
    key: &'static str,
    unix_key: &'static str,
    t: Timestamp,
) {
    out.push((key, Json::str(t.to_string())));
    out.push((unix_key, Json::Int(t.unix())));
}

/// The claims as JSON: every field, times both as RFC 3339 and as Unix seconds.
pub(crate) fn claims_json(c: &Claims) -> Json {
    let mut o = vec![
        ("subject", Json::str(c.subject.to_string())),
        ("colour", Json::str(c.colour.name())),
    ];
    time_pair(&mut o, "issued_at", "issued_at_unix", c.issued_at);
    time_pair(&mut o, "expires_at", "expires_at_unix", c.expires_at);
    o.push((
        "test",
        c.test.map_or(Json::Null, |t| {
            let mut o = vec![("result", Json::str(t.result.name()))];
            time_pair(&mut o, "collected_at", "collected_at_unix", t.collected_at);
            Json::Object(o)
        }),
    ));
    o.push((
        "vaccination",
        c.vaccination.map_or(Json::Null, |v| {
            Json::Object(vec![
                ("doses", Json::Int(u64::from(v.doses))),
                ("last_dose", Json::str(v.last_dose.to_string())),
                (
                    "last_dose_days",
                    Json::Int(u64::from(v.last_dose.days_since_epoch())),
                ),
            ])
        }),
    ));
    o.push((
        "display_hint",
        Json::opt_str(c.display_hint.as_ref().map(|h| h.as_str().to_owned())),
    ));
    time_pair(&mut o, "refresh_at", "refresh_at_unix", c.refresh_at());
    Json::Object(o)
}

fn expected_json(e: &Expected) -> Json {
    match e {
        Expected::Valid { key_id, claims } => Json::Object(vec![
            ("valid", Json::Bool(true)),
            ("key_id", Json::str(key_id.to_string())),
            ("claims", claims_json(claims)),
        ]),
        Expected::Invalid {
            code,
            field,
            by_secs,
        } => {
            let mut o = vec![("valid", Json::Bool(false)), ("error", Json::str(*code))];
            if let Some(f) = field {
                o.push(("field", Json::str(*f)));
            }
            if let Some(s) = by_secs {
                o.push(("by_secs", Json::Int(*s)));
            }
            Json::Object(o)
        }
    }
}

fn policy_json(p: &Policy) -> Json {
    Json::Object(vec![
        (
            "accepted_colours",
            Json::Array(
                Colour::ALL
                    .iter()
                    .filter(|c| p.accepted_colours.contains(**c))
                    .map(|c| Json::str(c.name()))
                    .collect(),
            ),
        ),
        (
            "max_test_age_secs",
            p.max_test_age
                .map_or(Json::Null, |d| Json::Int(d.as_secs())),
        ),
        ("min_doses", Json::Int(u64::from(p.min_doses))),
    ])
}

/// The name the vector files give a denial: its stable code.
pub(crate) fn denial_reason(d: &Denial) -> &'static str {
    d.code().as_str()
}

/// A denial as JSON: `reason` plus its parameters.
pub(crate) fn denial_json(d: &Denial) -> Json {
    let mut o = vec![("reason", Json::str(denial_reason(d)))];
    match d {
        Denial::Colour(c) => o.push(("colour", Json::str(c.name()))),
        Denial::TestNotNegative(r) => o.push(("result", Json::str(r.name()))),
        Denial::TestTooOld { age, max } => {
            o.push(("age_secs", Json::Int(age.as_secs())));
            o.push(("max_secs", Json::Int(max.as_secs())));
        }
        Denial::TooFewDoses { doses, min } => {
            o.push(("doses", Json::Int(u64::from(*doses))));
            o.push(("min", Json::Int(u64::from(*min))));
        }
        _ => {}
    }
    Json::Object(o).compact()
}

fn case_json(c: &Case) -> Json {
    let mut o = vec![
        ("name", Json::str(c.name)),
        ("description", Json::str(c.description.clone())),
        (
            "trusted_keys",
            Json::Array(c.trusted.iter().map(|k| Json::str(*k)).collect()),
        ),
    ];
    time_pair(&mut o, "now", "now_unix", c.now);
    o.push(("skew_secs", Json::Int(c.skew)));
    o.push(("qr_text", Json::opt_str(c.qr_text.clone())));
    o.push(("url_text", Json::opt_str(c.url_text.clone())));
    o.push((
        "token_hex",
        Json::opt_str(c.token.as_ref().map(hex::encode)),
    ));
    o.push(("expected", expected_json(&c.expected)));
    if let Some((policy, denials)) = &c.policy {
        o.push(("policy", policy_json(policy)));
        o.push((
            "expected_decision",
            Json::Object(vec![
                ("admitted", Json::Bool(denials.is_empty())),
                (
                    "denials",
                    Json::Array(denials.iter().map(denial_json).collect()),
                ),
            ]),
        ));
    }
    Json::Object(o)
}

/// The whole of `tokens.json`.
pub(crate) fn file(builder: &Builder, cases: &[Case]) -> Json {
    let keys = keys::all()
        .iter()
        .map(|k| {
            let signing = k.signing();
            Json::Object(vec![
                ("name", Json::str(k.name)),
                ("description", Json::str(k.description)),
                ("secret_seed_hex", Json::str(hex::encode(k.seed))),
                (
                    "public_key_hex",
                    Json::str(hex::encode(signing.public_key())),
                ),
                ("key_id_hex", Json::str(signing.key_id().to_string())),
            ])
        })
        .collect();
    Json::Object(vec![
        (
            "description",
            Json::str(
                "qrseal v1 token test vectors. For each case, verify every non-null text \
                 (qr_text, url_text) and, for hosts with a binary entry point, token_hex, with \
                 a verifier trusting exactly `trusted_keys`, clock skew `skew_secs`, at `now`; \
                 each must give `expected`. When `policy` is present, evaluate it on the \
                 verified claims at `now` and compare with `expected_decision`. See README.md \
                 and docs/SPEC.md.",
            ),
        ),
        ("spec", Json::str("docs/SPEC.md")),
        ("regenerate", Json::str("cargo run -p qrseal-testvectors")),
        (
            "subject_secret_hex",
            Json::str(hex::encode(keys::SUBJECT_SECRET)),
        ),
        ("subject_id_number", Json::str(ID_NUMBER)),
        ("subject_hex", Json::str(builder.subject().to_string())),
        ("keys", Json::Array(keys)),
        ("cases", Json::Array(cases.iter().map(case_json).collect())),
    ])
}

/// A one-line summary of what a case expects, for the README table.
pub(crate) fn expected_summary(c: &Case) -> String {
    let mut s = match &c.expected {
        Expected::Valid { .. } => String::from("valid"),
        Expected::Invalid {
            code,
            field,
            by_secs,
        } => {
            let mut s = format!("`{code}`");
            if let Some(f) = field {
                s.push_str(&format!(" ({f})"));
            }
            if let Some(b) = by_secs {
                s.push_str(&format!(" by {b} s"));
            }
            s
        }
    };
    if let Some((_, denials)) = &c.policy {
        if denials.is_empty() {
            s.push_str("; policy: admit");
        } else {
            let reasons: Vec<&str> = denials.iter().map(denial_reason).collect();
            s.push_str(&format!("; policy: deny ({})", reasons.join(", ")));
        }
    }
    s
}
