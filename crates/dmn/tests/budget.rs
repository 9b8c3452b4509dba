//! Evaluation budgets across a decision: business knowledge models that call themselves
//! (through FEEL or a boxed invocation) count against the same call depth and steps as
//! the FEEL that calls them, and a decision that goes past a limit is null with a warning
//! naming it, never a crash.

use baton_dmn::DecisionModel;
use baton_feel::{Context, Limits, Value};

/// A model whose decision `d` evaluates `text` with the BKM `down(n)` in scope; `down`'s
/// body is `body` (a FEEL literal expression, or a boxed expression as XML).
fn model(text: &str, body: &str) -> DecisionModel {
    let source = format!(
        r##"<definitions xmlns="https://www.omg.org/spec/DMN/20230324/MODEL/" id="m" name="m" namespace="n">
             <decision id="d" name="d">
               <knowledgeRequirement><requiredKnowledge href="#down"/></knowledgeRequirement>
               <literalExpression><text>{text}</text></literalExpression>
             </decision>
             <businessKnowledgeModel id="down" name="down">
               <knowledgeRequirement><requiredKnowledge href="#down"/></knowledgeRequirement>
               <encapsulatedLogic>
                 <formalParameter name="n" typeRef="number"/>
                 {body}
               </encapsulatedLogic>
             </businessKnowledgeModel>
           </definitions>"##
    );
    let parsed = baton_dmn::parse(&source);
    assert!(!parsed.has_errors(), "{:#?}", parsed.diagnostics);
    DecisionModel::new(&[parsed.definitions.expect("a DMN model")])
}

fn feel(body: &str) -> String {
    format!("<literalExpression><text>{body}</text></literalExpression>")
}

/// Asserts the decision's value (its FEEL text), or with `Err` that it is null with a
/// warning containing the text.
#[track_caller]
fn check(model: &DecisionModel, expected: Result<&str, &str>) {
    let outcome = model
        .evaluate("d", &Context::new())
        .expect("decision d exists");
    match expected {
        Ok(value) => {
            assert_eq!(outcome.value.to_string(), value, "{:?}", outcome.warnings);
            assert!(outcome.warnings.is_empty(), "{:?}", outcome.warnings);
        }
        Err(limit) => {
            assert_eq!(outcome.value, Value::Null);
            assert!(
                outcome.warnings.iter().any(|w| w.contains(limit)),
                "expected a warning naming '{limit}', got {:?}",
                outcome.warnings
            );
        }
    }
}

#[test]
fn a_bkm_recursing_endlessly_through_feel_stops_at_the_depth_limit() {
    check(
        &model("down(1)", &feel("down(n + 1)")),
        Err("call depth limit of 10000"),
    );
}

#[test]
fn a_bkm_invoking_itself_as_a_boxed_invocation_stops_at_the_depth_limit() {
    let invocation = r#"<invocation>
            <literalExpression><text>down</text></literalExpression>
            <binding><parameter name="n"/><literalExpression><text>n + 1</text></literalExpression></binding>
        </invocation>"#;
    check(&model("down(1)", invocation), Err("call depth limit"));
}

#[test]
fn the_decision_shares_one_step_budget_with_its_bkms() {
    let limits = Limits {
        max_steps: 50_000,
        ..Limits::default()
    };
    // Each call alone is small; together they are more than the budget.
    let small = feel("count(for i in 1..100 return i)");
    let model = model("sum(for i in 1..1000 return down(i))", &small).with_limits(limits);
    check(&model, Err("step budget of 50000 steps"));
    let fits = self::model("sum(for i in 1..10 return down(i))", &small).with_limits(limits);
    check(&fits, Ok("1000"));
}

#[test]
fn a_decision_nesting_lists_past_the_limit_is_null_with_a_warning() {
    check(
        &model("down(200)", &feel("if n = 0 then [] else [down(n - 1)]")),
        Err("nesting limit of 100"),
    );
}

/// A BKM calling itself at depths up to a million, on the test thread's own small stack:
/// it evaluates or names the limit, and the process never aborts.
#[test]
fn a_bkm_calling_itself_at_any_depth_evaluates_or_names_the_limit() {
    let countdown = feel("if n = 0 then 0 else down(n - 1)");
    for depth in [10, 1_000, 10_000, 100_000, 1_000_000] {
        let expected = if depth <= 10_000 {
            Ok("0")
        } else {
            Err("call depth limit of 10000")
        };
        check(&model(&format!("down({depth})"), &countdown), expected);
    }
}
