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
    /// The revocation list to publish on top of cannot be checked: malformed lists are
    /// [`Error::List`]; this is a delta where a full list belongs, or a signature that does
    /// not verify under a key the publisher accepts.
    #[error("the revocation list published last is refused: {0}")]
    BaseListRefused(&'static str),
    /// The time given to publish at is before the issue time of the list published last:
    /// the clock is behind, and the new list would look backdated.
    #[error("the time now ({now}) is before the issue time of the list published last ({base})")]
    ClockBeforeBase {
        /// The time given.
        now: qrseal_core::Timestamp,
        /// The issue time of the list published last.
        base: qrseal_core::Timestamp,
    },
    /// The published revocation files disagree in a way no crash of the publisher leaves
    /// (edited or mixed up by hand); nothing was written.
    #[error("inconsistent revocation directory: {0}")]
    InconsistentRevocations(&'static str),
    /// A line of the revocation queue cannot be read.
    #[error("{}, line {line}: {reason}", path.display())]
    PendingFile {
        /// The queue file.
        path: PathBuf,
        /// The line (from 1; 0 for the whole file).
        line: usize,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A file is larger than the format allows; it was not read.
    #[error("{} is larger than {max} bytes", path.display())]
    FileTooLarge {
        /// The file.
        path: PathBuf,
        /// The limit.
        max: u64,
    },
    /// Reading or writing a key file failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
}
