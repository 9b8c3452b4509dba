//! `baton rollback` as the compiled graph allows it: terminating what runs and
//! activating `__rollback` runs the `undo:` actions of the completed phases (the most
//! recently completed one's job created first), and then ends the instance.

use baton_core::{
    Command, Definition, InstanceId, InstanceState, InstanceStatus, Request, Timestamp,
};
use baton_feel::Context;

fn execute(def: &Definition, state: &mut InstanceState, at: i64, command: Command) {
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

/// The element ids of the open jobs.
fn open_jobs(def: &Definition, state: &InstanceState) -> Vec<String> {
    state
        .jobs
        .values()
        .filter_map(|job| state.elements.get(&job.element)?.node)
        .map(|node| def.node(node).id.clone())
        .collect()
}

fn complete_only_job(def: &Definition, state: &mut InstanceState, at: i64, element: &str) {
    assert_eq!(open_jobs(def, state), [element]);
    let job = *state.jobs.keys().next().expect("one open job");
    execute(
        def,
        state,
        at,
        Command::CompleteJob {
            job,
            variables: Context::new(),
        },
    );
}

#[test]
fn rollback_undoes_completed_phases_most_recent_first() {
    let text = "id: undo\nphases:\n  a:\n    run: make a\n    undo: rm a\n  b:\n    needs: [a]\n    \
                run: make b\n    undo: rm b\n  c:\n    needs: [b]\n    run: make c\n";
    let parsed = baton_yaml::parse(text, None);
    assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
    let def = Definition::new(parsed.graph.expect("a graph"), 1);
    let mut state = InstanceState::empty();
    execute(
        &def,
        &mut state,
        1,
        Command::StartInstance {
            instance: InstanceId(1),
            version: 1,
            variables: Context::new(),
            start_at: None,
            parent: None,
            trace: None,
        },
    );
    complete_only_job(&def, &mut state, 2, "a");
    complete_only_job(&def, &mut state, 3, "b");
    assert_eq!(open_jobs(&def, &state), ["c"]);
    let running: Vec<_> = state
        .elements
        .values()
        .filter(|e| e.node.is_some() && e.scope == Some(state.root))
        .map(|e| e.key)
        .collect();
    execute(
        &def,
        &mut state,
        4,
        Command::ModifyInstance {
            activate: vec!["__rollback".into()],
            terminate: running,
            variables: Context::new(),
            reason: "rollback".into(),
        },
    );
    // FIXME: the issue says undo actions run most recent first; the core starts every
    // handler at once (creating the most recent one's job first), so a runtime that runs
    // jobs side by side runs them together. Running them one at a time is the runtime's
    // to do (or the core's, with a sequential compensation throw).
    assert_eq!(open_jobs(&def, &state), ["b__undo", "a__undo"]);
    let jobs: Vec<_> = state.jobs.keys().copied().collect();
    for (at, job) in (5..).zip(jobs) {
        execute(
            &def,
            &mut state,
            at,
            Command::CompleteJob {
                job,
                variables: Context::new(),
            },
        );
    }
    assert_eq!(state.status, InstanceStatus::Completed);
}
