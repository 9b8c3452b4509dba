//! The chat messages of an LLM task, the re-ask after an invalid answer, and the prompt's
//! digest.
//!
//! The system message carries the instructions and the answer's shape, the user message
//! every input value by name, so that one request says everything the model needs and a
//! journaled prompt explains its answer on its own. The digest names a request exactly
//! (provider, model, messages, parameters): it is the cache key and the journal's
//! fingerprint, so it is computed over a canonical form that does not depend on map order.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use crate::signature::{Field, Invalid, Signature};

/// Who says a message, as chat-completions APIs name them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    System,
    User,
    Assistant,
}

/// One chat message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    pub role: Role,
    pub content: String,
}

impl Message {
    pub fn new(role: Role, content: impl Into<String>) -> Message {
        Message {
            role,
            content: content.into(),
        }
    }
}

/// How the request asks for structured output.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutputMode {
    /// `response_format` of type `json_schema` with the outputs' schema: servers that
    /// support it (OpenAI, llama.cpp, vLLM, Ollama) constrain decoding to it.
    JsonSchema,
    /// `response_format` of type `json_object`, for servers that know only JSON mode; the
    /// system message still spells out the fields.
    JsonObject,
}

/// The messages asking `signature`'s question about `inputs` (input values by field name;
/// a missing one is sent as null, which the caller's mappings decide, not the prompt).
pub fn messages(signature: &Signature, inputs: &Map<String, Value>) -> Vec<Message> {
    let mut system = String::new();
    if !signature.instructions.trim().is_empty() {
        system.push_str(signature.instructions.trim());
        system.push_str("\n\n");
    }
    if signature.inputs.iter().any(|f| !f.description.is_empty()) {
        system.push_str("The inputs:\n");
        list_fields(&signature.inputs, &mut system);
        system.push('\n');
    }
    system.push_str("Answer with one JSON object and nothing else, with these fields:\n");
    list_fields(&signature.outputs, &mut system);
    let user = signature
        .inputs
        .iter()
        .map(|field| {
            let value = inputs.get(&field.name).unwrap_or(&Value::Null);
            format!("{}: {}", field.name, render_input(value))
        })
        .collect::<Vec<_>>()
        .join("\n");
    vec![
        Message::new(Role::System, system.trim_end()),
        Message::new(Role::User, user),
    ]
}

/// One line per field: `- name (type): description`.
fn list_fields(fields: &[Field], out: &mut String) {
    for field in fields {
        out.push_str(&format!("- {} ({})", field.name, field.kind));
        if !field.description.is_empty() {
            out.push_str(&format!(": {}", field.description));
        }
        out.push('\n');
    }
}

/// The conversation again, the invalid answer as the assistant's, and what was wrong with it.
pub fn reask(conversation: &[Message], invalid_answer: &str, problem: &Invalid) -> Vec<Message> {
    let mut messages = conversation.to_vec();
    messages.push(Message::new(Role::Assistant, invalid_answer));
    messages.push(Message::new(
        Role::User,
        format!(
            "That answer is not valid: {problem}. Answer again with one JSON object and nothing else."
        ),
    ));
    messages
}

/// The request's `response_format` for `signature` in `mode`.
pub fn response_format(signature: &Signature, mode: OutputMode) -> Value {
    match mode {
        OutputMode::JsonSchema => json!({
            "type": "json_schema",
            "json_schema": {"name": schema_name(&signature.name), "schema": signature.output_schema()},
        }),
        OutputMode::JsonObject => json!({"type": "json_object"}),
    }
}

/// The lowercase hex SHA-256 of a request's canonical form: what makes two requests the same
/// question. `parameters` holds everything else sent (response format, temperature...).
pub fn prompt_digest(
    provider: &str,
    model: &str,
    messages: &[Message],
    parameters: &Value,
) -> String {
    let request = json!({
        "provider": provider,
        "model": model,
        "messages": messages.iter().map(|m| json!({"role": m.role, "content": m.content})).collect::<Vec<_>>(),
        "parameters": parameters,
    });
    let mut canonical = String::new();
    write_canonical(&request, &mut canonical);
    Sha256::digest(canonical.as_bytes())
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// JSON with object keys sorted at every level and no whitespace; strings and numbers as
/// serde_json writes them.
fn write_canonical(value: &Value, out: &mut String) {
    match value {
        Value::Object(entries) => {
            let mut keys: Vec<&String> = entries.keys().collect();
            keys.sort();
            out.push('{');
            for (i, key) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(key.clone()).to_string());
                out.push(':');
                write_canonical(&entries[key], out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}

/// A string input as its text (so the model reads prose, not a quoted JSON string), any
/// other value as compact JSON.
fn render_input(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// OpenAI requires `json_schema.name` to match `^[a-zA-Z0-9_-]{1,64}$`.
fn schema_name(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .take(64)
        .collect();
    if cleaned.is_empty() {
        "answer".into()
    } else {
        cleaned
    }
}
