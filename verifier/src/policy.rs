//! Checkpoint policy: turns verified claims into admit or deny, with the reasons.

use core::time::Duration;

use qrseal_core::{Colour, TestResult, Timestamp};

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
///
/// Start from [`Policy::default`] (green only, stale trust data denied 72 hours past its
/// next update) and change what the checkpoint needs with the builder methods; fields may be
/// added, each with a default that changes nothing.
///
/// ```
/// use core::time::Duration;
/// use qrseal_core::Colour;
/// use qrseal_verifier::{ColourSet, Policy};
///
/// let gate = Policy::default()
///     .accept(ColourSet::GREEN.with(Colour::Yellow))
///     .max_test_age(Duration::from_secs(48 * 3600))
///     .min_doses(2)
///     .require_revocations(true);
/// assert_eq!(gate.min_doses, 2);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Policy {
    /// Colours admitted. Default: green only.
    pub accepted_colours: ColourSet,
    /// If set, a negative test collected at most this long before `now` is required (for
    /// example 48 hours). Default: none. Whole seconds count.
    pub max_test_age: Option<Duration>,
    /// Minimum vaccine doses (0: no requirement). Default: 0.
    pub min_doses: u8,
    /// How long past its next-update-by time stale trust data still admits; `None`: stale
    /// data never denies. Default: 72 hours. Whole seconds count.
    pub max_stale: Option<Duration>,
    /// Deny tokens verified without revocation data ([`crate::Verified::revocations`] is
    /// `None`: a plain [`crate::Verifier`], or a [`crate::TrustStore`] with no revocation
    /// list loaded), since a revoked token then verifies. Default: false.
    pub require_revocations: bool,
}

impl Policy {
    /// The default limit on stale trust data: 72 hours past its next-update-by time.
    pub const DEFAULT_MAX_STALE: Duration = Duration::from_secs(72 * 3600);

    /// Admits exactly the colours in `colours`.
    pub const fn accept(mut self, colours: ColourSet) -> Policy {
        self.accepted_colours = colours;
        self
    }

    /// Requires a negative test at most `age` old.
    pub const fn max_test_age(mut self, age: Duration) -> Policy {
        self.max_test_age = Some(age);
        self
    }

    /// Requires at least `doses` vaccine doses.
    pub const fn min_doses(mut self, doses: u8) -> Policy {
        self.min_doses = doses;
        self
    }

    /// Denies trust data stale by more than `max` past its next update (`None`: never).
    pub const fn max_stale(mut self, max: Option<Duration>) -> Policy {
        self.max_stale = max;
        self
    }

    /// Denies tokens verified without revocation data (see
    /// [`Policy::require_revocations`](Policy#structfield.require_revocations)).
    pub const fn require_revocations(mut self, required: bool) -> Policy {
        self.require_revocations = required;
        self
    }
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            accepted_colours: ColourSet::GREEN,
            max_test_age: None,
            min_doses: 0,
            max_stale: Some(Self::DEFAULT_MAX_STALE),
            require_revocations: false,
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
        /// Age of the test at `now` (whole seconds).
        age: Duration,
        /// The maximum allowed.
        max: Duration,
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
        /// How long past its next-update-by time (whole seconds).
        overdue: Duration,
        /// The limit.
        max: Duration,
    },
    /// The policy requires revocation data and the token was verified without any.
    NoRevocationData,
}

impl Denial {
    /// The row of the error table ([`Code`], category [`crate::Category::Denied`]) this
    /// denial belongs to; its string is the `reason` of the test vectors: `colour`,
    /// `no_test`, `test_not_negative`, `test_too_old`, `too_few_doses`, `stale_trust_data`,
    /// `no_revocation_data`.
    pub const fn code(&self) -> Code {
        match self {
            Denial::Colour(_) => Code::Colour,
            Denial::NoTest => Code::NoTest,
            Denial::TestNotNegative(_) => Code::TestNotNegative,
            Denial::TestTooOld { .. } => Code::TestTooOld,
            Denial::TooFewDoses { .. } => Code::TooFewDoses,
            Denial::StaleTrustData { .. } => Code::StaleTrustData,
            Denial::NoRevocationData => Code::NoRevocationData,
        }
    }
}

impl core::fmt::Display for Denial {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Denial::Colour(c) => write!(f, "colour {c} is not accepted"),
            Denial::NoTest => f.write_str("a negative test is required and none is recorded"),
            Denial::TestNotNegative(r) => write!(f, "latest test is {r}, not negative"),
            Denial::TestTooOld { age, max } => write!(
                f,
                "latest negative test is {} old, more than the {} allowed",
                Hours(*age),
                Hours(*max)
            ),
            Denial::TooFewDoses { doses, min } => {
                write!(f, "{doses} vaccine doses recorded, {min} required")
            }
            Denial::StaleTrustData { data, overdue, max } => write!(
                f,
                "{} is {} past its next update, more than the {} allowed",
                match data {
                    TrustData::TrustList => "trust list",
                    TrustData::Revocations => "revocation list",
                },
                Hours(*overdue),
                Hours(*max)
            ),
            Denial::NoRevocationData => {
                f.write_str("no revocation list is loaded, and the policy requires one")
            }
        }
    }
}

/// A duration as checkpoint staff read it, in every message of this crate: `229h03m` (hours
/// and minutes, rounded down), or `42s` under a minute.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Hours(pub Duration);

impl core::fmt::Display for Hours {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let secs = self.0.as_secs();
        if secs < 60 {
            return write!(f, "{secs}s");
        }
        write!(f, "{}h{:02}m", secs / 3600, secs / 60 % 60)
    }
}

impl Hours {
    /// Whole seconds as a duration to display.
    pub const fn secs(secs: u64) -> Hours {
        Hours(Duration::from_secs(secs))
    }
}

/// The outcome of [`Policy::evaluate`]: admitted, or denied with every reason that applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Decision {
    denials: [Option<Denial>; 5],
}

impl Decision {
    /// True when no requirement failed.
    pub fn admitted(&self) -> bool {
        self.denials.iter().all(Option::is_none)
    }

    /// The reasons for denial, in the order colour, test, vaccination, stale trust data,
    /// missing revocation data; empty when admitted.
    pub fn denials(&self) -> impl Iterator<Item = Denial> + '_ {
        self.denials.iter().flatten().copied()
    }
}

impl Policy {
    /// Evaluates a verified token at `now`: the claims against the colour, test and
    /// vaccination requirements, and the trust data it was verified against against the
    /// staleness limit and the revocation requirement. The only way to evaluate, so no
    /// caller can drop the trust-data checks. Does not check validity times: verification
    /// has done that. Never allocates.
    pub fn evaluate(&self, verified: &Verified, now: Timestamp) -> Decision {
        let claims = &verified.claims;
        let colour = (!self.accepted_colours.contains(claims.colour))
            .then_some(Denial::Colour(claims.colour));
        let test = self.max_test_age.and_then(|max| match claims.test {
            None => Some(Denial::NoTest),
            Some(t) if t.result != TestResult::Negative => Some(Denial::TestNotNegative(t.result)),
            Some(t) => {
                let age = now.seconds_since(t.collected_at);
                (age > max.as_secs()).then_some(Denial::TestTooOld {
                    age: Duration::from_secs(age),
                    max: Duration::from_secs(max.as_secs()),
                })
            }
        });
        let doses = claims.vaccination.map_or(0, |v| v.doses);
        let vaccination = (doses < self.min_doses).then_some(Denial::TooFewDoses {
            doses,
            min: self.min_doses,
        });
        let stale = match (verified.stale, self.max_stale) {
            (Some(stale), Some(max)) if stale.overdue.as_secs() > max.as_secs() => {
                Some(Denial::StaleTrustData {
                    data: stale.data,
                    overdue: stale.overdue,
                    max: Duration::from_secs(max.as_secs()),
                })
            }
            _ => None,
        };
        let revocations = (self.require_revocations && verified.revocations.is_none())
            .then_some(Denial::NoRevocationData);
        Decision {
            denials: [colour, test, vaccination, stale, revocations],
        }
    }
}
