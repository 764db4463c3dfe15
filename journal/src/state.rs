//! The journal's state, rebuilt from its records: the open tube, sealed tubes waiting for
//! upload, and what the service acknowledged. Every record is checked against the state
//! before it changes it, so replay and live writes obey the same rules.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use qrseal_core::SubjectId;

use crate::format::{Record, Scan, SealReason};

/// A tube and the scans in it.
#[derive(Clone, Debug)]
pub(crate) struct Tube {
    pub(crate) seq: u32,
    pub(crate) barcode: String,
    pub(crate) opened_at: u64,
    pub(crate) sealed_at: u64,
    /// End offset of the seal record: the batch is offered for upload only once the file is
    /// synced past it.
    pub(crate) sealed_end: u64,
    pub(crate) samples: Vec<Scan>,
}

impl Tube {
    fn holds(&self, subject: &SubjectId) -> bool {
        self.samples.iter().any(|s| s.subject == *subject)
    }
}

#[derive(Debug, Default)]
pub(crate) struct State {
    /// Scans recorded so far (the next scan's index).
    pub(crate) scans: u32,
    /// Admitted scans not yet in a tube, by index. Denied scans and scans already in a tube
    /// are not kept: nothing can refer to them any more.
    pub(crate) assignable: HashMap<u32, Scan>,
    pub(crate) open: Option<Tube>,
    /// Sealed tubes with at least one sample, not yet acknowledged.
    pub(crate) pending: BTreeMap<u32, Tube>,
    pub(crate) acknowledged: BTreeSet<u32>,
    /// Sealed tubes that held no sample: never a batch.
    pub(crate) empty_sealed: u32,
    pub(crate) last_tube: u32,
    pub(crate) barcodes: HashSet<String>,
    /// End of the last complete record.
    pub(crate) end: u64,
}

impl State {
    /// Checks `record` against the state and applies it; `end` is the offset just past it.
    /// On an error nothing is changed.
    pub(crate) fn apply(&mut self, record: &Record, end: u64) -> Result<(), &'static str> {
        match record {
            Record::Scan(scan) => {
                let index = self.scans;
                self.scans = index.checked_add(1).ok_or("more than 2^32 scans")?;
                if scan.admitted() {
                    self.assignable.insert(index, *scan);
                }
            }
            Record::TubeOpened {
                tube,
                barcode,
                opened_at,
            } => {
                if self.open.is_some() {
                    return Err("a tube opened while another is open");
                }
                if Some(*tube) != self.last_tube.checked_add(1) {
                    return Err("a tube's sequence number does not follow the last one");
                }
                if self.barcodes.contains(barcode) {
                    return Err("a tube barcode used twice");
                }
                self.barcodes.insert(barcode.clone());
                self.last_tube = *tube;
                self.open = Some(Tube {
                    seq: *tube,
                    barcode: barcode.clone(),
                    opened_at: *opened_at,
                    sealed_at: 0,
                    sealed_end: 0,
                    samples: Vec::new(),
                });
            }
            Record::Assigned { scan, tube } => {
                let open = self
                    .open
                    .as_mut()
                    .filter(|t| t.seq == *tube)
                    .ok_or("a scan assigned to a tube that is not open")?;
                let sample = self
                    .assignable
                    .get(scan)
                    .ok_or("a scan assigned that is not an admitted, unassigned scan")?;
                // The tube size may differ between runs; the batch bound never does.
                if open.samples.len() >= crate::MAX_TUBE_SIZE {
                    return Err("a tube holding more samples than a batch may");
                }
                if open.holds(&sample.subject) {
                    return Err("the same subject assigned twice to one tube");
                }
                open.samples.push(*sample);
                self.assignable.remove(scan);
            }
            Record::TubeSealed {
                tube,
                sealed_at,
                reason: _,
            } => {
                if self.open.as_ref().map(|t| t.seq) != Some(*tube) {
                    return Err("a tube sealed that is not open");
                }
                if let Some(mut t) = self.open.take() {
                    t.sealed_at = *sealed_at;
                    t.sealed_end = end;
                    if t.samples.is_empty() {
                        self.empty_sealed += 1;
                    } else {
                        self.pending.insert(t.seq, t);
                    }
                }
            }
            Record::Acknowledged { tube, .. } => {
                if self.pending.remove(tube).is_none() {
                    return Err("an acknowledgement for a tube that is not a pending batch");
                }
                self.acknowledged.insert(*tube);
            }
        }
        self.end = end;
        Ok(())
    }

    /// Whether an admitted scan of `subject` can go into the open tube now: `Ok(tube)` or why
    /// not.
    pub(crate) fn can_assign(&self, subject: &SubjectId) -> Result<u32, &'static str> {
        match &self.open {
            None => Err("no tube is open"),
            Some(t) if t.holds(subject) => Err("the same person is already in this tube"),
            Some(t) => Ok(t.seq),
        }
    }

    /// The seal record the open tube needs after one more sample, if that fills it.
    pub(crate) fn seal_if_full(&self, tube_size: usize, now: u64) -> Option<Record> {
        let open = self.open.as_ref()?;
        (open.samples.len() + 1 >= tube_size).then_some(Record::TubeSealed {
            tube: open.seq,
            sealed_at: now,
            reason: SealReason::Full,
        })
    }
}
