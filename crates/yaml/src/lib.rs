//! YAML workflows: a file of phases (or steps) with `needs`, gates, actions, templates,
//! exit criteria and resources, read with every error located (`FILE:LINE:COL`, the path
//! such as `phases.build.gates[1]`, a suggestion for an unknown key) and compiled to the
//! same [`baton_model::ProcessGraph`] a BPMN file becomes, so the core runs it unchanged.
//!
//! What the graph cannot say (the shell script of a phase, its templates, gates and exit
//! criteria) travels to the runtime as one job header, [`action::PhaseAction`], on the
//! phase's service task of job type [`action::PHASE_JOB_TYPE`].

pub mod action;
pub mod ast;
