//! The two text forms of a token.
//!
//! - QR form: [`QR_PREFIX`] then base45 (RFC 9285) of the token bytes. Every character is in
//!   the QR alphanumeric set, so the symbol is built in alphanumeric mode (5.5 bits a
//!   character).
//! - URL form: base64url (RFC 4648 section 5) without padding, for links and JSON.
//!
//! Both decode into a caller-provided buffer; neither allocates when decoding.

use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

use crate::Error;
use crate::base45;
use crate::wire::MAX_TOKEN_LEN;

/// The prefix of the QR text form. `:` cannot occur in base64url, so the two forms never
/// overlap.
pub const QR_PREFIX: &str = "QS:";

/// The longest QR-form text of a v1 token.
pub const MAX_QR_TEXT_LEN: usize = QR_PREFIX.len() + base45::encoded_len(MAX_TOKEN_LEN);

/// The longest URL-form text of a v1 token.
pub const MAX_URL_TEXT_LEN: usize = (MAX_TOKEN_LEN * 4).div_ceil(3);

/// The longest text of either form.
pub const MAX_TEXT_LEN: usize = if MAX_QR_TEXT_LEN > MAX_URL_TEXT_LEN {
    MAX_QR_TEXT_LEN
} else {
    MAX_URL_TEXT_LEN
};

// Padding is rejected and non-zero trailing bits are rejected (the engine's default), so each
// byte string has exactly one URL-form text.
const URL_SAFE_STRICT: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::URL_SAFE,
    GeneralPurposeConfig::new()
        .with_encode_padding(false)
        .with_decode_padding_mode(DecodePaddingMode::RequireNone),
);

/// Which text form a string is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TextForm {
    /// `QS:` + base45, for QR symbols.
    Qr,
    /// base64url without padding, for links and JSON.
    Url,
}

/// A buffer large enough for any v1 token.
pub type TokenBuf = [u8; MAX_TOKEN_LEN];

/// Decodes either text form into `buf` and returns the token bytes and the form found.
/// Rejects empty and over-long text before looking at its content.
pub fn decode<'b>(text: &str, buf: &'b mut TokenBuf) -> Result<(&'b [u8], TextForm), Error> {
    let bytes = text.as_bytes();
    if bytes.is_empty() {
        return Err(Error::EmptyText);
    }
    if bytes.len() > MAX_TEXT_LEN {
        return Err(Error::TextTooLong {
            len: bytes.len(),
            max: MAX_TEXT_LEN,
        });
    }
    if let Some(body) = bytes.strip_prefix(QR_PREFIX.as_bytes()) {
        if body.len() > base45::encoded_len(MAX_TOKEN_LEN) {
            return Err(Error::TextTooLong {
                len: bytes.len(),
                max: MAX_QR_TEXT_LEN,
            });
        }
        let n = base45::decode_at(body, buf, QR_PREFIX.len())?;
        return Ok((&buf[..n], TextForm::Qr));
    }
    if bytes.len() > MAX_URL_TEXT_LEN {
        return Err(Error::TextTooLong {
            len: bytes.len(),
            max: MAX_URL_TEXT_LEN,
        });
    }
    if let Some(offset) = bytes
        .iter()
        .position(|&c| !(c.is_ascii_alphanumeric() || c == b'-' || c == b'_'))
    {
        return Err(Error::InvalidCharacter { offset });
    }
    match URL_SAFE_STRICT.decode_slice(bytes, buf) {
        Ok(n) => Ok((&buf[..n], TextForm::Url)),
        Err(base64::DecodeSliceError::DecodeError(e)) => Err(Error::InvalidEncoding {
            offset: match e {
                base64::DecodeError::InvalidByte(o, _)
                | base64::DecodeError::InvalidLastSymbol { offset: o, .. } => o,
                _ => bytes.len().saturating_sub(1),
            },
        }),
        Err(base64::DecodeSliceError::OutputSliceTooSmall) => Err(Error::TextTooLong {
            len: bytes.len(),
            max: MAX_URL_TEXT_LEN,
        }),
    }
}

/// Writes the QR form of `token` into `out` and returns it; `out` must hold
/// [`MAX_QR_TEXT_LEN`] bytes for any token.
pub fn encode_qr_into<'o>(token: &[u8], out: &'o mut [u8]) -> Result<&'o str, Error> {
    let p = QR_PREFIX.len();
    if out.len() < p {
        return Err(Error::Render("QR text buffer too small"));
    }
    out[..p].copy_from_slice(QR_PREFIX.as_bytes());
    let n = base45::encode_into(token, &mut out[p..])?;
    core::str::from_utf8(&out[..p + n]).map_err(|_| Error::Render("base45 produced non-ASCII"))
}

/// The QR form of `token`.
#[cfg(feature = "alloc")]
pub fn encode_qr(token: &[u8]) -> alloc::string::String {
    let mut out = alloc::vec![0u8; QR_PREFIX.len() + base45::encoded_len(token.len())];
    out[..QR_PREFIX.len()].copy_from_slice(QR_PREFIX.as_bytes());
    // The buffer was sized by encoded_len, so encoding cannot run out of room.
    let _ = base45::encode_into(token, &mut out[QR_PREFIX.len()..]);
    // Base45 output is ASCII.
    alloc::string::String::from_utf8(out).unwrap_or_default()
}

/// The URL form of `token`.
#[cfg(feature = "alloc")]
pub fn encode_url(token: &[u8]) -> alloc::string::String {
    URL_SAFE_STRICT.encode(token)
}

#[cfg(all(test, feature = "alloc"))]
mod tests {
    use super::*;

    #[test]
    fn both_forms_round_trip() {
        let token: alloc::vec::Vec<u8> = (0u8..=130).collect();
        let mut buf = [0u8; MAX_TOKEN_LEN];
        let qr = encode_qr(&token);
        assert!(qr.starts_with(QR_PREFIX));
        assert_eq!(decode(&qr, &mut buf).unwrap(), (&token[..], TextForm::Qr));
        let url = encode_url(&token);
        assert_eq!(decode(&url, &mut buf).unwrap(), (&token[..], TextForm::Url));
    }

    #[test]
    fn rejects_non_canonical_and_foreign_text() {
        let mut buf = [0u8; MAX_TOKEN_LEN];
        assert_eq!(decode("", &mut buf), Err(Error::EmptyText));
        // "QQ" encodes 0x41; "QR" has non-zero trailing bits.
        assert_eq!(decode("QQ", &mut buf).unwrap().0, &[0x41]);
        assert!(matches!(
            decode("QR", &mut buf),
            Err(Error::InvalidEncoding { .. })
        ));
        assert!(matches!(
            decode("QQ==", &mut buf),
            Err(Error::InvalidCharacter { offset: 2 })
        ));
        assert!(matches!(
            decode("QS:BB8 ", &mut buf),
            Err(Error::InvalidEncoding { .. })
        ));
        assert!(matches!(
            decode("QS:bb8", &mut buf),
            Err(Error::InvalidCharacter { offset: 3 })
        ));
        let long = "A".repeat(MAX_TEXT_LEN + 1);
        assert!(matches!(
            decode(&long, &mut buf),
            Err(Error::TextTooLong { .. })
        ));
        let long_qr = alloc::format!("{QR_PREFIX}{}", "0".repeat(MAX_QR_TEXT_LEN));
        assert!(matches!(
            decode(&long_qr, &mut buf),
            Err(Error::TextTooLong { .. })
        ));
    }
}
