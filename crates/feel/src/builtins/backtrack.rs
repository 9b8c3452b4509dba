//! A small backtracking matcher for the XML Schema patterns the `regex` crate can't run:
//! those with back-references (`(a)\1`). Everything else goes to the `regex` crate.
//!
//! Character classes and class escapes (`[a-z-[aeiou]]`, `\d`, `\p{L}`) are still
//! decided by the `regex` crate, one character at a time; this module only adds the
//! structure around them: sequences, alternatives, groups, repetition, anchors and
//! back-references. Matching is bounded in steps, so a pathological pattern gives an
//! error instead of running away.

use super::xsd_regex::{Flags, translate};

/// How many matching steps one search may take.
const MAX_STEPS: usize = 1_000_000;
/// How deep patterns may nest (and how many repetitions of a group are matched
/// recursively); keeps the matcher well inside the stack.
const MAX_DEPTH: usize = 400;

#[derive(Debug)]
enum Node {
    Char(char),
    /// `.`
    Any,
    /// A class or class escape, decided by the `regex` crate: `^(?:class)$`.
    Set(regex::Regex),
    Start,
    End,
    Group(Box<Node>, Option<usize>),
    Concat(Vec<Node>),
    Alt(Vec<Node>),
    Repeat {
        node: Box<Node>,
        min: usize,
        max: Option<usize>,
        lazy: bool,
    },
    Backref(usize),
}

/// A compiled pattern with back-references.
#[derive(Debug)]
pub(crate) struct Program {
    root: Node,
    groups: usize,
    flags: Flags,
}

/// Group spans of one match, in characters: `[0]` is the whole match.
pub(crate) type Spans = Vec<Option<(usize, usize)>>;

struct Parser<'a> {
    chars: &'a [char],
    pos: usize,
    groups: usize,
    flags: Flags,
    depth: usize,
}

impl Program {
    /// Compiles an XML Schema pattern (whitespace already removed for the `x` flag).
    pub(crate) fn compile(pattern: &str, flags: Flags) -> Result<Program, String> {
        let chars: Vec<char> = pattern.chars().collect();
        let mut parser = Parser {
            chars: &chars,
            pos: 0,
            groups: 0,
            flags,
            depth: 0,
        };
        let root = parser.alternatives()?;
        if parser.pos < chars.len() {
            return Err(format!("unexpected '{}'", chars[parser.pos]));
        }
        Ok(Program {
            root,
            groups: parser.groups,
            flags,
        })
    }

    pub(crate) fn groups(&self) -> usize {
        self.groups
    }

    /// The first match starting at or after `from` (in characters).
    pub(crate) fn find(&self, input: &[char], from: usize) -> Result<Option<Spans>, String> {
        let mut steps = 0;
        for start in from..=input.len() {
            let mut spans: Spans = vec![None; self.groups + 1];
            let mut matcher = Matcher {
                program: self,
                input,
                steps: &mut steps,
            };
            let mut end = None;
            let found = matcher.node(&self.root, start, &mut spans, 0, &mut |_, p, _| {
                end = Some(p);
                true
            });
            if steps > MAX_STEPS {
                return Err("the pattern is too complex to match against this input".to_string());
            }
            if found && let Some(end) = end {
                // Captures were set by the successful path; fill in the whole match.
                let mut result = spans;
                result[0] = Some((start, end));
                return Ok(Some(result));
            }
        }
        Ok(None)
    }
}

impl Parser<'_> {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn alternatives(&mut self) -> Result<Node, String> {
        self.depth += 1;
        if self.depth > 50 {
            return Err("the pattern nests too deeply".to_string());
        }
        let mut branches = vec![self.sequence()?];
        while self.peek() == Some('|') {
            self.pos += 1;
            branches.push(self.sequence()?);
        }
        self.depth -= 1;
        Ok(if branches.len() == 1 {
            branches.pop().unwrap_or(Node::Concat(Vec::new()))
        } else {
            Node::Alt(branches)
        })
    }

    fn sequence(&mut self) -> Result<Node, String> {
        let mut items = Vec::new();
        while let Some(c) = self.peek() {
            if c == '|' || c == ')' {
                break;
            }
            let atom = self.atom()?;
            items.push(self.quantified(atom)?);
        }
        Ok(Node::Concat(items))
    }

    fn number(&mut self) -> Option<usize> {
        let start = self.pos;
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.pos += 1;
        }
        let text: String = self.chars[start..self.pos].iter().collect();
        text.parse().ok()
    }

    fn quantified(&mut self, atom: Node) -> Result<Node, String> {
        let (min, max) = match self.peek() {
            Some('*') => (0, None),
            Some('+') => (1, None),
            Some('?') => (0, Some(1)),
            Some('{') => {
                self.pos += 1;
                let min = self.number().ok_or("a quantifier needs a number")?;
                let max = if self.peek() == Some(',') {
                    self.pos += 1;
                    if self.peek() == Some('}') {
                        None
                    } else {
                        Some(self.number().ok_or("a quantifier needs a number")?)
                    }
                } else {
                    Some(min)
                };
                if self.peek() != Some('}') {
                    return Err("an unclosed quantifier".to_string());
                }
                if max.is_some_and(|m| m < min) {
                    return Err("a quantifier's maximum is below its minimum".to_string());
                }
                (min, max)
            }
            _ => return Ok(atom),
        };
        self.pos += 1;
        let lazy = self.peek() == Some('?');
        if lazy {
            self.pos += 1;
        }
        Ok(Node::Repeat {
            node: Box::new(atom),
            min,
            max,
            lazy,
        })
    }

    fn set(&self, class: &str) -> Result<Node, String> {
        let source = translate(
            class,
            Flags {
                extended: false,
                ..self.flags
            },
        )?;
        regex::RegexBuilder::new(&format!("^(?:{source})$"))
            .case_insensitive(self.flags.case_insensitive)
            .build()
            .map(Node::Set)
            .map_err(|e| e.to_string())
    }

    fn atom(&mut self) -> Result<Node, String> {
        let Some(c) = self.peek() else {
            return Err("the pattern ends early".to_string());
        };
        self.pos += 1;
        Ok(match c {
            '.' => Node::Any,
            '^' => Node::Start,
            '$' => Node::End,
            '(' => {
                let index = if self.chars.get(self.pos..self.pos + 2) == Some(&['?', ':'][..]) {
                    self.pos += 2;
                    None
                } else {
                    self.groups += 1;
                    Some(self.groups)
                };
                let inner = self.alternatives()?;
                if self.peek() != Some(')') {
                    return Err("an unclosed group".to_string());
                }
                self.pos += 1;
                Node::Group(Box::new(inner), index)
            }
            '[' => {
                // The whole class, nested subtractions included, as the regex crate's.
                let start = self.pos - 1;
                let mut depth = 1;
                while depth > 0 {
                    match self.peek() {
                        None => return Err("an unclosed character class".to_string()),
                        Some('\\') => self.pos += 2,
                        Some('[') => {
                            depth += 1;
                            self.pos += 1;
                        }
                        Some(']') => {
                            depth -= 1;
                            self.pos += 1;
                        }
                        Some(_) => self.pos += 1,
                    }
                }
                let end = self.pos.min(self.chars.len());
                let class: String = self.chars[start..end].iter().collect();
                self.set(&class)?
            }
            '\\' => {
                let Some(next) = self.peek() else {
                    return Err("the pattern ends with '\\'".to_string());
                };
                self.pos += 1;
                match next {
                    '1'..='9' => {
                        self.pos -= 1;
                        let mut n = 0usize;
                        // XPath: as many digits as make an existing group's number.
                        while let Some(d) = self.peek().and_then(|c| c.to_digit(10)) {
                            let longer = n * 10 + d as usize;
                            if n > 0 && longer > self.groups {
                                break;
                            }
                            n = longer;
                            self.pos += 1;
                        }
                        if n > self.groups {
                            return Err(format!("\\{n} refers to a group not yet closed"));
                        }
                        Node::Backref(n)
                    }
                    'n' => Node::Char('\n'),
                    'r' => Node::Char('\r'),
                    't' => Node::Char('\t'),
                    'd' | 'D' | 'w' | 'W' | 's' | 'S' => self.set(&format!("\\{next}"))?,
                    'p' | 'P' => {
                        let start = self.pos - 2;
                        while self.peek().is_some_and(|c| c != '}') {
                            self.pos += 1;
                        }
                        self.pos += 1;
                        let end = self.pos.min(self.chars.len());
                        let escape: String = self.chars[start..end].iter().collect();
                        self.set(&escape)?
                    }
                    other if other.is_ascii_alphanumeric() => {
                        return Err(format!("unsupported escape '\\{other}'"));
                    }
                    other => Node::Char(other),
                }
            }
            '*' | '+' | '?' | '{' => return Err(format!("nothing to repeat before '{c}'")),
            other => Node::Char(other),
        })
    }
}

struct Matcher<'a> {
    program: &'a Program,
    input: &'a [char],
    steps: &'a mut usize,
}

type Next<'k> = dyn FnMut(&mut Matcher<'_>, usize, &mut Spans) -> bool + 'k;

impl Matcher<'_> {
    fn same_char(&self, a: char, b: char) -> bool {
        a == b || (self.program.flags.case_insensitive && a.to_lowercase().eq(b.to_lowercase()))
    }

    /// Matches `node` at `pos`, then calls `next` with the end; true when `next` accepted.
    fn node(
        &mut self,
        node: &Node,
        pos: usize,
        spans: &mut Spans,
        depth: usize,
        next: &mut Next<'_>,
    ) -> bool {
        *self.steps += 1;
        if *self.steps > MAX_STEPS || depth > MAX_DEPTH {
            *self.steps = MAX_STEPS + 1;
            return false;
        }
        let at = self.input.get(pos).copied();
        let flags = self.program.flags;
        match node {
            Node::Char(c) => {
                at.is_some_and(|a| self.same_char(a, *c)) && next(self, pos + 1, spans)
            }
            Node::Any => {
                at.is_some_and(|a| flags.dot_all || (a != '\n' && a != '\r'))
                    && next(self, pos + 1, spans)
            }
            Node::Set(set) => {
                let mut buffer = [0u8; 4];
                at.is_some_and(|a| set.is_match(a.encode_utf8(&mut buffer)))
                    && next(self, pos + 1, spans)
            }
            Node::Start => {
                let ok = pos == 0 || (flags.multi_line && self.input.get(pos - 1) == Some(&'\n'));
                ok && next(self, pos, spans)
            }
            Node::End => {
                let ok = pos == self.input.len() || (flags.multi_line && at == Some('\n'));
                ok && next(self, pos, spans)
            }
            Node::Backref(n) => {
                let Some(Some((start, end))) = spans.get(*n).copied() else {
                    // A group that did not take part matches the empty string.
                    return next(self, pos, spans);
                };
                let len = end - start;
                let matched = pos + len <= self.input.len()
                    && (0..len).all(|i| self.same_char(self.input[pos + i], self.input[start + i]));
                matched && next(self, pos + len, spans)
            }
            Node::Group(inner, index) => {
                let start = pos;
                let index = *index;
                self.node(inner, pos, spans, depth + 1, &mut |m, end, spans| {
                    let Some(i) = index else {
                        return next(m, end, spans);
                    };
                    let saved = spans[i];
                    spans[i] = Some((start, end));
                    if next(m, end, spans) {
                        return true;
                    }
                    spans[i] = saved;
                    false
                })
            }
            Node::Concat(items) => self.sequence(items, pos, spans, depth, next),
            Node::Alt(branches) => branches
                .iter()
                .any(|branch| self.node(branch, pos, spans, depth + 1, next)),
            Node::Repeat {
                node,
                min,
                max,
                lazy,
            } => self.repeat(node, *min, *max, *lazy, 0, pos, spans, depth, next),
        }
    }

    fn sequence(
        &mut self,
        items: &[Node],
        pos: usize,
        spans: &mut Spans,
        depth: usize,
        next: &mut Next<'_>,
    ) -> bool {
        match items.split_first() {
            None => next(self, pos, spans),
            Some((first, rest)) => self.node(first, pos, spans, depth + 1, &mut |m, p, spans| {
                m.sequence(rest, p, spans, depth + 1, next)
            }),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn repeat(
        &mut self,
        node: &Node,
        min: usize,
        max: Option<usize>,
        lazy: bool,
        count: usize,
        pos: usize,
        spans: &mut Spans,
        depth: usize,
        next: &mut Next<'_>,
    ) -> bool {
        let can_stop = count >= min;
        let can_go_on = max.is_none_or(|m| count < m);
        let again = |m: &mut Self, spans: &mut Spans, next: &mut Next<'_>| {
            can_go_on
                && m.node(node, pos, spans, depth + 1, &mut |m, p, spans| {
                    // An empty iteration past the minimum would loop forever.
                    (p != pos || count < min)
                        && m.repeat(node, min, max, lazy, count + 1, p, spans, depth + 1, next)
                })
        };
        // Lazy repetition tries stopping first; greedy tries one more iteration first.
        if lazy {
            if can_stop && next(self, pos, spans) {
                return true;
            }
            again(self, spans, next)
        } else {
            if again(self, spans, next) {
                return true;
            }
            can_stop && next(self, pos, spans)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn find(pattern: &str, flags: &str, input: &str) -> Option<(usize, usize)> {
        let flags = Flags::parse(flags).ok()?;
        let program = Program::compile(pattern, flags).ok()?;
        let chars: Vec<char> = input.chars().collect();
        program.find(&chars, 0).ok()??.first().copied()?
    }

    #[test]
    fn back_references() {
        assert_eq!(find(r"(a)\1", "i", "aA"), Some((0, 2)));
        assert_eq!(find(r"(a)\1", "", "aA"), None);
        assert_eq!(find(r"(\w+) \1", "", "say hello hello"), Some((4, 15)));
        assert_eq!(find(r"^(a|b)*c\1$", "", "abcb"), Some((0, 4)));
        assert_eq!(find(r"(x*)\1y", "", "xxxxy"), Some((0, 5)));
        assert_eq!(find(r"([0-9]{2})-\1", "", "12-12"), Some((0, 5)));
        assert_eq!(find(r"(.+?)\1", "", "abab"), Some((0, 4)));
        assert_eq!(find(r"(?:(a)|b)\1", "", "b"), Some((0, 1)));
        assert_eq!(find(r"\2(a)(b)", "", "ab"), None);
        // Exponential patterns stop with an error rather than run away.
        let program = Program::compile(r"(a*)*\1b", Flags::default());
        let chars: Vec<char> = "a".repeat(40).chars().collect();
        assert!(program.map(|p| p.find(&chars, 0).is_err()).unwrap_or(true));
    }
}
