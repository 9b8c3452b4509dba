//! The FEEL lexer: source text to a flat list of tokens with byte spans.
//!
//! Lexing up front (rather than on demand) lets the parser look ahead freely, which FEEL
//! needs: multi-word function names (`string length(…)`), named arguments with spaces
//! (`start position: 2`) and intervals (`(1..10]`) are only recognisable a few tokens on.
//! Keywords are not special here: every identifier is a [`Tok::Word`] and the parser
//! decides, because words like `of` or `and` also occur inside names (`index of`).
// This module reads user input, so nothing in it may panic (xtask's tidy test keeps this).
#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::string_slice,
    clippy::unreachable
)]

use crate::ParseError;

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Tok {
    /// The text of a numeric literal, validated later by the parser.
    Number,
    /// A string literal with its escapes already decoded.
    Str(String),
    /// An identifier or keyword; its text is the token's span.
    Word,
    /// A back-quoted name (`` `order id` ``), never a keyword.
    Quoted(String),
    /// `'`, which FEEL allows only inside names.
    Apostrophe,
    /// `@`, which starts a temporal literal (`@"2024-01-31"`).
    At,
    LParen,
    RParen,
    LBracket,
    RBracket,
    LBrace,
    RBrace,
    Comma,
    Colon,
    Dot,
    DotDot,
    Plus,
    Minus,
    Star,
    StarStar,
    Slash,
    Eq,
    NotEq,
    Lt,
    Le,
    Gt,
    Ge,
    Eof,
}

#[derive(Clone, Debug)]
pub(crate) struct Token {
    pub kind: Tok,
    pub start: usize,
    pub end: usize,
}

/// Builds a [`ParseError`] for a byte offset, computing the 1-based line and column.
pub(crate) fn error_at(source: &str, offset: usize, message: impl Into<String>) -> ParseError {
    let offset = offset.min(source.len());
    // Offsets always come from token boundaries, which are char boundaries; `get` keeps a
    // stray offset from panicking all the same.
    let before = source.get(..offset).unwrap_or(source);
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before.get(line_start..).unwrap_or_default().chars().count() + 1;
    ParseError {
        offset,
        line: u32::try_from(line).unwrap_or(u32::MAX),
        column: u32::try_from(column).unwrap_or(u32::MAX),
        message: message.into(),
    }
}

/// FEEL's name characters: letters, `_`, `?`, and (DMN 1.5 grammar rule 28) the other
/// non-ASCII characters, emoji included.
fn is_name_start(c: char) -> bool {
    c.is_alphabetic() || c == '_' || c == '?' || (!c.is_ascii() && !c.is_whitespace())
}

fn is_name_part(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '?' || (!c.is_ascii() && !c.is_whitespace())
}

pub(crate) fn lex(source: &str) -> Result<Vec<Token>, ParseError> {
    let mut lexer = Lexer {
        source,
        pos: 0,
        tokens: Vec::new(),
    };
    lexer.run()?;
    Ok(lexer.tokens)
}

struct Lexer<'a> {
    source: &'a str,
    pos: usize,
    tokens: Vec<Token>,
}

impl Lexer<'_> {
    /// The source from the current position on. Positions move over whole characters
    /// only; `get` makes a stray one the end of input rather than a panic.
    fn rest(&self) -> &str {
        self.source.get(self.pos..).unwrap_or_default()
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn peek_at(&self, n: usize) -> Option<char> {
        self.rest().chars().nth(n)
    }

    fn push(&mut self, kind: Tok, start: usize) {
        self.tokens.push(Token {
            kind,
            start,
            end: self.pos,
        });
    }

    fn run(&mut self) -> Result<(), ParseError> {
        while let Some(c) = self.peek() {
            let start = self.pos;
            if c.is_whitespace() {
                self.pos += c.len_utf8();
                continue;
            }
            if c == '/' && self.peek_at(1) == Some('/') {
                self.skip_line_comment();
                continue;
            }
            if c == '/' && self.peek_at(1) == Some('*') {
                self.skip_block_comment()?;
                continue;
            }
            if c.is_ascii_digit()
                || (c == '.' && self.peek_at(1).is_some_and(|d| d.is_ascii_digit()))
            {
                self.number();
                self.push(Tok::Number, start);
                continue;
            }
            if is_name_start(c) {
                while self.peek().is_some_and(is_name_part) {
                    self.pos += self.peek().map_or(1, char::len_utf8);
                }
                self.push(Tok::Word, start);
                continue;
            }
            if c == '"' {
                let text = self.string()?;
                self.push(Tok::Str(text), start);
                continue;
            }
            if c == '`' {
                let text = self.quoted_name()?;
                self.push(Tok::Quoted(text), start);
                continue;
            }
            let (kind, len) = match (c, self.peek_at(1)) {
                ('.', Some('.')) => (Tok::DotDot, 2),
                ('*', Some('*')) => (Tok::StarStar, 2),
                ('!', Some('=')) => (Tok::NotEq, 2),
                ('<', Some('=')) => (Tok::Le, 2),
                ('>', Some('=')) => (Tok::Ge, 2),
                ('(', _) => (Tok::LParen, 1),
                (')', _) => (Tok::RParen, 1),
                ('[', _) => (Tok::LBracket, 1),
                (']', _) => (Tok::RBracket, 1),
                ('{', _) => (Tok::LBrace, 1),
                ('}', _) => (Tok::RBrace, 1),
                (',', _) => (Tok::Comma, 1),
                (':', _) => (Tok::Colon, 1),
                ('.', _) => (Tok::Dot, 1),
                ('+', _) => (Tok::Plus, 1),
                ('-', _) => (Tok::Minus, 1),
                ('*', _) => (Tok::Star, 1),
                ('/', _) => (Tok::Slash, 1),
                ('=', _) => (Tok::Eq, 1),
                ('<', _) => (Tok::Lt, 1),
                ('>', _) => (Tok::Gt, 1),
                // Only valid inside a name in scope (`Applicant's age`); the parser
                // reports it anywhere else.
                ('\'', _) => (Tok::Apostrophe, 1),
                ('@', _) => (Tok::At, 1),
                _ => {
                    return Err(error_at(
                        self.source,
                        start,
                        format!("unexpected character '{c}'"),
                    ));
                }
            };
            self.pos += len;
            self.push(kind, start);
        }
        let end = self.source.len();
        self.tokens.push(Token {
            kind: Tok::Eof,
            start: end,
            end,
        });
        Ok(())
    }

    fn skip_line_comment(&mut self) {
        match self.rest().find('\n') {
            Some(i) => self.pos += i + 1,
            None => self.pos = self.source.len(),
        }
    }

    fn skip_block_comment(&mut self) -> Result<(), ParseError> {
        match self.rest().get(2..).and_then(|rest| rest.find("*/")) {
            Some(i) => {
                self.pos += 2 + i + 2;
                Ok(())
            }
            None => Err(error_at(self.source, self.pos, "unterminated comment")),
        }
    }

    /// Digits with an optional fraction and exponent. `1..5` must lex as `1`, `..`, `5`,
    /// so a dot only belongs to the number when a digit follows it.
    fn number(&mut self) {
        let bytes = self.source.as_bytes();
        while bytes.get(self.pos).is_some_and(u8::is_ascii_digit) {
            self.pos += 1;
        }
        if bytes.get(self.pos) == Some(&b'.')
            && bytes.get(self.pos + 1).is_some_and(u8::is_ascii_digit)
        {
            self.pos += 1;
            while bytes.get(self.pos).is_some_and(u8::is_ascii_digit) {
                self.pos += 1;
            }
        }
        // An exponent (`1.23e4`, `5E-2`), only when digits follow.
        if matches!(bytes.get(self.pos), Some(b'e' | b'E')) {
            let sign = usize::from(matches!(bytes.get(self.pos + 1), Some(b'+' | b'-')));
            if bytes
                .get(self.pos + 1 + sign)
                .is_some_and(u8::is_ascii_digit)
            {
                self.pos += 1 + sign;
                while bytes.get(self.pos).is_some_and(u8::is_ascii_digit) {
                    self.pos += 1;
                }
            }
        }
    }

    fn string(&mut self) -> Result<String, ParseError> {
        let start = self.pos;
        self.pos += 1;
        let mut out = String::new();
        loop {
            let Some(c) = self.peek() else {
                return Err(error_at(self.source, start, "unterminated string"));
            };
            let at = self.pos;
            self.pos += c.len_utf8();
            match c {
                '"' => return Ok(out),
                '\\' => out.push(self.escape(at)?),
                _ => out.push(c),
            }
        }
    }

    fn escape(&mut self, at: usize) -> Result<char, ParseError> {
        let Some(c) = self.peek() else {
            return Err(error_at(self.source, at, "unterminated string"));
        };
        self.pos += c.len_utf8();
        Ok(match c {
            '"' => '"',
            '\'' => '\'',
            '\\' => '\\',
            '/' => '/',
            'n' => '\n',
            't' => '\t',
            'r' => '\r',
            'b' => '\u{8}',
            'f' => '\u{c}',
            'u' => return self.unicode_escape(at),
            // `\U01F40E`: six hex digits, any code point.
            'U' => {
                let digits = self
                    .source
                    .get(self.pos..self.pos + 6)
                    .filter(|d| d.bytes().all(|b| b.is_ascii_hexdigit()));
                let code = digits
                    .and_then(|d| u32::from_str_radix(d, 16).ok())
                    .and_then(char::from_u32);
                match code {
                    Some(c) => {
                        self.pos += 6;
                        c
                    }
                    None => return Err(error_at(self.source, at, "invalid unicode escape")),
                }
            }
            // Any other escape stays as written, backslash included: regular expressions
            // in strings (`"\d{3}"`) need it (TCK 1109).
            _ => {
                self.pos -= c.len_utf8();
                '\\'
            }
        })
    }

    /// `\uXXXX`, where a high surrogate must be followed by a `\uXXXX` low surrogate
    /// (the JSON convention for characters outside the basic multilingual plane).
    fn unicode_escape(&mut self, at: usize) -> Result<char, ParseError> {
        let invalid = |lexer: &Self| error_at(lexer.source, at, "invalid unicode escape");
        let first = self.hex4().ok_or_else(|| invalid(self))?;
        if (0xD800..0xDC00).contains(&first) {
            if !self.rest().starts_with("\\u") {
                return Err(invalid(self));
            }
            self.pos += 2;
            let second = self.hex4().ok_or_else(|| invalid(self))?;
            if !(0xDC00..0xE000).contains(&second) {
                return Err(invalid(self));
            }
            let code = 0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00);
            return char::from_u32(code).ok_or_else(|| invalid(self));
        }
        char::from_u32(first).ok_or_else(|| invalid(self))
    }

    fn hex4(&mut self) -> Option<u32> {
        let digits = self.source.get(self.pos..self.pos + 4)?;
        if !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        self.pos += 4;
        u32::from_str_radix(digits, 16).ok()
    }

    fn quoted_name(&mut self) -> Result<String, ParseError> {
        let start = self.pos;
        let rest = self.rest().get(1..).unwrap_or_default();
        match rest.split_once('`') {
            Some((name, _)) => {
                let name = name.to_string();
                self.pos += 1 + name.len() + 1;
                Ok(name)
            }
            None => Err(error_at(
                self.source,
                start,
                "unterminated back-quoted name",
            )),
        }
    }
}
