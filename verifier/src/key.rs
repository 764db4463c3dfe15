//! Trusted issuer public keys, parsed and checked once at load.

use curve25519_dalek::edwards::EdwardsPoint;
use qrseal_core::{KeyId, PUBLIC_KEY_LEN};

use crate::Error;
use crate::signature::decompress_strict;

/// An issuer public key a verifier trusts, decompressed and checked once so that verifying a
/// token does no key parsing.
#[derive(Clone, Debug)]
pub struct TrustedKey {
    key_id: KeyId,
    public_key: [u8; PUBLIC_KEY_LEN],
    // -A, the form the verification equation uses.
    minus_a: EdwardsPoint,
}

impl TrustedKey {
    /// Accepts a 32-byte Ed25519 public key if it is a canonical encoding of a point that is
    /// not of small order (a small-order key would let anyone forge signatures).
    pub fn from_bytes(public_key: &[u8; PUBLIC_KEY_LEN]) -> Result<TrustedKey, Error> {
        let point = decompress_strict(public_key).ok_or(Error::InvalidKey(
            "not a canonical Ed25519 point of large order",
        ))?;
        Ok(TrustedKey {
            key_id: KeyId::for_public_key(public_key),
            public_key: *public_key,
            minus_a: -point,
        })
    }

    /// Reads a public key from PEM (`-----BEGIN PUBLIC KEY-----`, SubjectPublicKeyInfo), as
    /// written by `qrseal keygen` to `issuer.pub`.
    pub fn from_public_key_pem(pem: &str) -> Result<TrustedKey, Error> {
        use ed25519_dalek::pkcs8::DecodePublicKey;
        let key = ed25519_dalek::VerifyingKey::from_public_key_pem(pem)
            .map_err(|_| Error::InvalidKey("not an Ed25519 public key in PEM"))?;
        TrustedKey::from_bytes(key.as_bytes())
    }

    /// The key id tokens signed by this key carry.
    pub fn key_id(&self) -> KeyId {
        self.key_id
    }

    /// The 32-byte public key.
    pub fn public_key(&self) -> &[u8; PUBLIC_KEY_LEN] {
        &self.public_key
    }

    pub(crate) fn minus_a(&self) -> &EdwardsPoint {
        &self.minus_a
    }
}
