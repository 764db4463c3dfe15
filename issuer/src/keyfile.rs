//! Key files: `issuer.key` (PKCS#8 PEM, mode 0600), `issuer.pub` (SPKI PEM) and
//! `subject.key` (PEM, mode 0600) in one directory; a root key, which signs trust lists, as
//! `root.key` (PKCS#8 PEM, mode 0600) and `root.pub` (SPKI PEM).
//!
//! # Writing a key set survives a crash at any instant
//!
//! A set is written whole or not at all, and never replaces a key that exists:
//!
//! 1. under an exclusive lock on `DIR` itself (`flock`, so two writers take turns), the
//!    files are written and flushed to disk in a fresh private directory
//!    `DIR/.qrseal-keys.writing` (mode 0700, files 0600 or 0644);
//! 2. that directory is renamed to `DIR/.qrseal-keys.staged`: from here on it holds a complete
//!    set;
//! 3. each file is hard-linked into `DIR` (a link fails rather than replace an existing file);
//! 4. `DIR/.qrseal-keys.staged` is renamed to `DIR/.qrseal-keys.committed`: **this rename
//!    commits the set**;
//! 5. the second names in `.qrseal-keys.committed` are removed, and the directory with them.
//!
//! Each step is made durable (file and directory `fsync`) before the next.
//!
//! A process killed at any point leaves either a committed set, or an uncommitted one that
//! [`load`] and [`load_root`] refuse ([`Error::KeyWriteInterrupted`]) and that the next write
//! into the same directory rolls back first: it removes `.qrseal-keys.writing`, the files
//! of `DIR` that are links of the staged files (never a file it did not write), and
//! `.qrseal-keys.staged`. A committed set whose clean-up was cut short is complete; loading
//! it or writing into its directory removes `.qrseal-keys.committed`. So re-running
//! `qrseal keygen` after a crash succeeds, and no second name of a secret stays behind once
//! the directory is used again. Until then the secrets sit in the private directory, mode
//! 0700, readable by their owner only.
//!
//! # Loading checks who can read a secret
//!
//! As ssh does for its keys, loading refuses (with [`Error::KeyFileInsecure`]) a secret key
//! file that group or others may read or write, or that another user owns: such a key may
//! be known to someone else, and signing with it silently would hide that.
//!
//! # Test hook
//!
//! For crash tests only: with the environment variable `QRSEAL_TEST_CRASH_AT=N`, a write
//! aborts the process (as `kill -9` would: no clean-up runs) when it reaches its N-th crash
//! point (N from 1; one after each file is flushed, each rename, link and removal). The
//! tests run `qrseal keygen` with N = 1, 2, ... until a run completes, re-running it after
//! each crash. No other code reads the variable.

use std::fs;
use std::io::Write;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::{Error, IssuerKey, RootKey, SubjectSecret};

/// File name of the issuer's secret key.
pub const ISSUER_KEY_FILE: &str = "issuer.key";
/// File name of the issuer's public key.
pub const ISSUER_PUB_FILE: &str = "issuer.pub";
/// File name of the subject secret.
pub const SUBJECT_KEY_FILE: &str = "subject.key";
/// File name of the root's secret key.
pub const ROOT_KEY_FILE: &str = "root.key";
/// File name of the root's public key, the one verifiers pin.
pub const ROOT_PUB_FILE: &str = "root.pub";

/// Where a set is written before it is complete.
const WRITING_DIR: &str = ".qrseal-keys.writing";
/// Where a complete set waits until it is linked into place.
const STAGED_DIR: &str = ".qrseal-keys.staged";
/// The staged directory once every file is in place: only its removal is left to do.
const COMMITTED_DIR: &str = ".qrseal-keys.committed";

/// The largest key file read, far above the few hundred bytes of a real one.
const MAX_KEY_FILE_LEN: u64 = 64 * 1024;

/// Writes a new key set into `dir` (created if missing). Refuses, changing nothing, if any
/// of the three files exists.
pub fn save_new(dir: &Path, key: &IssuerKey, subject: &SubjectSecret) -> Result<(), Error> {
    save_files(
        dir,
        &[
            (ISSUER_KEY_FILE, key.to_pkcs8_pem()?, true),
            (
                ISSUER_PUB_FILE,
                zeroize::Zeroizing::new(key.public_key_pem()?),
                false,
            ),
            (SUBJECT_KEY_FILE, subject.to_pem()?, true),
        ],
    )
}

/// Writes a new root key into `dir` (created if missing): `root.key` and `root.pub`.
/// Refuses, changing nothing, if either file exists.
pub fn save_root(dir: &Path, root: &RootKey) -> Result<(), Error> {
    save_files(
        dir,
        &[
            (ROOT_KEY_FILE, root.to_pkcs8_pem()?, true),
            (
                ROOT_PUB_FILE,
                zeroize::Zeroizing::new(root.public_key_pem()?),
                false,
            ),
        ],
    )
}

fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |source| Error::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// The test-only crash hook (module documentation).
fn crash_point() {
    static REACHED: AtomicUsize = AtomicUsize::new(0);
    let Some(at) = std::env::var_os("QRSEAL_TEST_CRASH_AT") else {
        return;
    };
    let reached = REACHED.fetch_add(1, Ordering::SeqCst) + 1;
    if at.to_str().and_then(|s| s.parse::<usize>().ok()) == Some(reached) {
        std::process::abort();
    }
}

/// Flushes a directory's entries (new names, renames, removals) to disk.
fn sync_dir(dir: &Path) -> Result<(), Error> {
    #[cfg(unix)]
    {
        fs::File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(io_error(dir))?;
    }
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

/// Writes `(name, contents, secret)` files into `dir`, all or none (module documentation).
fn save_files(dir: &Path, files: &[(&str, zeroize::Zeroizing<String>, bool)]) -> Result<(), Error> {
    if dir.exists() && !dir.is_dir() {
        return Err(Error::Io {
            path: dir.to_path_buf(),
            source: std::io::Error::new(std::io::ErrorKind::NotADirectory, "not a directory"),
        });
    }
    fs::create_dir_all(dir).map_err(io_error(dir))?;
    // Two writers take turns: an exclusive lock on the directory itself, so that no lock
    // file is left behind (a lock file that is removed after use lets a third writer in).
    #[cfg(unix)]
    let lock = {
        let lock = fs::File::open(dir).map_err(io_error(dir))?;
        lock.lock().map_err(io_error(dir))?;
        lock
    };

    roll_back(dir)?;
    for (name, _, _) in files {
        let path = dir.join(name);
        if fs::symlink_metadata(&path).is_ok() {
            return Err(Error::KeyFileExists(path));
        }
    }

    let writing = dir.join(WRITING_DIR);
    let mut builder = fs::DirBuilder::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(&writing).map_err(io_error(&writing))?;
    for (name, contents, secret) in files {
        write_new(&writing.join(name), contents.as_bytes(), *secret)?;
        crash_point();
    }
    sync_dir(&writing)?;
    let staged = dir.join(STAGED_DIR);
    fs::rename(&writing, &staged).map_err(io_error(&staged))?;
    sync_dir(dir)?;
    crash_point();
    for (name, _, _) in files {
        let path = dir.join(name);
        if let Err(e) = fs::hard_link(staged.join(name), &path) {
            // Another program made the file since the check above: undo our links and
            // leave its file alone.
            roll_back(dir)?;
            return Err(if e.kind() == std::io::ErrorKind::AlreadyExists {
                Error::KeyFileExists(path)
            } else {
                Error::Io { path, source: e }
            });
        }
        crash_point();
    }
    sync_dir(dir)?;
    // The commit point: one rename.
    let committed = dir.join(COMMITTED_DIR);
    fs::rename(&staged, &committed).map_err(io_error(&committed))?;
    sync_dir(dir)?;
    crash_point();
    for (name, _, _) in files {
        let path = committed.join(name);
        fs::remove_file(&path).map_err(io_error(&path))?;
        crash_point();
    }
    fs::remove_dir(&committed).map_err(io_error(&committed))?;
    sync_dir(dir)?;
    crash_point();
    #[cfg(unix)]
    drop(lock);
    Ok(())
}

/// Undoes an interrupted write into `dir` (module documentation). The caller holds the
/// directory's lock.
fn roll_back(dir: &Path) -> Result<(), Error> {
    let writing = dir.join(WRITING_DIR);
    if fs::symlink_metadata(&writing).is_ok() {
        // Never linked anywhere: nothing outside it refers to its files.
        fs::remove_dir_all(&writing).map_err(io_error(&writing))?;
    }
    remove_committed(dir)?;
    let staged = dir.join(STAGED_DIR);
    if fs::symlink_metadata(&staged).is_ok() {
        for entry in fs::read_dir(&staged).map_err(io_error(&staged))? {
            let entry = entry.map_err(io_error(&staged))?;
            let in_place = dir.join(entry.file_name());
            if same_file(&entry.path(), &in_place) {
                fs::remove_file(&in_place).map_err(io_error(&in_place))?;
            }
        }
        sync_dir(dir)?;
        fs::remove_dir_all(&staged).map_err(io_error(&staged))?;
    }
    sync_dir(dir)
}

/// Removes what a committed write left behind: second names of files that are in place.
fn remove_committed(dir: &Path) -> Result<(), Error> {
    let committed = dir.join(COMMITTED_DIR);
    if fs::symlink_metadata(&committed).is_ok() {
        fs::remove_dir_all(&committed).map_err(io_error(&committed))?;
        sync_dir(dir)?;
    }
    Ok(())
}

/// Whether `a` and `b` are names of one file (a hard link made by [`save_files`]).
fn same_file(a: &Path, b: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        match (fs::symlink_metadata(a), fs::symlink_metadata(b)) {
            (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
            _ => false,
        }
    }
    #[cfg(not(unix))]
    {
        // Without inode numbers, compare contents: a staged key is random, so a file with
        // the same bytes is the link this module made.
        match (fs::read(a), fs::read(b)) {
            (Ok(a), Ok(b)) => a == b,
            _ => false,
        }
    }
}

/// Refuses a directory whose last key write did not commit, and removes the second names
/// a committed write may have left (a crash during its clean-up).
fn check_committed(dir: &Path) -> Result<(), Error> {
    remove_committed(dir)?;
    for name in [STAGED_DIR, WRITING_DIR] {
        let path = dir.join(name);
        if fs::symlink_metadata(&path).is_ok() {
            return Err(Error::KeyWriteInterrupted(path));
        }
    }
    Ok(())
}

/// Reads `issuer.key` and `subject.key` from `dir`.
pub fn load(dir: &Path) -> Result<(IssuerKey, SubjectSecret), Error> {
    check_committed(dir)?;
    let key = IssuerKey::from_pkcs8_pem(&read_secret(&dir.join(ISSUER_KEY_FILE))?)?;
    let subject = SubjectSecret::from_pem(&read_secret(&dir.join(SUBJECT_KEY_FILE))?)?;
    Ok((key, subject))
}

/// Reads `root.key` from `dir`.
pub fn load_root(dir: &Path) -> Result<RootKey, Error> {
    check_committed(dir)?;
    RootKey::from_pkcs8_pem(&read_secret(&dir.join(ROOT_KEY_FILE))?)
}

fn read_secret(path: &Path) -> Result<zeroize::Zeroizing<String>, Error> {
    use std::io::Read;
    // The checks look at the file that was opened, not at the name, so the file cannot be
    // swapped between the check and the read.
    let file = fs::File::open(path).map_err(io_error(path))?;
    let meta = file.metadata().map_err(io_error(path))?;
    #[cfg(unix)]
    check_private(path, &meta, rustix::process::geteuid().as_raw())?;
    #[cfg(not(unix))]
    check_private(path, &meta)?;
    // Key files are a few hundred bytes; refuse anything large before reading it.
    if meta.len() > MAX_KEY_FILE_LEN {
        return Err(Error::KeyEncoding("key file is larger than 64 KiB"));
    }
    let mut text = zeroize::Zeroizing::new(String::new());
    file.take(MAX_KEY_FILE_LEN)
        .read_to_string(&mut text)
        .map_err(io_error(path))?;
    Ok(text)
}

/// Refuses a secret key file that is not a regular file owned by user `me` (this process's
/// effective user) with no permission for group or others.
fn check_private(path: &Path, meta: &fs::Metadata, #[cfg(unix)] me: u32) -> Result<(), Error> {
    if !meta.is_file() {
        return Err(Error::KeyFileInsecure {
            path: path.to_path_buf(),
            reason: "is not a regular file".into(),
        });
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let mode = meta.mode() & 0o7777;
        if mode & 0o077 != 0 {
            return Err(Error::KeyFileInsecure {
                path: path.to_path_buf(),
                reason: format!(
                    "has permissions {mode:04o}: group or others may read or write this \
                     secret key; it must be readable by its owner only \
                     (`chmod 600 {}`; consider the key exposed if others could read it)",
                    path.display()
                ),
            });
        }
        if meta.uid() != me {
            return Err(Error::KeyFileInsecure {
                path: path.to_path_buf(),
                reason: format!(
                    "is owned by user id {}, not by the user running this program ({me}); \
                     a secret key must belong to the user who uses it",
                    meta.uid()
                ),
            });
        }
    }
    Ok(())
}

/// Creates `path` (which must not exist) with `contents`, flushed to disk, mode 0600 for a
/// secret and 0644 otherwise.
fn write_new(path: &Path, contents: &[u8], secret: bool) -> Result<(), Error> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(if secret { 0o600 } else { 0o644 });
    }
    #[cfg(not(unix))]
    let _ = secret;
    let mut file = options.open(path).map_err(io_error(path))?;
    file.write_all(contents)
        .and_then(|()| file.sync_all())
        .map_err(io_error(path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn secret_keys_others_could_read_or_write_are_refused() {
        use std::os::unix::fs::{MetadataExt, PermissionsExt};
        let dir = tempfile::tempdir().unwrap();
        let key = IssuerKey::generate().unwrap();
        save_new(dir.path(), &key, &SubjectSecret::generate().unwrap()).unwrap();
        let path = dir.path().join(ISSUER_KEY_FILE);
        for mode in [0o644, 0o640, 0o604, 0o620, 0o602, 0o660, 0o666] {
            fs::set_permissions(&path, fs::Permissions::from_mode(mode)).unwrap();
            match load(dir.path()) {
                Err(Error::KeyFileInsecure { path: p, reason }) => {
                    assert_eq!(p, path);
                    assert!(reason.contains(&format!("{mode:04o}")), "{reason}");
                    assert!(reason.contains("chmod 600"), "{reason}");
                }
                other => panic!("mode {mode:o}: {other:?}"),
            }
        }
        // The subject secret is checked the same way.
        fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
        let subject = dir.path().join(SUBJECT_KEY_FILE);
        fs::set_permissions(&subject, fs::Permissions::from_mode(0o644)).unwrap();
        assert!(matches!(
            load(dir.path()),
            Err(Error::KeyFileInsecure { .. })
        ));
        fs::set_permissions(&subject, fs::Permissions::from_mode(0o400)).unwrap();
        assert_eq!(load(dir.path()).unwrap().0.public_key(), key.public_key());
        // Owned by someone else: checked against another user id than the file's, since
        // only root could give the file away.
        let meta = fs::metadata(&path).unwrap();
        match check_private(&path, &meta, meta.uid().wrapping_add(1)) {
            Err(Error::KeyFileInsecure { reason, .. }) => {
                assert!(reason.contains("owned by user id"), "{reason}")
            }
            other => panic!("{other:?}"),
        }
        check_private(&path, &meta, meta.uid()).unwrap();
        // A root key too, and a directory in place of a key.
        let root_dir = dir.path().join("root");
        save_root(&root_dir, &RootKey::generate().unwrap()).unwrap();
        fs::set_permissions(
            root_dir.join(ROOT_KEY_FILE),
            fs::Permissions::from_mode(0o640),
        )
        .unwrap();
        assert!(matches!(
            load_root(&root_dir),
            Err(Error::KeyFileInsecure { .. })
        ));
        let odd = dir.path().join("odd");
        fs::create_dir_all(odd.join(ROOT_KEY_FILE)).unwrap();
        assert!(matches!(
            load_root(&odd),
            Err(Error::KeyFileInsecure { .. })
        ));
    }

    #[test]
    fn an_interrupted_write_is_refused_then_rolled_back_leaving_other_files_alone() {
        let dir = tempfile::tempdir().unwrap();
        let key = IssuerKey::generate().unwrap();
        let subject = SubjectSecret::generate().unwrap();
        // The state a crash after linking two of the three files leaves.
        save_new(dir.path(), &key, &subject).unwrap();
        let staged = dir.path().join(STAGED_DIR);
        fs::create_dir(&staged).unwrap();
        for name in [ISSUER_KEY_FILE, ISSUER_PUB_FILE, SUBJECT_KEY_FILE] {
            fs::hard_link(dir.path().join(name), staged.join(name)).unwrap();
        }
        fs::remove_file(dir.path().join(SUBJECT_KEY_FILE)).unwrap();
        // A file the user put there, with the name of a staged one, is not ours.
        fs::write(dir.path().join("unrelated.txt"), "keep").unwrap();
        fs::write(staged.join("unrelated.txt"), "keep").unwrap();
        assert!(matches!(
            load(dir.path()),
            Err(Error::KeyWriteInterrupted(p)) if p == staged
        ));
        let other = IssuerKey::generate().unwrap();
        save_new(dir.path(), &other, &subject).unwrap();
        assert_eq!(load(dir.path()).unwrap().0.public_key(), other.public_key());
        assert_eq!(
            fs::read_to_string(dir.path().join("unrelated.txt")).unwrap(),
            "keep"
        );
        let mut names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        assert_eq!(
            names,
            [
                ISSUER_KEY_FILE,
                ISSUER_PUB_FILE,
                SUBJECT_KEY_FILE,
                "unrelated.txt"
            ]
        );
        // A set that was never staged (a crash while writing) is removed whole.
        let writing = dir.path().join(WRITING_DIR);
        fs::create_dir(&writing).unwrap();
        fs::write(writing.join(ISSUER_KEY_FILE), "half").unwrap();
        assert!(matches!(
            load(dir.path()),
            Err(Error::KeyWriteInterrupted(_))
        ));
        assert!(matches!(
            save_new(dir.path(), &other, &subject),
            Err(Error::KeyFileExists(_))
        ));
        assert!(!writing.exists());
        load(dir.path()).unwrap();
    }

    #[test]
    fn root_keys_are_private_never_overwritten_and_load_back() {
        let dir = tempfile::tempdir().unwrap();
        let root_dir = dir.path().join("root");
        let root = RootKey::generate().unwrap();
        save_root(&root_dir, &root).unwrap();
        assert_eq!(
            load_root(&root_dir).unwrap().public_key(),
            root.public_key()
        );
        let public = fs::read_to_string(root_dir.join(ROOT_PUB_FILE)).unwrap();
        assert_eq!(public, root.public_key_pem().unwrap());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(root_dir.join(ROOT_KEY_FILE))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let other = RootKey::generate().unwrap();
        assert!(matches!(
            save_root(&root_dir, &other),
            Err(Error::KeyFileExists(_))
        ));
        assert_eq!(
            load_root(&root_dir).unwrap().public_key(),
            root.public_key()
        );
        // A directory holding only root.pub: nothing is written.
        let partial = dir.path().join("partial");
        fs::create_dir(&partial).unwrap();
        fs::write(partial.join(ROOT_PUB_FILE), "x").unwrap();
        assert!(save_root(&partial, &root).is_err());
        assert!(!partial.join(ROOT_KEY_FILE).exists());
    }
}
