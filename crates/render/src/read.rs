//! BPMN XML with DI → [`Diagram`](crate::diagram).

use crate::Error;
use crate::diagram::Diagram;

pub(crate) fn read(source: &str) -> Result<Diagram, Error> {
    let _ = baton_xml::read(source).map_err(Error::Xml)?;
    Ok(Diagram::default())
}
