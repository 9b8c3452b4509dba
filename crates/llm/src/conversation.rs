//! One LLM task's exchange with the model as a pure state machine: the messages to send, and
//! for each answer whether it is the result, calls for a re-ask, or is the last invalid one.
//!
//! It does no IO and keeps no clock, in the core's manner, so whoever runs the task (the
//! runtime, off the engine thread) sends the requests, journals each answer with its
//! `valid` flag, and on replay can feed the journaled answers back through the same steps.
//!
//! | state                | answer    | outcome                      | next state          |
//! |----------------------|-----------|------------------------------|---------------------|
//! | asking, re-asks left | valid     | `Outcome::Valid(values)`     | done                |
//! | asking, re-asks left | invalid   | `Outcome::Reask(problem)`    | asking (one less)   |
//! | asking, none left    | invalid   | `Outcome::Invalid(problem)`  | done                |

use serde_json::{Map, Value};

use crate::prompt::{self, Message};
use crate::signature::{Invalid, Signature};

/// What became of one answer.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    /// The declared outputs, typed; the task is done.
    Valid(Map<String, Value>),
    /// Not valid; `Conversation::messages` now holds the re-ask to send.
    Reask(Invalid),
    /// Not valid and no re-ask is left: the task's incident, naming the field.
    Invalid(Invalid),
}

/// The messages of one task so far and the re-asks it may still make.
#[derive(Clone, Debug)]
pub struct Conversation<'a> {
    signature: &'a Signature,
    messages: Vec<Message>,
    reasks_left: u32,
}

impl<'a> Conversation<'a> {
    /// The first question about `inputs`, allowing `max_reasks` re-asks after invalid answers.
    pub fn new(
        signature: &'a Signature,
        inputs: &Map<String, Value>,
        max_reasks: u32,
    ) -> Conversation<'a> {
        Conversation {
            signature,
            messages: prompt::messages(signature, inputs),
            reasks_left: max_reasks,
        }
    }

    /// The messages the next request sends.
    pub fn messages(&self) -> &[Message] {
        &self.messages
    }

    /// Checks the content of the answer to `messages()`.
    pub fn answer(&mut self, content: &str) -> Outcome {
        match self.signature.validate(content) {
            Ok(values) => Outcome::Valid(values),
            Err(problem) if self.reasks_left == 0 => Outcome::Invalid(problem),
            Err(problem) => {
                self.reasks_left -= 1;
                self.messages = prompt::reask(&self.messages, content, &problem);
                Outcome::Reask(problem)
            }
        }
    }
}
