//! Baton's engine core: a pure, deterministic state machine.
//!
//! `(definition, instance state, command) → events`. A tour of the crate:
//!
//! - [`command`]: what can happen to an instance ([`Command`]), stamped with a time
//!   ([`Request`]).
//! - [`engine::execute`]: decides what a command means and emits [`Event`]s, returning them
//!   with [`Effect`]s (work for the runtime, such as running a job).
//! - [`event`]: the journal's stored, versioned format.
//! - [`state`]: [`InstanceState`], the fold of the journal; [`InstanceState::apply`] is the
//!   only code that mutates it, for live processing and replay alike.
//! - `elements/`: one module per BPMN element kind; `behaviors/`: what they share
//!   (lifecycle transitions, variables and mappings, flows, jobs, incidents).
//! - [`history`]: timelines and paths read back from a journal.
//!
//! **Invariant: the core does no IO.** It has no clock, no randomness, no threads, no
//! database and no async runtime; time and instance ids arrive in the command and effects
//! leave as data. The dependency list in `Cargo.toml` is what enforces this.

mod behaviors;
pub mod command;
pub mod decision;
pub mod definition;
pub mod effect;
mod elements;
pub mod engine;
pub mod event;
pub mod history;
pub mod ids;
pub mod state;

pub use behaviors::events::correlation_key;
pub use behaviors::migration::{
    MigrationPlan, Unmovable, Why, check as migration_check, plan as migration_plan,
};
pub use command::{Command, Request, too_deep_variable};
pub use decision::Decisions;
pub use definition::{DEFAULT_MAX_STEPS_PER_COMMAND, Definition};
pub use effect::Effect;
pub use engine::{Outcome, Rejection, execute, execute_seeded};
pub use event::{
    DecisionRoute, Event, IncidentKind, JournalRecord, ListenerRef, LlmCall, LlmMessage, Moved,
    TraceContext, Wait,
};
pub use ids::{ElementRef, GlobalKey, InstanceId, Key, KeyParseError, ParentRef, Timestamp};
pub use state::{
    InstanceState, InstanceStatus, JobLease, JobState, LlmUsage, ReplayError, Subscription, Timer,
};
