//! Phase workflows in a project directory: `baton apply`, `status`, `resume` and
//! `rollback`, and an exclusive resource shared by two `baton start` processes.

mod support;

use serde_json::Value;
use support::Workdir;

const RELEASE: &str = r#"
id: release
inputs:
  version: {type: string, default: "1.0.0"}
phases:
  build:
    run: mkdir -p dist && echo "$(cat VERSION 2>/dev/null)" > dist/app
    undo: echo "undo build" >> undo.log && rm -f dist/app
  notes:
    needs: [build]
    run: echo notes > dist/notes
    undo: echo "undo notes" >> undo.log
  tag:
    needs: [notes]
    gates:
      - file: CHANGELOG.md
    env:
      VERSION: "{{ version }}"
    run: echo "v$VERSION" > dist/TAG
"#;

/// `(id, status, missing)` of each phase in a status or instance object.
fn phases(json: &Value) -> Vec<(String, String, Vec<String>)> {
    json["phases"]
        .as_array()
        .unwrap_or_else(|| panic!("no phases in {json}"))
        .iter()
        .map(|p| {
            let missing = p["missing"].as_array().cloned().unwrap_or_default();
            (
                p["id"].as_str().unwrap_or_default().to_string(),
                p["status"].as_str().unwrap_or_default().to_string(),
                missing
                    .iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect(),
            )
        })
        .collect()
}

fn statuses(json: &Value) -> Vec<(String, String)> {
    phases(json)
        .into_iter()
        .map(|(id, status, _)| (id, status))
        .collect()
}

fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
    items
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

#[test]
fn apply_waits_on_a_gate_status_names_it_and_resume_goes_on_once_it_is_met() {
    let work = Workdir::new();
    work.write("release.yaml", RELEASE);
    let applied = work.baton(&["apply", "release.yaml", "--var", "version=2.0.0", "--json"]);
    assert_eq!(applied.code, 0, "{}", applied.stderr);
    assert_eq!(applied.json()["state"], "waiting");

    let status = work.baton(&["status", "--json"]);
    assert_eq!(status.code, 0, "{}", status.stderr);
    let json = status.json();
    assert_eq!(json["workflow"], "release");
    assert_eq!(json["instance"], applied.json()["instance"]);
    assert_eq!(
        phases(&json),
        vec![
            ("build".into(), "completed".into(), vec![]),
            ("notes".into(), "completed".into(), vec![]),
            (
                "tag".into(),
                "waiting".into(),
                vec!["file CHANGELOG.md".to_string()]
            ),
        ]
    );
    let text = work.baton(&["status"]);
    assert!(
        text.stdout.contains("tag") && text.stdout.contains("file CHANGELOG.md"),
        "{}",
        text.stdout
    );
    assert!(text.stdout.contains("baton resume"), "{}", text.stdout);

    work.write("CHANGELOG.md", "## 2.0.0\n");
    let resumed = work.baton(&["resume", "--json"]);
    assert_eq!(resumed.code, 0, "{}", resumed.stderr);
    assert_eq!(resumed.json()["applied"]["state"], "completed");
    assert_eq!(
        std::fs::read_to_string(work.path().join("dist/TAG")).expect("tagged"),
        "v2.0.0\n"
    );
    let json = work.baton(&["status", "--json"]).json();
    assert_eq!(json["state"], "completed");
    assert_eq!(
        statuses(&json),
        pairs(&[
            ("build", "completed"),
            ("notes", "completed"),
            ("tag", "completed")
        ])
    );
}

#[test]
fn dir_binds_the_store_and_the_actions_to_the_project() {
    let work = Workdir::new();
    work.write("release.yaml", RELEASE);
    std::fs::create_dir_all(work.path().join("project")).expect("dir");
    work.write("project/VERSION", "3.1.0\n");
    work.write("project/CHANGELOG.md", "## 3.1.0\n");
    let applied = work.baton(&["apply", "release.yaml", "--dir", "project", "--json"]);
    assert_eq!(applied.code, 0, "{}", applied.stderr);
    assert_eq!(applied.json()["state"], "completed");
    assert!(work.path().join("project/.baton/baton.db").exists());
    assert!(
        !work.path().join(".baton").exists(),
        "nothing outside the project"
    );
    assert_eq!(
        std::fs::read_to_string(work.path().join("project/dist/app")).expect("built"),
        "3.1.0\n",
        "the action ran in the project"
    );
    let status = work.baton(&["status", "--dir", "project", "--json"]);
    assert_eq!(status.json()["state"], "completed");
}

#[test]
fn a_pulled_workflow_is_applied_by_its_hub_name() {
    let work = Workdir::new();
    std::fs::create_dir_all(work.path().join(".baton/hub/team")).expect("dir");
    work.write(".baton/hub/team/release.yaml", RELEASE);
    work.write("CHANGELOG.md", "## 1.0.0\n");
    work.write(
        ".baton/hub.lock",
        "[[workflow]]\nname = \"team/release\"\nsource = \"/srv/hub.git\"\ncommit = \"0123456789abcdef0123456789abcdef01234567\"\npath = \".baton/hub/team/release.yaml\"\n",
    );
    let applied = work.baton(&["apply", "team/release", "--json"]);
    assert_eq!(applied.code, 0, "{}", applied.stderr);
    assert_eq!(applied.json()["state"], "completed");
    let unknown = work.baton(&["apply", "team/nothing"]);
    assert_eq!(unknown.code, 2);
    assert!(
        unknown.stderr.contains("baton hub pull team/nothing"),
        "{}",
        unknown.stderr
    );
}

#[test]
fn rollback_runs_the_undo_actions_most_recent_first() {
    let work = Workdir::new();
    let failing = RELEASE.replace(
        "    run: echo \"v$VERSION\" > dist/TAG\n",
        "    run: echo 'no signing key' >&2; exit 1\n",
    );
    work.write("release.yaml", &failing);
    work.write("CHANGELOG.md", "## 1.0.0\n");
    let applied = work.baton(&["apply", "release.yaml", "--json"]);
    assert_eq!(applied.code, 1, "{}", applied.stdout);
    assert_eq!(
        statuses(&applied.json())[2],
        ("tag".into(), "failed".into())
    );

    let rolled = work.baton(&["rollback", "--json"]);
    assert_eq!(rolled.code, 0, "{}", rolled.stderr);
    let json = rolled.json();
    assert_eq!(
        statuses(&json),
        pairs(&[
            ("build", "rolled_back"),
            ("notes", "rolled_back"),
            ("tag", "pending")
        ])
    );
    assert_eq!(
        std::fs::read_to_string(work.path().join("undo.log")).expect("undone"),
        "undo notes\nundo build\n"
    );
    assert!(!work.path().join("dist/app").exists());
    let again = work.baton(&["rollback"]);
    assert_eq!(again.code, 2, "an ended instance cannot be rolled back");
}

#[test]
fn status_without_an_applied_workflow_says_how_to_apply_one() {
    let work = Workdir::new();
    let status = work.baton(&["status"]);
    assert_eq!(status.code, 2);
    assert!(status.stderr.contains("baton apply"), "{}", status.stderr);
}

/// Two processes start instances of a workflow whose step holds an exclusive resource:
/// both complete, and no two steps ever ran at once (each counts the steps running when
/// it starts, itself included).
#[test]
fn two_processes_never_hold_an_exclusive_resource_at_once() {
    let work = Workdir::new();
    work.write(
        "staging.yaml",
        r#"
id: staging
resources:
  deploy-env: 1
steps:
  deploy:
    resources:
      exclusive: deploy-env
    timeout: 1m
    run: |
      mkdir -p running && touch "running/$$"
      ls running | wc -l >> counts.log
      sleep 0.3
      rm "running/$$"
"#,
    );
    assert_eq!(work.baton(&["deploy", "staging.yaml"]).code, 0);
    let children: Vec<_> = (0..2)
        .map(|_| {
            work.command(&["start", "staging", "--count", "2"])
                .stdout(std::process::Stdio::null())
                .spawn()
                .expect("start")
        })
        .collect();
    for mut child in children {
        assert!(child.wait().expect("waited").success());
    }
    let instances = work.baton(&["instances", "--process", "staging", "--json"]);
    let states: Vec<Value> = instances
        .json()
        .as_array()
        .expect("a list")
        .iter()
        .map(|i| i["state"].clone())
        .collect();
    assert_eq!(states, vec!["completed"; 4]);
    let counts = std::fs::read_to_string(work.path().join("counts.log")).expect("counts");
    assert_eq!(counts.lines().collect::<Vec<_>>(), vec!["1"; 4], "{counts}");
}

/// `baton status` from another process while `baton apply` works: the phase whose action
/// runs is `running`, the one after it `pending`.
#[test]
fn status_shows_the_phase_whose_action_runs_in_another_process() {
    let work = Workdir::new();
    work.write(
        "slow.yaml",
        r#"
id: slow
phases:
  build:
    timeout: 1m
    run: touch started; while [ ! -f go ]; do sleep 0.05; done
  ship:
    needs: [build]
    run: echo shipped > shipped
"#,
    );
    let mut apply = work
        .command(&["apply", "slow.yaml"])
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("apply");
    // The action marks that it started; status is asked only then.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while !work.path().join("started").exists() {
        assert!(
            std::time::Instant::now() < deadline,
            "the action never started"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let json = work.baton(&["status", "--json"]).json();
    work.write("go", "");
    assert!(apply.wait().expect("apply ends").success());
    assert_eq!(
        statuses(&json),
        pairs(&[("build", "running"), ("ship", "pending")])
    );
    let json = work.baton(&["status", "--json"]).json();
    assert_eq!(
        statuses(&json),
        pairs(&[("build", "completed"), ("ship", "completed")])
    );
}

#[test]
fn a_phase_waiting_for_its_approval_names_who_approves() {
    let work = Workdir::new();
    work.write(
        "upload.yaml",
        "id: publish\nphases:\n  upload:\n    gates:\n      - approval: {group: release-managers}\n    run: echo up > uploaded\n",
    );
    assert_eq!(work.baton(&["apply", "upload.yaml"]).code, 0);
    let json = work.baton(&["status", "--json"]).json();
    assert_eq!(
        phases(&json),
        vec![(
            "upload".into(),
            "waiting".into(),
            vec!["approval group release-managers".to_string()]
        )]
    );
    let text = work.baton(&["status"]).stdout;
    assert!(text.contains("baton complete"), "{text}");
}

#[test]
fn templates_are_found_from_where_the_workflow_was_deployed_whatever_the_directory_later() {
    let work = Workdir::new();
    std::fs::create_dir_all(work.path().join("flows")).expect("dir");
    work.write(
        "flows/notes.yaml",
        "id: notes\nphases:\n  write:\n    template:\n      - from: notes.md.j2\n        to: NOTES.md\n",
    );
    work.write("flows/notes.md.j2", "Notes for {{ who }}\n");
    let deployed = work.baton(&["deploy", "flows/notes.yaml"]);
    assert_eq!(deployed.code, 0, "{}", deployed.stderr);
    std::fs::create_dir_all(work.path().join("elsewhere/.baton")).expect("dir");
    std::fs::copy(
        work.path().join(".baton/baton.db"),
        work.path().join("elsewhere/.baton/baton.db"),
    )
    .expect("store copied");
    let started = work
        .command(&["start", "notes", "--var", "who=\"ops\"", "--json"])
        .current_dir(work.path().join("elsewhere"))
        .output()
        .expect("baton runs");
    assert!(
        started.status.success(),
        "{}",
        String::from_utf8_lossy(&started.stderr)
    );
    assert_eq!(
        std::fs::read_to_string(work.path().join("elsewhere/NOTES.md")).expect("rendered"),
        "Notes for ops\n"
    );
}
