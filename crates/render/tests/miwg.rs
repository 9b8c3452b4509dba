//! The MIWG reference models drawn as SVG (insta snapshots), and every BPMN file of the
//! shared corpus drawn without error into SVG with one group per drawn flow node.
//!
//! The corpus lives outside the repository (`../shared/corpus`); without it these tests
//! print a notice and pass.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use baton_render::{FLOW_NODE_KINDS, Overlay};

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/corpus");
const BPMN_NS: &str = "http://www.omg.org/spec/BPMN/20100524/MODEL";
const BPMNDI_NS: &str = "http://www.omg.org/spec/BPMN/20100524/DI";
const SVG_NS: &str = "http://www.w3.org/2000/svg";

fn corpus() -> Option<PathBuf> {
    let path = PathBuf::from(CORPUS);
    if path.is_dir() {
        Some(path)
    } else {
        eprintln!("notice: {CORPUS} is absent; the corpus rendering tests are skipped");
        None
    }
}

fn bpmn_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            bpmn_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "bpmn") {
            out.push(path);
        }
    }
}

/// Renders a file and checks what every drawing promises: SVG in the SVG namespace, and
/// exactly one `data-element-id` group per flow node that has a shape.
fn check(path: &Path) -> String {
    let source = std::fs::read_to_string(path).expect("corpus file is UTF-8");
    let svg = baton_render::render(&source, &Overlay::default())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let root = baton_xml::read(&svg)
        .unwrap_or_else(|e| panic!("{}: the SVG does not parse: {e}", path.display()));
    assert_eq!(root.name, "svg", "{}", path.display());
    assert_eq!(
        root.namespace.as_deref(),
        Some(SVG_NS),
        "{}",
        path.display()
    );

    let model = baton_xml::read(&source).expect("corpus file is XML");
    let shaped: Vec<&str> = model
        .descendants()
        .into_iter()
        .filter(|e| e.namespace.as_deref() == Some(BPMNDI_NS) && e.name == "BPMNShape")
        .filter_map(|e| e.attr("bpmnElement"))
        .collect();
    let nodes: Vec<&str> = model
        .descendants()
        .into_iter()
        .filter(|e| e.namespace.as_deref() == Some(BPMN_NS) && FLOW_NODE_KINDS.contains(&&*e.name))
        .filter_map(|e| e.id())
        .filter(|id| shaped.contains(id))
        .collect();
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for el in root.descendants() {
        if let Some(id) = el.attr("data-element-id") {
            *counts.entry(id).or_default() += 1;
        }
    }
    for id in &nodes {
        assert_eq!(
            counts.get(id).copied().unwrap_or(0),
            1,
            "{}: flow node {id} must have exactly one data-element-id group",
            path.display()
        );
    }
    assert!(
        counts.values().all(|&n| n == 1),
        "{}: an id drawn twice",
        path.display()
    );
    svg
}

#[test]
fn miwg_reference_models_snapshots() {
    let Some(corpus) = corpus() else { return };
    let mut files = Vec::new();
    bpmn_files(&corpus.join("bpmn-miwg/Reference"), &mut files);
    assert!(!files.is_empty(), "no MIWG reference models found");
    for path in files {
        let svg = check(&path);
        let name = path
            .file_stem()
            .map(|s| s.to_string_lossy().replace('.', "_"))
            .unwrap_or_default();
        insta::assert_snapshot!(format!("miwg_{name}"), svg);
    }
}

#[test]
fn every_corpus_model_renders() {
    let Some(corpus) = corpus() else { return };
    let mut files = Vec::new();
    bpmn_files(&corpus, &mut files);
    assert!(!files.is_empty(), "no BPMN files in the corpus");
    for path in files {
        check(&path);
    }
}
