//! Per-provider limits of `[llm.providers.NAME]`: requests in flight (`max_concurrency`),
//! requests and tokens in the last minute (`requests_per_min`, `tokens_per_min`).
//!
//! A task that would go over a limit does not block its thread: [`Limits::take`] says how
//! long to wait, and the job goes back to the queue for that long ([`JobResult::Wait`]),
//! so one busy provider never holds the jobs of another. The windows are kept in memory,
//! per runtime: they pace this process's requests, as a provider's own limits are per key.
//!
//! [`JobResult::Wait`]: crate::handler::JobResult::Wait

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::Duration;

use baton_core::Timestamp;
use baton_llm::config::ProviderSettings;

/// The window of `requests_per_min` and `tokens_per_min`.
const MINUTE_MS: i64 = 60_000;

/// How soon a task that found every request slot taken looks again. A runtime runs its
/// due jobs in batches and waits for the whole batch, so the slots a batch took are free
/// again by the time a waiting task is looked at: a short poll lets it run in the very
/// next batch (100 ms here made `max_concurrency = 1` cost about 100 ms per task).
const SLOT_POLL: Duration = Duration::from_millis(5);

/// What each provider has in flight and has used in the last minute.
#[derive(Debug, Default)]
pub(crate) struct Limits {
    providers: Mutex<HashMap<String, Usage>>,
}

#[derive(Debug, Default)]
struct Usage {
    in_flight: u32,
    /// When each request of the last minute was sent, oldest first.
    requests: VecDeque<i64>,
    /// When each answer of the last minute came, with its tokens in and out.
    tokens: VecDeque<(i64, u64)>,
}

impl Usage {
    fn forget_before(&mut self, start: i64) {
        while self.requests.front().is_some_and(|&at| at <= start) {
            self.requests.pop_front();
        }
        while self.tokens.front().is_some_and(|&(at, _)| at <= start) {
            self.tokens.pop_front();
        }
    }

    /// How long until the last minute's tokens are under `limit`, if they are not.
    fn tokens_wait(&self, limit: u64, now: i64) -> Option<i64> {
        let mut total: u64 = self.tokens.iter().map(|(_, n)| n).sum();
        if total < limit {
            return None;
        }
        for &(at, n) in &self.tokens {
            total = total.saturating_sub(n);
            if total < limit {
                return Some(at + MINUTE_MS - now);
            }
        }
        Some(MINUTE_MS)
    }
}

/// A request slot of a provider, given back when dropped.
#[derive(Debug)]
pub(crate) struct Slot<'a> {
    limits: &'a Limits,
    provider: String,
}

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        let mut providers = self.limits.lock();
        if let Some(usage) = providers.get_mut(&self.provider) {
            usage.in_flight = usage.in_flight.saturating_sub(1);
        }
    }
}

/// Why a task must wait, and for how long.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Busy {
    pub reason: String,
    pub wait: Duration,
}

impl Limits {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Usage>> {
        // The map holds counters only: one left by a panicking thread is still usable.
        self.providers.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A request slot of `provider` for a task starting at `now`, or how long to wait.
    pub fn take(
        &self,
        provider: &str,
        settings: &ProviderSettings,
        now: Timestamp,
    ) -> Result<Slot<'_>, Busy> {
        let mut providers = self.lock();
        let usage = providers.entry(provider.to_string()).or_default();
        usage.forget_before(now.0 - MINUTE_MS);
        let busy = |reason: String, wait_ms: i64| Busy {
            reason,
            wait: Duration::from_millis(wait_ms.clamp(1, MINUTE_MS) as u64),
        };
        if let Some(max) = settings.max_concurrency
            && usage.in_flight >= max.get()
        {
            return Err(Busy {
                reason: format!(
                    "provider `{provider}` has {max} requests in flight (max_concurrency)"
                ),
                wait: SLOT_POLL,
            });
        }
        if let Some(max) = settings.requests_per_min
            && usage.requests.len() >= max.get() as usize
        {
            let oldest = usage.requests.front().copied().unwrap_or(now.0);
            return Err(busy(
                format!(
                    "provider `{provider}` had {max} requests in the last minute (requests_per_min)"
                ),
                oldest + MINUTE_MS - now.0,
            ));
        }
        if let Some(max) = settings.tokens_per_min
            && let Some(wait) = usage.tokens_wait(max.get(), now.0)
        {
            return Err(busy(
                format!(
                    "provider `{provider}` used {max} tokens or more in the last minute (tokens_per_min)"
                ),
                wait,
            ));
        }
        usage.in_flight += 1;
        Ok(Slot {
            limits: self,
            provider: provider.to_string(),
        })
    }

    /// Counts a request sent at `at`.
    pub fn sent(&self, provider: &str, at: Timestamp) {
        self.lock()
            .entry(provider.to_string())
            .or_default()
            .requests
            .push_back(at.0);
    }

    /// Counts the tokens of an answer that came at `at`.
    pub fn answered(&self, provider: &str, at: Timestamp, tokens: u64) {
        self.lock()
            .entry(provider.to_string())
            .or_default()
            .tokens
            .push_back((at.0, tokens));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(extra: &str) -> ProviderSettings {
        let text = format!("base_url = \"http://127.0.0.1:1/v1\"\nmodel = \"m\"\n{extra}");
        toml::from_str(&text).expect("valid provider settings")
    }

    #[test]
    fn a_task_beyond_max_concurrency_waits_until_a_slot_is_given_back() {
        let limits = Limits::default();
        let two = settings("max_concurrency = 2");
        let first = limits.take("p", &two, Timestamp(0)).expect("a slot");
        let _second = limits.take("p", &two, Timestamp(0)).expect("a slot");
        let busy = limits.take("p", &two, Timestamp(0)).expect_err("full");
        assert_eq!(busy.wait, SLOT_POLL);
        assert!(busy.reason.contains("max_concurrency"), "{}", busy.reason);
        assert!(
            limits.take("q", &two, Timestamp(0)).is_ok(),
            "another provider has slots of its own"
        );
        drop(first);
        assert!(limits.take("p", &two, Timestamp(0)).is_ok());
    }

    #[test]
    fn requests_per_min_waits_until_the_oldest_request_leaves_the_window() {
        let limits = Limits::default();
        let two = settings("requests_per_min = 2");
        for at in [1_000, 21_000] {
            drop(
                limits
                    .take("p", &two, Timestamp(at))
                    .expect("under the limit"),
            );
            limits.sent("p", Timestamp(at));
        }
        let busy = limits
            .take("p", &two, Timestamp(30_000))
            .expect_err("two in the minute");
        assert_eq!(busy.wait, Duration::from_millis(31_000));
        assert!(limits.take("p", &two, Timestamp(61_000)).is_ok());
    }

    #[test]
    fn tokens_per_min_waits_until_enough_tokens_leave_the_window() {
        let limits = Limits::default();
        let hundred = settings("tokens_per_min = 100");
        limits.answered("p", Timestamp(0), 60);
        limits.answered("p", Timestamp(10_000), 50);
        let busy = limits
            .take("p", &hundred, Timestamp(20_000))
            .expect_err("110 tokens in the minute");
        // Once the 60 tokens of t=0 leave the window, 50 are left.
        assert_eq!(busy.wait, Duration::from_millis(40_000));
        assert!(limits.take("p", &hundred, Timestamp(60_001)).is_ok());
    }
}
