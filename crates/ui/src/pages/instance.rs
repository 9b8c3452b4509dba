//! (being written)

use axum::response::Html;
use maud::html;

use crate::session::Session;
use crate::shell::{self, Nav};

pub async fn show(session: Session) -> Html<String> {
    Html(shell::page(&session, "show", Nav::Instances, html! { h1 { "show" } }).into_string())
}

pub async fn act(session: Session) -> Html<String> {
    Html(shell::page(&session, "act", Nav::Instances, html! { h1 { "act" } }).into_string())
}
