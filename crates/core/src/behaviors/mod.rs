//! Behaviours shared by element kinds: lifecycle transitions, variables, flows, jobs,
//! listeners, user tasks and incidents. Elements call these; they never emit lifecycle
//! events themselves.

pub(crate) mod events;
pub(crate) mod flows;
pub(crate) mod incident;
pub(crate) mod job;
pub(crate) mod listeners;
pub(crate) mod looping;
pub(crate) mod migration;
pub(crate) mod timers;
pub(crate) mod transition;
pub(crate) mod user_task;
pub(crate) mod variables;
