//! Prompts: what the model is told, the re-ask after an invalid answer, the response format
//! and the digest that names a request.

use baton_llm::prompt::{self, OutputMode};
use baton_llm::signature::Signature;
use baton_llm::{Message, Role, prompt_digest};
use serde_json::{Map, Value, json};

fn ticket() -> Signature {
    let mut signature = Signature::parse_shorthand(
        "classify ticket",
        "ticket: str, customer_tier: str, history: list[str] -> category: enum(billing,bug,other), confidence: float",
    )
    .expect("a valid signature");
    signature.instructions = "Classify the support ticket.".into();
    signature.outputs[0].description = "what the ticket is about".into();
    signature
}

fn inputs(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

#[test]
fn the_system_message_carries_instructions_and_outputs_the_user_message_every_input() {
    let messages = prompt::messages(
        &ticket(),
        &inputs(
            json!({"ticket": "Double charge: I was billed twice", "customer_tier": "gold", "history": ["a", "b"], "unused": 1}),
        ),
    );
    assert_eq!(
        messages,
        vec![
            Message::new(
                Role::System,
                "Classify the support ticket.\n\n\
                 Answer with one JSON object and nothing else, with these fields:\n\
                 - category (enum(billing,bug,other)): what the ticket is about\n\
                 - confidence (number)"
            ),
            Message::new(
                Role::User,
                "ticket: Double charge: I was billed twice\ncustomer_tier: gold\nhistory: [\"a\",\"b\"]"
            ),
        ]
    );
}

#[test]
fn a_reask_repeats_the_conversation_with_the_invalid_answer_and_the_error() {
    let signature = ticket();
    let first = prompt::messages(&signature, &Map::new());
    let answer = r#"{"category": "refund-please", "confidence": 0.5}"#;
    let problem = signature.validate(answer).expect_err("an invalid answer");
    let again = prompt::reask(&first, answer, &problem);
    assert_eq!(again[..2], first[..]);
    assert_eq!(again[2], Message::new(Role::Assistant, answer));
    assert_eq!(again[3].role, Role::User);
    assert!(
        again[3].content.contains(
            r#"field `category`: expected one of billing, bug, other, got "refund-please""#
        ),
        "{}",
        again[3].content
    );
}

#[test]
fn the_response_format_is_the_outputs_json_schema_or_json_mode() {
    let format = prompt::response_format(&ticket(), OutputMode::JsonSchema);
    assert_eq!(format["type"], "json_schema");
    assert_eq!(format["json_schema"]["name"], "classify_ticket");
    assert_eq!(format["json_schema"]["schema"], ticket().output_schema());
    assert_eq!(
        prompt::response_format(&ticket(), OutputMode::JsonObject),
        json!({"type": "json_object"})
    );
}

fn small_prompt() -> Vec<Message> {
    vec![
        Message::new(Role::System, "Be brief."),
        Message::new(Role::User, "q: hi"),
    ]
}

#[test]
fn the_digest_is_sha256_of_a_canonical_form_that_ignores_key_order() {
    // The digest is a stored cache key: this value, computed outside Rust over
    // {"messages":[...],"model":"m1","parameters":{...},"provider":"stub"} with sorted keys
    // and no spaces, must not change.
    let expected = "e19ac56ebcdc07dc5b72c74cea173520d1714a4fe226ee8dfe37bf11a32e45fe";
    let parameters = json!({"temperature": 0.5, "a": [1, {"c": null, "b": true}]});
    assert_eq!(
        prompt_digest("stub", "m1", &small_prompt(), &parameters),
        expected
    );
    let reordered = json!({"a": [1, {"b": true, "c": null}], "temperature": 0.5});
    assert_eq!(
        prompt_digest("stub", "m1", &small_prompt(), &reordered),
        expected
    );
}

#[test]
fn the_digest_changes_with_provider_model_messages_or_parameters() {
    let parameters = json!({"temperature": 0.5});
    let base = prompt_digest("stub", "m1", &small_prompt(), &parameters);
    let mut other_messages = small_prompt();
    other_messages[1].content = "q: hello".into();
    for other in [
        prompt_digest("local", "m1", &small_prompt(), &parameters),
        prompt_digest("stub", "m2", &small_prompt(), &parameters),
        prompt_digest("stub", "m1", &other_messages, &parameters),
        prompt_digest("stub", "m1", &small_prompt(), &json!({"temperature": 0.7})),
    ] {
        assert_ne!(other, base);
    }
}
