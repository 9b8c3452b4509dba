//! FEEL's temporal values: dates, times, dates and times, and the two kinds of duration
//! (years and months; days and time), with the calendar arithmetic of DMN 1.5 §10.3.2.3.
//!
//! Calendar conversions use the proleptic Gregorian calendar with day numbers counted from
//! 1970-01-01 (Howard Hinnant's `days_from_civil`). Time zones: UTC offsets are exact; a
//! named zone (`@Europe/Paris`) is kept by name and takes its offset at each date from the
//! IANA time-zone database (`zones.rs`); only a time of day in a zone whose offset changes
//! has no offset and compares by local time.

use std::cmp::Ordering;
use std::fmt;
use std::sync::Arc;

const NANOS_PER_SECOND: i128 = 1_000_000_000;
const SECONDS_PER_DAY: i64 = 86_400;

/// A calendar date.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    pub year: i32,
    pub month: u8,
    pub day: u8,
}

/// A time zone: a fixed offset or a named zone.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Zone {
    /// Seconds east of UTC.
    Offset(i32),
    /// An IANA zone name, without an offset Baton can compute.
    Named(Arc<str>),
}

/// A time of day, with an optional zone.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Time {
    /// Seconds since midnight (0..86400).
    pub seconds: u32,
    pub nanos: u32,
    pub zone: Option<Zone>,
    /// In a named zone, the second of the two moments a wall time names when it occurs
    /// twice (the hour after summer time ends: 01:30 in New York on 2021-11-07 is first
    /// EDT, then EST); false everywhere else.
    pub later: bool,
}

/// A date and a time of day.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct DateTime {
    pub date: Date,
    pub time: Time,
}

/// A years-and-months duration, in months.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct YearMonths(pub i64);

/// A days-and-time duration, in nanoseconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DayTime(pub i128);

// ---- calendar ----------------------------------------------------------------------------

/// Whether `year` has a 29 February (proleptic Gregorian calendar).
pub fn is_leap(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

/// The number of days in `month` (1–12) of `year`.
pub fn days_in_month(year: i32, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if is_leap(year) => 29,
        _ => 28,
    }
}

impl Date {
    /// A valid date; FEEL's years run from -999,999,999 to 999,999,999.
    pub fn new(year: i32, month: u8, day: u8) -> Option<Date> {
        ((-999_999_999..=999_999_999).contains(&year)
            && (1..=12).contains(&month)
            && day >= 1
            && day <= days_in_month(year, month))
        .then_some(Date { year, month, day })
    }

    /// Days since 1970-01-01.
    pub fn days(self) -> i64 {
        let y = i64::from(self.year) - i64::from(self.month <= 2);
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let m = i64::from(self.month);
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(self.day) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    pub fn from_days(days: i64) -> Option<Date> {
        let z = days.checked_add(719_468)?;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = doy - (153 * mp + 2) / 5 + 1;
        let month = if mp < 10 { mp + 3 } else { mp - 9 };
        let year = yoe + era * 400 + i64::from(month <= 2);
        Date::new(
            i32::try_from(year).ok()?,
            u8::try_from(month).ok()?,
            u8::try_from(day).ok()?,
        )
    }

    /// The date `months` later, the day clamped to the month's length.
    pub fn add_months(self, months: i64) -> Option<Date> {
        let total = (i64::from(self.year) * 12 + i64::from(self.month) - 1).checked_add(months)?;
        let year = i32::try_from(total.div_euclid(12)).ok()?;
        let month = u8::try_from(total.rem_euclid(12) + 1).ok()?;
        Date::new(year, month, self.day.min(days_in_month(year, month)))
    }

    /// ISO weekday, Monday = 1.
    pub fn weekday(self) -> u8 {
        // 1970-01-01 was a Thursday.
        (self.days() + 3).rem_euclid(7) as u8 + 1
    }

    pub fn day_of_year(self) -> u16 {
        let start = Date {
            year: self.year,
            month: 1,
            day: 1,
        };
        (self.days() - start.days() + 1) as u16
    }

    /// ISO 8601 week number.
    pub fn iso_week(self) -> u8 {
        let thursday = self.days() - i64::from(self.weekday()) + 4;
        let Some(thursday) = Date::from_days(thursday) else {
            return 1;
        };
        ((thursday.day_of_year() - 1) / 7 + 1) as u8
    }
}

impl Zone {
    fn offset(&self) -> Option<i32> {
        match self {
            Zone::Offset(seconds) => Some(*seconds),
            Zone::Named(name) => crate::zones::fixed_offset(name),
        }
    }
}

impl Time {
    pub fn new(
        hour: u32,
        minute: u32,
        second: u32,
        nanos: u32,
        zone: Option<Zone>,
    ) -> Option<Time> {
        // `then`, not `then_some`: the seconds are computed only once the parts are in
        // range, as an hour past 1,193,046 would overflow them.
        (hour < 24 && minute < 60 && second < 60 && nanos < 1_000_000_000).then(|| Time {
            seconds: hour * 3600 + minute * 60 + second,
            nanos,
            zone,
            later: false,
        })
    }

    /// The same time without its fraction of a second.
    pub fn whole_seconds(&self) -> Time {
        Time {
            nanos: 0,
            ..self.clone()
        }
    }

    pub fn hour(&self) -> u32 {
        self.seconds / 3600
    }

    pub fn minute(&self) -> u32 {
        self.seconds / 60 % 60
    }

    pub fn second(&self) -> u32 {
        self.seconds % 60
    }

    fn local_nanos(&self) -> i128 {
        i128::from(self.seconds) * NANOS_PER_SECOND + i128::from(self.nanos)
    }

    /// Nanoseconds since midnight UTC, when the zone's offset is known.
    fn utc_nanos(&self) -> Option<i128> {
        let offset = self.zone.as_ref()?.offset()?;
        Some(self.local_nanos() - i128::from(offset) * NANOS_PER_SECOND)
    }

    /// This time moved by `nanos`, wrapping around midnight.
    fn plus(&self, nanos: i128) -> Time {
        let day = i128::from(SECONDS_PER_DAY) * NANOS_PER_SECOND;
        let total = (self.local_nanos() + nanos).rem_euclid(day);
        Time {
            seconds: (total / NANOS_PER_SECOND) as u32,
            nanos: (total % NANOS_PER_SECOND) as u32,
            zone: self.zone.clone(),
            later: false,
        }
    }
}

impl DateTime {
    fn local_nanos(&self) -> i128 {
        i128::from(self.date.days()) * i128::from(SECONDS_PER_DAY) * NANOS_PER_SECOND
            + self.time.local_nanos()
    }

    /// The offset from UTC in seconds: the written one, or a named zone's at this date
    /// and time (from the time-zone database); `None` for a local date and time.
    pub fn offset_seconds(&self) -> Option<i32> {
        match self.time.zone.as_ref()? {
            Zone::Offset(seconds) => Some(*seconds),
            // A named zone's offset depends on the date (daylight saving time).
            Zone::Named(name) => {
                let local = self.local_nanos().div_euclid(NANOS_PER_SECOND);
                crate::zones::offset_at(name, i64::try_from(local).ok()?, self.time.later)
            }
        }
    }

    fn utc_nanos(&self) -> Option<i128> {
        let offset = self.offset_seconds()?;
        Some(self.local_nanos() - i128::from(offset) * NANOS_PER_SECOND)
    }

    fn from_local_nanos(nanos: i128, zone: Option<Zone>) -> Option<DateTime> {
        let day = i128::from(SECONDS_PER_DAY) * NANOS_PER_SECOND;
        let days = i64::try_from(nanos.div_euclid(day)).ok()?;
        let rest = nanos.rem_euclid(day);
        Some(DateTime {
            date: Date::from_days(days)?,
            time: Time {
                seconds: (rest / NANOS_PER_SECOND) as u32,
                nanos: (rest % NANOS_PER_SECOND) as u32,
                zone,
                later: false,
            },
        })
    }

    /// The instant `utc` (nanoseconds since the Unix epoch) as the wall clock in `zone`
    /// shows it: a named zone at its offset at that instant, marked as the later moment
    /// where the wall time occurs twice. `None` for a zone the database does not know.
    fn from_utc_nanos(utc: i128, zone: Zone) -> Option<DateTime> {
        let offset = match &zone {
            Zone::Offset(seconds) => *seconds,
            Zone::Named(name) => crate::zones::offset_at_instant(
                name,
                i64::try_from(utc.div_euclid(NANOS_PER_SECOND)).ok()?,
            )?,
        };
        let mut at =
            DateTime::from_local_nanos(utc + i128::from(offset) * NANOS_PER_SECOND, Some(zone))?;
        at.time.later = at.offset_seconds() != Some(offset);
        Some(at)
    }

    /// The instant `millis` milliseconds after the Unix epoch, in UTC: how a caller
    /// turns its clock reading into the time `now()` gives.
    pub fn from_unix_millis(millis: i64) -> Option<DateTime> {
        DateTime::from_local_nanos(i128::from(millis) * 1_000_000, Some(Zone::Offset(0)))
    }

    /// The instant `millis` milliseconds after the Unix epoch as the wall clock in `zone`
    /// shows it (a named zone at its offset at that instant); `None` for a named zone
    /// the time-zone database does not know.
    pub fn from_unix_millis_in(millis: i64, zone: Zone) -> Option<DateTime> {
        DateTime::from_utc_nanos(i128::from(millis) * 1_000_000, zone)
    }

    /// The instant this date and time stands for, in milliseconds since the Unix epoch
    /// (a fraction of a millisecond dropped); `None` for a local date and time, a named
    /// zone the time-zone database does not know, or an instant too far out for an `i64`.
    pub fn to_unix_millis(&self) -> Option<i64> {
        i64::try_from(self.utc_nanos()?.div_euclid(1_000_000)).ok()
    }

    /// The same instant as the wall clock in `zone` shows it (Camunda's `date and
    /// time(value, timezone)`); `None` when this one has no known offset (a local date and
    /// time, or a named zone the database does not know) or `zone` is a named zone the
    /// database does not know.
    pub fn at_zone(&self, zone: Zone) -> Option<DateTime> {
        DateTime::from_utc_nanos(self.utc_nanos()?, zone)
    }

    /// The same date and time without its fraction of a second.
    pub fn whole_seconds(&self) -> DateTime {
        DateTime {
            date: self.date,
            time: self.time.whole_seconds(),
        }
    }

    /// Midnight at the start of `date`, with no zone.
    pub fn at_midnight(date: Date) -> DateTime {
        DateTime {
            date,
            time: Time {
                seconds: 0,
                nanos: 0,
                zone: None,
                later: false,
            },
        }
    }

    /// Midnight UTC at the start of `date`.
    pub fn midnight_utc(date: Date) -> DateTime {
        DateTime {
            date,
            time: Time {
                seconds: 0,
                nanos: 0,
                zone: Some(Zone::Offset(0)),
                later: false,
            },
        }
    }

    /// This date and time moved by an exact duration. In a named zone the instant moves
    /// and the wall clock follows the zone's offset at the result (a day after 12:00 the
    /// day before the clocks go forward is 13:00), as `java.time` does.
    pub fn plus(&self, duration: DayTime) -> Option<DateTime> {
        if let Some(zone @ Zone::Named(_)) = &self.time.zone
            && let Some(utc) = self.utc_nanos()
        {
            return DateTime::from_utc_nanos(utc.checked_add(duration.0)?, zone.clone());
        }
        let local = self.local_nanos().checked_add(duration.0)?;
        DateTime::from_local_nanos(local, self.time.zone.clone())
    }

    pub fn plus_months(&self, months: i64) -> Option<DateTime> {
        Some(DateTime {
            date: self.date.add_months(months)?,
            time: self.time.clone(),
        })
    }
}

impl DayTime {
    pub fn from_seconds(seconds: i64) -> DayTime {
        DayTime(i128::from(seconds) * NANOS_PER_SECOND)
    }

    pub fn nanos(self) -> i128 {
        self.0
    }
}

// ---- comparison --------------------------------------------------------------------------

/// Two times or date-times are comparable when both have known offsets (compared as
/// instants) or both are local (compared as written); a named zone compares by local time
/// with the same zone only.
fn compare_instants(
    a_local: i128,
    a_utc: Option<i128>,
    a_zone: Option<&Zone>,
    b_local: i128,
    b_utc: Option<i128>,
    b_zone: Option<&Zone>,
) -> Option<Ordering> {
    match (a_utc, b_utc) {
        (Some(x), Some(y)) => Some(x.cmp(&y)),
        (None, None) if a_zone == b_zone => Some(a_local.cmp(&b_local)),
        _ => None,
    }
}

pub(crate) fn compare_times(a: &Time, b: &Time) -> Option<Ordering> {
    compare_instants(
        a.local_nanos(),
        a.utc_nanos(),
        a.zone.as_ref(),
        b.local_nanos(),
        b.utc_nanos(),
        b.zone.as_ref(),
    )
}

pub(crate) fn compare_date_times(a: &DateTime, b: &DateTime) -> Option<Ordering> {
    compare_instants(
        a.local_nanos(),
        a.utc_nanos(),
        a.time.zone.as_ref(),
        b.local_nanos(),
        b.utc_nanos(),
        b.time.zone.as_ref(),
    )
}

// ---- arithmetic --------------------------------------------------------------------------

/// `a - b` for date-times: the duration between them; `None` when one has a zone and the
/// other does not (the difference is not defined).
pub(crate) fn between(a: &DateTime, b: &DateTime) -> Option<DayTime> {
    match (a.utc_nanos(), b.utc_nanos()) {
        (Some(x), Some(y)) => Some(DayTime(x - y)),
        (None, None) if a.time.zone == b.time.zone => {
            Some(DayTime(a.local_nanos() - b.local_nanos()))
        }
        _ => None,
    }
}

pub(crate) fn time_between(a: &Time, b: &Time) -> Option<DayTime> {
    match (a.utc_nanos(), b.utc_nanos()) {
        (Some(x), Some(y)) => Some(DayTime(x - y)),
        (None, None) if a.zone == b.zone => Some(DayTime(a.local_nanos() - b.local_nanos())),
        _ => None,
    }
}

pub(crate) fn time_plus(time: &Time, duration: DayTime) -> Time {
    time.plus(duration.0)
}

/// Whole months from `from` to `to` (negative when `to` is earlier), as in
/// `years and months duration(from, to)`.
pub(crate) fn months_between(from: &DateTime, to: &DateTime) -> i64 {
    let months = (i64::from(to.date.year) - i64::from(from.date.year)) * 12
        + i64::from(to.date.month)
        - i64::from(from.date.month);
    // A month only counts once its day has been reached (dates only, as Java's
    // `Period.between`, which the TCK follows).
    let later_in_month = |a: &DateTime, b: &DateTime| a.date.day < b.date.day;
    if months > 0 && later_in_month(to, from) {
        months - 1
    } else if months < 0 && later_in_month(from, to) {
        months + 1
    } else {
        months
    }
}

// ---- parsing -----------------------------------------------------------------------------

fn digits(text: &str) -> Option<u32> {
    (!text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()))
        .then(|| text.parse().ok())
        .flatten()
}

/// `YYYY-MM-DD`, the year with at least four digits and an optional `-`.
pub fn parse_date(text: &str) -> Option<Date> {
    let (negative, rest) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let mut parts = rest.splitn(3, '-');
    let (year, month, day) = (parts.next()?, parts.next()?, parts.next()?);
    // Four digits, or more without a leading zero; FEEL years stop at ±999,999,999.
    if year.len() < 4
        || (year.len() > 4 && year.starts_with('0'))
        || month.len() != 2
        || day.len() != 2
    {
        return None;
    }
    let year = i32::try_from(digits(year)?)
        .ok()
        .filter(|y| *y <= 999_999_999)?;
    Date::new(
        if negative { -year } else { year },
        u8::try_from(digits(month)?).ok()?,
        u8::try_from(digits(day)?).ok()?,
    )
}

/// `HH:MM:SS[.fff…][Z|±HH:MM|@Zone]`.
pub fn parse_time(text: &str) -> Option<Time> {
    parse_time_written(text).map(|(time, _)| time)
}

/// A time and, for a named zone, the offset written with it (`01:30:00-05:00@Zone`,
/// `01:30:00-05:00[Zone]`), which says which of two moments with that wall time it is.
fn parse_time_written(text: &str) -> Option<(Time, Option<i32>)> {
    let (clock, zone, written) = split_zone_written(text)?;
    Some((parse_clock(clock, zone)?, written))
}

fn parse_clock(clock: &str, zone: Option<Zone>) -> Option<Time> {
    let (hms, fraction) = match clock.split_once('.') {
        Some((hms, fraction)) => (hms, Some(fraction)),
        None => (clock, None),
    };
    let mut parts = hms.split(':');
    let (h, m, s) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || h.len() != 2 || m.len() != 2 || s.len() != 2 {
        return None;
    }
    let nanos = match fraction {
        Some(f) if f.is_empty() || f.len() > 9 => return None,
        Some(f) => digits(f)? * 10u32.pow(9 - f.len() as u32),
        None => 0,
    };
    let (h, m, s) = (digits(h)?, digits(m)?, digits(s)?);
    if h == 24 && m == 0 && s == 0 && nanos == 0 {
        return Time::new(0, 0, 0, 0, zone);
    }
    Time::new(h, m, s, nanos, zone)
}

/// A time zone written on its own: `Z`, an offset (`+01:00`), or a zone name
/// (`Europe/Berlin`, `UTC`).
pub fn parse_zone(text: &str) -> Option<Zone> {
    if text == "Z" || text.starts_with(['+', '-']) {
        let clock = format!("00:00:00{text}");
        return match split_zone(&clock)? {
            ("00:00:00", zone) => zone,
            _ => None,
        };
    }
    is_zone_name(text).then(|| Zone::Named(Arc::from(text)))
}

fn split_zone(text: &str) -> Option<(&str, Option<Zone>)> {
    split_zone_written(text).map(|(clock, zone, _)| (clock, zone))
}

/// The clock, the zone, and for a named zone the offset written before it.
fn split_zone_written(text: &str) -> Option<(&str, Option<Zone>, Option<i32>)> {
    // Java's form, an offset followed by the zone it belongs to
    // (`10:00:00+01:00[Europe/Berlin]`), as Camunda reads it: the zone, the offset saying
    // which of two moments with one wall time it is.
    if let Some((clock, name)) = text.strip_suffix(']').and_then(|t| t.split_once('[')) {
        if !is_zone_name(name) {
            return None;
        }
        let (clock, written) = match split_zone(clock)? {
            (clock, Some(Zone::Offset(offset))) => (clock, Some(offset)),
            (clock, None) => (clock, None),
            (_, Some(Zone::Named(_))) => return None,
        };
        return Some((clock, Some(Zone::Named(Arc::from(name))), written));
    }
    // FEEL's form has the zone alone (an offset before it is no time, TCK 1116).
    if let Some((clock, name)) = text.split_once('@') {
        if !is_zone_name(name) {
            return None;
        }
        return Some((clock, Some(Zone::Named(Arc::from(name))), None));
    }
    if let Some(clock) = text.strip_suffix('Z') {
        return Some((clock, Some(Zone::Offset(0)), None));
    }
    // An offset starts at the last sign after the seconds (`10:00:00+01:00`).
    if let Some(at) = text.rfind(['+', '-'])
        && at >= 8
    {
        let (clock, offset) = text.split_at(at);
        let sign = if offset.starts_with('-') { -1 } else { 1 };
        let mut parts = offset[1..].split(':');
        let two = |p: &str| if p.len() == 2 { digits(p) } else { None };
        let hours = two(parts.next()?)?;
        let minutes = two(parts.next()?)?;
        let seconds = parts.next().map_or(Some(0), two)?;
        if hours > 14 || minutes > 59 || seconds > 59 {
            return None;
        }
        let total = i32::try_from(hours * 3600 + minutes * 60 + seconds).ok()?;
        return Some((clock, Some(Zone::Offset(sign * total)), None));
    }
    Some((text, None, None))
}

/// An IANA zone name (`Europe/Paris`, `America/Argentina/Buenos_Aires`) or `UTC`/`GMT`
/// that the time-zone database knows; a name it does not know makes the value invalid
/// (DMN 1.5 10.3.4.1: an invalid argument gives null).
fn is_zone_name(name: &str) -> bool {
    crate::zones::known(name)
}

/// `DATE'T'TIME`; a date alone is midnight.
pub fn parse_date_time(text: &str) -> Option<DateTime> {
    match text.split_once('T') {
        // `24:00:00` is the midnight that ends the day.
        Some((date, time)) if time.starts_with("24:00:00") => {
            let date = parse_date(date)?;
            Some(DateTime {
                date: Date::from_days(date.days() + 1)?,
                time: parse_time(time)?,
            })
        }
        Some((date, time)) => {
            let (time, written) = parse_time_written(time)?;
            let mut at = DateTime {
                date: parse_date(date)?,
                time,
            };
            // An offset written with a named zone picks the moment it names, where the
            // wall time occurs twice; any other offset is ignored, as Camunda does.
            if let Some(written) = written
                && at.offset_seconds() != Some(written)
            {
                at.time.later = true;
                if at.offset_seconds() != Some(written) {
                    at.time.later = false;
                }
            }
            Some(at)
        }
        None => Some(DateTime::at_midnight(parse_date(text)?)),
    }
}

/// An ISO 8601 duration: years-and-months when only `Y`/`M` are given, otherwise
/// days-and-time.
pub enum Duration {
    YearMonths(YearMonths),
    DayTime(DayTime),
}

pub fn parse_duration(text: &str) -> Option<Duration> {
    let (negative, rest) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let rest = rest.strip_prefix('P')?;
    let (date_part, time_part) = match rest.split_once('T') {
        Some((d, t)) if !t.is_empty() => (d, Some(t)),
        Some(_) => return None,
        None => (rest, None),
    };
    let mut years = 0i64;
    let mut months = 0i64;
    let mut days = 0i128;
    let mut seen_ym = false;
    let mut seen_dt = false;
    let mut number = String::new();
    for c in date_part.chars() {
        match c {
            '0'..='9' => number.push(c),
            'Y' | 'M' | 'D' | 'W' => {
                let n: i64 = number.parse().ok()?;
                number.clear();
                match c {
                    'Y' => {
                        years = n;
                        seen_ym = true;
                    }
                    'M' => {
                        months = n;
                        seen_ym = true;
                    }
                    'W' => {
                        days += i128::from(n) * 7;
                        seen_dt = true;
                    }
                    _ => {
                        days += i128::from(n);
                        seen_dt = true;
                    }
                }
            }
            _ => return None,
        }
    }
    if !number.is_empty() {
        return None;
    }
    let mut nanos: i128 = 0;
    if let Some(time) = time_part {
        seen_dt = true;
        for c in time.chars() {
            match c {
                '0'..='9' | '.' => number.push(c),
                'H' | 'M' | 'S' => {
                    let (whole, fraction) = match number.split_once('.') {
                        Some((w, f)) if c == 'S' => (w.to_string(), f.to_string()),
                        Some(_) => return None,
                        None => (number.clone(), String::new()),
                    };
                    number.clear();
                    let whole: i128 = whole.parse().ok()?;
                    let unit = match c {
                        'H' => 3600,
                        'M' => 60,
                        _ => 1,
                    };
                    nanos = nanos.checked_add(whole.checked_mul(unit * NANOS_PER_SECOND)?)?;
                    if !fraction.is_empty() {
                        if fraction.len() > 9 {
                            return None;
                        }
                        let f: i128 = fraction.parse().ok()?;
                        nanos += f * 10i128.pow(9 - fraction.len() as u32);
                    }
                }
                _ => return None,
            }
        }
        if !number.is_empty() {
            return None;
        }
    }
    if !seen_ym && !seen_dt {
        return None;
    }
    let sign = if negative { -1 } else { 1 };
    if seen_ym && !seen_dt {
        return Some(Duration::YearMonths(YearMonths(
            sign * years.checked_mul(12)?.checked_add(months)?,
        )));
    }
    if seen_ym {
        // Mixed durations: FEEL has no such type.
        return None;
    }
    let total = (days * i128::from(SECONDS_PER_DAY) * NANOS_PER_SECOND).checked_add(nanos)?;
    Some(Duration::DayTime(DayTime(i128::from(sign) * total)))
}

// ---- printing ----------------------------------------------------------------------------

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.year < 0 {
            write!(f, "-{:04}-{:02}-{:02}", -self.year, self.month, self.day)
        } else {
            write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
        }
    }
}

impl fmt::Display for Time {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:02}:{:02}:{:02}",
            self.hour(),
            self.minute(),
            self.second()
        )?;
        if self.nanos > 0 {
            let fraction = format!("{:09}", self.nanos);
            write!(f, ".{}", fraction.trim_end_matches('0'))?;
        }
        match &self.zone {
            None => Ok(()),
            Some(Zone::Offset(0)) => f.write_str("Z"),
            Some(Zone::Offset(seconds)) => {
                let sign = if *seconds < 0 { '-' } else { '+' };
                let s = seconds.unsigned_abs();
                write!(f, "{sign}{:02}:{:02}", s / 3600, s / 60 % 60)?;
                if s % 60 != 0 {
                    write!(f, ":{:02}", s % 60)?;
                }
                Ok(())
            }
            Some(Zone::Named(name)) => write!(f, "@{name}"),
        }
    }
}

impl fmt::Display for DateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The second of two moments with one wall time: the zone's name alone reads as
        // the first, so it is written in Java's form, with its offset
        // (`01:30:00-05:00[America/New_York]`), which reads back as the same moment.
        if self.time.later
            && let Some(Zone::Named(name)) = &self.time.zone
            && let Some(offset) = self.offset_seconds()
        {
            let plain = Time {
                zone: Some(Zone::Offset(offset)),
                later: false,
                ..self.time.clone()
            };
            return write!(f, "{}T{plain}[{name}]", self.date);
        }
        write!(f, "{}T{}", self.date, self.time)
    }
}

impl fmt::Display for YearMonths {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let total = self.0.unsigned_abs();
        let (years, months) = (total / 12, total % 12);
        match (years, months) {
            (0, m) => write!(f, "{sign}P{m}M"),
            (y, 0) => write!(f, "{sign}P{y}Y"),
            (y, m) => write!(f, "{sign}P{y}Y{m}M"),
        }
    }
}

impl fmt::Display for DayTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let total = self.0.unsigned_abs();
        let nanos = total % NANOS_PER_SECOND as u128;
        let seconds = total / NANOS_PER_SECOND as u128;
        let (days, hours, minutes, secs) = (
            seconds / 86_400,
            seconds / 3600 % 24,
            seconds / 60 % 60,
            seconds % 60,
        );
        if seconds == 0 && nanos == 0 {
            return f.write_str("PT0S");
        }
        write!(f, "{sign}P")?;
        if days > 0 {
            write!(f, "{days}D")?;
        }
        if hours > 0 || minutes > 0 || secs > 0 || nanos > 0 {
            f.write_str("T")?;
            if hours > 0 {
                write!(f, "{hours}H")?;
            }
            if minutes > 0 {
                write!(f, "{minutes}M")?;
            }
            if secs > 0 || nanos > 0 {
                write!(f, "{secs}")?;
                if nanos > 0 {
                    let fraction = format!("{nanos:09}");
                    write!(f, ".{}", fraction.trim_end_matches('0'))?;
                }
                f.write_str("S")?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn day_numbers_round_trip_across_centuries() {
        for (y, m, d) in [
            (1970, 1, 1),
            (2000, 2, 29),
            (1900, 3, 1),
            (-44, 3, 15),
            (9999, 12, 31),
        ] {
            let date = Date::new(y, m, d).expect("valid");
            assert_eq!(Date::from_days(date.days()), Some(date));
        }
        assert_eq!(Date::new(1970, 1, 1).map(Date::days), Some(0));
        assert_eq!(Date::new(2019, 2, 29), None);
    }

    #[test]
    fn lexical_forms_parse_and_print_back() {
        for text in [
            "2017-09-05T09:15:30.123456Z",
            "2017-09-05T09:15:30+11:00",
            "-2021-01-01T10:10:10@Australia/Melbourne",
        ] {
            let parsed = parse_date_time(text).expect(text);
            assert_eq!(parsed.to_string(), text);
        }
        assert_eq!(
            parse_time("10:10:10-01:00")
                .map(|t| t.to_string())
                .as_deref(),
            Some("10:10:10-01:00")
        );
        let ym = |t: &str| match parse_duration(t) {
            Some(Duration::YearMonths(d)) => d.to_string(),
            _ => "not a year-month duration".into(),
        };
        let dt = |t: &str| match parse_duration(t) {
            Some(Duration::DayTime(d)) => d.to_string(),
            _ => "not a day-time duration".into(),
        };
        assert_eq!(ym("P1Y13M"), "P2Y1M");
        assert_eq!(ym("-P10M"), "-P10M");
        assert_eq!(ym("P0M"), "P0M");
        assert_eq!(dt("P1DT25H"), "P2DT1H");
        assert_eq!(dt("PT0S"), "PT0S");
        assert_eq!(dt("P0D"), "PT0S");
        assert_eq!(dt("P1DT2H3M4.123456789S"), "P1DT2H3M4.123456789S");
        assert_eq!(dt("-PT1H"), "-PT1H");
        assert!(parse_duration("P1Y2D").is_none());
        assert!(parse_duration("P").is_none());
        // Too long for the types: no value, and no overflow.
        assert!(parse_duration("P999999999999999999Y").is_none());
        assert!(parse_duration("PT99999999999999999999999999999999999H").is_none());
    }

    #[test]
    fn unix_millis_round_trip_through_zones() {
        let millis = |text: &str| parse_date_time(text).and_then(|dt| dt.to_unix_millis());
        assert_eq!(millis("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(millis("1970-01-01T00:00:00.0019Z"), Some(1));
        assert_eq!(millis("1969-12-31T23:59:59.9999Z"), Some(-1));
        assert_eq!(millis("2026-01-01T10:00:00+02:00"), Some(1_767_254_400_000));
        assert_eq!(
            millis("2026-01-01T09:00:00@Europe/Berlin"),
            Some(1_767_254_400_000)
        );
        assert_eq!(millis("2026-01-01T10:00:00"), None);
        assert_eq!(millis("2026-01-01T10:00:00@Mars/Olympus_Mons"), None);
        assert_eq!(millis("999999999-01-01T00:00:00Z"), None);
        let shown = |millis: i64, zone: &str| {
            DateTime::from_unix_millis_in(millis, Zone::Named(Arc::from(zone)))
                .map(|dt| dt.to_string())
        };
        // The two 02:30s of the night summer time ends in Berlin (2026-10-25, 01:00 UTC).
        let half_past_midnight = 1_792_888_200_000;
        assert_eq!(
            shown(half_past_midnight, "Europe/Berlin").as_deref(),
            Some("2026-10-25T02:30:00@Europe/Berlin")
        );
        // The second is written with its offset, so that it reads back as itself.
        assert_eq!(
            shown(half_past_midnight + 3_600_000, "Europe/Berlin").as_deref(),
            Some("2026-10-25T02:30:00+01:00[Europe/Berlin]")
        );
        for text in [
            "2026-10-25T02:30:00@Europe/Berlin",
            "2026-10-25T02:30:00+01:00[Europe/Berlin]",
        ] {
            let parsed = parse_date_time(text).map(|dt| (dt.to_string(), dt.to_unix_millis()));
            let expected = if text.contains('[') {
                half_past_midnight + 3_600_000
            } else {
                half_past_midnight
            };
            assert_eq!(parsed, Some((text.to_string(), Some(expected))));
        }
        assert_eq!(shown(0, "Mars/Olympus_Mons"), None);
        assert_eq!(
            DateTime::from_unix_millis_in(0, Zone::Offset(-3600)).map(|dt| dt.to_string()),
            Some("1969-12-31T23:00:00-01:00".to_string())
        );
    }

    #[test]
    fn months_clamp_to_the_end_of_the_month() {
        let jan31 = Date::new(2021, 1, 31).expect("valid");
        assert_eq!(jan31.add_months(1), Date::new(2021, 2, 28));
        assert_eq!(jan31.add_months(-2), Date::new(2020, 11, 30));
        assert_eq!(jan31.add_months(i64::MAX), None);
        assert_eq!(Date::from_days(i64::MAX), None);
    }
}
