//! The Ed25519 verification rule qrseal uses, shared by single and batch verification.
//!
//! A signature `(R, s)` by public key `A` on message `M` is accepted when:
//! 1. `A` is a canonical encoding (y < p) of a point that is not of small order (checked once,
//!    when the key is loaded: [`crate::TrustedKey::from_bytes`]);
//! 2. `R` is a canonical encoding of a point that is not of small order;
//! 3. `s` is canonical (s < l);
//! 4. `[8]([s]B - R - [k]A)` is the identity, where `k = SHA-512(R || A || M) mod l`.
//!
//! That is RFC 8032's cofactored equation with `verify_strict`'s rejection of small-order
//! points and non-canonical encodings. The cofactored equation is used, not the cofactorless
//! one `verify_strict` checks, because it is the only one a random-linear-combination batch
//! can decide exactly: with the cofactorless equation a batch wrongly accepts a signature
//! whose error is a torsion point with probability up to 1/2, and ruling that out costs a
//! scalar multiplication per signature (measured: ~30 us, more than the batch saves). The two
//! equations agree on every signature an honest signer produces. docs/SPEC.md states the
//! rule and testvectors/ed25519 shows it vector by vector.

use alloc::vec::Vec;

use curve25519_dalek::edwards::{CompressedEdwardsY, EdwardsPoint};
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::{IsIdentity, VartimeMultiscalarMul};
use sha2::{Digest, Sha512};

use crate::TrustedKey;

/// Decompresses a point, rejecting non-canonical encodings and points of small order.
pub(crate) fn decompress_strict(bytes: &[u8; 32]) -> Option<EdwardsPoint> {
    // y is canonical iff, with the sign bit cleared, it is below p = 2^255 - 19. The other
    // non-canonical encodings (x = 0 with the sign bit set) are of the two small-order
    // points y = 1 and y = -1, rejected below.
    let y_at_least_p =
        bytes[31] & 0x7f == 0x7f && bytes[1..31].iter().all(|&b| b == 0xff) && bytes[0] >= 0xed;
    if y_at_least_p {
        return None;
    }
    let point = CompressedEdwardsY(*bytes).decompress()?;
    if point.is_small_order() {
        return None;
    }
    Some(point)
}

/// A signature checked for encoding, with its challenge computed: the parts of the rule
/// that do not involve the curve equation.
pub(crate) struct Prepared {
    // R as received: canonical (decompress_strict checked), so hashing these bytes is hashing
    // R, without the field inversion that recompressing the point would cost.
    r_bytes: [u8; 32],
    r: EdwardsPoint,
    s: Scalar,
    k: Scalar,
}

impl Prepared {
    /// Checks the encodings of `R` and `s` and computes `k` over the message `parts`.
    pub(crate) fn new(key: &TrustedKey, parts: &[&[u8]], signature: &[u8; 64]) -> Option<Self> {
        let mut r_bytes = [0u8; 32];
        r_bytes.copy_from_slice(&signature[..32]);
        let mut s_bytes = [0u8; 32];
        s_bytes.copy_from_slice(&signature[32..]);
        let s = Option::<Scalar>::from(Scalar::from_canonical_bytes(s_bytes))?;
        let r = decompress_strict(&r_bytes)?;
        let mut h = Sha512::new();
        h.update(r_bytes);
        h.update(key.public_key());
        for part in parts {
            h.update(part);
        }
        let mut wide = [0u8; 64];
        wide.copy_from_slice(&h.finalize());
        Some(Prepared {
            r_bytes,
            r,
            s,
            k: Scalar::from_bytes_mod_order_wide(&wide),
        })
    }

    /// The single-signature check: `[8]([s]B - [k]A - R) == 0`.
    pub(crate) fn verify(&self, key: &TrustedKey) -> bool {
        let r_prime =
            EdwardsPoint::vartime_double_scalar_mul_basepoint(&self.k, key.minus_a(), &self.s);
        (r_prime - self.r).mul_by_cofactor().is_identity()
    }
}

/// Checks one signature on `message` (plain Ed25519, no qrseal domain) under the rule above.
pub fn verify(key: &TrustedKey, message: &[u8], signature: &[u8; 64]) -> bool {
    verify_parts(key, &[message], signature)
}

/// [`verify`] for a message given in parts (a domain string, then a body), hashed in place.
pub(crate) fn verify_parts(key: &TrustedKey, parts: &[&[u8]], signature: &[u8; 64]) -> bool {
    Prepared::new(key, parts, signature).is_some_and(|p| p.verify(key))
}

/// Checks many signatures at once under the same rule; `true` only if every one is valid.
/// Accepts exactly the sets in which [`verify`] accepts every member (up to a 2^-128
/// chance, over the batch coefficients, of accepting a set with an invalid member).
pub fn verify_batch(items: &[(&TrustedKey, &[u8], &[u8; 64])]) -> bool {
    let mut prepared = Vec::with_capacity(items.len());
    for (key, message, signature) in items {
        match Prepared::new(key, &[message], signature) {
            Some(p) => prepared.push((*key, p)),
            None => return false,
        }
    }
    batch_equation(&prepared)
}

/// The batch equation over prepared signatures:
/// `[8]( (sum z_i s_i) B - sum z_i R_i - sum_A (sum_{i: A_i = A} z_i k_i) A ) == 0`
/// with 128-bit coefficients `z_i` derived by hashing every input, so the result is
/// reproducible and cannot be steered by choosing inputs. Signatures by the same key share
/// one `A` term, so a batch from a few issuer keys costs about one scalar multiplication by
/// a 128-bit scalar per signature.
pub(crate) fn batch_equation(items: &[(&TrustedKey, Prepared)]) -> bool {
    if items.is_empty() {
        return true;
    }
    let mut transcript = Sha512::new();
    transcript.update(b"qrseal/v1/batch");
    for (key, p) in items {
        transcript.update(key.public_key());
        transcript.update(p.r_bytes);
        transcript.update(p.s.as_bytes());
        transcript.update(p.k.as_bytes());
    }
    let seed = transcript.finalize();

    let mut b_coefficient = Scalar::ZERO;
    let mut scalars: Vec<Scalar> = Vec::with_capacity(items.len() + 4);
    let mut points: Vec<EdwardsPoint> = Vec::with_capacity(items.len() + 4);
    // (index into `scalars` of this key's A term, key) for each distinct key.
    let mut key_terms: Vec<(usize, &TrustedKey)> = Vec::new();
    for (i, (key, p)) in items.iter().enumerate() {
        let z = coefficient(&seed, i as u64);
        b_coefficient += z * p.s;
        scalars.push(-z);
        points.push(p.r);
        let zk = z * p.k;
        match key_terms
            .iter()
            .find(|(_, k)| core::ptr::eq(*k, *key) || k.public_key() == key.public_key())
        {
            Some((slot, _)) => scalars[*slot] += zk,
            None => {
                key_terms.push((scalars.len(), key));
                scalars.push(zk);
                points.push(*key.minus_a());
            }
        }
    }
    scalars.push(b_coefficient);
    points.push(curve25519_dalek::constants::ED25519_BASEPOINT_POINT);
    EdwardsPoint::vartime_multiscalar_mul(&scalars, &points)
        .mul_by_cofactor()
        .is_identity()
}

fn coefficient(seed: &[u8], i: u64) -> Scalar {
    let digest = Sha512::new()
        .chain_update(seed)
        .chain_update(i.to_le_bytes())
        .finalize();
    let mut z = [0u8; 32];
    z[..16].copy_from_slice(&digest[..16]);
    Scalar::from_bytes_mod_order(z)
}
