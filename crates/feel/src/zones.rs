//! A small built-in time-zone table: the UTC offsets of the most used IANA zones, with
//! their current daylight-saving rules, so that `@"2018-10-08T00:00:00@Europe/Paris"`
//! equals `@"2018-10-08T00:00:00+02:00"` without a time-zone database.
//!
//! The rules are today's (the EU since 1996, the US since 2007 and 1987–2006, Australia
//! and New Zealand since 2008/2007) and are applied to every year; historical changes
//! before them are not modelled. A zone not in the table keeps its name and compares by
//! local time, as before.

use crate::temporal::Date;

/// When a zone observes daylight saving time (one hour ahead of standard time).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Rule {
    None,
    /// European Union: last Sunday of March to last Sunday of October, 01:00 UTC.
    Eu,
    /// United States and Canada.
    Us,
    /// South-east Australia: first Sunday of October to first Sunday of April.
    Au,
    /// New Zealand: last Sunday of September to first Sunday of April.
    Nz,
}

/// Standard offsets in minutes east of UTC.
const ZONES: &[(&str, i32, Rule)] = &[
    ("Europe/London", 0, Rule::Eu),
    ("Europe/Dublin", 0, Rule::Eu),
    ("Europe/Lisbon", 0, Rule::Eu),
    ("Atlantic/Canary", 0, Rule::Eu),
    ("Europe/Paris", 60, Rule::Eu),
    ("Europe/Berlin", 60, Rule::Eu),
    ("Europe/Madrid", 60, Rule::Eu),
    ("Europe/Rome", 60, Rule::Eu),
    ("Europe/Amsterdam", 60, Rule::Eu),
    ("Europe/Brussels", 60, Rule::Eu),
    ("Europe/Luxembourg", 60, Rule::Eu),
    ("Europe/Vienna", 60, Rule::Eu),
    ("Europe/Zurich", 60, Rule::Eu),
    ("Europe/Stockholm", 60, Rule::Eu),
    ("Europe/Oslo", 60, Rule::Eu),
    ("Europe/Copenhagen", 60, Rule::Eu),
    ("Europe/Prague", 60, Rule::Eu),
    ("Europe/Warsaw", 60, Rule::Eu),
    ("Europe/Budapest", 60, Rule::Eu),
    ("Europe/Belgrade", 60, Rule::Eu),
    ("Europe/Zagreb", 60, Rule::Eu),
    ("Europe/Ljubljana", 60, Rule::Eu),
    ("Europe/Bratislava", 60, Rule::Eu),
    ("Europe/Malta", 60, Rule::Eu),
    ("Europe/Monaco", 60, Rule::Eu),
    ("Europe/Athens", 120, Rule::Eu),
    ("Europe/Helsinki", 120, Rule::Eu),
    ("Europe/Kiev", 120, Rule::Eu),
    ("Europe/Kyiv", 120, Rule::Eu),
    ("Europe/Bucharest", 120, Rule::Eu),
    ("Europe/Sofia", 120, Rule::Eu),
    ("Europe/Riga", 120, Rule::Eu),
    ("Europe/Tallinn", 120, Rule::Eu),
    ("Europe/Vilnius", 120, Rule::Eu),
    ("Asia/Nicosia", 120, Rule::Eu),
    ("Europe/Istanbul", 180, Rule::None),
    ("Europe/Moscow", 180, Rule::None),
    ("America/New_York", -300, Rule::Us),
    ("America/Detroit", -300, Rule::Us),
    ("America/Toronto", -300, Rule::Us),
    ("America/Montreal", -300, Rule::Us),
    ("America/Chicago", -360, Rule::Us),
    ("America/Winnipeg", -360, Rule::Us),
    ("America/Denver", -420, Rule::Us),
    ("America/Edmonton", -420, Rule::Us),
    ("America/Phoenix", -420, Rule::None),
    ("America/Los_Angeles", -480, Rule::Us),
    ("America/Vancouver", -480, Rule::Us),
    ("America/Anchorage", -540, Rule::Us),
    ("America/Halifax", -240, Rule::Us),
    ("America/St_Johns", -210, Rule::Us),
    ("Pacific/Honolulu", -600, Rule::None),
    ("America/Mexico_City", -360, Rule::None),
    ("America/Bogota", -300, Rule::None),
    ("America/Lima", -300, Rule::None),
    ("America/Caracas", -240, Rule::None),
    ("America/Sao_Paulo", -180, Rule::None),
    ("America/Argentina/Buenos_Aires", -180, Rule::None),
    ("America/Buenos_Aires", -180, Rule::None),
    ("Africa/Casablanca", 60, Rule::None),
    ("Africa/Lagos", 60, Rule::None),
    ("Africa/Algiers", 60, Rule::None),
    ("Africa/Cairo", 120, Rule::None),
    ("Africa/Johannesburg", 120, Rule::None),
    ("Africa/Nairobi", 180, Rule::None),
    ("Asia/Riyadh", 180, Rule::None),
    ("Asia/Tehran", 210, Rule::None),
    ("Asia/Dubai", 240, Rule::None),
    ("Asia/Karachi", 300, Rule::None),
    ("Asia/Kolkata", 330, Rule::None),
    ("Asia/Calcutta", 330, Rule::None),
    ("Asia/Kathmandu", 345, Rule::None),
    ("Asia/Dhaka", 360, Rule::None),
    ("Asia/Bangkok", 420, Rule::None),
    ("Asia/Jakarta", 420, Rule::None),
    ("Asia/Ho_Chi_Minh", 420, Rule::None),
    ("Asia/Shanghai", 480, Rule::None),
    ("Asia/Hong_Kong", 480, Rule::None),
    ("Asia/Singapore", 480, Rule::None),
    ("Asia/Taipei", 480, Rule::None),
    ("Asia/Manila", 480, Rule::None),
    ("Australia/Perth", 480, Rule::None),
    ("Asia/Tokyo", 540, Rule::None),
    ("Asia/Seoul", 540, Rule::None),
    ("Australia/Darwin", 570, Rule::None),
    ("Australia/Adelaide", 570, Rule::Au),
    ("Australia/Brisbane", 600, Rule::None),
    ("Australia/Sydney", 600, Rule::Au),
    ("Australia/Melbourne", 600, Rule::Au),
    ("Australia/Canberra", 600, Rule::Au),
    ("Australia/Hobart", 600, Rule::Au),
    ("Pacific/Auckland", 720, Rule::Nz),
];

const DAY: i64 = 86_400;

/// The standard offset of `name` in seconds when it has no daylight saving time, for
/// zones that are fixed offsets (`UTC`, `Etc/GMT+5`, `Asia/Tokyo`).
pub(crate) fn fixed_offset(name: &str) -> Option<i32> {
    match name {
        "Z" | "UTC" | "GMT" | "UT" | "Etc/UTC" | "Etc/GMT" | "Etc/UCT" | "Etc/Universal"
        | "Etc/Zulu" | "Etc/Greenwich" | "Etc/GMT0" | "Etc/GMT+0" | "Etc/GMT-0" => {
            return Some(0);
        }
        _ => {}
    }
    // `Etc/GMT+5` is five hours *behind* UTC (POSIX sign convention).
    if let Some(rest) = name.strip_prefix("Etc/GMT") {
        let (sign, digits) = match rest.split_at_checked(1)? {
            ("+", d) => (-1, d),
            ("-", d) => (1, d),
            _ => return None,
        };
        let hours: i32 = digits.parse().ok().filter(|h| (1..=14).contains(h))?;
        return Some(sign * hours * 3600);
    }
    let (_, minutes, rule) = ZONES.iter().find(|(n, _, _)| *n == name)?;
    (*rule == Rule::None).then_some(minutes * 60)
}

/// Whether the table knows `name`.
pub(crate) fn known(name: &str) -> bool {
    fixed_offset(name).is_some() || ZONES.iter().any(|(n, _, _)| *n == name)
}

/// The offset of zone `name` in seconds at the local wall-clock time `local` (seconds
/// since 1970-01-01T00:00:00 local time); `None` for a zone the table does not know.
pub(crate) fn offset_at(name: &str, local: i64) -> Option<i32> {
    offset(name, |_| Some((local, local)))
}

/// The offset of zone `name` in seconds at the instant `utc` (seconds since the Unix
/// epoch); unlike a wall-clock time, an instant is never ambiguous, so the second 02:30 of
/// the night summer time ends gets the winter offset.
pub(crate) fn offset_at_instant(name: &str, utc: i64) -> Option<i32> {
    offset(name, |standard| {
        let standard_time = utc.checked_add(i64::from(standard))?;
        Some((standard_time, standard_time.checked_add(3600)?))
    })
}

/// The offset of zone `name`, given a function from its standard offset to the time to
/// test as it reads on a clock showing standard time and on one showing summer time (the
/// rules name the start of summer time in the one and its end in the other).
fn offset(name: &str, clock: impl Fn(i32) -> Option<(i64, i64)>) -> Option<i32> {
    if let Some(fixed) = fixed_offset(name) {
        return Some(fixed);
    }
    let (_, minutes, rule) = ZONES.iter().find(|(n, _, _)| *n == name)?;
    let standard = minutes * 60;
    // The transitions in local wall-clock time. Read at a wall time, `local` and `summer`
    // are the same, so a wall time that occurs twice (the hour before summer time ends)
    // takes the earlier, summer offset, as java.time does.
    let (local, summer) = clock(standard)?;
    let year = Date::from_days(local.div_euclid(DAY))?.year;
    let at = |month: u8, day: u8, seconds: i64| -> Option<i64> {
        Some(Date::new(year, month, day)?.days() * DAY + seconds)
    };
    const H: i64 = 3600;
    let daylight = match rule {
        Rule::None => false,
        Rule::Eu => {
            // 01:00 UTC on both days.
            let one_utc = H + i64::from(standard);
            local >= at(3, last_sunday(year, 3)?, one_utc)?
                && summer < at(10, last_sunday(year, 10)?, one_utc + H)?
        }
        Rule::Us if year >= 2007 => {
            local >= at(3, nth_sunday(year, 3, 2)?, 2 * H)?
                && summer < at(11, nth_sunday(year, 11, 1)?, 2 * H)?
        }
        Rule::Us => {
            local >= at(4, nth_sunday(year, 4, 1)?, 2 * H)?
                && summer < at(10, last_sunday(year, 10)?, 2 * H)?
        }
        Rule::Au => {
            local >= at(10, nth_sunday(year, 10, 1)?, 2 * H)?
                || summer < at(4, nth_sunday(year, 4, 1)?, 3 * H)?
        }
        Rule::Nz => {
            local >= at(9, last_sunday(year, 9)?, 2 * H)?
                || summer < at(4, nth_sunday(year, 4, 1)?, 3 * H)?
        }
    };
    Some(if daylight { standard + 3600 } else { standard })
}

/// The day of the month of the `n`th Sunday.
fn nth_sunday(year: i32, month: u8, n: u8) -> Option<u8> {
    let first = Date::new(year, month, 1)?;
    // ISO weekday: Monday = 1 … Sunday = 7.
    let to_sunday = (7 - first.weekday()) % 7;
    Some(1 + to_sunday + 7 * (n - 1))
}

fn last_sunday(year: i32, month: u8) -> Option<u8> {
    let days = crate::temporal::days_in_month(year, month);
    let last = Date::new(year, month, days)?;
    Some(days - last.weekday() % 7)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn local(y: i32, m: u8, d: u8, h: i64) -> i64 {
        Date::new(y, m, d).map_or(0, Date::days) * DAY + h * 3600
    }

    #[test]
    fn daylight_saving_rules() {
        assert_eq!(last_sunday(2018, 3), Some(25));
        assert_eq!(last_sunday(2018, 10), Some(28));
        assert_eq!(nth_sunday(2018, 3, 2), Some(11));
        assert_eq!(nth_sunday(2018, 11, 1), Some(4));
        let paris = |y, m, d, h| offset_at("Europe/Paris", local(y, m, d, h));
        assert_eq!(paris(2018, 10, 8, 0), Some(7200));
        assert_eq!(paris(2018, 2, 8, 0), Some(3600));
        assert_eq!(paris(2018, 3, 25, 1), Some(3600));
        assert_eq!(paris(2018, 3, 25, 3), Some(7200));
        let new_york = |y, m, d, h| offset_at("America/New_York", local(y, m, d, h));
        assert_eq!(new_york(2021, 7, 1, 12), Some(-4 * 3600));
        assert_eq!(new_york(2021, 12, 1, 12), Some(-5 * 3600));
        assert_eq!(new_york(2005, 4, 1, 12), Some(-5 * 3600));
        let sydney = |y, m, d, h| offset_at("Australia/Sydney", local(y, m, d, h));
        assert_eq!(sydney(2021, 1, 1, 12), Some(11 * 3600));
        assert_eq!(sydney(2021, 7, 1, 12), Some(10 * 3600));
        assert_eq!(offset_at("Etc/GMT+5", 0), Some(-5 * 3600));
        assert_eq!(offset_at("Asia/Kolkata", 0), Some(19_800));
        assert_eq!(offset_at("Mars/Olympus_Mons", 0), None);
    }

    #[test]
    fn instants_are_never_ambiguous() {
        // Summer time in Paris ends on 2018-10-28 at 01:00 UTC: 02:30 local happens at
        // 00:30 UTC (+02:00) and again at 01:30 UTC (+01:00).
        let utc = |y, m, d, h: i64, min: i64| local(y, m, d, 0) + h * 3600 + min * 60;
        let paris = |u| offset_at_instant("Europe/Paris", u);
        assert_eq!(paris(utc(2018, 10, 28, 0, 30)), Some(7200));
        assert_eq!(paris(utc(2018, 10, 28, 0, 59)), Some(7200));
        assert_eq!(paris(utc(2018, 10, 28, 1, 0)), Some(3600));
        assert_eq!(paris(utc(2018, 10, 28, 1, 30)), Some(3600));
        // It starts on 2018-03-25 at 01:00 UTC.
        assert_eq!(paris(utc(2018, 3, 25, 0, 59)), Some(3600));
        assert_eq!(paris(utc(2018, 3, 25, 1, 0)), Some(7200));
        // New York: 2021-03-14 07:00 UTC (02:00 EST) and 2021-11-07 06:00 UTC (02:00 EDT).
        let new_york = |u| offset_at_instant("America/New_York", u);
        assert_eq!(new_york(utc(2021, 3, 14, 6, 59)), Some(-5 * 3600));
        assert_eq!(new_york(utc(2021, 3, 14, 7, 0)), Some(-4 * 3600));
        assert_eq!(new_york(utc(2021, 11, 7, 5, 59)), Some(-4 * 3600));
        assert_eq!(new_york(utc(2021, 11, 7, 6, 0)), Some(-5 * 3600));
        // Sydney: summer time ends 2021-04-04 at 16:00 UTC (03:00 AEDT).
        let sydney = |u| offset_at_instant("Australia/Sydney", u);
        assert_eq!(sydney(utc(2021, 4, 3, 15, 59)), Some(11 * 3600));
        assert_eq!(sydney(utc(2021, 4, 3, 16, 0)), Some(10 * 3600));
        assert_eq!(offset_at_instant("Asia/Tokyo", 0), Some(9 * 3600));
        assert_eq!(offset_at_instant("Europe/Paris", i64::MAX), None);
    }
}
