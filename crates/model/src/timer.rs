//! When a BPMN timer is due: `timeDate`, `timeDuration` and `timeCycle` values read into a
//! [`Schedule`], and the due times it gives.
//!
//! Time is milliseconds since the Unix epoch (`i64`) throughout. Nothing here reads a
//! clock: the engine core passes the time a timer is armed and, for repetitions, the time
//! it fired, so the same journal always yields the same due times.
//!
//! What each BPMN element accepts (as a literal or as the value of a FEEL expression),
//! following Camunda 8 where BPMN is silent:
//!
//! - `timeDate`: an ISO 8601 date and time with an offset (`2026-01-01T10:00:00+02:00`) or
//!   a zone (`…@Europe/Berlin`, `…+01:00[Europe/Berlin]`); without either it is UTC, and a
//!   date alone is midnight UTC. A FEEL date and time or date does as well. A date in the
//!   past is due at once.
//! - `timeDuration`: an ISO 8601 duration (`PT2S`, `P1DT2H`, `PT0.25S`, `P1Y2M`) or a FEEL
//!   duration of either kind, counted from the time the timer is armed. A negative one is
//!   due at once.
//! - `timeCycle`: `R[n]/[start/]duration` (`R3/PT10M`, `R/PT1H`,
//!   `R3/2026-01-01T10:00:00Z/PT1H`), or a cron expression (see [`Cron`]). A cycle may
//!   not fire more often than the deployment's [`MinInterval`] (one second by default).
//!
//! Years, months and days of an interval are calendar units: `P1M` after 31 January is
//! the last day of February, and `P1D` keeps the wall-clock time across a change to or from
//! summer time in the zone a cycle's start was written in (UTC otherwise). Hours, minutes
//! and seconds are exact.

mod cron;
mod iso;
mod min_interval;

use std::fmt;

use baton_feel::Value;
use baton_feel::temporal::{Date, DateTime, Zone};

use crate::TimerKind;

pub use cron::Cron;
pub use min_interval::{MinInterval, too_frequent};

/// When a timer fires, read from its BPMN definition.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Schedule {
    /// `timeDate`: once, at this instant.
    At(i64),
    /// `timeDuration`: once, this long after the timer is armed.
    After(Interval),
    /// `timeCycle` in ISO 8601: `R[n]/[start/]interval`.
    Repeat(Repeat),
    /// `timeCycle` as a cron expression: every time it matches, without end.
    Cron(Cron),
}

/// An ISO 8601 repeating interval.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Repeat {
    /// How many times the timer fires in all; `None` (`R/…`) for no limit.
    pub repetitions: Option<u32>,
    /// The first due time, when given; otherwise the first is one interval after arming.
    pub start: Option<i64>,
    /// The time between two due times; always longer than zero.
    pub interval: Interval,
    /// The zone whose calendar counts the interval's years, months and days: the start's
    /// zone, or UTC.
    pub zone: Zone,
}

/// An ISO 8601 duration, `P1Y2M3DT4H5M6.7S`: calendar months and days (whose length
/// depends on where they start) and exact milliseconds. The parts share one sign.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Interval {
    pub months: i64,
    pub days: i64,
    pub millis: i64,
}

/// Why a timer's value gives no schedule, or a schedule no due time.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    #[error(
        "'{text}' is not an ISO 8601 date and time (like 2026-01-01T10:00:00Z or \
         2026-01-01T10:00:00@Europe/Berlin): {reason}"
    )]
    Date { text: String, reason: String },
    #[error("'{text}' is not an ISO 8601 duration (like PT10M or P1DT2H): {reason}")]
    Duration { text: String, reason: String },
    #[error(
        "'{text}' is not a cycle (like R3/PT10M, R/PT1H, R3/2026-01-01T10:00:00Z/PT1H or a \
         cron expression like 0 0 9 * * MON-FRI): {reason}"
    )]
    Cycle { text: String, reason: String },
    /// A part of a cycle (its start or its interval) is wrong.
    #[error("in the cycle '{text}': {inner}")]
    InCycle { text: String, inner: Box<Error> },
    #[error("'{text}' is not a cron expression (like 0 0 9 * * MON-FRI or @daily): {reason}")]
    Cron { text: String, reason: String },
    /// A FEEL expression gave a value of the wrong type.
    #[error("a {element} needs {expected}, but the expression gave {got}")]
    Value {
        element: &'static str,
        expected: &'static str,
        got: String,
    },
    /// The due time lies beyond what an `i64` of milliseconds holds.
    #[error("the due time {what} is out of range")]
    OutOfRange { what: String },
    /// An ISO 8601 cycle whose interval is shorter than the deployment allows.
    #[error(
        "'{text}' repeats every {interval}: a timer cycle may fire at most once every \
         {minimum} (the minimum interval)"
    )]
    RepeatsTooOften {
        text: String,
        interval: Interval,
        minimum: MinInterval,
    },
    /// A cron expression whose firings can come closer than the deployment allows.
    #[error(
        "'{text}' fires as often as every {gap}: a timer cycle may fire at most once every \
         {minimum} (the minimum interval)"
    )]
    CronTooOften {
        text: String,
        gap: Interval,
        minimum: MinInterval,
    },
}

impl Schedule {
    /// Reads a literal timer value: ISO 8601 text, or for cycles also a cron expression.
    /// Surrounding whitespace (XML text content often has some) is ignored.
    pub fn parse(text: &str, kind: TimerKind) -> Result<Schedule, Error> {
        let text = text.trim();
        match kind {
            TimerKind::Date => iso::date_time(text).map(|(millis, _)| Schedule::At(millis)),
            TimerKind::Duration => iso::duration(text).map(Schedule::After),
            TimerKind::Cycle if text.starts_with('R') => iso::repeat(text).map(Schedule::Repeat),
            TimerKind::Cycle => {
                let unsigned = text.strip_prefix(['-', '+']).unwrap_or(text);
                if unsigned.starts_with(['P', 'p']) {
                    return Err(Error::Cycle {
                        text: text.to_string(),
                        reason: format!(
                            "a cycle repeats a duration: write R/{text} to repeat it without \
                             end, or R3/{text} for three times"
                        ),
                    });
                }
                Cron::parse(text).map(Schedule::Cron)
            }
        }
    }

    /// Reads what a timer's FEEL expression gave: a string is read as [`Schedule::parse`]
    /// reads it; a `timeDate` also takes a date and time or a date, and a `timeDuration` a
    /// duration of either kind.
    pub fn from_value(value: &Value, kind: TimerKind) -> Result<Schedule, Error> {
        match (kind, value) {
            (_, Value::String(text)) => Schedule::parse(text, kind),
            (TimerKind::Date, Value::DateTime(date_time)) => {
                iso::instant(date_time, &date_time.to_string()).map(|(at, _)| Schedule::At(at))
            }
            (TimerKind::Date, Value::Date(date)) => {
                iso::instant(&DateTime::midnight_utc(*date), &date.to_string())
                    .map(|(at, _)| Schedule::At(at))
            }
            (TimerKind::Duration, Value::YearMonths(months)) => Ok(Schedule::After(Interval {
                months: months.0,
                ..Interval::default()
            })),
            (TimerKind::Duration, Value::DayTime(duration)) => {
                // Timers count whole milliseconds; a finer fraction is dropped.
                let millis =
                    i64::try_from(duration.nanos() / 1_000_000).map_err(|_| Error::Duration {
                        text: duration.to_string(),
                        reason: "it is too long".to_string(),
                    })?;
                Ok(Schedule::After(Interval {
                    millis,
                    ..Interval::default()
                }))
            }
            (kind, other) => {
                let (element, expected) = match kind {
                    TimerKind::Date => (
                        "timeDate",
                        "a date and time (or a string like 2026-01-01T10:00:00Z)",
                    ),
                    TimerKind::Duration => ("timeDuration", "a duration (or a string like PT10M)"),
                    TimerKind::Cycle => (
                        "timeCycle",
                        "a string like R3/PT10M or a cron expression like 0 0 9 * * MON-FRI",
                    ),
                };
                Err(Error::Value {
                    element,
                    expected,
                    got: describe(other),
                })
            }
        }
    }

    /// The first due time of a timer armed at `armed_at`; `None` when it never fires
    /// (`R0/…`). A due time may lie in the past (a `timeDate` gone by, a cycle's start):
    /// the caller fires a timer once its due time is at or before now.
    pub fn first_due(&self, armed_at: i64) -> Result<Option<i64>, Error> {
        match self {
            Schedule::At(at) => Ok(Some(*at)),
            Schedule::After(interval) => {
                let due = interval.after(armed_at, &Zone::Offset(0))?;
                Ok(Some(due.max(armed_at)))
            }
            Schedule::Repeat(repeat) if repeat.repetitions == Some(0) => Ok(None),
            Schedule::Repeat(repeat) => match repeat.start {
                Some(start) => Ok(Some(start)),
                None => repeat.interval.after(armed_at, &repeat.zone).map(Some),
            },
            Schedule::Cron(cron) => cron_after(cron, armed_at).map(Some),
        }
    }

    /// The due time after a timer has fired `fired` times in all, the last time due at
    /// `previous_due` and fired at `now`; `None` when it fires no more (a date or a
    /// duration, or a cycle whose repetitions are used up).
    ///
    /// A cycle's next due time is one interval after the previous one. When that is not
    /// after `now` (firings were missed while the engine was down), it is one interval
    /// after `now` instead, as in Camunda 8, so missed firings are skipped rather than
    /// fired in a burst; a cron expression likewise gives its next match after `now`.
    pub fn next_due(&self, previous_due: i64, fired: u32, now: i64) -> Result<Option<i64>, Error> {
        match self {
            Schedule::At(_) | Schedule::After(_) => Ok(None),
            Schedule::Repeat(repeat) if repeat.repetitions.is_some_and(|n| fired >= n) => Ok(None),
            Schedule::Repeat(repeat) => {
                let natural = repeat.interval.after(previous_due, &repeat.zone)?;
                if natural > now {
                    Ok(Some(natural))
                } else {
                    repeat.interval.after(now, &repeat.zone).map(Some)
                }
            }
            Schedule::Cron(cron) => cron_after(cron, previous_due.max(now)).map(Some),
        }
    }
}

/// A cron expression's next match; parsing made sure it has one every 400 years, so only
/// the end of time stops it.
fn cron_after(cron: &Cron, after: i64) -> Result<i64, Error> {
    cron.next_after(after).ok_or_else(|| Error::OutOfRange {
        what: format!("of '{cron}' after {}", show(after)),
    })
}

/// A FEEL value for an error message: its type and, shortened, its text.
fn describe(value: &Value) -> String {
    if value.is_null() {
        return "null".to_string();
    }
    let mut text = value.to_string();
    if text.chars().count() > 60 {
        text = text.chars().take(57).collect::<String>() + "...";
    }
    format!("{} {text}", value.type_name())
}

/// An instant as ISO 8601 UTC text, for messages.
fn show(millis: i64) -> String {
    DateTime::from_unix_millis(millis).map_or_else(|| millis.to_string(), |dt| dt.to_string())
}

impl Interval {
    pub fn is_zero(&self) -> bool {
        *self == Interval::default()
    }

    pub fn is_negative(&self) -> bool {
        self.months < 0 || self.days < 0 || self.millis < 0
    }

    fn negated(self) -> Interval {
        Interval {
            months: self.months.saturating_neg(),
            days: self.days.saturating_neg(),
            millis: self.millis.saturating_neg(),
        }
    }

    /// The instant this long after `from`, its months and days counted on the calendar
    /// of `zone`.
    pub fn after(&self, from: i64, zone: &Zone) -> Result<i64, Error> {
        let out_of_range = || Error::OutOfRange {
            what: format!("{self} after {}", show(from)),
        };
        if self.months == 0 && self.days == 0 {
            return from.checked_add(self.millis).ok_or_else(out_of_range);
        }
        let moved = (|| {
            let local = DateTime::from_unix_millis_in(from, zone.clone())?;
            let date = local.date.add_months(self.months)?;
            let date = Date::from_days(date.days().checked_add(self.days)?)?;
            wall_to_instant(&DateTime {
                date,
                time: local.time,
            })?
            .checked_add(self.millis)
        })();
        moved.ok_or_else(out_of_range)
    }
}

/// The instant of a wall-clock date and time in its zone. A time skipped when summer time
/// starts (02:30 on that night in Berlin) moves forward by the gap, as in java.time: the
/// zone's offset before the gap applies to it.
fn wall_to_instant(date_time: &DateTime) -> Option<i64> {
    date_time.to_unix_millis()
}

impl fmt::Display for Interval {
    /// ISO 8601: `P1Y2M3DT4H5M6.7S`, `PT0S` for nothing.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_zero() {
            return f.write_str("PT0S");
        }
        if self.is_negative() {
            f.write_str("-")?;
        }
        let (months, days, millis) = (
            self.months.unsigned_abs(),
            self.days.unsigned_abs(),
            self.millis.unsigned_abs(),
        );
        f.write_str("P")?;
        for (amount, unit) in [(months / 12, 'Y'), (months % 12, 'M'), (days, 'D')] {
            if amount > 0 {
                write!(f, "{amount}{unit}")?;
            }
        }
        if millis == 0 {
            return Ok(());
        }
        f.write_str("T")?;
        let (hours, minutes) = (millis / 3_600_000, millis / 60_000 % 60);
        let (seconds, fraction) = (millis / 1000 % 60, millis % 1000);
        for (amount, unit) in [(hours, 'H'), (minutes, 'M')] {
            if amount > 0 {
                write!(f, "{amount}{unit}")?;
            }
        }
        match (seconds, fraction) {
            (0, 0) => Ok(()),
            (s, 0) => write!(f, "{s}S"),
            (s, ms) => write!(f, "{s}.{}S", format!("{ms:03}").trim_end_matches('0')),
        }
    }
}
