//! Static values that were probably meant as expressions.
//!
//! Camunda 8 reads an input mapping's source as FEEL only when it starts with `=`;
//! `source="amount"` passes on the text "amount", not the variable. That is what
//! connector templates rely on (`source="noAuth"`), so a static value is not a mistake in
//! itself. It most likely is one when everything it names is a variable of the process:
//! a name another mapping, a script or a loop writes, or that an expression reads. Only
//! then is it reported, so that literal URLs, methods, numbers and words stay quiet.

use std::collections::BTreeSet;

use super::{Check, Finding, Severity};
use crate::reader::{BpmnElement, Element, Ns};

/// FEEL words that are not names.
const KEYWORDS: &[&str] = &[
    "and",
    "between",
    "else",
    "every",
    "false",
    "for",
    "function",
    "if",
    "in",
    "instance",
    "not",
    "null",
    "of",
    "or",
    "return",
    "satisfies",
    "some",
    "then",
    "true",
];

/// Input mappings of `process` whose static source reads like an expression over its
/// variables.
pub(super) fn check(process: &Element, findings: &mut Vec<Finding>) {
    let elements = process.descendants();
    let known = variables(&elements);
    for el in &elements {
        let Some(io) = el
            .child(Ns::Bpmn, "extensionElements")
            .and_then(|e| e.child(Ns::Zeebe, "ioMapping"))
        else {
            continue;
        };
        for input in io.children.iter().filter(|c| c.is(Ns::Zeebe, "input")) {
            let Some(source) = input.attr("source").map(str::trim) else {
                continue;
            };
            if source.is_empty() || source.starts_with('=') || !names_only(source, &known) {
                continue;
            }
            let target = input.attr("target").unwrap_or_default();
            let mut read: Vec<String> = names(source).iter().map(|n| format!("'{n}'")).collect();
            read.dedup();
            let which = match read.len() {
                1 => format!("{} is a variable", read[0]),
                _ => format!("{} are variables", read.join(", ")),
            };
            findings.push(Finding {
                severity: Severity::Warning,
                check: Check::ForgottenEquals,
                element: el.id().map(str::to_string),
                span: input.attribute("source").map_or(input.span, |a| a.span),
                message: format!(
                    "input mapping for '{target}' passes on the text \"{source}\" (without a \
                     leading =, a source is a static value), but {which} of this process: \
                     write source=\"={source}\" to map the value"
                ),
            });
        }
    }
}

/// Whether `text` is FEEL that names nothing but `known` variables (at least one).
fn names_only(text: &str, known: &BTreeSet<String>) -> bool {
    let names = names(text);
    !names.is_empty()
        && names.iter().all(|name| known.contains(name))
        && baton_feel::Expression::parse(text).is_ok()
}

/// The variables a process has, as far as its XML says: what mappings, scripts,
/// decisions and loops write, and what its expressions read.
fn variables(elements: &[&Element]) -> BTreeSet<String> {
    let mut known = BTreeSet::new();
    let mut add = |name: &str| {
        let head = name.split('.').next().unwrap_or_default().trim();
        if !head.is_empty() {
            known.insert(head.to_string());
        }
    };
    for el in elements {
        let zeebe = el.ns() == Ns::Zeebe;
        match el.name.as_str() {
            "input" | "output" if zeebe => {
                el.attr("target").into_iter().for_each(&mut add);
                if let Some(source) = el.attr("source").map(str::trim)
                    && let Some(expression) = source.strip_prefix('=')
                {
                    names(expression).iter().for_each(|n| add(n));
                }
            }
            "script" | "calledDecision" if zeebe => {
                el.attr("resultVariable").into_iter().for_each(&mut add);
                if let Some(expression) = el.attr("expression") {
                    names(expression.trim_start_matches('='))
                        .iter()
                        .for_each(|n| add(n));
                }
            }
            "loopCharacteristics" if zeebe => {
                for attribute in ["inputElement", "outputCollection"] {
                    el.attr(attribute).into_iter().for_each(&mut add);
                }
                for attribute in ["inputCollection", "outputElement"] {
                    if let Some(expression) = el.attr(attribute) {
                        names(expression.trim_start_matches('='))
                            .iter()
                            .for_each(|n| add(n));
                    }
                }
            }
            "scriptTask" if el.ns() == Ns::Bpmn => {
                el.attr("resultVariable").into_iter().for_each(&mut add);
            }
            "conditionExpression" | "condition" | "completionCondition" | "loopCondition"
                if el.ns() == Ns::Bpmn =>
            {
                names(el.text.trim().trim_start_matches('='))
                    .iter()
                    .for_each(|n| add(n));
            }
            _ => {}
        }
    }
    known
}

/// The variable names FEEL text reads, roughly: words outside string literals that are
/// not keywords, not entries after a `.` and not function calls. Good enough to tell a
/// variable from a word; never used to run anything.
fn names(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut names = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '"' {
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                i += if chars[i] == '\\' { 2 } else { 1 };
            }
            i += 1;
            continue;
        }
        if c.is_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            let after_dot = chars[..start].iter().rev().find(|c| !c.is_whitespace()) == Some(&'.');
            let call = chars[i..].iter().find(|c| !c.is_whitespace()) == Some(&'(');
            if !after_dot && !call && !KEYWORDS.contains(&word.as_str()) {
                names.push(word);
            }
            continue;
        }
        if c.is_ascii_digit() {
            while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.') {
                i += 1;
            }
            continue;
        }
        i += 1;
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_the_variables_an_expression_reads() {
        assert_eq!(names("amount + order.total"), ["amount", "order"]);
        assert_eq!(names("count(items) > limit"), ["items", "limit"]);
        assert_eq!(names(r#""pay-" + region"#), ["region"]);
        assert_eq!(names("x > 1.5 and y = null"), ["x", "y"]);
        assert!(names("20").is_empty());
        assert!(names("true").is_empty());
    }

    #[test]
    fn only_text_naming_known_variables_reads_like_an_expression() {
        let known: BTreeSet<String> = ["amount", "order"].map(String::from).into();
        assert!(names_only("amount", &known));
        assert!(names_only("order.total", &known));
        assert!(names_only("amount * 2", &known));
        for literal in [
            "noAuth",
            "GET",
            "20",
            "application/json",
            "https://api.example.org/orders",
            "amount due",
            "true",
        ] {
            assert!(!names_only(literal, &known), "{literal}");
        }
    }
}
