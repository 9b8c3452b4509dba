//! `baton layout`: a model without DI, laid out.
//!
//! The layout itself is [`baton_render::layout::lay_out`]; this command reads the file,
//! reports why a model cannot be laid out (not BPMN, malformed XML, a diagram already
//! there) as an input error naming the file, and writes the result.

use std::io::Write as _;
use std::path::Path;

use anyhow::{Context as _, Result};

use crate::commands::unreadable;
use crate::exit::{self, InputError};

pub fn run(model: &Path, output: Option<&Path>) -> Result<u8> {
    let source = std::fs::read_to_string(model).map_err(|e| unreadable(model, &e))?;
    let laid_out = baton_render::layout::lay_out(&source).map_err(|e| {
        let hint = match e {
            baton_render::Error::HasDiagram => {
                " (`baton render` draws it as it is; remove its bpmndi:BPMNDiagram to lay it out anew)"
            }
            _ => "",
        };
        InputError(format!("{}: {e}{hint}", model.display()))
    })?;
    if laid_out == source {
        eprintln!(
            "{}: no process or collaboration to lay out; the model is written unchanged",
            model.display()
        );
    }
    write_out(output, &laid_out)?;
    Ok(exit::OK)
}

/// Writes `text` to the file, or to standard output without one.
pub(super) fn write_out(output: Option<&Path>, text: &str) -> Result<()> {
    match output {
        Some(path) => std::fs::write(path, text)
            .with_context(|| format!("could not write {}", path.display())),
        None => std::io::stdout()
            .write_all(text.as_bytes())
            .context("could not write to standard output"),
    }
}
