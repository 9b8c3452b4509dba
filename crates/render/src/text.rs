//! Text in the SVG: XML escaping, and labels wrapped to their box the way bpmn-js wraps
//! them (words kept whole where they fit, lines centred, 1.2 line height), measured with
//! Arial's (Helvetica's) advance widths since there is no font engine at hand.

/// Appends `text` escaped for XML character data and attribute values. Characters XML 1.0
/// cannot carry (control characters) are dropped, so model text can never break the SVG.
pub fn escape_into(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
}

/// Advance widths of Arial (metrically Helvetica) for printable ASCII, in 1/1000 em.
const WIDTHS: [u16; 95] = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278,
    278, // ' '..'/'
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, // '0'..'9'
    278, 278, 584, 584, 584, 556, 1015, // ':'..'@'
    667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778, 667, 778, 722, 667,
    611, 722, 667, 944, 667, 667, 611, // 'A'..'Z'
    278, 278, 278, 469, 556, 333, // '['..'`'
    556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, 556, 556, 333, 500,
    278, 556, 500, 722, 500, 500, 500, // 'a'..'z'
    334, 260, 334, 584, // '{'..'~'
];

/// The width of `text` at `size` px.
pub(crate) fn width(text: &str, size: f64) -> f64 {
    let units: u32 = text
        .chars()
        .map(|c| match c as u32 {
            code @ 0x20..=0x7e => u32::from(WIDTHS[(code - 0x20) as usize]),
            // East Asian scripts are about square; other letters about an average Latin one.
            0x1100..=0x11ff | 0x2e80..=0xa4cf | 0xac00..=0xd7a3 | 0xf900..=0xfaff => 1000,
            0xff00..=0xff60 => 1000,
            _ => 556,
        })
        .sum();
    f64::from(units) * size / 1000.0
}

/// `text` broken into lines no wider than `max` px at `size` px: at spaces, after
/// hyphens, and inside words too long for a line. Explicit line breaks are kept.
pub(crate) fn wrap(text: &str, max: f64, size: f64) -> Vec<String> {
    let mut lines = Vec::new();
    for paragraph in text.lines() {
        let mut line = String::new();
        for word in words(paragraph) {
            let candidate_width = width(&line, size) + width(word, size);
            if line.is_empty() || candidate_width <= max {
                line.push_str(word);
            } else {
                lines.push(line.trim_end().to_string());
                line = word.trim_start().to_string();
            }
            // A word longer than the line on its own is cut where it overflows.
            while width(&line, size) > max && line.chars().count() > 1 {
                let cut = fitting(&line, max, size);
                let rest = line.split_off(cut);
                lines.push(line);
                line = rest;
            }
        }
        let line = line.trim_end();
        if !line.is_empty() || lines.is_empty() {
            lines.push(line.to_string());
        }
    }
    lines.retain(|l| !l.is_empty());
    lines
}

/// Words with the space or hyphen that follows them, so joining them back is exact.
fn words(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = text;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let end = rest
            .char_indices()
            .find(|&(i, c)| i > 0 && (c == ' ' || c == '-'))
            .map_or(rest.len(), |(i, c)| i + c.len_utf8());
        let (word, tail) = rest.split_at(end);
        rest = tail;
        Some(word)
    })
}

/// The byte index up to which `line` fits in `max` (at least one character).
fn fitting(line: &str, max: f64, size: f64) -> usize {
    let mut used = 0.0;
    for (i, c) in line.char_indices() {
        let mut buf = [0u8; 4];
        used += width(c.encode_utf8(&mut buf), size);
        if used > max && i > 0 {
            return i;
        }
    }
    line.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_drops_control_characters() {
        let mut out = String::new();
        escape_into(&mut out, "a<b & \"c\" 'd'>\u{1}");
        assert_eq!(out, "a&lt;b &amp; &quot;c&quot; &#39;d&#39;&gt;");
    }

    #[test]
    fn wraps_at_spaces_to_the_width() {
        let lines = wrap("Check the invoice amount carefully", 90.0, 12.0);
        assert!(lines.len() >= 2, "{lines:?}");
        assert!(lines.iter().all(|l| width(l, 12.0) <= 90.0), "{lines:?}");
        assert_eq!(lines.join(" "), "Check the invoice amount carefully");
    }

    #[test]
    fn cuts_words_longer_than_a_line() {
        let lines = wrap("Aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 50.0, 12.0);
        assert!(lines.len() > 2);
        assert_eq!(lines.concat(), "Aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
    }

    #[test]
    fn keeps_explicit_line_breaks() {
        assert_eq!(wrap("a\nb", 100.0, 12.0), vec!["a", "b"]);
    }
}
