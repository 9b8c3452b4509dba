//! `<decisionTable>`: inputs, outputs, rules, hit policy and aggregation.

use baton_xml::Element;

use super::{Reader, type_ref};
use crate::model::{Aggregation, DecisionTable, HitPolicy, Rule, TableInput, TableOutput, Text};

pub(crate) fn read(r: &mut Reader, el: &Element) -> DecisionTable {
    let hit_policy = match el.attr("hitPolicy").unwrap_or("UNIQUE") {
        "UNIQUE" => HitPolicy::Unique,
        "FIRST" => HitPolicy::First,
        "PRIORITY" => HitPolicy::Priority,
        "ANY" => HitPolicy::Any,
        "COLLECT" => HitPolicy::Collect,
        "RULE ORDER" => HitPolicy::RuleOrder,
        "OUTPUT ORDER" => HitPolicy::OutputOrder,
        other => {
            r.error(
                el,
                format!(
                    "unknown hit policy '{other}': use UNIQUE, FIRST, PRIORITY, ANY, COLLECT, \
                     RULE ORDER or OUTPUT ORDER"
                ),
            );
            HitPolicy::Unique
        }
    };
    let aggregation = match el.attr("aggregation") {
        None => None,
        Some("SUM") => Some(Aggregation::Sum),
        Some("COUNT") => Some(Aggregation::Count),
        Some("MIN") => Some(Aggregation::Min),
        Some("MAX") => Some(Aggregation::Max),
        Some(other) => {
            r.error(
                el,
                format!("unknown aggregation '{other}': use SUM, COUNT, MIN or MAX"),
            );
            None
        }
    };
    if aggregation.is_some() && hit_policy != HitPolicy::Collect {
        r.error(
            el,
            "an aggregation is only allowed with the COLLECT hit policy",
        );
    }
    let inputs: Vec<TableInput> = r
        .children(el, "input")
        .collect::<Vec<_>>()
        .into_iter()
        .map(|input| {
            let expression = r.child(input, "inputExpression");
            TableInput {
                label: input.attr("label").map(str::to_string),
                expression: expression
                    .and_then(|e| r.text_of(e, "text"))
                    .unwrap_or_else(|| {
                        r.error(
                            input,
                            "a decision table input has no <inputExpression><text>",
                        );
                        Text::default()
                    }),
                type_ref: expression.and_then(type_ref),
                input_values: r
                    .child(input, "inputValues")
                    .and_then(|v| r.text_of(v, "text")),
            }
        })
        .collect();
    let outputs: Vec<TableOutput> = r
        .children(el, "output")
        .map(|output| TableOutput {
            name: output.attr("name").map(str::to_string),
            label: output.attr("label").map(str::to_string),
            type_ref: type_ref(output),
            output_values: r
                .child(output, "outputValues")
                .and_then(|v| r.text_of(v, "text")),
            default: r
                .child(output, "defaultOutputEntry")
                .and_then(|v| r.text_of(v, "text")),
        })
        .collect();
    if outputs.is_empty() {
        r.error(el, "a decision table needs at least one <output>");
    }
    let rules: Vec<&Element> = r.children(el, "rule").collect();
    let rules = rules
        .into_iter()
        .map(|rule| {
            let texts = |r: &Reader, tag: &str| -> Vec<Text> {
                r.children(rule, tag)
                    .map(|entry| r.text_of(entry, "text").unwrap_or_default())
                    .collect()
            };
            let read = Rule {
                id: rule.id().map(str::to_string),
                inputs: texts(r, "inputEntry"),
                outputs: texts(r, "outputEntry"),
                annotations: r
                    .children(rule, "annotationEntry")
                    .map(|a| r.text_of(a, "text").map(|t| t.text).unwrap_or_default())
                    .collect(),
                span: rule.span,
            };
            if read.inputs.len() != inputs.len() || read.outputs.len() != outputs.len() {
                r.error(
                    rule,
                    format!(
                        "the rule has {} input and {} output entries; the table has {} inputs \
                         and {} outputs",
                        read.inputs.len(),
                        read.outputs.len(),
                        inputs.len(),
                        outputs.len()
                    ),
                );
            }
            read
        })
        .collect();
    DecisionTable {
        hit_policy,
        aggregation,
        inputs,
        outputs,
        rules,
        output_label: el.attr("outputLabel").map(str::to_string),
    }
}
