//! Remote job workers: jobs whose type has no handler in this process wait in a queue per
//! type until a worker activates them (over HTTP, `baton serve`). Activation hands out a
//! lease: the job belongs to that worker until the lease's deadline, after which it goes
//! back to the queue for another worker. A completion, failure or error is accepted only
//! under a live lease, and the core accepts it only for an open job, so a job completes
//! once, whatever workers do.
//!
//! Each activation gets a new opaque lease id. A worker that sends it back with its
//! outcome is fenced: once its lease ran out and another worker activated the job, the
//! stale id is refused ([`Error::StaleLease`]) and changes nothing, so a worker that
//! stalled cannot overwrite the work of the one that took over. Without a lease id the
//! outcome is accepted under whichever lease is live (the API's older behaviour).
//!
//! An activation is journaled (`job_activated@1`: the worker and the lease's deadline), and
//! the answer goes out only once that is committed ([`Runtime::activate_jobs`] stages; the
//! caller flushes). So after a restart ([`Runtime::recover`]) a job whose lease has not run
//! out goes to no other worker until it does; then it is activatable again (delivery is at
//! least once; completion stays exactly once). Lease ids themselves are not journaled: they
//! come from a seed drawn from the operating system's random numbers when the runtime
//! starts ([`LeaseIds`]), so an id from before a restart is never current after it (the
//! worker may still finish the job without one while the lease lasts), and nobody can
//! guess another worker's id from their own.

use std::collections::{BTreeSet, HashMap};

use baton_core::{Command, Event, GlobalKey, IncidentKind, InstanceId, Key, Rejection, Timestamp};
use baton_feel::Context;
use baton_store::Store;
use sha2::{Digest as _, Sha256};

use crate::error::Error;
use crate::handler::JobRequest;
use crate::runtime::Runtime;

/// A job handed to a remote worker.
#[derive(Clone, Debug)]
pub struct ActivatedJob {
    pub job: JobRequest,
    pub worker: String,
    /// Until when the job is this worker's.
    pub deadline: Timestamp,
    /// This activation's lease: send it back with the outcome to be fenced against
    /// workers that held the job before or after.
    pub lease_id: String,
    /// The W3C trace context of this attempt's span, in the instance's trace.
    pub traceparent: String,
}

#[derive(Clone, Debug)]
struct Lease {
    id: String,
    job_type: String,
    deadline: Timestamp,
}

/// Ready jobs by type, and the leases of activated ones.
#[derive(Debug)]
pub(crate) struct RemoteJobs {
    ready: HashMap<String, BTreeSet<(Timestamp, InstanceId, Key)>>,
    leases: HashMap<GlobalKey, Lease>,
    expiries: BTreeSet<(Timestamp, GlobalKey)>,
    lease_ids: LeaseIds,
}

impl Default for RemoteJobs {
    fn default() -> RemoteJobs {
        RemoteJobs {
            ready: HashMap::new(),
            leases: HashMap::new(),
            expiries: BTreeSet::new(),
            lease_ids: LeaseIds::from_os(),
        }
    }
}

/// Lease ids: the first 128 bits of SHA-256 over a per-process seed and a counter, as hex.
/// The counter makes them unique within the process; the seed, new at each start, makes
/// them unique across restarts and unguessable without it. Randomness enters only through
/// the seed, so everything else here is a plain function of it.
#[derive(Debug)]
pub(crate) struct LeaseIds {
    seed: [u8; 32],
    issued: u64,
}

impl LeaseIds {
    fn new(seed: [u8; 32]) -> LeaseIds {
        LeaseIds { seed, issued: 0 }
    }

    /// A seed from the operating system. Should it fail (it practically never does), the
    /// seed is made of the clock and the process id instead: that still differs from one
    /// start to the next, which is what fencing needs, but can be guessed.
    fn from_os() -> LeaseIds {
        let mut seed = [0u8; 32];
        if getrandom::fill(&mut seed).is_err() {
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos());
            let mut hash = Sha256::new();
            hash.update(nanos.to_le_bytes());
            hash.update(std::process::id().to_le_bytes());
            seed = hash.finalize().into();
        }
        LeaseIds::new(seed)
    }

    fn next(&mut self) -> String {
        self.issued += 1;
        let mut hash = Sha256::new();
        hash.update(self.seed);
        hash.update(self.issued.to_le_bytes());
        hash.finalize()[..16]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}

impl RemoteJobs {
    pub(crate) fn push(&mut self, job_type: &str, due: Timestamp, instance: InstanceId, key: Key) {
        let job = GlobalKey { instance, key };
        if let Some(lease) = self.leases.remove(&job) {
            // A failed job announced again (with its retry time) is no longer leased.
            self.expiries.remove(&(lease.deadline, job));
        }
        self.ready
            .entry(job_type.to_string())
            .or_default()
            .insert((due, instance, key));
    }

    /// Jobs waiting for or held by remote workers.
    pub(crate) fn len(&self) -> usize {
        self.ready.values().map(BTreeSet::len).sum::<usize>() + self.leases.len()
    }

    /// Leases `job` until `deadline` under `id`.
    fn lease(&mut self, job: GlobalKey, job_type: &str, deadline: Timestamp, id: String) {
        self.leases.insert(
            job,
            Lease {
                id,
                job_type: job_type.to_string(),
                deadline,
            },
        );
        self.expiries.insert((deadline, job));
    }

    /// A job a worker activated before a restart, whose lease runs until `deadline`: it
    /// goes to nobody else before then. Its lease id is new and nobody has it, so the
    /// worker's id from before the restart is stale (it may finish the job without one).
    pub(crate) fn recover_lease(
        &mut self,
        job_type: &str,
        instance: InstanceId,
        key: Key,
        deadline: Timestamp,
    ) {
        let id = self.lease_ids.next();
        self.lease(GlobalKey { instance, key }, job_type, deadline, id);
    }

    /// Drops the queued jobs and leases of the instances `gone` says (cluster mode: they
    /// are another node's now).
    pub(crate) fn forget_where(&mut self, gone: &impl Fn(InstanceId) -> bool) {
        for ready in self.ready.values_mut() {
            ready.retain(|(_, instance, _)| !gone(*instance));
        }
        self.leases.retain(|job, _| !gone(job.instance));
        self.expiries.retain(|(_, job)| !gone(job.instance));
    }

    /// Whether a remote worker holds `job` now (as far as memory knows).
    pub(crate) fn is_leased(&self, job: GlobalKey) -> bool {
        self.leases.contains_key(&job)
    }

    /// Every job waiting for a worker, with its type (entries of jobs that ended
    /// meanwhile included: they are dropped when activation reaches them).
    pub(crate) fn queued(&self) -> impl Iterator<Item = (&str, &(Timestamp, InstanceId, Key))> {
        self.ready
            .iter()
            .flat_map(|(job_type, ready)| ready.iter().map(move |entry| (job_type.as_str(), entry)))
    }

    fn release(&mut self, job: GlobalKey) {
        if let Some(lease) = self.leases.remove(&job) {
            self.expiries.remove(&(lease.deadline, job));
        }
    }

    /// Whether a job of `job_type` is due at `now` (the queue is ordered by due time, so
    /// its first entry tells).
    fn has_due(&self, job_type: &str, now: Timestamp) -> bool {
        self.ready
            .get(job_type)
            .and_then(|q| q.first())
            .is_some_and(|(due, _, _)| *due <= now)
    }
}

impl<S: Store> Runtime<S> {
    /// Activates up to `max_jobs` due jobs of `job_type` for `worker`, each leased for
    /// `lease_ms`. Jobs whose lease ran out are activatable again first. The activations
    /// are staged (one command per job): answer the worker only after
    /// [`Runtime::flush`], and if that fails, hand the jobs back with
    /// [`Runtime::unlease`].
    pub fn activate_jobs(
        &mut self,
        job_type: &str,
        worker: &str,
        max_jobs: usize,
        lease_ms: u64,
    ) -> Result<Vec<ActivatedJob>, Error> {
        let now = self.now();
        self.expire_leases(now);
        let mut activated = Vec::new();
        while activated.len() < max_jobs {
            let next = self.remote.ready.get_mut(job_type).and_then(|queue| {
                let first = *queue.first()?;
                (first.0 <= now).then(|| queue.pop_first()).flatten()
            });
            let Some((_, instance, key)) = next else {
                break;
            };
            // Gone meanwhile (completed by a handler, cancelled): skip it.
            let Ok(Some(job)) = self.job_request(instance, key) else {
                continue;
            };
            let deadline = now.plus_millis(lease_ms);
            let command = Command::ActivateJob {
                job: key,
                worker: worker.to_string(),
                deadline,
            };
            match self.execute(instance, command) {
                Ok(()) => {}
                // Closed by the instance meanwhile: nothing to hand out.
                Err(Error::Rejected(rejection)) if !matches!(rejection, Rejection::Internal(_)) => {
                    continue;
                }
                Err(error) => {
                    // The worker gets the error, not these jobs: they go back to the queue.
                    self.remote.push(job_type, now, instance, key);
                    self.unlease(&activated);
                    return Err(error);
                }
            }
            let traceparent = self
                .instances
                .get(&instance)
                .and_then(|state| {
                    let attempt = state.jobs.get(&key)?.attempt;
                    let trace_id = crate::traces::trace_id_of(state);
                    let span = crate::traces::span_id(
                        &trace_id,
                        crate::traces::SpanOf::JobAttempt(key, attempt),
                    );
                    Some(crate::traces::traceparent(&trace_id, &span))
                })
                .unwrap_or_default();
            let global = GlobalKey { instance, key };
            let lease_id = self.remote.lease_ids.next();
            self.remote
                .lease(global, job_type, deadline, lease_id.clone());
            activated.push(ActivatedJob {
                job,
                worker: worker.to_string(),
                deadline,
                lease_id,
                traceparent,
            });
        }
        Ok(activated)
    }

    /// Puts jobs back in their queue whose activation could not be committed.
    pub fn unlease(&mut self, jobs: &[ActivatedJob]) {
        let now = self.now();
        for activated in jobs {
            let job = activated.job.key;
            self.remote.release(job);
            self.remote
                .push(&activated.job.job_type, now, job.instance, job.key);
        }
    }

    /// Whether a call to [`Runtime::activate_jobs`] for `job_type` would find a job now.
    pub fn has_activatable_jobs(&mut self, job_type: &str) -> bool {
        let now = self.now();
        self.expire_leases(now);
        self.remote.has_due(job_type, now)
    }

    /// When, after `after`, the next lease runs out or the next queued remote job becomes
    /// due, whichever is first: the time a waiting worker may get a job without any new
    /// command. The caller passes the time it last offered jobs to its waiting workers:
    /// what was due by then was found, and reporting it again would have the server wake
    /// at once, and again, while nobody asks for it.
    pub fn next_remote_change(&self, after: Timestamp) -> Option<Timestamp> {
        let after = Timestamp(after.0.saturating_add(1));
        let expiry = self
            .remote
            .expiries
            .range(
                (
                    after,
                    GlobalKey {
                        instance: InstanceId(0),
                        key: Key(0),
                    },
                )..,
            )
            .next()
            .map(|(at, _)| *at);
        let due = self
            .remote
            .ready
            .values()
            .filter_map(|q| {
                q.range((after, InstanceId(0), Key(0))..)
                    .next()
                    .map(|(due, _, _)| *due)
            })
            .min();
        expiry.into_iter().chain(due).min()
    }

    /// Completes a job a remote worker holds (staged; call [`Runtime::flush`]). With a
    /// `lease` id, only under that lease (see the module docs).
    pub fn complete_remote_job(
        &mut self,
        job: GlobalKey,
        lease: Option<&str>,
        variables: Context,
    ) -> Result<(), Error> {
        self.check_lease(job, lease)?;
        let command = Command::CompleteJob {
            job: job.key,
            variables,
        };
        self.finish_remote(job, command)
    }

    /// Fails a job a remote worker holds: with retries left it is activatable again after
    /// `retry_backoff_ms`; with none, an incident.
    pub fn fail_remote_job(
        &mut self,
        job: GlobalKey,
        lease: Option<&str>,
        retries: u32,
        message: String,
        retry_backoff_ms: u64,
    ) -> Result<(), Error> {
        self.check_lease(job, lease)?;
        let command = Command::FailJob {
            job: job.key,
            retries,
            message,
            retry_backoff_ms,
            incident: IncidentKind::JobNoRetries,
        };
        self.finish_remote(job, command)
    }

    /// Throws a BPMN error from the task of a job a remote worker holds.
    pub fn throw_remote_error(
        &mut self,
        job: GlobalKey,
        lease: Option<&str>,
        code: String,
        message: String,
        variables: Context,
    ) -> Result<(), Error> {
        self.check_lease(job, lease)?;
        let command = Command::ThrowError {
            job: job.key,
            code,
            message,
            variables,
        };
        self.finish_remote(job, command)
    }

    /// `Ok` when `job` is leased, and under `lease` if one is given. Otherwise says why:
    /// another worker's lease is current, the job is not leased at all, or there never was
    /// such a job.
    fn check_lease(&mut self, job: GlobalKey, lease: Option<&str>) -> Result<(), Error> {
        let now = self.now();
        self.expire_leases(now);
        match self.remote.leases.get(&job) {
            Some(current) if lease.is_some_and(|given| given != current.id) => {
                Err(Error::StaleLease(job))
            }
            Some(_) => Ok(()),
            None if self.job_ever_created(job)? => Err(Error::JobNotActivated(job)),
            None => Err(Error::UnknownJob(job)),
        }
    }

    /// Whether `job` is or was a job of its instance (open, or completed, failed or
    /// cancelled since), as committed: a worker learns a job's key only after its commit.
    /// Asked only on the way to an error, so reading the journal is fine.
    fn job_ever_created(&self, job: GlobalKey) -> Result<bool, Error> {
        if self.store().instance(job.instance)?.is_none() {
            return Ok(false);
        }
        let journal = self.store().journal(job.instance)?;
        Ok(journal
            .iter()
            .any(|record| matches!(record.event, Event::JobCreated { key, .. } if key == job.key)))
    }

    fn finish_remote(&mut self, job: GlobalKey, command: Command) -> Result<(), Error> {
        let result = self.execute(job.instance, command);
        // Done, or refused by the instance (the job was cancelled meanwhile): either way
        // the lease is over. A system failure keeps it, so the worker may retry; so does
        // an outcome refused for what it says (a listener's BPMN error, a task listener's
        // variables): the job is still open, and the worker's to finish another way.
        let over = match &result {
            Ok(()) => true,
            Err(Error::Rejected(
                Rejection::ListenerThrows { .. }
                | Rejection::ListenerVariables { .. }
                | Rejection::TooDeep(_),
            )) => false,
            Err(error) => error.is_input_error(),
        };
        if over {
            self.remote.release(job);
        }
        result
    }

    /// Puts jobs whose lease ran out back into their queue.
    fn expire_leases(&mut self, now: Timestamp) {
        while let Some(&(deadline, job)) = self.remote.expiries.first() {
            if deadline > now {
                break;
            }
            self.remote.expiries.pop_first();
            if let Some(lease) = self.remote.leases.remove(&job) {
                self.remote
                    .ready
                    .entry(lease.job_type)
                    .or_default()
                    .insert((now, job.instance, job.key));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::LeaseIds;

    #[test]
    fn lease_ids_follow_from_the_seed_alone() {
        let take = |seed: u8| {
            let mut ids = LeaseIds::new([seed; 32]);
            [ids.next(), ids.next()]
        };
        let [first, second] = take(1);
        assert_ne!(first, second, "one seed never repeats an id");
        assert_eq!(
            take(1),
            [first.clone(), second],
            "the same seed, the same ids"
        );
        assert!(
            !take(2).contains(&first),
            "another seed (a restart) gives other ids"
        );
        assert!(first.len() == 32 && first.bytes().all(|b| b.is_ascii_hexdigit()));
    }
}
