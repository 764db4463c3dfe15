//! Signed trust data: the trust list (which issuer keys a verifier accepts, signed by the
//! pinned root key) and revocation lists ("tokens for subject S issued before T are
//! invalid", signed by an issuer key from the trust list), in full and as deltas.
//!
//! Both are fixed-layout, little-endian binary formats, so that a verifier in any language
//! reads them without a serialisation library: a header, fixed-size entries in strictly
//! ascending order, and an Ed25519 signature over a domain string followed by every byte
//! before the signature. This module encodes and parses them; it checks structure only. The
//! signature and the rules about sequence numbers belong to `qrseal-verifier`. docs/SPEC.md
//! (section 17) is the normative description.

use core::fmt;

use crate::wire::{PUBLIC_KEY_LEN, SIGNATURE_LEN, SUBJECT_LEN};
use crate::{KeyId, SubjectId, Timestamp};

/// The format version of trust and revocation lists this library writes and reads.
pub const LIST_VERSION: u8 = 1;
/// First four bytes of a trust list.
pub const TRUST_LIST_MAGIC: [u8; 4] = *b"QSTL";
/// First four bytes of a revocation list (full or delta).
pub const REVOCATION_LIST_MAGIC: [u8; 4] = *b"QSRL";
/// Prepended to a trust list's bytes to form the message the root key signs.
pub const TRUST_LIST_DOMAIN: &[u8] = b"qrseal/v1/trust-list";
/// Prepended to a revocation list's bytes to form the message the issuer key signs.
pub const REVOCATION_LIST_DOMAIN: &[u8] = b"qrseal/v1/revocations";
/// Bytes of a trust-list header: magic, version, root key id, sequence, issue time,
/// next-update-by time, key count (u16).
pub const TRUST_LIST_HEADER_LEN: usize = 4 + 1 + 4 + 8 + 8 + 8 + 2;
/// Bytes of one trust-list entry: key id, public key, four window bounds, state, the
/// compromise time.
pub const KEY_ENTRY_LEN: usize = 4 + PUBLIC_KEY_LEN + 4 * 8 + 1 + 8;
/// The most keys one trust list holds.
pub const MAX_TRUST_LIST_KEYS: usize = 1024;
/// Bytes of a revocation-list header: magic, version, kind, signer key id, sequence, issue
/// time, next-update-by time, state id, base state id, entry count (u32).
pub const REVOCATION_HEADER_LEN: usize = 4 + 1 + 1 + 4 + 8 + 8 + 8 + 2 * STATE_ID_LEN + 4;
/// Bytes of a revocation state id ([`RevocationStateId`]).
pub const STATE_ID_LEN: usize = 32;
/// The most entries one revocation list (and so a verifier's revocation set) holds: 2^24,
/// 256 MiB of entries. Checked from the header, before any entry is read.
pub const MAX_REVOCATION_ENTRIES: usize = 1 << 24;
/// Prepended to the entries of a revocation set to form its state id.
pub const REVOCATION_STATE_DOMAIN: &[u8] = b"qrseal/v1/revocation-state";
/// Bytes of one revocation entry: the subject, then the issue time (u32 seconds) before
/// which its tokens are invalid.
pub const REVOCATION_ENTRY_LEN: usize = SUBJECT_LEN + 4;

/// Why a trust or revocation list could not be read. [`ListError::code`] gives a stable name
/// for each kind (one per rule of SPEC section 17.5); offsets count bytes from the start of
/// the list.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ListError {
    /// The bytes end before the list does.
    #[error("list is truncated at byte {offset}")]
    Truncated {
        /// Where more input was needed.
        offset: usize,
    },
    /// The bytes do not start with the magic of the kind of list expected.
    #[error("not a {expected}")]
    WrongMagic {
        /// What was expected.
        expected: &'static str,
    },
    /// The version byte names a list format this library does not read.
    #[error("list format version {0} is not supported (this library reads version 1)")]
    UnsupportedVersion(u8),
    /// A revocation list's kind byte is neither 0 (full) nor 1 (delta).
    #[error("unknown revocation list kind at byte {offset}")]
    UnknownKind {
        /// Offset of the kind byte.
        offset: usize,
    },
    /// The sequence number is 0 (sequences start at 1).
    #[error("list sequence 0 at byte {offset} (sequence numbers start at 1)")]
    ZeroSequence {
        /// Offset of the sequence field.
        offset: usize,
    },
    /// The next-update-by time is not after the issue time.
    #[error("the next update time at byte {offset} is not after the issue time")]
    NextUpdateNotAfterIssue {
        /// Offset of the next-update-by field.
        offset: usize,
    },
    /// A delta claims sequence 1 (the first list is always a full list).
    #[error("a delta with sequence 1 at byte {offset}")]
    DeltaSequenceOne {
        /// Offset of the sequence field.
        offset: usize,
    },
    /// A full revocation list names a base state (only deltas apply to a base).
    #[error("a full revocation list with a base state at byte {offset}")]
    BaseStateOnFull {
        /// Offset of the base-state field.
        offset: usize,
    },
    /// A trust list holds more than [`MAX_TRUST_LIST_KEYS`] keys.
    #[error("more keys than a trust list may hold (count at byte {offset})")]
    TooManyKeys {
        /// Offset of the count field.
        offset: usize,
    },
    /// A revocation list holds more than [`MAX_REVOCATION_ENTRIES`] entries.
    #[error("more entries than a revocation list may hold (count at byte {offset})")]
    TooManyEntries {
        /// Offset of the count field.
        offset: usize,
    },
    /// A trust-list entry's key id is not the key id of its public key.
    #[error("key id does not match the public key at byte {offset}")]
    KeyIdMismatch {
        /// Offset of the entry.
        offset: usize,
    },
    /// A trust-list entry's signing window is empty.
    #[error("empty signing window at byte {offset}")]
    EmptySigningWindow {
        /// Offset of the window.
        offset: usize,
    },
    /// A trust-list entry's acceptance window is empty.
    #[error("empty acceptance window at byte {offset}")]
    EmptyAcceptanceWindow {
        /// Offset of the window.
        offset: usize,
    },
    /// An active or retired key carries a compromise time.
    #[error("compromise time set on a key not compromised at byte {offset}")]
    StrayCompromiseTime {
        /// Offset of the compromise time.
        offset: usize,
    },
    /// A trust-list entry's state byte is not 0, 1 or 2.
    #[error("unknown key state at byte {offset}")]
    UnknownKeyState {
        /// Offset of the state byte.
        offset: usize,
    },
    /// Trust-list keys are not in strictly ascending order of key id and key.
    #[error("keys are not in strictly ascending order at byte {offset}")]
    KeysOutOfOrder {
        /// Offset of the entry out of order.
        offset: usize,
    },
    /// Revocation subjects are not in strictly ascending order.
    #[error("subjects are not in strictly ascending order at byte {offset}")]
    SubjectsOutOfOrder {
        /// Offset of the entry out of order.
        offset: usize,
    },
    /// A full revocation list's state id is not the state id of its entries.
    #[error("the state id of the full revocation list at byte {offset} is not that of its entries")]
    StateMismatch {
        /// Offset of the state-id field.
        offset: usize,
    },
    /// Bytes follow the signature.
    #[error("list has {extra} unexpected bytes after the signature")]
    TrailingBytes {
        /// How many.
        extra: usize,
    },
    /// A list cannot be encoded because a value is outside what the format can carry.
    #[error("list cannot be encoded: {0}")]
    Unencodable(&'static str),
}

impl ListError {
    /// A stable, lower-case name for the error kind, used in `testvectors/`.
    pub const fn code(&self) -> &'static str {
        match self {
            ListError::Truncated { .. } => "list_truncated",
            ListError::WrongMagic { .. } => "list_wrong_magic",
            ListError::UnsupportedVersion(_) => "list_unsupported_version",
            ListError::UnknownKind { .. } => "list_unknown_kind",
            ListError::ZeroSequence { .. } => "list_zero_sequence",
            ListError::NextUpdateNotAfterIssue { .. } => "list_next_update_not_after_issue",
            ListError::DeltaSequenceOne { .. } => "list_delta_sequence_one",
            ListError::BaseStateOnFull { .. } => "list_base_state_on_full",
            ListError::TooManyKeys { .. } => "list_too_many_keys",
            ListError::TooManyEntries { .. } => "list_too_many_entries",
            ListError::KeyIdMismatch { .. } => "list_key_id_mismatch",
            ListError::EmptySigningWindow { .. } => "list_empty_signing_window",
            ListError::EmptyAcceptanceWindow { .. } => "list_empty_acceptance_window",
            ListError::StrayCompromiseTime { .. } => "list_stray_compromise_time",
            ListError::UnknownKeyState { .. } => "list_unknown_key_state",
            ListError::KeysOutOfOrder { .. } => "list_keys_out_of_order",
            ListError::SubjectsOutOfOrder { .. } => "list_subjects_out_of_order",
            ListError::StateMismatch { .. } => "list_state_mismatch",
            ListError::TrailingBytes { .. } => "list_trailing_bytes",
            ListError::Unencodable(_) => "list_unencodable",
        }
    }
}

/// A half-open span of time `[from, until)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Window {
    /// The first second inside the window.
    pub from: Timestamp,
    /// The first second after the window.
    pub until: Timestamp,
}

impl Window {
    /// The window holding every representable time.
    pub const ALWAYS: Window = Window {
        from: Timestamp::from_unix(0),
        until: Timestamp::from_unix(u64::MAX),
    };

    /// Whether `t` lies inside the window.
    pub fn contains(self, t: Timestamp) -> bool {
        self.from <= t && t < self.until
    }
}

/// The state of an issuer key in a trust list.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KeyState {
    /// In service.
    Active,
    /// Rotated out: it signs no more tokens, and those it signed keep verifying within the
    /// acceptance window until they expire.
    Retired,
    /// Its secret is known or presumed stolen since the given time. From that time on no
    /// token signed by it verifies, whatever its issue time says: a thief can backdate.
    Compromised {
        /// When the key was compromised.
        since: Timestamp,
    },
}

/// One issuer key in a trust list.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct KeyEntry {
    /// The Ed25519 public key.
    pub public_key: [u8; PUBLIC_KEY_LEN],
    /// When the key may sign: a token's issue time must fall inside it.
    pub signing: Window,
    /// When tokens signed by the key are accepted: the verifier's clock must fall inside it.
    pub accepting: Window,
    /// Active, retired or compromised.
    pub state: KeyState,
}

impl KeyEntry {
    /// The key id tokens signed by this key carry.
    pub fn key_id(&self) -> KeyId {
        KeyId::for_public_key(&self.public_key)
    }
}

/// The header fields trust and revocation lists share.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ListInfo {
    /// Grows by one with every list published; a verifier never goes back to a lower one.
    pub sequence: u64,
    /// When the list was signed.
    pub issued_at: Timestamp,
    /// When a newer list will have been published; data older than this is stale.
    pub next_update_by: Timestamp,
}

/// A trust list whose structure has been checked but whose signature has **not**.
#[derive(Clone, Copy, Debug)]
pub struct TrustList<'a> {
    /// The key id of the root key that signed it.
    pub root_key_id: KeyId,
    /// Sequence number and times.
    pub info: ListInfo,
    entries: &'a [u8],
    /// Every byte before the signature: the message is [`TRUST_LIST_DOMAIN`] followed by this.
    pub body: &'a [u8],
    /// The root key's Ed25519 signature.
    pub signature: &'a [u8; SIGNATURE_LEN],
}

impl<'a> TrustList<'a> {
    /// Parses a trust list, checking every structural rule of SPEC section 17.2. Never
    /// allocates.
    pub fn parse(bytes: &'a [u8]) -> Result<TrustList<'a>, ListError> {
        let mut r = Reader::new(bytes, TRUST_LIST_MAGIC, "trust list")?;
        let root_key_id = KeyId(r.array()?);
        let info = r.info()?;
        let count = usize::from(u16::from_le_bytes(r.array()?));
        if count > MAX_TRUST_LIST_KEYS {
            return Err(ListError::TooManyKeys { offset: r.pos - 2 });
        }
        let start = r.pos;
        let entries = r.take(count * KEY_ENTRY_LEN)?;
        let mut previous: Option<(KeyId, [u8; PUBLIC_KEY_LEN])> = None;
        for (i, raw) in entries.chunks_exact(KEY_ENTRY_LEN).enumerate() {
            let offset = start + i * KEY_ENTRY_LEN;
            let (id, entry) = decode_key_entry(raw, offset)?;
            let order = (id, entry.public_key);
            if previous.is_some_and(|p| p >= order) {
                return Err(ListError::KeysOutOfOrder { offset });
            }
            previous = Some(order);
        }
        let (body, signature) = r.finish()?;
        Ok(TrustList {
            root_key_id,
            info,
            entries,
            body,
            signature,
        })
    }

    /// How many keys the list holds.
    pub fn len(&self) -> usize {
        self.entries.len() / KEY_ENTRY_LEN
    }

    /// Whether the list holds no key.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The keys, in list order (ascending key id).
    pub fn keys(&self) -> impl Iterator<Item = KeyEntry> + 'a {
        self.entries
            .chunks_exact(KEY_ENTRY_LEN)
            // parse() checked every entry.
            .filter_map(|raw| decode_key_entry(raw, 0).ok().map(|(_, e)| e))
    }
}

fn decode_key_entry(raw: &[u8], offset: usize) -> Result<(KeyId, KeyEntry), ListError> {
    let mut id = [0u8; 4];
    id.copy_from_slice(&raw[..4]);
    let id = KeyId(id);
    let mut public_key = [0u8; PUBLIC_KEY_LEN];
    public_key.copy_from_slice(&raw[4..36]);
    if KeyId::for_public_key(&public_key) != id {
        return Err(ListError::KeyIdMismatch { offset });
    }
    let time = |at: usize| Timestamp::from_unix(le_u64(&raw[at..at + 8]));
    let signing = Window {
        from: time(36),
        until: time(44),
    };
    let accepting = Window {
        from: time(52),
        until: time(60),
    };
    if signing.from >= signing.until {
        return Err(ListError::EmptySigningWindow {
            offset: offset + 36,
        });
    }
    if accepting.from >= accepting.until {
        return Err(ListError::EmptyAcceptanceWindow {
            offset: offset + 52,
        });
    }
    let since = time(69);
    let state = match raw[68] {
        0 | 1 if since.unix() != 0 => {
            return Err(ListError::StrayCompromiseTime {
                offset: offset + 69,
            });
        }
        0 => KeyState::Active,
        1 => KeyState::Retired,
        2 => KeyState::Compromised { since },
        _ => {
            return Err(ListError::UnknownKeyState {
                offset: offset + 68,
            });
        }
    };
    Ok((
        id,
        KeyEntry {
            public_key,
            signing,
            accepting,
            state,
        },
    ))
}

/// Whether a revocation list replaces the verifier's set or adds to it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RevocationKind {
    /// The whole set at its sequence number.
    Full,
    /// Entries added since the previous sequence number (this one minus one).
    Delta,
}

/// "Tokens for `subject` issued before `issued_before` are invalid."
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Revocation {
    /// The subject.
    pub subject: SubjectId,
    /// Tokens issued at or after this time are not affected (a refreshed token verifies).
    pub issued_before: Timestamp,
}

impl Revocation {
    /// The 16-byte wire and in-memory form: subject, then the time as u32 little-endian.
    /// `None` if the time does not fit in 32 bits.
    pub fn to_bytes(&self) -> Option<[u8; REVOCATION_ENTRY_LEN]> {
        let t = u32::try_from(self.issued_before.unix()).ok()?;
        let mut out = [0u8; REVOCATION_ENTRY_LEN];
        out[..SUBJECT_LEN].copy_from_slice(&self.subject.0);
        out[SUBJECT_LEN..].copy_from_slice(&t.to_le_bytes());
        Some(out)
    }

    /// Reads the 16-byte form written by [`Revocation::to_bytes`].
    pub fn from_bytes(raw: &[u8; REVOCATION_ENTRY_LEN]) -> Revocation {
        let mut subject = [0u8; SUBJECT_LEN];
        subject.copy_from_slice(&raw[..SUBJECT_LEN]);
        let mut t = [0u8; 4];
        t.copy_from_slice(&raw[SUBJECT_LEN..]);
        Revocation {
            subject: SubjectId(subject),
            issued_before: Timestamp::from_unix(u64::from(u32::from_le_bytes(t))),
        }
    }
}

/// Names one revocation set exactly: SHA-256 of [`REVOCATION_STATE_DOMAIN`] followed by
/// every entry of the set in its 16-byte form, in ascending order of subject. Every list
/// carries the id of the set it leaves a verifier with, and a delta also the id of the set it
/// applies to, so that a delta built on another fork of the history is refused instead of
/// being merged into the wrong set.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RevocationStateId(pub [u8; STATE_ID_LEN]);

impl RevocationStateId {
    /// The state id of a set given as its canonical entries (sorted by subject, one entry a
    /// subject, as [`canonical_revocations`] returns them).
    pub fn of_entries(entries: &[[u8; REVOCATION_ENTRY_LEN]]) -> RevocationStateId {
        use sha2::{Digest, Sha256};
        let mut h = Sha256::new();
        h.update(REVOCATION_STATE_DOMAIN);
        for e in entries {
            h.update(e);
        }
        RevocationStateId(h.finalize().into())
    }
}

impl fmt::Display for RevocationStateId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for b in self.0 {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

/// A revocation list (full or delta) whose structure has been checked but whose signature
/// has **not**.
#[derive(Clone, Copy, Debug)]
pub struct RevocationList<'a> {
    /// Full set or delta.
    pub kind: RevocationKind,
    /// The key id of the issuer key that signed it.
    pub signer: KeyId,
    /// Sequence number and times.
    pub info: ListInfo,
    /// The state id of the whole revocation set at this sequence (after a delta is applied).
    pub state: RevocationStateId,
    /// For a delta, the state id of the set it applies to (the set at `sequence - 1`); `None`
    /// for a full list.
    pub base_state: Option<RevocationStateId>,
    entries: &'a [u8],
    /// Every byte before the signature: the message is [`REVOCATION_LIST_DOMAIN`] followed by
    /// this.
    pub body: &'a [u8],
    /// The issuer key's Ed25519 signature.
    pub signature: &'a [u8; SIGNATURE_LEN],
}

impl<'a> RevocationList<'a> {
    /// Parses a revocation list, checking every structural rule of SPEC section 17.3
    /// (including that subjects are in strictly ascending order, and for a full list that
    /// its state id is that of its entries). Never allocates; reads the entries twice (order,
    /// then the state id).
    pub fn parse(bytes: &'a [u8]) -> Result<RevocationList<'a>, ListError> {
        let mut r = Reader::new(bytes, REVOCATION_LIST_MAGIC, "revocation list")?;
        let kind_at = r.pos;
        let kind = match r.array::<1>()?[0] {
            0 => RevocationKind::Full,
            1 => RevocationKind::Delta,
            _ => return Err(ListError::UnknownKind { offset: kind_at }),
        };
        let signer = KeyId(r.array()?);
        let seq_at = r.pos;
        let info = r.info()?;
        if kind == RevocationKind::Delta && info.sequence == 1 {
            return Err(ListError::DeltaSequenceOne { offset: seq_at });
        }
        let state_at = r.pos;
        let state = RevocationStateId(r.array()?);
        let base_at = r.pos;
        let base = r.array::<STATE_ID_LEN>()?;
        let base_state = match kind {
            RevocationKind::Delta => Some(RevocationStateId(base)),
            RevocationKind::Full if base != [0; STATE_ID_LEN] => {
                return Err(ListError::BaseStateOnFull { offset: base_at });
            }
            RevocationKind::Full => None,
        };
        let count_at = r.pos;
        let count = u32::from_le_bytes(r.array()?) as usize;
        // Checked before anything else is read, so that a caller can refuse a huge list
        // from its header alone (see [`RevocationList::declared_len`]).
        if count > MAX_REVOCATION_ENTRIES {
            return Err(ListError::TooManyEntries { offset: count_at });
        }
        let entries = r.take(count * REVOCATION_ENTRY_LEN)?;
        let mut previous: Option<&[u8]> = None;
        for (i, raw) in entries.chunks_exact(REVOCATION_ENTRY_LEN).enumerate() {
            let subject = &raw[..SUBJECT_LEN];
            if previous.is_some_and(|p| p >= subject) {
                return Err(ListError::SubjectsOutOfOrder {
                    offset: count_at + 4 + i * REVOCATION_ENTRY_LEN,
                });
            }
            previous = Some(subject);
        }
        let raw = entries.as_chunks::<REVOCATION_ENTRY_LEN>().0;
        if kind == RevocationKind::Full && RevocationStateId::of_entries(raw) != state {
            return Err(ListError::StateMismatch { offset: state_at });
        }
        let (body, signature) = r.finish()?;
        Ok(RevocationList {
            kind,
            signer,
            info,
            state,
            base_state,
            entries,
            body,
            signature,
        })
    }

    /// How many entries the list holds.
    pub fn len(&self) -> usize {
        self.entries.len() / REVOCATION_ENTRY_LEN
    }

    /// Whether the list holds no entry (a delta may be empty: it still moves the sequence
    /// and the next-update-by time on).
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The entries in their 16-byte form, in ascending order of subject.
    pub fn raw_entries(&self) -> &'a [[u8; REVOCATION_ENTRY_LEN]] {
        // parse() took a whole number of entries, so the remainder is empty.
        self.entries.as_chunks::<REVOCATION_ENTRY_LEN>().0
    }

    /// The entries, in ascending order of subject.
    pub fn entries(&self) -> impl Iterator<Item = Revocation> + 'a {
        self.raw_entries().iter().map(Revocation::from_bytes)
    }

    /// The total length in bytes of the revocation list whose first bytes are `header`, read
    /// from its count field alone: lets a caller refuse a list over its budget before reading
    /// it whole. `header` must hold at least [`REVOCATION_HEADER_LEN`] bytes; nothing but
    /// magic, version and count is checked (parse the whole list for that). A count above
    /// [`MAX_REVOCATION_ENTRIES`] is [`ListError::TooManyEntries`].
    pub fn declared_len(header: &[u8]) -> Result<usize, ListError> {
        let mut r = Reader::new(header, REVOCATION_LIST_MAGIC, "revocation list")?;
        let count_at = REVOCATION_HEADER_LEN - 4;
        r.take(count_at - r.pos)?;
        let count = u32::from_le_bytes(r.array()?) as usize;
        if count > MAX_REVOCATION_ENTRIES {
            return Err(ListError::TooManyEntries { offset: count_at });
        }
        Ok(REVOCATION_HEADER_LEN + count * REVOCATION_ENTRY_LEN + SIGNATURE_LEN)
    }
}

/// The message a signer signs for a list body: the domain string, then the body, as two
/// parts so that verifiers can hash it without copying.
pub fn list_signed_message<'b>(domain: &'static [u8], body: &'b [u8]) -> [&'b [u8]; 2] {
    [domain, body]
}

#[cfg(feature = "alloc")]
mod encode {
    use alloc::vec::Vec;

    use super::*;

    fn push_info(out: &mut Vec<u8>, info: &ListInfo) {
        out.extend_from_slice(&info.sequence.to_le_bytes());
        out.extend_from_slice(&info.issued_at.unix().to_le_bytes());
        out.extend_from_slice(&info.next_update_by.unix().to_le_bytes());
    }

    /// The body (everything but the signature) of a trust list holding `keys`, signed by
    /// the root key with id `root_key_id`. Keys are written in the order the format
    /// requires, whatever order they are given in; a key given twice is an error, and so
    /// is an empty window or a sequence of 0.
    pub fn encode_trust_list(
        root_key_id: KeyId,
        info: &ListInfo,
        keys: &[KeyEntry],
    ) -> Result<Vec<u8>, ListError> {
        if keys.len() > MAX_TRUST_LIST_KEYS {
            return Err(ListError::Unencodable("more than 1024 keys"));
        }
        if info.sequence == 0 {
            return Err(ListError::Unencodable("sequence numbers start at 1"));
        }
        let mut sorted: Vec<(KeyId, &KeyEntry)> = keys.iter().map(|k| (k.key_id(), k)).collect();
        sorted.sort_by_key(|a| (a.0, a.1.public_key));
        if sorted
            .windows(2)
            .any(|w| w[0].1.public_key == w[1].1.public_key)
        {
            return Err(ListError::Unencodable("a key is listed twice"));
        }
        let mut out = Vec::with_capacity(TRUST_LIST_HEADER_LEN + keys.len() * KEY_ENTRY_LEN);
        out.extend_from_slice(&TRUST_LIST_MAGIC);
        out.push(LIST_VERSION);
        out.extend_from_slice(&root_key_id.0);
        push_info(&mut out, info);
        // At most 1024, checked above.
        out.extend_from_slice(&(keys.len() as u16).to_le_bytes());
        for (id, key) in sorted {
            if key.signing.from >= key.signing.until || key.accepting.from >= key.accepting.until {
                return Err(ListError::Unencodable("a key has an empty window"));
            }
            out.extend_from_slice(&id.0);
            out.extend_from_slice(&key.public_key);
            for t in [
                key.signing.from,
                key.signing.until,
                key.accepting.from,
                key.accepting.until,
            ] {
                out.extend_from_slice(&t.unix().to_le_bytes());
            }
            let (state, since) = match key.state {
                KeyState::Active => (0u8, 0),
                KeyState::Retired => (1, 0),
                KeyState::Compromised { since } => (2, since.unix()),
            };
            out.push(state);
            out.extend_from_slice(&since.to_le_bytes());
        }
        Ok(out)
    }

    /// Entry order: by subject, then by time (as a number, not by its little-endian bytes).
    fn entry_key(e: &[u8; REVOCATION_ENTRY_LEN]) -> ([u8; SUBJECT_LEN], u32) {
        let r = Revocation::from_bytes(e);
        // from_bytes read the time from 32 bits, so it fits.
        (
            r.subject.0,
            u32::try_from(r.issued_before.unix()).unwrap_or(u32::MAX),
        )
    }

    /// Sorts revocation entries by subject and keeps one entry a subject: the one with the
    /// **latest** time (a later revocation covers every token an earlier one did). This is the
    /// one merge rule of the format: publishers use it to build lists, verifiers to apply deltas.
    pub fn merge_raw_entries(entries: &mut Vec<[u8; REVOCATION_ENTRY_LEN]>) {
        entries.sort_unstable_by_key(entry_key);
        // Sorted by subject then time: of equal subjects, the last is the latest; dedup_by keeps
        // the first of a run, so copy each later one over it.
        entries.dedup_by(|later, earlier| {
            let same = later[..SUBJECT_LEN] == earlier[..SUBJECT_LEN];
            if same {
                *earlier = *later;
            }
            same
        });
    }

    /// The canonical entries of the set `entries` describe: sorted by subject, one a subject
    /// keeping the latest time ([`merge_raw_entries`]). An error if a time does not fit in
    /// 32 bits or there are more than [`MAX_REVOCATION_ENTRIES`] subjects.
    pub fn canonical_revocations(
        entries: &[Revocation],
    ) -> Result<Vec<[u8; REVOCATION_ENTRY_LEN]>, ListError> {
        let mut raw: Vec<[u8; REVOCATION_ENTRY_LEN]> = entries
            .iter()
            .map(|e| {
                e.to_bytes()
                    .ok_or(ListError::Unencodable("revocation time beyond 2106"))
            })
            .collect::<Result<_, _>>()?;
        merge_raw_entries(&mut raw);
        if raw.len() > MAX_REVOCATION_ENTRIES {
            return Err(ListError::Unencodable("more than 2^24 subjects"));
        }
        Ok(raw)
    }

    /// The body (everything but the signature) of a full revocation list holding `entries`
    /// (merged as [`canonical_revocations`] does), signed by the issuer key with id `signer`,
    /// with the state id of those entries.
    pub fn encode_full_revocation_list(
        signer: KeyId,
        info: &ListInfo,
        entries: &[Revocation],
    ) -> Result<Vec<u8>, ListError> {
        let raw = canonical_revocations(entries)?;
        let state = RevocationStateId::of_entries(&raw);
        encode_revocations(RevocationKind::Full, signer, info, state, None, &raw)
    }

    /// The body (everything but the signature) of a delta holding `entries` (merged as
    /// [`canonical_revocations`] does), which applies to the set with id `base` and leaves
    /// the set with id `state`; the caller computes both from the sets themselves.
    pub fn encode_revocation_delta(
        signer: KeyId,
        info: &ListInfo,
        entries: &[Revocation],
        base: RevocationStateId,
        state: RevocationStateId,
    ) -> Result<Vec<u8>, ListError> {
        let raw = canonical_revocations(entries)?;
        encode_revocations(RevocationKind::Delta, signer, info, state, Some(base), &raw)
    }

    fn encode_revocations(
        kind: RevocationKind,
        signer: KeyId,
        info: &ListInfo,
        state: RevocationStateId,
        base: Option<RevocationStateId>,
        raw: &[[u8; REVOCATION_ENTRY_LEN]],
    ) -> Result<Vec<u8>, ListError> {
        let min_sequence = match kind {
            RevocationKind::Full => 1,
            RevocationKind::Delta => 2,
        };
        if info.sequence < min_sequence {
            return Err(ListError::Unencodable(
                "sequence too low (full lists start at 1, deltas at 2)",
            ));
        }
        // At most MAX_REVOCATION_ENTRIES (2^24), checked by canonical_revocations.
        let count = raw.len() as u32;
        let mut out = Vec::with_capacity(REVOCATION_HEADER_LEN + raw.len() * REVOCATION_ENTRY_LEN);
        out.extend_from_slice(&REVOCATION_LIST_MAGIC);
        out.push(LIST_VERSION);
        out.push(match kind {
            RevocationKind::Full => 0,
            RevocationKind::Delta => 1,
        });
        out.extend_from_slice(&signer.0);
        push_info(&mut out, info);
        out.extend_from_slice(&state.0);
        out.extend_from_slice(&base.map_or([0; STATE_ID_LEN], |b| b.0));
        out.extend_from_slice(&count.to_le_bytes());
        for entry in raw {
            out.extend_from_slice(entry);
        }
        Ok(out)
    }
}

#[cfg(feature = "alloc")]
pub use encode::{
    canonical_revocations, encode_full_revocation_list, encode_revocation_delta, encode_trust_list,
    merge_raw_entries,
};

fn le_u64(b: &[u8]) -> u64 {
    let mut a = [0u8; 8];
    a.copy_from_slice(&b[..8]);
    u64::from_le_bytes(a)
}

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    /// Checks magic and version.
    fn new(
        bytes: &'a [u8],
        magic: [u8; 4],
        expected: &'static str,
    ) -> Result<Reader<'a>, ListError> {
        let n = bytes.len().min(4);
        if bytes[..n] != magic[..n] {
            return Err(ListError::WrongMagic { expected });
        }
        let mut r = Reader { bytes, pos: 0 };
        r.take(4)?;
        let version = r.array::<1>()?[0];
        if version != LIST_VERSION {
            return Err(ListError::UnsupportedVersion(version));
        }
        Ok(r)
    }

    fn take(&mut self, len: usize) -> Result<&'a [u8], ListError> {
        let end = self.pos.checked_add(len).filter(|&e| e <= self.bytes.len());
        let Some(end) = end else {
            return Err(ListError::Truncated {
                offset: self.bytes.len(),
            });
        };
        let out = &self.bytes[self.pos..end];
        self.pos = end;
        Ok(out)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], ListError> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }

    fn info(&mut self) -> Result<ListInfo, ListError> {
        let at = self.pos;
        let sequence = u64::from_le_bytes(self.array()?);
        let issued_at = Timestamp::from_unix(u64::from_le_bytes(self.array()?));
        let next_update_by = Timestamp::from_unix(u64::from_le_bytes(self.array()?));
        if sequence == 0 {
            return Err(ListError::ZeroSequence { offset: at });
        }
        if next_update_by <= issued_at {
            return Err(ListError::NextUpdateNotAfterIssue { offset: at + 16 });
        }
        Ok(ListInfo {
            sequence,
            issued_at,
            next_update_by,
        })
    }

    /// The signature must end the input exactly.
    fn finish(mut self) -> Result<(&'a [u8], &'a [u8; SIGNATURE_LEN]), ListError> {
        let body_len = self.pos;
        let rest = self.bytes.len() - body_len;
        if rest > SIGNATURE_LEN {
            return Err(ListError::TrailingBytes {
                extra: rest - SIGNATURE_LEN,
            });
        }
        let signature = self
            .take(SIGNATURE_LEN)?
            .try_into()
            .map_err(|_| ListError::Truncated {
                offset: self.bytes.len(),
            })?;
        Ok((&self.bytes[..body_len], signature))
    }
}

impl fmt::Display for RevocationKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RevocationKind::Full => "full",
            RevocationKind::Delta => "delta",
        })
    }
}

#[cfg(test)]
mod tests {
    use alloc::vec;

    use super::*;

    #[test]
    fn merging_keeps_the_later_time_whatever_its_bytes() {
        let subject = SubjectId([7; SUBJECT_LEN]);
        // 255 is ff 00 00 00 and 256 is 00 01 00 00 in little-endian: compared as bytes,
        // the earlier time sorts last.
        let at = |t| Revocation {
            subject,
            issued_before: Timestamp::from_unix(t),
        };
        for entries in [[at(255), at(256)], [at(256), at(255)]] {
            let raw = canonical_revocations(&entries).unwrap();
            assert_eq!(raw.len(), 1);
            assert_eq!(Revocation::from_bytes(&raw[0]).issued_before.unix(), 256);
        }
        let mut raw = vec![at(256).to_bytes().unwrap(), at(255).to_bytes().unwrap()];
        merge_raw_entries(&mut raw);
        assert_eq!(raw, vec![at(256).to_bytes().unwrap()]);
    }

    #[test]
    fn a_huge_count_is_refused_from_the_header() {
        let info = ListInfo {
            sequence: 1,
            issued_at: Timestamp::from_unix(1),
            next_update_by: Timestamp::from_unix(2),
        };
        let mut body = encode_full_revocation_list(KeyId([1; 4]), &info, &[]).unwrap();
        assert_eq!(
            RevocationList::declared_len(&body),
            Ok(REVOCATION_HEADER_LEN + SIGNATURE_LEN)
        );
        let count_at = REVOCATION_HEADER_LEN - 4;
        body[count_at..].copy_from_slice(&(MAX_REVOCATION_ENTRIES as u32 + 1).to_le_bytes());
        let err = ListError::TooManyEntries { offset: count_at };
        assert_eq!(RevocationList::declared_len(&body), Err(err));
        assert_eq!(RevocationList::parse(&body).unwrap_err(), err);
    }
}
