//! Base45 (RFC 9285), into and out of caller-provided buffers.
//!
//! Written here rather than taken from the `base45` crate because the verifier decodes on its
//! hot path without allocating, and that crate only returns `Vec`s. The tests check this code
//! against the RFC examples and, for random inputs, against the `base45` crate.

use crate::Error;

/// The 45 characters, in value order. All are QR alphanumeric-mode characters.
pub const ALPHABET: &[u8; 45] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";

const fn build_table() -> [u8; 256] {
    let mut t = [0xffu8; 256];
    let mut i = 0;
    while i < 45 {
        t[ALPHABET[i] as usize] = i as u8;
        i += 1;
    }
    t
}

static VALUES: [u8; 256] = build_table();

/// Length of the base45 text for `n` bytes.
pub const fn encoded_len(n: usize) -> usize {
    n / 2 * 3 + n % 2 * 2
}

/// Encodes `input` into `out`, which must hold at least [`encoded_len`] bytes; returns the
/// number of bytes written. The output is ASCII.
pub fn encode_into(input: &[u8], out: &mut [u8]) -> Result<usize, Error> {
    let n = encoded_len(input.len());
    if out.len() < n {
        return Err(Error::Render("base45 output buffer too small"));
    }
    let mut w = 0;
    let mut pairs = input.chunks_exact(2);
    for pair in &mut pairs {
        put_digits(
            u32::from(pair[0]) << 8 | u32::from(pair[1]),
            &mut out[w..w + 3],
        );
        w += 3;
    }
    if let [last] = pairs.remainder() {
        put_digits(u32::from(*last), &mut out[w..w + 2]);
    }
    Ok(n)
}

// Least significant digit first, as RFC 9285 orders them.
fn put_digits(mut v: u32, dst: &mut [u8]) {
    for d in dst {
        *d = ALPHABET[(v % 45) as usize];
        v /= 45;
    }
}

/// Decodes base45 `text` into `out`; returns the number of bytes written. Rejects characters
/// outside the alphabet, a dangling single character, and groups whose value is too large
/// (so every byte string has exactly one base45 text).
pub fn decode_into(text: &[u8], out: &mut [u8]) -> Result<usize, Error> {
    decode_at(text, out, 0)
}

pub(crate) fn decode_at(text: &[u8], out: &mut [u8], base: usize) -> Result<usize, Error> {
    if text.len() % 3 == 1 {
        return Err(Error::InvalidEncoding {
            offset: base + text.len() - 1,
        });
    }
    let n = text.len() / 3 * 2 + usize::from(text.len() % 3 == 2);
    if out.len() < n {
        return Err(Error::TextTooLong {
            len: text.len(),
            max: encoded_len(out.len()),
        });
    }
    let mut w = 0;
    for (i, group) in text.chunks(3).enumerate() {
        let offset = base + i * 3;
        // Digits come least significant first.
        let mut v = 0u32;
        let mut scale = 1u32;
        for (j, &c) in group.iter().enumerate() {
            let d = VALUES[usize::from(c)];
            if d == 0xff {
                return Err(Error::InvalidCharacter { offset: offset + j });
            }
            v += u32::from(d) * scale;
            scale *= 45;
        }
        if group.len() == 3 {
            if v > 0xffff {
                return Err(Error::InvalidEncoding { offset });
            }
            out[w] = (v >> 8) as u8;
            out[w + 1] = v as u8;
            w += 2;
        } else {
            if v > 0xff {
                return Err(Error::InvalidEncoding { offset });
            }
            out[w] = v as u8;
            w += 1;
        }
    }
    Ok(w)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enc(input: &[u8]) -> alloc::string::String {
        let mut out = [0u8; 64];
        let n = encode_into(input, &mut out).unwrap();
        alloc::string::String::from_utf8(out[..n].to_vec()).unwrap()
    }

    fn dec(text: &str) -> Result<alloc::vec::Vec<u8>, Error> {
        let mut out = [0u8; 64];
        decode_into(text.as_bytes(), &mut out).map(|n| out[..n].to_vec())
    }

    #[test]
    fn rfc9285_examples() {
        assert_eq!(enc(b"AB"), "BB8");
        assert_eq!(enc(b"Hello!!"), "%69 VD92EX0");
        assert_eq!(enc(b"base-45"), "UJCLQE7W581");
        assert_eq!(dec("BB8").unwrap(), b"AB");
        assert_eq!(dec("%69 VD92EX0").unwrap(), b"Hello!!");
        assert_eq!(dec("UJCLQE7W581").unwrap(), b"base-45");
        assert_eq!(dec("QED8WEX0").unwrap(), b"ietf!");
    }

    #[test]
    fn rejects_out_of_range_and_foreign_characters() {
        assert_eq!(dec("GGW"), Err(Error::InvalidEncoding { offset: 0 }));
        assert_eq!(dec("BB8GGW"), Err(Error::InvalidEncoding { offset: 3 }));
        assert_eq!(dec(":::"), Err(Error::InvalidEncoding { offset: 0 }));
        assert_eq!(dec("BB8a"), Err(Error::InvalidEncoding { offset: 3 }));
        assert_eq!(dec("BBb"), Err(Error::InvalidCharacter { offset: 2 }));
        assert_eq!(dec("B"), Err(Error::InvalidEncoding { offset: 0 }));
        // Two-character group above 255.
        assert_eq!(dec("::"), Err(Error::InvalidEncoding { offset: 0 }));
        assert_eq!(dec("").unwrap(), b"");
    }

    #[test]
    fn agrees_with_the_base45_crate() {
        // A fixed xorshift stream: reproducible, covers every length up to 40.
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        for len in 0..40 {
            for _ in 0..50 {
                let mut data = [0u8; 40];
                for b in data.iter_mut().take(len) {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    *b = x as u8;
                }
                let ours = enc(&data[..len]);
                assert_eq!(ours, base45::encode(&data[..len]));
                assert_eq!(dec(&ours).unwrap(), &data[..len]);
            }
        }
    }
}
