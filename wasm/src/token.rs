//! Holder pages: a token's claims read without verifying it.

use qrseal_core::Token;
use qrseal_core::text::{self, TokenBuf};
use wasm_bindgen::prelude::*;

use crate::reason::{js_seconds, throw_core};

/// What a token says about its holder. From [`read_token`] these are unverified claims (the
/// holder's own token, to draw and schedule); from a [`crate::Verdict`] they are verified.
#[wasm_bindgen(getter_with_clone)]
#[derive(Clone, Debug)]
pub struct Claims {
    /// The subject (keyed hash of the ID number), lower-case hex.
    pub subject: String,
    /// `green`, `yellow`, `red` or `dark-red`.
    pub colour: String,
    /// Issue time, Unix seconds.
    #[wasm_bindgen(js_name = issuedAt)]
    pub issued_at: f64,
    /// Expiry (exclusive), Unix seconds.
    #[wasm_bindgen(js_name = expiresAt)]
    pub expires_at: f64,
    /// When the holder's app should fetch a new token (qrseal-core's rule,
    /// `Claims::refresh_at`), Unix seconds.
    #[wasm_bindgen(js_name = refreshAt)]
    pub refresh_at: f64,
    /// The latest test's result (`negative`, `positive`, `pending`), if any.
    #[wasm_bindgen(js_name = testResult)]
    pub test_result: Option<String>,
    /// When the latest test's sample was collected, Unix seconds, if any.
    #[wasm_bindgen(js_name = testCollectedAt)]
    pub test_collected_at: Option<f64>,
    /// Vaccine doses, if vaccinated.
    pub doses: Option<u8>,
    /// Date of the last dose as days since 1970-01-01, if vaccinated.
    #[wasm_bindgen(js_name = lastDoseDays)]
    pub last_dose_days: Option<u16>,
    /// The short display hint (a masked name or ID), if any.
    #[wasm_bindgen(js_name = displayHint)]
    pub display_hint: Option<String>,
}

impl Claims {
    pub(crate) fn new(claims: &qrseal_core::Claims) -> Claims {
        Claims {
            subject: claims.subject.to_string(),
            colour: claims.colour.name().into(),
            issued_at: js_seconds(claims.issued_at),
            expires_at: js_seconds(claims.expires_at),
            refresh_at: js_seconds(claims.refresh_at()),
            test_result: claims.test.map(|t| t.result.name().into()),
            test_collected_at: claims.test.map(|t| js_seconds(t.collected_at)),
            doses: claims.vaccination.map(|v| v.doses),
            last_dose_days: claims.vaccination.map(|v| v.last_dose.days_since_epoch()),
            display_hint: claims.display_hint.map(|h| h.as_str().into()),
        }
    }
}

/// Reads a token's claims (either text form) **without verifying its signature**: for the
/// holder's own page, to show colour, dates and hint and to schedule the refresh. Never use
/// it to admit anyone; a scanner verifies. Throws (code `truncated`, `invalid_character`,
/// ...) when the text is not a well-formed token.
#[wasm_bindgen(js_name = readToken)]
pub fn read_token(text: &str) -> Result<Claims, JsValue> {
    let mut buf: TokenBuf = [0; qrseal_core::wire::MAX_TOKEN_LEN];
    let (bytes, _) = text::decode(text, &mut buf).map_err(throw_core)?;
    let token = Token::parse(bytes).map_err(throw_core)?;
    Ok(Claims::new(&token.claims))
}
