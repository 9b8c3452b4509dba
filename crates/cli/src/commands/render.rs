//! `baton render`: a BPMN model drawn as SVG.

use std::path::Path;

use anyhow::Result;
use baton_render::Overlay;

use crate::commands::unreadable;
use crate::exit::{self, InputError};

pub fn run(model: &Path, output: Option<&Path>) -> Result<u8> {
    let source = std::fs::read_to_string(model).map_err(|e| unreadable(model, &e))?;
    let svg = baton_render::render(&source, &Overlay::default())
        .map_err(|e| InputError(format!("{}: {e}", model.display())))?;
    super::layout::write_out(output, &svg)?;
    Ok(exit::OK)
}
