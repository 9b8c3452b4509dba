//! The FEEL parser: tokens to an [`Expr`] tree by precedence climbing.
//!
//! Binary operators go through one loop ([`Parser::expr_bp`]) driven by a precedence
//! table, lowest first: `or`, `and`, comparisons (`= != < <= > >= between in`), `+ -`,
//! `* /`, `**`, unary minus, then postfix paths, filters and calls. The keyword forms
//! (`if`, `for`, `some`, `every`) are prefix forms whose last operand reaches as far right as
//! possible, as in the DMN grammar.
//!
//! The parser never panics and never recurses without bound: every nesting step (and every
//! left-associative fold, which deepens the tree without recursing here but would recurse in
//! the evaluator) counts against [`MAX_DEPTH`].
// This module reads user input, so nothing in it may panic (xtask's tidy test keeps this).
#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::string_slice,
    clippy::unreachable
)]

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::Arc;

use crate::ast::{
    ArithOp, CallArgs, CompareOp, Expr, Interval, Iteration, Quantifier, TypeSpec, UnaryTest,
    UnaryTests,
};
use crate::builtins::{self, Builtin};
use crate::lexer::{Tok, Token, error_at, lex};
use crate::value::{Number, RangeForm, Value};
use crate::{ParseError, WarningKind};

/// How deep expressions may nest. Generous for hand-written FEEL, and low enough that the
/// recursive evaluator stays far inside a 2 MiB thread stack even in debug builds.
const MAX_DEPTH: usize = 120;

/// Precedence levels; a higher level binds tighter.
const OR: u8 = 1;
const AND: u8 = 2;
const COMPARE: u8 = 3;
const ADD: u8 = 4;
const MUL: u8 = 5;
const POW: u8 = 6;
const UNARY: u8 = 7;

/// The most words read as the name of a function FEEL does not have.
const MAX_UNKNOWN_NAME_WORDS: usize = 8;

/// Words that start or continue a construct and so can never be a plain name.
const RESERVED: &[&str] = &[
    "and",
    "or",
    "if",
    "then",
    "else",
    "for",
    "return",
    "in",
    "some",
    "every",
    "satisfies",
    "between",
    "instance",
    "function",
];

pub(crate) fn parse(source: &str, names: &[&str]) -> Result<Expr, ParseError> {
    let mut parser = Parser::new(source, names)?;
    let expr = parser.expr()?;
    if parser.peek() != &Tok::Eof {
        return Err(parser.unexpected());
    }
    Ok(expr)
}

/// Parses the unary tests of a decision-table input entry (DMN 1.5 grammar rules 14–17):
/// `-`, `not(tests)`, or comma-separated positive tests.
pub(crate) fn parse_unary_tests(source: &str, names: &[&str]) -> Result<UnaryTests, ParseError> {
    let mut parser = Parser::new(source, names)?;
    match parser.peek() {
        // An empty entry is read as `-`, as DMN modellers leave cells blank for "any".
        Tok::Eof => return Ok(UnaryTests::Any),
        Tok::Minus if parser.peek_at(1) == &Tok::Eof => return Ok(UnaryTests::Any),
        _ => {}
    }
    if parser.at_word("not")
        && parser.peek_at(1) == &Tok::LParen
        && parser.closing_paren(parser.pos + 1) == Some(parser.tokens.len().saturating_sub(2))
    {
        parser.pos += 2;
        let tests = parser.positive_tests(&Tok::RParen)?;
        parser.expect(&Tok::RParen, "')'")?;
        if parser.peek() != &Tok::Eof {
            return Err(parser.unexpected());
        }
        return Ok(UnaryTests::Not(tests));
    }
    let tests = parser.positive_tests(&Tok::Eof)?;
    if parser.peek() != &Tok::Eof {
        return Err(parser.unexpected());
    }
    Ok(UnaryTests::Positive(tests))
}

struct Parser<'a> {
    source: &'a str,
    tokens: Vec<Token>,
    pos: usize,
    depth: usize,
    /// How many `?` names have been parsed so far; lets `in` know whether a test mentions
    /// the tested value.
    question_marks: usize,
    /// Names in scope that span several tokens, longest first.
    names: Vec<Cow<'a, str>>,
    /// Parsing an interval's end, where `[` closes the interval instead of filtering.
    interval_end: bool,
}

/// An argument list as written, before it is matched against a function's parameters.
enum Args {
    Positional(Vec<Expr>),
    Named(Vec<(String, Expr)>),
}

impl<'a> Parser<'a> {
    fn new(source: &'a str, names: &[&'a str]) -> Result<Parser<'a>, ParseError> {
        let tokens = lex(source)?;
        // Only names that are not a single plain word need matching; longest first, so
        // `Monthly Salary Total` wins over `Monthly Salary`.
        let mut names: Vec<Cow<'a, str>> = names
            .iter()
            .filter(|n| !n.is_empty() && !n.chars().all(|c| c.is_alphanumeric() || c == '_'))
            .map(|n| Cow::Borrowed(*n))
            .collect();
        names.sort_by_key(|n| std::cmp::Reverse(n.len()));
        Ok(Parser {
            source,
            tokens,
            pos: 0,
            depth: 0,
            question_marks: 0,
            names,
            interval_end: false,
        })
    }

    /// Makes a context entry's key a name for the rest of the expression, so that later
    /// entries and paths can use it (`{Full Name: "x"}.Full Name`). Only keys of plain
    /// words with spaces are learned: a key such as `"a-b"` must not turn `a-b` into a
    /// name.
    fn learn_name(&mut self, key: &str) {
        let plain_words = key.split_whitespace().count() > 1
            && key
                .split_whitespace()
                .all(|w| w.chars().all(|c| c.is_alphanumeric() || c == '_'));
        if !plain_words || self.names.iter().any(|n| n == key) {
            return;
        }
        let at = self
            .names
            .iter()
            .position(|n| n.len() < key.len())
            .unwrap_or(self.names.len());
        self.names.insert(at, Cow::Owned(key.to_string()));
    }

    /// The index of the `)` that closes the `(` at token `open`, if any.
    fn closing_paren(&self, open: usize) -> Option<usize> {
        let mut depth = 0usize;
        for (i, token) in self.tokens.iter().enumerate().skip(open) {
            match token.kind {
                Tok::LParen => depth += 1,
                Tok::RParen => {
                    depth = depth.checked_sub(1)?;
                    if depth == 0 {
                        return Some(i);
                    }
                }
                _ => {}
            }
        }
        None
    }

    /// Comma-separated positive unary tests, up to (not including) `end`.
    fn positive_tests(&mut self, end: &Tok) -> Result<Vec<UnaryTest>, ParseError> {
        let mut tests = vec![self.unary_test(0)?];
        while self.peek() == &Tok::Comma {
            self.bump();
            tests.push(self.unary_test(0)?);
        }
        if self.peek() != end {
            return Err(self.error(format!(
                "expected ',' or the end of the unary tests, found {}",
                self.describe(self.pos)
            )));
        }
        Ok(tests)
    }

    // ---- token helpers -------------------------------------------------------------

    fn token(&self, index: usize) -> &Token {
        // The token list always ends with `Eof`; look-ahead past the end points at it.
        static EOF: Token = Token {
            kind: Tok::Eof,
            start: 0,
            end: 0,
        };
        self.tokens
            .get(index)
            .or(self.tokens.last())
            .unwrap_or(&EOF)
    }

    fn peek(&self) -> &Tok {
        &self.token(self.pos).kind
    }

    fn peek_at(&self, n: usize) -> &Tok {
        &self.token(self.pos + n).kind
    }

    fn text(&self, index: usize) -> &str {
        let token = self.token(index);
        self.source.get(token.start..token.end).unwrap_or("")
    }

    /// The current token's text if it is a word (identifier or keyword).
    fn word(&self) -> Option<&str> {
        match self.peek() {
            Tok::Word => Some(self.text(self.pos)),
            _ => None,
        }
    }

    fn at_word(&self, word: &str) -> bool {
        self.word() == Some(word)
    }

    fn bump(&mut self) {
        if self.pos < self.tokens.len() {
            self.pos += 1;
        }
    }

    fn error(&self, message: impl Into<String>) -> ParseError {
        error_at(self.source, self.token(self.pos).start, message)
    }

    fn describe(&self, index: usize) -> String {
        match &self.token(index).kind {
            Tok::Eof => "end of input".to_string(),
            Tok::Str(_) => "a string".to_string(),
            _ => format!("'{}'", self.text(index)),
        }
    }

    fn unexpected(&self) -> ParseError {
        self.error(format!("unexpected {}", self.describe(self.pos)))
    }

    fn expect(&mut self, kind: &Tok, what: &str) -> Result<(), ParseError> {
        if self.peek() == kind {
            self.bump();
            Ok(())
        } else {
            Err(self.error(format!(
                "expected {what}, found {}",
                self.describe(self.pos)
            )))
        }
    }

    fn expect_word(&mut self, word: &str) -> Result<(), ParseError> {
        if self.at_word(word) {
            self.bump();
            Ok(())
        } else {
            Err(self.error(format!(
                "expected '{word}', found {}",
                self.describe(self.pos)
            )))
        }
    }

    /// Counts one level of tree depth, failing when the budget is spent.
    fn deeper(&mut self) -> Result<(), ParseError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.error("expression is nested too deeply"));
        }
        Ok(())
    }

    // ---- expressions ---------------------------------------------------------------

    fn expr(&mut self) -> Result<Expr, ParseError> {
        // A nested expression (in parentheses, arguments, a list) filters with `[` even
        // inside an interval's end, where a bare `[` closes the interval.
        let outer = std::mem::replace(&mut self.interval_end, false);
        let expr = self.expr_bp(0);
        self.interval_end = outer;
        expr
    }

    /// Parses an expression whose operators all bind tighter than `min`.
    fn expr_bp(&mut self, min: u8) -> Result<Expr, ParseError> {
        let saved = self.depth;
        self.deeper()?;
        let mut lhs = self.prefix()?;
        while let Some(level) = self.infix_level() {
            if level <= min {
                break;
            }
            self.deeper()?;
            lhs = self.infix(lhs, level)?;
        }
        self.depth = saved;
        Ok(lhs)
    }

    fn infix_level(&self) -> Option<u8> {
        Some(match self.peek() {
            Tok::Word => match self.text(self.pos) {
                "or" => OR,
                "and" => AND,
                "between" | "in" => COMPARE,
                "instance" if self.peek_at(1) == &Tok::Word && self.text(self.pos + 1) == "of" => {
                    COMPARE
                }
                _ => return None,
            },
            Tok::Eq | Tok::NotEq | Tok::Lt | Tok::Le | Tok::Gt | Tok::Ge => COMPARE,
            Tok::Plus | Tok::Minus => ADD,
            Tok::Star | Tok::Slash => MUL,
            Tok::StarStar => POW,
            _ => return None,
        })
    }

    fn infix(&mut self, lhs: Expr, level: u8) -> Result<Expr, ParseError> {
        let op = self.peek().clone();
        let word = self.word().map(str::to_owned);
        self.bump();
        let lhs = Box::new(lhs);
        Ok(match (op, word.as_deref()) {
            (Tok::Word, Some("or")) => Expr::Or(lhs, Box::new(self.expr_bp(level)?)),
            (Tok::Word, Some("and")) => Expr::And(lhs, Box::new(self.expr_bp(level)?)),
            (Tok::Word, Some("instance")) => {
                self.expect_word("of")?;
                Expr::InstanceOf(lhs, self.type_spec()?)
            }
            (Tok::Word, Some("between")) => {
                let low = self.expr_bp(COMPARE)?;
                self.expect_word("and")?;
                let high = self.expr_bp(COMPARE)?;
                Expr::Between(lhs, Box::new(low), Box::new(high))
            }
            (Tok::Word, _) => Expr::In(lhs, self.in_tests()?),
            (op, _) => {
                let rhs = Box::new(self.expr_bp(level)?);
                match compare_op(&op) {
                    Some(c) => Expr::Compare(c, lhs, rhs),
                    None => Expr::Arith(arith_op(&op), lhs, rhs),
                }
            }
        })
    }

    /// A type: a name (possibly several words, `date and time`), `list<T>`,
    /// `context<k: T, ...>`, `range<T>` or `function<T, ...> -> T`.
    fn type_spec(&mut self) -> Result<TypeSpec, ParseError> {
        let Some(first) = self.word().map(str::to_string) else {
            return Err(self.error(format!(
                "expected a type, found {}",
                self.describe(self.pos)
            )));
        };
        self.bump();
        let generic = |p: &mut Self| -> Result<(), ParseError> { p.expect(&Tok::Lt, "'<'") };
        Ok(match first.as_str() {
            "list" if self.peek() == &Tok::Lt => {
                generic(self)?;
                let item = self.type_spec()?;
                self.expect(&Tok::Gt, "'>'")?;
                TypeSpec::List(Box::new(item))
            }
            "range" if self.peek() == &Tok::Lt => {
                generic(self)?;
                let item = self.type_spec()?;
                self.expect(&Tok::Gt, "'>'")?;
                TypeSpec::Range(Box::new(item))
            }
            "context" if self.peek() == &Tok::Lt => {
                generic(self)?;
                let mut entries = Vec::new();
                while self.peek() != &Tok::Gt {
                    let Some(name) = self.entry_name_before_colon() else {
                        return Err(self.error("expected 'name: type' in a context type"));
                    };
                    entries.push((Arc::from(name), self.type_spec()?));
                    if self.peek() == &Tok::Comma {
                        self.bump();
                    }
                }
                self.bump();
                TypeSpec::Context(entries)
            }
            "function" => {
                // Parameter and result types are read but not checked: function values
                // are not FEEL values here yet.
                let mut depth = 0usize;
                if self.peek() == &Tok::Lt {
                    loop {
                        match self.peek() {
                            Tok::Lt => depth += 1,
                            Tok::Gt => {
                                depth -= 1;
                                if depth == 0 {
                                    self.bump();
                                    break;
                                }
                            }
                            Tok::Eof => return Err(self.error("unclosed function type")),
                            _ => {}
                        }
                        self.bump();
                    }
                }
                if self.peek() == &Tok::Minus && self.peek_at(1) == &Tok::Gt {
                    self.pos += 2;
                    self.type_spec()?;
                }
                TypeSpec::Function
            }
            "Any" => TypeSpec::Any,
            "Null" => TypeSpec::Null,
            "number" => TypeSpec::Number,
            "string" => TypeSpec::String,
            "boolean" => TypeSpec::Boolean,
            "context" => TypeSpec::Context(Vec::new()),
            "list" => TypeSpec::List(Box::new(TypeSpec::Any)),
            "date" if self.at_word("and") => {
                self.bump();
                self.expect_word("time")?;
                TypeSpec::DateTime
            }
            "date" => TypeSpec::Date,
            "time" => TypeSpec::Time,
            "years" | "days" => {
                // `years and months duration`, `days and time duration`
                let rest: Vec<String> = (0..3)
                    .map(|i| self.text(self.pos + i).to_string())
                    .collect();
                let expected = if first == "years" {
                    ["and", "months", "duration"]
                } else {
                    ["and", "time", "duration"]
                };
                if rest != expected {
                    return Err(self.error(format!("unknown type '{first} {}'", rest.join(" "))));
                }
                self.pos += 3;
                if first == "years" {
                    TypeSpec::YearMonths
                } else {
                    TypeSpec::DayTime
                }
            }
            _ => {
                // A qualified or multi-word type name (`tPerson`, `myimport.tPerson`).
                let mut name = first;
                while self.peek() == &Tok::Dot && self.peek_at(1) == &Tok::Word {
                    name.push('.');
                    name.push_str(self.text(self.pos + 1));
                    self.pos += 2;
                }
                TypeSpec::Named(Arc::from(name))
            }
        })
    }

    fn prefix(&mut self) -> Result<Expr, ParseError> {
        if self.peek() == &Tok::Minus {
            self.bump();
            let operand = self.expr_bp(UNARY)?;
            // Fold `-5` into a literal so negative constants cost nothing to evaluate.
            return Ok(match operand {
                Expr::Literal(Value::Number(n)) => Expr::Literal(Value::Number(n.neg())),
                other => Expr::Neg(Box::new(other)),
            });
        }
        match self.word() {
            Some("if") => return self.if_expr(),
            Some("for") => return self.for_expr(),
            Some("some") => return self.quantified(Quantifier::Some),
            Some("every") => return self.quantified(Quantifier::Every),
            _ => {}
        }
        let primary = self.primary()?;
        self.postfix(primary)
    }

    fn postfix(&mut self, mut expr: Expr) -> Result<Expr, ParseError> {
        loop {
            match self.peek() {
                Tok::Dot => {
                    self.bump();
                    if let Some((name, tokens)) = self.known_name() {
                        self.pos += tokens;
                        self.deeper()?;
                        if self.peek() == &Tok::LParen
                            && let Expr::Name(prefix) = &expr
                        {
                            // `import.Function(...)`: a function of an imported model.
                            let qualified = format!("{prefix}.{name}");
                            self.bump();
                            let args = self.arguments()?;
                            expr = resolve_call(&qualified, args);
                            continue;
                        }
                        expr = Expr::Path(Box::new(expr), Arc::from(name));
                        continue;
                    }
                    // Properties with spaces (`time offset`, `start included`).
                    let two = (self.text(self.pos), self.text(self.pos + 1));
                    if self.peek() == &Tok::Word
                        && self.peek_at(1) == &Tok::Word
                        && matches!(
                            two,
                            ("time", "offset") | ("start", "included") | ("end", "included")
                        )
                    {
                        let name = format!("{} {}", two.0, two.1);
                        self.pos += 2;
                        self.deeper()?;
                        expr = Expr::Path(Box::new(expr), Arc::from(name));
                        continue;
                    }
                    let name = match self.peek().clone() {
                        Tok::Word => self.text(self.pos).to_string(),
                        Tok::Quoted(name) => name,
                        _ => {
                            return Err(self.error(format!(
                                "expected a name after '.', found {}",
                                self.describe(self.pos)
                            )));
                        }
                    };
                    self.bump();
                    self.deeper()?;
                    expr = Expr::Path(Box::new(expr), Arc::from(name));
                }
                Tok::LParen => {
                    self.bump();
                    let args = match self.arguments()? {
                        Args::Positional(args) => CallArgs::Positional(args),
                        Args::Named(named) => CallArgs::Named(
                            named.into_iter().map(|(n, e)| (Arc::from(n), e)).collect(),
                        ),
                    };
                    self.deeper()?;
                    expr = Expr::Invoke(Box::new(expr), args);
                }
                Tok::LBracket if !self.interval_end => {
                    self.bump();
                    let filter = self.expr()?;
                    self.expect(&Tok::RBracket, "']'")?;
                    self.deeper()?;
                    expr = Expr::Filter(Box::new(expr), Box::new(filter));
                }
                _ => return Ok(expr),
            }
        }
    }

    fn primary(&mut self) -> Result<Expr, ParseError> {
        match self.peek().clone() {
            Tok::Number => {
                let text = self.text(self.pos);
                let number: Number = text
                    .parse()
                    .map_err(|_| self.error(format!("invalid number '{text}'")))?;
                self.bump();
                Ok(Expr::Literal(Value::Number(number)))
            }
            Tok::Str(text) => {
                self.bump();
                Ok(Expr::Literal(Value::string(text)))
            }
            Tok::At => {
                self.bump();
                let Tok::Str(text) = self.peek().clone() else {
                    return Err(self.error("expected a string after '@', as in @\"2024-01-31\""));
                };
                // The zone name after `@` may hold a `T` (`@Etc/GMT`): look before it.
                let clock = text.split('@').next().unwrap_or_default();
                let kind = if text.starts_with('P') || text.starts_with("-P") {
                    "duration"
                } else if clock.contains('T') {
                    "date and time"
                } else if clock.contains(':') {
                    "time"
                } else {
                    "date"
                };
                let value = Value::temporal(kind, &text)
                    .ok_or_else(|| self.error(format!("'{text}' is not a valid {kind}")))?;
                self.bump();
                Ok(Expr::Literal(value))
            }
            Tok::Quoted(name) => {
                self.bump();
                self.name_or_call(name)
            }
            Tok::Word => self.word_primary(),
            // `(< 10)`, `(>= 5)`, `(= 3)`, `(!= 3)`: a unary comparison as a range value.
            Tok::LParen if compare_op(self.peek_at(1)).is_some() => {
                self.bump();
                let op = compare_op(self.peek()).unwrap_or(CompareOp::Eq);
                self.bump();
                let bound = self.expr_bp(COMPARE)?;
                self.expect(&Tok::RParen, "')'")?;
                let unbounded = || Expr::Literal(Value::Null);
                let (start, start_closed, end, end_closed, form) = match op {
                    CompareOp::Lt => (unbounded(), false, bound, false, RangeForm::Lt),
                    CompareOp::Le => (unbounded(), false, bound, true, RangeForm::Le),
                    CompareOp::Gt => (bound, false, unbounded(), false, RangeForm::Gt),
                    CompareOp::Ge => (bound, true, unbounded(), false, RangeForm::Ge),
                    CompareOp::Eq => (bound.clone(), true, bound, true, RangeForm::Eq),
                    CompareOp::Ne => (bound.clone(), false, bound, false, RangeForm::Ne),
                };
                Ok(Expr::Range(Box::new(Interval {
                    start,
                    start_closed,
                    end,
                    end_closed,
                    form,
                })))
            }
            Tok::LParen => {
                self.bump();
                let inner = self.expr()?;
                if self.peek() == &Tok::DotDot {
                    return self.interval_rest(inner, false);
                }
                self.expect(&Tok::RParen, "')'")?;
                Ok(inner)
            }
            Tok::RBracket => {
                // `]1..10]`: ISO notation for an interval with an open start.
                self.bump();
                let start = self.expr_bp(COMPARE)?;
                if self.peek() != &Tok::DotDot {
                    return Err(self.error("expected '..' in interval"));
                }
                self.interval_rest(start, false)
            }
            Tok::LBracket => self.list_or_interval(),
            Tok::LBrace => self.context(),
            _ => Err(self.error(format!(
                "expected an expression, found {}",
                self.describe(self.pos)
            ))),
        }
    }

    /// A name in scope written at the current token: the name and how many tokens it
    /// spans. Whitespace in the name matches any run of whitespace in the source.
    fn known_name(&self) -> Option<(String, usize)> {
        let start = self.token(self.pos).start;
        let rest = self.source.get(start..)?;
        for name in &self.names {
            let Some(length) = written_as(rest, name) else {
                continue;
            };
            let end = start + length;
            let tokens = (self.pos..self.tokens.len())
                .take_while(|&i| self.token(i).start < end)
                .count();
            if tokens > 0 && self.token(self.pos + tokens - 1).end == end {
                return Some((name.to_string(), tokens));
            }
        }
        None
    }

    fn word_primary(&mut self) -> Result<Expr, ParseError> {
        if let Some((name, tokens)) = self.known_name() {
            self.pos += tokens;
            return self.name_or_call(name);
        }
        let word = self.text(self.pos).to_string();
        match word.as_str() {
            "true" => {
                self.bump();
                return Ok(Expr::Literal(Value::Bool(true)));
            }
            "false" => {
                self.bump();
                return Ok(Expr::Literal(Value::Bool(false)));
            }
            "null" => {
                self.bump();
                return Ok(Expr::Literal(Value::Null));
            }
            "function" => return self.function_definition(),
            // Camunda's older names for `all` and `any`.
            "and" | "or" if self.peek_at(1) == &Tok::LParen => {
                self.bump();
                let name = if word == "and" { "all" } else { "any" };
                return self.name_or_call(name.to_string());
            }
            w if RESERVED.contains(&w) => return Err(self.unexpected()),
            _ => {}
        }
        // Built-in names may span several words (`string length`, `round half up`): take
        // the longest run of words that names a built-in and is followed by `(`.
        let mut words = 1;
        while words < builtins::MAX_NAME_WORDS && self.peek_at(words) == &Tok::Word {
            words += 1;
        }
        for count in (2..=words).rev() {
            if self.peek_at(count) != &Tok::LParen {
                continue;
            }
            let name = (0..count)
                .map(|i| self.text(self.pos + i))
                .collect::<Vec<_>>()
                .join(" ");
            if builtins::lookup(&name).is_some() {
                self.pos += count;
                return self.name_or_call(name);
            }
        }
        // Words before `(` that name no built-in are a call of a function FEEL does not
        // have (`last day of quarter(d)`): read as one, so that evaluating it reports "no
        // function found with name '…'" and lint can name it, instead of a syntax error
        // at its second word.
        let mut run = 1;
        while run < MAX_UNKNOWN_NAME_WORDS
            && self.peek_at(run) == &Tok::Word
            && !RESERVED.contains(&self.text(self.pos + run))
        {
            run += 1;
        }
        if run > 1 && self.peek_at(run) == &Tok::LParen {
            let name = (0..run)
                .map(|i| self.text(self.pos + i))
                .collect::<Vec<_>>()
                .join(" ");
            self.pos += run;
            return self.name_or_call(name);
        }
        self.bump();
        if word == "?" {
            self.question_marks += 1;
        }
        self.name_or_call(word)
    }

    /// `function(a, b: number) body`; arguments are checked against typed parameters.
    fn function_definition(&mut self) -> Result<Expr, ParseError> {
        self.bump();
        self.expect(&Tok::LParen, "'('")?;
        let mut parameters = Vec::new();
        while self.peek() != &Tok::RParen {
            let name = match self.peek().clone() {
                Tok::Word => self.text(self.pos).to_string(),
                Tok::Quoted(name) => name,
                _ => return Err(self.error("expected a parameter name")),
            };
            self.bump();
            let ty = if self.peek() == &Tok::Colon {
                self.bump();
                Some(self.type_spec()?)
            } else {
                None
            };
            parameters.push((Arc::from(name), ty));
            match self.peek() {
                Tok::Comma => self.bump(),
                Tok::RParen => {}
                _ => return Err(self.error("expected ',' or ')' in the parameters")),
            }
        }
        self.bump();
        if self.at_word("external") {
            self.bump();
            let definition = self.expr()?;
            return Ok(Expr::ExternalFunction(
                parameters.into_iter().map(|(n, _)| n).collect(),
                Box::new(definition),
            ));
        }
        let body = self.expr()?;
        Ok(Expr::FunctionDef(parameters, Arc::new(body)))
    }

    fn name_or_call(&mut self, name: String) -> Result<Expr, ParseError> {
        if self.peek() != &Tok::LParen {
            return Ok(Expr::Name(Arc::from(name)));
        }
        self.bump();
        let args = self.arguments()?;
        Ok(resolve_call(&name, args))
    }

    fn arguments(&mut self) -> Result<Args, ParseError> {
        let mut positional = Vec::new();
        let mut named = Vec::new();
        if self.peek() == &Tok::RParen {
            self.bump();
            return Ok(Args::Positional(positional));
        }
        loop {
            let arg_at = self.token(self.pos).start;
            if let Some(name) = self.entry_name_before_colon() {
                if !positional.is_empty() {
                    return Err(error_at(
                        self.source,
                        arg_at,
                        "can't mix positional and named arguments",
                    ));
                }
                named.push((name, self.expr()?));
            } else {
                if !named.is_empty() {
                    return Err(self.error("can't mix positional and named arguments"));
                }
                positional.push(self.expr()?);
            }
            match self.peek() {
                Tok::Comma => self.bump(),
                Tok::RParen => {
                    self.bump();
                    break;
                }
                _ => {
                    return Err(self.error(format!(
                        "expected ',' or ')', found {}",
                        self.describe(self.pos)
                    )));
                }
            }
        }
        Ok(if named.is_empty() {
            Args::Positional(positional)
        } else {
            Args::Named(named)
        })
    }

    /// If the next tokens are a (possibly multi-word) name followed by `:`, consumes them
    /// and returns the name with its words joined by single spaces.
    fn entry_name_before_colon(&mut self) -> Option<String> {
        if let Tok::Quoted(name) = self.peek().clone() {
            if self.peek_at(1) == &Tok::Colon {
                self.pos += 2;
                return Some(name);
            }
            return None;
        }
        let mut count = 0;
        while self.peek_at(count) == &Tok::Word {
            count += 1;
        }
        if count == 0 || self.peek_at(count) != &Tok::Colon {
            return None;
        }
        let name = (0..count)
            .map(|i| self.text(self.pos + i))
            .collect::<Vec<_>>()
            .join(" ");
        self.pos += count + 1;
        Some(name)
    }

    fn list_or_interval(&mut self) -> Result<Expr, ParseError> {
        self.bump();
        let mut items = Vec::new();
        if self.peek() == &Tok::RBracket {
            self.bump();
            return Ok(Expr::List(items));
        }
        let first = self.expr()?;
        if self.peek() == &Tok::DotDot {
            return self.interval_rest(first, true);
        }
        items.push(first);
        loop {
            match self.peek() {
                Tok::Comma => {
                    self.bump();
                    items.push(self.expr()?);
                }
                Tok::RBracket => {
                    self.bump();
                    return Ok(Expr::List(items));
                }
                _ => {
                    return Err(self.error(format!(
                        "expected ',' or ']', found {}",
                        self.describe(self.pos)
                    )));
                }
            }
        }
    }

    /// Parses `..end)` or `..end]` after an interval's start.
    fn interval_rest(&mut self, start: Expr, start_closed: bool) -> Result<Expr, ParseError> {
        self.bump();
        // In `[1..10[` the last `[` closes the interval; it is not a filter on `10`.
        let outer = std::mem::replace(&mut self.interval_end, true);
        let end = self.expr_bp(COMPARE);
        self.interval_end = outer;
        let end = end?;
        let end_closed = match self.peek() {
            Tok::RBracket => true,
            // `[1..10[`: ISO notation for an open end.
            Tok::RParen | Tok::LBracket => false,
            _ => {
                return Err(self.error(format!(
                    "expected ']' or ')' to close the interval, found {}",
                    self.describe(self.pos)
                )));
            }
        };
        self.bump();
        Ok(Expr::Range(Box::new(Interval {
            start,
            start_closed,
            end,
            end_closed,
            form: RangeForm::Interval,
        })))
    }

    fn context(&mut self) -> Result<Expr, ParseError> {
        self.bump();
        let mut entries: Vec<(Arc<str>, Expr)> = Vec::new();
        if self.peek() == &Tok::RBrace {
            self.bump();
            return Ok(Expr::Context(entries));
        }
        loop {
            let key_at = self.pos;
            let key = match self.peek().clone() {
                Tok::Str(key) if self.peek_at(1) == &Tok::Colon => {
                    self.pos += 2;
                    key
                }
                _ => self.entry_name_before_colon().ok_or_else(|| {
                    self.error(format!(
                        "expected a context entry name followed by ':', found {}",
                        self.describe(self.pos)
                    ))
                })?,
            };
            if entries.iter().any(|(k, _)| **k == *key) {
                return Err(error_at(
                    self.source,
                    self.token(key_at).start,
                    format!("duplicate context entry '{key}'"),
                ));
            }
            self.learn_name(&key);
            let value = self.expr()?;
            entries.push((Arc::from(key), value));
            match self.peek() {
                Tok::Comma => self.bump(),
                Tok::RBrace => {
                    self.bump();
                    return Ok(Expr::Context(entries));
                }
                _ => {
                    return Err(self.error(format!(
                        "expected ',' or '}}', found {}",
                        self.describe(self.pos)
                    )));
                }
            }
        }
    }

    fn if_expr(&mut self) -> Result<Expr, ParseError> {
        self.bump();
        let condition = self.expr()?;
        self.expect_word("then")?;
        let then = self.expr()?;
        self.expect_word("else")?;
        let otherwise = self.expr()?;
        Ok(Expr::If(
            Box::new(condition),
            Box::new(then),
            Box::new(otherwise),
        ))
    }

    fn for_expr(&mut self) -> Result<Expr, ParseError> {
        self.bump();
        let iterations = self.iterations()?;
        self.expect_word("return")?;
        let body = self.expr()?;
        let mut names = Vec::new();
        body.names(&mut names);
        let uses_partial = names.iter().any(|name| &**name == "partial");
        Ok(Expr::For(iterations, Box::new(body), uses_partial))
    }

    fn quantified(&mut self, quantifier: Quantifier) -> Result<Expr, ParseError> {
        self.bump();
        let iterations = self.iterations()?;
        self.expect_word("satisfies")?;
        let condition = self.expr()?;
        Ok(Expr::Quantified(
            quantifier,
            iterations,
            Box::new(condition),
        ))
    }

    fn iterations(&mut self) -> Result<Vec<Iteration>, ParseError> {
        let mut iterations = Vec::new();
        loop {
            let name = match self.peek().clone() {
                Tok::Quoted(name) => name,
                Tok::Word if !RESERVED.contains(&self.text(self.pos)) => {
                    self.text(self.pos).to_string()
                }
                _ => {
                    return Err(self.error(format!(
                        "expected a variable name, found {}",
                        self.describe(self.pos)
                    )));
                }
            };
            self.bump();
            self.expect_word("in")?;
            let domain = self.expr()?;
            let end = if self.peek() == &Tok::DotDot {
                self.bump();
                Some(self.expr()?)
            } else {
                None
            };
            iterations.push(Iteration {
                name: Arc::from(name),
                domain,
                end,
            });
            if self.peek() != &Tok::Comma {
                return Ok(iterations);
            }
            self.bump();
        }
    }

    /// The right-hand side of `in`: one positive unary test, or several in parentheses
    /// (`(< 5, > 10)`), where `(` may also open an interval (`(1..10]`).
    fn in_tests(&mut self) -> Result<Vec<UnaryTest>, ParseError> {
        if self.peek() != &Tok::LParen {
            return Ok(vec![self.unary_test(COMPARE)?]);
        }
        self.bump();
        let first = self.unary_test(0)?;
        if self.peek() == &Tok::DotDot {
            if let UnaryTest::Expr(start, _) = first {
                return Ok(vec![UnaryTest::Expr(
                    self.interval_rest(start, false)?,
                    false,
                )]);
            }
            return Err(self.unexpected());
        }
        let mut tests = vec![first];
        while self.peek() == &Tok::Comma {
            self.bump();
            tests.push(self.unary_test(0)?);
        }
        self.expect(&Tok::RParen, "')'")?;
        Ok(tests)
    }

    /// One test; `min` is the precedence its expression must exceed: inside parentheses
    /// a test may be any expression (`? > 3`), bare after `in` it ends at `and`/`or`.
    fn unary_test(&mut self, min: u8) -> Result<UnaryTest, ParseError> {
        if let Some(op) = compare_op(self.peek()) {
            self.bump();
            return Ok(UnaryTest::Compare(op, self.expr_bp(COMPARE)?));
        }
        let before = self.question_marks;
        let expr = self.expr_bp(min)?;
        Ok(UnaryTest::Expr(expr, self.question_marks > before))
    }
}

/// The length of `name` as written at the start of `text`, whitespace in the name
/// matching any run of whitespace; `None` if it is not written there.
fn written_as(text: &str, name: &str) -> Option<usize> {
    let mut source = text.char_indices().peekable();
    let mut name_chars = name.chars().peekable();
    while let Some(c) = name_chars.next() {
        if c.is_whitespace() {
            while name_chars.peek().is_some_and(|c| c.is_whitespace()) {
                name_chars.next();
            }
            let mut any = false;
            while source.peek().is_some_and(|(_, s)| s.is_whitespace()) {
                source.next();
                any = true;
            }
            if !any {
                return None;
            }
        } else {
            match source.next() {
                Some((_, s)) if s == c => {}
                _ => return None,
            }
        }
    }
    Some(source.peek().map_or(text.len(), |(i, _)| *i))
}

fn compare_op(tok: &Tok) -> Option<CompareOp> {
    Some(match tok {
        Tok::Eq => CompareOp::Eq,
        Tok::NotEq => CompareOp::Ne,
        Tok::Lt => CompareOp::Lt,
        Tok::Le => CompareOp::Le,
        Tok::Gt => CompareOp::Gt,
        Tok::Ge => CompareOp::Ge,
        _ => return None,
    })
}

fn arith_op(tok: &Tok) -> ArithOp {
    match tok {
        Tok::Minus => ArithOp::Sub,
        Tok::Star => ArithOp::Mul,
        Tok::Slash => ArithOp::Div,
        Tok::StarStar => ArithOp::Pow,
        _ => ArithOp::Add,
    }
}

/// Matches written arguments against a built-in's parameters. Problems become
/// [`Expr::Invalid`] nodes rather than parse errors: like an unknown variable, an unknown
/// function is a runtime matter (later issues add user-defined functions in scope).
fn resolve_call(name: &str, args: Args) -> Expr {
    let invalid = |kind, message: String| Expr::Invalid(kind, Arc::from(message));
    let builtin = match (builtins::lookup(name), &args) {
        (Some(b), Args::Named(named))
            if b.name == "context put" && named.iter().any(|(n, _)| n == "key") =>
        {
            Some(&builtins::context::CONTEXT_PUT_ONE_KEY)
        }
        (builtin, _) => builtin,
    };
    let Some(builtin) = builtin else {
        // Not a built-in: the scope may provide it when the expression is evaluated.
        let args = match args {
            Args::Positional(args) => CallArgs::Positional(args),
            Args::Named(named) => CallArgs::Named(
                named
                    .into_iter()
                    .map(|(name, expr)| (Arc::from(name), expr))
                    .collect(),
            ),
        };
        return Expr::ScopeCall(Arc::from(name), args);
    };
    let positional = match args {
        Args::Positional(args) => args,
        Args::Named(named) => match place_named(builtin, named) {
            Ok(args) => args,
            Err(message) => return invalid(WarningKind::InvalidArgument, message),
        },
    };
    if let Err(message) = builtin.check_arity(positional.len()) {
        return invalid(WarningKind::InvalidArgument, message);
    }
    Expr::Call(builtin, positional)
}

fn place_named(builtin: &Builtin, named: Vec<(String, Expr)>) -> Result<Vec<Expr>, String> {
    if builtins::range::takes_points_and_ranges(builtin.name) {
        let names: Vec<&str> = named.iter().map(|(n, _)| n.as_str()).collect();
        let positions = builtins::range::place_named(&names)
            .map_err(|problem| format!("function '{}' {problem}", builtin.name))?;
        let mut args: Vec<(usize, Expr)> = positions
            .into_iter()
            .zip(named.into_iter().map(|(_, e)| e))
            .collect();
        args.sort_by_key(|(position, _)| *position);
        return Ok(args.into_iter().map(|(_, e)| e).collect());
    }
    let mut slots: BTreeMap<usize, Expr> = BTreeMap::new();
    for (name, expr) in named {
        // Overloads name the same slot differently (`list replace(list, match, newItem)`).
        let canonical = builtins::alias(builtin.name, &name).unwrap_or(&name);
        let Some(index) = builtin.params.iter().position(|(p, _)| *p == canonical) else {
            return Err(format!(
                "function '{}' has no parameter named '{name}'",
                builtin.name
            ));
        };
        if slots.insert(index, expr).is_some() {
            return Err(format!(
                "parameter '{name}' of function '{}' is given twice",
                builtin.name
            ));
        }
    }
    // Arguments up to the last one named; the ones skipped before it are null.
    let count = slots.keys().next_back().map_or(0, |last| last + 1);
    let mut args = Vec::with_capacity(count);
    for (index, (param, _)) in builtin.params.iter().enumerate().take(count) {
        match slots.remove(&index) {
            Some(expr) => args.push(expr),
            None if index < builtin.required => {
                return Err(format!(
                    "function '{}' is missing the argument '{param}'",
                    builtin.name
                ));
            }
            // A skipped optional parameter in the middle: null, as FEEL would pass.
            None => args.push(Expr::Literal(Value::Null)),
        }
    }
    Ok(args)
}
