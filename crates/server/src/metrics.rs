//! Prometheus metrics: what `GET /metrics` serves and `baton metrics` prints, in the text
//! exposition format 0.0.4 (counters end in `_total`, every family has its help line).
//!
//! Each [`Metrics`] has its own registry (no process-wide globals), so servers in one
//! process, as in tests, count apart. Values come from three places:
//!
//! - committed journal events: each tenant's lane hands every batch's commits to its
//!   [`LaneMetrics`] (instances started, completed, terminated; incidents raised; jobs
//!   created, activated, completed, failed; element durations, from `element_activating` to
//!   `element_completed` or `element_terminated`, by the commits' times), so nothing is
//!   counted that a crash could take back;
//! - the runtime and the API: store commit latency and batch size
//!   ([`baton_runtime::Runtime::observe_commits`]), each HTTP request
//!   ([`Metrics::observe_request`]);
//! - scrape time: gauges that must be right whatever happened before (open incidents,
//!   counted in the store, so a restart does not reset them; job queues; open event
//!   streams), set by [`Metrics::set_gauges`].
//!
//! Labels are bounded: process ids, BPMN element types, job types, HTTP route templates
//! and statuses, never instance ids or variable values.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use baton_core::{Event, InstanceId, Key, Timestamp};
use baton_runtime::{CommitStats, Committed, QueuedJobs};
use baton_store::{IncidentCount, JobFilter, QueryStore as _};
use prometheus::{
    Encoder as _, GaugeVec, Histogram, HistogramOpts, HistogramVec, IntCounterVec, IntGauge,
    IntGaugeVec, Opts, Registry, TextEncoder,
};

use crate::engine::Rt;

/// The media type of the text exposition format (what Prometheus 2 asks for first).
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// The element type of a process instance itself in `baton_element_duration_seconds`.
pub const PROCESS_ELEMENT_TYPE: &str = "process";

/// Element instances (and jobs) followed per tenant at most: a bound on memory whatever
/// the load. Past it new ones are not observed (their durations or job types are missed)
/// until others end.
const MAX_FOLLOWED: usize = 200_000;

/// Every metric family Baton exposes.
pub struct Metrics {
    registry: Registry,
    instances_started: IntCounterVec,
    instances_completed: IntCounterVec,
    instances_terminated: IntCounterVec,
    incidents_raised: IntCounterVec,
    incidents_open: IntGaugeVec,
    element_duration: HistogramVec,
    jobs_created: IntCounterVec,
    jobs_activated: IntCounterVec,
    jobs_completed: IntCounterVec,
    jobs_failed: IntCounterVec,
    job_queue_depth: IntGaugeVec,
    job_queue_oldest_age: GaugeVec,
    commit_duration: Histogram,
    commit_batch_size: Histogram,
    http_duration: HistogramVec,
    event_streams: IntGauge,
    /// Scrapes set the gauges, then render: one at a time, so two scrapes do not mix.
    scrape: Mutex<()>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Metrics")
    }
}

impl Default for Metrics {
    fn default() -> Metrics {
        Metrics::new()
    }
}

/// What the gauges show at a scrape, summed over tenants.
#[derive(Debug, Default)]
pub struct Gauges {
    /// Jobs waiting to be run, with the earliest due time, by type.
    pub queues: Vec<QueuedJobs>,
    /// Open incidents by process.
    pub incidents: Vec<IncidentCount>,
    /// Open `/v1/events` streams.
    pub event_streams: usize,
    /// The time the ages of due jobs are measured at.
    pub now: Timestamp,
}

fn counter(registry: &Registry, name: &str, help: &str, labels: &[&str]) -> IntCounterVec {
    let metric = IntCounterVec::new(Opts::new(name, help), labels).expect("a valid metric name");
    registry
        .register(Box::new(metric.clone()))
        .expect("metric names are unique");
    metric
}

fn histogram(
    registry: &Registry,
    name: &str,
    help: &str,
    labels: &[&str],
    buckets: &[f64],
) -> HistogramVec {
    let opts = HistogramOpts::new(name, help).buckets(buckets.to_vec());
    let metric = HistogramVec::new(opts, labels).expect("a valid metric name");
    registry
        .register(Box::new(metric.clone()))
        .expect("metric names are unique");
    metric
}

/// Element instances run from milliseconds (a gateway) to days (a person's task).
const ELEMENT_BUCKETS: &[f64] = &[
    0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 30.0, 60.0, 300.0, 1800.0, 3600.0, 21600.0,
    86400.0, 604800.0,
];
/// A commit is one transaction and one sync: from a fraction of a millisecond (memory,
/// relaxed) to hundreds (a slow disk).
const COMMIT_BUCKETS: &[f64] = &[
    0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
];
const BATCH_BUCKETS: &[f64] = &[1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 500.0, 1000.0];
const HTTP_BUCKETS: &[f64] = &[
    0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0,
];

impl Metrics {
    pub fn new() -> Metrics {
        let registry = Registry::new();
        let r = &registry;
        let build_info = IntGaugeVec::new(
            Opts::new("baton_build_info", "The Baton version serving, always 1"),
            &["version"],
        )
        .expect("a valid metric name");
        build_info
            .with_label_values(&[env!("CARGO_PKG_VERSION")])
            .set(1);
        r.register(Box::new(build_info))
            .expect("metric names are unique");
        let gauge = |name: &str, help: &str, labels: &[&str]| {
            let metric = IntGaugeVec::new(Opts::new(name, help), labels).expect("a valid name");
            r.register(Box::new(metric.clone()))
                .expect("metric names are unique");
            metric
        };
        let incidents_open = gauge(
            "baton_incidents_open",
            "Open incidents, by process id (counted in the store at each scrape)",
            &["process_id"],
        );
        let job_queue_depth = gauge(
            "baton_job_queue_depth",
            "Jobs waiting for a handler or a worker (not leased), by job type",
            &["type"],
        );
        let job_queue_oldest_age = GaugeVec::new(
            Opts::new(
                "baton_job_queue_oldest_due_age_seconds",
                "How long the earliest due waiting job of a type has been due (0 when none is due yet)",
            ),
            &["type"],
        )
        .expect("a valid metric name");
        r.register(Box::new(job_queue_oldest_age.clone()))
            .expect("metric names are unique");
        let event_streams = IntGauge::new(
            "baton_event_streams_open",
            "Open server-sent event streams (GET /v1/events)",
        )
        .expect("a valid metric name");
        r.register(Box::new(event_streams.clone()))
            .expect("metric names are unique");
        let single = |name: &str, help: &str, buckets: &[f64]| {
            let metric =
                Histogram::with_opts(HistogramOpts::new(name, help).buckets(buckets.to_vec()))
                    .expect("a valid metric name");
            r.register(Box::new(metric.clone()))
                .expect("metric names are unique");
            metric
        };
        Metrics {
            instances_started: counter(
                r,
                "baton_instances_started_total",
                "Process instances started, by process id",
                &["process_id"],
            ),
            instances_completed: counter(
                r,
                "baton_instances_completed_total",
                "Process instances that completed, by process id",
                &["process_id"],
            ),
            instances_terminated: counter(
                r,
                "baton_instances_terminated_total",
                "Process instances cancelled (terminated), by process id",
                &["process_id"],
            ),
            incidents_raised: counter(
                r,
                "baton_incidents_raised_total",
                "Incidents raised in process instances, by process id",
                &["process_id"],
            ),
            incidents_open,
            element_duration: histogram(
                r,
                "baton_element_duration_seconds",
                "Element instances from activation to completion or termination, by process id \
                 and BPMN element type (process for the instance itself)",
                &["process_id", "element_type"],
                ELEMENT_BUCKETS,
            ),
            jobs_created: counter(
                r,
                "baton_jobs_created_total",
                "Jobs created, by job type",
                &["type"],
            ),
            jobs_activated: counter(
                r,
                "baton_jobs_activated_total",
                "Jobs handed to remote workers (each activation), by job type",
                &["type"],
            ),
            jobs_completed: counter(
                r,
                "baton_jobs_completed_total",
                "Jobs completed, by job type",
                &["type"],
            ),
            jobs_failed: counter(
                r,
                "baton_jobs_failed_total",
                "Failed job attempts, by job type",
                &["type"],
            ),
            job_queue_depth,
            job_queue_oldest_age,
            commit_duration: single(
                "baton_store_commit_duration_seconds",
                "Store commits (one transaction and sync for a batch of journal appends)",
                COMMIT_BUCKETS,
            ),
            commit_batch_size: single(
                "baton_store_commit_batch_size",
                "Journal appends (commands' events, one instance each) per store commit",
                BATCH_BUCKETS,
            ),
            http_duration: histogram(
                r,
                "baton_http_request_duration_seconds",
                "HTTP requests, by method, route template and status",
                &["method", "route", "status"],
                HTTP_BUCKETS,
            ),
            event_streams,
            registry,
            scrape: Mutex::new(()),
        }
    }

    /// Counts a store commit's latency and size.
    pub fn observe_commit(&self, stats: CommitStats) {
        self.commit_duration.observe(stats.duration.as_secs_f64());
        self.commit_batch_size.observe(stats.appends as f64);
    }

    /// A commit observer for [`baton_runtime::Runtime::observe_commits`].
    pub fn commit_observer(self: &Arc<Self>) -> baton_runtime::CommitObserver {
        let metrics = self.clone();
        Arc::new(move |stats| metrics.observe_commit(stats))
    }

    /// Counts an HTTP request: `route` is the matched route template (`/v1/jobs/{key}/fail`).
    pub fn observe_request(&self, method: &str, route: &str, status: u16, took: Duration) {
        self.http_duration
            .with_label_values(&[method, route, &status.to_string()])
            .observe(took.as_secs_f64());
    }

    /// Sets the scrape-time gauges and renders every family: what `GET /metrics` answers.
    pub fn scrape(&self, gauges: &Gauges) -> String {
        let _one_at_a_time = self.scrape.lock().unwrap_or_else(PoisonError::into_inner);
        self.set_gauges(gauges);
        self.render()
    }

    fn set_gauges(&self, gauges: &Gauges) {
        self.incidents_open.reset();
        for count in &gauges.incidents {
            self.incidents_open
                .with_label_values(&[count.process_id.as_str()])
                .add(i64::try_from(count.open).unwrap_or(i64::MAX));
        }
        self.job_queue_depth.reset();
        self.job_queue_oldest_age.reset();
        for queue in &gauges.queues {
            let label = [queue.job_type.as_str()];
            self.job_queue_depth
                .with_label_values(&label)
                .add(i64::try_from(queue.count).unwrap_or(i64::MAX));
            let age_ms = gauges.now.0.saturating_sub(queue.oldest_due.0).max(0);
            let age = self.job_queue_oldest_age.with_label_values(&label);
            // Summed over tenants, the oldest of them wins.
            age.set(age.get().max(age_ms as f64 / 1000.0));
        }
        self.event_streams
            .set(i64::try_from(gauges.event_streams).unwrap_or(i64::MAX));
    }

    /// Every family with samples, in the text exposition format 0.0.4.
    pub fn render(&self) -> String {
        let mut out = Vec::new();
        // Encoding into memory fails only on a family without a name or type, which the
        // constructors above rule out; an empty answer is then the honest fallback.
        if TextEncoder::new()
            .encode(&self.registry.gather(), &mut out)
            .is_err()
        {
            return String::new();
        }
        String::from_utf8(out).unwrap_or_default()
    }

    fn observe_element(&self, process_id: &str, element_type: &str, took_ms: i64) {
        self.element_duration
            .with_label_values(&[process_id, element_type])
            .observe(took_ms.max(0) as f64 / 1000.0);
    }
}

/// Families `baton metrics` leaves out: they measure a running server (its commits, its
/// requests, its streams), which projections do not record.
const SERVER_ONLY: &[&str] = &[
    "baton_store_commit_duration_seconds",
    "baton_store_commit_batch_size",
    "baton_http_request_duration_seconds",
    "baton_event_streams_open",
];

/// `baton metrics`: the families a store's projections can tell, for an embedded store.
/// Instance counters are instances by state (started: all of them; completed; terminated:
/// cancelled), incidents raised and open are incident rows, element durations come from
/// ended element instances' start and end times, job queues from open ready jobs. Jobs
/// created, activated, completed and failed are not in the projections (a job's row goes
/// when it ends) and are left out, as are the families only a running server measures.
pub fn projected(rt: &mut Rt) -> Result<String, baton_runtime::Error> {
    let metrics = Metrics::new();
    let store = rt.store();
    for count in store.instance_counts()? {
        let process = [count.process_id.as_str()];
        metrics
            .instances_started
            .with_label_values(&process)
            .inc_by(count.count);
        let counter = match count.state.as_str() {
            "completed" => &metrics.instances_completed,
            "cancelled" => &metrics.instances_terminated,
            _ => continue,
        };
        counter.with_label_values(&process).inc_by(count.count);
    }
    let incidents = store.incident_totals()?;
    for count in &incidents {
        metrics
            .incidents_raised
            .with_label_values(&[count.process_id.as_str()])
            .inc_by(count.raised);
    }
    let mut queues: BTreeMap<String, (usize, Timestamp)> = BTreeMap::new();
    let ready = store.jobs(&JobFilter {
        ready_only: true,
        ..JobFilter::default()
    })?;
    for job in ready {
        let entry = queues.entry(job.job_type).or_insert((0, job.due));
        entry.0 += 1;
        entry.1 = entry.1.min(job.due);
    }
    let durations = store.element_durations()?;
    let mut types: HashMap<(String, u32), Arc<BTreeMap<String, &'static str>>> = HashMap::new();
    for group in durations {
        let key = (group.process_id.clone(), group.version);
        let element_types = match types.get(&key) {
            Some(types) => types.clone(),
            None => {
                let found = element_types(rt, &group.process_id, group.version);
                types.insert(key, found.clone());
                found
            }
        };
        let element_type = element_types
            .get(&group.element_id)
            .copied()
            .unwrap_or("unknown");
        for _ in 0..group.count {
            metrics.observe_element(&group.process_id, element_type, group.duration_ms);
        }
    }
    let gauges = Gauges {
        queues: queues
            .into_iter()
            .map(|(job_type, (count, oldest_due))| QueuedJobs {
                job_type,
                count,
                oldest_due,
            })
            .collect(),
        incidents,
        event_streams: 0,
        now: rt.now(),
    };
    metrics.set_gauges(&gauges);
    let families: Vec<_> = metrics
        .registry
        .gather()
        .into_iter()
        .filter(|family| !SERVER_ONLY.contains(&family.name()))
        .collect();
    let mut out = Vec::new();
    TextEncoder::new()
        .encode(&families, &mut out)
        .map_err(|e| baton_store::Error::Corrupt(format!("metrics do not encode: {e}")))?;
    Ok(String::from_utf8_lossy(&out).into_owned())
}

/// The BPMN element type of each element of a process version, by element id (empty when
/// the version cannot be read: its elements count as `unknown`).
fn element_types(
    rt: &mut Rt,
    process_id: &str,
    version: u32,
) -> Arc<BTreeMap<String, &'static str>> {
    let Ok(def) = rt.definition(process_id, Some(version)) else {
        return Arc::default();
    };
    Arc::new(
        def.graph()
            .nodes
            .iter()
            .map(|node| (node.id.clone(), node.kind.xml_name()))
            .collect(),
    )
}

/// What one tenant's lane follows between commits to turn events into metrics: element
/// instances that are running (their start time and type), the type of each open job, and
/// the element types of each process version seen. After a restart it knows the open
/// jobs again from the store; an element whose start it did not see is not observed.
pub struct LaneMetrics {
    metrics: Arc<Metrics>,
    running: HashMap<(InstanceId, Key), (Timestamp, &'static str)>,
    job_types: HashMap<(InstanceId, Key), Arc<str>>,
    element_types: HashMap<(String, u32), Arc<BTreeMap<String, &'static str>>>,
}

impl LaneMetrics {
    pub fn new(metrics: Arc<Metrics>) -> LaneMetrics {
        LaneMetrics {
            metrics,
            running: HashMap::new(),
            job_types: HashMap::new(),
            element_types: HashMap::new(),
        }
    }

    /// Starts following `rt`: its commits are measured, and the types of its open jobs
    /// are read from its store, so completing a job opened before a restart counts under
    /// its type.
    pub fn follow(&mut self, rt: &mut Rt) {
        rt.observe_commits(self.metrics.commit_observer());
        self.running.clear();
        self.job_types.clear();
        if let Ok(jobs) = rt.store().jobs(&JobFilter::default()) {
            for job in jobs.into_iter().take(MAX_FOLLOWED) {
                self.job_types
                    .insert((job.instance, job.key), Arc::from(job.job_type.as_str()));
            }
        }
    }

    /// Counts what a batch committed.
    pub fn observe(&mut self, rt: &mut Rt, commits: &[Committed]) {
        for commit in commits {
            for event in &commit.events {
                self.observe_event(rt, commit, event);
            }
        }
    }

    fn observe_event(&mut self, rt: &mut Rt, commit: &Committed, event: &Event) {
        let m = &*self.metrics;
        let process = [commit.process_id.as_str()];
        let job_type = |types: &HashMap<(InstanceId, Key), Arc<str>>, key: &Key| {
            types
                .get(&(commit.instance, *key))
                .cloned()
                .unwrap_or_else(|| Arc::from("unknown"))
        };
        match event {
            Event::InstanceCreated { .. } => m.instances_started.with_label_values(&process).inc(),
            Event::InstanceCompleted {} => m.instances_completed.with_label_values(&process).inc(),
            Event::InstanceCancelled {} => m.instances_terminated.with_label_values(&process).inc(),
            Event::IncidentCreated { .. } => m.incidents_raised.with_label_values(&process).inc(),
            Event::ElementActivating {
                key,
                element,
                scope,
                ..
            } => {
                if self.running.len() >= MAX_FOLLOWED {
                    return;
                }
                let element_type = match scope {
                    None => PROCESS_ELEMENT_TYPE,
                    Some(_) => self.element_type(rt, commit, element),
                };
                self.running
                    .insert((commit.instance, *key), (commit.at, element_type));
            }
            Event::ElementCompleted { key } | Event::ElementTerminated { key } => {
                if let Some((started, element_type)) = self.running.remove(&(commit.instance, *key))
                {
                    m.observe_element(&commit.process_id, element_type, commit.at.0 - started.0);
                }
            }
            Event::JobCreated {
                key, job_type: t, ..
            } => {
                m.jobs_created.with_label_values(&[t.as_str()]).inc();
                if self.job_types.len() < MAX_FOLLOWED {
                    self.job_types
                        .insert((commit.instance, *key), Arc::from(t.as_str()));
                }
            }
            Event::JobCompleted { key } => {
                let t = job_type(&self.job_types, key);
                m.jobs_completed.with_label_values(&[&*t]).inc();
                self.job_types.remove(&(commit.instance, *key));
            }
            // Journaled when a worker leases the job: each activation counts.
            Event::JobActivated { key, .. } => {
                let t = job_type(&self.job_types, key);
                m.jobs_activated.with_label_values(&[&*t]).inc();
            }
            Event::JobFailed { key, .. } => {
                let t = job_type(&self.job_types, key);
                m.jobs_failed.with_label_values(&[&*t]).inc();
            }
            Event::JobErrorThrown { key, .. } | Event::JobCancelled { key } => {
                self.job_types.remove(&(commit.instance, *key));
            }
            _ => {}
        }
    }

    /// The BPMN element type of `element` in the process version `commit` ran, from the
    /// deployed definition (read once per version).
    fn element_type(&mut self, rt: &mut Rt, commit: &Committed, element: &str) -> &'static str {
        let version = (commit.process_id.clone(), commit.version);
        let types = match self.element_types.get(&version) {
            Some(types) => types.clone(),
            None => {
                let types = element_types(rt, &commit.process_id, commit.version);
                self.element_types.insert(version, types.clone());
                types
            }
        };
        types.get(element).copied().unwrap_or("unknown")
    }
}
