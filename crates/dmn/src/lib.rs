//! DMN decision models: reading DMN 1.2-1.5 XML into [`model::Definitions`] with located
//! diagnostics.
//!
//! The reader keeps FEEL as text with positions ([`model::Text`]); FEEL names may contain
//! spaces, so expressions are parsed by the evaluator once the names in scope are known.

mod eval;
pub mod model;
mod read;
pub mod tck;

pub use eval::{DecisionModel, Error as EvalError, MatchedRule, Outcome};

use std::path::{Path, PathBuf};

use baton_model::Diagnostic;

/// What a DMN file defines, and everything found wrong in it.
#[derive(Debug)]
pub struct Parsed {
    /// `None` when the file is not a DMN model at all.
    pub definitions: Option<model::Definitions>,
    pub diagnostics: Vec<Diagnostic>,
}

impl Parsed {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Parses DMN XML text.
pub fn parse(source: &str) -> Parsed {
    let mut diagnostics = Vec::new();
    let definitions = match baton_xml::read(source) {
        Ok(root) => read::definitions(&root, &mut diagnostics),
        Err(diagnostic) => {
            diagnostics.push(diagnostic);
            None
        }
    };
    diagnostics.sort_by_key(|d| (d.severity, d.span));
    Parsed {
        definitions,
        diagnostics,
    }
}

/// Reads and parses a DMN file.
pub fn parse_file(path: &Path) -> Result<Parsed, Error> {
    let source = std::fs::read_to_string(path).map_err(|source| Error::Read {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(parse(&source))
}
