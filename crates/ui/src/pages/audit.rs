//! (being written)

use axum::response::Html;
use maud::html;

use crate::session::Session;
use crate::shell::{self, Nav};

pub async fn list(session: Session) -> Html<String> {
    Html(shell::page(&session, "list", Nav::Audit, html! { h1 { "list" } }).into_string())
}
