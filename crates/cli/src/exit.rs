//! Exit codes, and the one place errors are printed.
//!
//! - 0: success, or the instance waits as expected (user task, external job).
//! - 1: the instance has an incident or failed; `baton lint` found errors or warnings; a
//!   decision (`decide`) or expression (`bench --feel`) failed to evaluate.
//! - 2: usage or input error: bad arguments, unreadable or invalid model, unknown id.
//! - 3: the system failed (store unavailable, corrupt data).

use std::process::ExitCode;

use baton_server::logging::LogFormat;

pub const OK: u8 = 0;
pub const INSTANCE_FAILED: u8 = 1;
pub const FINDINGS: u8 = 1;
pub const USAGE: u8 = 2;
pub const SYSTEM: u8 = 3;

/// An error that is the user's input, not the system: exit code 2.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct InputError(pub String);

/// Prints `error` with its causes and picks the exit code. With JSON logs
/// (`--log-format json`) the error is a JSON log line like any other, so a server's
/// stderr stays parseable to its last line.
pub fn report(error: &anyhow::Error, log_format: LogFormat) -> ExitCode {
    if is_broken_pipe(error) {
        return ExitCode::from(OK);
    }
    match log_format {
        LogFormat::Text => {
            eprintln!("error: {error}");
            for cause in error.chain().skip(1) {
                eprintln!("  caused by: {cause}");
            }
        }
        LogFormat::Json => {
            let causes: Vec<String> = error.chain().skip(1).map(ToString::to_string).collect();
            tracing::error!(causes = ?causes, "error: {error}");
        }
    }
    ExitCode::from(if is_input_error(error) { USAGE } else { SYSTEM })
}

fn is_input_error(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause.downcast_ref::<InputError>().is_some()
            || cause
                .downcast_ref::<baton_runtime::Error>()
                .is_some_and(baton_runtime::Error::is_input_error)
            || cause
                .downcast_ref::<crate::remote::ApiError>()
                .is_some_and(crate::remote::ApiError::is_input_error)
            || cause.downcast_ref::<std::io::Error>().is_some_and(|e| {
                matches!(
                    e.kind(),
                    std::io::ErrorKind::NotFound | std::io::ErrorKind::InvalidData
                )
            })
    })
}

fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
