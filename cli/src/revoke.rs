//! Revocation from the command line: `qrseal revoke` queues subjects in REVDIR/pending,
//! `qrseal publish-revocations` signs them into the next full list and a delta.
//!
//! REVDIR holds `pending` (one line per revocation: the subject in hex, a space, the time
//! before which its tokens are revoked as Unix seconds), `full.qsrl` (the newest full list)
//! and `delta-NNNNNNNN.qsrl` (the delta that brings a verifier from sequence N-1 to N).

use std::fs;
use std::io;
use std::path::Path;

use qrseal_core::lists::{REVOCATION_LIST_DOMAIN, Revocation, RevocationKind, RevocationList};
use qrseal_core::wire::SUBJECT_LEN;
use qrseal_core::{SubjectId, Timestamp};
use qrseal_issuer::keyfile;
use qrseal_issuer::publish::sign_revocations;
use qrseal_issuer::{Issuer, IssuerKey};
use qrseal_verifier::TrustedKey;

use crate::args::{PublishRevocationsArgs, RevokeArgs};
use crate::fail::{Exit, Failure, Outcome};
use crate::files::{Staged, now_or_clock, out, read_bounded, write_atomic};
use crate::show::field;
use crate::trust::{duration_secs, info_text};
use crate::verify::MAX_REVOCATION_FILE;

/// File name of the revocations not yet published.
pub(crate) const PENDING_FILE: &str = "pending";
/// File name of the newest full revocation list.
pub(crate) const FULL_FILE: &str = "full.qsrl";

/// The default time from one revocation list to the next.
const DEFAULT_REVOCATIONS_VALID_FOR: u64 = 24 * 3600;

/// The file name of the delta with sequence `sequence`.
pub(crate) fn delta_file(sequence: u64) -> String {
    format!("delta-{sequence:08}.qsrl")
}

pub(crate) fn revoke(args: &RevokeArgs) -> Outcome {
    let before = now_or_clock(args.before)?;
    let (key, secret) = keyfile::load(&args.keys)?;
    let issuer = Issuer::new(key, secret);
    let mut added = Vec::with_capacity(args.id.len());
    for id in &args.id {
        let subject = issuer
            .subject(id)
            .map_err(|e| Failure::usage(format!("--id: {e}")))?;
        let revocation = Revocation {
            subject,
            issued_before: before,
        };
        if revocation.to_bytes().is_none() {
            return Err(Failure::usage(
                "--before: revocation lists carry times up to 2106-02-07 only",
            ));
        }
        added.push(revocation);
    }
    let dir = &args.revocations;
    fs::create_dir_all(dir)
        .map_err(|e| Failure::usage(format!("cannot create {}: {e}", dir.display())))?;
    let path = dir.join(PENDING_FILE);
    // Check what is there before adding to it.
    let mut text = read_pending_text(&path)?;
    parse_pending(&text, &path)?;
    if !text.is_empty() && !text.ends_with('\n') {
        text.push('\n');
    }
    for r in &added {
        text.push_str(&format!("{} {}\n", r.subject, r.issued_before.unix()));
    }
    write_atomic(&path, text.as_bytes())?;
    let mut report = format!(
        "Added {} revocation{} to {} (publish with `qrseal publish-revocations`):\n",
        added.len(),
        if added.len() == 1 { "" } else { "s" },
        path.display()
    );
    for r in &added {
        report.push_str(&field(
            "subject",
            format!("{}  tokens issued before {}", r.subject, r.issued_before),
        ));
    }
    out(&report)?;
    Ok(Exit::Ok)
}

pub(crate) fn publish(args: &PublishRevocationsArgs) -> Outcome {
    let now = now_or_clock(args.now)?;
    let valid_for = duration_secs(args.valid_for, DEFAULT_REVOCATIONS_VALID_FOR, "--valid-for")?;
    let (key, _) = keyfile::load(&args.keys)?;
    let dir = &args.revocations;
    if !dir.is_dir() {
        return Err(Failure::usage(format!(
            "{} is not a directory (run `qrseal revoke` first, or create it)",
            dir.display()
        )));
    }
    let full_path = dir.join(FULL_FILE);
    let pending_path = dir.join(PENDING_FILE);
    let pending = parse_pending(&read_pending_text(&pending_path)?, &pending_path)?;
    let full_bytes = match fs::metadata(&full_path) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => None,
        _ => Some(read_bounded(
            &full_path,
            MAX_REVOCATION_FILE,
            "revocation list",
        )?),
    };
    let current = full_bytes
        .as_deref()
        .map(|bytes| read_full(bytes, &full_path, &key))
        .transpose()?;
    if let Some(current) = &current
        && now < current.info.issued_at
    {
        return Err(Failure::usage(format!(
            "the time now ({now}) is before the issue time of {} ({}); check the clock or --now",
            full_path.display(),
            current.info.issued_at
        )));
    }
    let info = qrseal_core::lists::ListInfo {
        sequence: current.as_ref().map_or(1, |c| c.info.sequence + 1),
        issued_at: now,
        next_update_by: now.saturating_add(valid_for),
    };
    let mut all: Vec<Revocation> = current
        .as_ref()
        .map(|c| c.list.entries().collect())
        .unwrap_or_default();
    all.extend_from_slice(&pending);
    let full = sign_revocations(&key, RevocationKind::Full, &info, &all)?;
    // Stage every file before renaming any: an error leaves everything as it was.
    let delta = match &current {
        Some(_) => {
            let bytes = sign_revocations(&key, RevocationKind::Delta, &info, &pending)?;
            let path = dir.join(delta_file(info.sequence));
            Some((Staged::new(&path, &bytes)?, path))
        }
        None => None,
    };
    let staged_full = Staged::new(&full_path, &full)?;
    let delta_path = match delta {
        Some((staged, path)) => {
            staged.commit()?;
            Some(path)
        }
        None => None,
    };
    if let Err(e) = staged_full.commit() {
        if let Some(path) = &delta_path {
            let _ = fs::remove_file(path);
        }
        return Err(e);
    }
    let full_count = RevocationList::parse(&full).map_or(0, |l| l.len());
    match fs::remove_file(&pending_path) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => {
            return Err(Failure::usage(format!(
                "published sequence {}, but cannot empty {}: {e}; remove it by hand, or the \
                 next list repeats its entries",
                info.sequence,
                pending_path.display()
            )));
        }
        _ => {}
    }
    let mut report = format!(
        "Published revocations sequence {}, signed by key {}:\n{}",
        info.sequence,
        key.key_id(),
        info_text(&info)
    );
    report.push_str(&field(
        "full list",
        format!(
            "{}  ({full_count} subject{})",
            full_path.display(),
            if full_count == 1 { "" } else { "s" }
        ),
    ));
    if let Some(path) = &delta_path {
        report.push_str(&field(
            "delta",
            format!(
                "{}  ({} new entr{})",
                path.display(),
                pending.len(),
                if pending.len() == 1 { "y" } else { "ies" }
            ),
        ));
    }
    out(&report)?;
    Ok(Exit::Ok)
}

struct Current<'a> {
    info: qrseal_core::lists::ListInfo,
    list: RevocationList<'a>,
}

/// The current full list: well formed, a full list, and, if this key signed it, with a
/// signature that verifies (after a rotation the previous key may have signed it).
fn read_full<'a>(bytes: &'a [u8], path: &Path, key: &IssuerKey) -> Result<Current<'a>, Failure> {
    let list = RevocationList::parse(bytes).map_err(|e| {
        Failure::usage(format!(
            "revocation list {}: {e} ({})",
            path.display(),
            e.code()
        ))
    })?;
    if list.kind != RevocationKind::Full {
        return Err(Failure::usage(format!(
            "{} is a delta, not a full revocation list",
            path.display()
        )));
    }
    if list.signer == key.key_id() {
        let trusted = TrustedKey::from_bytes(&key.public_key())
            .map_err(|e| Failure::usage(format!("issuer key: {e}")))?;
        let mut message = REVOCATION_LIST_DOMAIN.to_vec();
        message.extend_from_slice(list.body);
        if !qrseal_verifier::signature::verify(&trusted, &message, list.signature) {
            return Err(Failure::usage(format!(
                "revocation list {} refused: its signature does not verify (forged_list)",
                path.display()
            )));
        }
    }
    Ok(Current {
        info: list.info,
        list,
    })
}

/// The pending file's text; empty if there is none.
fn read_pending_text(path: &Path) -> Result<String, Failure> {
    match fs::metadata(path) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(String::new()),
        _ => {}
    }
    let bytes = read_bounded(path, MAX_REVOCATION_FILE, "pending revocations")?;
    String::from_utf8(bytes).map_err(|_| Failure::usage(format!("{}: not text", path.display())))
}

/// Parses the pending file: `SUBJECT-HEX UNIX-SECONDS` per line; blank lines are ignored.
fn parse_pending(text: &str, path: &Path) -> Result<Vec<Revocation>, Failure> {
    let bad = |n: usize, what: &str| {
        Failure::usage(format!(
            "{}, line {}: {what} (expected SUBJECT-HEX UNIX-SECONDS)",
            path.display(),
            n + 1
        ))
    };
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let mut parts = line.split_ascii_whitespace();
        let (Some(subject), Some(time), None) = (parts.next(), parts.next(), parts.next()) else {
            return Err(bad(n, "not two fields"));
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
            assert!(format!("{e:?}").contains("line 2"), "{bad}: {e:?}");
        }
    }

    #[test]
    fn delta_names_sort_by_sequence() {
        assert_eq!(delta_file(2), "delta-00000002.qsrl");
        // Zero-padded, so that names sort in sequence order.
        assert!(delta_file(10) > delta_file(9));
    }
}
