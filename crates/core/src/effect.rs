//! Effects: IO the engine asks the runtime to perform, returned as data.

use baton_feel::Context;

use crate::event::Wait;
use baton_model::Throw;

use crate::ids::{ElementRef, InstanceId, Key, ParentRef, Timestamp};

#[derive(Clone, Debug, PartialEq)]
pub enum Effect {
    /// A job can be handed to a handler or worker from `due` on (now, or after a retry
    /// backoff). The job's variables are read from the state when it is dispatched.
    JobReady {
        job: Key,
        job_type: String,
        due: Timestamp,
    },
    /// A timer is due at `due`: the runtime sends `TriggerTimer` then (at most once).
    TimerArmed { timer: Key, due: Timestamp },
    /// A subscription opened: the runtime correlates a buffered message that matches.
    Subscribed { subscription: Key, wait: Wait },
    /// A signal was thrown: the runtime delivers it to every instance waiting for it
    /// (this one included) and starts the processes whose start event it triggers.
    SignalThrown { name: String, variables: Context },
    /// A message was sent to another participant: the runtime publishes it (buffered
    /// for a while when nobody waits for it yet).
    MessageThrown {
        name: String,
        correlation_key: String,
        variables: Context,
    },
    /// A call activity wants an instance of `process_id` started with `variables`; the
    /// runtime starts it in the same commit and reports it back with `ChildStarted`
    /// (or `ChildStartFailed`).
    StartChild {
        element: Key,
        process_id: String,
        variables: Context,
    },
    /// This instance, started by a call activity, completed with `variables`.
    ChildCompleted {
        parent: ParentRef,
        variables: Context,
    },
    /// The call activity that started `child` ended first: the child is cancelled.
    CancelChild { child: InstanceId },
    /// An error or escalation that nothing in this instance catches, passed to the call
    /// activity that started it (the runtime sends `ThrowFromChild` to `parent`, in the
    /// same commit). `origin` is the element that threw it, in the innermost instance.
    ThrownToParent {
        parent: ParentRef,
        thrown: Throw,
        variables: Context,
        origin: ElementRef,
    },
}
