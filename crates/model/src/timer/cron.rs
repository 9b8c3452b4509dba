//! Cron expressions for `timeCycle`, read as Camunda 8 reads them: Spring's
//! `CronExpression`, six fields `second minute hour day-of-month month day-of-week`.
//!
//! Each field takes `*`, numbers, ranges `a-b`, lists `a,b`, steps `*/5`, `a/5` (from `a`
//! to the end) and `a-b/5`; months and days of the week also take names (`JAN`, `MON`,
//! any case). Days of the week count 1 = Monday … 7 = Sunday, and 0 is Sunday too. The day
//! fields also take `?` (the same as `*`), and Quartz's `L` (last day of the month), `L-3`
//! (third-to-last day), `LW` (last weekday), `15W` (weekday nearest the 15th, within the
//! month), `5L` or `FRIL` (last Friday) and `MON#2` (second Monday). A date must match both
//! day fields, as in Spring (classic cron takes either). The macros `@yearly`
//! (`@annually`), `@monthly`, `@weekly`, `@daily` (`@midnight`) and `@hourly` stand for
//! their six fields; the classic five fields without seconds are read with second 0.
//! Times are UTC.
//!
//! Why not a crate: the `cron` crate has neither `L`, `W` nor `#`, and both it and `croner`
//! bring `chrono` with its clock; this crate feeds the deterministic core and stays
//! IO-free. The calendar comes from FEEL's (`baton_feel::temporal`), so this file is only
//! the syntax and a search.
//!
//! An expression that matches no date at all (`0 0 0 30 2 *`) is refused when parsed:
//! the Gregorian calendar repeats every 400 years, so one that matches no day in 400 years
//! never will.

use std::fmt;

use baton_feel::temporal::{Date, days_in_month};

use super::Error;

/// Days in 400 Gregorian years, after which dates repeat with the same weekdays.
const DAYS_IN_400_YEARS: i64 = 146_097;
const SECONDS_PER_DAY: i64 = 86_400;

/// A parsed cron expression.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cron {
    source: String,
    /// Bit `n` set when value `n` matches.
    seconds: u64,
    minutes: u64,
    hours: u64,
    /// Days of the month 1–31.
    days: u64,
    special_days: Vec<SpecialDay>,
    /// Months 1–12.
    months: u64,
    /// Days of the week, 1 = Monday … 7 = Sunday.
    weekdays: u64,
    special_weekdays: Vec<SpecialWeekday>,
}

/// Quartz's day-of-month forms.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum SpecialDay {
    /// `L` (`before` 0) or `L-n`: the last day of the month, or `n` days before it.
    Last { before: u8 },
    /// `LW`: the last Monday to Friday of the month.
    LastWeekday,
    /// `nW`: the Monday to Friday nearest day `n`, without leaving the month.
    NearestWeekday(u8),
}

/// Quartz's day-of-week forms; weekdays 1 = Monday … 7 = Sunday.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum SpecialWeekday {
    /// `5L`: the last such weekday of the month.
    Last(u8),
    /// `1#2`: the `n`th such weekday of the month.
    Nth(u8, u8),
}

/// One field's name, its values and the names that stand for them (from 1).
struct Field {
    name: &'static str,
    min: u32,
    max: u32,
    names: &'static [&'static str],
}

impl Field {
    const fn new(name: &'static str, min: u32, max: u32, names: &'static [&'static str]) -> Field {
        Field {
            name,
            min,
            max,
            names,
        }
    }
}

const SECOND: Field = Field::new("second", 0, 59, &[]);
const MINUTE: Field = Field::new("minute", 0, 59, &[]);
const HOUR: Field = Field::new("hour", 0, 23, &[]);
const DAY: Field = Field::new("day of the month", 1, 31, &[]);
const MONTH: Field = Field::new(
    "month",
    1,
    12,
    &[
        "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
    ],
);
const WEEKDAY: Field = Field::new(
    "day of the week",
    0,
    7,
    &["MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"],
);

const MACROS: &[(&str, &str)] = &[
    ("@yearly", "0 0 0 1 1 *"),
    ("@annually", "0 0 0 1 1 *"),
    ("@monthly", "0 0 0 1 * *"),
    ("@weekly", "0 0 0 * * 0"),
    ("@daily", "0 0 0 * * *"),
    ("@midnight", "0 0 0 * * *"),
    ("@hourly", "0 0 * * * *"),
];

impl Cron {
    pub fn parse(text: &str) -> Result<Cron, Error> {
        let source = text.trim();
        let fail = |reason: String| Error::Cron {
            text: source.to_string(),
            reason,
        };
        let expanded = if source.starts_with('@') {
            MACROS
                .iter()
                .find(|(name, _)| name.eq_ignore_ascii_case(source))
                .map(|(_, fields)| *fields)
                .ok_or_else(|| {
                    fail(format!(
                        "'{source}' is not a macro (@yearly, @annually, @monthly, @weekly, \
                         @daily, @midnight or @hourly)"
                    ))
                })?
        } else {
            source
        };
        let fields: Vec<&str> = expanded.split_whitespace().collect();
        let fields = match fields[..] {
            [s, m, h, dom, mon, dow] => [s, m, h, dom, mon, dow],
            [m, h, dom, mon, dow] => ["0", m, h, dom, mon, dow],
            _ => {
                let year = if fields.len() == 7 {
                    " (a seventh field for the year is Quartz's, not Camunda's)"
                } else {
                    ""
                };
                return Err(fail(format!(
                    "it has {} field{}, but a cron expression has six (second minute hour \
                     day-of-month month day-of-week) or five without the second{year}",
                    fields.len(),
                    if fields.len() == 1 { "" } else { "s" },
                )));
            }
        };
        let [seconds, minutes, hours, days, months, weekdays] = fields;
        let (days, special_days) = day_field(days).map_err(fail)?;
        let (weekdays, special_weekdays) = weekday_field(weekdays).map_err(fail)?;
        let cron = Cron {
            source: source.to_string(),
            seconds: plain_field(seconds, &SECOND).map_err(fail)?,
            minutes: plain_field(minutes, &MINUTE).map_err(fail)?,
            hours: plain_field(hours, &HOUR).map_err(fail)?,
            days,
            special_days,
            months: plain_field(months, &MONTH).map_err(fail)?,
            weekdays,
            special_weekdays,
        };
        if cron.next_date(0, DAYS_IN_400_YEARS).is_none() {
            return Err(fail(
                "it never fires: no date matches its day-of-month, month and day-of-week \
                 fields together"
                    .to_string(),
            ));
        }
        Ok(cron)
    }

    /// The first whole second strictly after `after` (milliseconds since the Unix epoch)
    /// that the expression matches, in milliseconds; `None` only past the end of `i64`.
    pub fn next_after(&self, after: i64) -> Option<i64> {
        let mut second = after.div_euclid(1000).checked_add(1)?;
        // A matching date comes within 400 years (checked when parsed); the day after it
        // is there for a first day whose matching times have all gone by.
        for _ in 0..2 {
            let first_day = second.div_euclid(SECONDS_PER_DAY);
            let day = self.next_date(first_day, DAYS_IN_400_YEARS + 1)?;
            let from = if day == first_day {
                second.rem_euclid(SECONDS_PER_DAY)
            } else {
                0
            };
            if let Some(time) = self.time_from(from) {
                return day
                    .checked_mul(SECONDS_PER_DAY)?
                    .checked_add(time)?
                    .checked_mul(1000);
            }
            second = day.checked_add(1)?.checked_mul(SECONDS_PER_DAY)?;
        }
        None
    }

    /// The shortest time between two consecutive firings, in milliseconds (at least a
    /// second, the resolution of cron).
    ///
    /// The times of day are every hour × minute × second the fields allow, so the shortest
    /// step within a day is one of three: between two seconds of a minute, from the last
    /// second of a minute to the first of the next matching minute, or likewise from one
    /// hour to the next. Across days it is from the last time of one matching date to the
    /// first time of the next, which depends on how close two matching dates come.
    pub fn shortest_gap(&self) -> i64 {
        let (first_second, last_second, second_step) = spread(self.seconds);
        let (first_minute, last_minute, minute_step) = spread(self.minutes);
        let (first_hour, last_hour, hour_step) = spread(self.hours);
        let within_hour = |minute: i64, second: i64| minute * 60 + second;
        let first = first_hour * 3600 + within_hour(first_minute, first_second);
        let last = last_hour * 3600 + within_hour(last_minute, last_second);
        let within_day = [
            second_step,
            minute_step.map(|step| step * 60 - last_second + first_second),
            hour_step.map(|step| {
                step * 3600 - within_hour(last_minute, last_second)
                    + within_hour(first_minute, first_second)
            }),
        ]
        .into_iter()
        .flatten()
        .min();
        let across = |days: i64| days.saturating_mul(SECONDS_PER_DAY) - last + first;
        let seconds = match within_day {
            Some(step) if step <= across(1) => step,
            // Two or more days apart is longer than any step within a day, so only
            // matching dates on consecutive days can make the gap shorter.
            Some(step) if self.fewest_days_apart() == 1 => step.min(across(1)),
            Some(step) => step,
            None => across(self.fewest_days_apart()),
        };
        seconds.saturating_mul(1000)
    }

    /// The fewest days between two matching dates. Dates repeat every 400 years, so the
    /// matching dates of one such period and the first of the next show every distance.
    fn fewest_days_apart(&self) -> i64 {
        let mut fewest = DAYS_IN_400_YEARS;
        let Some(mut day) = self.next_date(0, DAYS_IN_400_YEARS) else {
            return fewest;
        };
        let end = day + DAYS_IN_400_YEARS;
        while day < end && fewest > 1 {
            let Some(next) = self.next_date(day + 1, DAYS_IN_400_YEARS) else {
                break;
            };
            fewest = fewest.min(next - day);
            day = next;
        }
        fewest
    }

    /// The first day (since 1970-01-01) from `day` on, within `limit` days, whose date
    /// matches the day and month fields.
    fn next_date(&self, mut day: i64, limit: i64) -> Option<i64> {
        let end = day.checked_add(limit)?;
        while day < end {
            let date = Date::from_days(day)?;
            let length = days_in_month(date.year, date.month);
            if !has(self.months, u32::from(date.month)) {
                // The rest of this month cannot match.
                day += i64::from(length - date.day) + 1;
                continue;
            }
            if self.matches_day(date, length) {
                return Some(day);
            }
            day += 1;
        }
        None
    }

    fn matches_day(&self, date: Date, length: u8) -> bool {
        let weekday = date.weekday();
        // The weekday of another day of the same month.
        let weekday_of = |day: u8| {
            (i32::from(weekday) - 1 + i32::from(day) - i32::from(date.day)).rem_euclid(7) as u8 + 1
        };
        let day_matches = has(self.days, u32::from(date.day))
            || self.special_days.iter().any(|special| {
                let target = match *special {
                    SpecialDay::Last { before } => length.checked_sub(before),
                    SpecialDay::LastWeekday => Some(match weekday_of(length) {
                        6 => length - 1,
                        7 => length - 2,
                        _ => length,
                    }),
                    SpecialDay::NearestWeekday(n) if n > length => None,
                    SpecialDay::NearestWeekday(n) => Some(match weekday_of(n) {
                        6 if n == 1 => 3,
                        6 => n - 1,
                        7 if n == length => n - 2,
                        7 => n + 1,
                        _ => n,
                    }),
                };
                target == Some(date.day)
            });
        let weekday_matches = has(self.weekdays, u32::from(weekday))
            || self.special_weekdays.iter().any(|special| match *special {
                SpecialWeekday::Last(w) => w == weekday && date.day + 7 > length,
                SpecialWeekday::Nth(w, n) => w == weekday && (date.day - 1) / 7 + 1 == n,
            });
        day_matches && weekday_matches
    }

    /// The first matching time of day at or after `from` (seconds since midnight).
    fn time_from(&self, from: i64) -> Option<i64> {
        let from = u32::try_from(from).ok()?;
        let (hour, minute, second) = (from / 3600, from / 60 % 60, from % 60);
        let mut h = first_from(self.hours, hour);
        while let Some(this_hour) = h {
            let mut m = first_from(self.minutes, if this_hour == hour { minute } else { 0 });
            while let Some(this_minute) = m {
                let same_minute = this_hour == hour && this_minute == minute;
                if let Some(s) = first_from(self.seconds, if same_minute { second } else { 0 }) {
                    return Some(i64::from(this_hour * 3600 + this_minute * 60 + s));
                }
                m = first_from(self.minutes, this_minute + 1);
            }
            h = first_from(self.hours, this_hour + 1);
        }
        None
    }
}

impl fmt::Display for Cron {
    /// The expression as written.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)
    }
}

/// The lowest and highest values of a field, and the smallest step between two of its
/// values (`None` when it has one value).
fn spread(bits: u64) -> (i64, i64, Option<i64>) {
    let first = i64::from(bits.trailing_zeros());
    let last = 63 - i64::from(bits.leading_zeros());
    let mut step: Option<i64> = None;
    let mut previous = first;
    for value in first + 1..=last {
        if bits & (1 << value) != 0 {
            step = Some(step.map_or(value - previous, |s| s.min(value - previous)));
            previous = value;
        }
    }
    (first, last, step)
}

fn has(bits: u64, value: u32) -> bool {
    value < 64 && bits & (1 << value) != 0
}

/// The smallest value at or above `from` in `bits`.
fn first_from(bits: u64, from: u32) -> Option<u32> {
    let rest = bits.checked_shr(from)?.checked_shl(from)?;
    (rest != 0).then(|| rest.trailing_zeros())
}

/// A field of numbers, ranges, steps and names.
fn plain_field(text: &str, field: &Field) -> Result<u64, String> {
    if text == "?" {
        return Err(format!(
            "'?' in the {} field: it may stand only for a day of the month or of the week",
            field.name
        ));
    }
    text.split(',')
        .try_fold(0, |bits, item| Ok(bits | item_bits(item, text, field)?))
}

/// One item of a list: `*`, `n`, `a-b`, each optionally `/step`.
fn item_bits(item: &str, text: &str, field: &Field) -> Result<u64, String> {
    if item.is_empty() {
        return Err(format!(
            "the {} field '{text}' has an empty item in its list",
            field.name
        ));
    }
    let (range, step) = match item.split_once('/') {
        Some((range, step)) => (range, Some(step)),
        None => (item, None),
    };
    let (mut low, high) = if range == "*" {
        (field.min, field.max)
    } else if let Some((low, high)) = range.split_once('-') {
        (value(low, field)?, value(high, field)?)
    } else {
        let single = value(range, field)?;
        (single, if step.is_some() { field.max } else { single })
    };
    if field.name == WEEKDAY.name && low == 7 && range.contains('-') {
        // Sunday starting a range (`SUN-SAT`) is day 0, as in Spring.
        low = 0;
    }
    if low > high {
        return Err(format!(
            "the range '{range}' in the {} field runs backwards",
            field.name
        ));
    }
    let step = match step {
        None => 1,
        Some(step) => step
            .parse::<u32>()
            .ok()
            .filter(|s| *s >= 1)
            .ok_or_else(|| format!("the step in '{item}' must be a whole number from 1"))?,
    };
    let mut bits = 0u64;
    let mut at = low;
    while at <= high {
        bits |= 1 << at;
        at = at.saturating_add(step);
    }
    Ok(bits)
}

/// A number or a name in a field's range.
fn value(token: &str, field: &Field) -> Result<u32, String> {
    let range = if field.names.is_empty() {
        format!("{}-{}", field.min, field.max)
    } else {
        let (first, last) = (field.names[0], field.names[field.names.len() - 1]);
        format!("{}-{} or {first}-{last}", field.min, field.max)
    };
    if let Some(index) = field
        .names
        .iter()
        .position(|name| name.eq_ignore_ascii_case(token))
    {
        return Ok(index as u32 + 1);
    }
    if token.is_empty() || !token.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "'{token}' is not a {} ({range})",
            if field.names.is_empty() {
                format!("number for the {}", field.name)
            } else {
                format!("number or name for the {}", field.name)
            }
        ));
    }
    token
        .parse::<u32>()
        .ok()
        .filter(|v| (field.min..=field.max).contains(v))
        .ok_or_else(|| format!("'{token}' is out of range for the {} ({range})", field.name))
}

/// The day-of-month field: `?`, plain items, and `L`, `L-n`, `LW`, `nW`.
fn day_field(text: &str) -> Result<(u64, Vec<SpecialDay>), String> {
    if text == "?" {
        return plain_field("*", &DAY).map(|bits| (bits, Vec::new()));
    }
    let mut bits = 0;
    let mut special = Vec::new();
    for item in text.split(',') {
        let upper = item.to_ascii_uppercase();
        if !upper.contains(['L', 'W']) {
            bits |= item_bits(item, text, &DAY)?;
            continue;
        }
        let not_special = || {
            format!(
                "'{item}' in the day of the month is not L, L-n (like L-3), LW or nW (like 15W)"
            )
        };
        special.push(match upper.as_str() {
            "L" => SpecialDay::Last { before: 0 },
            "LW" => SpecialDay::LastWeekday,
            _ => {
                if let Some(before) = upper.strip_prefix("L-") {
                    let before = before
                        .parse::<u8>()
                        .ok()
                        .filter(|n| (1..=30).contains(n))
                        .ok_or_else(|| format!("'{item}' must count back 1 to 30 days from L"))?;
                    SpecialDay::Last { before }
                } else if let Some(day) = upper.strip_suffix('W') {
                    if day.is_empty() || !day.bytes().all(|b| b.is_ascii_digit()) {
                        return Err(not_special());
                    }
                    let day = value(day, &DAY)?;
                    SpecialDay::NearestWeekday(day as u8)
                } else {
                    return Err(not_special());
                }
            }
        });
    }
    Ok((bits, special))
}

/// The day-of-week field: `?`, plain items (0 and 7 both Sunday), and `dL`, `d#n`.
fn weekday_field(text: &str) -> Result<(u64, Vec<SpecialWeekday>), String> {
    let sunday_is_seven = |bits: u64| {
        if bits & 1 != 0 {
            (bits & !1) | 1 << 7
        } else {
            bits
        }
    };
    if text == "?" {
        return plain_field("*", &WEEKDAY).map(|bits| (sunday_is_seven(bits), Vec::new()));
    }
    let mut bits = 0;
    let mut special = Vec::new();
    // Any weekday from 0 to 7, or its name, as ISO 1 = Monday … 7 = Sunday.
    let weekday = |token: &str| value(token, &WEEKDAY).map(|d| if d == 0 { 7 } else { d as u8 });
    for item in text.split(',') {
        let upper = item.to_ascii_uppercase();
        if let Some((day, nth)) = upper.split_once('#') {
            let nth = nth
                .parse::<u8>()
                .ok()
                .filter(|n| (1..=5).contains(n))
                .ok_or_else(|| {
                    format!("'{item}' must name a week of the month from 1 to 5 after '#'")
                })?;
            special.push(SpecialWeekday::Nth(weekday(day)?, nth));
        } else if let Some(day) = upper.strip_suffix('L').filter(|d| !d.is_empty()) {
            special.push(SpecialWeekday::Last(weekday(day)?));
        } else if upper == "L" {
            return Err(format!(
                "'{item}' in the day of the week needs a day before it (like 5L or FRIL)"
            ));
        } else {
            bits |= sunday_is_seven(item_bits(item, text, &WEEKDAY)?);
        }
    }
    Ok((bits, special))
}
