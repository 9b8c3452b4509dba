//! Who is calling: every request under `/v1` (but the OpenAPI document) carries
//! `Authorization: Bearer <token>`; the token's hash is looked up in the store and the
//! caller becomes a [`Principal`] that handlers check permissions against. A server
//! started with `--insecure-dev` treats every request as an admin of the default tenant.
//!
//! Refusals are logged to stderr (the audit trail will take them once it exists).

use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use baton_auth::{Permission, Principal, Role, hash_secret, token_id};
use baton_store::TokenStore as _;

use crate::api::AppState;
use crate::engine::DEFAULT_TENANT;
use crate::problem::{Kind, Problem};

/// Paths anyone may read: liveness, readiness and the API description.
fn is_public(path: &str) -> bool {
    matches!(path, "/healthz" | "/readyz" | "/v1/openapi.json")
}

/// Resolves the caller of every non-public request, or answers 401.
pub async fn authenticate(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    if is_public(request.uri().path()) {
        return next.run(request).await;
    }
    let principal = if state.insecure_dev {
        Principal::insecure_dev()
    } else {
        let header = request
            .headers()
            .get(header::AUTHORIZATION)
            .map(|h| h.to_str().map(str::to_string));
        match caller(&state, header).await {
            Ok(principal) => principal,
            Err(problem) => {
                eprintln!(
                    "baton serve: auth: refused {} {}: {}",
                    request.method(),
                    request.uri().path(),
                    problem.detail
                );
                return problem.into_response();
            }
        }
    };
    request.extensions_mut().insert(principal);
    next.run(request).await
}

/// The principal of a request's `Authorization` header (`None`: there is none; an
/// `Err` inside: not visible ASCII).
async fn caller(
    state: &AppState,
    header: Option<Result<String, axum::http::header::ToStrError>>,
) -> Result<Principal, Problem> {
    let unauthorized = |detail: &str| Problem::new(Kind::Unauthorized, detail);
    let header = header.ok_or_else(|| {
        unauthorized("send Authorization: Bearer <token> (create one with `baton token create`)")
    })?;
    let header = header.unwrap_or_default();
    let secret = header
        .strip_prefix("Bearer ")
        .map(str::trim)
        .ok_or_else(|| unauthorized("the Authorization header must be `Bearer <token>`"))?;
    token_id(secret).map_err(|e| unauthorized(&e.to_string()))?;
    let hash = hash_secret(secret);
    let row = state
        .engine
        .read(DEFAULT_TENANT, move |rt| {
            Ok(rt.store().token_by_hash(&hash)?)
        })
        .await?
        .ok_or_else(|| unauthorized("unknown or revoked token"))?;
    let role: Role = row
        .role
        .parse()
        .map_err(|e: baton_auth::Error| Problem::new(Kind::Internal, e.to_string()))?;
    // A tenant id stored before ids had to be lowercase: the token cannot be honoured
    // without guessing which store it meant (see `baton_auth::tenant`).
    let tenant = row.tenant.parse().map_err(|e: baton_auth::Error| {
        unauthorized(&format!("{e}; create a new token for the tenant"))
    })?;
    Ok(Principal {
        token_id: row.id,
        role,
        tenant,
    })
}

/// `Ok` when the caller's role grants `permission`; otherwise 403, logged.
pub fn allow(caller: &Principal, permission: Permission) -> Result<(), Problem> {
    caller.require(permission).map_err(|e| {
        eprintln!(
            "baton serve: auth: token {} ({}) denied {permission}",
            caller.token_id, caller.role
        );
        Problem::new(Kind::Forbidden, e.to_string())
    })
}
