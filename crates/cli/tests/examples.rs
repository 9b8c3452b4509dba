//! Every example in `examples/` runs, as the README says it does.

mod support;

use serde_json::json;
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

/// The status of each phase of a YAML workflow's instance, by id.
fn phase_statuses(d: &serde_json::Value) -> Vec<(String, String)> {
    d["phases"]
        .as_array()
        .expect("phases")
        .iter()
        .map(|p| {
            let text = |key: &str| p[key].as_str().unwrap_or_default().to_string();
            (text("id"), text("status"))
        })
        .collect()
}

fn statuses(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(id, status)| (id.to_string(), status.to_string()))
        .collect()
}

#[test]
fn methodology_goes_phase_by_phase_through_its_gates_and_approval() {
    let w = Workdir::example("methodology");
    let out = w.baton(&[
        "run",
        "methodology.yaml",
        "--var",
        r#"version="1.4.0""#,
        "--json",
    ]);
    assert_eq!(out.code, 0, "waiting is a normal outcome: {}", out.stderr);
    let d = out.json();
    assert_eq!(d["state"], "waiting", "{d}");
    assert_eq!(
        phase_statuses(&d),
        statuses(&[
            ("frame", "completed"),
            ("design", "waiting"),
            ("build", "pending"),
            ("test", "pending"),
            ("release", "pending"),
        ])
    );
    assert_eq!(d["phases"][1]["missing"], json!(["file docs/problem.md"]));
    let scope = std::fs::read_to_string(w.path().join("docs/scope.json")).expect("scope");
    let scope: serde_json::Value = serde_json::from_str(&scope).expect("JSON");
    assert_eq!(scope["feature"], "CSV export");
    let brief = std::fs::read_to_string(w.path().join("docs/brief.md")).expect("brief");
    assert!(
        brief.contains("- Every phase leaves a document behind."),
        "the principles are listed: {brief}"
    );
    assert!(!w.path().join("docs/design.md").exists());

    w.write("docs/problem.md", "# Users copy tables by hand\n");
    let out = w.baton(&["resume"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let tasks = w.baton(&["tasks", "--json"]).json();
    assert_eq!(tasks[0]["element"], "release__approval", "{tasks}");
    assert_eq!(tasks[0]["candidate_groups"], json!(["release-managers"]));
    let task = tasks[0]["id"].as_str().expect("task id").to_string();

    let out = w.baton(&["complete", &task, "--json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let d = out.json();
    assert_eq!(d["state"], "completed", "{d}");
    assert!(
        phase_statuses(&d)
            .iter()
            .all(|(_, status)| status == "completed"),
        "{d}"
    );
    assert_eq!(d["variables"]["artifact"], "dist/build.txt");
    let manifest = std::fs::read_to_string(w.path().join("dist/release.json")).expect("manifest");
    let manifest: serde_json::Value = serde_json::from_str(&manifest).expect("JSON");
    assert_eq!(manifest["version"], "1.4.0");
    assert_eq!(manifest["artifact"], "dist/build.txt");
}

#[test]
fn methodology_refuses_a_release_manifest_that_breaks_its_schema() {
    let w = Workdir::example("methodology");
    std::fs::create_dir(w.path().join("docs")).expect("docs/");
    w.write("docs/problem.md", "# A problem\n");
    let out = w.baton(&["run", "methodology.yaml", "--var", r#"version="1.4""#]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let tasks = w.baton(&["tasks", "--json"]).json();
    let task = tasks[0]["id"].as_str().expect("task id").to_string();
    let out = w.baton(&["complete", &task, "--json"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let d = out.json();
    assert_eq!(d["state"], "incident");
    assert_eq!(d["incidents"][0]["element"], "release");
    let message = d["incidents"][0]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("release.schema.json") && message.contains("/version"),
        "{message}"
    );
}

#[test]
fn pipeline_extracts_every_region_at_most_two_at_a_time_then_reports() {
    let w = Workdir::example("pipeline");
    let out = w.baton(&["run", "pipeline.yaml", "--json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let d = out.json();
    assert_eq!(d["state"], "completed", "{d}");
    assert_eq!(d["variables"]["orders"], 10);
    assert_eq!(d["variables"]["revenue"], json!(983.75));
    assert_eq!(d["variables"]["best_region"], "south");
    let report = std::fs::read_to_string(w.path().join("out/report.md")).expect("report");
    assert!(report.contains("10 orders from 4 regions"), "{report}");

    // Each extract logged `start REGION NANOS` and `end REGION NANOS`.
    let log = std::fs::read_to_string(w.path().join("out/extract.log")).expect("log");
    let mut events: Vec<(u128, i32, String)> = log
        .lines()
        .map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let step = if fields[0] == "start" { 1 } else { -1 };
            (
                fields[2].parse().expect("nanos"),
                step,
                fields[1].to_string(),
            )
        })
        .collect();
    events.sort();
    let mut started: Vec<&str> = events
        .iter()
        .filter(|e| e.1 == 1)
        .map(|e| e.2.as_str())
        .collect();
    started.sort_unstable();
    assert_eq!(started, ["east", "north", "south", "west"]);
    let (mut running, mut peak) = (0, 0);
    for (_, step, _) in &events {
        running += step;
        peak = peak.max(running);
    }
    assert!(peak <= 2, "{peak} extracts at once:\n{log}");
    assert_eq!(running, 0, "every extract ended:\n{log}");
}

#[test]
fn the_examples_plan_as_their_readmes_say() {
    let w = Workdir::example("methodology");
    let d = w.baton(&["plan", "methodology.yaml", "--json"]).json();
    assert_eq!(
        d["stages"],
        json!([["frame"], ["design"], ["build"], ["test"], ["release"]])
    );
    assert_eq!(d["critical_path_ms"], 15_300_000);
    let w = Workdir::example("pipeline");
    let d = w.baton(&["plan", "pipeline.yaml", "--json"]).json();
    assert_eq!(d["max_parallelism"], json!([2, 1, 1]));
    assert_eq!(
        d["critical_path"],
        json!(["extract", "aggregate", "report"])
    );
}

#[test]
fn methodology_applied_to_a_project_shows_what_is_missing_and_rolls_back() {
    let w = Workdir::example("methodology");
    std::fs::create_dir(w.path().join("docs")).expect("docs/");
    w.write("docs/problem.md", "# A problem\n");
    let out = w.baton(&["apply", "methodology.yaml"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let d = w.baton(&["status", "--json"]).json();
    assert_eq!(d["phases"][4]["status"], "waiting", "{d}");
    assert_eq!(
        d["phases"][4]["missing"],
        json!(["approval group release-managers"])
    );
    assert!(w.path().join("dist/build.txt").exists());

    let out = w.baton(&["rollback"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let d = w.baton(&["status", "--json"]).json();
    assert_eq!(
        phase_statuses(&d),
        statuses(&[
            ("frame", "completed"),
            ("design", "completed"),
            ("build", "rolled_back"),
            ("test", "completed"),
            ("release", "pending"),
        ])
    );
    assert!(
        !w.path().join("dist/build.txt").exists(),
        "build's undo ran"
    );
}

/// The triage example's LLM steps are steps like the others for `lint`, `plan` and
/// `convert`: the pipeline plans in its order, and the BPMN it converts to carries the LLM
/// step as a `baton.llm` job and the decision's fallback as `baton:fallback`, under the
/// steps' ids. (Running it needs a model; its `baton.toml` names one.)
#[test]
fn triage_lints_plans_and_converts_with_its_llm_steps() {
    let w = Workdir::new();
    for file in ["triage.yaml", "route.dmn"] {
        let text = std::fs::read_to_string(support::repo_root().join("examples/triage").join(file))
            .expect("the example's file");
        w.write(file, &text);
    }
    let out = w.baton(&["lint", "triage.yaml"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);

    let d = w.baton(&["plan", "triage.yaml", "--json"]).json();
    assert_eq!(
        d["stages"],
        json!([["clean"], ["route"], ["summarise"], ["file"]])
    );
    assert_eq!(d["critical_path_ms"], 5_000);

    let out = w.baton(&["convert", "triage.yaml", "-o", "triage.bpmn"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let bpmn = std::fs::read_to_string(w.path().join("triage.bpmn")).expect("written");
    assert!(
        bpmn.contains(r#"<bpmn:serviceTask id="summarise""#)
            && bpmn.contains(r#"type="baton.llm""#)
            && bpmn.contains(r#"<baton:fallback>"#),
        "{bpmn}"
    );
    let out = w.baton(&["lint", "triage.bpmn"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
}
