//! The one error type of `qrseal-verifier`.

use qrseal_core::KeyId;

/// Why a token, key or image was rejected.
///
/// Verification checks cheap things first (size, encoding, version, key, validity window)
/// and the signature last, so any variant other than [`Error::BadSignature`] says nothing
/// about whether the token is authentic. [`Error::code`] gives a stable name for each kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The text or bytes are not a well-formed v1 token; the inner error says what and where.
    #[error("malformed token: {0}")]
    Malformed(qrseal_core::Error),
    /// The token is of a format version this verifier does not read.
    #[error("token format version {0} is not supported")]
    UnsupportedVersion(u8),
    /// No trusted key has the token's key id.
    #[error("token is signed by unknown key {0}")]
    UnknownKey(KeyId),
    /// The signature does not verify under the trusted key with that id.
    #[error("signature does not verify")]
    BadSignature,
    /// The token expired (beyond the allowed clock skew).
    #[error("token expired {by_secs} s ago")]
    Expired {
        /// Seconds since the expiry time.
        by_secs: u64,
    },
    /// The token's issue time is in the future (beyond the allowed clock skew).
    #[error("token is not valid for another {by_secs} s")]
    NotYetValid {
        /// Seconds until the issue time.
        by_secs: u64,
    },
    /// A public key offered as trusted is not acceptable.
    #[error("invalid issuer public key: {0}")]
    InvalidKey(&'static str),
    /// An image is larger than the decoder accepts.
    #[error("image is {width}x{height}, larger than the {max}x{max} accepted")]
    ImageTooLarge {
        /// Width in pixels.
        width: u32,
        /// Height in pixels.
        height: u32,
        /// The largest side accepted.
        max: u32,
    },
    /// An image could not be read (unknown format, truncated, inconsistent buffer size).
    #[error("image could not be read: {0}")]
    ImageUnreadable(&'static str),
    /// No readable QR symbol was found in the image.
    #[error("no readable QR code found in the image")]
    NoQrCode,
}

impl Error {
    /// A stable, lower-case name for the error kind, shared by every host and used in
    /// `testvectors/`. Malformed tokens report the core error's code (`truncated`,
    /// `non_canonical`, ...).
    pub const fn code(&self) -> &'static str {
        match self {
            Error::Malformed(e) => e.code(),
            Error::UnsupportedVersion(_) => "unsupported_version",
            Error::UnknownKey(_) => "unknown_key",
            Error::BadSignature => "bad_signature",
            Error::Expired { .. } => "expired",
            Error::NotYetValid { .. } => "not_yet_valid",
            Error::InvalidKey(_) => "invalid_key",
            Error::ImageTooLarge { .. } => "image_too_large",
            Error::ImageUnreadable(_) => "image_unreadable",
            Error::NoQrCode => "no_qr_code",
        }
    }
}

impl From<qrseal_core::Error> for Error {
    fn from(e: qrseal_core::Error) -> Self {
        match e {
            qrseal_core::Error::UnsupportedVersion(v) => Error::UnsupportedVersion(v),
            other => Error::Malformed(other),
        }
    }
}
