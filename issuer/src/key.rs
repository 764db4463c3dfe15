//! Issuer signing keys and subject secrets.

use ed25519_dalek::pkcs8::{DecodePrivateKey, EncodePrivateKey, EncodePublicKey};
use ed25519_dalek::{Signer, SigningKey};
use hmac::{KeyInit, Mac};
use qrseal_core::{KeyId, PUBLIC_KEY_LEN, SUBJECT_LEN, SubjectId};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::Error;

/// An issuer's Ed25519 signing key. The secret is wiped from memory when dropped.
pub struct IssuerKey {
    signing: SigningKey,
    key_id: KeyId,
}

impl IssuerKey {
    /// A new random key from the operating system's generator.
    pub fn generate() -> Result<IssuerKey, Error> {
        let mut seed = Zeroizing::new([0u8; 32]);
        getrandom::fill(seed.as_mut()).map_err(|_| Error::Random)?;
        Ok(IssuerKey::from_secret_bytes(*seed))
    }

    /// The key with this 32-byte secret (RFC 8032 seed). For tests and test vectors; real
    /// keys come from [`IssuerKey::generate`].
    pub fn from_secret_bytes(mut secret: [u8; 32]) -> IssuerKey {
        let signing = SigningKey::from_bytes(&secret);
        secret.zeroize();
        let key_id = KeyId::for_public_key(signing.verifying_key().as_bytes());
        IssuerKey { signing, key_id }
    }

    /// The 32-byte public key.
    pub fn public_key(&self) -> [u8; PUBLIC_KEY_LEN] {
        self.signing.verifying_key().to_bytes()
    }

    /// The key id tokens signed by this key carry.
    pub fn key_id(&self) -> KeyId {
        self.key_id
    }

    /// The secret key as PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`), in memory that is wiped
    /// when dropped.
    pub fn to_pkcs8_pem(&self) -> Result<Zeroizing<String>, Error> {
        self.signing
            .to_pkcs8_pem(pem_rfc7468::LineEnding::LF)
            .map_err(|_| Error::KeyEncoding("cannot encode the secret key as PKCS#8"))
    }

    /// Reads a secret key from PKCS#8 PEM.
    pub fn from_pkcs8_pem(pem: &str) -> Result<IssuerKey, Error> {
        let signing = SigningKey::from_pkcs8_pem(pem)
            .map_err(|_| Error::KeyEncoding("not an Ed25519 private key in PKCS#8 PEM"))?;
        let key_id = KeyId::for_public_key(signing.verifying_key().as_bytes());
        Ok(IssuerKey { signing, key_id })
    }

    /// The public key as PEM (`-----BEGIN PUBLIC KEY-----`), for verifiers.
    pub fn public_key_pem(&self) -> Result<String, Error> {
        self.signing
            .verifying_key()
            .to_public_key_pem(pem_rfc7468::LineEnding::LF)
            .map_err(|_| Error::KeyEncoding("cannot encode the public key"))
    }

    /// Signs `message` (plain Ed25519).
    pub fn sign(&self, message: &[u8]) -> [u8; 64] {
        self.signing.sign(message).to_bytes()
    }
}

impl core::fmt::Debug for IssuerKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "IssuerKey({})", self.key_id)
    }
}

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
