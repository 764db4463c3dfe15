//! The revocation directory a publisher keeps on disk (feature `files`): `pending` (the
//! queue, one `SUBJECT-HEX UNIX-SECONDS` line a revocation), `full.qsrl` (the newest full
//! list) and `delta-NNNNNNNN.qsrl` (the delta that brings a verifier from sequence N − 1 to
//! N), guarded by the lock file `lock`.
//!
//! Every operation holds an exclusive lock on `lock` for its whole duration, so concurrent
//! `revoke` and `publish` processes are serialised and no acknowledged revocation is lost.
//! Every write is durable before it is acknowledged: files are written to a temporary name,
//! flushed, renamed into place, and the directory is flushed. Publishing writes the delta
//! first, then the full list, then removes from the queue what was published; a publisher
//! killed at any instant leaves a state the next [`RevocationDir::publish`] recognises and
//! completes byte for byte (see [`Published::completed`]); temporary files a killed writer
//! left are removed when the lock is next taken.
//!
//! Test hook: when the environment variable `QRSEAL_TEST_ABORT_AT` names a step
//! (`publish-after-delta`, `publish-after-full`), the process aborts right after that step,
//! as a crash would. It exists only for the crash tests in `cli/tests/`; nothing else sets
//! it.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use qrseal_core::lists::{
    MAX_REVOCATION_ENTRIES, REVOCATION_ENTRY_LEN, REVOCATION_HEADER_LEN, Revocation, RevocationList,
};
use qrseal_core::wire::{SIGNATURE_LEN, SUBJECT_LEN};
use qrseal_core::{SubjectId, Timestamp};

use crate::Error;
use crate::revocation::{PublishedRevocations, RevocationPublisher};

/// File name of the revocations not yet published.
pub const PENDING_FILE: &str = "pending";
/// File name of the newest full revocation list.
pub const FULL_FILE: &str = "full.qsrl";
/// File name of the lock every operation holds.
pub const LOCK_FILE: &str = "lock";

/// The largest revocation list file read: a full list of [`MAX_REVOCATION_ENTRIES`].
pub const MAX_LIST_FILE: u64 =
    (REVOCATION_HEADER_LEN + MAX_REVOCATION_ENTRIES * REVOCATION_ENTRY_LEN + SIGNATURE_LEN) as u64;
/// The largest pending file read (a line is at most 36 bytes).
pub const MAX_PENDING_FILE: u64 = (MAX_REVOCATION_ENTRIES * 36) as u64;

/// The file name of the delta with sequence `sequence` (zero-padded so names sort in
/// sequence order).
pub fn delta_file(sequence: u64) -> String {
    format!("delta-{sequence:08}.qsrl")
}

/// An open, locked revocation directory. The lock is released when this is dropped.
#[derive(Debug)]
pub struct RevocationDir {
    dir: PathBuf,
    // Held for its lock; closing the file releases it.
    _lock: File,
}

/// What [`RevocationDir::publish`] did.
#[derive(Debug)]
#[non_exhaustive]
pub struct Published {
    /// The lists written.
    pub lists: PublishedRevocations,
    /// `true` if this run completed a publication a previous run was killed in the middle
    /// of (its delta was written, its full list not): the lists are exactly those that run
    /// would have written, and nothing else was published; run again for the queue.
    pub completed: bool,
    /// The full list's path.
    pub full_path: PathBuf,
    /// The delta's path, if a delta was written.
    pub delta_path: Option<PathBuf>,
}

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> Error + '_ {
    move |source| Error::Io {
        path: path.to_path_buf(),
        source,
    }
}

impl RevocationDir {
    /// Opens `dir` (created if missing) and takes its lock, waiting for any other process
    /// holding it.
    pub fn open(dir: &Path) -> Result<RevocationDir, Error> {
        fs::create_dir_all(dir).map_err(io_err(dir))?;
        let lock_path = dir.join(LOCK_FILE);
        let lock = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(io_err(&lock_path))?;
        lock.lock().map_err(io_err(&lock_path))?;
        let opened = RevocationDir {
            dir: dir.to_path_buf(),
            _lock: lock,
        };
        opened.remove_stale_temporaries()?;
        Ok(opened)
    }

    /// Removes the temporary files of writers killed before their rename. Safe under the
    /// lock: only a holder of it writes in the directory.
    fn remove_stale_temporaries(&self) -> Result<(), Error> {
        for entry in fs::read_dir(&self.dir).map_err(io_err(&self.dir))? {
            let path = entry.map_err(io_err(&self.dir))?.path();
            let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
            if name.is_some_and(|n| n.starts_with('.') && n.ends_with(".tmp")) {
                fs::remove_file(&path).map_err(io_err(&path))?;
            }
        }
        Ok(())
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.dir
    }

    /// The queue: the revocations added and not yet published.
    pub fn pending(&self) -> Result<Vec<Revocation>, Error> {
        let path = self.dir.join(PENDING_FILE);
        let text = match read_bounded(&path, MAX_PENDING_FILE)? {
            None => return Ok(Vec::new()),
            Some(bytes) => String::from_utf8(bytes).map_err(|_| Error::PendingFile {
                path: path.clone(),
                line: 0,
                reason: "not UTF-8 text",
            })?,
        };
        parse_pending(&text, &path)
    }

    /// Adds `entries` to the queue. When this returns `Ok`, they are on disk: a crash or a
    /// concurrent publication cannot lose them.
    pub fn add(&self, entries: &[Revocation]) -> Result<(), Error> {
        let mut lines = String::new();
        for r in entries {
            let t = u32::try_from(r.issued_before.unix()).map_err(|_| {
                Error::List(qrseal_core::lists::ListError::Unencodable(
                    "revocation time beyond 2106",
                ))
            })?;
            lines.push_str(&format!("{} {t}\n", r.subject));
        }
        // Checks the queue is readable before adding to it.
        let current = self.pending()?;
        let path = self.dir.join(PENDING_FILE);
        let mut text = String::new();
        for r in &current {
            text.push_str(&format!("{} {}\n", r.subject, r.issued_before.unix()));
        }
        text.push_str(&lines);
        write_durable(&path, text.as_bytes())
    }

    /// The full list published last, if any.
    pub fn full_list(&self) -> Result<Option<Vec<u8>>, Error> {
        read_bounded(&self.dir.join(FULL_FILE), MAX_LIST_FILE)
    }

    /// Publishes the queue: the next full list and delta (see
    /// [`RevocationPublisher::publish`]), then removes from the queue what was published.
    /// If a previous run was killed after writing its delta, completes that publication
    /// instead (same bytes) and publishes nothing else.
    pub fn publish(
        &self,
        publisher: &RevocationPublisher<'_>,
        now: Timestamp,
        valid_for_secs: u64,
    ) -> Result<Published, Error> {
        let full_path = self.dir.join(FULL_FILE);
        let base = self.full_list()?;
        let base_info = base
            .as_deref()
            .map(|b| publisher.check_base(b).map(|l| l.info))
            .transpose()?;
        let next_seq = base_info.map_or(1, |i| i.sequence.saturating_add(1));
        let delta_path = self.dir.join(delta_file(next_seq));
        let interrupted = read_bounded(&delta_path, MAX_LIST_FILE)?;
        let (lists, completed) = match (&base, interrupted) {
            (Some(base), Some(delta)) => (publisher.complete(base, &delta)?, true),
            (None, Some(_)) => {
                return Err(Error::InconsistentRevocations(
                    "a delta exists but no full list",
                ));
            }
            (_, None) => {
                let queued = self.pending()?;
                let lists = publisher.publish(base.as_deref(), &queued, now, valid_for_secs)?;
                if let Some(delta) = &lists.delta {
                    write_durable(&delta_path, delta)?;
                    abort_for_test("publish-after-delta");
                }
                (lists, false)
            }
        };
        write_durable(&full_path, &lists.full)?;
        abort_for_test("publish-after-full");
        self.remove_published(&lists)?;
        Ok(Published {
            delta_path: lists.delta.as_ref().map(|_| delta_path),
            lists,
            completed,
            full_path,
        })
    }

    /// Rewrites the queue without the entries the new full list covers (every entry, unless
    /// the queue was edited by hand meanwhile).
    fn remove_published(&self, lists: &PublishedRevocations) -> Result<(), Error> {
        let full = RevocationList::parse(&lists.full)?;
        let raw = full.raw_entries();
        let covered = |r: &Revocation| {
            raw.binary_search_by(|e| e[..SUBJECT_LEN].cmp(&r.subject.0[..]))
                .ok()
                .is_some_and(|i| Revocation::from_bytes(&raw[i]).issued_before >= r.issued_before)
        };
        let remaining: Vec<Revocation> = self
            .pending()?
            .into_iter()
            .filter(|r| !covered(r))
            .collect();
        let path = self.dir.join(PENDING_FILE);
        let mut text = String::new();
        for r in &remaining {
            text.push_str(&format!("{} {}\n", r.subject, r.issued_before.unix()));
        }
        write_durable(&path, text.as_bytes())
    }
}

/// Aborts the process if the test hook names `step` (see the module documentation).
fn abort_for_test(step: &str) {
    if std::env::var_os("QRSEAL_TEST_ABORT_AT").is_some_and(|v| v == step) {
        std::process::abort();
    }
}

/// A file's bytes, `None` if it does not exist; refuses files larger than `max` before
/// reading them.
fn read_bounded(path: &Path, max: u64) -> Result<Option<Vec<u8>>, Error> {
    let file = match File::open(path) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        other => other.map_err(io_err(path))?,
    };
    let len = file.metadata().map_err(io_err(path))?.len();
    if len > max {
        return Err(Error::FileTooLarge {
            path: path.to_path_buf(),
            max,
        });
    }
    let mut bytes = Vec::with_capacity(usize::try_from(len).unwrap_or(0));
    file.take(max + 1)
        .read_to_end(&mut bytes)
        .map_err(io_err(path))?;
    if bytes.len() as u64 > max {
        return Err(Error::FileTooLarge {
            path: path.to_path_buf(),
            max,
        });
    }
    Ok(Some(bytes))
}

/// Writes `contents` to `path` durably: a temporary file in the same directory, flushed,
/// renamed over `path`, then the directory flushed so the rename survives a power cut.
pub fn write_durable(path: &Path, contents: &[u8]) -> Result<(), Error> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let written = (|| {
        let mut file = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(&tmp)?;
        file.write_all(contents)?;
        file.sync_all()?;
        fs::rename(&tmp, path)?;
        File::open(dir)?.sync_all()
    })();
    if written.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    written.map_err(io_err(path))
}

/// Parses the pending file: `SUBJECT-HEX UNIX-SECONDS` a line; blank lines are ignored.
fn parse_pending(text: &str, path: &Path) -> Result<Vec<Revocation>, Error> {
    let bad = |n: usize, reason| Error::PendingFile {
        path: path.to_path_buf(),
        line: n + 1,
        reason,
    };
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let mut parts = line.split_ascii_whitespace();
        let (Some(subject), Some(time), None) = (parts.next(), parts.next(), parts.next()) else {
            return Err(bad(n, "not two fields (expected SUBJECT-HEX UNIX-SECONDS)"));
        };
        let subject = parse_subject(subject).ok_or_else(|| bad(n, "bad subject"))?;
        let time = time.parse::<u32>().map_err(|_| bad(n, "bad time"))?;
        out.push(Revocation {
            subject,
            issued_before: Timestamp::from_unix(u64::from(time)),
        });
    }
    Ok(out)
}

/// A subject id from its 24 hex digits.
fn parse_subject(hex: &str) -> Option<SubjectId> {
    if hex.len() != 2 * SUBJECT_LEN || !hex.is_ascii() {
        return None;
    }
    let mut bytes = [0u8; SUBJECT_LEN];
    for (i, b) in bytes.iter_mut().enumerate() {
        *b = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).ok()?;
    }
    Some(SubjectId(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pending_lines_round_trip_and_errors_name_the_line() {
        let path = Path::new("pending");
        let text = "00112233445566778899aabb 1700000000\n\n  ffeeddccbbaa998877665544   5\n";
        let entries = parse_pending(text, path).unwrap();
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[0].subject.to_string(), "00112233445566778899aabb");
        assert_eq!(entries[0].issued_before.unix(), 1_700_000_000);
        assert_eq!(entries[1].issued_before.unix(), 5);
        for bad in [
            "0011 5",
            "00112233445566778899aabb",
            "00112233445566778899aabb 5 6",
            "00112233445566778899aabg 5",
            "00112233445566778899aabb -5",
            "00112233445566778899aabb 99999999999",
            "é0112233445566778899aabb 5",
        ] {
            let e = parse_pending(&format!("\n{bad}\n"), path).unwrap_err();
            assert!(
                matches!(e, Error::PendingFile { line: 2, .. }),
                "{bad}: {e:?}"
            );
        }
    }

    #[test]
    fn delta_names_sort_by_sequence() {
        assert_eq!(delta_file(2), "delta-00000002.qsrl");
        assert!(delta_file(10) > delta_file(9));
    }
}
