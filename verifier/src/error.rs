//! The one error type of `qrseal-verifier`.

use qrseal_core::lists::ListError;
use qrseal_core::{KeyId, Timestamp};

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
    #[error("clock is {by_secs} s behind the newest signed time seen")]
    ClockBehind {
        /// Seconds from `now` to that signed time.
        by_secs: u64,
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
            Error::KeyCompromised { .. } => "key_compromised",
            Error::KeyNotAccepted(_) => "key_not_accepted",
            Error::OutsideSigningWindow(_) => "outside_signing_window",
            Error::Revoked { .. } => "revoked",
            Error::ClockBehind { .. } => "clock_behind",
            Error::RevocationsBehind { .. } => "revocations_behind",
            Error::MalformedList(e) => e.code(),
            Error::WrongRoot(_) => "wrong_root",
            Error::UnknownListSigner(_) => "unknown_list_signer",
            Error::InvalidCheckpoint(_) => "invalid_checkpoint",
            Error::ForgedList => "forged_list",
            Error::Rollback { .. } => "rollback",
            Error::Backdated { .. } => "backdated_list",
            Error::DeltaGap { .. } => "delta_gap",
            Error::DeltaOutOfOrder { .. } => "delta_out_of_order",
            Error::ListFromFuture { .. } => "list_from_future",
            Error::DeltaWrongBase { .. } => "delta_wrong_base",
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

impl From<ListError> for Error {
    fn from(e: ListError) -> Self {
        Error::MalformedList(e)
    }
}
