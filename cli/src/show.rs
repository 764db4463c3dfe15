//! Presenting claims: aligned text for people, JSON objects with stable snake_case names for
//! scripts.

use qrseal_core::render::{Ecc, QrSymbol};
use qrseal_core::{Claims, TestRecord, Vaccination};
use serde_json::{Value, json};

/// One `label  value` line, indented and aligned.
pub(crate) fn field(label: &str, value: impl std::fmt::Display) -> String {
    format!("  {label:<13} {value}\n")
}

/// A test record in words.
pub(crate) fn test_text(test: Option<TestRecord>) -> String {
    match test {
        Some(t) => format!("{}, sample collected {}", t.result, t.collected_at),
        None => "none recorded".to_owned(),
    }
}

/// A vaccination record in words.
pub(crate) fn vaccination_text(v: Option<Vaccination>) -> String {
    match v {
        Some(v) => format!(
            "{} dose{}, last dose {}",
            v.doses,
            if v.doses == 1 { "" } else { "s" },
            v.last_dose
        ),
        None => "none recorded".to_owned(),
    }
}

/// Every claim, one aligned line each.
pub(crate) fn claims_text(c: &Claims) -> String {
    [
        field("colour", c.colour),
        field("test", test_text(c.test)),
        field("vaccination", vaccination_text(c.vaccination)),
        field(
            "display hint",
            c.display_hint.as_ref().map_or("none", |h| h.as_str()),
        ),
        field("issued at", c.issued_at),
        field("expires at", c.expires_at),
        field("refresh at", c.refresh_at()),
        field("subject", c.subject),
    ]
    .concat()
}

/// The claims as a JSON object: `subject` (hex), `colour`, `test` (`result`,
/// `collected_at`) or null, `vaccination` (`doses`, `last_dose`) or null, `issued_at`,
/// `expires_at`, `refresh_at` (RFC 3339, UTC) and `display_hint` or null.
pub(crate) fn claims_json(c: &Claims) -> Value {
    json!({
        "subject": c.subject.to_string(),
        "colour": c.colour.name(),
        "test": c.test.map(|t| json!({
            "result": t.result.name(),
            "collected_at": t.collected_at.to_string(),
        })),
        "vaccination": c.vaccination.map(|v| json!({
            "doses": v.doses,
            "last_dose": v.last_dose.to_string(),
        })),
        "issued_at": c.issued_at.to_string(),
        "expires_at": c.expires_at.to_string(),
        "refresh_at": c.refresh_at().to_string(),
        "display_hint": c.display_hint.as_ref().map(|h| h.as_str()),
    })
}

/// A JSON value on one line.
pub(crate) fn json_line(v: &Value) -> String {
    format!("{v}\n")
}

/// The letter of an error-correction level.
pub(crate) fn ecc_name(ecc: Ecc) -> &'static str {
    match ecc {
        Ecc::L => "L",
        Ecc::M => "M",
        Ecc::Q => "Q",
        Ecc::H => "H",
    }
}

/// "QR version 6-M, 41x41 modules".
pub(crate) fn symbol_text(symbol: &QrSymbol) -> String {
    format!(
        "QR version {}-{}, {w}x{w} modules",
        symbol.version(),
        ecc_name(symbol.ecc()),
        w = symbol.width()
    )
}
