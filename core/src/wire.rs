//! Wire format v1: `version | key id | payload (postcard) | Ed25519 signature`.
//!
//! The signature covers [`SIGNING_DOMAIN`] followed by every byte before it. One set of claims
//! has exactly one encoding: [`Token::parse`] re-encodes what it read and rejects any input
//! that differs (an over-long varint, say), so a signature can only ever vouch for one byte
//! string. docs/SPEC.md is the normative description.

use core::fmt;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::claims::{MAX_DISPLAY_HINT_LEN, MAX_TEST_AGE_SECS, MAX_VALIDITY_SECS, SUBJECT_LEN};
use crate::{
    Claims, Colour, Date, DisplayHint, Error, Field, SubjectId, TestRecord, TestResult, Timestamp,
    Vaccination,
};

/// The format version this library writes and reads.
pub const VERSION: u8 = 1;
/// Length of a [`KeyId`].
pub const KEY_ID_LEN: usize = 4;
/// Length of an Ed25519 signature.
pub const SIGNATURE_LEN: usize = 64;
/// Length of an Ed25519 public key.
pub const PUBLIC_KEY_LEN: usize = 32;
/// Version byte plus key id.
pub const HEADER_LEN: usize = 1 + KEY_ID_LEN;
/// The longest payload v1 can hold (every optional field present, at its largest).
pub const MAX_PAYLOAD_LEN: usize = SUBJECT_LEN + 1 + 4 + 3 + (1 + 3) + (1 + 1 + 3) + (1 + 1 + 32);
/// The longest signed body (header and payload).
pub const MAX_BODY_LEN: usize = HEADER_LEN + MAX_PAYLOAD_LEN;
/// The longest token in bytes.
pub const MAX_TOKEN_LEN: usize = MAX_BODY_LEN + SIGNATURE_LEN;
/// Bytes prepended to the body to form the message that is signed, so that a qrseal
/// signature can never be replayed as a signature over anything else.
pub const SIGNING_DOMAIN: &[u8] = b"qrseal/v1/token";

/// Identifies an issuer key: the first 4 bytes of SHA-256(`qrseal/v1/key-id` || public key).
/// A hint for finding the key, not a security boundary: the signature decides.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct KeyId(pub [u8; KEY_ID_LEN]);

impl KeyId {
    /// The key id of an Ed25519 public key.
    pub fn for_public_key(public_key: &[u8; PUBLIC_KEY_LEN]) -> KeyId {
        let digest = Sha256::new()
            .chain_update(b"qrseal/v1/key-id")
            .chain_update(public_key)
            .finalize();
        let mut id = [0u8; KEY_ID_LEN];
        id.copy_from_slice(&digest[..KEY_ID_LEN]);
        KeyId(id)
    }
}

/// Lower-case hex.
impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.iter().try_for_each(|b| write!(f, "{b:02x}"))
    }
}

impl fmt::Debug for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KeyId({self})")
    }
}

// The postcard payload, field by field. Enum discriminants and integers other than
// `issued_at` are postcard varints; `issued_at` is a fixed 4-byte little-endian integer
// because a varint of a present-day Unix time would take 5.
#[derive(Serialize, Deserialize)]
enum WireColour {
    Green,
    Yellow,
    Red,
    DarkRed,
}

#[derive(Serialize, Deserialize)]
enum WireTest {
    None,
    Negative(u32),
    Positive(u32),
    Pending(u32),
}

#[derive(Serialize, Deserialize)]
struct WireVaccination {
    doses: u8,
    last_dose: u16,
}

#[derive(Serialize)]
struct WirePayload<'a> {
    subject: [u8; SUBJECT_LEN],
    colour: WireColour,
    #[serde(with = "postcard::fixint::le")]
    issued_at: u32,
    validity: u32,
    test: WireTest,
    vaccination: Option<WireVaccination>,
    display_hint: Option<&'a str>,
}

/// Writes the signed body (version, key id, payload) of a token for `claims` into `out` and
/// returns its length.
pub fn encode_body(
    key_id: KeyId,
    claims: &Claims,
    out: &mut [u8; MAX_BODY_LEN],
) -> Result<usize, Error> {
    claims.check_encodable()?;
    // check_encodable bounds issued_at to u32 and both differences to 21 bits.
    let issued = claims.issued_at.unix() as u32;
    let payload = WirePayload {
        subject: claims.subject.0,
        colour: match claims.colour {
            Colour::Green => WireColour::Green,
            Colour::Yellow => WireColour::Yellow,
            Colour::Red => WireColour::Red,
            Colour::DarkRed => WireColour::DarkRed,
        },
        issued_at: issued,
        validity: (claims.expires_at.unix() - u64::from(issued)) as u32,
        test: match claims.test {
            None => WireTest::None,
            Some(t) => {
                let age = (u64::from(issued) - t.collected_at.unix()) as u32;
                match t.result {
                    TestResult::Negative => WireTest::Negative(age),
                    TestResult::Positive => WireTest::Positive(age),
                    TestResult::Pending => WireTest::Pending(age),
                }
            }
        },
        vaccination: claims.vaccination.map(|v| WireVaccination {
            doses: v.doses,
            last_dose: v.last_dose.days_since_epoch(),
        }),
        display_hint: claims.display_hint.as_ref().map(DisplayHint::as_str),
    };
    out[0] = VERSION;
    out[1..HEADER_LEN].copy_from_slice(&key_id.0);
    let written = postcard::to_slice(&payload, &mut out[HEADER_LEN..])
        .map_err(|_| Error::Unencodable {
            field: Field::DisplayHint,
            reason: "does not fit",
        })?
        .len();
    Ok(HEADER_LEN + written)
}

/// The message an issuer signs for a token body: [`SIGNING_DOMAIN`] then the body, given as
/// two parts so that verifiers can hash it without copying.
pub fn signed_message(body: &[u8]) -> [&[u8]; 2] {
    [SIGNING_DOMAIN, body]
}

/// A token whose structure has been checked but whose signature has **not**: the claims
/// are only claims until a verifier has checked the signature.
#[derive(Clone, Copy, Debug)]
pub struct Token<'a> {
    /// Which issuer key signed it.
    pub key_id: KeyId,
    /// The claims.
    pub claims: Claims,
    /// The signed body: every byte before the signature.
    pub body: &'a [u8],
    /// The Ed25519 signature over [`signed_message`]`(body)`.
    pub signature: &'a [u8; SIGNATURE_LEN],
}

impl<'a> Token<'a> {
    /// Parses a binary token. Checks, in order: version, header, every payload field (known
    /// values, ranges, lengths), the signature length, and that the bytes are the canonical
    /// encoding of what they hold. Never allocates.
    pub fn parse(bytes: &'a [u8]) -> Result<Token<'a>, Error> {
        let Some(&version) = bytes.first() else {
            return Err(Error::Truncated {
                field: Field::Version,
                offset: 0,
            });
        };
        if version != VERSION {
            return Err(Error::UnsupportedVersion(version));
        }
        if bytes.len() < HEADER_LEN {
            return Err(Error::Truncated {
                field: Field::KeyId,
                offset: bytes.len(),
            });
        }
        let mut key_id = [0u8; KEY_ID_LEN];
        key_id.copy_from_slice(&bytes[1..HEADER_LEN]);
        let key_id = KeyId(key_id);

        let mut r = Reader {
            bytes,
            pos: HEADER_LEN,
        };
        let subject = SubjectId(r.take::<[u8; SUBJECT_LEN]>(Field::Subject)?);
        let colour = match r.take::<WireColour>(Field::Colour)? {
            WireColour::Green => Colour::Green,
            WireColour::Yellow => Colour::Yellow,
            WireColour::Red => Colour::Red,
            WireColour::DarkRed => Colour::DarkRed,
        };
        let issued = u32::from_le_bytes(r.take::<[u8; 4]>(Field::IssuedAt)?);
        let issued_at = Timestamp::from_unix(u64::from(issued));
        let at = r.pos;
        let validity = r.take::<u32>(Field::Validity)?;
        if validity == 0 || validity > MAX_VALIDITY_SECS {
            return Err(Error::OutOfRange {
                field: Field::Validity,
                offset: at,
            });
        }
        let at = r.pos;
        let test = match r.take::<WireTest>(Field::Test)? {
            WireTest::None => None,
            WireTest::Negative(age) => Some((TestResult::Negative, age)),
            WireTest::Positive(age) => Some((TestResult::Positive, age)),
            WireTest::Pending(age) => Some((TestResult::Pending, age)),
        };
        let test = match test {
            None => None,
            Some((result, age)) => {
                if age > MAX_TEST_AGE_SECS || age > issued {
                    return Err(Error::OutOfRange {
                        field: Field::Test,
                        offset: at,
                    });
                }
                Some(TestRecord {
                    result,
                    collected_at: issued_at.saturating_sub(u64::from(age)),
                })
            }
        };
        let at = r.pos;
        let vaccination = match r.take::<Option<WireVaccination>>(Field::Vaccination)? {
            None => None,
            Some(v) if v.doses == 0 => {
                return Err(Error::OutOfRange {
                    field: Field::Vaccination,
                    offset: at,
                });
            }
            Some(v) => Some(Vaccination {
                doses: v.doses,
                last_dose: Date::from_days_since_epoch(v.last_dose),
            }),
        };
        // Read as postcard's `Option<&str>` reads it (tag byte, varint length, bytes), but
        // with the length as a u32 on every platform, checked before the bytes are touched.
        let at = r.pos;
        let display_hint = match r.take::<Option<()>>(Field::DisplayHint)? {
            None => None,
            Some(()) => {
                // Errors inside the hint are reported at the start of the hint field.
                let at_start = |e: Error| match e {
                    Error::Truncated { field, .. } => Error::Truncated { field, offset: at },
                    Error::OutOfRange { field, .. } => Error::OutOfRange { field, offset: at },
                    other => other,
                };
                let len = r.take::<u32>(Field::DisplayHint).map_err(at_start)? as usize;
                if len > MAX_DISPLAY_HINT_LEN {
                    return Err(Error::FieldTooLong {
                        field: Field::DisplayHint,
                        len,
                        max: MAX_DISPLAY_HINT_LEN,
                    });
                }
                let text = r.take_bytes(len, Field::DisplayHint).map_err(at_start)?;
                let text = core::str::from_utf8(text).map_err(|_| Error::InvalidText {
                    field: Field::DisplayHint,
                })?;
                Some(DisplayHint::new(text).map_err(|e| match e {
                    Error::Unencodable { .. } => Error::OutOfRange {
                        field: Field::DisplayHint,
                        offset: at,
                    },
                    other => other,
                })?)
            }
        };
        let body_len = r.pos;
        let rest = bytes.len() - body_len;
        if rest < SIGNATURE_LEN {
            return Err(Error::Truncated {
                field: Field::Signature,
                offset: bytes.len(),
            });
        }
        if rest > SIGNATURE_LEN {
            return Err(Error::TrailingBytes {
                extra: rest - SIGNATURE_LEN,
            });
        }
        let claims = Claims {
            subject,
            colour,
            test,
            vaccination,
            issued_at,
            expires_at: issued_at.saturating_add(u64::from(validity)),
            display_hint,
        };
        let body = &bytes[..body_len];
        let mut canonical = [0u8; MAX_BODY_LEN];
        let n = encode_body(key_id, &claims, &mut canonical)
            .map_err(|_| Error::NonCanonical { offset: HEADER_LEN })?;
        if canonical[..n] != *body {
            let offset = canonical[..n]
                .iter()
                .zip(body)
                .take_while(|(a, b)| a == b)
                .count();
            return Err(Error::NonCanonical { offset });
        }
        let signature = bytes[body_len..].try_into().map_err(|_| Error::Truncated {
            field: Field::Signature,
            offset: body_len,
        })?;
        Ok(Token {
            key_id,
            claims,
            body,
            signature,
        })
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take_bytes(&mut self, len: usize, field: Field) -> Result<&'a [u8], Error> {
        let offset = self.pos;
        let bytes = self
            .bytes
            .get(offset..offset.saturating_add(len))
            .ok_or(Error::Truncated {
                field,
                offset: self.bytes.len(),
            })?;
        self.pos += len;
        Ok(bytes)
    }

    fn take<T: Deserialize<'a>>(&mut self, field: Field) -> Result<T, Error> {
        let offset = self.pos;
        match postcard::take_from_bytes::<T>(&self.bytes[offset..]) {
            Ok((value, rest)) => {
                self.pos = self.bytes.len() - rest.len();
                Ok(value)
            }
            Err(e) => Err(match e {
                postcard::Error::DeserializeUnexpectedEnd => Error::Truncated { field, offset },
                // serde's derived enum visitor reports an undefined variant index as a
                // custom error.
                postcard::Error::DeserializeBadEnum
                | postcard::Error::DeserializeBadOption
                | postcard::Error::SerdeDeCustom => Error::UnknownEnumValue { field, offset },
                postcard::Error::DeserializeBadUtf8 => Error::InvalidText { field },
                _ => Error::OutOfRange { field, offset },
            }),
        }
    }
}
