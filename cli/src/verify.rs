//! `qrseal verify`: check a token offline against a trusted public key, then a policy.

use std::path::Path;

use qrseal_core::Claims;
use qrseal_issuer::keyfile::ISSUER_PUB_FILE;
use qrseal_verifier::{Decision, Error, Policy, TrustedKey, Verifier, frame};
use serde_json::json;

use crate::args::VerifyArgs;
use crate::fail::{Exit, Failure, Outcome};
use crate::files::{now_or_clock, out, read_bounded, token_text};
use crate::show::{claims_json, claims_text, field, json_line};

/// The largest image file read.
pub(crate) const MAX_IMAGE_FILE: u64 = 32 * 1024 * 1024;

/// The largest public key file read.
const MAX_KEY_FILE: u64 = 64 * 1024;

pub(crate) fn run(args: &VerifyArgs) -> Outcome {
    let now = now_or_clock(args.now)?;
    let mut verifier = Verifier::new([load_trusted_key(&args.keys)?]);
    if let Some(skew) = args.skew {
        verifier = verifier.with_clock_skew(skew.as_secs());
    }
    let policy = policy(args);
    let text = match (&args.text, &args.image) {
        (Some(text), _) => Ok(token_text(text)?),
        (None, Some(path)) => read_image(path)?,
        (None, None) => return Err(Failure::usage("give the token TEXT or --image FILE")),
    };
    let verdict = match text.and_then(|t| verifier.verify(&t, now)) {
        Ok(claims) => Verdict::Valid(claims, policy.evaluate(&claims, now)),
        Err(e) => Verdict::Rejected(e),
    };
    out(&if args.json {
        json_line(&verdict.json())
    } else {
        verdict.text()
    })?;
    Ok(verdict.exit())
}

/// Reads DIR/issuer.pub.
pub(crate) fn load_trusted_key(dir: &Path) -> Result<TrustedKey, Failure> {
    let path = dir.join(ISSUER_PUB_FILE);
    let bytes = read_bounded(&path, MAX_KEY_FILE, "public key")?;
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
    Valid(Claims, Decision),
    Rejected(Error),
}

impl Verdict {
    fn exit(&self) -> Exit {
        match self {
            Verdict::Valid(_, d) if d.admitted() => Exit::Ok,
            Verdict::Valid(..) => Exit::Denied,
            Verdict::Rejected(_) => Exit::Rejected,
        }
    }

    fn denials(&self) -> Vec<String> {
        match self {
            Verdict::Valid(_, d) => d.denials().map(|r| r.to_string()).collect(),
            Verdict::Rejected(_) => Vec::new(),
        }
    }

    fn text(&self) -> String {
        match self {
            Verdict::Valid(claims, d) if d.admitted() => {
                format!("VALID: admitted\n{}", claims_text(claims))
            }
            Verdict::Valid(claims, _) => format!(
                "VALID: denied: {}\n{}",
                self.denials().join("; "),
                claims_text(claims)
            ),
            Verdict::Rejected(e) => format!("REJECTED: {e}\n{}", field("code", e.code())),
        }
    }

    fn json(&self) -> serde_json::Value {
        let denials = self.denials();
        let (result, code, message, claims) = match self {
            Verdict::Valid(c, d) if d.admitted() => (
                "admitted",
                None,
                "authentic, in date and admitted by the policy".to_owned(),
                Some(claims_json(c)),
            ),
            Verdict::Valid(c, _) => (
                "denied",
                None,
                format!(
                    "authentic and in date, but denied by the policy: {}",
                    denials.join("; ")
                ),
                Some(claims_json(c)),
            ),
            Verdict::Rejected(e) => ("rejected", Some(e.code()), e.to_string(), None),
        };
        json!({
            "result": result,
            "code": code,
            "message": message,
            "claims": claims,
            "denials": denials,
        })
    }
}
