//! Wire format v1: `version | key id | payload (postcard) | Ed25519 signature`; the byte
//! layout's constants and the encoding functions issuers and verifiers build on.
//!
//! The signature covers [`SIGNING_DOMAIN`] followed by every byte before it. One set of claims
//! has exactly one encoding: [`Token::parse`] re-encodes what it read and rejects any input
//! that differs (an over-long varint, say), so a signature can only ever vouch for one byte
//! string. docs/SPEC.md is the normative description.

use core::fmt;

use serde::Serialize;
use sha2::{Digest, Sha256};

pub use crate::claims::{
    MAX_DISPLAY_HINT_LEN, MAX_HINT_DIGITS, MAX_TEST_AGE_SECS, MAX_VALIDITY_SECS, SUBJECT_LEN,
};
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
#[derive(Serialize)]
enum WireColour {
    Green,
    Yellow,
    Red,
    DarkRed,
}

#[derive(Serialize)]
enum WireTest {
    None,
    Negative(u32),
    Positive(u32),
    Pending(u32),
}

#[derive(Serialize)]
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
        let subject = SubjectId(r.fixed::<SUBJECT_LEN>(Field::Subject)?);
        let colour = match r.tag(Field::Colour, 3)? {
            0 => Colour::Green,
            1 => Colour::Yellow,
            2 => Colour::Red,
            _ => Colour::DarkRed,
        };
        let issued = u32::from_le_bytes(r.fixed::<4>(Field::IssuedAt)?);
        let issued_at = Timestamp::from_unix(u64::from(issued));
        let at = r.pos;
        let validity = r.varint_u32(Field::Validity)?;
        if validity == 0 || validity > MAX_VALIDITY_SECS {
            return Err(Error::OutOfRange {
                field: Field::Validity,
                offset: at,
            });
        }
        let at = r.pos;
        let test = match r.tag(Field::Test, 3)? {
            0 => None,
            tag => {
                let age = r.varint_u32(Field::Test).map_err(at_offset(at))?;
                let result = match tag {
                    1 => TestResult::Negative,
                    2 => TestResult::Positive,
                    _ => TestResult::Pending,
                };
                Some((result, age))
            }
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
        let vaccination = match r.option(Field::Vaccination)? {
            false => None,
            true => Some(WireVaccination {
                doses: r.byte(Field::Vaccination).map_err(at_offset(at))?,
                last_dose: r.varint_u16(Field::Vaccination, at)?,
            }),
        };
        let vaccination = match vaccination {
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
        let display_hint = match r.option(Field::DisplayHint)? {
            false => None,
            true => {
                // Errors inside the hint are reported at the start of the hint field.
                let at_start = at_offset(at);
                let len = r.varint_u32(Field::DisplayHint).map_err(&at_start)? as usize;
                if len > MAX_DISPLAY_HINT_LEN {
                    return Err(Error::FieldTooLong {
                        field: Field::DisplayHint,
                        len,
                        max: MAX_DISPLAY_HINT_LEN,
                    });
                }
                let text = r.take_bytes(len, Field::DisplayHint).map_err(&at_start)?;
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

/// Reports an error inside a field at the offset where the field starts.
fn at_offset(at: usize) -> impl Fn(Error) -> Error {
    move |e| match e {
        Error::Truncated { field, .. } => Error::Truncated { field, offset: at },
        Error::OutOfRange { field, .. } => Error::OutOfRange { field, offset: at },
        other => other,
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

    // The readers below follow the postcard encoding the payload is written in, but are
    // written out here so that which error a byte string gets is fixed by this file and
    // docs/SPEC.md §7.2, not by a dependency's error variants. Errors report the offset
    // where the field's value starts. Over-long but in-range varints are read; the
    // canonical re-encoding (B13) refuses them.

    /// `N` raw bytes.
    fn fixed<const N: usize>(&mut self, field: Field) -> Result<[u8; N], Error> {
        let offset = self.pos;
        let mut out = [0u8; N];
        out.copy_from_slice(
            self.take_bytes(N, field)
                .map_err(|_| Error::Truncated { field, offset })?,
        );
        Ok(out)
    }

    /// One raw byte.
    fn byte(&mut self, field: Field) -> Result<u8, Error> {
        let [b] = self.fixed::<1>(field)?;
        Ok(b)
    }

    /// An option tag byte: 0 (none) or 1 (some).
    fn option(&mut self, field: Field) -> Result<bool, Error> {
        let offset = self.pos;
        match self.byte(field)? {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(Error::UnknownEnumValue { field, offset }),
        }
    }

    /// An enum discriminant (a u32 varint) of at most `max`.
    fn tag(&mut self, field: Field, max: u32) -> Result<u32, Error> {
        let offset = self.pos;
        let tag = self.varint_u32(field)?;
        if tag > max {
            return Err(Error::UnknownEnumValue { field, offset });
        }
        Ok(tag)
    }

    /// A u32 LEB128 varint: at most 5 bytes, the fifth at most 0x0f.
    fn varint_u32(&mut self, field: Field) -> Result<u32, Error> {
        let offset = self.pos;
        self.varint(field, offset, 5, 0x0f)
    }

    /// A u16 LEB128 varint: at most 3 bytes, the third at most 0x03. Errors report `offset`.
    fn varint_u16(&mut self, field: Field, offset: usize) -> Result<u16, Error> {
        let v = self.varint(field, offset, 3, 0x03)?;
        // The limits above keep the value below 2^16.
        u16::try_from(v).map_err(|_| Error::OutOfRange { field, offset })
    }

    fn varint(
        &mut self,
        field: Field,
        offset: usize,
        max_len: usize,
        last_max: u8,
    ) -> Result<u32, Error> {
        let mut value = 0u32;
        for i in 0..max_len {
            let Some(&b) = self.bytes.get(self.pos) else {
                return Err(Error::Truncated { field, offset });
            };
            self.pos += 1;
            value |= u32::from(b & 0x7f) << (7 * i);
            if b & 0x80 == 0 {
                if i == max_len - 1 && b > last_max {
                    return Err(Error::OutOfRange { field, offset });
                }
                return Ok(value);
            }
        }
        Err(Error::OutOfRange { field, offset })
    }
}
