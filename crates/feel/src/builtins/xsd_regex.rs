//! XML Schema / XPath regular expressions (what FEEL's `matches`, `replace` and `split`
//! take) translated into the `regex` crate's syntax, and a small cache of compiled ones.
//!
//! What differs and is translated: `.` excludes `\n` and `\r` unless the `s` flag is set;
//! character-class subtraction `[a-z-[aeiou]]` becomes `[a-z--[aeiou]]`; the `x` flag
//! removes whitespace outside character classes before anything else (so `\ s` is `\s`);
//! Unicode block escapes `\p{IsBasicLatin}` become ranges. Patterns with back-references
//! (`\1`), which the `regex` crate lacks, run on the matcher in `backtrack.rs`.

use std::cell::RefCell;
use std::sync::Arc;

use super::backtrack::Program;

/// Unicode blocks by their XML Schema names (the common ones).
const BLOCKS: &[(&str, &str)] = &[
    ("BasicLatin", r"\x{0}-\x{7F}"),
    ("Latin-1Supplement", r"\x{80}-\x{FF}"),
    ("LatinExtended-A", r"\x{100}-\x{17F}"),
    ("LatinExtended-B", r"\x{180}-\x{24F}"),
    ("IPAExtensions", r"\x{250}-\x{2AF}"),
    ("SpacingModifierLetters", r"\x{2B0}-\x{2FF}"),
    ("CombiningDiacriticalMarks", r"\x{300}-\x{36F}"),
    ("Greek", r"\x{370}-\x{3FF}"),
    ("GreekandCoptic", r"\x{370}-\x{3FF}"),
    ("Cyrillic", r"\x{400}-\x{4FF}"),
    ("Armenian", r"\x{530}-\x{58F}"),
    ("Hebrew", r"\x{590}-\x{5FF}"),
    ("Arabic", r"\x{600}-\x{6FF}"),
    ("Devanagari", r"\x{900}-\x{97F}"),
    ("Thai", r"\x{E00}-\x{E7F}"),
    ("GeneralPunctuation", r"\x{2000}-\x{206F}"),
    ("CurrencySymbols", r"\x{20A0}-\x{20CF}"),
    ("LetterlikeSymbols", r"\x{2100}-\x{214F}"),
    ("NumberForms", r"\x{2150}-\x{218F}"),
    ("Arrows", r"\x{2190}-\x{21FF}"),
    ("MathematicalOperators", r"\x{2200}-\x{22FF}"),
    ("BoxDrawing", r"\x{2500}-\x{257F}"),
    ("GeometricShapes", r"\x{25A0}-\x{25FF}"),
    ("MiscellaneousSymbols", r"\x{2600}-\x{26FF}"),
    ("Dingbats", r"\x{2700}-\x{27BF}"),
    ("CJKSymbolsandPunctuation", r"\x{3000}-\x{303F}"),
    ("Hiragana", r"\x{3040}-\x{309F}"),
    ("Katakana", r"\x{30A0}-\x{30FF}"),
    ("CJKUnifiedIdeographs", r"\x{4E00}-\x{9FFF}"),
    ("HangulSyllables", r"\x{AC00}-\x{D7AF}"),
    ("HalfwidthandFullwidthForms", r"\x{FF00}-\x{FFEF}"),
];

/// Parsed XPath flags.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub(crate) struct Flags {
    pub dot_all: bool,
    pub multi_line: bool,
    pub case_insensitive: bool,
    pub extended: bool,
    pub literal: bool,
}

impl Flags {
    /// Reads XPath flags; `Err` names a character that is not one.
    pub(crate) fn parse(flags: &str) -> Result<Flags, char> {
        let mut out = Flags::default();
        for flag in flags.chars() {
            match flag {
                's' => out.dot_all = true,
                'm' => out.multi_line = true,
                'i' => out.case_insensitive = true,
                'x' => out.extended = true,
                'q' => out.literal = true,
                other => return Err(other),
            }
        }
        Ok(out)
    }
}

/// A compiled pattern with the text and flags it was compiled from.
type Cached = (Box<str>, Flags, Arc<Pattern>);

/// A compiled pattern: by the `regex` crate, or by the backtracking matcher when it has
/// back-references.
#[derive(Debug)]
pub(crate) enum Pattern {
    Fast(regex::Regex),
    Backtracking(Program),
}

/// The spans of one match's groups, in bytes: `[0]` is the whole match.
pub(crate) type Groups = Vec<Option<(usize, usize)>>;

impl Pattern {
    pub(crate) fn is_match(&self, text: &str) -> Result<bool, String> {
        match self {
            Pattern::Fast(regex) => Ok(regex.is_match(text)),
            Pattern::Backtracking(program) => {
                let chars: Vec<char> = text.chars().collect();
                Ok(program.find(&chars, 0)?.is_some())
            }
        }
    }

    /// Every non-overlapping match, left to right, with its groups.
    pub(crate) fn find_all(&self, text: &str) -> Result<Vec<Groups>, String> {
        match self {
            Pattern::Fast(regex) => Ok(regex
                .captures_iter(text)
                .map(|c| c.iter().map(|g| g.map(|g| (g.start(), g.end()))).collect())
                .collect()),
            Pattern::Backtracking(program) => {
                let chars: Vec<char> = text.chars().collect();
                // Character index to byte offset.
                let mut bytes: Vec<usize> = text.char_indices().map(|(i, _)| i).collect();
                bytes.push(text.len());
                let mut found = Vec::new();
                let mut from = 0;
                while from <= chars.len() {
                    let Some(spans) = program.find(&chars, from)? else {
                        break;
                    };
                    let (start, end) = spans[0].unwrap_or((from, from));
                    found.push(
                        spans
                            .iter()
                            .map(|s| s.map(|(a, b)| (bytes[a], bytes[b])))
                            .collect(),
                    );
                    from = if end > start { end } else { end + 1 };
                }
                Ok(found)
            }
        }
    }

    /// How many capturing groups the pattern has.
    pub(crate) fn groups(&self) -> usize {
        match self {
            Pattern::Fast(regex) => regex.captures_len().saturating_sub(1),
            Pattern::Backtracking(program) => program.groups(),
        }
    }
}

/// Whether the pattern has a back-reference (`\1`) outside character classes.
fn has_back_reference(pattern: &str) -> bool {
    let mut depth = 0usize;
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                let escaped = chars.next();
                if depth == 0 && escaped.is_some_and(|d| ('1'..='9').contains(&d)) {
                    return true;
                }
            }
            '[' => depth += 1,
            ']' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    false
}

/// Compiles `pattern`, reusing a recent compilation of the same pattern and flags.
pub(crate) fn compile(pattern: &str, flags: Flags) -> Result<Arc<Pattern>, String> {
    const CACHED: usize = 32;
    thread_local! {
        static CACHE: RefCell<Vec<Cached>> =
            const { RefCell::new(Vec::new()) };
    }
    let hit = CACHE.with(|cache| {
        cache
            .borrow()
            .iter()
            .find(|(p, f, _)| **p == *pattern && *f == flags)
            .map(|(_, _, r)| Arc::clone(r))
    });
    if let Some(regex) = hit {
        return Ok(regex);
    }
    let regex = if !flags.literal && has_back_reference(pattern) {
        let stripped = if flags.extended {
            strip_whitespace(pattern)
        } else {
            pattern.to_string()
        };
        Pattern::Backtracking(Program::compile(&stripped, flags)?)
    } else {
        let source = if flags.literal {
            regex::escape(pattern)
        } else {
            translate(pattern, flags)?
        };
        let regex = regex::RegexBuilder::new(&source)
            .dot_matches_new_line(flags.dot_all)
            .multi_line(flags.multi_line)
            .case_insensitive(flags.case_insensitive)
            .build()
            .map_err(|e| e.to_string())?;
        Pattern::Fast(regex)
    };
    let regex = Arc::new(regex);
    CACHE.with(|cache| {
        let mut cache = cache.borrow_mut();
        if cache.len() >= CACHED {
            cache.remove(0);
        }
        cache.push((Box::from(pattern), flags, Arc::clone(&regex)));
    });
    Ok(regex)
}

/// Removes whitespace outside character classes (the `x` flag).
fn strip_whitespace(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len());
    let mut depth = 0usize;
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                out.push(c);
                // The escaped character, skipping whitespace between (`\ s` is `\s`).
                for next in chars.by_ref() {
                    if depth == 0 && matches!(next, ' ' | '\t' | '\n' | '\r') {
                        continue;
                    }
                    out.push(next);
                    break;
                }
            }
            '[' => {
                depth += 1;
                out.push(c);
            }
            ']' if depth > 0 => {
                depth -= 1;
                out.push(c);
            }
            ' ' | '\t' | '\n' | '\r' if depth == 0 => {}
            _ => out.push(c),
        }
    }
    out
}

/// The XML Schema pattern in the `regex` crate's syntax.
pub(crate) fn translate(pattern: &str, flags: Flags) -> Result<String, String> {
    let stripped;
    let pattern = if flags.extended {
        stripped = strip_whitespace(pattern);
        &stripped
    } else {
        pattern
    };
    let chars: Vec<char> = pattern.chars().collect();
    let mut out = String::with_capacity(pattern.len() + 8);
    let mut depth = 0usize;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\\' => {
                let Some(&next) = chars.get(i + 1) else {
                    return Err("the pattern ends with '\\'".to_string());
                };
                if (next == 'p' || next == 'P') && chars.get(i + 2) == Some(&'{') {
                    let close = chars[i + 3..]
                        .iter()
                        .position(|&c| c == '}')
                        .ok_or("an unclosed '\\p{'")?;
                    // Whitespace was removed already under the `x` flag; otherwise it is
                    // an error (XPath K2-MatchesFunc-7).
                    let name: String = chars[i + 3..i + 3 + close].iter().collect();
                    if name.contains(char::is_whitespace) {
                        return Err(format!("invalid character property '{name}'"));
                    }
                    i += 4 + close;
                    match name.strip_prefix("Is") {
                        Some(block) => {
                            let range =
                                BLOCKS
                                    .iter()
                                    .find(|(n, _)| *n == block)
                                    .map(|(_, r)| *r)
                                    .ok_or_else(|| format!("unknown Unicode block '{block}'"))?;
                            let negated = next == 'P';
                            match (depth > 0, negated) {
                                (true, false) => out.push_str(range),
                                (true, true) => {
                                    out.push_str("[^");
                                    out.push_str(range);
                                    out.push(']');
                                }
                                (false, _) => {
                                    out.push_str(if negated { "[^" } else { "[" });
                                    out.push_str(range);
                                    out.push(']');
                                }
                            }
                        }
                        None => {
                            out.push('\\');
                            out.push(next);
                            out.push('{');
                            out.push_str(&name);
                            out.push('}');
                        }
                    }
                    continue;
                }
                if next.is_ascii_digit() && next != '0' && depth == 0 {
                    return Err("back-references (\\1) are not supported".to_string());
                }
                out.push('\\');
                out.push(next);
                i += 2;
                continue;
            }
            '[' => {
                depth += 1;
                out.push('[');
                // A leading `^` and a leading `]`/`-` are literal parts of the class.
                if chars.get(i + 1) == Some(&'^') {
                    out.push('^');
                    i += 1;
                }
            }
            ']' if depth > 0 => {
                depth -= 1;
                out.push(']');
            }
            // Class subtraction: `[a-z-[aeiou]]`.
            '-' if depth > 0 && chars.get(i + 1) == Some(&'[') => {
                out.push_str("--");
            }
            // Characters the `regex` crate treats specially inside classes.
            '&' | '~' if depth > 0 => {
                out.push('\\');
                out.push(c);
            }
            '.' if depth == 0 && !flags.dot_all => out.push_str(r"[^\n\r]"),
            _ => out.push(c),
        }
        i += 1;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matches(input: &str, pattern: &str, flags: &str) -> Option<bool> {
        let flags = Flags::parse(flags).ok()?;
        compile(pattern, flags).ok()?.is_match(input).ok()
    }

    #[test]
    fn xpath_semantics() {
        assert_eq!(matches("Mary\rJones", "Mary.Jones", ""), Some(false));
        assert_eq!(matches("Mary\rJones", "Mary.Jones", "s"), Some(true));
        assert_eq!(matches("O", "[A-Z-[OI]]", "i"), Some(false));
        assert_eq!(matches("P", "[A-Z-[OI]]", ""), Some(true));
        assert_eq!(matches("hello world", r"hello\ sworld", "x"), Some(true));
        assert_eq!(matches("hello world", " hello[ ]world", "x"), Some(true));
        assert_eq!(matches("hello world", "he ll o[ ]worl d", "x"), Some(true));
        assert_eq!(
            matches("hello world", r"\p{ I s B a s i c L a t i n }+", "x"),
            Some(true)
        );
        assert_eq!(matches("héllo", r"^\p{IsBasicLatin}+$", ""), Some(false));
        assert_eq!(matches("hello", r"\p{ IsBasicLatin}+", ""), None);
        assert_eq!(matches("a&b", "[&]", ""), Some(true));
        assert_eq!(matches("aA", r"(a)\1", "i"), Some(true));
        assert_eq!(matches("aA", r"(a)\1", ""), Some(false));
        assert_eq!(matches("abc", "a.c", "q"), Some(false));
        assert_eq!(matches("a.c", "a.c", "q"), Some(true));
    }
}
