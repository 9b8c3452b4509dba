//! The web UI of `baton serve`: server-rendered HTML pages over the REST API.
//!
//! The UI is a client of the API, in the same process: every page reads through
//! [`api::Api`], which sends requests to the API's router with the browser session's token,
//! so permissions, tenants, audit records and cluster forwarding are the API's own. Pages
//! are plain HTML with forms that work without JavaScript; `assets/app.js` adds live
//! updates (over `/v1/events`) and conveniences. Everything the pages load is embedded in
//! the binary ([`assets`]); nothing comes from another server.
//!
//! Sessions: the login form posts a token, kept in an `HttpOnly`, `SameSite=Strict`
//! session cookie (gone when the browser closes). The API accepts that cookie for reads
//! only (`GET`), so a page can follow `/v1/events`; everything that changes something goes
//! through the UI's own form posts ([`session`]), which check the request's origin.

pub mod api;
mod assets;
mod forms;
mod pages;
mod session;
mod shell;
mod widgets;

use axum::Router;
use axum::routing::{get, post};

use crate::api::Api;

/// What every page handler gets.
#[derive(Clone)]
pub struct UiState {
    pub api: Api,
}

/// The API's router with the UI's pages and assets added. `api` answers `/v1/…`; the UI
/// sends its requests there.
pub fn router(api: Router) -> Router {
    router_carrying(api, api::carry_nothing)
}

/// [`router`], with `carry` copying what the API needs of each browser request (see
/// [`api::Carry`]).
pub fn router_carrying(api: Router, carry: api::Carry) -> Router {
    let state = UiState {
        api: Api::new(api.clone(), carry),
    };
    let ui = Router::new()
        .route("/login", post(session::login))
        .route("/logout", post(session::logout))
        .route("/ui/assets/{file}", get(assets::serve))
        .merge(pages::routes())
        .with_state(state);
    api.merge(ui)
}
