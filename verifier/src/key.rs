//! Trusted issuer public keys, parsed and checked once at load.

use curve25519_dalek::edwards::EdwardsPoint;
use qrseal_core::lists::{KeyEntry, KeyState, Window};
use qrseal_core::wire::PUBLIC_KEY_LEN;
use qrseal_core::{KeyId, Timestamp};

use crate::signature::decompress_strict;
use crate::{Error, KeyDefect};

/// An issuer public key a verifier trusts, decompressed and checked once so that verifying a
/// token does no key parsing.
///
/// A key built from bytes or PEM is trusted at all times; one built from a trust-list entry
/// ([`TrustedKey::from_entry`]) carries that entry's signing and acceptance windows and its
/// compromise time, which [`crate::Verifier`] enforces.
#[derive(Clone, Debug)]
pub struct TrustedKey {
    key_id: KeyId,
    public_key: [u8; PUBLIC_KEY_LEN],
    // -A, the form the verification equation uses.
    minus_a: EdwardsPoint,
    signing: Window,
    accepting: Window,
    compromised_since: Option<Timestamp>,
}

impl TrustedKey {
    /// Accepts a 32-byte Ed25519 public key if it is a canonical encoding of a point that is
    /// not of small order (a small-order key would let anyone forge signatures).
    pub fn from_bytes(public_key: &[u8; PUBLIC_KEY_LEN]) -> Result<TrustedKey, Error> {
        let point = decompress_strict(public_key).ok_or(Error::InvalidKey(KeyDefect::Weak))?;
        Ok(TrustedKey {
            key_id: KeyId::for_public_key(public_key),
            public_key: *public_key,
            minus_a: -point,
            signing: Window::ALWAYS,
            accepting: Window::ALWAYS,
            compromised_since: None,
        })
    }

    /// Accepts the key of a trust-list entry (see [`TrustedKey::from_bytes`]) with the
    /// entry's windows and state.
    pub fn from_entry(entry: &KeyEntry) -> Result<TrustedKey, Error> {
        let mut key = TrustedKey::from_bytes(&entry.public_key)?;
        key.signing = entry.signing;
        key.accepting = entry.accepting;
        key.compromised_since = match entry.state {
            KeyState::Compromised { since } => Some(since),
            KeyState::Active | KeyState::Retired => None,
        };
        Ok(key)
    }

    /// Whether this key vouches for a token issued at `issued_at`, checked at `now` with
    /// `skew` seconds of tolerance on the acceptance window. Compromise is checked without
    /// tolerance: from the stated instant the key verifies nothing, and nothing it signed
    /// claiming a later issue time.
    pub(crate) fn allows(
        &self,
        issued_at: Timestamp,
        now: Timestamp,
        skew: u64,
    ) -> Result<(), Error> {
        if let Some(since) = self.compromised_since
            && (now >= since || issued_at >= since)
        {
            return Err(Error::KeyCompromised {
                key_id: self.key_id,
                since,
            });
        }
        let a = self.accepting;
        if now.saturating_add(skew) < a.from || now >= a.until.saturating_add(skew) {
            return Err(Error::KeyNotAccepted(self.key_id));
        }
        if !self.signing.contains(issued_at) {
            return Err(Error::OutsideSigningWindow(self.key_id));
        }
        Ok(())
    }

    /// Reads a public key from PEM (`-----BEGIN PUBLIC KEY-----`, SubjectPublicKeyInfo), as
    /// written by `qrseal keygen` to `issuer.pub`.
    pub fn from_public_key_pem(pem: &str) -> Result<TrustedKey, Error> {
        use ed25519_dalek::pkcs8::DecodePublicKey;
        let key = ed25519_dalek::VerifyingKey::from_public_key_pem(pem)
            .map_err(|_| Error::InvalidKey(KeyDefect::NotPem))?;
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

    /// When the key may sign (every time, for a key not from a trust list).
    pub fn signing_window(&self) -> Window {
        self.signing
    }

    /// When tokens signed by the key are accepted (every time, for a key not from a trust
    /// list).
    pub fn acceptance_window(&self) -> Window {
        self.accepting
    }

    /// When the key was compromised, if the trust list says it was.
    pub fn compromised_since(&self) -> Option<Timestamp> {
        self.compromised_since
    }

    pub(crate) fn minus_a(&self) -> &EdwardsPoint {
        &self.minus_a
    }
}
