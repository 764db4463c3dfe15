//! A verifier's trust data: the pinned root key, the trust list it signed, the revocation
//! set, and the clock floor, with every rule about accepting new data.

use alloc::vec::Vec;
use core::sync::atomic::{AtomicU32, Ordering};
use core::time::Duration;

use qrseal_core::lists::{
    ListInfo, REVOCATION_ENTRY_LEN, REVOCATION_HEADER_LEN, REVOCATION_LIST_DOMAIN, RevocationKind,
    RevocationList, RevocationStateId, TRUST_LIST_DOMAIN, TrustList, list_signed_message,
};
use qrseal_core::wire::SIGNATURE_LEN;
use qrseal_core::{Claims, SubjectId, Timestamp};

use crate::revocations::RevocationSet;
use crate::signature::verify_parts;
use crate::{Error, TrustedKey, Verifier};

/// Which trust data is stale.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TrustData {
    /// The trust list.
    TrustList,
    /// The revocation set.
    Revocations,
}

/// Trust data past its next-update-by time plus the grace period: the token verified, but
/// against data that may be out of date. The caller's [`crate::Policy`] decides.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Stale {
    /// Which data (the more overdue, if both are).
    pub data: TrustData,
    /// Time since that data was issued (whole seconds).
    pub age: Duration,
    /// Time since its next-update-by time (whole seconds).
    pub overdue: Duration,
}

/// A token that verified, with what it was verified against: the only input of
/// [`crate::Policy::evaluate`], so a policy always sees the state of the trust data.
///
/// Only [`Verifier::verify`] and [`TrustStore::verify`] (and their byte and batch forms) make
/// one, so a caller cannot hand the policy claims stripped of the trust data's state; fields
/// may be added.
///
/// ```compile_fail
/// # use qrseal_verifier::Verified;
/// # fn forge(claims: qrseal_core::Claims) -> Verified {
/// Verified { claims, stale: None, revocations: None } // error: non-exhaustive
/// # }
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Verified {
    /// The token's claims.
    pub claims: Claims,
    /// Set when the trust data is stale: see [`Stale`]. Always `None` from a plain
    /// [`Verifier`], which holds no dated trust data.
    pub stale: Option<Stale>,
    /// The header of the revocation data the token was checked against; `None` when none
    /// was loaded (always, from a plain [`Verifier`]): a revoked token then verifies.
    /// [`crate::Policy::require_revocations`] denies it.
    pub revocations: Option<ListInfo>,
}

impl Verified {
    /// Claims checked against keys only: no trust-list dates, no revocation data.
    pub(crate) const fn keys_only(claims: Claims) -> Verified {
        Verified {
            claims,
            stale: None,
            revocations: None,
        }
    }
}

/// The newest issue time of a token that verified, raised through `&self` so that one store
/// serves several scanner threads. A `u32` because token issue times are u32 seconds, and
/// every target (thumbv7em included) has 32-bit atomics.
#[derive(Debug, Default)]
struct TokenFloor(AtomicU32);

impl TokenFloor {
    fn get(&self) -> Timestamp {
        // Relaxed: the floor only ever grows, and a verify that races a raise and misses it
        // compares against the floor as it was an instant earlier.
        Timestamp::from_unix(u64::from(self.0.load(Ordering::Relaxed)))
    }

    fn raise(&self, t: Timestamp) {
        // Token issue times fit in u32 (the wire format has 4 bytes for them).
        let t = u32::try_from(t.unix()).unwrap_or(u32::MAX);
        self.0.fetch_max(t, Ordering::Relaxed);
    }
}

impl Clone for TokenFloor {
    fn clone(&self) -> Self {
        TokenFloor(AtomicU32::new(self.0.load(Ordering::Relaxed)))
    }
}

/// What a scanner keeps across restarts so that neither its clock nor its trust data can be
/// wound back: the clock floor, and for each kind of list the newest sequence accepted with
/// that list's issue time (so that a list signed earlier, by a retired key, cannot replace
/// newer data after a restart). Start from [`Checkpoint::default`] (nothing seen) or
/// [`Checkpoint::from_bytes`]; fields may be added.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Checkpoint {
    /// The newest signed time seen.
    pub clock_floor: Timestamp,
    /// The newest trust-list sequence accepted (0: none).
    pub trust_list_sequence: u64,
    /// The issue time of the trust list with that sequence (0: none).
    pub trust_list_issued_at: Timestamp,
    /// The newest revocation sequence accepted (0: none).
    pub revocation_sequence: u64,
    /// The issue time of the revocation data with that sequence (0: none).
    pub revocation_issued_at: Timestamp,
}

impl Checkpoint {
    /// Length of [`Checkpoint::to_bytes`].
    pub const LEN: usize = 4 + 5 * 8;
    const MAGIC: [u8; 4] = *b"QSCP";

    /// `QSCP`, then clock floor, trust-list sequence, its issue time, revocation sequence,
    /// its issue time, each as u64 little-endian (SPEC 17.10).
    pub fn to_bytes(&self) -> [u8; Self::LEN] {
        let mut out = [0u8; Self::LEN];
        out[..4].copy_from_slice(&Self::MAGIC);
        let fields = [
            self.clock_floor.unix(),
            self.trust_list_sequence,
            self.trust_list_issued_at.unix(),
            self.revocation_sequence,
            self.revocation_issued_at.unix(),
        ];
        for (i, v) in fields.iter().enumerate() {
            out[4 + 8 * i..12 + 8 * i].copy_from_slice(&v.to_le_bytes());
        }
        out
    }

    /// Reads what [`Checkpoint::to_bytes`] wrote.
    pub fn from_bytes(bytes: &[u8]) -> Result<Checkpoint, Error> {
        let bytes: &[u8; Self::LEN] = bytes
            .try_into()
            .map_err(|_| Error::InvalidCheckpoint("not 44 bytes"))?;
        if bytes[..4] != Self::MAGIC {
            return Err(Error::InvalidCheckpoint("does not start with QSCP"));
        }
        let u = |i: usize| {
            let mut b = [0u8; 8];
            b.copy_from_slice(&bytes[4 + 8 * i..12 + 8 * i]);
            u64::from_le_bytes(b)
        };
        Ok(Checkpoint {
            clock_floor: Timestamp::from_unix(u(0)),
            trust_list_sequence: u(1),
            trust_list_issued_at: Timestamp::from_unix(u(2)),
            revocation_sequence: u(3),
            revocation_issued_at: Timestamp::from_unix(u(4)),
        })
    }
}

/// Raises `(sequence, issued_at)` to `(got_seq, got_at)`: the pair with the higher sequence
/// wins; on equal sequences the later issue time.
fn raise_pair(seq: &mut u64, at: &mut Timestamp, got_seq: u64, got_at: Timestamp) {
    if got_seq > *seq {
        *seq = got_seq;
        *at = got_at;
    } else if got_seq == *seq {
        *at = (*at).max(got_at);
    }
}

/// A list at or above the checkpoint's sequence must not be signed earlier than the list the
/// checkpoint recorded at that sequence: otherwise a key that may sign only in the past (a
/// retired one) could replace newer data after a restart, when nothing is held in memory.
fn backdated_against(cp_seq: u64, cp_at: Timestamp, got: ListInfo) -> Result<(), Error> {
    if cp_seq != 0 && got.sequence >= cp_seq && got.issued_at < cp_at {
        return Err(Error::Backdated {
            held: cp_at,
            got: got.issued_at,
        });
    }
    Ok(())
}

/// Everything a scanner trusts, and the verifier built from it.
///
/// Built from the pinned root public key; [`TrustStore::load_trust_list`] installs the
/// issuer keys a root-signed trust list names, [`TrustStore::load_revocations`] installs a
/// full revocation list or applies a delta, and [`TrustStore::verify`] checks a token
/// against all of it. A load that fails changes nothing.
///
/// The store keeps a clock floor, the newest signed time it has seen (list issue times and
/// the issue times of tokens that verified); a `now` more than the clock skew before it is
/// refused with [`Error::ClockBehind`]. [`TrustStore::checkpoint`] and
/// [`TrustStore::restore`] carry the floor and the sequence numbers across restarts.
///
/// ```
/// use core::time::Duration;
/// use qrseal_core::lists::{ListInfo, Revocation};
/// use qrseal_core::{Colour, Timestamp};
/// use qrseal_issuer::publish::{new_key_entry, sign_full_revocations, sign_trust_list};
/// use qrseal_issuer::{Issuer, IssuerKey, RootKey, Status, SubjectSecret};
/// use qrseal_verifier::{Error, TrustStore, TrustedKey};
///
/// let now = Timestamp::parse_rfc3339("2026-11-21T08:00:00Z")?;
/// let day = |n: u64| now.saturating_add(n * 86_400);
/// let info = |sequence| ListInfo { sequence, issued_at: now, next_update_by: day(1) };
///
/// // Publisher side: the offline root key vouches for the issuer key.
/// let root = RootKey::from_secret_bytes([1; 32]);
/// let issuer_key = IssuerKey::from_secret_bytes([2; 32]);
/// let entry = new_key_entry(issuer_key.public_key(), now);
/// let issuer = Issuer::new(issuer_key, SubjectSecret::from_bytes([3; 32]));
/// let trust_list = sign_trust_list(&root, &info(1), &[entry])?;
/// let subject = issuer.subject("110101199003078888")?;
/// let old = issuer.issue(&Status::new(subject, Colour::Green), now)?;
/// // The holder's status worsens: every token issued before this instant is revoked.
/// let later = now.saturating_add(60);
/// let revoked = Revocation { subject, issued_before: later };
/// let revocations = sign_full_revocations(issuer.key(), &info(1), &[revoked])?;
///
/// // Scanner side: pins the root public key only.
/// let mut store = TrustStore::new(TrustedKey::from_bytes(&root.public_key())?)
///     .with_grace(Duration::from_secs(3600));
/// store.load_trust_list(&trust_list, now)?;
/// store.load_revocations(&revocations, now)?;
/// assert_eq!(store.verify(&old.qr_text(), later), Err(Error::Revoked { before: later }));
/// let refreshed = issuer.issue(&Status::new(subject, Colour::Red), later)?;
/// assert_eq!(store.verify(&refreshed.qr_text(), later)?.claims.colour, Colour::Red);
/// // No update for an hour past the promised time plus the grace: still verified, but
/// // flagged for the policy to decide.
/// let at = day(1).saturating_add(2 * 3600);
/// let token = issuer.issue(&Status::new(subject, Colour::Red), at)?;
/// let overdue = store.verify(&token.qr_text(), at)?.stale.map(|s| s.overdue);
/// assert_eq!(overdue, Some(Duration::from_secs(7200)));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct TrustStore {
    root: TrustedKey,
    verifier: Verifier,
    trust: Option<ListInfo>,
    revocations: Option<RevocationSet>,
    floor: Checkpoint,
    // Raised by verified tokens through `&self`; the clock floor is the later of this and
    // `floor.clock_floor` (raised by lists, through `&mut self`).
    token_floor: TokenFloor,
    grace_secs: u64,
}

impl TrustStore {
    /// How long past its next-update-by time data is still fresh by default: 24 hours.
    pub const DEFAULT_GRACE: Duration = Duration::from_secs(24 * 3600);

    /// A store pinning `root`, holding no trust list yet (every token is then refused as
    /// signed by an unknown key).
    pub fn new(root: TrustedKey) -> TrustStore {
        TrustStore {
            root,
            verifier: Verifier::new([]),
            trust: None,
            revocations: None,
            floor: Checkpoint::default(),
            token_floor: TokenFloor::default(),
            grace_secs: Self::DEFAULT_GRACE.as_secs(),
        }
    }

    /// Sets the clock skew tolerated on tokens, key windows and the clock floor (default
    /// [`Verifier::DEFAULT_CLOCK_SKEW`]; whole seconds count).
    pub fn with_clock_skew(mut self, skew: Duration) -> TrustStore {
        self.verifier = self.verifier.with_clock_skew(skew);
        self
    }

    /// Sets how long past its next-update-by time trust data stays fresh (whole seconds
    /// count).
    pub fn with_grace(mut self, grace: Duration) -> TrustStore {
        self.grace_secs = grace.as_secs();
        self
    }

    /// The verifier built from the current trust list (key checks, no revocations, no
    /// clock floor). Not public: verifying through it would skip the revocation, clock and
    /// staleness checks, and hand the policy a verdict without them. Only the fuzz targets
    /// compare against it.
    #[cfg(feature = "fuzzing")]
    pub(crate) fn verifier(&self) -> &Verifier {
        &self.verifier
    }

    /// The header of the trust list held.
    pub fn trust_list(&self) -> Option<ListInfo> {
        self.trust
    }

    /// The header of the newest revocation list or delta applied.
    pub fn revocations(&self) -> Option<ListInfo> {
        self.revocations.as_ref().map(|r| r.info)
    }

    /// How many subjects are revoked.
    pub fn revoked_count(&self) -> usize {
        self.revocations.as_ref().map_or(0, RevocationSet::len)
    }

    /// Bytes the revocation set holds on the heap (16 an entry plus a prefix index).
    pub fn revocation_heap_bytes(&self) -> usize {
        self.revocations
            .as_ref()
            .map_or(0, RevocationSet::heap_bytes)
    }

    /// The time before which `subject`'s tokens are revoked, if they are. Never allocates.
    pub fn revoked_before(&self, subject: &SubjectId) -> Option<Timestamp> {
        self.revocations.as_ref()?.revoked_before(subject)
    }

    /// The state id of the revocation set held (see [`RevocationStateId`]).
    pub fn revocation_state(&self) -> Option<RevocationStateId> {
        self.revocations.as_ref().map(|r| r.state)
    }

    /// The clock floor and the newest sequence numbers accepted, to save across restarts.
    pub fn checkpoint(&self) -> Checkpoint {
        Checkpoint {
            clock_floor: self.clock_floor(),
            ..self.floor
        }
    }

    /// The newest signed time seen: list issue times and the issue times of tokens that
    /// verified.
    fn clock_floor(&self) -> Timestamp {
        self.floor.clock_floor.max(self.token_floor.get())
    }

    /// Raises the clock floor and the lowest acceptable sequence numbers to a saved
    /// checkpoint's (never lowers them). A trust list older than the checkpoint's is then
    /// refused on load; revocation data is reloaded as usual (the full list, then the deltas
    /// since), and until it reaches the checkpoint's sequence [`TrustStore::verify`] refuses
    /// every token with [`Error::RevocationsBehind`], so that losing or rolling back the
    /// revocation files cannot let a revoked token through.
    ///
    /// The checkpoint also carries the issue times of the lists at its sequences: a list at
    /// or above a restored sequence signed earlier than the list recorded there is refused
    /// with [`Error::Backdated`].
    pub fn restore(&mut self, saved: &Checkpoint) {
        let f = &mut self.floor;
        f.clock_floor = f.clock_floor.max(saved.clock_floor);
        raise_pair(
            &mut f.trust_list_sequence,
            &mut f.trust_list_issued_at,
            saved.trust_list_sequence,
            saved.trust_list_issued_at,
        );
        raise_pair(
            &mut f.revocation_sequence,
            &mut f.revocation_issued_at,
            saved.revocation_sequence,
            saved.revocation_issued_at,
        );
    }

    /// Refuses a list signed after `now` plus the clock skew: its time must not reach the
    /// clock floor.
    fn not_from_future(&self, info: ListInfo, now: Timestamp) -> Result<(), Error> {
        if info.issued_at > now.saturating_add(self.verifier.skew_secs()) {
            return Err(Error::ListFromFuture {
                issued_at: info.issued_at,
                now,
            });
        }
        Ok(())
    }

    /// Installs a trust list at `now` (the caller's clock): it must name the pinned root,
    /// its signature must verify, it must not be signed after `now` plus the clock skew, its
    /// sequence must not be lower than any accepted before, and it must not be signed at an
    /// earlier time than the list held or the list a restored checkpoint recorded. Its keys
    /// replace the previous list's. Returns the list's header. SPEC 17.9, steps T1 to T6.
    pub fn load_trust_list(&mut self, bytes: &[u8], now: Timestamp) -> Result<ListInfo, Error> {
        let list = TrustList::parse(bytes)?;
        if list.root_key_id != self.root.key_id() {
            return Err(Error::WrongRoot(list.root_key_id));
        }
        if !signed_by(&self.root, TRUST_LIST_DOMAIN, list.body, list.signature) {
            return Err(Error::ForgedList);
        }
        self.not_from_future(list.info, now)?;
        let held = self.floor.trust_list_sequence;
        if list.info.sequence < held {
            return Err(Error::Rollback {
                held,
                got: list.info.sequence,
            });
        }
        if let Some(held) = self.trust {
            backdated(held, list.info)?;
        }
        backdated_against(held, self.floor.trust_list_issued_at, list.info)?;
        let keys = list
            .keys()
            .map(|entry| TrustedKey::from_entry(&entry))
            .collect::<Result<Vec<_>, _>>()?;
        let skew = self.verifier.clock_skew();
        self.verifier = Verifier::new(keys).with_clock_skew(skew);
        self.trust = Some(list.info);
        let f = &mut self.floor;
        raise_pair(
            &mut f.trust_list_sequence,
            &mut f.trust_list_issued_at,
            list.info.sequence,
            list.info.issued_at,
        );
        self.raise_floor(list.info.issued_at);
        Ok(list.info)
    }

    /// Installs a full revocation list or applies a delta at `now` (the caller's clock). The
    /// signer must be a key of the trust list held, never compromised, whose signing window
    /// holds the list's issue time; the signature must verify; the list must not be signed
    /// after `now` plus the clock skew. A full list must not be older than the revocation
    /// data loaded; a delta must carry exactly the next sequence and name the state of the
    /// set held as its base ([`Error::DeltaWrongBase`]); and neither may be signed at an
    /// earlier time than the data held or the data a restored checkpoint recorded at its
    /// sequence ([`Error::Backdated`]). Returns the list's header. SPEC 17.9, R1 to R6.
    pub fn load_revocations(&mut self, bytes: &[u8], now: Timestamp) -> Result<ListInfo, Error> {
        let (list, next) = self.check_revocations(bytes, now)?;
        let next = match next {
            Some(merged) => merged,
            None => RevocationSet::new(
                list.info,
                list.state,
                list.raw_entries().as_flattened().to_vec(),
            ),
        };
        Ok(self.install_revocations(next))
    }

    /// [`TrustStore::load_revocations`] for a list the caller holds in a buffer it gives
    /// away: a full list becomes the revocation set in place, so loading a large list costs
    /// its size once, not twice.
    pub fn load_revocations_owned(
        &mut self,
        bytes: Vec<u8>,
        now: Timestamp,
    ) -> Result<ListInfo, Error> {
        let (list, next) = self.check_revocations(&bytes, now)?;
        let next = match next {
            Some(merged) => merged,
            None => {
                let (info, state) = (list.info, list.state);
                let start = REVOCATION_HEADER_LEN;
                let range = start..start + list.raw_entries().len() * REVOCATION_ENTRY_LEN;
                RevocationSet::from_list_buffer(info, state, bytes, range)
            }
        };
        Ok(self.install_revocations(next))
    }

    /// Every check of a revocation load; for a delta also the merged set (`None` for a full
    /// list, which the caller turns into the set).
    fn check_revocations<'b>(
        &self,
        bytes: &'b [u8],
        now: Timestamp,
    ) -> Result<(RevocationList<'b>, Option<RevocationSet>), Error> {
        let list = RevocationList::parse(bytes)?;
        let signers = self.verifier.keys_for(list.signer);
        let allowed = signers.iter().filter(|k| {
            k.signing_window().contains(list.info.issued_at) && k.compromised_since().is_none()
        });
        let mut any_allowed = false;
        let mut verified = false;
        for key in allowed {
            any_allowed = true;
            if signed_by(key, REVOCATION_LIST_DOMAIN, list.body, list.signature) {
                verified = true;
                break;
            }
        }
        if !any_allowed {
            return Err(Error::UnknownListSigner(list.signer));
        }
        if !verified {
            return Err(Error::ForgedList);
        }
        self.not_from_future(list.info, now)?;
        // Measured against the data loaded, not a restored checkpoint's sequence: after a
        // restart a scanner reloads its full list and the deltas since, and only the end
        // state has to reach the checkpoint (verify refuses tokens until it does).
        let held = self.revocations.as_ref().map_or(0, |r| r.info.sequence);
        let got = list.info.sequence;
        match (list.kind, &self.revocations) {
            (RevocationKind::Full, _) if got < held => return Err(Error::Rollback { held, got }),
            (RevocationKind::Full, _) => {}
            (RevocationKind::Delta, Some(_)) if got <= held => {
                return Err(Error::DeltaOutOfOrder { held, got });
            }
            (RevocationKind::Delta, Some(current)) if got == held + 1 => {
                if list.base_state != Some(current.state) {
                    return Err(Error::DeltaWrongBase { got });
                }
            }
            // A gap, or no full list to apply the delta to.
            (RevocationKind::Delta, _) => return Err(Error::DeltaGap { held, got }),
        }
        if let Some(current) = &self.revocations {
            backdated(current.info, list.info)?;
        }
        backdated_against(
            self.floor.revocation_sequence,
            self.floor.revocation_issued_at,
            list.info,
        )?;
        let merged = match (list.kind, &self.revocations) {
            (RevocationKind::Delta, Some(current)) => {
                Some(current.merged(list.info, list.state, list.raw_entries()))
            }
            _ => None,
        };
        Ok((list, merged))
    }

    fn install_revocations(&mut self, next: RevocationSet) -> ListInfo {
        let info = next.info;
        self.revocations = Some(next);
        let f = &mut self.floor;
        raise_pair(
            &mut f.revocation_sequence,
            &mut f.revocation_issued_at,
            info.sequence,
            info.issued_at,
        );
        self.raise_floor(info.issued_at);
        info
    }

    fn raise_floor(&mut self, t: Timestamp) {
        self.floor.clock_floor = self.floor.clock_floor.max(t);
    }

    /// The checks made before any token is read: the clock against the floor, and the
    /// revocation data against the sequence a restored checkpoint requires.
    fn check_state(&self, now: Timestamp) -> Result<(), Error> {
        let required = self.floor.revocation_sequence;
        let loaded = self.revocations().map_or(0, |r| r.sequence);
        if loaded < required {
            return Err(Error::RevocationsBehind { loaded, required });
        }
        let floor = self.clock_floor();
        if now.saturating_add(self.verifier.skew_secs()) < floor {
            return Err(Error::ClockBehind {
                by: Duration::from_secs(floor.seconds_since(now)),
            });
        }
        Ok(())
    }

    /// Trust data past its next-update-by time plus the grace period at `now`, if any.
    pub fn staleness(&self, now: Timestamp) -> Option<Stale> {
        let lists = [
            (TrustData::TrustList, self.trust),
            (TrustData::Revocations, self.revocations()),
        ];
        lists
            .into_iter()
            .filter_map(|(data, info)| {
                let info = info?;
                (now >= info.next_update_by.saturating_add(self.grace_secs)).then(|| Stale {
                    data,
                    age: Duration::from_secs(now.seconds_since(info.issued_at)),
                    overdue: Duration::from_secs(now.seconds_since(info.next_update_by)),
                })
            })
            // On a tie the later item wins: the revocation set, the data that changes fastest.
            .max_by_key(|s| s.overdue)
    }

    /// Verifies a token (either text form) at `now` against the trust data.
    ///
    /// Checks, in order: that the revocation data is not older than a restored checkpoint
    /// requires ([`Error::RevocationsBehind`]); the clock against the floor
    /// ([`Error::ClockBehind`]); everything
    /// [`Verifier::verify`] checks, with the trust list's key windows and compromise times;
    /// then revocation ([`Error::Revoked`]). A token that passes raises the clock floor to
    /// its issue time and comes back with [`Verified::stale`] set if the trust data is
    /// stale and [`Verified::revocations`] naming the revocation data checked. Takes `&self`:
    /// one store can serve several threads (the floor is atomic). Never allocates.
    pub fn verify(&self, token_text: &str, now: Timestamp) -> Result<Verified, Error> {
        self.check_state(now)?;
        let verified = self.verifier.verify(token_text, now)?;
        self.accept(verified.claims, now)
    }

    /// Verifies a binary token at `now` against the trust data, as [`TrustStore::verify`]
    /// does its text form (the same checks in the same order, from B1 on). Never allocates.
    pub fn verify_bytes(&self, token: &[u8], now: Timestamp) -> Result<Verified, Error> {
        self.check_state(now)?;
        let verified = self.verifier.verify_bytes(token, now)?;
        self.accept(verified.claims, now)
    }

    /// Verifies many tokens at `now`, as [`TrustStore::verify`] would one by one, with
    /// signatures checked in batches ([`Verifier::verify_batch`]).
    pub fn verify_batch(
        &self,
        token_texts: &[&str],
        now: Timestamp,
    ) -> Vec<Result<Verified, Error>> {
        if let Err(e) = self.check_state(now) {
            return token_texts.iter().map(|_| Err(e)).collect();
        }
        let results = self.verifier.verify_batch(token_texts, now);
        results
            .into_iter()
            .map(|r| r.and_then(|v| self.accept(v.claims, now)))
            .collect()
    }

    fn accept(&self, claims: Claims, now: Timestamp) -> Result<Verified, Error> {
        if let Some(before) = self.revoked_before(&claims.subject)
            && claims.issued_at < before
        {
            return Err(Error::Revoked { before });
        }
        self.token_floor.raise(claims.issued_at);
        Ok(Verified {
            claims,
            stale: self.staleness(now),
            revocations: self.revocations(),
        })
    }
}

/// A list signed earlier than the one held, though its sequence is in order, is refused:
/// a key that may sign only in the past (a retired one) cannot replace newer data by
/// dating a list inside its old signing window.
fn backdated(held: ListInfo, got: ListInfo) -> Result<(), Error> {
    if got.issued_at < held.issued_at {
        return Err(Error::Backdated {
            held: held.issued_at,
            got: got.issued_at,
        });
    }
    Ok(())
}

fn signed_by(
    key: &TrustedKey,
    domain: &'static [u8],
    body: &[u8],
    signature: &[u8; SIGNATURE_LEN],
) -> bool {
    verify_parts(key, &list_signed_message(domain, body), signature)
}
