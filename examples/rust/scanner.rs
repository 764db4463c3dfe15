//! A scanner loop: pins a root public key in a `TrustStore`, loads the trust list and the
//! revocation list it signed for, then verifies each line of standard input (one token text
//! per line) and prints a verdict.
//!
//! Run: `cargo run -p qrseal-examples --bin scanner -- DIR < DIR/tokens.txt`, where DIR
//! holds `root.pub`, `trust.qstl` and `revocations.qsrl` (the backend example writes them).

use std::error::Error;
use std::io::{self, BufRead};
use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use qrseal_core::Timestamp;
use qrseal_verifier::{Policy, TrustStore, TrustedKey};

fn main() -> Result<(), Box<dyn Error>> {
    let dir = PathBuf::from(
        std::env::args()
            .nth(1)
            .ok_or("usage: scanner DIR < tokens.txt")?,
    );
    let now = || -> Result<Timestamp, Box<dyn Error>> {
        Ok(Timestamp::from_unix(
            SystemTime::now()
                .duration_since(SystemTime::UNIX_EPOCH)?
                .as_secs(),
        ))
    };

    // The root public key is pinned (shipped with the scanner); everything else is checked
    // against it when loaded. A real scanner also saves `store.checkpoint()` and restores
    // it at start, so that neither its clock nor its lists can be wound back.
    let root = TrustedKey::from_public_key_pem(&std::fs::read_to_string(dir.join("root.pub"))?)?;
    let mut store = TrustStore::new(root);
    store.load_trust_list(&std::fs::read(dir.join("trust.qstl"))?, now()?)?;
    store.load_revocations(&std::fs::read(dir.join("revocations.qsrl"))?, now()?)?;

    // The checkpoint's rules: green only (the default), plus a negative test at most 48 h
    // old; and no admission without revocation data, so a revoked code is never let in.
    let policy = Policy::default()
        .max_test_age(Duration::from_secs(48 * 3600))
        .require_revocations(true);

    for line in io::stdin().lock().lines() {
        let line = line?;
        let text = line.trim();
        if text.is_empty() {
            continue;
        }
        let now = now()?;
        match store.verify(text, now) {
            // Authentic and in date: the policy decides whether this gate admits it.
            Ok(verified) => {
                let decision = policy.evaluate(&verified, now);
                let hint = verified
                    .claims
                    .display_hint
                    .map(|h| h.to_string())
                    .unwrap_or_default();
                if decision.admitted() {
                    println!("ADMITTED {} {hint}", verified.claims.colour);
                } else {
                    let reasons: Vec<&str> =
                        decision.denials().map(|d| d.code().as_str()).collect();
                    println!(
                        "DENIED {} {hint} ({})",
                        verified.claims.colour,
                        reasons.join(", ")
                    );
                }
            }
            // Not a valid token: forged, damaged, expired, revoked... `code()` is stable.
            Err(e) => println!("REJECTED {}: {e}", e.code()),
        }
    }
    Ok(())
}
