//! The hub operations behind `baton hub`: each reads the settings, works on the clones
//! and, for `pull` and `update`, on one project's lock file and pulled files.

use std::path::{Path, PathBuf};

use git2::Oid;

use crate::error::{Error, Result};
use crate::git::Mirror;
use crate::index::{Index, Skipped};
use crate::lock::{self, Lock, Locked};
use crate::meta::{self, WorkflowMeta};
use crate::settings::{HubSetting, Paths, Settings};

/// The user's hubs.
pub struct Hubs {
    paths: Paths,
    settings: Settings,
}

/// What `hub add` did.
#[derive(Debug)]
pub struct Added {
    pub name: String,
    pub url: String,
    pub commit: Option<String>,
    pub workflows: usize,
    pub skipped: Vec<Skipped>,
}

/// A hub as `hub list` shows it.
#[derive(Debug)]
pub struct Listing {
    pub name: String,
    pub url: String,
    pub commit: Option<String>,
    pub workflows: Vec<WorkflowMeta>,
    pub skipped: Vec<Skipped>,
}

/// What `hub search` looks for; every part that is given must match.
#[derive(Clone, Debug, Default)]
pub struct Query {
    /// Text in the id, name, description, a tag or the category (any case).
    pub text: Option<String>,
    pub tag: Option<String>,
    pub category: Option<String>,
    /// Only this hub.
    pub hub: Option<String>,
}

#[derive(Clone, Debug)]
pub struct Hit {
    pub hub: String,
    pub workflow: WorkflowMeta,
}

/// What `hub publish` did.
#[derive(Debug)]
pub struct Published {
    pub hub: String,
    pub id: String,
    /// The file's path in the hub.
    pub path: String,
    pub commit: String,
    /// The hub already had this very file: nothing was committed.
    pub unchanged: bool,
}

/// One pulled workflow after `hub update`.
#[derive(Debug)]
pub struct Updated {
    pub name: String,
    pub from: String,
    pub to: String,
    /// The unified diff of the pulled file; empty when the file did not change.
    pub diff: String,
}

/// What `hub update` did: the hubs fetched (name and new head) and the workflows re-pinned.
#[derive(Debug, Default)]
pub struct UpdateReport {
    pub fetched: Vec<(String, Option<String>)>,
    pub workflows: Vec<Updated>,
    /// Pulled workflows the hub no longer has at its new commit: left as they were.
    pub gone: Vec<String>,
}

impl Hubs {
    pub fn open(paths: Paths) -> Result<Hubs> {
        let settings = Settings::load(&paths.settings)?;
        Ok(Hubs { paths, settings })
    }

    pub fn paths(&self) -> &Paths {
        &self.paths
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Clones `source` (a URL, or a local path taken as absolute) as hub `name`.
    pub fn add(&mut self, name: &str, source: &str) -> Result<Added> {
        check_name(name)?;
        let url = normalize_source(source)?;
        if let Some(existing) = self.settings.hubs.iter().find(|hub| hub.name == name) {
            return Err(Error::HubExists {
                name: name.to_string(),
                url: existing.url.clone(),
            });
        }
        let dir = self.paths.hub_dir(name);
        // A folder left by a hub removed by hand, or an interrupted add, is not a hub.
        remove_dir(&dir)?;
        let clone = Mirror::create(name, &url, &dir.join("repo")).inspect_err(|_| {
            let _ = std::fs::remove_dir_all(&dir);
        })?;
        let head = clone.head()?;
        let index = Index::of(&clone, head, &dir.join("index"))?;
        self.settings.hubs.push(HubSetting {
            name: name.to_string(),
            url: url.clone(),
        });
        self.settings.save(&self.paths.settings)?;
        Ok(Added {
            name: name.to_string(),
            url,
            commit: head.map(|h| h.to_string()),
            workflows: index.workflows.len(),
            skipped: index.skipped,
        })
    }

    /// Forgets hub `name` and its clone; projects keep what they pulled from it.
    pub fn remove(&mut self, name: &str) -> Result<HubSetting> {
        let hub = self.settings.hub(name)?.clone();
        self.settings.hubs.retain(|h| h.name != name);
        self.settings.save(&self.paths.settings)?;
        remove_dir(&self.paths.hub_dir(name))?;
        Ok(hub)
    }

    /// Every hub (or one) with the workflows it has at its current commit.
    pub fn list(&self, only: Option<&str>) -> Result<Vec<Listing>> {
        let mut listings = Vec::new();
        for hub in self.selected(only)? {
            let (clone, index) = self.current(&hub.name)?;
            drop(clone);
            listings.push(Listing {
                name: hub.name.clone(),
                url: hub.url.clone(),
                commit: (!index.commit.is_empty()).then(|| index.commit.clone()),
                workflows: index.workflows,
                skipped: index.skipped,
            });
        }
        Ok(listings)
    }

    /// The workflows matching `query` in each hub's index at its current commit, by
    /// hub (in the settings' order) and id.
    pub fn search(&self, query: &Query) -> Result<Vec<Hit>> {
        let mut hits = Vec::new();
        for hub in self.selected(query.hub.as_deref())? {
            let (_, index) = self.current(&hub.name)?;
            hits.extend(
                index
                    .workflows
                    .into_iter()
                    .filter(|w| query.text.as_deref().is_none_or(|text| w.mentions(text)))
                    .filter(|w| query.tag.as_deref().is_none_or(|tag| w.has_tag(tag)))
                    .filter(|w| {
                        (query.category.as_deref()).is_none_or(|category| w.in_category(category))
                    })
                    .map(|workflow| Hit {
                        hub: hub.name.clone(),
                        workflow,
                    }),
            );
        }
        Ok(hits)
    }

    /// `HUB/ID[@REV]`: copies the workflow at the hub's current commit (or at REV) into
    /// `project` and pins it in the project's lock. A pulled file changed by hand is
    /// overwritten only with `force`.
    pub fn pull(&self, project: &Path, reference: &str, force: bool) -> Result<Locked> {
        let (hub, id, rev) = parse_reference(reference)?;
        let setting = self.settings.hub(hub)?;
        let clone = self.clone_of(hub)?;
        let commit = match rev {
            Some(rev) => clone.resolve(rev)?,
            None => clone.head()?.ok_or_else(|| Error::UnknownWorkflow {
                hub: hub.to_string(),
                id: id.to_string(),
                similar: Vec::new(),
            })?,
        };
        let index = Index::of(&clone, Some(commit), &self.index_dir(hub))?;
        let workflow = match index.workflow(id) {
            Some(workflow) => workflow,
            None if rev.is_some() => {
                return Err(Error::NotAtRevision {
                    hub: hub.to_string(),
                    id: id.to_string(),
                    commit: commit.to_string(),
                });
            }
            None => {
                return Err(Error::UnknownWorkflow {
                    hub: hub.to_string(),
                    id: id.to_string(),
                    similar: index.similar(id),
                });
            }
        };
        let content = self.content(&clone, commit, &workflow.path)?;
        let mut lock = Lock::load(project)?;
        let name = format!("{hub}/{id}");
        let locked = Locked {
            name: name.clone(),
            source: setting.url.clone(),
            commit: commit.to_string(),
            path: lock::pulled_path(hub, id),
        };
        if !force {
            self.check_unchanged(project, lock.get(&name), &locked.path, &content)?;
        }
        write_file(&project.join(&locked.path), &content)?;
        self.write_companions(&clone, commit, &workflow.path, &content, project, &locked)?;
        lock.pin(locked.clone());
        lock.save(project)?;
        Ok(locked)
    }

    /// Commits `file` to hub `hub` (the only hub when `None`) and pushes it. A workflow
    /// the hub has replaces its file; a new one goes to `ID.yaml` at the top.
    pub fn publish(
        &self,
        file: &Path,
        hub: Option<&str>,
        message: Option<&str>,
    ) -> Result<Published> {
        let hub = match hub {
            Some(hub) => self.settings.hub(hub)?,
            None => match self.settings.hubs.as_slice() {
                [] => return Err(Error::NoHubs),
                [only] => only,
                many => {
                    return Err(Error::WhichHub(
                        many.iter().map(|h| h.name.clone()).collect(),
                    ));
                }
            },
        };
        let content = std::fs::read(file).map_err(Error::io("reading", file))?;
        let text = String::from_utf8(content.clone()).map_err(|_| Error::InvalidWorkflow {
            path: file.to_path_buf(),
            message: "not UTF-8 text".to_string(),
        })?;
        let workflow = meta::read(&text, &file.to_string_lossy()).map_err(|message| {
            Error::InvalidWorkflow {
                path: file.to_path_buf(),
                message,
            }
        })?;
        if let Ok(remote) = git2::Repository::open(&hub.url)
            && !remote.is_bare()
        {
            return Err(Error::NotBare {
                hub: hub.name.clone(),
                url: hub.url.clone(),
            });
        }
        let clone = self.clone_of(&hub.name)?;
        // On top of what the remote has now, so the push is a fast-forward.
        let head = clone.fetch()?;
        let index = Index::of(&clone, head, &self.index_dir(&hub.name))?;
        let path = index
            .workflow(&workflow.id)
            .map(|existing| existing.path.clone())
            .unwrap_or_else(|| format!("{}.yaml", workflow.id));
        let published = |commit: Oid, unchanged| Published {
            hub: hub.name.clone(),
            id: workflow.id.clone(),
            path: path.clone(),
            commit: commit.to_string(),
            unchanged,
        };
        if let Some(head) = head
            && clone.file(head, &path)?.as_deref() == Some(content.as_slice())
        {
            return Ok(published(head, true));
        }
        let message = message
            .map(str::to_string)
            .unwrap_or_else(|| match &workflow.version {
                Some(version) => format!("Publish {} {version}", workflow.id),
                None => format!("Publish {}", workflow.id),
            });
        let commit = clone.publish(&path, &content, &message)?;
        let index_dir = self.index_dir(&hub.name);
        Index::of(&clone, Some(commit), &index_dir)?;
        Index::forget_others(&index_dir, Some(commit));
        Ok(published(commit, false))
    }

    /// Fetches the hubs of the project's pulled workflows (of `only`, `HUB/ID`, when
    /// given; every hub when nothing is pulled), re-pins each to its hub's new commit and
    /// rewrites the file, with the diff of what changed. Refuses, before changing
    /// anything, when a pulled file was changed by hand, unless `force`.
    pub fn update(&self, project: &Path, only: Option<&str>, force: bool) -> Result<UpdateReport> {
        let mut lock = Lock::load(project)?;
        let pinned: Vec<Locked> = match only {
            Some(name) => {
                let (hub, id, _) = parse_reference(name)?;
                let name = format!("{hub}/{id}");
                vec![lock.get(&name).cloned().ok_or(Error::NotPulled { name })?]
            }
            None => lock.workflows.clone(),
        };
        let mut hubs: Vec<String> = pinned
            .iter()
            .map(|locked| locked.hub_and_id().0.to_string())
            .collect();
        if only.is_none() && hubs.is_empty() {
            hubs = self.settings.hubs.iter().map(|h| h.name.clone()).collect();
        }
        hubs.sort();
        hubs.dedup();
        for locked in &pinned {
            let hub = locked.hub_and_id().0;
            if self.settings.hub(hub).is_err() {
                return Err(Error::HubNotAdded {
                    name: locked.name.clone(),
                    hub: hub.to_string(),
                    source_url: locked.source.clone(),
                });
            }
        }
        let mut report = UpdateReport::default();
        let mut before: Vec<(Locked, Vec<u8>)> = Vec::new();
        for locked in &pinned {
            // A pin the clone cannot show (history rewritten upstream, then the cache
            // cleared) diffs from the file as it is here.
            let old = match self.pinned_content(locked)? {
                Some(old) => old,
                None => std::fs::read(project.join(&locked.path)).unwrap_or_default(),
            };
            if !force {
                self.check_unchanged(project, Some(locked), &locked.path, &old)?;
            }
            before.push((locked.clone(), old));
        }
        for hub in &hubs {
            let clone = self.clone_of(hub)?;
            let head = clone.fetch()?;
            let index_dir = self.index_dir(hub);
            Index::of(&clone, head, &index_dir)?;
            Index::forget_others(&index_dir, head);
            report
                .fetched
                .push((hub.clone(), head.map(|h| h.to_string())));
        }
        for (locked, old) in before {
            let (hub, id) = locked.hub_and_id();
            let (clone, index) = self.current(hub)?;
            let Some(workflow) = index.workflow(id) else {
                report.gone.push(locked.name.clone());
                continue;
            };
            let commit = clone.resolve(&index.commit)?;
            let new = self.content(&clone, commit, &workflow.path)?;
            let diff = unified_diff(&locked, &index.commit, &old, &new);
            write_file(&project.join(&locked.path), &new)?;
            self.write_companions(&clone, commit, &workflow.path, &new, project, &locked)?;
            lock.pin(Locked {
                commit: index.commit.clone(),
                ..locked.clone()
            });
            report.workflows.push(Updated {
                name: locked.name.clone(),
                from: locked.commit.clone(),
                to: index.commit.clone(),
                diff,
            });
        }
        lock.save(project)?;
        Ok(report)
    }

    /// Copies the files the workflow at `path` names relative to itself from `commit`
    /// to the same place relative to the pulled file. Paths that leave the hub are not
    /// followed; files the hub does not have are left for `baton lint` to report.
    fn write_companions(
        &self,
        clone: &Mirror,
        commit: Oid,
        path: &str,
        content: &[u8],
        project: &Path,
        locked: &Locked,
    ) -> Result<()> {
        let folder = path.rsplit_once('/').map_or("", |(folder, _)| folder);
        let pulled_folder = Path::new(&locked.path).parent().unwrap_or(Path::new(""));
        for relative in meta::companions(&String::from_utf8_lossy(content)) {
            let (Some(in_hub), Some(here)) =
                (join_inside(folder, &relative), join_inside("", &relative))
            else {
                continue;
            };
            if let Some(bytes) = clone.file(commit, &in_hub)? {
                write_file(&project.join(pulled_folder).join(here), &bytes)?;
            }
        }
        Ok(())
    }

    fn selected(&self, only: Option<&str>) -> Result<Vec<&HubSetting>> {
        match only {
            Some(name) => Ok(vec![self.settings.hub(name)?]),
            None => Ok(self.settings.hubs.iter().collect()),
        }
    }

    /// The hub's clone, cloned again when the cache was cleared (caches may be).
    fn clone_of(&self, hub: &str) -> Result<Mirror> {
        let dir = self.paths.hub_dir(hub).join("repo");
        if dir.exists() {
            return Mirror::open(hub, &dir);
        }
        let url = &self.settings.hub(hub)?.url;
        Mirror::create(hub, url, &dir).inspect_err(|_| {
            let _ = std::fs::remove_dir_all(&dir);
        })
    }

    fn index_dir(&self, hub: &str) -> PathBuf {
        self.paths.hub_dir(hub).join("index")
    }

    /// The hub's clone and its index at its current commit.
    fn current(&self, hub: &str) -> Result<(Mirror, Index)> {
        let clone = self.clone_of(hub)?;
        let head = clone.head()?;
        let index = Index::of(&clone, head, &self.index_dir(hub))?;
        Ok((clone, index))
    }

    fn content(&self, clone: &Mirror, commit: Oid, path: &str) -> Result<Vec<u8>> {
        // The index lists only files of that commit, so the file is there.
        Ok(clone.file(commit, path)?.unwrap_or_default())
    }

    /// The file as it was pulled: `None` when the clone has no such commit or workflow.
    fn pinned_content(&self, locked: &Locked) -> Result<Option<Vec<u8>>> {
        let (hub, id) = locked.hub_and_id();
        let clone = self.clone_of(hub)?;
        let Ok(commit) = clone.resolve(&locked.commit) else {
            return Ok(None);
        };
        let index = Index::of(&clone, Some(commit), &self.index_dir(hub))?;
        match index.workflow(id) {
            Some(workflow) => Ok(Some(self.content(&clone, commit, &workflow.path)?)),
            None => Ok(None),
        }
    }

    /// Refuses to overwrite a pulled file that differs from what was pulled (`pinned`)
    /// unless it already is `new`.
    fn check_unchanged(
        &self,
        project: &Path,
        pinned: Option<&Locked>,
        path: &str,
        new: &[u8],
    ) -> Result<()> {
        let Ok(here) = std::fs::read(project.join(path)) else {
            return Ok(());
        };
        if here == new {
            return Ok(());
        }
        let pulled = match pinned {
            Some(locked) => self.pinned_content(locked)?,
            None => None,
        };
        if pulled.as_deref() == Some(here.as_slice()) {
            return Ok(());
        }
        Err(Error::LocalChanges {
            path: project.join(path),
            commit: pinned
                .map(|locked| short(&locked.commit).to_string())
                .unwrap_or_else(|| "no commit (it is not in the lock)".to_string()),
        })
    }
}

/// `folder/relative` with `.` and `..` worked out, `None` when it would leave the top
/// (or `relative` is absolute): a pulled workflow writes nothing outside its folder.
fn join_inside(folder: &str, relative: &str) -> Option<String> {
    if relative.starts_with('/') {
        return None;
    }
    let mut parts: Vec<&str> = folder.split('/').filter(|p| !p.is_empty()).collect();
    for part in relative.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            part => parts.push(part),
        }
    }
    Some(parts.join("/"))
}

/// `HUB/ID[@REV]` in its parts.
pub fn parse_reference(reference: &str) -> Result<(&str, &str, Option<&str>)> {
    let invalid = || Error::InvalidReference(reference.to_string());
    let (name, rev) = match reference.split_once('@') {
        Some((name, rev)) if !rev.is_empty() => (name, Some(rev)),
        Some(_) => return Err(invalid()),
        None => (reference, None),
    };
    let (hub, id) = name.split_once('/').ok_or_else(invalid)?;
    if hub.is_empty() || id.is_empty() || id.contains('/') {
        return Err(invalid());
    }
    Ok((hub, id, rev))
}

/// The first seven hex digits of a commit, as git shows them.
pub fn short(commit: &str) -> &str {
    commit.get(..7).unwrap_or(commit)
}

fn unified_diff(locked: &Locked, to: &str, old: &[u8], new: &[u8]) -> String {
    let old = String::from_utf8_lossy(old);
    let new = String::from_utf8_lossy(new);
    if old == new {
        return String::new();
    }
    similar::TextDiff::from_lines(old.as_ref(), new.as_ref())
        .unified_diff()
        .header(
            &format!("{}@{}", locked.name, short(&locked.commit)),
            &format!("{}@{}", locked.name, short(to)),
        )
        .to_string()
}

fn check_name(name: &str) -> Result<()> {
    let valid = !name.is_empty()
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
    if valid {
        Ok(())
    } else {
        Err(Error::InvalidHubName(name.to_string()))
    }
}

/// A URL as given; a local path made absolute, so the hub works from any directory.
fn normalize_source(source: &str) -> Result<String> {
    let scheme = source.split_once("://").map(|(scheme, _)| scheme);
    // `user@host:path`, git's short form of an SSH URL; a local path never starts so.
    let scp_like = scheme.is_none()
        && source
            .split_once(':')
            .is_some_and(|(host, _)| host.contains('@') && !host.contains('/'));
    match scheme {
        Some("file" | "git" | "http") => return Ok(source.to_string()),
        Some(_) => return Err(Error::UnsupportedUrl(source.to_string())),
        None if scp_like => return Err(Error::UnsupportedUrl(source.to_string())),
        None => {}
    }
    let path = Path::new(source);
    let absolute = path.canonicalize().map_err(|e| Error::NotARepository {
        source_url: source.to_string(),
        reason: e.to_string(),
    })?;
    Ok(absolute.to_string_lossy().into_owned())
}

fn remove_dir(dir: &Path) -> Result<()> {
    match std::fs::remove_dir_all(dir) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(Error::io("removing", dir)(e)),
        _ => Ok(()),
    }
}

fn write_file(path: &Path, content: &[u8]) -> Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(Error::io("creating", parent))?;
    }
    std::fs::write(path, content).map_err(Error::io("writing", path))
}
