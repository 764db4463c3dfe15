//! The journal file: create, open (lock, replay, recover a torn tail), append durably.

use std::fs::{File, OpenOptions};
use std::io::{Read as _, Write as _};
use std::os::unix::fs::FileExt as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};

use crate::batch::{Batch, batch_json};
use crate::error::Error;
use crate::format::{self, Damage, Frame, Header, MAX_HEADER_LEN, Record, Scan, SealReason};
use crate::state::State;

/// The most bytes a torn tail may span: opening truncates damage only this close to the end
/// of the file. A crash tears at most the appends in flight (one per writer under group
/// commit), each well under 1 KiB; damage further from the end is not a torn write and is
/// refused ([`Error::Damaged`]).
pub const MAX_TORN_TAIL: u64 = 64 * 1024;

/// The default tube size.
pub const DEFAULT_TUBE_SIZE: usize = 10;

/// The largest tube size: a batch holds at most 100 samples.
pub const MAX_TUBE_SIZE: usize = 100;

/// When an append is durable.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Durability {
    /// Every call writes its records and calls `fsync` (`sync_data`) before it returns.
    #[default]
    EachCall,
    /// Group commit: a call writes its records, then waits for an `fsync` that started after
    /// its write; calls from several threads whose writes land while one `fsync` runs share
    /// the next one. The guarantee is the same as [`Durability::EachCall`] (a call returns
    /// only once its records are on stable storage); only the number of `fsync`s changes.
    GroupCommit,
}

/// How a journal is used.
#[derive(Clone, Copy, Debug)]
pub struct Options {
    /// Samples per tube: a tube is sealed when it holds this many (1-100, default 10).
    pub tube_size: usize,
    /// When an append is durable.
    pub durability: Durability,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            tube_size: DEFAULT_TUBE_SIZE,
            durability: Durability::EachCall,
        }
    }
}

/// What opening a journal dropped from its end.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Recovery {
    /// Bytes cut from the end of the file (0: the file ended with a complete record).
    pub dropped_bytes: u64,
    /// Where the cut was made, when it was.
    pub offset: u64,
    /// What was wrong with the first dropped record, when something was dropped.
    pub reason: Option<Damage>,
}

/// What recording a scan did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ScanOutcome {
    /// The scan's index in the journal (0, 1, ...).
    pub index: u32,
    /// The tube it went into, if it did.
    pub tube: Option<u32>,
    /// Why an admitted scan did not go into a tube (`None` when it did, or when the holder
    /// was denied).
    pub not_assigned: Option<&'static str>,
    /// The tube sealed because this scan filled it.
    pub sealed: Option<u32>,
}

/// What opening a tube did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct TubeOutcome {
    /// The new tube's sequence number.
    pub tube: u32,
    /// The tube that was open before, sealed now.
    pub sealed: Option<u32>,
}

/// The open tube.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpenTube {
    /// Its sequence number.
    pub tube: u32,
    /// Its barcode.
    pub barcode: String,
    /// Samples in it.
    pub samples: usize,
}

/// A summary of the journal's state.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Status {
    /// Scans recorded.
    pub scans: u32,
    /// The open tube, if any.
    pub open_tube: Option<OpenTube>,
    /// Sealed tubes with samples, not yet acknowledged by the service.
    pub pending: usize,
    /// Tubes the service acknowledged.
    pub acknowledged: usize,
    /// The journal file's length in bytes.
    pub bytes: u64,
}

/// An open journal, locked for this handle. Methods take `&self`: one handle may be shared
/// between threads (with [`Durability::GroupCommit`] their fsyncs are shared).
#[derive(Debug)]
pub struct Journal {
    file: File,
    path: PathBuf,
    header: Header,
    options: Options,
    state: Mutex<State>,
    /// End of the records written (not necessarily synced).
    written: AtomicU64,
    /// End of the records known to be on stable storage; held while syncing.
    synced: Mutex<u64>,
    poisoned: AtomicBool,
}

impl Journal {
    /// Creates a new journal at `path` for `site` and `device` (each 1-64 characters of
    /// `[A-Za-z0-9._-]`) with a random journal id, and opens it. The file appears complete
    /// or not at all (written aside, synced, then linked into place); an existing file is
    /// never replaced ([`Error::Exists`]).
    pub fn create(
        path: &Path,
        site: &str,
        device: &str,
        created_at: u64,
        options: Options,
    ) -> Result<Journal, Error> {
        let mut journal_id = [0u8; 16];
        getrandom::fill(&mut journal_id).map_err(|_| Error::Random)?;
        Journal::create_with_id(path, journal_id, site, device, created_at, options)
    }

    /// As [`Journal::create`] with a given journal id: for test vectors and tests. Two
    /// journals with one id would give two tubes the same batch key: use [`Journal::create`].
    pub fn create_with_id(
        path: &Path,
        journal_id: [u8; 16],
        site: &str,
        device: &str,
        created_at: u64,
        options: Options,
    ) -> Result<Journal, Error> {
        check_options(&options)?;
        if !format::is_valid_id(site) {
            return Err(Error::BadId {
                what: "the site id",
            });
        }
        if !format::is_valid_id(device) {
            return Err(Error::BadId {
                what: "the device id",
            });
        }
        let header = Header {
            journal_id,
            site: site.to_owned(),
            device: device.to_owned(),
            created_at,
        };
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let name = path.file_name().ok_or(Error::BadId {
            what: "the journal path",
        })?;
        let mut tmp_name = std::ffi::OsString::from(".");
        tmp_name.push(name);
        tmp_name.push(format!(".{}.tmp", format::hex(&journal_id)));
        let tmp = dir.join(tmp_name);
        let written = (|| {
            let mut f = OpenOptions::new().write(true).create_new(true).open(&tmp)?;
            f.write_all(&header.encode())?;
            f.sync_all()
        })();
        if let Err(e) = written {
            let _ = std::fs::remove_file(&tmp);
            return Err(Error::Io {
                what: "create",
                source: e,
            });
        }
        // A hard link never replaces an existing file, unlike a rename.
        let linked = std::fs::hard_link(&tmp, path);
        let _ = std::fs::remove_file(&tmp);
        match linked {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => return Err(Error::Exists),
            Err(e) => {
                return Err(Error::Io {
                    what: "create",
                    source: e,
                });
            }
        }
        File::open(&dir)
            .and_then(|d| d.sync_all())
            .map_err(Error::io("sync the directory"))?;
        Journal::open(path, options).map(|(j, _)| j)
    }

    /// Opens an existing journal: takes an exclusive lock (refused with [`Error::Locked`]
    /// while another handle holds it), checks the header, replays every record, and cuts a
    /// torn or damaged tail (at most [`MAX_TORN_TAIL`] bytes) back to the last complete
    /// record, reporting what it dropped. Truncation is the only change opening makes, and
    /// it never removes a complete record. Memory stays bounded whatever the file holds:
    /// records are read through a fixed buffer and no length field is trusted.
    pub fn open(path: &Path, options: Options) -> Result<(Journal, Recovery), Error> {
        check_options(&options)?;
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .open(path)
            .map_err(Error::io("open"))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => return Err(Error::Locked),
            Err(std::fs::TryLockError::Error(e)) => {
                return Err(Error::Io {
                    what: "lock",
                    source: e,
                });
            }
        }
        let len = file.metadata().map_err(Error::io("open"))?.len();
        let mut reader = &file;
        let mut replay = Replay::new();
        let mut buf = vec![0u8; READ_BUFFER];
        let mut filled = 0;
        let mut eof = false;
        let mut consumed = 0;
        loop {
            while !eof && filled < buf.len() {
                match reader.read(&mut buf[filled..]) {
                    Ok(0) => eof = true,
                    Ok(n) => filled += n,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(e) => {
                        return Err(Error::Io {
                            what: "read",
                            source: e,
                        });
                    }
                }
            }
            let used = replay.feed(&buf[consumed..filled], eof)?;
            consumed += used;
            if replay.stopped() || eof {
                break;
            }
            buf.copy_within(consumed..filled, 0);
            filled -= consumed;
            consumed = 0;
        }
        let Some(header) = replay.header.take() else {
            // feed() returns an error for every header it cannot read.
            return Err(Error::CorruptHeader("file shorter than its header"));
        };
        let mut recovery = Recovery::default();
        let end = replay.state.end;
        if let Some(damage) = replay.damage {
            let following = len - end;
            if following > MAX_TORN_TAIL {
                return Err(Error::Damaged {
                    offset: end,
                    reason: damage,
                    following,
                });
            }
            file.set_len(end)
                .map_err(Error::io("truncate a torn tail"))?;
            file.sync_data()
                .map_err(Error::io("truncate a torn tail"))?;
            recovery = Recovery {
                dropped_bytes: following,
                offset: end,
                reason: Some(damage),
            };
        }
        Ok((
            Journal {
                file,
                path: path.to_path_buf(),
                header,
                options,
                written: AtomicU64::new(end),
                synced: Mutex::new(end),
                state: Mutex::new(replay.state),
                poisoned: AtomicBool::new(false),
            },
            recovery,
        ))
    }

    /// The journal's header: its id, site, device and creation time.
    pub fn header(&self) -> &Header {
        &self.header
    }

    /// The journal's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Records a scan. An admitted scan goes into the open tube unless no tube is open or
    /// the same person is already in it; a tube that reaches the tube size is sealed. All of
    /// it is durable when the call returns.
    pub fn record_scan(&self, scan: Scan) -> Result<ScanOutcome, Error> {
        let st = self.lock()?;
        let index = st.scans;
        let mut records = vec![Record::Scan(scan)];
        let mut outcome = ScanOutcome {
            index,
            tube: None,
            not_assigned: None,
            sealed: None,
        };
        if scan.admitted() {
            match st.can_assign(&scan.subject) {
                Ok(tube) => {
                    records.push(Record::Assigned { scan: index, tube });
                    outcome.tube = Some(tube);
                    if let Some(seal) = st.seal_if_full(self.options.tube_size, scan.scanned_at) {
                        outcome.sealed = Some(tube);
                        records.push(seal);
                    }
                }
                Err(why) => outcome.not_assigned = Some(why),
            }
        }
        self.commit(st, &records)?;
        Ok(outcome)
    }

    /// Puts an earlier admitted scan (by index) into the open tube, sealing it if that fills
    /// it. Returns the tube and whether it was sealed.
    pub fn assign(&self, scan: u32, now: u64) -> Result<(u32, bool), Error> {
        let st = self.lock()?;
        if scan >= st.scans {
            return Err(Error::NoSuchScan(scan));
        }
        let sample = st.assignable.get(&scan).ok_or(Error::NotAssignable {
            scan,
            reason: "denied by the policy, or already in a tube",
        })?;
        let tube = match st.can_assign(&sample.subject) {
            Ok(tube) => tube,
            Err("no tube is open") => return Err(Error::NoOpenTube),
            Err(reason) => return Err(Error::NotAssignable { scan, reason }),
        };
        let mut records = vec![Record::Assigned { scan, tube }];
        let seal = st.seal_if_full(self.options.tube_size, now);
        let sealed = seal.is_some();
        records.extend(seal);
        self.commit(st, &records)?;
        Ok((tube, sealed))
    }

    /// Opens a tube with `barcode` (1-64 characters of `[A-Za-z0-9._-]`, not used before in
    /// this journal). A tube still open is sealed first ([`SealReason::Replaced`]); if it
    /// holds no sample it is never a batch.
    pub fn open_tube(&self, barcode: &str, now: u64) -> Result<TubeOutcome, Error> {
        if !format::is_valid_id(barcode) {
            return Err(Error::BadId {
                what: "a tube barcode",
            });
        }
        let st = self.lock()?;
        if st.barcodes.contains(barcode) {
            return Err(Error::TubeReused(barcode.to_owned()));
        }
        let tube = st.last_tube.checked_add(1).ok_or(Error::Inconsistent {
            offset: st.end,
            reason: "more than 2^32 tubes",
        })?;
        let mut records = Vec::new();
        let sealed = st.open.as_ref().map(|t| t.seq);
        if let Some(open) = sealed {
            records.push(Record::TubeSealed {
                tube: open,
                sealed_at: now,
                reason: SealReason::Replaced,
            });
        }
        records.push(Record::TubeOpened {
            tube,
            barcode: barcode.to_owned(),
            opened_at: now,
        });
        self.commit(st, &records)?;
        Ok(TubeOutcome { tube, sealed })
    }

    /// Seals the open tube by hand; returns its sequence number.
    pub fn seal_tube(&self, now: u64) -> Result<u32, Error> {
        let st = self.lock()?;
        let tube = st.open.as_ref().ok_or(Error::NoOpenTube)?.seq;
        self.commit(
            st,
            &[Record::TubeSealed {
                tube,
                sealed_at: now,
                reason: SealReason::ByHand,
            }],
        )?;
        Ok(tube)
    }

    /// The sealed tubes the service has not acknowledged, oldest first, each with its batch
    /// key and the JSON body to `POST /v1/samples` (docs/SPEC.md §18.6). Only tubes whose
    /// seal is on stable storage are listed.
    pub fn pending_batches(&self) -> Result<Vec<Batch>, Error> {
        let synced = *self.synced.lock().map_err(|_| Error::Poisoned)?;
        let st = self.lock()?;
        Ok(st
            .pending
            .values()
            .filter(|t| t.sealed_end <= synced)
            .map(|t| Batch {
                key: self.batch_key(t.seq),
                tube: t.seq,
                barcode: t.barcode.clone(),
                samples: t.samples.len(),
                json: batch_json(&self.header, &self.batch_key(t.seq), t),
            })
            .collect())
    }

    /// Marks the batch `key` as stored by the service at `stored_at` (its answer's
    /// `stored_at`). Call only after the service answered 200 or 201 for exactly this key
    /// ([`crate::upload::classify`] checks the answer). A batch already acknowledged is left
    /// as it is (`Ok(false)`); a key that names no sealed tube of this journal is refused.
    pub fn acknowledge(&self, key: &str, stored_at: u64) -> Result<bool, Error> {
        let tube = self
            .parse_key(key)
            .ok_or_else(|| Error::NoSuchBatch(key.to_owned()))?;
        let st = self.lock()?;
        if st.acknowledged.contains(&tube) {
            return Ok(false);
        }
        if !st.pending.contains_key(&tube) {
            return Err(Error::NoSuchBatch(key.to_owned()));
        }
        self.commit(st, &[Record::Acknowledged { tube, stored_at }])?;
        Ok(true)
    }

    /// A summary of the state.
    pub fn status(&self) -> Result<Status, Error> {
        let st = self.lock()?;
        Ok(Status {
            scans: st.scans,
            open_tube: st.open.as_ref().map(|t| OpenTube {
                tube: t.seq,
                barcode: t.barcode.clone(),
                samples: t.samples.len(),
            }),
            pending: st.pending.len(),
            acknowledged: st.acknowledged.len(),
            bytes: st.end,
        })
    }

    /// `<journal id hex>-<tube>`: the batch's idempotency key.
    pub fn batch_key(&self, tube: u32) -> String {
        format!("{}-{tube}", self.header.journal_id_hex())
    }

    fn parse_key(&self, key: &str) -> Option<u32> {
        let (id, tube) = key.split_once('-')?;
        if id != self.header.journal_id_hex() || tube.starts_with(['+', '0']) {
            return None;
        }
        tube.parse().ok()
    }

    fn lock(&self) -> Result<MutexGuard<'_, State>, Error> {
        if self.poisoned.load(Ordering::Acquire) {
            return Err(Error::Poisoned);
        }
        // A panic while holding the lock may have left the state half-changed.
        self.state.lock().map_err(|_| Error::Poisoned)
    }

    /// Writes `records` in one write at the end of the file, applies them to the state, and
    /// returns once they are durable. A failed write is cut back so that the file ends with
    /// a complete record again.
    fn commit(&self, mut st: MutexGuard<'_, State>, records: &[Record]) -> Result<(), Error> {
        let start = st.end;
        let mut bytes = Vec::with_capacity(64 * records.len());
        let mut ends = Vec::with_capacity(records.len());
        for r in records {
            r.encode_into(&mut bytes);
            ends.push(start + bytes.len() as u64);
        }
        if let Err(e) = self.file.write_all_at(&bytes, start) {
            if self.file.set_len(start).is_err() {
                self.poisoned.store(true, Ordering::Release);
            }
            return Err(Error::Io {
                what: "append",
                source: e,
            });
        }
        let end = start + bytes.len() as u64;
        for (r, &end) in records.iter().zip(&ends) {
            if let Err(reason) = st.apply(r, end) {
                // The caller built `records` from checks against this state; a refusal here
                // is a bug. The records are on disk, so the handle stops writing.
                self.poisoned.store(true, Ordering::Release);
                return Err(Error::Inconsistent {
                    offset: end,
                    reason,
                });
            }
        }
        self.written.store(end, Ordering::Release);
        match self.options.durability {
            // Synced under the state lock: calls take turns, each with its own fsync.
            Durability::EachCall => self.sync_to(end),
            Durability::GroupCommit => {
                drop(st);
                self.sync_to(end)
            }
        }
    }

    /// Returns once everything up to `end` is on stable storage: at once if an earlier sync
    /// covered it, else after an fsync that starts now and covers every write made so far.
    fn sync_to(&self, end: u64) -> Result<(), Error> {
        let mut synced = self.synced.lock().map_err(|_| Error::Poisoned)?;
        if *synced >= end {
            return Ok(());
        }
        let target = self.written.load(Ordering::Acquire);
        if let Err(e) = self.file.sync_data() {
            // After a failed fsync the kernel may have dropped the dirty pages: what is on
            // disk is unknown, so this handle writes no more.
            self.poisoned.store(true, Ordering::Release);
            return Err(Error::Io {
                what: "fsync",
                source: e,
            });
        }
        *synced = target;
        Ok(())
    }
}

fn check_options(options: &Options) -> Result<(), Error> {
    if (1..=MAX_TUBE_SIZE).contains(&options.tube_size) {
        Ok(())
    } else {
        Err(Error::BadTubeSize)
    }
}

/// The read buffer when opening: large enough for any record (and for fast replay).
const READ_BUFFER: usize = 1 << 20;

/// Replays a journal's bytes, fed in pieces: the header, then records until the end or the
/// first damaged record.
pub(crate) struct Replay {
    pub(crate) header: Option<Header>,
    pub(crate) state: State,
    /// The first damaged record, at `state.end`.
    pub(crate) damage: Option<Damage>,
    /// Every record with its offset, when asked for (vectors, fuzzing).
    pub(crate) records: Option<Vec<(u64, Record)>>,
}

impl Replay {
    pub(crate) fn new() -> Replay {
        Replay {
            header: None,
            state: State::default(),
            damage: None,
            records: None,
        }
    }

    pub(crate) fn stopped(&self) -> bool {
        self.damage.is_some()
    }

    /// Consumes complete items from the front of `buf` and returns how many bytes it used.
    /// `eof`: no bytes follow `buf`.
    pub(crate) fn feed(&mut self, buf: &[u8], eof: bool) -> Result<usize, Error> {
        let mut used = 0;
        if self.header.is_none() {
            if buf.len() < MAX_HEADER_LEN && !eof {
                return Ok(0);
            }
            let (header, len) = Header::decode(buf)?;
            self.header = Some(header);
            self.state.end = len as u64;
            used = len;
        }
        loop {
            let offset = self.state.end;
            match format::frame(&buf[used..]) {
                Frame::Record(record, n) => {
                    let end = offset + n as u64;
                    self.state
                        .apply(&record, end)
                        .map_err(|reason| Error::Inconsistent { offset, reason })?;
                    if let Some(records) = &mut self.records {
                        records.push((offset, record));
                    }
                    used += n;
                }
                Frame::Need(_) if !eof => return Ok(used),
                Frame::Need(_) => {
                    if used < buf.len() {
                        self.damage = Some(Damage::Torn);
                    }
                    return Ok(used);
                }
                Frame::Damaged(d) => {
                    self.damage = Some(d);
                    return Ok(used);
                }
                Frame::Invalid(reason) => return Err(Error::Inconsistent { offset, reason }),
            }
        }
    }
}

/// A journal decoded from bytes in memory: for test vectors, other implementations' checks
/// and fuzzing. Nothing is written.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Decoded {
    /// The header.
    pub header: Header,
    /// Every complete record with its offset, in order.
    pub records: Vec<(u64, Record)>,
    /// What opening the file would cut: the offset of the first damaged record, why, and
    /// how many bytes from there to the end; `None` when the bytes end with a complete
    /// record.
    pub tail: Option<(u64, Damage, u64)>,
}

/// Decodes a journal's bytes under the rules [`Journal::open`] applies, without writing.
/// Refuses what opening refuses, including damage more than [`MAX_TORN_TAIL`] bytes from
/// the end.
pub fn decode(bytes: &[u8]) -> Result<Decoded, Error> {
    let mut replay = Replay::new();
    replay.records = Some(Vec::new());
    replay.feed(bytes, true)?;
    let header = replay
        .header
        .take()
        .ok_or(Error::CorruptHeader("file shorter than its header"))?;
    let end = replay.state.end;
    let tail = match replay.damage {
        None => None,
        Some(d) => {
            let following = bytes.len() as u64 - end;
            if following > MAX_TORN_TAIL {
                return Err(Error::Damaged {
                    offset: end,
                    reason: d,
                    following,
                });
            }
            Some((end, d, following))
        }
    };
    Ok(Decoded {
        header,
        records: replay.records.take().unwrap_or_default(),
        tail,
    })
}
