//! An LLM task as a front end hands it to the runtime: a job of type [`TASK_JOB_TYPE`] whose
//! header [`TASK_HEADER`] holds this struct as JSON. Carrying the task in a job header keeps
//! the process graph (and the core) unchanged: the engine creates the job like any other and
//! the runtime's LLM worker reads the header.

use crate::signature::Signature;

/// The job type of an LLM task.
pub const TASK_JOB_TYPE: &str = "baton.llm";

/// The job header holding an [`LlmTask`] as JSON. On a business rule task (a decision with
/// an LLM fallback) the same header holds the fallback, beside the decision.
pub const TASK_HEADER: &str = "baton.llm";

/// What an LLM task asks and where its answer goes.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LlmTask {
    /// The `[llm.providers.NAME]` to ask; absent: `[llm] default_provider`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
    /// Inputs keep their FEEL `source` text; the runtime evaluates it.
    pub signature: Signature,
    /// The variable that receives all outputs as one object (AutoTel's `result`); absent:
    /// each output becomes a variable of its own name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<String>,
    /// The answer goes to `result` as a DMN decision's result would: the value of the one
    /// output, or a context of several. Set for a decision's LLM fallback, whose answer
    /// stands in for the decision's.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub decision_result: bool,
    /// What a good answer achieves: goes into the prompt and the audit record.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub objective: Option<String>,
}

impl LlmTask {
    /// The header's text. Serializing these plain strings and vectors cannot fail.
    pub fn to_header(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Reads a header written by [`LlmTask::to_header`].
    pub fn from_header(text: &str) -> Result<LlmTask, serde_json::Error> {
        serde_json::from_str(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_task_survives_its_header_with_types_as_written() {
        let mut signature =
            Signature::parse_shorthand("triage", "text -> category: enum(a,b), tags: list[str]")
                .expect("a valid shorthand");
        signature.inputs[0].source = Some("=ticket.text".into());
        let task = LlmTask {
            provider: Some("stub".into()),
            signature,
            result: None,
            decision_result: false,
            objective: None,
        };
        let header = task.to_header();
        assert!(header.contains(r#""type":"enum(a,b)""#), "{header}");
        assert!(header.contains(r#""type":"list(string)""#), "{header}");
        assert_eq!(
            LlmTask::from_header(&header).expect("its own header reads back"),
            task
        );
    }

    #[test]
    fn a_header_with_an_unknown_type_is_refused() {
        let header =
            r#"{"signature":{"name":"s","inputs":[],"outputs":[{"name":"o","type":"str1ng"}]}}"#;
        let error = LlmTask::from_header(header)
            .expect_err("str1ng is no type")
            .to_string();
        assert!(error.contains("unknown type `str1ng`"), "{error}");
    }
}
