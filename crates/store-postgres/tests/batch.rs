//! A commit writes a whole batch in one statement per table: what the batch leaves must be
//! what writing its appends one by one would have left, where one batch touches one row
//! several times, and nothing at all when one append conflicts.

use baton_core::{Event, InstanceId, Key, Timestamp};
use baton_feel::Value;
use baton_store::{
    Append, ElementRow, Error, EventStore as _, InstanceRow, JobFilter, JobRow, JournalStore as _,
    QueryStore as _, RowChanges, SubscriptionRow, TaskFilter, TimerRow, UserTaskRow, VariableRow,
};
use baton_store_postgres::PgStore;

mod support;

use support::Schemas;

fn instance_row(instance: InstanceId, state: &str, at: i64) -> InstanceRow {
    InstanceRow {
        instance,
        process_id: "p".into(),
        version: 1,
        state: state.into(),
        started_at: Timestamp(1),
        ended_at: (state != "active").then_some(Timestamp(at)),
        updated_at: Timestamp(at),
        parent: None,
    }
}

fn append(instance: InstanceId, first_seq: u64, rows: RowChanges) -> Append {
    let event = Event::InstanceCreated {
        instance,
        process_id: "p".into(),
        version: 1,
        parent: None,
        trace: None,
    };
    Append {
        instance,
        first_seq,
        at: Timestamp(1),
        events_json: serde_json::to_string(&[event]).expect("json"),
        rows,
    }
}

fn job(instance: InstanceId, key: u64, retries: u32, worker: Option<&str>) -> JobRow {
    JobRow {
        instance,
        key: Key(key),
        element_id: "work".into(),
        job_type: "t".into(),
        retries,
        state: "ready".into(),
        due: Timestamp(1),
        error: None,
        worker: worker.map(String::from),
        lease_deadline: None,
    }
}

fn task(instance: InstanceId, state: &str, assignee: Option<&str>) -> UserTaskRow {
    UserTaskRow {
        instance,
        key: Key(7),
        element_id: "review".into(),
        name: Some("Review".into()),
        process_id: "p".into(),
        state: state.into(),
        assignee: assignee.map(String::from),
        candidate_groups: vec!["staff".into()],
        candidate_users: Vec::new(),
        created_at: Timestamp(1),
        ended_at: (state != "open").then_some(Timestamp(3)),
    }
}

fn variable(instance: InstanceId, scope: u64, value: i64) -> VariableRow {
    VariableRow {
        instance,
        scope: Key(scope),
        name: "x".into(),
        value: Value::from(value),
    }
}

fn element(instance: InstanceId, element_id: &str, state: &str) -> ElementRow {
    ElementRow {
        instance,
        key: Key(2),
        element_id: element_id.into(),
        state: state.into(),
        started_at: Timestamp(1),
        ended_at: (state == "completed").then_some(Timestamp(3)),
    }
}

fn element_rows(schemas: &Schemas, store: &PgStore) -> Vec<(i64, String, String, Option<i64>)> {
    schemas
        .client()
        .query(
            &format!(
                "SELECT key, element_id, state, ended_at FROM \"{}\".element_instances ORDER BY key",
                store.schema()
            ),
            &[],
        )
        .expect("elements")
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3)))
        .collect()
}

/// Three appends of one instance in one batch each change the same rows: the last change
/// of each column is what stays, the columns set at insertion are the first append's, and
/// a closed task keeps the assignee its open row had.
#[test]
fn several_appends_of_one_instance_in_one_batch() {
    let Some(schemas) = Schemas::for_test("several_appends_of_one_instance_in_one_batch") else {
        return;
    };
    let mut store = schemas.store();
    let i = store.reserve_instance_ids(1).expect("reserve");
    let first = append(
        i,
        0,
        RowChanges {
            instance: Some(instance_row(i, "active", 1)),
            elements: vec![element(i, "work", "activated")],
            jobs: vec![job(i, 3, 3, None)],
            user_tasks: vec![task(i, "open", Some("ann"))],
            variables: vec![variable(i, 0, 1), variable(i, 2, 10)],
            timers: vec![TimerRow {
                instance: i,
                key: Key(4),
                element_id: "wait".into(),
                due: Timestamp(50),
            }],
            trace_through: Some(0),
            ..RowChanges::default()
        },
    );
    let second = append(
        i,
        1,
        RowChanges {
            instance: Some(instance_row(i, "active", 2)),
            jobs: vec![job(i, 3, 2, Some("w-1"))],
            variables: vec![variable(i, 0, 2)],
            timers: vec![TimerRow {
                instance: i,
                key: Key(4),
                element_id: String::new(),
                due: Timestamp(60),
            }],
            trace_through: Some(1),
            ..RowChanges::default()
        },
    );
    let third = append(
        i,
        2,
        RowChanges {
            instance: Some(instance_row(i, "completed", 3)),
            // Only the state changes: the projection leaves the element id empty.
            elements: vec![element(i, "", "completed")],
            user_tasks: vec![task(i, "completed", None)],
            variables: vec![variable(i, 0, 3)],
            scopes_removed: vec![Key(2)],
            trace_through: Some(2),
            ..RowChanges::default()
        },
    );
    store
        .commit(&[first, second, third], &[])
        .expect("one batch");

    let journal = store.journal(i).expect("journal");
    assert_eq!(journal.iter().map(|r| r.seq).collect::<Vec<_>>(), [0, 1, 2]);
    assert_eq!(
        store.instance(i).expect("row"),
        Some(instance_row(i, "completed", 3))
    );
    assert_eq!(
        element_rows(&schemas, &store),
        [(2, "work".into(), "completed".into(), Some(3))]
    );
    let jobs = store.jobs(&JobFilter::default()).expect("jobs");
    assert_eq!(jobs, [job(i, 3, 2, Some("w-1"))]);
    let tasks = store
        .user_tasks(&TaskFilter {
            include_closed: true,
            ..TaskFilter::default()
        })
        .expect("tasks");
    assert_eq!(tasks.len(), 1);
    assert_eq!(
        (tasks[0].state.as_str(), tasks[0].assignee.as_deref()),
        ("completed", Some("ann"))
    );
    // Scope 2 ended in the batch; the instance's own variable holds its last value.
    assert_eq!(store.variables(i).expect("variables"), [variable(i, 0, 3)]);
    let timers = store.timers(None).expect("timers");
    assert_eq!(
        timers
            .iter()
            .map(|t| (&*t.element_id, t.due))
            .collect::<Vec<_>>(),
        [("wait", Timestamp(60))]
    );
    let outbox = schemas
        .client()
        .query_one(
            &format!(
                "SELECT from_seq, to_seq FROM \"{}\".trace_outbox WHERE instance = $1",
                store.schema()
            ),
            &[&i64::try_from(i.0).expect("id")],
        )
        .expect("outbox");
    assert_eq!((outbox.get::<_, i64>(0), outbox.get::<_, i64>(1)), (0, 2));
}

/// A job, timer, subscription and variable scope made by one append and removed by the
/// next in the same batch leave no row; a row of an earlier batch is removed too, and the
/// table's other rows written by the batch stay.
#[test]
fn a_row_upserted_then_removed_in_one_batch_is_gone() {
    let Some(schemas) = Schemas::for_test("a_row_upserted_then_removed_in_one_batch_is_gone")
    else {
        return;
    };
    let mut store = schemas.store();
    let i = store.reserve_instance_ids(1).expect("reserve");
    let subscription = SubscriptionRow {
        instance: i,
        key: Key(5),
        element_id: "paid".into(),
        kind: "message".into(),
        name: "paid".into(),
        correlation_key: Some("o-1".into()),
    };
    // An earlier batch: job 9 exists before.
    store
        .commit(
            &[append(
                i,
                0,
                RowChanges {
                    instance: Some(instance_row(i, "active", 1)),
                    jobs: vec![job(i, 9, 3, None)],
                    ..RowChanges::default()
                },
            )],
            &[],
        )
        .expect("first batch");
    let made = append(
        i,
        1,
        RowChanges {
            instance: Some(instance_row(i, "active", 2)),
            jobs: vec![job(i, 3, 3, None), job(i, 4, 3, None)],
            variables: vec![variable(i, 2, 1)],
            timers: vec![TimerRow {
                instance: i,
                key: Key(6),
                element_id: "wait".into(),
                due: Timestamp(50),
            }],
            subscriptions: vec![subscription.clone()],
            ..RowChanges::default()
        },
    );
    let removed = append(
        i,
        2,
        RowChanges {
            instance: Some(instance_row(i, "active", 3)),
            jobs: vec![job(i, 4, 1, Some("w"))],
            jobs_removed: vec![Key(3), Key(9)],
            scopes_removed: vec![Key(2)],
            timers_removed: vec![Key(6)],
            subscriptions_removed: vec![Key(5)],
            ..RowChanges::default()
        },
    );
    store.commit(&[made, removed], &[]).expect("second batch");
    assert_eq!(
        store.jobs(&JobFilter::default()).expect("jobs"),
        [job(i, 4, 1, Some("w"))]
    );
    assert!(store.variables(i).expect("variables").is_empty());
    assert!(store.timers(None).expect("timers").is_empty());
    assert!(
        store
            .subscriptions("message", "paid", None)
            .expect("subscriptions")
            .is_empty()
    );

    // Within one append, as before: a row the append writes and removes is removed.
    store
        .commit(
            &[append(
                i,
                3,
                RowChanges {
                    instance: Some(instance_row(i, "active", 4)),
                    jobs: vec![job(i, 8, 3, None)],
                    jobs_removed: vec![Key(8)],
                    subscriptions: vec![subscription],
                    ..RowChanges::default()
                },
            )],
            &[],
        )
        .expect("third batch");
    assert_eq!(
        store.jobs(&JobFilter::default()).expect("jobs"),
        [job(i, 4, 1, Some("w"))]
    );
    assert_eq!(
        store
            .subscriptions("message", "paid", Some("o-1"))
            .expect("subscriptions")
            .len(),
        1
    );
}

/// One conflicting append in the middle of a batch fails the batch with a conflict on
/// that instance, and none of the batch's appends (before or after it) is written; two
/// appends at one position within a batch conflict too.
#[test]
fn a_conflict_in_the_middle_of_a_batch_writes_nothing() {
    let Some(schemas) = Schemas::for_test("a_conflict_in_the_middle_of_a_batch_writes_nothing")
    else {
        return;
    };
    let mut store = schemas.store();
    let first = store.reserve_instance_ids(3).expect("reserve");
    let [a, b, c] = [first, InstanceId(first.0 + 1), InstanceId(first.0 + 2)];
    let started = |i: InstanceId, seq: u64| {
        append(
            i,
            seq,
            RowChanges {
                instance: Some(instance_row(i, "active", 1)),
                jobs: vec![job(i, 3, 3, None)],
                ..RowChanges::default()
            },
        )
    };
    store.commit(&[started(b, 0)], &[]).expect("b exists");

    let error = store
        .commit(&[started(a, 0), started(b, 0), started(c, 0)], &[])
        .expect_err("b conflicts");
    assert!(matches!(error, Error::Conflict(i) if i == b), "{error}");
    for i in [a, c] {
        assert!(store.journal(i).expect("journal").is_empty());
        assert!(store.instance(i).expect("row").is_none());
    }
    assert_eq!(store.jobs(&JobFilter::default()).expect("jobs").len(), 1);

    let error = store
        .commit(&[started(a, 0), started(a, 0)], &[])
        .expect_err("one position twice");
    assert!(matches!(error, Error::Conflict(i) if i == a), "{error}");
    assert!(store.journal(a).expect("journal").is_empty());

    // The batch without the conflict goes through.
    store
        .commit(&[started(c, 0), started(a, 0), started(b, 1)], &[])
        .expect("no conflict");
    assert_eq!(store.journal(b).expect("journal").len(), 2);
}
