//! Running a compiled workflow on the engine core in memory, a command at a time.

#![allow(dead_code)]

use baton_core::{Command, Definition, InstanceId, InstanceState, Request, Timestamp};
use baton_feel::Context;

/// Compiles `text`, which must have no diagnostics.
pub fn definition(text: &str) -> Definition {
    let parsed = baton_yaml::parse(text, None);
    assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
    Definition::new(parsed.graph.expect("a graph without diagnostics"), 1)
}

pub fn execute(def: &Definition, state: &mut InstanceState, at: i64, command: Command) {
    baton_core::execute(
        def,
        state,
        &Request {
            at: Timestamp(at),
            command: command.clone(),
        },
    )
    .unwrap_or_else(|e| panic!("{command:?}: {e}"));
}

/// Starts instance 1 at `at` with `variables`.
pub fn start(def: &Definition, at: i64, variables: Context) -> InstanceState {
    let mut state = InstanceState::empty();
    let start = Command::StartInstance {
        instance: InstanceId(1),
        version: 1,
        variables,
        start_at: None,
        parent: None,
        trace: None,
    };
    execute(def, &mut state, at, start);
    state
}

/// The element ids of the open jobs, in the order they were created.
pub fn open_jobs(def: &Definition, state: &InstanceState) -> Vec<String> {
    state
        .jobs
        .values()
        .filter_map(|job| state.elements.get(&job.element)?.node)
        .map(|node| def.node(node).id.clone())
        .collect()
}

/// Completes the one open job, which must be `element`'s.
pub fn complete_only_job(def: &Definition, state: &mut InstanceState, at: i64, element: &str) {
    assert_eq!(open_jobs(def, state), [element]);
    let job = *state.jobs.keys().next().expect("one open job");
    let variables = Context::new();
    execute(def, state, at, Command::CompleteJob { job, variables });
}
