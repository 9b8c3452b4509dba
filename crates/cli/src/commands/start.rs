//! `baton start`: start instances of a deployed process and drive them.

use std::collections::BTreeMap;

use anyhow::Result;
use baton_store::{DeploymentStore, InstanceFilter, QueryStore};
use serde_json::json;

use crate::cli::{StoreArgs, VarArgs};
use crate::commands::{exit_code, patience, print_instance, print_remote_instance};
use crate::exit::InputError;
use crate::remote::Client;
use crate::{output, vars, workspace};

/// Instances started per commit.
const CHUNK: u64 = 1_000;

/// How and how many instances to start.
#[derive(Debug)]
pub struct Options {
    pub version: Option<u32>,
    pub count: u64,
    pub no_wait: bool,
    /// The caller's W3C trace context, as given.
    pub traceparent: Option<String>,
    /// Why, for the audit trail.
    pub reason: Option<String>,
}

pub fn run(
    process_id: &str,
    var_args: &VarArgs,
    options: &Options,
    store: &StoreArgs,
) -> Result<u8> {
    let Options {
        version,
        count,
        no_wait,
        ..
    } = *options;
    let variables = vars::collect(var_args)?;
    let trace = match &options.traceparent {
        Some(text) => Some(
            baton_runtime::traces::parse_traceparent(text)
                .map_err(|e| InputError(e.to_string()))?,
        ),
        None => None,
    };
    let mut runtime = workspace::open(store)?;
    if let Some(code) = start_collaboration(&mut runtime, process_id, &variables, options, store)? {
        return Ok(code);
    }
    // Commit in chunks so a large --count neither holds every instance in memory nor
    // loses more than one chunk to a crash.
    let mut instances = Vec::with_capacity(count.min(1 << 20) as usize);
    let mut left = count;
    while left > 0 {
        let n = left.min(CHUNK);
        // One record per chunk: the chunk is one commit.
        let entry = workspace::audit_entry(&runtime, "instance.start", options.reason.clone())
            .with_detail("process", process_id)
            .with_detail("count", n);
        let started = runtime.audited(entry, |rt| match &trace {
            // Each instance a child of the caller's span.
            Some(trace) => (0..n)
                .map(|_| {
                    rt.start_traced(
                        process_id,
                        version,
                        variables.clone(),
                        None,
                        Some(trace.clone()),
                    )
                })
                .collect::<Result<Vec<_>, _>>(),
            None => rt.start_many(process_id, version, &variables, n),
        })?;
        instances.extend(started);
        runtime.drive(patience(no_wait))?;
        runtime.evict_idle();
        left -= n;
    }
    if let [only] = instances[..] {
        return print_instance(&mut runtime, only, store.json);
    }
    let rows = runtime.store().instances(&InstanceFilter {
        process_id: Some(process_id.to_string()),
        ..InstanceFilter::default()
    })?;
    let started: std::collections::HashSet<u64> = instances.iter().map(|i| i.0).collect();
    let mut states: BTreeMap<String, u64> = BTreeMap::new();
    for row in rows.iter().filter(|r| started.contains(&r.instance.0)) {
        *states.entry(row.state.clone()).or_default() += 1;
    }
    if store.json {
        output::json(
            &json!({"process": process_id, "started": instances.iter().map(|i| i.0).collect::<Vec<_>>(), "states": states}),
        )?;
    } else {
        let summary: Vec<String> = states.iter().map(|(s, n)| format!("{n} {s}")).collect();
        println!(
            "started {} instances of {process_id}: {}",
            instances.len(),
            summary.join(", ")
        );
    }
    Ok(states.keys().map(|s| exit_code(s)).max().unwrap_or(0))
}

/// `baton start COLLABORATION`: an id that names no deployed process but a collaboration
/// starts one instance of each of its executable participants with a none start event.
/// `None` when the id is not such a collaboration.
fn start_collaboration(
    runtime: &mut workspace::EmbeddedRuntime,
    id: &str,
    variables: &baton_feel::Context,
    options: &Options,
    store: &StoreArgs,
) -> Result<Option<u8>> {
    let is_process = runtime
        .store()
        .definition(baton_store::DefinitionKind::Process, id, None)?
        .is_some();
    if is_process || runtime.collaboration_participants(id)?.is_empty() {
        return Ok(None);
    }
    if options.count != 1 || options.version.is_some() {
        return Err(InputError(format!(
            "'{id}' is a collaboration: it starts one instance of each participant's latest \
             version; drop --count and --version"
        ))
        .into());
    }
    let entry = workspace::audit_entry(runtime, "instance.start", options.reason.clone())
        .with_detail("collaboration", id);
    let started = runtime.audited(entry, |rt| rt.start_collaboration(id, variables))?;
    runtime.drive(patience(options.no_wait))?;
    let mut code = 0;
    let mut rows = Vec::new();
    for instance in started {
        let (_, state) = runtime.state(instance)?;
        code = code.max(exit_code(state.status.as_str()));
        rows.push(json!({
            "instance": instance.0,
            "process": state.process_id,
            "state": state.status.as_str(),
        }));
    }
    if store.json {
        output::json(&json!({"collaboration": id, "started": rows}))?;
    } else {
        for row in &rows {
            println!(
                "started instance {} of {} ({}): {}",
                row["instance"],
                row["process"].as_str().unwrap_or_default(),
                id,
                row["state"].as_str().unwrap_or_default()
            );
        }
    }
    Ok(Some(code))
}

/// `baton start --server`: one instance, started by the server and run until it waits.
pub fn remote(
    client: &Client,
    process_id: &str,
    var_args: &VarArgs,
    options: &Options,
    store: &StoreArgs,
) -> Result<u8> {
    if options.count != 1 {
        return Err(InputError(
            "--count works only on the embedded store; with --server, start one instance per call"
                .into(),
        )
        .into());
    }
    let mut body = json!({"processId": process_id, "variables": vars::collect_json(var_args)?});
    if let Some(version) = options.version {
        body["version"] = json!(version);
    }
    if let Some(reason) = &options.reason {
        body["reason"] = json!(reason);
    }
    let headers: Vec<(&str, &str)> = options
        .traceparent
        .as_deref()
        .map(|t| ("traceparent", t))
        .into_iter()
        .collect();
    let instance = client.post_with("/v1/process-instances", &body, &headers)?;
    print_remote_instance(instance, store.json)
}
