//! `/instances`: instances filtered by process, version, state, business key, a
//! variable's value and when they started, a page at a time; several picked at once can be
//! cancelled or retried with a reason (`POST /instances/bulk`).

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use maud::{Markup, html};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::UiState;
use crate::session::Session;
use crate::shell::{self, Nav};
use crate::widgets;

/// Instances per page of the list.
const PAGE_SIZE: u32 = 50;

/// The permissions of the two bulk actions.
const CANCEL: &str = "modify-instances";
const RETRY: &str = widgets::RESOLVE_INCIDENTS;

/// A query string from pairs, empty values left out.
pub(super) fn q(pairs: &[(&str, &str)]) -> String {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs.iter().filter(|(_, v)| !v.is_empty()))
        .finish()
}

/// A value as one path segment (ids in URLs).
pub(super) fn segment(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// A `datetime-local` value (`2026-12-06T22:15`, seconds optional), read as UTC, in ms
/// since the epoch.
fn parse_time(text: &str) -> Option<i64> {
    let (date, time) = text.trim().split_once('T')?;
    let mut d = date.splitn(3, '-').map(|p| p.parse::<i64>().ok());
    let (year, month, day) = (d.next()??, d.next()??, d.next()??);
    let mut t = time.splitn(3, ':').map(|p| p.parse::<f64>().ok());
    let (hour, minute) = (t.next()??, t.next()??);
    let second = t.next().flatten().unwrap_or(0.0);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    // Howard Hinnant's days_from_civil, the inverse of widgets::time's.
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let ms = (hour * 3_600_000.0 + minute * 60_000.0 + second * 1000.0) as i64;
    Some(days * 86_400_000 + ms)
}

/// The list's filters, as the page's form sends them (all text; empty means none).
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct Filters {
    #[serde(default)]
    process_id: String,
    #[serde(default)]
    version: String,
    #[serde(default)]
    state: String,
    #[serde(default)]
    business_key: String,
    #[serde(default)]
    variable: String,
    #[serde(default)]
    started_after: String,
    #[serde(default)]
    started_before: String,
    #[serde(default)]
    cursor: String,
    /// What a bulk action did, shown once after it.
    #[serde(default)]
    done: String,
}

impl Filters {
    /// The filters as the page's own query string (no cursor, no result).
    fn page_query(&self) -> String {
        q(&[
            ("processId", &self.process_id),
            ("version", &self.version),
            ("state", &self.state),
            ("businessKey", &self.business_key),
            ("variable", &self.variable),
            ("startedAfter", &self.started_after),
            ("startedBefore", &self.started_before),
        ])
    }

    /// The API's query for one page, or why a filter is not understood.
    fn api_query(&self) -> Result<String, String> {
        let time = |text: &str, what: &str| -> Result<String, String> {
            if text.trim().is_empty() {
                return Ok(String::new());
            }
            parse_time(text)
                .map(|ms| ms.to_string())
                .ok_or_else(|| format!("{what}: '{text}' is not a date and time"))
        };
        let after = time(&self.started_after, "Started after")?;
        let before = time(&self.started_before, "Started before")?;
        let limit = PAGE_SIZE.to_string();
        Ok(q(&[
            ("processId", self.process_id.trim()),
            ("version", self.version.trim()),
            ("state", &self.state),
            ("businessKey", &self.business_key),
            ("variable", self.variable.trim()),
            ("startedAfter", &after),
            ("startedBefore", &before),
            ("cursor", &self.cursor),
            ("limit", &limit),
        ]))
    }
}

/// Instances as a table, one `[data-testid=instance-row]` each; with `select`, a checkbox
/// per row for the bulk form.
pub(super) fn table(rows: &[Value], select: bool) -> Markup {
    html! {
        @if rows.is_empty() {
            p.muted { "No instance." }
        } @else {
            div.table-wrap { table.instances {
                thead { tr {
                    @if select {
                        th scope="col" {
                            input type="checkbox" data-select-all="instance" aria-label="Select all";
                        }
                    }
                    th scope="col" { "Instance" }
                    th scope="col" { "Process" }
                    th scope="col" { "State" }
                    th scope="col" { "Business key" }
                    th scope="col" { "Started" }
                    th scope="col" { "Ended" }
                } }
                tbody { @for row in rows {
                    @let id = row["instance"].as_u64().unwrap_or(0);
                    @let process = row["processId"].as_str().unwrap_or("");
                    tr data-testid="instance-row" {
                        @if select {
                            td {
                                input type="checkbox" name="instance" value=(id)
                                    aria-label=(format!("Select instance {id}"));
                            }
                        }
                        td { a href=(format!("/instances/{id}")) { "#" (id) } }
                        td.id {
                            a href=(format!("/processes/{}?version={}", segment(process), row["version"])) {
                                (process) " v" (row["version"])
                            }
                        }
                        td { (widgets::state_badge(row["state"].as_str().unwrap_or(""))) }
                        td.id { (row["businessKey"].as_str().unwrap_or("")) }
                        td { (row["startedAt"].as_i64().map(widgets::time).unwrap_or_default()) }
                        td { (row["endedAt"].as_i64().map(widgets::time).unwrap_or_default()) }
                    }
                } }
            } }
        }
    }
}

/// `GET /instances`: the filter form, one page of instances, the bulk actions.
pub async fn list(
    State(state): State<UiState>,
    session: Session,
    Query(filters): Query<Filters>,
) -> Html<String> {
    let processes: Vec<String> = match state.api.get(&session, "/v1/deployments").await {
        Ok(d) => {
            let mut ids: Vec<String> = d["deployments"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|d| d["kind"] == "process")
                .filter_map(|d| d["id"].as_str().map(str::to_string))
                .collect();
            ids.sort();
            ids.dedup();
            ids
        }
        Err(_) => Vec::new(),
    };
    let listed = match filters.api_query() {
        Ok(query) => state
            .api
            .get(&session, &format!("/v1/process-instances?{query}"))
            .await
            .map_err(|e| e.to_string()),
        Err(why) => Err(why),
    };
    let (can_cancel, can_retry) = (session.can(CANCEL), session.can(RETRY));
    let here = match filters.page_query() {
        query if query.is_empty() => "/instances".to_string(),
        query => format!("/instances?{query}"),
    };
    let sep = if here.contains('?') { "&" } else { "?" };
    let f = &filters;
    let content = html! {
        h1 { "Instances" }
        @if !f.done.is_empty() { p.notice role="status" data-testid="bulk-result" { (f.done) } }
        form.filters.card method="get" action="/instances" aria-label="Filter instances" {
            div {
                label for="f-process" { "Process" }
                select id="f-process" name="processId" {
                    option value="" { "any" }
                    @for p in &processes {
                        option value=(p) selected[*p == f.process_id] { (p) }
                    }
                }
            }
            div {
                label for="f-version" { "Version" }
                input id="f-version" name="version" type="number" min="1" size="4" value=(f.version);
            }
            div {
                label for="f-state" { "State" }
                select id="f-state" name="state" {
                    option value="" { "any" }
                    @for s in ["active", "incident", "completed", "cancelled"] {
                        option value=(s) selected[s == f.state] { (s) }
                    }
                }
            }
            div {
                label for="f-key" { "Business key" }
                input id="f-key" name="businessKey" type="text" value=(f.business_key);
            }
            div {
                label for="f-var" { "Variable (name=value)" }
                input id="f-var" name="variable" type="text" placeholder="total=12" value=(f.variable);
            }
            div {
                label for="f-after" { "Started after (UTC)" }
                input id="f-after" name="startedAfter" type="datetime-local" value=(f.started_after);
            }
            div {
                label for="f-before" { "Started before (UTC)" }
                input id="f-before" name="startedBefore" type="datetime-local" value=(f.started_before);
            }
            div { button type="submit" { "Filter" } " " a href="/instances" { "Clear" } }
        }
        @match &listed {
            Err(why) => p.error role="alert" { (why) },
            Ok(list) => {
                @let rows = list["instances"].as_array().map(Vec::as_slice).unwrap_or(&[]);
                @if (can_cancel || can_retry) && !rows.is_empty() {
                    form.bulk method="post" action="/instances/bulk" {
                        input type="hidden" name="next" value=(here);
                        (table(rows, true))
                        fieldset.card {
                            legend { "With the selected instances" }
                            label for="bulk-reason" { "Reason (required, recorded)" }
                            input id="bulk-reason" name="reason" type="text" required;
                            p {
                                @if can_cancel {
                                    button.danger type="submit" name="operation" value="cancel" data-testid="bulk-cancel" { "Cancel instances" }
                                    " "
                                }
                                @if can_retry {
                                    button type="submit" name="operation" value="retry" data-testid="bulk-retry" { "Retry their incidents" }
                                }
                            }
                        }
                    }
                } @else {
                    (table(rows, false))
                }
                nav.paging aria-label="Pages" {
                    @if !f.cursor.is_empty() { a href=(here) { "First page" } " " }
                    @if let Some(next) = list["nextCursor"].as_str() {
                        a href=(format!("{here}{sep}{}", q(&[("cursor", next)]))) rel="next" { "Next page" }
                    }
                }
            }
        }
    };
    Html(shell::page(&session, "Instances", Nav::Instances, content).into_string())
}

/// `POST /instances/bulk`: `instance` (repeated), `operation` (`cancel` or `retry`),
/// `reason` and `next`. (Not `action`: a field of that name hides the form's `action`
/// property from every script on the page.) Each instance is done on its own; the list comes back saying what was done
/// and what failed.
pub async fn bulk(State(state): State<UiState>, session: Session, body: Bytes) -> Response {
    let mut ids = Vec::new();
    let (mut action, mut reason, mut next) = (String::new(), String::new(), String::new());
    for (key, value) in form_urlencoded::parse(&body) {
        match key.as_ref() {
            "instance" => ids.extend(value.parse::<u64>().ok()),
            "operation" => action = value.into_owned(),
            "reason" => reason = value.trim().to_string(),
            "next" => next = value.into_owned(),
            _ => {}
        }
    }
    if !next.starts_with("/instances") {
        next = "/instances".into();
    }
    let summary = if ids.is_empty() {
        "Nothing done: no instance was selected.".to_string()
    } else if reason.is_empty() {
        "Nothing done: say why in the reason.".to_string()
    } else {
        match action.as_str() {
            "cancel" => cancel_all(&state, &session, &ids, &reason).await,
            "retry" => retry_all(&state, &session, &ids, &reason).await,
            _ => format!("Nothing done: '{action}' is not an action."),
        }
    };
    let sep = if next.contains('?') { "&" } else { "?" };
    Redirect::to(&format!("{next}{sep}{}", q(&[("done", &summary)]))).into_response()
}

/// Cancels each instance; the summary names the ones that failed and why.
async fn cancel_all(state: &UiState, session: &Session, ids: &[u64], reason: &str) -> String {
    let mut failed = Vec::new();
    for id in ids {
        let path = format!("/v1/process-instances/{id}/cancel");
        if let Err(e) = state
            .api
            .post(session, &path, &json!({ "reason": reason }))
            .await
        {
            failed.push(format!("#{id}: {e}"));
        }
    }
    summary("Cancelled", ids.len() - failed.len(), "instance", &failed)
}

/// Resolves every open incident of each instance, so what failed runs again.
async fn retry_all(state: &UiState, session: &Session, ids: &[u64], reason: &str) -> String {
    let (mut retried, mut failed) = (0, Vec::new());
    for id in ids {
        let incidents = match state
            .api
            .get(session, &format!("/v1/incidents?instance={id}&limit=1000"))
            .await
        {
            Ok(list) => list["incidents"].as_array().cloned().unwrap_or_default(),
            Err(e) => {
                failed.push(format!("#{id}: {e}"));
                continue;
            }
        };
        for incident in incidents {
            let Some(key) = incident["key"].as_str() else {
                continue;
            };
            let path = format!("/v1/incidents/{}/resolve", segment(key));
            match state
                .api
                .post(session, &path, &json!({ "reason": reason }))
                .await
            {
                Ok(_) => retried += 1,
                Err(e) => failed.push(format!("#{id} incident {key}: {e}")),
            }
        }
    }
    summary("Retried", retried, "incident", &failed)
}

fn summary(verb: &str, done: usize, what: &str, failed: &[String]) -> String {
    let plural = if done == 1 { "" } else { "s" };
    let mut text = format!("{verb} {done} {what}{plural}.");
    if !failed.is_empty() {
        text.push_str(&format!(" Failed: {}.", failed.join("; ")));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_from_the_form_are_utc_milliseconds() {
        assert_eq!(parse_time("1970-01-01T00:00"), Some(0));
        assert_eq!(parse_time("2000-02-29T00:00:00"), Some(951_782_400_000));
        assert_eq!(
            parse_time("2026-12-07T00:00").map(widgets::time).as_deref(),
            Some("2026-12-07 00:00:00")
        );
        assert_eq!(parse_time("yesterday"), None);
        assert_eq!(parse_time("2026-13-01T00:00"), None);
    }

    #[test]
    fn queries_leave_out_empty_filters_and_escape_values() {
        assert_eq!(
            q(&[("processId", "a b"), ("state", ""), ("variable", "x=1&y")]),
            "processId=a+b&variable=x%3D1%26y"
        );
    }
}
