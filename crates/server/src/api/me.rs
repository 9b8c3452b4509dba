//! Who the caller is: the token's id, name, role, tenant and what the role allows, so a
//! client (the web UI) can offer only the actions that will be accepted.

use axum::{Extension, Json};
use baton_auth::{Permission, Principal};
use serde::Serialize;
use utoipa::ToSchema;

/// The caller as its token makes it.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Me {
    token_id: String,
    /// The token's name (`baton token create --name`), null when it has none.
    name: Option<String>,
    /// admin, operator, developer, worker or viewer.
    role: String,
    tenant: String,
    /// Every permission the role grants, in the order of docs/auth.md's table.
    permissions: Vec<&'static str>,
}

/// The caller: any valid token may ask (a server started with `--insecure-dev` answers a
/// request without a token with its admin of the default tenant).
#[utoipa::path(get, path = "/v1/me", responses((status = 200, body = Me)))]
pub async fn me(Extension(caller): Extension<Principal>) -> Json<Me> {
    let permissions = Permission::ALL
        .iter()
        .filter(|p| caller.can(**p))
        .map(|p| p.as_str())
        .collect();
    Json(Me {
        token_id: caller.token_id,
        name: caller.token_name,
        role: caller.role.as_str().to_string(),
        tenant: caller.tenant.as_str().to_string(),
        permissions,
    })
}
