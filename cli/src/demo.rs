//! `qrseal demo`: the whole flow with a throwaway key, step by step.

use std::fmt::Display;

use qrseal_core::render::{Ecc, QrSymbol, RenderOptions};
use qrseal_core::{Colour, DisplayHint, TestRecord, TestResult, Vaccination};
use qrseal_issuer::{Issuer, IssuerKey, Status, SubjectSecret};
use qrseal_verifier::{Policy, TrustedKey, Verifier};

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

const STEPS: u32 = 6;

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
    let issuer = Issuer::new(key, SubjectSecret::generate().map_err(|e| failed(1, e))?);
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
    let claims = Verifier::new([trusted])
        .verify(&scanned, now)
        .map_err(|e| failed(6, format!("REJECTED: {e} ({})", e.code())))?;
    let decision = Policy::default().evaluate(&claims, now);
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
            format!("in date now ({now}); expires {}", claims.expires_at),
        ),
        field("policy", format!("default (green only): {verdict}")),
        "\n".to_owned(),
    ]
    .concat())?;
    if !decision.admitted() {
        return Err(failed(6, format!("the default policy {verdict}")));
    }
    out(&format!(
        "VALID: admitted. Every step succeeded.\n\n\
         Next, with keys of your own:\n  \
         qrseal keygen --dir keys\n  \
         qrseal issue --keys keys --id {SAMPLE_ID} --colour green > token.txt\n  \
         qrseal render - --png token.png < token.txt\n  \
         qrseal verify --image token.png --keys keys\n  \
         qrseal inspect - < token.txt\n"
    ))?;
    Ok(Exit::Ok)
}

fn sample_status(
    issuer: &Issuer,
    now: qrseal_core::Timestamp,
) -> Result<Status, Box<dyn std::error::Error>> {
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
