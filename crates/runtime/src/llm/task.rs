//! An LLM job made ready to ask: its task from the job header, the provider it names
//! with a client, each input's value from its FEEL `source`, and the first question with
//! its digest. Everything here reads the job alone, so it runs on the runtime's thread (to
//! look the question up in the cache) as well as on the job's own.

use std::sync::Arc;

use baton_core::IncidentKind;
use baton_feel::{Context, Expression, Value, WarningKind};
use baton_llm::config::ProviderSettings;
use baton_llm::signature::{Field, Signature};
use baton_llm::{Client, LlmTask, Message, TASK_HEADER};
use serde_json::{Map, Value as Json};

use crate::handler::{JobRequest, JobResult};

/// A job ready to be asked.
pub(crate) struct Prepared {
    pub task: LlmTask,
    /// The signature the model is asked: the task's, with its objective (if any) added to
    /// the instructions.
    pub signature: Signature,
    pub provider: String,
    pub settings: ProviderSettings,
    pub client: Arc<Client>,
    /// Each input's value by field name.
    pub inputs: Map<String, Json>,
}

impl Prepared {
    /// The first question's messages.
    pub fn first_messages(&self) -> Vec<Message> {
        baton_llm::prompt::messages(&self.signature, &self.inputs)
    }

    /// What a request sends besides the model and the messages.
    pub fn parameters(&self) -> Json {
        self.client.parameters(&self.signature)
    }

    /// The digest of a request of this task with `messages`.
    pub fn digest(&self, messages: &[Message]) -> String {
        self.client.digest(messages, &self.parameters())
    }
}

/// The job's task as its header holds it; an incident when the header is missing or
/// unreadable (only a front end's bug or a hand-made job can get here).
pub(crate) fn task_of(job: &JobRequest) -> Result<LlmTask, JobResult> {
    let header = job
        .headers
        .iter()
        .find(|(name, _)| name == TASK_HEADER)
        .map(|(_, json)| json)
        .ok_or_else(|| {
            incident(format!(
                "the job has no `{TASK_HEADER}` header with its LLM task"
            ))
        })?;
    LlmTask::from_header(header).map_err(|e| {
        incident(format!(
            "the job's `{TASK_HEADER}` header is not an LLM task: {e}"
        ))
    })
}

/// The signature asked: an objective, what a good answer achieves, goes into the
/// instructions, so the model reads it and the journaled prompt shows it.
pub(crate) fn signature_of(task: &LlmTask) -> Signature {
    let mut signature = task.signature.clone();
    if let Some(objective) = task
        .objective
        .as_deref()
        .map(str::trim)
        .filter(|o| !o.is_empty())
    {
        let instructions = signature.instructions.trim();
        signature.instructions = if instructions.is_empty() {
            format!("Objective: {objective}")
        } else {
            format!("{instructions}\n\nObjective: {objective}")
        };
    }
    signature
}

/// Each input's value, by field name: its `source` evaluated over the job's variables
/// (a leading `=` is optional), or the variable of its name. A variable that does not
/// exist gives null, as in mappings; an expression that fails is an incident naming the
/// input.
pub(crate) fn inputs(
    signature: &Signature,
    variables: &Context,
) -> Result<Map<String, Json>, JobResult> {
    signature
        .inputs
        .iter()
        .map(|field| Ok((field.name.clone(), input(field, variables)?.to_json())))
        .collect()
}

fn input(field: &Field, variables: &Context) -> Result<Value, JobResult> {
    let source = field
        .source
        .as_deref()
        .map(|s| s.trim())
        .map(|s| s.strip_prefix('=').unwrap_or(s).trim())
        .filter(|s| !s.is_empty());
    let Some(source) = source else {
        return Ok(variables.get(&field.name).cloned().unwrap_or(Value::Null));
    };
    let failed = |why: String| JobResult::Incident {
        kind: IncidentKind::ExpressionFailed,
        message: format!("input `{}` of the LLM task: `{source}` {why}", field.name),
    };
    let expression = Expression::parse(source).map_err(|e| failed(format!("is not FEEL: {e}")))?;
    let evaluation = expression.evaluate(variables);
    let missing = |kind: WarningKind| {
        matches!(
            kind,
            WarningKind::UnknownVariable | WarningKind::NoSuchEntry
        )
    };
    let exceeded = evaluation
        .warnings
        .iter()
        .any(|w| w.kind == WarningKind::LimitExceeded);
    if exceeded || (evaluation.failed() && !evaluation.warnings.iter().all(|w| missing(w.kind))) {
        let warnings: Vec<String> = evaluation.warnings.iter().map(|w| w.to_string()).collect();
        return Err(failed(format!("failed: {}", warnings.join("; "))));
    }
    Ok(evaluation.value)
}

/// What cannot be fixed by another attempt, for an incident of the job.
pub(crate) fn incident(message: String) -> JobResult {
    JobResult::Incident {
        kind: IncidentKind::JobNoRetries,
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn variables(json: &str) -> Context {
        match Value::from_json(&serde_json::from_str(json).expect("test JSON")) {
            Value::Context(context) => (*context).clone(),
            other => panic!("not an object: {other}"),
        }
    }

    fn signature(inputs: &[(&str, Option<&str>)]) -> Signature {
        let mut signature = Signature::parse_shorthand(
            "s",
            &format!(
                "{} -> answer",
                inputs
                    .iter()
                    .map(|(n, _)| *n)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )
        .expect("a valid shorthand");
        for (field, (_, source)) in signature.inputs.iter_mut().zip(inputs) {
            field.source = source.map(str::to_string);
        }
        signature
    }

    #[test]
    fn inputs_come_from_feel_with_or_without_equals_or_from_the_variable_of_their_name() {
        let vars =
            variables(r#"{"ticket": {"subject": "Refund", "body": "twice"}, "tier": "gold"}"#);
        let values = inputs(
            &signature(&[
                ("text", Some(r#"=ticket.subject + ": " + ticket.body"#)),
                ("plan", Some("tier")),
                ("tier", None),
                ("missing", Some("=nobody.name")),
            ]),
            &vars,
        )
        .unwrap_or_else(|e| panic!("inputs: {e:?}"));
        assert_eq!(
            Json::Object(values).to_string(),
            r#"{"text":"Refund: twice","plan":"gold","tier":"gold","missing":null}"#
        );
    }

    #[test]
    fn an_input_whose_expression_fails_is_an_incident_naming_it() {
        let vars = variables(r#"{"n": 1}"#);
        let Err(JobResult::Incident { kind, message }) =
            inputs(&signature(&[("total", Some("=n + \"x\""))]), &vars)
        else {
            panic!("expected an incident")
        };
        assert_eq!(kind, IncidentKind::ExpressionFailed);
        assert!(
            message.starts_with("input `total` of the LLM task"),
            "{message}"
        );
    }

    #[test]
    fn an_objective_joins_the_instructions() {
        let task = LlmTask {
            provider: None,
            signature: Signature {
                instructions: "Classify it.".into(),
                ..signature(&[("text", None)])
            },
            result: None,
            decision_result: false,
            objective: Some("The right team gets it first time.".into()),
        };
        assert_eq!(
            signature_of(&task).instructions,
            "Classify it.\n\nObjective: The right team gets it first time."
        );
    }
}
