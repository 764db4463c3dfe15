//! The byte layout of a journal file (docs/SPEC.md §18): the file header, the record frame
//! and each record type's payload. Pure functions over bytes; no file access.

use qrseal_core::wire::{KEY_ID_LEN, SUBJECT_LEN};
use qrseal_core::{Colour, KeyId, SubjectId};

use crate::error::Error;

/// The first eight bytes of every journal file.
pub const MAGIC: [u8; 8] = *b"QSJOURNL";

/// The format version this crate reads and writes.
pub const VERSION: u16 = 1;

/// Bytes of the fixed part of the header before the site id: magic, version, header length,
/// journal id, created time.
const HEADER_FIXED: usize = 8 + 2 + 2 + 16 + 8;

/// The longest header: the fixed part, two length-prefixed ids of at most
/// [`MAX_ID_LEN`] bytes, and the CRC.
pub const MAX_HEADER_LEN: usize = HEADER_FIXED + 2 * (1 + MAX_ID_LEN) + 4;

/// The longest site id, device id or tube barcode.
pub const MAX_ID_LEN: usize = 64;

/// Bytes before a record's payload: its length (u32) and type (u8).
pub const FRAME_HEAD: usize = 5;

/// Bytes after a record's payload: its CRC-32.
pub const FRAME_TAIL: usize = 4;

/// The largest payload any record type has in version 1 is 77 bytes (a tube opened with a
/// 64-byte barcode); a length field above this bound is corruption, never an allocation.
pub const MAX_PAYLOAD: u32 = 1024;

/// A journal's identity and where it was written, from its header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header {
    /// 16 random bytes chosen when the journal was created; with a tube's sequence number it
    /// names the tube's upload batch.
    pub journal_id: [u8; 16],
    /// The collection site (1-64 characters of `[A-Za-z0-9._-]`).
    pub site: String,
    /// The scanning device (same characters).
    pub device: String,
    /// When the journal was created, Unix seconds.
    pub created_at: u64,
}

impl Header {
    /// The journal id as 32 lower-case hex digits.
    pub fn journal_id_hex(&self) -> String {
        hex(&self.journal_id)
    }

    /// The header's bytes, CRC included.
    pub fn encode(&self) -> Vec<u8> {
        let len = HEADER_FIXED + 2 + self.site.len() + self.device.len() + 4;
        let mut out = Vec::with_capacity(len);
        out.extend_from_slice(&MAGIC);
        out.extend_from_slice(&VERSION.to_le_bytes());
        // At most MAX_HEADER_LEN (ids are checked before a header is built).
        out.extend_from_slice(&(len as u16).to_le_bytes());
        out.extend_from_slice(&self.journal_id);
        out.extend_from_slice(&self.created_at.to_le_bytes());
        for id in [&self.site, &self.device] {
            out.push(id.len() as u8);
            out.extend_from_slice(id.as_bytes());
        }
        let crc = crc32fast::hash(&out);
        out.extend_from_slice(&crc.to_le_bytes());
        out
    }

    /// Decodes a header from the start of `bytes` (which may hold more), returning it and its
    /// length. Refuses another magic, another version, a bad length or a bad CRC.
    pub fn decode(bytes: &[u8]) -> Result<(Header, usize), Error> {
        if bytes.len() < 8 || bytes[..8] != MAGIC {
            return Err(Error::NotAJournal);
        }
        if bytes.len() < 12 {
            return Err(Error::CorruptHeader("shorter than its fixed part"));
        }
        let version = u16::from_le_bytes([bytes[8], bytes[9]]);
        if version != VERSION {
            return Err(Error::UnsupportedVersion(version));
        }
        let len = usize::from(u16::from_le_bytes([bytes[10], bytes[11]]));
        if !(HEADER_FIXED + 2 + 2 + 4..=MAX_HEADER_LEN).contains(&len) {
            return Err(Error::CorruptHeader("header length out of range"));
        }
        if bytes.len() < len {
            return Err(Error::CorruptHeader("file shorter than its header"));
        }
        let (body, crc) = bytes[..len].split_at(len - 4);
        if crc32fast::hash(body).to_le_bytes() != crc {
            return Err(Error::CorruptHeader("header checksum does not match"));
        }
        let mut journal_id = [0u8; 16];
        journal_id.copy_from_slice(&body[12..28]);
        let created_at = u64::from_le_bytes(array(&body[28..36]));
        let mut rest = &body[HEADER_FIXED..];
        let mut ids = [String::new(), String::new()];
        for id in &mut ids {
            let (&n, tail) = rest
                .split_first()
                .ok_or(Error::CorruptHeader("ids truncated"))?;
            let n = usize::from(n);
            if tail.len() < n {
                return Err(Error::CorruptHeader("ids truncated"));
            }
            let (text, tail) = tail.split_at(n);
            *id = checked_id(text)
                .ok_or(Error::CorruptHeader("an id is not 1-64 of [A-Za-z0-9._-]"))?;
            rest = tail;
        }
        if !rest.is_empty() {
            return Err(Error::CorruptHeader("bytes after the device id"));
        }
        let [site, device] = ids;
        Ok((
            Header {
                journal_id,
                site,
                device,
                created_at,
            },
            len,
        ))
    }
}

/// Whether `s` is a valid site id, device id or tube barcode: 1-64 characters of
/// `[A-Za-z0-9._-]`.
pub fn is_valid_id(s: &str) -> bool {
    checked_id(s.as_bytes()).is_some()
}

fn checked_id(b: &[u8]) -> Option<String> {
    let ok = (1..=MAX_ID_LEN).contains(&b.len())
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'-'));
    // ASCII only, so always UTF-8.
    ok.then(|| String::from_utf8_lossy(b).into_owned())
}

/// Why a tube was sealed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SealReason {
    /// It reached the tube size.
    Full,
    /// Sealed by hand.
    ByHand,
    /// Another tube was opened while it was open.
    Replaced,
}

impl SealReason {
    fn byte(self) -> u8 {
        match self {
            SealReason::Full => 0,
            SealReason::ByHand => 1,
            SealReason::Replaced => 2,
        }
    }

    fn from_byte(b: u8) -> Option<SealReason> {
        match b {
            0 => Some(SealReason::Full),
            1 => Some(SealReason::ByHand),
            2 => Some(SealReason::Replaced),
            _ => None,
        }
    }

    /// A stable lower-case name: `full`, `by_hand`, `replaced`.
    pub const fn as_str(self) -> &'static str {
        match self {
            SealReason::Full => "full",
            SealReason::ByHand => "by_hand",
            SealReason::Replaced => "replaced",
        }
    }
}

/// One scan: a verified token's subject hash (never an ID number or name), its key id,
/// colour and the verdict, at a time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Scan {
    /// The token's subject hash.
    pub subject: SubjectId,
    /// The key id of the issuer key that signed the token.
    pub key_id: KeyId,
    /// The token's colour.
    pub colour: Colour,
    /// 0 when the policy admitted the holder; otherwise the number
    /// ([`qrseal_verifier::Code::number`]) of the first denial.
    pub verdict: u16,
    /// When the token was scanned, Unix seconds.
    pub scanned_at: u64,
}

impl Scan {
    /// Whether the policy admitted the holder (only admitted people go into a tube).
    pub const fn admitted(&self) -> bool {
        self.verdict == 0
    }
}

/// A record of the journal, decoded.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Record {
    /// A token was scanned and verified (type 1).
    Scan(Scan),
    /// A tube was opened (type 2).
    TubeOpened {
        /// The tube's sequence number in this journal (1, 2, ...).
        tube: u32,
        /// The tube's barcode.
        barcode: String,
        /// When, Unix seconds.
        opened_at: u64,
    },
    /// A scan (by its index among the journal's scans, from 0) went into a tube (type 3).
    Assigned {
        /// The scan's index.
        scan: u32,
        /// The tube's sequence number.
        tube: u32,
    },
    /// A tube was sealed (type 4).
    TubeSealed {
        /// The tube's sequence number.
        tube: u32,
        /// When, Unix seconds.
        sealed_at: u64,
        /// Why.
        reason: SealReason,
    },
    /// The service acknowledged the tube's batch (type 5).
    Acknowledged {
        /// The tube's sequence number.
        tube: u32,
        /// The service's `stored_at`, Unix seconds.
        stored_at: u64,
    },
}

const SCAN: u8 = 1;
const TUBE_OPENED: u8 = 2;
const ASSIGNED: u8 = 3;
const TUBE_SEALED: u8 = 4;
const ACKNOWLEDGED: u8 = 5;

impl Record {
    /// Appends the record's frame (length, type, payload, CRC) to `out`.
    pub fn encode_into(&self, out: &mut Vec<u8>) {
        let start = out.len();
        out.extend_from_slice(&[0; FRAME_HEAD]);
        let kind = match self {
            Record::Scan(s) => {
                out.extend_from_slice(&s.subject.0);
                out.extend_from_slice(&s.key_id.0);
                out.push(colour_byte(s.colour));
                out.extend_from_slice(&s.verdict.to_le_bytes());
                out.extend_from_slice(&s.scanned_at.to_le_bytes());
                SCAN
            }
            Record::TubeOpened {
                tube,
                barcode,
                opened_at,
            } => {
                out.extend_from_slice(&tube.to_le_bytes());
                out.extend_from_slice(&opened_at.to_le_bytes());
                // Barcodes are checked (at most MAX_ID_LEN bytes) before a record is built.
                out.push(barcode.len() as u8);
                out.extend_from_slice(barcode.as_bytes());
                TUBE_OPENED
            }
            Record::Assigned { scan, tube } => {
                out.extend_from_slice(&scan.to_le_bytes());
                out.extend_from_slice(&tube.to_le_bytes());
                ASSIGNED
            }
            Record::TubeSealed {
                tube,
                sealed_at,
                reason,
            } => {
                out.extend_from_slice(&tube.to_le_bytes());
                out.extend_from_slice(&sealed_at.to_le_bytes());
                out.push(reason.byte());
                TUBE_SEALED
            }
            Record::Acknowledged { tube, stored_at } => {
                out.extend_from_slice(&tube.to_le_bytes());
                out.extend_from_slice(&stored_at.to_le_bytes());
                ACKNOWLEDGED
            }
        };
        // Every payload is far below MAX_PAYLOAD, so the length fits a u32.
        let len = (out.len() - start - FRAME_HEAD) as u32;
        out[start..start + 4].copy_from_slice(&len.to_le_bytes());
        out[start + 4] = kind;
        let crc = crc32fast::hash(&out[start..]);
        out.extend_from_slice(&crc.to_le_bytes());
    }

    /// The record's frame as bytes.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.encode_into(&mut out);
        out
    }

    /// Decodes a payload whose frame checksum matched. `None` when the type is unknown or
    /// the payload is not that type's layout.
    fn decode_payload(kind: u8, p: &[u8]) -> Option<Record> {
        Some(match (kind, p.len()) {
            (SCAN, 27) => Record::Scan(Scan {
                subject: SubjectId(array::<SUBJECT_LEN>(&p[..12])),
                key_id: KeyId(array::<KEY_ID_LEN>(&p[12..16])),
                colour: *Colour::ALL.get(usize::from(p[16]))?,
                verdict: u16::from_le_bytes([p[17], p[18]]),
                scanned_at: u64::from_le_bytes(array(&p[19..27])),
            }),
            (TUBE_OPENED, 13..) => {
                let n = usize::from(p[12]);
                if p.len() != 13 + n {
                    return None;
                }
                Record::TubeOpened {
                    tube: u32::from_le_bytes(array(&p[..4])),
                    opened_at: u64::from_le_bytes(array(&p[4..12])),
                    barcode: checked_id(&p[13..])?,
                }
            }
            (ASSIGNED, 8) => Record::Assigned {
                scan: u32::from_le_bytes(array(&p[..4])),
                tube: u32::from_le_bytes(array(&p[4..8])),
            },
            (TUBE_SEALED, 13) => Record::TubeSealed {
                tube: u32::from_le_bytes(array(&p[..4])),
                sealed_at: u64::from_le_bytes(array(&p[4..12])),
                reason: SealReason::from_byte(p[12])?,
            },
            (ACKNOWLEDGED, 12) => Record::Acknowledged {
                tube: u32::from_le_bytes(array(&p[..4])),
                stored_at: u64::from_le_bytes(array(&p[4..12])),
            },
            _ => return None,
        })
    }
}

/// Why the bytes at some offset are not a complete, valid record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Damage {
    /// The file ends inside the record (a torn append).
    Torn,
    /// The length field is above [`MAX_PAYLOAD`].
    BadLength,
    /// The CRC does not match the record's bytes.
    BadChecksum,
}

impl Damage {
    /// A stable lower-case name: `torn`, `bad_length`, `bad_checksum`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Damage::Torn => "torn",
            Damage::BadLength => "bad_length",
            Damage::BadChecksum => "bad_checksum",
        }
    }
}

impl core::fmt::Display for Damage {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            Damage::Torn => "the file ends inside a record (a torn append)",
            Damage::BadLength => "a record length above the format's bound",
            Damage::BadChecksum => "a record whose checksum does not match",
        })
    }
}

/// What the bytes at the front of `buf` hold.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Frame {
    /// A valid record and its frame length.
    Record(Record, usize),
    /// Not enough bytes yet: at least this many are needed (the caller reads more, or, at the
    /// end of the file, the record is torn).
    Need(usize),
    /// Damaged (the checksum or length is wrong).
    Damaged(Damage),
    /// The checksum matches but the type or payload is not version 1's: a writer bug or a
    /// newer writer, never a torn write.
    Invalid(&'static str),
}

/// Reads the record frame at the front of `buf`.
pub(crate) fn frame(buf: &[u8]) -> Frame {
    if buf.len() < FRAME_HEAD {
        return Frame::Need(FRAME_HEAD);
    }
    let len = u32::from_le_bytes(array(&buf[..4]));
    if len > MAX_PAYLOAD {
        return Frame::Damaged(Damage::BadLength);
    }
    // At most MAX_PAYLOAD + 9: no overflow.
    let total = FRAME_HEAD + len as usize + FRAME_TAIL;
    if buf.len() < total {
        return Frame::Need(total);
    }
    let (body, crc) = buf[..total].split_at(total - FRAME_TAIL);
    if crc32fast::hash(body).to_le_bytes() != crc {
        return Frame::Damaged(Damage::BadChecksum);
    }
    match Record::decode_payload(buf[4], &body[FRAME_HEAD..]) {
        Some(r) => Frame::Record(r, total),
        None => Frame::Invalid("a record of an unknown type or layout"),
    }
}

fn colour_byte(c: Colour) -> u8 {
    // Colour::ALL lists every colour in wire order, so the position always exists.
    Colour::ALL.iter().position(|&x| x == c).unwrap_or(0) as u8
}

/// The first `N` bytes of `b` (callers pass slices of at least `N` bytes).
fn array<const N: usize>(b: &[u8]) -> [u8; N] {
    let mut out = [0u8; N];
    out.copy_from_slice(&b[..N]);
    out
}

/// Lower-case hex.
pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 15)]));
    }
    s
}

impl Scan {
    /// The scan of a token the verifier accepted: its subject hash and colour from
    /// `verified`, the policy's `decision` as the verdict (0 when admitted, else the first
    /// denial's code number), and the key id read from the token text that was verified
    /// ([`key_id_of`]).
    pub fn verified(
        verified: &qrseal_verifier::Verified,
        decision: &qrseal_verifier::Decision,
        key_id: KeyId,
        scanned_at: u64,
    ) -> Scan {
        Scan {
            subject: verified.claims.subject,
            key_id,
            colour: verified.claims.colour,
            verdict: decision.denials().next().map_or(0, |d| d.code().number()),
            scanned_at,
        }
    }
}

/// The issuer key id in the header of a token text (QR or URL form) whose subject is
/// `subject`: the verifier's result holds the claims, not the key id. Refuses a text that
/// does not decode or holds another subject ([`Error::NotThisToken`]), so a scan never pairs
/// one token's key id with another's subject.
pub fn key_id_of(token_text: &str, subject: &SubjectId) -> Result<KeyId, Error> {
    let mut buf: qrseal_core::text::TokenBuf = [0; qrseal_core::wire::MAX_TOKEN_LEN];
    let (bytes, _) =
        qrseal_core::text::decode(token_text, &mut buf).map_err(|_| Error::NotThisToken)?;
    let token = qrseal_core::Token::parse(bytes).map_err(|_| Error::NotThisToken)?;
    if token.claims.subject != *subject {
        return Err(Error::NotThisToken);
    }
    Ok(token.key_id)
}
