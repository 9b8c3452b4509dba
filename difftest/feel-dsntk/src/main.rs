//! Differential FEEL: generated expressions evaluated by Baton and by dsntk, the answers
//! compared in one normal form, disagreements narrowed to their smallest generated
//! subexpression and grouped by the operator or built-in it applies. A disagreement that
//! `divergences.txt` lists (dsntk wrong, or the specification leaves the case open) is
//! reported but does not fail the run; any other makes the exit status 1.
//!
//! Usage: `feel-dsntk [COUNT] [SEED]` (scripts/feel-diff builds and runs it), or
//! `feel-dsntk -e EXPRESSION...` for both answers to each expression.
//! `FEEL_DSNTK_EXAMPLES=N` keeps the N shortest unlisted and listed examples of each
//! category (6), and shows all unlisted ones and half as many listed.

mod generate;
mod normal;

use std::collections::{BTreeMap, BTreeSet};
use std::process::ExitCode;

use generate::{Gen, KINDS, Node};
use normal::Outcome;
use regex::Regex;

/// One entry of `divergences.txt`: a category (`*` for any), a regular expression the
/// disagreement's line (`EXPRESSION => baton: VALUE; dsntk: VALUE`) must match, the section
/// of DMN 1.5 that decides it, and why it is not a Baton bug.
struct Known {
    category: String,
    pattern: Regex,
    section: String,
    reason: String,
}

const DIVERGENCES: &str = include_str!("../divergences.txt");

fn known() -> Result<Vec<Known>, String> {
    DIVERGENCES
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .map(|(n, l)| {
            let parts: Vec<&str> = l.splitn(4, " | ").map(str::trim).collect();
            let [category, pattern, section, reason] = parts[..] else {
                return Err(format!("divergences.txt:{}: expected four fields", n + 1));
            };
            Ok(Known {
                category: category.to_string(),
                pattern: Regex::new(pattern)
                    .map_err(|e| format!("divergences.txt:{}: {e}", n + 1))?,
                section: section.to_string(),
                reason: reason.to_string(),
            })
        })
        .collect()
}

impl Known {
    fn covers(&self, category: &str, d: &Disagreement) -> bool {
        (self.category == "*" || self.category == category) && self.pattern.is_match(&d.to_string())
    }
}

struct Disagreement {
    text: String,
    baton: Outcome,
    dsntk: Outcome,
    /// Which side a 90-digit computation agrees with, for the operations it knows.
    reference: Option<&'static str>,
    /// Baton's values of the operands, for `in` and the range functions, whose known
    /// divergences depend on a null or unbounded endpoint.
    operands: Option<Vec<Outcome>>,
}

impl std::fmt::Display for Disagreement {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} => baton: {}; dsntk: {}",
            self.text, self.baton, self.dsntk
        )?;
        if let Some(operands) = &self.operands {
            let operands: Vec<String> = operands.iter().map(Outcome::to_string).collect();
            write!(f, "; operands: {}", operands.join(" | "))?;
        }
        match self.reference {
            Some(side) => write!(f, "; reference: {side}"),
            None => Ok(()),
        }
    }
}

/// Both answers for `text`, when they differ.
fn differ(text: &str) -> Option<(Outcome, Outcome)> {
    let b = normal::baton(text);
    let d = normal::dsntk(text);
    (b != d).then_some((b, d))
}

/// The smallest generated subexpression of `node` (which disagrees) that disagrees too.
fn narrow(node: &Node, baton: Outcome, dsntk: Outcome) -> (&Node, Disagreement) {
    for kid in &node.kids {
        if let Some((b, d)) = differ(&kid.text) {
            return narrow(kid, b, d);
        }
    }
    let operands: Vec<&str> = node.kids.iter().map(|kid| kid.text.as_str()).collect();
    let reference = normal::reference(node.op, &operands).map(|r| {
        let r = Outcome::Value(r);
        if r == baton {
            "baton"
        } else if r == dsntk {
            "dsntk"
        } else {
            "neither"
        }
    });
    // For `in` and the range functions, whose known divergences depend on a null or
    // unbounded endpoint.
    let operands = (node.op == "in" || generate::RANGE_FUNCTIONS.contains(&node.op)).then(|| {
        node.kids
            .iter()
            .map(|kid| normal::baton(&kid.text))
            .collect()
    });
    (
        node,
        Disagreement {
            text: node.text.clone(),
            baton,
            dsntk,
            reference,
            operands,
        },
    )
}

/// The disagreements whose smallest expression applies one operator or built-in.
#[derive(Default)]
struct Category {
    count: usize,
    /// How many of them `divergences.txt` does not list.
    open: usize,
    /// Which entries of `divergences.txt` listed some (by index).
    entries: BTreeSet<usize>,
    /// The shortest distinct examples, open and listed.
    open_examples: BTreeMap<(usize, String), Disagreement>,
    listed_examples: BTreeMap<(usize, String), Disagreement>,
}

/// How many examples of each kind a category keeps (the shortest), unless
/// `FEEL_DSNTK_EXAMPLES` says otherwise.
const EXAMPLES: usize = 6;

impl Category {
    fn add(&mut self, d: Disagreement, entry: Option<usize>, keep: usize) {
        self.count += 1;
        let examples = match entry {
            Some(i) => {
                self.entries.insert(i);
                &mut self.listed_examples
            }
            None => {
                self.open += 1;
                &mut self.open_examples
            }
        };
        examples.insert((d.text.len(), d.text.clone()), d);
        if examples.len() > keep {
            examples.pop_last();
        }
    }
}

fn main() -> ExitCode {
    // `-e EXPRESSION...` shows both answers for each expression (for triage).
    if std::env::args().nth(1).as_deref() == Some("-e") {
        std::panic::set_hook(Box::new(|_| {}));
        for text in std::env::args().skip(2) {
            println!(
                "{text}\n   baton: {}\n   dsntk: {}",
                normal::baton(&text),
                normal::dsntk(&text)
            );
        }
        return ExitCode::SUCCESS;
    }
    let mut args = std::env::args().skip(1);
    let count: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(2000);
    let seed: u64 = args
        .next()
        .and_then(|a| {
            a.strip_prefix("0x")
                .map(|h| u64::from_str_radix(h, 16).ok())
                .unwrap_or_else(|| a.parse().ok())
        })
        .unwrap_or(0x5EED_D1FF_FEE1_0001);
    // dsntk panics on some inputs; each panic is an outcome, not a line on stderr.
    std::panic::set_hook(Box::new(|_| {}));

    let known = match known() {
        Ok(known) => known,
        Err(why) => {
            eprintln!("feel-dsntk: {why}");
            return ExitCode::from(2);
        }
    };
    let keep = std::env::var("FEEL_DSNTK_EXAMPLES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(EXAMPLES);
    // xorshift never leaves zero.
    let mut g = Gen(seed.max(1));
    let mut categories: BTreeMap<&'static str, Category> = BTreeMap::new();
    let mut nodes = 0;
    let mut disagreeing = 0;
    let mut both_parsed = 0;
    let mut non_null = 0;
    for _ in 0..count {
        let kind = KINDS[g.below(KINDS.len() as u64) as usize];
        let root = generate::expr(&mut g, kind, 3);
        nodes += root.size();
        let b = normal::baton(&root.text);
        let d = normal::dsntk(&root.text);
        if b != Outcome::ParseError && d != Outcome::ParseError {
            both_parsed += 1;
        }
        if b == d && b != Outcome::Value("null".into()) {
            non_null += 1;
        }
        if b == d {
            continue;
        }
        disagreeing += 1;
        let (smallest, disagreement) = narrow(&root, b, d);
        let entry = known
            .iter()
            .position(|k| k.covers(smallest.op, &disagreement));
        categories
            .entry(smallest.op)
            .or_default()
            .add(disagreement, entry, keep);
    }

    println!(
        "feel-dsntk: {count} expressions (seed {seed:#x}, {nodes} generated subexpressions); \
         both parse {both_parsed}, agree on a non-null value {non_null}, disagree {disagreeing}"
    );
    let mut unexplained = 0;
    for (name, category) in &categories {
        let status = if category.open == 0 { "listed" } else { "NEW" };
        println!(
            "\n## {name}: {} disagreements, {} not listed [{status}]",
            category.count, category.open
        );
        for &i in &category.entries {
            println!("   known: {} [{}]", known[i].reason, known[i].section);
        }
        let examples = category.open_examples.values();
        for d in examples.chain(category.listed_examples.values().take(keep / 2)) {
            println!(
                "   {}\n      baton: {}\n      dsntk: {}",
                d.text, d.baton, d.dsntk
            );
            if let Some(side) = d.reference {
                println!("      90-digit reference agrees with: {side}");
            }
            if let Some(operands) = &d.operands {
                let operands: Vec<String> = operands.iter().map(Outcome::to_string).collect();
                println!("      operands (baton): {}", operands.join(" | "));
            }
        }
        unexplained += category.open;
    }
    println!(
        "\nfeel-dsntk: {disagreeing} disagreements in {} categories; {} listed in \
         divergences.txt, {unexplained} not",
        categories.len(),
        disagreeing - unexplained
    );
    if unexplained > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
