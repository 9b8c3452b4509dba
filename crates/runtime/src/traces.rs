//! Trace identities (OpenTelemetry, W3C trace context) that follow from the journal alone.
//!
//! An instance's trace id is recorded when it starts (`instance_created`'s `trace`): the
//! caller's, when it was started under a `traceparent`, or else drawn at random while
//! traces are kept. Every span id is then a hash of the trace id and what the span is
//! (the element instance's key, or a job's key and attempt), so whoever builds spans from
//! the journal (`baton serve`'s exporter, before or after a restart) and whoever hands a
//! job to a worker (its `traceparent`) name the same span without talking to each other.
//! An instance with no recorded trace (started while traces were off) has one that follows
//! from its instance id.

use baton_core::{InstanceId, InstanceState, Key, TraceContext};
use sha2::{Digest as _, Sha256};

/// What a span stands for within an instance's trace.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SpanOf {
    /// An element instance; the process's own (the root) included.
    Element(Key),
    /// One attempt at a job: 1 for the first, one more after each failure with retries
    /// left, each new activation after a lease ran out, and each incident resolved with
    /// new retries (`baton_core::state::Job::attempt`).
    JobAttempt(Key, u32),
}

/// The trace id of an instance, as 16 bytes.
pub fn trace_id(trace: Option<&TraceContext>, instance: InstanceId) -> [u8; 16] {
    trace
        .and_then(|t| parse_hex::<16>(&t.trace_id))
        .unwrap_or_else(|| (u128::from(instance.0) | 1 << 64).to_be_bytes())
}

/// The trace id of an instance's state.
pub fn trace_id_of(state: &InstanceState) -> [u8; 16] {
    trace_id(state.trace.as_deref(), state.instance)
}

/// The span id of `of` in the trace `trace_id`: never all zeros, which W3C reserves.
pub fn span_id(trace_id: &[u8; 16], of: SpanOf) -> [u8; 8] {
    let mut hash = Sha256::new();
    hash.update(trace_id);
    match of {
        SpanOf::Element(key) => {
            hash.update(b"element");
            hash.update(key.0.to_be_bytes());
        }
        SpanOf::JobAttempt(key, attempt) => {
            hash.update(b"job");
            hash.update(key.0.to_be_bytes());
            hash.update(attempt.to_be_bytes());
        }
    }
    let digest = hash.finalize();
    let mut id = [0u8; 8];
    id.copy_from_slice(&digest[..8]);
    if id == [0; 8] {
        id[7] = 1;
    }
    id
}

/// A W3C `traceparent` naming the span `span` of the trace `trace_id` (sampled).
pub fn traceparent(trace_id: &[u8; 16], span: &[u8; 8]) -> String {
    format!("00-{}-{}-01", hex(trace_id), hex(span))
}

/// Why a `traceparent` was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error(
    "traceparent '{0}' is not a W3C trace context: expected 00-<32 hex digits>-<16 hex digits>-<2 hex digits>, with ids not all zero"
)]
pub struct BadTraceparent(pub String);

/// Reads a W3C `traceparent` (version 00, or a later one read as 00 as the spec asks) into
/// the trace context an instance started under it records.
pub fn parse_traceparent(text: &str) -> Result<TraceContext, BadTraceparent> {
    let bad = || BadTraceparent(text.chars().take(80).collect());
    let parts: Vec<&str> = text.trim().split('-').collect();
    let [version, trace, span, flags, ..] = parts.as_slice() else {
        return Err(bad());
    };
    let version_ok = parse_hex::<1>(version).is_some_and(|v| v != [0xff]);
    let exact = *version != "00" || parts.len() == 4;
    let trace_id = parse_hex::<16>(trace).filter(|t| *t != [0; 16]);
    let span_id = parse_hex::<8>(span).filter(|s| *s != [0; 8]);
    match (trace_id, span_id) {
        (Some(trace_id), Some(span_id))
            if version_ok && exact && parse_hex::<1>(flags).is_some() =>
        {
            Ok(TraceContext {
                trace_id: hex(&trace_id),
                parent_span_id: Some(hex(&span_id)),
                link: None,
            })
        }
        _ => Err(bad()),
    }
}

/// A new trace drawn from `random` bits (never all zeros).
pub(crate) fn random_trace(random: u128) -> TraceContext {
    let id = if random == 0 { 1 } else { random };
    TraceContext {
        trace_id: hex(&id.to_be_bytes()),
        parent_span_id: None,
        link: None,
    }
}

/// Lowercase hex of bytes.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// `N` bytes from exactly `2 * N` lowercase or uppercase hex digits.
pub fn parse_hex<const N: usize>(text: &str) -> Option<[u8; N]> {
    if text.len() != 2 * N || !text.is_ascii() {
        return None;
    }
    let mut out = [0u8; N];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&text[2 * i..2 * i + 2], 16).ok()?;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_traceparent_is_read_and_anything_else_refused() {
        let given = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        let trace = parse_traceparent(given).expect("valid");
        assert_eq!(trace.trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
        assert_eq!(trace.parent_span_id.as_deref(), Some("00f067aa0ba902b7"));
        for bad in [
            "",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
            "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",
            "00-xbf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        ] {
            assert!(parse_traceparent(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn span_ids_follow_from_the_trace_and_what_the_span_is() {
        let a = [7u8; 16];
        let b = [8u8; 16];
        let element = span_id(&a, SpanOf::Element(Key(3)));
        assert_eq!(element, span_id(&a, SpanOf::Element(Key(3))));
        assert_ne!(element, span_id(&b, SpanOf::Element(Key(3))));
        assert_ne!(element, span_id(&a, SpanOf::Element(Key(4))));
        assert_ne!(
            span_id(&a, SpanOf::JobAttempt(Key(3), 1)),
            span_id(&a, SpanOf::JobAttempt(Key(3), 2))
        );
        let parent = traceparent(&a, &element);
        let read = parse_traceparent(&parent).expect("our own traceparent reads back");
        assert_eq!(read.trace_id, hex(&a));
    }
}
