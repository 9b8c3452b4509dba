//! Camunda 8's FEEL extensions, checked against the examples of Camunda's FEEL reference
//! (docs.camunda.io, "Built-in functions"): each case is an example as documented, and
//! the result the documentation gives, in Baton's printed form.

use baton_feel::{Context, Expression, Random, Scope, Value, WarningKind};

mod support;

use support::{check, check_in};

/// Variables from JSON, and a generator for `random number()` and `uuid()`.
struct Camunda {
    variables: Context,
    random: Random,
}

fn with(json: &str) -> Camunda {
    let json: serde_json::Value = serde_json::from_str(json).expect("valid test variables");
    let Value::Context(variables) = Value::from_json(&json) else {
        panic!("test variables must be an object")
    };
    Camunda {
        variables: (*variables).clone(),
        random: Random::new(2024),
    }
}

impl Scope for Camunda {
    fn get(&self, name: &str) -> Option<Value> {
        self.variables.get(name).cloned()
    }

    fn random(&self) -> Option<&Random> {
        Some(&self.random)
    }
}

/// Asserts that each expression evaluates to null with a warning of its kind whose
/// message contains the given text.
#[track_caller]
fn check_failure(scope: &dyn Scope, cases: &[(&str, WarningKind, &str)]) {
    for (expression, kind, text) in cases {
        let evaluation = Expression::parse(expression)
            .unwrap_or_else(|e| panic!("`{expression}` failed to parse: {e}"))
            .evaluate(scope);
        assert!(
            evaluation.value.is_null()
                && evaluation
                    .warnings
                    .iter()
                    .any(|w| w.kind == *kind && w.message.contains(text)),
            "`{expression}`: expected null with a {kind:?} warning saying {text:?}, got {} with {:?}",
            evaluation.value,
            evaluation.warnings
        );
    }
}

#[test]
fn is_defined_is_false_for_missing_and_null_values() {
    check_in(
        &with(r#"{"n": null, "x": {"a": 1}}"#),
        &[
            ("is defined(1)", "true"),
            ("is defined(null)", "false"),
            ("is defined(n)", "false"),
            ("is defined(missing)", "false"),
            ("is defined(x.y)", "false"),
            ("is defined(missing.y)", "false"),
            ("is defined(x.a)", "true"),
        ],
    );
}

#[test]
fn get_or_else_gives_the_default_for_null() {
    check(&[
        (r#"get or else("this", "default")"#, r#""this""#),
        (r#"get or else(null, "default")"#, r#""default""#),
        ("get or else(null, null)", "null"),
        (r#"get or else(value: null, default: 1)"#, "1"),
    ]);
}

#[test]
fn assert_gives_the_value_when_the_condition_holds() {
    check_in(
        &with(r#"{"x": "value"}"#),
        &[
            ("assert(x, x != null)", r#""value""#),
            (
                r#"assert(x, x != null, "'x' should not be null")"#,
                r#""value""#,
            ),
        ],
    );
    check_in(
        &with(r#"{"x": 4}"#),
        &[
            ("assert(x, x >= 0)", "4"),
            (r#"assert(x, x >= 0, "'x' should be positive")"#, "4"),
            ("assert(value: x, condition: x > 3)", "4"),
        ],
    );
}

#[test]
fn a_failed_assertion_fails_the_whole_expression() {
    let negative = with(r#"{"x": -1}"#);
    check_failure(
        &negative,
        &[
            (
                "assert(x, x >= 0)",
                WarningKind::AssertionFailed,
                "not fulfilled",
            ),
            (
                r#"assert(x, x >= 0, "'x' should be positive")"#,
                WarningKind::AssertionFailed,
                "'x' should be positive",
            ),
            // Only true passes: a condition that can't be decided fails too.
            (
                "assert(x, null)",
                WarningKind::AssertionFailed,
                "not fulfilled",
            ),
            (
                "assert(x, x)",
                WarningKind::AssertionFailed,
                "not fulfilled",
            ),
            // Not just the call: the context around it is not a result either.
            (
                "{checked: assert(x, x > 0), other: 1}",
                WarningKind::AssertionFailed,
                "not fulfilled",
            ),
            ("assert(x, false, 42)", WarningKind::TypeMismatch, "cause"),
            (
                "is defined(assert(x, x > 0))",
                WarningKind::AssertionFailed,
                "not fulfilled",
            ),
        ],
    );
    check_failure(
        &with("{}"),
        &[(
            r#"assert(x, x != null, "'x' should not be null")"#,
            WarningKind::AssertionFailed,
            "'x' should not be null",
        )],
    );
}

#[test]
fn string_extensions() {
    check(&[
        (
            r#"extract("references are 1234, 1256, 1378", "12[0-9]*")"#,
            r#"["1234", "1256"]"#,
        ),
        (r#"extract("no digits", "[0-9]+")"#, "[]"),
        (r#"trim("  hello world  ")"#, r#""hello world""#),
        (r#"trim("hello   world ")"#, r#""hello   world""#),
        (r#"to base64("FEEL")"#, r#""RkVFTA==""#),
        (r#"from base64("RkVFTA==")"#, r#""FEEL""#),
        (r#"from base64(to base64("Grüße"))"#, r#""Grüße""#),
        (r#"is blank("")"#, "true"),
        (r#"is blank(" ")"#, "true"),
        (r#"is blank("hello world")"#, "false"),
        (
            r#"string join(["a","b","c"], ", ", "[", "]")"#,
            r#""[a, b, c]""#,
        ),
    ]);
    check_failure(
        &with("{}"),
        &[
            (
                r#"from base64("RkVFTA")"#,
                WarningKind::InvalidArgument,
                "Base64",
            ),
            (
                r#"from base64("/w==")"#,
                WarningKind::InvalidArgument,
                "UTF-8",
            ),
            (
                r#"extract("a", "[")"#,
                WarningKind::InvalidArgument,
                "pattern",
            ),
        ],
    );
}

#[test]
fn random_number_and_uuid_draw_from_the_scope() {
    let scope = with("{}");
    let eval = |text: &str| {
        Expression::parse(text)
            .unwrap_or_else(|e| panic!("`{text}`: {e}"))
            .evaluate(&scope)
    };
    let drawn = eval("[random number(), random number(), uuid(), uuid()]");
    assert!(drawn.warnings.is_empty(), "{:?}", drawn.warnings);
    let Value::List(items) = drawn.value else {
        panic!("a list, got {}", drawn.value)
    };
    let number = |v: &Value| match v {
        Value::Number(n) => n.to_f64(),
        other => panic!("a number, got {other}"),
    };
    let (a, b) = (number(&items[0]), number(&items[1]));
    assert!(
        (0.0..1.0).contains(&a) && (0.0..1.0).contains(&b),
        "{a}, {b}"
    );
    assert_ne!(a, b, "two calls, two values");
    for item in &items[2..] {
        let Value::String(uuid) = item else {
            panic!("a string, got {item}")
        };
        // Camunda: "a UUID with 36 characters", such as 7793aab1-d761-4d38-916b-b7270e309894.
        let groups: Vec<usize> = uuid.split('-').map(str::len).collect();
        assert_eq!(groups, [8, 4, 4, 4, 12], "{uuid}");
        assert!(uuid.chars().all(|c| c == '-' || c.is_ascii_hexdigit()));
        assert_eq!(uuid.chars().nth(14), Some('4'), "version 4: {uuid}");
    }
    assert_ne!(items[2], items[3]);
    // The same seed gives the same values: the caller decides what is random.
    let again = with("{}");
    assert_eq!(
        Expression::parse("random number()")
            .expect("parses")
            .evaluate(&again)
            .value,
        items[0]
    );
}

#[test]
fn random_number_and_uuid_without_a_source_are_null_with_a_warning() {
    check_failure(
        &baton_feel::EmptyScope,
        &[
            ("random number()", WarningKind::NoRandom, "randomness"),
            ("uuid()", WarningKind::NoRandom, "randomness"),
        ],
    );
}

#[test]
fn list_extensions() {
    check(&[
        ("duplicate values([1,2,3,2,1])", "[1, 2]"),
        ("is empty([])", "true"),
        ("is empty([1,2,3])", "false"),
        ("partition([1,2,3,4,5], 2)", "[[1, 2], [3, 4], [5]]"),
        ("partition([], 2)", "[]"),
        ("partition(list: [1, 2, 3], size: 3)", "[[1, 2, 3]]"),
        // The names Camunda's older versions had for `all` and `any`.
        ("and([true,false])", "false"),
        ("and(false,null,true)", "false"),
        ("or([false,true])", "true"),
        ("or(false,null,true)", "true"),
    ]);
    check_failure(
        &with("{}"),
        &[
            ("partition([1,2], 0)", WarningKind::InvalidArgument, "size"),
            ("partition([1,2], -1)", WarningKind::InvalidArgument, "size"),
        ],
    );
}

#[test]
fn context_extensions() {
    check(&[
        (r#"get value({foo: 123}, "foo")"#, "123"),
        (r#"get value({a: 1}, "b")"#, "null"),
        (r#"get value({x:1, y: {z:0}}, ["y", "z"])"#, "0"),
        (r#"get value({x: {y: {z:0}}}, ["x", "y"])"#, r#"{"z": 0}"#),
        (r#"get value({a: {b: 3}}, ["b"])"#, "null"),
        (r#"get value(context: {a: {b: 3}}, keys: ["a", "b"])"#, "3"),
        (
            r#"get entries(context: {foo: 123})"#,
            r#"[{"key": "foo", "value": 123}]"#,
        ),
        (r#"context put({x:1}, "y", 2)"#, r#"{"x": 1, "y": 2}"#),
        (r#"context put({x:1}, ["y"], 2)"#, r#"{"x": 1, "y": 2}"#),
        (
            r#"context put({x:1, y: {z:0}}, ["y", "z"], 2)"#,
            r#"{"x": 1, "y": {"z": 2}}"#,
        ),
        // A path through entries that are not there creates them.
        (
            r#"context put({x:1}, ["y", "z"], 2)"#,
            r#"{"x": 1, "y": {"z": 2}}"#,
        ),
        ("context merge([{x:1}, {y:2}])", r#"{"x": 1, "y": 2}"#),
        ("context merge([{x:1, y: 0}, {y:2}])", r#"{"x": 1, "y": 2}"#),
        // The names Camunda's older versions had for `context put` and `context merge`.
        (r#"put({x:1}, "y", 2)"#, r#"{"x": 1, "y": 2}"#),
        ("put all({x:1}, {y:2})", r#"{"x": 1, "y": 2}"#),
    ]);
    check_failure(
        &with("{}"),
        &[
            (
                r#"context put({x:1}, [], 2)"#,
                WarningKind::TypeMismatch,
                "context put",
            ),
            // An entry on the path that is not a context stays (TCK 1146 nested009).
            (
                r#"context put({x:1}, ["x", "z"], 2)"#,
                WarningKind::InvalidArgument,
                "not a context",
            ),
        ],
    );
}

#[test]
fn date_and_time_in_another_time_zone() {
    check(&[
        (
            r#"date and time(@"2020-07-31T14:27:30@Europe/Berlin", "America/Los_Angeles")"#,
            "2020-07-31T05:27:30@America/Los_Angeles",
        ),
        // Camunda's example gives 12:27:30Z on a server in Berlin: a date and time
        // without a zone is read in the engine's zone, which for Baton is UTC.
        (
            r#"date and time(@"2020-07-31T14:27:30", "Z")"#,
            "2020-07-31T14:27:30Z",
        ),
        (
            r#"date and time(@"2020-07-31T14:27:30+02:00", "Z")"#,
            "2020-07-31T12:27:30Z",
        ),
        (
            r#"date and time(date: @"2020-01-31T23:30:00Z", timezone: "+01:00")"#,
            "2020-02-01T00:30:00+01:00",
        ),
        // Java's zone form, as Camunda reads it.
        (
            r#"date and time("2018-04-29T09:30:00+02:00[Europe/Berlin]")"#,
            "2018-04-29T09:30:00@Europe/Berlin",
        ),
        (
            r#"date and time("2018-04-29T09:30:00@Europe/Berlin")"#,
            "2018-04-29T09:30:00@Europe/Berlin",
        ),
        // Every zone of the IANA database: Troll station keeps +02:00 in summer.
        (
            r#"date and time(@"2020-07-31T14:27:30Z", "Antarctica/Troll")"#,
            "2020-07-31T16:27:30@Antarctica/Troll",
        ),
    ]);
    check_failure(
        &with("{}"),
        &[(
            r#"date and time(@"2020-07-31T14:27:30Z", "Mars/Olympus")"#,
            WarningKind::InvalidArgument,
            "time zone",
        )],
    );
}

#[test]
fn json_conversions() {
    check(&[
        (
            r#"from json("{\"a\": 1, \"b\": 2}")"#,
            r#"{"a": 1, "b": 2}"#,
        ),
        (r#"from json("true")"#, "true"),
        (r#"from json("\"2023-06-14\"")"#, r#""2023-06-14""#),
        (r#"from json("[1.50, null]")"#, "[1.50, null]"),
        (r#"to json({a: 1, b: 2})"#, r#""{\"a\":1,\"b\":2}""#),
        ("to json(true)", r#""true""#),
        (r#"to json(@"2023-06-14")"#, r#""\"2023-06-14\"""#),
        (
            r#"to json(@"2025-11-24T10:00:00@Europe/Berlin")"#,
            r#""\"2025-11-24T10:00:00+01:00[Europe/Berlin]\"""#,
        ),
        (r#"to json(@"P3Y")"#, r#""\"P3Y\"""#),
        (
            r#"from json(to json({b: [1, "x"], a: null}))"#,
            r#"{"b": [1, "x"], "a": null}"#,
        ),
    ]);
    check_failure(
        &with("{}"),
        &[
            (
                r#"from json("{a: 1}")"#,
                WarningKind::InvalidArgument,
                "JSON",
            ),
            ("to json(function(x) x)", WarningKind::TypeMismatch, "JSON"),
        ],
    );
}

#[test]
fn temporal_extensions() {
    check(&[
        (r#"last day of month(date("2022-10-01"))"#, "2022-10-31"),
        (
            r#"last day of month(date and time("2022-10-16T12:00:00"))"#,
            "2022-10-31",
        ),
        (r#"last day of month(date("2024-02-10"))"#, "2024-02-29"),
        (r#"last day of month(@"2023-02-28")"#, "2023-02-28"),
        (r#"day of week(date("2019-09-17"))"#, r#""Tuesday""#),
        (r#"day of year(date("2019-09-17"))"#, "260"),
        (r#"week of year(date("2019-09-17"))"#, "38"),
        (r#"month of year(date("2019-09-17"))"#, r#""September""#),
    ]);
}

#[test]
fn from_ai_passes_its_value_through() {
    check_in(
        &with(r#"{"toolCall": {"userId": 7, "tags": ["a"]}}"#),
        &[
            ("fromAi(toolCall.userId)", "7"),
            (r#"fromAi(toolCall.userId, "The user's ID", "number")"#, "7"),
            (r#"fromAi(value: toolCall.userId, type: "number")"#, "7"),
            (
                r#"fromAi(toolCall.tags, "Tags", "array", {items: {type: "string"}}, {required: false})"#,
                r#"["a"]"#,
            ),
        ],
    );
}

#[test]
fn a_function_baton_lacks_is_a_call_that_fails_naming_it() {
    check_failure(
        &with(r#"{"x": ["a", "b"]}"#),
        &[
            (
                "foo(1, 2)",
                WarningKind::UnknownFunction,
                "no function found with name 'foo'",
            ),
            (
                r#"last day of quarter(date("2024-02-10"), 1)"#,
                WarningKind::UnknownFunction,
                "no function found with name 'last day of quarter'",
            ),
        ],
    );
    for (text, unknown) in [
        ("foo(1, 2) + bar baz(3)", vec!["foo", "bar baz"]),
        ("{f: function(x) x + 1, y: f(2)}", vec![]),
        ("for g in [1] return g(1)", vec![]),
        (r#"string length("abc") + count([1])"#, vec![]),
        ("if x then y(1) else (2)", vec!["y"]),
    ] {
        let expression =
            Expression::parse(text).unwrap_or_else(|e| panic!("`{text}` failed to parse: {e}"));
        assert_eq!(expression.unknown_functions(), unknown, "`{text}`");
    }
}
