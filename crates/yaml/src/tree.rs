//! YAML text to a small tree of nodes that each know where they were written, built from
//! `saphyr_parser`'s events. The reader needs the place of every key and value, which a
//! deserializer (serde) forgets, and nothing of YAML beyond mappings, sequences and
//! scalars: anchors and aliases are refused, as are documents nested deeper than
//! [`MAX_DEPTH`] (so no walk over the tree can run out of stack).
// This module reads user input, so nothing in it may panic (xtask's tidy test keeps this).
#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::string_slice,
    clippy::unreachable
)]

use baton_model::Span;
use saphyr_parser::{Event, Parser, ScalarStyle};

/// Deeper than any workflow needs; keeps recursion over the tree (and its drop) shallow.
pub const MAX_DEPTH: usize = 64;

#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub span: Span,
    pub value: Value,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// A scalar as written; `plain` when it had no quotes or block style, which is when
    /// YAML reads `true`, `12` or `null` as something other than a string.
    Scalar {
        text: String,
        plain: bool,
    },
    Sequence(Vec<Node>),
    /// Entries in file order; keys are nodes too, for their place.
    Mapping(Vec<(Node, Node)>),
}

impl Node {
    /// Whether YAML reads this as null (`~`, `null`, or nothing at all).
    pub fn is_null(&self) -> bool {
        matches!(&self.value, Value::Scalar { text, plain: true }
            if matches!(text.as_str(), "" | "~" | "null" | "Null" | "NULL"))
    }

    /// What kind of YAML value this is, for messages.
    pub fn describe(&self) -> &'static str {
        match &self.value {
            _ if self.is_null() => "nothing (null)",
            Value::Scalar { .. } => "a scalar",
            Value::Sequence(_) => "a list",
            Value::Mapping(_) => "a mapping",
        }
    }
}

/// Why a text is not YAML the reader can use.
#[derive(Clone, Debug, PartialEq)]
pub struct SyntaxError {
    pub span: Span,
    pub message: String,
}

fn span_of(marker: &saphyr_parser::Marker) -> Span {
    Span {
        line: u32::try_from(marker.line()).unwrap_or(u32::MAX),
        column: u32::try_from(marker.col() + 1).unwrap_or(u32::MAX),
    }
}

/// A collection being filled while its events arrive.
enum Open {
    Sequence(Span, Vec<Node>),
    /// Entries so far and the key waiting for its value.
    Mapping(Span, Vec<(Node, Node)>, Option<Node>),
}

/// Reads the first document of `text`; an empty text is a null node. A second document
/// is an error, since a workflow file holds one workflow.
pub fn parse(text: &str) -> Result<Node, SyntaxError> {
    let mut stack: Vec<Open> = Vec::new();
    let mut root: Option<Node> = None;
    let mut documents = 0;
    for event in Parser::new_from_str(text) {
        let (event, span) = event.map_err(|e| SyntaxError {
            span: span_of(e.marker()),
            message: e.info().to_string(),
        })?;
        let at = span_of(&span.start);
        let node = match event {
            Event::DocumentStart(_) => {
                documents += 1;
                if documents > 1 {
                    return Err(SyntaxError {
                        span: at,
                        message: "a second YAML document: a workflow file holds one".into(),
                    });
                }
                continue;
            }
            Event::Alias(_) => {
                return Err(SyntaxError {
                    span: at,
                    message: "aliases (`*name`) are not supported: write the value out".into(),
                });
            }
            Event::Scalar(_, _, anchor, _)
            | Event::SequenceStart(anchor, _)
            | Event::MappingStart(anchor, _)
                if anchor > 0 =>
            {
                return Err(SyntaxError {
                    span: at,
                    message: "anchors (`&name`) are not supported: write the value out".into(),
                });
            }
            Event::Scalar(text, style, _, _) => Node {
                span: at,
                value: Value::Scalar {
                    text: text.into_owned(),
                    plain: style == ScalarStyle::Plain,
                },
            },
            Event::SequenceStart(..) | Event::MappingStart(..) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(SyntaxError {
                        span: at,
                        message: format!("nested more than {MAX_DEPTH} levels deep"),
                    });
                }
                stack.push(match event {
                    Event::SequenceStart(..) => Open::Sequence(at, Vec::new()),
                    _ => Open::Mapping(at, Vec::new(), None),
                });
                continue;
            }
            Event::SequenceEnd | Event::MappingEnd => match stack.pop() {
                Some(Open::Sequence(span, items)) => Node {
                    span,
                    value: Value::Sequence(items),
                },
                Some(Open::Mapping(span, entries, _)) => Node {
                    span,
                    value: Value::Mapping(entries),
                },
                None => continue,
            },
            Event::Nothing | Event::StreamStart | Event::StreamEnd | Event::DocumentEnd => {
                continue;
            }
        };
        match stack.last_mut() {
            Some(Open::Sequence(_, items)) => items.push(node),
            Some(Open::Mapping(_, entries, key)) => match key.take() {
                Some(k) => entries.push((k, node)),
                None => *key = Some(node),
            },
            None => root = Some(node),
        }
    }
    Ok(root.unwrap_or(Node {
        span: Span { line: 1, column: 1 },
        value: Value::Scalar {
            text: String::new(),
            plain: true,
        },
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_and_values_keep_their_place() {
        let root = parse("id: a\nphases:\n  build:\n    run: make\n").expect("parses");
        let Value::Mapping(entries) = &root.value else {
            panic!("a mapping: {root:?}")
        };
        let (key, value) = &entries[1];
        assert_eq!(key.span, Span { line: 2, column: 1 });
        let Value::Mapping(phases) = &value.value else {
            panic!("phases")
        };
        assert_eq!(phases[0].0.span, Span { line: 3, column: 3 });
    }

    #[test]
    fn aliases_depth_and_syntax_are_errors_not_panics() {
        assert!(parse("a: &x 1\nb: *x\n").is_err());
        assert!(parse(&"[".repeat(200)).is_err());
        assert!(parse("a: [1, 2\nb: c").is_err());
        assert!(parse("a: 1\n---\nb: 2\n").is_err());
        assert!(parse("").expect("empty is null").is_null());
    }
}
