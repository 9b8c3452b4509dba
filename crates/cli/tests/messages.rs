//! Messages, signals and timers across commands, as a user drives them from a shell:
//! `baton publish`, `baton signal`, `baton timers --fire-due`, each a separate process
//! working on the same store.

mod support;

use support::{Workdir, repo_root};

fn core_model(name: &str) -> String {
    repo_root()
        .join(format!("crates/core/tests/models/{name}.bpmn"))
        .display()
        .to_string()
}

const SHORT_TIMER: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="t">
<bpmn:process id="nap" isExecutable="true">
<bpmn:startEvent id="start"/>
<bpmn:intermediateCatchEvent id="wait"><bpmn:timerEventDefinition><bpmn:timeDuration>PT1S</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>
<bpmn:endEvent id="end"/>
<bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="wait"/>
<bpmn:sequenceFlow id="f1" sourceRef="wait" targetRef="end"/>
</bpmn:process>
</bpmn:definitions>"#;

#[test]
fn a_published_message_reaches_only_the_instance_with_its_key() {
    let w = Workdir::new();
    let out = w.baton(&["deploy", &core_model("receive_with_timeout")]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let first = w.baton(&["start", "p", "--var", r#"orderId="A-1""#, "--json"]);
    let second = w.baton(&["start", "p", "--var", r#"orderId="B-2""#, "--json"]);
    assert_eq!(first.json()["state"], "waiting", "{}", first.stdout);
    let kinds: Vec<String> = first.json()["waiting"]
        .as_array()
        .map(|a| a.iter().map(|w| w["kind"].to_string()).collect())
        .unwrap_or_default();
    assert_eq!(kinds, [r#""timer""#, r#""message""#]);

    let published = w.baton(&["publish", "paid", "--key", r#""A-1""#, "--json"]);
    assert_eq!(published.code, 0, "{}", published.stderr);
    assert_eq!(published.json()["correlated"], serde_json::json!(["1"]));

    let a = w.baton(&["show", "1", "--json"]);
    assert_eq!(a.json()["state"], "completed", "{}", a.stdout);
    let b = w.baton(&["show", "2", "--json"]);
    assert_eq!(b.json()["state"], "waiting", "{}", b.stdout);
    drop(second);
}

#[test]
fn a_message_published_early_waits_for_its_subscription_within_the_ttl() {
    let w = Workdir::new();
    w.baton(&["deploy", &core_model("receive_with_timeout")]);
    let dropped = w.baton(&["publish", "paid", "--key", "7", "--json"]);
    assert_eq!(dropped.json()["buffered"], false);
    let kept = w.baton(&["publish", "paid", "--key", "8", "--ttl", "PT1M", "--json"]);
    assert_eq!(kept.json()["buffered"], true, "{}", kept.stdout);
    // The key is a number here; the subscription's key is the same number.
    let started = w.baton(&["start", "p", "--var", "orderId=8", "--json"]);
    assert_eq!(started.json()["state"], "completed", "{}", started.stdout);
    let other = w.baton(&["start", "p", "--var", "orderId=7", "--json"]);
    assert_eq!(other.json()["state"], "waiting", "{}", other.stdout);
}

#[test]
fn a_bad_correlation_key_is_a_usage_error() {
    let w = Workdir::new();
    let out = w.baton(&["publish", "paid", "--key", "[1, 2]"]);
    assert_eq!(out.code, 2, "{}", out.stdout);
    assert!(out.stderr.contains("--key"), "{}", out.stderr);
}

#[test]
fn a_signal_starts_the_interrupting_event_subprocess() {
    let w = Workdir::new();
    w.baton(&["deploy", &core_model("event_subprocess")]);
    let started = w.baton(&["start", "p", "--var", "id=1", "--var", "notes=0", "--json"]);
    assert_eq!(started.json()["state"], "waiting", "{}", started.stdout);
    let signal = w.baton(&["signal", "abort", "--json"]);
    assert_eq!(signal.code, 0, "{}", signal.stderr);
    assert_eq!(signal.json()["received"], serde_json::json!(["1"]));
    let shown = w.baton(&["show", "1", "--json"]);
    assert_eq!(shown.json()["state"], "completed", "{}", shown.stdout);
}

#[test]
fn due_timers_fire_from_the_command_line_and_run_waits_for_them() {
    let w = Workdir::new();
    w.write("nap.bpmn", SHORT_TIMER);
    let started = w.baton(&["deploy", "nap.bpmn"]);
    assert_eq!(started.code, 0, "{}", started.stderr);
    let waiting = w.baton(&["start", "nap", "--json"]);
    assert_eq!(waiting.json()["state"], "waiting", "{}", waiting.stdout);
    let listed = w.baton(&["timers", "--json"]);
    assert_eq!(listed.json()["timers"][0]["element"], "wait");
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let fired = w.baton(&["timers", "--fire-due", "--json"]);
    assert_eq!(fired.json()["fired"], 1, "{}", fired.stdout);
    let shown = w.baton(&["show", "1", "--json"]);
    assert_eq!(shown.json()["state"], "completed", "{}", shown.stdout);
    // `baton run` sleeps until the timer is due instead of returning.
    let run = w.baton(&["run", "nap.bpmn", "--json"]);
    assert_eq!(run.json()["state"], "completed", "{}", run.stdout);
}
