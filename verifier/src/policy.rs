//! Checkpoint policy: turns verified claims into admit or deny, with the reasons.

use qrseal_core::{Claims, Colour, TestResult, Timestamp};

use crate::{Code, TrustData, Verified};

/// A set of colours.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct ColourSet(u8);

impl ColourSet {
    /// No colour.
    pub const EMPTY: ColourSet = ColourSet(0);
    /// Green only: the default policy.
    pub const GREEN: ColourSet = ColourSet(1);

    const fn bit(c: Colour) -> u8 {
        match c {
            Colour::Green => 1,
            Colour::Yellow => 2,
            Colour::Red => 4,
            Colour::DarkRed => 8,
        }
    }

    /// This set plus `c`.
    pub const fn with(self, c: Colour) -> ColourSet {
        ColourSet(self.0 | Self::bit(c))
    }

    /// Whether `c` is in the set.
    pub const fn contains(self, c: Colour) -> bool {
        self.0 & Self::bit(c) != 0
    }
}

impl FromIterator<Colour> for ColourSet {
    fn from_iter<I: IntoIterator<Item = Colour>>(iter: I) -> Self {
        iter.into_iter().fold(ColourSet::EMPTY, ColourSet::with)
    }
}

/// What a checkpoint requires. Every requirement that is set must hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Policy {
    /// Colours admitted. Default: green only.
    pub accepted_colours: ColourSet,
    /// If set, a negative test collected at most this many seconds before `now` is required
    /// (for example 48 h = 172800).
    pub max_test_age_secs: Option<u64>,
    /// Minimum vaccine doses (0: no requirement).
    pub min_doses: u8,
    /// How long past its next-update-by time stale trust data still admits
    /// ([`Policy::evaluate_verified`]); `None`: stale data never denies. Default: 72 hours.
    pub max_stale_secs: Option<u64>,
}

impl Policy {
    /// The default limit on stale trust data: 72 hours past its next-update-by time.
    pub const DEFAULT_MAX_STALE_SECS: u64 = 72 * 3600;
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            accepted_colours: ColourSet::GREEN,
            max_test_age_secs: None,
            min_doses: 0,
            max_stale_secs: Some(Self::DEFAULT_MAX_STALE_SECS),
        }
    }
}

/// One reason a policy denies entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Denial {
    /// The colour is not accepted.
    Colour(Colour),
    /// A test is required and the token carries none.
    NoTest,
    /// The latest test is not negative.
    TestNotNegative(TestResult),
    /// The latest negative test is older than allowed.
    TestTooOld {
        /// Age of the test at `now`, in seconds.
        age_secs: u64,
        /// The maximum allowed.
        max_secs: u64,
    },
    /// Fewer vaccine doses than required.
    TooFewDoses {
        /// Doses on the token.
        doses: u8,
        /// Doses required.
        min: u8,
    },
    /// The trust data the token was verified against is stale beyond the policy's limit.
    StaleTrustData {
        /// Which data.
        data: TrustData,
        /// Seconds past its next-update-by time.
        overdue_secs: u64,
        /// The limit.
        max_secs: u64,
    },
}

impl Denial {
    /// The row of the error table ([`Code`], category [`crate::Category::Denied`]) this
    /// denial belongs to; its string is the `reason` of the test vectors: `colour`,
    /// `no_test`, `test_not_negative`, `test_too_old`, `too_few_doses`, `stale_trust_data`.
    pub const fn code(&self) -> Code {
        match self {
            Denial::Colour(_) => Code::Colour,
            Denial::NoTest => Code::NoTest,
            Denial::TestNotNegative(_) => Code::TestNotNegative,
            Denial::TestTooOld { .. } => Code::TestTooOld,
            Denial::TooFewDoses { .. } => Code::TooFewDoses,
            Denial::StaleTrustData { .. } => Code::StaleTrustData,
        }
    }
}

impl core::fmt::Display for Denial {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Denial::Colour(c) => write!(f, "colour {c} is not accepted"),
            Denial::NoTest => f.write_str("a negative test is required and none is recorded"),
            Denial::TestNotNegative(r) => write!(f, "latest test is {r}, not negative"),
            Denial::TestTooOld { age_secs, max_secs } => write!(
                f,
                "latest negative test is {}h{:02}m old, more than the {}h{:02}m allowed",
                age_secs / 3600,
                age_secs / 60 % 60,
                max_secs / 3600,
                max_secs / 60 % 60
            ),
            Denial::TooFewDoses { doses, min } => {
                write!(f, "{doses} vaccine doses recorded, {min} required")
            }
            Denial::StaleTrustData {
                data,
                overdue_secs,
                max_secs,
            } => write!(
                f,
                "{} is {}h{:02}m past its next update, more than the {}h{:02}m allowed",
                match data {
                    TrustData::TrustList => "trust list",
                    TrustData::Revocations => "revocation list",
                },
                overdue_secs / 3600,
                overdue_secs / 60 % 60,
                max_secs / 3600,
                max_secs / 60 % 60
            ),
        }
    }
}

/// The outcome of [`Policy::evaluate`]: admitted, or denied with every reason that applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Decision {
    denials: [Option<Denial>; 4],
}

impl Decision {
    /// True when no requirement failed.
    pub fn admitted(&self) -> bool {
        self.denials.iter().all(Option::is_none)
    }

    /// The reasons for denial, in the order colour, test, vaccination, stale trust data;
    /// empty when admitted.
    pub fn denials(&self) -> impl Iterator<Item = Denial> + '_ {
        self.denials.iter().flatten().copied()
    }
}

impl Policy {
    /// Evaluates verified claims at `now`. Does not check validity times: [`crate::Verifier`]
    /// has done that before claims exist.
    pub fn evaluate(&self, claims: &Claims, now: Timestamp) -> Decision {
        let colour = (!self.accepted_colours.contains(claims.colour))
            .then_some(Denial::Colour(claims.colour));
        let test = self.max_test_age_secs.and_then(|max| match claims.test {
            None => Some(Denial::NoTest),
            Some(t) if t.result != TestResult::Negative => Some(Denial::TestNotNegative(t.result)),
            Some(t) => {
                let age = now.seconds_since(t.collected_at);
                (age > max).then_some(Denial::TestTooOld {
                    age_secs: age,
                    max_secs: max,
                })
            }
        });
        let doses = claims.vaccination.map_or(0, |v| v.doses);
        let vaccination = (doses < self.min_doses).then_some(Denial::TooFewDoses {
            doses,
            min: self.min_doses,
        });
        Decision {
            denials: [colour, test, vaccination, None],
        }
    }

    /// Evaluates a token verified by a [`crate::TrustStore`]: [`Policy::evaluate`] on its
    /// claims, and a [`Denial::StaleTrustData`] if the trust data is stale beyond
    /// [`Policy::max_stale_secs`].
    pub fn evaluate_verified(&self, verified: &Verified, now: Timestamp) -> Decision {
        let mut decision = self.evaluate(&verified.claims, now);
        decision.denials[3] = match (verified.stale, self.max_stale_secs) {
            (Some(stale), Some(max)) if stale.overdue_secs > max => Some(Denial::StaleTrustData {
                data: stale.data,
                overdue_secs: stale.overdue_secs,
                max_secs: max,
            }),
            _ => None,
        };
        decision
    }
}
