//! `baton.toml`'s `[llm]` section, ready to embed in the runtime's `Config`: the default
//! provider and `[llm.providers.NAME]`, each resolved into a `ProviderConfig` once the API
//! key is read from its environment variable.
//!
//! The file names the variable, never the key, so `baton.toml` can be committed and no key
//! is ever part of the configuration that errors or logs may print.

use std::collections::BTreeMap;
use std::num::{NonZeroU32, NonZeroU64};
use std::time::Duration;

use serde::Deserialize;

use crate::client::{ProviderConfig, RetryPolicy, Secret};
use crate::prompt::OutputMode;

/// `[llm]`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LlmConfig {
    /// The provider of tasks that name none.
    pub default_provider: Option<String>,
    /// The tokens (in and out, cache hits included) one instance's LLM tasks may use; a
    /// task that would start at or past it, or a request that goes past it, is an
    /// `llm_budget_exceeded` incident.
    pub max_tokens_per_instance: Option<u64>,
    /// The cost one instance's LLM tasks may run up, in the currency of the providers'
    /// `price_per_1k_tokens`, with the same effect.
    pub max_cost_per_instance: Option<f64>,
    #[serde(default)]
    pub providers: BTreeMap<String, ProviderSettings>,
}

/// `[llm.providers.NAME]`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProviderSettings {
    /// Up to and including the API version: `http://127.0.0.1:8080/v1`.
    pub base_url: String,
    pub model: String,
    /// The environment variable holding the API key, sent as `Authorization: Bearer`.
    pub api_key_env: Option<String>,
    /// Per request.
    #[serde(default = "default_timeout_ms")]
    pub timeout_ms: u64,
    /// Re-asks after an invalid answer before the task raises an incident.
    #[serde(default = "default_max_reasks")]
    pub max_reasks: u32,
    /// Requests per task on timeouts, 429s and 5xx, the first included.
    #[serde(default = "default_retries")]
    pub retries: NonZeroU32,
    /// How long an answer is reused for the same digest; 0 turns the cache off.
    #[serde(default)]
    pub cache_ttl_secs: u64,
    /// `json_schema` (constrained decoding) or `json_object` (JSON mode, for servers without
    /// schema support).
    #[serde(default)]
    pub output: Output,
    /// Requests a minute at most; a task over it waits for the window (no limit if unset).
    pub requests_per_min: Option<NonZeroU32>,
    /// Tokens (in and out) a minute at most, counted from the answers' `usage`; a task
    /// waits while the last minute's requests used that many.
    pub tokens_per_min: Option<NonZeroU64>,
    /// Requests in flight at once at most; a task beyond it waits.
    pub max_concurrency: Option<NonZeroU32>,
    /// What 1,000 tokens cost: one price for input and output tokens, or
    /// `{ input = ..., output = ... }`. Unset: calls cost nothing.
    pub price_per_1k_tokens: Option<Price>,
}

/// The `price_per_1k_tokens` key, in any one currency.
#[derive(Clone, Copy, Debug, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum Price {
    /// The same price for tokens in and out.
    Flat(f64),
    /// Prompt and completion tokens priced apart, as most hosted APIs do.
    Split(SplitPrice),
}

/// `price_per_1k_tokens = { input = 0.15, output = 0.6 }`.
#[derive(Clone, Copy, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SplitPrice {
    pub input: f64,
    pub output: f64,
}

impl Price {
    /// The prices of 1,000 input and 1,000 output tokens.
    pub fn per_1k(&self) -> (f64, f64) {
        match *self {
            Price::Flat(price) => (price, price),
            Price::Split(SplitPrice { input, output }) => (input, output),
        }
    }

    /// The cost of a request's tokens in millionths of the currency (what the journal
    /// keeps, as a whole number); a negative or non-finite price counts as free.
    pub fn cost_micros(&self, tokens_in: u64, tokens_out: u64) -> u64 {
        let (input, output) = self.per_1k();
        // Per 1,000 tokens to millionths: a token costs price × 1,000 micros.
        let micros = tokens_in as f64 * input * 1_000.0 + tokens_out as f64 * output * 1_000.0;
        if micros.is_finite() && micros > 0.0 {
            micros.round() as u64
        } else {
            0
        }
    }
}

/// The `output` key.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Output {
    #[default]
    JsonSchema,
    JsonObject,
}

/// A provider that cannot be used as configured.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    #[error(
        "[llm.providers.{provider}] base_url `{base_url}`: give an http:// or https:// URL, like http://127.0.0.1:8080/v1"
    )]
    BaseUrl { provider: String, base_url: String },
    #[error("[llm.providers.{provider}] model is empty")]
    NoModel { provider: String },
    #[error("[llm.providers.{provider}] timeout_ms must be more than 0")]
    NoTimeout { provider: String },
    #[error(
        "[llm.providers.{provider}] api_key_env: the environment variable {variable} is not set"
    )]
    MissingKey { provider: String, variable: String },
    #[error("[llm] has no provider `{provider}`{}", similar(.known))]
    UnknownProvider {
        provider: String,
        known: Vec<String>,
    },
    #[error("no LLM provider named and no [llm] default_provider in baton.toml")]
    NoDefault,
    #[error("[llm.providers.{provider}] price_per_1k_tokens must be a number of 0 or more")]
    BadPrice { provider: String },
}

fn similar(known: &[String]) -> String {
    if known.is_empty() {
        "; no [llm.providers.NAME] is configured".into()
    } else {
        format!("; configured: {}", known.join(", "))
    }
}

fn default_timeout_ms() -> u64 {
    60_000
}

fn default_max_reasks() -> u32 {
    1
}

fn default_retries() -> NonZeroU32 {
    NonZeroU32::new(3).unwrap_or(NonZeroU32::MIN)
}

impl LlmConfig {
    /// The settings of `name`, or of the default provider when `name` is `None`.
    pub fn provider(&self, name: Option<&str>) -> Result<(&str, &ProviderSettings), Error> {
        let name = name
            .or(self.default_provider.as_deref())
            .ok_or(Error::NoDefault)?;
        self.providers
            .get_key_value(name)
            .map(|(name, settings)| (name.as_str(), settings))
            .ok_or_else(|| Error::UnknownProvider {
                provider: name.to_string(),
                known: self.providers.keys().cloned().collect(),
            })
    }
}

impl ProviderSettings {
    /// The client's configuration, with the key read through `env` (the process environment
    /// in the runtime, a map in tests).
    pub fn resolve(
        &self,
        name: &str,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<ProviderConfig, Error> {
        let base_url = self.base_url.trim();
        if !(base_url.starts_with("http://") || base_url.starts_with("https://")) {
            return Err(Error::BaseUrl {
                provider: name.into(),
                base_url: self.base_url.clone(),
            });
        }
        if self.model.trim().is_empty() {
            return Err(Error::NoModel {
                provider: name.into(),
            });
        }
        if self.timeout_ms == 0 {
            return Err(Error::NoTimeout {
                provider: name.into(),
            });
        }
        if let Some(price) = self.price_per_1k_tokens {
            let (input, output) = price.per_1k();
            if !(input.is_finite() && input >= 0.0 && output.is_finite() && output >= 0.0) {
                return Err(Error::BadPrice {
                    provider: name.into(),
                });
            }
        }
        let api_key = match &self.api_key_env {
            None => None,
            Some(variable) => Some(Secret::new(
                env(variable)
                    .filter(|key| !key.is_empty())
                    .ok_or_else(|| Error::MissingKey {
                        provider: name.into(),
                        variable: variable.clone(),
                    })?,
            )),
        };
        Ok(ProviderConfig {
            name: name.into(),
            base_url: base_url.trim_end_matches('/').into(),
            model: self.model.trim().into(),
            api_key,
            timeout: Duration::from_millis(self.timeout_ms),
            output_mode: match self.output {
                Output::JsonSchema => OutputMode::JsonSchema,
                Output::JsonObject => OutputMode::JsonObject,
            },
        })
    }

    /// The cost of a request's tokens in millionths of the price's currency (0 without a
    /// price).
    pub fn cost_micros(&self, tokens_in: u64, tokens_out: u64) -> u64 {
        self.price_per_1k_tokens
            .map_or(0, |price| price.cost_micros(tokens_in, tokens_out))
    }

    /// The retry policy of this provider's tasks, with the waits of `baton.toml`'s `[retry]`.
    pub fn retry_policy(&self, initial_backoff: Duration, max_backoff: Duration) -> RetryPolicy {
        RetryPolicy {
            attempts: self.retries.get(),
            initial_backoff,
            max_backoff,
        }
    }
}
