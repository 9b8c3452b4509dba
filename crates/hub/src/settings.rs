//! Where hubs are kept: the list of hubs in `$XDG_CONFIG_HOME/baton/hubs.toml` (else
//! `~/.config/baton/hubs.toml`) and their clones under `$XDG_CACHE_HOME/baton/hubs`
//! (else `~/.cache/baton/hubs`). Settings are the user's, not a project's: one list of
//! hubs serves every project, and each project pins what it pulled in its own lock file.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The two places a user's hubs live.
#[derive(Clone, Debug)]
pub struct Paths {
    /// `hubs.toml`.
    pub settings: PathBuf,
    /// The folder holding one folder per hub (its clone and its indexes).
    pub cache: PathBuf,
}

impl Paths {
    /// The XDG locations from the environment.
    pub fn from_env() -> Result<Paths> {
        let var = |name: &str| {
            std::env::var_os(name)
                .map(PathBuf::from)
                .filter(|path| path.is_absolute())
        };
        let home = var("HOME");
        let base = |xdg: &str, fallback: &str| {
            var(xdg)
                .or_else(|| home.as_ref().map(|home| home.join(fallback)))
                .ok_or(Error::NoHome)
        };
        Ok(Paths {
            settings: base("XDG_CONFIG_HOME", ".config")?.join("baton/hubs.toml"),
            cache: base("XDG_CACHE_HOME", ".cache")?.join("baton/hubs"),
        })
    }

    /// Explicit places (tests, or a caller with its own layout).
    pub fn new(settings: impl Into<PathBuf>, cache: impl Into<PathBuf>) -> Paths {
        Paths {
            settings: settings.into(),
            cache: cache.into(),
        }
    }

    /// The hub's own folder: `repo/` (a bare clone) and `index/` (one JSON file per commit).
    pub fn hub_dir(&self, name: &str) -> PathBuf {
        self.cache.join(name)
    }
}

/// `hubs.toml`: `[[hub]]` tables in the order they were added.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Settings {
    #[serde(default, rename = "hub")]
    pub hubs: Vec<HubSetting>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HubSetting {
    pub name: String,
    /// What `hub add` was given: a URL, or a local path made absolute.
    pub url: String,
}

impl Settings {
    /// The settings at `path`; none yet is an empty list.
    pub fn load(path: &Path) -> Result<Settings> {
        match std::fs::read_to_string(path) {
            Ok(text) => toml::from_str(&text).map_err(|e| Error::Settings {
                path: path.to_path_buf(),
                message: e.to_string(),
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Settings::default()),
            Err(e) => Err(Error::io("reading", path)(e)),
        }
    }

    pub fn save(&self, path: &Path) -> Result<()> {
        let text = toml::to_string(self).map_err(|e| Error::Settings {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
        write_atomically(
            path,
            &format!("# Baton's workflow hubs (`baton hub add`, `baton hub remove`).\n{text}"),
        )
    }

    pub fn hub(&self, name: &str) -> Result<&HubSetting> {
        self.hubs
            .iter()
            .find(|hub| hub.name == name)
            .ok_or_else(|| self.unknown(name))
    }

    pub(crate) fn unknown(&self, name: &str) -> Error {
        let known: Vec<String> = self.hubs.iter().map(|hub| hub.name.clone()).collect();
        let similar = baton_model::similar_names(name, known.iter().map(String::as_str));
        Error::UnknownHub {
            name: name.to_string(),
            known,
            similar,
        }
    }
}

/// Writes through a temporary file beside `path` and a rename, so a reader never sees
/// half a file and an interrupted write leaves the old one.
pub(crate) fn write_atomically(path: &Path, text: &str) -> Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(Error::io("creating", parent))?;
    }
    let mut temporary = path.as_os_str().to_owned();
    temporary.push(".tmp");
    let temporary = PathBuf::from(temporary);
    std::fs::write(&temporary, text).map_err(Error::io("writing", &temporary))?;
    std::fs::rename(&temporary, path).map_err(Error::io("writing", path))
}
