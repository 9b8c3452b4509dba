//! FEEL text in a model, parsed once at deploy time.
//!
//! Camunda 8 reads an attribute in one of two ways. Where it *requires* an expression (a
//! sequence flow's condition, a correlation key, an input collection, a script, an output
//! mapping's source) the text is FEEL; Baton accepts it with or without the leading `=`
//! Camunda writes, as BPMN models from other tools have no `=`. Where an expression is
//! *optional* (an input mapping's source, a job type or retries, a timer, a called
//! process id, an assignee) the text is FEEL only when it starts with `=`, and otherwise
//! the value itself: `source="20"` is the string "20", `type="pay"` the job type "pay".

use baton_feel::Expression;
use baton_model::StaticOrExpression;

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

/// Parses a FEEL expression written `at` a place in the model that requires one, with or
/// without Camunda's leading `=`. `what` names the expression in the error ("output
/// mapping for 'x'").
pub(crate) fn parse(text: &str, at: At<'_>, what: &str, report: &mut Report) -> Option<Expression> {
    parse_for(Purpose::Value, text, at, what, report)
}

/// Reads an attribute that is a static value unless it starts with `=`: the expression
/// after the `=`, or the trimmed text as it is. `None` when the expression does not parse
/// (the report says why).
pub(crate) fn static_or_expression(
    text: &str,
    at: At<'_>,
    what: &str,
    report: &mut Report,
) -> Option<StaticOrExpression<String>> {
    let trimmed = text.trim();
    if trimmed.starts_with('=') {
        let expression = parse(trimmed, at, what, report)?;
        return Some(StaticOrExpression::Expression(expression));
    }
    Some(StaticOrExpression::Static(trimmed.to_string()))
}

/// An input mapping's source as an expression: FEEL after a leading `=`; otherwise the
/// text itself, as a FEEL string literal (Camunda passes `source="noAuth"` on as the string
/// "noAuth"); and `null` when there is no source or it is empty (Camunda's way of declaring
/// a local variable without a value).
pub(crate) fn input_source(
    text: Option<&str>,
    at: At<'_>,
    what: &str,
    report: &mut Report,
) -> Option<Expression> {
    let trimmed = text.map(str::trim).unwrap_or("");
    if trimmed.starts_with('=') {
        return parse(trimmed, at, what, report);
    }
    // Untrimmed: Camunda keeps a static value's spaces, and a string literal can hold
    // any text once its quotes and backslashes are escaped.
    let literal = match text {
        Some(text) if !trimmed.is_empty() => string_literal(text),
        _ => "null".to_string(),
    };
    match Expression::parse(&literal) {
        Ok(expression) => Some(expression),
        Err(error) => {
            report.error_at(
                at.span,
                at.element,
                format!("{what}: the text cannot be passed on as it is: {error}"),
            );
            None
        }
    }
}

/// A name that may be written as `=expression` (a message's or signal's): the text, or
/// the string its expression gives. Baton matches messages and signals by names known
/// when the model is deployed, as Camunda does for start events, so an expression may not
/// read variables. `None` after reporting why.
pub(crate) fn constant_name(
    text: &str,
    at: At<'_>,
    what: &str,
    report: &mut Report,
) -> Option<String> {
    let trimmed = text.trim();
    if !trimmed.starts_with('=') {
        return Some(text.to_string());
    }
    let expression = parse(trimmed, at, what, report)?;
    let evaluation = expression.evaluate(&baton_feel::EmptyScope);
    match evaluation.value {
        baton_feel::Value::String(name) if evaluation.warnings.is_empty() => Some(name.to_string()),
        other => {
            report.error_at(
                at.span,
                at.element,
                format!(
                    "{what} `{}` must give a string without reading variables (it gave \
                     {other}): Baton works out message and signal names when the model is \
                     deployed; write the name itself",
                    expression.source()
                ),
            );
            None
        }
    }
}

/// The FEEL string literal whose value is `text`.
fn string_literal(text: &str) -> String {
    let mut literal = String::with_capacity(text.len() + 2);
    literal.push('"');
    for c in text.chars() {
        match c {
            '"' => literal.push_str("\\\""),
            '\\' => literal.push_str("\\\\"),
            '\n' => literal.push_str("\\n"),
            '\r' => literal.push_str("\\r"),
            '\t' => literal.push_str("\\t"),
            c => literal.push(c),
        }
    }
    literal.push('"');
    literal
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

/// Parses a condition written in an attribute that requires one (`askWhen`), with or
/// without Camunda's leading `=`, with [`condition`]'s hints.
pub(crate) fn required_condition(
    text: &str,
    at: At<'_>,
    what: &str,
    report: &mut Report,
) -> Option<Expression> {
    parse_for(Purpose::Condition, text, at, what, report)
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
                Purpose::Value if trimmed.starts_with('=') => String::new(),
                // Camunda refuses a static value where an expression is required; text
                // that is not FEEL was most likely meant as that text.
                Purpose::Value => {
                    format!(" (this takes an expression; for the text itself, write =\"{body}\")")
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
    fn a_required_expression_may_leave_out_the_leading_equals() {
        let mut report = Report::default();
        let with = parse("= a > 1", element(), "condition", &mut report).expect("parses");
        let without = parse("a > 1", element(), "condition", &mut report).expect("parses");
        assert_eq!(with.source(), without.source());
        assert!(!report.has_errors());
    }

    /// What an input mapping with this source maps, evaluated with no variables.
    fn input(source: Option<&str>) -> baton_feel::Value {
        let mut report = Report::default();
        let expression = input_source(source, element(), "input", &mut report).expect("reads");
        assert!(!report.has_errors());
        expression.evaluate(&baton_feel::EmptyScope).value
    }

    #[test]
    fn an_input_source_without_equals_is_its_text() {
        for text in [
            "noAuth",
            "20",
            "https://api.example.org/v1?a=1&b=2",
            "application/json",
            r#"say "hi" \ bye"#,
            "line\nnot a newline",
            " padded ",
        ] {
            assert_eq!(input(Some(text)), baton_feel::Value::from(text), "{text}");
        }
        assert_eq!(input(Some("=20")), baton_feel::Value::from(20));
        assert_eq!(
            input(Some(" = \"a\" + \"b\"")),
            baton_feel::Value::from("ab")
        );
    }

    #[test]
    fn an_input_without_a_source_maps_null() {
        for source in [None, Some(""), Some("   ")] {
            assert_eq!(input(source), baton_feel::Value::Null, "{source:?}");
        }
    }

    #[test]
    fn static_values_are_taken_as_written_and_expressions_parsed() {
        let mut report = Report::default();
        let job_type = static_or_expression(" pay ", element(), "job type", &mut report);
        assert!(matches!(job_type, Some(StaticOrExpression::Static(t)) if t == "pay"));
        let computed =
            static_or_expression("=\"pay-\" + region", element(), "job type", &mut report);
        assert!(
            matches!(&computed, Some(StaticOrExpression::Expression(e)) if e.source() == "\"pay-\" + region")
        );
        assert!(static_or_expression("=\"pay-\" +", element(), "job type", &mut report).is_none());
        assert_eq!(report.finish().len(), 1);
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
