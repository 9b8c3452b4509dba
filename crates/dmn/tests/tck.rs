//! The DMN TCK as a ratchet: every case listed in `tck_passing.txt` must still pass.
//! The list only grows: after making more cases pass, run
//! `BATON_TCK_UPDATE=1 cargo test -p baton-dmn --test tck` and commit the longer list.
//!
//! The TCK ships beside the project (`../shared/corpus/dmn-tck`); a fresh clone without
//! it skips this with a notice. Pass rates are reported by `baton tck`.

use std::collections::BTreeSet;
use std::path::Path;

#[test]
fn no_tck_case_that_passed_before_fails_now() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/dmn-tck");
    if !dir.is_dir() {
        eprintln!("skipped: {} not found", dir.display());
        return;
    }
    let report = baton_dmn::tck::run(&dir).expect("the TCK runs");
    let id =
        |c: &baton_dmn::tck::CaseResult| format!("{}/{}/{}/{}", c.level, c.folder, c.file, c.case);
    let passing: BTreeSet<String> = report
        .cases
        .iter()
        .filter(|c| c.failure.is_none())
        .map(id)
        .collect();

    let list = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/tck_passing.txt");
    let before: BTreeSet<String> = std::fs::read_to_string(&list)
        .unwrap_or_default()
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_string)
        .collect();
    let regressions: Vec<String> = report
        .cases
        .iter()
        .filter(|c| before.contains(&id(c)))
        .filter_map(|c| c.failure.as_ref().map(|why| format!("{}: {why}", id(c))))
        .collect();
    let vanished: Vec<&String> = before
        .iter()
        .filter(|b| !report.cases.iter().any(|c| &id(c) == *b))
        .collect();
    assert!(
        regressions.is_empty() && vanished.is_empty(),
        "TCK cases that passed before fail now:\n{}\nmissing cases: {vanished:?}",
        regressions.join("\n")
    );

    let new = passing.difference(&before).count();
    if std::env::var_os("BATON_TCK_UPDATE").is_some() {
        let mut text = String::from(
            "# DMN TCK cases Baton passes; tests/tck.rs fails if one of them stops passing.\n",
        );
        for case in &passing {
            text.push_str(case);
            text.push('\n');
        }
        std::fs::write(&list, text).expect("write tck_passing.txt");
        eprintln!(
            "tck_passing.txt now lists {} cases ({new} new)",
            passing.len()
        );
    } else if new > 0 {
        eprintln!(
            "{new} more TCK cases pass than tck_passing.txt lists: run with BATON_TCK_UPDATE=1 to record them"
        );
    }
}
