//! Issuer signing keys and subject secrets.

use ed25519_dalek::pkcs8::{DecodePrivateKey, EncodePrivateKey, EncodePublicKey};
use ed25519_dalek::{Signer, SigningKey};
use hmac::{KeyInit, Mac};
use qrseal_core::wire::{PUBLIC_KEY_LEN, SUBJECT_LEN};
use qrseal_core::{KeyId, SubjectId};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::Error;

/// The Ed25519 key pair inside [`IssuerKey`] and [`RootKey`]. The secret is wiped from
/// memory when dropped (`SigningKey` zeroizes itself).
struct KeyPair {
    signing: SigningKey,
    key_id: KeyId,
}

impl KeyPair {
    fn generate() -> Result<KeyPair, Error> {
        let mut seed = Zeroizing::new([0u8; 32]);
        getrandom::fill(seed.as_mut()).map_err(|_| Error::Random)?;
        Ok(KeyPair::from_secret_bytes(*seed))
    }

    fn from_secret_bytes(mut secret: [u8; 32]) -> KeyPair {
        let signing = SigningKey::from_bytes(&secret);
        secret.zeroize();
        let key_id = KeyId::for_public_key(signing.verifying_key().as_bytes());
        KeyPair { signing, key_id }
    }

    fn to_pkcs8_pem(&self) -> Result<Zeroizing<String>, Error> {
        self.signing
            .to_pkcs8_pem(pem_rfc7468::LineEnding::LF)
            .map_err(|_| Error::KeyEncoding("cannot encode the secret key as PKCS#8"))
    }

    fn from_pkcs8_pem(pem: &str) -> Result<KeyPair, Error> {
        let signing = SigningKey::from_pkcs8_pem(pem)
            .map_err(|_| Error::KeyEncoding("not an Ed25519 private key in PKCS#8 PEM"))?;
        let key_id = KeyId::for_public_key(signing.verifying_key().as_bytes());
        Ok(KeyPair { signing, key_id })
    }

    fn public_key_pem(&self) -> Result<String, Error> {
        self.signing
            .verifying_key()
            .to_public_key_pem(pem_rfc7468::LineEnding::LF)
            .map_err(|_| Error::KeyEncoding("cannot encode the public key"))
    }
}

/// Signing raw bytes stays inside this crate: every signature it makes is over a
/// domain-separated message (a token, a trust list, a revocation list) built here, so no
/// caller can make a key sign something that verifies as one of those.
pub(crate) trait Sign {
    /// Plain Ed25519 over `message`.
    fn sign(&self, message: &[u8]) -> [u8; 64];
}

macro_rules! key_type {
    ($(#[$doc:meta])* $name:ident, $what:literal) => {
        $(#[$doc])*
        pub struct $name(KeyPair);

        impl $name {
            #[doc = concat!("A new random ", $what, " from the operating system's generator.")]
            pub fn generate() -> Result<$name, Error> {
                KeyPair::generate().map($name)
            }

            #[doc = concat!("The ", $what, " with this 32-byte secret (RFC 8032 seed). For \
                tests and test vectors; real keys come from [`", stringify!($name),
                "::generate`].")]
            pub fn from_secret_bytes(secret: [u8; 32]) -> $name {
                $name(KeyPair::from_secret_bytes(secret))
            }

            /// The 32-byte public key.
            pub fn public_key(&self) -> [u8; PUBLIC_KEY_LEN] {
                self.0.signing.verifying_key().to_bytes()
            }

            /// The key id of the public key.
            pub fn key_id(&self) -> KeyId {
                self.0.key_id
            }

            /// The secret key as PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`), in memory that
            /// is wiped when dropped.
            pub fn to_pkcs8_pem(&self) -> Result<Zeroizing<String>, Error> {
                self.0.to_pkcs8_pem()
            }

            /// Reads a secret key from PKCS#8 PEM.
            pub fn from_pkcs8_pem(pem: &str) -> Result<$name, Error> {
                KeyPair::from_pkcs8_pem(pem).map($name)
            }

            /// The public key as PEM (`-----BEGIN PUBLIC KEY-----`), for verifiers.
            pub fn public_key_pem(&self) -> Result<String, Error> {
                self.0.public_key_pem()
            }
        }

        impl Sign for $name {
            fn sign(&self, message: &[u8]) -> [u8; 64] {
                self.0.signing.sign(message).to_bytes()
            }
        }

        impl core::fmt::Debug for $name {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                write!(f, concat!(stringify!($name), "({})"), self.0.key_id)
            }
        }
    };
}

key_type!(
    /// An issuer's Ed25519 signing key: signs tokens ([`crate::Issuer`]) and revocation
    /// lists ([`crate::publish::sign_full_revocations`], [`crate::publish::sign_revocation_delta`]), never trust lists. The secret is wiped
    /// from memory when dropped.
    ///
    /// It signs only messages this crate builds; there is no "sign these bytes":
    ///
    /// ```compile_fail
    /// let key = qrseal_issuer::IssuerKey::from_secret_bytes([1; 32]);
    /// key.sign(b"anything"); // error: no method `sign`
    /// ```
    IssuerKey,
    "issuer key"
);

key_type!(
    /// The root's Ed25519 signing key, kept offline: signs trust lists
    /// ([`crate::publish::sign_trust_list`]) and nothing else. A type of its own, so that an
    /// issuer key cannot sign a trust list nor the root a token. The secret is wiped from
    /// memory when dropped.
    ///
    /// ```compile_fail
    /// use qrseal_issuer::{Issuer, RootKey, SubjectSecret};
    /// let root = RootKey::from_secret_bytes([1; 32]);
    /// Issuer::new(root, SubjectSecret::from_bytes([2; 32])); // error: expected `IssuerKey`
    /// ```
    RootKey,
    "root key"
);

/// The secret that keys subject hashing. ID numbers are low-entropy (region, birth date,
/// sequence, check digit: about 10^10 candidates a birth year), so an unkeyed hash would
/// be reversed by brute force in minutes; keyed with this secret, which never leaves the
/// issuer, the hash reveals nothing. Wiped from memory when dropped.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct SubjectSecret([u8; 32]);

/// PEM label of a subject secret file.
const SUBJECT_PEM_LABEL: &str = "QRSEAL SUBJECT SECRET";

/// The longest ID number accepted, in characters.
pub const MAX_ID_NUMBER_LEN: usize = 64;

impl SubjectSecret {
    /// A new random secret.
    pub fn generate() -> Result<SubjectSecret, Error> {
        let mut s = SubjectSecret([0u8; 32]);
        getrandom::fill(&mut s.0).map_err(|_| Error::Random)?;
        Ok(s)
    }

    /// The secret with these bytes (for tests and test vectors).
    pub fn from_bytes(bytes: [u8; 32]) -> SubjectSecret {
        SubjectSecret(bytes)
    }

    /// PEM (`-----BEGIN QRSEAL SUBJECT SECRET-----`), in memory wiped when dropped.
    pub fn to_pem(&self) -> Result<Zeroizing<String>, Error> {
        pem_rfc7468::encode_string(SUBJECT_PEM_LABEL, pem_rfc7468::LineEnding::LF, &self.0)
            .map(Zeroizing::new)
            .map_err(|_| Error::KeyEncoding("cannot encode the subject secret"))
    }

    /// Reads a secret written by [`SubjectSecret::to_pem`].
    pub fn from_pem(pem: &str) -> Result<SubjectSecret, Error> {
        let (label, bytes) = pem_rfc7468::decode_vec(pem.as_bytes())
            .map_err(|_| Error::KeyEncoding("subject secret is not valid PEM"))?;
        let bytes = Zeroizing::new(bytes);
        if label != SUBJECT_PEM_LABEL {
            return Err(Error::KeyEncoding(
                "PEM block is not a QRSEAL SUBJECT SECRET",
            ));
        }
        let arr: [u8; 32] = bytes
            .as_slice()
            .try_into()
            .map_err(|_| Error::KeyEncoding("subject secret must be 32 bytes"))?;
        Ok(SubjectSecret(arr))
    }

    /// The subject id for an ID number: the first 12 bytes of
    /// HMAC-SHA256(secret, `qrseal/v1/subject` || normalised ID). Normalising trims
    /// surrounding white space and upper-cases ASCII letters (the check character `x` of a
    /// Chinese resident ID is the same as `X`); what remains must be 1 to 64 ASCII letters
    /// and digits.
    pub fn subject_for(&self, id_number: &str) -> Result<SubjectId, Error> {
        let id = id_number.trim();
        if id.is_empty() {
            return Err(Error::InvalidIdNumber("empty"));
        }
        if id.len() > MAX_ID_NUMBER_LEN {
            return Err(Error::InvalidIdNumber("longer than 64 characters"));
        }
        if !id.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(Error::InvalidIdNumber(
                "only ASCII letters and digits are allowed",
            ));
        }
        let mut normalised = Zeroizing::new([0u8; MAX_ID_NUMBER_LEN]);
        for (d, s) in normalised.iter_mut().zip(id.bytes()) {
            *d = s.to_ascii_uppercase();
        }
        // Any key length is valid for HMAC.
        let mut mac = <hmac::Hmac<sha2::Sha256> as KeyInit>::new_from_slice(&self.0)
            .map_err(|_| Error::KeyEncoding("subject secret rejected by HMAC"))?;
        mac.update(b"qrseal/v1/subject");
        mac.update(&normalised[..id.len()]);
        let tag = mac.finalize().into_bytes();
        let mut subject = [0u8; SUBJECT_LEN];
        subject.copy_from_slice(&tag[..SUBJECT_LEN]);
        Ok(SubjectId(subject))
    }
}

impl core::fmt::Debug for SubjectSecret {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("SubjectSecret(..)")
    }
}

#[cfg(test)]
mod signing_tests {
    use super::Sign as _;

    #[test]
    fn signing_matches_the_rfc8032_sign_input_vectors() {
        let data = include_str!("../tests/data/ed25519-sign-input.txt");
        let mut n = 0;
        for line in data.lines().filter(|l| !l.is_empty()) {
            let fields: Vec<&str> = line.split(':').collect();
            let secret = hex::decode(&fields[0][..64]).unwrap();
            let public = hex::decode(fields[1]).unwrap();
            let message = hex::decode(fields[2]).unwrap();
            let signature = hex::decode(&fields[3][..128]).unwrap();
            let key = super::IssuerKey::from_secret_bytes(secret.try_into().unwrap());
            assert_eq!(key.public_key().to_vec(), public, "line {n}");
            assert_eq!(key.sign(&message).to_vec(), signature, "line {n}");
            n += 1;
        }
        assert_eq!(n, 128);
    }
}
