//! A workflow file's metadata as the index keeps it: what `hub search` matches and
//! `hub list` shows, read with the YAML front end so the hub and `baton run` agree on
//! what a workflow is.

use std::path::Path;

use serde::{Deserialize, Serialize};

/// One workflow of a hub at one commit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkflowMeta {
    pub id: String,
    pub name: Option<String>,
    pub description: Option<String>,
    pub tags: Vec<String>,
    pub category: Option<String>,
    pub version: Option<String>,
    /// Where the file is in the hub's repository (`/`-separated).
    pub path: String,
}

impl WorkflowMeta {
    /// Whether `text` occurs, ignoring case, in the id, name, description, a tag or the
    /// category; the empty text matches everything.
    pub fn mentions(&self, text: &str) -> bool {
        let text = text.to_lowercase();
        let has = |field: &str| field.to_lowercase().contains(&text);
        has(&self.id)
            || self.name.as_deref().is_some_and(has)
            || self.description.as_deref().is_some_and(has)
            || self.category.as_deref().is_some_and(has)
            || self.tags.iter().any(|tag| has(tag))
    }

    pub fn has_tag(&self, tag: &str) -> bool {
        self.tags.iter().any(|t| t.eq_ignore_ascii_case(tag))
    }

    pub fn in_category(&self, category: &str) -> bool {
        self.category
            .as_deref()
            .is_some_and(|c| c.eq_ignore_ascii_case(category))
    }
}

/// The metadata of the workflow in `text` (the file at `path` in the hub), or why the
/// file is not one: the first error the front end found, with its place. A file with
/// errors is no use to whoever pulls it, so it is not indexed.
pub(crate) fn read(text: &str, path: &str) -> Result<WorkflowMeta, String> {
    let parsed = baton_yaml::parse(text, Some(Path::new(path)));
    if let Some(error) = parsed.diagnostics.iter().find(|d| d.is_error()) {
        let more = parsed.diagnostics.iter().filter(|d| d.is_error()).count() - 1;
        let more = match more {
            0 => String::new(),
            n => format!(" (and {n} more; `baton lint` shows them all)"),
        };
        return Err(format!(
            "{}:{}: {}{more}",
            error.span.line, error.span.column, error.message
        ));
    }
    let workflow = parsed
        .workflow
        .ok_or_else(|| "not a YAML mapping".to_string())?;
    Ok(WorkflowMeta {
        id: workflow.id,
        name: workflow.name,
        description: workflow.description,
        tags: workflow.tags,
        category: workflow.category,
        version: workflow.version,
        path: path.to_string(),
    })
}

/// The files a workflow names relative to itself (templates' `from:` and `schema:`, a
/// decision's `file:`), in the order they appear, each once: they travel with it when
/// it is pulled, or its phases would not find them.
pub(crate) fn companions(text: &str) -> Vec<String> {
    fn walk(phases: &[baton_yaml::ast::Phase], found: &mut Vec<String>) {
        for phase in phases {
            for template in &phase.templates {
                found.push(template.from.clone());
                found.extend(template.schema.clone());
            }
            found.extend(phase.decision.as_ref().map(|d| d.file.clone()));
            walk(&phase.steps, found);
        }
    }
    let mut found = Vec::new();
    if let Some(workflow) = baton_yaml::parse(text, None).workflow {
        walk(&workflow.phases, &mut found);
    }
    let mut seen = std::collections::BTreeSet::new();
    found.retain(|path| seen.insert(path.clone()));
    found
}
