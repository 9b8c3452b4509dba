//! (being written)

use axum::response::Html;
use maud::html;

use crate::session::Session;
use crate::shell::{self, Nav};

pub async fn list(session: Session) -> Html<String> {
    Html(shell::page(&session, "list", Nav::Decisions, html! { h1 { "list" } }).into_string())
}

pub async fn show(session: Session) -> Html<String> {
    Html(shell::page(&session, "show", Nav::Decisions, html! { h1 { "show" } }).into_string())
}

pub async fn evaluate(session: Session) -> Html<String> {
    Html(
        shell::page(
            &session,
            "evaluate",
            Nav::Decisions,
            html! { h1 { "evaluate" } },
        )
        .into_string(),
    )
}
