//! Logs: Baton's libraries log through `tracing` macros, and one subscriber, set up once
//! by the `baton` binary ([`init`]), writes them to stderr as text or as JSON lines.
//!
//! Which lines are written is a `RUST_LOG`-style filter (`BATON_LOG`); by default Baton's
//! own crates log at info and the libraries under them only warnings. With JSON, every
//! line is one object (`timestamp`, `level`, `target`, `fields`), panics included: the
//! panic hook logs them as errors rather than printing text, so a log shipper never
//! meets a line it cannot parse.

use std::fmt;
use std::str::FromStr;

use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;

/// Info for Baton's crates, warnings for everything else.
pub const DEFAULT_FILTER: &str = "warn,baton=info,baton_cli=info,baton_server=info,\
                                  baton_runtime=info,baton_store=info,baton_store_sqlite=info,\
                                  baton_store_postgres=info,baton_store_any=info,baton_core=info";

/// How log lines look.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LogFormat {
    /// For people: time, level, target, message and fields on one line.
    #[default]
    Text,
    /// For machines: one JSON object per line.
    Json,
}

impl FromStr for LogFormat {
    type Err = Error;

    fn from_str(text: &str) -> Result<LogFormat, Error> {
        match text.to_ascii_lowercase().as_str() {
            "text" => Ok(LogFormat::Text),
            "json" => Ok(LogFormat::Json),
            _ => Err(Error::UnknownFormat(text.to_string())),
        }
    }
}

impl fmt::Display for LogFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            LogFormat::Text => "text",
            LogFormat::Json => "json",
        })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("unknown log format '{0}': use text or json")]
    UnknownFormat(String),
    #[error("BATON_LOG is not a valid log filter ('{directives}'): {message}")]
    BadFilter { directives: String, message: String },
    #[error("a logger was set up already")]
    AlreadySet,
}

/// The filter for `directives` (`BATON_LOG`), or [`DEFAULT_FILTER`] when there are none.
pub fn filter(directives: Option<&str>) -> Result<EnvFilter, Error> {
    let directives = directives
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .unwrap_or(DEFAULT_FILTER);
    EnvFilter::try_new(directives).map_err(|e| Error::BadFilter {
        directives: directives.to_string(),
        message: e.to_string(),
    })
}

/// A subscriber writing `format` lines that pass `filter` to `writer`: what [`init`]
/// installs (with stderr), and what tests capture.
pub fn subscriber<W>(
    format: LogFormat,
    filter: EnvFilter,
    writer: W,
) -> Box<dyn tracing::Subscriber + Send + Sync>
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer);
    match format {
        LogFormat::Text => Box::new(builder.finish()),
        LogFormat::Json => Box::new(
            builder
                .json()
                .with_current_span(false)
                .with_span_list(false)
                .finish(),
        ),
    }
}

/// Sets up the process's logging: `format` lines on stderr, filtered by `directives`.
/// With JSON, panics are logged as JSON errors too.
pub fn init(format: LogFormat, directives: Option<&str>) -> Result<(), Error> {
    let subscriber = subscriber(format, filter(directives)?, std::io::stderr);
    tracing::subscriber::set_global_default(subscriber).map_err(|_| Error::AlreadySet)?;
    if format == LogFormat::Json {
        std::panic::set_hook(Box::new(|info| {
            let message = info
                .payload()
                .downcast_ref::<&str>()
                .map(|s| (*s).to_string())
                .or_else(|| info.payload().downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "a panic without a message".to_string());
            let location = info
                .location()
                .map(|l| format!("{}:{}", l.file(), l.line()))
                .unwrap_or_default();
            let thread = std::thread::current();
            tracing::error!(
                target: "panic",
                thread = thread.name().unwrap_or("unnamed"),
                location,
                "panicked: {message}"
            );
        }));
    }
    Ok(())
}
