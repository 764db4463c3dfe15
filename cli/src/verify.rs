//! `qrseal verify`: check a token offline against a trusted public key, or against a root
//! key, its trust list and revocation lists; then a policy.

use std::path::{Path, PathBuf};

use qrseal_core::Timestamp;
use qrseal_core::lists::{REVOCATION_HEADER_LEN, RevocationList};
use qrseal_issuer::keyfile::ISSUER_PUB_FILE;
use qrseal_verifier::{
    Category, Checkpoint, Code, Decision, Denial, Error, Hours, Policy, Stale, TrustData,
    TrustStore, TrustedKey, Verified, Verifier, frame,
};
use serde_json::json;

use crate::args::VerifyArgs;
use crate::fail::{Exit, Failure, Outcome};
use crate::files::{flush_stdout, note, now_or_clock, out, read_bounded, token_text};
use crate::misuse;
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
    let (verdict, hint, checkpoint_saved) = match verdict(args) {
        Ok(verdict) => verdict,
        // --json answers every outcome on stdout, failures included.
        Err(failure) if args.json => {
            out(&json_line(&failure.json()))?;
            flush_stdout()?;
            return Err(failure);
        }
        Err(failure) => return Err(failure),
    };
    out(&if args.json {
        let mut json = verdict.json();
        json["hint"] = json!(hint);
        json_line(&json)
    } else {
        let mut text = verdict.text();
        if let Some(hint) = &hint {
            text.push_str(&field("hint", hint));
        }
        text
    })?;
    Ok(verdict.exit(checkpoint_saved))
}

/// The verdict; for a token text that does not decode, what the user probably meant; and
/// whether the checkpoint (if any) was saved.
fn verdict(args: &VerifyArgs) -> Result<(Verdict, Option<String>, bool), Failure> {
    let now = now_or_clock(args.now)?;
    let policy = policy(args);
    let (text, from_image) = match (&args.text, &args.image) {
        (Some(text), _) => (Ok(token_text(text)?), false),
        (None, Some(path)) => (read_image(path)?, true),
        (None, None) => return Err(Failure::usage("give the token TEXT or --image FILE")),
    };
    let input = text.as_ref().ok().cloned();
    let mut checkpoint_saved = true;
    let verdict = match (args.keys.as_slice(), &args.root, &args.trust) {
        ([_, ..], _, _) => {
            let keys = args
                .keys
                .iter()
                .map(|dir| load_trusted_key(dir))
                .collect::<Result<Vec<_>, _>>()?;
            let mut verifier = Verifier::new(keys);
            if let Some(skew) = args.skew {
                verifier = verifier.with_clock_skew(skew);
            }
            match text.and_then(|t| verifier.verify(&t, now)) {
                Ok(verified) => Verdict::valid(verified, &policy, now, false),
                Err(e) => Verdict::Rejected(e),
            }
        }
        ([], Some(root), Some(trust)) => {
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
    let hint = match (&verdict, &input) {
        (Verdict::Rejected(Error::Malformed(_)), Some(input)) => misuse::hint(input, from_image),
        _ => None,
    };
    Ok((verdict, hint, checkpoint_saved))
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
        store = store.with_clock_skew(skew);
    }
    if let Some(grace) = args.grace {
        store = store.with_grace(grace);
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
        Ok(verified) => Verdict::valid(verified, policy, now, true),
        Err(e) => Verdict::Rejected(e),
    };
    // Only a token that verified moves the checkpoint on: a refused list or token changes
    // nothing a later run sees.
    let mut checkpoint_saved = true;
    if let (Some(path), Verdict::Valid { .. }) = (&args.checkpoint, &verdict) {
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

pub(crate) fn load_lists(
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
    // A count beyond the format's bound is refused from the header alone. Opening a FIFO
    // would block, so only a regular file is opened here; read_bounded checks the rest.
    if std::fs::metadata(path).is_ok_and(|m| m.is_file()) {
        let mut header = Vec::with_capacity(REVOCATION_HEADER_LEN);
        std::fs::File::open(path)
            .map_err(cannot)?
            .take(REVOCATION_HEADER_LEN as u64)
            .read_to_end(&mut header)
            .map_err(cannot)?;
        if let Err(e @ qrseal_core::lists::ListError::TooManyEntries { .. }) =
            RevocationList::declared_len(&header)
        {
            return Err(list_refused(
                "revocation list",
                path,
                Error::MalformedList(e),
            ));
        }
    }
    read_bounded(path, MAX_REVOCATION_FILE, "revocation list")
}

/// A list file the trust store refused: the error's row of the table decides the exit status
/// (2: the trust data is unusable).
pub(crate) fn list_refused(what: &str, path: &Path, e: Error) -> Failure {
    Failure::coded(
        e.code(),
        format!("{what} {} refused: {e} ({})", path.display(), e.code()),
    )
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
    Checkpoint::from_bytes(&bytes).map(Some).map_err(|e| {
        Failure::coded(
            e.code(),
            format!("checkpoint {}: {e} ({})", path.display(), e.code()),
        )
    })
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
    if pem.contains("PRIVATE KEY") {
        let public = if what.contains("root") {
            "root.pub"
        } else {
            "issuer.pub"
        };
        return Err(Failure::usage(format!(
            "{} is a secret key; verifiers take the public key ({public} next to it), and the \
             secret key should never leave the issuer",
            path.display()
        )));
    }
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
        Err(e) => Err(Failure::coded(
            e.code(),
            format!("{}: {e} ({})", path.display(), e.code()),
        )),
    }
}

/// `Policy::default()` (green only), changed only by the flags given.
fn policy(args: &VerifyArgs) -> Policy {
    let mut policy = Policy::default().require_revocations(args.require_revocations);
    if !args.accept.is_empty() {
        policy = policy.accept(args.accept.iter().copied().collect());
    }
    if let Some(max) = args.max_test_age {
        policy = policy.max_test_age(max);
    }
    if let Some(min) = args.min_doses {
        policy = policy.min_doses(min);
    }
    if let Some(max) = args.max_stale {
        policy = policy.max_stale(Some(max));
    }
    policy
}

enum Verdict {
    /// Authentic and in date; `trust_store` when verified against a root and its lists.
    Valid {
        verified: Box<Verified>,
        decision: Decision,
        trust_store: bool,
    },
    /// Not verified: the error's category says whether the token is invalid or nothing is
    /// known.
    Rejected(Error),
}

impl Verdict {
    fn valid(verified: Verified, policy: &Policy, now: Timestamp, trust_store: bool) -> Verdict {
        Verdict::Valid {
            decision: policy.evaluate(&verified, now),
            verified: Box::new(verified),
            trust_store,
        }
    }

    fn exit(&self, checkpoint_saved: bool) -> Exit {
        match self {
            Verdict::Valid { decision, .. } if decision.admitted() && !checkpoint_saved => {
                Exit::AdmittedUnsaved
            }
            Verdict::Valid { decision, .. } if decision.admitted() => Exit::Ok,
            Verdict::Valid { .. } => Exit::Denied,
            Verdict::Rejected(e) => Exit::of(e.code().category()),
        }
    }

    fn denials(&self) -> Vec<Denial> {
        match self {
            Verdict::Valid { decision, .. } => decision.denials().collect(),
            Verdict::Rejected(_) => Vec::new(),
        }
    }

    fn verified(&self) -> Option<&Verified> {
        match self {
            Verdict::Valid { verified, .. } => Some(verified),
            Verdict::Rejected(_) => None,
        }
    }

    fn stale(&self) -> Option<Stale> {
        self.verified().and_then(|v| v.stale)
    }

    fn text(&self) -> String {
        let reasons: Vec<String> = self.denials().iter().map(ToString::to_string).collect();
        let mut text = match self {
            Verdict::Valid {
                verified, decision, ..
            } if decision.admitted() => {
                format!("VALID: admitted\n{}", claims_text(&verified.claims))
            }
            Verdict::Valid { verified, .. } => format!(
                "VALID: denied: {}\n{}",
                reasons.join("; "),
                claims_text(&verified.claims)
            ),
            // An unusable outcome says nothing about the token: do not call it rejected.
            Verdict::Rejected(e) if e.code().category() == Category::Invalid => {
                format!("REJECTED: {e}\n{}", field("code", e.code()))
            }
            Verdict::Rejected(e) => format!("CANNOT VERIFY: {e}\n{}", field("code", e.code())),
        };
        if let Some(stale) = self.stale() {
            text.push_str(&format!(
                "warning: {} is stale: {} past its next update (issued {} ago)\n",
                data_name(stale.data),
                Hours(stale.overdue),
                Hours(stale.age)
            ));
        }
        if let Verdict::Valid {
            verified,
            trust_store: true,
            ..
        } = self
            && verified.revocations.is_none()
        {
            text.push_str(
                "warning: no revocation list loaded (--revocations): a revoked token is not \
                 detected\n",
            );
        }
        text
    }

    fn json(&self) -> serde_json::Value {
        let denials = self.denials();
        let reasons: Vec<String> = denials.iter().map(ToString::to_string).collect();
        let codes: Vec<&str> = denials.iter().map(|d| d.code().as_str()).collect();
        let (result, code, message, claims) = match self {
            Verdict::Valid {
                verified, decision, ..
            } if decision.admitted() => (
                "admitted",
                None,
                "authentic, in date and admitted by the policy".to_owned(),
                Some(claims_json(&verified.claims)),
            ),
            Verdict::Valid { verified, .. } => (
                "denied",
                None,
                format!(
                    "authentic and in date, but denied by the policy: {}",
                    reasons.join("; ")
                ),
                Some(claims_json(&verified.claims)),
            ),
            Verdict::Rejected(e) => ("rejected", Some(e.code()), e.to_string(), None),
        };
        let stale = self.stale().map(|s| {
            json!({
                "data": match s.data {
                    TrustData::TrustList => "trust_list",
                    TrustData::Revocations => "revocations",
                },
                "age_secs": s.age.as_secs(),
                "overdue_secs": s.overdue.as_secs(),
            })
        });
        // null when no revocation data was checked (always with --keys): a revoked token
        // would have verified.
        let revocations = self.verified().and_then(|v| v.revocations).map(|r| {
            json!({
                "sequence": r.sequence,
                "issued_at": r.issued_at.to_string(),
                "next_update_by": r.next_update_by.to_string(),
            })
        });
        json!({
            "result": result,
            "code": code.map(Code::as_str),
            "number": code.map(Code::number),
            "category": code.map(|c| c.category().as_str()),
            "message": message,
            "claims": claims,
            "denials": reasons,
            "denial_codes": codes,
            "stale": stale,
            "revocations": revocations,
        })
    }
}

fn data_name(data: TrustData) -> &'static str {
    match data {
        TrustData::TrustList => "trust list",
        TrustData::Revocations => "revocation list",
    }
}
