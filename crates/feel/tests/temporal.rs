//! Temporal values beyond the basics in `eval.rs` (named parameters of the constructors,
//! named time zones, dates mixed with dates and times, properties) and assorted fixes.

use baton_feel::{EmptyScope, Expression};

mod support;

use support::check;

#[track_caller]
fn check_fails(expressions: &[&str]) {
    for expression in expressions {
        let evaluation = Expression::parse(expression)
            .unwrap_or_else(|e| panic!("`{expression}` failed to parse: {e}"))
            .evaluate(&EmptyScope);
        assert!(evaluation.failed(), "`{expression}`: {evaluation:?}");
    }
}

#[test]
fn constructors_take_named_arguments() {
    check(&[
        ("date(year: 2017, month: 08, day: 30)", "2017-08-30"),
        (r#"date(from: "2017-08-30")"#, "2017-08-30"),
        (
            r#"time(hour: 11, minute: 59, second: 0, offset: duration("PT2H1M0S"))"#,
            "11:59:00+02:01",
        ),
        (
            r#"time(hour: 11, minute: 59, second: 0, offset: duration("-PT2H"))"#,
            "11:59:00-02:00",
        ),
        (
            r#"date and time(date: date("2017-01-01"), time: time("23:59:01"))"#,
            "2017-01-01T23:59:01",
        ),
        (
            r#"date and time(date: date and time("2017-01-01T00:00:00"), time: time("23:59:01"))"#,
            "2017-01-01T23:59:01",
        ),
        (
            r#"date and time(from: "2017-01-01T10:00:00Z")"#,
            "2017-01-01T10:00:00Z",
        ),
    ]);
}

#[test]
fn named_time_zones_have_offsets() {
    check(&[
        (
            r#"@"2018-10-08T00:00:00+02:00" = @"2018-10-08T00:00:00@Europe/Paris""#,
            "true",
        ),
        (
            r#"@"2018-02-08T00:00:00+01:00" = @"2018-02-08T00:00:00@Europe/Paris""#,
            "true",
        ),
        (
            r#"@"2018-02-08T00:00:00+02:00" = @"2018-02-08T00:00:00@Europe/Paris""#,
            "false",
        ),
        (
            r#"@"2002-04-02T12:00:00@Australia/Melbourne" = @"2002-04-02T12:00:00@Australia/Sydney""#,
            "true",
        ),
        (
            r#"@"2021-07-01T12:00:00@America/New_York" = @"2021-07-01T16:00:00Z""#,
            "true",
        ),
        (
            r#"@"2021-12-01T12:00:00@America/New_York" < @"2021-12-01T16:30:00Z""#,
            "false",
        ),
        (
            r#"@"2018-12-08T00:00:00+00:00" = @"2018-12-08T00:00:00@Etc/UTC""#,
            "true",
        ),
        (r#"@"23:00:50@Etc/GMT" = @"23:00:50Z""#, "true"),
        (r#"is(@"23:00:50@Etc/GMT", @"23:00:50Z")"#, "false"),
        (r#"@"10:00:00@Etc/GMT+2" = @"12:00:00Z""#, "true"),
        (
            r#"@"2021-01-02T10:10:10@Europe/Paris" - @"2021-01-01T10:10:10@Asia/Dhaka""#,
            "P1DT5H",
        ),
        (
            r#"@"2021-01-02T10:10:10+01:00" - @"2021-01-01T10:10:10@Europe/Paris""#,
            "P1D",
        ),
        // Exact durations follow the zone's clock change; months move the calendar.
        (
            r#"@"2021-03-27T12:00:00@Europe/Paris" + @"P1D""#,
            "2021-03-28T13:00:00@Europe/Paris",
        ),
        (
            r#"@"2021-03-28T13:00:00@Europe/Paris" - @"2021-03-27T12:00:00@Europe/Paris""#,
            "P1D",
        ),
        (
            r#"@"2021-03-27T12:00:00@Europe/Paris" + @"P1M""#,
            "2021-04-27T12:00:00@Europe/Paris",
        ),
    ]);
}

/// The offsets of named zones are the IANA database's for that date (DMN 1.5 10.3.2.3.4:
/// a date and time with an IANA zone), not today's rules applied to every year.
#[test]
fn named_time_zones_use_the_offsets_of_their_date() {
    check(&[
        // France kept standard time all summer from 1946 to 1975.
        (r#"@"1970-07-01T12:00:00@Europe/Paris".time offset"#, "PT1H"),
        (
            r#"@"1970-07-01T12:00:00@Europe/Paris" = @"1970-07-01T11:00:00Z""#,
            "true",
        ),
        // Before 2007 New York's summer time began in April.
        (
            r#"@"2005-03-20T12:00:00@America/New_York".time offset"#,
            "-PT5H",
        ),
        (
            r#"@"2007-03-20T12:00:00@America/New_York".time offset"#,
            "-PT4H",
        ),
        // Moscow moved from +03:00 to +04:00 in 2011 and back in 2014.
        (
            r#"@"2013-01-01T12:00:00@Europe/Moscow" - @"2015-01-01T12:00:00@Europe/Moscow""#,
            "-P730DT1H",
        ),
        (
            r#"@"2018-10-08T00:00:00@Europe/Paris".timezone"#,
            r#""Europe/Paris""#,
        ),
        (
            r#"string(@"2018-10-08T00:00:00@Europe/Paris")"#,
            r#""2018-10-08T00:00:00@Europe/Paris""#,
        ),
        (
            r#"@"2021-01-01T10:00:00@Antarctica/Troll" = @"2021-01-01T10:00:00Z""#,
            "true",
        ),
    ]);
    // Exact durations move the instant (10.3.2.3.6); where a wall time occurs twice, the
    // second is written with its offset, in Java's form, and reads back as itself.
    check(&[
        (
            r#"string(@"2021-11-07T01:30:00@America/New_York" + @"PT1H")"#,
            r#""2021-11-07T01:30:00-05:00[America/New_York]""#,
        ),
        (
            r#"(@"2021-11-07T01:30:00@America/New_York" + @"PT1H") - @"2021-11-07T01:30:00@America/New_York""#,
            "PT1H",
        ),
        (
            r#"date and time("2021-11-07T01:30:00-05:00[America/New_York]") = @"2021-11-07T06:30:00Z""#,
            "true",
        ),
        (
            r#"@"2021-11-07T01:30:00@America/New_York" = @"2021-11-07T05:30:00Z""#,
            "true",
        ),
        // A wall time skipped when summer time starts moves forward by the gap.
        (
            r#"@"2021-03-14T02:30:00@America/New_York" = @"2021-03-14T07:30:00Z""#,
            "true",
        ),
        (
            r#"@"2021-03-13T12:00:00@America/New_York" + @"P1D""#,
            "2021-03-14T13:00:00@America/New_York",
        ),
    ]);
    // A zone name the database does not know is not a time zone: the value is null.
    check_fails(&[
        r#"date and time("2021-01-02T10:00:00@America/Nowhere")"#,
        r#"time("10:00:00@Mars/Olympus_Mons")"#,
    ]);
}

#[test]
fn dates_with_dates_and_times_are_midnight_utc() {
    check(&[
        (r#"@"2021-01-02T00:00:00Z" - @"2021-01-02""#, "PT0S"),
        (
            r#"@"2021-01-02T10:10:10@Europe/Paris" - @"2021-01-01""#,
            "P1DT9H10M10S",
        ),
        (
            r#"@"2021-01-02T10:10:10+01:00" - @"1995-01-01""#,
            "P9498DT9H10M10S",
        ),
        (
            r#"@"2021-01-02" - @"2021-01-01T10:10:10+11:00""#,
            "P1DT49M50S",
        ),
        (
            r#"@"2021-01-02" - @"1995-01-01T10:10:10@Australia/Melbourne""#,
            "P9498DT49M50S",
        ),
    ]);
    check_fails(&[
        r#"context put({x: 1, y: {a: 0}}, ["y", "a", "b", "c"], 2)"#,
        r#"context put(context: {x: 1, y: {a: 0}}, key: ["y", "a"], value: 2)"#,
        r#"@"2021-01-01T00:00:00" - @"2021-01-02""#,
        r#"@"2021-01-02" - @"2021-01-01T10:10:10""#,
    ]);
}

#[test]
fn assorted_built_ins() {
    check(&[
        (r#"substring("foobar", 3, 3.8)"#, r#""oba""#),
        (r#"-duration("P1D")"#, "-P1D"),
        (r#"-@"-P1Y2M""#, "P1Y2M"),
        (
            r#"for d in [@"2021-01-30"..@"2021-02-02") return day of week(d)"#,
            r#"["Saturday", "Sunday", "Monday"]"#,
        ),
        (r#"is(value2: @"2021-02-13")"#, "false"),
        // §10.3.2.9.4: a list of one where a single value is expected is that value.
        (r#"date(["2021-02-13"])"#, "2021-02-13"),
        (r#"day of week([@"2021-02-13"])"#, r#""Saturday""#),
        (
            r#"years and months duration([@"2020-01-01"], @"2021-02-01")"#,
            "P1Y1M",
        ),
        (r#"is(value1: 1, value2: 1)"#, "true"),
        (r#"@"2018-10-08T00:00:00@Europe/Paris".time offset"#, "PT2H"),
        (r#"@"2018-12-08T00:00:00@Europe/Paris".time offset"#, "PT1H"),
        (r#"@"2018-12-08T00:00:00".time offset"#, "null"),
        (
            r#"context put(context: {x: 1}, key: "y", value: 2)"#,
            r#"{"x": 1, "y": 2}"#,
        ),
        (
            r#"context put(context: {x: 1, y: {a: 0}}, keys: ["y", "a"], value: 2)"#,
            r#"{"x": 1, "y": {"a": 2}}"#,
        ),
        (
            r#"context put({x: 1, y: {a: {b: {c: 1}}}}, ["y", "a", "b", "c"], 2)"#,
            r#"{"x": 1, "y": {"a": {"b": {"c": 2}}}}"#,
        ),
        // Unknown escapes keep their backslash, for regular expressions (TCK 1109).
        (r#""a\qb""#, r#""a\\qb""#),
    ]);
}

/// A scope whose clock reads 2026-03-04T05:06:07.890Z.
struct Clock;

impl baton_feel::Scope for Clock {
    fn get(&self, _name: &str) -> Option<baton_feel::Value> {
        None
    }

    fn now(&self) -> Option<baton_feel::temporal::DateTime> {
        baton_feel::temporal::DateTime::from_unix_millis(1_772_600_767_890)
    }
}

#[test]
fn now_and_today_read_the_scope_clock() {
    let eval = |text: &str| {
        Expression::parse(text)
            .unwrap_or_else(|e| panic!("`{text}`: {e}"))
            .evaluate(&Clock)
    };
    assert_eq!(eval("now()").value.to_string(), "2026-03-04T05:06:07.89Z");
    assert_eq!(eval("today()").value.to_string(), "2026-03-04");
    assert_eq!(
        eval("now() instance of date and time and today() instance of date")
            .value
            .to_string(),
        "true"
    );
    assert!(eval("now(123)").failed());
}

#[test]
fn now_without_a_clock_is_null_with_a_warning() {
    let evaluation = Expression::parse("now()")
        .expect("parses")
        .evaluate(&EmptyScope);
    assert!(evaluation.failed());
    assert_eq!(
        evaluation.warnings[0].kind,
        baton_feel::WarningKind::NoClock
    );
    check_fails(&["today()"]);
}

/// Found by differential testing against dsntk (docs/feel.md). A time's offset is an XML
/// Schema time zone, within -14:00..+14:00 (DMN 1.5 10.3.2.3.4): `time(…, offset)` with
/// a longer one made a time that prints as `03:17:27+168:00` and reads back as nothing.
/// And FEEL's durations are XML Schema's (10.3.4.1 `duration`), which have no weeks.
#[test]
fn offsets_beyond_fourteen_hours_and_weeks_are_not_feel() {
    check(&[
        (r#"time(10, 30, 0, @"PT14H")"#, "10:30:00+14:00"),
        (r#"time(10, 30, 0, @"-PT14H")"#, "10:30:00-14:00"),
        (r#"duration("P14D")"#, "P14D"),
    ]);
    check_fails(&[
        r#"time(10, 30, 0, @"PT14H1M")"#,
        r#"time(10, 30, 0, @"P7D")"#,
        r#"time(hour: 2, minute: 52, second: 7, offset: @"-P3DT51S")"#,
        r#"duration("P1W")"#,
        r#"duration(from: "P2W")"#,
    ]);
}
