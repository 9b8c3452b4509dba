//! Workflow hubs: git repositories of YAML workflows that projects share.
//!
//! A hub is added once per user ([`settings`]: `hubs.toml` and a bare clone per hub under
//! the XDG cache). Each commit of a hub gets an [`index`] of its workflows' metadata,
//! read with the YAML front end ([`meta`]) and saved as JSON, so searching a hub of a
//! thousand workflows reads one file. A project pulls a workflow into
//! `.baton/hub/HUB/ID.yaml` and pins the commit in its [`lock`] (`.baton/hub.lock`);
//! the file changes only through `hub update`, which fetches and shows the diff.
//! Publishing commits to the clone and pushes ([`git`]: libgit2, never the `git`
//! program). [`Hubs`] is the entry point the CLI calls.

pub mod error;
pub mod git;
pub mod hubs;
pub mod index;
pub mod lock;
pub mod meta;
pub mod settings;

pub use error::{Error, Result};
pub use hubs::{Added, Hit, Hubs, Listing, Published, Query, UpdateReport, Updated};
pub use lock::{Lock, Locked};
pub use meta::WorkflowMeta;
pub use settings::Paths;
