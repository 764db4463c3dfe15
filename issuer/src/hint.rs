//! Display hints from typed text: normalised to NFC before the format's checks.

use qrseal_core::DisplayHint;
use unicode_normalization::UnicodeNormalization;

use crate::Error;

/// A display hint from text as a person or a form typed it: normalised to Unicode NFC, then
/// checked by [`DisplayHint::new`] (at most 32 bytes, at most 4 decimal digits, no control
/// or format character, only NFC-stable characters).
///
/// Verifiers refuse a hint that is not in NFC rather than normalise it (the normalisation
/// tables would take the whole of a scanner's WASM size budget), so `Zoé` typed as `e` and
/// a combining accent must become the precomposed `é` here, at the issuer. Text that stays
/// outside the NFC-stable repertoire even after normalisation (a script written with
/// combining marks, such as Tibetan vowel signs) is refused with
/// [`qrseal_core::Error::NotNfc`].
///
/// ```
/// let hint = qrseal_issuer::display_hint("Zoe\u{301} ****1234")?;
/// assert_eq!(hint.as_str(), "Zo\u{e9} ****1234");
/// assert!(qrseal_issuer::display_hint("张三明 110101199003078888").is_err());
/// # Ok::<(), qrseal_issuer::Error>(())
/// ```
pub fn display_hint(text: &str) -> Result<DisplayHint, Error> {
    let normalised: String = text.nfc().collect();
    Ok(DisplayHint::new(&normalised)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_text_is_normalised_before_the_checks() {
        // Decomposed Latin, conjoining Hangul jamo and a CJK compatibility ideograph all
        // become their NFC forms, which the format accepts.
        for (typed, nfc) in [
            ("Zoe\u{301}", "Zo\u{e9}"),
            ("\u{1112}\u{1161}\u{11AB}", "\u{D55C}"),
            ("\u{F900}*明", "\u{8C48}*明"),
        ] {
            assert_eq!(display_hint(typed).unwrap().as_str(), nfc);
            assert_eq!(
                DisplayHint::new(typed).unwrap_err().code(),
                "not_nfc",
                "{typed:?}"
            );
        }
        // A Tibetan vowel sign has no precomposed form: still refused.
        assert!(matches!(
            display_hint("\u{F40}\u{F72}"),
            Err(Error::Claims(qrseal_core::Error::NotNfc { .. }))
        ));
        assert!(matches!(
            display_hint("****78888"),
            Err(Error::Claims(qrseal_core::Error::TooManyDigits { .. }))
        ));
    }
}
