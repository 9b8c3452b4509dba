//! `baton`: run BPMN models from the command line, embedded on SQLite.
//!
//! `main` is the only place that prints errors and picks exit codes (see [`exit`]); each
//! subcommand lives in its own file under `commands/`.

mod cli;
mod commands;
mod exit;
mod output;
mod project;
mod remote;
mod vars;
mod workspace;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = match cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // clap prints help/version to stdout (exit 0) and usage errors to stderr (2).
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() {
                exit::USAGE
            } else {
                exit::OK
            });
        }
    };
    let log_format = cli.log_format;
    let directives = std::env::var("BATON_LOG").ok();
    if let Err(error) = baton_server::logging::init(log_format, directives.as_deref()) {
        // No logger to write through: the error goes out as text.
        let error = anyhow::Error::new(exit::InputError(error.to_string()));
        return exit::report(&error, baton_server::logging::LogFormat::Text);
    }
    match commands::run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(error) => exit::report(&error, log_format),
    }
}
