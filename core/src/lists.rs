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
/// time, next-update-by time, entry count (u32).
pub const REVOCATION_HEADER_LEN: usize = 4 + 1 + 1 + 4 + 8 + 8 + 8 + 4;
/// Bytes of one revocation entry: the subject, then the issue time (u32 seconds) before
/// which its tokens are invalid.
pub const REVOCATION_ENTRY_LEN: usize = SUBJECT_LEN + 4;

/// Why a trust or revocation list could not be read. [`ListError::code`] gives a stable name
/// for each kind; offsets count bytes from the start of the list.
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
    /// A header field or an entry breaks a rule of the format.
    #[error("invalid list at byte {offset}: {reason}")]
    Invalid {
        /// Offset of the offending field or entry.
        offset: usize,
        /// The rule broken, in a few words.
        reason: &'static str,
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
            ListError::Invalid { .. } => "list_invalid",
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
            return Err(ListError::Invalid {
                offset: r.pos - 2,
                reason: "more keys than a trust list may hold",
            });
        }
        let start = r.pos;
        let entries = r.take(count * KEY_ENTRY_LEN)?;
        let mut previous: Option<(KeyId, [u8; PUBLIC_KEY_LEN])> = None;
        for (i, raw) in entries.chunks_exact(KEY_ENTRY_LEN).enumerate() {
            let offset = start + i * KEY_ENTRY_LEN;
            let (id, entry) = decode_key_entry(raw, offset)?;
            let order = (id, entry.public_key);
            if previous.is_some_and(|p| p >= order) {
                return Err(ListError::Invalid {
                    offset,
                    reason: "keys are not in strictly ascending order of key id and key",
                });
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
    let invalid = |at: usize, reason| ListError::Invalid {
        offset: offset + at,
        reason,
    };
    let mut id = [0u8; 4];
    id.copy_from_slice(&raw[..4]);
    let id = KeyId(id);
    let mut public_key = [0u8; PUBLIC_KEY_LEN];
    public_key.copy_from_slice(&raw[4..36]);
    if KeyId::for_public_key(&public_key) != id {
        return Err(invalid(0, "key id does not match the public key"));
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
        return Err(invalid(36, "signing window is empty"));
    }
    if accepting.from >= accepting.until {
        return Err(invalid(52, "acceptance window is empty"));
    }
    let since = time(69);
    let state = match raw[68] {
        0 | 1 if since.unix() != 0 => {
            return Err(invalid(69, "compromise time set on a key not compromised"));
        }
        0 => KeyState::Active,
        1 => KeyState::Retired,
        2 => KeyState::Compromised { since },
        _ => return Err(invalid(68, "unknown key state")),
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
    entries: &'a [u8],
    /// Every byte before the signature: the message is [`REVOCATION_LIST_DOMAIN`] followed by
    /// this.
    pub body: &'a [u8],
    /// The issuer key's Ed25519 signature.
    pub signature: &'a [u8; SIGNATURE_LEN],
}

impl<'a> RevocationList<'a> {
    /// Parses a revocation list, checking every structural rule of SPEC section 17.3
    /// (including that subjects are in strictly ascending order). Never allocates; reads
    /// the entries once.
    pub fn parse(bytes: &'a [u8]) -> Result<RevocationList<'a>, ListError> {
        let mut r = Reader::new(bytes, REVOCATION_LIST_MAGIC, "revocation list")?;
        let kind_at = r.pos;
        let kind = match r.array::<1>()?[0] {
            0 => RevocationKind::Full,
            1 => RevocationKind::Delta,
            _ => {
                return Err(ListError::Invalid {
                    offset: kind_at,
                    reason: "unknown list kind",
                });
            }
        };
        let signer = KeyId(r.array()?);
        let seq_at = r.pos;
        let info = r.info()?;
        if info.sequence == 0 || (kind == RevocationKind::Delta && info.sequence == 1) {
            return Err(ListError::Invalid {
                offset: seq_at,
                reason: "sequence too low for the list kind",
            });
        }
        let count_at = r.pos;
        let count = u32::from_le_bytes(r.array()?) as usize;
        // Checked against the input before anything is read, so a huge count costs nothing.
        let len = count
            .checked_mul(REVOCATION_ENTRY_LEN)
            .ok_or(ListError::Truncated {
                offset: bytes.len(),
            })?;
        let entries = r.take(len)?;
        let mut previous: Option<&[u8]> = None;
        for (i, raw) in entries.chunks_exact(REVOCATION_ENTRY_LEN).enumerate() {
            let subject = &raw[..SUBJECT_LEN];
            if previous.is_some_and(|p| p >= subject) {
                return Err(ListError::Invalid {
                    offset: count_at + 4 + i * REVOCATION_ENTRY_LEN,
                    reason: "subjects are not in strictly ascending order",
                });
            }
            previous = Some(subject);
        }
        let (body, signature) = r.finish()?;
        Ok(RevocationList {
            kind,
            signer,
            info,
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

    /// The body (everything but the signature) of a revocation list of `kind` holding
    /// `entries`, signed by the issuer key with id `signer`. Entries are sorted; a subject
    /// given twice keeps the later of its times.
    pub fn encode_revocation_list(
        kind: RevocationKind,
        signer: KeyId,
        info: &ListInfo,
        entries: &[Revocation],
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
        let mut raw: Vec<[u8; REVOCATION_ENTRY_LEN]> = entries
            .iter()
            .map(|e| {
                e.to_bytes()
                    .ok_or(ListError::Unencodable("revocation time beyond 2106"))
            })
            .collect::<Result<_, _>>()?;
        raw.sort_unstable();
        // Sorted by subject then time: of equal subjects, keep the last (the latest time).
        raw.dedup_by(|later, earlier| {
            let same = later[..SUBJECT_LEN] == earlier[..SUBJECT_LEN];
            if same {
                *earlier = *later;
            }
            same
        });
        let count = u32::try_from(raw.len())
            .map_err(|_| ListError::Unencodable("more than 2^32 - 1 entries"))?;
        let mut out = Vec::with_capacity(REVOCATION_HEADER_LEN + raw.len() * REVOCATION_ENTRY_LEN);
        out.extend_from_slice(&REVOCATION_LIST_MAGIC);
        out.push(LIST_VERSION);
        out.push(match kind {
            RevocationKind::Full => 0,
            RevocationKind::Delta => 1,
        });
        out.extend_from_slice(&signer.0);
        push_info(&mut out, info);
        out.extend_from_slice(&count.to_le_bytes());
        for entry in &raw {
            out.extend_from_slice(entry);
        }
        Ok(out)
    }
}

#[cfg(feature = "alloc")]
pub use encode::{encode_revocation_list, encode_trust_list};

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
            return Err(ListError::Invalid {
                offset: at,
                reason: "sequence numbers start at 1",
            });
        }
        if next_update_by <= issued_at {
            return Err(ListError::Invalid {
                offset: at + 16,
                reason: "next update is not after the issue time",
            });
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
