//! The command-line grammar.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "baton",
    version,
    about = "Run BPMN workflows on a durable, deterministic engine"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Commands,
    /// How log lines on stderr look: text or json (one object per line); which are
    /// written is set by BATON_LOG (RUST_LOG syntax, default info for Baton)
    #[arg(
        long,
        global = true,
        env = "BATON_LOG_FORMAT",
        default_value = "text",
        value_name = "FORMAT"
    )]
    pub log_format: baton_server::logging::LogFormat,
}

/// Options every store-backed command takes.
#[derive(Debug, Args, Clone)]
pub struct StoreArgs {
    /// The store: a SQLite file, or a PostgreSQL database as postgres://USER@HOST:PORT/DB
    /// [default: .baton/baton.db in the current directory]
    #[arg(long, env = "BATON_DB")]
    pub db: Option<PathBuf>,
    /// Print JSON for scripts instead of tables
    #[arg(long)]
    pub json: bool,
}

/// Where the deploy, instance, task, incident, message and signal commands find the
/// engine: the store file, or with `--server` the REST API of a `baton serve`.
#[derive(Debug, Args, Clone)]
pub struct RemoteArgs {
    /// Talk to this `baton serve` (its URL) instead of the store file
    #[arg(long, env = "BATON_SERVER", value_name = "URL")]
    pub server: Option<String>,
    /// The API token for --server (`baton token create`)
    #[arg(
        long,
        env = "BATON_TOKEN",
        hide_env_values = true,
        value_name = "TOKEN"
    )]
    pub token: Option<String>,
}

/// The project a phase workflow is bound to (`apply`, `status`, `rollback`), and the one
/// `baton hub` pulls into (`.baton/hub.lock`, pulled files, the store whose instances are
/// counted).
#[derive(Debug, Args, Clone)]
pub struct ProjectArgs {
    /// The project directory: the workflow's files, commands and artifacts are there,
    /// and its store is DIR/.baton/baton.db
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub dir: PathBuf,
    /// Print JSON for scripts instead of tables
    #[arg(long)]
    pub json: bool,
}

/// Why a change is made, for the audit trail (every command that changes something).
#[derive(Debug, Args, Clone, Default)]
pub struct AuditArgs {
    /// Why: kept with this action in the audit trail (`baton audit list`)
    #[arg(long)]
    pub reason: Option<String>,
}

/// Which user tasks `baton tasks` lists.
#[derive(Debug, Args, Clone, Default)]
pub struct TaskArgs {
    /// Only tasks claimed by NAME
    #[arg(long, value_name = "NAME")]
    pub assignee: Option<String>,
    /// Only tasks nobody has claimed
    #[arg(long, conflicts_with = "assignee")]
    pub unassigned: bool,
    /// Only tasks GROUP is a candidate for
    #[arg(long, value_name = "GROUP")]
    pub group: Option<String>,
}

/// Variables given on the command line.
#[derive(Debug, Args, Clone, Default)]
pub struct VarArgs {
    /// A variable: NAME=VALUE, VALUE a JSON or FEEL literal (a bare word is a string)
    #[arg(long = "var", value_name = "NAME=VALUE")]
    pub vars: Vec<String>,
    /// A JSON file with an object of variables (--var entries override it)
    #[arg(long, value_name = "FILE")]
    pub input: Option<PathBuf>,
}

/// `baton worker`'s options.
#[derive(Debug, Args)]
pub struct WorkerArgs {
    /// The job type (`zeebe:taskDefinition type`)
    #[arg(value_name = "TYPE")]
    pub job_type: String,
    /// The server's URL
    #[arg(long, env = "BATON_SERVER", default_value = "http://127.0.0.1:8080")]
    pub server: String,
    /// An API token with the worker role (`baton token create --role worker`)
    #[arg(long, env = "BATON_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// How many jobs to run side by side (more are taken as these finish)
    #[arg(long, default_value_t = 4)]
    pub max_jobs: u32,
    /// How long a job is this worker's: milliseconds or ISO 8601 (PT1M); the command
    /// is stopped before the lease ends
    #[arg(long, default_value = "PT1M")]
    pub lease: String,
    /// The worker's name, for the record [default: baton-worker-PID]
    #[arg(long)]
    pub name: Option<String>,
    /// Complete every job with no variables without running anything (benchmarks)
    #[arg(long, hide = true)]
    pub noop: bool,
    /// On exit, print each job's activate-to-complete latency as JSON (benchmarks)
    #[arg(long, hide = true)]
    pub stats: bool,
    /// The command: one argument is run by `sh -c`; several are a program and its
    /// arguments
    #[arg(last = true, value_name = "COMMAND")]
    pub command: Vec<String>,
}

#[derive(Debug, Subcommand)]
pub enum Commands {
    /// Deploy models, start an instance and drive it until it completes or waits
    Run {
        /// BPMN files (deployed together)
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// The process to start [default: the first executable process]
        #[arg(long)]
        process: Option<String>,
        #[command(flatten)]
        vars: VarArgs,
        /// Walk the model without deploying, running handlers or writing anything
        #[arg(long)]
        dry_run: bool,
        /// Return as soon as the instance waits, even on a retry backoff
        #[arg(long)]
        no_wait: bool,
        #[command(flatten)]
        audit: AuditArgs,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Deploy models (a changed model becomes a new version)
    Deploy {
        #[arg(required = true)]
        files: Vec<PathBuf>,
        #[command(flatten)]
        audit: AuditArgs,
        #[command(flatten)]
        remote: RemoteArgs,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Start instances of a deployed process and drive them
    Start {
        process_id: String,
        #[command(flatten)]
        vars: VarArgs,
        /// The version to start [default: latest]
        #[arg(long)]
        version: Option<u32>,
        /// How many instances to start
        #[arg(long, default_value_t = 1)]
        count: u64,
        /// Return as soon as instances wait, even on a retry backoff
        #[arg(long)]
        no_wait: bool,
        /// W3C trace context of the caller (00-<trace id>-<span id>-<flags>): the
        /// instance's trace becomes a child of that span
        #[arg(long)]
        traceparent: Option<String>,
        #[command(flatten)]
        audit: AuditArgs,
        #[command(flatten)]
        remote: RemoteArgs,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Run every open job in the store that has a handler (after a crash or interruption);
    /// YAML phases waiting on their gates are checked again
    Resume {
        /// Return as soon as only retry backoffs remain
        #[arg(long)]
        no_wait: bool,
        /// The project directory of `baton apply`: its store and the phases' working
        /// directory [default: the current directory, --db for the store]
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Start a YAML workflow bound to a project directory and drive it until it completes
    /// or waits (a phase's gates unmet, say); `baton status` shows where it is
    Apply {
        /// A workflow file, or HUB/ID of a workflow pulled with `baton hub pull`
        workflow: String,
        #[command(flatten)]
        vars: VarArgs,
        /// Return as soon as the instance waits, even on a retry backoff
        #[arg(long)]
        no_wait: bool,
        #[command(flatten)]
        audit: AuditArgs,
        #[command(flatten)]
        project: ProjectArgs,
    },
    /// Show the phases of the workflow last applied in a project: each one's status, and
    /// what a waiting one misses
    Status {
        #[command(flatten)]
        project: ProjectArgs,
    },
    /// Roll back a YAML workflow's instance (the last applied one by default): what runs
    /// is stopped and the `undo:` actions of the completed phases run, most recent first
    Rollback {
        /// The instance [default: the one last applied in the project]
        instance: Option<u64>,
        #[command(flatten)]
        audit: AuditArgs,
        #[command(flatten)]
        project: ProjectArgs,
    },
    /// Publish a message: instances waiting for NAME with this correlation key get it;
    /// processes with a message start event NAME start
    Publish {
        name: String,
        /// The correlation key, a FEEL literal: --key '"A-1"' or --key 42
        #[arg(long)]
        key: String,
        #[command(flatten)]
        vars: VarArgs,
        /// Keep the message this long (ISO 8601, e.g. PT1M) for a subscription that
        /// opens later, when nobody waits for it now
        #[arg(long)]
        ttl: Option<String>,
        #[command(flatten)]
        audit: AuditArgs,
        #[command(flatten)]
        remote: RemoteArgs,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Broadcast a signal to every instance waiting for it and start the processes with
    /// a signal start event of that name
    Signal {
        name: String,
        #[command(flatten)]
        vars: VarArgs,
        #[command(flatten)]
        audit: AuditArgs,
        #[command(flatten)]
        remote: RemoteArgs,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Change a running instance: activate elements, terminate element instances, set
    /// variables (recorded with a reason)
    Modify {
        instance: u64,
        /// An element to activate (at process level, or in its subprocess's only instance)
        #[arg(long, value_name = "ELEMENT")]
        activate: Vec<String>,
        /// An element whose running instances to terminate
        #[arg(long, value_name = "ELEMENT")]
        terminate: Vec<String>,
        #[command(flatten)]
        vars: VarArgs,
        /// Why (kept in the instance's history)
        #[arg(long)]
        reason: String,
        #[command(flatten)]
        remote: RemoteArgs,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Run an instance again from an element: a finished one as a new instance with its
    /// last variables, a running one (say, stuck on an incident) in place
    Restart {
        instance: u64,
        /// The element to start from
        #[arg(long = "from", value_name = "ELEMENT")]
        from: String,
        #[command(flatten)]
        vars: VarArgs,
        #[command(flatten)]
        audit: AuditArgs,
        #[command(flatten)]
        remote: RemoteArgs,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Run the engine as a service: the REST API under /v1 (OpenAPI at /v1/openapi.json),
    /// remote job workers, timers firing continuously; stops cleanly on SIGINT/SIGTERM
    Serve {
        /// The address to listen on
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: std::net::SocketAddr,
        /// The store: a SQLite file, or a PostgreSQL database as postgres://USER@HOST:PORT/DB
        /// [default: .baton/baton.db in the current directory]
        #[arg(long, env = "BATON_DB")]
        db: Option<PathBuf>,
        /// Serve every request as an admin without a token: for your own machine only
        #[arg(long)]
        insecure_dev: bool,
    },
    /// Work on jobs of TYPE from a `baton serve` as a remote worker: run COMMAND per job
    /// (variables as JSON on stdin; a JSON object on stdout is the result; a non-zero exit
    /// fails the job with its stderr) until SIGINT/SIGTERM
    Worker(WorkerArgs),
    /// Print Prometheus metrics (text format 0.0.4) derived from the store's projections
    Metrics {
        /// The store: a SQLite file, or a PostgreSQL database as postgres://USER@HOST:PORT/DB
        /// [default: .baton/baton.db in the current directory]
        #[arg(long, env = "BATON_DB")]
        db: Option<PathBuf>,
    },
    /// List armed timers and timer start events; with --fire-due, fire those that are due
    /// (for cron or scripts)
    Timers {
        /// Fire every timer that is due now and drive the instances on until they wait
        #[arg(long)]
        fire_due: bool,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// List instances
    Instances {
        /// Only instances of this process
        #[arg(long)]
        process: Option<String>,
        /// Only instances in this state (active, incident, completed, cancelled)
        #[arg(long)]
        state: Option<String>,
        #[command(flatten)]
        remote: RemoteArgs,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// What changed between two versions of a process: elements and flows added, removed
    /// and changed (matched by id). A and B are model files or PROCESS@VERSION from the store
    Diff {
        /// The old version: a BPMN or YAML file, or PROCESS@VERSION
        a: String,
        /// The new version: a BPMN or YAML file, or PROCESS@VERSION
        b: String,
        /// The process to compare, when a file holds several [default: the first both have]
        #[arg(long)]
        process: Option<String>,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Move running instances of a process from one version to another, keeping their
    /// history and waits (timers keep their due time); --preview says who can move and why not
    Migrate {
        /// The process
        process: String,
        /// The version the instances run on now
        #[arg(long)]
        from: u32,
        /// The version to move them to
        #[arg(long)]
        to: u32,
        /// Every running instance of the process at --from
        #[arg(
            long,
            conflicts_with = "instances",
            required_unless_present = "instances"
        )]
        all: bool,
        /// These instances only (comma-separated ids)
        #[arg(long, value_delimiter = ',', value_name = "ID,...")]
        instances: Vec<u64>,
        /// An element of --from whose tokens go to an element of --to (repeatable)
        #[arg(long = "map", value_name = "OLD=NEW")]
        map: Vec<String>,
        /// Why (kept in each instance's history and in the audit trail)
        #[arg(long)]
        reason: Option<String>,
        /// Only say which instances can move and why not; change nothing
        #[arg(long)]
        preview: bool,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Show an instance: timeline, variables, what it waits for, incidents
    Show {
        instance: u64,
        #[command(flatten)]
        remote: RemoteArgs,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// List open user tasks
    Tasks {
        #[command(flatten)]
        filter: TaskArgs,
        #[command(flatten)]
        remote: RemoteArgs,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Complete a user task and drive its instance on
    Complete {
        task: String,
        #[command(flatten)]
        vars: VarArgs,
        #[command(flatten)]
        audit: AuditArgs,
        #[command(flatten)]
        remote: RemoteArgs,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Claim a user task for someone (it then shows as theirs in `baton tasks`)
    Claim {
        task: String,
        /// Who takes the task
        #[arg(long, value_name = "NAME")]
        assignee: String,
        /// Take the task even if someone else holds it
        #[arg(long)]
        force: bool,
        #[command(flatten)]
        audit: AuditArgs,
        #[command(flatten)]
        remote: RemoteArgs,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Hand a claimed user task back to its candidates
    Unclaim {
        task: String,
        #[command(flatten)]
        audit: AuditArgs,
        #[command(flatten)]
        remote: RemoteArgs,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Cancel an instance
    Cancel {
        instance: u64,
        #[command(flatten)]
        audit: AuditArgs,
        #[command(flatten)]
        remote: RemoteArgs,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// List element instances across instances: when each started and ended, how long it
    /// took and how it ended (oldest instance first)
    History {
        /// Only element instances of this process
        #[arg(long)]
        process: Option<String>,
        /// Only of this version of the process
        #[arg(long, requires = "process")]
        version: Option<u32>,
        /// Only instances of this element (its id in the model)
        #[arg(long)]
        element: Option<String>,
        /// Only element instances that ended so, or are still running
        #[arg(long, value_parser = ["completed", "terminated", "running"])]
        state: Option<String>,
        /// Only element instances started at or after TIME: milliseconds since the epoch,
        /// a date or date-time (UTC unless it says otherwise), or an age such as 2h (ago)
        #[arg(long, value_name = "TIME")]
        from: Option<String>,
        /// Only element instances started before TIME (as --from)
        #[arg(long, value_name = "TIME")]
        to: Option<String>,
        /// At most this many rows
        #[arg(long)]
        limit: Option<u32>,
        /// Print CSV (with a header line) for spreadsheets and scripts
        #[arg(long, conflicts_with = "json")]
        csv: bool,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Per-element statistics of a process version: how many element instances ended,
    /// their mean, median (p50) and p95 durations, and the incidents raised at each element
    Stats {
        process_id: String,
        /// The version [default: latest]
        #[arg(long)]
        version: Option<u32>,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Remove instances that ended (completed or cancelled) longer ago than DURATION:
    /// their journals, variables, tasks, incidents and history, a batch at a time
    Prune {
        /// How long ago they ended at the latest: 0s, 90m, 36h, 30d, 1h30m
        #[arg(long, value_name = "DURATION")]
        ended_before: String,
        /// First append them (summary and journal, a JSON line each) to this
        /// zstd-compressed file, synced before each batch is removed
        #[arg(long, value_name = "FILE.jsonl.zst")]
        archive: Option<PathBuf>,
        /// Only count what would be removed
        #[arg(long, conflicts_with = "archive")]
        dry_run: bool,
        #[command(flatten)]
        audit: AuditArgs,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// List open incidents
    Incidents {
        #[command(flatten)]
        remote: RemoteArgs,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Resolve an incident (retry what failed) and drive its instance on
    Resolve {
        incident: String,
        /// New attempts for a failed job
        #[arg(long)]
        retries: Option<u32>,
        #[command(flatten)]
        audit: AuditArgs,
        #[command(flatten)]
        remote: RemoteArgs,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Evaluate a DMN decision from the command line
    Decide {
        /// The DMN file (other files given are its imports)
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// The decision, by id or name [default: the model's only or last decision]
        #[arg(long)]
        decision: Option<String>,
        #[command(flatten)]
        vars: VarArgs,
        /// Print JSON for scripts instead of a table
        #[arg(long)]
        json: bool,
    },
    /// Draw a BPMN model as SVG from its diagram interchange (models without it are laid
    /// out first)
    Render {
        /// The BPMN file [default with --instance: the model version the instance runs]
        #[arg(required_unless_present = "instance")]
        model: Option<PathBuf>,
        /// Where to write the SVG [default: standard output]
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
        /// Draw this instance's state from the store: completed elements, where tokens
        /// wait, open incidents and the sequence flows taken
        #[arg(long, value_name = "N")]
        instance: Option<u64>,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Add an automatic layout (BPMN DI) to a model without one, so modelers open it laid out
    Layout {
        /// The BPMN file
        model: PathBuf,
        /// Where to write the laid-out BPMN [default: standard output]
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Check BPMN files before deploying them: unsupported elements, unreachable
    /// elements, dead ends, deadlocking joins, missing conditions, job types without a
    /// handler in baton.toml, missing imports
    #[command(
        after_help = "Exit status: 0 when no file has an error or a warning (info notes are \
                      allowed), 1 when some file has, 2 when a file is not BPMN or cannot be read."
    )]
    Lint {
        /// BPMN files
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// The baton.toml whose workers are the known job types [default: ./baton.toml,
        /// when there is one; without it job types are not checked]
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
        /// Print JSON for scripts (an array when several files are given)
        #[arg(long)]
        json: bool,
    },
    /// Run scenario files (*.test.yaml) on the engine with an in-memory store and a virtual clock
    #[command(
        after_help = "Exit status: 0 when every scenario passes, 1 when any fails, 2 when a \
                      scenario file or one of its models cannot be read. See docs/testing.md."
    )]
    Test {
        /// Scenario files, or directories searched for *.test.yaml [default: .]
        paths: Vec<PathBuf>,
        /// Also write JUnit XML (a testsuite per file, a testcase per scenario) to this file
        #[arg(long, value_name = "FILE")]
        junit: Option<PathBuf>,
        /// Also write which elements and flows ran: JSON, or the diagram as SVG (FILE.svg)
        #[arg(long, value_name = "FILE.json|FILE.svg")]
        coverage: Option<PathBuf>,
        /// Scenarios run at once [default: twice the machine's cores]
        #[arg(long, value_name = "N")]
        jobs: Option<usize>,
    },
    /// Run a DMN TCK folder tree (<level>/<folder>/*-test-*.xml) and report pass counts
    Tck {
        dir: PathBuf,
        /// Print JSON for scripts instead of tables
        #[arg(long)]
        json: bool,
        /// Also write the upstream tck_results.csv format to this file
        #[arg(long, value_name = "FILE")]
        csv: Option<PathBuf>,
    },
    /// Plan a workflow without running it: which phases (or a BPMN process's activities)
    /// can run together, how many at once, the critical path, and the durations to expect
    /// (the p50 of past runs in the store, else the phase's `estimate:`, else unknown)
    Plan {
        /// A YAML workflow or a BPMN file
        file: PathBuf,
        /// The BPMN process to plan [default: the file's first executable process]
        #[arg(long)]
        process: Option<String>,
        /// The store whose history gives durations [default: .baton/baton.db when it exists]
        #[arg(long, env = "BATON_DB")]
        db: Option<PathBuf>,
        /// Print JSON for scripts instead of a table
        #[arg(long, conflicts_with_all = ["mermaid", "dot"])]
        json: bool,
        /// Print a Mermaid flowchart
        #[arg(long, conflicts_with = "dot")]
        mermaid: bool,
        /// Print a Graphviz digraph
        #[arg(long)]
        dot: bool,
    },
    /// Write a YAML workflow as BPMN 2.0 XML (Camunda 8 extensions, Baton's own namespace
    /// for what BPMN lacks, and a diagram), so a modeler can open it
    Convert {
        /// The YAML workflow (or a BPMN file, written back normalized)
        file: PathBuf,
        /// Where to write the BPMN [default: stdout]
        #[arg(short, long, value_name = "OUT.bpmn")]
        output: Option<PathBuf>,
    },
    /// Measure throughput: run N instances to completion in one process, evaluate a DMN
    /// decision N times, or a FEEL expression (--feel)
    Bench {
        /// BPMN files, or DMN files to bench a decision
        #[arg(required_unless_present = "feel")]
        files: Vec<PathBuf>,
        #[arg(long)]
        process: Option<String>,
        /// With DMN files: the decision to evaluate
        #[arg(long)]
        decision: Option<String>,
        /// Evaluate this FEEL expression instead of running a model
        #[arg(long, value_name = "EXPRESSION")]
        feel: Option<String>,
        #[arg(long, default_value_t = 1000)]
        instances: u64,
        #[command(flatten)]
        vars: VarArgs,
        /// Go through the SQLite store with every commit synced to disk
        #[arg(long)]
        durable: bool,
        /// Time a migration instead: start --instances of the model (they wait where they
        /// stop), deploy this new version and migrate them all to it, on a SQLite store
        #[arg(long, value_name = "FILE")]
        migrate_to: Option<PathBuf>,
        /// With --migrate-to: OLD=NEW element mappings
        #[arg(long = "map", value_name = "OLD=NEW", requires = "migrate_to")]
        map: Vec<String>,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// The nodes of a cluster of `baton serve` on one PostgreSQL database (see
    /// docs/cluster.md)
    Cluster {
        #[command(subcommand)]
        command: ClusterCommand,
    },
    /// Move a store to another database (see docs/postgres.md)
    Store {
        #[command(subcommand)]
        command: StoreCommand,
    },
    /// Create, list and revoke API tokens for `baton serve` (see docs/auth.md)
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// The audit trail: who did what, when, where and why, hash-chained (see docs/audit.md)
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Share YAML workflows through git repositories: add, search, pull (pinned by
    /// commit in .baton/hub.lock), publish, update (see docs/hub.md)
    Hub {
        #[command(subcommand)]
        command: HubCommand,
    },
    /// LLM tasks and symbolic-first decisions (see docs/llm.md)
    Llm {
        #[command(subcommand)]
        command: LlmCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum LlmCommand {
    /// What the rules and the models did: decisions the tables made where an LLM
    /// fallback was declared, requests sent, calls avoided (by rules or the cache), cache
    /// hits, invalid answers, tokens and cost, in all and per process and element
    Stats {
        /// Only this process
        #[arg(long, value_name = "ID")]
        process: Option<String>,
        #[command(flatten)]
        store: StoreArgs,
    },
}

/// Which audit records `baton audit list` and `export` show.
#[derive(Debug, Args, Clone, Default)]
pub struct AuditFilterArgs {
    /// Only records since then: milliseconds since the epoch, an ISO 8601 date-time, or
    /// a time ago (30s, 15m, 2h, 7d)
    #[arg(long)]
    pub since: Option<String>,
    /// Only records of the actor with this name (a token's name, a local user)
    #[arg(long)]
    pub actor: Option<String>,
    /// Only this action, or the actions under it (`instance` takes `instance.cancel`)
    #[arg(long)]
    pub action: Option<String>,
    /// Only records about this instance
    #[arg(long)]
    pub instance: Option<u64>,
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// List audit records in chain order
    List {
        #[command(flatten)]
        filter: AuditFilterArgs,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Write audit records to stdout as JSON lines or CSV
    Export {
        /// jsonl or csv
        #[arg(long, default_value = "jsonl")]
        format: String,
        #[command(flatten)]
        filter: AuditFilterArgs,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Check the hash chain: exit 0 when intact, 1 when a record was edited, deleted,
    /// inserted or reordered (the first bad one is named)
    Verify {
        /// Also check the signed checkpoints against this Ed25519 public key
        #[arg(long, value_name = "FILE")]
        pubkey: Option<PathBuf>,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Sign the chain's current head with an Ed25519 private key, as a record of the chain
    Checkpoint {
        /// The private key file (`baton audit keygen`)
        #[arg(long, value_name = "KEYFILE")]
        key: PathBuf,
        #[command(flatten)]
        audit: AuditArgs,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Generate an Ed25519 key pair for checkpoints: KEYFILE (private, mode 0600) and
    /// KEYFILE.pub
    Keygen {
        #[arg(long, value_name = "KEYFILE")]
        out: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum ClusterCommand {
    /// List the nodes registered on the database: address, live or dead, last heartbeat,
    /// partitions leased
    Status {
        /// The PostgreSQL database, as postgres://USER@HOST:PORT/DB
        #[arg(long, env = "BATON_DB")]
        db: Option<PathBuf>,
        /// Print JSON for scripts instead of a table
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum StoreCommand {
    /// Copy every definition, instance (same ids), journal, projection, token and audit
    /// record of a SQLite store into an empty PostgreSQL database, checked by counts and
    /// checksums; refuses a target that is not empty (exit 2) and writes nothing then
    Copy {
        /// The SQLite store file to copy
        #[arg(long)]
        from: PathBuf,
        /// The PostgreSQL database to copy into, as postgres://USER@HOST:PORT/DB
        #[arg(long)]
        to: PathBuf,
        /// Print JSON for scripts instead of a table
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create a token: its secret is printed once, only its hash is stored
    Create {
        /// What the token may do: admin, operator, developer, worker or viewer
        #[arg(long)]
        role: String,
        /// The tenant whose resources the token sees (1 to 64 of A-Z a-z 0-9 _ -)
        #[arg(long)]
        tenant: String,
        /// What the token is for, shown in listings
        #[arg(long)]
        name: Option<String>,
        #[command(flatten)]
        audit: AuditArgs,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// List tokens (never their secrets), revoked ones too
    List {
        /// Only the tokens of this tenant
        #[arg(long)]
        tenant: Option<String>,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Revoke a token by its id: it stops working at once
    Revoke {
        /// The token's id, as `baton token list` shows it
        // An id is base64url and may start with '-'; it is still an id, not an option.
        #[arg(allow_hyphen_values = true)]
        id: String,
        #[command(flatten)]
        audit: AuditArgs,
        #[command(flatten)]
        store: StoreArgs,
    },
}

#[derive(Debug, Subcommand)]
pub enum HubCommand {
    /// Add a hub: clone the git repository at PATH_OR_URL (a local path, file://, git://
    /// or http:// URL) and index its workflows
    Add {
        /// The hub's name: the HUB of HUB/ID
        name: String,
        #[arg(value_name = "PATH_OR_URL")]
        source: String,
    },
    /// Forget a hub and its clone (projects keep what they pulled)
    Remove { name: String },
    /// List hubs, their workflows, and for those pulled here how often they were
    /// applied and how many of those runs completed
    List {
        /// Only this hub
        hub: Option<String>,
        #[command(flatten)]
        project: ProjectArgs,
    },
    /// Find workflows whose id, name, description, tags or category contain TEXT (any case)
    Search {
        text: Option<String>,
        /// Only workflows with this tag
        #[arg(long, value_name = "TAG")]
        tag: Option<String>,
        /// Only workflows of this category
        #[arg(long, value_name = "CATEGORY")]
        category: Option<String>,
        /// Only this hub
        #[arg(long, value_name = "NAME")]
        hub: Option<String>,
        /// Print JSON for scripts instead of a table
        #[arg(long)]
        json: bool,
    },
    /// Copy HUB/ID (at the hub's current commit, or at REV: a commit, tag or branch) into
    /// .baton/hub/HUB/ID.yaml and pin its commit in .baton/hub.lock
    Pull {
        #[arg(value_name = "HUB/ID[@REV]")]
        reference: String,
        /// Overwrite a pulled file that was changed by hand
        #[arg(long)]
        force: bool,
        #[command(flatten)]
        project: ProjectArgs,
    },
    /// Commit a workflow file to a hub and push it
    Publish {
        file: PathBuf,
        /// The hub [default: the only one]
        #[arg(long, value_name = "NAME")]
        hub: Option<String>,
        /// The commit message [default: Publish ID VERSION]
        #[arg(short, long, value_name = "MSG")]
        message: Option<String>,
        /// Print JSON for scripts instead of text
        #[arg(long)]
        json: bool,
    },
    /// Fetch the hubs, re-pin the pulled workflows (or HUB/ID) to their new commit and
    /// print a diff of each pulled file that changed
    Update {
        #[arg(value_name = "HUB/ID")]
        reference: Option<String>,
        /// Overwrite pulled files that were changed by hand
        #[arg(long)]
        force: bool,
        #[command(flatten)]
        project: ProjectArgs,
    },
}
