//! `baton run --dry-run`: every route through each process (the Camunda 8 reference
//! models, MIWG C.9.0–C.9.2, deploy together), and the walk with stubs as a Camunda user
//! meets it (issue 13): a process with only a message, timer or signal start event starts
//! there, a call activity walks the called process when its file is given too, a walk
//! that stops says what it waits for, and input errors exit 2. Fixtures: `dry_run/`.

mod support;

use support::{Workdir, repo_root};

#[test]
fn the_camunda_8_models_deploy_together_and_list_their_paths() {
    let dir = repo_root().join("../shared/corpus/bpmn-miwg/Reference");
    if !dir.exists() {
        eprintln!("skipped: {} not found", dir.display());
        return;
    }
    let files: Vec<String> = ["C.9.0.bpmn", "C.9.1.bpmn", "C.9.2.bpmn"]
        .iter()
        .map(|f| dir.join(f).display().to_string())
        .collect();
    let w = Workdir::new();
    let mut deploy = vec!["deploy", "--json"];
    deploy.extend(files.iter().map(String::as_str));
    let deployed = w.baton(&deploy);
    assert_eq!(deployed.code, 0, "{}", deployed.stderr);
    assert_eq!(
        deployed.json()["deployed"].as_array().map(Vec::len),
        Some(3)
    );

    let mut run = vec!["run", "--dry-run", "--json"];
    run.extend(files.iter().map(String::as_str));
    let out = w.baton(&run);
    let json = out.json();
    let processes = json["processes"].as_array().cloned().unwrap_or_default();
    assert_eq!(processes.len(), 3, "{}", out.stdout);
    let routes = |id: &str| -> Vec<String> {
        processes
            .iter()
            .find(|p| p["process"] == id)
            .and_then(|p| p["paths"].as_array())
            .map(|paths| {
                paths
                    .iter()
                    .map(|r| {
                        r.as_array()
                            .map(|ids| {
                                ids.iter()
                                    .filter_map(|i| i.as_str())
                                    .collect::<Vec<_>>()
                                    .join(" > ")
                            })
                            .unwrap_or_default()
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    let manual = routes("ManualCheck");
    assert_eq!(
        manual,
        [
            "StartEvent_DecideManually > UserTask_DecideOnApplication > EndEvent_ManuallyDecided",
            "StartEvent_DecideManually > UserTask_DecideOnApplication > TimerEvent_Timeout > ErrorEndEvent_Timeout",
        ]
    );
    assert_eq!(routes("requestDocument_en").len(), 3);
    assert_eq!(routes("customer_onboarding_en").len(), 5);
}

/// `baton run FILES... --dry-run ARGS...` on the fixtures in `tests/dry_run/`.
fn dry_run(files: &[&str], args: &[&str]) -> support::Output {
    let dir = repo_root().join("crates/cli/tests/dry_run");
    let paths: Vec<String> = files
        .iter()
        .map(|f| dir.join(f).display().to_string())
        .collect();
    let mut command = vec!["run"];
    command.extend(paths.iter().map(String::as_str));
    command.push("--dry-run");
    command.extend(args);
    Workdir::new().baton(&command)
}

/// The human report and the exit code, for a snapshot.
fn check(files: &[&str], args: &[&str]) -> String {
    let out = dry_run(files, args);
    format!("exit {}\n{}{}", out.code, out.stdout, out.stderr)
}

/// The `--json` report and the exit code.
fn check_json(files: &[&str], args: &[&str]) -> (i32, serde_json::Value) {
    let mut args = args.to_vec();
    args.push("--json");
    let out = dry_run(files, &args);
    (out.code, out.json())
}

#[test]
fn a_process_that_starts_only_with_a_message_starts_at_that_event() {
    insta::assert_snapshot!(check(&["msg_start.bpmn"], &[]));
    let (code, json) = check_json(&["msg_start.bpmn"], &[]);
    assert_eq!(code, 0);
    assert_eq!(json["state"], "completed");
    assert_eq!(json["start"], "order_received");
    assert_eq!(json["path"][0], "order_received");
}

#[test]
fn timer_and_signal_start_events_start_the_walk_the_same_way() {
    for (file, start) in [
        ("timer_start.bpmn", "every_night"),
        ("signal_start.bpmn", "alarm_raised"),
    ] {
        let (code, json) = check_json(&[file], &[]);
        assert_eq!(code, 0, "{file}: {json}");
        assert_eq!(json["state"], "completed", "{file}: {json}");
        assert_eq!(json["path"][0], start, "{file}: {json}");
    }
}

#[test]
fn with_several_start_events_the_none_start_event_comes_first_then_document_order() {
    let (_, json) = check_json(&["several_starts.bpmn"], &["--process", "intake"]);
    assert_eq!(json["start"], "by_hand", "{json}");
    assert_eq!(json["state"], "completed", "{json}");
    let (_, json) = check_json(&["several_starts.bpmn"], &["--process", "triggered"]);
    assert_eq!(json["start"], "by_timer", "{json}");
    assert_eq!(json["path"], serde_json::json!(["by_timer", "done"]));
}

#[test]
fn a_call_activity_walks_the_child_among_the_files_and_comes_back() {
    insta::assert_snapshot!(check(&["parent.bpmn", "child.bpmn"], &[]));
    let (code, json) = check_json(&["parent.bpmn", "child.bpmn"], &[]);
    assert_eq!(code, 0);
    assert_eq!(json["state"], "completed");
    assert_eq!(
        json["path"],
        serde_json::json!([
            "placed",
            "requested",
            "pick",
            "count",
            "picked_all",
            "pick_items",
            "fulfilled"
        ])
    );
    // The child's variables come back to the parent, as Camunda propagates them.
    assert_eq!(json["variables"]["picked"], 2);
    assert_eq!(json["instances"][1]["process"], "picking");
    assert_eq!(
        json["instances"][1]["called_by"],
        serde_json::json!({"instance": 1, "element": "pick_items"})
    );
}

#[test]
fn an_error_the_child_throws_is_caught_at_the_call_activity() {
    let (code, json) = check_json(&["parent.bpmn", "child_out_of_stock.bpmn"], &[]);
    assert_eq!(code, 0, "{json}");
    assert_eq!(json["state"], "completed");
    assert_eq!(
        json["instances"][0]["path"],
        serde_json::json!(["placed", "out_of_stock", "backordered"])
    );
}

#[test]
fn a_called_process_that_cannot_start_is_an_incident_on_the_call_activity() {
    let (code, json) = check_json(&["parent.bpmn", "child_message_start.bpmn"], &[]);
    assert_eq!(code, 1, "{json}");
    assert_eq!(json["state"], "incident");
    assert_eq!(json["incidents"][0]["element"], "pick_items");
    let message = json["incidents"][0]["message"].as_str().unwrap_or_default();
    assert!(message.contains("no none start event"), "{message}");
}

#[test]
fn a_call_of_a_process_not_given_stops_the_walk_and_says_so() {
    insta::assert_snapshot!(check(&["parent.bpmn"], &[]));
}

#[test]
fn a_walk_that_stops_says_what_it_waits_for() {
    insta::assert_snapshot!(check(&["waits.bpmn"], &["--var", "orderId=A-1"]));
    let (code, json) = check_json(&["waits.bpmn"], &["--var", "orderId=A-1"]);
    assert_eq!(code, 0);
    assert_eq!(json["state"], "waiting");
    let kinds: Vec<&str> = json["waiting"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|w| w["kind"].as_str())
        .collect();
    assert_eq!(kinds, ["timer", "message"]);
}

#[test]
fn a_signal_thrown_in_the_walk_reaches_its_catch_events() {
    let (code, json) = check_json(&["signal_within.bpmn"], &[]);
    assert_eq!(code, 0);
    assert_eq!(json["state"], "completed", "{json}");
}

#[test]
fn input_errors_exit_2_never_3() {
    let w = Workdir::new();
    std::fs::create_dir(w.path().join("models")).expect("mkdir");
    let out = w.baton(&["run", "models", "--dry-run"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains("could not read models"),
        "{}",
        out.stderr
    );
    let deep = format!("x={}{}", "[".repeat(110), "]".repeat(110));
    let out = dry_run(&["msg_start.bpmn"], &["--var", &deep]);
    assert_eq!(out.code, 2, "{}", out.stderr);
}

#[test]
fn run_without_dry_run_says_how_a_process_without_a_none_start_event_starts() {
    let dir = repo_root().join("crates/cli/tests/dry_run");
    for (file, how) in [
        ("msg_start.bpmn", "baton publish order-received --key KEY"),
        ("timer_start.bpmn", "baton timers --fire-due"),
        ("signal_start.bpmn", "baton signal alarm"),
    ] {
        let path = dir.join(file).display().to_string();
        let out = Workdir::new().baton(&["run", &path]);
        assert_eq!(out.code, 2, "{file}: {}", out.stderr);
        assert!(out.stderr.contains(how), "{file}: {}", out.stderr);
        assert!(out.stderr.contains("--dry-run"), "{file}: {}", out.stderr);
    }
}

#[test]
fn random_values_are_drawn_in_a_dry_run_as_in_a_real_one() {
    let (code, json) = check_json(&["random.bpmn"], &[]);
    assert_eq!(code, 0, "{json}");
    assert_eq!(json["state"], "completed");
    let roll = json["variables"]["roll"].as_f64().expect("a number");
    assert!((0.0..1.0).contains(&roll), "{roll}");
}
