//! `docs/schema/workflow.json`, the JSON Schema editors check workflow files with, names
//! exactly the keys the reader accepts at each place (`baton_yaml::keys`).

use std::collections::BTreeSet;

use baton_yaml::keys;
use serde_json::Value;

fn schema() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/schema/workflow.json"
    );
    let text = std::fs::read_to_string(path).expect("docs/schema/workflow.json is readable");
    serde_json::from_str(&text).expect("the schema is JSON")
}

fn properties(schema: &Value) -> BTreeSet<String> {
    schema["properties"]
        .as_object()
        .expect("an object with properties")
        .keys()
        .cloned()
        .collect()
}

fn set(table: &[&str]) -> BTreeSet<String> {
    table.iter().map(|k| k.to_string()).collect()
}

#[test]
fn the_schema_names_the_keys_the_reader_accepts() {
    let schema = schema();
    assert_eq!(properties(&schema), set(keys::WORKFLOW), "the top level");
    for (def, table) in [
        ("input", keys::INPUT),
        ("phase", keys::PHASE),
        ("gate", keys::GATE),
        ("approval", keys::APPROVAL),
        ("exit", keys::EXIT),
        ("schemaCheck", keys::SCHEMA_CHECK),
        ("template", keys::TEMPLATE),
        ("decision", keys::DECISION),
        ("llm", keys::LLM),
        ("fallback", keys::FALLBACK),
        ("signature", keys::SIGNATURE),
        ("signatureInput", keys::SIGNATURE_INPUT),
        ("signatureOutput", keys::SIGNATURE_OUTPUT),
        ("retry", keys::RETRY),
        ("phaseResources", keys::PHASE_RESOURCES),
    ] {
        let found = &schema["$defs"][def];
        assert_eq!(properties(found), set(table), "$defs.{def}");
        assert_eq!(
            found["additionalProperties"],
            Value::Bool(false),
            "$defs.{def} refuses other keys, as the reader does"
        );
    }
}
