//! `qrseal verify`: check a token offline against a trusted public key, or against a root
//! key, its trust list and revocation lists; then a policy.

use std::path::{Path, PathBuf};

use qrseal_core::lists::{REVOCATION_HEADER_LEN, RevocationList};
use qrseal_core::{Claims, Timestamp};
use qrseal_issuer::keyfile::ISSUER_PUB_FILE;
use qrseal_verifier::{
    Checkpoint, Decision, Denial, Error, Policy, Stale, TrustData, TrustStore, TrustedKey,
    Verifier, frame,
};
use serde_json::json;

use crate::args::VerifyArgs;
use crate::fail::{Exit, Failure, Outcome};
use crate::files::{note, now_or_clock, out, read_bounded, token_text};
use crate::show::{claims_json, claims_text, field, json_line};

/// The largest image file read.
pub(crate) const MAX_IMAGE_FILE: u64 = 32 * 1024 * 1024;

/// The largest public key file read.
const MAX_KEY_FILE: u64 = 64 * 1024;

/// The largest trust list file read (1024 keys take about 80 KB).
pub(crate) const MAX_TRUST_LIST_FILE: u64 = 1024 * 1024;

/// The largest revocation list file read: a list of the most entries the format allows
/// (2^24 subjects, 256 MiB of entries).
pub(crate) const MAX_REVOCATION_FILE: u64 = qrseal_issuer::revocation_dir::MAX_LIST_FILE;

/// The largest checkpoint file read.
const MAX_CHECKPOINT_FILE: u64 = 1024;

pub(crate) fn run(args: &VerifyArgs) -> Outcome {
    let now = now_or_clock(args.now)?;
    let mut policy = policy(args);
    let mut checkpoint_saved = true;
    let text = match (&args.text, &args.image) {
        (Some(text), _) => Ok(token_text(text)?),
        (None, Some(path)) => read_image(path)?,
        (None, None) => return Err(Failure::usage("give the token TEXT or --image FILE")),
    };
    let verdict = match (&args.keys, &args.root, &args.trust) {
        (Some(keys), _, _) => {
            let mut verifier = Verifier::new([load_trusted_key(keys)?]);
            if let Some(skew) = args.skew {
                verifier = verifier.with_clock_skew(skew.as_secs());
            }
            match text.and_then(|t| verifier.verify(&t, now)) {
                Ok(claims) => Verdict::Valid(claims, policy.evaluate(&claims, now), None),
                Err(e) => Verdict::Rejected(e),
            }
        }
        (None, Some(root), Some(trust)) => {
            if let Some(max) = args.max_stale {
                policy.max_stale_secs = Some(max.as_secs());
            }
            let (verdict, saved) = verify_with_store(args, root, trust, text, now, &policy)?;
            checkpoint_saved = saved;
            verdict
        }
        _ => {
            return Err(Failure::usage(
                "give --keys DIR, or --root FILE and --trust FILE",
            ));
        }
    };
    out(&if args.json {
        json_line(&verdict.json())
    } else {
        verdict.text()
    })?;
    Ok(verdict.exit(checkpoint_saved))
}

/// Verifies against a root key, the trust list it signed and revocation lists, carrying the
/// clock floor and sequence numbers in the --checkpoint file.
fn verify_with_store(
    args: &VerifyArgs,
    root: &Path,
    trust: &Path,
    text: Result<String, Error>,
    now: Timestamp,
    policy: &Policy,
) -> Result<(Verdict, bool), Failure> {
    let mut store = TrustStore::new(load_public_key(root, "root public key")?);
    if let Some(skew) = args.skew {
        store = store.with_clock_skew(skew.as_secs());
    }
    if let Some(grace) = args.grace {
        store = store.with_grace(grace.as_secs());
    }
    // Held until the checkpoint is saved: two scanners sharing one checkpoint file take
    // turns, so neither writes back an older state over the other's.
    // A lock that cannot be taken (a read-only or full disk) does not stop the scan: the
    // verdict is given, and the checkpoint is read but not saved.
    let lock = match &args.checkpoint {
        Some(path) => match lock_checkpoint(path) {
            Ok(file) => Some(file),
            Err(e) => {
                note(&format!(
                    "qrseal: warning: {e}; the checkpoint will not be saved (exit status 4 if \
                     admitted)"
                ));
                None
            }
        },
        None => None,
    };
    let saved = match &args.checkpoint {
        Some(path) => read_checkpoint(path)?,
        None => None,
    };
    if let Some(saved) = &saved {
        store.restore(saved);
    }
    load_lists(&mut store, trust, &args.revocations, now)?;
    let verdict = match text.and_then(|t| store.verify(&t, now)) {
        Ok(verified) => Verdict::Valid(
            verified.claims,
            policy.evaluate_verified(&verified, now),
            verified.stale,
        ),
        Err(e) => Verdict::Rejected(e),
    };
    // Only a token that verified moves the checkpoint on: a refused list or token changes
    // nothing a later run sees.
    let mut checkpoint_saved = true;
    if let (Some(path), Verdict::Valid(..)) = (&args.checkpoint, &verdict) {
        let checkpoint = store.checkpoint();
        if lock.is_none() {
            checkpoint_saved = false;
        } else if saved != Some(checkpoint)
            && let Err(e) =
                qrseal_issuer::revocation_dir::write_durable(path, &checkpoint.to_bytes())
        {
            note(&format!(
                "qrseal: warning: the verdict stands, but the checkpoint {} could not be saved \
                 ({e}); fix this before the next scan (exit status 4 if admitted)",
                path.display()
            ));
            checkpoint_saved = false;
        }
    }
    drop(lock);
    Ok((verdict, checkpoint_saved))
}

/// Takes an exclusive lock on `CHECKPOINT.lock` (created if missing), waiting for any other
/// process holding it. A separate file, because the checkpoint itself is replaced by rename.
fn lock_checkpoint(path: &Path) -> Result<std::fs::File, String> {
    let mut name = path.as_os_str().to_owned();
    name.push(".lock");
    let lock_path = PathBuf::from(name);
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(|e| format!("cannot open {}: {e}", lock_path.display()))?;
    file.lock()
        .map_err(|e| format!("cannot lock {}: {e}", lock_path.display()))?;
    Ok(file)
}

fn load_lists(
    store: &mut TrustStore,
    trust: &Path,
    revocations: &[PathBuf],
    now: Timestamp,
) -> Result<(), Failure> {
    let bytes = read_bounded(trust, MAX_TRUST_LIST_FILE, "trust list")?;
    store
        .load_trust_list(&bytes, now)
        .map_err(|e| list_refused("trust list", trust, e))?;
    for path in revocations {
        let bytes = read_revocation_file(path)?;
        store
            .load_revocations_owned(bytes, now)
            .map_err(|e| list_refused("revocation list", path, e))?;
    }
    Ok(())
}

/// Reads a revocation list file, refusing it from its header if it declares more entries
/// than the format allows, into a buffer of exactly its size (which the trust store then
/// keeps as the revocation set: no second copy).
fn read_revocation_file(path: &Path) -> Result<Vec<u8>, Failure> {
    use std::io::Read as _;
    let cannot = |e: std::io::Error| {
        Failure::usage(format!(
            "cannot read revocation list {}: {e}",
            path.display()
        ))
    };
    let mut file = std::fs::File::open(path).map_err(cannot)?;
    let meta = file.metadata().map_err(cannot)?;
    if !meta.is_file() {
        return Err(Failure::usage(format!(
            "cannot read revocation list {}: not a regular file",
            path.display()
        )));
    }
    let mut header = Vec::with_capacity(REVOCATION_HEADER_LEN);
    (&mut file)
        .take(REVOCATION_HEADER_LEN as u64)
        .read_to_end(&mut header)
        .map_err(cannot)?;
    let refused = |e| list_refused("revocation list", path, Error::MalformedList(e));
    // A count beyond the format's bound is refused from the header alone.
    if let Err(e @ qrseal_core::lists::ListError::TooManyEntries { .. }) =
        RevocationList::declared_len(&header)
    {
        return Err(refused(e));
    }
    if meta.len() > MAX_REVOCATION_FILE {
        return Err(Failure::usage(format!(
            "revocation list {} is {} bytes, more than any list may be ({MAX_REVOCATION_FILE})",
            path.display(),
            meta.len()
        )));
    }
    let declared = meta.len();
    let mut bytes = Vec::with_capacity(declared as usize);
    bytes.extend_from_slice(&header);
    file.take(declared - header.len() as u64)
        .read_to_end(&mut bytes)
        .map_err(cannot)?;
    Ok(bytes)
}

/// A list file the trust store refused: exit 2, with the error's code.
pub(crate) fn list_refused(what: &str, path: &Path, e: Error) -> Failure {
    Failure::usage(format!(
        "{what} {} refused: {e} ({})",
        path.display(),
        e.code()
    ))
}

/// The saved checkpoint, or `None` if the file does not exist yet.
fn read_checkpoint(path: &Path) -> Result<Option<Checkpoint>, Failure> {
    match std::fs::metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            // SPEC 17.10: a missing checkpoint is a first start; say so, in case it is not.
            note(&format!(
                "qrseal: note: checkpoint {} does not exist: starting a new one (if this \
                 scanner had one, rollback protection restarts from the lists given)",
                path.display()
            ));
            return Ok(None);
        }
        _ => {}
    }
    let bytes = read_bounded(path, MAX_CHECKPOINT_FILE, "checkpoint")?;
    Checkpoint::from_bytes(&bytes)
        .map(Some)
        .map_err(|e| Failure::usage(format!("checkpoint {}: {e} ({})", path.display(), e.code())))
}

/// Reads DIR/issuer.pub.
pub(crate) fn load_trusted_key(dir: &Path) -> Result<TrustedKey, Failure> {
    load_public_key(&dir.join(ISSUER_PUB_FILE), "public key")
}

/// Reads a public key PEM file (SubjectPublicKeyInfo), such as issuer.pub or root.pub.
pub(crate) fn load_public_key(path: &Path, what: &str) -> Result<TrustedKey, Failure> {
    let bytes = read_bounded(path, MAX_KEY_FILE, what)?;
    let pem = std::str::from_utf8(&bytes).map_err(|_| {
        Failure::usage(format!(
            "{}: not a PEM public key (not text)",
            path.display()
        ))
    })?;
    TrustedKey::from_public_key_pem(pem)
        .map_err(|e| Failure::usage(format!("{}: {e}", path.display())))
}

/// The token text in the QR code of a PNG or JPEG file. An image without a readable QR code
/// is a rejected token (`Ok(Err(_))`); a file that cannot be read as an image is a failure.
pub(crate) fn read_image(path: &Path) -> Result<Result<String, Error>, Failure> {
    let bytes = read_bounded(path, MAX_IMAGE_FILE, "image")?;
    match frame::decode_image(&bytes) {
        Ok(text) => Ok(Ok(text)),
        Err(e @ Error::NoQrCode) => Ok(Err(e)),
        Err(e) => Err(Failure::usage(format!("{}: {e}", path.display()))),
    }
}

/// `Policy::default()` (green only), changed only by the flags given.
fn policy(args: &VerifyArgs) -> Policy {
    let mut policy = Policy::default();
    if !args.accept.is_empty() {
        policy.accepted_colours = args.accept.iter().copied().collect();
    }
    if let Some(max) = args.max_test_age {
        policy.max_test_age_secs = Some(max.as_secs());
    }
    if let Some(min) = args.min_doses {
        policy.min_doses = min;
    }
    policy
}

enum Verdict {
    Valid(Claims, Decision, Option<Stale>),
    Rejected(Error),
}

impl Verdict {
    fn exit(&self, saved: bool) -> Exit {
        match self {
            Verdict::Valid(_, d, _) if d.admitted() && !saved => Exit::AdmittedUnsaved,
            Verdict::Valid(_, d, _) if d.admitted() => Exit::Ok,
            Verdict::Valid(..) => Exit::Denied,
            Verdict::Rejected(_) => Exit::Rejected,
        }
    }

    fn denials(&self) -> Vec<Denial> {
        match self {
            Verdict::Valid(_, d, _) => d.denials().collect(),
            Verdict::Rejected(_) => Vec::new(),
        }
    }

    fn stale(&self) -> Option<Stale> {
        match self {
            Verdict::Valid(_, _, stale) => *stale,
            Verdict::Rejected(_) => None,
        }
    }

    fn text(&self) -> String {
        let reasons: Vec<String> = self.denials().iter().map(ToString::to_string).collect();
        let mut text = match self {
            Verdict::Valid(claims, d, _) if d.admitted() => {
                format!("VALID: admitted\n{}", claims_text(claims))
            }
            Verdict::Valid(claims, ..) => format!(
                "VALID: denied: {}\n{}",
                reasons.join("; "),
                claims_text(claims)
            ),
            Verdict::Rejected(e) => format!("REJECTED: {e}\n{}", field("code", e.code())),
        };
        if let Some(stale) = self.stale() {
            text.push_str(&format!(
                "warning: {} is stale: {} past its next update (issued {} ago)\n",
                data_name(stale.data),
                hours(stale.overdue_secs),
                hours(stale.age_secs)
            ));
        }
        text
    }

    fn json(&self) -> serde_json::Value {
        let denials = self.denials();
        let reasons: Vec<String> = denials.iter().map(ToString::to_string).collect();
        let codes: Vec<&str> = denials.iter().map(Denial::code).collect();
        let (result, code, message, claims) = match self {
            Verdict::Valid(c, d, _) if d.admitted() => (
                "admitted",
                None,
                "authentic, in date and admitted by the policy".to_owned(),
                Some(claims_json(c)),
            ),
            Verdict::Valid(c, ..) => (
                "denied",
                None,
                format!(
                    "authentic and in date, but denied by the policy: {}",
                    reasons.join("; ")
                ),
                Some(claims_json(c)),
            ),
            Verdict::Rejected(e) => ("rejected", Some(e.code()), e.to_string(), None),
        };
        let stale = self.stale().map(|s| {
            json!({
                "data": match s.data {
                    TrustData::TrustList => "trust_list",
                    TrustData::Revocations => "revocations",
                },
                "age_secs": s.age_secs,
                "overdue_secs": s.overdue_secs,
            })
        });
        json!({
            "result": result,
            "code": code,
            "message": message,
            "claims": claims,
            "denials": reasons,
            "denial_codes": codes,
            "stale": stale,
        })
    }
}

fn data_name(data: TrustData) -> &'static str {
    match data {
        TrustData::TrustList => "trust list",
        TrustData::Revocations => "revocation list",
    }
}

/// Seconds as `25h03m`.
fn hours(secs: u64) -> String {
    format!("{}h{:02}m", secs / 3600, secs / 60 % 60)
}
