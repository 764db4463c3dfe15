//! Subjects in paths and rows: lower-case hex of the keyed subject hash.

use qrseal_core::wire::SUBJECT_LEN;

/// Parses exactly `2 * SUBJECT_LEN` hex digits (either case).
pub fn parse(s: &str) -> Option<[u8; SUBJECT_LEN]> {
    let b = s.as_bytes();
    if b.len() != 2 * SUBJECT_LEN {
        return None;
    }
    let mut out = [0u8; SUBJECT_LEN];
    for (o, pair) in out.iter_mut().zip(b.chunks_exact(2)) {
        let hi = (pair[0] as char).to_digit(16)?;
        let lo = (pair[1] as char).to_digit(16)?;
        // Two hex digits make at most 255.
        *o = u8::try_from(hi * 16 + lo).ok()?;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    #[test]
    fn parses_only_full_hex() {
        let hex = "00112233445566778899aabb";
        assert_eq!(super::parse(hex).unwrap()[11], 0xbb);
        assert_eq!(super::parse(&hex.to_uppercase()).unwrap()[1], 0x11);
        assert!(super::parse(&hex[1..]).is_none());
        assert!(super::parse("0g112233445566778899aabb").is_none());
        assert!(super::parse("é0112233445566778899aab").is_none());
    }
}
