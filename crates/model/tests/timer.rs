//! Timer schedules (`baton_model::timer`): what each BPMN timer form reads as, the errors
//! for wrong ones, and the due times a schedule gives, all on fixed instants (no clock).

use baton_feel::Value;
use baton_feel::temporal::{self, DateTime};
use baton_model::TimerKind::{self, Cycle, Date, Duration};
use baton_model::timer::{Cron, MinInterval, Schedule};

/// An instant written as ISO 8601 text, in milliseconds.
fn at(text: &str) -> i64 {
    temporal::parse_date_time(text)
        .and_then(|dt| dt.to_unix_millis())
        .unwrap_or_else(|| panic!("bad test instant {text}"))
}

/// An instant as UTC text.
fn utc(millis: i64) -> String {
    DateTime::from_unix_millis(millis).map_or_else(|| format!("{millis}ms"), |dt| dt.to_string())
}

/// A schedule as one line of text.
fn describe(schedule: &Schedule) -> String {
    match schedule {
        Schedule::At(millis) => format!("at {}", utc(*millis)),
        Schedule::After(interval) => format!("after {interval}"),
        Schedule::Repeat(repeat) => {
            let count = repeat
                .repetitions
                .map_or_else(|| "R".to_string(), |n| format!("R{n}"));
            let start = repeat
                .start
                .map_or_else(String::new, |s| format!(" from {}", utc(s)));
            format!(
                "{count}{start} every {} in {:?}",
                repeat.interval, repeat.zone
            )
        }
        Schedule::Cron(cron) => format!("cron {cron}"),
    }
}

/// Each text read as `kind`, or the error it gives (prefixed `error: `).
#[track_caller]
fn check(kind: TimerKind, cases: &[(&str, &str)]) {
    for (text, expected) in cases {
        let got = match Schedule::parse(text, kind) {
            Ok(schedule) => describe(&schedule),
            Err(error) => format!("error: {error}"),
        };
        assert_eq!(got, *expected, "{kind:?} '{text}'");
    }
}

/// The due times of `text` armed at `armed`, each fired on time, at most `limit` of them;
/// `end` when the schedule says there are no more.
#[track_caller]
fn check_dues(kind: TimerKind, cases: &[(&str, &str, &str)]) {
    const LIMIT: u32 = 6;
    for (text, armed, expected) in cases {
        let schedule =
            Schedule::parse(text, kind).unwrap_or_else(|e| panic!("'{text}' should parse: {e}"));
        let mut dues = Vec::new();
        let mut due = schedule.first_due(at(armed));
        let mut fired = 0;
        loop {
            match due {
                Ok(Some(millis)) if fired < LIMIT => {
                    dues.push(utc(millis));
                    fired += 1;
                    due = schedule.next_due(millis, fired, millis);
                }
                Ok(Some(_)) => break,
                Ok(None) => {
                    dues.push("end".to_string());
                    break;
                }
                Err(error) => {
                    dues.push(format!("error: {error}"));
                    break;
                }
            }
        }
        assert_eq!(
            dues.join(" "),
            *expected,
            "{kind:?} '{text}' armed at {armed}"
        );
    }
}

/// The next `count` matches of a cron expression after an instant.
#[track_caller]
fn check_cron(cases: &[(&str, &str, usize, &str)]) {
    for (expression, after, count, expected) in cases {
        let cron =
            Cron::parse(expression).unwrap_or_else(|e| panic!("'{expression}' should parse: {e}"));
        let mut times = Vec::new();
        let mut from = at(after);
        for _ in 0..*count {
            match cron.next_after(from) {
                Some(next) => {
                    times.push(utc(next));
                    from = next;
                }
                None => times.push("none".to_string()),
            }
        }
        assert_eq!(times.join(" "), *expected, "'{expression}' after {after}");
    }
}

#[test]
fn dates_with_offsets_and_zones() {
    check(
        Date,
        &[
            ("2026-01-01T10:00:00Z", "at 2026-01-01T10:00:00Z"),
            ("  2026-01-01T10:00:00Z\n", "at 2026-01-01T10:00:00Z"),
            ("2026-01-01T10:00:00+02:00", "at 2026-01-01T08:00:00Z"),
            ("2026-01-01T10:00:00-05:30", "at 2026-01-01T15:30:00Z"),
            ("2026-01-01T10:00:00.250Z", "at 2026-01-01T10:00:00.25Z"),
            ("2026-01-01T10:00Z", "at 2026-01-01T10:00:00Z"),
            ("2026-01-01T10:00", "at 2026-01-01T10:00:00Z"),
            // No offset: UTC. A date alone: midnight UTC.
            ("2026-01-01T10:00:00", "at 2026-01-01T10:00:00Z"),
            ("2026-01-01", "at 2026-01-01T00:00:00Z"),
            ("2026-01-01T24:00:00Z", "at 2026-01-02T00:00:00Z"),
            // Named zones follow summer time: Berlin is +01:00 in winter, +02:00 in summer.
            (
                "2026-01-01T10:00:00@Europe/Berlin",
                "at 2026-01-01T09:00:00Z",
            ),
            (
                "2026-07-01T10:00:00@Europe/Berlin",
                "at 2026-07-01T08:00:00Z",
            ),
            (
                "2026-07-01T10:00:00@America/New_York",
                "at 2026-07-01T14:00:00Z",
            ),
            (
                "2026-07-01T10:00:00+02:00[Europe/Berlin]",
                "at 2026-07-01T08:00:00Z",
            ),
            (
                "2026-07-01T10:00:00[Europe/Berlin]",
                "at 2026-07-01T08:00:00Z",
            ),
            // As in java.time, a written offset fixes the instant, whatever the zone.
            (
                "2026-07-01T10:00:00+05:00[Europe/Berlin]",
                "at 2026-07-01T05:00:00Z",
            ),
            (
                "2026-07-01T10:00:00+02:00[Asia/Novosibirsk]",
                "at 2026-07-01T08:00:00Z",
            ),
            ("1969-07-20T20:17:40Z", "at 1969-07-20T20:17:40Z"),
        ],
    );
}

#[test]
fn wrong_dates_say_what_is_wrong() {
    let like = "is not an ISO 8601 date and time (like 2026-01-01T10:00:00Z or \
                2026-01-01T10:00:00@Europe/Berlin)";
    check(
        Date,
        &[
            ("", &format!("error: '' {like}: it is empty")),
            (
                "2026-13-01T10:00:00Z",
                &format!(
                    "error: '2026-13-01T10:00:00Z' {like}: '2026-13-01' is not a calendar date \
                     (YYYY-MM-DD)"
                ),
            ),
            (
                "2026-02-29",
                &format!(
                    "error: '2026-02-29' {like}: '2026-02-29' is not a calendar date (YYYY-MM-DD)"
                ),
            ),
            (
                "2026-01-01T25:00:00Z",
                &format!(
                    "error: '2026-01-01T25:00:00Z' {like}: '25:00:00Z' is not a time of day \
                     (hh:mm:ss, then Z, an offset like +02:00 or a zone like @Europe/Berlin)"
                ),
            ),
            (
                "2026-01-01T10:00:00@Mars/Olympus",
                &format!(
                    "error: '2026-01-01T10:00:00@Mars/Olympus' {like}: '10:00:00@Mars/Olympus' \
                     is not a time of day (hh:mm:ss, then Z, an offset like +02:00 or a zone \
                     like @Europe/Berlin)"
                ),
            ),
            (
                "PT10M",
                &format!(
                    "error: 'PT10M' {like}: it is a duration; a timeDate needs an instant, and a \
                     delay goes in a timeDuration"
                ),
            ),
            (
                "2026-01-01T10:00:00[]",
                &format!(
                    "error: '2026-01-01T10:00:00[]' {like}: '[]' is not a time zone like \
                     [Europe/Berlin]"
                ),
            ),
            (
                "999999999-01-01T00:00:00Z",
                &format!(
                    "error: '999999999-01-01T00:00:00Z' {like}: the year 999999999 is too far \
                     from 1970 for a timer"
                ),
            ),
        ],
    );
}

#[test]
fn durations() {
    check(
        Duration,
        &[
            ("PT2S", "after PT2S"),
            ("PT10M", "after PT10M"),
            ("P1D", "after P1D"),
            ("P1DT2H", "after P1DT2H"),
            ("PT0.25S", "after PT0.25S"),
            ("PT1,5S", "after PT1.5S"),
            ("PT0.0001S", "after PT0S"),
            ("PT36H", "after PT36H"),
            ("P2W", "after P14D"),
            ("P1Y2M", "after P1Y2M"),
            ("P1Y2M3DT4H5M6.7S", "after P1Y2M3DT4H5M6.7S"),
            ("p1dt2h", "after P1DT2H"),
            ("-PT1H", "after -PT1H"),
            ("P0D", "after PT0S"),
        ],
    );
}

#[test]
fn wrong_durations_name_the_offending_part() {
    let like = "is not an ISO 8601 duration (like PT10M or P1DT2H)";
    let cases: Vec<(&str, String)> = vec![
        ("PT", format!("'PT' {like}: nothing follows 'T'")),
        ("P", format!("'P' {like}: nothing follows 'P'")),
        ("", format!("'' {like}: it is empty")),
        ("10M", format!("'10M' {like}: it must start with P")),
        (
            "P1X",
            format!("'P1X' {like}: 'X' is not a unit (Y, M, W, D, then after T: H, M, S)"),
        ),
        (
            "P1H",
            format!("'P1H' {like}: '1H' needs a T before it (like PT1H)"),
        ),
        (
            "PT1D",
            format!("'PT1D' {like}: '1D' must come before the T (like P1DT1H)"),
        ),
        ("PT10", format!("'PT10' {like}: '10' has no unit after it")),
        ("PTM", format!("'PTM' {like}: 'M' has no number before it")),
        (
            "P1D2Y",
            format!(
                "'P1D2Y' {like}: '2Y' is out of order (the units go Y, M, W, D, then T, H, M, S, \
                 each at most once)"
            ),
        ),
        (
            "PT1M1M",
            format!(
                "'PT1M1M' {like}: '1M' is out of order (the units go Y, M, W, D, then T, H, M, \
                 S, each at most once)"
            ),
        ),
        (
            "PT1.5H",
            format!("'PT1.5H' {like}: only seconds may have a fraction, not '1.5H'"),
        ),
        (
            "PT1.S",
            format!("'PT1.S' {like}: '1.S' must have one to nine digits after the decimal point"),
        ),
        (
            "PT.5S",
            format!("'PT.5S' {like}: '.5S' has no whole number"),
        ),
        (
            "P99999999999999999999D",
            format!("'P99999999999999999999D' {like}: '99999999999999999999D' is too long"),
        ),
        (
            "P9223372036854775807Y",
            format!("'P9223372036854775807Y' {like}: it is too long"),
        ),
        (
            "PT9223372036854775807H",
            format!("'PT9223372036854775807H' {like}: it is too long"),
        ),
    ];
    for (text, expected) in &cases {
        check(Duration, &[(text, &format!("error: {expected}"))]);
    }
}

#[test]
fn cycles() {
    check(
        Cycle,
        &[
            ("R3/PT10M", "R3 every PT10M in Offset(0)"),
            ("R/PT1H", "R every PT1H in Offset(0)"),
            ("R0/PT1H", "R0 every PT1H in Offset(0)"),
            ("R4294967295/PT1S", "R4294967295 every PT1S in Offset(0)"),
            (
                "R3/2026-01-01T10:00:00Z/PT1H",
                "R3 from 2026-01-01T10:00:00Z every PT1H in Offset(0)",
            ),
            (
                "R/2026-01-01T10:00:00+01:00/P1D",
                "R from 2026-01-01T09:00:00Z every P1D in Offset(3600)",
            ),
            (
                "R/2026-03-27T09:00:00@Europe/Berlin/P1D",
                "R from 2026-03-27T08:00:00Z every P1D in Named(\"Europe/Berlin\")",
            ),
            (
                "R/2026-03-27T09:00:00+01:00[Europe/Berlin]/P1D",
                "R from 2026-03-27T08:00:00Z every P1D in Named(\"Europe/Berlin\")",
            ),
            (
                "R/2026-03-27T09:00:00+07:00[Asia/Novosibirsk]/P1D",
                "R from 2026-03-27T02:00:00Z every P1D in Named(\"Asia/Novosibirsk\")",
            ),
            ("0 0 9 * * MON-FRI", "cron 0 0 9 * * MON-FRI"),
            ("@daily", "cron @daily"),
        ],
    );
}

#[test]
fn wrong_cycles_say_what_a_cycle_looks_like() {
    let like = "is not a cycle (like R3/PT10M, R/PT1H, R3/2026-01-01T10:00:00Z/PT1H or a cron \
                expression like 0 0 9 * * MON-FRI)";
    let cases: Vec<(&str, String)> = vec![
        (
            "PT10M",
            format!(
                "'PT10M' {like}: a cycle repeats a duration: write R/PT10M to repeat it without \
                 end, or R3/PT10M for three times"
            ),
        ),
        (
            "R3",
            format!("'R3' {like}: 'R3' must be followed by a '/' and a duration (like R3/PT10M)"),
        ),
        (
            "R-1/PT1H",
            format!(
                "'R-1/PT1H' {like}: 'R-1' must be R and a number of repetitions, or R alone for no limit"
            ),
        ),
        (
            "R4294967296/PT1H",
            format!(
                "'R4294967296/PT1H' {like}: 'R4294967296' is too many repetitions (at most \
                 R4294967295, or R alone for no limit)"
            ),
        ),
        (
            "R3/PT0S",
            format!("'R3/PT0S' {like}: its interval 'PT0S' must be longer than zero"),
        ),
        (
            "R/-PT1H",
            format!("'R/-PT1H' {like}: its interval '-PT1H' must be longer than zero"),
        ),
        (
            "R3/PX",
            "in the cycle 'R3/PX': 'PX' is not an ISO 8601 duration (like PT10M or P1DT2H): 'X' \
             is not a unit (Y, M, W, D, then after T: H, M, S)"
                .to_string(),
        ),
        (
            "R3/2026-01-01T10:00:00Z/",
            "in the cycle 'R3/2026-01-01T10:00:00Z/': '' is not an ISO 8601 duration (like \
             PT10M or P1DT2H): it is empty"
                .to_string(),
        ),
        (
            "R3/PT1H/2026-01-01T10:00:00Z",
            "in the cycle 'R3/PT1H/2026-01-01T10:00:00Z': '2026-01-01T10:00:00Z' is not an ISO \
             8601 duration (like PT10M or P1DT2H): it must start with P"
                .to_string(),
        ),
        (
            "R3/2026-02-30T10:00:00Z/PT1H",
            "in the cycle 'R3/2026-02-30T10:00:00Z/PT1H': '2026-02-30T10:00:00Z' is not an ISO \
             8601 date and time (like 2026-01-01T10:00:00Z or 2026-01-01T10:00:00@Europe/Berlin): \
             '2026-02-30' is not a calendar date (YYYY-MM-DD)"
                .to_string(),
        ),
    ];
    for (text, expected) in &cases {
        check(Cycle, &[(text, &format!("error: {expected}"))]);
    }
}

#[test]
fn wrong_cron_expressions_name_the_field() {
    let like = "is not a cron expression (like 0 0 9 * * MON-FRI or @daily)";
    let cases: Vec<(&str, String)> = vec![
        (
            "every day",
            format!(
                "'every day' {like}: it has 2 fields, but a cron expression has six (second \
                 minute hour day-of-month month day-of-week) or five without the second"
            ),
        ),
        (
            "0 0 12 * * ? 2026",
            format!(
                "'0 0 12 * * ? 2026' {like}: it has 7 fields, but a cron expression has six \
                 (second minute hour day-of-month month day-of-week) or five without the second \
                 (a seventh field for the year is Quartz's, not Camunda's)"
            ),
        ),
        (
            "0 0 25 * * *",
            format!("'0 0 25 * * *' {like}: '25' is out of range for the hour (0-23)"),
        ),
        (
            "60 * * * * *",
            format!("'60 * * * * *' {like}: '60' is out of range for the second (0-59)"),
        ),
        (
            "0 0 0 0 * *",
            format!("'0 0 0 0 * *' {like}: '0' is out of range for the day of the month (1-31)"),
        ),
        (
            "0 0 0 * 13 *",
            format!("'0 0 0 * 13 *' {like}: '13' is out of range for the month (1-12 or JAN-DEC)"),
        ),
        (
            "0 0 0 * FOO *",
            format!(
                "'0 0 0 * FOO *' {like}: 'FOO' is not a number or name for the month (1-12 or JAN-DEC)"
            ),
        ),
        (
            "0 0 0 * * 8",
            format!(
                "'0 0 0 * * 8' {like}: '8' is out of range for the day of the week (0-7 or MON-SUN)"
            ),
        ),
        (
            "0 0 x * * *",
            format!("'0 0 x * * *' {like}: 'x' is not a number for the hour (0-23)"),
        ),
        (
            "0 0 5-1 * * *",
            format!("'0 0 5-1 * * *' {like}: the range '5-1' in the hour field runs backwards"),
        ),
        (
            "0 */0 * * * *",
            format!("'0 */0 * * * *' {like}: the step in '*/0' must be a whole number from 1"),
        ),
        (
            "0 1,,2 * * * *",
            format!(
                "'0 1,,2 * * * *' {like}: the minute field '1,,2' has an empty item in its list"
            ),
        ),
        (
            "0 ? * * * *",
            format!(
                "'0 ? * * * *' {like}: '?' in the minute field: it may stand only for a day of the month or of the week"
            ),
        ),
        (
            "0 0 0 L-31 * *",
            format!("'0 0 0 L-31 * *' {like}: 'L-31' must count back 1 to 30 days from L"),
        ),
        (
            "0 0 0 5L * *",
            format!(
                "'0 0 0 5L * *' {like}: '5L' in the day of the month is not L, L-n (like L-3), LW or nW (like 15W)"
            ),
        ),
        (
            "0 0 0 32W * *",
            format!("'0 0 0 32W * *' {like}: '32' is out of range for the day of the month (1-31)"),
        ),
        (
            "0 0 0 * * MON#6",
            format!(
                "'0 0 0 * * MON#6' {like}: 'MON#6' must name a week of the month from 1 to 5 after '#'"
            ),
        ),
        (
            "0 0 0 * * L",
            format!(
                "'0 0 0 * * L' {like}: 'L' in the day of the week needs a day before it (like 5L or FRIL)"
            ),
        ),
        (
            "@often",
            format!(
                "'@often' {like}: '@often' is not a macro (@yearly, @annually, @monthly, @weekly, @daily, @midnight or @hourly)"
            ),
        ),
        (
            "0 0 0 30 2 *",
            format!(
                "'0 0 0 30 2 *' {like}: it never fires: no date matches its day-of-month, month and day-of-week fields together"
            ),
        ),
        (
            "0 0 0 31 4,6,9,11 *",
            format!(
                "'0 0 0 31 4,6,9,11 *' {like}: it never fires: no date matches its day-of-month, month and day-of-week fields together"
            ),
        ),
    ];
    for (text, expected) in &cases {
        check(Cycle, &[(text, &format!("error: {expected}"))]);
    }
}

#[test]
fn values_from_feel_expressions() {
    let date_time = |text: &str| {
        Value::DateTime(std::sync::Arc::new(
            temporal::parse_date_time(text).expect("test date and time"),
        ))
    };
    let duration = |text: &str| match temporal::parse_duration(text) {
        Some(temporal::Duration::DayTime(d)) => Value::DayTime(d),
        Some(temporal::Duration::YearMonths(m)) => Value::YearMonths(m),
        None => panic!("bad test duration {text}"),
    };
    let cases: Vec<(TimerKind, Value, &str)> = vec![
        (
            Date,
            Value::string("2026-01-01T10:00:00Z"),
            "at 2026-01-01T10:00:00Z",
        ),
        (
            Date,
            date_time("2026-01-01T10:00:00+02:00"),
            "at 2026-01-01T08:00:00Z",
        ),
        (
            Date,
            date_time("2026-07-01T10:00:00@Europe/Paris"),
            "at 2026-07-01T08:00:00Z",
        ),
        (
            Date,
            date_time("2026-01-01T10:00:00"),
            "at 2026-01-01T10:00:00Z",
        ),
        (
            Date,
            Value::Date(temporal::parse_date("2026-01-01").expect("date")),
            "at 2026-01-01T00:00:00Z",
        ),
        (Duration, Value::string("PT10M"), "after PT10M"),
        (Duration, duration("P1DT2H"), "after PT26H"),
        (Duration, duration("PT0.0015S"), "after PT0.001S"),
        (Duration, duration("P1Y2M"), "after P1Y2M"),
        (
            Cycle,
            Value::string("R3/PT10M"),
            "R3 every PT10M in Offset(0)",
        ),
        (Cycle, Value::string("0 0 9 * * *"), "cron 0 0 9 * * *"),
        // Every zone of the IANA database: Novosibirsk is seven hours ahead of UTC.
        (
            Date,
            date_time("2026-01-01T10:00:00@Asia/Novosibirsk"),
            "at 2026-01-01T03:00:00Z",
        ),
        (
            Date,
            Value::Null,
            "error: a timeDate needs a date and time (or a string like 2026-01-01T10:00:00Z), \
             but the expression gave null",
        ),
        (
            Duration,
            Value::Bool(true),
            "error: a timeDuration needs a duration (or a string like PT10M), but the \
             expression gave boolean true",
        ),
        (
            Cycle,
            duration("PT1H"),
            "error: a timeCycle needs a string like R3/PT10M or a cron expression like 0 0 9 * * \
             MON-FRI, but the expression gave days and time duration PT1H",
        ),
        (
            Date,
            Value::list(vec![Value::string("x"); 40]),
            "error: a timeDate needs a date and time (or a string like 2026-01-01T10:00:00Z), \
             but the expression gave list [\"x\", \"x\", \"x\", \"x\", \"x\", \"x\", \"x\", \"x\", \"x\", \"x\", \"x\", \"...",
        ),
    ];
    for (kind, value, expected) in &cases {
        let got = match Schedule::from_value(value, *kind) {
            Ok(schedule) => describe(&schedule),
            Err(error) => format!("error: {error}"),
        };
        assert_eq!(got, *expected, "{kind:?} {value}");
    }
}

#[test]
fn dates_and_durations_fire_once() {
    check_dues(
        Date,
        &[
            (
                "2026-01-01T10:00:00Z",
                "2025-12-01T00:00:00Z",
                "2026-01-01T10:00:00Z end",
            ),
            // In the past: due at once (the caller fires when the due time is not after now).
            (
                "2020-01-01T10:00:00Z",
                "2025-12-01T00:00:00Z",
                "2020-01-01T10:00:00Z end",
            ),
        ],
    );
    check_dues(
        Duration,
        &[
            ("PT2S", "2026-01-01T10:00:00Z", "2026-01-01T10:00:02Z end"),
            (
                "PT0.25S",
                "2026-01-01T10:00:00Z",
                "2026-01-01T10:00:00.25Z end",
            ),
            ("P1DT2H", "2026-01-01T23:00:00Z", "2026-01-03T01:00:00Z end"),
            ("-PT1H", "2026-01-01T10:00:00Z", "2026-01-01T10:00:00Z end"),
            // Months count on the calendar and clamp to the end of the month.
            ("P1M", "2026-01-31T12:00:00Z", "2026-02-28T12:00:00Z end"),
            ("P1M", "2028-01-31T12:00:00Z", "2028-02-29T12:00:00Z end"),
            ("P1Y", "2028-02-29T12:00:00Z", "2029-02-28T12:00:00Z end"),
            ("P1M1D", "2026-01-31T12:00:00Z", "2026-03-01T12:00:00Z end"),
            (
                "P1Y2M3DT4H5M6.7S",
                "2026-01-01T00:00:00Z",
                "2027-03-04T04:05:06.7Z end",
            ),
            (
                "P700000000Y",
                "2026-01-01T00:00:00Z",
                "error: the due time P700000000Y after 2026-01-01T00:00:00Z is out of range",
            ),
        ],
    );
}

#[test]
fn cycles_repeat_as_often_as_they_say() {
    check_dues(
        Cycle,
        &[
            // R3 yields exactly three due times.
            (
                "R3/PT10M",
                "2026-01-01T10:00:00Z",
                "2026-01-01T10:10:00Z 2026-01-01T10:20:00Z 2026-01-01T10:30:00Z end",
            ),
            (
                "R1/PT10M",
                "2026-01-01T10:00:00Z",
                "2026-01-01T10:10:00Z end",
            ),
            ("R0/PT10M", "2026-01-01T10:00:00Z", "end"),
            (
                "R/PT1H",
                "2026-01-01T22:30:00Z",
                "2026-01-01T23:30:00Z 2026-01-02T00:30:00Z 2026-01-02T01:30:00Z \
                 2026-01-02T02:30:00Z 2026-01-02T03:30:00Z 2026-01-02T04:30:00Z",
            ),
            // With a start: the first is the start.
            (
                "R3/2026-01-01T10:00:00Z/PT1H",
                "2025-12-01T00:00:00Z",
                "2026-01-01T10:00:00Z 2026-01-01T11:00:00Z 2026-01-01T12:00:00Z end",
            ),
            (
                "R2/2026-01-01T10:00:00+01:00/PT30M",
                "2025-12-01T00:00:00Z",
                "2026-01-01T09:00:00Z 2026-01-01T09:30:00Z end",
            ),
            // Months from the previous due time, as in Camunda: 31 January, 28 February, 28 March.
            (
                "R4/2026-01-31T12:00:00Z/P1M",
                "2026-01-01T00:00:00Z",
                "2026-01-31T12:00:00Z 2026-02-28T12:00:00Z 2026-03-28T12:00:00Z \
                 2026-04-28T12:00:00Z end",
            ),
            // A day in Berlin keeps 09:00 local across the start of summer time (29 March):
            // 08:00 UTC before, 07:00 UTC after.
            (
                "R4/2026-03-27T09:00:00@Europe/Berlin/P1D",
                "2026-03-01T00:00:00Z",
                "2026-03-27T08:00:00Z 2026-03-28T08:00:00Z 2026-03-29T07:00:00Z \
                 2026-03-30T07:00:00Z end",
            ),
            // …while 24 hours are 24 hours.
            (
                "R3/2026-03-28T09:00:00@Europe/Berlin/PT24H",
                "2026-03-01T00:00:00Z",
                "2026-03-28T08:00:00Z 2026-03-29T08:00:00Z 2026-03-30T08:00:00Z end",
            ),
            // 02:30 does not exist in Berlin on 29 March 2026; it becomes 03:30 summer time,
            // and as each day counts from the previous due time, 03:30 it stays.
            (
                "R3/2026-03-28T02:30:00@Europe/Berlin/P1D",
                "2026-03-01T00:00:00Z",
                "2026-03-28T01:30:00Z 2026-03-29T01:30:00Z 2026-03-30T01:30:00Z end",
            ),
            // And back to winter time on 25 October: 02:30 happens twice, the first counts.
            (
                "R3/2026-10-24T02:30:00@Europe/Berlin/P1D",
                "2026-10-01T00:00:00Z",
                "2026-10-24T00:30:00Z 2026-10-25T00:30:00Z 2026-10-26T01:30:00Z end",
            ),
            (
                "R/2026-01-01T00:00:00Z/P100000000Y",
                "2026-01-01T00:00:00Z",
                "2026-01-01T00:00:00Z 100002026-01-01T00:00:00Z 200002026-01-01T00:00:00Z \
                 error: the due time P100000000Y after 200002026-01-01T00:00:00Z is out of range",
            ),
        ],
    );
}

#[test]
fn missed_repetitions_are_skipped() {
    let schedule = Schedule::parse("R5/2026-01-01T10:00:00Z/PT1H", Cycle).expect("cycle");
    let start = at("2026-01-01T10:00:00Z");
    // Fired late, but before the next one is due: the rhythm stays.
    assert_eq!(
        schedule
            .next_due(start, 1, at("2026-01-01T10:20:00Z"))
            .map(|d| d.map(utc)),
        Ok(Some("2026-01-01T11:00:00Z".to_string()))
    );
    // Fired hours late: the next one is an interval after now, not a burst of old ones.
    assert_eq!(
        schedule
            .next_due(start, 1, at("2026-01-01T13:20:00Z"))
            .map(|d| d.map(utc)),
        Ok(Some("2026-01-01T14:20:00Z".to_string()))
    );
    assert_eq!(schedule.next_due(start, 5, start), Ok(None));
    let cron = Schedule::parse("0 0 * * * *", Cycle).expect("cron");
    assert_eq!(
        cron.next_due(start, 1, at("2026-01-01T13:20:00Z"))
            .map(|d| d.map(utc)),
        Ok(Some("2026-01-01T14:00:00Z".to_string()))
    );
    // A huge count of repetitions is just a number.
    let many = Schedule::parse("R4294967295/PT1S", Cycle).expect("cycle");
    assert_eq!(many.next_due(0, u32::MAX - 1, 0), Ok(Some(1000)));
    assert_eq!(many.next_due(0, u32::MAX, 0), Ok(None));
}

#[test]
fn cron_fields() {
    check_cron(&[
        // Every ten seconds, from the next whole second after the start.
        (
            "*/10 * * * * *",
            "2026-01-01T10:00:00Z",
            3,
            "2026-01-01T10:00:10Z 2026-01-01T10:00:20Z 2026-01-01T10:00:30Z",
        ),
        (
            "*/10 * * * * *",
            "2026-01-01T10:00:09.999Z",
            1,
            "2026-01-01T10:00:10Z",
        ),
        (
            "0 0 * * * *",
            "2026-01-01T10:00:00Z",
            2,
            "2026-01-01T11:00:00Z 2026-01-01T12:00:00Z",
        ),
        (
            "0 0 9-17 * * MON-FRI",
            "2026-01-02T16:30:00Z",
            3,
            "2026-01-02T17:00:00Z 2026-01-05T09:00:00Z 2026-01-05T10:00:00Z",
        ),
        (
            "0 0/30 8-10 * * *",
            "2026-01-01T10:15:00Z",
            3,
            "2026-01-01T10:30:00Z 2026-01-02T08:00:00Z 2026-01-02T08:30:00Z",
        ),
        (
            "0 0 6,19 * * *",
            "2026-01-01T07:00:00Z",
            3,
            "2026-01-01T19:00:00Z 2026-01-02T06:00:00Z 2026-01-02T19:00:00Z",
        ),
        // Across the end of a month and of a year.
        (
            "0 0 0 1 * *",
            "2026-12-15T00:00:00Z",
            2,
            "2027-01-01T00:00:00Z 2027-02-01T00:00:00Z",
        ),
        (
            "0 0 0 25 12 ?",
            "2026-12-25T00:00:00Z",
            1,
            "2027-12-25T00:00:00Z",
        ),
        (
            "0 30 23 31 * *",
            "2026-01-31T23:30:00Z",
            2,
            "2026-03-31T23:30:00Z 2026-05-31T23:30:00Z",
        ),
        // Names in any case, Sunday as 0 or 7, and Sunday starting a range.
        (
            "0 0 12 * jan,Jul sun",
            "2026-01-01T00:00:00Z",
            2,
            "2026-01-04T12:00:00Z 2026-01-11T12:00:00Z",
        ),
        (
            "0 0 12 * * 0",
            "2026-01-01T00:00:00Z",
            1,
            "2026-01-04T12:00:00Z",
        ),
        (
            "0 0 12 * * 7",
            "2026-01-01T00:00:00Z",
            1,
            "2026-01-04T12:00:00Z",
        ),
        (
            "0 0 12 * * SUN-MON",
            "2026-01-01T00:00:00Z",
            2,
            "2026-01-04T12:00:00Z 2026-01-05T12:00:00Z",
        ),
        (
            "0 0 12 * * SAT-SUN",
            "2026-01-01T00:00:00Z",
            2,
            "2026-01-03T12:00:00Z 2026-01-04T12:00:00Z",
        ),
        // Both day fields must match: Friday the 13th.
        (
            "0 0 0 13 * FRI",
            "2026-01-01T00:00:00Z",
            3,
            "2026-02-13T00:00:00Z 2026-03-13T00:00:00Z 2026-11-13T00:00:00Z",
        ),
        // Leap years.
        (
            "0 0 0 29 2 *",
            "2026-01-01T00:00:00Z",
            3,
            "2028-02-29T00:00:00Z 2032-02-29T00:00:00Z 2036-02-29T00:00:00Z",
        ),
        (
            "0 0 0 29 2 *",
            "2096-03-01T00:00:00Z",
            1,
            "2104-02-29T00:00:00Z",
        ),
        // The classic five fields have no seconds.
        (
            "30 9 * * 1-5",
            "2026-01-02T10:00:00Z",
            1,
            "2026-01-05T09:30:00Z",
        ),
        (
            "*/15 * * * *",
            "2026-01-01T10:07:00Z",
            2,
            "2026-01-01T10:15:00Z 2026-01-01T10:30:00Z",
        ),
        // Before 1970 too.
        (
            "0 0 0 1 1 *",
            "1960-06-01T00:00:00Z",
            1,
            "1961-01-01T00:00:00Z",
        ),
    ]);
}

#[test]
fn cron_last_nearest_and_nth_days() {
    check_cron(&[
        // L: the last day of the month, in February of a leap year too.
        (
            "0 0 0 L * *",
            "2028-01-15T00:00:00Z",
            3,
            "2028-01-31T00:00:00Z 2028-02-29T00:00:00Z 2028-03-31T00:00:00Z",
        ),
        (
            "0 0 0 L-3 * *",
            "2026-02-01T00:00:00Z",
            2,
            "2026-02-25T00:00:00Z 2026-03-28T00:00:00Z",
        ),
        // LW: the last weekday (31 January 2026 is a Saturday, 31 May a Sunday).
        (
            "0 0 0 LW * *",
            "2026-01-01T00:00:00Z",
            5,
            "2026-01-30T00:00:00Z 2026-02-27T00:00:00Z 2026-03-31T00:00:00Z \
             2026-04-30T00:00:00Z 2026-05-29T00:00:00Z",
        ),
        // 15W: 15 February 2026 is a Sunday (Monday 16th), 15 March a Sunday too, 15 August
        // a Saturday (Friday 14th).
        (
            "0 0 0 15W * *",
            "2026-02-01T00:00:00Z",
            2,
            "2026-02-16T00:00:00Z 2026-03-16T00:00:00Z",
        ),
        (
            "0 0 0 15W 8 *",
            "2026-01-01T00:00:00Z",
            1,
            "2026-08-14T00:00:00Z",
        ),
        // 1W on Saturday 1 August 2026 is Monday the 3rd; 31W on Sunday 31 May is Friday 29th.
        (
            "0 0 0 1W 8 *",
            "2026-01-01T00:00:00Z",
            1,
            "2026-08-03T00:00:00Z",
        ),
        (
            "0 0 0 31W 5 *",
            "2026-01-01T00:00:00Z",
            1,
            "2026-05-29T00:00:00Z",
        ),
        // 5L / FRIL: the last Friday; MON#2: the second Monday; 0#1 the first Sunday.
        (
            "0 0 0 * * 5L",
            "2026-01-01T00:00:00Z",
            3,
            "2026-01-30T00:00:00Z 2026-02-27T00:00:00Z 2026-03-27T00:00:00Z",
        ),
        (
            "0 0 0 ? * FRIL",
            "2026-01-01T00:00:00Z",
            1,
            "2026-01-30T00:00:00Z",
        ),
        (
            "0 0 0 ? * MON#2",
            "2026-01-01T00:00:00Z",
            3,
            "2026-01-12T00:00:00Z 2026-02-09T00:00:00Z 2026-03-09T00:00:00Z",
        ),
        (
            "0 0 0 ? * 0#1",
            "2026-01-01T00:00:00Z",
            1,
            "2026-01-04T00:00:00Z",
        ),
        // A fifth Thursday is not in every month.
        (
            "0 0 0 ? * THU#5",
            "2026-01-01T00:00:00Z",
            3,
            "2026-01-29T00:00:00Z 2026-04-30T00:00:00Z 2026-07-30T00:00:00Z",
        ),
        // Special and plain items in one list.
        (
            "0 0 0 1,L * *",
            "2026-01-01T00:00:00Z",
            3,
            "2026-01-31T00:00:00Z 2026-02-01T00:00:00Z 2026-02-28T00:00:00Z",
        ),
        // 29 February on a Monday: rare, but it comes.
        (
            "0 0 0 29 2 MON",
            "2026-01-01T00:00:00Z",
            1,
            "2044-02-29T00:00:00Z",
        ),
    ]);
}

#[test]
fn cron_macros() {
    check_cron(&[
        ("@yearly", "2026-03-01T00:00:00Z", 1, "2027-01-01T00:00:00Z"),
        (
            "@annually",
            "2026-03-01T00:00:00Z",
            1,
            "2027-01-01T00:00:00Z",
        ),
        (
            "@monthly",
            "2026-03-01T00:00:00Z",
            1,
            "2026-04-01T00:00:00Z",
        ),
        ("@weekly", "2026-01-01T00:00:00Z", 1, "2026-01-04T00:00:00Z"),
        ("@daily", "2026-01-01T00:00:00Z", 1, "2026-01-02T00:00:00Z"),
        (
            "@midnight",
            "2026-01-01T12:00:00Z",
            1,
            "2026-01-02T00:00:00Z",
        ),
        ("@HOURLY", "2026-01-01T12:00:00Z", 1, "2026-01-01T13:00:00Z"),
    ]);
}

#[test]
fn cron_at_the_ends_of_time() {
    let cron = Cron::parse("0 0 0 1 1 *").expect("cron");
    assert_eq!(cron.next_after(i64::MAX), None);
    assert_eq!(cron.next_after(i64::MAX - 86_400_000), None);
    assert!(cron.next_after(i64::MIN).is_some());
    let schedule = Schedule::Cron(cron);
    assert_eq!(
        schedule.first_due(i64::MAX).map_err(|e| e.to_string()),
        Err(
            "the due time of '0 0 0 1 1 *' after 292278994-08-17T07:12:55.807Z is out of range"
                .to_string()
        )
    );
}

#[test]
fn absurd_input_gives_errors_not_panics() {
    const PIECES: &[&str] = &[
        "R",
        "R4294967295",
        "/",
        "P",
        "T",
        "-",
        "9223372036854775807",
        "99999999999999999999",
        "Y",
        "M",
        "D",
        "H",
        "1.5S",
        "2026-01-31",
        "T10:00",
        "Z",
        "@Europe/Berlin",
        "[Europe/Berlin]",
        "*",
        "L",
        "W",
        "#",
        " ",
        "?",
        ",",
        "7",
        "@daily",
        "ü",
    ];
    let mut texts: Vec<String> = vec![
        "R4294967295/P9223372036854775807Y".into(),
        "R/P9223372036854775807M".into(),
        "R/-292277026-01-01T00:00:00Z/PT1S".into(),
        "R/292277026-12-31T23:59:59Z/P1D".into(),
        "P9223372036854775807W".into(),
        "-P9223372036854775807Y9223372036854775807M".into(),
        "PT9223372036854775.807S".into(),
        "*/4294967295 * * * * *".into(),
        "0 0 0 L-0 * *".into(),
        "0 0 0 0W * *".into(),
        "0 0 0 * * 8L".into(),
        "0 0 0 * * 1#0".into(),
        "0 0 0 * * #".into(),
    ];
    for a in PIECES {
        for b in PIECES {
            texts.push(format!("{a}{b}"));
            for c in PIECES {
                texts.push(format!("{a}{b}{c}"));
            }
        }
    }
    let instants = [i64::MIN, -1, 0, 1_767_225_600_000, i64::MAX];
    let exercise = |schedule: &Schedule| {
        let _ = schedule.check_min_interval("", MinInterval::from_millis(u64::MAX));
        for armed in instants {
            let _ = schedule.first_due(armed);
            for fired in [0, 1, u32::MAX] {
                let _ = schedule.next_due(armed, fired, armed);
                let _ = schedule.next_due(armed, fired, i64::MAX);
            }
        }
    };
    for text in &texts {
        for kind in [Date, Duration, Cycle] {
            if let Ok(schedule) = Schedule::parse(text, kind) {
                exercise(&schedule);
            }
        }
    }
    for value in [
        Value::DayTime(temporal::DayTime(i128::MAX)),
        Value::DayTime(temporal::DayTime(i128::MIN)),
        Value::YearMonths(temporal::YearMonths(i64::MAX)),
        Value::YearMonths(temporal::YearMonths(i64::MIN)),
    ] {
        if let Ok(schedule) = Schedule::from_value(&value, Duration) {
            exercise(&schedule);
        }
    }
}

/// The shortest gap between two firings (`once` for a one-shot timer), as an ISO 8601
/// duration. For cron, the gap is also measured by walking its first firings, so the
/// computed gap must be one that really occurs and none of those firings come closer.
#[track_caller]
fn check_gaps(cases: &[(TimerKind, &str, &str)]) {
    for (kind, text, expected) in cases {
        let schedule =
            Schedule::parse(text, *kind).unwrap_or_else(|e| panic!("'{text}' should parse: {e}"));
        let show = |gap: Option<i64>| {
            gap.map_or_else(
                || "once".to_string(),
                |millis| MinInterval::from_millis(millis.unsigned_abs()).to_string(),
            )
        };
        assert_eq!(show(schedule.shortest_gap()), *expected, "'{text}'");
        if let Schedule::Cron(cron) = &schedule {
            let mut walked = i64::MAX;
            let mut previous = cron.next_after(at("2026-01-01T00:00:00Z")).expect("fires");
            for _ in 0..3000 {
                let next = cron.next_after(previous).expect("fires again");
                walked = walked.min(next - previous);
                previous = next;
            }
            assert_eq!(show(Some(walked)), *expected, "'{text}' walked");
        }
    }
}

#[test]
fn the_shortest_gap_between_two_firings() {
    check_gaps(&[
        (Date, "2026-01-01T10:00:00Z", "once"),
        (Duration, "PT0.001S", "once"),
        (Cycle, "R/PT0.001S", "PT0.001S"),
        (Cycle, "R/2099-01-01T00:00:00Z/PT0.01S", "PT0.01S"),
        // A count of one is still a cycle: the floor is about how it is written.
        (Cycle, "R1/PT0.5S", "PT0.5S"),
        (Cycle, "R3/PT10M", "PT10M"),
        (Cycle, "R/P1DT1S", "PT24H1S"),
        // A month counts as its shortest, 28 days.
        (Cycle, "R/P1M", "PT672H"),
        (Cycle, "* * * * * *", "PT1S"),
        (Cycle, "*/10 * * * * *", "PT10S"),
        // From second 50 to second 5 of the next minute.
        (Cycle, "5,50 * * * * *", "PT15S"),
        (Cycle, "0 */5 * * * *", "PT5M"),
        (Cycle, "@hourly", "PT1H"),
        (Cycle, "0 0 9 * * MON-FRI", "PT24H"),
        // From 23:00 to 01:00 the next day, not 01:00 to 23:00.
        (Cycle, "0 0 1,23 * * *", "PT2H"),
        (Cycle, "0 59 0,23 * * *", "PT1H"),
        // On Mondays only, 23:00 to the next Monday's 01:00 is long: 01:00 to 23:00 is shortest.
        (Cycle, "0 0 1,23 * * MON", "PT22H"),
        // The last day of January to the last of February.
        (Cycle, "0 0 12 L * *", "PT672H"),
        (Cycle, "0 0 0 1,2 * *", "PT24H"),
    ]);
    // Sparse expressions take too many firings to walk; the computed gap alone.
    for (text, days) in [("@yearly", 365), ("0 0 0 29 2 *", 4 * 365 + 1)] {
        let schedule = Schedule::parse(text, Cycle).expect("cron");
        assert_eq!(schedule.shortest_gap(), Some(days * 86_400_000), "'{text}'");
    }
}

#[test]
fn cycles_under_the_minimum_interval_are_refused_naming_it() {
    let check = |text: &str, kind: TimerKind, minimum: MinInterval| {
        let schedule = Schedule::parse(text, kind).expect("parses");
        match schedule.check_min_interval(text, minimum) {
            Ok(()) => "ok".to_string(),
            Err(error) => format!("error: {error}"),
        }
    };
    let default = MinInterval::default();
    assert_eq!(default.to_string(), "PT1S");
    assert_eq!(
        check("R/PT0.001S", Cycle, default),
        "error: 'R/PT0.001S' repeats every PT0.001S: a timer cycle may fire at most once every \
         PT1S (the minimum interval)"
    );
    assert_eq!(
        check(" R/2099-01-01T00:00:00Z/PT0.01S\n", Cycle, default),
        "error: 'R/2099-01-01T00:00:00Z/PT0.01S' repeats every PT0.01S: a timer cycle may fire \
         at most once every PT1S (the minimum interval)"
    );
    assert_eq!(check("R/PT1S", Cycle, default), "ok", "the minimum itself");
    assert_eq!(check("R/PT1H", Cycle, default), "ok");
    // Cron fires at most once a second, so only a higher minimum refuses one.
    assert_eq!(check("* * * * * *", Cycle, default), "ok");
    assert_eq!(
        check("*/2 * * * * *", Cycle, MinInterval::from_millis(5000)),
        "error: '*/2 * * * * *' fires as often as every PT2S: a timer cycle may fire at most \
         once every PT5S (the minimum interval)"
    );
    assert_eq!(
        check(
            "0 0 1,23 * * *",
            Cycle,
            MinInterval::from_millis(3 * 3_600_000)
        ),
        "error: '0 0 1,23 * * *' fires as often as every PT2H: a timer cycle may fire at most \
         once every PT3H (the minimum interval)"
    );
    // One-shot timers fire once per token: no floor.
    assert_eq!(check("PT0.001S", Duration, default), "ok");
    assert_eq!(check("2026-01-01T00:00:00Z", Date, default), "ok");
    assert_eq!(check("R/PT0.001S", Cycle, MinInterval::NONE), "ok");
    assert_eq!(
        MinInterval::from_millis(u64::MAX).millis(),
        i64::MAX,
        "an absurd minimum is the longest there is"
    );
}
