//! Publishing trust data: trust lists signed by the root key, revocation lists signed by an
//! issuer key, and the trust-list change a key rotation makes.

use qrseal_core::Timestamp;
use qrseal_core::lists::{
    KeyEntry, KeyState, ListInfo, REVOCATION_LIST_DOMAIN, Revocation, RevocationStateId,
    TRUST_LIST_DOMAIN, Window, encode_full_revocation_list, encode_revocation_delta,
    encode_trust_list,
};
use qrseal_core::wire::MAX_VALIDITY_SECS;
use qrseal_core::wire::PUBLIC_KEY_LEN;

use crate::key::Sign;
use crate::{Error, IssuerKey, RootKey};

fn signed(key: &impl Sign, domain: &[u8], mut body: Vec<u8>) -> Vec<u8> {
    let mut message = Vec::with_capacity(domain.len() + body.len());
    message.extend_from_slice(domain);
    message.extend_from_slice(&body);
    body.extend_from_slice(&key.sign(&message));
    body
}

/// A trust list holding `keys`, signed by `root`. See `qrseal_core::lists` for the rules
/// the keys must meet.
pub fn sign_trust_list(
    root: &RootKey,
    info: &ListInfo,
    keys: &[KeyEntry],
) -> Result<Vec<u8>, Error> {
    let body = encode_trust_list(root.key_id(), info, keys)?;
    Ok(signed(root, TRUST_LIST_DOMAIN, body))
}

/// A full revocation list holding `entries` (a subject given twice keeps its latest time),
/// signed by the issuer key `key` (which must be in the verifiers' trust list and allowed to
/// sign at `info.issued_at`). To publish a sequence of lists with deltas, use
/// [`crate::revocation::RevocationPublisher`], which numbers, merges and chains them.
pub fn sign_full_revocations(
    key: &IssuerKey,
    info: &ListInfo,
    entries: &[Revocation],
) -> Result<Vec<u8>, Error> {
    let body = encode_full_revocation_list(key.key_id(), info, entries)?;
    Ok(signed(key, REVOCATION_LIST_DOMAIN, body))
}

/// A revocation delta holding `entries`, applying to the set with state id `base` and
/// leaving the set with state id `state`, signed by `key`. The caller is responsible for the
/// two ids being those of the real sets ([`crate::revocation::RevocationPublisher`] is).
pub fn sign_revocation_delta(
    key: &IssuerKey,
    info: &ListInfo,
    entries: &[Revocation],
    base: RevocationStateId,
    state: RevocationStateId,
) -> Result<Vec<u8>, Error> {
    let body = encode_revocation_delta(key.key_id(), info, entries, base, state)?;
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
        .map(|k| retire_key(k, at))
        .collect::<Result<_, _>>()
        .map_err(|_| {
            Error::Rotation("the rotation time is before an active key's signing window starts")
        })?;
    out.push(new_key_entry(new_key, at));
    Ok(out)
}

/// `key` retired at `at`, as [`rotate_keys`] retires the active keys: it signs until `at`
/// (or its earlier end) and its tokens are accepted until [`MAX_VALIDITY_SECS`] after that,
/// so that every token it signed lives out its validity. A key that is not active is
/// returned as it is. An error if `at` is not after the start of its signing window.
pub fn retire_key(key: &KeyEntry, at: Timestamp) -> Result<KeyEntry, Error> {
    if key.state != KeyState::Active {
        return Ok(*key);
    }
    let until = key.signing.until.min(at);
    let retired = KeyEntry {
        signing: Window {
            from: key.signing.from,
            until,
        },
        accepting: Window {
            from: key.accepting.from,
            until: key
                .accepting
                .until
                .min(until.saturating_add(u64::from(MAX_VALIDITY_SECS))),
        },
        state: KeyState::Retired,
        ..*key
    };
    if retired.signing.from >= retired.signing.until
        || retired.accepting.from >= retired.accepting.until
    {
        return Err(Error::Rotation(
            "the retirement time is before the key's signing window starts",
        ));
    }
    Ok(retired)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(secs: u64) -> Timestamp {
        Timestamp::from_unix(secs)
    }

    #[test]
    fn retiring_matches_rotation_and_keeps_other_states() {
        let active = new_key_entry([7; PUBLIC_KEY_LEN], t(1000));
        let retired = retire_key(&active, t(5000)).unwrap();
        assert_eq!(retired.state, KeyState::Retired);
        assert_eq!(
            retired.signing,
            Window {
                from: t(1000),
                until: t(5000)
            }
        );
        assert_eq!(
            retired.accepting.until,
            t(5000 + u64::from(MAX_VALIDITY_SECS))
        );
        let rotated = rotate_keys(&[active], [8; PUBLIC_KEY_LEN], t(5000)).unwrap();
        assert_eq!(rotated[0], retired);
        // Retiring again changes nothing; so does retiring a compromised key.
        assert_eq!(retire_key(&retired, t(6000)).unwrap(), retired);
        let compromised = KeyEntry {
            state: KeyState::Compromised { since: t(2000) },
            ..active
        };
        assert_eq!(retire_key(&compromised, t(6000)).unwrap(), compromised);
        // Not before the key starts signing.
        assert!(retire_key(&active, t(1000)).is_err());
        assert!(rotate_keys(&[active], [8; PUBLIC_KEY_LEN], t(999)).is_err());
    }
}
