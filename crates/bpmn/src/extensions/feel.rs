//! FEEL text in a model, parsed once at deploy time.

use baton_feel::Expression;

use crate::reader::Element;
use crate::report::Report;

/// Parses a FEEL expression written in `el`, with or without Camunda's leading `=`.
/// `what` names the expression in the error ("condition", "input mapping 'x'").
pub(crate) fn parse(
    text: &str,
    el: &Element,
    what: &str,
    report: &mut Report,
) -> Option<Expression> {
    let trimmed = text.trim();
    let body = trimmed.strip_prefix('=').unwrap_or(trimmed).trim();
    if body.is_empty() {
        report.error(el, format!("{what} is empty: write a FEEL expression"));
        return None;
    }
    match Expression::parse(body) {
        Ok(expression) => Some(expression),
        Err(error) => {
            report.error(el, format!("{what} is not valid FEEL: {error}: `{body}`"));
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reader;

    fn element() -> Element {
        reader::read("<x id=\"flow\"/>").expect("well formed")
    }

    #[test]
    fn camunda_leading_equals_is_optional() {
        let mut report = Report::default();
        let with = parse("= a > 1", &element(), "condition", &mut report).expect("parses");
        let without = parse("a > 1", &element(), "condition", &mut report).expect("parses");
        assert_eq!(with.source(), without.source());
        assert!(!report.has_errors());
    }

    #[test]
    fn syntax_errors_name_the_expression_and_the_element() {
        let mut report = Report::default();
        assert!(parse("=a >", &element(), "condition", &mut report).is_none());
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
