//! The scanner's collection journal: at a testing site, each scan, each tube and each upload
//! acknowledgement goes into an append-only file of checksummed, versioned records that
//! survives crashes and power loss. Sealed tubes become upload batches with an idempotency
//! key, so an upload can be retried any number of times without duplicating anything.
//!
//! The file format is docs/SPEC.md §18. No ID number or name is ever written: a scan holds
//! a verified token's subject hash, key id, colour and verdict code. Every call that writes
//! returns only once its records are on stable storage ([`Durability`]). Opening takes an
//! exclusive lock, replays the records to rebuild the state (the open tube, the batches
//! waiting for upload, those acknowledged) and cuts a torn tail back to the last complete
//! record ([`Recovery`]).
//!
//! ```
//! use qrseal_core::{Colour, KeyId, SubjectId};
//! use qrseal_journal::{Journal, Options, Scan, upload};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let dir = tempfile::tempdir()?;
//! let path = dir.path().join("site.qsj");
//! let options = Options { tube_size: 2, ..Options::default() };
//! let journal = Journal::create(&path, "site-7", "gate-2", 1_700_000_000, options)?;
//! journal.open_tube("TUBE-0001", 1_700_000_010)?;
//! for (i, t) in [(1u8, 1_700_000_020), (2, 1_700_000_030)] {
//!     let scan = Scan {
//!         subject: SubjectId([i; 12]),
//!         key_id: KeyId([9; 4]),
//!         colour: Colour::Green,
//!         verdict: 0, // admitted
//!         scanned_at: t,
//!     };
//!     journal.record_scan(scan)?; // durable when it returns; the second fills the tube
//! }
//! let batches = journal.pending_batches()?;
//! assert_eq!(batches.len(), 1);
//! // POST batches[0].json to /v1/samples; on a 200/201 naming the batch:
//! let answer = br#"{"batch":"KEY","tube":"TUBE-0001","samples":2,"stored_at":1700000100}"#;
//! let answer = String::from_utf8_lossy(answer).replace("KEY", &batches[0].key);
//! if let upload::Answer::Stored { stored_at } =
//!     upload::classify(&batches[0], 201, None, answer.as_bytes())
//! {
//!     journal.acknowledge(&batches[0].key, stored_at)?;
//! }
//! assert!(journal.pending_batches()?.is_empty());
//! # Ok(()) }
//! ```
#![forbid(unsafe_code)]
#![warn(clippy::unwrap_used, clippy::expect_used)]

mod batch;
mod error;
mod format;
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;
mod journal;
mod state;
pub mod upload;

pub use batch::Batch;
pub use error::Error;
pub use format::{
    Damage, FRAME_HEAD, FRAME_TAIL, Header, MAGIC, MAX_HEADER_LEN, MAX_ID_LEN, MAX_PAYLOAD, Record,
    Scan, SealReason, VERSION, is_valid_id, key_id_of,
};
pub use journal::{
    DEFAULT_TUBE_SIZE, Decoded, Durability, Journal, MAX_TORN_TAIL, MAX_TUBE_SIZE, OpenTube,
    Options, Recovery, ScanOutcome, Status, TubeOutcome, decode,
};
