//! `baton rollback` as the compiled graph allows it: terminating what runs and
//! activating `__rollback` runs the `undo:` actions of the completed phases (the most
//! recently completed one's job created first), and then ends the instance.

mod support;

use baton_core::{Command, InstanceStatus};
use baton_feel::Context;
use support::{complete_only_job, definition, execute, open_jobs, start};

#[test]
fn rollback_undoes_completed_phases_most_recent_first() {
    let text = "id: undo\nphases:\n  a:\n    run: make a\n    undo: rm a\n  b:\n    needs: [a]\n    \
                run: make b\n    undo: rm b\n  c:\n    needs: [b]\n    run: make c\n";
    let def = definition(text);
    let mut state = start(&def, 1, Context::new());
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
    // The core starts every handler at once, creating the most recent one's job first;
    // the runtime runs one undo job of an instance at a time in that order
    // (`Runtime::take_due`), which `crates/cli/tests/project.rs` checks end to end.
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
