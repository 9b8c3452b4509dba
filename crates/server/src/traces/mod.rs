//! OpenTelemetry traces of `baton serve`: spans built from committed journal events and
//! sent over OTLP/HTTP (protobuf) by a thread of their own.
//!
//! The engine's lanes hand each batch's committed events here ([`Traces::publish`]) and
//! go on at once: a bounded queue sits between them and the exporter thread, and a batch
//! that finds it full is dropped with a counted warning, never waited for. The thread folds
//! each instance's events ([`spans::InstanceSpans`]) into spans as they end, and sends them
//! in batches: when a batch is full, when the oldest span has waited the schedule delay
//! (`OTEL_BSP_SCHEDULE_DELAY`), and at shutdown ([`Traces::shutdown`], after the lanes'
//! last commit).
//!
//! Only committed events become spans, so a crash never exports what did not happen. What
//! was committed but not yet sent is recorded with each commit (`trace_outbox`, see
//! `baton_store::TraceOutbox`); the thread marks it sent after each export, on its own
//! connection to the tenant's store, and when a tenant's runtime opens it first sends what
//! the previous run left. Span ids follow from the journal (`baton_runtime::traces`), so
//! spans ending after a restart point at parents sent before it, and nothing is sent
//! twice (short of a crash between a send and its mark: then it is sent again).
//!
//! An instance this thread meets midway (after a restart, or after a dropped batch) is
//! read back from its journal: the events before what is left to send are folded without
//! giving spans, which gives the open spans their start and parents.

mod spans;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, SyncSender, TrySendError};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use baton_core::InstanceId;
use baton_runtime::Committed;
use baton_runtime::config::TelemetryConfig;
use baton_store::{
    DefinitionKind, DeploymentStore as _, JournalStore as _, QueryStore as _, TraceOutbox as _,
};
use baton_store_any::{AnyStore, Durability, Location};
use opentelemetry_http::{Bytes, HttpClient, HttpError, Request, Response};
use opentelemetry_otlp::{Protocol, WithExportConfig as _, WithHttpConfig as _};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::trace::{SpanData, SpanExporter as _};

use spans::{ElementInfo, Elements, InstanceSpans};

/// Spans sent in one request at most.
const MAX_EXPORT_BATCH: usize = 512;
/// Batches of committed events waiting for the exporter thread at most.
const MAX_QUEUED_BATCHES: usize = 4096;
/// How long one export may take before it is given up.
const EXPORT_TIMEOUT: Duration = Duration::from_secs(10);

/// Where and how traces are sent, from `[telemetry]` and the `OTEL_*` environment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TraceSettings {
    /// The full address spans are posted to (`{endpoint}/v1/traces`).
    pub traces_url: String,
    pub service_name: String,
    pub schedule_delay: Duration,
}

impl TraceSettings {
    /// The settings from `baton.toml`'s `[telemetry]` and the environment (`env` reads a
    /// variable), the environment winning; `None` when neither names an endpoint, which
    /// leaves traces off. Refuses a protocol other than `http/protobuf`.
    pub fn resolve(
        file: &TelemetryConfig,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Option<TraceSettings>, String> {
        let env = |name: &str| env(name).filter(|v| !v.trim().is_empty());
        let protocol = env("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL")
            .or_else(|| env("OTEL_EXPORTER_OTLP_PROTOCOL"));
        if let Some(protocol) = protocol
            && protocol.trim() != "http/protobuf"
        {
            return Err(format!(
                "OTEL_EXPORTER_OTLP_PROTOCOL={protocol} is not supported: baton sends traces \
                 over OTLP/HTTP with protobuf (http/protobuf)"
            ));
        }
        let traces_url = match env("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") {
            Some(url) => url.trim().to_string(),
            None => match env("OTEL_EXPORTER_OTLP_ENDPOINT").or(file.otlp_endpoint.clone()) {
                Some(base) => format!("{}/v1/traces", base.trim().trim_end_matches('/')),
                None => return Ok(None),
            },
        };
        if !(traces_url.starts_with("http://") || traces_url.starts_with("https://")) {
            return Err(format!(
                "the OTLP endpoint {traces_url} is no http:// or https:// address"
            ));
        }
        let service_name = env("OTEL_SERVICE_NAME")
            .or(file.service_name.clone())
            .unwrap_or_else(|| "baton".to_string());
        let delay_ms = match env("OTEL_BSP_SCHEDULE_DELAY") {
            Some(text) => text.trim().parse::<u64>().map_err(|_| {
                format!("OTEL_BSP_SCHEDULE_DELAY={text} is not a number of milliseconds")
            })?,
            None => file.schedule_delay_ms.unwrap_or(5_000),
        };
        Ok(Some(TraceSettings {
            traces_url,
            service_name,
            schedule_delay: Duration::from_millis(delay_ms),
        }))
    }
}

/// The handle the lanes publish to. Shared; [`Traces::shutdown`] sends what is left.
#[derive(Debug)]
pub struct Traces {
    tx: SyncSender<Message>,
    dropped: Arc<AtomicU64>,
    thread: Mutex<Option<JoinHandle<()>>>,
}

enum Message {
    /// A tenant's runtime opened on this store: send what its last run left.
    Opened {
        tenant: String,
        store: Location,
    },
    Commits {
        tenant: String,
        store: Location,
        commits: Vec<Committed>,
    },
    /// Send everything ended so far, then answer.
    Flush(mpsc::Sender<()>),
    Stop,
}

impl Traces {
    /// Starts the exporter thread.
    pub fn start(settings: TraceSettings) -> Result<Traces, String> {
        let exporter = exporter(&settings).map_err(|e| format!("OTLP exporter: {e}"))?;
        let (tx, rx) = mpsc::sync_channel(MAX_QUEUED_BATCHES);
        let dropped = Arc::new(AtomicU64::new(0));
        let thread = std::thread::Builder::new()
            .name("baton-traces".into())
            .spawn(move || {
                Exporter {
                    exporter,
                    delay: settings.schedule_delay,
                    tenants: HashMap::new(),
                    pending: Vec::new(),
                    pending_since: None,
                    sent: Vec::new(),
                }
                .run(&rx);
            })
            .map_err(|e| format!("could not start the traces thread: {e}"))?;
        Ok(Traces {
            tx,
            dropped,
            thread: Mutex::new(Some(thread)),
        })
    }

    /// A tenant's runtime opened on `store`: what its last run committed and did not send
    /// goes out first.
    pub fn opened(&self, tenant: &str, store: &Location) {
        let message = Message::Opened {
            tenant: tenant.to_string(),
            store: store.clone(),
        };
        self.offer(message);
    }

    /// Hands committed events over, without waiting.
    pub fn publish(&self, tenant: &str, store: &Location, commits: &[Committed]) {
        if commits.is_empty() {
            return;
        }
        self.offer(Message::Commits {
            tenant: tenant.to_string(),
            store: store.clone(),
            commits: commits.to_vec(),
        });
    }

    fn offer(&self, message: Message) {
        match self.tx.try_send(message) {
            Ok(()) | Err(TrySendError::Disconnected(_)) => {}
            Err(TrySendError::Full(_)) => {
                let dropped = self.dropped.fetch_add(1, Ordering::Relaxed) + 1;
                // Once, then every thousandth: a full queue would otherwise flood the log.
                if dropped == 1 || dropped.is_multiple_of(1000) {
                    tracing::warn!(
                        dropped,
                        "the trace exporter is behind; batches of committed events were left \
                         for it to read back later"
                    );
                }
            }
        }
    }

    /// Batches of committed events dropped because the queue was full.
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }

    /// Sends every span ended so far and waits until it is sent (or failed).
    pub fn flush(&self) {
        let (tx, rx) = mpsc::channel();
        if self.tx.send(Message::Flush(tx)).is_ok() {
            let _ = rx.recv();
        }
    }

    /// Sends what is left and stops the thread: after the lanes' last commit.
    pub fn shutdown(&self) {
        let _ = self.tx.send(Message::Stop);
        let thread = self
            .thread
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(thread) = thread {
            let _ = thread.join();
        }
    }
}

fn exporter(
    settings: &TraceSettings,
) -> Result<opentelemetry_otlp::SpanExporter, opentelemetry_otlp::ExporterBuildError> {
    let mut exporter = opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .with_http_client(UreqClient::new())
        .with_protocol(Protocol::HttpBinary)
        .with_endpoint(settings.traces_url.clone())
        .with_timeout(EXPORT_TIMEOUT)
        .build()?;
    let resource = Resource::builder_empty()
        .with_service_name(settings.service_name.clone())
        .build();
    exporter.set_resource(&resource);
    Ok(exporter)
}

/// The OTLP exporter's HTTP client: ureq, blocking, on the exporter's own thread (the
/// future it returns is ready when polled once).
#[derive(Debug)]
struct UreqClient(ureq::Agent);

impl UreqClient {
    fn new() -> UreqClient {
        let config = ureq::Agent::config_builder()
            .timeout_global(Some(EXPORT_TIMEOUT))
            // The exporter reads the status itself (and retries what it may).
            .http_status_as_error(false)
            .build();
        UreqClient(config.into())
    }
}

impl HttpClient for UreqClient {
    fn send_bytes<'a, 'b>(
        &'a self,
        request: Request<Bytes>,
    ) -> std::pin::Pin<
        Box<dyn std::future::Future<Output = Result<Response<Bytes>, HttpError>> + Send + 'b>,
    >
    where
        Self: 'b,
        'a: 'b,
    {
        Box::pin(async move {
            let (parts, body) = request.into_parts();
            let request = Request::from_parts(parts, body.to_vec());
            let response = self.0.run(request)?;
            let (parts, mut body) = response.into_parts();
            let bytes = body.read_to_vec()?;
            Ok(Response::from_parts(parts, Bytes::from(bytes)))
        })
    }
}

/// The exporter thread's state.
struct Exporter {
    exporter: opentelemetry_otlp::SpanExporter,
    delay: Duration,
    tenants: HashMap<String, Tenant>,
    /// Spans ended and not yet sent, and since when the oldest waits.
    pending: Vec<SpanData>,
    pending_since: Option<Instant>,
    /// What the pending spans cover: (tenant, instance, last journal position folded).
    sent: Vec<(String, InstanceId, u64)>,
}

/// One tenant's store and the instances with spans open.
struct Tenant {
    store: Option<AnyStore>,
    instances: HashMap<InstanceId, InstanceSpans>,
    /// Instances that ended, and the journal position after their last event: commits of
    /// theirs still queued (read back from the journal already) are skipped. Forgotten
    /// whenever the queue is empty, when no such commit can be left.
    ended: HashMap<InstanceId, u64>,
    models: Models,
}

impl Exporter {
    fn run(mut self, rx: &Receiver<Message>) {
        loop {
            let message = match rx.try_recv() {
                Ok(message) => Some(message),
                Err(_) => {
                    for tenant in self.tenants.values_mut() {
                        tenant.ended.clear();
                    }
                    self.next_message(rx)
                }
            };
            if !self.handle(message) {
                return;
            }
        }
    }

    /// Waits for the next message, or until the oldest pending span is due to be sent.
    fn next_message(&self, rx: &Receiver<Message>) -> Option<Message> {
        match self.pending_since {
            Some(since) => {
                let wait = self.delay.saturating_sub(since.elapsed());
                match rx.recv_timeout(wait) {
                    Ok(message) => Some(message),
                    Err(RecvTimeoutError::Timeout) => None,
                    Err(RecvTimeoutError::Disconnected) => Some(Message::Stop),
                }
            }
            None => Some(rx.recv().unwrap_or(Message::Stop)),
        }
    }

    /// Handles a message (`None`: the schedule delay passed); false once stopped.
    fn handle(&mut self, message: Option<Message>) -> bool {
        match message {
            None => self.send(),
            Some(Message::Opened { tenant, store }) => self.catch_up(&tenant, &store),
            Some(Message::Commits {
                tenant,
                store,
                commits,
            }) => {
                for committed in &commits {
                    self.fold(&tenant, &store, committed);
                }
                if self.pending.len() >= MAX_EXPORT_BATCH {
                    self.send();
                }
            }
            Some(Message::Flush(done)) => {
                self.send();
                let _ = done.send(());
            }
            Some(Message::Stop) => {
                self.send();
                let _ = self.exporter.shutdown();
                return false;
            }
        }
        true
    }

    fn tenant(&mut self, tenant: &str, location: &Location) -> &mut Tenant {
        self.tenants.entry(tenant.to_string()).or_insert_with(|| {
            // An in-memory store (tests) has nothing to read back or mark. Marks written
            // here are not synced on their own (a power cut at worst sends spans again),
            // so exporting adds no sync to the ones the engine's commits wait for.
            let in_memory = location.file() == Some(std::path::Path::new(":memory:"));
            let store = (!in_memory)
                .then(|| location.open(Durability::Normal))
                .and_then(|opened| {
                    opened
                        .map_err(|e| {
                            tracing::warn!(
                                tenant,
                                error = %e,
                                "traces: cannot open the tenant's store; spans are sent, but not \
                                 read back after a restart"
                            );
                        })
                        .ok()
                });
            Tenant {
                store,
                instances: HashMap::new(),
                ended: HashMap::new(),
                models: Models::default(),
            }
        })
    }

    /// Sends what a tenant's last run committed and did not send.
    fn catch_up(&mut self, tenant: &str, location: &Location) {
        let left = match &self.tenant(tenant, location).store {
            Some(store) => store.trace_outbox().unwrap_or_else(|e| {
                tracing::warn!(error = %e, "traces: cannot read what is left to send");
                Vec::new()
            }),
            None => Vec::new(),
        };
        for (instance, from) in left {
            self.read_back(tenant, instance, from);
        }
        if self.pending.len() >= MAX_EXPORT_BATCH {
            self.send();
        }
    }

    /// Folds one commit's events into its instance's spans.
    fn fold(&mut self, tenant: &str, location: &Location, committed: &Committed) {
        let state = self.tenant(tenant, location);
        if state
            .ended
            .get(&committed.instance)
            .is_some_and(|next| committed.first_seq < *next)
        {
            return;
        }
        let known = state
            .instances
            .get(&committed.instance)
            .map(|spans| spans.next_seq);
        match known {
            // Met midway: read back from the journal what came before (and this commit).
            None if committed.first_seq > 0 => {
                let from = self
                    .tenant(tenant, location)
                    .store
                    .as_ref()
                    .and_then(|store| store.trace_outbox_of(committed.instance).ok().flatten())
                    .unwrap_or(committed.first_seq);
                self.read_back(tenant, committed.instance, from);
                return;
            }
            // Events went missing (a dropped batch): read them back.
            Some(next) if committed.first_seq > next => {
                self.tenant(tenant, location)
                    .instances
                    .remove(&committed.instance);
                self.read_back(tenant, committed.instance, next);
                return;
            }
            _ => {}
        }
        let Exporter {
            tenants, pending, ..
        } = self;
        let Some(state) = tenants.get_mut(tenant) else {
            return;
        };
        let spans = state
            .instances
            .entry(committed.instance)
            .or_insert_with(|| InstanceSpans::new(committed.instance, &committed.process_id));
        let models = &mut ModelsOn {
            models: &mut state.models,
            store: state.store.as_ref(),
        };
        for (offset, event) in committed.events.iter().enumerate() {
            let seq = committed.first_seq + offset as u64;
            if seq < spans.next_seq {
                continue;
            }
            spans.apply(seq, committed.at, event, models, Some(pending));
        }
        let through = spans.next_seq.saturating_sub(1);
        if spans.ended() {
            let next = spans.next_seq;
            state.instances.remove(&committed.instance);
            state.ended.insert(committed.instance, next);
        }
        self.sent
            .push((tenant.to_string(), committed.instance, through));
        self.pending_since.get_or_insert_with(Instant::now);
    }

    /// Reads an instance's journal: events before `from` are folded without giving spans
    /// (they were sent), the rest give theirs.
    fn read_back(&mut self, tenant: &str, instance: InstanceId, from: u64) {
        let Exporter {
            tenants, pending, ..
        } = self;
        let Some(state) = tenants.get_mut(tenant) else {
            return;
        };
        let Some(store) = state.store.as_ref() else {
            return;
        };
        let journal = match store.journal(instance) {
            Ok(journal) => journal,
            Err(e) => {
                tracing::warn!(
                    instance = instance.0,
                    error = %e,
                    "traces: cannot read the journal of an instance"
                );
                return;
            }
        };
        let process_id = store
            .instance(instance)
            .ok()
            .flatten()
            .map(|row| row.process_id)
            .unwrap_or_default();
        let mut spans = InstanceSpans::new(instance, &process_id);
        let models = &mut ModelsOn {
            models: &mut state.models,
            store: Some(store),
        };
        for record in &journal {
            let out = (record.seq >= from).then_some(&mut *pending);
            spans.apply(record.seq, record.at, &record.event, models, out);
        }
        let through = spans.next_seq.saturating_sub(1);
        if spans.ended() {
            state.ended.insert(instance, spans.next_seq);
        } else {
            state.instances.insert(instance, spans);
        }
        self.sent.push((tenant.to_string(), instance, through));
        self.pending_since.get_or_insert_with(Instant::now);
    }

    /// Sends the pending spans, then marks what they cover as sent.
    fn send(&mut self) {
        self.pending_since = None;
        let sent = std::mem::take(&mut self.sent);
        let mut ok = true;
        while !self.pending.is_empty() {
            let rest = self
                .pending
                .split_off(MAX_EXPORT_BATCH.min(self.pending.len()));
            let batch = std::mem::replace(&mut self.pending, rest);
            if let Err(e) = futures_executor::block_on(self.exporter.export(batch)) {
                tracing::warn!(error = %e, "traces could not be sent");
                ok = false;
            }
        }
        if !ok {
            // Left in the outbox: the next start sends them again.
            return;
        }
        let mut by_tenant: HashMap<String, Vec<(InstanceId, u64)>> = HashMap::new();
        for (tenant, instance, through) in sent {
            by_tenant
                .entry(tenant)
                .or_default()
                .push((instance, through));
        }
        for (tenant, through) in by_tenant {
            if let Some(store) = self.tenants.get_mut(&tenant).and_then(|t| t.store.as_mut())
                && let Err(e) = store.traced(&through)
            {
                tracing::warn!(error = %e, "traces: cannot record what was sent");
            }
        }
    }
}

/// Element names and types of deployed process versions, read once from the store.
#[derive(Default)]
struct Models {
    versions: HashMap<(String, u32), HashMap<String, ElementInfo>>,
}

struct ModelsOn<'a> {
    models: &'a mut Models,
    store: Option<&'a AnyStore>,
}

impl Elements for ModelsOn<'_> {
    fn describe(&mut self, process_id: &str, version: u32, element_id: &str) -> ElementInfo {
        let store = self.store;
        let elements = self
            .models
            .versions
            .entry((process_id.to_string(), version))
            .or_insert_with(|| read_elements(store, process_id, version));
        elements.get(element_id).cloned().unwrap_or(ElementInfo {
            name: None,
            kind: "unknown",
        })
    }
}

fn read_elements(
    store: Option<&AnyStore>,
    process_id: &str,
    version: u32,
) -> HashMap<String, ElementInfo> {
    let Some(stored) = store.and_then(|s| {
        s.definition(DefinitionKind::Process, process_id, Some(version))
            .ok()
            .flatten()
    }) else {
        return HashMap::new();
    };
    let graphs =
        baton_runtime::process_graphs(std::path::Path::new(&stored.resource_name), &stored.source)
            .unwrap_or_default();
    graphs
        .iter()
        .filter(|p| p.id == process_id)
        .flat_map(|p| p.nodes.iter())
        .map(|node| {
            let info = ElementInfo {
                name: node.name.clone().filter(|n| !n.trim().is_empty()),
                kind: node.kind.xml_name(),
            };
            (node.id.clone(), info)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_come_from_the_environment_before_baton_toml() {
        let file = TelemetryConfig {
            otlp_endpoint: Some("http://collector:4318/".into()),
            service_name: None,
            schedule_delay_ms: Some(100),
        };
        let none = |_: &str| None;
        let from_file = TraceSettings::resolve(&file, none).expect("valid");
        assert_eq!(
            from_file,
            Some(TraceSettings {
                traces_url: "http://collector:4318/v1/traces".into(),
                service_name: "baton".into(),
                schedule_delay: Duration::from_millis(100),
            })
        );
        let env = |name: &str| match name {
            "OTEL_EXPORTER_OTLP_ENDPOINT" => Some("http://127.0.0.1:9".to_string()),
            "OTEL_EXPORTER_OTLP_PROTOCOL" => Some("http/protobuf".to_string()),
            "OTEL_SERVICE_NAME" => Some("obs".to_string()),
            "OTEL_BSP_SCHEDULE_DELAY" => Some("200".to_string()),
            _ => None,
        };
        let from_env = TraceSettings::resolve(&file, env)
            .expect("valid")
            .expect("on");
        assert_eq!(from_env.traces_url, "http://127.0.0.1:9/v1/traces");
        assert_eq!(from_env.service_name, "obs");
        assert_eq!(from_env.schedule_delay, Duration::from_millis(200));
        assert_eq!(
            TraceSettings::resolve(&TelemetryConfig::default(), none),
            Ok(None),
            "no endpoint, no traces"
        );
        let grpc = |name: &str| (name == "OTEL_EXPORTER_OTLP_PROTOCOL").then(|| "grpc".into());
        assert!(TraceSettings::resolve(&file, grpc).is_err());
    }
}
