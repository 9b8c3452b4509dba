//! YAML phases run by the runtime's phase handler: templates checked by their schema,
//! actions with templated environments and other shells, outputs, exit criteria, gates
//! that park a phase until it is looked at again, timeouts, resources held by others and
//! `for_each`'s `max_parallel`.

use std::path::Path;
use std::sync::Arc;

use baton_core::{InstanceId, Timestamp};
use baton_feel::Context;
use baton_runtime::view::InstanceView;
use baton_runtime::{Config, Patience, Runtime, Source, SystemClock};
use baton_store::{Claim, ResourceStore as _};
use baton_store_sqlite::{Durability, SqliteStore};
use serde_json::Value as Json;

struct Project {
    runtime: Runtime<SqliteStore>,
    dir: tempfile::TempDir,
}

/// A project directory with `files` (relative path, text) and a runtime working in it,
/// with `workflow` deployed from `flow.yaml` in the same directory.
fn project(workflow: &str, files: &[(&str, &str)]) -> Project {
    let dir = tempfile::tempdir().expect("temp dir");
    for (path, text) in files {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().expect("a parent")).expect("dirs");
        std::fs::write(path, text).expect("write");
    }
    let store =
        SqliteStore::open(&dir.path().join(".baton/baton.db"), Durability::Relaxed).expect("store");
    let mut runtime = Runtime::new(store, Config::default(), Arc::new(SystemClock));
    runtime.set_project_dir(dir.path().to_path_buf());
    runtime
        .deploy(&[Source {
            name: dir.path().join("flow.yaml"),
            text: workflow.to_string(),
        }])
        .expect("deploy");
    Project { runtime, dir }
}

impl Project {
    fn start(&mut self, variables: &str) -> InstanceId {
        let json: Json = serde_json::from_str(variables).expect("test json");
        let baton_feel::Value::Context(variables) = baton_feel::Value::from_json(&json) else {
            panic!("variables must be an object")
        };
        let id = self.runtime.graph_id();
        let instance = self
            .runtime
            .start(&id, None, (*variables).clone())
            .expect("start");
        self.runtime.drive(Patience::WaitForRetries).expect("drive");
        instance
    }

    fn view(&mut self, instance: InstanceId) -> InstanceView {
        self.runtime.view(instance).expect("view")
    }

    fn json(&mut self, instance: InstanceId) -> Json {
        self.view(instance).to_json()
    }

    fn path(&self, file: &str) -> std::path::PathBuf {
        self.dir.path().join(file)
    }
}

trait GraphId {
    fn graph_id(&mut self) -> String;
}

impl GraphId for Runtime<SqliteStore> {
    /// The one process deployed.
    fn graph_id(&mut self) -> String {
        use baton_store::DeploymentStore as _;
        self.store()
            .definitions(baton_store::DefinitionKind::Process)
            .expect("definitions")
            .first()
            .expect("a process")
            .id
            .clone()
    }
}

/// `(id, status, missing)` of each phase.
fn phases(json: &Json) -> Vec<(String, String, Vec<String>)> {
    json["phases"]
        .as_array()
        .expect("phases")
        .iter()
        .map(|p| {
            (
                p["id"].as_str().unwrap_or_default().to_string(),
                p["status"].as_str().unwrap_or_default().to_string(),
                p["missing"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Json::as_str)
                    .map(str::to_string)
                    .collect(),
            )
        })
        .collect()
}

fn incident_messages(json: &Json) -> Vec<(String, String)> {
    json["incidents"]
        .as_array()
        .expect("incidents")
        .iter()
        .map(|i| {
            (
                i["element"].as_str().unwrap_or_default().to_string(),
                i["message"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

const MANIFEST: &str = r#"
id: manifest
inputs:
  version: {type: string}
phases:
  prepare:
    template:
      - from: manifest.json.j2
        to: dist/release.json
        schema: manifest.schema.json
"#;

#[test]
fn an_artifact_that_breaks_its_schema_is_an_incident_naming_the_file_and_field() {
    let files = [
        (
            "manifest.json.j2",
            "{\"version\": {{ version | tojson }}}\n",
        ),
        (
            "manifest.schema.json",
            r#"{"type": "object", "properties": {"version": {"type": "string", "pattern": "^[0-9]+\\.[0-9]+\\.[0-9]+$"}}}"#,
        ),
    ];
    let mut p = project(MANIFEST, &files);
    let good = p.start(r#"{"version": "1.2.0"}"#);
    assert_eq!(p.json(good)["state"], "completed");
    assert_eq!(
        std::fs::read_to_string(p.path("dist/release.json")).expect("rendered"),
        "{\"version\": \"1.2.0\"}\n"
    );
    let bad = p.start(r#"{"version": "1.2"}"#);
    let json = p.json(bad);
    assert_eq!(
        incident_messages(&json),
        vec![(
            "prepare".to_string(),
            r#"dist/release.json breaks manifest.schema.json at /version: "1.2" does not match "^[0-9]+\.[0-9]+\.[0-9]+$""#.to_string()
        )]
    );
    assert_eq!(phases(&json)[0].1, "failed");
}

#[test]
fn actions_get_templated_env_and_variables_and_their_json_becomes_outputs() {
    let workflow = r#"
id: actions
inputs:
  name: {type: string, default: Ada}
steps:
  greet:
    env:
      GREETING: "hello {{ name }}"
    run: |
      echo "working in $(basename "$PWD")" >&2
      printf '{"said": "%s", "cwd": "%s"}\n' "$GREETING" "$PWD"
  count:
    shell: python3
    run: |
      import json, sys
      seen = json.load(sys.stdin)
      print("thinking")
      print(json.dumps({"length": len(seen["said"]), "raw": "ignored"}))
    outputs:
      letters: length
"#;
    let mut p = project(workflow, &[]);
    let instance = p.start("{}");
    let json = p.json(instance);
    assert_eq!(json["state"], "completed", "{json}");
    let variables = &json["variables"];
    assert_eq!(variables["said"], "hello Ada");
    let project_dir = p.dir.path().canonicalize().expect("dir");
    assert_eq!(
        Path::new(variables["cwd"].as_str().expect("cwd"))
            .canonicalize()
            .expect("cwd"),
        project_dir,
        "the action runs in the project directory"
    );
    // `outputs:` map the result; without them, its fields become variables.
    assert_eq!(variables["letters"], 9);
    assert!(variables.get("raw").is_none(), "{variables}");
}

#[test]
fn a_failing_action_names_its_exit_code_and_stderr() {
    let workflow = "id: fails\nsteps:\n  build:\n    run: echo 'no compiler' >&2; exit 7\n";
    let mut p = project(workflow, &[]);
    let instance = p.start("{}");
    assert_eq!(
        incident_messages(&p.json(instance)),
        vec![(
            "build".to_string(),
            "the action exited with code 7: no compiler".to_string()
        )]
    );
}

#[test]
fn a_failed_exit_criterion_names_the_criterion_and_resolving_checks_again() {
    let workflow = r#"
id: criteria
phases:
  docs:
    run: mkdir -p reports && echo ok > reports/done
    exit:
      - file: reports/done
      - file: docs/upgrade.md
      - command: test -s reports/done
"#;
    let mut p = project(workflow, &[]);
    let instance = p.start("{}");
    let json = p.json(instance);
    let incidents = incident_messages(&json);
    assert_eq!(
        incidents,
        vec![(
            "docs".to_string(),
            "exit criterion not met: file docs/upgrade.md".to_string()
        )]
    );
    std::fs::create_dir_all(p.path("docs")).expect("dir");
    std::fs::write(p.path("docs/upgrade.md"), "# Upgrading\n").expect("write");
    let incident = p.view(instance).incidents[0].id;
    p.runtime.resolve_incident(incident, None).expect("resolve");
    p.runtime.drive(Patience::WaitForRetries).expect("drive");
    let json = p.json(instance);
    assert_eq!(json["state"], "completed");
    assert_eq!(phases(&json)[0].1, "completed");
}

#[test]
fn unmet_gates_park_the_phase_until_it_is_looked_at_again() {
    let workflow = r#"
id: gated
phases:
  prepare:
    run: 'echo ''{"checksum": "abc"}'''
  tag:
    needs: [prepare]
    gates:
      - file: CHANGELOG.md
      - command: grep -q '^## ' CHANGELOG.md
      - feel: checksum != null
    run: echo tagged > TAG
"#;
    let mut p = project(workflow, &[]);
    let instance = p.start("{}");
    let json = p.json(instance);
    assert_eq!(
        json["state"], "waiting",
        "run returns with the phase waiting"
    );
    assert_eq!(
        phases(&json),
        vec![
            ("prepare".into(), "completed".into(), vec![]),
            (
                "tag".into(),
                "waiting".into(),
                vec![
                    "file CHANGELOG.md".to_string(),
                    "command grep -q '^## ' CHANGELOG.md".to_string()
                ]
            ),
        ]
    );
    assert_eq!(p.runtime.parked_jobs(), 1);
    // Driving again does not run a parked job: nothing changed as far as it knows.
    p.runtime.drive(Patience::WaitForRetries).expect("drive");
    assert!(!p.path("TAG").exists());
    std::fs::write(p.path("CHANGELOG.md"), "# Changelog\n\n## 1.0.0\n").expect("write");
    assert_eq!(phases(&p.json(instance))[1].1, "ready");
    // `baton resume`: every open job is looked at again.
    p.runtime.recover().expect("recover");
    p.runtime.drive(Patience::WaitForRetries).expect("drive");
    assert_eq!(p.json(instance)["state"], "completed");
    assert!(p.path("TAG").exists());
}

#[test]
fn a_timed_out_action_is_killed_and_fails_naming_the_timeout() {
    let workflow = "id: slow\nsteps:\n  wait:\n    timeout: 1s\n    run: sleep 30\n";
    let mut p = project(workflow, &[]);
    let instance = p.start("{}");
    let incidents = incident_messages(&p.json(instance));
    assert_eq!(incidents.len(), 1, "{incidents:?}");
    assert!(
        incidents[0].1.contains("timed out after 1s and was killed"),
        "{incidents:?}"
    );
}

#[test]
fn a_phase_waits_while_another_holder_has_its_resource() {
    let workflow = r#"
id: staging
resources:
  deploy-env: 1
steps:
  deploy:
    resources:
      exclusive: deploy-env
    run: echo deployed >> deploy.log
"#;
    let mut p = project(workflow, &[]);
    let someone = [Claim {
        resource: "deploy-env".into(),
        units: 1,
        capacity: 1,
    }];
    // Another process on the same store holds it.
    let mut other = SqliteStore::open(&p.path(".baton/baton.db"), Durability::Relaxed)
        .expect("a second connection");
    let now = p.runtime.now();
    let later = Timestamp(now.0 + 600_000);
    assert!(
        other
            .try_acquire("another-process", &someone, now, later)
            .expect("acquire")
    );
    let id = p.runtime.graph_id();
    let instance = p.runtime.start(&id, None, Context::new()).expect("start");
    p.runtime.drive(Patience::DueNow).expect("drive");
    assert!(!p.path("deploy.log").exists(), "it waited");
    assert_eq!(
        phases(&p.json(instance)),
        vec![(
            "deploy".into(),
            "waiting".into(),
            vec!["resource deploy-env".to_string()]
        )]
    );
    other.release("another-process").expect("release");
    p.runtime.drive(Patience::WaitForRetries).expect("drive");
    assert_eq!(p.json(instance)["state"], "completed");
    // Given back once done.
    let holds =
        baton_store::ResourceStore::holders(p.runtime.store(), "deploy-env", now).expect("holders");
    assert_eq!(holds, vec![]);
}

#[test]
fn a_for_each_runs_every_item_and_never_more_than_max_parallel_at_once() {
    // Each item marks itself running, counts the marks (its own included) and records
    // the count, so the largest count is the most that ran at once.
    let workflow = r#"
id: batch
inputs:
  regions: {type: array, default: [emea, apac, amer, latam, anz, mena]}
steps:
  report:
    for_each: regions
    max_parallel: 2
    shell: python3
    run: |
      import json, os, sys, time
      region = json.load(sys.stdin)["item"]
      os.makedirs("running", exist_ok=True)
      open(f"running/{region}", "w").close()
      with open("counts.log", "a") as log:
          log.write(f"{region} {len(os.listdir('running'))}\n")
      time.sleep(0.2)
      os.remove(f"running/{region}")
"#;
    let mut p = project(workflow, &[]);
    let instance = p.start("{}");
    assert_eq!(p.json(instance)["state"], "completed");
    let log = std::fs::read_to_string(p.path("counts.log")).expect("log");
    let mut regions: Vec<&str> = log.lines().filter_map(|l| l.split(' ').next()).collect();
    regions.sort_unstable();
    assert_eq!(regions, ["amer", "anz", "apac", "emea", "latam", "mena"]);
    let most: usize = log
        .lines()
        .filter_map(|l| l.split(' ').nth(1)?.parse().ok())
        .max()
        .expect("counts");
    assert!(most <= 2, "{most} ran at once:\n{log}");
}
