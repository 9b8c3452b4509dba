//! Effects: IO the engine asks the runtime to perform, returned as data.

use crate::ids::{Key, Timestamp};

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Effect {
    /// A job can be handed to a handler or worker from `due` on (now, or after a retry
    /// backoff). The job's variables are read from the state when it is dispatched.
    JobReady {
        job: Key,
        job_type: String,
        due: Timestamp,
    },
}
