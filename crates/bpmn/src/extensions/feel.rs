//! FEEL text in a model, parsed once at deploy time.

use baton_feel::Expression;

use crate::reader::Element;
use crate::report::{At, Report};

/// What an expression is for, which decides the hint when it does not parse.
#[derive(Clone, Copy)]
enum Purpose {
    /// Any value: a mapping source, a script, a key.
    Value,
    /// A condition, which gives true or false.
    Condition,
}

/// Parses a FEEL expression written `at` a place in the model, with or without Camunda's
/// leading `=`. `what` names the expression in the error ("input mapping 'x'").
pub(crate) fn parse(text: &str, at: At<'_>, what: &str, report: &mut Report) -> Option<Expression> {
    parse_for(Purpose::Value, text, at, what, report)
}

/// Parses the condition written in `holder` (a `<conditionExpression>`, `<condition>`,
/// `<loopCondition>` or `<completionCondition>` of `owner`): as [`parse`], with hints fit
/// for a boolean expression. A `language` other than FEEL is an error instead: the text
/// is JavaScript or Groovy or JUEL, and read as FEEL it would mean something else.
pub(crate) fn condition(
    owner: &Element,
    holder: &Element,
    what: &str,
    report: &mut Report,
) -> Option<Expression> {
    let language = holder.attr("language").map(str::trim).unwrap_or("");
    if !language.is_empty() && !language.to_ascii_lowercase().contains("feel") {
        let at = At::attribute(owner, holder, "language");
        report.error_at(
            at.span,
            at.element,
            format!(
                "{what} is written in '{language}', but Baton evaluates only FEEL conditions: \
                 rewrite it in FEEL (for example =amount > 100) and remove \
                 language=\"{language}\""
            ),
        );
        return None;
    }
    let at = At::inside(owner, holder);
    parse_for(Purpose::Condition, &holder.text, at, what, report)
}

fn parse_for(
    purpose: Purpose,
    text: &str,
    at: At<'_>,
    what: &str,
    report: &mut Report,
) -> Option<Expression> {
    let trimmed = text.trim();
    let body = trimmed.strip_prefix('=').unwrap_or(trimmed).trim();
    if body.is_empty() {
        report.error_at(
            at.span,
            at.element,
            format!("{what} is empty: write a FEEL expression"),
        );
        return None;
    }
    match Expression::parse(body) {
        Ok(expression) => Some(expression),
        Err(error) => {
            let hint = match purpose {
                Purpose::Condition => condition_hint(trimmed, body),
                // Camunda treats text without `=` as a literal; Baton reads it as FEEL, so
                // a literal has to be quoted. Say so when that is the likely mistake.
                Purpose::Value if trimmed.starts_with('=') => String::new(),
                Purpose::Value => {
                    format!(" (for the text itself, write it as a FEEL string: \"{body}\")")
                }
            };
            report.error_at(
                at.span,
                at.element,
                format!("{what} is not valid FEEL: {error}: `{body}`{hint}"),
            );
            None
        }
    }
}

/// A condition that is not FEEL is rarely meant as text (a string is never true): it is
/// usually written in another expression language, or not meant as an expression at all
/// when it lacks the `=` that marks one.
fn condition_hint(trimmed: &str, body: &str) -> String {
    let hint = if body.starts_with("${") || body.starts_with("#{") {
        "${...} is a Camunda 7 (JUEL) expression; Baton's conditions are FEEL without braces, \
         such as =amount > 100"
    } else if ["&&", "||", "=="].iter().any(|op| body.contains(op)) {
        "FEEL writes and, or and = where other languages write &&, || and =="
    } else if !trimmed.starts_with('=') {
        "a condition is a FEEL expression that gives true or false, such as =amount > 100 or \
         =status = \"approved\""
    } else {
        return String::new();
    };
    format!(" ({hint})")
}

#[cfg(test)]
mod tests {
    use baton_model::Span;

    use super::*;

    fn element() -> At<'static> {
        At {
            span: Span { line: 1, column: 1 },
            element: Some("flow"),
        }
    }

    #[test]
    fn camunda_leading_equals_is_optional() {
        let mut report = Report::default();
        let with = parse("= a > 1", element(), "condition", &mut report).expect("parses");
        let without = parse("a > 1", element(), "condition", &mut report).expect("parses");
        assert_eq!(with.source(), without.source());
        assert!(!report.has_errors());
    }

    fn condition_error(text: &str) -> String {
        let xml = format!("<flow id=\"f\"><c><![CDATA[{text}]]></c></flow>");
        let flow = baton_xml::read(&xml).expect("well formed");
        let mut report = Report::default();
        assert!(condition(&flow, &flow.children[0], "condition", &mut report).is_none());
        report.finish()[0].message.clone()
    }

    #[test]
    fn conditions_that_do_not_parse_get_a_hint_for_a_boolean_expression() {
        let juel = condition_error("${amount > 100}");
        assert!(juel.ends_with("(${...} is a Camunda 7 (JUEL) expression; Baton's conditions are FEEL without braces, such as =amount > 100)"), "{juel}");
        let c_like = condition_error("=amount > 100 && vip");
        assert!(
            c_like
                .ends_with("(FEEL writes and, or and = where other languages write &&, || and ==)"),
            "{c_like}"
        );
        let prose = condition_error("ship it");
        assert!(prose.contains("gives true or false"), "{prose}");
        assert!(!prose.contains("FEEL string"), "{prose}");
    }

    #[test]
    fn syntax_errors_name_the_expression_and_the_element() {
        let mut report = Report::default();
        assert!(parse("=a >", element(), "condition", &mut report).is_none());
        let diagnostics = report.finish();
        assert_eq!(diagnostics[0].element.as_deref(), Some("flow"));
        assert!(
            diagnostics[0]
                .message
                .starts_with("condition is not valid FEEL"),
            "{}",
            diagnostics[0].message
        );
    }
}
