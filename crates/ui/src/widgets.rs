//! Small pieces of markup and formatting that several pages share. Page modules add
//! their own helpers here (at the end) when a second page needs them.

use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, PreEscaped, html};
use serde_json::Value;

use crate::session::Session;

/// The permission an incident's retry button needs.
pub const RESOLVE_INCIDENTS: &str = "resolve-incidents";

/// A time in ms since the epoch as `YYYY-MM-DD HH:MM:SS` UTC.
pub fn time(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let (days, rest) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02}",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

/// Days since 1970-01-01 → (year, month, day), proleptic Gregorian (Howard Hinnant's
/// `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// A duration for people: `850 ms`, `12.4 s`, `3 min 20 s`, `2 h 5 min`.
pub fn duration(ms: f64) -> String {
    if ms < 1000.0 {
        format!("{ms:.0} ms")
    } else if ms < 60_000.0 {
        format!("{:.1} s", ms / 1000.0)
    } else if ms < 3_600_000.0 {
        let secs = (ms / 1000.0).round() as u64;
        format!("{} min {} s", secs / 60, secs % 60)
    } else {
        let mins = (ms / 60_000.0).round() as u64;
        format!("{} h {} min", mins / 60, mins % 60)
    }
}

/// A JSON value as a person reads it: strings without quotes, the rest as JSON.
pub fn value_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// An instance's (or element's) state as a small badge; the class is the state.
pub fn state_badge(state: &str) -> Markup {
    html! { span class=(format!("state {state}")) { (state) } }
}

/// An SVG document drawn by `baton-render`, inline in the page, in a box that scrolls
/// on narrow screens rather than widening the page.
pub fn diagram(id: &str, svg: &str) -> Markup {
    // The SVG is built by baton-render, which escapes every text it takes from the model.
    html! { div.diagram id=(id) data-live-region { (PreEscaped(svg)) } }
}

/// An incident's retry button: a form posting to `/incidents/{key}/retry` that comes back
/// to `next`. Without the permission the button is shown disabled, with the reason.
pub fn retry_button(session: &Session, incident_key: &str, next: &str) -> Markup {
    let allowed = session.can(RESOLVE_INCIDENTS);
    html! {
        form.inline method="post" action=(format!("/incidents/{incident_key}/retry")) {
            input type="hidden" name="next" value=(next);
            @if allowed {
                button type="submit" data-testid="incident-retry" { "Retry" }
            } @else {
                button type="submit" data-testid="incident-retry" disabled aria-disabled="true"
                    title="Your token's role may not resolve incidents" { "Retry" }
            }
        }
    }
}

/// Where a form post goes back to: its `next` field when that is a path on this server,
/// else the page it was posted from (`Referer`, same server only), else `fallback`.
pub fn back(next: Option<&str>, headers: &HeaderMap, fallback: &str) -> Response {
    let local = |p: &str| p.starts_with('/') && !p.starts_with("//") && !p.starts_with("/\\");
    if let Some(next) = next.filter(|n| local(n)) {
        return Redirect::to(next).into_response();
    }
    let host = headers.get("host").and_then(|h| h.to_str().ok());
    let referer = headers
        .get("referer")
        .and_then(|r| r.to_str().ok())
        .and_then(|r| r.split_once("://").map(|(_, rest)| rest))
        .and_then(|rest| {
            let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
            (Some(authority) == host).then(|| format!("/{path}"))
        });
    Redirect::to(referer.as_deref().unwrap_or(fallback)).into_response()
}

/// `?a=1&b=x%20y` from name/value pairs, leaving out empty values; empty when none is left.
pub fn query(pairs: &[(&str, &str)]) -> String {
    let parts: Vec<String> = pairs
        .iter()
        .filter(|(_, value)| !value.is_empty())
        .map(|(name, value)| format!("{}={}", encode(name), encode(value)))
        .collect();
    if parts.is_empty() {
        String::new()
    } else {
        format!("?{}", parts.join("&"))
    }
}

/// Percent-encodes text for a URL's path segment or query value.
pub fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(byte as char)
            }
            other => out.push_str(&format!("%{other:02X}")),
        }
    }
    out
}

/// A table that scrolls sideways inside its own box on a narrow screen.
pub fn table_wrap(table: Markup) -> Markup {
    html! { div.table-wrap { (table) } }
}

/// A form post's `next` field: where to go back to.
#[derive(serde::Deserialize)]
pub struct Next {
    pub next: Option<String>,
}

/// The answer to a form post that changed something through the API: back to `next`
/// when it worked, else the API's refusal as a page with its status.
pub fn back_or_error(
    result: Result<(), crate::api::ApiError>,
    session: &Session,
    nav: crate::shell::Nav,
    next: &Next,
    headers: &HeaderMap,
    fallback: &str,
) -> Response {
    match result {
        Ok(()) => back(next.next.as_deref(), headers, fallback),
        Err(e) => (e.status, crate::shell::error_page(session, nav, &e)).into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_utc_calendar_dates() {
        assert_eq!(time(0), "1970-01-01 00:00:00");
        assert_eq!(time(951_782_400_000), "2000-02-29 00:00:00");
        assert_eq!(time(1_796_601_600_123), "2026-12-07 00:00:00");
    }

    #[test]
    fn durations_read_naturally() {
        assert_eq!(duration(850.0), "850 ms");
        assert_eq!(duration(12_400.0), "12.4 s");
        assert_eq!(duration(200_000.0), "3 min 20 s");
        assert_eq!(duration(7_500_000.0), "2 h 5 min");
    }

    #[test]
    fn queries_leave_out_empty_values_and_encode_the_rest() {
        assert_eq!(query(&[("a", ""), ("b", "")]), "");
        assert_eq!(
            query(&[("assignee", "Ada L"), ("x", "")]),
            "?assignee=Ada%20L"
        );
        assert_eq!(encode("a/b&c=é"), "a%2Fb%26c%3D%C3%A9");
    }
}
