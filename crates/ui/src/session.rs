//! Browser sessions: the login form, the session cookie, and who the caller is.
//!
//! The cookie holds the API token itself (`HttpOnly`, `SameSite=Strict`, no expiry: it
//! lasts as long as the browser session), so any node of a cluster serves the session and
//! revoking the token ends it. Each page asks the API who the token belongs to
//! (`GET /v1/me`), which also checks that it is still valid.

use axum::Form;
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{Extensions, HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::Value;

use crate::UiState;
use crate::shell;

/// The session cookie's name.
pub const COOKIE: &str = "baton_session";

/// Who is using the UI: their token and what the API says it may do.
#[derive(Clone, Debug)]
pub struct Session {
    token: String,
    /// The token's name, when it has one.
    pub name: Option<String>,
    /// `admin`, `operator`, `developer`, `worker` or `viewer`.
    pub role: String,
    pub tenant: String,
    permissions: Vec<String>,
    /// The browser request's extensions (its client address), passed on to the API.
    extensions: Extensions,
}

impl Session {
    /// The browser request's extensions, for the API calls made on its behalf.
    pub fn extensions(&self) -> &Extensions {
        &self.extensions
    }

    /// The API token (empty when the server runs `--insecure-dev` without one).
    pub fn token(&self) -> &str {
        &self.token
    }

    /// Whether the token's role grants a permission (`resolve-incidents`, `complete-tasks`…,
    /// as `GET /v1/me` lists them). Pages leave out or disable what it does not.
    pub fn can(&self, permission: &str) -> bool {
        self.permissions.iter().any(|p| p == permission)
    }

    fn from_me(token: String, extensions: Extensions, me: &Value) -> Session {
        let text = |key: &str| me.get(key).and_then(Value::as_str).map(str::to_string);
        Session {
            token,
            extensions,
            name: text("name"),
            role: text("role").unwrap_or_default(),
            tenant: text("tenant").unwrap_or_default(),
            permissions: me
                .get("permissions")
                .and_then(Value::as_array)
                .map(|all| {
                    all.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default(),
        }
    }
}

/// The session cookie's value, when the request has one.
fn cookie_token(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value.trim().to_string())
        .filter(|value| !value.is_empty())
}

/// Whether a form post comes from a page of this server: a browser always sends `Origin`
/// on a cross-site post, and the cookie is `SameSite=Strict` as well.
fn same_origin(headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return true;
    };
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    let origin_host = origin.split_once("://").map(|(_, rest)| rest);
    origin == "null" && host.is_none() || origin_host.is_some() && origin_host == host
}

impl FromRequestParts<UiState> for Session {
    /// The login page (or a refusal of a cross-site post).
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &UiState) -> Result<Session, Response> {
        if parts.method != Method::GET
            && parts.method != Method::HEAD
            && !same_origin(&parts.headers)
        {
            return Err(
                (StatusCode::FORBIDDEN, "cross-site form posts are refused").into_response()
            );
        }
        let next = parts
            .uri
            .path_and_query()
            .map_or("/", |p| p.as_str())
            .to_string();
        let token = cookie_token(&parts.headers).unwrap_or_default();
        // Without a cookie, a server run with `--insecure-dev` still answers.
        match state
            .api
            .get_with_token(&token, &parts.extensions, "/v1/me")
            .await
        {
            Ok(me) => Ok(Session::from_me(token, parts.extensions.clone(), &me)),
            Err(e) if token.is_empty() => {
                let _ = e;
                Err(shell::login(&next, None).into_response())
            }
            Err(e) => {
                let mut response =
                    shell::login(&next, Some(&format!("Your session ended: {e}"))).into_response();
                response
                    .headers_mut()
                    .insert(header::SET_COOKIE, clear_cookie());
                Err(response)
            }
        }
    }
}

#[derive(Deserialize)]
pub struct Login {
    token: String,
    #[serde(default)]
    next: String,
}

/// Where to go after logging in: a path on this server only.
fn local_path(next: &str) -> &str {
    if next.starts_with('/') && !next.starts_with("//") && !next.starts_with("/\\") {
        next
    } else {
        "/"
    }
}

/// `POST /login`: check the token with the API, keep it in the session cookie.
pub async fn login(
    State(state): State<UiState>,
    extensions: Extensions,
    Form(login): Form<Login>,
) -> Response {
    let token = login.token.trim();
    let next = local_path(&login.next);
    if token.is_empty() || !token.bytes().all(|b| b.is_ascii_graphic() && b != b';') {
        return (
            StatusCode::UNAUTHORIZED,
            shell::login(
                next,
                Some("Enter an API token (create one with `baton token create`)."),
            ),
        )
            .into_response();
    }
    match state.api.get_with_token(token, &extensions, "/v1/me").await {
        Ok(_) => {
            let mut response = Redirect::to(next).into_response();
            if let Ok(cookie) = HeaderValue::from_str(&format!(
                "{COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict"
            )) {
                response.headers_mut().insert(header::SET_COOKIE, cookie);
            }
            response
        }
        Err(e) => (
            StatusCode::UNAUTHORIZED,
            shell::login(next, Some(&format!("That token was not accepted: {e}"))),
        )
            .into_response(),
    }
}

fn clear_cookie() -> HeaderValue {
    HeaderValue::from_static("baton_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0")
}

/// `POST /logout`: forget the session cookie.
pub async fn logout() -> Response {
    let mut response = Redirect::to("/").into_response();
    response
        .headers_mut()
        .insert(header::SET_COOKIE, clear_cookie());
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_followed_after_login() {
        assert_eq!(local_path("/instances/3"), "/instances/3");
        assert_eq!(local_path("//evil.example/x"), "/");
        assert_eq!(local_path("https://evil.example/"), "/");
        assert_eq!(local_path("/\\evil.example"), "/");
    }

    #[test]
    fn the_session_cookie_is_found_among_others() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; baton_session=tok; b=2"),
        );
        assert_eq!(cookie_token(&headers).as_deref(), Some("tok"));
    }

    #[test]
    fn a_post_from_another_origin_is_not_same_origin() {
        let mut headers = HeaderMap::new();
        headers.insert(header::HOST, HeaderValue::from_static("127.0.0.1:8080"));
        headers.insert(
            header::ORIGIN,
            HeaderValue::from_static("http://127.0.0.1:8080"),
        );
        assert!(same_origin(&headers));
        headers.insert(
            header::ORIGIN,
            HeaderValue::from_static("http://evil.example"),
        );
        assert!(!same_origin(&headers));
    }
}
