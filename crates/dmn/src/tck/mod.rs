//! The DMN TCK: reading its test-case files ([`cases`]) and running a folder tree of them
//! against Baton's evaluator.

pub mod cases;
