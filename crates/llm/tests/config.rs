//! `[llm]` in `baton.toml`: the keys the acceptance script writes, defaults, and the errors
//! of a provider that cannot be used, none of which shows the key.

use std::time::Duration;

use baton_llm::LlmConfig;
use baton_llm::prompt::OutputMode;

const KEY: &str = "sk-test-9d1c55e0a7b34f21";

/// A `baton.toml` of only `[llm]`.
#[derive(Debug, serde::Deserialize)]
struct File {
    llm: LlmConfig,
}

fn read(text: &str) -> LlmConfig {
    toml::from_str::<File>(text)
        .expect("a valid [llm] section")
        .llm
}

fn env(name: &str) -> Option<String> {
    (name == "BATON_TEST_KEY").then(|| KEY.to_string())
}

const STUB: &str = r#"
[llm]
default_provider = "stub"

[llm.providers.stub]
base_url = "http://127.0.0.1:8080/v1/"
model = "stub-model-1"
api_key_env = "BATON_TEST_KEY"
timeout_ms = 1000
max_reasks = 1
retries = 2
cache_ttl_secs = 3600

[llm.providers.local]
base_url = "http://127.0.0.1:9090/v1"
model = "smollm2"
output = "json_object"
"#;

#[test]
fn a_provider_resolves_with_its_key_from_the_environment() {
    let config = read(STUB);
    let (name, settings) = config.provider(None).expect("the default provider");
    assert_eq!(name, "stub");
    assert_eq!(
        (
            settings.max_reasks,
            settings.retries.get(),
            settings.cache_ttl_secs
        ),
        (1, 2, 3600)
    );
    let provider = settings.resolve(name, env).expect("a usable provider");
    assert_eq!(provider.base_url, "http://127.0.0.1:8080/v1");
    assert_eq!(provider.model, "stub-model-1");
    assert_eq!(provider.timeout, Duration::from_millis(1000));
    assert_eq!(provider.output_mode, OutputMode::JsonSchema);
    assert_eq!(provider.api_key.as_ref().map(|k| k.expose()), Some(KEY));
    assert!(!format!("{provider:?} {settings:?}").contains(KEY));
    let policy = settings.retry_policy(Duration::from_millis(100), Duration::from_millis(200));
    assert_eq!(policy.attempts, 2);
}

#[test]
fn unset_keys_take_their_defaults() {
    let config = read(STUB);
    let (name, settings) = config.provider(Some("local")).expect("a named provider");
    assert_eq!(
        (
            settings.timeout_ms,
            settings.max_reasks,
            settings.retries.get(),
            settings.cache_ttl_secs
        ),
        (60_000, 1, 3, 0)
    );
    let provider = settings.resolve(name, env).expect("a usable provider");
    assert_eq!(provider.api_key, None);
    assert_eq!(provider.output_mode, OutputMode::JsonObject);
}

fn error(config: &str, provider: Option<&str>) -> String {
    let config = read(config);
    let result = config
        .provider(provider)
        .and_then(|(name, settings)| settings.resolve(name, env));
    match result {
        Ok(provider) => format!("resolved: {provider:?}"),
        Err(error) => {
            let message = error.to_string();
            assert!(!message.contains(KEY));
            message
        }
    }
}

#[test]
fn an_unusable_provider_is_an_error_naming_it() {
    assert_eq!(
        error(STUB, Some("cloud")),
        "[llm] has no provider `cloud`; configured: local, stub"
    );
    assert_eq!(
        error("[llm]\n", None),
        "no LLM provider named and no [llm] default_provider in baton.toml"
    );
    assert_eq!(
        error(
            "[llm.providers.p]\nbase_url = \"127.0.0.1:1/v1\"\nmodel = \"m\"\n",
            Some("p")
        ),
        "[llm.providers.p] base_url `127.0.0.1:1/v1`: give an http:// or https:// URL, like http://127.0.0.1:8080/v1"
    );
    assert_eq!(
        error(
            "[llm.providers.p]\nbase_url = \"http://h/v1\"\nmodel = \"m\"\napi_key_env = \"NOT_SET\"\n",
            Some("p")
        ),
        "[llm.providers.p] api_key_env: the environment variable NOT_SET is not set"
    );
    assert_eq!(
        error(
            "[llm.providers.p]\nbase_url = \"http://h/v1\"\nmodel = \"m\"\ntimeout_ms = 0\n",
            Some("p")
        ),
        "[llm.providers.p] timeout_ms must be more than 0"
    );
}

#[test]
fn unknown_keys_and_zero_retries_are_refused() {
    let unknown = toml::from_str::<File>(
        "[llm.providers.p]\nbase_url = \"http://h\"\nmodel = \"m\"\napi_key = \"x\"\n",
    )
    .expect_err("api_key is not a key");
    assert!(
        unknown.to_string().contains("unknown field `api_key`"),
        "{unknown}"
    );
    let zero = toml::from_str::<File>(
        "[llm.providers.p]\nbase_url = \"http://h\"\nmodel = \"m\"\nretries = 0\n",
    )
    .expect_err("retries = 0");
    assert!(zero.to_string().contains("retries"), "{zero}");
}

#[test]
fn limits_prices_and_budgets_are_read_and_a_price_costs_per_thousand_tokens() {
    let config = read(
        r#"
[llm]
default_provider = "cloud"
max_tokens_per_instance = 5000
max_cost_per_instance = 0.25

[llm.providers.cloud]
base_url = "https://api.example.com/v1"
model = "m"
requests_per_min = 60
tokens_per_min = 90000
max_concurrency = 4
price_per_1k_tokens = { input = 0.5, output = 1.5 }

[llm.providers.flat]
base_url = "http://127.0.0.1:1/v1"
model = "m"
price_per_1k_tokens = 2
"#,
    );
    assert_eq!(config.max_tokens_per_instance, Some(5000));
    assert_eq!(config.max_cost_per_instance, Some(0.25));
    let (_, cloud) = config.provider(None).expect("the default provider");
    assert_eq!(cloud.requests_per_min.map(|n| n.get()), Some(60));
    assert_eq!(cloud.tokens_per_min.map(|n| n.get()), Some(90_000));
    assert_eq!(cloud.max_concurrency.map(|n| n.get()), Some(4));
    // 57 tokens in at 0.5 per 1k and 19 out at 1.5 per 1k: 0.0285 + 0.0285.
    assert_eq!(cloud.cost_micros(57, 19), 57_000);
    let (_, flat) = config.provider(Some("flat")).expect("a named provider");
    assert_eq!(flat.cost_micros(500, 500), 2_000_000);
    let (name, free) = read(STUB)
        .provider(None)
        .map(|(n, s)| (n.to_string(), s.clone()))
        .expect("stub");
    assert_eq!((name.as_str(), free.cost_micros(1_000, 1_000)), ("stub", 0));
}

#[test]
fn a_negative_price_or_an_unknown_price_key_is_refused() {
    assert_eq!(
        error(
            "[llm.providers.p]\nbase_url = \"http://h/v1\"\nmodel = \"m\"\nprice_per_1k_tokens = -1\n",
            Some("p")
        ),
        "[llm.providers.p] price_per_1k_tokens must be a number of 0 or more"
    );
    let unknown =
        toml::from_str::<File>("[llm]\nmax_tokens = 3\n").expect_err("max_tokens is not a key");
    assert!(unknown.to_string().contains("max_tokens"), "{unknown}");
    let split = toml::from_str::<File>(
        "[llm.providers.p]\nbase_url = \"http://h\"\nmodel = \"m\"\nprice_per_1k_tokens = { input = 1, outptu = 2 }\n",
    );
    assert!(split.is_err(), "{split:?}");
}
