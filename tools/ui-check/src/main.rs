//! `ui-check`: drives headless Chromium (Debian's `chromium` through its `chromedriver`)
//! through the web UI of a running `baton serve`, as a person would use it, and prints one
//! line per check, then `N passed, M failed`. `scripts/ui_check` prepares the server (a
//! temporary database, tokens, models, instances) and runs this; docs/ui-testing.md says
//! what is covered.
//!
//! It relies only on the UI's public contract (issue 18): the page URLs and the
//! `data-testid` attributes, never on page internals, so the pages can change freely
//! behind it.
//!
//! Code map: [`browser`] starts chromedriver and opens sessions, [`api`] is the plain-HTTP
//! client for the REST API (to look up keys and to see whether something changed),
//! [`checks`] holds the checks and [`report`] counts them.

mod api;
mod browser;
mod checks;
mod report;
mod scripts;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;

/// Check Baton's web UI in headless Chromium: every page at 1280x800 and 390x844,
/// keyboard navigation of the main actions, a viewer who cannot act, no console errors.
#[derive(Parser, Debug)]
#[command(name = "ui-check")]
pub struct Args {
    /// The server's base URL, e.g. http://127.0.0.1:8080.
    #[arg(long, env = "BATON_UI_URL")]
    pub url: String,
    /// An admin token.
    #[arg(long, env = "BATON_UI_ADMIN")]
    pub admin: String,
    /// A viewer token.
    #[arg(long, env = "BATON_UI_VIEWER")]
    pub viewer: String,
    /// A deployed process id (its page is /processes/{id}).
    #[arg(long, env = "BATON_UI_PROCESS")]
    pub process: String,
    /// An instance waiting at a user task with a form. The viewer tries to complete and to
    /// cancel it (it must not change); at the end the admin completes the task by keyboard.
    #[arg(long, env = "BATON_UI_TASK_INSTANCE")]
    pub task_instance: u64,
    /// An instance with an open incident (the viewer tries to retry it; it must stay open).
    #[arg(long, env = "BATON_UI_INCIDENT_INSTANCE")]
    pub incident_instance: u64,
    /// A deployed decision id (its page is /decisions/{id}).
    #[arg(long, env = "BATON_UI_DECISION")]
    pub decision: String,
    /// Where the screenshots go (PNG, named by size and page).
    #[arg(long, env = "BATON_UI_SHOTS", default_value = "target/ui")]
    pub shots: PathBuf,
    #[arg(long, env = "CHROMEDRIVER", default_value = "/usr/bin/chromedriver")]
    pub chromedriver: PathBuf,
    #[arg(long, env = "CHROMIUM", default_value = "/usr/bin/chromium")]
    pub chromium: PathBuf,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("ui-check: cannot start the async runtime: {e}");
            return ExitCode::from(2);
        }
    };
    match runtime.block_on(checks::run(&args)) {
        Ok(report) => {
            println!("{report}");
            if report.failed() == 0 {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        // Nothing could be checked (no browser, say): say why, and fail.
        Err(e) => {
            println!("FAIL  the browser run could not start\n      {e}");
            println!("0 passed, 1 failed");
            ExitCode::FAILURE
        }
    }
}
