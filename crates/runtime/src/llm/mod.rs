//! The runtime's LLM worker: the handler of `baton.llm` jobs (LLM service tasks and the
//! LLM fallbacks of decisions), registered by [`crate::Runtime::new`] unless `baton.toml`
//! sends the type to a `[workers."baton.llm"]` command.
//!
//! A job's task (a `baton_llm::LlmTask` in its header) names a provider of `[llm]`; its
//! inputs are FEEL over the job's variables ([`task`]). The handler runs on the job's own
//! thread, off the engine's: it takes a request slot of the provider ([`limits`]; over a
//! limit the job waits, it does not block), asks, checks the answer against the signature
//! and asks again with the validation error within `max_reasks`
//! (`baton_llm::Conversation`). Its result is [`JobResult::Recorded`]: every request made,
//! as `baton_core::LlmCall`s the runtime journals before the outcome, in one commit, so a
//! replayed or recovered instance has its answers and never asks again. The outcome:
//!
//! | what happened                          | outcome                                      |
//! |----------------------------------------|----------------------------------------------|
//! | a valid answer                         | completed with the outputs ([`answer`])      |
//! | still invalid after `max_reasks`       | incident `llm_invalid_output` naming the field |
//! | timeout, 5xx, connection failure       | failed: the job's retries (the provider's `retries`) and `[retry]` backoff |
//! | 429                                    | waits its `Retry-After`, no attempt spent    |
//! | 401, 403, other 4xx, not a completion  | incident                                     |
//! | budget of `[llm]` reached or passed    | incident `llm_budget_exceeded`               |
//!
//! The answer cache (`baton_store::LlmCacheStore`) is the store's, which only the
//! runtime's thread touches: the runtime looks a job's first question up before running it
//! ([`LlmHandler::from_cache`]) and keeps valid answers after ([`LlmHandler::cache_entry`]).
//!
//! An API key is read from its environment variable when a job needs it and goes only into
//! the request's `Authorization` header; every error text from the provider is scrubbed of
//! it by the client before it reaches a message, a journal or a log.

mod answer;
mod limits;
mod task;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use baton_core::{IncidentKind, LlmCall, LlmUsage, Timestamp};
use baton_llm::client::Error as ClientError;
use baton_llm::config::ProviderSettings;
use baton_llm::{Client, Conversation, LlmConfig, Outcome, TASK_JOB_TYPE};
use baton_model::{NodeKind, ProcessGraph, StaticOrExpression};
use baton_store::CachedAnswer;

use crate::clock::Clock;
use crate::config::RetryConfig;
use crate::handler::{JobHandler, JobRequest, JobResult};
use task::Prepared;

/// Where API keys come from: the value of an environment variable's name.
pub type Secrets = Arc<dyn Fn(&str) -> Option<String> + Send + Sync>;

/// Runs `baton.llm` jobs against the providers of `[llm]`.
pub struct LlmHandler {
    config: LlmConfig,
    /// The wait after a 429 that gives no `Retry-After`: `[retry] initial_backoff_ms`.
    rate_limited_wait: Duration,
    clock: Arc<dyn Clock>,
    /// One client per provider, made when a job first needs it: the client pools its
    /// connections.
    clients: Mutex<HashMap<String, Arc<Client>>>,
    limits: limits::Limits,
    /// The process environment, unless an embedder says otherwise.
    secrets: Secrets,
}

impl std::fmt::Debug for LlmHandler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LlmHandler")
            .field("providers", &self.config.providers.keys())
            .finish()
    }
}

impl LlmHandler {
    pub fn new(config: LlmConfig, retry: &RetryConfig, clock: Arc<dyn Clock>) -> LlmHandler {
        LlmHandler {
            config,
            rate_limited_wait: Duration::from_millis(retry.initial_backoff_ms),
            clock,
            clients: Mutex::new(HashMap::new()),
            limits: limits::Limits::default(),
            secrets: Arc::new(|variable: &str| std::env::var(variable).ok()),
        }
    }

    /// Reads API keys through `secrets` (by the name of a provider's `api_key_env`)
    /// instead of the process environment.
    pub fn with_secrets(mut self, secrets: Secrets) -> LlmHandler {
        self.secrets = secrets;
        self
    }

    /// The job's task with its provider, client and input values; the result to give when
    /// it cannot be asked (an incident saying why).
    fn prepare(&self, job: &JobRequest) -> Result<Prepared, JobResult> {
        let task = task::task_of(job)?;
        let (provider, settings) = self
            .config
            .provider(task.provider.as_deref())
            .map_err(|e| task::incident(e.to_string()))?;
        let client = self.client(provider, settings)?;
        let signature = task::signature_of(&task);
        let inputs = task::inputs(&signature, &job.variables)?;
        Ok(Prepared {
            provider: provider.to_string(),
            settings: settings.clone(),
            client,
            signature,
            inputs,
            task,
        })
    }

    /// The client of `provider`, made on first use; its API key is read from the
    /// environment then, so a variable that is not set is the job's incident, naming it.
    fn client(
        &self,
        provider: &str,
        settings: &ProviderSettings,
    ) -> Result<Arc<Client>, JobResult> {
        let mut clients = self.clients.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(client) = clients.get(provider) {
            return Ok(Arc::clone(client));
        }
        let config = settings
            .resolve(provider, |variable| (self.secrets)(variable))
            .map_err(|e| task::incident(e.to_string()))?;
        let client = Arc::new(Client::new(config));
        clients.insert(provider.to_string(), Arc::clone(&client));
        Ok(client)
    }

    /// The job answered from the cache, when its provider caches answers and `lookup`
    /// (the store, by digest) has a valid answer to its first question: a completion
    /// journaled as a call with `cache_hit`. `None`: the job must ask.
    pub fn from_cache(
        &self,
        job: &JobRequest,
        lookup: impl FnOnce(&str) -> Option<CachedAnswer>,
    ) -> Option<JobResult> {
        let prepared = self.prepare(job).ok()?;
        if prepared.settings.cache_ttl_secs == 0 {
            return None;
        }
        let messages = prepared.first_messages();
        let digest = prepared.digest(&messages);
        let cached = lookup(&digest)?;
        // Stored valid; checked again, should the signature's reading have changed since.
        let values = prepared.signature.validate(&cached.answer).ok()?;
        let call = LlmCall {
            provider: prepared.provider.clone(),
            model: cached.model,
            prompt: answer::prompt(&messages),
            prompt_digest: digest,
            answer: Some(cached.answer),
            tokens_in: cached.tokens_in,
            tokens_out: cached.tokens_out,
            latency_ms: 0,
            cost_micros: 0,
            cache_hit: true,
            valid: true,
            error: None,
            objective: prepared.task.objective.clone(),
        };
        Some(JobResult::Recorded {
            calls: vec![call],
            then: Box::new(JobResult::Completed(answer::variables(
                &prepared.task,
                values,
            ))),
        })
    }

    /// What to keep in the cache after a job's result, and until when: the valid answer
    /// that completed it, under the digest of its first question, for its provider's
    /// `cache_ttl_secs`. `None` for anything else (a failure, a cache hit, no cache).
    pub fn cache_entry(
        &self,
        calls: &[LlmCall],
        then: &JobResult,
        now: Timestamp,
    ) -> Option<(CachedAnswer, Timestamp)> {
        let (first, last) = (calls.first()?, calls.last()?);
        if !matches!(then, JobResult::Completed(_)) || !last.valid || last.cache_hit {
            return None;
        }
        let ttl = self.config.providers.get(&first.provider)?.cache_ttl_secs;
        if ttl == 0 {
            return None;
        }
        let entry = CachedAnswer {
            digest: first.prompt_digest.clone(),
            provider: first.provider.clone(),
            model: last.model.clone(),
            answer: last.answer.clone()?,
            tokens_in: last.tokens_in,
            tokens_out: last.tokens_out,
        };
        Some((entry, now.plus_millis(ttl.saturating_mul(1_000))))
    }

    /// Asks until the answer is valid, re-asks run out, a request fails or the budget is
    /// spent; every request made is in the result.
    fn converse(&self, prepared: &Prepared, mut usage: LlmUsage) -> JobResult {
        let parameters = prepared.parameters();
        let mut conversation = Conversation::new(
            &prepared.signature,
            &prepared.inputs,
            prepared.settings.max_reasks,
        );
        let mut calls = Vec::new();
        loop {
            if let Some(message) = answer::over_budget(&self.config, &usage, true) {
                return recorded(calls, budget_incident(message));
            }
            let messages = conversation.messages().to_vec();
            let mut call = answer::call(prepared, &messages, prepared.digest(&messages));
            self.limits.sent(&prepared.provider, self.clock.now());
            let started = Instant::now();
            let completion = match prepared.client.complete(&messages, &parameters) {
                Ok(completion) => completion,
                Err(error) => {
                    call.latency_ms = millis(started.elapsed());
                    call.error = Some(error.to_string());
                    calls.push(call);
                    return recorded(calls, self.failed(&error));
                }
            };
            self.limits.answered(
                &prepared.provider,
                self.clock.now(),
                completion.tokens_in.saturating_add(completion.tokens_out),
            );
            call.latency_ms = millis(completion.latency);
            call.tokens_in = completion.tokens_in;
            call.tokens_out = completion.tokens_out;
            call.cost_micros = prepared
                .settings
                .cost_micros(completion.tokens_in, completion.tokens_out);
            call.answer = Some(completion.content.clone());
            usage.requests += 1;
            usage.tokens_in = usage.tokens_in.saturating_add(call.tokens_in);
            usage.tokens_out = usage.tokens_out.saturating_add(call.tokens_out);
            usage.cost_micros = usage.cost_micros.saturating_add(call.cost_micros);
            let outcome = conversation.answer(&completion.content);
            call.valid = matches!(outcome, Outcome::Valid(_));
            if let Outcome::Reask(problem) | Outcome::Invalid(problem) = &outcome {
                call.error = Some(problem.to_string());
            }
            calls.push(call);
            let then = match outcome {
                Outcome::Valid(values) => {
                    JobResult::Completed(answer::variables(&prepared.task, values))
                }
                Outcome::Reask(_) => continue,
                Outcome::Invalid(problem) => {
                    return recorded(
                        calls,
                        JobResult::Incident {
                            kind: IncidentKind::LlmInvalidOutput,
                            message: answer::still_invalid(prepared, &problem),
                        },
                    );
                }
            };
            // An answer that took the instance past its budget is not let in.
            return match answer::over_budget(&self.config, &usage, false) {
                Some(message) => recorded(calls, budget_incident(message)),
                None => recorded(calls, then),
            };
        }
    }

    /// The outcome of a request that got no answer.
    fn failed(&self, error: &ClientError) -> JobResult {
        match error {
            ClientError::RateLimited { retry_after, .. } => JobResult::Wait {
                reason: error.to_string(),
                retry_after: Some(retry_after.unwrap_or(self.rate_limited_wait)),
            },
            _ if error.is_transient() => JobResult::Failed(error.to_string()),
            _ => task::incident(error.to_string()),
        }
    }
}

impl JobHandler for LlmHandler {
    fn handle(&self, job: &JobRequest) -> JobResult {
        let prepared = match self.prepare(job) {
            Ok(prepared) => prepared,
            Err(result) => return result,
        };
        let _slot = match self
            .limits
            .take(&prepared.provider, &prepared.settings, self.clock.now())
        {
            Ok(slot) => slot,
            Err(busy) => {
                return JobResult::Wait {
                    reason: busy.reason,
                    retry_after: Some(busy.wait),
                };
            }
        };
        self.converse(&prepared, job.llm_usage)
    }
}

fn recorded(calls: Vec<LlmCall>, then: JobResult) -> JobResult {
    if calls.is_empty() {
        return then;
    }
    JobResult::Recorded {
        calls,
        then: Box::new(then),
    }
}

fn budget_incident(message: String) -> JobResult {
    JobResult::Incident {
        kind: IncidentKind::LlmBudgetExceeded,
        message,
    }
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

/// Gives each `baton.llm` job of `graph` (LLM service tasks, decisions' LLM fallbacks) its
/// provider's `retries` as its own: a job is attempted that many times on timeouts and
/// server errors. A job whose task or provider cannot be read keeps what the model said;
/// running it raises the incident that says why.
pub(crate) fn set_provider_retries(graph: &mut ProcessGraph, config: &LlmConfig) {
    for node in &mut graph.nodes {
        let job = match &mut node.kind {
            NodeKind::ServiceTask { job } => job,
            NodeKind::BusinessRuleTask { decision } => match &mut decision.llm_fallback {
                Some(fallback) => &mut fallback.job,
                None => continue,
            },
            _ => continue,
        };
        if !matches!(&job.job_type, StaticOrExpression::Static(t) if t == TASK_JOB_TYPE) {
            continue;
        }
        let retries = job
            .headers
            .iter()
            .find(|(name, _)| name == baton_llm::TASK_HEADER)
            .and_then(|(_, json)| baton_llm::LlmTask::from_header(json).ok())
            .and_then(|task| {
                config
                    .provider(task.provider.as_deref())
                    .ok()
                    .map(|(_, settings)| settings.retries.get())
            });
        if let Some(retries) = retries {
            job.retries = StaticOrExpression::Static(retries);
        }
    }
}
