//! The DMN TCK: reading its test-case files ([`cases`]) and running a folder tree of them
//! against Baton's evaluator ([`run`]).

pub mod cases;
mod run;

pub use run::{CaseResult, Error, FolderResult, Report, Tally, run};
