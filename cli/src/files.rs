//! Input and output at the edge: token text from arguments or stdin, bounded file reads,
//! atomic file writes, stdout, and the system clock.

use std::ffi::OsStr;
use std::fs;
use std::io::{self, Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

use qrseal_core::Timestamp;

use crate::fail::Failure;

/// The most token text read from stdin.
pub(crate) const MAX_STDIN_TEXT: u64 = 4 * 1024;

/// Token text from a TEXT argument: `-` reads stdin (at most 4 KiB). Surrounding ASCII white
/// space is removed. Bytes that are not UTF-8 become U+FFFD, which no token text contains,
/// so damaged input is reported as an invalid token rather than as a usage error.
pub(crate) fn token_text(arg: &OsStr) -> Result<String, Failure> {
    let text = if arg == "-" {
        let mut bytes = Vec::new();
        io::stdin()
            .lock()
            .take(MAX_STDIN_TEXT + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| Failure::usage(format!("cannot read the token text from stdin: {e}")))?;
        if bytes.len() as u64 > MAX_STDIN_TEXT {
            return Err(Failure::usage(format!(
                "more than {MAX_STDIN_TEXT} bytes on stdin; a token text is far shorter"
            )));
        }
        String::from_utf8_lossy(&bytes).into_owned()
    } else {
        arg.to_string_lossy().into_owned()
    };
    Ok(text
        .trim_matches(|c: char| c.is_ascii_whitespace())
        .to_owned())
}

/// Reads a regular file of at most `max` bytes, checking its size before reading it.
pub(crate) fn read_bounded(path: &Path, max: u64, what: &str) -> Result<Vec<u8>, Failure> {
    let cannot =
        |e: io::Error| Failure::usage(format!("cannot read {what} {}: {e}", path.display()));
    let check = |meta: fs::Metadata| {
        if !meta.is_file() {
            return Err(Failure::usage(format!(
                "cannot read {what} {}: not a regular file",
                path.display()
            )));
        }
        if meta.len() > max {
            return Err(Failure::usage(format!(
                "{what} {} is {} bytes, more than the {max} accepted",
                path.display(),
                meta.len()
            )));
        }
        Ok(())
    };
    // Check before opening (opening a FIFO would block) and again on the open file.
    check(fs::metadata(path).map_err(cannot)?)?;
    let mut file = fs::File::open(path).map_err(cannot)?;
    let meta = file.metadata().map_err(cannot)?;
    let len = meta.len();
    check(meta)?;
    // Exactly the size found (at most `max`, checked above), so a large file is held once
    // rather than in a buffer grown by doubling. The file may grow after the size check;
    // never read more than `max`.
    let mut bytes = Vec::with_capacity(len as usize);
    (&mut file)
        .take(max + 1)
        .read_to_end(&mut bytes)
        .map_err(cannot)?;
    if bytes.len() as u64 > max {
        return Err(Failure::usage(format!(
            "{what} {} is larger than the {max} bytes accepted",
            path.display()
        )));
    }
    Ok(bytes)
}

/// Writes `contents` to `path` atomically: into a new temporary file in the same directory,
/// flushed to disk, then renamed over `path`. On failure the temporary file is removed and
/// `path` is left as it was.
pub(crate) fn write_atomic(path: &Path, contents: &[u8]) -> Result<(), Failure> {
    Staged::new(path, contents)?.commit()
}

/// A file written in full to a temporary name next to its destination and flushed to disk,
/// waiting to be renamed into place by [`Staged::commit`]. Dropped uncommitted, the
/// temporary file is removed. Staging every file of a change before committing any keeps
/// the window in which only part of it is visible to a few renames.
pub(crate) struct Staged {
    tmp: PathBuf,
    path: PathBuf,
    committed: bool,
}

impl Staged {
    pub(crate) fn new(path: &Path, contents: &[u8]) -> Result<Staged, Failure> {
        let name = path.file_name().ok_or_else(|| {
            Failure::usage(format!("cannot write {}: not a file name", path.display()))
        })?;
        let dir = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        let (tmp, mut file) = create_temp(dir, name).map_err(|e| cannot_write(path, &e))?;
        let staged = Staged {
            tmp,
            path: path.to_path_buf(),
            committed: false,
        };
        file.write_all(contents)
            .and_then(|()| file.sync_all())
            .map_err(|e| cannot_write(path, &e))?;
        Ok(staged)
    }

    /// Renames the temporary file over the destination.
    pub(crate) fn commit(mut self) -> Result<(), Failure> {
        fs::rename(&self.tmp, &self.path).map_err(|e| cannot_write(&self.path, &e))?;
        self.committed = true;
        Ok(())
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_file(&self.tmp);
        }
    }
}

fn cannot_write(path: &Path, e: &io::Error) -> Failure {
    Failure::usage(format!("cannot write {}: {e}", path.display()))
}

/// Creates a new, exclusive temporary file `.NAME.PID-N.tmp` in `dir`.
fn create_temp(dir: &Path, name: &OsStr) -> io::Result<(PathBuf, fs::File)> {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let mut attempts = 0;
    loop {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let mut tmp_name = std::ffi::OsString::from(".");
        tmp_name.push(name);
        tmp_name.push(format!(".{}-{n}.tmp", std::process::id()));
        let tmp = dir.join(tmp_name);
        match fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)
        {
            Ok(file) => return Ok((tmp, file)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists && attempts < 100 => {
                attempts += 1;
            }
            Err(e) => return Err(e),
        }
    }
}

/// Writes to stdout, reporting failure (a closed pipe, a full disk) instead of panicking as
/// `print!` would.
pub(crate) fn out(text: &str) -> Result<(), Failure> {
    io::stdout()
        .lock()
        .write_all(text.as_bytes())
        .map_err(stdout_failed)
}

/// Flushes stdout, reporting failure.
pub(crate) fn flush_stdout() -> Result<(), Failure> {
    io::stdout().lock().flush().map_err(stdout_failed)
}

fn stdout_failed(e: io::Error) -> Failure {
    if e.kind() == io::ErrorKind::BrokenPipe {
        Failure::quiet()
    } else {
        Failure::usage(format!("cannot write to stdout: {e}"))
    }
}

/// Writes a line to stderr; errors are ignored (there is nowhere left to report them).
pub(crate) fn note(text: &str) {
    let _ = writeln!(io::stderr(), "{text}");
}

/// The current time from the system clock: the only place the CLI reads it.
pub(crate) fn system_now() -> Result<Timestamp, Failure> {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| Timestamp::from_unix(d.as_secs()))
        .map_err(|_| Failure::usage("the system clock is set before 1970; pass --now"))
}

/// `--now` if given, else the system clock.
pub(crate) fn now_or_clock(now: Option<Timestamp>) -> Result<Timestamp, Failure> {
    now.map_or_else(system_now, Ok)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_write_replaces_whole_file_and_leaves_no_temp() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.png");
        write_atomic(&path, b"first").unwrap();
        write_atomic(&path, b"second").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"second");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
        // A directory in the way: the write fails and no temporary file remains.
        let sub = dir.path().join("sub");
        fs::create_dir(&sub).unwrap();
        assert!(write_atomic(&sub, b"x").is_err());
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 2);
        assert!(write_atomic(&dir.path().join("missing/out.png"), b"x").is_err());
    }

    #[test]
    fn bounded_read_refuses_large_files_and_directories() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        fs::write(&path, [0u8; 100]).unwrap();
        assert_eq!(read_bounded(&path, 100, "file").unwrap().len(), 100);
        assert!(read_bounded(&path, 99, "file").is_err());
        assert!(read_bounded(dir.path(), 100, "file").is_err());
        assert!(read_bounded(&dir.path().join("none"), 100, "file").is_err());
    }
}
