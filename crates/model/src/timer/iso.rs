//! The ISO 8601 texts of BPMN timers: dates and times (`timeDate`), durations
//! (`timeDuration`) and repeating intervals (`timeCycle`, `R3/PT10M`).
//!
//! Each parser says which part of the text is wrong and what a valid one looks like, since
//! these messages reach the person who wrote the model (at deploy for literals, as an
//! incident for expressions). Dates and times reuse FEEL's lexical forms; durations get
//! their own scanner because a timer may mix calendar and clock units (`P1DT2H`, even
//! `P1Y2M3DT4H`), which no single FEEL duration type holds.

use std::sync::Arc;

use baton_feel::temporal::{self, DateTime, Zone};

use super::{Error, Interval, Repeat};

/// A timer's date and time: the instant in milliseconds since the Unix epoch, and the zone
/// it was written in (UTC when it has none), whose calendar a cycle's days and months use.
pub(super) fn date_time(text: &str) -> Result<(i64, Zone), Error> {
    let fail = |reason: String| Error::Date {
        text: text.to_string(),
        reason,
    };
    // java.time's form `2026-01-01T10:00:00+01:00[Europe/Berlin]`.
    let (body, bracketed) = match text.strip_suffix(']').and_then(|t| t.split_once('[')) {
        Some((body, zone)) => (body, Some(zone)),
        None => (text, None),
    };
    if body.is_empty() {
        return Err(fail("it is empty".to_string()));
    }
    if body
        .strip_prefix('-')
        .unwrap_or(body)
        .starts_with(['P', 'p'])
    {
        return Err(fail(
            "it is a duration; a timeDate needs an instant, and a delay goes in a timeDuration"
                .to_string(),
        ));
    }
    let (date, clock) = match body.split_once('T') {
        Some((date, clock)) => (date, Some(clock)),
        None => (body, None),
    };
    let Some(day) = temporal::parse_date(date) else {
        return Err(fail(format!(
            "'{date}' is not a calendar date (YYYY-MM-DD)"
        )));
    };
    let Some(clock) = clock else {
        return instant(&DateTime::midnight_utc(day), text);
    };
    let clock = with_seconds(clock);
    let Some(mut parsed) = temporal::parse_date_time(&format!("{date}T{clock}")) else {
        return Err(fail(format!(
            "'{clock}' is not a time of day (hh:mm:ss, then Z, an offset like +02:00 or a \
             zone like @Europe/Berlin)"
        )));
    };
    let Some(name) = bracketed else {
        return instant(&parsed, text);
    };
    if name.is_empty() || name.contains(char::is_whitespace) {
        return Err(fail(format!(
            "'[{name}]' is not a time zone like [Europe/Berlin]"
        )));
    }
    let named = Zone::Named(Arc::from(name));
    if parsed.time.zone.is_none() {
        parsed.time.zone = Some(named);
        return instant(&parsed, text);
    }
    // As in java.time, a written offset fixes the instant; the zone, when Baton knows it,
    // is the calendar a cycle counts days in.
    let (millis, offset) = instant(&parsed, text)?;
    let zone = match DateTime::from_unix_millis_in(millis, named.clone()) {
        Some(_) => named,
        None => offset,
    };
    Ok((millis, zone))
}

/// `10:00Z` → `10:00:00Z`: ISO 8601 (and java.time) let the seconds out; FEEL does not.
fn with_seconds(clock: &str) -> String {
    let bytes = clock.as_bytes();
    let short = bytes.len() >= 5
        && bytes[..2].iter().all(u8::is_ascii_digit)
        && bytes[2] == b':'
        && bytes[3..5].iter().all(u8::is_ascii_digit)
        && bytes
            .get(5)
            .is_none_or(|b| !b.is_ascii_digit() && *b != b':' && *b != b'.');
    if short {
        format!("{}:00{}", &clock[..5], &clock[5..])
    } else {
        clock.to_string()
    }
}

/// The instant of a date and time; one without a zone is UTC.
pub(super) fn instant(date_time: &DateTime, text: &str) -> Result<(i64, Zone), Error> {
    let fail = |reason: String| Error::Date {
        text: text.to_string(),
        reason,
    };
    let zone = date_time.time.zone.clone().unwrap_or(Zone::Offset(0));
    let in_zone = DateTime {
        date: date_time.date,
        time: temporal::Time {
            zone: Some(zone.clone()),
            ..date_time.time.clone()
        },
    };
    if let Some(millis) = super::wall_to_instant(&in_zone) {
        return Ok((millis, zone));
    }
    let in_utc = DateTime {
        date: date_time.date,
        time: temporal::Time {
            zone: Some(Zone::Offset(0)),
            ..date_time.time.clone()
        },
    };
    match zone {
        Zone::Named(name) if in_utc.to_unix_millis().is_some() => Err(fail(format!(
            "the time zone '{name}' is not in the time-zone database; write an offset like +02:00"
        ))),
        _ => Err(fail(format!(
            "the year {} is too far from 1970 for a timer",
            date_time.date.year
        ))),
    }
}

/// An ISO 8601 duration: `[-]P[nY][nM][nW][nD][T[nH][nM][n[.f]S]]`, letters in either case.
pub(super) fn duration(text: &str) -> Result<Interval, Error> {
    let fail = |reason: String| Error::Duration {
        text: text.to_string(),
        reason,
    };
    if text.is_empty() {
        return Err(fail("it is empty".to_string()));
    }
    let upper = text.to_ascii_uppercase();
    let (negative, signless) = match upper.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, upper.strip_prefix('+').unwrap_or(&upper)),
    };
    let Some(body) = signless.strip_prefix('P') else {
        return Err(fail("it must start with P".to_string()));
    };
    if body.is_empty() {
        return Err(fail("nothing follows 'P'".to_string()));
    }
    let (date_part, time_part) = match body.split_once('T') {
        Some((_, "")) => return Err(fail("nothing follows 'T'".to_string())),
        Some((date, time)) => (date, Some(time)),
        None => (body, None),
    };
    let mut amounts = [0i64; 7];
    components(date_part, &DATE_UNITS, &mut amounts).map_err(fail)?;
    if let Some(time) = time_part {
        components(time, &TIME_UNITS, &mut amounts).map_err(fail)?;
    }
    let [years, months, weeks, days, hours, minutes, millis] = amounts;
    let total = (|| {
        let months = years.checked_mul(12)?.checked_add(months)?;
        let days = weeks.checked_mul(7)?.checked_add(days)?;
        let millis = hours
            .checked_mul(3_600_000)?
            .checked_add(minutes.checked_mul(60_000)?)?
            .checked_add(millis)?;
        Some(Interval {
            months,
            days,
            millis,
        })
    })();
    let Some(interval) = total else {
        return Err(fail("it is too long".to_string()));
    };
    Ok(if negative {
        interval.negated()
    } else {
        interval
    })
}

/// Unit letters and the slots of `amounts` they fill, in the order ISO 8601 writes them.
const DATE_UNITS: [(char, usize); 4] = [('Y', 0), ('M', 1), ('W', 2), ('D', 3)];
const TIME_UNITS: [(char, usize); 3] = [('H', 4), ('M', 5), ('S', 6)];

const ORDER: &str = "the units go Y, M, W, D, then T, H, M, S, each at most once";

/// Reads `1Y2M…` into `amounts` (seconds as milliseconds); the error names the piece.
fn components(part: &str, units: &[(char, usize)], amounts: &mut [i64; 7]) -> Result<(), String> {
    let mut rest = part;
    let mut previous: Option<usize> = None;
    while !rest.is_empty() {
        let end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == ','))
            .unwrap_or(rest.len());
        let (number, after) = rest.split_at(end);
        let Some(letter) = after.chars().next() else {
            return Err(format!("'{number}' has no unit after it"));
        };
        let piece = &rest[..end + letter.len_utf8()];
        rest = &rest[piece.len()..];
        let Some(position) = units.iter().position(|(unit, _)| *unit == letter) else {
            return Err(match letter {
                'H' | 'S' => format!("'{piece}' needs a T before it (like PT{piece})"),
                'Y' | 'W' | 'D' => format!("'{piece}' must come before the T (like P{piece}T1H)"),
                _ => format!("'{letter}' is not a unit (Y, M, W, D, then after T: H, M, S)"),
            });
        };
        if number.is_empty() {
            return Err(format!("'{letter}' has no number before it"));
        }
        if previous.is_some_and(|p| position <= p) {
            return Err(format!("'{piece}' is out of order ({ORDER})"));
        }
        previous = Some(position);
        let slot = units[position].1;
        let (whole, fraction) = match number.split_once(['.', ',']) {
            Some(_) if letter != 'S' => {
                return Err(format!("only seconds may have a fraction, not '{piece}'"));
            }
            Some((whole, fraction)) => (whole, Some(fraction)),
            None => (number, None),
        };
        let too_long = || format!("'{piece}' is too long");
        let whole: i64 = match whole.parse() {
            Ok(whole) => whole,
            Err(_) if whole.is_empty() => return Err(format!("'{piece}' has no whole number")),
            Err(_) => return Err(too_long()),
        };
        amounts[slot] = if letter == 'S' {
            let millis = match fraction {
                None => 0,
                Some(f)
                    if f.is_empty() || f.len() > 9 || !f.bytes().all(|b| b.is_ascii_digit()) =>
                {
                    return Err(format!(
                        "'{piece}' must have one to nine digits after the decimal point"
                    ));
                }
                // Timers count whole milliseconds; a finer fraction is dropped.
                Some(f) => format!("{f:0<3}")[..3]
                    .parse::<i64>()
                    .map_err(|_| too_long())?,
            };
            whole
                .checked_mul(1000)
                .and_then(|ms| ms.checked_add(millis))
                .ok_or_else(too_long)?
        } else {
            whole
        };
    }
    Ok(())
}

/// A repeating interval `R[n]/[start/]duration` (the caller has seen the `R`).
pub(super) fn repeat(text: &str) -> Result<Repeat, Error> {
    let fail = |reason: String| Error::Cycle {
        text: text.to_string(),
        reason,
    };
    let inner = |error: Error| Error::InCycle {
        text: text.to_string(),
        inner: Box::new(error),
    };
    let Some((count, rest)) = text.split_once('/') else {
        return Err(fail(format!(
            "'{text}' must be followed by a '/' and a duration (like {text}/PT10M)"
        )));
    };
    let count = count.strip_prefix('R').unwrap_or(count);
    let repetitions = if count.is_empty() {
        None
    } else if count.bytes().all(|b| b.is_ascii_digit()) {
        Some(count.parse::<u32>().map_err(|_| {
            fail(format!(
                "'R{count}' is too many repetitions (at most R{}, or R alone for no limit)",
                u32::MAX
            ))
        })?)
    } else {
        return Err(fail(format!(
            "'R{count}' must be R and a number of repetitions, or R alone for no limit"
        )));
    };
    // A zone name may hold a '/' (`@Europe/Berlin`), so the duration is after the last one.
    let (start, interval) = match rest.rsplit_once('/') {
        Some((start, interval)) => (Some(start), interval),
        None => (None, rest),
    };
    let interval = duration(interval).map_err(inner)?;
    if interval.is_negative() || interval.is_zero() {
        return Err(fail(format!(
            "its interval '{interval}' must be longer than zero"
        )));
    }
    let (start, zone) = match start {
        Some(start) => {
            let (millis, zone) = date_time(start).map_err(inner)?;
            (Some(millis), zone)
        }
        None => (None, Zone::Offset(0)),
    };
    Ok(Repeat {
        repetitions,
        start,
        interval,
        zone,
    })
}
