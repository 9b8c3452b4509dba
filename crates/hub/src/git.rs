//! The hub's git work, all through libgit2 (`git2`): a bare clone per hub whose
//! branches mirror the remote's (`+refs/heads/*:refs/heads/*`), so the clone's `HEAD`
//! is the hub's current commit; reading files at a commit; and publishing, which builds
//! the new tree from the old one without a working directory and pushes the branch.

use std::path::Path;

use git2::{
    FetchOptions, ObjectType, Oid, PushOptions, RemoteCallbacks, Repository, Signature, Tree,
};

use crate::error::{Error, Result};

const MIRROR: &str = "+refs/heads/*:refs/heads/*";

/// A hub's bare clone, mirroring the remote's branches.
pub struct Mirror {
    pub(crate) repo: Repository,
    hub: String,
}

impl Mirror {
    /// Clones `url` into `dir` (which must not exist) as a bare mirror of its branches.
    pub fn create(hub: &str, url: &str, dir: &Path) -> Result<Mirror> {
        let repo = Repository::init_bare(dir).map_err(Error::git(format!(
            "creating the clone of hub `{hub}` in {}",
            dir.display()
        )))?;
        repo.remote_with_fetch("origin", url, MIRROR)
            .map_err(|e| Error::NotARepository {
                source_url: url.to_string(),
                reason: e.message().to_string(),
            })?;
        let clone = Mirror {
            repo,
            hub: hub.to_string(),
        };
        clone.fetch().map_err(|e| match e {
            Error::Git { source, .. } => Error::NotARepository {
                source_url: url.to_string(),
                reason: source.message().to_string(),
            },
            other => other,
        })?;
        Ok(clone)
    }

    pub fn open(hub: &str, dir: &Path) -> Result<Mirror> {
        let repo = Repository::open_bare(dir).map_err(Error::git(format!(
            "opening the clone of hub `{hub}` at {} (remove the hub and add it again)",
            dir.display()
        )))?;
        Ok(Mirror {
            repo,
            hub: hub.to_string(),
        })
    }

    /// The commit the hub is at, `None` for a repository without commits yet.
    pub fn head(&self) -> Result<Option<Oid>> {
        match self.repo.head() {
            Ok(head) => Ok(head.target()),
            Err(e) if e.code() == git2::ErrorCode::UnbornBranch => Ok(None),
            Err(e) if e.code() == git2::ErrorCode::NotFound => Ok(None),
            Err(e) => Err(Error::git(format!(
                "reading the head of hub `{}`",
                self.hub
            ))(e)),
        }
    }

    /// The branch `HEAD` names (`refs/heads/main`), born or not.
    fn branch(&self) -> Result<String> {
        let head = self
            .repo
            .find_reference("HEAD")
            .map_err(Error::git(format!("reading HEAD of hub `{}`", self.hub)))?;
        Ok(head
            .symbolic_target()
            .ok()
            .flatten()
            .unwrap_or("refs/heads/main")
            .to_string())
    }

    /// Fetches every branch of the remote and points `HEAD` at the remote's default
    /// branch; returns the new head.
    pub fn fetch(&self) -> Result<Option<Oid>> {
        let mut remote = self.repo.find_remote("origin").map_err(Error::git(format!(
            "finding the remote of hub `{}`",
            self.hub
        )))?;
        let mut options = FetchOptions::new();
        options.prune(git2::FetchPrune::On);
        let url = remote.url().unwrap_or("its remote").to_string();
        remote
            .fetch(&[MIRROR], Some(&mut options), None)
            .map_err(Error::git(format!(
                "fetching hub `{}` from {url}",
                self.hub
            )))?;
        // A repository without commits advertises no default branch: HEAD stays unborn.
        if let Ok(branch) = remote.default_branch()
            && let Ok(branch) = branch.as_str()
        {
            self.repo.set_head(branch).map_err(Error::git(format!(
                "pointing hub `{}` at {branch}",
                self.hub
            )))?;
        }
        self.head()
    }

    /// The commit `rev` names: a full or abbreviated commit id, a tag or a branch.
    pub fn resolve(&self, rev: &str) -> Result<Oid> {
        self.repo
            .revparse_single(rev)
            .and_then(|object| object.peel_to_commit())
            .map(|commit| commit.id())
            .map_err(|_| Error::UnknownRevision {
                hub: self.hub.clone(),
                rev: rev.to_string(),
            })
    }

    pub(crate) fn tree(&self, commit: Oid) -> Result<Tree<'_>> {
        self.repo
            .find_commit(commit)
            .and_then(|commit| commit.tree())
            .map_err(Error::git(format!(
                "reading commit {commit} of hub `{}`",
                self.hub
            )))
    }

    /// The file at `path` in `commit`, `None` when there is none.
    pub fn file(&self, commit: Oid, path: &str) -> Result<Option<Vec<u8>>> {
        let tree = self.tree(commit)?;
        let Ok(entry) = tree.get_path(Path::new(path)) else {
            return Ok(None);
        };
        let blob = self.repo.find_blob(entry.id()).map_err(Error::git(format!(
            "reading {path} at {commit} in hub `{}`",
            self.hub
        )))?;
        Ok(Some(blob.content().to_vec()))
    }

    /// Commits `content` as `path` on top of the hub's head and pushes the branch; the
    /// local branch moves only if the remote took the commit. Returns the new commit.
    pub fn publish(&self, path: &str, content: &[u8], message: &str) -> Result<Oid> {
        let context = |what: &str| format!("{what} in hub `{}`", self.hub);
        let branch = self.branch()?;
        let parent = match self.head()? {
            Some(head) => Some(
                self.repo
                    .find_commit(head)
                    .map_err(Error::git(context("reading the head")))?,
            ),
            None => None,
        };
        let base = match &parent {
            Some(parent) => Some(
                parent
                    .tree()
                    .map_err(Error::git(context("reading the head")))?,
            ),
            None => None,
        };
        let blob = self
            .repo
            .blob(content)
            .map_err(Error::git(context("writing the file")))?;
        let components: Vec<&str> = path.split('/').filter(|c| !c.is_empty()).collect();
        let tree = self.tree_with(base.as_ref(), &components, blob)?;
        let tree = self
            .repo
            .find_tree(tree)
            .map_err(Error::git(context("reading the new tree")))?;
        let author = self.signature()?;
        let parents: Vec<&git2::Commit<'_>> = parent.iter().collect();
        let commit = self
            .repo
            .commit(None, &author, &author, message, &tree, &parents)
            .map_err(Error::git(context("committing")))?;
        self.push(&branch, commit, parent.as_ref().map(git2::Commit::id))?;
        Ok(commit)
    }

    /// Points `branch` at `commit` and pushes it; on refusal the branch goes back to
    /// `previous`, so the clone keeps mirroring the remote.
    fn push(&self, branch: &str, commit: Oid, previous: Option<Oid>) -> Result<()> {
        let context = |what: &str| format!("{what} of hub `{}`", self.hub);
        self.repo
            .reference(branch, commit, true, "baton hub publish")
            .map_err(Error::git(context("moving the branch")))?;
        let mut refused: Option<String> = None;
        let outcome = {
            let mut callbacks = RemoteCallbacks::new();
            callbacks.push_update_reference(|_, status| {
                refused = status.map(str::to_string);
                Ok(())
            });
            let mut options = PushOptions::new();
            options.remote_callbacks(callbacks);
            self.repo.find_remote("origin").and_then(|mut remote| {
                remote.push(&[format!("{branch}:{branch}")], Some(&mut options))
            })
        };
        let refusal = match (outcome, refused) {
            (Ok(()), None) => return Ok(()),
            (Ok(()), Some(message)) => message,
            (Err(e), _) => e.message().to_string(),
        };
        let restored = match previous {
            Some(previous) => self
                .repo
                .reference(branch, previous, true, "baton hub publish refused")
                .map(|_| ()),
            None => self
                .repo
                .find_reference(branch)
                .and_then(|mut reference| reference.delete()),
        };
        restored.map_err(Error::git(context("restoring the branch")))?;
        Err(Error::PushRejected {
            hub: self.hub.clone(),
            reference: branch.to_string(),
            message: refusal,
        })
    }

    /// A tree like `base` with `blob` at `path` (its folders created as needed).
    fn tree_with(&self, base: Option<&Tree<'_>>, path: &[&str], blob: Oid) -> Result<Oid> {
        let context = || Error::git(format!("building the tree in hub `{}`", self.hub));
        let mut builder = self.repo.treebuilder(base).map_err(context())?;
        match path {
            [] => {}
            [file] => {
                builder.insert(file, blob, 0o100644).map_err(context())?;
            }
            [folder, rest @ ..] => {
                let subtree = base
                    .and_then(|base| base.get_name(folder))
                    .filter(|entry| entry.kind() == Some(ObjectType::Tree))
                    .map(|entry| self.repo.find_tree(entry.id()))
                    .transpose()
                    .map_err(context())?;
                let subtree = self.tree_with(subtree.as_ref(), rest, blob)?;
                builder
                    .insert(folder, subtree, 0o040000)
                    .map_err(context())?;
            }
        }
        builder.write().map_err(context())
    }

    /// Who commits: git's `user.name` and `user.email` when set, else the login name.
    fn signature(&self) -> Result<Signature<'static>> {
        if let Ok(signature) = self.repo.signature() {
            return Ok(signature.to_owned());
        }
        let user = std::env::var("USER")
            .ok()
            .filter(|user| {
                !user.is_empty()
                    && user
                        .chars()
                        .all(|c| c.is_alphanumeric() || "._-".contains(c))
            })
            .unwrap_or_else(|| "baton".to_string());
        Signature::now(&user, &format!("{user}@localhost"))
            .map_err(Error::git("making the commit's author"))
    }
}
