//! The frame every page shares: head, navigation, the login form, error boxes.

use maud::{DOCTYPE, Markup, html};

use crate::api::ApiError;
use crate::session::Session;

/// The sections of the navigation bar.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Nav {
    Processes,
    Instances,
    Incidents,
    Tasks,
    Decisions,
    Audit,
}

const SECTIONS: [(Nav, &str, &str); 6] = [
    (Nav::Processes, "/", "Processes"),
    (Nav::Instances, "/instances", "Instances"),
    (Nav::Incidents, "/incidents", "Incidents"),
    (Nav::Tasks, "/tasks", "Tasks"),
    (Nav::Decisions, "/decisions", "Decisions"),
    (Nav::Audit, "/audit", "Audit"),
];

fn head(title: &str) -> Markup {
    html! {
        head {
            meta charset="utf-8";
            meta name="viewport" content="width=device-width, initial-scale=1";
            title { (title) " · Baton" }
            link rel="icon" href="/ui/assets/favicon.svg" type="image/svg+xml";
            link rel="stylesheet" href="/ui/assets/app.css";
            script type="module" src="/ui/assets/app.js" {}
        }
    }
}

/// A whole page: the navigation with `nav` marked, then `content` in `<main>`.
pub fn page(session: &Session, title: &str, nav: Nav, content: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            (head(title))
            body {
                a.skip href="#main" { "Skip to content" }
                header.top {
                    a.brand href="/" { "Baton" }
                    nav aria-label="Sections" {
                        ul {
                            @for (section, href, label) in SECTIONS {
                                li {
                                    @if section == nav {
                                        a href=(href) aria-current="page" { (label) }
                                    } @else {
                                        a href=(href) { (label) }
                                    }
                                }
                            }
                        }
                    }
                    form.logout method="post" action="/logout" {
                        span.who title=(format!("tenant {}", session.tenant)) {
                            (session.name.as_deref().unwrap_or("token")) " · " (session.role)
                        }
                        button type="submit" { "Log out" }
                    }
                }
                main id="main" tabindex="-1" { (content) }
            }
        }
    }
}

/// The login page, shown by every page to a browser without a session. `next` is where
/// to go after logging in.
pub fn login(next: &str, error: Option<&str>) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            (head("Log in"))
            body.login {
                main id="main" {
                    h1 { "Baton" }
                    form method="post" action="/login" {
                        @if let Some(error) = error {
                            p.error role="alert" data-testid="login-error" { (error) }
                        }
                        label for="token" { "API token" }
                        input id="token" name="token" type="password" required
                            autocomplete="current-password" autofocus
                            data-testid="login-token";
                        input type="hidden" name="next" value=(next);
                        button type="submit" data-testid="login-submit" { "Log in" }
                        p.hint {
                            "Create a token with " code { "baton token create --role viewer" }
                            ". It is kept until the browser closes."
                        }
                    }
                }
            }
        }
    }
}

/// An API error as a box on a page.
pub fn error(e: &ApiError) -> Markup {
    html! {
        div.error role="alert" {
            strong { (e.title) }
            @if !e.detail.is_empty() { " " (e.detail) }
        }
    }
}

/// A page that is only an error (the instance does not exist, say).
pub fn error_page(session: &Session, nav: Nav, e: &ApiError) -> Markup {
    page(session, &e.title, nav, error(e))
}
