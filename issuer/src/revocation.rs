//! Publishing revocations: from the list published last and the revocations queued since,
//! the next full list and the delta that leads to it, numbered, merged and chained by state
//! id (SPEC 17.3), after checking the list built on. No files here: see
//! [`crate::revocation_dir`] for the on-disk queue and lists the CLI uses.

use ed25519_dalek::{Signature, VerifyingKey};
use qrseal_core::lists::{
    KeyEntry, KeyState, ListInfo, REVOCATION_LIST_DOMAIN, Revocation, RevocationKind,
    RevocationList, RevocationStateId, canonical_revocations, merge_raw_entries,
};
use qrseal_core::wire::PUBLIC_KEY_LEN;

use qrseal_core::{Colour, SubjectId, Timestamp};

use crate::publish::{sign_full_revocations, sign_revocation_delta};
use crate::{Error, IssuerKey};

/// What one publication produces.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct PublishedRevocations {
    /// The header both lists share.
    pub info: ListInfo,
    /// The new full list.
    pub full: Vec<u8>,
    /// The delta from the list built on (`None` for the first list, sequence 1).
    pub delta: Option<Vec<u8>>,
    /// The revocations the delta adds: those queued that the base list did not already
    /// cover (a subject revoked at the same or a later time).
    pub added: Vec<Revocation>,
    /// How many subjects the full list holds.
    pub full_count: usize,
}

/// Builds the next revocation lists for one issuer key.
///
/// The list it builds on must be a full list signed by this key or by a key added with
/// [`RevocationPublisher::with_base_signer`] (after a rotation, the previous key), whose
/// signing window holds the list's issue time; its signature must verify. A list it cannot
/// check is refused rather than signed over.
#[derive(Debug)]
pub struct RevocationPublisher<'k> {
    key: &'k IssuerKey,
    base_signers: Vec<KeyEntry>,
}

impl<'k> RevocationPublisher<'k> {
    /// A publisher signing with `key`.
    pub fn new(key: &'k IssuerKey) -> RevocationPublisher<'k> {
        RevocationPublisher {
            key,
            base_signers: Vec::new(),
        }
    }

    /// Also accepts base lists signed by the key of `entry` (a trust-list entry, so that its
    /// signing window and state are checked too).
    pub fn with_base_signer(mut self, entry: KeyEntry) -> RevocationPublisher<'k> {
        self.base_signers.push(entry);
        self
    }

    /// Checks the list to build on: a full list, signed by a key this publisher accepts.
    pub fn check_base<'b>(&self, bytes: &'b [u8]) -> Result<RevocationList<'b>, Error> {
        let list = RevocationList::parse(bytes)?;
        if list.kind != RevocationKind::Full {
            return Err(Error::BaseListRefused("it is a delta, not a full list"));
        }
        self.check_signed(&list)?;
        Ok(list)
    }

    fn check_signed(&self, list: &RevocationList<'_>) -> Result<(), Error> {
        let own = (list.signer == self.key.key_id()).then(|| self.key.public_key());
        let others = self.base_signers.iter().filter(|e| {
            e.key_id() == list.signer
                && e.signing.contains(list.info.issued_at)
                && !matches!(e.state, KeyState::Compromised { .. })
        });
        let candidates = own.into_iter().chain(others.map(|e| e.public_key));
        let mut any = false;
        for public_key in candidates {
            any = true;
            if list_signature_verifies(&public_key, list) {
                return Ok(());
            }
        }
        Err(Error::BaseListRefused(if any {
            "its signature does not verify"
        } else {
            "it is signed by a key this publisher does not accept at its issue time"
        }))
    }

    /// The next full list and delta after `base` (the full list published last, `None` for
    /// the first publication), adding `queued`, issued at `now` and due again after
    /// `valid_for_secs`. `now` must not be before the base's issue time. Deterministic:
    /// the same inputs give the same bytes.
    pub fn publish(
        &self,
        base: Option<&[u8]>,
        queued: &[Revocation],
        now: Timestamp,
        valid_for_secs: u64,
    ) -> Result<PublishedRevocations, Error> {
        let base = base.map(|b| self.check_base(b)).transpose()?;
        if let Some(base) = &base
            && now < base.info.issued_at
        {
            return Err(Error::ClockBeforeBase {
                now,
                base: base.info.issued_at,
            });
        }
        let info = ListInfo {
            sequence: base
                .as_ref()
                .map_or(1, |b| b.info.sequence.saturating_add(1)),
            issued_at: now,
            next_update_by: now.saturating_add(valid_for_secs.max(1)),
        };
        let added: Vec<Revocation> = match &base {
            Some(b) => canonical_revocations(queued)?
                .iter()
                .map(Revocation::from_bytes)
                .filter(|r| !covered(b, r))
                .collect(),
            None => canonical_revocations(queued)?
                .iter()
                .map(Revocation::from_bytes)
                .collect(),
        };
        let mut all: Vec<[u8; 16]> = base
            .as_ref()
            .map(|b| b.raw_entries().to_vec())
            .unwrap_or_default();
        all.extend(added.iter().filter_map(Revocation::to_bytes));
        merge_raw_entries(&mut all);
        let full_entries: Vec<Revocation> = all.iter().map(Revocation::from_bytes).collect();
        let full = sign_full_revocations(self.key, &info, &full_entries)?;
        let delta = match &base {
            Some(b) => Some(sign_revocation_delta(
                self.key,
                &info,
                &added,
                b.state,
                RevocationStateId::of_entries(&all),
            )?),
            None => None,
        };
        Ok(PublishedRevocations {
            info,
            full,
            delta,
            added,
            full_count: all.len(),
        })
    }

    /// Finishes a publication interrupted after its delta was written but before its full
    /// list was: from the `base` full list and that `delta`, the full list the interrupted
    /// run would have written, byte for byte (Ed25519 signatures are deterministic). The
    /// delta must be signed by this publisher's key, follow the base and apply to it.
    pub fn complete(&self, base: &[u8], delta: &[u8]) -> Result<PublishedRevocations, Error> {
        let base = self.check_base(base)?;
        let list = RevocationList::parse(delta)?;
        if list.kind != RevocationKind::Delta
            || list.signer != self.key.key_id()
            || !list_signature_verifies(&self.key.public_key(), &list)
        {
            return Err(Error::InconsistentRevocations(
                "the pending delta is not a delta signed by this key",
            ));
        }
        if list.info.sequence != base.info.sequence.saturating_add(1)
            || list.base_state != Some(base.state)
        {
            return Err(Error::InconsistentRevocations(
                "the pending delta does not apply to the full list",
            ));
        }
        let mut all = base.raw_entries().to_vec();
        all.extend_from_slice(list.raw_entries());
        merge_raw_entries(&mut all);
        if RevocationStateId::of_entries(&all) != list.state {
            return Err(Error::InconsistentRevocations(
                "the pending delta's state is not that of the merged set",
            ));
        }
        let full_entries: Vec<Revocation> = all.iter().map(Revocation::from_bytes).collect();
        let full = sign_full_revocations(self.key, &list.info, &full_entries)?;
        Ok(PublishedRevocations {
            info: list.info,
            full,
            delta: Some(delta.to_vec()),
            added: list.entries().collect(),
            full_count: all.len(),
        })
    }
}

/// Whether `list` already revokes every token `r` revokes.
fn covered(list: &RevocationList<'_>, r: &Revocation) -> bool {
    let raw = list.raw_entries();
    raw.binary_search_by(|e| e[..12].cmp(&r.subject.0[..]))
        .ok()
        .is_some_and(|i| Revocation::from_bytes(&raw[i]).issued_before >= r.issued_before)
}

/// Checks a list's signature with ed25519-dalek's strict verification: every signature an
/// honest signer makes passes it, and this only checks the publisher's own inputs.
fn list_signature_verifies(public_key: &[u8; PUBLIC_KEY_LEN], list: &RevocationList<'_>) -> bool {
    let Ok(key) = VerifyingKey::from_bytes(public_key) else {
        return false;
    };
    let mut message = Vec::with_capacity(REVOCATION_LIST_DOMAIN.len() + list.body.len());
    message.extend_from_slice(REVOCATION_LIST_DOMAIN);
    message.extend_from_slice(list.body);
    key.verify_strict(&message, &Signature::from_bytes(list.signature))
        .is_ok()
}

/// What a holder's status change does to the tokens issued before it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct StatusChange {
    /// Tokens for this holder are issued no earlier than this from now on.
    pub issue_not_before: Timestamp,
    /// The revocation to queue, if the change revokes earlier tokens.
    pub revocation: Option<Revocation>,
}

/// The effect of changing a holder's colour from `old` (`None`: no status before) to `new`
/// at `now`, when the holder's tokens were issued no earlier than `issue_not_before`.
///
/// A worse colour (later in [`Colour::ALL`]: green, yellow, red, dark red) revokes every token
/// issued so far, those signed within this very second included: the revocation covers tokens
/// issued before the next second (a revocation's time is exclusive and tokens carry whole
/// seconds), and tokens from then on must be issued no earlier, up to a second ahead of the
/// clock, which every verifier's clock skew allows. A colour no worse, or a first status,
/// revokes nothing: the earlier tokens show a status at least as strict.
pub fn on_status_change(
    subject: SubjectId,
    old: Option<Colour>,
    new: Colour,
    issue_not_before: Timestamp,
    now: Timestamp,
) -> StatusChange {
    let worse = old.is_some_and(|old| severity(new) > severity(old));
    if !worse {
        return StatusChange {
            issue_not_before,
            revocation: None,
        };
    }
    let before = issue_not_before.max(now).saturating_add(1);
    StatusChange {
        issue_not_before: before,
        revocation: Some(Revocation {
            subject,
            issued_before: before,
        }),
    }
}

fn severity(c: Colour) -> usize {
    // Colour::ALL is in order of strictness.
    Colour::ALL
        .iter()
        .position(|x| *x == c)
        .unwrap_or(Colour::ALL.len())
}

#[cfg(test)]
mod status_change_tests {
    use super::*;

    #[test]
    fn only_a_worse_colour_revokes_and_every_earlier_token_is_covered() {
        let s = SubjectId([7; 12]);
        let t = Timestamp::from_unix;
        // First status, or no worse: nothing revoked, the floor unchanged.
        for (old, new) in [
            (None, Colour::Red),
            (Some(Colour::Red), Colour::Green),
            (Some(Colour::Yellow), Colour::Yellow),
        ] {
            let c = on_status_change(s, old, new, t(50), t(100));
            assert_eq!((c.issue_not_before, c.revocation), (t(50), None));
        }
        // Worse: tokens issued up to and including `now` are revoked; new ones are not.
        let c = on_status_change(s, Some(Colour::Green), Colour::Yellow, t(50), t(100));
        let r = c.revocation.unwrap();
        assert_eq!((r.subject, r.issued_before), (s, t(101)));
        assert_eq!(c.issue_not_before, t(101));
        // Twice within one second: the second revocation also covers tokens issued for the
        // first change (at 101), and strictly later than the first.
        let c2 = on_status_change(
            s,
            Some(Colour::Yellow),
            Colour::Red,
            c.issue_not_before,
            t(100),
        );
        assert_eq!(c2.revocation.unwrap().issued_before, t(102));
        assert_eq!(c2.issue_not_before, t(102));
        // A clock set back keeps the floor: never earlier than before.
        let c3 = on_status_change(s, Some(Colour::Red), Colour::DarkRed, t(500), t(100));
        assert_eq!(c3.issue_not_before, t(501));
    }
}
