//! A row of the shared error table as JavaScript sees it, and the conversions of page
//! arguments (times, byte lengths) that can fail.

use qrseal_core::Timestamp;
use qrseal_verifier::{Code, Language};
use wasm_bindgen::prelude::*;

/// Why a token was refused or denied: a row of qrseal's one error table (docs/SPEC.md,
/// "Errors"), the same code the Rust crate, the C library and the CLI report.
#[wasm_bindgen(getter_with_clone)]
#[derive(Clone, Debug)]
pub struct Reason {
    /// The stable lower-case code, as in the test vectors (`expired`, `bad_signature`,
    /// `colour`, ...).
    pub code: String,
    /// The stable number of the code (100-999).
    pub number: u16,
    /// What a checkpoint does about it: `invalid`, `denied`, `unusable` or `internal`.
    pub category: String,
    /// The table's one-line message in English.
    pub message: String,
    /// The table's one-line message in Simplified Chinese.
    #[wasm_bindgen(js_name = messageZh)]
    pub message_zh: String,
    /// The detailed message of this instance (English), with the numbers it carries.
    pub detail: String,
}

impl Reason {
    /// The row `code` with the detail `detail`. A trait object, not a type parameter: one
    /// copy of this function for every kind of detail would cost the module 1 KB each.
    pub(crate) fn new(code: Code, detail: &dyn core::fmt::Display) -> Reason {
        Reason {
            code: code.as_str().into(),
            number: code.number(),
            category: code.category().to_string(),
            message: code.message(Language::English).into(),
            message_zh: code.message(Language::Chinese).into(),
            detail: detail.to_string(),
        }
    }

    /// Converts the row into a thrown JavaScript `Error` whose message is the detail and
    /// whose `code`, `number`, `category` and `messageZh` properties name the row.
    pub(crate) fn into_js_error(self) -> JsValue {
        let error = js_sys::Error::new(&self.detail);
        let object: &JsValue = error.as_ref();
        let props: [(&str, JsValue); 4] = [
            ("code", self.code.into()),
            ("number", self.number.into()),
            ("category", self.category.into()),
            ("messageZh", self.message_zh.into()),
        ];
        for (name, value) in props {
            // Setting a property on a fresh Error object cannot fail (it is extensible and
            // has no setters); if a host ever refused, the Error would still carry the detail.
            let _ = js_sys::Reflect::set(object, &name.into(), &value);
        }
        error.into()
    }
}

/// The thrown form of a verifier error.
pub(crate) fn throw(e: qrseal_verifier::Error) -> JsValue {
    Reason::new(e.code(), &e).into_js_error()
}

/// The thrown form of a core error.
pub(crate) fn throw_core(e: qrseal_core::Error) -> JsValue {
    Reason::new(Code::from(&e), &e).into_js_error()
}

/// The largest integer a JavaScript `number` holds exactly.
const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_991.0;

/// Whole seconds from a JavaScript `number`: finite, whole, not negative, at most 2^53 - 1.
/// Anything else is `invalid_time` rather than a silently rounded or saturated value.
pub(crate) fn seconds(value: f64, what: &str) -> Result<u64, JsValue> {
    if (0.0..=MAX_SAFE_INTEGER).contains(&value) && value.fract() == 0.0 {
        // In range and whole (checked above), so the cast is exact.
        Ok(value as u64)
    } else {
        Err(Reason::new(
            Code::InvalidTime,
            &format_args!(
                "{what} must be whole seconds between 0 and 2^53 - 1, got {}",
                kind_of(value)
            ),
        )
        .into_js_error())
    }
}

/// What is wrong with a rejected time, in words: printing the `f64` itself would link
/// Rust's float formatting (11 KB of code) into every module for one error message.
fn kind_of(value: f64) -> &'static str {
    if value.is_nan() {
        "NaN"
    } else if value.is_infinite() {
        "an infinity"
    } else if value < 0.0 {
        "a negative number"
    } else if value.fract() != 0.0 {
        "a fraction"
    } else {
        "a number above 2^53 - 1"
    }
}

/// A time argument: Unix seconds as a `number`.
pub(crate) fn timestamp(value: f64, what: &str) -> Result<Timestamp, JsValue> {
    seconds(value, what).map(Timestamp::from_unix)
}

/// A time result as a JavaScript `number`: every timestamp qrseal makes is below 2^53.
pub(crate) fn js_seconds(t: Timestamp) -> f64 {
    t.unix() as f64
}
