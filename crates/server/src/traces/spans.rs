//! Spans from an instance's journal: a fold over its events that gives each span once it
//! has ended, with ids that follow from the journal alone (`baton_runtime::traces`).
//!
//! | span | starts at | ends at | parent |
//! |---|---|---|---|
//! | the instance (root) | `element_activating` of the process | its `element_completed` or `element_terminated` | the caller's span (`traceparent`), else none |
//! | an element instance | its `element_activating` | its `element_completed` or `element_terminated` | its scope's span |
//! | a job attempt | `job_created`, `job_activated` (the worker's time), or the failure or resolution that opened it | `job_completed`, `job_failed`, `job_error_thrown`, `job_cancelled`, or the next `job_activated` (its lease ran out) | its element's span |
//!
//! Incidents are events on their element's span (and set its status to error); a failed
//! attempt has error status. A child instance's root span links to the call activity's
//! span in the parent's trace.
//!
//! Events before a given journal position can be folded without giving spans
//! ([`InstanceSpans::apply`] with no output): that is how spans that ended after a restart
//! still name the parents and start times recorded before it.

use std::borrow::Cow;
use std::collections::HashMap;
use std::time::{Duration, SystemTime};

use baton_core::{Event, GlobalKey, InstanceId, Key, Timestamp};
use baton_runtime::traces::{self, SpanOf};
use opentelemetry::trace::{
    Event as SpanEvent, Link, SpanContext, SpanId, SpanKind, Status, TraceFlags, TraceId,
    TraceState,
};
use opentelemetry::{InstrumentationScope, KeyValue};
use opentelemetry_sdk::trace::{SpanData, SpanEvents, SpanLinks};

/// What the exporter knows of an element of a deployed process: its name (if the model
/// gives one) and its BPMN type (`serviceTask`, ...).
pub(crate) trait Elements {
    fn describe(&mut self, process_id: &str, version: u32, element_id: &str) -> ElementInfo;
}

#[derive(Clone, Debug, Default)]
pub(crate) struct ElementInfo {
    pub name: Option<String>,
    pub kind: &'static str,
}

/// The open spans of one instance, and where its journal was read to.
#[derive(Debug)]
pub(crate) struct InstanceSpans {
    instance: InstanceId,
    process_id: String,
    version: u32,
    trace_id: [u8; 16],
    remote_parent: Option<[u8; 8]>,
    link: Option<([u8; 16], [u8; 8])>,
    elements: HashMap<Key, OpenElement>,
    jobs: HashMap<Key, OpenJob>,
    incidents: HashMap<Key, Key>,
    ended: bool,
    /// The journal position of the next event to fold.
    pub next_seq: u64,
}

#[derive(Debug)]
struct OpenElement {
    element_id: String,
    scope: Option<Key>,
    start: Timestamp,
    events: Vec<SpanEvent>,
    error: Option<String>,
}

#[derive(Debug)]
struct OpenJob {
    element: Key,
    job_type: String,
    attempt: u32,
    /// When the attempt began, or `None` while none is under way (out of retries).
    start: Option<Timestamp>,
    worker: Option<String>,
}

/// How an attempt ended.
enum AttemptEnd<'a> {
    Completed,
    Failed(&'a str),
    LeaseExpired,
    ErrorThrown(&'a str),
    Cancelled,
}

impl InstanceSpans {
    pub(crate) fn new(instance: InstanceId, process_id: &str) -> InstanceSpans {
        InstanceSpans {
            instance,
            process_id: process_id.to_string(),
            version: 0,
            trace_id: traces::trace_id(None, instance),
            remote_parent: None,
            link: None,
            elements: HashMap::new(),
            jobs: HashMap::new(),
            incidents: HashMap::new(),
            ended: false,
            next_seq: 0,
        }
    }

    /// Whether the instance's own span has ended: nothing more will come of it.
    pub(crate) fn ended(&self) -> bool {
        self.ended
    }

    /// Folds the event at journal position `seq`, committed at `at`; the spans it ends go
    /// to `out`, unless there is none (events whose spans were exported before).
    pub(crate) fn apply(
        &mut self,
        seq: u64,
        at: Timestamp,
        event: &Event,
        elements: &mut dyn Elements,
        mut out: Option<&mut Vec<SpanData>>,
    ) {
        self.next_seq = seq + 1;
        match event {
            Event::InstanceCreated {
                process_id,
                version,
                trace,
                ..
            } => {
                self.process_id.clone_from(process_id);
                self.version = *version;
                self.trace_id = traces::trace_id(trace.as_deref(), self.instance);
                self.remote_parent = trace
                    .as_ref()
                    .and_then(|t| t.parent_span_id.as_deref())
                    .and_then(traces::parse_hex::<8>);
                self.link =
                    trace
                        .as_ref()
                        .and_then(|t| t.link.as_ref())
                        .and_then(|(trace_id, span_id)| {
                            Some((traces::parse_hex(trace_id)?, traces::parse_hex(span_id)?))
                        });
            }
            Event::ElementActivating {
                key,
                element,
                scope,
                ..
            } => {
                self.elements.insert(
                    *key,
                    OpenElement {
                        element_id: element.to_string(),
                        scope: *scope,
                        start: at,
                        events: Vec::new(),
                        error: None,
                    },
                );
            }
            Event::ElementCompleted { key } | Event::ElementTerminated { key } => {
                let terminated = matches!(event, Event::ElementTerminated { .. });
                if let Some(open) = self.elements.remove(key) {
                    if open.scope.is_none() {
                        self.ended = true;
                    }
                    if let Some(out) = out.as_deref_mut() {
                        out.push(self.element_span(*key, open, at, terminated, elements));
                    }
                }
            }
            Event::JobCreated {
                key,
                element,
                job_type,
                ..
            } => {
                self.jobs.insert(
                    *key,
                    OpenJob {
                        element: *element,
                        job_type: job_type.clone(),
                        attempt: 1,
                        start: Some(at),
                        worker: None,
                    },
                );
            }
            Event::JobActivated { key, worker, .. } => {
                // A job activated while a worker held it: that worker's lease ran out.
                let expired = self.jobs.get(key).is_some_and(|job| job.worker.is_some());
                if expired {
                    self.end_attempt(*key, at, AttemptEnd::LeaseExpired, out.as_deref_mut());
                }
                if let Some(job) = self.jobs.get_mut(key) {
                    if expired {
                        job.attempt += 1;
                    }
                    job.start = Some(at);
                    job.worker = Some(worker.clone());
                }
            }
            Event::JobCompleted { key } => {
                self.end_attempt(*key, at, AttemptEnd::Completed, out.as_deref_mut());
                self.jobs.remove(key);
            }
            Event::JobFailed {
                key,
                retries,
                message,
                ..
            } => {
                self.end_attempt(*key, at, AttemptEnd::Failed(message), out.as_deref_mut());
                if let Some(job) = self.jobs.get_mut(key) {
                    job.worker = None;
                    if *retries > 0 {
                        job.attempt += 1;
                        job.start = Some(at);
                    }
                }
            }
            Event::JobRetriesUpdated { key, retries } => {
                if let Some(job) = self.jobs.get_mut(key)
                    && job.start.is_none()
                    && *retries > 0
                {
                    job.attempt += 1;
                    job.start = Some(at);
                }
            }
            Event::JobErrorThrown { key, code, .. } => {
                self.end_attempt(*key, at, AttemptEnd::ErrorThrown(code), out.as_deref_mut());
                self.jobs.remove(key);
            }
            Event::JobCancelled { key } => {
                self.end_attempt(*key, at, AttemptEnd::Cancelled, out);
                self.jobs.remove(key);
            }
            Event::IncidentCreated {
                key,
                element,
                kind,
                message,
                ..
            } => {
                self.incidents.insert(*key, *element);
                if let Some(open) = self.elements.get_mut(element) {
                    open.error = Some(message.clone());
                    open.events.push(SpanEvent::new(
                        "incident",
                        time(at),
                        vec![
                            KeyValue::new("baton.incident.kind", kind.as_str()),
                            KeyValue::new("baton.incident.key", key.0 as i64),
                            KeyValue::new("exception.message", message.clone()),
                        ],
                        0,
                    ));
                }
            }
            Event::IncidentResolved { key } => {
                if let Some(element) = self.incidents.remove(key)
                    && let Some(open) = self.elements.get_mut(&element)
                {
                    open.events.push(SpanEvent::new(
                        "incident resolved",
                        time(at),
                        vec![KeyValue::new("baton.incident.key", key.0 as i64)],
                        0,
                    ));
                }
            }
            _ => {}
        }
    }

    fn span_context(&self, span: [u8; 8]) -> SpanContext {
        SpanContext::new(
            TraceId::from_bytes(self.trace_id),
            SpanId::from_bytes(span),
            TraceFlags::SAMPLED,
            false,
            TraceState::default(),
        )
    }

    fn span_id(&self, of: SpanOf) -> [u8; 8] {
        traces::span_id(&self.trace_id, of)
    }

    fn element_span(
        &self,
        key: Key,
        open: OpenElement,
        end: Timestamp,
        terminated: bool,
        elements: &mut dyn Elements,
    ) -> SpanData {
        let instance = KeyValue::new("baton.instance", self.instance.0 as i64);
        let process = KeyValue::new("baton.process.id", self.process_id.clone());
        let outcome = KeyValue::new(
            "baton.element.outcome",
            if terminated {
                "terminated"
            } else {
                "completed"
            },
        );
        let status = match &open.error {
            Some(message) => Status::error(message.clone()),
            None => Status::Unset,
        };
        let (name, parent, remote, attributes, links) = match open.scope {
            // The process itself: the instance's root span.
            None => {
                let links = self
                    .link
                    .map(|(trace_id, span_id)| {
                        Link::with_context(SpanContext::new(
                            TraceId::from_bytes(trace_id),
                            SpanId::from_bytes(span_id),
                            TraceFlags::SAMPLED,
                            true,
                            TraceState::default(),
                        ))
                    })
                    .into_iter()
                    .collect();
                let attributes = vec![
                    process,
                    KeyValue::new("baton.process.version", i64::from(self.version)),
                    instance,
                    outcome,
                ];
                let parent = self
                    .remote_parent
                    .map_or(SpanId::INVALID, SpanId::from_bytes);
                let name = format!("process {}", self.process_id);
                (
                    name,
                    parent,
                    self.remote_parent.is_some(),
                    attributes,
                    links,
                )
            }
            Some(scope) => {
                let info = elements.describe(&self.process_id, self.version, &open.element_id);
                let name = info.name.clone().unwrap_or_else(|| open.element_id.clone());
                let attributes = vec![
                    KeyValue::new("baton.element.id", open.element_id.clone()),
                    KeyValue::new("baton.element.type", info.kind),
                    KeyValue::new("baton.element.key", key.0 as i64),
                    process,
                    instance,
                    outcome,
                ];
                let parent = SpanId::from_bytes(self.span_id(SpanOf::Element(scope)));
                (name, parent, false, attributes, Vec::new())
            }
        };
        SpanData {
            span_context: self.span_context(self.span_id(SpanOf::Element(key))),
            parent_span_id: parent,
            parent_span_is_remote: remote,
            span_kind: SpanKind::Internal,
            name: Cow::Owned(name),
            start_time: time(open.start),
            end_time: time(end),
            attributes,
            dropped_attributes_count: 0,
            events: span_events(open.events),
            links: span_links(links),
            status,
            instrumentation_scope: scope(),
        }
    }

    /// Ends the attempt under way at `job`, if one is, giving its span to `out`.
    fn end_attempt(
        &mut self,
        job: Key,
        at: Timestamp,
        end: AttemptEnd<'_>,
        out: Option<&mut Vec<SpanData>>,
    ) {
        let Some(open) = self.jobs.get_mut(&job) else {
            return;
        };
        let Some(start) = open.start.take() else {
            return;
        };
        let Some(out) = out else {
            return;
        };
        let mut attributes = vec![
            KeyValue::new("baton.job.type", open.job_type.clone()),
            KeyValue::new(
                "baton.job.key",
                GlobalKey {
                    instance: self.instance,
                    key: job,
                }
                .to_string(),
            ),
            KeyValue::new("baton.job.attempt", i64::from(open.attempt)),
            KeyValue::new("baton.instance", self.instance.0 as i64),
            KeyValue::new("baton.process.id", self.process_id.clone()),
        ];
        if let Some(worker) = &open.worker {
            attributes.push(KeyValue::new("baton.job.worker", worker.clone()));
        }
        let mut events = Vec::new();
        let status = match end {
            AttemptEnd::Completed => Status::Ok,
            AttemptEnd::Failed(message) => {
                events.push(SpanEvent::new(
                    "exception",
                    time(at),
                    vec![KeyValue::new("exception.message", message.to_string())],
                    0,
                ));
                Status::error(message.to_string())
            }
            AttemptEnd::LeaseExpired => Status::error("the worker's lease ran out"),
            AttemptEnd::ErrorThrown(code) => {
                attributes.push(KeyValue::new("baton.job.error_code", code.to_string()));
                Status::Unset
            }
            AttemptEnd::Cancelled => Status::Unset,
        };
        let element = open.element;
        let attempt = open.attempt;
        out.push(SpanData {
            span_context: self.span_context(self.span_id(SpanOf::JobAttempt(job, attempt))),
            parent_span_id: SpanId::from_bytes(self.span_id(SpanOf::Element(element))),
            parent_span_is_remote: false,
            span_kind: SpanKind::Consumer,
            name: Cow::Owned(format!("job {}", self.job_type(job))),
            start_time: time(start),
            end_time: time(at),
            attributes,
            dropped_attributes_count: 0,
            events: span_events(events),
            links: SpanLinks::default(),
            status,
            instrumentation_scope: scope(),
        });
    }

    fn job_type(&self, job: Key) -> &str {
        self.jobs.get(&job).map_or("", |j| j.job_type.as_str())
    }
}

/// Milliseconds since the epoch as a time (before it: the epoch).
fn time(at: Timestamp) -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_millis(u64::try_from(at.0).unwrap_or(0))
}

fn span_events(events: Vec<SpanEvent>) -> SpanEvents {
    let mut all = SpanEvents::default();
    all.events = events;
    all
}

fn span_links(links: Vec<Link>) -> SpanLinks {
    let mut all = SpanLinks::default();
    all.links = links;
    all
}

fn scope() -> InstrumentationScope {
    InstrumentationScope::builder("baton")
        .with_version(env!("CARGO_PKG_VERSION"))
        .build()
}
