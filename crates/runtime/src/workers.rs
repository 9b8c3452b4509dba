//! Remote job workers: jobs whose type has no handler in this process wait in a queue per
//! type until a worker activates them (over HTTP, `baton serve`). Activation hands out a
//! lease: the job belongs to that worker until the lease's deadline, after which it goes
//! back to the queue for another worker. A completion, failure or error is accepted only
//! under a live lease, and the core accepts it only for an open job, so a job completes
//! once, whatever workers do.
//!
//! Leases live in memory: after a restart every open job is activatable again (delivery is
//! at least once; completion stays exactly once).

use std::collections::{BTreeSet, HashMap};

use baton_core::{Command, GlobalKey, InstanceId, Key, Timestamp};
use baton_feel::Context;
use baton_store::Store;

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
}

#[derive(Clone, Debug)]
struct Lease {
    job_type: String,
    deadline: Timestamp,
}

/// Ready jobs by type, and the leases of activated ones.
#[derive(Debug, Default)]
pub(crate) struct RemoteJobs {
    ready: HashMap<String, BTreeSet<(Timestamp, InstanceId, Key)>>,
    leases: HashMap<GlobalKey, Lease>,
    expiries: BTreeSet<(Timestamp, GlobalKey)>,
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
    /// `lease_ms`. Jobs whose lease ran out are activatable again first.
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
            let global = GlobalKey { instance, key };
            self.remote.leases.insert(
                global,
                Lease {
                    job_type: job_type.to_string(),
                    deadline,
                },
            );
            self.remote.expiries.insert((deadline, global));
            activated.push(ActivatedJob {
                job,
                worker: worker.to_string(),
                deadline,
            });
        }
        Ok(activated)
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

    /// Completes a job a remote worker holds (staged; call [`Runtime::flush`]).
    pub fn complete_remote_job(&mut self, job: GlobalKey, variables: Context) -> Result<(), Error> {
        self.check_lease(job)?;
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
        retries: u32,
        message: String,
        retry_backoff_ms: u64,
    ) -> Result<(), Error> {
        self.check_lease(job)?;
        let command = Command::FailJob {
            job: job.key,
            retries,
            message,
            retry_backoff_ms,
        };
        self.finish_remote(job, command)
    }

    /// Throws a BPMN error from the task of a job a remote worker holds.
    pub fn throw_remote_error(
        &mut self,
        job: GlobalKey,
        code: String,
        message: String,
        variables: Context,
    ) -> Result<(), Error> {
        self.check_lease(job)?;
        let command = Command::ThrowError {
            job: job.key,
            code,
            message,
            variables,
        };
        self.finish_remote(job, command)
    }

    fn check_lease(&mut self, job: GlobalKey) -> Result<(), Error> {
        let now = self.now();
        self.expire_leases(now);
        if self.remote.leases.contains_key(&job) {
            Ok(())
        } else {
            Err(Error::JobNotActivated(job))
        }
    }

    fn finish_remote(&mut self, job: GlobalKey, command: Command) -> Result<(), Error> {
        let result = self.execute(job.instance, command);
        // Done, or refused by the instance (the job was cancelled meanwhile): either way
        // the lease is over. A system failure keeps it, so the worker may retry.
        if result
            .as_ref()
            .map_or_else(Error::is_input_error, |()| true)
        {
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
