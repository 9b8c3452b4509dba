//! `baton bench --feel` as a user runs it: the result and rate of an expression, and a
//! failing expression (such as one going past an evaluation limit) reported as an error
//! with a non-zero exit code.

mod support;

use support::Workdir;

#[test]
fn an_expression_prints_its_result_and_rate_as_json() {
    let w = Workdir::new();
    let out = w.baton(&[
        "bench",
        "--feel",
        "count(for i in 1..200000 return i)",
        "--instances",
        "1",
        "--json",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let json = out.json();
    assert_eq!(json["result"], 200000);
    assert!(json["evaluations_per_s"].as_f64().is_some(), "{json}");
}

#[test]
fn endless_recursion_exits_1_naming_the_depth_limit() {
    let w = Workdir::new();
    let expression = "{f: function(n) f(n+1), r: f(1)}.r";
    let out = w.baton(&["bench", "--feel", expression, "--instances", "1", "--json"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let json = out.json();
    assert_eq!(json["result"], serde_json::Value::Null);
    let error = json["error"].as_str().unwrap_or_default();
    assert!(error.contains("call depth limit of 10000"), "{json}");
    assert!(out.stderr.contains("call depth limit"), "{}", out.stderr);
    // Without --json the error is on stderr alone.
    let plain = w.baton(&["bench", "--feel", expression, "--instances", "3"]);
    assert_eq!(plain.code, 1);
    assert!(plain.stdout.is_empty(), "{}", plain.stdout);
    assert!(
        plain.stderr.contains("call depth limit"),
        "{}",
        plain.stderr
    );
}

#[test]
fn camunda_s_random_functions_have_a_source() {
    let w = Workdir::new();
    let out = w.baton(&[
        "bench",
        "--feel",
        "[random number(), random number(), uuid()]",
        "--instances",
        "1",
        "--json",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let json = out.json();
    let (a, b) = (json["result"][0].as_f64(), json["result"][1].as_f64());
    assert!(
        a.zip(b)
            .is_some_and(|(a, b)| a != b && (0.0..1.0).contains(&a) && (0.0..1.0).contains(&b)),
        "{json}"
    );
    assert_eq!(json["result"][2].as_str().map(str::len), Some(36), "{json}");
}

#[test]
fn a_function_baton_lacks_exits_1_naming_it() {
    let w = Workdir::new();
    let out = w.baton(&[
        "bench",
        "--feel",
        "last day of quarter(1, 2)",
        "--instances",
        "1",
    ]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("no function found with name 'last day of quarter'"),
        "{}",
        out.stderr
    );
}

#[test]
fn a_failing_expression_exits_1_with_its_warning() {
    let w = Workdir::new();
    let out = w.baton(&["bench", "--feel", "1 + \"a\"", "--instances", "1"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(out.stderr.contains("error:"), "{}", out.stderr);
}

#[test]
fn the_limits_come_from_baton_toml() {
    let w = Workdir::new();
    w.write("baton.toml", "[feel]\nmax_steps = 1000\n");
    let out = w.baton(&[
        "bench",
        "--feel",
        "count(for i in 1..100000 return i)",
        "--instances",
        "1",
        "--json",
    ]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let error = out.json()["error"].as_str().unwrap_or_default().to_string();
    assert!(error.contains("step budget of 1000 steps"), "{error}");
    w.write("baton.toml", "[feel]\nmax_steps = 0\n");
    let refused = w.baton(&["bench", "--feel", "1", "--instances", "1"]);
    assert_eq!(refused.code, 2, "{}", refused.stderr);
    assert!(refused.stderr.contains("max_steps"), "{}", refused.stderr);
}
