//! An independent, byte-level writer of v1 token bodies, written from docs/SPEC.md rather
//! than through postcard, so that malformed bodies can be built field by field and so that
//! the generator can check that the library's encoder and the spec agree on every valid body.

use qrseal_core::{Claims, Colour, KeyId, TestResult};

/// Unsigned LEB128: seven bits a byte, least significant group first, high bit set on every
/// byte but the last. This is postcard's varint.
pub(crate) fn varint(mut v: u64) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let low = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(low);
            return out;
        }
        out.push(low | 0x80);
    }
}

/// `v` as a varint stretched to `len` bytes with redundant zero groups: decodes to the same
/// value, but is not the canonical (shortest) encoding.
pub(crate) fn overlong_varint(v: u64, len: usize) -> Vec<u8> {
    let mut out = varint(v);
    while out.len() < len {
        if let Some(last) = out.last_mut() {
            *last |= 0x80;
        }
        out.push(0);
    }
    out
}

/// The fields of a token body as raw bytes, in wire order. Each field can be replaced to
/// build a body with exactly one defect.
#[derive(Clone, Debug)]
pub(crate) struct Parts {
    pub(crate) version: Vec<u8>,
    pub(crate) key_id: Vec<u8>,
    pub(crate) subject: Vec<u8>,
    pub(crate) colour: Vec<u8>,
    pub(crate) issued_at: Vec<u8>,
    pub(crate) validity: Vec<u8>,
    pub(crate) test: Vec<u8>,
    pub(crate) vaccination: Vec<u8>,
    pub(crate) display_hint: Vec<u8>,
}

impl Parts {
    /// The canonical encoding of `claims` under `key_id`. Assumes the claims are encodable
    /// (the generator checks the result against `qrseal_core::wire::encode_body`).
    pub(crate) fn of(key_id: KeyId, claims: &Claims) -> Parts {
        let issued = claims.issued_at.unix();
        let colour = match claims.colour {
            Colour::Green => 0,
            Colour::Yellow => 1,
            Colour::Red => 2,
            Colour::DarkRed => 3,
        };
        let test = match claims.test {
            None => vec![0],
            Some(t) => {
                let tag = match t.result {
                    TestResult::Negative => 1,
                    TestResult::Positive => 2,
                    TestResult::Pending => 3,
                };
                let mut v = varint(tag);
                v.extend(varint(issued - t.collected_at.unix()));
                v
            }
        };
        let vaccination = match claims.vaccination {
            None => vec![0],
            Some(v) => {
                let mut out = vec![1, v.doses];
                out.extend(varint(u64::from(v.last_dose.days_since_epoch())));
                out
            }
        };
        let display_hint = match &claims.display_hint {
            None => vec![0],
            Some(h) => hint_bytes(h.as_str().as_bytes()),
        };
        Parts {
            version: vec![1],
            key_id: key_id.0.to_vec(),
            subject: claims.subject.0.to_vec(),
            colour: varint(colour),
            issued_at: u32::try_from(issued)
                .unwrap_or(u32::MAX)
                .to_le_bytes()
                .to_vec(),
            validity: varint(claims.expires_at.unix() - issued),
            test,
            vaccination,
            display_hint,
        }
    }

    /// The fields in order, with their names (as `qrseal_core::Field::name` spells them).
    pub(crate) fn fields(&self) -> [(&'static str, &[u8]); 9] {
        [
            ("version", &self.version),
            ("key_id", &self.key_id),
            ("subject", &self.subject),
            ("colour", &self.colour),
            ("issued_at", &self.issued_at),
            ("validity", &self.validity),
            ("test", &self.test),
            ("vaccination", &self.vaccination),
            ("display_hint", &self.display_hint),
        ]
    }

    /// Byte offset at which the named field starts.
    pub(crate) fn offset_of(&self, field: &str) -> usize {
        self.fields()
            .iter()
            .take_while(|(name, _)| *name != field)
            .map(|(_, bytes)| bytes.len())
            .sum()
    }

    /// The body: every field concatenated.
    pub(crate) fn body(&self) -> Vec<u8> {
        self.fields()
            .iter()
            .flat_map(|(_, b)| b.iter())
            .copied()
            .collect()
    }
}

/// A present display hint: option tag 1, varint length, the bytes.
pub(crate) fn hint_bytes(text: &[u8]) -> Vec<u8> {
    let mut out = vec![1];
    out.extend(varint(text.len() as u64));
    out.extend_from_slice(text);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varints() {
        assert_eq!(varint(0), [0]);
        assert_eq!(varint(127), [0x7f]);
        assert_eq!(varint(128), [0x80, 0x01]);
        assert_eq!(varint((1 << 21) - 1), [0xff, 0xff, 0x7f]);
        assert_eq!(varint(1 << 21), [0x80, 0x80, 0x80, 0x01]);
        assert_eq!(varint(u64::from(u32::MAX)), [0xff, 0xff, 0xff, 0xff, 0x0f]);
        assert_eq!(overlong_varint(1, 2), [0x81, 0x00]);
        assert_eq!(overlong_varint(128, 3), [0x80, 0x81, 0x00]);
    }
}
