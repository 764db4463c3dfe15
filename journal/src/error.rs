//! The crate's one error type.

use crate::format::MAX_ID_LEN;

/// Why a journal operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Reading or writing the file failed (a full disk, a file-size limit, permissions...).
    /// A failed append leaves nothing behind: the file is cut back to its last complete
    /// record.
    #[error("journal {what}: {source}")]
    Io {
        /// What was being done.
        what: &'static str,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// Another process (or another handle in this one) holds the journal open.
    #[error("the journal is open in another process (or handle); only one may write it")]
    Locked,
    /// The file to create already exists.
    #[error("the journal file already exists")]
    Exists,
    /// The file does not start with the journal magic: not a qrseal journal.
    #[error("not a qrseal journal (the file does not start with QSJOURNL)")]
    NotAJournal,
    /// The journal is of a format version this library does not read.
    #[error("journal format version {0} is not supported (this library reads version 1)")]
    UnsupportedVersion(u16),
    /// The header's length, ids or checksum are wrong.
    #[error("the journal header is corrupt: {0}")]
    CorruptHeader(&'static str),
    /// Damage that is not a torn tail: more than [`crate::MAX_TORN_TAIL`] bytes follow the
    /// first damaged record, so truncating would drop records a crash cannot have torn.
    /// Nothing is changed.
    #[error(
        "the journal is damaged at byte {offset} ({reason}) with {following} bytes after it: \
         not a torn tail, so it is not truncated; keep the file for inspection"
    )]
    Damaged {
        /// Offset of the first damaged record.
        offset: u64,
        /// What is wrong there.
        reason: crate::Damage,
        /// Bytes from there to the end of the file.
        following: u64,
    },
    /// A record with a valid checksum that version 1 does not allow there (an unknown type,
    /// a tube that is not open, a scan assigned twice...): written by a faulty or newer
    /// writer. Nothing is changed.
    #[error("the journal is inconsistent at byte {offset}: {reason}")]
    Inconsistent {
        /// Offset of the record.
        offset: u64,
        /// What is wrong.
        reason: &'static str,
    },
    /// A site id, device id or tube barcode is not 1-64 characters of `[A-Za-z0-9._-]`.
    #[error("{what} must be 1-{MAX_ID_LEN} characters of [A-Za-z0-9._-]")]
    BadId {
        /// Which id.
        what: &'static str,
    },
    /// The tube size is not 1-100 (a batch holds at most 100 samples).
    #[error("the tube size must be 1-100")]
    BadTubeSize,
    /// The barcode was already used by an earlier tube of this journal.
    #[error("tube {0} was already used in this journal")]
    TubeReused(String),
    /// No tube is open.
    #[error("no tube is open: scan a tube barcode first")]
    NoOpenTube,
    /// The scan index is not a scan of this journal.
    #[error("no scan {0} in this journal")]
    NoSuchScan(u32),
    /// The scan cannot go into the tube: denied by the policy, already in a tube, or the
    /// same person is already in this tube.
    #[error("scan {scan} cannot be assigned: {reason}")]
    NotAssignable {
        /// The scan's index.
        scan: u32,
        /// Why.
        reason: &'static str,
    },
    /// No sealed, unacknowledged batch has this key.
    #[error("no pending batch {0}")]
    NoSuchBatch(String),
    /// An earlier write or sync failed in a way that leaves the file's state unknown (the
    /// cut-back after a failed append failed, or an fsync failed): the handle refuses every
    /// further write. Reopen the journal to recover.
    #[error("an earlier write to the journal failed; reopen it to recover")]
    Poisoned,
    /// The token text does not decode, or is not the token whose result was given.
    #[error("the token text is not the token that was verified")]
    NotThisToken,
    /// The operating system's random number generator failed (creating a journal id).
    #[error("the random number generator failed")]
    Random,
}

impl Error {
    pub(crate) fn io(what: &'static str) -> impl FnOnce(std::io::Error) -> Error {
        move |source| Error::Io { what, source }
    }
}

impl Error {
    /// The row of the one error table (docs/SPEC.md §7.5) this error reports as: what C and
    /// WASM hosts switch on.
    pub fn code(&self) -> qrseal_verifier::Code {
        use qrseal_verifier::Code;
        match self {
            Error::Io { .. } | Error::Exists | Error::Poisoned => Code::JournalIo,
            Error::Locked => Code::JournalLocked,
            Error::NotAJournal | Error::UnsupportedVersion(_) | Error::CorruptHeader(_) => {
                Code::JournalUnsupported
            }
            Error::Damaged { .. } | Error::Inconsistent { .. } => Code::JournalDamaged,
            Error::NoOpenTube => Code::NoOpenTube,
            Error::TubeReused(_) => Code::TubeReused,
            Error::NoSuchScan(_) | Error::NotAssignable { .. } => Code::NotAssignable,
            Error::NoSuchBatch(_) => Code::NoSuchBatch,
            Error::BadId { .. } | Error::BadTubeSize | Error::NotThisToken => Code::InvalidArgument,
            Error::Random => Code::Internal,
        }
    }
}
