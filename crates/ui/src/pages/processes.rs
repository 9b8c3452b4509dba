//! (being written)

use axum::response::Html;
use maud::html;

use crate::session::Session;
use crate::shell::{self, Nav};

pub async fn list(session: Session) -> Html<String> {
    Html(shell::page(&session, "list", Nav::Processes, html! { h1 { "list" } }).into_string())
}

pub async fn deploy(session: Session) -> Html<String> {
    Html(
        shell::page(
            &session,
            "deploy",
            Nav::Processes,
            html! { h1 { "deploy" } },
        )
        .into_string(),
    )
}

pub async fn version(session: Session) -> Html<String> {
    Html(
        shell::page(
            &session,
            "version",
            Nav::Processes,
            html! { h1 { "version" } },
        )
        .into_string(),
    )
}
