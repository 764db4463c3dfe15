//! The one error type of `qrseal-core`.

use core::fmt;

/// A field of the v1 token, named in errors so a caller can say *where* input is bad.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Field {
    /// The format version byte.
    Version,
    /// The issuer key id.
    KeyId,
    /// The keyed subject hash.
    Subject,
    /// The status colour.
    Colour,
    /// The issue time.
    IssuedAt,
    /// The validity period (expiry minus issue time).
    Validity,
    /// The latest test (result and age).
    Test,
    /// The vaccination record (doses and date of the last dose).
    Vaccination,
    /// The display hint.
    DisplayHint,
    /// The Ed25519 signature.
    Signature,
}

impl Field {
    /// A stable lower-case name, used in error codes and test vectors.
    pub const fn name(self) -> &'static str {
        match self {
            Field::Version => "version",
            Field::KeyId => "key_id",
            Field::Subject => "subject",
            Field::Colour => "colour",
            Field::IssuedAt => "issued_at",
            Field::Validity => "validity",
            Field::Test => "test",
            Field::Vaccination => "vaccination",
            Field::DisplayHint => "display_hint",
            Field::Signature => "signature",
        }
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Everything that can go wrong in `qrseal-core`: decoding text or bytes, encoding claims,
/// rendering a QR symbol.
///
/// Offsets count characters of the text for text errors and bytes of the binary token for
/// binary errors. [`Error::code`] gives a stable name for each kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The text is longer than any v1 token text can be; nothing was decoded.
    #[error("token text is {len} bytes, longer than the {max} a token can have")]
    TextTooLong {
        /// Length of the input in bytes.
        len: usize,
        /// The longest possible token text.
        max: usize,
    },
    /// The text is empty.
    #[error("token text is empty")]
    EmptyText,
    /// A character is not allowed in the text form it appears in.
    #[error("character at offset {offset} is not allowed in this token text form")]
    InvalidCharacter {
        /// Offset of the character (in bytes of the text).
        offset: usize,
    },
    /// The text uses only allowed characters but is not a valid encoding (a base45 group
    /// above its range, a dangling character, non-zero base64 padding bits).
    #[error("token text is not a valid encoding near offset {offset}")]
    InvalidEncoding {
        /// Offset of the offending group (in bytes of the text).
        offset: usize,
    },
    /// The token ends before a field is complete.
    #[error("token is truncated in field `{field}` at byte {offset}")]
    Truncated {
        /// The field being read.
        field: Field,
        /// Byte offset where more input was needed.
        offset: usize,
    },
    /// Bytes follow the signature.
    #[error("token has {extra} unexpected bytes after the signature")]
    TrailingBytes {
        /// How many extra bytes there are.
        extra: usize,
    },
    /// The version byte names a format this library does not know.
    #[error("token format version {0} is not supported (this library reads version 1)")]
    UnsupportedVersion(u8),
    /// An enumerated field holds a value v1 does not define.
    #[error("field `{field}` holds an unknown value at byte {offset}")]
    UnknownEnumValue {
        /// The field.
        field: Field,
        /// Byte offset of the value.
        offset: usize,
    },
    /// A numeric field holds a value outside the range v1 allows.
    #[error("field `{field}` is out of range at byte {offset}")]
    OutOfRange {
        /// The field.
        field: Field,
        /// Byte offset of the value.
        offset: usize,
    },
    /// A variable-length field is longer than v1 allows.
    #[error("field `{field}` is {len} bytes, longer than the {max} allowed")]
    FieldTooLong {
        /// The field.
        field: Field,
        /// Its length in bytes.
        len: usize,
        /// The maximum.
        max: usize,
    },
    /// A text field is not valid UTF-8 or holds control characters.
    #[error("field `{field}` is not printable UTF-8 text")]
    InvalidText {
        /// The field.
        field: Field,
    },
    /// A text field holds a character that Unicode normalisation (NFC) could change or
    /// combine with its neighbour, such as a combining accent typed after its letter.
    #[error("field `{field}` is not in the NFC-stable repertoire (character at byte {offset})")]
    NotNfc {
        /// The field.
        field: Field,
        /// Offset of the character within the field's text, in bytes.
        offset: usize,
    },
    /// A display hint holds more decimal digits than a masked ID number shows: it could
    /// carry a whole ID number.
    #[error("field `{field}` has {count} decimal digits; at most {max} are allowed")]
    TooManyDigits {
        /// The field.
        field: Field,
        /// How many decimal digits it holds.
        count: usize,
        /// The maximum.
        max: usize,
    },
    /// The bytes decode, but are not the one canonical encoding of what they hold.
    #[error("token is not canonically encoded (first difference at byte {offset})")]
    NonCanonical {
        /// Byte offset of the first difference from the canonical encoding.
        offset: usize,
    },
    /// Claims cannot be encoded because a value is outside what v1 can carry.
    #[error("claims cannot be encoded: `{field}` {reason}")]
    Unencodable {
        /// The field.
        field: Field,
        /// Why, in a few words.
        reason: &'static str,
    },
    /// A date or time string could not be parsed.
    #[error("invalid date or time: {0}")]
    InvalidTime(&'static str),
    /// A QR symbol could not be built or rendered.
    #[error("QR rendering failed: {0}")]
    Render(&'static str),
}

impl Error {
    /// A stable, lower-case name for the error kind, shared by every host (Rust, WASM, C)
    /// and used in `testvectors/`.
    pub const fn code(&self) -> &'static str {
        match self {
            Error::TextTooLong { .. } => "text_too_long",
            Error::EmptyText => "empty_text",
            Error::InvalidCharacter { .. } => "invalid_character",
            Error::InvalidEncoding { .. } => "invalid_encoding",
            Error::Truncated { .. } => "truncated",
            Error::TrailingBytes { .. } => "trailing_bytes",
            Error::UnsupportedVersion(_) => "unsupported_version",
            Error::UnknownEnumValue { .. } => "unknown_enum_value",
            Error::OutOfRange { .. } => "out_of_range",
            Error::FieldTooLong { .. } => "field_too_long",
            Error::InvalidText { .. } => "invalid_text",
            Error::NotNfc { .. } => "not_nfc",
            Error::TooManyDigits { .. } => "too_many_digits",
            Error::NonCanonical { .. } => "non_canonical",
            Error::Unencodable { .. } => "unencodable",
            Error::InvalidTime(_) => "invalid_time",
            Error::Render(_) => "render",
        }
    }
}
