//! Scenario tests for models (`baton test`): a YAML file names models and scenarios, and
//! each scenario runs on the real core and runtime, on a fresh in-memory store, with a
//! virtual clock that moves only when a step says `advance`, so a 30-day timer fires at
//! once and in due order. Nothing here sleeps.
//!
//! The way through:
//!
//! - `file.rs`: a scenario file read into a [`Suite`], each step and expectation with its
//!   line; a file that is not one is an [`Error`] naming file, line and column.
//! - `run.rs`: [`prepare`] deploys a suite's models once to check them and learn their
//!   elements; [`run_all`] runs every scenario of every suite on threads, each on its own
//!   store and clock, and gives each an [`Outcome`] (pass, or the first [`Failure`] with the
//!   line it was written on, expected and actual) and the elements and flows it ran.
//! - `expect.rs`: the expectations, compared against `baton show`'s view of the instance.
//! - `report.rs`: JUnit XML, and coverage as JSON or drawn over the diagram (SVG).
//!
//! Service-task jobs are answered only by `job:` steps or mocks: no `baton.toml` worker,
//! YAML phase or LLM task runs inside a scenario.

mod expect;
pub mod file;
pub mod report;
mod run;

use std::path::PathBuf;

pub use file::{Suite, load, parse};
pub use report::{Coverage, coverage_json, coverage_svg, junit};
pub use run::{Failure, Outcome, Prepared, START_MILLIS, prepare, run_all, run_scenario};

/// Why a scenario file cannot be run: the user's input, never a failed expectation.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("could not read {}: {source}", file.display())]
    Read {
        file: PathBuf,
        source: std::io::Error,
    },
    #[error("{}:{line}:{column}: {message}", file.display())]
    Input {
        file: PathBuf,
        line: u32,
        column: u32,
        message: String,
    },
    /// A model named in `models:` cannot be read or deployed.
    #[error("{}:{line}: model {}: {message}", file.display(), model.display())]
    Model {
        file: PathBuf,
        line: u32,
        model: PathBuf,
        message: String,
    },
    /// The engine failed in a way no scenario input explains (the in-memory store, say).
    #[error("{}: {message}", file.display())]
    System { file: PathBuf, message: String },
}
