//! Named time zones (`@"2018-10-08T00:00:00@Europe/Paris"`), from the IANA time-zone
//! database that `jiff` embeds in the binary. The host's copy is never read, so a model
//! evaluates the same on every machine; the database's whole history applies, so Paris
//! in 1970 (no summer time) and New York before 2007 (April to October) are right.

use jiff::Timestamp;
use jiff::tz::{AmbiguousOffset, Offset, TimeZone};

/// The zone called `name`: any IANA name or link (`Europe/Paris`, `US/Eastern`,
/// `Etc/GMT+5`, `UTC`), plus `Z` and `UT`, which ISO 8601 and RFC 822 use for UTC.
fn zone(name: &str) -> Option<TimeZone> {
    match name {
        "Z" | "UT" => Some(TimeZone::UTC),
        _ => TimeZone::get(name).ok(),
    }
}

/// Whether `name` is a time zone the database knows.
pub(crate) fn known(name: &str) -> bool {
    zone(name).is_some()
}

/// The offset of `name` in seconds for a value that has no date (a time of day), which
/// only a zone whose offset no longer changes has: `Asia/Tokyo` has one, `Europe/Paris`
/// (summer time) has none. "No longer" is from 2020 on, a fixed instant, so the answer
/// does not depend on the day the model runs.
pub(crate) fn fixed_offset(name: &str) -> Option<i32> {
    const SINCE: Timestamp = Timestamp::constant(1_577_836_800, 0); // 2020-01-01T00:00:00Z
    let zone = zone(name)?;
    if zone.following(SINCE).next().is_some() {
        return None;
    }
    Some(zone.to_offset(SINCE).seconds())
}

/// The offset of zone `name` in seconds at the local wall-clock time `local` (seconds
/// since 1970-01-01T00:00:00 local time); `None` for an unknown zone. A wall time that
/// occurs twice (the hour after summer time ends) takes the earlier offset unless
/// `later`, and one that never occurs (skipped when summer time starts) the offset
/// before the gap, as `java.time` does.
pub(crate) fn offset_at(name: &str, local: i64, later: bool) -> Option<i32> {
    let zone = zone(name)?;
    let wall = Offset::UTC.to_datetime(Timestamp::from_second(local).ok()?);
    let offset = match zone.to_ambiguous_timestamp(wall).offset() {
        AmbiguousOffset::Unambiguous { offset } => offset,
        AmbiguousOffset::Fold { after, .. } if later => after,
        AmbiguousOffset::Gap { before, .. } | AmbiguousOffset::Fold { before, .. } => before,
    };
    Some(offset.seconds())
}

/// The offset of zone `name` in seconds at the instant `utc` (seconds since the Unix
/// epoch); unlike a wall-clock time, an instant is never ambiguous, so the second 02:30 of
/// the night summer time ends gets the winter offset.
pub(crate) fn offset_at_instant(name: &str, utc: i64) -> Option<i32> {
    let zone = zone(name)?;
    Some(zone.to_offset(Timestamp::from_second(utc).ok()?).seconds())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::temporal::Date;

    const DAY: i64 = 86_400;
    const H: i32 = 3600;

    fn local(y: i32, m: u8, d: u8, h: i64) -> i64 {
        Date::new(y, m, d).map_or(0, Date::days) * DAY + h * 3600
    }

    #[test]
    fn offsets_follow_each_year_s_rules() {
        let paris = |y, m, d, h| offset_at("Europe/Paris", local(y, m, d, h), false);
        assert_eq!(paris(2018, 10, 8, 0), Some(2 * H));
        assert_eq!(paris(2018, 2, 8, 0), Some(H));
        assert_eq!(paris(2018, 3, 25, 1), Some(H));
        assert_eq!(paris(2018, 3, 25, 3), Some(2 * H));
        // France had no summer time from 1946 to 1975.
        assert_eq!(paris(1970, 7, 1, 12), Some(H));
        // During the German occupation Paris kept Central European Summer Time all year.
        assert_eq!(paris(1942, 1, 15, 12), Some(2 * H));
        let new_york = |y, m, d, h| offset_at("America/New_York", local(y, m, d, h), false);
        assert_eq!(new_york(2021, 7, 1, 12), Some(-4 * H));
        assert_eq!(new_york(2021, 12, 1, 12), Some(-5 * H));
        // Before 2007 summer time began on the first Sunday of April, not in March.
        assert_eq!(new_york(2005, 3, 20, 12), Some(-5 * H));
        assert_eq!(new_york(2007, 3, 20, 12), Some(-4 * H));
        // 1974's energy crisis: summer time from January 6.
        assert_eq!(new_york(1974, 2, 1, 12), Some(-4 * H));
        let sydney = |y, m, d, h| offset_at("Australia/Sydney", local(y, m, d, h), false);
        assert_eq!(sydney(2021, 1, 1, 12), Some(11 * H));
        assert_eq!(sydney(2021, 7, 1, 12), Some(10 * H));
        // Moscow was three hours ahead of UTC in winter 2010, four in 2012, three since.
        let moscow = |y, m, d, h| offset_at("Europe/Moscow", local(y, m, d, h), false);
        assert_eq!(moscow(2010, 1, 15, 12), Some(3 * H));
        assert_eq!(moscow(2012, 1, 15, 12), Some(4 * H));
        assert_eq!(moscow(2020, 1, 15, 12), Some(3 * H));
        assert_eq!(offset_at("Etc/GMT+5", 0, false), Some(-5 * H));
        assert_eq!(offset_at("Asia/Kolkata", 0, false), Some(19_800));
        assert_eq!(
            offset_at("Asia/Kathmandu", local(2020, 1, 1, 0), false),
            Some(20_700)
        );
    }

    #[test]
    fn ambiguous_wall_times_take_the_earlier_offset() {
        // 2018-10-28 02:30 happens twice in Paris: first at +02:00.
        assert_eq!(
            offset_at("Europe/Paris", local(2018, 10, 28, 2) + 1800, false),
            Some(2 * H)
        );
        // ... and the later one when asked for.
        assert_eq!(
            offset_at("Europe/Paris", local(2018, 10, 28, 2) + 1800, true),
            Some(H)
        );
        // 2018-03-25 02:30 never happens: the offset before the gap.
        assert_eq!(
            offset_at("Europe/Paris", local(2018, 3, 25, 2) + 1800, true),
            Some(H)
        );
    }

    #[test]
    fn instants_are_never_ambiguous() {
        let utc = |y, m, d, h: i64, min: i64| local(y, m, d, 0) + h * 3600 + min * 60;
        let paris = |u| offset_at_instant("Europe/Paris", u);
        assert_eq!(paris(utc(2018, 10, 28, 0, 59)), Some(2 * H));
        assert_eq!(paris(utc(2018, 10, 28, 1, 0)), Some(H));
        assert_eq!(paris(utc(2018, 3, 25, 0, 59)), Some(H));
        assert_eq!(paris(utc(2018, 3, 25, 1, 0)), Some(2 * H));
        let new_york = |u| offset_at_instant("America/New_York", u);
        assert_eq!(new_york(utc(2021, 3, 14, 6, 59)), Some(-5 * H));
        assert_eq!(new_york(utc(2021, 3, 14, 7, 0)), Some(-4 * H));
        assert_eq!(new_york(utc(2021, 11, 7, 5, 59)), Some(-4 * H));
        assert_eq!(new_york(utc(2021, 11, 7, 6, 0)), Some(-5 * H));
        assert_eq!(offset_at_instant("Asia/Tokyo", 0), Some(9 * H));
        assert_eq!(offset_at_instant("Europe/Paris", i64::MAX), None);
    }

    #[test]
    fn every_database_name_is_known_and_no_other() {
        for name in jiff::tz::db().available() {
            assert!(known(name.as_str()), "{name}");
        }
        assert!(known("Z") && known("UTC") && known("Etc/GMT-14") && known("US/Eastern"));
        assert!(!known("Mars/Olympus_Mons"));
        assert!(!known("Europe/Atlantis"));
        assert!(!known("Etc/GMT+15"));
    }

    #[test]
    fn only_zones_without_changes_have_an_offset_without_a_date() {
        assert_eq!(fixed_offset("Asia/Tokyo"), Some(9 * H));
        assert_eq!(fixed_offset("UTC"), Some(0));
        assert_eq!(fixed_offset("Etc/GMT+5"), Some(-5 * H));
        assert_eq!(fixed_offset("Europe/Paris"), None);
        assert_eq!(fixed_offset("Nowhere/City"), None);
    }
}
