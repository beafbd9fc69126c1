//! Timestamps as they are written out: RFC 3339 in UTC with a `Z`, the fraction shown in
//! groups of three digits only as far as it is not zero (`2026-11-25T13:05:01.250Z`), exactly
//! as chrono's own `Serialize` writes them.
//!
//! chrono formats through `core::fmt` one character at a time, and a JSON serializer then
//! escapes each of those characters separately: a listing of fifty cards spent a quarter of
//! its time there. These functions write the same text into a stack buffer and hand it to
//! the serializer whole. Use them with `#[serde(serialize_with = "...")]`.

use chrono::{DateTime, Datelike as _, SecondsFormat, Timelike as _, Utc};
use serde::Serializer;

use crate::values::InvalidValue;

/// The years a timestamp may fall in: those RFC 3339 can write, year 0 aside, which
/// PostgreSQL and every client read alike.
pub const YEARS: std::ops::RangeInclusive<i32> = 1..=9999;

/// Checks that `at` can be written as RFC 3339 and is kept alike by every storage: a year in
/// [`YEARS`] and no leap second (`23:59:60`, which PostgreSQL moves to the next minute).
///
/// # Errors
///
/// When it cannot.
pub fn check(at: &DateTime<Utc>) -> Result<(), InvalidValue> {
    if !YEARS.contains(&at.year()) {
        return Err(InvalidValue::new(format!(
            "must be a date-time between the years {} and {}",
            YEARS.start(),
            YEARS.end()
        )));
    }
    if at.nanosecond() >= 1_000_000_000 {
        return Err(InvalidValue::new("must not be a leap second"));
    }
    Ok(())
}

/// Reads an RFC 3339 timestamp (`2026-09-01T09:00:00Z`, any offset) as UTC, checked by
/// [`check`].
///
/// # Errors
///
/// When the text is not such a timestamp.
pub fn parse(text: &str) -> Result<DateTime<Utc>, InvalidValue> {
    let at = DateTime::parse_from_rfc3339(text)
        .map(|at| at.with_timezone(&Utc))
        .map_err(|_| {
            InvalidValue::new("must be an RFC 3339 date-time such as 2026-09-01T09:00:00Z")
        })?;
    check(&at)?;
    Ok(at)
}

/// The longest text [`format`] writes: `YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ`.
const MAX_LEN: usize = 30;

/// Writes `at` as chrono's `Serialize` would, through `serializer.serialize_str`.
///
/// # Errors
///
/// As the serializer.
pub fn serialize<S: Serializer>(at: &DateTime<Utc>, serializer: S) -> Result<S::Ok, S::Error> {
    let mut buffer = [0_u8; MAX_LEN];
    match format(at, &mut buffer) {
        Some(text) => serializer.serialize_str(text),
        None => serializer.serialize_str(&at.to_rfc3339_opts(SecondsFormat::AutoSi, true)),
    }
}

/// [`serialize`] for an optional timestamp: `null` when absent.
///
/// # Errors
///
/// As the serializer.
#[allow(
    clippy::ref_option,
    reason = "serde's serialize_with passes a reference to the field"
)]
pub fn serialize_option<S: Serializer>(
    at: &Option<DateTime<Utc>>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match at {
        Some(at) => serialize(at, serializer),
        None => serializer.serialize_none(),
    }
}

/// The RFC 3339 text of `at` in `buffer`, or `None` for what this fast path leaves to chrono:
/// years outside 0–9999 and leap seconds.
fn format<'b>(at: &DateTime<Utc>, buffer: &'b mut [u8; MAX_LEN]) -> Option<&'b str> {
    // One conversion to calendar fields: each accessor on `DateTime` converts anew.
    let naive = at.naive_utc();
    let (date, time) = (naive.date(), naive.time());
    let year = u32::try_from(date.year()).ok().filter(|y| *y <= 9999)?;
    let nanos = time.nanosecond();
    if nanos >= 1_000_000_000 {
        return None;
    }
    *buffer = *b"0000-00-00T00:00:00.000000000Z";
    put_digits(&mut buffer[0..4], year);
    put_digits(&mut buffer[5..7], date.month());
    put_digits(&mut buffer[8..10], date.day());
    put_digits(&mut buffer[11..13], time.hour());
    put_digits(&mut buffer[14..16], time.minute());
    put_digits(&mut buffer[17..19], time.second());
    let end = if nanos == 0 {
        19
    } else if nanos % 1_000_000 == 0 {
        put_digits(&mut buffer[20..23], nanos / 1_000_000);
        23
    } else if nanos % 1_000 == 0 {
        put_digits(&mut buffer[20..26], nanos / 1_000);
        26
    } else {
        put_digits(&mut buffer[20..29], nanos);
        29
    };
    buffer[end] = b'Z';
    std::str::from_utf8(&buffer[..=end]).ok()
}

/// Writes `value` in decimal into `slot`, right-aligned; `slot` is already zero-filled.
fn put_digits(slot: &mut [u8], mut value: u32) {
    for byte in slot.iter_mut().rev() {
        // A digit is below 10: the cast cannot truncate.
        #[allow(clippy::cast_possible_truncation)]
        let digit = (value % 10) as u8;
        *byte = b'0' + digit;
        value /= 10;
    }
}

#[cfg(test)]
mod tests {
    use chrono::{NaiveDate, TimeZone as _};

    use super::*;

    fn written(at: &DateTime<Utc>) -> String {
        let mut out = Vec::new();
        serialize(at, &mut serde_json::Serializer::new(&mut out)).unwrap();
        String::from_utf8(out).unwrap()
    }

    fn chrono_writes(at: &DateTime<Utc>) -> String {
        serde_json::to_string(at).unwrap()
    }

    #[test]
    fn writes_what_chrono_writes_for_every_fraction_shape() {
        let base = Utc.with_ymd_and_hms(2026, 11, 25, 13, 5, 1).unwrap();
        for nanos in [
            0,
            1,
            999,
            1_000,
            250_000,
            999_999,
            1_000_000,
            250_000_000,
            999_000_000,
            123_456_789,
            999_999_999,
        ] {
            let at = base + chrono::TimeDelta::nanoseconds(nanos);
            assert_eq!(written(&at), chrono_writes(&at), "{nanos} ns");
        }
    }

    #[test]
    fn writes_what_chrono_writes_across_the_calendar() {
        // A deterministic walk over dates, times and microseconds, edge years included.
        let mut at = NaiveDate::from_ymd_opt(0, 1, 1)
            .unwrap()
            .and_hms_opt(0, 0, 0)
            .unwrap()
            .and_utc();
        let step = chrono::TimeDelta::seconds(86_400 * 97 + 3_607)
            + chrono::TimeDelta::microseconds(7_919);
        while at.year() <= 9999 {
            assert_eq!(written(&at), chrono_writes(&at));
            at += step;
        }
        let last = NaiveDate::from_ymd_opt(9999, 12, 31)
            .unwrap()
            .and_hms_micro_opt(23, 59, 59, 999_999)
            .unwrap()
            .and_utc();
        assert_eq!(written(&last), chrono_writes(&last));
    }

    #[test]
    fn leaves_years_past_9999_and_before_0_to_chrono() {
        for year in [-1, 10_000, 262_000] {
            let at = NaiveDate::from_ymd_opt(year, 6, 1)
                .unwrap()
                .and_hms_opt(12, 0, 0)
                .unwrap()
                .and_utc();
            assert_eq!(written(&at), chrono_writes(&at), "year {year}");
        }
    }

    #[test]
    fn writes_null_for_an_absent_timestamp() {
        let mut out = Vec::new();
        serialize_option(&None, &mut serde_json::Serializer::new(&mut out)).unwrap();
        assert_eq!(out, b"null");
    }
}
