//! What the catalogue says only in prose, one row per scenario, each with the reason:
//!
//! - **prose**: a note or a variant's prose (task data to enter, a loop, an assertion in
//!   Python), said as steps and FEEL;
//! - **harness**: what the upstream Python harness set up, or SpiffWorkflow's data model
//!   gave for free, in Camunda 8 terms (a correlation key, the variables each
//!   multi-instance iteration keeps to itself).
//!
//! None of this is a divergence from the spec (those are in `tables.rs`). The rows add
//! runs and checks; `BATON_SPIFF_GENERIC=1` leaves them out, to measure what the runner
//! makes of the catalogue's vocabulary alone, as it would of a scenario it has never
//! seen. Steps and outcomes are JSON in the catalogue's own vocabulary.

/// The row of one scenario. `Extra::NONE` for scenarios the catalogue fully describes.
#[derive(Debug)]
pub struct Extra {
    /// Replaces the catalogue's expected outcome: filled from `tables.rs` only.
    pub expected: Option<&'static str>,
    /// Replaces the catalogue's steps (prose steps, or a divergence's from `tables.rs`).
    pub steps: Option<&'static str>,
    /// Named variants to run besides the main steps: steps and expected outcome, as JSON.
    /// Replaces the catalogue's variants (which are prose unless they are `sequence`s).
    pub variants: &'static [(&'static str, &'static str, &'static str)],
    /// Task (id or name) → FEEL context of the data entered when completing it, read
    /// in the task's scope, for steps that say the data in prose. `*` matches any task.
    pub task_data: &'static [(&'static str, &'static str)],
    /// Extra `zeebe:loopCharacteristics` attributes: activity id, attribute, value.
    pub loop_characteristics: &'static [(&'static str, &'static str, &'static str)],
    /// Extra `zeebe:input` mappings: element id, target, source FEEL.
    pub inputs: &'static [(&'static str, &'static str, &'static str)],
    /// Message name → correlation key FEEL on the receiving side.
    pub subscriptions: &'static [(&'static str, &'static str)],
    /// Text replacements in DMN files: file name suffix, from, to.
    pub dmn_rewrites: &'static [(&'static str, &'static str, &'static str)],
    /// FEEL over the final process variables, for an `assert` written in Python.
    pub assert: Option<&'static str>,
    /// For parse-only scenarios: an element id or text Baton's error must name.
    pub diagnostic: Option<&'static str>,
    /// Why the scenario cannot pass as translated, shown with its failure.
    pub known: Option<&'static str>,
}

impl Extra {
    pub const NONE: Extra = Extra {
        expected: None,
        steps: None,
        variants: &[],
        task_data: &[],
        loop_characteristics: &[],
        inputs: &[],
        subscriptions: &[],
        dmn_rewrites: &[],
        assert: None,
        diagnostic: None,
        known: None,
    };
}

/// prose: the variant "empty input" of SP11 and SP13 completes at once with empty output.
const EMPTY_INPUT: (&str, &str, &str) = (
    "empty input",
    r#"[{"do": "start", "vars": {"input_data": []}}]"#,
    r#"{"completed": true, "data": {"input_data": [], "output_data": []}}"#,
);

pub fn extra(scenario: &str) -> Extra {
    match scenario {
        "SP11" => Extra {
            variants: &[EMPTY_INPUT],
            ..Extra::NONE
        },
        // prose: the loop's note says each task is completed with
        // `output_item = input_item * 2`.
        "SP13" => Extra {
            task_data: &[("any_task", "{output_item: input_item * 2}")],
            variants: &[EMPTY_INPUT],
            ..Extra::NONE
        },
        "SP14" => Extra {
            task_data: &[("any_task", "{output_item: input_item * 2}")],
            ..Extra::NONE
        },
        // prose: the three upstream tests, as steps.
        "SP15" => Extra {
            variants: &[
                (
                    "testLoopMaximum",
                    r#"[{"do": "start", "vars": {"done": false}},
                        {"do": "complete", "task": "any_task"},
                        {"do": "complete", "task": "any_task"},
                        {"do": "complete", "task": "any_task"}]"#,
                    r#"{"completed": true, "instances_created": 3}"#,
                ),
                (
                    "testLoopCondition",
                    r#"[{"do": "start", "vars": {"done": false}},
                        {"do": "complete", "task": "any_task", "vars": {"done": true}}]"#,
                    r#"{"completed": true, "instances_created": 1}"#,
                ),
                (
                    "testSkipLoop",
                    r#"[{"do": "start", "vars": {"done": true}}]"#,
                    r#"{"completed": true, "instances_created": 0}"#,
                ),
            ],
            ..Extra::NONE
        },
        "SP17" => Extra {
            known: Some(
                "the failure upstream is Python's `del` of an undefined variable, which the \
                 FEEL translation (a context of the other assignments) cannot express",
            ),
            ..Extra::NONE
        },
        // prose: the variant testTimeout.
        "SP24" => Extra {
            variants: &[(
                "testTimeout",
                r#"[{"do": "start"}, {"do": "advance_time", "by": "PT1S"}]"#,
                r#"{"completed": true, "states": {"timer_event": "completed",
                    "message_1_event": "cancelled", "message_2_event": "cancelled"}}"#,
            )],
            ..Extra::NONE
        },
        // prose: the two other orders.
        "SP34" => Extra {
            variants: &[
                (
                    "other order",
                    r#"[{"do": "start"},
                        {"do": "complete", "task": "Select Test", "vars": {"choice": "Message Non Interrupt"}},
                        {"do": "message", "name": "Test Message", "payload": {}},
                        {"do": "complete", "task": "Do Something That Takes A Long Time"},
                        {"do": "complete", "task": "Acknowledge Non-Interrupt Message"}]"#,
                    r#"{"completed": true}"#,
                ),
                (
                    "testRunThroughHappy",
                    r#"[{"do": "start"},
                        {"do": "complete", "task": "Select Test", "vars": {"choice": "Message Non Interrupt"}},
                        {"do": "complete", "task": "Do Something That Takes A Long Time"}]"#,
                    r#"{"completed": true, "leftover_ready_or_waiting": 0}"#,
                ),
            ],
            ..Extra::NONE
        },
        // prose: the variants without and with an undefined `should_escalate`.
        "SP35" => Extra {
            variants: &[
                (
                    "should_escalate = False",
                    r#"[{"do": "start", "vars": {"should_escalate": false}}, {"do": "run_to_end"}]"#,
                    r#"{"completed": true,
                        "reached": ["EndEvent_specific1_noninterrupting_normal", "EndEvent_specific1_interrupting_normal",
                            "EndEvent_specific2_noninterrupting_normal", "EndEvent_specific2_interrupting_normal",
                            "EndEvent_general_noninterrupting_normal", "EndEvent_general_interrupting_normal"],
                        "not_reached": ["EndEvent_specific1_noninterrupting_escalated", "EndEvent_specific1_interrupting_escalated",
                            "EndEvent_specific2_noninterrupting_escalated", "EndEvent_specific2_interrupting_escalated",
                            "EndEvent_specific2_noninterrupting_missingvariable", "EndEvent_specific2_interrupting_missingvariable",
                            "EndEvent_general_noninterrupting_escalated", "EndEvent_general_interrupting_escalated"]}"#,
                ),
                (
                    "should_escalate undefined",
                    r#"[{"do": "start"}, {"do": "run_to_end"}]"#,
                    r#"{"completed": true,
                        "reached": ["EndEvent_specific1_noninterrupting_normal", "EndEvent_specific1_interrupting_normal",
                            "EndEvent_specific2_noninterrupting_normal", "EndEvent_specific2_noninterrupting_missingvariable",
                            "EndEvent_specific2_interrupting_missingvariable", "EndEvent_general_noninterrupting_normal",
                            "EndEvent_general_noninterrupting_escalated", "EndEvent_general_interrupting_escalated"],
                        "not_reached": ["EndEvent_specific1_noninterrupting_escalated", "EndEvent_specific1_interrupting_escalated",
                            "EndEvent_specific2_noninterrupting_escalated", "EndEvent_specific2_interrupting_escalated",
                            "EndEvent_specific2_interrupting_normal", "EndEvent_general_interrupting_normal"]}"#,
                ),
            ],
            ..Extra::NONE
        },
        // prose: the four other upstream tests.
        "SP41" => Extra {
            variants: &[
                (
                    "testRunThroughOverdue",
                    r#"[{"do": "start", "vars": {"start_time": "<now + 0.05 s>", "finish_time": "<now + 0.10 s>"}},
                        {"do": "complete", "task": "Review Action", "vars": {"choice": "Approve"}},
                        {"do": "advance_time", "by": "PT0.05S"},
                        {"do": "complete", "task": "Start Work"},
                        {"do": "advance_time", "by": "PT0.10S"},
                        {"do": "complete", "task": "Complete Work", "vars": {"choice": "Done"}}]"#,
                    r#"{"completed": true, "executed": ["sid-3D825928-1108-4E19-907F-E6B9ADA5BB3B"]}"#,
                ),
                (
                    "testRunThroughCancel",
                    r#"[{"do": "start", "vars": {"start_time": "<now + 0.05 s>", "finish_time": "<now + 0.10 s>"}},
                        {"do": "complete", "task": "Review Action", "vars": {"choice": "Cancel"}}]"#,
                    r#"{"completed": true}"#,
                ),
                (
                    "testRunThroughCancelAfterApproved",
                    r#"[{"do": "start", "vars": {"start_time": "<now + 0.05 s>", "finish_time": "<now + 0.10 s>"}},
                        {"do": "complete", "task": "Review Action", "vars": {"choice": "Approve"}},
                        {"do": "complete", "task": "Cancel Action (if necessary)"}]"#,
                    r#"{"completed": true, "data": {"script_output": "ACTION CANCELLED"}}"#,
                ),
                (
                    "testRunThroughCancelAfterWorkStarted",
                    r#"[{"do": "start", "vars": {"start_time": "<now + 0.05 s>", "finish_time": "<now + 0.10 s>"}},
                        {"do": "complete", "task": "Review Action", "vars": {"choice": "Approve"}},
                        {"do": "advance_time", "by": "PT0.05S"},
                        {"do": "complete", "task": "Start Work"},
                        {"do": "complete", "task": "Cancel Action (if necessary)"}]"#,
                    r#"{"completed": true, "data": {"script_output": "ACTION CANCELLED"}}"#,
                ),
            ],
            ..Extra::NONE
        },
        // prose and harness: the data entered in each task is in the steps' notes.
        // SpiffWorkflow gives each multi-instance iteration its own copy of the data;
        // in Camunda an iteration's variables are local only when declared, so the
        // subprocess declares them (input mappings). The responder's correlation key is
        // the requester's `task_num` (the correlation property reads `num` from the
        // request and `init_id` from the response). The Python assertion on each
        // iteration is collected through an output collection.
        "SP45" => Extra {
            task_data: &[
                (
                    "configure",
                    r#"{task_num: loopCounter - 1, task_name: "subprocess " + string(loopCounter - 1),
                        extra_data: "unused data"}"#,
                ),
                (
                    "prepare_response",
                    r#"{response: if source_task.num != 0 then "OK" else "No"}"#,
                ),
            ],
            inputs: &[
                ("subprocess", "task_num", "=null"),
                ("subprocess", "task_name", "=null"),
                ("subprocess", "extra_data", "=null"),
                ("subprocess", "response", "=null"),
            ],
            subscriptions: &[("proc_2_response", "=task_num")],
            loop_characteristics: &[
                ("subprocess", "outputCollection", "checks"),
                (
                    "subprocess",
                    "outputElement",
                    r#"=response.init_id = task_num and response.response = (if task_num != 0 then "OK" else "No")"#,
                ),
            ],
            assert: Some("count(checks) = 2 and all(checks)"),
            ..Extra::NONE
        },
        // prose: the catalogue's note gives the DMN input `item['x']` as FEEL `item.x`;
        // the Python assertion as FEEL.
        "SP51" => Extra {
            dmn_rewrites: &[("test_integer_decision_multi.dmn", "item['x']", "item.x")],
            assert: Some(r#"stuff.E.y = "D""#),
            known: Some(
                "upstream iterates a dict's values (Camunda 7) and the decision writes into each \
                 item through Python's shared references; Camunda 8 iterates lists of copies",
            ),
            ..Extra::NONE
        },
        // prose: what Baton's error must name, from the upstream message.
        "SPN1" => Extra {
            diagnostic: Some("has no start event"),
            ..Extra::NONE
        },
        "SPN2" => Extra {
            diagnostic: Some("sid-617B0E1F-42DB-4D40-9B4C-ED631BF6E43A"),
            ..Extra::NONE
        },
        "SPN3" => Extra {
            diagnostic: Some("Event_TokenReset"),
            ..Extra::NONE
        },
        "SPN4" => Extra {
            diagnostic: Some("any_task"),
            ..Extra::NONE
        },
        _ => Extra::NONE,
    }
}
