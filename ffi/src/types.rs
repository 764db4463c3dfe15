//! The `#[repr(C)]` structs a call fills in, and their enums.

use qrseal_core::lists::ListInfo;
use qrseal_core::{Claims, Colour, TestResult};
use qrseal_verifier::{Decision, TrustData, Verified};

use crate::codes::{QRSEAL_MAX_DISPLAY_HINT_LEN, QRSEAL_SUBJECT_LEN, from_code, qrseal_code};

/// Bytes of [`qrseal_claims::display_hint`]: the longest hint and its NUL.
pub const QRSEAL_DISPLAY_HINT_CAP: usize = QRSEAL_MAX_DISPLAY_HINT_LEN + 1;

/// Room for denial reasons in [`qrseal_verdict`]: more than a policy has requirements (one
/// reason each), so that requirements added later still fit.
pub const QRSEAL_MAX_DENIALS: usize = 8;

/// A token's status colour (the wire value).
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum qrseal_colour {
    /// Green: no restriction.
    QRSEAL_COLOUR_GREEN = 0,
    /// Yellow: restricted.
    QRSEAL_COLOUR_YELLOW = 1,
    /// Red: confined.
    QRSEAL_COLOUR_RED = 2,
    /// Dark red: strictest confinement.
    QRSEAL_COLOUR_DARK_RED = 3,
}

impl From<Colour> for qrseal_colour {
    fn from(c: Colour) -> Self {
        qrseal_colour_of(c)
    }
}

pub(crate) const fn qrseal_colour_of(c: Colour) -> qrseal_colour {
    match c {
        Colour::Green => qrseal_colour::QRSEAL_COLOUR_GREEN,
        Colour::Yellow => qrseal_colour::QRSEAL_COLOUR_YELLOW,
        Colour::Red => qrseal_colour::QRSEAL_COLOUR_RED,
        Colour::DarkRed => qrseal_colour::QRSEAL_COLOUR_DARK_RED,
    }
}

/// The result of a token's latest test.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum qrseal_test_result {
    /// Negative.
    QRSEAL_TEST_NEGATIVE = 0,
    /// Positive.
    QRSEAL_TEST_POSITIVE = 1,
    /// Sample taken, result not yet known.
    QRSEAL_TEST_PENDING = 2,
}

impl From<TestResult> for qrseal_test_result {
    fn from(r: TestResult) -> Self {
        match r {
            TestResult::Negative => qrseal_test_result::QRSEAL_TEST_NEGATIVE,
            TestResult::Positive => qrseal_test_result::QRSEAL_TEST_POSITIVE,
            TestResult::Pending => qrseal_test_result::QRSEAL_TEST_PENDING,
        }
    }
}

/// Which trust data is stale, if any.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum qrseal_stale {
    /// Fresh (always, for a scanner built from issuer keys).
    QRSEAL_STALE_NONE = 0,
    /// The trust list is stale.
    QRSEAL_STALE_TRUST_LIST = 1,
    /// The revocation data is stale.
    QRSEAL_STALE_REVOCATIONS = 2,
}

/// The header of a trust list or revocation list: sequence number and times (Unix seconds).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct qrseal_list_info {
    /// Grows by one with every list published.
    pub sequence: u64,
    /// When the list was signed.
    pub issued_at: u64,
    /// When a newer list will have been published.
    pub next_update_by: u64,
}

impl From<ListInfo> for qrseal_list_info {
    fn from(i: ListInfo) -> Self {
        qrseal_list_info {
            sequence: i.sequence,
            issued_at: i.issued_at.unix(),
            next_update_by: i.next_update_by.unix(),
        }
    }
}

/// A verified token's claims. Times are Unix seconds.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct qrseal_claims {
    /// Keyed hash of the holder's ID number.
    pub subject: [u8; QRSEAL_SUBJECT_LEN],
    /// Status colour.
    pub colour: qrseal_colour,
    /// When the token was issued.
    pub issued_at: u64,
    /// When the token stops being valid (exclusive).
    pub expires_at: u64,
    /// Whether a test is recorded (`test_result` and `test_collected_at` are then set).
    pub has_test: bool,
    /// The latest test's result.
    pub test_result: qrseal_test_result,
    /// When the latest test's sample was collected.
    pub test_collected_at: u64,
    /// Vaccine doses (0: no vaccination recorded).
    pub doses: u8,
    /// Date of the last dose, in days since 1970-01-01 (0 when `doses` is 0).
    pub last_dose_days: u32,
    /// Length of `display_hint` in bytes, without the NUL (0: no hint).
    pub display_hint_len: usize,
    /// The masked name or ID for the person at the gate: UTF-8, NUL-terminated.
    pub display_hint: [u8; QRSEAL_DISPLAY_HINT_CAP],
}

impl From<&Claims> for qrseal_claims {
    fn from(c: &Claims) -> Self {
        let mut display_hint = [0u8; QRSEAL_DISPLAY_HINT_CAP];
        let hint = c
            .display_hint
            .as_ref()
            .map_or("", |h| h.as_str())
            .as_bytes();
        // A hint holds at most MAX_DISPLAY_HINT_LEN bytes (checked when parsed), so it fits
        // with room for the NUL; `min` keeps even a wrong constant from panicking.
        let n = hint.len().min(QRSEAL_MAX_DISPLAY_HINT_LEN);
        display_hint[..n].copy_from_slice(&hint[..n]);
        qrseal_claims {
            subject: c.subject.0,
            colour: c.colour.into(),
            issued_at: c.issued_at.unix(),
            expires_at: c.expires_at.unix(),
            has_test: c.test.is_some(),
            test_result: c
                .test
                .map_or(qrseal_test_result::QRSEAL_TEST_NEGATIVE, |t| {
                    t.result.into()
                }),
            test_collected_at: c.test.map_or(0, |t| t.collected_at.unix()),
            doses: c.vaccination.map_or(0, |v| v.doses),
            last_dose_days: c
                .vaccination
                .map_or(0, |v| u32::from(v.last_dose.days_since_epoch())),
            display_hint_len: n,
            display_hint,
        }
    }
}

/// The outcome of a verify that succeeded: the claims, the state of the trust data, and the
/// policy's decision with its reasons.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct qrseal_verdict {
    /// The token's claims.
    pub claims: qrseal_claims,
    /// Whether the policy admits the holder.
    pub admitted: bool,
    /// How many entries of `denials` are set (0 when admitted).
    pub denial_count: usize,
    /// The reasons for denial (codes of category `denied`), in the order colour, test,
    /// vaccination, stale trust data, missing revocation data; `QRSEAL_OK` past
    /// `denial_count`.
    pub denials: [qrseal_code; QRSEAL_MAX_DENIALS],
    /// Which trust data is stale (past its next-update-by time plus the grace period).
    pub stale: qrseal_stale,
    /// Time since the stale data was issued, in seconds (0 when fresh).
    pub stale_age_secs: u64,
    /// Time since its next-update-by time, in seconds (0 when fresh).
    pub stale_overdue_secs: u64,
    /// Whether revocation data was checked (`revocations` is then set).
    pub has_revocations: bool,
    /// The header of the revocation data the token was checked against.
    pub revocations: qrseal_list_info,
}

impl qrseal_verdict {
    pub(crate) fn new(verified: &Verified, decision: &Decision) -> qrseal_verdict {
        let mut denials = [qrseal_code::QRSEAL_OK; QRSEAL_MAX_DENIALS];
        let mut denial_count = 0;
        // A decision holds at most one denial per requirement, fewer than
        // QRSEAL_MAX_DENIALS; `zip` keeps even a longer one from overflowing the array.
        for (slot, denial) in denials.iter_mut().zip(decision.denials()) {
            *slot = from_code(denial.code());
            denial_count += 1;
        }
        let (stale, stale_age_secs, stale_overdue_secs) = match verified.stale {
            None => (qrseal_stale::QRSEAL_STALE_NONE, 0, 0),
            Some(s) => (
                match s.data {
                    TrustData::TrustList => qrseal_stale::QRSEAL_STALE_TRUST_LIST,
                    TrustData::Revocations => qrseal_stale::QRSEAL_STALE_REVOCATIONS,
                },
                s.age.as_secs(),
                s.overdue.as_secs(),
            ),
        };
        qrseal_verdict {
            claims: (&verified.claims).into(),
            admitted: decision.admitted(),
            denial_count,
            denials,
            stale,
            stale_age_secs,
            stale_overdue_secs,
            has_revocations: verified.revocations.is_some(),
            revocations: verified.revocations.map(Into::into).unwrap_or_default(),
        }
    }
}
