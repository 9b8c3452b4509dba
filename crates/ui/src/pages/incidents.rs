//! (being written)

use axum::response::Html;
use maud::html;

use crate::session::Session;
use crate::shell::{self, Nav};

pub async fn list(session: Session) -> Html<String> {
    Html(shell::page(&session, "list", Nav::Incidents, html! { h1 { "list" } }).into_string())
}

pub async fn retry_all(session: Session) -> Html<String> {
    Html(
        shell::page(
            &session,
            "retry_all",
            Nav::Incidents,
            html! { h1 { "retry_all" } },
        )
        .into_string(),
    )
}

pub async fn retry(session: Session) -> Html<String> {
    Html(shell::page(&session, "retry", Nav::Incidents, html! { h1 { "retry" } }).into_string())
}
