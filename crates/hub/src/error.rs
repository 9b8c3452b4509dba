//! What can go wrong with a hub, worded for the person at the terminal: each message
//! names the hub, workflow, file or revision concerned and what to do about it.

use std::path::PathBuf;

/// Everything the hub operations return; [`Error::is_input_error`] tells the user's
/// mistakes (exit 2) from failures of the machine or the network.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("unknown hub `{name}`{}", known_hubs(.known, .similar))]
    UnknownHub {
        name: String,
        known: Vec<String>,
        similar: Vec<String>,
    },
    #[error("hub `{hub}` has no workflow `{id}`{}", workflow_hint(.hub, .similar))]
    UnknownWorkflow {
        hub: String,
        id: String,
        similar: Vec<String>,
    },
    #[error(
        "{name} was pulled from hub `{hub}`, which is not added here: `baton hub add {hub} {source_url}`"
    )]
    HubNotAdded {
        name: String,
        hub: String,
        source_url: String,
    },
    #[error("hub `{name}` already exists ({url}); remove it first with `baton hub remove {name}`")]
    HubExists { name: String, url: String },
    #[error(
        "invalid hub name `{0}`: use letters, digits, `-`, `_` or `.` (it is the HUB of HUB/ID)"
    )]
    InvalidHubName(String),
    #[error(
        "invalid workflow reference `{0}`: write HUB/ID or HUB/ID@REV (see `baton hub search`)"
    )]
    InvalidReference(String),
    #[error(
        "{source_url} is not a git repository ({reason}); pass the path of a repository or its URL"
    )]
    NotARepository { source_url: String, reason: String },
    #[error(
        "{0}: this baton reaches hubs by local path, file://, git:// or http:// only (no TLS or SSH in its git library); clone the hub with git and add the clone's path"
    )]
    UnsupportedUrl(String),
    #[error("no hubs yet: add one with `baton hub add NAME PATH_OR_URL`")]
    NoHubs,
    #[error("several hubs ({}): name one with --hub", .0.join(", "))]
    WhichHub(Vec<String>),
    #[error(
        "hub `{hub}` has no revision `{rev}`; give a commit, tag or branch of it, or fetch new ones with `baton hub update`"
    )]
    UnknownRevision { hub: String, rev: String },
    #[error("hub `{hub}` at {commit} has no workflow `{id}`")]
    NotAtRevision {
        hub: String,
        id: String,
        commit: String,
    },
    #[error(
        "{name} is not pulled into this project (see `baton hub list`; pull it with `baton hub pull {name}`)"
    )]
    NotPulled { name: String },
    #[error("{} changed here since it was pulled at {commit}; keep a copy and pass --force to overwrite it", .path.display())]
    LocalChanges { path: PathBuf, commit: String },
    #[error("{} is not a workflow: {message}", .path.display())]
    InvalidWorkflow { path: PathBuf, message: String },
    #[error(
        "hub `{hub}` refused the push of {reference}: {message}; run `baton hub update` and publish again"
    )]
    PushRejected {
        hub: String,
        reference: String,
        message: String,
    },
    #[error(
        "hub `{hub}` is a repository with a working tree ({url}), and libgit2 pushes only to bare ones: publish from a clone of it, or make the hub bare (`git clone --bare`) and add that"
    )]
    NotBare { hub: String, url: String },
    #[error("{}: {message}", .path.display())]
    Settings { path: PathBuf, message: String },
    #[error("{what}")]
    Git {
        what: String,
        #[source]
        source: git2::Error,
    },
    #[error("{what} {}", .path.display())]
    Io {
        what: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "no home directory: set HOME (or XDG_CONFIG_HOME and XDG_CACHE_HOME) for the hub settings"
    )]
    NoHome,
}

impl Error {
    /// Whether the user can fix this by changing what they typed or their files.
    pub fn is_input_error(&self) -> bool {
        !matches!(self, Error::Git { .. } | Error::Io { .. })
    }

    pub(crate) fn git(what: impl Into<String>) -> impl FnOnce(git2::Error) -> Error {
        let what = what.into();
        move |source| Error::Git { what, source }
    }

    pub(crate) fn io(
        what: &'static str,
        path: impl Into<PathBuf>,
    ) -> impl FnOnce(std::io::Error) -> Error {
        let path = path.into();
        move |source| Error::Io { what, path, source }
    }
}

fn known_hubs(known: &[String], similar: &[String]) -> String {
    if !similar.is_empty() {
        format!("; did you mean {}?", quoted(similar))
    } else if known.is_empty() {
        "; no hubs yet: add one with `baton hub add NAME PATH_OR_URL`".to_string()
    } else {
        format!("; hubs: {} (`baton hub list`)", known.join(", "))
    }
}

fn workflow_hint(hub: &str, similar: &[String]) -> String {
    if similar.is_empty() {
        format!("; see `baton hub list` or `baton hub search` for what {hub} has")
    } else {
        format!("; did you mean {}?", quoted(similar))
    }
}

fn quoted(names: &[String]) -> String {
    names
        .iter()
        .map(|name| format!("`{name}`"))
        .collect::<Vec<_>>()
        .join(" or ")
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
