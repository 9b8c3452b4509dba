//! The runtime around Baton's pure core: it does the IO the core will not.
//!
//! - [`Runtime`] executes commands against a [`baton_store::Store`], commits them in
//!   batches (group commit), runs jobs through local [`handler`]s after their commit, and
//!   retries failed jobs with backoff ([`retry`]).
//! - [`llm`] runs LLM tasks (`baton.llm` jobs) against the providers of `[llm]`.
//! - [`view`] turns an instance into what people and scripts see (`baton show`, the API).
//! - [`history`] answers questions across instances (element history, per-element
//!   statistics); [`retention`] prunes ended instances, archiving them first if asked.
//! - [`config`] reads `baton.toml`; [`clock`] is the injectable time source; [`seeds`]
//!   gives each command the seed its FEEL's `random number()` and `uuid()` draw from.

pub mod clock;
pub mod config;
pub mod decisions;
mod error;
pub mod events;
pub mod forms;
pub mod handler;
pub mod history;
pub mod llm;
pub mod migration;
pub mod phases;
pub mod retention;
pub mod retry;
mod runtime;
pub mod seeds;
mod start_timers;
pub mod traces;
pub mod view;
pub mod workers;

use sha2::{Digest, Sha256};

pub use baton_model::similar_names;
pub use clock::{Clock, FakeClock, SystemClock};
pub use config::Config;
pub use error::Error;
pub use runtime::{
    CommitObserver, CommitStats, Committed, Discarded, Ownership, ParsedSource, Patience,
    QueuedJobs, Runtime, Source, parse_bpmn, parse_dmn, process_graphs, read_source,
};

/// Hex SHA-256 of a model's source: recognises an unchanged redeploy.
pub fn digest(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
