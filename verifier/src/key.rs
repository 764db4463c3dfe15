//! Trusted issuer public keys, parsed and checked once at load.

use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use curve25519_dalek::edwards::EdwardsPoint;
use qrseal_core::lists::{KeyEntry, KeyState, Window};
use qrseal_core::wire::PUBLIC_KEY_LEN;
use qrseal_core::{KeyId, Timestamp};

use crate::signature::decompress_strict;
use crate::{Error, KeyDefect};

/// The DER of an Ed25519 SubjectPublicKeyInfo (RFC 8410, section 4) up to the 32 key bytes:
/// SEQUENCE { SEQUENCE { OID 1.3.101.112 } BIT STRING (no unused bits) }. DER gives a value
/// exactly one encoding and RFC 8410 forbids algorithm parameters, so comparing these bytes is
/// decoding it: a DER/PKCS#8 decoder (13 KB of the WebAssembly verify-only module, whose
/// budget is 50 KB compressed) would accept nothing more.
const ED25519_SPKI_PREFIX: [u8; 12] = [
    0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
];

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
        let not_pem = Error::InvalidKey(KeyDefect::NotPem);
        let der = spki_from_pem(pem).ok_or(not_pem)?;
        match der.split_first_chunk::<{ ED25519_SPKI_PREFIX.len() }>() {
            Some((prefix, key)) if *prefix == ED25519_SPKI_PREFIX => {
                TrustedKey::from_bytes(<&[u8; PUBLIC_KEY_LEN]>::try_from(key).map_err(|_| not_pem)?)
            }
            _ => Err(not_pem),
        }
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

/// The DER bytes of an Ed25519 SubjectPublicKeyInfo.
type SpkiDer = [u8; ED25519_SPKI_PREFIX.len() + PUBLIC_KEY_LEN];

/// The DER in a `PUBLIC KEY` PEM document (RFC 7468) holding an Ed25519 key, accepting the
/// layouts `pem-rfc7468` (used before) accepts, case by case in `tests/verify.rs`: optional text before the document ending in a line
/// feed (no NUL in it), the pre-encapsulation boundary, the base64 text (standard alphabet,
/// padded; lines are 64 characters but the last, so the 60 of an Ed25519 key are one line),
/// perhaps one empty line, the post-encapsulation boundary, at most one line end after it;
/// lines end in CRLF, LF or CR. `None` for anything else.
///
/// Not `pem-rfc7468` itself: its base64 decoder (`base64ct`) would be the WebAssembly
/// module's second one beside `base64`, which qrseal-core uses for the URL form; with the
/// DER and PKCS#8 decoding that came with it, 8 KB of the verify-only module's 50 KB
/// compressed budget.
fn spki_from_pem(pem: &str) -> Option<SpkiDer> {
    const BEGIN: &str = "-----BEGIN PUBLIC KEY-----";
    const END: &str = "-----END PUBLIC KEY-----";
    const ANY_BEGIN: &str = "-----BEGIN ";
    // The text before ends at the first line feed followed by a pre-encapsulation boundary.
    // Line by line rather than `str::find` of that string: the substring searcher is 4 KB of
    // the WebAssembly module.
    let mut doc = pem;
    while !doc.starts_with(ANY_BEGIN) {
        let (line, rest) = doc.split_once('\n')?;
        if line.contains('\0') {
            return None;
        }
        doc = rest;
    }
    let rest = strip_leading_eol(doc.strip_prefix(BEGIN)?)?;
    let rest = strip_trailing_eol(rest).unwrap_or(rest);
    let text = strip_trailing_eol(rest.strip_suffix(END)?)?;
    // One empty line before the post-encapsulation boundary, as pem-rfc7468 allows.
    let text = strip_trailing_eol(text).unwrap_or(text);
    let mut der: SpkiDer = [0; ED25519_SPKI_PREFIX.len() + PUBLIC_KEY_LEN];
    // The decoder refuses line ends, so a text of more than one line is refused here.
    match BASE64_STANDARD.decode_slice(text, &mut der) {
        Ok(n) if n == der.len() => Some(der),
        _ => None,
    }
}

fn strip_leading_eol(s: &str) -> Option<&str> {
    s.strip_prefix("\r\n")
        .or_else(|| s.strip_prefix('\n'))
        .or_else(|| s.strip_prefix('\r'))
}

fn strip_trailing_eol(s: &str) -> Option<&str> {
    s.strip_suffix("\r\n")
        .or_else(|| s.strip_suffix('\n'))
        .or_else(|| s.strip_suffix('\r'))
}

/// Standard base64 with padding required and non-zero trailing bits refused, so that one DER
/// value has exactly one text.
const BASE64_STANDARD: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::RequireCanonical),
);
