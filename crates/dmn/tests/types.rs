//! Type conformance wherever a `typeRef` applies (DMN 1.5 §7.3.2 item definitions,
//! §10.3.2.9 conformance and §10.3.2.9.4 conversions): a value that does not conform
//! becomes null, and the evaluation's warnings say which value and which type.

use baton_dmn::{DecisionModel, Outcome};
use baton_feel::{Context, Value};

const HEAD: &str = r#"<definitions xmlns="https://www.omg.org/spec/DMN/20230324/MODEL/" id="d" name="d" namespace="n">"#;

const ITEMS: &str = r#"
  <itemDefinition name="tAge"><typeRef>number</typeRef>
    <allowedValues><text>[0..150]</text></allowedValues></itemDefinition>
  <itemDefinition name="tColour"><typeRef>string</typeRef>
    <allowedValues><text>"red", "green"</text></allowedValues></itemDefinition>
  <itemDefinition name="tNumbers" isCollection="true"><typeRef>number</typeRef></itemDefinition>
  <itemDefinition name="tSmallNumbers" isCollection="true"><typeRef>number</typeRef>
    <typeConstraint><text>&lt; 10</text></typeConstraint></itemDefinition>
  <itemDefinition name="tPerson">
    <itemComponent name="name"><typeRef>string</typeRef></itemComponent>
    <itemComponent name="age"><typeRef>tAge</typeRef></itemComponent>
  </itemDefinition>
  <itemDefinition name="tPeople" isCollection="true"><typeRef>tPerson</typeRef></itemDefinition>
"#;

fn model(body: &str) -> DecisionModel {
    let parsed = baton_dmn::parse(&format!("{HEAD}{ITEMS}{body}</definitions>"));
    assert!(!parsed.has_errors(), "{:#?}", parsed.diagnostics);
    let model = DecisionModel::new(&[parsed.definitions.expect("a DMN model")]);
    assert!(model.diagnostics().is_empty(), "{:#?}", model.diagnostics());
    model
}

fn decide(model: &DecisionModel, decision: &str) -> Outcome {
    model
        .evaluate(decision, &Context::new())
        .expect("the decision exists")
}

/// One decision per case: `expression` evaluated and typed `type_ref`.
fn check(cases: &[(&str, &str, &str)]) {
    let body: String = cases
        .iter()
        .enumerate()
        .map(|(n, (type_ref, expression, _))| {
            format!(
                r#"<decision id="d{n}" name="d{n}"><variable name="d{n}" typeRef="{type_ref}"/>
                   <literalExpression><text>{expression}</text></literalExpression></decision>"#
            )
        })
        .collect();
    let model = model(&body);
    for (n, (type_ref, expression, expected)) in cases.iter().enumerate() {
        let outcome = decide(&model, &format!("d{n}"));
        assert_eq!(
            outcome.value.to_string(),
            *expected,
            "`{expression}` as {type_ref}: {:?}",
            outcome.warnings
        );
        let warned = outcome
            .warnings
            .iter()
            .any(|w| w.starts_with(&format!("d{n}:")));
        assert_eq!(
            warned,
            *expected == "null",
            "`{expression}` as {type_ref}: {:?}",
            outcome.warnings
        );
    }
}

#[test]
fn base_types() {
    check(&[
        ("number", "1.5", "1.5"),
        ("number", "\"1.5\"", "null"),
        ("string", "\"a\"", r#""a""#),
        ("string", "1", "null"),
        ("boolean", "1 > 0", "true"),
        ("boolean", "\"true\"", "null"),
        ("date", "@\"2020-01-01\"", "2020-01-01"),
        ("date", "@\"2020-01-01T10:00:00\"", "null"),
        ("time", "@\"10:00:00\"", "10:00:00"),
        ("time", "@\"2020-01-01\"", "null"),
        // §10.3.2.9.4: a date where a date and time is expected is its midnight UTC.
        ("date and time", "@\"2020-01-01\"", "2020-01-01T00:00:00Z"),
        ("date and time", "@\"10:00:00\"", "null"),
        ("years and months duration", "@\"P1Y2M\"", "P1Y2M"),
        ("years and months duration", "@\"P1D\"", "null"),
        ("days and time duration", "@\"PT2H\"", "PT2H"),
        ("days and time duration", "@\"P1Y\"", "null"),
        ("Any", "[1, \"a\"]", r#"[1, "a"]"#),
        ("context", "{a: 1}", r#"{"a": 1}"#),
        ("context", "[1]", "null"),
    ]);
}

#[test]
fn lists_and_contexts_conform_item_by_item_and_entry_by_entry() {
    check(&[
        ("list&lt;number&gt;", "[1, 2, null]", "[1, 2, null]"),
        ("list&lt;number&gt;", "[1, \"a\"]", "null"),
        // A single value conforms to a list of its type as a list of one.
        ("list&lt;number&gt;", "3", "[3]"),
        // A list of one conforms to its item's type through the item.
        ("number", "[3]", "3"),
        ("number", "[[3]]", "null"),
        // Contexts need the entries the type names; extra entries are allowed.
        (
            "context&lt;a: number&gt;",
            "{a: 1, b: \"x\"}",
            r#"{"a": 1, "b": "x"}"#,
        ),
        ("context&lt;a: number&gt;", "{a: \"x\"}", "null"),
        ("context&lt;a: number&gt;", "{b: 1}", "null"),
        ("range&lt;number&gt;", "[1..2]", "[1..2]"),
        ("range&lt;number&gt;", "[\"a\"..\"b\"]", "null"),
        ("function", "function(x) x", "function(x)"),
        ("function", "1", "null"),
    ]);
}

#[test]
fn item_definitions_with_constraints_collections_and_components() {
    check(&[
        ("tAge", "30", "30"),
        ("tAge", "200", "null"),
        ("tAge", "\"30\"", "null"),
        ("tColour", "\"red\"", r#""red""#),
        ("tColour", "\"blue\"", "null"),
        ("tNumbers", "[1, 2]", "[1, 2]"),
        ("tNumbers", "5", "[5]"),
        ("tNumbers", "[1, \"a\"]", "null"),
        // DMN 1.5's typeConstraint restricts a collection's items.
        ("tSmallNumbers", "[1, 9]", "[1, 9]"),
        ("tSmallNumbers", "[1, 10]", "null"),
        (
            "tPerson",
            "{name: \"Ann\", age: 30, extra: true}",
            r#"{"name": "Ann", "age": 30, "extra": true}"#,
        ),
        ("tPerson", "{name: \"Ann\", age: 300}", "null"),
        ("tPerson", "{name: 1, age: 30}", "null"),
        ("tPerson", "{name: \"Ann\"}", "null"),
        (
            "tPeople",
            "[{name: \"Ann\", age: 30}]",
            r#"[{"name": "Ann", "age": 30}]"#,
        ),
        (
            "tPeople",
            "[{name: \"Ann\", age: 30}, {name: \"Bo\", age: -1}]",
            "null",
        ),
    ]);
}

#[test]
fn business_knowledge_models_type_their_parameters_and_results() {
    let model = model(
        r##"<businessKnowledgeModel id="double" name="double">
              <variable name="double" typeRef="tAge"/>
              <encapsulatedLogic>
                <formalParameter name="x" typeRef="number"/>
                <literalExpression><text>x * 2</text></literalExpression>
              </encapsulatedLogic>
            </businessKnowledgeModel>
            <decision id="fits" name="fits">
              <knowledgeRequirement><requiredKnowledge href="#double"/></knowledgeRequirement>
              <literalExpression><text>double(30)</text></literalExpression>
            </decision>
            <decision id="too_old" name="too_old">
              <knowledgeRequirement><requiredKnowledge href="#double"/></knowledgeRequirement>
              <literalExpression><text>double(100)</text></literalExpression>
            </decision>
            <decision id="not_a_number" name="not_a_number">
              <knowledgeRequirement><requiredKnowledge href="#double"/></knowledgeRequirement>
              <literalExpression><text>double("30")</text></literalExpression>
            </decision>
            <decision id="typed_lambda" name="typed_lambda">
              <literalExpression><text>(function(a: number) a + 1)("1")</text></literalExpression>
            </decision>"##,
    );
    assert_eq!(decide(&model, "fits").value.to_string(), "60");
    for decision in ["too_old", "not_a_number", "typed_lambda"] {
        let outcome = decide(&model, decision);
        assert!(outcome.value.is_null(), "{decision}: {}", outcome.value);
        assert!(!outcome.warnings.is_empty(), "{decision}: no warning");
    }
    assert!(
        decide(&model, "too_old").warnings[0].contains("tAge"),
        "{:?}",
        decide(&model, "too_old").warnings
    );
}

#[test]
fn a_decision_service_argument_of_the_wrong_type_is_null() {
    let model = model(
        r##"<inputData id="amount" name="amount"><variable name="amount" typeRef="number"/></inputData>
            <decision id="echo" name="echo">
              <informationRequirement><requiredInput href="#amount"/></informationRequirement>
              <literalExpression><text>if amount = null then "no amount" else amount</text></literalExpression>
            </decision>
            <decisionService id="svc" name="svc">
              <outputDecision href="#echo"/>
              <inputData href="#amount"/>
            </decisionService>
            <decision id="right" name="right">
              <knowledgeRequirement><requiredKnowledge href="#svc"/></knowledgeRequirement>
              <literalExpression><text>svc(5)</text></literalExpression>
            </decision>
            <decision id="wrong" name="wrong">
              <knowledgeRequirement><requiredKnowledge href="#svc"/></knowledgeRequirement>
              <literalExpression><text>svc("5")</text></literalExpression>
            </decision>"##,
    );
    assert_eq!(decide(&model, "right").value.to_string(), "5");
    let wrong = decide(&model, "wrong");
    assert_eq!(wrong.value.to_string(), r#""no amount""#);
    assert!(
        wrong.warnings.iter().any(|w| w.contains("amount")),
        "{:?}",
        wrong.warnings
    );
    let mut inputs = Context::new();
    inputs.insert("amount", Value::string("5"));
    let direct = model
        .evaluate_service("svc", &inputs)
        .expect("the service exists");
    assert_eq!(direct.value.to_string(), r#""no amount""#);
}
