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
    /// A secret key file may be known to someone else: group or others may read or write
    /// it, another user owns it, or it is not a regular file. Nothing was signed with it.
    #[error("{}: refusing to use this secret key: it {reason}", path.display())]
    KeyFileInsecure {
        /// The key file.
        path: PathBuf,
        /// What is wrong and how to fix it.
        reason: String,
    },
    /// A key directory holds a key set whose writing was interrupted (by a crash or a
    /// kill); it is not used. Writing a key set into the directory again rolls it back.
    #[error(
        "{}: the last key write into this directory was interrupted; run the command that \
         writes the keys (such as `qrseal keygen`) again",
        .0.display()
    )]
    KeyWriteInterrupted(PathBuf),
    /// Reading or writing a key file failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
}
