//! `baton audit`: read, export and verify the store's audit trail, and sign its head.
//!
//! The chain's hashing and checking are `baton_store::audit`'s; this reads the store, and
//! reports. Like `baton token`, these commands need the store only, not `baton.toml`: a
//! broken workflow configuration must not stop anyone from checking the trail.

use std::io::Write as _;
use std::path::Path;

use anyhow::{Context as _, Result};
use baton_core::{InstanceId, Timestamp};
use baton_feel::temporal::{self, DateTime};
use baton_runtime::{Clock as _, Config, SystemClock};
use baton_store::AuditStore as _;
use baton_store::audit::{self, AuditFilter, AuditRecord, Checkpoint};
use baton_store_any::AnyStore;
use serde_json::json;

use crate::cli::{AuditFilterArgs, StoreArgs};
use crate::exit::{self, InputError};
use crate::{output, workspace};

pub fn list(filter: &AuditFilterArgs, store: &StoreArgs) -> Result<u8> {
    let records = open(store)?.audit_records(&to_filter(filter)?)?;
    if store.json {
        let items: Vec<_> = records.iter().map(AuditRecord::to_json).collect();
        output::json(&json!(items))?;
        return Ok(exit::OK);
    }
    let rows: Vec<Vec<String>> = records
        .iter()
        .map(|r| {
            vec![
                r.seq.to_string(),
                show(r.at),
                r.actor_name(),
                r.action.clone(),
                r.instance.map(|i| i.to_string()).unwrap_or_default(),
                r.outcome.clone(),
                r.reason.clone().unwrap_or_default(),
            ]
        })
        .collect();
    output::table(
        &[
            "seq", "at", "actor", "action", "instance", "outcome", "reason",
        ],
        &rows,
    )?;
    Ok(exit::OK)
}

/// Every record (or those the filter selects) as JSON lines or CSV, in chain order.
pub fn export(format: &str, filter: &AuditFilterArgs, store: &StoreArgs) -> Result<u8> {
    let csv = match format {
        "jsonl" => false,
        "csv" => true,
        other => {
            return Err(InputError(format!("unknown format '{other}': use jsonl or csv")).into());
        }
    };
    let records = open(store)?.audit_records(&to_filter(filter)?)?;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    if csv {
        writeln!(
            out,
            "seq,at,actor,action,instance,detail,payload_digest,reason,outcome,node,client,hash"
        )?;
    }
    for r in &records {
        if csv {
            let cells = [
                r.seq.to_string(),
                r.at.to_string(),
                r.actor.clone(),
                r.action.clone(),
                r.instance.map(|i| i.to_string()).unwrap_or_default(),
                r.detail.clone(),
                r.payload_digest.clone().unwrap_or_default(),
                r.reason.clone().unwrap_or_default(),
                r.outcome.clone(),
                r.node.clone(),
                r.client.clone().unwrap_or_default(),
                r.hash.clone(),
            ];
            let line: Vec<String> = cells.iter().map(|c| csv_cell(c)).collect();
            writeln!(out, "{}", line.join(","))?;
        } else {
            serde_json::to_writer(&mut out, &r.to_json())?;
            writeln!(out)?;
        }
    }
    out.flush()?;
    Ok(exit::OK)
}

/// RFC 4180: a cell with a comma, quote or line break is quoted, quotes doubled.
fn csv_cell(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

/// Exit 0 when the chain is intact (and, with a public key, its checkpoints are good),
/// 1 naming the first bad record otherwise.
pub fn verify(pubkey: Option<&Path>, store: &StoreArgs) -> Result<u8> {
    let key = pubkey
        .map(|path| {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading the public key {}", path.display()))?;
            audit::verifying_key(&text)
                .map_err(|e| anyhow::Error::from(InputError(format!("{}: {e}", path.display()))))
        })
        .transpose()?;
    let db = open(store)?;
    let records = db.audit_records(&AuditFilter::default())?;
    let head = db.audit_head()?;
    let verdict = audit::verify(&records, head.as_ref(), key.as_ref());
    if store.json {
        output::json(&serde_json::to_value(&verdict)?)?;
    } else if verdict.ok {
        let signed = verdict
            .checkpoints
            .map_or_else(String::new, |n| format!(", {n} signed checkpoint(s) good"));
        println!("audit chain intact: {} record(s){signed}", verdict.records);
    } else {
        let at = verdict
            .first_bad
            .map_or_else(String::new, |seq| format!(" at record {seq}"));
        println!(
            "audit chain broken{at}: {}",
            verdict.problem.as_deref().unwrap_or("it does not verify")
        );
    }
    Ok(if verdict.ok { exit::OK } else { exit::FINDINGS })
}

/// Signs the current head and appends the signature as a record.
pub fn checkpoint(key_file: &Path, reason: Option<String>, store: &StoreArgs) -> Result<u8> {
    let text = std::fs::read_to_string(key_file)
        .with_context(|| format!("reading the private key {}", key_file.display()))?;
    let key = audit::signing_key(&text)
        .map_err(|e| InputError(format!("{}: {e}", key_file.display())))?;
    let mut db = open(store)?;
    let Some(head) = db.audit_head()? else {
        return Err(InputError("the audit trail is empty: there is nothing to sign".into()).into());
    };
    let signed = Checkpoint {
        seq: head.seq,
        hash: head.hash,
    };
    let mut entry = signed
        .entry(&key, workspace::local_actor(), &node())
        .with_reason(reason);
    entry.at = SystemClock.now();
    let record = db
        .append_audit(&[entry])?
        .pop()
        .context("the store appended no record")?;
    if store.json {
        output::json(&record.to_json())?;
    } else {
        println!(
            "signed the audit chain up to record {} (checkpoint record {})",
            signed.seq, record.seq
        );
    }
    Ok(exit::OK)
}

/// Writes a new key pair: the private key readable by its owner only.
pub fn keygen(out: &Path) -> Result<u8> {
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(|e| {
        anyhow::anyhow!("the operating system's random number generator failed: {e}")
    })?;
    let (private, public) = audit::key_pair(seed);
    let public_path = {
        let mut name = out.as_os_str().to_owned();
        name.push(".pub");
        std::path::PathBuf::from(name)
    };
    write_new(out, &private, true)?;
    write_new(&public_path, &public, false)?;
    eprintln!(
        "wrote the private key to {} and the public key to {}; keep the private key away from the store",
        out.display(),
        public_path.display()
    );
    Ok(exit::OK)
}

/// Creates `path` (never overwriting a key), private to its owner when `secret`.
fn write_new(path: &Path, text: &str, secret: bool) -> Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    if secret {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    #[cfg(not(unix))]
    let _ = secret;
    let mut file = options
        .open(path)
        .with_context(|| format!("creating {} (it must not exist yet)", path.display()))?;
    writeln!(file, "{text}")?;
    Ok(())
}

fn to_filter(args: &AuditFilterArgs) -> Result<AuditFilter> {
    let since = args.since.as_deref().map(since).transpose()?;
    Ok(AuditFilter {
        since,
        actor: args.actor.clone(),
        action: args.action.clone(),
        instance: args.instance.map(InstanceId),
        after: None,
        limit: None,
    })
}

/// `--since`: epoch milliseconds, an ISO 8601 date-time, or a time ago (`7d`).
fn since(text: &str) -> Result<Timestamp> {
    if let Ok(millis) = text.parse::<i64>() {
        return Ok(Timestamp(millis));
    }
    if let Some(ago) = ago_millis(text) {
        return Ok(Timestamp(SystemClock.now().0.saturating_sub(ago)));
    }
    temporal::parse_date_time(text)
        .and_then(|t| t.to_unix_millis())
        .map(Timestamp)
        .ok_or_else(|| {
            InputError(format!(
                "--since '{text}': give epoch milliseconds, an ISO 8601 date-time or a time ago such as 7d"
            ))
            .into()
        })
}

/// `30s`, `15m`, `2h`, `7d` in milliseconds.
fn ago_millis(text: &str) -> Option<i64> {
    let unit = text.chars().last()?;
    let count: i64 = text[..text.len() - unit.len_utf8()].parse().ok()?;
    let millis = match unit {
        's' => 1_000,
        'm' => 60_000,
        'h' => 3_600_000,
        'd' => 86_400_000,
        _ => return None,
    };
    count.checked_mul(millis)
}

fn show(at: i64) -> String {
    DateTime::from_unix_millis(at).map_or_else(|| format!("at {at} ms"), |t| t.to_string())
}

/// This node's name: `[server] node` of `baton.toml` when it can be read, else the host's.
fn node() -> String {
    workspace::config()
        .unwrap_or_else(|_| Config::default())
        .server
        .node_name()
}

/// The store alone (see the module's note).
fn open(store: &StoreArgs) -> Result<AnyStore> {
    workspace::open_store(&workspace::store_location(store))
}
