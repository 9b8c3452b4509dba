//! Who is calling: every request to an endpoint that needs a permission carries
//! `Authorization: Bearer <token>` (the scheme in any case, RFC 7235); the token's hash is
//! looked up and the caller becomes a [`Principal`] whose role the endpoint's permission is
//! checked against (`api::router` declares the permission with each route).
//!
//! Tokens are read through [`Tokens`], the server's own connections to the store that
//! keeps them, on Tokio's blocking threads: never on the engine thread, so a flood of bad
//! tokens does not delay anyone's work. Failed attempts are limited per client address
//! ([`crate::throttle`]). A server started with `--insecure-dev` treats a request without
//! a token as an admin of the default tenant; one with a token is checked as usual.
//!
//! Refusals are logged to stderr (the audit trail will take them once it exists) with the
//! token's id, never its secret.

use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::extract::{ConnectInfo, Request};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use baton_auth::{Permission, Principal, Role, hash_secret, token_id};
use baton_store::{TokenRow, TokenStore as _};
use baton_store_sqlite::{Durability, SqliteStore};

use crate::limits::Peer;
use crate::problem::{Kind, Problem};
use crate::throttle::{Limits, Throttle, Verdict};

/// Connections kept open between lookups; more are opened when lookups overlap.
const IDLE_CONNECTIONS: usize = 4;

/// The server's own read path to the API tokens: SQLite connections to the store that
/// keeps them (the default tenant's), separate from the engine's. WAL lets them read while
/// the engine writes, and a token revoked by `baton token revoke` is refused at once.
#[derive(Debug)]
pub struct Tokens {
    path: PathBuf,
    idle: Mutex<Vec<SqliteStore>>,
}

impl Tokens {
    pub fn new(path: impl Into<PathBuf>) -> Tokens {
        Tokens {
            path: path.into(),
            idle: Mutex::new(Vec::new()),
        }
    }

    /// The live token whose secret hashes to `hash`, read on a blocking thread.
    async fn by_hash(self: Arc<Self>, hash: String) -> Result<Option<TokenRow>, String> {
        tokio::task::spawn_blocking(move || {
            let idle = self.idle.lock().unwrap_or_else(|e| e.into_inner()).pop();
            let store = match idle {
                Some(store) => store,
                None => {
                    SqliteStore::open(&self.path, Durability::Full).map_err(|e| e.to_string())?
                }
            };
            let row = store.token_by_hash(&hash).map_err(|e| e.to_string());
            let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
            if idle.len() < IDLE_CONNECTIONS {
                idle.push(store);
            }
            row
        })
        .await
        .map_err(|e| e.to_string())?
    }
}

/// Authentication: where tokens are found, how failures are limited, and whether
/// requests without a token are served (`--insecure-dev`).
#[derive(Debug)]
pub struct Auth {
    tokens: Arc<Tokens>,
    throttle: Mutex<Throttle>,
    insecure_dev: bool,
}

/// What authenticating a request needs of it, taken out so that no borrow of the request
/// (whose body cannot be shared between threads) is held while the token is looked up.
#[derive(Debug)]
pub struct Attempt {
    header: Option<HeaderValue>,
    client: Option<IpAddr>,
    method: String,
    path: String,
}

impl Attempt {
    pub fn of(request: &Request) -> Attempt {
        Attempt {
            header: request.headers().get(header::AUTHORIZATION).cloned(),
            client: request
                .extensions()
                .get::<ConnectInfo<Peer>>()
                .map(|ConnectInfo(Peer(address))| address.ip()),
            method: request.method().to_string(),
            path: request.uri().path().to_string(),
        }
    }
}

/// Why a request was not authenticated, for the log and the client.
struct Refusal {
    problem: Problem,
    /// The token's id when the header held a well-formed token.
    token: Option<String>,
    /// Whether it counts against the client's failed attempts (a store failure does not).
    counts: bool,
}

impl Refusal {
    fn unauthorized(detail: impl Into<String>, token: Option<&str>) -> Refusal {
        Refusal {
            problem: Problem::new(Kind::Unauthorized, detail),
            token: token.map(str::to_string),
            counts: true,
        }
    }
}

impl Auth {
    pub fn new(tokens: Tokens, insecure_dev: bool) -> Auth {
        Auth {
            tokens: Arc::new(tokens),
            throttle: Mutex::new(Throttle::new(Limits::default())),
            insecure_dev,
        }
    }

    fn throttle(&self) -> std::sync::MutexGuard<'_, Throttle> {
        self.throttle.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The caller of a request ([`Attempt::of`]), or the response refusing it (401, 429;
    /// logged).
    pub async fn caller(&self, attempt: Attempt) -> Result<Principal, Response> {
        let Attempt {
            header,
            client,
            method,
            path,
        } = attempt;
        if header.is_none() && self.insecure_dev {
            return Ok(Principal::insecure_dev());
        }
        let from = client.map_or_else(String::new, |ip| format!(" from {ip}"));
        if let Some(ip) = client
            && let Verdict::Refuse { retry_after, log } = self.throttle().check(ip, Instant::now())
        {
            if let Some(refused) = log {
                eprintln!(
                    "baton serve: auth: {ip} failed to authenticate too often; refused {refused} \
                     request(s) with 429 since the last such line"
                );
            }
            let problem = Problem::new(
                Kind::TooManyRequests,
                format!(
                    "too many failed authentication attempts from {ip}; try again in {} s",
                    retry_after.as_secs()
                ),
            );
            let mut response = problem.into_response();
            response.headers_mut().insert(
                header::RETRY_AFTER,
                HeaderValue::from(retry_after.as_secs()),
            );
            return Err(response);
        }
        match self.resolve(header.as_ref()).await {
            Ok(principal) => Ok(principal),
            Err(refusal) => {
                if let (Some(ip), true) = (client, refusal.counts) {
                    self.throttle().failed(ip, Instant::now());
                }
                let token = refusal
                    .token
                    .map_or_else(String::new, |id| format!(" (token {id})"));
                eprintln!(
                    "baton serve: auth: refused {method} {path}{from}{token}: {}",
                    refusal.problem.detail
                );
                Err(refusal.problem.into_response())
            }
        }
    }

    /// The principal of an `Authorization` header.
    async fn resolve(&self, header: Option<&HeaderValue>) -> Result<Principal, Refusal> {
        let header = header.ok_or_else(|| {
            Refusal::unauthorized(
                "send Authorization: Bearer <token> (create one with `baton token create`)",
                None,
            )
        })?;
        let secret = bearer(header).ok_or_else(|| {
            Refusal::unauthorized("the Authorization header must be `Bearer <token>`", None)
        })?;
        let id = token_id(secret).map_err(|e| Refusal::unauthorized(e.to_string(), None))?;
        let row = self
            .tokens
            .clone()
            .by_hash(hash_secret(secret))
            .await
            .map_err(|e| Refusal {
                problem: Problem::new(Kind::Unavailable, format!("the tokens cannot be read: {e}")),
                token: Some(id.to_string()),
                counts: false,
            })?
            .ok_or_else(|| Refusal::unauthorized("unknown or revoked token", Some(id)))?;
        let role: Role = row.role.parse().map_err(|e: baton_auth::Error| Refusal {
            problem: Problem::new(Kind::Internal, e.to_string()),
            token: Some(row.id.clone()),
            counts: false,
        })?;
        // A tenant id stored before ids had to be lowercase: the token cannot be honoured
        // without guessing which store it meant (see `baton_auth::tenant`).
        let tenant = row.tenant.parse().map_err(|e: baton_auth::Error| {
            Refusal::unauthorized(
                format!("{e}; create a new token for the tenant"),
                Some(&row.id),
            )
        })?;
        Ok(Principal {
            token_id: row.id,
            role,
            tenant,
        })
    }
}

/// The credentials of a `Bearer` header: the scheme is case-insensitive (RFC 7235), and
/// spaces or tabs separate it from the token.
fn bearer(header: &HeaderValue) -> Option<&str> {
    let text = header.to_str().ok()?.trim();
    let (scheme, credentials) = text.split_once([' ', '\t'])?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| credentials.trim())
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bearer_scheme_is_matched_in_any_case() {
        let check = |text: &str, expect: Option<&str>| {
            let header = HeaderValue::from_str(text).expect("a header value");
            assert_eq!(bearer(&header), expect, "{text:?}");
        };
        check("Bearer abc", Some("abc"));
        check("bearer abc", Some("abc"));
        check("BEARER  abc ", Some("abc"));
        check("Bearer\tabc", Some("abc"));
        check("Basic abc", None);
        check("Bearerabc", None);
        check("abc", None);
    }
}
