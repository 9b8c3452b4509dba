//! `baton hub` over real git repositories made in a temporary folder.

mod common;

use baton_hub::{Error, Lock, Query};
use common::{World, hotfix, pipeline, workflow};

fn ids(hits: &[baton_hub::Hit]) -> Vec<String> {
    hits.iter()
        .map(|hit| format!("{}/{}", hit.hub, hit.workflow.id))
        .collect()
}

fn search(
    world: &World,
    text: Option<&str>,
    tag: Option<&str>,
    category: Option<&str>,
) -> Vec<String> {
    let query = Query {
        text: text.map(str::to_string),
        tag: tag.map(str::to_string),
        category: category.map(str::to_string),
        hub: None,
    };
    ids(&world.hubs().search(&query).expect("search"))
}

#[test]
fn add_indexes_the_workflows_and_skips_other_yaml() {
    let world = World::new(&[
        ("y_hotfix.yaml", &hotfix()),
        ("data/y_pipeline.yml", &pipeline()),
        (
            "docker-compose.yaml",
            "services:\n  db:\n    image: postgres\n",
        ),
        (".github/workflows/ci.yml", "on: push\njobs: {}\n"),
    ]);
    let added = world.add("team");
    assert_eq!(added.commit, Some(world.head().to_string()));
    assert_eq!(added.workflows, 2);
    let skipped: Vec<(&str, &str)> = added
        .skipped
        .iter()
        .map(|s| (s.path.as_str(), s.reason.as_str()))
        .collect();
    assert_eq!(skipped.len(), 1, "{skipped:?}");
    assert_eq!(skipped[0].0, "docker-compose.yaml");
    assert!(skipped[0].1.starts_with("1:1: "), "{skipped:?}");
    let listing = world.hubs().list(None).expect("list");
    let paths: Vec<&str> = listing[0]
        .workflows
        .iter()
        .map(|w| w.path.as_str())
        .collect();
    assert_eq!(paths, ["y_hotfix.yaml", "data/y_pipeline.yml"]);
}

#[test]
fn search_matches_name_description_tags_and_category_in_any_case() {
    let world = World::new(&[
        ("y_hotfix.yaml", &hotfix()),
        ("y_pipeline.yaml", &pipeline()),
    ]);
    world.add("team");
    assert_eq!(
        search(&world, Some("release"), None, None),
        ["team/y_hotfix"]
    );
    assert_eq!(
        search(&world, Some("TRIAGE"), None, None),
        ["team/y_pipeline"]
    );
    assert_eq!(
        search(&world, Some("support"), None, None),
        ["team/y_pipeline"]
    );
    assert_eq!(
        search(&world, None, Some("Hotfix"), None),
        ["team/y_hotfix"]
    );
    assert_eq!(
        search(&world, None, None, Some("data")),
        ["team/y_pipeline"]
    );
    assert_eq!(
        search(&world, Some("release"), None, Some("data")),
        Vec::<String>::new()
    );
    assert_eq!(search(&world, None, None, None).len(), 2);

    // The clone lives in a cache, which may be cleared: it is cloned again.
    std::fs::remove_dir_all(world.dir.path().join("cache")).expect("clear the cache");
    assert_eq!(
        search(&world, Some("release"), None, None),
        ["team/y_hotfix"]
    );
}

#[test]
fn pull_pins_the_commit_and_keeps_the_file_until_update() {
    let world = World::new(&[("y_hotfix.yaml", &hotfix())]);
    let first = world.head();
    let project = world.project();
    world.add("team");
    let locked = world.pull(&project, "team/y_hotfix");
    assert_eq!(locked.commit, first.to_string());
    assert_eq!(locked.path, ".baton/hub/team/y_hotfix.yaml");
    let lock_text = std::fs::read_to_string(project.join(".baton/hub.lock")).expect("lock");
    assert!(
        lock_text.contains(&format!("commit = \"{first}\"")),
        "{lock_text}"
    );
    assert!(
        lock_text.contains("name = \"team/y_hotfix\""),
        "{lock_text}"
    );
    let pulled = project.join(".baton/hub/team/y_hotfix.yaml");
    assert_eq!(std::fs::read_to_string(&pulled).expect("pulled"), hotfix());

    let changed = hotfix().replace("echo build", "echo build --release");
    let second = world.commit(&[("y_hotfix.yaml", &changed)], "Build for release");
    // A new upstream commit changes nothing here, not even through a second hub command.
    world.hubs().search(&Query::default()).expect("search");
    assert_eq!(std::fs::read_to_string(&pulled).expect("pulled"), hotfix());
    assert_eq!(
        Lock::load(&project).expect("lock").workflows[0].commit,
        first.to_string()
    );

    let report = world.hubs().update(&project, None, false).expect("update");
    assert_eq!(report.workflows.len(), 1);
    let updated = &report.workflows[0];
    assert_eq!(
        (updated.from.clone(), updated.to.clone()),
        (first.to_string(), second.to_string())
    );
    assert!(
        updated.diff.contains("-    run: echo build\n"),
        "{}",
        updated.diff
    );
    assert!(
        updated.diff.contains("+    run: echo build --release\n"),
        "{}",
        updated.diff
    );
    assert_eq!(std::fs::read_to_string(&pulled).expect("pulled"), changed);
    assert_eq!(
        Lock::load(&project).expect("lock").workflows[0].commit,
        second.to_string()
    );
}

#[test]
fn pull_at_a_revision_takes_the_file_as_it_was_then() {
    let world = World::new(&[("y_hotfix.yaml", &hotfix())]);
    let first = world.head();
    let tagged = world.upstream.find_object(first, None).expect("commit");
    world
        .upstream
        .tag_lightweight("v1", &tagged, false)
        .expect("tag");
    let changed = hotfix().replace("1.0.0", "2.0.0");
    world.commit(&[("y_hotfix.yaml", &changed)], "Version 2");
    let project = world.project();
    world.add("team");
    let short = first.to_string()[..7].to_string();
    for rev in [short.as_str(), "v1", "main~1"] {
        let locked = world.pull(&project, &format!("team/y_hotfix@{rev}"));
        assert_eq!(locked.commit, first.to_string(), "@{rev}");
        let pulled = std::fs::read_to_string(project.join(&locked.path)).expect("pulled");
        assert_eq!(pulled, hotfix(), "@{rev}");
    }
    let locked = world.pull(&project, "team/y_hotfix");
    assert_eq!(locked.commit, world.head().to_string());
}

#[test]
fn update_refuses_to_overwrite_a_pulled_file_changed_by_hand() {
    let world = World::new(&[("y_hotfix.yaml", &hotfix())]);
    let project = world.project();
    world.add("team");
    let locked = world.pull(&project, "team/y_hotfix");
    std::fs::write(project.join(&locked.path), "id: y_hotfix\n# mine\n").expect("edit");
    world.commit(
        &[("y_hotfix.yaml", &hotfix().replace("1.0.0", "1.0.1"))],
        "1.0.1",
    );
    let error = world
        .hubs()
        .update(&project, None, false)
        .expect_err("local changes");
    assert!(matches!(error, Error::LocalChanges { .. }), "{error}");
    assert!(error.to_string().contains("--force"), "{error}");
    assert_eq!(Lock::load(&project).expect("lock").workflows[0], locked);
    let mut elsewhere = world.hubs();
    elsewhere.remove("team").expect("remove");
    let error = elsewhere
        .update(&project, None, true)
        .expect_err("hub gone");
    assert_eq!(
        error.to_string(),
        format!(
            "team/y_hotfix was pulled from hub `team`, which is not added here: `baton hub add team {}`",
            world.upstream_path()
        )
    );
    world.add("team");
    let report = world
        .hubs()
        .update(&project, Some("team/y_hotfix"), true)
        .expect("forced");
    assert_eq!(report.workflows[0].to, world.head().to_string());
}

#[test]
fn publish_commits_and_pushes_to_the_hub() {
    let world = World::new(&[("y_hotfix.yaml", &hotfix())]);
    let before = world.head();
    world.add("team");
    let file = world.dir.path().join("y_onboard.yaml");
    let onboard = workflow(
        "y_onboard",
        "Onboarding",
        "New hire checklist",
        &["people"],
        "hr",
    );
    std::fs::write(&file, &onboard).expect("write");

    let published = world
        .hubs()
        .publish(&file, None, Some("Add onboarding"))
        .expect("publish");
    assert!(!published.unchanged);
    assert_eq!(published.path, "y_onboard.yaml");
    assert_eq!(world.head().to_string(), published.commit);
    let commit = world.upstream.find_commit(world.head()).expect("commit");
    assert_eq!(commit.message(), Ok("Add onboarding"));
    assert_eq!(commit.parent_id(0).expect("parent"), before);
    assert_eq!(world.upstream_file("y_onboard.yaml"), Some(onboard));
    assert_eq!(
        search(&world, Some("onboarding"), None, None),
        ["team/y_onboard"]
    );

    let again = world
        .hubs()
        .publish(&file, Some("team"), None)
        .expect("again");
    assert!(again.unchanged);
    assert_eq!(world.head().to_string(), published.commit);
}

#[test]
fn publish_replaces_the_file_the_hub_has_for_that_id() {
    let world = World::new(&[("flows/y_hotfix.yaml", &hotfix())]);
    world.add("team");
    let file = world.dir.path().join("hotfix.yaml");
    let changed = hotfix().replace("1.0.0", "1.1.0");
    std::fs::write(&file, &changed).expect("write");
    let published = world.hubs().publish(&file, None, None).expect("publish");
    assert_eq!(published.path, "flows/y_hotfix.yaml");
    assert_eq!(world.upstream_file("flows/y_hotfix.yaml"), Some(changed));
    let commit = world.upstream.find_commit(world.head()).expect("commit");
    assert_eq!(commit.message(), Ok("Publish y_hotfix 1.1.0"));
}

#[test]
fn errors_name_what_is_wrong_and_what_to_do() {
    let world = World::new(&[("y_hotfix.yaml", &hotfix())]);
    let project = world.project();
    let mut hubs = world.hubs();
    let error = hubs
        .pull(&project, "team/y_hotfix", false)
        .expect_err("no hubs");
    assert!(error.to_string().contains("baton hub add"), "{error}");

    hubs.add("team", &world.upstream_path()).expect("add");
    for (reference, message) in [
        ("taem/y_hotfix", "unknown hub `taem`; did you mean `team`?"),
        (
            "team/y_hotfx",
            "hub `team` has no workflow `y_hotfx`; did you mean `y_hotfix`?",
        ),
        (
            "team/y_hotfix@nosuchrev",
            "hub `team` has no revision `nosuchrev`; give a commit, tag or branch of it, or fetch new ones with `baton hub update`",
        ),
        (
            "y_hotfix",
            "invalid workflow reference `y_hotfix`: write HUB/ID or HUB/ID@REV (see `baton hub search`)",
        ),
    ] {
        let error = hubs.pull(&project, reference, false).expect_err(reference);
        assert_eq!(error.to_string(), message);
        assert!(error.is_input_error(), "{error}");
    }
    let error = hubs.add("team", &world.upstream_path()).expect_err("twice");
    assert!(error.to_string().contains("already exists"), "{error}");

    let broken = world.dir.path().join("broken.yaml");
    std::fs::write(&broken, "id: broken\nphases:\n  a:\n    neds: [b]\n").expect("write");
    let head = world.head();
    let error = hubs.publish(&broken, None, None).expect_err("broken");
    assert!(matches!(error, Error::InvalidWorkflow { .. }), "{error}");
    assert!(error.to_string().contains("4:5: "), "{error}");
    assert_eq!(world.head(), head, "nothing was pushed");

    // A hub that is someone's working copy cannot take a push (libgit2 refuses).
    let working = world.dir.path().join("working");
    let repo = git2::Repository::init(&working).expect("init");
    let blob = repo.blob(hotfix().as_bytes()).expect("blob");
    let mut tree = repo.treebuilder(None).expect("builder");
    tree.insert("y_hotfix.yaml", blob, 0o100644)
        .expect("insert");
    let tree = repo.find_tree(tree.write().expect("tree")).expect("tree");
    let me = git2::Signature::now("test", "test@example.com").expect("signature");
    repo.commit(Some("HEAD"), &me, &me, "One", &tree, &[])
        .expect("commit");
    hubs.add("working", &working.to_string_lossy())
        .expect("add");
    let fine = world.dir.path().join("fine.yaml");
    std::fs::write(&fine, hotfix()).expect("write");
    let error = hubs
        .publish(&fine, Some("working"), None)
        .expect_err("not bare");
    assert!(matches!(error, Error::NotBare { .. }), "{error}");
    hubs.remove("working").expect("remove");

    let not_git = world.dir.path().join("plain");
    std::fs::create_dir_all(&not_git).expect("folder");
    let error = hubs
        .add("plain", &not_git.to_string_lossy())
        .expect_err("not git");
    assert!(matches!(error, Error::NotARepository { .. }), "{error}");
    assert!(
        error.to_string().contains("is not a git repository"),
        "{error}"
    );
    let error = hubs.add("gone", "/no/such/folder").expect_err("missing");
    assert!(
        error.to_string().contains("is not a git repository"),
        "{error}"
    );
    assert!(error.is_input_error());
    for url in [
        "https://git.example.com/hub.git",
        "git@git.example.com:hub.git",
    ] {
        let error = hubs.add("remote", url).expect_err(url);
        assert!(matches!(error, Error::UnsupportedUrl(_)), "{error}");
    }
    assert_eq!(hubs.settings().hubs.len(), 1);
}

/// `hub search` over a thousand workflows answers from the index built once per commit.
/// How long it takes is measured by `cargo test -p baton-hub --bench search`.
#[test]
fn search_over_a_thousand_workflows_reads_the_index() {
    let world = World::many(1_000);
    let added = world.add("big");
    assert_eq!(added.workflows, 1_000);
    assert_eq!(search(&world, Some("release"), None, None).len(), 100);
    assert_eq!(
        search(&world, Some("workflow 999"), None, None),
        ["big/w0999"]
    );
    assert_eq!(search(&world, None, Some("data"), Some("bench")).len(), 900);
}

#[test]
fn pull_brings_the_files_a_workflow_names_relative_to_itself() {
    let notes = "id: y_notes\nphases:\n  write:\n    template:\n      - from: templates/notes.md.j2\n        to: NOTES.md\n        schema: ../schemas/notes.json\n";
    let world = World::new(&[
        ("flows/y_notes.yaml", notes),
        ("flows/templates/notes.md.j2", "# Notes for {{ version }}\n"),
        ("schemas/notes.json", "{}"),
    ]);
    let project = world.project();
    world.add("team");
    let locked = world.pull(&project, "team/y_notes");
    assert_eq!(locked.path, ".baton/hub/team/y_notes.yaml");
    let template = project.join(".baton/hub/team/templates/notes.md.j2");
    assert_eq!(
        std::fs::read_to_string(template).expect("template pulled beside the workflow"),
        "# Notes for {{ version }}\n"
    );
    // A path that climbs out of the workflow's folder would land outside the hub's.
    assert!(!project.join(".baton/hub/schemas").exists());
}

#[test]
fn update_survives_a_rewritten_history_and_a_cleared_cache() {
    let world = World::new(&[("y_hotfix.yaml", &hotfix())]);
    let project = world.project();
    world.add("team");
    world.pull(&project, "team/y_hotfix");
    // Upstream replaces its history with one commit the pin is not part of.
    let rewritten = hotfix().replace("1.0.0", "3.0.0");
    let repo = &world.upstream;
    let blob = repo.blob(rewritten.as_bytes()).expect("blob");
    let mut tree = repo.treebuilder(None).expect("builder");
    tree.insert("y_hotfix.yaml", blob, 0o100644)
        .expect("insert");
    let tree = repo.find_tree(tree.write().expect("tree")).expect("tree");
    let me = git2::Signature::now("test", "test@example.com").expect("signature");
    let orphan = repo
        .commit(None, &me, &me, "Rewritten", &tree, &[])
        .expect("commit");
    repo.reference("refs/heads/main", orphan, true, "force push")
        .expect("move main");
    std::fs::remove_dir_all(world.dir.path().join("cache")).expect("clear the cache");

    let report = world.hubs().update(&project, None, false).expect("update");
    assert_eq!(report.workflows[0].to, orphan.to_string());
    assert!(
        report.workflows[0].diff.contains("+version: 3.0.0"),
        "{}",
        report.workflows[0].diff
    );
    let lock = Lock::load(&project).expect("lock");
    assert_eq!(lock.workflows[0].commit, orphan.to_string());
}
