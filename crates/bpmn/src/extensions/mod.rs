//! Vendor extension elements and the FEEL expressions they (and BPMN) carry.
// This module reads user input, so nothing in it may panic (xtask's tidy test keeps this).
#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::string_slice,
    clippy::unreachable
)]

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
