//! Just enough XML to rewrite a model's text in place: a scanner that finds elements
//! with their byte ranges, attributes and namespaces, and a list of edits applied at the
//! end. Rewriting the text (rather than re-serialising a tree) keeps everything the
//! translation does not touch exactly as the upstream file has it.

use std::collections::HashMap;
use std::ops::Range;

pub const BPMN: &str = "http://www.omg.org/spec/BPMN/20100524/MODEL";
pub const ZEEBE: &str = "http://camunda.org/schema/zeebe/1.0";

#[derive(Debug)]
pub struct Attr {
    pub name: String,
    /// The value with entities decoded.
    pub value: String,
    /// Where the whole `name="value"` stands.
    pub range: Range<usize>,
}

#[derive(Debug)]
pub struct El {
    /// The name as written (`bpmn:task`).
    pub qualified: String,
    /// The name without its prefix (`task`).
    pub local: String,
    /// The namespace the prefix resolves to.
    pub ns: String,
    pub attrs: Vec<Attr>,
    /// The start tag (the whole element's only tag when `self_closing`).
    pub open: Range<usize>,
    pub close: Option<Range<usize>>,
    pub parent: Option<usize>,
    pub children: Vec<usize>,
}

impl El {
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|a| a.name == name)
            .map(|a| a.value.as_str())
    }

    pub fn is_bpmn(&self, local: &str) -> bool {
        self.ns == BPMN && self.local == local
    }

    pub fn id(&self) -> Option<&str> {
        self.attr("id")
    }

    /// The text between the tags (empty for a self-closing element).
    pub fn inner(&self) -> Range<usize> {
        match &self.close {
            Some(close) => self.open.end..close.start,
            None => self.open.end..self.open.end,
        }
    }

    /// The prefix as written, with its colon (`bpmn:`), or empty.
    pub fn prefix(&self) -> &str {
        match self.qualified.find(':') {
            Some(at) => &self.qualified[..=at],
            None => "",
        }
    }
}

#[derive(Debug)]
pub struct Doc {
    pub text: String,
    pub elements: Vec<El>,
}

impl Doc {
    /// Scans `text`. Models are trusted test data, so malformed input is a panic with
    /// the offset, not a diagnostic.
    pub fn parse(text: &str) -> Doc {
        let mut elements: Vec<El> = Vec::new();
        let mut stack: Vec<usize> = Vec::new();
        let mut scopes: Vec<HashMap<String, String>> = vec![HashMap::new()];
        let bytes = text.as_bytes();
        let mut at = 0;
        while let Some(offset) = text[at..].find('<') {
            let start = at + offset;
            let rest = &text[start..];
            let skip_to = |end: &str| {
                start
                    + rest
                        .find(end)
                        .unwrap_or_else(|| panic!("unterminated markup at byte {start}"))
                    + end.len()
            };
            if rest.starts_with("<!--") {
                at = skip_to("-->");
            } else if rest.starts_with("<![CDATA[") {
                at = skip_to("]]>");
            } else if rest.starts_with("<?") {
                at = skip_to("?>");
            } else if rest.starts_with("<!") {
                at = skip_to(">");
            } else if rest.starts_with("</") {
                let end = skip_to(">");
                let index = stack.pop().expect("a closing tag closes an open element");
                elements[index].close = Some(start..end);
                scopes.pop();
                at = end;
            } else {
                let end = tag_end(bytes, start);
                let self_closing = bytes[end - 2] == b'/';
                let body = &text[start + 1..end - if self_closing { 2 } else { 1 }];
                let name_len = body.find(|c: char| c.is_whitespace()).unwrap_or(body.len());
                let qualified = body[..name_len].to_string();
                let attrs = attributes(text, start + 1 + name_len, end);
                let mut scope = scopes.last().cloned().unwrap_or_default();
                for a in &attrs {
                    if a.name == "xmlns" {
                        scope.insert(String::new(), a.value.clone());
                    } else if let Some(prefix) = a.name.strip_prefix("xmlns:") {
                        scope.insert(prefix.to_string(), a.value.clone());
                    }
                }
                let (prefix, local) = match qualified.split_once(':') {
                    Some((p, l)) => (p.to_string(), l.to_string()),
                    None => (String::new(), qualified.clone()),
                };
                let ns = scope.get(&prefix).cloned().unwrap_or_default();
                let index = elements.len();
                let parent = stack.last().copied();
                if let Some(parent) = parent {
                    elements[parent].children.push(index);
                }
                elements.push(El {
                    qualified,
                    local,
                    ns,
                    attrs,
                    open: start..end,
                    close: None,
                    parent,
                    children: Vec::new(),
                });
                if !self_closing {
                    stack.push(index);
                    scopes.push(scope);
                }
                at = end;
            }
        }
        Doc {
            text: text.to_string(),
            elements,
        }
    }

    pub fn root(&self) -> &El {
        &self.elements[0]
    }

    /// Every element with this BPMN local name.
    pub fn bpmn<'a>(&'a self, local: &'a str) -> impl Iterator<Item = (usize, &'a El)> + 'a {
        self.elements
            .iter()
            .enumerate()
            .filter(move |(_, e)| e.is_bpmn(local))
    }

    pub fn by_id(&self, id: &str) -> Option<usize> {
        self.elements.iter().position(|e| e.id() == Some(id))
    }

    /// The first child of `parent` in namespace `ns` with local name `local`.
    pub fn child(&self, parent: usize, ns: &str, local: &str) -> Option<usize> {
        self.elements[parent]
            .children
            .iter()
            .copied()
            .find(|&c| self.elements[c].ns == ns && self.elements[c].local == local)
    }
}

/// Where the start tag that begins at `start` ends (after its `>`), skipping quoted
/// attribute values.
fn tag_end(bytes: &[u8], start: usize) -> usize {
    let mut quote = None;
    for (i, &b) in bytes.iter().enumerate().skip(start) {
        match (quote, b) {
            (None, b'"' | b'\'') => quote = Some(b),
            (Some(q), _) if q == b => quote = None,
            (None, b'>') => return i + 1,
            _ => {}
        }
    }
    panic!("unterminated tag at byte {start}")
}

fn attributes(text: &str, from: usize, to: usize) -> Vec<Attr> {
    let bytes = text.as_bytes();
    let mut attrs = Vec::new();
    let mut i = from;
    while i < to {
        while i < to && (bytes[i].is_ascii_whitespace() || bytes[i] == b'/' || bytes[i] == b'>') {
            i += 1;
        }
        if i >= to {
            break;
        }
        let name_start = i;
        while i < to && bytes[i] != b'=' && !bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        let name = text[name_start..i].to_string();
        while i < to && bytes[i] != b'"' && bytes[i] != b'\'' {
            i += 1;
        }
        let quote = bytes[i];
        let value_start = i + 1;
        let value_end = value_start
            + text[value_start..]
                .find(quote as char)
                .expect("a closed attribute value");
        attrs.push(Attr {
            name,
            value: unescape(&text[value_start..value_end]),
            range: name_start..value_end + 1,
        });
        i = value_end + 1;
    }
    attrs
}

pub fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        let Some(end) = rest[at..].find(';') else {
            out.push_str(&rest[at..]);
            return out;
        };
        let entity = &rest[at + 1..at + end];
        let decoded = match entity {
            "lt" => Some('<'),
            "gt" => Some('>'),
            "amp" => Some('&'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            _ => entity
                .strip_prefix("#x")
                .and_then(|hex| u32::from_str_radix(hex, 16).ok())
                .or_else(|| entity.strip_prefix('#').and_then(|d| d.parse().ok()))
                .and_then(char::from_u32),
        };
        match decoded {
            Some(c) => out.push(c),
            None => out.push_str(&rest[at..=at + end]),
        }
        rest = &rest[at + end + 1..];
    }
    out.push_str(rest);
    out
}

/// Escapes text for an attribute value or element content.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\n' => out.push_str("&#10;"),
            c => out.push(c),
        }
    }
    out
}

/// Replacements and insertions on the original text, applied together.
#[derive(Debug, Default)]
pub struct Edits {
    edits: Vec<(Range<usize>, String)>,
}

impl Edits {
    pub fn replace(&mut self, range: Range<usize>, text: impl Into<String>) {
        self.edits.push((range, text.into()));
    }

    pub fn insert(&mut self, at: usize, text: impl Into<String>) {
        self.edits.push((at..at, text.into()));
    }

    /// The edited text. Insertions at one offset keep the order they were made in.
    pub fn apply(mut self, text: &str) -> String {
        self.edits
            .sort_by_key(|(range, _)| (range.start, range.end));
        let mut out = String::with_capacity(text.len() + 1024);
        let mut at = 0;
        for (range, replacement) in self.edits {
            assert!(
                range.start >= at,
                "overlapping edits at byte {} of the model",
                range.start
            );
            out.push_str(&text[at..range.start]);
            out.push_str(&replacement);
            at = range.end;
        }
        out.push_str(&text[at..]);
        out
    }
}
