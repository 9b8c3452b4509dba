//! User tasks from the command line on the embedded store: who they are for (from the
//! model), `baton claim`/`unclaim`, and `baton tasks` filtered by assignee and group.

mod support;

use serde_json::json;
use support::Workdir;

const REVIEW: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" targetNamespace="t">
<bpmn:process id="review" isExecutable="true">
<bpmn:startEvent id="start"/>
<bpmn:userTask id="check" name="Check"><bpmn:extensionElements><zeebe:assignmentDefinition assignee="=author" candidateGroups="editors"/></bpmn:extensionElements></bpmn:userTask>
<bpmn:endEvent id="end"/>
<bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="check"/>
<bpmn:sequenceFlow id="f1" sourceRef="check" targetRef="end"/>
</bpmn:process>
</bpmn:definitions>"#;

fn ids(w: &Workdir, args: &[&str]) -> Vec<String> {
    let mut all = vec!["tasks", "--json"];
    all.extend_from_slice(args);
    let out = w.baton(&all);
    assert_eq!(out.code, 0, "{}", out.stderr);
    out.json()
        .as_array()
        .expect("a list")
        .iter()
        .map(|t| t["id"].as_str().expect("an id").to_string())
        .collect()
}

#[test]
fn tasks_are_claimed_handed_back_and_listed_by_who_has_them() {
    let w = Workdir::new();
    w.write("review.bpmn", REVIEW);
    assert_eq!(w.baton(&["deploy", "review.bpmn"]).code, 0);
    assert_eq!(w.baton(&["start", "review", "--var", "author=ann"]).code, 0);
    assert_eq!(
        w.baton(&["start", "review", "--var", "author=null"]).code,
        0
    );
    let all = ids(&w, &[]);
    assert_eq!(all.len(), 2);
    let (anns, open) = (&all[0], &all[1]);
    assert_eq!(ids(&w, &["--assignee", "ann"]), [anns.as_str()]);
    assert_eq!(ids(&w, &["--unassigned"]), [open.as_str()]);
    assert_eq!(ids(&w, &["--group", "editors"]), all);

    let claimed = w.baton(&["claim", open, "--assignee", "bob", "--json"]);
    assert_eq!(claimed.code, 0, "{}", claimed.stderr);
    assert_eq!(claimed.json(), json!({"task": open, "assignee": "bob"}));
    assert_eq!(ids(&w, &["--assignee", "bob"]), [open.as_str()], "kept");
    let instance = &open[..open.find('-').expect("an instance-key id")];
    let shown = w.baton(&["show", instance]);
    assert!(shown.stdout.contains("claimed by bob"), "{}", shown.stdout);

    let refused = w.baton(&["claim", anns, "--assignee", "bob"]);
    assert_eq!(refused.code, 2, "{}", refused.stdout);
    assert!(
        refused.stderr.contains("claimed by 'ann'") && refused.stderr.contains("--force"),
        "{}",
        refused.stderr
    );
    assert_eq!(
        ids(&w, &["--assignee", "ann"]),
        [anns.as_str()],
        "unchanged"
    );
    let forced = w.baton(&["claim", anns, "--assignee", "bob", "--force"]);
    assert_eq!(forced.code, 0, "{}", forced.stderr);
    assert_eq!(
        forced.stdout.trim(),
        format!("task {anns} is claimed by bob")
    );

    let blank = w.baton(&["claim", anns, "--assignee", " "]);
    assert_eq!(blank.code, 2);
    assert!(blank.stderr.contains("blank"), "{}", blank.stderr);

    assert_eq!(w.baton(&["unclaim", anns]).code, 0);
    assert_eq!(ids(&w, &["--unassigned"]), [anns.as_str()]);
    let shown = w.baton(&["show", &anns[..anns.find('-').expect("an id")]]);
    assert!(
        shown.stdout.contains("waiting for user task"),
        "{}",
        shown.stdout
    );
}
