//! `on_timeout:` as the compiled graph runs it: when the phase's timer fires first, the
//! phase is left, its timeout path runs, and the workflow goes on as if it had completed.

mod support;

use baton_core::{Command, Definition, InstanceState, InstanceStatus, Timestamp};
use baton_feel::Context;
use support::{complete_only_job, definition, execute, open_jobs, start};

const FLOW: &str = "id: timeouts
phases:
  fetch:
    timeout: 10s
    on_timeout: fallback
    run: ./fetch
  fallback:
    run: ./use-cache
  use:
    needs: [fetch]
    run: ./use
";

fn started() -> (Definition, InstanceState) {
    let def = definition(FLOW);
    let state = start(&def, 1_000, Context::new());
    (def, state)
}

#[test]
fn a_timed_out_phase_goes_on_through_its_timeout_path() {
    let (def, mut state) = started();
    assert_eq!(open_jobs(&def, &state), ["fetch"]);
    let timer = *state.timers.keys().next().expect("the timeout's timer");
    assert_eq!(state.timers[&timer].due, Timestamp(11_000));
    execute(&def, &mut state, 11_000, Command::TriggerTimer { timer });
    complete_only_job(&def, &mut state, 12_000, "fallback");
    complete_only_job(&def, &mut state, 13_000, "use");
    assert_eq!(state.status, InstanceStatus::Completed);
}

#[test]
fn a_phase_done_in_time_never_runs_its_timeout_path() {
    let (def, mut state) = started();
    complete_only_job(&def, &mut state, 2_000, "fetch");
    assert!(state.timers.is_empty(), "the timer stops with its phase");
    complete_only_job(&def, &mut state, 3_000, "use");
    assert_eq!(state.status, InstanceStatus::Completed);
}
