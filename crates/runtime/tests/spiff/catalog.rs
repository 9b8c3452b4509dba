//! The catalogue (`CATALOG.json`) as the runner reads it: per BPMN file its elements
//! and Python expressions with their FEEL suggestions; per scenario its files,
//! steps and expected outcome. Steps and outcomes stay JSON: each step kind reads the
//! fields it needs (see `harness`), each outcome key is checked by `expect`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::Value as Json;

#[derive(Debug, Deserialize)]
pub struct Catalog {
    pub files: BTreeMap<String, FileInfo>,
    pub scenarios: Vec<Scenario>,
    #[serde(skip)]
    pub dir: PathBuf,
}

#[derive(Debug, Default, Deserialize)]
pub struct FileInfo {
    #[serde(default)]
    pub elements: Vec<ElementInfo>,
    #[serde(default)]
    pub expressions: Vec<Expression>,
}

#[derive(Debug, Deserialize)]
pub struct ElementInfo {
    pub id: String,
    pub kind: String,
    pub name: Option<String>,
}

/// One Python expression of a model and the FEEL the catalogue suggests for it.
#[derive(Debug, Deserialize)]
pub struct Expression {
    pub kind: String,
    pub element: Option<String>,
    #[serde(rename = "messageRef")]
    pub message_ref: Option<String>,
    pub feel_suggestion: String,
}

#[derive(Clone, Debug, Deserialize)]
pub struct Scenario {
    pub id: String,
    pub title: String,
    pub files: Vec<String>,
    pub process: String,
    pub steps: Vec<Json>,
    pub expected: Json,
    #[serde(default)]
    pub variants: serde_json::Map<String, Json>,
    pub divergence: Option<String>,
}

impl Catalog {
    pub fn load(dir: &Path) -> Catalog {
        let path = dir.join("CATALOG.json");
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
        let mut catalog: Catalog = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("{} does not parse: {e}", path.display()));
        catalog.dir = dir.to_path_buf();
        catalog
    }

    pub fn file(&self, name: &str) -> &FileInfo {
        static NONE: std::sync::OnceLock<FileInfo> = std::sync::OnceLock::new();
        self.files
            .get(name)
            .unwrap_or_else(|| NONE.get_or_init(FileInfo::default))
    }

    pub fn read(&self, name: &str) -> String {
        let path = self.dir.join(name);
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
    }
}

/// A field of a step or outcome as text (`""` when absent).
pub fn text<'a>(json: &'a Json, key: &str) -> &'a str {
    json.get(key).and_then(Json::as_str).unwrap_or("")
}
