//! The revocation set a [`crate::TrustStore`] holds: 16 bytes an entry, sorted by subject,
//! with a small prefix index so that a lookup touches a handful of cache lines.

use alloc::vec::Vec;
use core::cmp::Ordering;

use qrseal_core::lists::{ListInfo, REVOCATION_ENTRY_LEN, Revocation, RevocationStateId};
use qrseal_core::wire::SUBJECT_LEN;
use qrseal_core::{SubjectId, Timestamp};

type Entry = [u8; REVOCATION_ENTRY_LEN];

/// Entries sorted by subject (unique), and for every value of the subject's first
/// `prefix_bits` bits the index of the first entry at or above it. The entries are kept as
/// one flat byte vector so that a list read into memory can become the set in place
/// ([`RevocationSet::from_list_buffer`]), with no second copy of a large list.
#[derive(Clone, Debug)]
pub(crate) struct RevocationSet {
    pub(crate) info: ListInfo,
    /// The state id the list applied last says the set has.
    pub(crate) state: RevocationStateId,
    entries: Vec<u8>,
    prefix_bits: u32,
    index: Vec<u32>,
}

fn prefix(subject: &[u8], bits: u32) -> usize {
    if bits == 0 {
        return 0;
    }
    (usize::from(u16::from_be_bytes([subject[0], subject[1]]))) >> (16 - bits)
}

impl RevocationSet {
    /// A set holding `entries` (whole 16-byte entries), which must be sorted by subject
    /// with no subject twice (the list parser checks that).
    pub(crate) fn new(info: ListInfo, state: RevocationStateId, entries: Vec<u8>) -> RevocationSet {
        let mut set = RevocationSet {
            info,
            state,
            entries,
            prefix_bits: 0,
            index: Vec::new(),
        };
        set.build_index();
        set
    }

    /// The set held in a buffer that holds a whole revocation list whose entries are at
    /// `entries` (a range the list parser checked): the entries are moved to the front of
    /// the buffer and the rest dropped, so the set costs no second copy of the list.
    pub(crate) fn from_list_buffer(
        info: ListInfo,
        state: RevocationStateId,
        mut buffer: Vec<u8>,
        entries: core::ops::Range<usize>,
    ) -> RevocationSet {
        let len = entries.len();
        buffer.copy_within(entries, 0);
        buffer.truncate(len);
        RevocationSet::new(info, state, buffer)
    }

    fn entries(&self) -> &[Entry] {
        // Built from whole entries only, so the remainder is empty.
        self.entries.as_chunks::<REVOCATION_ENTRY_LEN>().0
    }

    fn build_index(&mut self) {
        // About eight entries a bucket, and at most 2^16 buckets (256 KiB, a quarter of a
        // byte an entry at a million entries).
        let entries = self.entries.as_chunks::<REVOCATION_ENTRY_LEN>().0;
        let n = entries.len();
        let prefix_bits = (usize::BITS - n.leading_zeros()).saturating_sub(3).min(16);
        let buckets = 1usize << prefix_bits;
        let mut index = Vec::with_capacity(buckets + 1);
        let mut at = 0usize;
        for b in 0..buckets {
            while at < n && prefix(&entries[at], prefix_bits) < b {
                at += 1;
            }
            // 2^32 entries would take 64 GiB; saturate rather than wrap all the same.
            index.push(u32::try_from(at).unwrap_or(u32::MAX));
        }
        index.push(u32::try_from(n).unwrap_or(u32::MAX));
        self.prefix_bits = prefix_bits;
        self.index = index;
    }

    /// How many subjects are revoked.
    pub(crate) fn len(&self) -> usize {
        self.entries.len() / REVOCATION_ENTRY_LEN
    }

    /// Bytes held on the heap, for the memory budget.
    pub(crate) fn heap_bytes(&self) -> usize {
        self.entries.capacity() + self.index.capacity() * 4
    }

    /// The time before which `subject`'s tokens are revoked, if any. Never allocates.
    pub(crate) fn revoked_before(&self, subject: &SubjectId) -> Option<Timestamp> {
        let b = prefix(&subject.0, self.prefix_bits);
        let lo = self.index.get(b).copied().unwrap_or(0) as usize;
        let hi = self.index.get(b + 1).copied().unwrap_or(0) as usize;
        let bucket = self.entries().get(lo..hi)?;
        let i = bucket
            .binary_search_by(|e| e[..SUBJECT_LEN].cmp(&subject.0[..]))
            .ok()?;
        Some(Revocation::from_bytes(&bucket[i]).issued_before)
    }

    /// This set with a delta's entries merged in (a subject in both keeps the later time),
    /// under the delta's header and state id. `self` is left untouched; the caller swaps on
    /// success.
    pub(crate) fn merged(
        &self,
        info: ListInfo,
        state: RevocationStateId,
        delta: &[Entry],
    ) -> RevocationSet {
        let mut out: Vec<u8> =
            Vec::with_capacity(self.entries.len() + delta.len() * REVOCATION_ENTRY_LEN);
        let (mut a, mut b) = (self.entries().iter().peekable(), delta.iter().peekable());
        loop {
            let next = match (a.peek(), b.peek()) {
                (None, None) => break,
                (Some(_), None) => a.next(),
                (None, Some(_)) => b.next(),
                (Some(x), Some(y)) => match x[..SUBJECT_LEN].cmp(&y[..SUBJECT_LEN]) {
                    Ordering::Less => a.next(),
                    Ordering::Greater => b.next(),
                    Ordering::Equal => {
                        let later = if time(x) >= time(y) { *x } else { *y };
                        a.next();
                        b.next();
                        out.extend_from_slice(later);
                        continue;
                    }
                },
            };
            if let Some(e) = next {
                out.extend_from_slice(e);
            }
        }
        RevocationSet::new(info, state, out)
    }
}

fn time(e: &Entry) -> u32 {
    u32::from_le_bytes([e[12], e[13], e[14], e[15]])
}
