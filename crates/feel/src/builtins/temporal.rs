//! Temporal functions: `date`, `time`, `date and time`, `duration`,
//! `years and months duration`, and the calendar functions (`day of week`, …).
//! `now()` and `today()` read the clock of the [`Scope`](crate::Scope): the engine core
//! has none, so whoever evaluates supplies the current time (see `Scope::now`).
//!
//! Camunda's extensions: `last day of month`, and `date and time(value, timezone)`,
//! which shows an instant on another zone's clock.

use std::sync::Arc;

use super::{Args, Builtin, Special, Ty, count, handled_by_evaluator};
use crate::eval::Failure;
use crate::temporal::{self, Date, DateTime, DayTime, Time, YearMonths, Zone};
use crate::value::{Number, Value};

pub(crate) const FUNCTIONS: &[Builtin] = &[
    Builtin {
        special: Some(Special::Now),
        ..Builtin::new("now", &[], 0, handled_by_evaluator)
    },
    Builtin {
        special: Some(Special::Today),
        ..Builtin::new("today", &[], 0, handled_by_evaluator)
    },
    Builtin::new(
        "date",
        &[("from", Ty::Single), ("month", Ty::Num), ("day", Ty::Num)],
        1,
        date,
    ),
    Builtin::new(
        "time",
        &[
            ("from", Ty::Single),
            ("minute", Ty::Num),
            ("second", Ty::Num),
            ("offset", Ty::Single),
        ],
        1,
        time,
    ),
    Builtin::new(
        "date and time",
        &[("from", Ty::Single), ("time", Ty::Single)],
        1,
        date_and_time,
    ),
    Builtin::new("duration", &[("from", Ty::Str)], 1, duration),
    Builtin::new(
        "years and months duration",
        &[("from", Ty::Single), ("to", Ty::Single)],
        2,
        years_and_months,
    ),
    Builtin::new("day of year", &[("date", Ty::Single)], 1, day_of_year),
    Builtin::new("day of week", &[("date", Ty::Single)], 1, day_of_week),
    Builtin::new("month of year", &[("date", Ty::Single)], 1, month_of_year),
    Builtin::new("week of year", &[("date", Ty::Single)], 1, week_of_year),
    Builtin::new(
        "last day of month",
        &[("date", Ty::Single)],
        1,
        last_day_of_month,
    ),
];

fn bad(args: &Args<'_>, what: &str, text: &str) -> Failure {
    args.invalid(format!("can't read '{text}' as {what}"))
}

fn small(args: &Args<'_>, index: usize) -> Result<i64, Failure> {
    args.int(index)
}

/// `date("2024-01-31")`, `date(2024, 1, 31)`, `date(date and time)`.
fn date(args: &Args<'_>) -> Result<Value, Failure> {
    if args.values().iter().any(Value::is_null) {
        return Ok(Value::Null);
    }
    if args.len() == 3 {
        let year = small(args, 0)?;
        let (month, day) = (small(args, 1)?, small(args, 2)?);
        let made = i32::try_from(year)
            .ok()
            .and_then(|y| Date::new(y, u8::try_from(month).ok()?, u8::try_from(day).ok()?));
        return made
            .map(Value::Date)
            .ok_or_else(|| args.invalid(format!("{year}-{month}-{day} is not a date")));
    }
    Ok(match args.value(0) {
        Value::String(s) => {
            Value::Date(temporal::parse_date(s).ok_or_else(|| bad(args, "a date", s))?)
        }
        Value::Date(d) => Value::Date(*d),
        Value::DateTime(dt) => Value::Date(dt.date),
        Value::Null => Value::Null,
        other => return Err(args.mismatch("a string, date or date and time", other)),
    })
}

/// `time("10:30:00")`, `time(10, 30, 0[, offset])`, `time(date and time)`.
fn time(args: &Args<'_>) -> Result<Value, Failure> {
    if args.values().iter().take(3).any(Value::is_null) {
        return Ok(Value::Null);
    }
    if args.len() >= 3 {
        let (h, m) = (small(args, 0)?, small(args, 1)?);
        let seconds = args.num(2);
        let whole = seconds
            .round_to_scale(0, dec::Rounding::Down)
            .and_then(Number::to_i64)
            .ok_or_else(|| args.invalid("expects seconds as a number"))?;
        let nanos = seconds
            .sub(Number::from_i64(whole))
            .and_then(|f| f.mul(Number::from_i64(1_000_000_000)))
            .and_then(|f| f.round_to_scale(0, dec::Rounding::Down))
            .and_then(Number::to_i64)
            .unwrap_or(0);
        let zone = match args.get(3) {
            None | Some(Value::Null) => None,
            // XML Schema's time zones, which FEEL's times are (DMN 1.5 10.3.2.3.4), lie
            // within -14:00..+14:00; a longer offset makes no time.
            Some(Value::DayTime(offset)) => Some(Zone::Offset(
                i32::try_from(offset.nanos() / 1_000_000_000)
                    .ok()
                    .filter(|seconds| seconds.abs() <= 14 * 3600)
                    .ok_or_else(|| args.invalid("takes an offset within -PT14H..PT14H"))?,
            )),
            Some(other) => return Err(args.mismatch("a days and time duration offset", other)),
        };
        let made = (|| {
            Time::new(
                u32::try_from(h).ok()?,
                u32::try_from(m).ok()?,
                u32::try_from(whole).ok()?,
                u32::try_from(nanos).ok()?,
                zone,
            )
        })();
        return made
            .map(|t| Value::Time(Arc::new(t)))
            .ok_or_else(|| args.invalid(format!("{h}:{m}:{seconds} is not a time")));
    }
    Ok(match args.value(0) {
        Value::String(s) => {
            // A full date and time string gives its time part.
            let parsed = temporal::parse_time(s).or_else(|| {
                s.contains('T')
                    .then(|| temporal::parse_date_time(s))
                    .flatten()
                    .map(|dt| dt.time)
            });
            Value::Time(Arc::new(parsed.ok_or_else(|| bad(args, "a time", s))?))
        }
        Value::Time(t) => Value::Time(t.clone()),
        Value::DateTime(dt) => Value::Time(Arc::new(dt.time.clone())),
        Value::Date(_) => Value::Time(Arc::new(Time {
            seconds: 0,
            nanos: 0,
            zone: Some(Zone::Offset(0)),
            later: false,
        })),
        Value::Null => Value::Null,
        other => return Err(args.mismatch("a string, time or date and time", other)),
    })
}

/// `date and time("2024-01-31T10:00:00")`, `date and time(date, time)`, and Camunda's
/// `date and time(date and time, timezone)`.
fn date_and_time(args: &Args<'_>) -> Result<Value, Failure> {
    if let Some(Value::String(zone)) = args.get(1) {
        return in_zone(args, zone);
    }
    if args.len() == 2 {
        let date = match args.value(0) {
            Value::Date(d) => *d,
            Value::DateTime(dt) => dt.date,
            Value::Null => return Ok(Value::Null),
            other => return Err(args.mismatch("a date", other)),
        };
        let time = match args.value(1) {
            Value::Time(t) => (**t).clone(),
            Value::Null => return Ok(Value::Null),
            other => return Err(args.mismatch("a time", other)),
        };
        return Ok(Value::DateTime(Arc::new(DateTime { date, time })));
    }
    Ok(match args.value(0) {
        Value::String(s) => Value::DateTime(Arc::new(
            temporal::parse_date_time(s).ok_or_else(|| bad(args, "a date and time", s))?,
        )),
        Value::DateTime(dt) => Value::DateTime(dt.clone()),
        Value::Date(d) => Value::DateTime(Arc::new(DateTime::at_midnight(*d))),
        Value::Null => Value::Null,
        other => return Err(args.mismatch("a string or date", other)),
    })
}

/// The first argument's instant on the clock of the time zone `zone` names. A date and
/// time without a zone is read as UTC, where Camunda reads it in the engine's default
/// zone (UTC on a server that sets none).
fn in_zone(args: &Args<'_>, zone: &str) -> Result<Value, Failure> {
    let target = temporal::parse_zone(zone)
        .ok_or_else(|| args.invalid(format!("expects a time zone, got \"{zone}\"")))?;
    let from = match args.value(0) {
        Value::DateTime(dt) if dt.time.zone.is_none() => DateTime {
            date: dt.date,
            time: Time {
                zone: Some(Zone::Offset(0)),
                ..dt.time.clone()
            },
        },
        Value::DateTime(dt) => (**dt).clone(),
        Value::Null => return Ok(Value::Null),
        other => return Err(args.mismatch("a date and time", other)),
    };
    from.at_zone(target)
        .map(|dt| Value::DateTime(Arc::new(dt)))
        .ok_or_else(|| {
            args.invalid(format!(
                "can't convert {from} to '{zone}': the time-zone database does not know the zone"
            ))
        })
}

fn duration(args: &Args<'_>) -> Result<Value, Failure> {
    let text = args.str(0);
    Value::temporal("duration", text).ok_or_else(|| bad(args, "a duration", text))
}

fn as_date_time(value: &Value) -> Option<DateTime> {
    match value {
        Value::Date(d) => Some(DateTime::at_midnight(*d)),
        Value::DateTime(dt) => Some((**dt).clone()),
        _ => None,
    }
}

fn years_and_months(args: &Args<'_>) -> Result<Value, Failure> {
    if args.value(0).is_null() || args.value(1).is_null() {
        return Ok(Value::Null);
    }
    let from = as_date_time(args.value(0))
        .ok_or_else(|| args.mismatch("a date or date and time", args.value(0)))?;
    let to = as_date_time(args.value(1))
        .ok_or_else(|| args.mismatch("a date or date and time", args.value(1)))?;
    Ok(Value::YearMonths(YearMonths(temporal::months_between(
        &from, &to,
    ))))
}

fn date_of(args: &Args<'_>) -> Result<Option<Date>, Failure> {
    match args.value(0) {
        Value::Date(d) => Ok(Some(*d)),
        Value::DateTime(dt) => Ok(Some(dt.date)),
        Value::Null => Ok(None),
        other => Err(args.mismatch("a date or date and time", other)),
    }
}

fn day_of_year(args: &Args<'_>) -> Result<Value, Failure> {
    Ok(date_of(args)?.map_or(Value::Null, |d| count(usize::from(d.day_of_year()))))
}

const WEEKDAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];
const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

fn day_of_week(args: &Args<'_>) -> Result<Value, Failure> {
    Ok(date_of(args)?.map_or(Value::Null, |d| {
        Value::string(WEEKDAYS[usize::from(d.weekday() - 1) % 7])
    }))
}

fn month_of_year(args: &Args<'_>) -> Result<Value, Failure> {
    Ok(date_of(args)?.map_or(Value::Null, |d| {
        Value::string(MONTHS[usize::from(d.month - 1) % 12])
    }))
}

fn week_of_year(args: &Args<'_>) -> Result<Value, Failure> {
    Ok(date_of(args)?.map_or(Value::Null, |d| count(usize::from(d.iso_week()))))
}

/// Camunda's `last day of month(date)`: the last day of the date's month, as a date.
fn last_day_of_month(args: &Args<'_>) -> Result<Value, Failure> {
    Ok(date_of(args)?
        .and_then(|d| Date::new(d.year, d.month, temporal::days_in_month(d.year, d.month)))
        .map_or(Value::Null, Value::Date))
}

/// A property of a temporal value (`date.year`, `duration.hours`); `None` when the value
/// has no such property.
pub(crate) fn property(value: &Value, name: &str) -> Option<Value> {
    let n = |x: i64| Value::Number(Number::from_i64(x));
    let zone_props = |time: &Time, name: &str| -> Option<Value> {
        match name {
            "hour" => Some(n(i64::from(time.hour()))),
            "minute" => Some(n(i64::from(time.minute()))),
            "second" => Some(n(i64::from(time.second()))),
            "time offset" => Some(match &time.zone {
                Some(Zone::Offset(s)) => Value::DayTime(DayTime::from_seconds(i64::from(*s))),
                _ => Value::Null,
            }),
            "timezone" => Some(match &time.zone {
                Some(Zone::Named(name)) => Value::string(&**name),
                _ => Value::Null,
            }),
            _ => None,
        }
    };
    let date_props = |date: &Date, name: &str| -> Option<Value> {
        match name {
            "year" => Some(n(i64::from(date.year))),
            "month" => Some(n(i64::from(date.month))),
            "day" => Some(n(i64::from(date.day))),
            "weekday" => Some(n(i64::from(date.weekday()))),
            _ => None,
        }
    };
    match value {
        Value::Date(d) => date_props(d, name),
        Value::Time(t) => zone_props(t, name),
        // A named zone's offset depends on the date, so only a date and time has one.
        Value::DateTime(dt) if name == "time offset" => {
            Some(dt.offset_seconds().map_or(Value::Null, |s| {
                Value::DayTime(DayTime::from_seconds(i64::from(s)))
            }))
        }
        Value::DateTime(dt) => date_props(&dt.date, name).or_else(|| zone_props(&dt.time, name)),
        Value::YearMonths(d) => match name {
            "years" => Some(n(d.0 / 12)),
            "months" => Some(n(d.0 % 12)),
            _ => None,
        },
        Value::DayTime(d) => {
            let seconds = i64::try_from(d.nanos() / 1_000_000_000).ok()?;
            match name {
                "days" => Some(n(seconds / 86_400)),
                "hours" => Some(n(seconds / 3600 % 24)),
                "minutes" => Some(n(seconds / 60 % 60)),
                "seconds" => Some(n(seconds % 60)),
                _ => None,
            }
        }
        Value::Range(range) => match name {
            "start" => Some(range.start.clone()),
            "end" => Some(range.end.clone()),
            "start included" => Some(Value::Bool(range.start_closed)),
            "end included" => Some(Value::Bool(range.end_closed)),
            _ => None,
        },
        _ => None,
    }
}
