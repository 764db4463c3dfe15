//! Trust lists from the command line: `qrseal root-keygen`, `qrseal trust-list`,
//! `qrseal rotate`, and `qrseal inspect-list`, which prints any list file.

use std::io::Write as _;
use std::path::Path;

use qrseal_core::lists::{
    KeyEntry, KeyState, ListInfo, REVOCATION_LIST_MAGIC, RevocationList, TRUST_LIST_MAGIC,
    TrustList, Window,
};
use qrseal_core::{KeyId, Timestamp};
use qrseal_issuer::keyfile::{self, ISSUER_PUB_FILE, ROOT_KEY_FILE, ROOT_PUB_FILE};
use qrseal_issuer::publish::{new_key_entry, retire_key, rotate_keys, sign_trust_list};
use qrseal_issuer::{IssuerKey, RootKey, SubjectSecret, keyfile::SUBJECT_KEY_FILE};
use qrseal_verifier::{TrustStore, TrustedKey};

use crate::args::{InspectListArgs, RootKeygenArgs, RotateArgs, TrustListArgs};
use crate::fail::{Exit, Failure, Outcome};
use crate::files::{Staged, now_or_clock, out, read_bounded, write_atomic};
use crate::show::field;
use crate::verify::{MAX_REVOCATION_FILE, MAX_TRUST_LIST_FILE, list_refused, load_public_key};

/// The default time from one trust list to the next.
const DEFAULT_TRUST_VALID_FOR: u64 = 7 * 24 * 3600;

pub(crate) fn root_keygen(args: &RootKeygenArgs) -> Outcome {
    let root = RootKey::generate()?;
    // Refuses, writing nothing, if either file exists.
    keyfile::save_root(&args.dir, &root)?;
    let path = |name: &str| args.dir.join(name).display().to_string();
    out(&[
        format!("Created a new root key, key id {}:\n", root.key_id()),
        field(
            "root.key",
            format!(
                "{}  (secret, mode 0600: keep it offline)",
                path(ROOT_KEY_FILE)
            ),
        ),
        field(
            "root.pub",
            format!("{}  (public: give this to verifiers)", path(ROOT_PUB_FILE)),
        ),
    ]
    .concat())?;
    Ok(Exit::Ok)
}

pub(crate) fn trust_list(args: &TrustListArgs) -> Outcome {
    let now = now_or_clock(args.now)?;
    let valid_for = duration_secs(args.valid_for, DEFAULT_TRUST_VALID_FOR, "--valid-for")?;
    let root = keyfile::load_root(&args.root)?;
    let (mut keys, sequence) = match &args.previous {
        Some(path) => {
            let (info, keys) = read_previous(path, &root, now)?;
            check_not_before(now, &info, path)?;
            (keys, info.sequence + 1)
        }
        None => (Vec::new(), 1),
    };
    for dir in &args.add_issuer {
        let path = dir.join(ISSUER_PUB_FILE);
        let key = *load_public_key(&path, "public key")?.public_key();
        if keys.iter().any(|k| k.public_key == key) {
            return Err(Failure::usage(format!(
                "--add-issuer {}: key {} is in the trust list already",
                dir.display(),
                KeyId::for_public_key(&key)
            )));
        }
        keys.push(new_key_entry(key, now));
    }
    for id in &args.retire {
        let i = find_key(&keys, id, "--retire")?;
        if keys[i].state != KeyState::Active {
            return Err(Failure::usage(format!(
                "--retire {id}: the key is {}, not active",
                state_name(keys[i].state)
            )));
        }
        keys[i] =
            retire_key(&keys[i], now).map_err(|e| Failure::usage(format!("--retire {id}: {e}")))?;
    }
    for (id, since) in &args.compromised {
        let i = find_key(&keys, id, "--compromised")?;
        keys[i].state = KeyState::Compromised { since: *since };
    }
    let info = ListInfo {
        sequence,
        issued_at: now,
        next_update_by: now.saturating_add(valid_for),
    };
    check_out_not_newer(&args.out, sequence, args.previous.is_some())?;
    let bytes = sign_trust_list(&root, &info, &keys)?;
    write_atomic(&args.out, &bytes)?;
    out(&format!(
        "Published trust list sequence {sequence} to {}:\n{}{}",
        args.out.display(),
        info_text(&info),
        keys_text(&keys)
    ))?;
    Ok(Exit::Ok)
}

/// The issuer key of a complete key set in `dir` whose subject secret is `subject` (left by
/// a rotation that crashed before publishing its trust list); `None` if `dir` holds no set
/// or only an interrupted write, which writing the new set rolls back.
fn resumable_key(dir: &Path, subject: &SubjectSecret) -> Result<Option<IssuerKey>, Failure> {
    match keyfile::load(dir) {
        Ok((key, existing)) => {
            if existing.to_pem()? != subject.to_pem()? {
                return Err(Failure::usage(format!(
                    "--new {}: holds a key set with another subject.key than --old; refusing \
                     to overwrite a key set: choose a new directory",
                    dir.display()
                )));
            }
            Ok(Some(key))
        }
        Err(qrseal_issuer::Error::Io { source, .. })
            if source.kind() == std::io::ErrorKind::NotFound =>
        {
            Ok(None)
        }
        Err(qrseal_issuer::Error::KeyWriteInterrupted(_)) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

pub(crate) fn rotate(args: &RotateArgs) -> Outcome {
    let now = now_or_clock(args.now)?;
    let at = args.at.unwrap_or(now);
    let valid_for = duration_secs(args.valid_for, DEFAULT_TRUST_VALID_FOR, "--valid-for")?;
    let root = keyfile::load_root(&args.root)?;
    let (info, keys) = read_previous(&args.trust, &root, now)?;
    check_not_before(now, &info, &args.trust)?;
    let (old_key, subject) = keyfile::load(&args.old)?;
    let old_id = old_key.key_id();
    // A re-run after a crash resumes: a key set that the crashed run committed in --new is
    // used rather than replaced, and a rotation already published is reported as done.
    let resumed = resumable_key(&args.new, &subject)?;
    if let Some(key) = &resumed
        && keys.iter().any(|k| k.public_key == key.public_key())
    {
        // Done only if this is the key a rotation from --old added: --old no longer active.
        let old_active = keys
            .iter()
            .any(|k| k.public_key == old_key.public_key() && k.state == KeyState::Active);
        if key.public_key() == old_key.public_key() || old_active {
            return Err(Failure::usage(format!(
                "--new {}: holds key {}, which is in the trust list already; refusing to \
                 overwrite a key set: choose a new directory",
                args.new.display(),
                key.key_id()
            )));
        }
        out(&format!(
            "Key {} in {} is in the trust list {} already: the rotation is done.\n",
            key.key_id(),
            args.new.display(),
            args.trust.display()
        ))?;
        return Ok(Exit::Ok);
    }
    match keys
        .iter()
        .find(|k| k.public_key == old_key.public_key())
        .map(|k| k.state)
    {
        None => {
            return Err(Failure::usage(format!(
                "--old {}: key {old_id} is not in the trust list {}",
                args.old.display(),
                args.trust.display()
            )));
        }
        Some(KeyState::Retired) => {
            return Err(Failure::usage(format!(
                "--old {}: key {old_id} is retired already",
                args.old.display()
            )));
        }
        Some(KeyState::Active | KeyState::Compromised { .. }) => {}
    }
    drop(old_key);
    let reused = resumed.is_some();
    let new_key = match resumed {
        Some(key) => key,
        None => IssuerKey::generate()?,
    };
    let new_id = new_key.key_id();
    let keys = rotate_keys(&keys, new_key.public_key(), at)?;
    let info = ListInfo {
        sequence: info.sequence + 1,
        issued_at: now,
        next_update_by: now.saturating_add(valid_for),
    };
    let bytes = sign_trust_list(&root, &info, &keys)?;
    // The list is ready to be renamed into place before the keys are written; if the keys
    // cannot be written, the old list stays, and if the list cannot be renamed, the keys
    // are removed again.
    let staged = Staged::new(&args.trust, &bytes)?;
    if !reused {
        keyfile::save_new(&args.new, &new_key, &subject)?;
    }
    if let Err(e) = staged.commit() {
        if !reused {
            for name in [keyfile::ISSUER_KEY_FILE, ISSUER_PUB_FILE, SUBJECT_KEY_FILE] {
                let _ = std::fs::remove_file(args.new.join(name));
            }
        }
        return Err(e);
    }
    out(&format!(
        "Rotated from key {old_id} to key {new_id} at {at}.\n\
         New key set in {} (subject.key copied from {}).\n\
         Published trust list sequence {} to {}:\n{}{}",
        args.new.display(),
        args.old.display(),
        info.sequence,
        args.trust.display(),
        info_text(&info),
        keys_text(&keys)
    ))?;
    Ok(Exit::Ok)
}

pub(crate) fn inspect_list(args: &InspectListArgs) -> Outcome {
    let bytes = read_exact_size(&args.file, MAX_REVOCATION_FILE, "list")?;
    let malformed =
        |e: qrseal_core::lists::ListError| Failure::rejected(format!("{e} ({})", e.code()));
    let warning = "NOT VERIFIED: decoded without checking the signature\n";
    if bytes.starts_with(&TRUST_LIST_MAGIC) {
        if bytes.len() as u64 > MAX_TRUST_LIST_FILE {
            return Err(Failure::rejected("the trust list is larger than 1 MiB"));
        }
        let list = TrustList::parse(&bytes).map_err(malformed)?;
        let keys: Vec<KeyEntry> = list.keys().collect();
        out(&[
            warning.to_owned(),
            field("kind", "trust list"),
            field("root key id", list.root_key_id),
            info_text(&list.info),
            keys_text(&keys),
        ]
        .concat())?;
    } else if bytes.starts_with(&REVOCATION_LIST_MAGIC) {
        let list = RevocationList::parse(&bytes).map_err(malformed)?;
        let mut head = [
            warning.to_owned(),
            field("kind", format!("revocation list ({})", list.kind)),
            field("signer key id", list.signer),
            info_text(&list.info),
            field("state", list.state),
        ]
        .concat();
        if let Some(base) = list.base_state {
            head.push_str(&field("applies to state", base));
        }
        head.push_str(&field("entries", list.len()));
        // Streamed: a list of millions of entries is printed without building the text.
        let stdout = std::io::stdout();
        let mut w = std::io::BufWriter::with_capacity(1 << 16, stdout.lock());
        let written = (|| {
            w.write_all(head.as_bytes())?;
            for entry in list.entries() {
                writeln!(
                    w,
                    "    {}  tokens issued before {}",
                    entry.subject, entry.issued_before
                )?;
            }
            w.flush()
        })();
        written.map_err(|e| {
            if e.kind() == std::io::ErrorKind::BrokenPipe {
                Failure::quiet()
            } else {
                Failure::usage(format!("cannot write to stdout: {e}"))
            }
        })?;
    } else {
        return Err(Failure::rejected(format!(
            "{} is not a trust list or a revocation list",
            args.file.display()
        )));
    }
    Ok(Exit::Ok)
}

/// Reads a regular file of at most `max` bytes into a buffer of exactly its size (a large
/// revocation list is held once, not in a buffer grown by doubling).
fn read_exact_size(path: &Path, max: u64, what: &str) -> Result<Vec<u8>, Failure> {
    // An oversized list is refused before it is opened; read_bounded does the reading (into
    // a buffer of exactly the file's size) and every other check.
    if let Ok(meta) = std::fs::metadata(path)
        && meta.is_file()
        && meta.len() > max
    {
        return Err(Failure::rejected(format!(
            "{what} {} is {} bytes, more than any list may be ({max})",
            path.display(),
            meta.len()
        )));
    }
    read_bounded(path, max, what)
}

/// Reads a trust list and checks that `root` signed it; returns its header and keys.
fn read_previous(
    path: &Path,
    root: &RootKey,
    now: Timestamp,
) -> Result<(ListInfo, Vec<KeyEntry>), Failure> {
    let bytes = read_bounded(path, MAX_TRUST_LIST_FILE, "trust list")?;
    let pinned = TrustedKey::from_bytes(&root.public_key())
        .map_err(|e| Failure::usage(format!("root key: {e}")))?;
    let mut store = TrustStore::new(pinned);
    store
        .load_trust_list(&bytes, now)
        .map_err(|e| list_refused("trust list", path, e))?;
    let list = TrustList::parse(&bytes).map_err(|e| {
        let e = qrseal_verifier::Error::from(e);
        list_refused("trust list", path, e)
    })?;
    Ok((list.info, list.keys().collect()))
}

/// Refuses to replace a file that is not an older trust list: without --previous an existing
/// --out is never overwritten (the new list, sequence 1, would be refused as a rollback by
/// every scanner that saw the file's list), and with it the file must hold a lower sequence
/// than the list about to be written.
fn check_out_not_newer(out: &Path, sequence: u64, has_previous: bool) -> Result<(), Failure> {
    match std::fs::metadata(out) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        _ => {}
    }
    if !has_previous {
        return Err(Failure::usage(format!(
            "--out {} exists: pass it as --previous to publish the next list, or choose \
             another file",
            out.display()
        )));
    }
    let bytes = read_bounded(out, MAX_TRUST_LIST_FILE, "trust list")?;
    match TrustList::parse(&bytes) {
        Ok(list) if list.info.sequence < sequence => Ok(()),
        Ok(list) => Err(Failure::usage(format!(
            "--out {} holds trust list sequence {}, not older than the new list ({sequence}); \
             pass the newest list as --previous",
            out.display(),
            list.info.sequence
        ))),
        Err(e) => Err(Failure::usage(format!(
            "--out {} exists and is not a trust list ({}); refusing to overwrite it",
            out.display(),
            e.code()
        ))),
    }
}

/// Refuses to publish a list older than the one it follows: verifiers that saw that one
/// would take a clock set back for the new list's issue time.
fn check_not_before(now: Timestamp, previous: &ListInfo, path: &Path) -> Result<(), Failure> {
    if now < previous.issued_at {
        return Err(Failure::usage(format!(
            "the time now ({now}) is before the issue time of {} ({}); check the clock or --now",
            path.display(),
            previous.issued_at
        )));
    }
    Ok(())
}

/// The index of the key whose id is `id` (8 hex digits, any case).
fn find_key(keys: &[KeyEntry], id: &str, flag: &str) -> Result<usize, Failure> {
    let wanted = id.trim().to_ascii_lowercase();
    let found: Vec<usize> = keys
        .iter()
        .enumerate()
        .filter(|(_, k)| k.key_id().to_string() == wanted)
        .map(|(i, _)| i)
        .collect();
    match found.as_slice() {
        [i] => Ok(*i),
        [] => Err(Failure::usage(format!(
            "{flag} {id}: no key with that id in the trust list"
        ))),
        _ => Err(Failure::usage(format!(
            "{flag} {id}: more than one key has that id"
        ))),
    }
}

/// A duration flag in seconds, or the default; must not be zero.
pub(crate) fn duration_secs(
    given: Option<std::time::Duration>,
    default: u64,
    flag: &str,
) -> Result<u64, Failure> {
    match given.map_or(default, |d| d.as_secs()) {
        0 => Err(Failure::usage(format!(
            "{flag} must be at least one second"
        ))),
        secs => Ok(secs),
    }
}

/// Sequence and times of a list header.
pub(crate) fn info_text(info: &ListInfo) -> String {
    [
        field("sequence", info.sequence),
        field("issued at", info.issued_at),
        field("next update", info.next_update_by),
    ]
    .concat()
}

fn state_name(state: KeyState) -> String {
    match state {
        KeyState::Active => "active".to_owned(),
        KeyState::Retired => "retired".to_owned(),
        KeyState::Compromised { since } => format!("compromised since {since}"),
    }
}

fn window_text(w: Window) -> String {
    let from = if w.from == Window::ALWAYS.from {
        "the start".to_owned()
    } else {
        w.from.to_string()
    };
    if w.until == Window::ALWAYS.until {
        format!("from {from}, no end")
    } else {
        format!("{from} to {}", w.until)
    }
}

/// One block per key: id and state, then its windows.
pub(crate) fn keys_text(keys: &[KeyEntry]) -> String {
    let mut sorted = keys.to_vec();
    sorted.sort_by_key(|k| (k.key_id(), k.public_key));
    let mut text = field("keys", sorted.len());
    for k in &sorted {
        text.push_str(&format!(
            "    {}  {}\n      signs     {}\n      accepted  {}\n",
            k.key_id(),
            state_name(k.state),
            window_text(k.signing),
            window_text(k.accepting)
        ));
    }
    text
}
