//! A backend that pre-issues tokens for a few thousand holders with `issue_batch` (every
//! core), checks every one with `verify_batch` as a scanner would, and publishes what
//! scanners need: the root public key, a trust list and a revocation list.
//!
//! Run: `cargo run -p qrseal-examples --bin backend -- OUT_DIR`, then feed
//! `OUT_DIR/tokens.txt` to the scanner example. Keys are made in memory here; a real
//! backend loads them with `qrseal_issuer::keyfile::load` (files made by `qrseal keygen`),
//! and keeps the root key offline.

use std::error::Error;
use std::fs;
use std::path::PathBuf;
use std::time::SystemTime;

use qrseal_core::lists::{ListInfo, Revocation};
use qrseal_core::{Colour, TestRecord, TestResult, Timestamp};
use qrseal_issuer::publish::{new_key_entry, sign_full_revocations, sign_trust_list};
use qrseal_issuer::{Issuer, IssuerKey, RootKey, Status, SubjectSecret, display_hint};
use qrseal_verifier::{TrustedKey, Verifier};

/// How many holders to pre-issue for.
const HOLDERS: usize = 3000;

fn main() -> Result<(), Box<dyn Error>> {
    let out = PathBuf::from(std::env::args().nth(1).ok_or("usage: backend OUT_DIR")?);
    fs::create_dir_all(&out)?;
    // The CLI and services read the clock at their edge; the libraries take `now`.
    let now = Timestamp::from_unix(
        SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)?
            .as_secs(),
    );

    // Keys: the root vouches for the issuer key in a signed trust list.
    let root = RootKey::generate()?;
    let issuer = Issuer::new(IssuerKey::generate()?, SubjectSecret::generate()?);
    let entry = new_key_entry(issuer.key().public_key(), now);
    let day = |n: u64| now.saturating_add(n * 86_400);
    let info = ListInfo {
        sequence: 1,
        issued_at: now,
        next_update_by: day(1),
    };
    let trust_list = sign_trust_list(&root, &info, &[entry])?;

    // What the health system knows about each holder. ID numbers are hashed with the
    // issuer's secret; they never go into a token.
    let ids: Vec<String> = (0..HOLDERS).map(|i| format!("1101011990{i:07}X")).collect();
    let mut statuses = Vec::with_capacity(HOLDERS);
    for (i, id) in ids.iter().enumerate() {
        let mut status = Status::new(
            issuer.subject(id)?,
            if i % 10 == 0 {
                Colour::Yellow
            } else {
                Colour::Green
            },
        );
        status.test = Some(TestRecord {
            result: TestResult::Negative,
            collected_at: now.saturating_sub(3600),
        });
        // A masked name and the last four characters of the ID, never the ID itself.
        status.display_hint = Some(display_hint(&format!("张*明 ****{}", &id[id.len() - 4..]))?);
        statuses.push(status);
    }

    // Sign them all, on every core. Results come back in input order.
    let tokens = issuer
        .issue_batch(&statuses, now)
        .into_iter()
        .collect::<Result<Vec<_>, _>>()?;

    // Check them back as a scanner would: every token must verify.
    let verifier = Verifier::new([TrustedKey::from_bytes(&issuer.key().public_key())?]);
    let texts: Vec<String> = tokens.iter().map(|t| t.qr_text()).collect();
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    let verified = verifier
        .verify_batch(&refs, now)
        .into_iter()
        .filter(Result::is_ok)
        .count();
    assert_eq!(verified, tokens.len(), "every pre-issued token verifies");

    // Holder 1's status has worsened: tokens issued before now + 1 s are revoked.
    let revoked = Revocation {
        subject: statuses[1].subject,
        issued_before: now.saturating_add(1),
    };
    let revocations = sign_full_revocations(issuer.key(), &info, &[revoked])?;

    // Publish for scanners, and hand a few tokens to the scanner example: a good one, the
    // revoked one, a yellow one, and a line that is no token at all.
    fs::write(out.join("root.pub"), root.public_key_pem()?)?;
    fs::write(out.join("trust.qstl"), &trust_list)?;
    fs::write(out.join("revocations.qsrl"), &revocations)?;
    let sample = [
        texts[2].as_str(),
        texts[1].as_str(),
        texts[10].as_str(),
        "QS:NOT-A-TOKEN",
    ];
    fs::write(out.join("tokens.txt"), sample.join("\n") + "\n")?;
    println!(
        "Issued and verified {} tokens (key {}); wrote root.pub, trust.qstl, revocations.qsrl \
         and tokens.txt to {}",
        tokens.len(),
        issuer.key().key_id(),
        out.display()
    );
    Ok(())
}
