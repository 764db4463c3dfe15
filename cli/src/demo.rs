//! `qrseal demo`: the whole flow with a throwaway key, step by step.

use std::fmt::Display;

use qrseal_core::lists::{ListInfo, Revocation};
use qrseal_core::render::{Ecc, QrSymbol, RenderOptions};
use qrseal_core::{Colour, DisplayHint, TestRecord, TestResult, Timestamp, Vaccination};
use qrseal_issuer::publish::{new_key_entry, rotate_keys, sign_full_revocations, sign_trust_list};
use qrseal_issuer::{Issuer, IssuerKey, RootKey, Status, SubjectSecret};
use qrseal_verifier::{Policy, TrustStore, TrustedKey, Verifier};

use crate::args::DemoArgs;
use crate::fail::{Exit, Failure, Outcome};
use crate::files::{out, system_now, write_atomic};
use crate::show::{claims_text, field, symbol_text};
use crate::verify::read_image;

/// A made-up ID number for the sample holder.
const SAMPLE_ID: &str = "11010119900307888X";
/// The sample display hint: a masked name and the last digits of an ID.
const SAMPLE_HINT: &str = "张*明 ****1234";
const HOUR: u64 = 3600;
const DAY: u64 = 24 * HOUR;

const STEPS: u32 = 10;

fn step(n: u32, what: &str) -> String {
    format!("[{n}/{STEPS}] {what}\n")
}

fn failed(n: u32, e: impl Display) -> Failure {
    Failure::rejected(format!("demo step {n}/{STEPS} failed: {e}"))
}

pub(crate) fn run(args: &DemoArgs) -> Outcome {
    let now = system_now()?;
    out(
        "qrseal demo: issue a health-status token, draw it as a QR code, scan it back and \
         verify it offline.\nThe issuer key is a throwaway that exists only in memory.\n\n",
    )?;

    // 1. A fresh key, in memory only.
    let key = IssuerKey::generate().map_err(|e| failed(1, e))?;
    let key_id = key.key_id();
    let public_pem = key.public_key_pem().map_err(|e| failed(1, e))?;
    let secret = SubjectSecret::generate().map_err(|e| failed(1, e))?;
    let issuer = Issuer::new(key, secret.clone());
    out(&[
        step(
            1,
            "Made a throwaway issuer key (kept in memory, never written)",
        ),
        field("key id", key_id),
    ]
    .concat())?;

    // 2. A sample token: green, negative test 20 hours ago, two doses.
    let status = sample_status(&issuer, now).map_err(|e| failed(2, e))?;
    let token = issuer.issue(&status, now).map_err(|e| failed(2, e))?;
    let qr_text = token.qr_text();
    let url_text = token.url_text();
    out(&[
        step(2, "Issued a signed token for a sample holder"),
        claims_text(token.claims()),
        field(
            "token size",
            format!(
                "{} bytes; {} characters as QR text, {} as URL text",
                token.bytes().len(),
                qr_text.chars().count(),
                url_text.chars().count()
            ),
        ),
        field("QR text", &qr_text),
    ]
    .concat())?;

    // 3. The QR symbol, in the terminal.
    let symbol = QrSymbol::new(&qr_text, Ecc::M).map_err(|e| failed(3, e))?;
    out(&format!(
        "{}\n{}\n\n",
        step(
            3,
            &format!("Drew the token as a QR code ({})", symbol_text(&symbol))
        ),
        symbol.to_terminal(true)
    ))?;

    // 4. The same symbol as a PNG file.
    let path = args
        .out
        .clone()
        .unwrap_or_else(|| std::env::temp_dir().join("qrseal-demo.png"));
    let png = symbol
        .to_png(RenderOptions::default())
        .map_err(|e| failed(4, e))?;
    write_atomic(&path, &png)?;
    out(&[
        step(4, "Saved the QR code as a PNG"),
        field("file", path.display()),
    ]
    .concat())?;

    // 5. Scan the PNG back, as a camera would.
    let scanned = read_image(&path)?.map_err(|e| failed(5, e))?;
    if scanned != qr_text {
        return Err(failed(
            5,
            format!("the PNG decodes to {scanned:?}, not the issued text"),
        ));
    }
    out(&[
        step(5, "Scanned the PNG back, as a camera would"),
        field(
            "decoded text",
            format!(
                "identical to the issued text ({} characters)",
                scanned.chars().count()
            ),
        ),
    ]
    .concat())?;

    // 6. Verify offline, trusting only the public key; then the default checkpoint policy.
    let trusted = TrustedKey::from_public_key_pem(&public_pem).map_err(|e| failed(6, e))?;
    let verified = Verifier::new([trusted])
        .verify(&scanned, now)
        .map_err(|e| failed(6, format!("REJECTED: {e} ({})", e.code())))?;
    let decision = Policy::default().evaluate(&verified, now);
    let verdict = if decision.admitted() {
        "admitted".to_owned()
    } else {
        let reasons: Vec<String> = decision.denials().map(|d| d.to_string()).collect();
        format!("denied: {}", reasons.join("; "))
    };
    out(&[
        step(
            6,
            "Verified it offline, trusting only the issuer's public key",
        ),
        field("signature", format!("authentic (key id {key_id})")),
        field(
            "dates",
            format!(
                "in date now ({now}); expires {}",
                verified.claims.expires_at
            ),
        ),
        field("policy", format!("default (green only): {verdict}")),
        "\n".to_owned(),
    ]
    .concat())?;
    if !decision.admitted() {
        return Err(failed(6, format!("the default policy {verdict}")));
    }
    out("VALID: admitted.\n\n")?;

    trust_walkthrough(&issuer, secret, &qr_text, now)?;

    out(&format!(
        "Every step succeeded.\n\n\
         Next, with keys of your own:\n  \
         qrseal keygen --dir keys\n  \
         echo {SAMPLE_ID} > id.txt\n  \
         qrseal issue --keys keys --id-file id.txt --colour green > token.txt\n  \
         qrseal render - --png token.png < token.txt\n  \
         qrseal verify --image token.png --keys keys\n  \
         qrseal inspect - < token.txt\n\n\
         With a root key, a trust list and revocations (a key signs from when it is \
         listed):\n  \
         qrseal root-keygen --dir root\n  \
         qrseal keygen --dir keys2\n  \
         qrseal trust-list --root root --add-issuer keys2 --out trust.qstl\n  \
         qrseal issue --keys keys2 --id-file id.txt --colour green > token2.txt\n  \
         qrseal verify - --root root/root.pub --trust trust.qstl < token2.txt\n  \
         qrseal revoke --keys keys2 --revocations rev --id-file - < id.txt\n  \
         qrseal publish-revocations --keys keys2 --revocations rev\n  \
         qrseal verify - --root root/root.pub --trust trust.qstl \
         --revocations rev/full.qsrl < token2.txt\n"
    ))?;
    Ok(Exit::Ok)
}

/// Steps 7 to 10: the same token under a root key, a trust list, a key rotation and a
/// revocation list, all in memory, on a simulated clock that moves on an hour a step.
fn trust_walkthrough(
    issuer: &Issuer,
    secret: SubjectSecret,
    token: &str,
    now: Timestamp,
) -> Result<(), Failure> {
    out(
        "Scanners in the field pin a root key instead: it signs a trust list of issuer keys, \
         so issuer\nkeys can be rotated and holders revoked without touching the scanners. \
         (In memory; the simulated\nclock moves on an hour a step.)\n\n",
    )?;
    let hour = |n: u64| now.saturating_add(n * HOUR);
    let rejected = |n: u32| {
        move |e: qrseal_verifier::Error| failed(n, format!("REJECTED: {e} ({})", e.code()))
    };

    // 7. A root key; trust list 1 names the issuer key from step 1.
    let root = RootKey::generate().map_err(|e| failed(7, e))?;
    let pinned = TrustedKey::from_bytes(&root.public_key()).map_err(|e| failed(7, e))?;
    let mut keys = vec![new_key_entry(issuer.key().public_key(), now)];
    let list =
        sign_trust_list(&root, &list_info(1, now, 7 * DAY), &keys).map_err(|e| failed(7, e))?;
    let mut store = TrustStore::new(pinned);
    store.load_trust_list(&list, now).map_err(rejected(7))?;
    store.verify(token, now).map_err(rejected(7))?;
    out(&[
        step(
            7,
            "Made a root key and a trust list naming the issuer key; the token verifies",
        ),
        field("root key id", root.key_id()),
        field(
            "trust list",
            format!("sequence 1, {} bytes, 1 key", list.len()),
        ),
    ]
    .concat())?;

    // 8. Rotate to a new issuer key (same subject secret): trust list 2.
    let new_key = IssuerKey::generate().map_err(|e| failed(8, e))?;
    // The subject secret stays: a holder's subject must not change with the key.
    let new_issuer = Issuer::new(new_key, secret);
    keys = rotate_keys(&keys, new_issuer.key().public_key(), hour(1)).map_err(|e| failed(8, e))?;
    let list =
        sign_trust_list(&root, &list_info(2, hour(1), 7 * DAY), &keys).map_err(|e| failed(8, e))?;
    store.load_trust_list(&list, hour(1)).map_err(rejected(8))?;
    store.verify(token, hour(1)).map_err(rejected(8))?;
    out(&[
        step(
            8,
            "Rotated to a new issuer key; the old key's token still verifies",
        ),
        field("new key id", new_issuer.key().key_id()),
        field(
            "trust list",
            "sequence 2: old key retired, accepted until its tokens expire",
        ),
    ]
    .concat())?;

    // 9. Revoke the holder: their tokens issued before now are invalid.
    let subject = new_issuer.subject(SAMPLE_ID).map_err(|e| failed(9, e))?;
    let revocation = Revocation {
        subject,
        issued_before: hour(2),
    };
    let revocations =
        sign_full_revocations(new_issuer.key(), &list_info(1, hour(2), DAY), &[revocation])
            .map_err(|e| failed(9, e))?;
    store
        .load_revocations(&revocations, hour(2))
        .map_err(rejected(9))?;
    match store.verify(token, hour(2)) {
        Err(e @ qrseal_verifier::Error::Revoked { .. }) => out(&[
            step(
                9,
                "Revoked the holder (by ID number, hashed with the subject secret)",
            ),
            field("old token", format!("REJECTED: {e} ({})", e.code())),
        ]
        .concat())?,
        Ok(_) => return Err(failed(9, "the revoked token still verifies")),
        Err(e) => return Err(rejected(9)(e)),
    }

    // 10. The holder's refreshed token, issued after the revocation, verifies.
    let status = sample_status(&new_issuer, hour(2)).map_err(|e| failed(10, e))?;
    let refreshed = new_issuer
        .issue(&status, hour(2))
        .map_err(|e| failed(10, e))?;
    let verified = store
        .verify(&refreshed.qr_text(), hour(2))
        .map_err(rejected(10))?;
    let decision = Policy::default().evaluate(&verified, hour(2));
    if !decision.admitted() {
        return Err(failed(10, "the refreshed token is not admitted"));
    }
    out(&[
        step(
            10,
            "Issued a refreshed token with the new key; it verifies and is admitted",
        ),
        field("issued at", verified.claims.issued_at),
        "\n".to_owned(),
    ]
    .concat())?;
    Ok(())
}

fn list_info(sequence: u64, issued_at: Timestamp, valid_for: u64) -> ListInfo {
    ListInfo {
        sequence,
        issued_at,
        next_update_by: issued_at.saturating_add(valid_for),
    }
}

fn sample_status(issuer: &Issuer, now: Timestamp) -> Result<Status, Box<dyn std::error::Error>> {
    let last_dose = now
        .saturating_sub(120 * DAY)
        .date()
        .ok_or("the system clock is outside the range of dates a token can carry")?;
    Ok(Status {
        subject: issuer.subject(SAMPLE_ID)?,
        colour: Colour::Green,
        test: Some(TestRecord {
            result: TestResult::Negative,
            collected_at: now.saturating_sub(20 * HOUR),
        }),
        vaccination: Some(Vaccination {
            doses: 2,
            last_dose,
        }),
        display_hint: Some(DisplayHint::new(SAMPLE_HINT)?),
    })
}
