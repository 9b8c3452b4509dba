//! Typed LLM tasks, the library half: what a task asks for and how the answer is checked
//! (`signature`), the chat messages and their digest (`prompt`), an OpenAI-compatible
//! chat-completions client with its retry policy (`client`), the ask / check / re-ask
//! exchange as a pure state machine (`conversation`), and `baton.toml`'s `[llm]` section
//! (`config`); behind the `stub` feature, a scripted server for tests (`stub`).
//!
//! Nothing here knows the engine: the runtime (`baton_runtime::llm`) evaluates a task's input
//! mappings, builds the prompt, calls the client off the engine thread and journals the call.
//! Keeping the crate free of the core means a prompt and its validation can be tested
//! without an instance, and the core stays free of IO.

#[cfg(feature = "client")]
pub mod client;
#[cfg(feature = "client")]
pub mod config;
pub mod conversation;
pub mod prompt;
pub mod signature;
#[cfg(feature = "stub")]
pub mod stub;
pub mod task;

#[cfg(feature = "client")]
pub use client::{Client, Completion, ProviderConfig, RetryPolicy, Secret};
#[cfg(feature = "client")]
pub use config::LlmConfig;
pub use conversation::{Conversation, Outcome};
pub use prompt::{Message, Role, prompt_digest};
pub use signature::{Field, FieldType, Signature};
pub use task::{LlmTask, TASK_HEADER, TASK_JOB_TYPE};
