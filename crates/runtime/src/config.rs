//! `baton.toml`: job handlers, retry policy and timer limits for embedded use and `baton serve`.
//!
//! ```toml
//! [workers.double]                 # job type, as in zeebe:taskDefinition type="double"
//! command = "python3 double.py"    # run with `sh -c`; job variables as JSON on stdin
//! timeout_secs = 60                # optional, default 300
//!
//! [retry]                          # optional
//! initial_backoff_ms = 1000
//! max_backoff_ms = 300000
//!
//! [timers]                         # optional
//! min_interval_ms = 1000           # shortest interval of a timeCycle (cron too); default 1000, 0 for none
//! max_starts_per_second = 10       # instances timer start events may start per second; default 10
//!
//! [feel]                           # optional: the budget of one FEEL evaluation
//! max_call_depth = 10000           # calls nested in a call (recursion depth)
//! max_steps = 10000000             # expression nodes, iterations, calls, items walked
//! max_list_length = 1000000        # items in one list
//! max_string_length = 10000000     # bytes in one string
//!
//! [engine]                         # optional
//! max_steps_per_command = 100000   # element steps one command may run without waiting
//!
//! [telemetry]                      # optional: `baton serve` exports OpenTelemetry traces
//! otlp_endpoint = "http://localhost:4318"  # OTLP/HTTP base; spans go to {endpoint}/v1/traces
//! service_name = "baton"           # service.name of the spans; default "baton"
//! schedule_delay_ms = 5000         # longest wait before ended spans are sent; default 5000
//!
//! [server]                         # optional
//! node = "baton-1"                 # this node's name in audit records; default: the host name
//!
//! [llm]                            # optional: LLM tasks (docs/llm.md)
//! default_provider = "local"       # the provider of tasks that name none
//! max_tokens_per_instance = 20000  # optional budgets of one instance's LLM tasks
//! max_cost_per_instance = 0.50     # (in the currency of price_per_1k_tokens)
//!
//! [llm.providers.local]            # an OpenAI-compatible chat-completions API
//! base_url = "http://127.0.0.1:8080/v1"
//! model = "smollm2"
//! api_key_env = "OPENAI_API_KEY"   # optional: the variable holding the key, never the key
//! timeout_ms = 60000               # per request
//! max_reasks = 1                   # re-asks after an invalid answer
//! retries = 3                      # attempts of a task on timeouts, 5xx and lost connections
//! cache_ttl_secs = 3600            # reuse answers for the same prompt (0: off)
//! requests_per_min = 60            # optional limits; a task over them waits
//! tokens_per_min = 100000
//! max_concurrency = 4
//! price_per_1k_tokens = 0.002      # or { input = 0.00015, output = 0.0006 }
//!
//! [retention]                      # optional: `baton serve` prunes ended instances
//! ended_before = "30d"             # instances that ended longer ago than this go
//! interval = "1h"                  # how often to look (default 1h, at least 1s)
//! archive_dir = "archive"          # optional: archive them here first (.jsonl.zst)
//! batch_size = 500                 # instances per transaction (default 500)
//! ```
//!
//! `[telemetry]` turns trace export on; the standard `OTEL_EXPORTER_OTLP_ENDPOINT`,
//! `OTEL_SERVICE_NAME` and `OTEL_BSP_SCHEDULE_DELAY` variables override it. Without an
//! endpoint in either, no spans are built.
//!
//! `[timers]` guards the engine against models that fire too often. Deploy (and
//! `baton lint`) refuses a `timeCycle` that can fire more often than `min_interval_ms`, and a
//! cycle that a FEEL expression gives is an incident when its timer is armed; one-shot
//! dates and durations have no floor, since each fires once for the token that armed it.
//! `max_starts_per_second` caps the instances that timer start events start together, in
//! one engine (one tenant's store in `baton serve`), whatever the number of processes and
//! start events: firings beyond it wait, in due order, for the next free slot (none is
//! dropped).
//!
//! `[engine]` bounds what one command may do: an instance whose elements run that many
//! lifecycle steps without waiting for anything (an endless loop of script tasks and
//! gateways, say) stops every moving token with an incident; resolving it goes on.
//!
//! `[feel]` bounds every evaluation the runtime makes (conditions, mappings, scripts,
//! and each DMN decision as a whole, BKMs included); an evaluation that goes past a
//! limit stops with an incident that names it. The defaults are those of
//! `baton_feel::Limits`, meant never to stop a legitimate model; a limit of 0 is refused.

use std::collections::BTreeMap;
use std::num::{NonZeroU32, NonZeroU64, NonZeroUsize};
use std::path::{Path, PathBuf};

use serde::Deserialize;

use baton_feel::Limits;
use baton_model::timer::MinInterval;

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub workers: BTreeMap<String, WorkerConfig>,
    #[serde(default)]
    pub retry: RetryConfig,
    #[serde(default)]
    pub timers: TimersConfig,
    #[serde(default)]
    pub feel: FeelConfig,
    #[serde(default)]
    pub engine: EngineConfig,
    #[serde(default)]
    pub telemetry: TelemetryConfig,
    #[serde(default)]
    pub server: ServerConfig,
    #[serde(default)]
    pub cluster: ClusterConfig,
    /// `[retention]`: without it nothing is pruned on a schedule.
    pub retention: Option<RetentionConfig>,
    /// `[llm]`: the providers LLM tasks ask, and the budgets of an instance's tasks.
    #[serde(default)]
    pub llm: baton_llm::LlmConfig,
}

/// `[server]`: how this node names itself.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerConfig {
    /// The node's name in audit records (the host name when unset).
    pub node: Option<String>,
}

impl ServerConfig {
    /// `node`, else the host name (Linux's, else `$HOSTNAME`), else `localhost`.
    pub fn node_name(&self) -> String {
        if let Some(node) = self.node.as_ref().filter(|n| !n.trim().is_empty()) {
            return node.trim().to_string();
        }
        ["/proc/sys/kernel/hostname", "/etc/hostname"]
            .iter()
            .filter_map(|path| std::fs::read_to_string(path).ok())
            .chain(std::env::var("HOSTNAME").ok())
            .map(|name| name.trim().to_string())
            .find(|name| !name.is_empty())
            .unwrap_or_else(|| "localhost".to_string())
    }
}

/// `[cluster]`: cluster mode, several `baton serve` on one PostgreSQL database
/// (docs/cluster.md).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClusterConfig {
    /// How long a node's partition leases last without a heartbeat, in milliseconds
    /// (10,000 when unset): how soon the others take over a dead node's work.
    pub lease_ms: Option<u64>,
}

/// `[telemetry]`: where `baton serve` sends OpenTelemetry traces (OTLP over HTTP with
/// protobuf). Unset fields fall back on the `OTEL_*` environment, which wins when set.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TelemetryConfig {
    /// The OTLP/HTTP base address (`http://host:4318`); spans go to `{it}/v1/traces`.
    pub otlp_endpoint: Option<String>,
    pub service_name: Option<String>,
    pub schedule_delay_ms: Option<u64>,
}

/// `[retention]`: how `baton serve` prunes ended instances on a schedule (each tenant's
/// store on its own lane, a batch at a time between requests).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetentionConfig {
    /// Instances that ended longer ago than this are removed.
    pub ended_before: Age,
    /// How often to look for them.
    #[serde(default = "default_retention_interval")]
    pub interval: Interval,
    /// Where to archive them first (one `<tenant>-<time>.jsonl.zst` file per run); a
    /// relative path is taken from the directory `baton serve` runs in.
    pub archive_dir: Option<PathBuf>,
    /// Instances removed per store transaction.
    #[serde(default = "default_retention_batch")]
    pub batch_size: NonZeroU32,
}

/// A duration such as `30d` or `1h30m` (see [`crate::retention::parse_age`]), in ms.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Age(pub u64);

impl<'de> Deserialize<'de> for Age {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Age, D::Error> {
        let text = String::deserialize(deserializer)?;
        crate::retention::parse_age(&text)
            .map(Age)
            .map_err(serde::de::Error::custom)
    }
}

/// A duration of at least a second: a schedule's period.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Interval(pub u64);

impl<'de> Deserialize<'de> for Interval {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Interval, D::Error> {
        let Age(millis) = Age::deserialize(deserializer)?;
        if millis < 1_000 {
            return Err(serde::de::Error::custom(
                "an interval must be at least 1s, so that pruning leaves time for other work",
            ));
        }
        Ok(Interval(millis))
    }
}

fn default_retention_interval() -> Interval {
    Interval(3_600_000)
}

fn default_retention_batch() -> NonZeroU32 {
    NonZeroU32::new(crate::retention::DEFAULT_BATCH_SIZE).unwrap_or(NonZeroU32::MIN)
}

/// `[engine]`: how much one command may do.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EngineConfig {
    /// Element lifecycle steps one command may run before every token still moving
    /// stops with an incident (`baton_core::definition::DEFAULT_MAX_STEPS_PER_COMMAND`).
    #[serde(default = "default_max_steps_per_command")]
    pub max_steps_per_command: NonZeroU32,
}

impl Default for EngineConfig {
    fn default() -> EngineConfig {
        EngineConfig {
            max_steps_per_command: default_max_steps_per_command(),
        }
    }
}

fn default_max_steps_per_command() -> NonZeroU32 {
    NonZeroU32::new(baton_core::DEFAULT_MAX_STEPS_PER_COMMAND).unwrap_or(NonZeroU32::MIN)
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkerConfig {
    pub command: String,
    #[serde(default = "default_timeout")]
    pub timeout_secs: u64,
}

fn default_timeout() -> u64 {
    300
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetryConfig {
    #[serde(default = "default_initial_backoff")]
    pub initial_backoff_ms: u64,
    #[serde(default = "default_max_backoff")]
    pub max_backoff_ms: u64,
}

impl Default for RetryConfig {
    fn default() -> RetryConfig {
        RetryConfig {
            initial_backoff_ms: default_initial_backoff(),
            max_backoff_ms: default_max_backoff(),
        }
    }
}

fn default_initial_backoff() -> u64 {
    1_000
}

fn default_max_backoff() -> u64 {
    300_000
}

/// `[timers]`: the floor under timer cycles and the cap on instances started by timers.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimersConfig {
    #[serde(default = "default_min_interval")]
    pub min_interval_ms: u64,
    #[serde(default = "default_max_starts")]
    pub max_starts_per_second: NonZeroU32,
}

impl TimersConfig {
    pub fn min_interval(&self) -> MinInterval {
        MinInterval::from_millis(self.min_interval_ms)
    }
}

impl Default for TimersConfig {
    fn default() -> TimersConfig {
        TimersConfig {
            min_interval_ms: default_min_interval(),
            max_starts_per_second: default_max_starts(),
        }
    }
}

fn default_min_interval() -> u64 {
    MinInterval::DEFAULT.millis().unsigned_abs()
}

fn default_max_starts() -> NonZeroU32 {
    // Enough for schedules that fall due together (every process at 09:00) to start within
    // seconds; few enough that no model can keep the engine busy starting instances.
    const TEN: NonZeroU32 = NonZeroU32::new(10).unwrap();
    TEN
}

/// `[feel]`: limits of one FEEL evaluation; a missing one keeps its default.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeelConfig {
    pub max_call_depth: Option<NonZeroU32>,
    pub max_steps: Option<NonZeroU64>,
    pub max_list_length: Option<NonZeroUsize>,
    pub max_string_length: Option<NonZeroUsize>,
}

impl FeelConfig {
    /// The configured limits, defaults filled in.
    pub fn limits(&self) -> Limits {
        let defaults = Limits::default();
        Limits {
            max_call_depth: self
                .max_call_depth
                .map_or(defaults.max_call_depth, NonZeroU32::get),
            max_steps: self.max_steps.map_or(defaults.max_steps, NonZeroU64::get),
            max_list_length: self
                .max_list_length
                .map_or(defaults.max_list_length, NonZeroUsize::get),
            max_string_length: self
                .max_string_length
                .map_or(defaults.max_string_length, NonZeroUsize::get),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("could not read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Invalid { path: PathBuf, message: String },
}

impl Config {
    /// Reads `path` if it exists; a missing file means the defaults.
    pub fn load(path: &Path) -> Result<Config, Error> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Config::default()),
            Err(source) => {
                return Err(Error::Read {
                    path: path.to_path_buf(),
                    source,
                });
            }
        };
        Config::parse(&text).map_err(|message| Error::Invalid {
            path: path.to_path_buf(),
            message,
        })
    }

    pub fn parse(text: &str) -> Result<Config, String> {
        toml::from_str(text).map_err(|e| e.to_string().trim_end().to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timers_default_to_a_one_second_floor_and_ten_starts_a_second() {
        let config = Config::parse("").expect("an empty file is the defaults");
        assert_eq!(config.timers.min_interval().to_string(), "PT1S");
        assert_eq!(config.timers.max_starts_per_second.get(), 10);
        let config = Config::parse("[timers]\nmin_interval_ms = 60000").expect("valid");
        assert_eq!(config.timers.min_interval().to_string(), "PT1M");
        assert_eq!(config.timers.max_starts_per_second.get(), 10);
    }

    #[test]
    fn a_start_rate_of_zero_or_an_unknown_timer_setting_is_refused() {
        let zero = Config::parse("[timers]\nmax_starts_per_second = 0").expect_err("zero");
        assert!(zero.contains("max_starts_per_second"), "{zero}");
        let unknown = Config::parse("[timers]\nmin_interval = 5").expect_err("unknown");
        assert!(unknown.contains("min_interval"), "{unknown}");
    }

    #[test]
    fn feel_limits_default_when_absent_and_each_can_be_set() {
        let none = Config::parse("").expect("empty config");
        assert_eq!(none.feel.limits(), Limits::default());
        let some = Config::parse("[feel]\nmax_call_depth = 500\nmax_string_length = 2048\n")
            .expect("valid [feel]");
        let limits = some.feel.limits();
        assert_eq!(limits.max_call_depth, 500);
        assert_eq!(limits.max_string_length, 2048);
        assert_eq!(limits.max_steps, Limits::default().max_steps);
    }

    #[test]
    fn feel_limits_refuse_zero_and_unknown_keys() {
        let zero = Config::parse("[feel]\nmax_list_length = 0\n").expect_err("zero");
        assert!(zero.contains("max_list_length"), "{zero}");
        let unknown = Config::parse("[feel]\nmax_time_ms = 10\n").expect_err("unknown");
        assert!(unknown.contains("max_time_ms"), "{unknown}");
    }

    #[test]
    fn retention_is_off_unless_configured_and_reads_durations() {
        assert!(Config::parse("").expect("empty").retention.is_none());
        let config = Config::parse("[retention]\nended_before = \"30d\"\n").expect("valid");
        let retention = config.retention.expect("set");
        assert_eq!(retention.ended_before, Age(30 * 86_400_000));
        assert_eq!(retention.interval, Interval(3_600_000));
        assert_eq!(retention.batch_size.get(), 500);
        assert_eq!(retention.archive_dir, None);
        let config = Config::parse(
            "[retention]\nended_before = \"0s\"\ninterval = \"90m\"\narchive_dir = \"old\"\nbatch_size = 20\n",
        )
        .expect("valid");
        let retention = config.retention.expect("set");
        assert_eq!(
            (retention.ended_before, retention.interval),
            (Age(0), Interval(90 * 60_000))
        );
        assert_eq!(retention.archive_dir, Some(PathBuf::from("old")));
        assert_eq!(retention.batch_size.get(), 20);
    }

    #[test]
    fn retention_errors_name_the_setting_and_the_fix() {
        let missing = Config::parse("[retention]\ninterval = \"1h\"\n").expect_err("missing");
        assert!(missing.contains("ended_before"), "{missing}");
        let bad = Config::parse("[retention]\nended_before = \"30 days\"\n").expect_err("bad");
        assert!(
            bad.contains("ended_before") && bad.contains("'30 days' is not a duration"),
            "{bad}"
        );
        let fast = Config::parse("[retention]\nended_before = \"1d\"\ninterval = \"10ms\"\n")
            .expect_err("too often");
        assert!(
            fast.contains("interval") && fast.contains("at least 1s"),
            "{fast}"
        );
        let unknown =
            Config::parse("[retention]\nended_before = \"1d\"\nkeep = 3\n").expect_err("unknown");
        assert!(unknown.contains("keep"), "{unknown}");
        let zero = Config::parse("[retention]\nended_before = \"1d\"\nbatch_size = 0\n")
            .expect_err("zero");
        assert!(zero.contains("batch_size"), "{zero}");
    }

    #[test]
    fn llm_providers_are_read_and_an_unknown_key_is_refused_by_name() {
        let config = Config::parse(
            "[llm]\ndefault_provider = \"stub\"\nmax_tokens_per_instance = 100\n\n[llm.providers.stub]\nbase_url = \"http://127.0.0.1:1/v1\"\nmodel = \"m\"\nmax_concurrency = 2\n",
        )
        .expect("valid [llm]");
        assert_eq!(config.llm.max_tokens_per_instance, Some(100));
        let (name, stub) = config.llm.provider(None).expect("the default provider");
        assert_eq!(
            (name, stub.max_concurrency.map(|n| n.get())),
            ("stub", Some(2))
        );
        let unknown = Config::parse(
            "[llm.providers.stub]\nbase_url = \"http://h/v1\"\nmodel = \"m\"\nrequests_per_minute = 5\n",
        )
        .expect_err("unknown key");
        assert!(unknown.contains("requests_per_minute"), "{unknown}");
    }

    #[test]
    fn the_steps_of_one_command_default_to_the_cores_cap_and_can_be_set_but_not_to_zero() {
        let none = Config::parse("").expect("empty config");
        assert_eq!(
            none.engine.max_steps_per_command.get(),
            baton_core::DEFAULT_MAX_STEPS_PER_COMMAND
        );
        let set = Config::parse("[engine]\nmax_steps_per_command = 500\n").expect("set");
        assert_eq!(set.engine.max_steps_per_command.get(), 500);
        let zero = Config::parse("[engine]\nmax_steps_per_command = 0\n").expect_err("zero");
        assert!(zero.contains("max_steps_per_command"), "{zero}");
    }
}
