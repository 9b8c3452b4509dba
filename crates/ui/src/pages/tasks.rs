//! (being written)

use axum::response::Html;
use maud::html;

use crate::session::Session;
use crate::shell::{self, Nav};

pub async fn inbox(session: Session) -> Html<String> {
    Html(shell::page(&session, "inbox", Nav::Tasks, html! { h1 { "inbox" } }).into_string())
}

pub async fn show(session: Session) -> Html<String> {
    Html(shell::page(&session, "show", Nav::Tasks, html! { h1 { "show" } }).into_string())
}

pub async fn complete(session: Session) -> Html<String> {
    Html(
        shell::page(
            &session,
            "complete",
            Nav::Tasks,
            html! { h1 { "complete" } },
        )
        .into_string(),
    )
}

pub async fn claim(session: Session) -> Html<String> {
    Html(shell::page(&session, "claim", Nav::Tasks, html! { h1 { "claim" } }).into_string())
}
