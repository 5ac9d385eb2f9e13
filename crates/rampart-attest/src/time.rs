//! Times in attestations (RFC 3339, UTC, whole seconds) and ages in policies (`7d`, `12h`).

use jiff::Timestamp;

/// Now, on the system clock.
pub fn now() -> Timestamp {
    Timestamp::now()
}

/// RFC 3339 in UTC to the second: `2026-12-06T08:30:00Z`.
pub fn format(t: Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// Reads an RFC 3339 time with an offset (`Z` or `+02:00`), fractions of seconds allowed.
pub fn parse(text: &str) -> Result<Timestamp, String> {
    text.trim()
        .parse::<Timestamp>()
        .map_err(|e| format!("{text:?} is not an RFC 3339 time such as 2026-01-31T12:00:00Z ({e})"))
}

/// Reads an age: a number and a unit, `s`, `m`, `h`, `d` or `w`, and several of them in a row
/// (`1d12h`). Returns seconds.
pub fn parse_duration(text: &str) -> Result<i64, String> {
    let t = text.trim();
    let bad = || {
        format!(
            "{text:?} is not an age: write a number and a unit, s, m, h, d or w (7d, 12h, 1d12h)"
        )
    };
    if t.is_empty() {
        return Err(bad());
    }
    let mut total: i64 = 0;
    let mut digits = String::new();
    for c in t.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        let unit: i64 = match c {
            's' => 1,
            'm' => 60,
            'h' => 3_600,
            'd' => 86_400,
            'w' => 604_800,
            _ => return Err(bad()),
        };
        let n: i64 = digits.parse().map_err(|_| bad())?;
        digits.clear();
        total = n
            .checked_mul(unit)
            .and_then(|x| total.checked_add(x))
            .filter(|x| *x <= 100 * 365 * 86_400)
            .ok_or_else(|| format!("{text:?} is longer than a century"))?;
    }
    if !digits.is_empty() {
        return Err(bad());
    }
    Ok(total)
}

/// An age for messages: `3d 4h`, `5h 2m`, `40s`.
pub fn describe(seconds: i64) -> String {
    let s = seconds.unsigned_abs();
    let (d, h, m) = (s / 86_400, s % 86_400 / 3_600, s % 3_600 / 60);
    if d > 0 {
        format!("{d}d {h}h")
    } else if h > 0 {
        format!("{h}h {m}m")
    } else if m > 0 {
        format!("{m}m {}s", s % 60)
    } else {
        format!("{s}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_and_parses_rfc3339() {
        let t = parse("2026-01-31T12:00:00.5+02:00").unwrap();
        assert_eq!(format(t), "2026-01-31T10:00:00Z");
        assert_eq!(parse(&format(t)).unwrap().as_second(), t.as_second());
        assert!(parse("2026-01-31").unwrap_err().contains("RFC 3339"));
    }

    #[test]
    fn reads_ages() {
        assert_eq!(parse_duration("7d").unwrap(), 7 * 86_400);
        assert_eq!(parse_duration("1d12h").unwrap(), 36 * 3_600);
        assert_eq!(parse_duration("90s").unwrap(), 90);
        assert_eq!(parse_duration("2w").unwrap(), 14 * 86_400);
        for bad in ["", "7", "d", "7x", "-1d", "1.5d"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
        assert!(parse_duration("99999999999999999d").is_err());
        assert_eq!(describe(3 * 86_400 + 4 * 3_600), "3d 4h");
    }
}
