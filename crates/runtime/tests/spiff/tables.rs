//! Where the BPMN or DMN specification and SpiffWorkflow disagree, and Baton follows the
//! specification: the scenarios the catalogue flags with a `divergence`, each with the
//! section that decides it and the outcome (and, where the run stops earlier, the steps)
//! the specification gives. Nothing else belongs here: what the catalogue says only in
//! prose is in `prose.rs`.

/// A divergence: what the specification says happens instead.
pub struct Divergence {
    /// The section of BPMN 2.0.2 or DMN 1.5 that decides it.
    pub section: &'static str,
    /// The expected outcome, as JSON in the catalogue's vocabulary.
    pub expected: &'static str,
    /// Steps replacing the catalogue's, where the run stops earlier under the spec.
    pub steps: Option<&'static str>,
}

pub fn divergence(scenario: &str) -> Option<Divergence> {
    Some(match scenario {
        // spec: SpiffWorkflow fires the parallel gateway with one token because its other
        // incoming flow can only be reached through the gateway. A BPMN (and Camunda)
        // parallel join waits for a token on every incoming flow, so the instance stops
        // at the gateway after `set` and `task` never becomes ready.
        "SP05" => Divergence {
            section: "BPMN 2.0.2 13.4.2 (Parallel Gateway: the join waits for a token on every incoming flow)",
            expected: r#"{"completed": false, "executed": ["set"], "not_executed": ["increment", "task"]}"#,
            steps: Some(r#"[{"do": "start"}, {"do": "expect_ready", "count": 0}]"#),
        },
        // spec: the called process deletes `remove_this_var` and SpiffWorkflow deletes it
        // in the parent too. FEEL cannot delete a variable and Camunda's propagation only
        // writes, so the parent keeps it.
        "SP16" => Divergence {
            section: "BPMN 2.0.2 10.4.1 (data leaves an activity through its data outputs; nothing deletes the caller's variable)",
            expected: r#"{"completed": true, "data": {"pre_var": "some string", "my_var": "World",
                    "my_other_var": "Mike", "remove_this_var": "something else"}}"#,
            steps: None,
        },
        // spec: SpiffWorkflow gives a task with an ioSpecification only its declared
        // inputs and keeps only its declared outputs afterwards. In BPMN the data inputs
        // and outputs are the task's interface; process data stays where it is (and
        // Camunda shares one scope), so the inputs are visible and everything remains.
        "SP20" => Divergence {
            section: "BPMN 2.0.2 10.4.1 and 10.3.1 (an InputOutputSpecification is the activity's interface, not a filter on the process data)",
            expected: r#"{"completed": true, "data_after": {"in_1": 1, "in_2": "hello world", "unused": true,
                    "out_1": 1, "out_2": "bye"}}"#,
            steps: Some(
                r#"[{"do": "start"},
                    {"do": "expect_data", "at": "any_task", "has": ["in_1", "in_2"]},
                    {"do": "complete", "task": "any_task", "vars": {"out_1": 1, "out_2": "bye", "extra": true}}]"#,
            ),
        },
        // spec: decision_1 is UNIQUE and "X" matches rule 1 and the catch-all rule 3. A
        // conforming DMN engine reports the hit-policy violation (SpiffWorkflow takes
        // the first match), so the business rule task stops with an incident.
        "SP49" => Divergence {
            section: "DMN 1.5 8.2.11 (hit policy UNIQUE: overlapping rules are an error)",
            expected: r#"{"completed": false, "error": {"element": "Activity_0diq2z1"}}"#,
            steps: None,
        },
        // spec: DMN's COLLECT with several outputs gives a list of contexts (SpiffWorkflow
        // gives a context of lists), and a single-output table gives the output value.
        "SP54" => Divergence {
            section: "DMN 1.5 8.2.11 (COLLECT with several outputs gives a list of contexts)",
            expected: r#"{"unique_hit Larry": 1,
                    "collect_hit stooge": [{"result": 1, "name": "Larry"}, {"result": 2, "name": "Mo"},
                        {"result": 3, "name": "Curly"}, {"result": 4, "name": "Shemp"}],
                    "collect_hit farmer": [{"result": 5, "name": "Elmer Fudd"}]}"#,
            steps: None,
        },
        _ => return None,
    })
}
