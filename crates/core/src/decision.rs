//! How business rule tasks reach decisions without the core knowing DMN or the store.
//!
//! The runtime resolves the decisions a process calls when it loads the process and
//! attaches them to its [`Definition`](crate::Definition) as a [`Decisions`]
//! implementation. Evaluating a decision is pure (inputs in, value out), so doing it
//! inside the core keeps the engine deterministic; replay never re-evaluates, it reads
//! the result from the journal.

use std::fmt::Debug;

use baton_feel::{Context, Random, Value};

use crate::ids::Timestamp;

/// The decisions a process can call, by decision id.
pub trait Decisions: Debug + Send + Sync {
    /// Evaluates `decision` with the variables visible to the task, `at` being the time
    /// FEEL's `now()` reports (the command's) and `random` what its `random number()`
    /// and `uuid()` draw from (the command's generator, if it has one). `Err` is the
    /// incident message: an unknown decision, or a failed evaluation.
    fn evaluate(
        &self,
        decision: &str,
        variables: &Context,
        at: Timestamp,
        random: Option<&Random>,
    ) -> Result<Value, String>;
}
