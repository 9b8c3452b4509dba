//! What becomes of an answer: the variables a valid one sets, the journal's record of each
//! request, the budget it is held against, and the message of one that stays invalid.

use baton_core::{LlmCall, LlmMessage, LlmUsage};
use baton_feel::{Context, Value};
use baton_llm::signature::Invalid;
use baton_llm::{LlmConfig, LlmTask, Message};
use serde_json::{Map, Value as Json};

use super::task::Prepared;

/// The variables a valid answer sets: each output as a variable of its name; or all of
/// them as one object in the task's `result`; or, for a decision's fallback
/// (`decision_result`), in `result` as a decision's result would be: the value of the one
/// output, a context of several.
pub(crate) fn variables(task: &LlmTask, values: Map<String, Json>) -> Context {
    let mut variables = Context::new();
    match &task.result {
        None => {
            for (name, value) in &values {
                variables.insert(name.as_str(), Value::from_json(value));
            }
        }
        Some(result) if task.decision_result && values.len() == 1 => {
            let value = values.values().next().map_or(Value::Null, Value::from_json);
            variables.insert(result.as_str(), value);
        }
        Some(result) => {
            variables.insert(result.as_str(), Value::from_json(&Json::Object(values)));
        }
    }
    variables
}

/// The messages as the journal keeps them.
pub(crate) fn prompt(messages: &[Message]) -> Vec<LlmMessage> {
    messages
        .iter()
        .map(|m| LlmMessage {
            role: match m.role {
                baton_llm::Role::System => "system",
                baton_llm::Role::User => "user",
                baton_llm::Role::Assistant => "assistant",
            }
            .to_string(),
            content: m.content.clone(),
        })
        .collect()
}

/// The record of a request about to be sent, filled in as its answer comes. `model` is
/// the model asked (the provider's `model`), which is what a user configured and looks for.
pub(crate) fn call(prepared: &Prepared, messages: &[Message], digest: String) -> LlmCall {
    LlmCall {
        provider: prepared.provider.clone(),
        model: prepared.client.config().model.clone(),
        prompt: prompt(messages),
        prompt_digest: digest,
        answer: None,
        tokens_in: 0,
        tokens_out: 0,
        latency_ms: 0,
        cost_micros: 0,
        cache_hit: false,
        valid: false,
        error: None,
        objective: prepared.task.objective.clone(),
    }
}

/// Why the instance may not use more: before a request (`at_or_over`) its usage has
/// reached a budget of `[llm]`; after an answer, it has passed one.
pub(crate) fn over_budget(
    config: &LlmConfig,
    usage: &LlmUsage,
    at_or_over: bool,
) -> Option<String> {
    let over = |used: f64, budget: f64| {
        if at_or_over {
            used >= budget
        } else {
            used > budget
        }
    };
    if let Some(budget) = config.max_tokens_per_instance
        && over(usage.tokens() as f64, budget as f64)
    {
        return Some(format!(
            "the instance's LLM tasks used {} tokens of a budget of {budget} ([llm] max_tokens_per_instance)",
            usage.tokens()
        ));
    }
    if let Some(budget) = config.max_cost_per_instance {
        let cost = usage.cost_micros as f64 / 1_000_000.0;
        if over(cost, budget) {
            return Some(format!(
                "the instance's LLM tasks cost {cost} of a budget of {budget} ([llm] max_cost_per_instance)"
            ));
        }
    }
    None
}

/// The incident's message for an answer still invalid after every re-ask: the provider,
/// how often it was asked again, and what is wrong, naming the field.
pub(crate) fn still_invalid(prepared: &Prepared, problem: &Invalid) -> String {
    let reasks = prepared.settings.max_reasks;
    let plural = if reasks == 1 { "" } else { "s" };
    format!(
        "the answer of provider `{}` is not valid after {reasks} re-ask{plural}: {problem}",
        prepared.provider
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use baton_llm::Signature;

    fn task(result: Option<&str>, decision_result: bool) -> LlmTask {
        LlmTask {
            provider: None,
            signature: Signature::parse_shorthand("s", "text -> category, score: int")
                .expect("a valid shorthand"),
            result: result.map(str::to_string),
            decision_result,
            objective: None,
        }
    }

    fn values(json: &str) -> Map<String, Json> {
        match serde_json::from_str(json).expect("test JSON") {
            Json::Object(map) => map,
            other => panic!("not an object: {other}"),
        }
    }

    fn shown(variables: Context) -> String {
        Value::context(variables).to_string()
    }

    #[test]
    fn outputs_become_variables_an_object_or_a_decision_result() {
        let answer = r#"{"category": "bug", "score": 2}"#;
        assert_eq!(
            shown(variables(&task(None, false), values(answer))),
            r#"{"category": "bug", "score": 2}"#
        );
        assert_eq!(
            shown(variables(&task(Some("triage"), false), values(answer))),
            r#"{"triage": {"category": "bug", "score": 2}}"#
        );
        assert_eq!(
            shown(variables(&task(Some("triage"), true), values(answer))),
            r#"{"triage": {"category": "bug", "score": 2}}"#,
            "several outputs: a context"
        );
        assert_eq!(
            shown(variables(
                &task(Some("triage"), true),
                values(r#"{"category": "bug"}"#)
            )),
            r#"{"triage": "bug"}"#,
            "one output: its value"
        );
    }

    #[test]
    fn a_budget_is_reached_before_a_request_and_passed_after_an_answer() {
        let config: LlmConfig =
            toml::from_str("max_tokens_per_instance = 100\nmax_cost_per_instance = 0.5")
                .expect("valid [llm]");
        let usage = |tokens_in, cost_micros| LlmUsage {
            tokens_in,
            cost_micros,
            ..LlmUsage::default()
        };
        assert_eq!(over_budget(&config, &usage(99, 0), true), None);
        let reached = over_budget(&config, &usage(100, 0), true).expect("reached");
        assert!(reached.contains("max_tokens_per_instance"), "{reached}");
        assert_eq!(over_budget(&config, &usage(100, 0), false), None);
        let cost = over_budget(&config, &usage(0, 600_000), false).expect("passed");
        assert!(cost.contains("cost 0.6 of a budget of 0.5"), "{cost}");
    }
}
