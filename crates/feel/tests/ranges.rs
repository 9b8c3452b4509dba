//! The range functions of DMN 1.5 §10.3.4.11 on points and ranges, and `range(text)`.

use baton_feel::{EmptyScope, Expression, WarningKind};

mod support;

use support::check;

#[test]
fn before_and_after() {
    check(&[
        ("before(1, 10)", "true"),
        ("before(10, 1)", "false"),
        ("before(1, [2..5])", "true"),
        ("before(1, (1..5])", "true"),
        ("before(1, [1..5])", "false"),
        ("before(3, [1..5])", "false"),
        ("before([1..5], 10)", "true"),
        ("before([1..5), 5)", "true"),
        ("before([1..5], 5)", "false"),
        ("before([1..5], [6..8])", "true"),
        ("before([1..5], [5..8])", "false"),
        ("before([1..5), [5..8])", "true"),
        ("before([1..5], (5..8])", "true"),
        ("before([1..5], [4..8])", "false"),
        ("after(10, 5)", "true"),
        ("after(5, 10)", "false"),
        ("after(12, [2..5])", "true"),
        ("after(5, [1..5))", "true"),
        ("after(5, [1..5])", "false"),
        ("after((5..10], 5)", "true"),
        ("after([5..10], 5)", "false"),
        ("after([6..10], [1..5])", "true"),
        ("after((5..10], [1..5])", "true"),
        ("after([5..10], [1..5])", "false"),
        (
            r#"before(@"2020-01-01", [@"2020-02-01"..@"2020-03-01"])"#,
            "true",
        ),
    ]);
}

#[test]
fn meets_and_overlaps() {
    check(&[
        ("meets([1..5], [5..10])", "true"),
        ("meets([1..3], [4..6])", "false"),
        ("meets([1..5), [5..10])", "false"),
        ("meets([1..5], (5..10])", "false"),
        ("met by([5..10], [1..5])", "true"),
        ("met by([5..10], [1..5))", "false"),
        ("met by((5..10], [1..5])", "false"),
        ("met by([6..10], [1..5])", "false"),
        ("overlaps([1..5], [3..8])", "true"),
        ("overlaps([3..8], [1..5])", "true"),
        ("overlaps([1..8], [3..5])", "true"),
        ("overlaps([3..5], [1..8])", "true"),
        ("overlaps([1..5], [6..8])", "false"),
        ("overlaps([1..5], [5..8])", "true"),
        ("overlaps([1..5], (5..8])", "false"),
        ("overlaps([1..5), [5..8])", "false"),
        ("overlaps([5..8], [1..5])", "true"),
        ("overlaps((5..8], [1..5])", "false"),
        ("overlaps before([1..5], [3..8])", "true"),
        ("overlaps before([1..5], [6..8])", "false"),
        ("overlaps before([1..5], [5..8])", "true"),
        ("overlaps before([1..5], (5..8])", "false"),
        ("overlaps before([1..5), [5..8])", "false"),
        ("overlaps before([1..5), (1..5])", "true"),
        ("overlaps before([1..5], (1..5])", "true"),
        ("overlaps before([1..5), [1..5])", "false"),
        ("overlaps before([1..5], [1..5])", "false"),
        ("overlaps after([3..8], [1..5])", "true"),
        ("overlaps after([6..8], [1..5])", "false"),
        ("overlaps after([5..8], [1..5])", "true"),
        ("overlaps after((5..8], [1..5])", "false"),
        ("overlaps after([5..8], [1..5))", "false"),
        ("overlaps after((1..5], [1..5))", "true"),
        ("overlaps after((1..5], [1..5])", "true"),
        ("overlaps after([1..5], [1..5))", "false"),
        ("overlaps after([1..5], [1..5])", "false"),
    ]);
}

#[test]
fn starts_finishes_includes_coincides() {
    check(&[
        ("finishes(10, [1..10])", "true"),
        ("finishes(10, [1..10))", "false"),
        ("finishes([5..10], [1..10])", "true"),
        ("finishes([5..10), [1..10))", "true"),
        ("finishes([1..10], [1..10])", "true"),
        ("finishes((1..10], [1..10])", "true"),
        ("finishes([1..10], (1..10])", "false"),
        ("finishes([5..10], [1..10))", "false"),
        ("finished by([1..10], 10)", "true"),
        ("finished by([1..10), 10)", "false"),
        ("finished by([1..10], [5..10])", "true"),
        ("finished by([1..10), [5..10))", "true"),
        ("finished by([1..10], [1..10])", "true"),
        ("finished by([1..10], (1..10])", "true"),
        ("finished by((1..10], [1..10])", "false"),
        ("finished by([1..10), [5..10])", "false"),
        ("includes([1..10], 5)", "true"),
        ("includes([1..10], 12)", "false"),
        ("includes([1..10], 1)", "true"),
        ("includes((1..10], 1)", "false"),
        ("includes([1..10], [4..6])", "true"),
        ("includes([1..10], [1..10])", "true"),
        ("includes((1..10], [1..10])", "false"),
        ("includes([1..10], (1..10))", "true"),
        ("includes([1..10), [1..10])", "false"),
        ("during(5, [1..10])", "true"),
        ("during(12, [1..10])", "false"),
        ("during(1, (1..10])", "false"),
        ("during([4..6], [1..10])", "true"),
        ("during([1..10], (1..10])", "false"),
        ("starts(1, [1..5])", "true"),
        ("starts(1, (1..5])", "false"),
        ("starts(2, [1..5])", "false"),
        ("starts([1..5], [1..5])", "true"),
        ("starts((1..5), (1..5])", "true"),
        ("starts([1..5], [1..10])", "true"),
        ("starts([1..10], [1..5])", "false"),
        ("starts((1..5], [1..5])", "false"),
        ("started by([1..10], 1)", "true"),
        ("started by((1..10], 1)", "false"),
        ("started by([1..10], [1..5])", "true"),
        ("started by((1..10], (1..5))", "true"),
        ("started by([1..5], [1..10])", "false"),
        ("started by([1..10], (1..5])", "false"),
        ("coincides(5, 5)", "true"),
        ("coincides(3, 4)", "false"),
        ("coincides([1..5], [1..5])", "true"),
        ("coincides((1..5), [1..5])", "false"),
        ("coincides([1..5], [2..6])", "false"),
    ]);
}

#[test]
fn unbounded_ranges_named_arguments_and_nulls() {
    check(&[
        ("before((< 10), 10)", "true"),
        ("before((<= 10), 10)", "false"),
        ("includes((> 5), 100)", "true"),
        ("overlaps((< 5), (> 3))", "true"),
        ("overlaps((< 3), (> 3))", "false"),
        ("before(null, 1)", "null"),
        ("before(point1: 1, point2: 2)", "true"),
        ("before(point2: 1, point1: 2)", "false"),
        ("before(range1: [1..2], range2: [3..4])", "true"),
        ("before(point: 1, range: [2..5])", "true"),
        ("before(range: [1..5], point: 10)", "true"),
        ("includes(range: [1..10], point: 5)", "true"),
    ]);
    check_null_with(&[
        (r#"before("a", 1)"#, WarningKind::InvalidArgument),
        ("before([1, 2], 1)", WarningKind::TypeMismatch),
        ("meets(1, [1..2])", WarningKind::InvalidArgument),
        ("before(x: 1, y: 2)", WarningKind::InvalidArgument),
    ]);
}

#[test]
fn ranges_from_text() {
    check(&[
        (r#"range("[1..10)")"#, "[1..10)"),
        (r#"range("(1..10]") = (1..10]"#, "true"),
        (r#"range("[\"a\"..\"z\"]")"#, r#"["a".."z"]"#),
        (
            r#"range("[date(\"2020-01-01\")..@\"2020-02-01\"]")"#,
            r#"[@"2020-01-01"..@"2020-02-01"]"#,
        ),
        (r#"range("(< 10)")"#, "(< 10)"),
        (r#"range(">= 5")"#, "(>= 5)"),
        (r#"5 in range("[1..10]")"#, "true"),
    ]);
    // DMN 1.5 10.3.2.7: the endpoints of a range are of one comparable type and the
    // start is not after the end, written as a literal or read by `range()`.
    for text in [
        "[1..x]",
        "1",
        "[1..\"a\"]",
        "nonsense(",
        "[5..1]",
        "(\"z\"..\"a\")",
        "[@\"2020-01-01\"..1]",
        "[@\"2020-02-01\"..@\"2020-01-01\"]",
    ] {
        let source = format!("range({})", serde_json::Value::String(text.into()));
        let evaluation = Expression::parse(&source)
            .unwrap_or_else(|e| panic!("`{source}`: {e}"))
            .evaluate(&EmptyScope);
        assert!(evaluation.failed(), "`{source}`: {evaluation:?}");
    }
}

#[test]
fn range_literals_need_ordered_endpoints_of_one_type() {
    check(&[
        ("[1..1]", "[1..1]"),
        ("(1..1)", "(1..1)"),
        ("5 in [1..10]", "true"),
        // An endpoint may be any expression; inside parentheses `[` filters again.
        ("3 in [1..(count([1, 5, 9][item > 2]) + 1)]", "true"),
        ("[1..10[ = [1..10)", "true"),
        (r#"@"2020-01-15" in [@"2020-01-01"..@"2020-02-01"]"#, "true"),
    ]);
    check_null_with(&[
        ("[5..1]", WarningKind::InvalidArgument),
        ("(10..1]", WarningKind::InvalidArgument),
        (r#"[1.."a"]"#, WarningKind::TypeMismatch),
        (r#"[@"2020-01-01"..@"10:00:00"]"#, WarningKind::TypeMismatch),
        ("[true..false]", WarningKind::TypeMismatch),
    ]);
}

/// Each expression is null with a warning of its kind.
#[track_caller]
fn check_null_with(cases: &[(&str, WarningKind)]) {
    for (expression, kind) in cases {
        let evaluation = Expression::parse(expression)
            .unwrap_or_else(|e| panic!("`{expression}`: {e}"))
            .evaluate(&EmptyScope);
        assert!(
            evaluation.value.is_null() && evaluation.warnings.iter().any(|w| w.kind == *kind),
            "`{expression}`: {evaluation:?}"
        );
    }
}

/// Found by differential testing against dsntk (docs/feel.md): a range value that a
/// value can't be compared with made `in` false, where the same range written as a
/// literal made it null. DMN 1.5 10.3.2.7: `e in [a..b]` is `a <= e and e <= b`, and
/// comparing a number with a string is null (10.3.2.2).
#[test]
fn in_a_range_value_is_null_when_the_endpoints_are_of_another_type() {
    check(&[
        (r#"5 in range("[1..10]")"#, "true"),
        (r#"11 in range("[1..10]")"#, "false"),
        (r#""b" in range("[\"a\"..\"z\"]")"#, "true"),
    ]);
    check_null_with(&[
        (r#""a" in [1..10]"#, WarningKind::TypeMismatch),
        (r#""a" in range("[1..10]")"#, WarningKind::TypeMismatch),
        (
            r#"-41.49 in range("[\"a\"..\"z\"]")"#,
            WarningKind::TypeMismatch,
        ),
        (
            r#"@"2020-06-01" in range("[1..10]")"#,
            WarningKind::TypeMismatch,
        ),
    ]);
}
