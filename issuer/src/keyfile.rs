//! Key files: `issuer.key` (PKCS#8 PEM, mode 0600), `issuer.pub` (SPKI PEM) and
//! `subject.key` (PEM, mode 0600) in one directory; a root key, which signs trust lists, as
//! `root.key` (PKCS#8 PEM, mode 0600) and `root.pub` (SPKI PEM).
//!
//! Files are written to a temporary name and linked into place, so a crash never leaves a
//! half-written key, and linking fails rather than replacing a key that already exists.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

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

/// Writes `(name, contents, secret)` files into `dir`, all or none: refuses if any exists,
/// and removes those already written if a later one fails.
fn save_files(dir: &Path, files: &[(&str, zeroize::Zeroizing<String>, bool)]) -> Result<(), Error> {
    for (name, _, _) in files {
        let path = dir.join(name);
        if path.exists() {
            return Err(Error::KeyFileExists(path));
        }
    }
    if dir.exists() && !dir.is_dir() {
        return Err(Error::Io {
            path: dir.to_path_buf(),
            source: std::io::Error::new(std::io::ErrorKind::NotADirectory, "not a directory"),
        });
    }
    fs::create_dir_all(dir).map_err(|source| Error::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    let mut written: Vec<PathBuf> = Vec::new();
    for (name, contents, secret) in files {
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

/// Reads `root.key` from `dir`.
pub fn load_root(dir: &Path) -> Result<RootKey, Error> {
    RootKey::from_pkcs8_pem(&read_secret(&dir.join(ROOT_KEY_FILE))?)
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
    let io = |p: &Path, source| Error::Io {
        path: p.to_path_buf(),
        source,
    };
    // A hidden name unique to this file and process, in the same directory so that the
    // final link stays on one file system.
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}.tmp-{}", std::process::id()));
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(if secret { 0o600 } else { 0o644 });
    }
    #[cfg(not(unix))]
    let _ = secret;
    // If the temporary name is taken, it is not ours to remove.
    let mut file = options.open(&tmp).map_err(|e| io(&tmp, e))?;
    let result = file
        .write_all(contents)
        .and_then(|()| file.sync_all())
        .map_err(|e| io(&tmp, e))
        .and_then(|()| {
            fs::hard_link(&tmp, path).map_err(|e| {
                if e.kind() == std::io::ErrorKind::AlreadyExists {
                    Error::KeyFileExists(path.to_path_buf())
                } else {
                    io(path, e)
                }
            })
        });
    drop(file);
    let _ = fs::remove_file(&tmp);
    result.map(|()| path.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;

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
