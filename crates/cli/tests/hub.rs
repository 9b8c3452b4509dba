//! `baton hub` as a user runs it: a hub in a bare git repository made with libgit2 in a
//! temporary folder, settings and clones under a private HOME, a project that pulls
//! from it, and the counts of how often pulled workflows ran, from the project's store.

mod support;

use std::path::Path;

use git2::{Repository, RepositoryInitOptions, Signature};
use support::{Output, Workdir};

const TINY: &str = "id: tiny\nname: Tiny\ndescription: The smallest release there is\nversion: 1.0.0\ntags: [release]\ncategory: demo\n\nphases:\n  one:\n    run: echo one\n";

/// Process `tiny` as BPMN: a way to put instances of that process id in the store
/// without the YAML runtime; one version completes, the other waits at a user task.
const TINY_DONE: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="t">
<bpmn:process id="tiny" isExecutable="true">
<bpmn:startEvent id="start"/><bpmn:endEvent id="end"/>
<bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="end"/>
</bpmn:process>
</bpmn:definitions>"#;

const TINY_WAITS: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="t">
<bpmn:process id="tiny" isExecutable="true">
<bpmn:startEvent id="start"/><bpmn:userTask id="check"/><bpmn:endEvent id="end"/>
<bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="check"/>
<bpmn:sequenceFlow id="f1" sourceRef="check" targetRef="end"/>
</bpmn:process>
</bpmn:definitions>"#;

/// A bare repository at `dir` whose branch `main` gets a commit of `files`.
fn commit(dir: &Path, files: &[(&str, &str)]) -> String {
    let repo = Repository::open_bare(dir).unwrap_or_else(|_| {
        Repository::init_opts(
            dir,
            RepositoryInitOptions::new().bare(true).initial_head("main"),
        )
        .expect("init")
    });
    let parent = repo.head().ok().and_then(|h| h.peel_to_commit().ok());
    let base = parent.as_ref().map(|p| p.tree().expect("tree"));
    let mut tree = repo.treebuilder(base.as_ref()).expect("builder");
    for (path, text) in files {
        let blob = repo.blob(text.as_bytes()).expect("blob");
        tree.insert(path, blob, 0o100644).expect("insert");
    }
    let tree = repo.find_tree(tree.write().expect("tree")).expect("tree");
    let me = Signature::now("test", "test@example.com").expect("signature");
    let parents: Vec<&git2::Commit<'_>> = parent.iter().collect();
    repo.commit(Some("HEAD"), &me, &me, "Workflows", &tree, &parents)
        .expect("commit")
        .to_string()
}

fn hub(w: &Workdir, args: &[&str]) -> Output {
    let home = w.path().join("home");
    let mut command = w.command(&[&["hub"], args].concat());
    command
        .env("HOME", &home)
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env("XDG_CACHE_HOME", home.join(".cache"));
    let out = command.output().expect("baton runs");
    Output {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

#[test]
fn a_pulled_workflow_is_pinned_listed_with_its_runs_and_updated_with_a_diff() {
    let w = Workdir::new();
    let upstream = w.path().join("hub.git");
    let first = commit(&upstream, &[("tiny.yaml", TINY)]);
    let out = hub(&w, &["add", "team", &upstream.to_string_lossy()]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains(&first[..7]), "{}", out.stdout);

    let out = hub(&w, &["search", "RELEASE", "--json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        out.json(),
        serde_json::json!([{"hub": "team", "id": "tiny", "name": "Tiny",
            "description": "The smallest release there is", "tags": ["release"],
            "category": "demo", "version": "1.0.0"}])
    );

    let out = hub(&w, &["pull", "team/tiny"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let lock = std::fs::read_to_string(w.path().join(".baton/hub.lock")).expect("lock");
    assert!(lock.contains(&format!("commit = \"{first}\"")), "{lock}");
    let pulled = w.path().join(".baton/hub/team/tiny.yaml");
    assert_eq!(std::fs::read_to_string(&pulled).expect("pulled"), TINY);

    w.write("done.bpmn", TINY_DONE);
    w.write("waits.bpmn", TINY_WAITS);
    assert_eq!(w.baton(&["run", "done.bpmn"]).code, 0);
    assert_eq!(w.baton(&["run", "waits.bpmn"]).code, 0);
    let out = hub(&w, &["list", "--json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let listed = &out.json()[0]["workflows"][0];
    assert_eq!(
        listed["usage"],
        serde_json::json!({"applied": 2, "succeeded": 1})
    );
    let out = hub(&w, &["list"]);
    assert!(out.stdout.contains("tiny"), "{}", out.stdout);

    let second = commit(
        &upstream,
        &[("tiny.yaml", &TINY.replace("echo one", "echo two"))],
    );
    assert_eq!(std::fs::read_to_string(&pulled).expect("pulled"), TINY);
    let out = hub(&w, &["update"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains("-    run: echo one"), "{}", out.stdout);
    assert!(out.stdout.contains("+    run: echo two"), "{}", out.stdout);
    let lock = std::fs::read_to_string(w.path().join(".baton/hub.lock")).expect("lock");
    assert!(lock.contains(&format!("commit = \"{second}\"")), "{lock}");
}

#[test]
fn input_errors_exit_2_and_say_what_to_do() {
    let w = Workdir::new();
    let upstream = w.path().join("hub.git");
    commit(&upstream, &[("tiny.yaml", TINY)]);
    let out = hub(&w, &["pull", "team/tiny"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("baton hub add"), "{}", out.stderr);
    assert_eq!(
        hub(&w, &["add", "team", &upstream.to_string_lossy()]).code,
        0
    );
    for (args, says) in [
        (&["pull", "team/tinny"][..], "did you mean `tiny`?"),
        (&["search", "x", "--hub", "teem"], "did you mean `team`?"),
        (&["add", "other", "no/such/dir"], "is not a git repository"),
        (&["update", "team/tiny"], "is not pulled into this project"),
    ] {
        let out = hub(&w, args);
        assert_eq!(out.code, 2, "{args:?}: {}", out.stderr);
        assert!(out.stderr.contains(says), "{args:?}: {}", out.stderr);
    }
}
