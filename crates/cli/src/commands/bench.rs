//! `baton bench`: instances per second for a model, in memory (the engine and FEEL alone)
//! or `--durable` (through the SQLite store, every commit synced, commits grouped).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use anyhow::Result;
use baton_core::InstanceId;
use baton_feel::{Context, Limits, Random, Scope};
use baton_model::NodeKind;
use baton_runtime::handler::{JobHandler, JobRequest, JobResult};
use baton_runtime::{Patience, Runtime, SystemClock};
use baton_store_any::{Durability, SqliteStore};
use serde_json::json;

use crate::cli::{StoreArgs, VarArgs};
use crate::commands::{read_sources, simulate};
use crate::exit::{self, InputError};
use crate::{output, vars, workspace};

/// Instances started per commit in durable mode: the group-commit batch.
const BATCH: u64 = 512;

pub fn run(
    files: &[PathBuf],
    process: Option<&str>,
    instances: u64,
    var_args: &VarArgs,
    durable: bool,
    store: &StoreArgs,
) -> Result<u8> {
    if instances == 0 {
        return Err(InputError("--instances must be at least 1".into()).into());
    }
    let sources = read_sources(files)?;
    let variables = vars::collect(var_args)?;
    let defs = simulate::definitions(&sources)?;
    let def = simulate::pick(&defs, process)?.clone();

    // One instance first: it checks the model runs to the end and counts its steps.
    let probe = simulate::Walk::run(&defs, &def, InstanceId(0), None, &variables)?;
    if !probe.root().state.is_ended() {
        let incidents: usize = probe
            .instances
            .iter()
            .map(|w| w.state.incidents.len())
            .sum();
        return Err(InputError(format!(
            "{} does not run to completion with stubbed handlers (it stops with {incidents} incident(s)); bench needs a model that ends",
            def.process_id(),
        ))
        .into());
    }
    let steps_per_instance = probe.completions() as u64;

    let started = Instant::now();
    if durable {
        run_durable(&sources, &def, instances, &variables, store)?;
    } else {
        for n in 0..instances {
            simulate::Walk::run(&defs, &def, InstanceId(n + 1), None, &variables)?;
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    let result = json!({
        "process": def.process_id(),
        "mode": if durable { "durable" } else { "memory" },
        "instances": instances,
        "seconds": seconds,
        "instances_per_s": instances as f64 / seconds,
        "steps_per_s": (instances * steps_per_instance) as f64 / seconds,
    });
    if store.json {
        output::json(&result)?;
    } else {
        println!(
            "{}: {instances} instances in {seconds:.3} s ({}) = {:.0} instances/s, {:.0} steps/s",
            def.process_id(),
            result["mode"].as_str().unwrap_or_default(),
            instances as f64 / seconds,
            (instances * steps_per_instance) as f64 / seconds
        );
    }
    Ok(0)
}

/// `baton bench v1.bpmn --migrate-to v2.bpmn --instances N`: starts N instances of the
/// first model on a new SQLite store (synced commits, started in group-commit batches; they
/// wait where they stop), deploys the second and times migrating them all
/// (`Runtime::migrate_instances`, its batches of one command and audit record per instance).
pub fn migration(
    files: &[PathBuf],
    to: &std::path::Path,
    map: &[String],
    instances: u64,
    var_args: &VarArgs,
    store: &StoreArgs,
) -> Result<u8> {
    if instances == 0 {
        return Err(InputError("--instances must be at least 1".into()).into());
    }
    let sources = read_sources(files)?;
    let target = read_sources(&[to.to_path_buf()])?;
    let variables = vars::collect(var_args)?;
    let mapping = super::migrate::parse_mapping(map)?;
    let dir = std::env::temp_dir().join(format!("baton-bench-migrate-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let path = fresh_sqlite_file(store, &dir)?;
    let mut runtime = Runtime::new(
        SqliteStore::open(&path, Durability::Full)?,
        baton_runtime::Config::default(),
        Arc::new(SystemClock),
    );
    let deployed = runtime.deploy(&sources)?;
    let process = deployed
        .iter()
        .find(|d| d.kind == baton_store::DefinitionKind::Process)
        .ok_or_else(|| InputError("the first files define no process".into()))?
        .clone();
    let started = Instant::now();
    let mut left = instances;
    while left > 0 {
        let n = left.min(BATCH);
        runtime.start_many(&process.id, Some(process.version), &variables, n)?;
        runtime.flush()?;
        runtime.evict_idle();
        left -= n;
    }
    let start_seconds = started.elapsed().as_secs_f64();
    let next = runtime
        .deploy(&target)?
        .into_iter()
        .find(|d| d.kind == baton_store::DefinitionKind::Process && d.id == process.id)
        .ok_or_else(|| {
            InputError(format!(
                "{} defines no process '{}'",
                to.display(),
                process.id
            ))
        })?;
    let started = Instant::now();
    let report = runtime.migrate_instances(
        &baton_runtime::migration::Migration {
            process_id: process.id.clone(),
            from: process.version,
            to: next.version,
            mapping,
            instances: None,
            reason: Some("bench".into()),
            preview: false,
        },
        Some(
            &baton_store::audit::AuditEntry::new(
                workspace::local_actor(),
                "instance.migrate",
                runtime.node(),
            )
            .with_reason(Some("bench".into())),
        ),
    )?;
    let seconds = started.elapsed().as_secs_f64();
    let migrated = report.instances.iter().filter(|v| v.migrated).count();
    if store.db.is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    }
    let result = json!({
        "process": process.id,
        "from": process.version,
        "to": next.version,
        "instances": instances,
        "start_seconds": start_seconds,
        "migrated": migrated,
        "migrate_seconds": seconds,
        "instances_per_s": migrated as f64 / seconds,
    });
    if store.json {
        output::json(&result)?;
    } else {
        println!(
            "{}: started {instances} in {start_seconds:.3} s; migrated {migrated} of them from version {} to {} in {seconds:.3} s ({:.0} instances/s)",
            process.id,
            process.version,
            next.version,
            migrated as f64 / seconds
        );
    }
    Ok(0)
}

/// Completes every job at once with no variables.
struct Stub;

impl JobHandler for Stub {
    fn handle(&self, _job: &JobRequest) -> JobResult {
        JobResult::Completed(Context::new())
    }
}

/// Where a bench on a synced store writes: the new SQLite file `--db` names, or
/// `bench.db` in `scratch` (which the caller removes afterwards). A file that already
/// exists, or a PostgreSQL URL, is refused, so every run starts empty and runs compare.
fn fresh_sqlite_file(store: &StoreArgs, scratch: &std::path::Path) -> Result<PathBuf> {
    match &store.db {
        Some(db) if workspace::db_location(Some(db)).file().is_none() => Err(InputError(format!(
            "{}: bench runs on a new SQLite file (or leave out --db for a temporary one)",
            workspace::db_location(Some(db))
        ))
        .into()),
        Some(path) if path.exists() => Err(InputError(format!(
            "{} already exists: bench writes thousands of instances, so give it a new file \
             (or leave out --db for a temporary one)",
            path.display()
        ))
        .into()),
        Some(path) => Ok(path.clone()),
        None => Ok(scratch.join("bench.db")),
    }
}

fn run_durable(
    sources: &[baton_runtime::Source],
    def: &baton_core::Definition,
    instances: u64,
    variables: &Context,
    store: &StoreArgs,
) -> Result<()> {
    // A fresh store unless one is named, so runs are comparable.
    let dir = std::env::temp_dir().join(format!("baton-bench-{}", std::process::id()));
    let path = fresh_sqlite_file(store, &dir)?;
    let mut runtime = Runtime::new(
        SqliteStore::open(&path, Durability::Full)?,
        baton_runtime::Config::default(),
        Arc::new(SystemClock),
    );
    for node in &def.graph().nodes {
        match &node.kind {
            NodeKind::ServiceTask { job } => match job.job_type.as_static() {
                Some(job_type) => runtime.register_handler(job_type, Arc::new(Stub)),
                None => {
                    return Err(InputError(format!(
                        "--durable cannot complete the jobs of '{}', whose type is an \
                         expression; bench it in memory",
                        node.id
                    ))
                    .into());
                }
            },
            NodeKind::UserTask { .. } => {
                return Err(InputError(format!(
                    "--durable cannot complete user task '{}'; bench it in memory",
                    node.id
                ))
                .into());
            }
            _ => {}
        }
    }
    runtime.deploy(sources)?;
    let mut left = instances;
    while left > 0 {
        let n = left.min(BATCH);
        runtime.start_many(def.process_id(), None, variables, n)?;
        runtime.drive(Patience::DueNow)?;
        runtime.evict_ended();
        left -= n;
    }
    if store.db.is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    }
    Ok(())
}

/// `baton bench rules.dmn --decision D`: evaluations of one decision per second, the
/// model built once (FEEL parsed at build time, as when deployed).
pub fn decision(
    files: &[PathBuf],
    decision: &str,
    evaluations: u64,
    var_args: &VarArgs,
    json: bool,
) -> Result<u8> {
    let model = super::decide::load(files)?;
    let inputs = vars::collect(var_args)?;
    let probe = model
        .evaluate(decision, &inputs)
        .map_err(|e| InputError(e.to_string()))?;
    let started = Instant::now();
    for _ in 0..evaluations {
        let outcome = model
            .evaluate(decision, &inputs)
            .map_err(|e| InputError(e.to_string()))?;
        std::hint::black_box(outcome);
    }
    report(
        summary(
            "decision",
            decision,
            &probe.value,
            evaluations,
            started.elapsed().as_secs_f64(),
        ),
        json,
    )
}

/// `baton bench --feel EXPR`: evaluations of one FEEL expression per second, parsed once,
/// under `baton.toml`'s FEEL limits. An expression that fails (null because of an error,
/// such as a limit) is reported with its warnings and exit code 1 instead of timed.
pub fn feel(expression: &str, evaluations: u64, var_args: &VarArgs, json: bool) -> Result<u8> {
    let parsed = baton_feel::Expression::parse(expression)
        .map_err(|e| InputError(format!("--feel: {e}")))?;
    let scope = Limited {
        variables: vars::collect(var_args)?,
        limits: workspace::feel_limits()?,
        random: Random::new(baton_runtime::seeds::os_seed()),
    };
    let probe = parsed.evaluate(&scope);
    if probe.failed() {
        let warnings: Vec<String> = probe.warnings.iter().map(|w| w.to_string()).collect();
        if json {
            output::json(&json!({
                "mode": "feel",
                "evaluated": expression,
                "result": null,
                "error": warnings.join("; "),
                "warnings": warnings,
            }))?;
        }
        for warning in &warnings {
            eprintln!("error: {warning}");
        }
        return Ok(exit::INSTANCE_FAILED);
    }
    let started = Instant::now();
    for _ in 0..evaluations {
        std::hint::black_box(parsed.evaluate(&scope));
    }
    report(
        summary(
            "feel",
            expression,
            &probe.value,
            evaluations,
            started.elapsed().as_secs_f64(),
        ),
        json,
    )
}

/// The `--var` variables, evaluated under the configured limits, with a generator for
/// `random number()` and `uuid()`.
struct Limited {
    variables: Context,
    limits: Limits,
    random: Random,
}

impl Scope for Limited {
    fn get(&self, name: &str) -> Option<baton_feel::Value> {
        self.variables.get(name).cloned()
    }

    fn random(&self) -> Option<&Random> {
        Some(&self.random)
    }

    fn limits(&self) -> Limits {
        self.limits
    }
}

fn summary(
    mode: &str,
    what: &str,
    result: &baton_feel::Value,
    n: u64,
    seconds: f64,
) -> serde_json::Value {
    json!({
        "mode": mode,
        "evaluated": what,
        "result": result.to_json(),
        "evaluations": n,
        "seconds": seconds,
        "evaluations_per_s": n as f64 / seconds,
    })
}

fn report(result: serde_json::Value, as_json: bool) -> Result<u8> {
    if as_json {
        output::json(&result)?;
    } else {
        println!(
            "{} `{}` = {}: {} evaluations in {:.3} s = {:.0} evaluations/s",
            result["mode"].as_str().unwrap_or_default(),
            result["evaluated"].as_str().unwrap_or_default(),
            result["result"],
            result["evaluations"],
            result["seconds"].as_f64().unwrap_or_default(),
            result["evaluations_per_s"].as_f64().unwrap_or_default(),
        );
    }
    Ok(0)
}
