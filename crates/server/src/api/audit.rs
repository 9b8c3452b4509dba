//! The audit trail in the API: what each request's record says ([`Audit`], made by
//! `api::admit` for every route that changes something), the records of refused
//! requests (401, 403), and `GET /v1/audit`.
//!
//! A handler runs its change as `rt.audited(audit.entry(…), |rt| …)`, so the record is
//! committed with the change, or recorded as refused when the change fails (see
//! `baton_runtime::Runtime::audited`).

use axum::extract::State;
use axum::{Extension, Json};
use baton_auth::Principal;
use baton_core::{InstanceId, Timestamp};
use baton_store::AuditStore as _;
use baton_store::audit::{Actor, AuditEntry, AuditFilter};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{AppState, Page, Params, cursor};
use crate::engine::{DEFAULT_TENANT, Engine};
use crate::problem::Problem;

/// Who sent a request that changes something, from where, and a digest of what it sent:
/// all a handler adds is the instance and the reason.
#[derive(Clone, Debug)]
pub struct Audit {
    action: &'static str,
    actor: Actor,
    client: Option<String>,
    payload_digest: Option<String>,
}

impl Audit {
    pub(crate) fn new(
        action: &'static str,
        caller: &Principal,
        client: Option<String>,
        payload_digest: Option<String>,
    ) -> Audit {
        Audit {
            action,
            actor: actor(caller),
            client,
            payload_digest,
        }
    }

    /// The record of this request's action, on `instance` when it has one, with the
    /// caller's reason. The runtime stamps the time and the node.
    pub fn entry(&self, instance: Option<InstanceId>, reason: Option<String>) -> AuditEntry {
        let mut entry = AuditEntry::new(self.actor.clone(), self.action, "").with_reason(reason);
        entry.instance = instance;
        entry.payload_digest = self.payload_digest.clone();
        entry.client = self.client.clone();
        entry
    }
}

/// A token's principal as an audit actor.
fn actor(caller: &Principal) -> Actor {
    Actor::token(
        &caller.token_id,
        caller.token_name.as_deref(),
        caller.role.as_str(),
        caller.tenant.as_str(),
    )
}

/// How a request was refused before its handler ran.
pub(crate) enum Refused<'a> {
    /// 401: no token, or one the store does not know; `token` when it was well-formed.
    Unauthenticated { token: Option<String> },
    /// 403: the caller's role lacks the route's permission.
    Forbidden {
        caller: &'a Principal,
        permission: baton_auth::Permission,
    },
}

/// Records a request refused with 401 or 403, in a transaction of its own on the
/// caller's tenant (the default tenant when the caller is unknown). The route's action
/// names it when the route changes something (`instance.cancel`), else `auth.failed` or
/// `auth.denied`. It is queued on the engine, not awaited: refusing a bad token must not
/// wait for the engine (a flood of them would otherwise delay everyone's work), and a
/// failure to record it is not the client's business.
pub(crate) fn record_refusal(
    engine: &Engine,
    refused: Refused<'_>,
    action: Option<&'static str>,
    method: &str,
    path: &str,
    client: Option<String>,
    instance: Option<InstanceId>,
) {
    let (tenant, actor, status, fallback) = match &refused {
        Refused::Unauthenticated { token } => (
            DEFAULT_TENANT.to_string(),
            Actor::anonymous(token.as_deref()),
            401,
            "auth.failed",
        ),
        Refused::Forbidden { caller, .. } => (
            caller.tenant.as_str().to_string(),
            actor(caller),
            403,
            "auth.denied",
        ),
    };
    let mut entry = AuditEntry::new(actor, action.unwrap_or(fallback), "")
        .refused()
        .with_detail("status", status)
        .with_detail("request", format!("{method} {path}"));
    if let Refused::Forbidden { permission, .. } = refused {
        entry = entry.with_detail("permission", permission);
    }
    entry.instance = instance;
    entry.client = client;
    let _ = engine.submit(&tenant, move |rt| rt.record_audit(entry).map(|_| ()));
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub struct AuditQuery {
    /// Only records at or after this time (milliseconds since the epoch).
    since: Option<i64>,
    /// Only records of the actor with this name (a token's name, a local user).
    actor: Option<String>,
    /// Only this action, or the actions under it (`instance` takes `instance.cancel`).
    action: Option<String>,
    /// Only records about this instance.
    instance: Option<u64>,
    /// At most this many (default 100, at most 1000).
    limit: Option<u32>,
    /// The previous page's `nextCursor`.
    cursor: Option<String>,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AuditRecords {
    /// In chain order: `seq`, `at`, `actor` (`kind`, `name`, `id`, `role`, `tenant`),
    /// `action`, `instance`, `detail`, `payload_digest`, `reason`, `outcome` (`done` or
    /// `refused`), `node`, `client`, `hash`.
    #[schema(value_type = Vec<Object>)]
    records: Vec<serde_json::Value>,
    /// Pass as `cursor` for the next page; null on the last page.
    next_cursor: Option<String>,
}

/// The tenant's audit trail, a page at a time in chain order: who did what, when, where
/// and why, refused requests included.
#[utoipa::path(
    get,
    path = "/v1/audit",
    params(AuditQuery),
    responses((status = 200, body = AuditRecords))
)]
pub async fn list(
    State(state): State<AppState>,
    Extension(caller): Extension<Principal>,
    Params(query): Params<AuditQuery>,
) -> Result<Json<AuditRecords>, Problem> {
    let page = Page::new(query.limit);
    let filter = AuditFilter {
        since: query.since.map(Timestamp),
        actor: query.actor,
        action: query.action,
        instance: query.instance.map(InstanceId),
        after: cursor::<u64>(query.cursor.as_deref())?,
        limit: page.fetch(),
    };
    let rows = state
        .engine
        .read(caller.tenant.as_str(), move |rt| {
            Ok(rt.store().audit_records(&filter)?)
        })
        .await?;
    let (rows, next_cursor) = page.cut(rows, |r| r.seq.to_string());
    Ok(Json(AuditRecords {
        records: rows.iter().map(|r| r.to_json()).collect(),
        next_cursor,
    }))
}
