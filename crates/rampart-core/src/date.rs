//! Calendar dates (`YYYY-MM-DD`) for suppression expiry and database age, without a time-zone library.

use std::fmt;
use std::str::FromStr;
use std::time::{SystemTime, UNIX_EPOCH};

/// A day in the proleptic Gregorian calendar (UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    /// Days since 1970-01-01.
    days: i64,
}

impl Date {
    /// Today's date in UTC.
    pub fn today() -> Date {
        let secs = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0);
        Date::from_unix(secs)
    }

    /// The UTC day of a Unix timestamp in seconds.
    pub fn from_unix(secs: i64) -> Date {
        Date {
            days: secs.div_euclid(86_400),
        }
    }

    /// Builds a date from its parts, checking that the day exists.
    pub fn from_ymd(y: i64, m: u32, d: u32) -> Option<Date> {
        if !(1..=12).contains(&m) || d == 0 || d > days_in_month(y, m) {
            return None;
        }
        // Howard Hinnant's days_from_civil.
        let y = if m <= 2 { y - 1 } else { y };
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let mp = (m as i64 + 9) % 12;
        let doy = (153 * mp + 2) / 5 + d as i64 - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        Some(Date {
            days: era * 146_097 + doe - 719_468,
        })
    }

    /// Year, month, day.
    pub fn ymd(self) -> (i64, u32, u32) {
        let z = self.days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        let y = yoe + era * 400 + if m <= 2 { 1 } else { 0 };
        (y, m, d)
    }

    /// Days from `other` to `self`.
    pub fn days_since(self, other: Date) -> i64 {
        self.days - other.days
    }
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        _ => 28,
    }
}

impl FromStr for Date {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || format!("`{s}` is not a date: write it as YYYY-MM-DD, for example 2027-01-31");
        let mut parts = s.trim().splitn(3, '-');
        let y = parts.next().and_then(|p| p.parse().ok()).ok_or_else(bad)?;
        let m = parts.next().and_then(|p| p.parse().ok()).ok_or_else(bad)?;
        let d = parts.next().and_then(|p| p.parse().ok()).ok_or_else(bad)?;
        Date::from_ymd(y, m, d).ok_or_else(bad)
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, m, d) = self.ymd();
        write!(f, "{y:04}-{m:02}-{d:02}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_validates() {
        for s in ["1970-01-01", "2000-02-29", "2026-11-28", "2100-12-31"] {
            assert_eq!(s.parse::<Date>().unwrap().to_string(), s);
        }
        assert!("2026-02-29".parse::<Date>().is_err());
        assert!("2026-13-01".parse::<Date>().is_err());
        assert!("tomorrow".parse::<Date>().is_err());
        assert_eq!(Date::from_unix(0).to_string(), "1970-01-01");
        let a: Date = "2026-01-01".parse().unwrap();
        let b: Date = "2026-03-01".parse().unwrap();
        assert_eq!(b.days_since(a), 59);
    }
}
