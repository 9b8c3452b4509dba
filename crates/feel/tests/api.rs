//! The public API other crates build values and functions with.

use std::sync::Arc;

use baton_feel::{
    Arguments, Context, EmptyScope, Evaluation, Expression, Function, Value, Warning, WarningKind,
};

#[test]
fn temporal_values_parse_from_their_lexical_forms() {
    for (text, parse, expected) in [
        (
            "2017-09-05T09:15:30.123456Z",
            Value::parse_date_time as fn(&str) -> Option<Value>,
            "2017-09-05T09:15:30.123456Z",
        ),
        ("2019-03-01", Value::parse_date, "2019-03-01"),
        ("10:10:10+11:00", Value::parse_time, "10:10:10+11:00"),
        ("P1Y2M", Value::parse_duration, "P1Y2M"),
        ("-P10M", Value::parse_duration, "-P10M"),
        ("P1Y13M", Value::parse_duration, "P2Y1M"),
        (
            "P1DT2H3M4.123456789S",
            Value::parse_duration,
            "P1DT2H3M4.123456789S",
        ),
        ("-PT1H", Value::parse_duration, "-PT1H"),
        ("P1DT25H", Value::parse_duration, "P2DT1H"),
    ] {
        let value = parse(text).unwrap_or_else(|| panic!("`{text}` should parse"));
        assert_eq!(value.to_string(), expected);
    }
    for text in ["2019-02-29", "2019-13-01", "19-01-01"] {
        assert_eq!(Value::parse_date(text), None, "{text}");
    }
    for text in ["25:00:00", "10:60:00", "10:00"] {
        assert_eq!(Value::parse_time(text), None, "{text}");
    }
    for text in ["P", "P1Y2D", "1Y", "PT"] {
        assert_eq!(Value::parse_duration(text), None, "{text}");
    }
}

#[test]
fn ranges_and_temporal_values_round_trip_through_json() {
    for feel in [
        "[1..5)",
        "(< 10)",
        "(!= 3)",
        r#"[@"2024-01-01"..@"2024-02-01"]"#,
        r#"@"2018-10-08T00:00:00@Europe/Paris""#,
        r#"@"P1DT2H""#,
        r#"@"10:10:10+11:00""#,
    ] {
        let value = Expression::parse(feel)
            .unwrap_or_else(|e| panic!("`{feel}`: {e}"))
            .evaluate(&EmptyScope)
            .value;
        let json = value.to_json();
        assert_eq!(Value::from_json(&json), value, "`{feel}` as {json}");
    }
}

#[test]
fn temporal_values_build_from_parts() {
    let show = |v: Option<Value>| v.map(|v| v.to_string()).unwrap_or_default();
    assert_eq!(show(Value::date(2024, 2, 29)), "2024-02-29");
    assert_eq!(Value::date(2023, 2, 29), None);
    assert_eq!(show(Value::time(9, 5, 0, 0, Some(3600))), "09:05:00+01:00");
    assert_eq!(show(Value::time(9, 5, 0, 500_000_000, None)), "09:05:00.5");
    assert_eq!(Value::years_and_months(14).to_string(), "P1Y2M");
    assert_eq!(
        Value::days_and_time(90 * 60 * 1_000_000_000).to_string(),
        "PT1H30M"
    );
    let (Some(Value::Date(date)), Some(Value::Time(time))) =
        (Value::date(2024, 1, 31), Value::time(23, 0, 0, 0, Some(0)))
    else {
        panic!("valid parts");
    };
    assert_eq!(
        Value::date_time(date, (*time).clone()).to_string(),
        "2024-01-31T23:00:00Z"
    );
}

fn add_native() -> Value {
    Function::native(
        "add",
        vec![Arc::from("a"), Arc::from("b")],
        Arc::new(|args: &[Value]| match args {
            [Value::Number(a), Value::Number(b)] => Evaluation {
                value: a.add(*b).map_or(Value::Null, Value::Number),
                warnings: Vec::new(),
            },
            _ => Evaluation {
                value: Value::Null,
                warnings: vec![Warning {
                    kind: WarningKind::TypeMismatch,
                    message: "add expects numbers".into(),
                }],
            },
        }),
    )
}

#[test]
fn native_functions_are_called_by_name_from_feel() {
    let mut scope = Context::new();
    scope.insert("add", add_native());
    scope.insert("x", Value::from(40));
    for (source, expected) in [
        ("add(1, 2)", "3"),
        ("add(b: 2, a: x)", "42"),
        ("(add)(3, 4)", "7"),
        ("sort([3, 1, 2], function(a, b) a < b)", "[1, 2, 3]"),
        ("for f in [add] return f(1, 1)", "[2]"),
        ("add instance of function<number, number> -> number", "true"),
    ] {
        let evaluation = Expression::parse(source)
            .unwrap_or_else(|e| panic!("`{source}`: {e}"))
            .evaluate(&scope);
        assert_eq!(
            (evaluation.value.to_string(), evaluation.warnings),
            (expected.to_string(), Vec::new()),
            "`{source}`"
        );
    }
    let failing = Expression::parse(r#"add("a", 1)"#)
        .unwrap_or_else(|e| panic!("{e}"))
        .evaluate(&scope);
    assert!(failing.failed());
    assert_eq!(failing.warnings[0].message, "add expects numbers");
    let too_many = Expression::parse("add(1, 2, 3)")
        .unwrap_or_else(|e| panic!("{e}"))
        .evaluate(&scope);
    assert!(too_many.failed());
    let not_a_function = Expression::parse("x(1)")
        .unwrap_or_else(|e| panic!("{e}"))
        .evaluate(&scope);
    assert!(not_a_function.failed(), "{not_a_function:?}");
    assert_eq!(
        not_a_function.warnings[0].message,
        "'x' is a number, not a function"
    );
}

#[test]
fn built_in_functions_are_values_too() {
    for (source, expected) in [
        ("{f: abs}.f(-2)", "2"),
        ("{f: abs, r: f(-3)}.r", "3"),
        ("(max)([1, 5, 2])", "5"),
        ("for f in [min, max] return f([1, 2])", "[1, 2]"),
        ("abs instance of function", "true"),
        (
            "{s: sort, r: s(precedes: function(a, b) a < b, list: [2, 1])}.r",
            "[1, 2]",
        ),
        (
            r#"{f: substring, r: f(string: "abc", start position: 2)}.r"#,
            r#""bc""#,
        ),
    ] {
        let evaluation = Expression::parse(source)
            .unwrap_or_else(|e| panic!("`{source}`: {e}"))
            .evaluate(&EmptyScope);
        assert_eq!(
            (evaluation.value.to_string(), evaluation.warnings),
            (expected.to_string(), Vec::new()),
            "`{source}`"
        );
    }
    let too_many = Expression::parse("{f: abs, r: f(1, 2)}.r")
        .unwrap_or_else(|e| panic!("{e}"))
        .evaluate(&EmptyScope);
    assert!(too_many.failed());
}

#[test]
fn function_values_can_be_invoked_from_rust() {
    let Value::Function(add) = add_native() else {
        panic!("a function value");
    };
    assert_eq!(add.parameters(), &[Arc::from("a"), Arc::from("b")]);
    assert_eq!(add.name(), Some("add"));
    let result = add.invoke(
        &Arguments::Named(vec![(Arc::from("b"), Value::from(1))]),
        &EmptyScope,
    );
    // `a` is missing, so null: the closure sees [null, 1].
    assert!(result.failed());
    let lambda = Expression::parse("function(n) n * factor")
        .unwrap_or_else(|e| panic!("{e}"))
        .evaluate(&{
            let mut c = Context::new();
            c.insert("factor", Value::from(3));
            c
        })
        .value;
    let Value::Function(lambda) = lambda else {
        panic!("a function value");
    };
    let result = lambda.invoke(&Arguments::Positional(vec![Value::from(5)]), &EmptyScope);
    assert_eq!(result.value, Value::from(15));
    assert_eq!(lambda.name(), None);

    // A function built from a parsed body and a closure (a DMN boxed function).
    let body = Expression::parse("a * b + offset").unwrap_or_else(|e| panic!("{e}"));
    let mut closure = Context::new();
    closure.insert("offset", Value::from(1));
    let boxed = Function::feel(vec![Arc::from("a"), Arc::from("b")], &body, &closure);
    let mut scope = Context::new();
    scope.insert("f", boxed);
    let result = Expression::parse("f(b: 3, a: 2) + f(1, 1)")
        .unwrap_or_else(|e| panic!("{e}"))
        .evaluate(&scope);
    assert_eq!(
        (result.value, result.warnings),
        (Value::from(9), Vec::new())
    );
}

#[test]
fn names_with_symbols_parse_in_expressions_and_unary_tests() {
    let names = [
        "Net/Gross",
        "A+B",
        "Rate*Factor",
        "Person.Name",
        "Loan Payment",
        "Loan Payment Total",
        "Customer's Name",
    ];
    let mut scope = Context::new();
    scope.insert("Net/Gross", Value::from(2));
    scope.insert("A+B", Value::from(3));
    scope.insert("Rate*Factor", Value::from(4));
    scope.insert("Person.Name", Value::from("Bob"));
    scope.insert("Loan Payment", Value::from(100));
    scope.insert("Loan Payment Total", Value::from(1000));
    scope.insert("Customer's Name", Value::from("Ann"));
    for (source, expected) in [
        ("Net/Gross * A+B", "6"),
        ("Rate*Factor / Net/Gross", "2"),
        (
            r#"Person.Name + " and " + Customer's Name"#,
            r#""Bob and Ann""#,
        ),
        ("Loan  Payment Total - Loan Payment", "900"),
        ("{Full Name: Person.Name}.Full Name", r#""Bob""#),
        // Context keys with spaces are names for later entries and paths.
        (
            "{Monthly Income: 10, Yearly Income: Monthly Income * 12}.Yearly Income",
            "120",
        ),
        // A key with symbols is not: `a-b` stays a subtraction.
        (r#"{"a-b": 1, a: 5, b: 2, c: a-b}.c"#, "3"),
    ] {
        let evaluation = Expression::parse_with_names(source, &names)
            .unwrap_or_else(|e| panic!("`{source}`: {e}"))
            .evaluate(&scope);
        assert_eq!(
            (evaluation.value.to_string(), evaluation.warnings),
            (expected.to_string(), Vec::new()),
            "`{source}`"
        );
    }
    let tests = baton_feel::UnaryTests::parse_with_names("> Loan Payment, = A+B", &names)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        tests.matches(&Value::from(3), &scope).value,
        Value::Bool(true)
    );
    assert_eq!(
        tests.matches(&Value::from(50), &scope).value,
        Value::Bool(false)
    );
    assert_eq!(
        tests.matches(&Value::from(150), &scope).value,
        Value::Bool(true)
    );
}
