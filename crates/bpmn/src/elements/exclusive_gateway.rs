//! `<exclusiveGateway>`: the first outgoing flow whose condition holds, else `default`
//! (the default attribute is resolved with the other references in [`super`]).

use baton_model::NodeKind;

use crate::reader::Element;
use crate::report::Report;

pub(super) fn read(_el: &Element, _report: &mut Report) -> Option<NodeKind> {
    Some(NodeKind::ExclusiveGateway)
}
