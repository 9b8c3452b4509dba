//! `baton token`: API tokens for `baton serve` (create, list, revoke), written straight to
//! the store file, so whoever can write the store can mint tokens (see `docs/auth.md`).
//!
//! The secret is printed once, by `create`; the store keeps only its hash, and `list`
//! shows neither.

use anyhow::{Context as _, Result};
use baton_auth::{Role, TenantId, Token};
use baton_core::Timestamp;
use baton_feel::temporal::DateTime;
use baton_runtime::{Clock as _, SystemClock};
use baton_store::{AuditStore as _, Error as StoreError, NewToken, TokenRow, TokenStore as _};
use baton_store_any::AnyStore;
use serde_json::json;

use crate::cli::StoreArgs;
use crate::exit::InputError;
use crate::{output, workspace};

/// Random ids collide with odds of about 2^-48 per pair of tokens; a few fresh draws make
/// a clash a non-event instead of an error the user has to retry by hand.
const ATTEMPTS: usize = 3;

pub fn create(
    role: &str,
    tenant: &str,
    name: Option<String>,
    reason: Option<String>,
    store: &StoreArgs,
) -> Result<u8> {
    let role: Role = role.parse().map_err(input)?;
    let tenant: TenantId = tenant.parse().map_err(input)?;
    let mut db = open(store)?;
    let created_at = SystemClock.now();
    let mut attempt = 0;
    let (token, row) = loop {
        attempt += 1;
        let token = Token::generate()?;
        let new = NewToken {
            id: token.id.clone(),
            secret_hash: token.hash.clone(),
            role: role.to_string(),
            tenant: tenant.to_string(),
            name: name.clone(),
            created_at,
        };
        let entry = token_entry("token.create", &new.id, created_at, reason.clone())
            .with_detail("role", &new.role)
            .with_detail("tenant", &new.tenant);
        match db.create_token(&new, &[entry]) {
            Err(StoreError::TokenTaken { .. }) if attempt < ATTEMPTS => continue,
            result => break (token, result.context("storing the token")?),
        }
    };
    if store.json {
        output::json(&json!({
            "token": token.secret,
            "id": row.id,
            "role": row.role,
            "tenant": row.tenant,
            "name": row.name,
            "createdAt": row.created_at.0,
        }))?;
    } else {
        // The secret alone on stdout, so `$(baton token create …)` captures just it.
        println!("{}", token.secret);
        eprintln!(
            "created token {} (role {}, tenant {}); copy the secret now, it will not be shown again",
            row.id, row.role, row.tenant
        );
    }
    Ok(0)
}

pub fn list(tenant: Option<&str>, store: &StoreArgs) -> Result<u8> {
    let tenant = tenant
        .map(str::parse::<TenantId>)
        .transpose()
        .map_err(input)?;
    let db = open(store)?;
    let rows = db.tokens(tenant.as_ref().map(TenantId::as_str))?;
    if store.json {
        let items: Vec<_> = rows.iter().map(to_json).collect();
        output::json(&json!(items))?;
    } else {
        let table: Vec<Vec<String>> = rows
            .iter()
            .map(|t| {
                vec![
                    t.id.clone(),
                    t.role.clone(),
                    t.tenant.clone(),
                    t.name.clone().unwrap_or_default(),
                    show(t.created_at),
                    t.revoked_at.map(show).unwrap_or_default(),
                ]
            })
            .collect();
        output::table(
            &["id", "role", "tenant", "name", "created", "revoked"],
            &table,
        )?;
    }
    Ok(0)
}

pub fn revoke(id: &str, reason: Option<String>, store: &StoreArgs) -> Result<u8> {
    let mut db = open(store)?;
    let now = SystemClock.now();
    let entry = token_entry("token.revoke", id, now, reason.clone());
    if !db.revoke_token(id, now, &[entry])? {
        // Nothing was revoked: the attempt is recorded as refused.
        let refused = token_entry("token.revoke", id, now, reason).refused();
        db.append_audit(&[refused])?;
        let known = db.tokens(None)?.into_iter().find(|t| t.id == id);
        let why = match known {
            Some(_) => format!("token {id} is revoked already"),
            None => format!("no token with id '{id}' (see `baton token list`)"),
        };
        return Err(InputError(why).into());
    }
    if store.json {
        output::json(&json!({"id": id, "revoked": true}))?;
    } else {
        eprintln!("revoked token {id}; it authenticates nothing from now on");
    }
    Ok(0)
}

/// A token without its hash: listings never show what authenticates.
fn to_json(t: &TokenRow) -> serde_json::Value {
    json!({
        "id": t.id,
        "role": t.role,
        "tenant": t.tenant,
        "name": t.name,
        "createdAt": t.created_at.0,
        "revokedAt": t.revoked_at.map(|at| at.0),
    })
}

/// The audit entry of a token command: the local user acting on token `id`.
fn token_entry(
    action: &str,
    id: &str,
    at: Timestamp,
    reason: Option<String>,
) -> baton_store::audit::AuditEntry {
    let node = workspace::config().unwrap_or_default().server.node_name();
    let mut entry = baton_store::audit::AuditEntry::new(workspace::local_actor(), action, node)
        .with_reason(reason)
        .with_detail("token", id);
    entry.at = at;
    entry
}

/// Token commands need the store only, not `baton.toml` or a runtime: a broken workflow
/// configuration must not stop anyone from revoking a token.
fn open(store: &StoreArgs) -> Result<AnyStore> {
    workspace::open_store(&workspace::store_location(store))
}

fn input(error: baton_auth::Error) -> anyhow::Error {
    InputError(error.to_string()).into()
}

/// A time as ISO 8601 UTC.
fn show(at: Timestamp) -> String {
    DateTime::from_unix_millis(at.0).map_or_else(|| format!("at {} ms", at.0), |t| t.to_string())
}
