//! The claims a token carries: who (a keyed hash), what status, and for how long.

use core::fmt;
use core::str::FromStr;

use crate::{Date, Error, Field, Timestamp};

mod tables;

/// Length in bytes of a [`SubjectId`]: 96 bits, so that among 1.4 billion people the chance
/// of any two sharing one is about 10^-11.
pub const SUBJECT_LEN: usize = 12;

/// The longest display hint, in bytes of UTF-8.
pub const MAX_DISPLAY_HINT_LEN: usize = 32;

/// The most decimal digits (Unicode general category Nd, any script, full-width included) a
/// display hint may hold: enough for the last four digits of an ID number, too few for a
/// whole one (a Chinese resident ID has 17 digits and a check character).
pub const MAX_HINT_DIGITS: usize = 4;

/// The longest validity period (expiry minus issue time) v1 can carry: 2^21 - 1 seconds,
/// a little over 24 days.
pub const MAX_VALIDITY_SECS: u32 = (1 << 21) - 1;

/// The oldest test v1 can carry, in seconds before the issue time: 2^21 - 1 seconds.
/// An older test says nothing a checkpoint policy would accept; the issuer omits it.
pub const MAX_TEST_AGE_SECS: u32 = (1 << 21) - 1;

/// A keyed hash of the holder's ID number (see the issuer's subject hashing). It identifies
/// the holder to revocation lists without revealing the ID number.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SubjectId(pub [u8; SUBJECT_LEN]);

impl SubjectId {
    /// A deterministic value in `0..modulus` drawn from the subject hash, used to spread
    /// expiry and refresh times per holder. Returns 0 when `modulus` is 0.
    pub fn spread(&self, modulus: u64) -> u64 {
        let mut b = [0u8; 8];
        b.copy_from_slice(&self.0[..8]);
        u64::from_le_bytes(b).checked_rem(modulus).unwrap_or(0)
    }
}

/// Lower-case hex.
impl fmt::Display for SubjectId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.iter().try_for_each(|b| write!(f, "{b:02x}"))
    }
}

/// The health-status colour.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Colour {
    /// No restriction.
    Green,
    /// Restricted (for example, a contact awaiting a test).
    Yellow,
    /// Confined (for example, a confirmed case).
    Red,
    /// Strictest confinement, the fourth colour used in some cities.
    DarkRed,
}

impl Colour {
    /// Every colour, in wire order.
    pub const ALL: [Colour; 4] = [Colour::Green, Colour::Yellow, Colour::Red, Colour::DarkRed];

    /// The stable name: `green`, `yellow`, `red`, `dark-red`.
    pub const fn name(self) -> &'static str {
        match self {
            Colour::Green => "green",
            Colour::Yellow => "yellow",
            Colour::Red => "red",
            Colour::DarkRed => "dark-red",
        }
    }
}

impl fmt::Display for Colour {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Parses `green`, `yellow`, `red` or `dark-red` (also `dark_red`, `darkred`), any case.
impl FromStr for Colour {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        let mut buf = [0u8; 8];
        let lower = s.as_bytes();
        if lower.len() > buf.len() {
            return Err(Error::Unencodable {
                field: Field::Colour,
                reason: "is not a colour",
            });
        }
        for (d, c) in buf.iter_mut().zip(lower) {
            *d = c.to_ascii_lowercase();
        }
        match &buf[..lower.len()] {
            b"green" => Ok(Colour::Green),
            b"yellow" => Ok(Colour::Yellow),
            b"red" => Ok(Colour::Red),
            b"dark-red" | b"dark_red" | b"darkred" => Ok(Colour::DarkRed),
            _ => Err(Error::Unencodable {
                field: Field::Colour,
                reason: "is not a colour",
            }),
        }
    }
}

/// The result of the latest test.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TestResult {
    /// Negative.
    Negative,
    /// Positive.
    Positive,
    /// Sample taken, result not yet known.
    Pending,
}

impl TestResult {
    /// The stable name: `negative`, `positive`, `pending`.
    pub const fn name(self) -> &'static str {
        match self {
            TestResult::Negative => "negative",
            TestResult::Positive => "positive",
            TestResult::Pending => "pending",
        }
    }
}

impl fmt::Display for TestResult {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Parses `negative`, `positive` or `pending`, any case.
impl FromStr for TestResult {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        [
            TestResult::Negative,
            TestResult::Positive,
            TestResult::Pending,
        ]
        .into_iter()
        .find(|r| r.name().eq_ignore_ascii_case(s))
        .ok_or(Error::Unencodable {
            field: Field::Test,
            reason: "is not a test result",
        })
    }
}

/// The latest test: its result and when the sample was collected.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TestRecord {
    /// The result.
    pub result: TestResult,
    /// When the sample was collected.
    pub collected_at: Timestamp,
}

/// Vaccination: how many doses, and the date of the last one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Vaccination {
    /// Number of doses received, at least 1 (no vaccination is `None`, not zero doses).
    pub doses: u8,
    /// Date of the last dose.
    pub last_dose: Date,
}

/// A short display hint such as `张*明 ****1234`, so the person at the gate can match the
/// code to an ID card. At most [`MAX_DISPLAY_HINT_LEN`] bytes of printable UTF-8 in
/// Normalization Form C, with at most [`MAX_HINT_DIGITS`] decimal digits; stored inline so
/// that verification never allocates.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct DisplayHint {
    len: u8,
    bytes: [u8; MAX_DISPLAY_HINT_LEN],
}

impl DisplayHint {
    /// Checks and stores a hint (docs/SPEC.md section 3), in this order: 1 to 32 bytes
    /// ([`Error::Unencodable`], [`Error::FieldTooLong`]); no control or format character
    /// ([`Error::InvalidText`]); no character that NFC could change or combine
    /// ([`Error::NotNfc`]); at most [`MAX_HINT_DIGITS`] decimal digits
    /// ([`Error::TooManyDigits`]). The same check runs when a token is decoded, so an
    /// issuer cannot sign what a verifier refuses.
    ///
    /// Text typed with combining marks (`e` + U+0301 for `é`) is refused rather than
    /// normalised here, to keep normalisation tables out of scanners: an issuer normalises
    /// to NFC first (`qrseal_issuer::display_hint` does).
    pub fn new(text: &str) -> Result<Self, Error> {
        let len = text.len();
        if len == 0 {
            return Err(Error::Unencodable {
                field: Field::DisplayHint,
                reason: "is empty",
            });
        }
        if len > MAX_DISPLAY_HINT_LEN {
            return Err(Error::FieldTooLong {
                field: Field::DisplayHint,
                len,
                max: MAX_DISPLAY_HINT_LEN,
            });
        }
        // Control and format characters could rewrite a scanner's screen or log line, or
        // reorder what the person at the gate reads (a right-to-left override turns
        // `1234` into `4321`).
        if text.chars().any(|c| c.is_control() || is_format_char(c)) {
            return Err(Error::InvalidText {
                field: Field::DisplayHint,
            });
        }
        // Two hints that look the same must be the same bytes, or one holder could carry
        // two claim sets that read alike. Refusing every character that is not stable
        // under NFC (a combining mark, a character NFC replaces or composes) makes each
        // accepted hint its own NFC form with a table of a few kilobytes, where checking
        // NFC in general would need the full composition tables in every scanner.
        if let Some(offset) = text
            .char_indices()
            .find(|&(_, c)| tables::in_ranges(tables::NOT_NFC_STABLE, c))
            .map(|(i, _)| i)
        {
            return Err(Error::NotNfc {
                field: Field::DisplayHint,
                offset,
            });
        }
        // A token must never carry an ID number; a masked hint shows at most its last four
        // digits. Counting every decimal digit (not runs) also refuses `1101 0119 9003`.
        let digits = text
            .chars()
            .filter(|&c| tables::in_ranges(tables::DECIMAL_DIGITS, c))
            .count();
        if digits > MAX_HINT_DIGITS {
            return Err(Error::TooManyDigits {
                field: Field::DisplayHint,
                count: digits,
                max: MAX_HINT_DIGITS,
            });
        }
        let mut bytes = [0u8; MAX_DISPLAY_HINT_LEN];
        bytes[..len].copy_from_slice(text.as_bytes());
        // len <= 32 was checked above.
        Ok(DisplayHint {
            len: len as u8,
            bytes,
        })
    }

    /// The hint text.
    pub fn as_str(&self) -> &str {
        // Only `new` builds a DisplayHint, from a &str, so the bytes are valid UTF-8.
        core::str::from_utf8(&self.bytes[..usize::from(self.len)]).unwrap_or_default()
    }
}

/// Unicode general category Cf (format characters: bidirectional overrides, zero-width
/// joiners, invisible operators, tags) plus the line and paragraph separators.
fn is_format_char(c: char) -> bool {
    matches!(
        u32::from(c),
        0x00AD
            | 0x0600..=0x0605
            | 0x061C
            | 0x06DD
            | 0x070F
            | 0x0890..=0x0891
            | 0x08E2
            | 0x180E
            | 0x200B..=0x200F
            | 0x2028..=0x202E
            | 0x2060..=0x2064
            | 0x2066..=0x206F
            | 0xFEFF
            | 0xFFF9..=0xFFFB
            | 0x110BD
            | 0x110CD
            | 0x13430..=0x1343F
            | 0x1BCA0..=0x1BCA3
            | 0x1D173..=0x1D17A
            | 0xE0001
            | 0xE0020..=0xE007F
    )
}

impl fmt::Debug for DisplayHint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for DisplayHint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a token asserts about its holder. Built by the issuer, returned by the verifier.
///
/// Build one with [`Claims::new`] and the `with_` methods; fields may be added.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Claims {
    /// Keyed hash of the holder's ID number.
    pub subject: SubjectId,
    /// Status colour.
    pub colour: Colour,
    /// The latest test, if any.
    pub test: Option<TestRecord>,
    /// Vaccination, if any.
    pub vaccination: Option<Vaccination>,
    /// When the token was issued.
    pub issued_at: Timestamp,
    /// When the token stops being valid (exclusive).
    pub expires_at: Timestamp,
    /// Masked name or ID for the person at the gate.
    pub display_hint: Option<DisplayHint>,
}

impl Claims {
    /// Claims with a colour and a validity period, and no test, vaccination or display hint.
    pub const fn new(
        subject: SubjectId,
        colour: Colour,
        issued_at: Timestamp,
        expires_at: Timestamp,
    ) -> Claims {
        Claims {
            subject,
            colour,
            test: None,
            vaccination: None,
            issued_at,
            expires_at,
            display_hint: None,
        }
    }

    /// These claims with `test` as the latest test.
    pub const fn with_test(mut self, test: Option<TestRecord>) -> Claims {
        self.test = test;
        self
    }

    /// These claims with `vaccination`.
    pub const fn with_vaccination(mut self, vaccination: Option<Vaccination>) -> Claims {
        self.vaccination = vaccination;
        self
    }

    /// These claims with `display_hint`.
    pub fn with_display_hint(mut self, display_hint: Option<DisplayHint>) -> Claims {
        self.display_hint = display_hint;
        self
    }

    /// When a holder's app should fetch a fresh token in the background: between half and
    /// three quarters of the way through the token's life, at a point fixed per holder, so
    /// that refreshes from a whole city spread out instead of arriving at once. The app keeps
    /// showing the token it holds until the fresh one arrives.
    pub fn refresh_at(&self) -> Timestamp {
        let life = self.expires_at.seconds_since(self.issued_at);
        let start = self.issued_at.saturating_add(life / 2);
        start.saturating_add(self.subject.spread(life / 4 + 1))
    }

    /// Checks that every value fits what v1 can carry; [`crate::wire::encode_body`] calls this.
    pub fn check_encodable(&self) -> Result<(), Error> {
        let issued = self.issued_at.unix();
        if issued > u64::from(u32::MAX) {
            return Err(Error::Unencodable {
                field: Field::IssuedAt,
                reason: "is after 2106",
            });
        }
        let validity = self.expires_at.unix().saturating_sub(issued);
        if validity == 0 {
            return Err(Error::Unencodable {
                field: Field::Validity,
                reason: "expiry must be after the issue time",
            });
        }
        if validity > u64::from(MAX_VALIDITY_SECS) {
            return Err(Error::Unencodable {
                field: Field::Validity,
                reason: "is longer than 2^21-1 seconds (24 days)",
            });
        }
        if let Some(test) = self.test {
            let Some(age) = issued.checked_sub(test.collected_at.unix()) else {
                return Err(Error::Unencodable {
                    field: Field::Test,
                    reason: "collection time is after the issue time",
                });
            };
            if age > u64::from(MAX_TEST_AGE_SECS) {
                return Err(Error::Unencodable {
                    field: Field::Test,
                    reason: "was collected more than 2^21-1 seconds (24 days) before issue",
                });
            }
        }
        if self.vaccination.is_some_and(|v| v.doses == 0) {
            return Err(Error::Unencodable {
                field: Field::Vaccination,
                reason: "has zero doses (use no vaccination instead)",
            });
        }
        Ok(())
    }
}
