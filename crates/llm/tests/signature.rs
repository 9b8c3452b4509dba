//! Signatures: the type grammar, DSPy's shorthand, the outputs' JSON Schema and the check of
//! an answer.

use baton_llm::signature::{Invalid, Signature};
use baton_llm::{Field, FieldType};
use serde_json::json;

/// Reads `text` as a type and compares its canonical spelling (or the error) with `expect`.
fn check_type(text: &str, expect: &str) {
    let got = match text.parse::<FieldType>() {
        Ok(kind) => kind.to_string(),
        Err(error) => format!("error: {error}"),
    };
    assert_eq!(got, expect, "type {text:?}");
}

#[test]
fn types_read_as_the_issue_and_dspy_write_them() {
    check_type("string", "string");
    check_type(" str ", "string");
    check_type("float", "number");
    check_type("int", "integer");
    check_type("bool", "boolean");
    check_type("enum(billing,bug,other)", "enum(billing,bug,other)");
    check_type("enum( billing , bug )", "enum(billing,bug)");
    check_type("Literal['billing', \"bug\"]", "enum(billing,bug)");
    check_type("enum('in progress', done)", "enum(in progress,done)");
    check_type("list(string)", "list(string)");
    check_type("list[str]", "list(string)");
    check_type("List[list[int]]", "list(list(integer))");
    check_type("dict[str, int]", "object");
    check_type("object", "object");
}

#[test]
fn type_errors_say_where_and_what() {
    check_type(
        "strng",
        "error: column 1: unknown type `strng`; expected string, number, integer, boolean, enum(a,b,...), list(T) or object",
    );
    check_type(
        "list(strin)",
        "error: column 6: unknown type `strin`; expected string, number, integer, boolean, enum(a,b,...), list(T) or object",
    );
    check_type(
        "enum()",
        "error: column 1: `enum` needs at least one value, as in enum(a,b)",
    );
    check_type(
        "enum(a,b",
        "error: column 9: expected `,` or `)`, found the end",
    );
    check_type("list", "error: column 5: expected `(`, found the end");
    check_type(
        "string x",
        "error: column 8: expected the end of the type, found `x`",
    );
}

fn field(name: &str, kind: &str) -> Field {
    Field {
        name: name.into(),
        kind: kind.parse().expect("a valid type"),
        description: String::new(),
        source: None,
    }
}

#[test]
fn the_dspy_shorthand_gives_typed_inputs_and_outputs() {
    let signature = Signature::parse_shorthand(
        "triage",
        "ticket: str, customer_tier: str -> category: enum(billing,bug,other), confidence: float",
    )
    .expect("valid");
    assert_eq!(signature.name, "triage");
    assert_eq!(
        signature.inputs,
        vec![field("ticket", "string"), field("customer_tier", "string")]
    );
    assert_eq!(
        signature.outputs,
        vec![
            field("category", "enum(billing,bug,other)"),
            field("confidence", "number")
        ]
    );
    // Untyped fields are strings, as in DSPy, and Python's generics nest.
    let signature =
        Signature::parse_shorthand("qa", "question -> answer, tags: list[str]").expect("valid");
    assert_eq!(signature.inputs, vec![field("question", "string")]);
    assert_eq!(
        signature.outputs,
        vec![field("answer", "string"), field("tags", "list(string)")]
    );
}

fn shorthand_error(text: &str) -> String {
    match Signature::parse_shorthand("s", text) {
        Ok(signature) => format!("parsed: {signature:?}"),
        Err(error) => error.to_string(),
    }
}

#[test]
fn shorthand_errors_name_the_field_and_column() {
    assert_eq!(
        shorthand_error("ticket: str -> category: enm(a,b)"),
        "field `category`: column 26: unknown type `enm`; expected string, number, integer, boolean, enum(a,b,...), list(T) or object"
    );
    assert_eq!(
        shorthand_error("ticket: str, category: str"),
        "column 27: expected `->` between the inputs and the outputs, found the end"
    );
    assert_eq!(
        shorthand_error("ticket -> "),
        "column 11: expected a field name, found the end"
    );
    assert_eq!(shorthand_error("a, a -> b"), "field `a` is declared twice");
    assert_eq!(
        shorthand_error("a -> b -> c"),
        "column 8: expected `,` or the end of the signature, found `-> c`"
    );
}

fn ticket() -> Signature {
    Signature {
        name: "classify ticket".into(),
        instructions: "Classify the support ticket.".into(),
        inputs: vec![field("ticket", "string")],
        outputs: vec![
            Field {
                description: "the ticket's kind".into(),
                ..field("category", "enum(billing,bug,other)")
            },
            field("confidence", "number"),
            field("urgent", "boolean"),
            field("tags", "list(string)"),
            field("priority", "integer"),
        ],
    }
}

#[test]
fn the_output_schema_lists_every_output_as_required_and_nothing_else() {
    assert_eq!(
        ticket().output_schema(),
        json!({
            "type": "object",
            "properties": {
                "category": {"type": "string", "enum": ["billing", "bug", "other"], "description": "the ticket's kind"},
                "confidence": {"type": "number"},
                "urgent": {"type": "boolean"},
                "tags": {"type": "array", "items": {"type": "string"}},
                "priority": {"type": "integer"},
            },
            "required": ["category", "confidence", "urgent", "tags", "priority"],
            "additionalProperties": false,
        })
    );
}

#[test]
fn a_valid_answer_gives_typed_values_without_undeclared_fields() {
    let answer = r#"{"reasoning": "charged twice", "category": "Billing", "confidence": 0.92,
        "urgent": true, "tags": ["invoice", "refund"], "priority": 2.0}"#;
    let values = ticket().validate(answer).expect("valid");
    assert_eq!(
        serde_json::Value::Object(values),
        json!({"category": "billing", "confidence": 0.92, "urgent": true, "tags": ["invoice", "refund"], "priority": 2})
    );
    // A fenced answer, as models without constrained output write it, is read too.
    let fenced = "```json\n{\"category\": \"bug\", \"confidence\": 1, \"urgent\": false, \"tags\": [], \"priority\": 1}\n```";
    assert_eq!(ticket().validate(fenced).expect("valid")["category"], "bug");
}

fn invalid(answer: &str) -> (Option<String>, String) {
    let error: Invalid = ticket().validate(answer).expect_err("an invalid answer");
    (error.field().map(str::to_string), error.to_string())
}

#[test]
fn an_invalid_answer_names_the_field_and_what_was_expected() {
    let valid_rest = r#""confidence": 0.5, "urgent": false, "tags": [], "priority": 3"#;
    assert_eq!(
        invalid(&format!(r#"{{"category": "refund-please", {valid_rest}}}"#)),
        (
            Some("category".into()),
            r#"field `category`: expected one of billing, bug, other, got "refund-please""#.into()
        )
    );
    assert_eq!(
        invalid(
            r#"{"category": "bug", "confidence": 0.5, "urgent": false, "tags": ["a", 3], "priority": 3}"#
        ),
        (
            Some("tags[1]".into()),
            "field `tags[1]`: expected a string, got 3".into()
        )
    );
    assert_eq!(
        invalid(r#"{"category": "bug", "confidence": "high", "urgent": false, "tags": [], "priority": 3}"#).1,
        r#"field `confidence`: expected a number, got "high""#
    );
    assert_eq!(
        invalid(r#"{"category": "bug", "confidence": 0.5, "urgent": false, "tags": [], "priority": 2.5}"#).1,
        "field `priority`: expected an integer, got 2.5"
    );
    assert_eq!(
        invalid(r#"{"category": "bug", "confidence": 0.5, "tags": [], "priority": 3}"#).1,
        "field `urgent` is missing; expected true or false"
    );
    let (field, message) = invalid("Sure! This ticket is about billing.");
    assert_eq!(field, None);
    assert!(
        message.starts_with("the answer is not a JSON object (")
            && message.ends_with("expected an object with the fields category (enum(billing,bug,other)), confidence (number), urgent (boolean), tags (list(string)), priority (integer)"),
        "{message}"
    );
}

/// The column an error points at, for errors that have one.
fn column(error: &baton_llm::signature::Error) -> Option<usize> {
    use baton_llm::signature::Error;
    match error {
        Error::UnknownType { column, .. }
        | Error::Expected { column, .. }
        | Error::EmptyEnum { column, .. } => Some(*column),
        Error::InField { error, .. } => column(error),
        Error::Duplicate { .. } | Error::NoOutputs { .. } => None,
    }
}

#[test]
fn every_cut_of_a_signature_reads_or_fails_with_a_column_inside_it() {
    let text = "tïcket: str, tier: Literal['a', \"b\"] -> cat: enum(x, y), n: list[list(int)], d: dict[str, int],";
    let chars: Vec<char> = text.chars().collect();
    for end in 0..=chars.len() {
        let cut: String = chars[..end].iter().collect();
        for result in [
            Signature::parse_shorthand("s", &cut).map(|_| ()),
            cut.parse::<FieldType>().map(|_| ()),
        ] {
            if let Err(error) = result
                && let Some(column) = column(&error)
            {
                assert!(
                    (1..=end + 1).contains(&column),
                    "{cut:?}: {error} points outside the text"
                );
            }
        }
    }
}
