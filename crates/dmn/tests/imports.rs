//! Imports several levels deep (DMN 1.5 §6.3.3): an element of an imported model is
//! named with the import's name as a prefix, and an element of a model that an imported
//! model imports with both prefixes, in the order of the imports (`b.c.name`); input
//! values are given under the same qualified names.

use baton_dmn::DecisionModel;
use baton_feel::{Context, Value};

const C: &str = r##"<definitions xmlns="https://www.omg.org/spec/DMN/20230324/MODEL/" id="c" name="C" namespace="urn:c">
  <itemDefinition name="tKnownName"><typeRef>string</typeRef>
    <allowedValues><text>"Ann", "Bo"</text></allowedValues></itemDefinition>
  <inputData id="name_c" name="Person name"><variable name="Person name" typeRef="string"/></inputData>
  <decision id="greet_c" name="Greeting C"><variable name="Greeting C" typeRef="string"/>
    <informationRequirement><requiredInput href="#name_c"/></informationRequirement>
    <literalExpression><text>"Hello " + Person name</text></literalExpression>
  </decision>
</definitions>"##;

const B: &str = r##"<definitions xmlns="https://www.omg.org/spec/DMN/20230324/MODEL/" id="b" name="B" namespace="urn:b">
  <import namespace="urn:c" name="modelC" importType="https://www.omg.org/spec/DMN/20230324/MODEL/"/>
  <decision id="greet_b" name="Greeting B"><variable name="Greeting B" typeRef="string"/>
    <informationRequirement><requiredDecision href="urn:c#greet_c"/></informationRequirement>
    <informationRequirement><requiredInput href="urn:c#name_c"/></informationRequirement>
    <literalExpression><text>modelC.Greeting C + " (to " + modelC.Person name + ")"</text></literalExpression>
  </decision>
</definitions>"##;

const A: &str = r##"<definitions xmlns="https://www.omg.org/spec/DMN/20230324/MODEL/" id="a" name="A" namespace="urn:a">
  <import namespace="urn:b" name="Model B" importType="https://www.omg.org/spec/DMN/20230324/MODEL/"/>
  <decision id="top" name="Top"><variable name="Top" typeRef="string"/>
    <informationRequirement><requiredDecision href="urn:b#greet_b"/></informationRequirement>
    <literalExpression><text>Model B.Greeting B</text></literalExpression>
  </decision>
  <decision id="deep" name="Deep"><variable name="Deep" typeRef="string"/>
    <informationRequirement><requiredInput href="urn:c#name_c"/></informationRequirement>
    <literalExpression><text>upper case(Model B.modelC.Person name)</text></literalExpression>
  </decision>
  <decision id="known" name="Known"><variable name="Known" typeRef="Model B.modelC.tKnownName"/>
    <informationRequirement><requiredInput href="urn:c#name_c"/></informationRequirement>
    <literalExpression><text>Model B.modelC.Person name</text></literalExpression>
  </decision>
</definitions>"##;

fn model() -> DecisionModel {
    let definitions: Vec<_> = [A, B, C]
        .iter()
        .map(|source| {
            let parsed = baton_dmn::parse(source);
            assert!(!parsed.has_errors(), "{:#?}", parsed.diagnostics);
            parsed.definitions.expect("a DMN model")
        })
        .collect();
    let model = DecisionModel::new(&definitions);
    assert!(model.diagnostics().is_empty(), "{:#?}", model.diagnostics());
    model
}

/// `{"Model B": {"modelC": {"Person name": name}}}`: the input of model C as model A,
/// which imports it through model B, names it.
fn inputs(name: &str) -> Context {
    let mut c = Context::new();
    c.insert("Person name", Value::string(name));
    let mut b = Context::new();
    b.insert("modelC", Value::context(c));
    let mut a = Context::new();
    a.insert("Model B", Value::context(b));
    a
}

#[test]
fn input_data_of_an_imported_model_s_import_is_qualified_by_both_imports() {
    let model = model();
    let top = model
        .evaluate("Top", &inputs("Ann"))
        .expect("the decision exists");
    assert_eq!(
        top.value.to_string(),
        r#""Hello Ann (to Ann)""#,
        "{:?}",
        top.warnings
    );
    let deep = model
        .evaluate("Deep", &inputs("Bo"))
        .expect("the decision exists");
    assert_eq!(deep.value.to_string(), r#""BO""#, "{:?}", deep.warnings);
}

#[test]
fn a_qualified_input_that_is_missing_is_null() {
    let model = model();
    let deep = model
        .evaluate("Deep", &Context::new())
        .expect("the decision exists");
    assert!(deep.value.is_null(), "{}", deep.value);
}

#[test]
fn a_type_of_an_imported_model_s_import_is_qualified_by_both_imports() {
    let model = model();
    let known = model
        .evaluate("Known", &inputs("Bo"))
        .expect("the decision exists");
    assert_eq!(known.value.to_string(), r#""Bo""#, "{:?}", known.warnings);
    let unknown = model
        .evaluate("Known", &inputs("Cy"))
        .expect("the decision exists");
    assert!(unknown.value.is_null(), "{}", unknown.value);
    assert!(
        unknown.warnings.iter().any(|w| w.contains("tKnownName")),
        "{:?}",
        unknown.warnings
    );
}
