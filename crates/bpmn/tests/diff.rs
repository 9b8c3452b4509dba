//! `baton diff` (`baton_model::diff`) over parsed models: the acceptance pair of `ev_order`
//! versions exactly, and snapshots of the executable MIWG reference models against edited
//! copies (a renamed element, a changed timer or condition).
//!
//! The MIWG corpus lives outside the repository (`../shared/corpus`); without it the
//! snapshot test prints a notice and passes.

use std::path::{Path, PathBuf};

use baton_model::ProcessGraph;
use baton_model::diff::{Diff, diff};

const CORPUS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/corpus/bpmn-miwg/Reference"
);

fn graph(text: &str) -> Option<ProcessGraph> {
    let parsed = baton_bpmn::parse(text);
    if parsed.has_errors() {
        return None;
    }
    parsed.definitions.processes.into_iter().next()
}

fn fixture(name: &str) -> ProcessGraph {
    let path = format!(
        "{}/../core/tests/models/{name}.bpmn",
        env!("CARGO_MANIFEST_DIR")
    );
    graph(&std::fs::read_to_string(&path).expect("fixture")).expect("parses")
}

/// The diff as `baton diff` prints it.
fn text(d: &Diff) -> String {
    let mut out = String::new();
    for e in &d.added {
        out.push_str(&format!("+ {} ({})\n", e.id, e.kind));
    }
    for e in &d.removed {
        out.push_str(&format!("- {} ({})\n", e.id, e.kind));
    }
    for c in &d.changed {
        for f in &c.changes {
            out.push_str(&format!(
                "~ {} ({}): {} {:?} -> {:?}\n",
                c.id, c.kind, f.field, f.from, f.to
            ));
        }
    }
    out
}

#[test]
fn the_order_versions_differ_exactly_as_documented() {
    let d = diff(&fixture("migrate_order_v1"), &fixture("migrate_order_v2"));
    fn ids(list: &[baton_model::diff::Element]) -> Vec<&str> {
        let mut ids: Vec<&str> = list.iter().map(|e| e.id.as_str()).collect();
        ids.sort_unstable();
        ids
    }
    assert_eq!(ids(&d.added), ["f_packed", "pack"]);
    assert_eq!(ids(&d.removed), ["check_stock", "f_checked"]);
    let mut changed: Vec<&str> = d.changed.iter().map(|c| c.id.as_str()).collect();
    changed.sort_unstable();
    assert_eq!(changed, ["f_reviewed", "f_stock", "mark", "review"]);
    insta::assert_snapshot!("ev_order", text(&d));
}

#[test]
fn a_model_against_itself_has_no_differences() {
    let g = fixture("migrate_order_v2");
    assert!(diff(&g, &g).is_empty());
}

/// Edits made to the XML text of a model, inside its first process: the second named
/// element there (the first is the process itself) is renamed, the first timer duration is
/// longer and the first condition is negated.
fn edit(source: &str) -> String {
    let start = [
        "<process ",
        "<bpmn:process ",
        "<bpmn2:process ",
        "<semantic:process ",
    ]
    .iter()
    .filter_map(|tag| source.find(tag))
    .min()
    .unwrap_or(0);
    let (head, body) = source.split_at(start);
    let mut text = body.to_string();
    let named: Vec<usize> = text
        .match_indices(" name=\"")
        .map(|(i, _)| i)
        .take(2)
        .collect();
    if let Some(&at) = named.get(1) {
        text.insert_str(at + " name=\"".len(), "Edited ");
    }
    if let Some(at) = text.find(">PT") {
        text.replace_range(at..at + 3, ">PT1");
    }
    let condition = text.find("conditionExpression").and_then(|c| {
        let open = c + text[c..].find('>')? + 1;
        if text[..open].ends_with("/>") {
            return None;
        }
        let close = open + text[open..].find("</")?;
        Some((open, close))
    });
    if let Some((open, close)) = condition {
        let written = text[open..close].trim().to_string();
        let negated = match written.strip_prefix('=') {
            Some(rest) => format!("=not({rest})"),
            None => format!("not({written})"),
        };
        text.replace_range(open..close, &negated);
    }
    format!("{head}{text}")
}

fn miwg_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(Path::new(CORPUS))
        .map(|dir| dir.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    files.retain(|p| p.extension().is_some_and(|e| e == "bpmn"));
    files.sort();
    files
}

#[test]
fn miwg_reference_models_against_edited_copies() {
    let files = miwg_files();
    if files.is_empty() {
        eprintln!("notice: {CORPUS} is absent; the MIWG diff snapshots are skipped");
        return;
    }
    let mut compared = 0;
    for file in files {
        let source = std::fs::read_to_string(&file).expect("readable");
        let (Some(old), Some(new)) = (graph(&source), graph(&edit(&source))) else {
            continue;
        };
        assert!(diff(&old, &old).is_empty(), "{}", file.display());
        let name = file
            .file_stem()
            .map(|s| s.to_string_lossy().replace('.', "_"))
            .unwrap_or_default();
        insta::assert_snapshot!(format!("miwg_{name}"), text(&diff(&old, &new)));
        compared += 1;
    }
    assert!(compared > 0, "no executable MIWG model parsed");
}
