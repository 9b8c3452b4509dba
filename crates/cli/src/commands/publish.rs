//! `baton publish`: publish a message by name and correlation key.

use anyhow::Result;
use baton_core::correlation_key;
use baton_feel::temporal::{self, Duration};
use baton_runtime::Patience;
use serde_json::json;

use crate::cli::{StoreArgs, VarArgs};
use crate::exit::InputError;
use crate::remote::{Client, instance_ids};
use crate::{output, vars, workspace};

/// What `baton publish` was asked, checked before anything is sent or stored.
struct Message {
    correlation_key: String,
    ttl_ms: u64,
}

impl Message {
    fn parse(key: &str, ttl: Option<&str>) -> Result<Message> {
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
        Ok(Message {
            correlation_key,
            ttl_ms,
        })
    }
}

/// Where a message went.
struct Outcome {
    correlated: Vec<u64>,
    started: Vec<u64>,
    buffered: bool,
}

pub fn run(
    name: &str,
    key: &str,
    var_args: &VarArgs,
    ttl: Option<&str>,
    reason: Option<String>,
    store: &StoreArgs,
) -> Result<u8> {
    let message = Message::parse(key, ttl)?;
    let variables = vars::collect(var_args)?;
    let mut runtime = workspace::open(store)?;
    runtime.recover()?;
    let entry =
        workspace::audit_entry(&runtime, "message.publish", reason).with_detail("message", name);
    let published = runtime.audited(entry, |rt| {
        rt.publish(name, &message.correlation_key, variables, message.ttl_ms)
    })?;
    // Whoever took the message runs on until it waits again.
    runtime.drive(Patience::DueNow)?;
    let outcome = Outcome {
        correlated: published.correlated.iter().map(|i| i.0).collect(),
        started: published.started.iter().map(|i| i.0).collect(),
        buffered: published.buffered,
    };
    print(name, &message, ttl, &outcome, store.json)
}

pub fn remote(
    client: &Client,
    name: &str,
    key: &str,
    var_args: &VarArgs,
    ttl: Option<&str>,
    reason: Option<String>,
    store: &StoreArgs,
) -> Result<u8> {
    let message = Message::parse(key, ttl)?;
    let answer = client.post(
        "/v1/messages",
        &json!({
            "name": name,
            "correlationKey": message.correlation_key,
            "variables": vars::collect_json(var_args)?,
            "ttlMs": message.ttl_ms,
            "reason": reason,
        }),
    )?;
    let outcome = Outcome {
        correlated: instance_ids(&answer, "correlated")?,
        started: instance_ids(&answer, "started")?,
        buffered: answer["buffered"].as_bool().unwrap_or(false),
    };
    print(name, &message, ttl, &outcome, store.json)
}

fn print(
    name: &str,
    message: &Message,
    ttl: Option<&str>,
    outcome: &Outcome,
    json: bool,
) -> Result<u8> {
    let correlation_key = &message.correlation_key;
    if json {
        output::json(&json!({
            "name": name,
            "correlation_key": correlation_key,
            "correlated": outcome.correlated.iter().map(u64::to_string).collect::<Vec<_>>(),
            "started": outcome.started.iter().map(u64::to_string).collect::<Vec<_>>(),
            "buffered": outcome.buffered,
        }))?;
    } else if outcome.correlated.is_empty() && outcome.started.is_empty() {
        if outcome.buffered {
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
        for instance in &outcome.correlated {
            println!("message '{name}' ({correlation_key}) correlated to instance {instance}");
        }
        for instance in &outcome.started {
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
