//! Regular expressions in `matches`, `replace` and `split`: XML Schema syntax, XPath flags
//! and replacement strings, back-references included.

use baton_feel::{EmptyScope, Expression};

mod support;

use support::check;

#[test]
fn xml_schema_syntax_and_flags() {
    check(&[
        (r#"matches("abracadabra", "bra", null)"#, "true"),
        (r#"matches("Mary\u000DJones", "Mary.Jones")"#, "false"),
        (r#"matches("Mary\u000DJones", "Mary.Jones", "s")"#, "true"),
        (r#"matches("O", "[A-Z-[OI]]", "i")"#, "false"),
        (r#"matches("P", "[A-Z-[OI]]")"#, "true"),
        (r#"matches("hello world", "hello\ sworld", "x")"#, "true"),
        (r#"matches("hello world", " hello[ ]world", "x")"#, "true"),
        (r#"matches("hello world", "\p{IsBasicLatin}+")"#, "true"),
        (r#"matches("a.c", "a.c", "q")"#, "true"),
        (r#"matches("abc", "a.c", "q")"#, "false"),
        (r#"matches("line1\nline2", "^line2$", "m")"#, "true"),
        (r#"matches("line1\nline2", "^line2$")"#, "false"),
    ]);
}

#[test]
fn back_references() {
    check(&[
        (r#"matches("aA", "(a)\1", "i")"#, "true"),
        (r#"matches("aA", "(a)\1")"#, "false"),
        (r#"matches("say hello hello", "(\w+) \1")"#, "true"),
        (
            r#"replace("say hello hello there", "(\w+) \1", "$1")"#,
            r#""say hello there""#,
        ),
        (
            r#"replace("abab-cdcd", "(\w\w)\1", "<$1>")"#,
            r#""<ab>-<cd>""#,
        ),
        (r#"split("1x1-2y2-3", "-")"#, r#"["1x1", "2y2", "3"]"#),
        (r#"split("aXXbYYc", "([XY])\1")"#, r#"["a", "b", "c"]"#),
    ]);
}

#[test]
fn replacement_strings() {
    check(&[
        (
            r#"replace("0123456789", "(\d{3})(\d{3})(\d{4})", "($1) $2-$3")"#,
            r#""(012) 345-6789""#,
        ),
        (
            r#"replace("abcd", "(a)(b)(c)(d)", "$4$3$2$1")"#,
            r#""dcba""#,
        ),
        (r#"replace("abc", "b", "[$0]")"#, r#""a[b]c""#),
        (r#"replace("abc", "(b)", "\\$1")"#, r#""a$1c""#),
        (r#"replace("a.b.c", ".", "$", "q")"#, r#""a$b$c""#),
        (r#"replace("abc", "(b)", "$12")"#, r#""ab2c""#),
        (r#"replace("AbC", "b", "x", "i")"#, r#""AxC""#),
        (r#"split("a1b22c", "\d+")"#, r#"["a", "b", "c"]"#),
        (r#"split("abc", ",")"#, r#"["abc"]"#),
    ]);
    for expression in [
        r#"replace("abc", "b", "$")"#,
        r#"replace("abc", "b", "\\x")"#,
        r#"replace("abc", "x*", "y")"#,
        r#"split("abc", "x*")"#,
        r#"matches("abc", "(")"#,
        r#"matches("abc", "a", "z")"#,
        r#"matches("abc", "\1(a)")"#,
    ] {
        let evaluation = Expression::parse(expression)
            .unwrap_or_else(|e| panic!("`{expression}`: {e}"))
            .evaluate(&EmptyScope);
        assert!(evaluation.failed(), "`{expression}`: {evaluation:?}");
    }
}
