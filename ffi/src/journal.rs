//! `qrseal_journal`: the collection journal (qrseal-journal) for handheld scanners: record
//! verified scans, open and seal tubes, list the batches to upload as JSON bytes the host
//! POSTs with its own HTTP stack, and mark them acknowledged. Marshalling only: every rule
//! is the journal crate's.

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt as _;
use std::path::Path;

use ::qrseal_journal::{Batch, Journal, Options, Scan, key_id_of, upload};
use qrseal_core::{Colour, SubjectId};
use qrseal_verifier::Code;

use crate::codes::qrseal_code;
use crate::types::{qrseal_colour, qrseal_verdict};
use crate::{boundary, boundary_void, handle, input, write_out};

/// Bytes of [`qrseal_batch::key`]: a batch key (32 hex digits, `-`, at most 10 digits) and
/// its NUL.
pub const QRSEAL_BATCH_KEY_CAP: usize = 48;

/// Bytes of [`qrseal_batch::tube`]: the longest tube barcode (64) and its NUL.
pub const QRSEAL_TUBE_BARCODE_CAP: usize = 65;

/// A buffer of this many bytes holds any batch's JSON (100 samples of at most 120 bytes
/// each, and the envelope).
pub const QRSEAL_BATCH_JSON_CAP: usize = 16 * 1024;

/// An open collection journal: an opaque handle made by [`qrseal_journal_open`] and
/// released by [`qrseal_journal_close`]. It holds an exclusive lock on the file. Every call
/// takes it `const`: calls from several threads at once are safe (they take turns inside).
pub struct qrseal_journal {
    journal: Journal,
}

/// What recording a scan did.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct qrseal_scan_outcome {
    /// The scan's index in the journal (0, 1, ...).
    pub index: u32,
    /// Whether the scan went into the open tube (`tube` is then set).
    pub assigned: bool,
    /// The tube's sequence number.
    pub tube: u32,
    /// Whether this scan filled the tube, which is now sealed.
    pub sealed: bool,
}

/// A sealed tube waiting for the service's acknowledgement.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct qrseal_batch {
    /// The idempotency key `<journal id hex>-<tube sequence number>`: NUL-terminated ASCII.
    pub key: [u8; QRSEAL_BATCH_KEY_CAP],
    /// The tube's barcode: NUL-terminated ASCII.
    pub tube: [u8; QRSEAL_TUBE_BARCODE_CAP],
    /// The tube's sequence number.
    pub sequence: u32,
    /// Samples in the tube.
    pub samples: usize,
    /// Length of the JSON body written into the caller's buffer.
    pub json_len: usize,
}

/// Opens the collection journal at `path` (bytes of a file name), creating it for `site` and
/// `device` (each 1-64 characters of `[A-Za-z0-9._-]`) at `now` if it does not exist. An
/// existing journal must belong to the same site and device (`QRSEAL_INVALID_ARGUMENT`
/// otherwise). A tube is sealed when it holds `tube_size` samples (1-100; 0 means 10).
/// Every call that writes returns only once its records are on stable storage (fsync).
///
/// Opening takes an exclusive lock (`QRSEAL_JOURNAL_LOCKED` while another process or handle
/// holds it) and cuts a torn tail back to the last complete record; `*dropped_bytes`, if
/// not NULL, receives how many bytes were cut (0 normally). `QRSEAL_JOURNAL_UNSUPPORTED`:
/// not a journal, or of another version; `QRSEAL_JOURNAL_DAMAGED`: damage that is not a
/// torn tail (the file is left as it is); `QRSEAL_JOURNAL_IO`: the file cannot be read or
/// written.
///
/// # Safety
///
/// `path`, `site` and `device` must point to their lengths in readable bytes; `out` must be
/// NULL (refused) or writable; `dropped_bytes` must be NULL or writable.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn qrseal_journal_open(
    path: *const u8,
    path_len: usize,
    site: *const u8,
    site_len: usize,
    device: *const u8,
    device_len: usize,
    tube_size: u32,
    now: u64,
    out: *mut *mut qrseal_journal,
    dropped_bytes: *mut u64,
) -> qrseal_code {
    boundary(|| {
        // SAFETY: the caller's promise above, for each (pointer, length) pair.
        let (path, site, device) = unsafe {
            (
                input(path, path_len)?,
                input(site, site_len)?,
                input(device, device_len)?,
            )
        };
        if out.is_null() || path.is_empty() {
            return Err(Code::InvalidArgument);
        }
        let site = core::str::from_utf8(site).map_err(|_| Code::InvalidArgument)?;
        let device = core::str::from_utf8(device).map_err(|_| Code::InvalidArgument)?;
        let options = Options {
            tube_size: if tube_size == 0 {
                ::qrseal_journal::DEFAULT_TUBE_SIZE
            } else {
                usize::try_from(tube_size).map_err(|_| Code::InvalidArgument)?
            },
            ..Options::default()
        };
        let path = Path::new(OsStr::from_bytes(path));
        let (journal, dropped) = match Journal::open(path, options) {
            Ok((j, r)) => (j, r.dropped_bytes),
            Err(::qrseal_journal::Error::Io { source, .. })
                if source.kind() == std::io::ErrorKind::NotFound =>
            {
                (
                    Journal::create(path, site, device, now, options).map_err(|e| e.code())?,
                    0,
                )
            }
            Err(e) => return Err(e.code()),
        };
        if journal.header().site != site || journal.header().device != device {
            return Err(Code::InvalidArgument);
        }
        let handle = Box::into_raw(Box::new(qrseal_journal { journal }));
        if !dropped_bytes.is_null() {
            // SAFETY: not NULL, and writable (caller's promise).
            unsafe { dropped_bytes.write(dropped) };
        }
        // SAFETY: out is not NULL and writable (caller's promise).
        unsafe { write_out(out, handle) }
    })
}

/// Closes a journal and releases its lock. NULL is allowed (nothing happens).
///
/// # Safety
///
/// `journal` must be NULL or a live handle from [`qrseal_journal_open`], not used again.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn qrseal_journal_close(journal: *mut qrseal_journal) {
    boundary_void(|| {
        if !journal.is_null() {
            // SAFETY: made by Box::into_raw in qrseal_journal_open; the caller gives it up.
            drop(unsafe { Box::from_raw(journal) });
        }
    });
}

/// Records the scan of a token that verified: `verdict` is what
/// `qrseal_scanner_verify_text` wrote for `text` (the same bytes, without the line end), at
/// `now`. The journal keeps the subject hash, the key id (read from `text`), the colour and
/// the verdict (0 when admitted, else the first denial's code), never a name or ID number.
/// An admitted holder goes into the open tube unless none is open or the same person is
/// already in it; a tube that reaches its size is sealed. Durable when it returns; `*out`
/// says what happened. A `text` that is not the token of `verdict` is
/// `QRSEAL_INVALID_ARGUMENT`. Rejected tokens are not recorded: there is no verified
/// subject to record.
///
/// # Safety
///
/// `journal` must be NULL (refused) or live; `verdict` must be NULL (refused) or readable;
/// `text` must point to `len` readable bytes; `out` must be NULL (refused) or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn qrseal_journal_record_scan(
    journal: *const qrseal_journal,
    verdict: *const qrseal_verdict,
    text: *const u8,
    len: usize,
    now: u64,
    out: *mut qrseal_scan_outcome,
) -> qrseal_code {
    boundary(|| {
        // SAFETY: the caller's promise above.
        let j = unsafe { handle(journal) }?;
        // SAFETY: as above.
        let v = unsafe { handle(verdict) }?;
        // SAFETY: as above; the slice does not outlive this call.
        let text = unsafe { input(text, len) }?;
        if out.is_null() {
            return Err(Code::InvalidArgument);
        }
        let text = core::str::from_utf8(text).map_err(|_| Code::InvalidArgument)?;
        let subject = SubjectId(v.claims.subject);
        let key_id = key_id_of(text, &subject).map_err(|e| e.code())?;
        let colour = match v.claims.colour {
            qrseal_colour::QRSEAL_COLOUR_GREEN => Colour::Green,
            qrseal_colour::QRSEAL_COLOUR_YELLOW => Colour::Yellow,
            qrseal_colour::QRSEAL_COLOUR_RED => Colour::Red,
            qrseal_colour::QRSEAL_COLOUR_DARK_RED => Colour::DarkRed,
        };
        let verdict = match (v.admitted, v.denial_count) {
            (true, _) => 0,
            (false, 1..) => v.denials[0] as u16,
            // Denied with no reason: not a verdict the library writes.
            (false, 0) => return Err(Code::InvalidArgument),
        };
        let scan = Scan {
            subject,
            key_id,
            colour,
            verdict,
            scanned_at: now,
        };
        let o = j.journal.record_scan(scan).map_err(|e| e.code())?;
        let outcome = qrseal_scan_outcome {
            index: o.index,
            assigned: o.tube.is_some(),
            tube: o.tube.unwrap_or(0),
            sealed: o.sealed.is_some(),
        };
        // SAFETY: out is not NULL and writable (caller's promise).
        unsafe { write_out(out, outcome) }
    })
}

/// Opens a tube with `barcode` (1-64 characters of `[A-Za-z0-9._-]`) at `now`, sealing a tube
/// still open; writes the new tube's sequence number to `*out_tube`. A barcode used before
/// in this journal is `QRSEAL_TUBE_REUSED`.
///
/// # Safety
///
/// `journal` must be NULL (refused) or live; `barcode` must point to `len` readable bytes;
/// `out_tube` must be NULL (refused) or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn qrseal_journal_open_tube(
    journal: *const qrseal_journal,
    barcode: *const u8,
    len: usize,
    now: u64,
    out_tube: *mut u32,
) -> qrseal_code {
    boundary(|| {
        // SAFETY: the caller's promise above.
        let j = unsafe { handle(journal) }?;
        // SAFETY: as above.
        let barcode = unsafe { input(barcode, len) }?;
        if out_tube.is_null() {
            return Err(Code::InvalidArgument);
        }
        let barcode = core::str::from_utf8(barcode).map_err(|_| Code::InvalidArgument)?;
        let o = j.journal.open_tube(barcode, now).map_err(|e| e.code())?;
        // SAFETY: out_tube is not NULL and writable (caller's promise).
        unsafe { write_out(out_tube, o.tube) }
    })
}

/// Seals the open tube by hand at `now`; writes its sequence number to `*out_tube`.
/// `QRSEAL_NO_OPEN_TUBE` when none is open.
///
/// # Safety
///
/// `journal` must be NULL (refused) or live; `out_tube` must be NULL (refused) or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn qrseal_journal_seal_tube(
    journal: *const qrseal_journal,
    now: u64,
    out_tube: *mut u32,
) -> qrseal_code {
    boundary(|| {
        // SAFETY: the caller's promise above.
        let j = unsafe { handle(journal) }?;
        if out_tube.is_null() {
            return Err(Code::InvalidArgument);
        }
        let tube = j.journal.seal_tube(now).map_err(|e| e.code())?;
        // SAFETY: out_tube is not NULL and writable (caller's promise).
        unsafe { write_out(out_tube, tube) }
    })
}

/// Writes how many sealed tubes wait for upload to `*out_count`.
///
/// # Safety
///
/// `journal` must be NULL (refused) or live; `out_count` must be NULL (refused) or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn qrseal_journal_pending_count(
    journal: *const qrseal_journal,
    out_count: *mut usize,
) -> qrseal_code {
    boundary(|| {
        // SAFETY: the caller's promise above.
        let j = unsafe { handle(journal) }?;
        if out_count.is_null() {
            return Err(Code::InvalidArgument);
        }
        let n = j.journal.pending_batches().map_err(|e| e.code())?.len();
        // SAFETY: out_count is not NULL and writable (caller's promise).
        unsafe { write_out(out_count, n) }
    })
}

/// The pending batch number `index` (0 = oldest, below the count of
/// [`qrseal_journal_pending_count`]): its key, tube and sample count into `*out`, and the
/// JSON body to `POST /v1/samples` into `json` (`json_cap` bytes; `QRSEAL_BATCH_JSON_CAP`
/// always suffice; fewer than the body needs is `QRSEAL_BUFFER_TOO_SMALL`, nothing written).
/// An index past the end is `QRSEAL_NO_SUCH_BATCH`.
///
/// POST the body with `Authorization: Bearer <site credential>`; on 200 or 201 call
/// [`qrseal_journal_acknowledge`] with the answer's body; on 503 or 429 wait the
/// `Retry-After` seconds plus a random part and try again (a bounded number of times); on
/// 409 leave the batch pending and alert a person.
///
/// # Safety
///
/// `journal` must be NULL (refused) or live; `out` must be NULL (refused) or writable;
/// `json` must point to `json_cap` writable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn qrseal_journal_pending_batch(
    journal: *const qrseal_journal,
    index: usize,
    out: *mut qrseal_batch,
    json: *mut u8,
    json_cap: usize,
) -> qrseal_code {
    boundary(|| {
        // SAFETY: the caller's promise above.
        let j = unsafe { handle(journal) }?;
        if out.is_null() || json.is_null() {
            return Err(Code::InvalidArgument);
        }
        let batches = j.journal.pending_batches().map_err(|e| e.code())?;
        let b = batches.get(index).ok_or(Code::NoSuchBatch)?;
        if json_cap < b.json.len() {
            return Err(Code::BufferTooSmall);
        }
        let summary = qrseal_batch {
            key: nul_terminated(&b.key)?,
            tube: nul_terminated(&b.barcode)?,
            sequence: b.tube,
            samples: b.samples,
            json_len: b.json.len(),
        };
        // SAFETY: json is not NULL and holds json_cap >= b.json.len() writable bytes
        // (caller's promise).
        unsafe { core::ptr::copy_nonoverlapping(b.json.as_ptr(), json, b.json.len()) };
        // SAFETY: out is not NULL and writable (caller's promise).
        unsafe { write_out(out, summary) }
    })
}

/// Marks the pending batch `key` as stored, given the body of the service's 200 or 201
/// answer: the answer must name this batch key, tube and sample count
/// (`QRSEAL_INVALID_ARGUMENT` otherwise, and the batch stays pending). A key that names no
/// pending batch is `QRSEAL_NO_SUCH_BATCH`; a batch acknowledged before is `QRSEAL_OK` (a
/// repeated answer changes nothing). Durable when it returns.
///
/// # Safety
///
/// `journal` must be NULL (refused) or live; `key` and `body` must point to their lengths in
/// readable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn qrseal_journal_acknowledge(
    journal: *const qrseal_journal,
    key: *const u8,
    key_len: usize,
    body: *const u8,
    body_len: usize,
) -> qrseal_code {
    boundary(|| {
        // SAFETY: the caller's promise above.
        let j = unsafe { handle(journal) }?;
        // SAFETY: as above, for both pairs.
        let (key, body) = unsafe { (input(key, key_len)?, input(body, body_len)?) };
        let key = core::str::from_utf8(key).map_err(|_| Code::InvalidArgument)?;
        let batches = j.journal.pending_batches().map_err(|e| e.code())?;
        let Some(batch): Option<&Batch> = batches.iter().find(|b| b.key == key) else {
            // Acknowledged before (Ok(false)), or no such batch.
            return j
                .journal
                .acknowledge(key, 0)
                .map(|_| ())
                .map_err(|e| e.code());
        };
        match upload::classify(batch, 200, None, body) {
            upload::Answer::Stored { stored_at } => j
                .journal
                .acknowledge(key, stored_at)
                .map(|_| ())
                .map_err(|e| e.code()),
            _ => Err(Code::InvalidArgument),
        }
    })
}

/// `s` and a NUL in an array of `N` bytes (ids are ASCII and checked to fit).
fn nul_terminated<const N: usize>(s: &str) -> Result<[u8; N], Code> {
    let mut out = [0u8; N];
    if s.len() >= N {
        return Err(Code::Internal);
    }
    out[..s.len()].copy_from_slice(s.as_bytes());
    Ok(out)
}
