//! Real git repositories in a temporary folder, made with libgit2 (never the `git`
//! program): an upstream hub as a bare repository that tests commit to directly, and
//! the user's settings, cache and a project beside it.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use baton_hub::{Hubs, Paths};
use git2::{Oid, Repository, Signature};

pub struct World {
    pub dir: tempfile::TempDir,
    pub upstream: Repository,
}

impl World {
    /// A bare upstream repository with `files` in its first commit.
    pub fn new(files: &[(&str, &str)]) -> World {
        let dir = tempfile::tempdir().expect("temporary folder");
        // `main`, not libgit2's default `master`, so the clone must follow the remote's HEAD.
        let upstream = Repository::init_opts(
            dir.path().join("upstream.git"),
            git2::RepositoryInitOptions::new()
                .bare(true)
                .initial_head("main"),
        )
        .expect("init");
        let world = World { dir, upstream };
        world.commit(files, "First workflows");
        world
    }

    pub fn upstream_path(&self) -> String {
        self.dir
            .path()
            .join("upstream.git")
            .to_string_lossy()
            .into_owned()
    }

    pub fn project(&self) -> PathBuf {
        let project = self.dir.path().join("project");
        std::fs::create_dir_all(&project).expect("project folder");
        project
    }

    pub fn hubs(&self) -> Hubs {
        Hubs::open(Paths::new(
            self.dir.path().join("config/baton/hubs.toml"),
            self.dir.path().join("cache/baton/hubs"),
        ))
        .expect("settings")
    }

    /// Adds the upstream as hub `name`.
    pub fn add(&self, name: &str) -> baton_hub::Added {
        self.hubs().add(name, &self.upstream_path()).expect("add")
    }

    /// Pulls `reference` into `project` without forcing.
    pub fn pull(&self, project: &Path, reference: &str) -> baton_hub::Locked {
        self.hubs()
            .pull(project, reference, false)
            .expect(reference)
    }

    /// Commits `files` (paths with `/` for folders) on top of the upstream's head.
    pub fn commit(&self, files: &[(&str, &str)], message: &str) -> Oid {
        let repo = &self.upstream;
        let parent = repo.head().ok().and_then(|h| h.peel_to_commit().ok());
        let base = parent.as_ref().map(|p| p.tree().expect("tree"));
        // Top-level files go through one builder, so a commit of a thousand files
        // writes one tree, not a thousand.
        let mut top = repo.treebuilder(base.as_ref()).expect("builder");
        let mut nested = Vec::new();
        for (path, text) in files {
            let blob = repo.blob(text.as_bytes()).expect("blob");
            match path.split_once('/') {
                None => {
                    top.insert(path, blob, 0o100644).expect("insert");
                }
                Some(_) => nested.push((*path, blob)),
            }
        }
        let mut tree = top.write().expect("tree");
        for (path, blob) in nested {
            let parts: Vec<&str> = path.split('/').collect();
            tree = insert(repo, Some(tree), &parts, blob);
        }
        let tree = repo.find_tree(tree).expect("tree");
        let me = Signature::now("test", "test@example.com").expect("signature");
        let parents: Vec<&git2::Commit<'_>> = parent.iter().collect();
        repo.commit(Some("HEAD"), &me, &me, message, &tree, &parents)
            .expect("commit")
    }

    /// A hub of `count` workflows: every tenth is tagged `release`, the rest `data`.
    pub fn many(count: usize) -> World {
        let files: Vec<(String, String)> = (0..count)
            .map(|n| {
                let tag = if n % 10 == 0 { "release" } else { "data" };
                let id = format!("w{n:04}");
                let text = workflow(&id, &format!("Workflow {n}"), "Generated", &[tag], "bench");
                (format!("{id}.yaml"), text)
            })
            .collect();
        let files: Vec<(&str, &str)> = files
            .iter()
            .map(|(path, text)| (path.as_str(), text.as_str()))
            .collect();
        World::new(&files)
    }

    pub fn head(&self) -> Oid {
        self.upstream
            .head()
            .expect("head")
            .target()
            .expect("direct")
    }

    /// The file at `path` in the upstream's head.
    pub fn upstream_file(&self, path: &str) -> Option<String> {
        let tree = self.upstream.head().ok()?.peel_to_tree().ok()?;
        let entry = tree.get_path(Path::new(path)).ok()?;
        let blob = self.upstream.find_blob(entry.id()).ok()?;
        Some(String::from_utf8_lossy(blob.content()).into_owned())
    }
}

fn insert(repo: &Repository, base: Option<Oid>, path: &[&str], blob: Oid) -> Oid {
    let base = base.map(|id| repo.find_tree(id).expect("tree"));
    let mut builder = repo.treebuilder(base.as_ref()).expect("builder");
    match path {
        [file] => {
            builder.insert(file, blob, 0o100644).expect("insert");
        }
        [folder, rest @ ..] => {
            let sub = base
                .as_ref()
                .and_then(|b| b.get_name(folder))
                .map(|entry| entry.id());
            let sub = insert(repo, sub, rest, blob);
            builder.insert(folder, sub, 0o040000).expect("insert");
        }
        [] => unreachable!("a path has a name"),
    }
    builder.write().expect("write tree")
}

pub fn workflow(id: &str, name: &str, description: &str, tags: &[&str], category: &str) -> String {
    format!(
        "id: {id}\nname: {name}\ndescription: {description}\nversion: 1.0.0\ntags: [{}]\ncategory: {category}\n\nphases:\n  build:\n    run: echo build\n",
        tags.join(", ")
    )
}

pub fn hotfix() -> String {
    workflow(
        "y_hotfix",
        "Hotfix release",
        "Branch from a released version, apply a fix and ship a patch release.",
        &["release", "hotfix"],
        "delivery",
    )
}

pub fn pipeline() -> String {
    workflow(
        "y_pipeline",
        "Ticket triage",
        "Extract the words of a support ticket, classify it and check the label.",
        &["pipeline", "support"],
        "data",
    )
}
