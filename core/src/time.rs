//! Instants and calendar dates, with no clock: every check takes `now` from the caller.

use core::fmt;
use core::str::FromStr;

use crate::Error;

/// An instant, in whole seconds since 1970-01-01T00:00:00Z (Unix time, no leap seconds).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Timestamp(u64);

impl Timestamp {
    /// The instant `secs` seconds after the Unix epoch.
    pub const fn from_unix(secs: u64) -> Self {
        Timestamp(secs)
    }

    /// Seconds since the Unix epoch.
    pub const fn unix(self) -> u64 {
        self.0
    }

    /// `self + secs`, saturating at the far future.
    pub const fn saturating_add(self, secs: u64) -> Self {
        Timestamp(self.0.saturating_add(secs))
    }

    /// `self - secs`, saturating at the epoch.
    pub const fn saturating_sub(self, secs: u64) -> Self {
        Timestamp(self.0.saturating_sub(secs))
    }

    /// Seconds from `earlier` to `self`, or zero if `earlier` is later.
    pub const fn seconds_since(self, earlier: Timestamp) -> u64 {
        self.0.saturating_sub(earlier.0)
    }

    /// The calendar date (UTC) this instant falls on, if it is within [`Date`]'s range.
    pub fn date(self) -> Option<Date> {
        u16::try_from(self.0 / 86_400).ok().map(Date)
    }

    /// Parses RFC 3339 (`2026-11-21T08:00:00Z`, `2026-11-21T16:00:00+08:00`). Fractions of a
    /// second are accepted and dropped. The date must lie in [`Date`]'s range (1970-01-01 to
    /// 2149-06-06), far beyond any instant a v1 token can carry (2106).
    pub fn parse_rfc3339(s: &str) -> Result<Self, Error> {
        let b = s.as_bytes();
        if b.len() < 20 {
            return Err(Error::InvalidTime(
                "expected YYYY-MM-DDTHH:MM:SS and a zone",
            ));
        }
        let date = parse_ymd(&b[..10])?;
        if !matches!(b[10], b'T' | b't' | b' ') {
            return Err(Error::InvalidTime("expected `T` between date and time"));
        }
        if b[13] != b':' || b[16] != b':' {
            return Err(Error::InvalidTime("expected HH:MM:SS"));
        }
        let hour = digits(&b[11..13])?;
        let minute = digits(&b[14..16])?;
        let second = digits(&b[17..19])?;
        // A leap second (:60) is folded onto the next second, as Unix time does.
        if hour > 23 || minute > 59 || second > 60 {
            return Err(Error::InvalidTime("hour, minute or second out of range"));
        }
        let mut rest = &b[19..];
        if let [b'.', tail @ ..] = rest {
            let n = tail.iter().take_while(|c| c.is_ascii_digit()).count();
            if n == 0 {
                return Err(Error::InvalidTime("expected digits after `.`"));
            }
            rest = &tail[n..];
        }
        let offset: i64 = match rest {
            [b'Z' | b'z'] => 0,
            [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
                let h = digits(&[*h1, *h2])?;
                let m = digits(&[*m1, *m2])?;
                if h > 23 || m > 59 {
                    return Err(Error::InvalidTime("zone offset out of range"));
                }
                let o = i64::from(h * 3600 + m * 60);
                if *sign == b'-' { -o } else { o }
            }
            _ => {
                return Err(Error::InvalidTime(
                    "expected `Z` or a zone offset like +08:00",
                ));
            }
        };
        let local = i64::from(date.0) * 86_400 + i64::from(hour * 3600 + minute * 60 + second);
        u64::try_from(local - offset)
            .map(Timestamp)
            .map_err(|_| Error::InvalidTime("before 1970-01-01T00:00:00Z"))
    }
}

/// Formats as RFC 3339 in UTC, e.g. `2026-11-21T08:00:00Z`.
impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let days = self.0 / 86_400;
        let secs = self.0 % 86_400;
        let (y, m, d) = civil_from_days(days);
        write!(
            f,
            "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
            secs / 3600,
            secs / 60 % 60,
            secs % 60
        )
    }
}

impl FromStr for Timestamp {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        Timestamp::parse_rfc3339(s)
    }
}

/// A calendar date (proleptic Gregorian, UTC), from 1970-01-01 to 2149-06-06.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date(u16);

impl Date {
    /// The date `days` days after 1970-01-01.
    pub const fn from_days_since_epoch(days: u16) -> Self {
        Date(days)
    }

    /// Days since 1970-01-01.
    pub const fn days_since_epoch(self) -> u16 {
        self.0
    }

    /// The date with this year, month (1-12) and day (1-31), if it exists and is in range.
    pub fn from_ymd(year: u32, month: u32, day: u32) -> Result<Self, Error> {
        if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
            return Err(Error::InvalidTime("no such calendar date"));
        }
        let days = days_from_civil(year, month, day).ok_or(Error::InvalidTime(
            "date before 1970-01-01 or after 2149-06-06",
        ))?;
        u16::try_from(days)
            .map(Date)
            .map_err(|_| Error::InvalidTime("date before 1970-01-01 or after 2149-06-06"))
    }

    /// Year, month (1-12) and day (1-31).
    pub fn ymd(self) -> (u32, u32, u32) {
        civil_from_days(u64::from(self.0))
    }

    /// Midnight UTC at the start of this date.
    pub const fn start(self) -> Timestamp {
        Timestamp(self.0 as u64 * 86_400)
    }
}

/// Formats as `YYYY-MM-DD`.
impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, m, d) = self.ymd();
        write!(f, "{y:04}-{m:02}-{d:02}")
    }
}

/// Parses `YYYY-MM-DD`.
impl FromStr for Date {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        if s.len() != 10 {
            return Err(Error::InvalidTime("expected YYYY-MM-DD"));
        }
        parse_ymd(s.as_bytes())
    }
}

fn parse_ymd(b: &[u8]) -> Result<Date, Error> {
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return Err(Error::InvalidTime("expected YYYY-MM-DD"));
    }
    let year = digits(&b[..4])?;
    let month = digits(&b[5..7])?;
    let day = digits(&b[8..10])?;
    Date::from_ymd(year, month, day)
}

fn digits(b: &[u8]) -> Result<u32, Error> {
    b.iter().try_fold(0u32, |acc, &c| {
        if c.is_ascii_digit() {
            Ok(acc * 10 + u32::from(c - b'0'))
        } else {
            Err(Error::InvalidTime("expected a digit"))
        }
    })
}

fn is_leap(y: u32) -> bool {
    (y.is_multiple_of(4) && !y.is_multiple_of(100)) || y.is_multiple_of(400)
}

fn days_in_month(y: u32, m: u32) -> u32 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

// Howard Hinnant's days-from-civil, shifted so that March is the first month of the year.
fn days_from_civil(y: u32, m: u32, d: u32) -> Option<u64> {
    let y = i64::from(y) - i64::from(m <= 2);
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (i64::from(m) + 9) % 12;
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    u64::try_from(era * 146_097 + doe - 719_468).ok()
}

fn civil_from_days(days: u64) -> (u32, u32, u32) {
    // Only non-negative day counts reach here, so the era arithmetic stays unsigned.
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + u64::from(m <= 2);
    // Years stay far below u32::MAX for any u64 day count we format.
    (y as u32, m as u32, d as u32)
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    #[test]
    fn rfc3339_round_trip_and_zones() {
        let t = Timestamp::parse_rfc3339("2026-11-21T08:00:00Z").unwrap();
        assert_eq!(t.unix(), 1_795_248_000);
        assert_eq!(t.to_string(), "2026-11-21T08:00:00Z");
        let beijing = Timestamp::parse_rfc3339("2026-11-21T16:00:00+08:00").unwrap();
        assert_eq!(beijing, t);
        let frac = Timestamp::parse_rfc3339("2026-11-21T08:00:00.999z").unwrap();
        assert_eq!(frac, t);
        assert_eq!(Timestamp::from_unix(0).to_string(), "1970-01-01T00:00:00Z");
    }

    #[test]
    fn rfc3339_rejects_bad_input() {
        for bad in [
            "",
            "2026-11-21",
            "2026-11-21T08:00:00",
            "2026-13-01T00:00:00Z",
            "2026-02-29T00:00:00Z",
            "2026-11-21T24:00:00Z",
            "1969-12-31T23:59:59Z",
            "2026-11-21T08:00:00+8:00",
            "2026-11-21T08:00:00.Z",
            "２０２６-11-21T08:00:00Z",
        ] {
            assert!(Timestamp::parse_rfc3339(bad).is_err(), "{bad}");
        }
        // The epoch itself written in a zone west of UTC is before the epoch.
        assert!(Timestamp::parse_rfc3339("1970-01-01T00:00:00+01:00").is_err());
    }

    #[test]
    fn dates_round_trip_every_day_in_range() {
        for days in 0..=u16::MAX {
            let d = Date::from_days_since_epoch(days);
            let (y, m, dd) = d.ymd();
            assert_eq!(Date::from_ymd(y, m, dd).unwrap(), d);
            assert_eq!(d.to_string().parse::<Date>().unwrap(), d);
        }
        assert!(Date::from_ymd(2149, 6, 7).is_err());
        assert!(Date::from_ymd(1969, 12, 31).is_err());
        assert!("2024-02-30".parse::<Date>().is_err());
        assert_eq!(
            "2024-02-29".parse::<Date>().unwrap().to_string(),
            "2024-02-29"
        );
    }
}
