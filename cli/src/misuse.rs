//! What a new user probably meant when the text given as a token is not one: a file name, a
//! whole link, or a QR code holding something else. Only messages: no rule of the format
//! lives here.

use std::path::Path;

use qrseal_core::text::QR_PREFIX;

/// A one-line explanation for token text that failed to decode, if the text shows what went
/// wrong; `from_image` when the text was read from a QR code.
pub(crate) fn hint(text: &str, from_image: bool) -> Option<String> {
    let looks_like_token = text.starts_with(QR_PREFIX)
        || text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if from_image {
        return (!looks_like_token)
            .then(|| format!("not a qrseal code: the QR code holds {:?}", snippet(text)));
    }
    if !text.starts_with(QR_PREFIX) && !text.is_empty() && Path::new(text).is_file() {
        return Some(format!(
            "{text:?} is a file name; TEXT is the token itself. To read it from the file, give \
             `-` and redirect: `- < {text}`"
        ));
    }
    if text.starts_with("https://") || text.starts_with("http://") {
        return Some(match text.split_once('#') {
            Some((_, token)) if !token.is_empty() => format!(
                "this is a whole link; the token is the part after '#': {}",
                snippet(token)
            ),
            _ => "this is a link, not a qrseal token".to_owned(),
        });
    }
    (!looks_like_token).then(|| "not a qrseal code: a token is QS:... or base64url text".to_owned())
}

/// At most 60 characters of `text`, for messages.
fn snippet(text: &str) -> String {
    let mut s: String = text.chars().take(60).collect();
    if s.len() < text.len() {
        s.push('…');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::hint;

    #[test]
    fn names_what_the_text_is() {
        let link = hint("https://example.org/s#AaBb-_", false).unwrap();
        assert!(link.contains("part after '#': AaBb-_"), "{link}");
        assert!(hint("QS:ABC", false).is_none());
        assert!(hint("AaBb-_09", false).is_none());
        let other = hint("WIFI:S:cafe;;", true).unwrap();
        assert!(other.starts_with("not a qrseal code"), "{other}");
        assert!(hint("QS:ABC", true).is_none());
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("token.txt");
        std::fs::write(&file, "QS:ABC").unwrap();
        let named = hint(file.to_str().unwrap(), false).unwrap();
        assert!(named.contains("`- < "), "{named}");
    }
}
