//! `baton start`: start instances of a deployed process and drive them.

use std::collections::BTreeMap;

use anyhow::Result;
use baton_store::{InstanceFilter, QueryStore};
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
    // Commit in chunks so a large --count neither holds every instance in memory nor
    // loses more than one chunk to a crash.
    let mut instances = Vec::with_capacity(count.min(1 << 20) as usize);
    let mut left = count;
    while left > 0 {
        let n = left.min(CHUNK);
        match &trace {
            // Each instance a child of the caller's span.
            Some(trace) => {
                for _ in 0..n {
                    let started = runtime.start_traced(
                        process_id,
                        version,
                        variables.clone(),
                        None,
                        Some(trace.clone()),
                    )?;
                    instances.push(started);
                }
            }
            None => instances.extend(runtime.start_many(process_id, version, &variables, n)?),
        }
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
    let headers: Vec<(&str, &str)> = options
        .traceparent
        .as_deref()
        .map(|t| ("traceparent", t))
        .into_iter()
        .collect();
    let instance = client.post_with("/v1/process-instances", &body, &headers)?;
    print_remote_instance(instance, store.json)
}
