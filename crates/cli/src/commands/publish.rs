//! `baton publish`: publish a message by name and correlation key.

use anyhow::Result;
use baton_core::correlation_key;
use baton_feel::temporal::{self, Duration};
use baton_runtime::Patience;
use serde_json::json;

use crate::cli::{StoreArgs, VarArgs};
use crate::exit::InputError;
use crate::{output, vars, workspace};

pub fn run(
    name: &str,
    key: &str,
    var_args: &VarArgs,
    ttl: Option<&str>,
    store: &StoreArgs,
) -> Result<u8> {
    let key_value = vars::parse_value(key);
    let Some(correlation_key) = correlation_key(&key_value) else {
        return Err(InputError(format!(
            "--key {key}: a correlation key is a string or a number, like --key '\"A-1\"' or --key 42"
        ))
        .into());
    };
    let ttl_ms = match ttl {
        None => 0,
        Some(text) => ttl_millis(text).ok_or_else(|| {
            InputError(format!(
                "--ttl {text}: not an ISO 8601 duration in days and time (like PT1M or PT30S)"
            ))
        })?,
    };
    let variables = vars::collect(var_args)?;
    let mut runtime = workspace::open(store)?;
    runtime.recover()?;
    let published = runtime.publish(name, &correlation_key, variables, ttl_ms)?;
    // Whoever took the message runs on until it waits again.
    runtime.drive(Patience::DueNow)?;
    if store.json {
        output::json(&json!({
            "name": name,
            "correlation_key": correlation_key,
            "correlated": published.correlated.iter().map(|i| i.to_string()).collect::<Vec<_>>(),
            "started": published.started.iter().map(|i| i.to_string()).collect::<Vec<_>>(),
            "buffered": published.buffered,
        }))?;
    } else if published.correlated.is_empty() && published.started.is_empty() {
        if published.buffered {
            println!(
                "message '{name}' ({correlation_key}): nobody waits for it yet; kept for {}",
                ttl.unwrap_or_default()
            );
        } else {
            println!(
                "message '{name}' ({correlation_key}): nobody waits for it; dropped (give --ttl to keep it)"
            );
        }
    } else {
        for instance in &published.correlated {
            println!("message '{name}' ({correlation_key}) correlated to instance {instance}");
        }
        for instance in &published.started {
            println!("message '{name}' started instance {instance}");
        }
    }
    Ok(0)
}

fn ttl_millis(text: &str) -> Option<u64> {
    match temporal::parse_duration(text)? {
        Duration::DayTime(d) => u64::try_from(d.nanos() / 1_000_000).ok(),
        Duration::YearMonths(_) => None,
    }
}
