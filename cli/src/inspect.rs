//! `qrseal inspect`: decode a token and show every field, without verifying anything.

use qrseal_core::Token;
use qrseal_core::text::{self, TextForm};
use qrseal_core::wire::MAX_TOKEN_LEN;
use serde_json::json;

use crate::args::InspectArgs;
use crate::fail::{Exit, Failure, Outcome};
use crate::files::{out, token_text};
use crate::misuse;
use crate::show::{claims_json, field, json_line, test_text, vaccination_text};
use crate::verify::read_image;

const WARNING: &str = "NOT VERIFIED: decoded without checking the signature or the dates";

pub(crate) fn run(args: &InspectArgs) -> Outcome {
    let (input, from_image) = match (&args.text, &args.image) {
        (Some(text), _) => (token_text(text)?, false),
        (None, Some(path)) => (
            read_image(path)?
                .map_err(|e| Failure::coded(e.code(), format!("{e} ({})", e.code())))?,
            true,
        ),
        (None, None) => return Err(Failure::usage("give the token TEXT or --image FILE")),
    };
    let mut buf = [0u8; MAX_TOKEN_LEN];
    let (bytes, form) = text::decode(&input, &mut buf).map_err(|e| {
        let hint = misuse::hint(&input, from_image).map_or(String::new(), |h| format!("; {h}"));
        Failure::rejected(format!("not a qrseal token: {e} ({}){hint}", e.code()))
    })?;
    let token = Token::parse(bytes)
        .map_err(|e| Failure::rejected(format!("malformed token: {e} ({})", e.code())))?;
    // Token::parse has checked the version byte, the first byte of the body.
    let version = token.body.first().copied().unwrap_or_default();
    let form_name = match form {
        TextForm::Qr => "qr",
        TextForm::Url => "url",
    };
    let c = &token.claims;
    if args.json {
        let mut obj = json!({
            "verified": false,
            "warning": WARNING,
            "version": version,
            "key_id": token.key_id.to_string(),
            "token_bytes": bytes.len(),
            "form": form_name,
            "text_chars": input.chars().count(),
            "qr_text": text::encode_qr(bytes),
            "url_text": text::encode_url(bytes),
        });
        if let (Some(obj), serde_json::Value::Object(claims)) =
            (obj.as_object_mut(), claims_json(c))
        {
            obj.extend(claims);
        }
        out(&json_line(&obj))?;
        return Ok(Exit::Ok);
    }
    let form_text = match form {
        TextForm::Qr => "QR (QS: + base45)",
        TextForm::Url => "URL (base64url)",
    };
    out(&[
        format!("{WARNING}; use `qrseal verify` to check it.\n"),
        field("version", version),
        field("key id", token.key_id),
        field("subject", c.subject),
        field("colour", c.colour),
        field("test", test_text(c.test)),
        field("vaccination", vaccination_text(c.vaccination)),
        field("issued at", c.issued_at),
        field("expires at", c.expires_at),
        field("refresh at", c.refresh_at()),
        field(
            "display hint",
            c.display_hint.as_ref().map_or("none", |h| h.as_str()),
        ),
        field("token length", format!("{} bytes", bytes.len())),
        field(
            "text form",
            format!("{form_text}, {} characters", input.chars().count()),
        ),
        field("QR text", text::encode_qr(bytes)),
        field("URL text", text::encode_url(bytes)),
    ]
    .concat())?;
    Ok(Exit::Ok)
}
