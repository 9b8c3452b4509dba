//! The store conformance suite: one story every backend must pass, run from each backend's
//! tests with a fresh, empty store (`baton_store::testsuite::run_all(|| make_store())`).
//!
//! It checks behaviour callers rely on: versioning by digest, journal round trips, the
//! all-or-nothing commit with conflict detection, and the projections and their filters.

use baton_core::{Event, GlobalKey, InstanceId, JournalRecord, Key, Timestamp};
use baton_feel::Value;

use crate::CachedAnswer;
use crate::audit::{self, Actor, AuditEntry, AuditFilter};
use crate::{
    Append, DecisionRouteRow, DefinitionKind, ElementDurations, ElementRow, Error, HistoryFilter,
    IncidentCount, IncidentFilter, IncidentRow, InstanceCount, InstanceFilter, InstanceRow,
    JobFilter, JobRow, LlmCallRow, LlmStats, NewDefinition, NewToken, RowChanges, StartTimerFired,
    StartTimerRow, Store, SubscriptionRow, TaskFilter, TimerRow, TokenRow, UserTaskRow,
    VariableRow,
};

/// Runs every check, each on a store from `fresh`.
pub fn run_all<S: Store>(fresh: impl Fn() -> S) {
    deploy_versions_by_digest(&mut fresh());
    instance_ids_are_never_reused(&mut fresh());
    journal_round_trips_in_order(&mut fresh());
    conflicting_append_writes_nothing(&mut fresh());
    projections_follow_appends(&mut fresh());
    lists_filter_and_page(&mut fresh());
    instances_filter_by_version_variables_and_start(&mut fresh());
    start_timers_fire_once_and_follow_the_latest_version(&mut fresh());
    tokens_are_found_by_hash_until_revoked(&mut fresh());
    audit_records_chain_with_the_changes_they_describe(&mut fresh());
    history_lists_element_instances_with_their_process(&mut fresh());
    aggregates_read_ended_elements_and_incidents_of_one_version(&mut fresh());
    prune_removes_ended_instances_and_every_row_of_theirs(&mut fresh());
    counts_aggregate_the_projections(&mut fresh());
    llm_stats_count_what_rules_and_models_did(&mut fresh());
    resources_are_taken_all_or_nothing_until_released_or_lapsed(&mut fresh());
    llm_answers_are_cached_until_they_expire(&mut fresh());
}

fn process(id: &str, source: &str) -> NewDefinition {
    NewDefinition {
        kind: DefinitionKind::Process,
        id: id.into(),
        resource_name: format!("{id}.bpmn"),
        source: source.into(),
        digest: format!("digest-of-{source}"),
        deployed_at: Timestamp(1),
        start_timers: Vec::new(),
    }
}

pub fn deploy_versions_by_digest<S: Store>(store: &mut S) {
    let first = store
        .deploy(&[process("p", "v1"), process("q", "v1")], &[])
        .expect("deploy");
    assert_eq!(
        first
            .iter()
            .map(|d| (d.version, d.is_new))
            .collect::<Vec<_>>(),
        vec![(1, true), (1, true)]
    );
    let same = store.deploy(&[process("p", "v1")], &[]).expect("redeploy");
    assert_eq!(
        (same[0].version, same[0].is_new),
        (1, false),
        "an unchanged process keeps its version"
    );
    let changed = store
        .deploy(&[process("p", "v2")], &[])
        .expect("deploy change");
    assert_eq!(
        (changed[0].version, changed[0].is_new),
        (2, true),
        "a changed process is a new version"
    );
    assert_eq!(
        store
            .definition(DefinitionKind::Process, "p", None)
            .expect("latest")
            .map(|p| (p.version, p.source)),
        Some((2, "v2".into()))
    );
    assert_eq!(
        store
            .definition(DefinitionKind::Process, "p", Some(1))
            .expect("v1")
            .map(|p| p.source),
        Some("v1".into())
    );
    assert!(
        store
            .definition(DefinitionKind::Process, "p", Some(9))
            .expect("query")
            .is_none()
    );
    assert!(
        store
            .definition(DefinitionKind::Process, "nope", None)
            .expect("query")
            .is_none()
    );
    assert_eq!(
        store
            .definitions(DefinitionKind::Process)
            .expect("list")
            .len(),
        3
    );

    // A decision may share a process's id: kinds are versioned apart.
    let decision = NewDefinition {
        kind: DefinitionKind::Decision,
        ..process("p", "dmn")
    };
    let deployed = store.deploy(&[decision], &[]).expect("deploy a decision");
    assert_eq!((deployed[0].version, deployed[0].is_new), (1, true));
    assert_eq!(
        store
            .definition(DefinitionKind::Decision, "p", None)
            .expect("query")
            .map(|d| d.source),
        Some("dmn".into())
    );
    assert_eq!(
        store
            .definition(DefinitionKind::Process, "p", None)
            .expect("query")
            .map(|d| d.version),
        Some(2)
    );
    assert_eq!(
        store
            .definitions(DefinitionKind::Decision)
            .expect("list")
            .len(),
        1
    );
}

pub fn instance_ids_are_never_reused<S: Store>(store: &mut S) {
    let a = store.reserve_instance_ids(10).expect("reserve");
    let b = store.reserve_instance_ids(1).expect("reserve");
    assert_eq!(b.0, a.0 + 10);
}

fn instance_row(instance: InstanceId, state: &str, at: i64) -> InstanceRow {
    InstanceRow {
        instance,
        process_id: "p".into(),
        version: 1,
        state: state.into(),
        started_at: Timestamp(at),
        ended_at: None,
        updated_at: Timestamp(at),
        parent: None,
    }
}

fn append(
    instance: InstanceId,
    first_seq: u64,
    at: i64,
    events: &[Event],
    rows: RowChanges,
) -> Append {
    Append {
        instance,
        first_seq,
        at: Timestamp(at),
        events_json: serde_json::to_string(events).expect("serialise"),
        rows,
    }
}

fn created(instance: InstanceId) -> Event {
    Event::InstanceCreated {
        instance,
        process_id: "p".into(),
        version: 1,
        parent: None,
        trace: None,
    }
}

pub fn journal_round_trips_in_order<S: Store>(store: &mut S) {
    let i = store.reserve_instance_ids(1).expect("reserve");
    let first = [created(i), Event::ElementActivated { key: Key(1) }];
    let second = [Event::ElementCompleted { key: Key(1) }];
    let rows = RowChanges {
        instance: Some(instance_row(i, "active", 10)),
        ..RowChanges::default()
    };
    store
        .commit(&[append(i, 0, 10, &first, rows.clone())], &[])
        .expect("commit");
    store
        .commit(&[append(i, 2, 20, &second, rows)], &[])
        .expect("commit");
    let journal = store.journal(i).expect("journal");
    let expected: Vec<JournalRecord> = vec![
        JournalRecord {
            seq: 0,
            at: Timestamp(10),
            event: first[0].clone(),
        },
        JournalRecord {
            seq: 1,
            at: Timestamp(10),
            event: first[1].clone(),
        },
        JournalRecord {
            seq: 2,
            at: Timestamp(20),
            event: second[0].clone(),
        },
    ];
    assert_eq!(journal, expected);
    assert!(
        store
            .journal(InstanceId(i.0 + 1000))
            .expect("journal")
            .is_empty()
    );
}

pub fn conflicting_append_writes_nothing<S: Store>(store: &mut S) {
    let a = store.reserve_instance_ids(2).expect("reserve");
    let b = InstanceId(a.0 + 1);
    let rows = |i| RowChanges {
        instance: Some(instance_row(i, "active", 1)),
        ..RowChanges::default()
    };
    store
        .commit(&[append(a, 0, 1, &[created(a)], rows(a))], &[])
        .expect("commit");
    // A batch whose second entry collides: the first entry must not be written either.
    let batch = [
        append(b, 0, 2, &[created(b)], rows(b)),
        append(a, 0, 2, &[created(a)], rows(a)),
    ];
    match store.commit(&batch, &[]) {
        Err(Error::Conflict(instance)) => assert_eq!(instance, a),
        other => panic!("expected a conflict on {a}, got {other:?}"),
    }
    assert!(
        store.journal(b).expect("journal").is_empty(),
        "a failed batch is not half-applied"
    );
    assert!(store.instance(b).expect("row").is_none());
    assert_eq!(store.journal(a).expect("journal").len(), 1);
}

pub fn projections_follow_appends<S: Store>(store: &mut S) {
    let i = store.reserve_instance_ids(1).expect("reserve");
    let job = JobRow {
        instance: i,
        key: Key(3),
        element_id: "charge".into(),
        job_type: "payment".into(),
        retries: 3,
        state: "ready".into(),
        due: Timestamp(5),
        error: None,
        worker: Some("w1".into()),
        lease_deadline: Some(Timestamp(9)),
    };
    let task = UserTaskRow {
        instance: i,
        key: Key(4),
        element_id: "approve".into(),
        name: Some("Approve".into()),
        process_id: "p".into(),
        state: "open".into(),
        assignee: None,
        candidate_groups: vec!["sales".into()],
        candidate_users: Vec::new(),
        created_at: Timestamp(5),
        ended_at: None,
    };
    let incident = IncidentRow {
        instance: i,
        key: Key(5),
        element_id: "calc".into(),
        job: None,
        kind: "expression_failed".into(),
        message: "no variable found with name 'x'".into(),
        state: "open".into(),
        created_at: Timestamp(5),
        resolved_at: None,
    };
    let variable = |name: &str, value: Value| VariableRow {
        instance: i,
        scope: Key(1),
        name: name.into(),
        value,
    };
    let rows = RowChanges {
        instance: Some(instance_row(i, "incident", 5)),
        jobs: vec![job.clone()],
        user_tasks: vec![task.clone()],
        incidents: vec![incident.clone()],
        variables: vec![
            variable("amount", Value::from(120)),
            variable("note", "first".into()),
        ],
        ..RowChanges::default()
    };
    store
        .commit(&[append(i, 0, 5, &[created(i)], rows)], &[])
        .expect("commit");

    assert_eq!(
        store.instance(i).expect("row").map(|r| r.state),
        Some("incident".into())
    );
    let by_state = InstanceFilter {
        state: Some("incident".into()),
        ..InstanceFilter::default()
    };
    assert_eq!(store.instances(&by_state).expect("list").len(), 1);
    let other_process = InstanceFilter {
        process_id: Some("other".into()),
        ..InstanceFilter::default()
    };
    assert!(store.instances(&other_process).expect("list").is_empty());
    assert_eq!(
        store
            .jobs(&JobFilter {
                ready_only: true,
                ..JobFilter::default()
            })
            .expect("jobs"),
        vec![job.clone()]
    );
    let not_yet = JobFilter {
        due_before: Some(Timestamp(4)),
        ..JobFilter::default()
    };
    assert!(
        store.jobs(&not_yet).expect("jobs").is_empty(),
        "jobs due later are not returned"
    );
    assert_eq!(
        store.user_tasks(&TaskFilter::default()).expect("tasks"),
        vec![task.clone()]
    );
    assert_eq!(
        store
            .user_task(GlobalKey {
                instance: i,
                key: Key(4)
            })
            .expect("task"),
        Some(task.clone())
    );
    assert_eq!(
        store
            .incidents(&IncidentFilter::default())
            .expect("incidents"),
        vec![incident.clone()]
    );
    let mut variables = store.variables(i).expect("variables");
    variables.sort_by(|a, b| a.name.cmp(&b.name));
    assert_eq!(
        variables
            .iter()
            .map(|v| (v.name.as_str(), v.value.to_string()))
            .collect::<Vec<_>>(),
        vec![
            ("amount", "120".to_string()),
            ("note", "\"first\"".to_string())
        ]
    );

    // Later: the job is removed, the task and incident close, a variable changes and a
    // scope's variables end.
    let rows = RowChanges {
        instance: Some(InstanceRow {
            state: "completed".into(),
            ended_at: Some(Timestamp(9)),
            ..instance_row(i, "completed", 9)
        }),
        jobs_removed: vec![Key(3)],
        user_tasks: vec![UserTaskRow {
            state: "completed".into(),
            ended_at: Some(Timestamp(9)),
            ..task
        }],
        incidents: vec![IncidentRow {
            state: "resolved".into(),
            resolved_at: Some(Timestamp(9)),
            ..incident
        }],
        variables: vec![variable("note", "second".into())],
        ..RowChanges::default()
    };
    store
        .commit(
            &[append(i, 1, 9, &[Event::InstanceCompleted {}], rows)],
            &[],
        )
        .expect("commit");
    let row = store.instance(i).expect("row").expect("exists");
    assert_eq!(
        (row.state.as_str(), row.started_at, row.ended_at),
        ("completed", Timestamp(5), Some(Timestamp(9)))
    );
    assert!(store.jobs(&JobFilter::default()).expect("jobs").is_empty());
    assert!(
        store
            .user_tasks(&TaskFilter::default())
            .expect("tasks")
            .is_empty(),
        "closed tasks are not listed"
    );
    let all = TaskFilter {
        include_closed: true,
        ..TaskFilter::default()
    };
    assert_eq!(store.user_tasks(&all).expect("tasks")[0].state, "completed");
    assert!(
        store
            .incidents(&IncidentFilter::default())
            .expect("incidents")
            .is_empty()
    );
    let note = store
        .variables(i)
        .expect("variables")
        .into_iter()
        .find(|v| v.name == "note")
        .map(|v| v.value);
    assert_eq!(note, Some(Value::from("second")));
}

/// Lists come in id order, a page starts after its cursor, and user tasks filter by who
/// they are for; a claim changes the row, and a closed task keeps its assignee.
pub fn lists_filter_and_page<S: Store>(store: &mut S) {
    let first = store.reserve_instance_ids(3).expect("reserve");
    let ids: Vec<InstanceId> = (0..3).map(|n| InstanceId(first.0 + n)).collect();
    let task =
        |instance: InstanceId, key: u64, assignee: Option<&str>, groups: &[&str]| UserTaskRow {
            instance,
            key: Key(key),
            element_id: "review".into(),
            name: None,
            process_id: if key == 2 { "q" } else { "p" }.into(),
            state: "open".into(),
            assignee: assignee.map(str::to_string),
            candidate_groups: groups.iter().map(|g| g.to_string()).collect(),
            candidate_users: vec!["carol".into()],
            created_at: Timestamp(5),
            ended_at: None,
        };
    for (n, &instance) in ids.iter().enumerate() {
        let rows = RowChanges {
            instance: Some(instance_row(instance, "active", 5)),
            user_tasks: vec![
                task(instance, 1, None, &["sales", "finance"]),
                task(instance, 2, (n == 1).then_some("ann"), &["finance"]),
            ],
            ..RowChanges::default()
        };
        store
            .commit(&[append(instance, 0, 5, &[created(instance)], rows)], &[])
            .expect("commit");
    }

    let page = |after: Option<InstanceId>| {
        let filter = InstanceFilter {
            after,
            limit: Some(2),
            ..InstanceFilter::default()
        };
        let rows = store.instances(&filter).expect("instances");
        rows.iter().map(|r| r.instance).collect::<Vec<_>>()
    };
    assert_eq!(page(None), ids[..2]);
    assert_eq!(page(Some(ids[1])), ids[2..]);

    let tasks = |filter: TaskFilter| -> Vec<(u64, u64)> {
        let rows = store.user_tasks(&filter).expect("tasks");
        rows.iter().map(|r| (r.instance.0, r.key.0)).collect()
    };
    let (a, b, c) = (ids[0].0, ids[1].0, ids[2].0);
    assert_eq!(
        tasks(TaskFilter {
            candidate_group: Some("sales".into()),
            ..TaskFilter::default()
        }),
        [(a, 1), (b, 1), (c, 1)]
    );
    assert_eq!(
        tasks(TaskFilter {
            assignee: Some("ann".into()),
            ..TaskFilter::default()
        }),
        [(b, 2)]
    );
    assert_eq!(
        tasks(TaskFilter {
            assigned: Some(false),
            process_id: Some("q".into()),
            ..TaskFilter::default()
        }),
        [(a, 2), (c, 2)]
    );
    assert_eq!(
        tasks(TaskFilter {
            candidate_user: Some("carol".into()),
            after: Some(GlobalKey {
                instance: ids[0],
                key: Key(2),
            }),
            limit: Some(3),
            ..TaskFilter::default()
        }),
        [(b, 1), (b, 2), (c, 1)]
    );
    assert!(
        tasks(TaskFilter {
            candidate_group: Some("sale".into()),
            ..TaskFilter::default()
        })
        .is_empty(),
        "a candidate group matches whole names only"
    );

    // Claimed, then completed: the closed row keeps who had it.
    let claimed = RowChanges {
        instance: Some(instance_row(ids[2], "active", 6)),
        user_tasks: vec![task(ids[2], 1, Some("bob"), &["sales", "finance"])],
        ..RowChanges::default()
    };
    store
        .commit(&[append(ids[2], 1, 6, &[created(ids[2])], claimed)], &[])
        .expect("commit");
    let completed = RowChanges {
        instance: Some(instance_row(ids[2], "active", 7)),
        user_tasks: vec![UserTaskRow {
            state: "completed".into(),
            ended_at: Some(Timestamp(7)),
            ..task(ids[2], 1, None, &[])
        }],
        ..RowChanges::default()
    };
    store
        .commit(&[append(ids[2], 2, 7, &[created(ids[2])], completed)], &[])
        .expect("commit");
    let row = store
        .user_task(GlobalKey {
            instance: ids[2],
            key: Key(1),
        })
        .expect("task")
        .expect("exists");
    assert_eq!(
        (
            row.state.as_str(),
            row.assignee.as_deref(),
            row.candidate_groups.len()
        ),
        ("completed", Some("bob"), 2)
    );
}

pub fn start_timers_fire_once_and_follow_the_latest_version<S: Store>(store: &mut S) {
    let with_timer = |source: &str, due: i64| NewDefinition {
        start_timers: vec![("tick".to_string(), Timestamp(due))],
        ..process("p", source)
    };
    store.deploy(&[with_timer("v1", 100)], &[]).expect("deploy");
    let armed = store.start_timers().expect("start timers");
    assert_eq!(
        armed,
        vec![StartTimerRow {
            process_id: "p".into(),
            version: 1,
            element_id: "tick".into(),
            due: Timestamp(100),
            fired: 0,
        }]
    );
    store
        .deploy(&[with_timer("v1", 999)], &[])
        .expect("redeploy unchanged");
    assert_eq!(
        store.start_timers().expect("start timers"),
        armed,
        "an unchanged redeploy keeps the schedule"
    );

    let fire = |timer: &StartTimerRow, next_due: Option<i64>, store: &mut S| {
        let i = store.reserve_instance_ids(1).expect("reserve");
        let rows = RowChanges {
            instance: Some(instance_row(i, "active", 100)),
            start_timer_fired: Some(StartTimerFired {
                timer: timer.clone(),
                next_due: next_due.map(Timestamp),
            }),
            ..RowChanges::default()
        };
        (
            i,
            store.commit(&[append(i, 0, 100, &[created(i)], rows)], &[]),
        )
    };
    let (_, first) = fire(&armed[0], Some(200), store);
    first.expect("the first firing commits");
    let moved = store.start_timers().expect("start timers");
    assert_eq!((moved[0].due, moved[0].fired), (Timestamp(200), 1));

    // Another engine that read the row before the firing must not start a second instance.
    let (late, second) = fire(&armed[0], Some(200), store);
    assert!(
        matches!(second, Err(Error::StartTimerTaken { .. })),
        "{second:?}"
    );
    assert!(
        store.instance(late).expect("row").is_none(),
        "the instance of a lost firing is not written"
    );

    store
        .deploy(&[with_timer("v2", 500)], &[])
        .expect("new version");
    let replaced = store.start_timers().expect("start timers");
    assert_eq!(
        (replaced[0].version, replaced[0].due, replaced[0].fired),
        (2, Timestamp(500), 0),
        "a new version replaces the old one's timers"
    );
    let (_, last) = fire(&replaced[0], None, store);
    last.expect("the last firing commits");
    assert!(store.start_timers().expect("start timers").is_empty());
}

pub fn tokens_are_found_by_hash_until_revoked<S: Store>(store: &mut S) {
    let token = |id: &str, tenant: &str, at: i64| NewToken {
        id: id.into(),
        secret_hash: format!("hash-of-{id}"),
        role: "operator".into(),
        tenant: tenant.into(),
        name: (id == "a1").then(|| "ops laptop".to_string()),
        created_at: Timestamp(at),
    };
    let created = store
        .create_token(&token("a1", "acme", 10), &[])
        .expect("create a1");
    assert_eq!(
        created,
        TokenRow {
            id: "a1".into(),
            secret_hash: "hash-of-a1".into(),
            role: "operator".into(),
            tenant: "acme".into(),
            name: Some("ops laptop".into()),
            created_at: Timestamp(10),
            revoked_at: None,
        }
    );
    store
        .create_token(&token("g1", "globex", 20), &[])
        .expect("create g1");
    store
        .create_token(&token("a2", "acme", 30), &[])
        .expect("create a2");
    let clash = store.create_token(&token("a1", "acme", 40), &[]);
    assert!(
        matches!(clash, Err(Error::TokenTaken { .. })),
        "ids are unique: {clash:?}"
    );
    let same_hash = NewToken {
        secret_hash: "hash-of-a1".into(),
        ..token("a3", "acme", 40)
    };
    let clash = store.create_token(&same_hash, &[]);
    assert!(
        matches!(clash, Err(Error::TokenTaken { .. })),
        "hashes are unique: {clash:?}"
    );

    assert_eq!(
        store.token_by_hash("hash-of-a1").expect("lookup"),
        Some(created.clone())
    );
    assert_eq!(store.token_by_hash("hash-of-nobody").expect("lookup"), None);

    let ids = |rows: Vec<TokenRow>| rows.into_iter().map(|t| t.id).collect::<Vec<_>>();
    assert_eq!(
        ids(store.tokens(Some("acme")).expect("list")),
        ["a1", "a2"],
        "a tenant's tokens, oldest first"
    );
    assert_eq!(ids(store.tokens(None).expect("list")), ["a1", "g1", "a2"]);
    assert!(store.tokens(Some("initech")).expect("list").is_empty());

    assert!(
        store
            .revoke_token("a1", Timestamp(50), &[])
            .expect("revoke")
    );
    assert!(
        !store
            .revoke_token("a1", Timestamp(60), &[])
            .expect("revoke again"),
        "revoking twice changes nothing"
    );
    assert!(
        !store
            .revoke_token("zz", Timestamp(60), &[])
            .expect("revoke unknown")
    );
    assert_eq!(
        store.token_by_hash("hash-of-a1").expect("lookup"),
        None,
        "a revoked token authenticates nothing"
    );
    let listed = store.tokens(Some("acme")).expect("list");
    assert_eq!(
        listed.iter().map(|t| t.revoked_at).collect::<Vec<_>>(),
        [Some(Timestamp(50)), None],
        "revoked tokens stay listed, with the time"
    );
    assert!(store.token_by_hash("hash-of-a2").expect("lookup").is_some());
}

fn audit_entry(name: &str, action: &str, instance: Option<InstanceId>, at: i64) -> AuditEntry {
    let mut entry = AuditEntry::new(Actor::local(name), action, "node-1")
        .with_reason(Some(format!("{name} did {action}")));
    entry.instance = instance;
    entry.at = Timestamp(at);
    entry
}

pub fn audit_records_chain_with_the_changes_they_describe<S: Store>(store: &mut S) {
    assert_eq!(store.audit_head().expect("head"), None);
    let a = store.reserve_instance_ids(2).expect("reserve");
    let b = InstanceId(a.0 + 1);
    let rows = |i| RowChanges {
        instance: Some(instance_row(i, "active", 1)),
        ..RowChanges::default()
    };
    store
        .commit(
            &[append(a, 0, 1, &[created(a)], rows(a))],
            &[audit_entry("ana", "instance.start", Some(a), 10)],
        )
        .expect("commit");
    // A batch that fails writes none of its audit entries either.
    let batch = [
        append(b, 0, 2, &[created(b)], rows(b)),
        append(a, 0, 2, &[created(a)], rows(a)),
    ];
    let failed = store.commit(&batch, &[audit_entry("ana", "instance.start", Some(b), 20)]);
    assert!(matches!(failed, Err(Error::Conflict(_))), "{failed:?}");
    store
        .deploy(
            &[process("p", "v1")],
            &[audit_entry("bo", "deployment.create", None, 30)],
        )
        .expect("deploy");
    let refused = audit_entry("bo", "instance.cancel", Some(a), 40).refused();
    let appended = store.append_audit(&[refused]).expect("append");
    assert_eq!(appended.iter().map(|r| r.seq).collect::<Vec<_>>(), vec![3]);
    store
        .create_token(
            &NewToken {
                id: "t1".into(),
                secret_hash: "hash-of-t1".into(),
                role: "viewer".into(),
                tenant: "acme".into(),
                name: None,
                created_at: Timestamp(50),
            },
            &[audit_entry("ana", "token.create", None, 50)],
        )
        .expect("token");
    assert!(
        !store
            .revoke_token(
                "nope",
                Timestamp(60),
                &[audit_entry("ana", "token.revoke", None, 60)]
            )
            .expect("revoke"),
    );

    let all = store
        .audit_records(&AuditFilter::default())
        .expect("records");
    let summary: Vec<_> = all
        .iter()
        .map(|r| (r.seq, r.action.as_str(), r.outcome.as_str()))
        .collect();
    assert_eq!(
        summary,
        vec![
            (1, "instance.start", "done"),
            (2, "deployment.create", "done"),
            (3, "instance.cancel", "refused"),
            (4, "token.create", "done"),
        ],
        "a failed commit and a revoke of nothing leave no record"
    );
    assert_eq!(all[0].reason.as_deref(), Some("ana did instance.start"));
    assert_eq!(all[0].instance, Some(a.0));
    let head = store.audit_head().expect("head");
    let verdict = audit::verify(&all, head.as_ref(), None);
    assert!(verdict.ok, "{verdict:?}");
    assert_eq!(head.map(|h| h.seq), Some(4));

    let seqs = |filter: AuditFilter| -> Vec<u64> {
        store
            .audit_records(&filter)
            .expect("filtered")
            .iter()
            .map(|r| r.seq)
            .collect()
    };
    assert_eq!(
        seqs(AuditFilter {
            actor: Some("bo".into()),
            ..AuditFilter::default()
        }),
        vec![2, 3]
    );
    assert_eq!(
        seqs(AuditFilter {
            action: Some("instance".into()),
            ..AuditFilter::default()
        }),
        vec![1, 3]
    );
    assert_eq!(
        seqs(AuditFilter {
            action: Some("instance.cancel".into()),
            ..AuditFilter::default()
        }),
        vec![3]
    );
    assert_eq!(
        seqs(AuditFilter {
            action: Some("inst".into()),
            ..AuditFilter::default()
        }),
        Vec::<u64>::new()
    );
    assert_eq!(
        seqs(AuditFilter {
            instance: Some(a),
            ..AuditFilter::default()
        }),
        vec![1, 3]
    );
    assert_eq!(
        seqs(AuditFilter {
            since: Some(Timestamp(30)),
            ..AuditFilter::default()
        }),
        vec![2, 3, 4]
    );
    assert_eq!(
        seqs(AuditFilter {
            after: Some(1),
            limit: Some(2),
            ..AuditFilter::default()
        }),
        vec![2, 3]
    );
}

fn element(
    instance: InstanceId,
    key: u64,
    id: &str,
    started: i64,
    ended: Option<(&str, i64)>,
) -> ElementRow {
    ElementRow {
        instance,
        key: Key(key),
        element_id: id.into(),
        state: ended.map_or("activated", |(state, _)| state).into(),
        started_at: Timestamp(started),
        ended_at: ended.map(|(_, at)| Timestamp(at)),
    }
}

/// Writes an instance of process `p` with these element rows in one append.
fn instance_with<S: Store>(
    store: &mut S,
    row: InstanceRow,
    elements: Vec<ElementRow>,
    more: RowChanges,
) {
    let i = row.instance;
    let at = row.updated_at.0;
    let rows = RowChanges {
        instance: Some(row),
        elements,
        ..more
    };
    store
        .commit(&[append(i, 0, at, &[created(i)], rows)], &[])
        .expect("commit");
}

fn ended(instance: InstanceId, state: &str, started: i64, ended: i64) -> InstanceRow {
    InstanceRow {
        state: state.into(),
        started_at: Timestamp(started),
        ended_at: Some(Timestamp(ended)),
        ..instance_row(instance, state, ended)
    }
}

/// History lists element instances in (instance, key) order with their instance's
/// process and version, filters by process, version, element, outcome and start time,
/// and pages after a cursor.
pub fn history_lists_element_instances_with_their_process<S: Store>(store: &mut S) {
    let first = store.reserve_instance_ids(2).expect("reserve");
    let (a, b) = (first, InstanceId(first.0 + 1));
    instance_with(
        store,
        ended(a, "completed", 10, 40),
        vec![
            element(a, 2, "start", 10, Some(("completed", 10))),
            element(a, 3, "work", 10, Some(("completed", 30))),
            element(a, 4, "end", 30, Some(("completed", 40))),
        ],
        RowChanges::default(),
    );
    instance_with(
        store,
        InstanceRow {
            version: 2,
            ..instance_row(b, "active", 50)
        },
        vec![
            element(b, 2, "start", 50, Some(("completed", 50))),
            element(b, 3, "work", 50, None),
        ],
        RowChanges::default(),
    );
    let list = |filter: HistoryFilter| -> Vec<(u64, u64, String, &'static str, Option<i64>)> {
        let rows = store.element_history(&filter).expect("history");
        rows.iter()
            .map(|r| {
                (
                    r.instance.0,
                    r.key.0,
                    r.element_id.clone(),
                    r.outcome(),
                    r.ended_at.map(|t| t.0),
                )
            })
            .collect()
    };
    let all = list(HistoryFilter::default());
    assert_eq!(
        all.iter().map(|r| (r.0, r.1)).collect::<Vec<_>>(),
        [(a.0, 2), (a.0, 3), (a.0, 4), (b.0, 2), (b.0, 3)]
    );
    assert_eq!(all[4], (b.0, 3, "work".into(), "running", None));
    let rows = store
        .element_history(&HistoryFilter::default())
        .expect("history");
    assert_eq!((rows[0].process_id.as_str(), rows[0].version), ("p", 1));
    assert_eq!(rows[3].version, 2);

    let work = list(HistoryFilter {
        element_id: Some("work".into()),
        ..HistoryFilter::default()
    });
    assert_eq!(work.iter().map(|r| r.0).collect::<Vec<_>>(), [a.0, b.0]);
    let running = list(HistoryFilter {
        outcome: Some("running".into()),
        ..HistoryFilter::default()
    });
    assert_eq!(
        running.iter().map(|r| (r.0, r.1)).collect::<Vec<_>>(),
        [(b.0, 3)]
    );
    let completed_v1 = list(HistoryFilter {
        outcome: Some("completed".into()),
        version: Some(1),
        ..HistoryFilter::default()
    });
    assert_eq!(completed_v1.len(), 3);
    assert!(
        list(HistoryFilter {
            process_id: Some("q".into()),
            ..HistoryFilter::default()
        })
        .is_empty()
    );
    let window = list(HistoryFilter {
        started_from: Some(Timestamp(30)),
        started_before: Some(Timestamp(50)),
        ..HistoryFilter::default()
    });
    assert_eq!(
        window.iter().map(|r| (r.0, r.1)).collect::<Vec<_>>(),
        [(a.0, 4)],
        "from is inclusive, to is not"
    );
    let page = list(HistoryFilter {
        after: Some(GlobalKey {
            instance: a,
            key: Key(3),
        }),
        limit: Some(2),
        ..HistoryFilter::default()
    });
    assert_eq!(
        page.iter().map(|r| (r.0, r.1)).collect::<Vec<_>>(),
        [(a.0, 4), (b.0, 2)]
    );
}

/// Aggregates read the durations of ended element instances and the incidents of one
/// process version only.
pub fn aggregates_read_ended_elements_and_incidents_of_one_version<S: Store>(store: &mut S) {
    let first = store.reserve_instance_ids(3).expect("reserve");
    let ids: Vec<InstanceId> = (0..3).map(|n| InstanceId(first.0 + n)).collect();
    let incident = |instance: InstanceId, key: u64, element_id: &str, state: &str| IncidentRow {
        instance,
        key: Key(key),
        element_id: element_id.into(),
        job: None,
        kind: "job_failed".into(),
        message: "gave up".into(),
        state: state.into(),
        created_at: Timestamp(5),
        resolved_at: None,
    };
    instance_with(
        store,
        ended(ids[0], "completed", 0, 100),
        vec![
            element(ids[0], 2, "work", 0, Some(("completed", 70))),
            element(ids[0], 3, "end", 70, Some(("completed", 70))),
        ],
        RowChanges {
            incidents: vec![incident(ids[0], 9, "work", "resolved")],
            ..RowChanges::default()
        },
    );
    instance_with(
        store,
        instance_row(ids[1], "incident", 0),
        vec![element(ids[1], 2, "work", 0, None)],
        RowChanges {
            incidents: vec![incident(ids[1], 9, "work", "open")],
            ..RowChanges::default()
        },
    );
    // Another version: counted apart.
    instance_with(
        store,
        InstanceRow {
            version: 2,
            ..ended(ids[2], "cancelled", 0, 9)
        },
        vec![element(ids[2], 2, "work", 0, Some(("terminated", 9)))],
        RowChanges {
            incidents: vec![incident(ids[2], 9, "work", "resolved")],
            ..RowChanges::default()
        },
    );
    assert_eq!(
        store.ended_element_durations("p", 1).expect("durations"),
        [("end".to_string(), 0), ("work".to_string(), 70)]
    );
    assert_eq!(
        store.ended_element_durations("p", 2).expect("durations"),
        [("work".to_string(), 9)]
    );
    assert_eq!(
        store.incident_counts("p", 1).expect("incidents"),
        [("work".to_string(), 2)]
    );
    assert!(
        store
            .ended_element_durations("q", 1)
            .expect("durations")
            .is_empty()
    );
}

/// A prune finds instances that ended before the cutoff (not a child whose parent still
/// runs) and removes their journal and every projection row, and nothing of the others.
pub fn prune_removes_ended_instances_and_every_row_of_theirs<S: Store>(store: &mut S) {
    let first = store.reserve_instance_ids(5).expect("reserve");
    let [old, recent, running, orphan_child, parent] =
        [0, 1, 2, 3, 4].map(|n| InstanceId(first.0 + n));
    let everything = |instance: InstanceId| RowChanges {
        jobs: vec![JobRow {
            instance,
            key: Key(3),
            element_id: "work".into(),
            job_type: "t".into(),
            retries: 0,
            state: "failed".into(),
            due: Timestamp(1),
            error: None,
            worker: Some("w".into()),
            lease_deadline: Some(Timestamp(9)),
        }],
        user_tasks: vec![UserTaskRow {
            instance,
            key: Key(4),
            element_id: "approve".into(),
            name: None,
            process_id: "p".into(),
            state: "completed".into(),
            assignee: None,
            candidate_groups: Vec::new(),
            candidate_users: Vec::new(),
            created_at: Timestamp(1),
            ended_at: Some(Timestamp(2)),
        }],
        incidents: vec![IncidentRow {
            instance,
            key: Key(5),
            element_id: "work".into(),
            job: Some(Key(3)),
            kind: "job_failed".into(),
            message: "no".into(),
            state: "resolved".into(),
            created_at: Timestamp(1),
            resolved_at: Some(Timestamp(2)),
        }],
        variables: vec![VariableRow {
            instance,
            scope: Key(1),
            name: "x".into(),
            value: Value::from(1),
        }],
        timers: vec![TimerRow {
            instance,
            key: Key(6),
            element_id: "wait".into(),
            due: Timestamp(99),
        }],
        subscriptions: vec![SubscriptionRow {
            instance,
            key: Key(7),
            element_id: "msg".into(),
            kind: "message".into(),
            name: "m".into(),
            correlation_key: Some("k".into()),
        }],
        llm_calls: vec![llm_call(instance, "work", false, true, true)],
        decision_routes: vec![decision_route(instance, 2, "work", "llm")],
        ..RowChanges::default()
    };
    let elements = |instance| vec![element(instance, 2, "work", 1, Some(("completed", 2)))];
    instance_with(
        store,
        ended(old, "completed", 1, 10),
        elements(old),
        everything(old),
    );
    instance_with(
        store,
        ended(recent, "cancelled", 1, 100),
        elements(recent),
        everything(recent),
    );
    instance_with(
        store,
        instance_row(running, "active", 1),
        elements(running),
        everything(running),
    );
    // A child that ended while its parent (`running`) runs on is kept.
    instance_with(
        store,
        InstanceRow {
            parent: Some(running),
            ..ended(orphan_child, "completed", 1, 5)
        },
        elements(orphan_child),
        everything(orphan_child),
    );
    // A child whose parent ended goes on its own ended_at.
    instance_with(
        store,
        ended(parent, "completed", 1, 8),
        elements(parent),
        everything(parent),
    );

    let ids = |rows: Vec<InstanceRow>| rows.into_iter().map(|r| r.instance).collect::<Vec<_>>();
    assert_eq!(
        ids(store.prunable(Timestamp(50), None, 10).expect("prunable")),
        [old, parent]
    );
    assert_eq!(
        ids(store
            .prunable(Timestamp(50), Some(old), 10)
            .expect("prunable")),
        [parent]
    );
    assert_eq!(
        ids(store.prunable(Timestamp(50), None, 1).expect("prunable")),
        [old]
    );
    assert_eq!(
        ids(store.prunable(Timestamp(10), None, 10).expect("prunable")),
        [parent],
        "ended exactly at the cutoff is not before it"
    );
    assert_eq!(
        ids(store.prunable(Timestamp(101), None, 10).expect("prunable")),
        [old, recent, parent]
    );

    // Not ended: refused even when asked for by id.
    let entry = audit_entry("ops", "retention.prune", None, 70);
    let removed = store
        .prune(&[old, running, parent], Some(entry))
        .expect("prune");
    assert_eq!(removed, [old, parent]);
    let records = store.audit_records(&AuditFilter::default()).expect("audit");
    assert_eq!(
        records
            .iter()
            .map(|r| (r.action.as_str(), r.detail.as_str()))
            .collect::<Vec<_>>(),
        [(
            "retention.prune",
            format!(r#"{{"instances":"2","removed":"{},{}"}}"#, old.0, parent.0).as_str()
        )],
        "the prune is recorded with what it removed, in its own transaction"
    );
    for gone in [old, parent] {
        assert!(store.instance(gone).expect("row").is_none());
        assert!(store.journal(gone).expect("journal").is_empty());
        assert!(store.variables(gone).expect("variables").is_empty());
        assert!(
            store
                .jobs(&JobFilter {
                    instance: Some(gone),
                    ..JobFilter::default()
                })
                .expect("jobs")
                .is_empty()
        );
        let tasks = TaskFilter {
            instance: Some(gone),
            include_closed: true,
            ..TaskFilter::default()
        };
        assert!(store.user_tasks(&tasks).expect("tasks").is_empty());
        let incidents = IncidentFilter {
            instance: Some(gone),
            include_resolved: true,
            ..IncidentFilter::default()
        };
        assert!(store.incidents(&incidents).expect("incidents").is_empty());
        assert!(
            store
                .timers(None)
                .expect("timers")
                .iter()
                .all(|t| t.instance != gone)
        );
        assert!(
            store
                .subscriptions("message", "m", None)
                .expect("subs")
                .iter()
                .all(|s| s.instance != gone)
        );
        let history = HistoryFilter::default();
        assert!(
            store
                .element_history(&history)
                .expect("history")
                .iter()
                .all(|r| r.instance != gone)
        );
    }
    for kept in [recent, running, orphan_child] {
        assert!(store.instance(kept).expect("row").is_some());
        assert_eq!(store.journal(kept).expect("journal").len(), 1);
        assert_eq!(store.variables(kept).expect("variables").len(), 1);
        assert_eq!(
            store
                .jobs(&JobFilter {
                    instance: Some(kept),
                    ..JobFilter::default()
                })
                .expect("jobs")
                .len(),
            1
        );
        assert!(
            store
                .timers(None)
                .expect("timers")
                .iter()
                .any(|t| t.instance == kept)
        );
        assert!(
            store
                .subscriptions("message", "m", None)
                .expect("subs")
                .iter()
                .any(|s| s.instance == kept)
        );
    }
    assert_eq!(
        store
            .element_history(&HistoryFilter::default())
            .expect("history")
            .len(),
        3
    );
    let llm = store.llm_stats(None).expect("llm stats");
    assert_eq!(
        llm.iter()
            .map(|s| (s.llm_calls, s.llm_decisions))
            .collect::<Vec<_>>(),
        [(3, 3)],
        "the pruned instances' calls and routes are gone, the kept ones' counted"
    );
    assert_eq!(
        store
            .prune(
                &[old],
                Some(audit_entry("ops", "retention.prune", None, 80))
            )
            .expect("prune again"),
        [],
        "pruning twice removes nothing"
    );
    assert_eq!(
        store.audit_head().expect("head").map(|h| h.seq),
        Some(1),
        "a prune that removed nothing is not recorded"
    );
    assert_eq!(
        store
            .instance(orphan_child)
            .expect("row")
            .and_then(|r| r.parent),
        Some(running)
    );
}

/// Metrics' counts: instances per process and state, incidents raised and open per
/// process, and ended element instances grouped by their duration.
pub fn counts_aggregate_the_projections<S: Store>(store: &mut S) {
    let first = store.reserve_instance_ids(3).expect("reserve");
    let ids = [first, InstanceId(first.0 + 1), InstanceId(first.0 + 2)];
    let element = |instance, key, id: &str, started: i64, ended: Option<i64>| ElementRow {
        instance,
        key: Key(key),
        element_id: id.into(),
        state: if ended.is_some() {
            "completed"
        } else {
            "activated"
        }
        .into(),
        started_at: Timestamp(started),
        ended_at: ended.map(Timestamp),
    };
    let incident = |instance, key, state: &str| IncidentRow {
        instance,
        key: Key(key),
        element_id: "work".into(),
        job: None,
        kind: "job_no_retries".into(),
        message: "gave up".into(),
        state: state.into(),
        created_at: Timestamp(5),
        resolved_at: None,
    };
    let batch = [
        append(
            ids[0],
            0,
            10,
            &[created(ids[0])],
            RowChanges {
                instance: Some(instance_row(ids[0], "completed", 10)),
                elements: vec![
                    element(ids[0], 2, "start", 0, Some(0)),
                    element(ids[0], 3, "work", 0, Some(40)),
                ],
                ..RowChanges::default()
            },
        ),
        append(
            ids[1],
            0,
            10,
            &[created(ids[1])],
            RowChanges {
                instance: Some(instance_row(ids[1], "incident", 10)),
                elements: vec![
                    element(ids[1], 2, "start", 5, Some(5)),
                    element(ids[1], 3, "work", 5, None),
                ],
                incidents: vec![incident(ids[1], 4, "open"), incident(ids[1], 5, "resolved")],
                ..RowChanges::default()
            },
        ),
        append(
            ids[2],
            0,
            10,
            &[created(ids[2])],
            RowChanges {
                instance: Some(InstanceRow {
                    process_id: "q".into(),
                    ..instance_row(ids[2], "active", 10)
                }),
                ..RowChanges::default()
            },
        ),
    ];
    store.commit(&batch, &[]).expect("commit");

    let counted = |process: &str, state: &str| InstanceCount {
        process_id: process.into(),
        state: state.into(),
        count: 1,
    };
    assert_eq!(
        store.instance_counts().expect("instance counts"),
        vec![
            counted("p", "completed"),
            counted("p", "incident"),
            counted("q", "active")
        ]
    );
    assert_eq!(
        store.incident_totals().expect("incident counts"),
        vec![IncidentCount {
            process_id: "p".into(),
            raised: 2,
            open: 1
        }]
    );
    let took = |element: &str, duration_ms, count| ElementDurations {
        process_id: "p".into(),
        version: 1,
        element_id: element.into(),
        duration_ms,
        count,
    };
    assert_eq!(
        store.element_durations().expect("durations"),
        vec![took("start", 0, 2), took("work", 40, 1)],
        "element instances still running are not counted"
    );
}

fn claim(resource: &str, units: u32, capacity: u32) -> crate::Claim {
    crate::Claim {
        resource: resource.into(),
        units,
        capacity,
    }
}

/// Holders take units of named resources all or nothing, up to each capacity; a holder
/// asking again renews what it holds; a release or a lapse frees the units.
pub fn resources_are_taken_all_or_nothing_until_released_or_lapsed<S: Store>(store: &mut S) {
    let (now, later) = (Timestamp(1_000), Timestamp(60_000));
    let exclusive = claim("deploy-env", 1, 1);
    assert!(
        store
            .try_acquire("a", std::slice::from_ref(&exclusive), now, later)
            .expect("take")
    );
    assert!(
        !store
            .try_acquire("b", std::slice::from_ref(&exclusive), now, later)
            .expect("busy")
    );
    // Asking again renews a hold rather than counting it twice.
    assert!(
        store
            .try_acquire("a", std::slice::from_ref(&exclusive), now, later)
            .expect("renew")
    );
    // All or nothing: b gets none of the gpus while deploy-env is taken.
    let both = [claim("gpu", 2, 3), exclusive.clone()];
    assert!(!store.try_acquire("b", &both, now, later).expect("busy"));
    assert_eq!(store.holders("gpu", now).expect("holders"), vec![]);
    assert!(
        store
            .try_acquire("c", &[claim("gpu", 2, 3)], now, later)
            .expect("2 of 3")
    );
    assert!(
        !store
            .try_acquire("d", &[claim("gpu", 2, 3)], now, later)
            .expect("1 left")
    );
    assert!(
        store
            .try_acquire("d", &[claim("gpu", 1, 3)], now, later)
            .expect("the last")
    );
    let holders: Vec<(String, u32)> = store
        .holders("gpu", now)
        .expect("holders")
        .into_iter()
        .map(|h| (h.holder, h.units))
        .collect();
    assert_eq!(holders, vec![("c".into(), 2), ("d".into(), 1)]);
    store.release("a").expect("release");
    assert!(
        store
            .try_acquire("b", std::slice::from_ref(&exclusive), now, later)
            .expect("free")
    );
    // A hold that lapsed counts for nothing: b's crashed process blocks no one for ever.
    assert_eq!(store.holders("deploy-env", later).expect("holders"), vec![]);
    assert!(
        store
            .try_acquire("e", &[exclusive], later, Timestamp(90_000))
            .expect("lapsed")
    );
    store.release("nobody").expect("releasing nothing is fine");
}

fn llm_call(
    instance: InstanceId,
    element_id: &str,
    cache_hit: bool,
    valid: bool,
    answered: bool,
) -> LlmCallRow {
    // A cached answer costs nothing: no request was sent.
    let paid = |n: u64| if cache_hit { 0 } else { n };
    LlmCallRow {
        instance,
        job: Key(9),
        process_id: "p".into(),
        element_id: element_id.into(),
        provider: "stub".into(),
        model: "stub-model-1".into(),
        tokens_in: paid(57),
        tokens_out: paid(19),
        cost_micros: paid(1_250),
        latency_ms: paid(150),
        cache_hit,
        valid,
        answered,
        at: Timestamp(5),
    }
}

fn decision_route(
    instance: InstanceId,
    key: u64,
    element_id: &str,
    route: &str,
) -> DecisionRouteRow {
    DecisionRouteRow {
        instance,
        key: Key(key),
        process_id: "p".into(),
        element_id: element_id.into(),
        route: route.into(),
        at: Timestamp(5),
    }
}

/// `baton llm stats`: decisions the rules made and those handed to the model, requests
/// sent (cache hits are none), answers the signature refused (a request that got no
/// answer is not one), tokens and cost, per process and element. A route whose element
/// the projection could not name (the task ended after an earlier activation) takes the
/// element instance's.
pub fn llm_stats_count_what_rules_and_models_did<S: Store>(store: &mut S) {
    let first = store.reserve_instance_ids(4).expect("reserve");
    let [ruled, asked, later, other] = [0, 1, 2, 3].map(|n| InstanceId(first.0 + n));
    let triage = |instance| vec![element(instance, 3, "triage", 1, Some(("completed", 5)))];
    instance_with(
        store,
        instance_row(ruled, "completed", 5),
        triage(ruled),
        RowChanges {
            decision_routes: vec![decision_route(ruled, 3, "triage", "rule")],
            ..RowChanges::default()
        },
    );
    // Refused, then valid; a timeout (no answer); an answer from the cache.
    instance_with(
        store,
        instance_row(asked, "completed", 5),
        triage(asked),
        RowChanges {
            decision_routes: vec![decision_route(asked, 3, "triage", "llm")],
            llm_calls: vec![
                llm_call(asked, "triage", false, false, true),
                llm_call(asked, "triage", false, true, true),
                llm_call(asked, "triage", false, false, false),
                llm_call(asked, "triage", true, true, true),
            ],
            ..RowChanges::default()
        },
    );
    // Activated by one append, routed by the next (its incident resolved), ended there.
    instance_with(
        store,
        instance_row(later, "incident", 1),
        vec![element(later, 3, "triage", 1, None)],
        RowChanges::default(),
    );
    let rerun = RowChanges {
        instance: Some(instance_row(later, "completed", 5)),
        // Only its state changes: the row has its element id from the first append.
        elements: vec![element(later, 3, "", 1, Some(("completed", 5)))],
        decision_routes: vec![decision_route(later, 3, "", "rule")],
        ..RowChanges::default()
    };
    store
        .commit(
            &[append(
                later,
                1,
                5,
                &[Event::ElementCompleted { key: Key(3) }],
                rerun,
            )],
            &[],
        )
        .expect("commit");
    // An LLM task of another process.
    instance_with(
        store,
        InstanceRow {
            process_id: "q".into(),
            ..instance_row(other, "completed", 5)
        },
        Vec::new(),
        RowChanges {
            llm_calls: vec![LlmCallRow {
                process_id: "q".into(),
                ..llm_call(other, "summarize", false, true, true)
            }],
            ..RowChanges::default()
        },
    );

    let triaged = LlmStats {
        process_id: "p".into(),
        element_id: "triage".into(),
        rule_decisions: 2,
        llm_decisions: 1,
        llm_calls: 3,
        cache_hits: 1,
        validation_failures: 1,
        tokens_in: 171,
        tokens_out: 57,
        cost_micros: 3_750,
    };
    let summarized = LlmStats {
        process_id: "q".into(),
        element_id: "summarize".into(),
        llm_calls: 1,
        tokens_in: 57,
        tokens_out: 19,
        cost_micros: 1_250,
        ..LlmStats::default()
    };
    assert_eq!(
        store.llm_stats(None).expect("all processes"),
        [triaged.clone(), summarized.clone()]
    );
    assert_eq!(
        triaged.calls_avoided(),
        3,
        "two rule decisions and a cache hit"
    );
    assert_eq!(
        store.llm_stats(Some("q")).expect("one process"),
        [summarized]
    );
    assert!(
        store
            .llm_stats(Some("nope"))
            .expect("no process")
            .is_empty(),
        "a process without LLM work has no rows"
    );
}

/// The LLM answer cache: an answer is found by its digest until it expires, a new answer
/// for the digest replaces the old one, and storing drops what has expired.
pub fn llm_answers_are_cached_until_they_expire<S: Store>(store: &mut S) {
    let answer = |digest: &str, text: &str| CachedAnswer {
        digest: digest.into(),
        provider: "stub".into(),
        model: "stub-model-1".into(),
        answer: text.into(),
        tokens_in: 57,
        tokens_out: 19,
    };
    assert_eq!(
        store.cached_answer("d1", Timestamp(0)).expect("lookup"),
        None
    );
    store
        .cache_answer(
            &answer("d1", r#"{"label":"bug"}"#),
            Timestamp(10),
            Timestamp(100),
        )
        .expect("cache");
    assert_eq!(
        store.cached_answer("d1", Timestamp(99)).expect("lookup"),
        Some(answer("d1", r#"{"label":"bug"}"#))
    );
    assert_eq!(
        store.cached_answer("d1", Timestamp(100)).expect("lookup"),
        None,
        "an answer is not used at or after its expiry"
    );
    store
        .cache_answer(
            &answer("d1", r#"{"label":"feature"}"#),
            Timestamp(20),
            Timestamp(200),
        )
        .expect("replace");
    assert_eq!(
        store
            .cached_answer("d1", Timestamp(150))
            .expect("lookup")
            .map(|a| a.answer),
        Some(r#"{"label":"feature"}"#.to_string())
    );
    store
        .cache_answer(&answer("d2", "{}"), Timestamp(10), Timestamp(50))
        .expect("cache");
    // Storing at 300 drops both expired entries; looking them up at an earlier time shows
    // they are gone, not just expired.
    store
        .cache_answer(&answer("d3", "{}"), Timestamp(300), Timestamp(400))
        .expect("cache");
    assert_eq!(
        store.cached_answer("d1", Timestamp(30)).expect("lookup"),
        None
    );
    assert_eq!(
        store.cached_answer("d2", Timestamp(30)).expect("lookup"),
        None
    );
    assert!(
        store
            .cached_answer("d3", Timestamp(300))
            .expect("lookup")
            .is_some()
    );
}

/// The instance list's filters: version, a process variable's current value (root scope
/// only), the business key and the start time, with the other filters and the cursor.
pub fn instances_filter_by_version_variables_and_start<S: Store>(store: &mut S) {
    let first = store.reserve_instance_ids(4).expect("reserve");
    let ids: Vec<InstanceId> = (0..4).map(|n| InstanceId(first.0 + n)).collect();
    for (n, &instance) in ids.iter().enumerate() {
        let variable = |scope: u64, name: &str, value: Value| VariableRow {
            instance,
            scope: Key(scope),
            name: name.into(),
            value,
        };
        let mut variables = vec![
            // The root scope is the instance's first key, 1 (see `InstanceState::empty`).
            variable(1, "amount", Value::from(if n < 2 { 750 } else { 20 })),
            // A subprocess's local variable is not a process variable.
            variable(7, "customer", "ACME".into()),
        ];
        if n != 3 {
            variables.push(variable(
                1,
                "businessKey",
                format!("order-{n}").as_str().into(),
            ));
        }
        let rows = RowChanges {
            instance: Some(InstanceRow {
                version: if n == 0 { 1 } else { 2 },
                ..instance_row(instance, "active", 100 * (n as i64 + 1))
            }),
            variables,
            ..RowChanges::default()
        };
        store
            .commit(&[append(instance, 0, 5, &[created(instance)], rows)], &[])
            .expect("commit");
    }
    let listed = |filter: InstanceFilter| {
        let rows = store.instances(&filter).expect("instances");
        rows.iter().map(|r| r.instance).collect::<Vec<_>>()
    };
    let version_2 = InstanceFilter {
        process_id: Some("p".into()),
        version: Some(2),
        ..InstanceFilter::default()
    };
    assert_eq!(listed(version_2.clone()), ids[1..]);
    let amount = |value: Value| InstanceFilter {
        variable: Some(("amount".into(), value)),
        ..InstanceFilter::default()
    };
    assert_eq!(listed(amount(Value::from(750))), ids[..2]);
    assert_eq!(listed(amount(Value::from(20))), ids[2..]);
    assert!(
        listed(amount("750".into())).is_empty(),
        "a string is not a number"
    );
    let local = InstanceFilter {
        variable: Some(("customer".into(), "ACME".into())),
        ..InstanceFilter::default()
    };
    assert!(listed(local).is_empty());
    let key = InstanceFilter {
        business_key: Some("order-2".into()),
        ..InstanceFilter::default()
    };
    assert_eq!(listed(key), ids[2..3]);
    let window = InstanceFilter {
        started_after: Some(Timestamp(200)),
        started_before: Some(Timestamp(400)),
        ..InstanceFilter::default()
    };
    assert_eq!(listed(window), ids[1..3]);
    let combined = InstanceFilter {
        variable: Some(("amount".into(), Value::from(750))),
        after: Some(ids[0]),
        limit: Some(5),
        ..version_2
    };
    assert_eq!(listed(combined), ids[1..2]);
}
