//! Vendor extension elements and the FEEL expressions they (and BPMN) carry.

pub(crate) mod feel;
pub(crate) mod listeners;
pub(crate) mod llm;
pub(crate) mod zeebe;

/// The result of looking for an optional extension: absent, present but unusable (the
/// report says why), or read.
pub(crate) enum Found<T> {
    Missing,
    Invalid,
    Valid(T),
}
