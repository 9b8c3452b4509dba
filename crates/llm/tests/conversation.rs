//! The ask / check / re-ask exchange: answers in, outcomes and the next request out.

use baton_llm::prompt::Role;
use baton_llm::signature::Signature;
use baton_llm::{Conversation, Outcome};
use serde_json::{Map, Value, json};

fn ticket() -> Signature {
    Signature::parse_shorthand("ticket", "ticket -> category: enum(billing,bug,other)")
        .expect("a valid signature")
}

fn inputs() -> Map<String, Value> {
    [("ticket".to_string(), json!("I was billed twice"))]
        .into_iter()
        .collect()
}

/// Feeds `answers` in order and describes each outcome and the length of the next request.
fn check(max_reasks: u32, answers: &[&str], expect: &[&str]) {
    let signature = ticket();
    let mut conversation = Conversation::new(&signature, &inputs(), max_reasks);
    let got: Vec<String> = answers
        .iter()
        .map(|answer| match conversation.answer(answer) {
            Outcome::Valid(values) => format!("valid {}", Value::Object(values)),
            Outcome::Reask(problem) => {
                format!(
                    "reask ({problem}), {} messages",
                    conversation.messages().len()
                )
            }
            Outcome::Invalid(problem) => format!("invalid ({problem})"),
        })
        .collect();
    assert_eq!(got, expect);
}

#[test]
fn a_valid_first_answer_is_the_result() {
    check(
        1,
        &[r#"{"category": "billing", "note": "dropped"}"#],
        &[r#"valid {"category":"billing"}"#],
    );
}

#[test]
fn an_invalid_answer_is_reasked_within_the_budget() {
    check(
        1,
        &["Sure! It is about billing.", r#"{"category": "bug"}"#],
        &[
            "reask (the answer is not a JSON object (expected value at line 1 column 1); expected an object with the fields category (enum(billing,bug,other))), 4 messages",
            r#"valid {"category":"bug"}"#,
        ],
    );
}

#[test]
fn an_answer_still_invalid_after_the_reasks_is_the_incident_naming_the_field() {
    let wrong = r#"{"category": "refund-please"}"#;
    let problem = r#"field `category`: expected one of billing, bug, other, got "refund-please""#;
    check(
        1,
        &[wrong, wrong],
        &[
            &format!("reask ({problem}), 4 messages"),
            &format!("invalid ({problem})"),
        ],
    );
    check(0, &[wrong], &[&format!("invalid ({problem})")]);
}

#[test]
fn the_reask_carries_the_invalid_answer_and_the_problem() {
    let signature = ticket();
    let mut conversation = Conversation::new(&signature, &inputs(), 2);
    let first = conversation.messages().to_vec();
    conversation.answer("{}");
    let messages = conversation.messages();
    assert_eq!(messages[..2], first[..]);
    assert_eq!(
        (messages[2].role, messages[2].content.as_str()),
        (Role::Assistant, "{}")
    );
    assert!(messages[3].content.contains("field `category` is missing"));
}
