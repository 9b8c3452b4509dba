//! `/audit`: the tenant's audit trail (`GET /v1/audit`), filtered by actor, action,
//! instance and time, a page at a time. Only for roles with `read-audit`; others are told
//! so (the API is not even asked, which would record a refusal).

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use maud::html;
use serde::Deserialize;
use serde_json::Value;

use crate::UiState;
use crate::session::Session;
use crate::shell::{self, Nav};
use crate::widgets;

const PAGE: &str = "50";

#[derive(Deserialize, Default)]
pub struct AuditQuery {
    #[serde(default)]
    actor: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    instance: String,
    /// A date (`2026-12-06`) or date and time (`2026-12-06T10:00`), UTC.
    #[serde(default)]
    since: String,
    #[serde(default)]
    cursor: String,
}

/// `GET /audit`.
pub async fn list(
    State(state): State<UiState>,
    session: Session,
    Query(q): Query<AuditQuery>,
) -> Response {
    if !session.can("read-audit") {
        let content = html! {
            h1 { "Audit trail" }
            p.notice role="status" data-testid="audit-denied" {
                "Your token's role (" (session.role) ") may not read the audit trail: it names "
                "tokens and client addresses. An admin or operator token can."
            }
        };
        return shell::page(&session, "Audit trail", Nav::Audit, content).into_response();
    }
    let since = match q.since.trim() {
        "" => Ok(None),
        text => since_ms(text).map(Some).ok_or(text),
    };
    let instance = q.instance.trim();
    let instance_ok = instance.is_empty() || instance.parse::<u64>().is_ok();
    let answer = match (&since, instance_ok) {
        (Ok(since), true) => {
            let since = since.map(|ms| ms.to_string()).unwrap_or_default();
            let path = format!(
                "/v1/audit{}",
                widgets::query(&[
                    ("actor", q.actor.trim()),
                    ("action", q.action.trim()),
                    ("instance", instance),
                    ("since", &since),
                    ("cursor", &q.cursor),
                    ("limit", PAGE),
                ])
            );
            Some(state.api.get(&session, &path).await)
        }
        _ => None,
    };
    let content = html! {
        h1 { "Audit trail" }
        form.filters method="get" action="/audit" {
            div { label for="a-actor" { "Actor" } input id="a-actor" name="actor" value=(q.actor); }
            div { label for="a-action" { "Action" }
                input id="a-action" name="action" value=(q.action) placeholder="instance, task.complete…"; }
            div { label for="a-instance" { "Instance" }
                input id="a-instance" name="instance" value=(q.instance) inputmode="numeric"; }
            div { label for="a-since" { "Since (UTC)" }
                input id="a-since" name="since" type="datetime-local" value=(q.since); }
            button type="submit" { "Filter" }
        }
        @if let Err(text) = since {
            div.error role="alert" { "'" (text) "' is not a date and time." }
        }
        @if !instance_ok {
            div.error role="alert" { "The instance is a number." }
        }
        @match &answer {
            None => {}
            Some(Err(e)) => (shell::error(e)),
            Some(Ok(page)) => {
                @let records = page["records"].as_array().map(Vec::as_slice).unwrap_or(&[]);
                @if records.is_empty() {
                    p.muted { "No records" @if !q.cursor.is_empty() { " after these" } "." }
                } @else {
                    (widgets::table_wrap(html! {
                        table.audit {
                            thead { tr {
                                th { "#" } th { "When (UTC)" } th { "Who" } th { "Action" }
                                th { "Instance" } th { "Outcome" } th { "Reason" } th { "Detail" }
                            } }
                            tbody {
                                @for r in records {
                                    tr data-testid="audit-row" {
                                        td { (r["seq"].as_u64().unwrap_or_default()) }
                                        td { (widgets::time(r["at"].as_i64().unwrap_or_default())) }
                                        td.wrap { (actor(&r["actor"])) }
                                        td { code { (r["action"].as_str().unwrap_or_default()) } }
                                        td { @if let Some(i) = r["instance"].as_u64() {
                                            a href=(format!("/instances/{i}")) { (i) } } }
                                        td { (widgets::state_badge(match r["outcome"].as_str() {
                                            Some("refused") => "incident", _ => "completed" }))
                                            " " (r["outcome"].as_str().unwrap_or_default()) }
                                        td.wrap { (r["reason"].as_str().unwrap_or_default()) }
                                        td.wrap { @if !r["detail"].is_null() { code { (r["detail"]) } } }
                                    }
                                }
                            }
                        }
                    }))
                }
                p.pager {
                    @if !q.cursor.is_empty() {
                        a href=(format!("/audit{}", widgets::query(&[("actor", &q.actor), ("action", &q.action),
                            ("instance", &q.instance), ("since", &q.since)]))) { "← First page" }
                        " "
                    }
                    @if let Some(next) = page["nextCursor"].as_str() {
                        a href=(format!("/audit{}", widgets::query(&[("actor", &q.actor), ("action", &q.action),
                            ("instance", &q.instance), ("since", &q.since), ("cursor", next)]))) { "Next page →" }
                    }
                }
            }
        }
    };
    shell::page(&session, "Audit trail", Nav::Audit, content).into_response()
}

/// Who: a token's name (or id) and role.
fn actor(actor: &Value) -> String {
    let name = actor["name"]
        .as_str()
        .or_else(|| actor["id"].as_str())
        .or_else(|| actor["kind"].as_str())
        .unwrap_or("unknown");
    match actor["role"].as_str() {
        Some(role) => format!("{name} ({role})"),
        None => name.to_string(),
    }
}

/// `2026-12-06`, `2026-12-06T10:00` or `2026-12-06T10:00:30` (UTC) as ms since the epoch.
fn since_ms(text: &str) -> Option<i64> {
    let (date, time) = text.split_once('T').unwrap_or((text, "00:00"));
    let mut d = date.split('-').map(|p| p.parse::<i64>().ok());
    let (year, month, day) = (d.next()??, d.next()??, d.next()??);
    if d.next().is_some() || !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    let mut t = time.split(':').map(|p| p.parse::<i64>().ok());
    let (hour, minute) = (t.next()??, t.next()??);
    let second = t.next().flatten().unwrap_or(0);
    if !(0..24).contains(&hour) || !(0..60).contains(&minute) || !(0..61).contains(&second) {
        return None;
    }
    // Days from the civil date (Howard Hinnant's `days_from_civil`).
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(((days * 86_400) + hour * 3600 + minute * 60 + second) * 1000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn since_reads_dates_and_times_as_utc() {
        assert_eq!(since_ms("1970-01-01"), Some(0));
        assert_eq!(since_ms("2000-02-29T00:00"), Some(951_782_400_000));
        assert_eq!(
            widgets::time(since_ms("2026-12-07T10:05:09").unwrap_or_default()),
            "2026-12-07 10:05:09"
        );
        assert_eq!(since_ms("2026-13-01"), None);
        assert_eq!(since_ms("yesterday"), None);
    }
}
