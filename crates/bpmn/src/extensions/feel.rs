//! FEEL text in a model, parsed once at deploy time.

use baton_feel::Expression;

use crate::report::{At, Report};

/// Parses a FEEL expression written `at` a place in the model, with or without Camunda's
/// leading `=`. `what` names the expression in the error ("condition", "input mapping
/// 'x'").
pub(crate) fn parse(text: &str, at: At<'_>, what: &str, report: &mut Report) -> Option<Expression> {
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
            // Camunda treats text without `=` as a literal; Baton reads it as FEEL, so a
            // literal has to be quoted. Say so when that is the likely mistake.
            let hint = if trimmed.starts_with('=') {
                String::new()
            } else {
                format!(" (for the text itself, write it as a FEEL string: \"{body}\")")
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
