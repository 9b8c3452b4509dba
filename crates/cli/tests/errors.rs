//! Bad input: a clear message naming the file, line or element, exit status 2, and
//! nothing written.

mod support;

use support::Workdir;

#[test]
fn missing_file_names_the_file() {
    let w = Workdir::new();
    let out = w.baton(&["run", "nope.bpmn"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("nope.bpmn"), "{}", out.stderr);
}

#[test]
fn malformed_xml_names_the_line_and_deploys_nothing() {
    let w = Workdir::new();
    w.write(
        "broken.bpmn",
        "<bpmn:definitions xmlns:bpmn=\"http://www.omg.org/spec/BPMN/20100524/MODEL\">\n<bpmn:process id=\"p\">\n<bpmn:startEvent id=\"s\">\n</bpmn:process>",
    );
    let out = w.baton(&["run", "broken.bpmn"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains("broken.bpmn:"),
        "the message names the file: {}",
        out.stderr
    );
    assert!(
        out.stderr.contains(":4:") || out.stderr.contains(":3:"),
        "and the line: {}",
        out.stderr
    );
    assert_eq!(
        w.baton(&["instances", "--json"]).json(),
        serde_json::json!([])
    );
}

#[test]
fn invalid_feel_names_the_element() {
    let w = Workdir::new();
    w.write(
        "bad_feel.bpmn",
        r#"<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0">
<bpmn:process id="p" isExecutable="true">
<bpmn:startEvent id="s"/>
<bpmn:scriptTask id="calc"><bpmn:extensionElements><zeebe:script expression="=1 +* 2" resultVariable="x"/></bpmn:extensionElements></bpmn:scriptTask>
<bpmn:sequenceFlow id="f" sourceRef="s" targetRef="calc"/>
</bpmn:process></bpmn:definitions>"#,
    );
    let out = w.baton(&["run", "bad_feel.bpmn"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("calc"), "{}", out.stderr);
}

#[test]
fn a_timer_cycle_under_the_minimum_interval_is_refused_naming_it() {
    let w = Workdir::new();
    w.write(
        "tick.bpmn",
        r#"<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL">
<bpmn:process id="tick" isExecutable="true">
<bpmn:startEvent id="s"><bpmn:timerEventDefinition><bpmn:timeCycle>R/PT0.001S</bpmn:timeCycle></bpmn:timerEventDefinition></bpmn:startEvent>
<bpmn:endEvent id="e"/>
<bpmn:sequenceFlow id="f" sourceRef="s" targetRef="e"/>
</bpmn:process></bpmn:definitions>"#,
    );
    for verb in ["deploy", "run"] {
        let out = w.baton(&[verb, "tick.bpmn"]);
        assert_eq!(out.code, 2, "{verb}: {}", out.stderr);
        assert!(
            out.stderr.contains("tick.bpmn:3:")
                && out.stderr.contains("at most once every PT1S")
                && out.stderr.contains("'s'"),
            "{verb}: {}",
            out.stderr
        );
    }
    assert_eq!(
        w.baton(&["instances", "--json"]).json(),
        serde_json::json!([])
    );
}

#[test]
fn unknown_process_suggests_similar_names() {
    let w = Workdir::example("loop");
    assert_eq!(w.baton(&["deploy", "factorial.bpmn"]).code, 0);
    let out = w.baton(&["start", "factorail"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("similar names: factorial"),
        "{}",
        out.stderr
    );
}

#[test]
fn malformed_var_says_how_to_write_it() {
    let w = Workdir::example("loop");
    let out = w.baton(&["run", "factorial.bpmn", "--var", "n"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("NAME=VALUE"), "{}", out.stderr);
}

#[test]
fn unknown_task_and_incident_ids_are_input_errors() {
    let w = Workdir::new();
    for args in [
        &["complete", "9-9"][..],
        &["resolve", "9-9"],
        &["complete", "nonsense"],
        &["show", "42"],
    ] {
        let out = w.baton(args);
        assert_eq!(out.code, 2, "{args:?}: {}", out.stderr);
    }
}

#[test]
fn completing_a_task_twice_is_rejected_without_change() {
    let w = Workdir::example("order");
    let d = w
        .baton(&["run", "order.bpmn", "--var", "amount=5000", "--json"])
        .json();
    let task = d["waiting"][0]["id"].as_str().expect("task").to_string();
    assert_eq!(w.baton(&["complete", &task]).code, 0);
    let again = w.baton(&["complete", &task]);
    assert_eq!(again.code, 2, "{}", again.stderr);
    assert!(again.stderr.contains(&task), "{}", again.stderr);
}

/// Issue 14: `baton start --traceparent` makes the instance's trace a child of the
/// caller's span (kept in its journal); anything but a W3C trace context is refused.
#[test]
fn start_takes_a_w3c_traceparent_and_refuses_anything_else() {
    let w = Workdir::new();
    w.write(
        "p.bpmn",
        r#"<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL">
<bpmn:process id="p" isExecutable="true"><bpmn:startEvent id="s"/></bpmn:process></bpmn:definitions>"#,
    );
    assert_eq!(w.baton(&["deploy", "p.bpmn"]).code, 0);
    let bad = w.baton(&["start", "p", "--traceparent", "00-abc-def-01"]);
    assert_eq!(bad.code, 2, "{}", bad.stderr);
    assert!(bad.stderr.contains("traceparent"), "{}", bad.stderr);
    assert_eq!(
        w.baton(&["instances", "--json"]).json(),
        serde_json::json!([]),
        "nothing started"
    );
    let parent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    let good = w.baton(&["start", "p", "--traceparent", parent]);
    assert_eq!(good.code, 0, "{}", good.stderr);
    let db = rusqlite::Connection::open(w.path().join(".baton/baton.db")).expect("store");
    let created: String = db
        .query_row("SELECT events FROM journal WHERE seq = 0", [], |r| r.get(0))
        .expect("a journal");
    assert!(
        created.contains(r#""trace":{"trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","parent_span_id":"00f067aa0ba902b7"}"#),
        "{created}"
    );
}
