//! XML Schema / XPath regular expressions (what FEEL's `matches`, `replace` and `split`
//! take, DMN 1.5 10.3.4.3) translated into `fancy-regex` syntax, and a small cache of
//! compiled ones. `fancy-regex` runs back-references (`(a)\1`) by backtracking, bounded
//! by its backtrack limit, and hands everything else to the `regex` crate.
//!
//! What differs and is translated: `.` excludes `\n` and `\r` unless the `s` flag is set;
//! character-class subtraction `[a-z-[aeiou]]` becomes `[a-z--[aeiou]]`; the `x` flag
//! removes whitespace outside character classes before anything else (so `\ s` is `\s`);
//! Unicode block escapes `\p{IsBasicLatin}` become ranges; the XML escapes `\i` and `\c`
//! (name start and name characters) become their classes; `\s` and `\w` get XML Schema's
//! narrower meanings (four spaces; everything but punctuation, separators and others).

use std::cell::RefCell;
use std::sync::Arc;

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
type Cached = (Box<str>, Flags, Result<Arc<Pattern>, String>);

/// A compiled pattern.
#[derive(Debug)]
pub(crate) struct Pattern(fancy_regex::Regex);

/// The spans of one match's groups, in bytes: `[0]` is the whole match.
pub(crate) type Groups = Vec<Option<(usize, usize)>>;

impl Pattern {
    pub(crate) fn is_match(&self, text: &str) -> Result<bool, String> {
        self.0.is_match(text).map_err(|e| e.to_string())
    }

    /// Every non-overlapping match, left to right, with its groups.
    pub(crate) fn find_all(&self, text: &str) -> Result<Vec<Groups>, String> {
        self.0
            .captures_iter(text)
            .map(|captures| {
                let captures = captures.map_err(|e| e.to_string())?;
                Ok(captures
                    .iter()
                    .map(|g| g.map(|g| (g.start(), g.end())))
                    .collect())
            })
            .collect()
    }

    /// How many capturing groups the pattern has.
    pub(crate) fn groups(&self) -> usize {
        self.0.captures_len().saturating_sub(1)
    }
}

/// The most memory one compiled pattern may take. Compiling costs time in proportion
/// and no evaluation step counts it, so the limit is what keeps `matches("1", "\d{5000}")`
/// from taking a second: such a pattern fails at once instead. Patterns a decision uses
/// are far smaller.
const PATTERN_SIZE_LIMIT: usize = 1 << 20;

/// How many XML name classes (`\i`, `\I`, `\c`, `\C`) a case-insensitive pattern may
/// use. The `regex` crate case-folds each one it meets, range by range, which takes tens
/// of milliseconds for these classes of hundreds of thousands of characters (found by
/// fuzzing: forty of them took over a second). They are closed under case folding
/// already, so the limit takes nothing a pattern could need more than a few times.
const FOLDED_NAME_CLASSES: usize = 8;

/// Compiles `pattern`, reusing a recent compilation (or failure) of the same pattern and
/// flags.
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
            .map(|(_, _, r)| r.clone())
    });
    if let Some(compiled) = hit {
        return compiled;
    }
    let compiled = build(pattern, flags);
    CACHE.with(|cache| {
        let mut cache = cache.borrow_mut();
        if cache.len() >= CACHED {
            let _evicted = cache.remove(0);
        }
        cache.push((Box::from(pattern), flags, compiled.clone()));
    });
    compiled
}

fn build(pattern: &str, flags: Flags) -> Result<Arc<Pattern>, String> {
    let source = if flags.literal {
        regex::escape(pattern)
    } else {
        translate(pattern, flags)?
    };
    let regex = fancy_regex::RegexBuilder::new(&source)
        .dot_matches_new_line(flags.dot_all)
        .multi_line(flags.multi_line)
        .case_insensitive(flags.case_insensitive)
        .delegate_size_limit(PATTERN_SIZE_LIMIT)
        .build()
        .map_err(|e| e.to_string())?;
    Ok(Arc::new(Pattern(regex)))
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

/// The XML Schema pattern in `fancy-regex` syntax.
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
    // Capturing groups: how many opened, and which are still open (a back-reference may
    // only name a group closed before it, XPath 3.1 5.6.1).
    let mut opened = 0usize;
    let mut open: Vec<Option<usize>> = Vec::new();
    // Where the last quantifier character (`*`, `+`, `?`, a `{…}`'s `}`) outside a class
    // was, to refuse a `+` right after it.
    let mut quantifier_at = None;
    let mut folded_name_classes = 0;
    let folding = flags.case_insensitive || turns_on_case_folding(&chars);
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\\' => {
                let Some(&next) = chars.get(i + 1) else {
                    return Err("the pattern ends with '\\'".to_string());
                };
                if depth == 0 && next.is_ascii_digit() && next != '0' {
                    // As many digits as still name a closed group (`\10` is group 10 only
                    // when there are ten).
                    let closed = |g: usize| g <= opened && !open.contains(&Some(g));
                    let mut group = 0usize;
                    let mut j = i + 1;
                    while let Some(d) = chars.get(j).and_then(|c| c.to_digit(10)) {
                        let longer = group * 10 + d as usize;
                        if group > 0 && !closed(longer) {
                            break;
                        }
                        group = longer;
                        j += 1;
                    }
                    if !closed(group) {
                        return Err(format!("\\{group} refers to no group closed before it"));
                    }
                    out.push_str(&format!("(?:\\{group})"));
                    i = j;
                    continue;
                }
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
                // fancy-regex's own back-references (`\g8888…`, `\k<name>`) are not
                // XPath's: a huge group number made it allocate petabytes.
                if matches!(next, 'g' | 'k') {
                    return Err(format!(
                        "'\\{next}' is not an escape of XPath regular expressions"
                    ));
                }
                if let Some(class) = xml_class(next) {
                    if folding && matches!(next, 'i' | 'I' | 'c' | 'C') {
                        folded_name_classes += 1;
                        if folded_name_classes > FOLDED_NAME_CLASSES {
                            return Err(format!(
                                "a case-insensitive pattern may use \\i, \\I, \\c and \\C \
                                 {FOLDED_NAME_CLASSES} times at most"
                            ));
                        }
                    }
                    // Inside a class a nested class is a union member.
                    out.push_str(class);
                    i += 2;
                    continue;
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
            '(' if depth == 0 => {
                let capturing = chars.get(i + 1) != Some(&'?');
                // XPath 3.1 (5.6.1) adds only non-capturing groups to XML Schema's
                // syntax. Inline flags (`(?i)`, `(?s:…)`) are Java's, which Camunda's
                // FEEL takes and models coming from it use, so they are kept; lookarounds
                // and conditionals are refused: `fancy-regex` would run some of them by
                // unbounded backtracking.
                if !capturing && inline_flags(&chars[i + 2..]).is_none() {
                    return Err(
                        "'(?' starts only a non-capturing group '(?:…)' or inline flags \
                         ('(?i)') in a regular expression"
                            .to_string(),
                    );
                }
                if capturing {
                    opened += 1;
                }
                open.push(capturing.then_some(opened));
                out.push('(');
            }
            ')' if depth == 0 => {
                open.pop();
                out.push(')');
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
            // `a*+` is possessive to `fancy-regex`, which runs it by backtracking; XPath
            // has reluctant quantifiers (`a*?`) only.
            '+' if depth == 0 && i > 0 && quantifier_at == Some(i - 1) => {
                return Err("a quantifier cannot follow another ('*+', '++', '?+', '}+')".into());
            }
            '*' | '+' | '?' | '}' if depth == 0 => {
                quantifier_at = Some(i);
                out.push(c);
            }
            _ => out.push(c),
        }
        i += 1;
    }
    Ok(out)
}

/// The flags of an inline flag group, given what follows its `(?`: letters of `imsx`,
/// perhaps after a `-`, ending with `)` or `:` (`(?:` has none). `None` when it is not one.
fn inline_flags(rest: &[char]) -> Option<&[char]> {
    let end = rest.iter().position(|c| *c == ')' || *c == ':')?;
    let flags = rest.get(..end)?;
    flags
        .iter()
        .all(|c| matches!(c, 'i' | 'm' | 's' | 'x' | '-'))
        .then_some(flags)
}

/// Whether an inline flag group anywhere in the pattern turns on `i` (counted for the
/// whole pattern: the limit on folded classes only needs to be safe).
fn turns_on_case_folding(chars: &[char]) -> bool {
    chars.windows(2).enumerate().any(|(at, pair)| {
        pair == ['(', '?']
            && chars
                .get(at + 2..)
                .and_then(inline_flags)
                .is_some_and(|flags| flags.iter().take_while(|c| **c != '-').any(|c| *c == 'i'))
    })
}

/// XML Schema's class escapes whose meaning differs from the `regex` crate's, as classes
/// (XML Schema 2 appendix F.1.1: `\s` is only space, tab, newline and carriage return,
/// `\w` all but punctuation, separators and other characters, `\i` and `\c` the XML 1.0
/// name start and name characters).
fn xml_class(escape: char) -> Option<&'static str> {
    Some(match escape {
        's' => r"[\x{20}\t\n\r]",
        'S' => r"[^\x{20}\t\n\r]",
        'w' => r"[^\p{P}\p{Z}\p{C}]",
        'W' => r"[\p{P}\p{Z}\p{C}]",
        'i' => {
            r"[:A-Z_a-z\x{C0}-\x{D6}\x{D8}-\x{F6}\x{F8}-\x{2FF}\x{370}-\x{37D}\x{37F}-\x{1FFF}\x{200C}-\x{200D}\x{2070}-\x{218F}\x{2C00}-\x{2FEF}\x{3001}-\x{D7FF}\x{F900}-\x{FDCF}\x{FDF0}-\x{FFFD}\x{10000}-\x{EFFFF}]"
        }
        'I' => {
            r"[^:A-Z_a-z\x{C0}-\x{D6}\x{D8}-\x{F6}\x{F8}-\x{2FF}\x{370}-\x{37D}\x{37F}-\x{1FFF}\x{200C}-\x{200D}\x{2070}-\x{218F}\x{2C00}-\x{2FEF}\x{3001}-\x{D7FF}\x{F900}-\x{FDCF}\x{FDF0}-\x{FFFD}\x{10000}-\x{EFFFF}]"
        }
        'c' => {
            r"[:A-Z_a-z\x{C0}-\x{D6}\x{D8}-\x{F6}\x{F8}-\x{2FF}\x{370}-\x{37D}\x{37F}-\x{1FFF}\x{200C}-\x{200D}\x{2070}-\x{218F}\x{2C00}-\x{2FEF}\x{3001}-\x{D7FF}\x{F900}-\x{FDCF}\x{FDF0}-\x{FFFD}\x{10000}-\x{EFFFF}\-.0-9\x{B7}\x{300}-\x{36F}\x{203F}-\x{2040}]"
        }
        'C' => {
            r"[^:A-Z_a-z\x{C0}-\x{D6}\x{D8}-\x{F6}\x{F8}-\x{2FF}\x{370}-\x{37D}\x{37F}-\x{1FFF}\x{200C}-\x{200D}\x{2070}-\x{218F}\x{2C00}-\x{2FEF}\x{3001}-\x{D7FF}\x{F900}-\x{FDCF}\x{FDF0}-\x{FFFD}\x{10000}-\x{EFFFF}\-.0-9\x{B7}\x{300}-\x{36F}\x{203F}-\x{2040}]"
        }
        _ => return None,
    })
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

    #[test]
    fn back_references() {
        assert_eq!(matches("abab", r"^(ab)\1$", ""), Some(true));
        assert_eq!(matches("abba", r"^(a)(b)\2\1$", ""), Some(true));
        assert_eq!(matches("abab", r"^(a)(b)\2\1$", ""), Some(false));
        assert_eq!(matches("x-x", r"^(\w)-\1$", ""), Some(true));
        // Under `x` a back-reference still names its group.
        assert_eq!(matches("aa", r"( a ) \1", "x"), Some(true));
        assert_eq!(matches("aa", r"(a)\1", "q"), Some(false));
        assert_eq!(matches(r"(a)\1", r"(a)\1", "q"), Some(true));
        // A reference names a group closed before it; the digits go as far as one does.
        assert_eq!(matches("abb", r"^((a)(b))\3$", ""), Some(true));
        assert_eq!(matches("aa", r"^(a\1)$", ""), None);
        assert_eq!(matches("aa0", r"^(a)\10$", ""), Some(true));
    }

    /// XML Schema 2 appendix F: `\s` is four characters, `\w` excludes punctuation,
    /// `\i`/`\c` are XML name characters.
    #[test]
    fn xml_schema_class_escapes() {
        assert_eq!(matches("\u{A0}", r"^\s$", ""), Some(false));
        assert_eq!(matches("\t", r"^\s$", ""), Some(true));
        assert_eq!(matches("_", r"^\w$", ""), Some(false));
        assert_eq!(matches("+", r"^\w$", ""), Some(true));
        assert_eq!(matches("é", r"^\w$", ""), Some(true));
        assert_eq!(matches("_x1", r"^\i\c*$", ""), Some(true));
        assert_eq!(matches("1x", r"^\i\c*$", ""), Some(false));
        assert_eq!(matches("a.b-c", r"^[\i][\c]+$", ""), Some(true));
        assert_eq!(matches(" ", r"^\C$", ""), Some(true));
        assert_eq!(matches("a b", r"^[^\s]+$", ""), Some(false));
    }
}
