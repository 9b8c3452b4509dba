//! `baton decide` as a user runs it: inputs from --var and --input, JSON and table
//! output, exit codes.

mod support;

use support::{Workdir, repo_root};

fn model() -> String {
    repo_root()
        .join("crates/dmn/test_data/shipping.dmn")
        .display()
        .to_string()
}

#[test]
fn decide_prints_the_result_and_the_matched_rules_as_json() {
    let w = Workdir::new();
    let out = w.baton(&[
        "decide",
        &model(),
        "--decision",
        "cost",
        "--var",
        r#"parcel={"country":"DE","weight":1}"#,
        "--json",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let json = out.json();
    assert_eq!(json["decision"], "cost");
    assert_eq!(json["result"]["carrier"], "post");
    assert_eq!(json["matched_rules"][0]["rule"], "light_home");
    assert_eq!(json["warnings"].as_array().map(Vec::len), Some(0));
}

#[test]
fn decide_reads_inputs_from_a_json_file_and_prints_a_table() {
    let w = Workdir::new();
    w.write("in.json", r#"{"parcel": {"country": "FR", "weight": 2}}"#);
    let out = w.baton(&[
        "decide",
        &model(),
        "--decision",
        "cost",
        "--input",
        "in.json",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains("cost = "), "{}", out.stdout);
    assert!(out.stdout.contains("abroad"), "{}", out.stdout);
}

#[test]
fn a_wrong_input_type_fails_with_a_warning() {
    let w = Workdir::new();
    let out = w.baton(&[
        "decide",
        &model(),
        "--decision",
        "cost",
        "--var",
        r#"parcel={"country":"DE","weight":"heavy"}"#,
        "--json",
    ]);
    assert_eq!(out.code, 1, "{}", out.stdout);
    let json = out.json();
    assert!(json["result"].is_null());
    assert!(
        json["warnings"][0]
            .as_str()
            .is_some_and(|w| w.contains("heavy")),
        "{json}"
    );
}

#[test]
fn several_decisions_need_a_choice_and_an_unknown_one_is_named() {
    let w = Workdir::new();
    let out = w.baton(&["decide", &model()]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("--decision"), "{}", out.stderr);
    let out = w.baton(&["decide", &model(), "--decision", "price"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("price") && out.stderr.contains("cost"),
        "{}",
        out.stderr
    );
}
