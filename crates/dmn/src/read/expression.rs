//! Boxed expressions: literal, context, relation, list, invocation, function definition,
//! conditional, filter, for/some/every, and decision tables (read in [`super::table`]).

use baton_xml::Element;

use super::{Reader, table, type_ref};
use crate::model::{
    Binding, ContextEntry, Expression, ExpressionKind, FunctionDefinition, FunctionKind,
    IteratorKind, Text, Variable,
};

const KINDS: &[&str] = &[
    "literalExpression",
    "decisionTable",
    "context",
    "relation",
    "list",
    "invocation",
    "functionDefinition",
    "conditional",
    "filter",
    "for",
    "some",
    "every",
];

/// The boxed expression inside `parent`, if it has one.
pub(crate) fn optional(r: &mut Reader, parent: &Element) -> Option<Expression> {
    let el = parent
        .children
        .iter()
        .find(|c| KINDS.iter().any(|k| r.is(c, k)))?;
    Some(read(r, el))
}

/// The boxed expression inside `parent`, which must have one; a missing one is reported
/// and read as an empty literal (null).
fn required(r: &mut Reader, parent: &Element, what: &str) -> Expression {
    optional(r, parent).unwrap_or_else(|| {
        r.error(parent, format!("{what} has no expression"));
        empty(parent)
    })
}

fn empty(el: &Element) -> Expression {
    Expression {
        id: None,
        type_ref: None,
        kind: ExpressionKind::Literal(Text {
            text: String::new(),
            span: el.span,
        }),
        span: el.span,
    }
}

/// The expression inside a wrapper element such as `<if>` or `<in>`.
fn wrapped(r: &mut Reader, el: &Element, wrapper: &str) -> Box<Expression> {
    let expression = match r.child(el, wrapper) {
        Some(inner) => required(r, inner, &format!("<{wrapper}>")),
        None => {
            r.error(el, format!("<{}> has no <{wrapper}>", el.qualified));
            empty(el)
        }
    };
    Box::new(expression)
}

fn information_item(el: &Element) -> Variable {
    Variable {
        name: el.attr("name").unwrap_or_default().trim().to_string(),
        type_ref: type_ref(el),
    }
}

pub(crate) fn read(r: &mut Reader, el: &Element) -> Expression {
    let kind = match el.name.as_str() {
        "literalExpression" => ExpressionKind::Literal(r.text_of(el, "text").unwrap_or(Text {
            text: String::new(),
            span: el.span,
        })),
        "decisionTable" => ExpressionKind::DecisionTable(table::read(r, el)),
        "context" => {
            let entries: Vec<&Element> = r.children(el, "contextEntry").collect();
            ExpressionKind::Context(
                entries
                    .into_iter()
                    .map(|entry| ContextEntry {
                        variable: r.child(entry, "variable").map(information_item),
                        value: required(r, entry, "context entry"),
                    })
                    .collect(),
            )
        }
        "relation" => {
            let columns = r.children(el, "column").map(information_item).collect();
            let rows: Vec<&Element> = r.children(el, "row").collect();
            let rows = rows
                .into_iter()
                .map(|row| {
                    let cells: Vec<&Element> = row
                        .children
                        .iter()
                        .filter(|c| KINDS.iter().any(|k| r.is(c, k)))
                        .collect();
                    cells.into_iter().map(|cell| read(r, cell)).collect()
                })
                .collect();
            ExpressionKind::Relation { columns, rows }
        }
        "list" => {
            let items: Vec<&Element> = el
                .children
                .iter()
                .filter(|c| KINDS.iter().any(|k| r.is(c, k)))
                .collect();
            ExpressionKind::List(items.into_iter().map(|item| read(r, item)).collect())
        }
        "invocation" => {
            let callee = match optional(r, el).map(|e| e.kind) {
                Some(ExpressionKind::Literal(text)) => text,
                _ => {
                    r.error(
                        el,
                        "<invocation> must name the invoked function in a <literalExpression>",
                    );
                    Text::default()
                }
            };
            let bindings: Vec<&Element> = r.children(el, "binding").collect();
            let bindings = bindings
                .into_iter()
                .map(|binding| Binding {
                    parameter: r
                        .child(binding, "parameter")
                        .map(information_item)
                        .unwrap_or_default(),
                    value: optional(r, binding),
                })
                .collect();
            ExpressionKind::Invocation { callee, bindings }
        }
        "functionDefinition" => ExpressionKind::Function(function_definition(r, el)),
        "conditional" => ExpressionKind::Conditional {
            condition: wrapped(r, el, "if"),
            then: wrapped(r, el, "then"),
            otherwise: wrapped(r, el, "else"),
        },
        "filter" => ExpressionKind::Filter {
            list: wrapped(r, el, "in"),
            condition: wrapped(r, el, "match"),
        },
        "for" | "some" | "every" => {
            let (kind, body) = match el.name.as_str() {
                "for" => (IteratorKind::For, "return"),
                "some" => (IteratorKind::Some, "satisfies"),
                _ => (IteratorKind::Every, "satisfies"),
            };
            let variable = el.attr("iteratorVariable").unwrap_or_default().to_string();
            if variable.is_empty() {
                r.error(el, format!("<{}> has no iteratorVariable", el.qualified));
            }
            ExpressionKind::Iterator {
                kind,
                variable,
                domain: wrapped(r, el, "in"),
                body: wrapped(r, el, body),
            }
        }
        _ => {
            r.error(el, format!("<{}> is not a boxed expression", el.qualified));
            return empty(el);
        }
    };
    Expression {
        id: el.id().map(str::to_string),
        type_ref: type_ref(el),
        kind,
        span: el.span,
    }
}

/// `<functionDefinition>` or a BKM's `<encapsulatedLogic>`.
pub(crate) fn function_definition(r: &mut Reader, el: &Element) -> FunctionDefinition {
    let kind = match el.attr("kind").unwrap_or("FEEL") {
        "Java" => FunctionKind::Java,
        "PMML" => FunctionKind::Pmml,
        _ => FunctionKind::Feel,
    };
    FunctionDefinition {
        parameters: r
            .children(el, "formalParameter")
            .map(information_item)
            .collect(),
        body: optional(r, el).map(Box::new),
        kind,
    }
}
