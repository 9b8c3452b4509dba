//! Each phase's status, for `baton status`, `show` and `run --json`.
