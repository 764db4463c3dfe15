//! Publishing trust data: trust lists signed by the root key, revocation lists signed by an
//! issuer key, and the trust-list change a key rotation makes.

use qrseal_core::MAX_VALIDITY_SECS;
use qrseal_core::lists::{
    KeyEntry, KeyState, ListInfo, REVOCATION_LIST_DOMAIN, Revocation, RevocationKind,
    TRUST_LIST_DOMAIN, Window, encode_revocation_list, encode_trust_list,
};
use qrseal_core::{PUBLIC_KEY_LEN, Timestamp};

use crate::{Error, IssuerKey};

fn signed(key: &IssuerKey, domain: &[u8], mut body: Vec<u8>) -> Vec<u8> {
    let mut message = Vec::with_capacity(domain.len() + body.len());
    message.extend_from_slice(domain);
    message.extend_from_slice(&body);
    body.extend_from_slice(&key.sign(&message));
    body
}

/// A trust list holding `keys`, signed by `root`. See `qrseal_core::lists` for the rules
/// the keys must meet.
pub fn sign_trust_list(
    root: &IssuerKey,
    info: &ListInfo,
    keys: &[KeyEntry],
) -> Result<Vec<u8>, Error> {
    let body = encode_trust_list(root.key_id(), info, keys)?;
    Ok(signed(root, TRUST_LIST_DOMAIN, body))
}

/// A full revocation list or delta holding `entries`, signed by the issuer key `key` (which
/// must be in the verifiers' trust list and allowed to sign at `info.issued_at`).
pub fn sign_revocations(
    key: &IssuerKey,
    kind: RevocationKind,
    info: &ListInfo,
    entries: &[Revocation],
) -> Result<Vec<u8>, Error> {
    let body = encode_revocation_list(kind, key.key_id(), info, entries)?;
    Ok(signed(key, REVOCATION_LIST_DOMAIN, body))
}

/// A trust-list entry for a key that signs from `from` on, with no end set.
pub fn new_key_entry(public_key: [u8; PUBLIC_KEY_LEN], from: Timestamp) -> KeyEntry {
    KeyEntry {
        public_key,
        signing: Window {
            from,
            until: Window::ALWAYS.until,
        },
        accepting: Window {
            from,
            until: Window::ALWAYS.until,
        },
        state: KeyState::Active,
    }
}

/// The keys of a trust list after rotating to `new_key` at `at`: every active key stops
/// signing at `at` and is retired, its tokens accepted until the longest a token it signed
/// by then can live ([`MAX_VALIDITY_SECS`] after `at`), so that at every instant tokens
/// signed by the previous key keep verifying until they expire; `new_key` signs from `at`
/// on. Publish the result before `at` and scanners know the new key before its first
/// token. Compromised and already retired keys are kept as they are.
pub fn rotate_keys(
    keys: &[KeyEntry],
    new_key: [u8; PUBLIC_KEY_LEN],
    at: Timestamp,
) -> Result<Vec<KeyEntry>, Error> {
    if keys.iter().any(|k| k.public_key == new_key) {
        return Err(Error::Rotation("the new key is already in the trust list"));
    }
    let mut out: Vec<KeyEntry> = keys
        .iter()
        .map(|k| match k.state {
            KeyState::Active => {
                let until = k.signing.until.min(at);
                KeyEntry {
                    signing: Window {
                        from: k.signing.from,
                        until,
                    },
                    accepting: Window {
                        from: k.accepting.from,
                        until: k
                            .accepting
                            .until
                            .min(until.saturating_add(u64::from(MAX_VALIDITY_SECS))),
                    },
                    state: KeyState::Retired,
                    ..*k
                }
            }
            KeyState::Retired | KeyState::Compromised { .. } => *k,
        })
        .collect();
    if out
        .iter()
        .any(|k| k.signing.from >= k.signing.until || k.accepting.from >= k.accepting.until)
    {
        return Err(Error::Rotation(
            "the rotation time is before an active key's signing window starts",
        ));
    }
    out.push(new_key_entry(new_key, at));
    Ok(out)
}
