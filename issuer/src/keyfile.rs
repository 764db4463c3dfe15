//! Key files: `issuer.key` (PKCS#8 PEM, mode 0600), `issuer.pub` (SPKI PEM) and
//! `subject.key` (PEM, mode 0600) in one directory.
//!
//! Files are written to a temporary name and linked into place, so a crash never leaves a
//! half-written key, and linking fails rather than replacing a key that already exists.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::{Error, IssuerKey, SubjectSecret};

/// File name of the issuer's secret key.
pub const ISSUER_KEY_FILE: &str = "issuer.key";
/// File name of the issuer's public key.
pub const ISSUER_PUB_FILE: &str = "issuer.pub";
/// File name of the subject secret.
pub const SUBJECT_KEY_FILE: &str = "subject.key";

/// Writes a new key set into `dir` (created if missing). Refuses, changing nothing, if any
/// of the three files exists.
pub fn save_new(dir: &Path, key: &IssuerKey, subject: &SubjectSecret) -> Result<(), Error> {
    let files = [
        (ISSUER_KEY_FILE, key.to_pkcs8_pem()?, true),
        (
            ISSUER_PUB_FILE,
            zeroize::Zeroizing::new(key.public_key_pem()?),
            false,
        ),
        (SUBJECT_KEY_FILE, subject.to_pem()?, true),
    ];
    for (name, _, _) in &files {
        let path = dir.join(name);
        if path.exists() {
            return Err(Error::KeyFileExists(path));
        }
    }
    fs::create_dir_all(dir).map_err(|source| Error::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    let mut written: Vec<PathBuf> = Vec::new();
    for (name, contents, secret) in &files {
        match write_new(&dir.join(name), contents.as_bytes(), *secret) {
            Ok(path) => written.push(path),
            Err(e) => {
                for path in &written {
                    let _ = fs::remove_file(path);
                }
                return Err(e);
            }
        }
    }
    Ok(())
}

/// Reads `issuer.key` and `subject.key` from `dir`.
pub fn load(dir: &Path) -> Result<(IssuerKey, SubjectSecret), Error> {
    let key = IssuerKey::from_pkcs8_pem(&read_secret(&dir.join(ISSUER_KEY_FILE))?)?;
    let subject = SubjectSecret::from_pem(&read_secret(&dir.join(SUBJECT_KEY_FILE))?)?;
    Ok((key, subject))
}

fn read_secret(path: &Path) -> Result<zeroize::Zeroizing<String>, Error> {
    // Key files are a few hundred bytes; refuse anything large before reading it.
    let meta = fs::metadata(path).map_err(|source| Error::Io {
        path: path.into(),
        source,
    })?;
    if meta.len() > 64 * 1024 {
        return Err(Error::KeyEncoding("key file is larger than 64 KiB"));
    }
    fs::read_to_string(path)
        .map(zeroize::Zeroizing::new)
        .map_err(|source| Error::Io {
            path: path.into(),
            source,
        })
}

fn write_new(path: &Path, contents: &[u8], secret: bool) -> Result<PathBuf, Error> {
    let io = |source| Error::Io {
        path: path.to_path_buf(),
        source,
    };
    let tmp = path.with_extension(format!("tmp-{}", std::process::id()));
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(if secret { 0o600 } else { 0o644 });
    }
    #[cfg(not(unix))]
    let _ = secret;
    let result = options
        .open(&tmp)
        .and_then(|mut f| f.write_all(contents).and_then(|()| f.sync_all()))
        .and_then(|()| fs::hard_link(&tmp, path));
    let _ = fs::remove_file(&tmp);
    match result {
        Ok(()) => Ok(path.to_path_buf()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            Err(Error::KeyFileExists(path.to_path_buf()))
        }
        Err(e) => Err(io(e)),
    }
}
