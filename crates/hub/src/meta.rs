//! A workflow file's metadata as the index keeps it: what `hub search` matches and
//! `hub list` shows, read with the YAML front end so the hub and `baton run` agree on
//! what a workflow is.

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
/// file is not one: the first error the front end found.
pub(crate) fn read(text: &str, path: &str) -> Result<WorkflowMeta, String> {
    let fields = top_level_fields(text);
    let field = |key: &str| {
        fields
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, value)| value.clone())
            .filter(|value| !value.is_empty())
    };
    let id = field("id").ok_or_else(|| "no `id`".to_string())?;
    if field("phases").is_none() && field("steps").is_none() {
        return Err("no `phases` or `steps`".to_string());
    }
    Ok(WorkflowMeta {
        id,
        name: field("name"),
        description: field("description"),
        tags: field("tags")
            .map(|tags| {
                tags.trim_matches(['[', ']'])
                    .split(',')
                    .map(|tag| unquote(tag.trim()).to_string())
                    .filter(|tag| !tag.is_empty())
                    .collect()
            })
            .unwrap_or_default(),
        category: field("category"),
        version: field("version"),
        path: path.to_string(),
    })
}

// FIXME(issue 15): a stand-in until the YAML front end's `baton_yaml::parse` is merged;
// it reads top-level `key: value` lines only.
fn top_level_fields(text: &str) -> Vec<(String, String)> {
    let mut fields: Vec<(String, String)> = Vec::new();
    for line in text.lines() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        if line.starts_with(' ') || line.starts_with('-') {
            // A block list item or a nested mapping: items join their key's value.
            if let (Some(item), Some((_, value))) =
                (line.trim().strip_prefix("- "), fields.last_mut())
            {
                value.push(',');
                value.push_str(item);
            } else if let Some((_, value)) = fields.last_mut()
                && value.is_empty()
            {
                value.push(' ');
            }
            continue;
        }
        if let Some((key, value)) = line.split_once(':') {
            fields.push((key.trim().to_string(), unquote(value.trim()).to_string()));
        }
    }
    fields
}

fn unquote(value: &str) -> &str {
    value.trim_matches(|c| c == '"' || c == '\'')
}
