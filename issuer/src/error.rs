//! The one error type of `qrseal-issuer`.

use std::path::PathBuf;

/// Everything that can go wrong when making keys or issuing tokens.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The claims cannot be encoded as a v1 token (the inner error names the field).
    #[error(transparent)]
    Claims(#[from] qrseal_core::Error),
    /// An ID number is empty, too long, or has characters other than ASCII letters and digits.
    #[error("invalid ID number: {0}")]
    InvalidIdNumber(&'static str),
    /// A TTL policy cannot be used.
    #[error("invalid TTL policy: {0}")]
    InvalidTtl(&'static str),
    /// A status that cannot be true at its issue time (a vaccine dose dated in the future).
    #[error("invalid status: {0}")]
    InvalidStatus(&'static str),
    /// A trust or revocation list cannot be encoded.
    #[error(transparent)]
    List(#[from] qrseal_core::lists::ListError),
    /// A key rotation cannot be made.
    #[error("rotation: {0}")]
    Rotation(&'static str),
    /// The operating system gave no randomness.
    #[error("the operating system's random number generator failed")]
    Random,
    /// A key could not be encoded or decoded (PEM / PKCS#8).
    #[error("key encoding: {0}")]
    KeyEncoding(&'static str),
    /// A key file exists already; keys are never overwritten.
    #[error("{} exists already; refusing to overwrite a key", .0.display())]
    KeyFileExists(PathBuf),
    /// Reading or writing a key file failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
}
