//! YAML workflows through the CLI: `baton lint` on them (exit 0 clean, 2 with an error
//! located as `FILE:LINE:COL` with the YAML path and a suggestion), any other command
//! refusing a broken one with exit 2, `deploy` + `start` running one on the engine, and a
//! `decision:` phase deploying and evaluating the DMN file it names.

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

/// An `llm:` step whose signature does not read, and one that also runs a script: each
/// error points at its place, the first inside the signature's text.
#[test]
fn a_broken_llm_step_is_an_input_error_pointing_into_its_signature() {
    let w = Workdir::new();
    w.write(
        "llm.yaml",
        "id: llm\nsteps:\n  classify:\n    llm: \"ticket: str -> category: enm(a,b)\"\n  \
         summarise:\n    llm: \"text -> summary\"\n    run: ./summarise\n",
    );
    let out = w.baton(&["lint", "llm.yaml"]);
    assert_eq!(out.code, 2, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout.contains(
            "llm.yaml:4:36: error: steps.classify.llm: field `category`: column 26: unknown \
             type `enm`"
        ),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains(
            "llm.yaml:7:5: error: steps.summarise.run: `run` is not supported on a phase with \
             `llm:`"
        ),
        "{}",
        out.stdout
    );
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

const GRADE_DMN: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="defs" name="Grades" namespace="http://baton.example/dmn/grades">
  <decision id="grade" name="Grade">
    <decisionTable id="table" hitPolicy="UNIQUE">
      <input id="in_score"><inputExpression id="ie_score" typeRef="number"><text>score</text></inputExpression></input>
      <output id="out_grade" name="grade" typeRef="string"/>
      <rule id="r1"><inputEntry><text>&gt;= 10</text></inputEntry><outputEntry><text>"A"</text></outputEntry></rule>
      <rule id="r2"><inputEntry><text>&lt; 10</text></inputEntry><outputEntry><text>"B"</text></outputEntry></rule>
    </decisionTable>
  </decision>
</definitions>"#;

const GRADED: &str = "id: graded
phases:
  grade:
    decision:
      file: rules/grades.dmn
      decision: grade
      input: {score: points * 2}
      result: letter
  review:
    needs: [grade]
    gates:
      - approval: {user: demo}
";

#[test]
fn a_decision_phase_deploys_its_dmn_file_and_evaluates_it() {
    let w = Workdir::new();
    std::fs::create_dir_all(w.path().join("flows/rules")).expect("mkdir");
    w.write("flows/rules/grades.dmn", GRADE_DMN);
    w.write("flows/graded.yaml", GRADED);
    let out = w.baton(&["run", "flows/graded.yaml", "--var", "points=6", "--json"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    let d = out.json();
    assert_eq!(d["variables"]["letter"], "A", "{d:#}");
    assert_eq!(d["waiting"][0]["element"], "review__approval", "{d:#}");
}

#[test]
fn lint_warns_of_files_a_workflow_reads_that_are_not_there() {
    let w = Workdir::new();
    w.write(
        "flow.yaml",
        "id: flow\nphases:\n  prepare:\n    template:\n      - {from: a.j2, to: out/a.json, schema: a.schema.json}\n",
    );
    w.write("a.j2", "{}");
    let out = w.baton(&["lint", "flow.yaml"]);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout.contains(
            "flow.yaml:3:3: warning: phases.prepare: template `schema` `a.schema.json` does not exist"
        ),
        "{}",
        out.stdout
    );
    assert!(!out.stdout.contains("a.j2"), "{}", out.stdout);
}
