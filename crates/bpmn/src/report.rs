//! Collects diagnostics while the element modules read a model.

use baton_model::{Diagnostic, Severity, Span};

use crate::reader::Element;

/// Where a diagnostic points, and the id of the element it is about. The two differ for
/// what an element holds: an invalid condition is about its sequence flow but written in
/// the `<conditionExpression>` lines below it, a bad retries count is about its task but
/// written in a `zeebe:taskDefinition` attribute.
#[derive(Clone, Copy, Debug)]
pub(crate) struct At<'a> {
    pub span: Span,
    pub element: Option<&'a str>,
}

impl<'a> At<'a> {
    /// `part`, an element inside `owner` (or `owner` itself).
    pub fn inside(owner: &'a Element, part: &Element) -> At<'a> {
        At {
            span: part.span,
            element: owner.id(),
        }
    }

    /// The attribute `name` of `holder`, an element inside `owner`; `holder` itself when
    /// it has no such attribute.
    pub fn attribute(owner: &'a Element, holder: &Element, name: &str) -> At<'a> {
        At {
            span: holder.attribute(name).map_or(holder.span, |a| a.span),
            element: owner.id(),
        }
    }
}

#[derive(Default)]
pub(crate) struct Report {
    diagnostics: Vec<Diagnostic>,
    /// Set while reading a non-executable process: nothing in it will run, so what would
    /// stop it from running is only worth a warning.
    lenient: bool,
}

impl Report {
    pub fn push(&mut self, mut diagnostic: Diagnostic) {
        if self.lenient {
            diagnostic.severity = Severity::Warning;
        }
        self.diagnostics.push(diagnostic);
    }

    pub fn error(&mut self, el: &Element, message: impl Into<String>) {
        self.push(Diagnostic::error(el.span, el.id(), message));
    }

    pub fn warning(&mut self, el: &Element, message: impl Into<String>) {
        self.push(Diagnostic::warning(el.span, el.id(), message));
    }

    /// An error about `element` reported at another element's position (a flow's
    /// reference, say, is about the flow but the id is the flow's).
    pub fn error_at(&mut self, span: Span, element: Option<&str>, message: impl Into<String>) {
        self.push(Diagnostic::error(span, element, message));
    }

    pub fn warning_at(&mut self, span: Span, element: Option<&str>, message: impl Into<String>) {
        self.push(Diagnostic::warning(span, element, message));
    }

    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }

    /// Runs `read` with errors downgraded to warnings when `lenient`.
    pub fn with_leniency<T>(&mut self, lenient: bool, read: impl FnOnce(&mut Report) -> T) -> T {
        let before = self.lenient;
        self.lenient = lenient;
        let result = read(self);
        self.lenient = before;
        result
    }

    /// Errors first, then warnings, each in document order.
    pub fn finish(mut self) -> Vec<Diagnostic> {
        self.diagnostics.sort_by_key(|d| (d.severity, d.span));
        self.diagnostics
    }
}
