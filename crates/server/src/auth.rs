//! Who is calling: every request to an endpoint that needs a permission carries
//! `Authorization: Bearer <token>` (the scheme in any case, RFC 7235); the token's hash is
//! looked up and the caller becomes a [`Principal`] whose role the endpoint's permission is
//! checked against (`api::router` declares the permission with each route).
//!
//! Tokens are read through [`Tokens`], the server's own connections to the store that
//! keeps them, on Tokio's blocking threads: never on the engine thread, so a flood of bad
//! tokens does not delay anyone's work. Failed attempts are limited per client address
//! ([`crate::throttle`]), except for tokens that authenticated lately. A server started
//! with `--insecure-dev` treats a request without a token as an admin of the default
//! tenant; one with a token is checked as usual.
//!
//! Refusals are logged to stderr with the token's id, never its secret, and recorded in
//! the audit trail by `api::admit` (401 and 403; not 429).

use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::extract::{ConnectInfo, Request};
use axum::http::{HeaderValue, Method, header};
use axum::response::{IntoResponse, Response};
use baton_auth::{Permission, Principal, Role, hash_secret, token_id};
use baton_store::{TokenRow, TokenStore as _};
use baton_store_any::{AnyStore, Durability, Location};

use crate::limits::Peer;
use crate::problem::{Kind, Problem};
use crate::throttle::{Limits, Recent, Throttle, Verdict};

/// Connections kept open between lookups; more are opened when lookups overlap.
const IDLE_CONNECTIONS: usize = 4;

/// The server's own read path to the API tokens: connections to the store that keeps
/// them (the default tenant's), separate from the engine's. SQLite's WAL (or PostgreSQL)
/// lets them read while the engine writes, and a token revoked by `baton token revoke` is
/// refused at once.
#[derive(Debug)]
pub struct Tokens {
    store: Location,
    idle: Mutex<Vec<AnyStore>>,
}

impl Tokens {
    /// Tokens kept in the store `db` names (a SQLite file or a PostgreSQL URL).
    pub fn new(db: impl AsRef<std::path::Path>) -> Tokens {
        Tokens::at(Location::parse(db.as_ref()))
    }

    pub fn at(store: Location) -> Tokens {
        Tokens {
            store,
            idle: Mutex::new(Vec::new()),
        }
    }

    /// The live token whose secret hashes to `hash`, read on a blocking thread.
    async fn by_hash(self: Arc<Self>, hash: String) -> Result<Option<TokenRow>, String> {
        tokio::task::spawn_blocking(move || {
            let idle = self.idle.lock().unwrap_or_else(|e| e.into_inner()).pop();
            let store = match idle {
                Some(store) => store,
                None => self
                    .store
                    .open(Durability::Full)
                    .map_err(|e| e.to_string())?,
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
    recent: Mutex<Recent>,
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
    /// The client's address, when the server knows it.
    pub fn client(&self) -> Option<IpAddr> {
        self.client
    }

    /// The id of the token in the `Authorization` header, when it holds a well-formed one.
    pub fn token_id(&self) -> Option<String> {
        credentials(self.header.as_ref()).ok().map(|(id, _)| id)
    }

    pub fn of(request: &Request) -> Attempt {
        let method = request.method();
        let header = request
            .headers()
            .get(header::AUTHORIZATION)
            .cloned()
            .or_else(|| session_cookie(request.headers(), method));
        Attempt {
            header,
            client: request
                .extensions()
                .get::<ConnectInfo<Peer>>()
                .map(|ConnectInfo(Peer(address))| address.ip()),
            method: method.to_string(),
            path: request.uri().path().to_string(),
        }
    }
}

/// The cookie the web UI keeps its session's API token in.
pub const SESSION_COOKIE: &str = "baton_session";

/// The token of the web UI's session cookie, as the `Authorization` header it stands for,
/// for a request that reads (GET or HEAD) and sent no header: a browser's `EventSource`
/// and plain links cannot set headers. Never for a request that changes something, so a
/// page on another site cannot make the browser act with the cookie (SameSite=Strict is
/// the first guard, this the second).
fn session_cookie(headers: &axum::http::HeaderMap, method: &Method) -> Option<HeaderValue> {
    if method != Method::GET && method != Method::HEAD {
        return None;
    }
    let token = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|line| line.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| value.trim().trim_matches('"'))?;
    if token.is_empty() {
        return None;
    }
    HeaderValue::from_str(&format!("Bearer {token}")).ok()
}

/// Why a request was not authenticated, for the log and the client.
struct Refusal {
    kind: Kind,
    detail: String,
    /// The token's id when the header held a well-formed token.
    token: Option<String>,
    /// Whether it counts against the client's failed attempts (a store failure does not).
    counts: bool,
}

impl Refusal {
    fn unauthorized(detail: impl Into<String>, token: Option<&str>) -> Refusal {
        Refusal {
            kind: Kind::Unauthorized,
            detail: detail.into(),
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
            recent: Mutex::new(Recent::default()),
            insecure_dev,
        }
    }

    fn throttle(&self) -> std::sync::MutexGuard<'_, Throttle> {
        self.throttle.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn recent(&self) -> std::sync::MutexGuard<'_, Recent> {
        self.recent.lock().unwrap_or_else(|e| e.into_inner())
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
        let credentials = credentials(header.as_ref());
        let now = Instant::now();
        let vouched = credentials
            .as_ref()
            .is_ok_and(|(_, hash)| self.recent().vouches(hash, now));
        if let Some(ip) = client
            && !vouched
            && let Verdict::Refuse { retry_after, log } = self.throttle().check(ip, now)
        {
            return Err(too_many(ip, retry_after.as_secs(), log));
        }
        let looked_up = match credentials {
            Ok((id, hash)) => self.lookup(&id, &hash).await.map(|p| (p, hash)),
            Err(refusal) => Err(refusal),
        };
        match looked_up {
            Ok((principal, hash)) => {
                self.recent().saw(&hash, Instant::now());
                Ok(principal)
            }
            Err(refusal) => {
                if let (Some(ip), true) = (client, refusal.counts) {
                    self.throttle().failed(ip, Instant::now());
                }
                let from = client.map_or_else(String::new, |ip| ip.to_string());
                let token = refusal.token.unwrap_or_default();
                tracing::warn!(
                    %method,
                    path,
                    client = from,
                    token,
                    reason = refusal.detail,
                    "auth: refused"
                );
                Err(Problem::new(refusal.kind, refusal.detail).into_response())
            }
        }
    }

    /// The principal of the well-formed token with this id and hash.
    async fn lookup(&self, id: &str, hash: &str) -> Result<Principal, Refusal> {
        let row = self
            .tokens
            .clone()
            .by_hash(hash.to_string())
            .await
            .map_err(|e| Refusal {
                kind: Kind::Unavailable,
                detail: format!("the tokens cannot be read: {e}"),
                token: Some(id.to_string()),
                counts: false,
            })?
            .ok_or_else(|| Refusal::unauthorized("unknown or revoked token", Some(id)))?;
        let role: Role = row.role.parse().map_err(|e: baton_auth::Error| Refusal {
            kind: Kind::Internal,
            detail: e.to_string(),
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
            token_name: row.name,
            role,
            tenant,
        })
    }
}

/// The id and hash of the token in an `Authorization` header, or why there is none.
fn credentials(header: Option<&HeaderValue>) -> Result<(String, String), Refusal> {
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
    Ok((id.to_string(), hash_secret(secret)))
}

/// The 429 of an address out of attempts; `log` says whether (and how many refusals) to
/// log now.
fn too_many(ip: IpAddr, retry_after: u64, log: Option<u32>) -> Response {
    if let Some(refused) = log {
        tracing::warn!(
            client = %ip,
            refused,
            "auth: failed to authenticate too often; requests refused with 429 since the last \
             such line"
        );
    }
    let problem = Problem::new(
        Kind::TooManyRequests,
        format!("too many failed authentication attempts from {ip}; try again in {retry_after} s"),
    );
    let mut response = problem.into_response();
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
    response
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
        tracing::warn!(
            token = caller.token_id,
            role = %caller.role,
            %permission,
            "auth: denied"
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

    #[test]
    fn the_session_cookie_stands_for_the_header_of_reads_only() {
        let request = |method: Method, cookie: &str| {
            let mut headers = axum::http::HeaderMap::new();
            headers.insert(
                header::COOKIE,
                HeaderValue::from_str(cookie).expect("cookie"),
            );
            session_cookie(&headers, &method).map(|v| v.to_str().expect("ascii").to_string())
        };
        let bearer = Some("Bearer abc.def".to_string());
        assert_eq!(request(Method::GET, "baton_session=abc.def"), bearer);
        assert_eq!(
            request(Method::HEAD, "a=1; baton_session=abc.def; b=2"),
            bearer
        );
        assert_eq!(request(Method::POST, "baton_session=abc.def"), None);
        assert_eq!(request(Method::GET, "other=abc.def"), None);
        assert_eq!(request(Method::GET, "baton_session="), None);
    }
}
