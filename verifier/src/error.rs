//! The one error type of `qrseal-verifier`.

use qrseal_core::lists::ListError;
use qrseal_core::{KeyId, Timestamp};

use core::time::Duration;

use crate::{Code, Hours};

/// Why a token, key or image was rejected.
///
/// Verification checks cheap things first (size, encoding, version, key, validity window)
/// and the signature last, so any variant other than [`Error::BadSignature`] says nothing
/// about whether the token is authentic. [`Error::code`] names the row of the error table
/// ([`Code`]) each kind belongs to; the variant carries the details.
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
    #[error("token expired {} ago", Hours(*by))]
    Expired {
        /// Time since the expiry time (whole seconds).
        by: Duration,
    },
    /// The token's issue time is in the future (beyond the allowed clock skew).
    #[error("token is not valid for another {}", Hours(*by))]
    NotYetValid {
        /// Time until the issue time (whole seconds).
        by: Duration,
    },
    /// A public key offered as trusted is not acceptable.
    #[error("invalid public key: {0}")]
    InvalidKey(KeyDefect),
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
    /// The trust list marks the token's key compromised since `since`: from then on it
    /// verifies nothing.
    #[error("token is signed by key {key_id}, compromised since {since}")]
    KeyCompromised {
        /// The key.
        key_id: KeyId,
        /// When it was compromised.
        since: Timestamp,
    },
    /// The clock is outside the window in which the trust list accepts the key's tokens
    /// (a retired key whose last tokens have all expired, or a key not yet in service).
    #[error("tokens signed by key {0} are not accepted at this time")]
    KeyNotAccepted(KeyId),
    /// The token's issue time is outside the window in which the trust list lets its key
    /// sign.
    #[error("token was issued outside the signing window of key {0}")]
    OutsideSigningWindow(KeyId),
    /// A revocation list invalidates the subject's tokens issued before `before`; a token
    /// issued since then verifies.
    #[error("token is revoked: its subject's tokens issued before {before} are invalid")]
    Revoked {
        /// Tokens issued before this time are invalid.
        before: Timestamp,
    },
    /// The clock reads earlier than the newest signed time this verifier has seen (minus the
    /// clock skew): it has been set back, and no time-based answer can be trusted.
    #[error("clock is {} behind the newest signed time seen", Hours(*by))]
    ClockBehind {
        /// Time from `now` to that signed time (whole seconds).
        by: Duration,
    },
    /// The revocation data loaded is older than a restored [`crate::Checkpoint`] requires
    /// (lost or rolled-back revocation files): no token is verified until it catches up.
    #[error("revocation data is at sequence {loaded}, older than the {required} last seen")]
    RevocationsBehind {
        /// The sequence loaded (0: none).
        loaded: u64,
        /// The sequence the checkpoint requires.
        required: u64,
    },
    /// A trust or revocation list is not well formed; nothing was changed.
    #[error("malformed list: {0}")]
    MalformedList(ListError),
    /// A trust list names a root key other than the one this verifier pins.
    #[error("trust list is signed by root key {0}, not the pinned root")]
    WrongRoot(KeyId),
    /// A revocation list is signed by a key the trust list does not hold, one marked
    /// compromised (at any time), or one whose signing window does not hold the list's issue
    /// time.
    #[error("revocation list is signed by key {0}, not a trusted issuer key at its issue time")]
    UnknownListSigner(KeyId),
    /// Saved checkpoint bytes are not a checkpoint.
    #[error("invalid checkpoint: {0}")]
    InvalidCheckpoint(&'static str),
    /// A list's signature does not verify: it was forged or damaged. Nothing was changed.
    #[error("list signature does not verify (forged or damaged)")]
    ForgedList,
    /// A list is older than the one held: accepting it would roll trust data back.
    #[error("list sequence {got} is older than the {held} held")]
    Rollback {
        /// The sequence number held.
        held: u64,
        /// The sequence number offered.
        got: u64,
    },
    /// A list whose sequence is in order but which was signed earlier than the list held.
    #[error("list is signed at {got}, earlier than the list held ({held})")]
    Backdated {
        /// When the list held was signed.
        held: Timestamp,
        /// When the list offered was signed.
        got: Timestamp,
    },
    /// A revocation delta skips sequence numbers (or no full list is held to apply it to).
    #[error("revocation delta {got} does not follow the {held} held: a delta is missing")]
    DeltaGap {
        /// The sequence number held (0: none).
        held: u64,
        /// The delta's sequence number.
        got: u64,
    },
    /// A revocation delta that is already applied, or older than the list held.
    #[error("revocation delta {got} is out of order: sequence {held} is already held")]
    DeltaOutOfOrder {
        /// The sequence number held.
        held: u64,
        /// The delta's sequence number.
        got: u64,
    },
    /// A list is signed at a time beyond the caller's clock plus the skew: refused, so that
    /// neither a publisher's fast clock nor a list dated years ahead can raise the clock
    /// floor. Nothing was changed.
    #[error("list is signed at {issued_at}, after the time now ({now}) plus the clock skew")]
    ListFromFuture {
        /// When the list says it was signed.
        issued_at: Timestamp,
        /// The caller's clock.
        now: Timestamp,
    },
    /// A revocation delta with the next sequence number that applies to another revocation
    /// set than the one held (another branch of the publisher's history, after a crash).
    /// Load the newest full list instead. Nothing was changed.
    #[error("revocation delta {got} applies to another revocation set than the one held")]
    DeltaWrongBase {
        /// The delta's sequence number.
        got: u64,
    },
}

impl Error {
    /// The row of the error table ([`Code`]) this error belongs to: its stable string,
    /// number, category and messages, shared by every host and used in `testvectors/`.
    /// Malformed tokens and lists report the core error's row (`truncated`,
    /// `non_canonical`, `list_invalid`, ...).
    pub fn code(&self) -> Code {
        match self {
            Error::Malformed(e) => Code::of_core_str(e.code()),
            Error::UnsupportedVersion(_) => Code::UnsupportedVersion,
            Error::UnknownKey(_) => Code::UnknownKey,
            Error::BadSignature => Code::BadSignature,
            Error::Expired { .. } => Code::Expired,
            Error::NotYetValid { .. } => Code::NotYetValid,
            Error::InvalidKey(_) => Code::InvalidKey,
            Error::ImageTooLarge { .. } => Code::ImageTooLarge,
            Error::ImageUnreadable(_) => Code::ImageUnreadable,
            Error::NoQrCode => Code::NoQrCode,
            Error::KeyCompromised { .. } => Code::KeyCompromised,
            Error::KeyNotAccepted(_) => Code::KeyNotAccepted,
            Error::OutsideSigningWindow(_) => Code::OutsideSigningWindow,
            Error::Revoked { .. } => Code::Revoked,
            Error::ClockBehind { .. } => Code::ClockBehind,
            Error::RevocationsBehind { .. } => Code::RevocationsBehind,
            Error::MalformedList(e) => Code::of_core_str(e.code()),
            Error::WrongRoot(_) => Code::WrongRoot,
            Error::UnknownListSigner(_) => Code::UnknownListSigner,
            Error::InvalidCheckpoint(_) => Code::InvalidCheckpoint,
            Error::ForgedList => Code::ForgedList,
            Error::Rollback { .. } => Code::Rollback,
            Error::Backdated { .. } => Code::BackdatedList,
            Error::DeltaGap { .. } => Code::DeltaGap,
            Error::DeltaOutOfOrder { .. } => Code::DeltaOutOfOrder,
            Error::ListFromFuture { .. } => Code::ListFromFuture,
            Error::DeltaWrongBase { .. } => Code::DeltaWrongBase,
        }
    }
}

/// The row of the error table a core error belongs to (found by its stable string).
impl From<&qrseal_core::Error> for Code {
    fn from(e: &qrseal_core::Error) -> Code {
        Code::of_core_str(e.code())
    }
}

/// The row of the error table a list error belongs to (found by its stable string).
impl From<&ListError> for Code {
    fn from(e: &ListError) -> Code {
        Code::of_core_str(e.code())
    }
}

/// What is wrong with a public key offered as trusted ([`Error::InvalidKey`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyDefect {
    /// The text is not an Ed25519 public key in PEM (SubjectPublicKeyInfo).
    #[error("not an Ed25519 public key in PEM")]
    NotPem,
    /// The 32 bytes are not a canonical encoding of a curve point of large order: a
    /// small-order key would let anyone forge signatures.
    #[error("not a canonical Ed25519 point of large order")]
    Weak,
}

impl From<qrseal_core::Error> for Error {
    fn from(e: qrseal_core::Error) -> Self {
        match e {
            qrseal_core::Error::UnsupportedVersion(v) => Error::UnsupportedVersion(v),
            other => Error::Malformed(other),
        }
    }
}

impl From<ListError> for Error {
    fn from(e: ListError) -> Self {
        Error::MalformedList(e)
    }
}
