//! The fixed keys every vector is made with. Their secrets are published on purpose, so that
//! other hosts can re-sign modified tokens; they must never be trusted outside tests.

use qrseal_issuer::{IssuerKey, SubjectSecret};
use qrseal_verifier::TrustedKey;

/// Seed of the main issuer key.
pub(crate) const ISSUER_SEED: [u8; 32] = *b"qrseal test vectors issuer key 1";
/// Seed of a second issuer key, trusted alongside the first (key rotation with overlap).
pub(crate) const NEXT_SEED: [u8; 32] = *b"qrseal test vectors issuer key 2";
/// Seed of a key no verifier in the vectors trusts.
pub(crate) const UNKNOWN_SEED: [u8; 32] = *b"qrseal test vectors unknown key!";
/// The subject-hashing secret.
pub(crate) const SUBJECT_SECRET: [u8; 32] = *b"qrseal test vectors subject key!";

/// Two seeds, 32 bytes of 0x5c with a little-endian counter in the first 8, whose public keys
/// share a 4-byte key id (found by a birthday search over counters 0..=39150; the generator
/// checks that the ids still collide).
pub(crate) const COLLIDE_COUNTERS: [u64; 2] = [13_342, 39_150];

fn collide_seed(counter: u64) -> [u8; 32] {
    let mut seed = [0x5c; 32];
    seed[..8].copy_from_slice(&counter.to_le_bytes());
    seed
}

/// A named key of the vectors.
pub(crate) struct NamedKey {
    pub(crate) name: &'static str,
    pub(crate) description: &'static str,
    pub(crate) seed: [u8; 32],
}

impl NamedKey {
    pub(crate) fn signing(&self) -> IssuerKey {
        IssuerKey::from_secret_bytes(self.seed)
    }

    /// Plain Ed25519 over `message`: the issuer crate signs only messages it builds itself.
    pub(crate) fn sign(&self, message: &[u8]) -> [u8; 64] {
        raw_sign(self.seed, message)
    }

    pub(crate) fn trusted(&self) -> Result<TrustedKey, String> {
        TrustedKey::from_bytes(&self.signing().public_key())
            .map_err(|e| format!("key {}: {e}", self.name))
    }
}

/// Every key, in the order the files list them.
pub(crate) fn all() -> Vec<NamedKey> {
    vec![
        NamedKey {
            name: "issuer",
            description: "The issuer key that signs almost every case.",
            seed: ISSUER_SEED,
        },
        NamedKey {
            name: "next",
            description: "A second issuer key, trusted alongside `issuer` in the rotation cases.",
            seed: NEXT_SEED,
        },
        NamedKey {
            name: "unknown",
            description: "A key no case trusts (unknown_key).",
            seed: UNKNOWN_SEED,
        },
        NamedKey {
            name: "collide-a",
            description: "Shares its 4-byte key id with collide-b.",
            seed: collide_seed(COLLIDE_COUNTERS[0]),
        },
        NamedKey {
            name: "collide-b",
            description: "Shares its 4-byte key id with collide-a.",
            seed: collide_seed(COLLIDE_COUNTERS[1]),
        },
    ]
}

/// The key called `name`.
pub(crate) fn named(name: &str) -> Result<NamedKey, String> {
    all()
        .into_iter()
        .find(|k| k.name == name)
        .ok_or_else(|| format!("no key called {name}"))
}

/// The subject secret.
pub(crate) fn subject_secret() -> SubjectSecret {
    SubjectSecret::from_bytes(SUBJECT_SECRET)
}

/// Plain Ed25519 over `message` with the key of `seed`, for cases built by hand.
pub(crate) fn raw_sign(seed: [u8; 32], message: &[u8]) -> [u8; 64] {
    use ed25519_dalek::Signer as _;
    ed25519_dalek::SigningKey::from_bytes(&seed)
        .sign(message)
        .to_bytes()
}
