//! Every example in `examples/` runs, as the README says it does.

mod support;

use support::Workdir;

#[test]
fn order_completes_without_approval_when_small() {
    let w = Workdir::example("order");
    let out = w.baton(&["run", "order.bpmn", "--var", "amount=120", "--json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let d = out.json();
    assert_eq!(d["state"], "completed");
    assert_eq!(d["variables"]["total"], serde_json::json!(108.0));
    assert_eq!(d["variables"]["invoice"]["number"], "INV-108.0");
    assert_eq!(
        d["path"]
            .as_array()
            .map(|p| p.iter().filter(|e| *e == "order_fulfilled").count()),
        Some(1)
    );
}

#[test]
fn order_waits_for_approval_when_large_and_completes_after_it() {
    let w = Workdir::example("order");
    let out = w.baton(&["run", "order.bpmn", "--var", "amount=5000", "--json"]);
    assert_eq!(out.code, 0, "waiting is a normal outcome: {}", out.stderr);
    let d = out.json();
    assert_eq!(d["state"], "waiting");
    assert_eq!(d["waiting"][0]["kind"], "user_task");
    assert_eq!(d["waiting"][0]["element"], "approve_order");
    let task = d["waiting"][0]["id"].as_str().expect("task id").to_string();

    let done = w.baton(&["complete", &task, "--json"]);
    assert_eq!(done.code, 0, "{}", done.stderr);
    let d = done.json();
    assert_eq!(d["state"], "completed");
    assert!(
        d["path"]
            .as_array()
            .expect("path")
            .iter()
            .any(|e| e == "approve_order")
    );
}

#[test]
fn release_checklist_runs_its_shell_workers() {
    let w = Workdir::example("release");
    let out = w.baton(&[
        "run",
        "release.bpmn",
        "--var",
        r#"version="1.2.0""#,
        "--json",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let d = out.json();
    assert_eq!(d["state"], "completed", "{d}");
    let v = &d["variables"];
    assert_eq!(v["tests_passed"], true);
    assert_eq!(v["changelog_mentions_version"], true);
    assert_eq!(v["artifact"], "baton-1.2.0-x86_64-unknown-linux-gnu.tar.gz");
    assert_eq!(v["released_tag"], "v1.2.0");
    // Mapped-only outputs: the tag task's raw result stays local to the task.
    assert!(v.get("tagged").is_none(), "{v}");
}

#[test]
fn loop_computes_a_factorial() {
    let w = Workdir::example("loop");
    let out = w.baton(&["run", "factorial.bpmn", "--var", "n=10", "--json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let d = out.json();
    assert_eq!(d["variables"]["factorial"], serde_json::json!(3628800));
    assert_eq!(
        d["path"]
            .as_array()
            .map(|p| p.iter().filter(|e| *e == "multiply").count()),
        Some(10)
    );
}

#[test]
fn incident_is_raised_then_resolved_after_the_cause_is_fixed() {
    let w = Workdir::example("incident");
    let out = w.baton(&["run", "payment.bpmn", "--var", "amount=25", "--json"]);
    assert_eq!(out.code, 1, "an incident exits 1: {}", out.stderr);
    let d = out.json();
    assert_eq!(d["state"], "incident");
    let incident = d["incidents"][0]["id"]
        .as_str()
        .expect("incident id")
        .to_string();
    assert!(
        d["incidents"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("gateway unreachable"))
    );

    let listed = w.baton(&["incidents", "--json"]).json();
    assert_eq!(listed[0]["id"], incident.as_str());

    w.write("gateway.up", "");
    let resolved = w.baton(&["resolve", &incident, "--json"]);
    assert_eq!(resolved.code, 0, "{}", resolved.stderr);
    let d = resolved.json();
    assert_eq!(d["state"], "completed");
    assert_eq!(d["variables"]["payment_confirmation"], "PAY-0001");
    assert_eq!(
        w.baton(&["incidents", "--json"]).json(),
        serde_json::json!([])
    );
}

#[test]
fn claims_are_routed_by_a_dmn_decision_deployed_beside_the_process() {
    let w = Workdir::example("claims");
    let out = w.baton(&[
        "run",
        "claims.bpmn",
        "claim_routing.dmn",
        "--var",
        r#"claim={"kind":"water","amount":1800}"#,
        "--var",
        r#"customer={"claims_this_year":1}"#,
        "--json",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let d = out.json();
    assert_eq!(d["state"], "completed", "{d}");
    assert_eq!(d["variables"]["routing"]["route"], "automatic");
    assert_eq!(d["variables"]["payout"], serde_json::json!(1620.0));

    // A frequent claimant goes to review whatever the claim.
    let out = w.baton(&[
        "run",
        "claims.bpmn",
        "claim_routing.dmn",
        "--var",
        r#"claim={"kind":"glass","amount":300}"#,
        "--var",
        r#"customer={"claims_this_year":4}"#,
        "--json",
    ]);
    let d = out.json();
    assert_eq!(d["state"], "waiting", "{d}");
    assert_eq!(d["waiting"][0]["element"], "review_claim");
}

#[test]
fn a_claim_kind_the_rules_do_not_know_raises_a_decision_incident() {
    let w = Workdir::example("claims");
    let out = w.baton(&[
        "run",
        "claims.bpmn",
        "claim_routing.dmn",
        "--var",
        r#"claim={"kind":"boat","amount":300}"#,
        "--var",
        r#"customer={"claims_this_year":0}"#,
        "--json",
    ]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let d = out.json();
    assert_eq!(d["state"], "incident");
    let message = d["incidents"][0]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("Claim kind") && message.contains("boat"),
        "{message}"
    );
}
