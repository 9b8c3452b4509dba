//! The `text` component's content: FEEL (`=…`) or markdown with `{{variable}}`
//! placeholders, drawn with the common subset: headings, paragraphs, bullet lists,
//! `**bold**`, `*italic*`, `` `code` `` and `[links](url)`. Everything is escaped; a link
//! goes only to http(s), mailto or this server.

use maud::{Markup, html};

use super::{Env, token};

pub fn render(text: &str, env: &Env) -> Markup {
    let text = if text.starts_with('=') {
        env.feel(text).map(|v| token(&v)).unwrap_or_default()
    } else {
        placeholders(text, env)
    };
    let mut blocks: Vec<Markup> = Vec::new();
    let mut paragraph: Vec<&str> = Vec::new();
    let mut items: Vec<&str> = Vec::new();
    let flush = |paragraph: &mut Vec<&str>, items: &mut Vec<&str>, blocks: &mut Vec<Markup>| {
        if !paragraph.is_empty() {
            let joined = paragraph.join(" ");
            blocks.push(html! { p { (inline(&joined)) } });
            paragraph.clear();
        }
        if !items.is_empty() {
            blocks.push(html! { ul { @for item in items.iter() { li { (inline(item)) } } } });
            items.clear();
        }
    };
    for line in text.lines() {
        let trimmed = line.trim();
        if trimmed.is_empty() {
            flush(&mut paragraph, &mut items, &mut blocks);
        } else if let Some(item) = trimmed
            .strip_prefix("- ")
            .or_else(|| trimmed.strip_prefix("* "))
        {
            if !paragraph.is_empty() {
                flush(&mut paragraph, &mut Vec::new(), &mut blocks);
            }
            items.push(item);
        } else if trimmed.starts_with('#') {
            flush(&mut paragraph, &mut items, &mut blocks);
            let level = trimmed.chars().take_while(|c| *c == '#').count();
            let title = trimmed[level..].trim();
            // The page's own title is the h1; a form's headings sit below it.
            blocks.push(match level {
                1 => html! { h2 { (inline(title)) } },
                2 => html! { h3 { (inline(title)) } },
                3 => html! { h4 { (inline(title)) } },
                4 => html! { h5 { (inline(title)) } },
                _ => html! { h6 { (inline(title)) } },
            });
        } else {
            if !items.is_empty() {
                flush(&mut Vec::new(), &mut items, &mut blocks);
            }
            paragraph.push(trimmed);
        }
    }
    flush(&mut paragraph, &mut items, &mut blocks);
    html! { @for block in blocks { (block) } }
}

/// `{{ customer.name }}` replaced by the variable's value.
fn placeholders(text: &str, env: &Env) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else {
            out.push_str(&rest[start..]);
            return out;
        };
        let path = after[..end].trim();
        if let Some(value) = env.lookup(path) {
            out.push_str(&token(value));
        }
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    out
}

/// Inline markup of one line.
fn inline(text: &str) -> Markup {
    let mut parts: Vec<Markup> = Vec::new();
    let mut plain = String::new();
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        let taken = match c {
            '`' => delimited(rest, "`").map(|(inner, len)| (html! { code { (inner) } }, len)),
            '*' if rest.starts_with("**") => delimited(rest, "**")
                .map(|(inner, len)| (html! { strong { (inline(inner)) } }, len)),
            '*' | '_' => delimited(rest, &c.to_string())
                .map(|(inner, len)| (html! { em { (inline(inner)) } }, len)),
            '[' => link(rest),
            _ => None,
        };
        match taken {
            Some((markup, len)) => {
                if !plain.is_empty() {
                    let text = std::mem::take(&mut plain);
                    parts.push(html! { (text) });
                }
                parts.push(markup);
                rest = &rest[len..];
            }
            None => {
                plain.push(c);
                rest = &rest[c.len_utf8()..];
            }
        }
    }
    html! { @for part in parts { (part) } (plain) }
}

/// `{d}inner{d}` at the start of `text`: the inner text and the whole length.
fn delimited<'a>(text: &'a str, d: &str) -> Option<(&'a str, usize)> {
    let body = text.strip_prefix(d)?;
    let end = body.find(d)?;
    (end > 0).then(|| (&body[..end], d.len() * 2 + end))
}

fn link(text: &str) -> Option<(Markup, usize)> {
    let close = text.find("](")?;
    let label = &text[1..close];
    let after = &text[close + 2..];
    let end = after.find(')')?;
    let url = after[..end].trim();
    let safe = ["http://", "https://", "mailto:"]
        .iter()
        .any(|p| url.starts_with(p))
        || (url.starts_with('/') && !url.starts_with("//"));
    let len = close + 2 + end + 1;
    Some(if safe {
        (html! { a href=(url) { (label) } }, len)
    } else {
        (html! { (label) }, len)
    })
}
