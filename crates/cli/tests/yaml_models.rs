//! YAML workflows through the CLI: `baton lint` on them (exit 0 clean, 2 with an error
//! located as `FILE:LINE:COL` with the YAML path and a suggestion), any other command
//! refusing a broken one with exit 2, and `deploy` + `start` running one on the engine.

mod support;

use serde_json::json;
use support::Workdir;

const FLOW: &str = "id: flow
name: A flow
inputs:
  channel: {type: string, default: stable}
phases:
  review:
    gates:
      - approval: {group: reviewers}
    run: echo reviewed
  ship:
    needs: [review]
    run: echo shipped
";

const TYPO: &str =
    "id: typo\nphases:\n  build:\n    run: make\n  test:\n    neds: [build]\n    run: make test\n";

#[test]
fn lint_accepts_a_clean_workflow_in_the_bpmn_report_shape() {
    let w = Workdir::new();
    w.write("flow.yaml", FLOW);
    let out = w.baton(&["lint", "flow.yaml"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert!(out.stdout.contains("flow.yaml: ok"), "{}", out.stdout);
    let out = w.baton(&["lint", "flow.yaml", "--json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let d = out.json();
    assert_eq!(
        d["processes"],
        json!([{"id": "flow", "name": "A flow", "executable": true}])
    );
    assert_eq!(d["findings"], json!([]));
    assert_eq!(d["element_counts"]["serviceTask"], 2);
    assert_eq!(d["element_counts"]["userTask"], 1);
}

#[test]
fn an_unknown_key_is_an_input_error_with_its_place_and_the_key_meant() {
    let w = Workdir::new();
    w.write("typo.yaml", TYPO);
    let out = w.baton(&["lint", "typo.yaml"]);
    assert_eq!(out.code, 2, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout.contains(
            "typo.yaml:6:5: error: phases.test: unknown key `neds`; did you mean `needs`?"
        ),
        "{}",
        out.stdout
    );
    let d = w.baton(&["lint", "typo.yaml", "--json"]).json();
    assert_eq!(d["findings"][0]["line"], 6);
    assert_eq!(d["findings"][0]["column"], 5);
    assert_eq!(d["findings"][0]["element"], "test");
    for command in [&["run", "typo.yaml"][..], &["deploy", "typo.yaml"]] {
        let out = w.baton(command);
        assert_eq!(out.code, 2, "{command:?}: {}{}", out.stdout, out.stderr);
        assert!(
            out.stderr.contains("typo.yaml:6:5"),
            "{command:?}: {}",
            out.stderr
        );
    }
}

#[test]
fn a_deployed_workflow_starts_by_its_id_with_its_defaults() {
    let w = Workdir::new();
    w.write("flow.yaml", FLOW);
    let out = w.baton(&["deploy", "flow.yaml", "--json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.json()["deployed"][0]["id"], "flow");
    // A new process, so the stored file is parsed again to start it.
    let out = w.baton(&["start", "flow", "--json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let d = out.json();
    assert_eq!(d["state"], "waiting", "{d:#}");
    assert_eq!(d["variables"]["channel"], "stable");
    assert_eq!(d["waiting"][0]["element"], "review__approval", "{d:#}");
}
