//! Evaluating decisions end to end: requirements in dependency order, decision tables
//! with their hit policies, contexts and BKM invocations.

use baton_dmn::{DecisionModel, Outcome};
use baton_feel::{Context, Value};

fn model() -> DecisionModel {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/test_data/shipping.dmn");
    let parsed = baton_dmn::parse_file(std::path::Path::new(path)).expect("fixture readable");
    assert!(!parsed.has_errors(), "{:#?}", parsed.diagnostics);
    let model = DecisionModel::new(&[parsed.definitions.expect("a DMN model")]);
    assert!(model.diagnostics().is_empty(), "{:#?}", model.diagnostics());
    model
}

fn inputs(json: &str) -> Context {
    let json: serde_json::Value = serde_json::from_str(json).expect("valid JSON");
    match Value::from_json(&json) {
        Value::Context(c) => (*c).clone(),
        other => panic!("inputs must be an object, got {other}"),
    }
}

fn decide(decision: &str, json: &str) -> Outcome {
    model()
        .evaluate(decision, &inputs(json))
        .expect("the decision exists")
}

#[test]
fn a_first_hit_table_takes_the_first_matching_rule_and_gives_a_context() {
    let out = decide("cost", r#"{"parcel": {"country": "DE", "weight": 1.5}}"#);
    assert_eq!(
        out.value.to_string(),
        r#"{"price": 4.99, "carrier": "post"}"#
    );
    assert_eq!(out.matched_rules.len(), 1);
    assert_eq!(out.matched_rules[0].rule, "light_home");
    assert_eq!(out.matched_rules[0].annotations, ["letter-sized"]);
    assert!(out.warnings.is_empty(), "{:?}", out.warnings);
}

#[test]
fn required_decisions_are_evaluated_first_and_negated_entries_match() {
    let out = decide("cost", r#"{"parcel": {"country": "FR", "weight": 4}}"#);
    assert_eq!(
        out.value.to_string(),
        r#"{"price": 12, "carrier": "courier"}"#
    );
    assert_eq!(out.matched_rules[0].rule, "abroad");
}

#[test]
fn collect_sum_adds_every_matching_output() {
    let out = decide(
        "surcharges",
        r#"{"parcel": {"fragile": true, "weight": 25}}"#,
    );
    assert_eq!(out.value.to_string(), "7");
    assert_eq!(out.matched_rules.len(), 2);
    let none = decide(
        "surcharges",
        r#"{"parcel": {"fragile": false, "weight": 1}}"#,
    );
    assert_eq!(none.value, Value::Null);
}

#[test]
fn contexts_invoke_business_knowledge_models() {
    let out = decide(
        "summary",
        r#"{"parcel": {"country": "DE", "weight": 10, "fragile": true}}"#,
    );
    assert_eq!(out.value.to_string(), "12.0");
}

#[test]
fn an_input_of_the_wrong_type_is_null_with_a_warning_never_a_silent_match() {
    let out = decide(
        "cost",
        r#"{"parcel": {"country": "DE", "weight": "heavy"}}"#,
    );
    assert_eq!(out.value, Value::Null);
    assert!(!out.warnings.is_empty(), "a warning explains the null");
}

#[test]
fn an_unknown_decision_names_the_ones_there_are() {
    let error = model()
        .evaluate("price", &Context::new())
        .expect_err("no such decision");
    let message = error.to_string();
    assert!(message.contains("cost"), "{message}");
}

fn inline(source: &str) -> DecisionModel {
    let parsed = baton_dmn::parse(source);
    assert!(!parsed.has_errors(), "{:#?}", parsed.diagnostics);
    DecisionModel::new(&[parsed.definitions.expect("a DMN model")])
}

#[test]
fn random_numbers_come_from_the_caller_s_generator_also_inside_business_knowledge_models() {
    let model = inline(
        r##"<definitions xmlns="https://www.omg.org/spec/DMN/20230324/MODEL/" id="d" name="d" namespace="n">
             <businessKnowledgeModel id="draw" name="draw">
               <encapsulatedLogic><literalExpression><text>random number()</text></literalExpression></encapsulatedLogic>
             </businessKnowledgeModel>
             <decision id="dice" name="dice">
               <knowledgeRequirement><requiredKnowledge href="#draw"/></knowledgeRequirement>
               <literalExpression><text>[random number(), draw(), uuid()]</text></literalExpression>
             </decision>
           </definitions>"##,
    );
    let random = baton_feel::Random::new(5);
    let drawn = model
        .evaluate_with("dice", &Context::new(), None, Some(&random))
        .expect("the decision exists");
    assert!(drawn.warnings.is_empty(), "{:?}", drawn.warnings);
    let Value::List(items) = &drawn.value else {
        panic!("a list, got {}", drawn.value)
    };
    let (Value::Number(a), Value::Number(b)) = (&items[0], &items[1]) else {
        panic!("two numbers, got {}", drawn.value)
    };
    assert!(a != b && (0.0..1.0).contains(&a.to_f64()) && (0.0..1.0).contains(&b.to_f64()));
    let without = model
        .evaluate("dice", &Context::new())
        .expect("the decision exists");
    assert_eq!(without.value.to_string(), "[null, null, null]");
    assert!(
        without.warnings[0].contains("randomness"),
        "{:?}",
        without.warnings
    );
}

#[test]
fn now_is_the_time_the_caller_supplies_and_null_without_one() {
    let model = inline(
        r#"<definitions xmlns="https://www.omg.org/spec/DMN/20230324/MODEL/" id="d" name="d" namespace="n">
             <decision id="stamp" name="stamp"><literalExpression><text>string(today()) + " " + string(now().hour)</text></literalExpression></decision>
           </definitions>"#,
    );
    let noon = baton_feel::temporal::DateTime::from_unix_millis(1_767_268_800_000);
    let at = model
        .evaluate_at("stamp", &Context::new(), noon.as_ref())
        .expect("the decision exists");
    assert_eq!(at.value.to_string(), r#""2026-01-01 12""#);
    let without = model
        .evaluate("stamp", &Context::new())
        .expect("the decision exists");
    assert!(without.value.is_null());
    assert!(
        without.warnings[0].contains("current time"),
        "{:?}",
        without.warnings
    );
}

#[test]
fn a_bkm_can_return_a_function_that_remembers_its_arguments() {
    let model = inline(
        r##"<definitions xmlns="https://www.omg.org/spec/DMN/20230324/MODEL/" id="d" name="d" namespace="n">
             <businessKnowledgeModel id="times" name="times">
               <encapsulatedLogic>
                 <formalParameter name="factor" typeRef="number"/>
                 <functionDefinition>
                   <formalParameter name="x" typeRef="number"/>
                   <literalExpression><text>factor * x</text></literalExpression>
                 </functionDefinition>
               </encapsulatedLogic>
             </businessKnowledgeModel>
             <businessKnowledgeModel id="apply" name="apply">
               <encapsulatedLogic>
                 <formalParameter name="f"/>
                 <literalExpression><text>f(7)</text></literalExpression>
               </encapsulatedLogic>
             </businessKnowledgeModel>
             <decision id="triple" name="triple">
               <knowledgeRequirement><requiredKnowledge href="#times"/></knowledgeRequirement>
               <literalExpression><text>times(3)(5)</text></literalExpression>
             </decision>
             <decision id="passed" name="passed">
               <knowledgeRequirement><requiredKnowledge href="#apply"/></knowledgeRequirement>
               <knowledgeRequirement><requiredKnowledge href="#times"/></knowledgeRequirement>
               <literalExpression><text>apply(times(2))</text></literalExpression>
             </decision>
           </definitions>"##,
    );
    let value = |decision: &str| {
        let outcome = model
            .evaluate(decision, &Context::new())
            .expect("the decision exists");
        assert!(outcome.warnings.is_empty(), "{:?}", outcome.warnings);
        outcome.value.to_string()
    };
    assert_eq!(value("triple"), "15");
    assert_eq!(value("passed"), "14");
}

/// DMN 1.5 10.3.2.13 and 8.3.11 (boxed iterators): `some` is a disjunction and `every` a
/// conjunction of the `satisfies` results in three-valued logic, so results that are not
/// booleans make them null unless another result decides.
#[test]
fn boxed_some_and_every_are_null_when_satisfies_is_not_boolean() {
    let boxed = |n: usize, kind: &str, domain: &str, satisfies: &str| {
        format!(
            r#"<decision id="d{n}" name="d{n}"><{kind} iteratorVariable="x">
                 <in><literalExpression><text>{domain}</text></literalExpression></in>
                 <satisfies><literalExpression><text>{satisfies}</text></literalExpression></satisfies>
               </{kind}></decision>"#
        )
    };
    let cases = [
        ("some", "[1, 2]", "x > 1", "true"),
        ("some", "[1, 2]", "x > 5", "false"),
        ("some", "[1, 2]", "x", "null"),
        ("some", "[1, null]", "x > 0", "true"),
        ("some", "[0, null]", "x > 0", "null"),
        ("every", "[1, 2]", "x > 0", "true"),
        ("every", "[1, 2]", "\"yes\"", "null"),
        ("every", "[0, null]", "x > 0", "false"),
        ("every", "[1, null]", "x > 0", "null"),
        ("every", "[]", "x", "true"),
    ];
    let decisions: String = cases
        .iter()
        .enumerate()
        .map(|(n, (kind, domain, satisfies, _))| boxed(n, kind, domain, satisfies))
        .collect();
    let model = inline(&format!(
        r#"<definitions xmlns="https://www.omg.org/spec/DMN/20230324/MODEL/" id="d" name="d" namespace="n">{decisions}</definitions>"#
    ));
    for (n, (kind, domain, satisfies, expected)) in cases.into_iter().enumerate() {
        let outcome = model
            .evaluate(&format!("d{n}"), &Context::new())
            .expect("the decision exists");
        assert_eq!(
            outcome.value.to_string(),
            expected,
            "{kind} x in {domain} satisfies {satisfies}"
        );
    }
}
