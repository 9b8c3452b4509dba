//! `baton lint`: exit status 0 clean, 1 with findings, 2 for input that is not BPMN; the
//! `--json` shape scripts rely on; job types and the minimum interval of timer cycles
//! checked against `baton.toml`; calls of FEEL functions that do not exist.

mod support;

use serde_json::json;
use support::Workdir;

const CLEAN: &str = r#"<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d">
<bpmn:process id="ship" name="Ship an order" isExecutable="true">
<bpmn:startEvent id="s"/>
<bpmn:serviceTask id="pack"><bpmn:extensionElements><zeebe:taskDefinition type="pack"/></bpmn:extensionElements></bpmn:serviceTask>
<bpmn:endEvent id="e"/>
<bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="pack"/>
<bpmn:sequenceFlow id="f2" sourceRef="pack" targetRef="e"/>
</bpmn:process></bpmn:definitions>"#;

const UNREACHABLE: &str = r#"<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d">
<bpmn:process id="p" isExecutable="true">
<bpmn:startEvent id="s"/>
<bpmn:endEvent id="e"/>
<bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="e"/>
<bpmn:task id="orphan"/>
</bpmn:process></bpmn:definitions>"#;

#[test]
fn a_clean_model_exits_0_and_says_ok() {
    let w = Workdir::new();
    w.write("ship.bpmn", CLEAN);
    let out = w.baton(&["lint", "ship.bpmn"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert!(out.stdout.contains("ship.bpmn: ok"), "{}", out.stdout);
}

#[test]
fn json_for_one_file_is_an_object_with_counts_processes_and_findings() {
    let w = Workdir::new();
    w.write("p.bpmn", UNREACHABLE);
    let out = w.baton(&["lint", "p.bpmn", "--json"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let d = out.json();
    assert_eq!(d["file"], "p.bpmn");
    assert_eq!(
        d["processes"],
        json!([{"id": "p", "name": null, "executable": true}])
    );
    assert_eq!(
        d["element_counts"],
        json!({"definitions": 1, "endEvent": 1, "process": 1, "sequenceFlow": 1, "startEvent": 1, "task": 1})
    );
    let findings = d["findings"].as_array().expect("findings");
    assert_eq!(findings.len(), 1, "{findings:#?}");
    let f = &findings[0];
    assert_eq!(f["severity"], "warning");
    assert_eq!(f["check"], "unreachable");
    assert_eq!(f["element"], "orphan");
    assert_eq!(f["line"], 6);
    assert!(
        f["message"]
            .as_str()
            .is_some_and(|m| m.contains("remove it")),
        "{f}"
    );
}

#[test]
fn several_files_give_an_array_and_the_worst_exit_status() {
    let w = Workdir::new();
    w.write("ship.bpmn", CLEAN);
    w.write("p.bpmn", UNREACHABLE);
    let out = w.baton(&["lint", "--json", "ship.bpmn", "p.bpmn"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let d = out.json();
    let files: Vec<&str> = d
        .as_array()
        .expect("an array")
        .iter()
        .filter_map(|f| f["file"].as_str())
        .collect();
    assert_eq!(files, ["ship.bpmn", "p.bpmn"]);

    let human = w.baton(&["lint", "ship.bpmn", "p.bpmn"]);
    assert_eq!(human.code, 1);
    assert!(
        human
            .stdout
            .contains("p.bpmn:6:1: warning: task 'orphan' can never run"),
        "{}",
        human.stdout
    );
}

#[test]
fn input_that_is_not_bpmn_exits_2() {
    let w = Workdir::new();
    w.write("notes.bpmn", "just some text");
    w.write("page.bpmn", "<html><body/></html>");
    w.write("ship.bpmn", CLEAN);
    for file in ["notes.bpmn", "page.bpmn"] {
        let out = w.baton(&["lint", file, "--json"]);
        assert_eq!(out.code, 2, "{file}: {}", out.stdout);
        let d = out.json();
        assert_eq!(d["findings"][0]["severity"], "error", "{d}");
        assert_eq!(d["findings"][0]["check"], "not_bpmn", "{d}");
    }
    // One bad file among good ones still fails the run as input error.
    assert_eq!(w.baton(&["lint", "ship.bpmn", "page.bpmn"]).code, 2);
    let missing = w.baton(&["lint", "nope.bpmn"]);
    assert_eq!(missing.code, 2);
    assert!(missing.stderr.contains("nope.bpmn"), "{}", missing.stderr);
    // A directory is no model either: the input's fault, not the system's (exit 3).
    std::fs::create_dir(w.path().join("models.bpmn")).expect("mkdir");
    let directory = w.baton(&["lint", "models.bpmn"]);
    assert_eq!(directory.code, 2, "{}", directory.stderr);
}

#[test]
fn job_types_are_checked_against_baton_toml_when_there_is_one() {
    let w = Workdir::new();
    w.write("ship.bpmn", CLEAN);
    // Without a baton.toml nothing is known, so nothing is checked.
    assert_eq!(w.baton(&["lint", "ship.bpmn"]).code, 0);

    w.write("baton.toml", "[workers.pakc]\ncommand = \"true\"\n");
    let out = w.baton(&["lint", "ship.bpmn", "--json"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let d = out.json();
    assert_eq!(d["findings"][0]["check"], "unknown_job_type", "{d}");
    assert_eq!(d["findings"][0]["element"], "pack", "{d}");
    assert!(
        d["findings"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("[workers.pack]") && m.contains("pakc")),
        "{d}"
    );

    w.write("other.toml", "[workers.pack]\ncommand = \"true\"\n");
    assert_eq!(
        w.baton(&["lint", "ship.bpmn", "--config", "other.toml"])
            .code,
        0
    );
    let missing = w.baton(&["lint", "ship.bpmn", "--config", "gone.toml"]);
    assert_eq!(missing.code, 2);
    assert!(missing.stderr.contains("gone.toml"), "{}", missing.stderr);
}

const EVERY_HALF_SECOND: &str = r#"<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d">
<bpmn:process id="tick" isExecutable="true">
<bpmn:startEvent id="s"><bpmn:timerEventDefinition><bpmn:timeCycle>R/PT0.5S</bpmn:timeCycle></bpmn:timerEventDefinition></bpmn:startEvent>
<bpmn:endEvent id="e"/>
<bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="e"/>
</bpmn:process></bpmn:definitions>"#;

#[test]
fn a_timer_cycle_under_the_minimum_interval_is_an_error_and_baton_toml_can_lower_it() {
    let w = Workdir::new();
    w.write("tick.bpmn", EVERY_HALF_SECOND);
    let out = w.baton(&["lint", "tick.bpmn", "--json"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let d = out.json();
    let f = &d["findings"][0];
    assert_eq!(f["severity"], "error", "{d}");
    assert_eq!(f["check"], "timer_interval", "{d}");
    assert_eq!(f["element"], "s", "{d}");
    assert_eq!(f["line"], 3, "{d}");
    assert!(
        f["message"]
            .as_str()
            .is_some_and(|m| m.contains("at most once every PT1S")),
        "{d}"
    );

    w.write("baton.toml", "[timers]\nmin_interval_ms = 100\n");
    let out = w.baton(&["lint", "tick.bpmn"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    w.write("baton.toml", "[timers]\nmin_interval_ms = 100\nbogus = 1\n");
    assert_eq!(w.baton(&["lint", "tick.bpmn"]).code, 2, "a bad baton.toml");
}

#[test]
fn a_feel_function_baton_lacks_is_a_lint_error_and_an_incident_when_run() {
    let w = Workdir::new();
    w.write(
        "quarter.bpmn",
        r#"<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d">
<bpmn:process id="quarter" isExecutable="true">
<bpmn:startEvent id="s"/>
<bpmn:scriptTask id="end_of_quarter"><bpmn:extensionElements><zeebe:script expression="=last day of quarter(today(), 1)" resultVariable="due"/></bpmn:extensionElements></bpmn:scriptTask>
<bpmn:endEvent id="e"/>
<bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="end_of_quarter"/>
<bpmn:sequenceFlow id="f2" sourceRef="end_of_quarter" targetRef="e"/>
</bpmn:process></bpmn:definitions>"#,
    );
    let out = w.baton(&["lint", "quarter.bpmn", "--json"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let d = out.json();
    let findings = d["findings"].as_array().expect("findings");
    assert!(
        findings.iter().any(|f| f["severity"] == "error"
            && f["check"] == "unknown_function"
            && f["element"] == "end_of_quarter"
            && f["message"]
                .as_str()
                .is_some_and(|m| m.contains("no function found with name 'last day of quarter'"))),
        "{findings:#?}"
    );
    // Deploying is not refused, as in Camunda: the call fails where it is evaluated.
    let run = w.baton(&["run", "quarter.bpmn", "--json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let d = run.json();
    assert_eq!(d["state"], "incident");
    assert!(
        d["incidents"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("no function found with name 'last day of quarter'")),
        "{d}"
    );
}
