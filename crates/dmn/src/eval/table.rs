//! Decision tables (DMN 1.5 §8.3): match every rule against the inputs, then apply the
//! hit policy, and the aggregation for COLLECT.

use baton_feel::{Context, Number, Value};

use super::boxed::{Frames, feel_matches, feel_value};
use super::compile::{CompiledRule, CompiledTable};
use super::{MatchedRule, Ref, Run};
use crate::model::{Aggregation, HitPolicy};

pub(crate) fn evaluate(
    run: &mut Run<'_>,
    at: Ref,
    table: &CompiledTable,
    frames: &mut Frames,
) -> Value {
    let mut inputs = Vec::with_capacity(table.inputs.len());
    for (index, input) in table.inputs.iter().enumerate() {
        let value = match input {
            Some(feel) => feel_value(run, at, feel, frames),
            None => Value::Null,
        };
        let value = match table.input_types.get(index) {
            Some(Some(type_ref)) => {
                let what = format!(
                    "{}: input '{}'",
                    run.decision_name(at),
                    table.input_names.get(index).map_or("", String::as_str)
                );
                run.coerce(at.0, value, Some(type_ref), &what)
            }
            _ => value,
        };
        if let Some(Some(allowed)) = table.input_values.get(index)
            && value != Value::Null
            && feel_matches(run, at, allowed, &value, frames) != Some(true)
        {
            run.warn(format!(
                "{}: input '{}' is {value}, which is not one of its allowed values",
                run.decision_name(at),
                table.input_names.get(index).map_or("", String::as_str)
            ));
            return Value::Null;
        }
        inputs.push(value);
    }

    let mut matches: Vec<&CompiledRule> = Vec::new();
    for rule in &table.rules {
        let mut all = true;
        for (entry, input) in rule.tests.iter().zip(&inputs) {
            if let Some(entry) = entry
                && feel_matches(run, at, entry, input, frames) != Some(true)
            {
                all = false;
                break;
            }
        }
        if all {
            matches.push(rule);
        }
    }

    let single = table.output_names.len() == 1;
    let outputs_of = |run: &mut Run<'_>, frames: &mut Frames, rule: &CompiledRule| -> Value {
        let values: Vec<Value> = rule
            .outputs
            .iter()
            .enumerate()
            .map(|(i, output)| {
                let value = match output {
                    Some(feel) => feel_value(run, at, feel, frames),
                    None => Value::Null,
                };
                check_output(run, at, table, i, value, frames)
            })
            .collect();
        shape(table, values, single)
    };

    let hit = |run: &mut Run<'_>, rule: &CompiledRule| {
        run.matched.push(MatchedRule {
            decision: run.decision_name(at).to_string(),
            rule: rule
                .id
                .clone()
                .unwrap_or_else(|| format!("rule {}", rule.index + 1)),
            annotations: rule.annotations.clone(),
        });
    };

    match table.hit_policy {
        HitPolicy::Unique | HitPolicy::Any | HitPolicy::First | HitPolicy::Priority => {
            if matches.is_empty() {
                return defaults(run, at, table, frames, single);
            }
            let chosen = match table.hit_policy {
                HitPolicy::Unique if matches.len() > 1 => {
                    let ids: Vec<String> = matches.iter().map(|r| rule_name(r)).collect();
                    run.warn(format!(
                        "{}: hit policy UNIQUE, but rules {} all match",
                        run.decision_name(at),
                        ids.join(", ")
                    ));
                    return Value::Null;
                }
                HitPolicy::Any => {
                    let values: Vec<Value> =
                        matches.iter().map(|r| outputs_of(run, frames, r)).collect();
                    if values.windows(2).any(|w| w[0] != w[1]) {
                        run.warn(format!(
                            "{}: hit policy ANY, but the matching rules give different outputs",
                            run.decision_name(at)
                        ));
                        return Value::Null;
                    }
                    matches[0]
                }
                HitPolicy::Priority => {
                    let mut best = matches[0];
                    let mut best_rank = priority(run, at, table, best, frames);
                    for &rule in &matches[1..] {
                        let rank = priority(run, at, table, rule, frames);
                        if rank < best_rank {
                            best = rule;
                            best_rank = rank;
                        }
                    }
                    best
                }
                _ => matches[0],
            };
            hit(run, chosen);
            outputs_of(run, frames, chosen)
        }
        HitPolicy::Collect | HitPolicy::RuleOrder | HitPolicy::OutputOrder => {
            // No rule matched: the default output, when the table has one.
            if matches.is_empty() && table.defaults.iter().any(Option::is_some) {
                let default = defaults(run, at, table, frames, single);
                return match table.aggregation {
                    Some(_) => default,
                    None => Value::list(vec![default]),
                };
            }
            let mut ordered = matches.clone();
            if table.hit_policy == HitPolicy::OutputOrder {
                let mut ranked: Vec<(Vec<usize>, &CompiledRule)> = ordered
                    .iter()
                    .map(|r| (priority(run, at, table, r, frames), *r))
                    .collect();
                ranked.sort_by(|a, b| a.0.cmp(&b.0));
                ordered = ranked.into_iter().map(|(_, r)| r).collect();
            }
            let mut values = Vec::with_capacity(ordered.len());
            for rule in ordered {
                hit(run, rule);
                values.push(outputs_of(run, frames, rule));
            }
            match table.aggregation {
                None => Value::list(values),
                Some(aggregation) => aggregate(run, at, aggregation, values),
            }
        }
    }
}

fn rule_name(rule: &CompiledRule) -> String {
    rule.id
        .clone()
        .unwrap_or_else(|| format!("rule {}", rule.index + 1))
}

/// One output value, or a context of all outputs (named by the table's output names).
fn shape(table: &CompiledTable, values: Vec<Value>, single: bool) -> Value {
    if single {
        return values.into_iter().next().unwrap_or(Value::Null);
    }
    let mut context = Context::new();
    for (name, value) in table.output_names.iter().zip(values) {
        context.insert(name.clone(), value);
    }
    Value::context(context)
}

fn defaults(
    run: &mut Run<'_>,
    at: Ref,
    table: &CompiledTable,
    frames: &mut Frames,
    single: bool,
) -> Value {
    if table.defaults.iter().all(Option::is_none) {
        return Value::Null;
    }
    let values = table
        .defaults
        .iter()
        .map(|d| match d {
            Some(feel) => feel_value(run, at, feel, frames),
            None => Value::Null,
        })
        .collect();
    shape(table, values, single)
}

/// An output value outside the output's allowed values is an error: null with a warning.
fn check_output(
    run: &mut Run<'_>,
    at: Ref,
    table: &CompiledTable,
    index: usize,
    value: Value,
    frames: &mut Frames,
) -> Value {
    let Some(Some(allowed)) = table.output_values.get(index) else {
        return value;
    };
    if value == Value::Null {
        return value;
    }
    match feel_value(run, at, allowed, frames) {
        Value::List(list) if !list.contains(&value) => {
            run.warn(format!(
                "{}: output {value} is not one of the allowed output values",
                run.decision_name(at)
            ));
            Value::Null
        }
        _ => value,
    }
}

/// The rank of a rule's outputs in the outputs' allowed-values lists (lower is higher
/// priority), compared output by output.
fn priority(
    run: &mut Run<'_>,
    at: Ref,
    table: &CompiledTable,
    rule: &CompiledRule,
    frames: &mut Frames,
) -> Vec<usize> {
    let mut ranks = Vec::new();
    for (index, output) in rule.outputs.iter().enumerate() {
        let Some(Some(allowed)) = table.output_values.get(index) else {
            continue;
        };
        let value = match output {
            Some(feel) => feel_value(run, at, feel, frames),
            None => Value::Null,
        };
        let rank = match feel_value(run, at, allowed, frames) {
            Value::List(list) => list.iter().position(|v| *v == value).unwrap_or(usize::MAX),
            _ => usize::MAX,
        };
        ranks.push(rank);
    }
    ranks
}

fn aggregate(run: &mut Run<'_>, at: Ref, aggregation: Aggregation, values: Vec<Value>) -> Value {
    if aggregation == Aggregation::Count {
        return Value::Number(Number::from_i64(values.len() as i64));
    }
    let mut numbers = Vec::with_capacity(values.len());
    for value in values {
        match value {
            Value::Number(n) => numbers.push(n),
            Value::Null => {}
            other => {
                run.warn(format!(
                    "{}: COLLECT with an aggregation needs numbers, got {other}",
                    run.decision_name(at)
                ));
                return Value::Null;
            }
        }
    }
    if numbers.is_empty() {
        return Value::Null;
    }
    let result = match aggregation {
        Aggregation::Sum => numbers
            .iter()
            .try_fold(Number::from_i64(0), |acc, n| acc.add(*n)),
        Aggregation::Min => numbers.iter().copied().min(),
        Aggregation::Max => numbers.iter().copied().max(),
        Aggregation::Count => None,
    };
    result.map_or(Value::Null, Value::Number)
}
