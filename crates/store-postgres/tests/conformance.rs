//! The PostgreSQL backend passes the store conformance suite, against the database named
//! by `BATON_TEST_PG_URL` (say `postgres://postgres@127.0.0.1:5432/test`). Every
//! store gets a schema of its own, dropped when the test ends, so runs never collide.
//! Without the variable each test prints a loud notice and passes: `.ci/run` sets it and
//! checks first that PostgreSQL answers, so CI never skips.

use baton_core::{Event, InstanceId, Timestamp};
use baton_store::{
    Append, DeploymentStore as _, Error, InstanceRow, JournalStore as _, NewDefinition,
    QueryStore as _, RowChanges, StartTimerFired,
};
use baton_store::{Claim, EventStore as _, ResourceStore as _};
use baton_store::{KEPT_TABLES, PRUNED_TABLES};
use baton_store_postgres::PgStore;

mod support;

use support::Schemas;

#[test]
fn conformance() {
    let Some(schemas) = Schemas::for_test("conformance") else {
        return;
    };
    baton_store::testsuite::run_all(|| schemas.store());
}

#[test]
fn a_store_from_a_newer_baton_is_refused() {
    let Some(schemas) = Schemas::for_test("a_store_from_a_newer_baton_is_refused") else {
        return;
    };
    let store = schemas.store();
    let schema = store.schema().to_string();
    drop(store);
    schemas
        .client()
        .batch_execute(&format!(
            "UPDATE \"{schema}\".schema_version SET version = 99"
        ))
        .expect("bump version");
    let error = PgStore::connect_schema(&schemas.url, &schema).expect_err("refused");
    assert!(error.to_string().contains("newer Baton"), "{error}");
}

#[test]
fn opening_again_keeps_what_was_stored() {
    let Some(schemas) = Schemas::for_test("opening_again_keeps_what_was_stored") else {
        return;
    };
    let mut store = schemas.store();
    let schema = store.schema().to_string();
    store
        .deploy(&[process("p", "v1", Vec::new())], &[])
        .expect("deploy");
    drop(store);
    let store = PgStore::connect_schema(&schemas.url, &schema).expect("reopen");
    let stored = store
        .definition(baton_store::DefinitionKind::Process, "p", None)
        .expect("query");
    assert_eq!(
        stored.map(|d| (d.version, d.source)),
        Some((1, "v1".into()))
    );
}

/// Every table with an `instance` column is either pruned or deliberately kept, so a new
/// projection cannot leave rows of pruned instances behind unnoticed.
#[test]
fn every_table_keyed_by_instance_is_pruned_or_kept_on_purpose() {
    let Some(schemas) =
        Schemas::for_test("every_table_keyed_by_instance_is_pruned_or_kept_on_purpose")
    else {
        return;
    };
    let store = schemas.store();
    let rows = schemas
        .client()
        .query(
            "SELECT table_name::TEXT FROM information_schema.columns
             WHERE table_schema = $1 AND column_name = 'instance' ORDER BY table_name",
            &[&store.schema()],
        )
        .expect("columns");
    let keyed: Vec<String> = rows.iter().map(|r| r.get(0)).collect();
    let mut known: Vec<&str> = PRUNED_TABLES.iter().chain(KEPT_TABLES).copied().collect();
    known.sort_unstable();
    assert_eq!(keyed, known);
}

fn process(id: &str, source: &str, start_timers: Vec<(String, Timestamp)>) -> NewDefinition {
    NewDefinition {
        kind: baton_store::DefinitionKind::Process,
        id: id.into(),
        resource_name: format!("{id}.bpmn"),
        source: source.into(),
        digest: format!("digest-of-{source}"),
        deployed_at: Timestamp(1),
        start_timers,
    }
}

fn started(instance: InstanceId, fired: Option<StartTimerFired>) -> Append {
    let created = Event::InstanceCreated {
        instance,
        process_id: "p".into(),
        version: 1,
        parent: None,
        trace: None,
    };
    Append {
        instance,
        first_seq: 0,
        at: Timestamp(1),
        events_json: serde_json::to_string(&[created]).expect("json"),
        rows: RowChanges {
            instance: Some(InstanceRow {
                instance,
                process_id: "p".into(),
                version: 1,
                state: "active".into(),
                started_at: Timestamp(1),
                ended_at: None,
                updated_at: Timestamp(1),
                parent: None,
            }),
            start_timer_fired: fired,
            ..RowChanges::default()
        },
    }
}

/// Two processes on one database, each with its own connection: where one SQLite writer
/// made a race impossible, the second writer here must fail or find nothing, whichever
/// commits first.
#[test]
fn two_connections_never_both_win() {
    let Some(schemas) = Schemas::for_test("two_connections_never_both_win") else {
        return;
    };
    let mut a = schemas.store();
    let mut b = PgStore::connect_schema(&schemas.url, a.schema()).expect("second connection");

    // Ids reserved through either connection never overlap.
    let first = a.reserve_instance_ids(5).expect("reserve");
    let second = b.reserve_instance_ids(5).expect("reserve");
    assert!(second.0 >= first.0 + 5, "{first} then {second}");

    // Both append the same journal position: the second is a conflict.
    let instance = a.reserve_instance_ids(1).expect("reserve");
    a.commit(&[started(instance, None)], &[])
        .expect("first writer");
    assert!(matches!(
        b.commit(&[started(instance, None)], &[]),
        Err(Error::Conflict(_))
    ));

    // Both fire the start timer they read: one instance is started.
    a.deploy(
        &[process("p", "timed", vec![("tick".into(), Timestamp(5))])],
        &[],
    )
    .expect("deploy");
    let timer = b.start_timers().expect("read")[0].clone();
    let fired = || StartTimerFired {
        timer: timer.clone(),
        next_due: Some(Timestamp(10)),
    };
    let (one, two) = (
        a.reserve_instance_ids(1).expect("reserve"),
        b.reserve_instance_ids(1).expect("reserve"),
    );
    a.commit(&[started(one, Some(fired()))], &[])
        .expect("fires");
    assert!(matches!(
        b.commit(&[started(two, Some(fired()))], &[]),
        Err(Error::StartTimerTaken { .. })
    ));
    assert!(b.instance(two).expect("row").is_none());

    // A buffered message is taken once.
    let message = baton_store::BufferedMessage {
        id: 0,
        name: "paid".into(),
        correlation_key: "o-1".into(),
        variables: baton_feel::Value::Null,
        published_at: Timestamp(1),
        expires_at: Timestamp(100),
    };
    a.buffer_message(&message).expect("buffer");
    let taken_a = a.take_message("paid", "o-1", Timestamp(2)).expect("take");
    let taken_b = b.take_message("paid", "o-1", Timestamp(2)).expect("take");
    assert_eq!((taken_a.is_some(), taken_b.is_some()), (true, false));

    // An exclusive resource goes to one holder.
    let exclusive = [Claim {
        resource: "env".into(),
        units: 1,
        capacity: 1,
    }];
    let (now, until) = (Timestamp(1), Timestamp(1_000));
    assert!(a.try_acquire("x", &exclusive, now, until).expect("take"));
    assert!(!b.try_acquire("y", &exclusive, now, until).expect("busy"));
}

/// Many threads, each with its own connection, firing one start timer and taking one
/// message at the same moment: exactly one wins each race.
#[test]
fn concurrent_writers_race_for_one_firing_and_one_message() {
    let Some(schemas) = Schemas::for_test("concurrent_writers_race_for_one_firing_and_one_message")
    else {
        return;
    };
    let mut setup = schemas.store();
    setup
        .deploy(
            &[process("p", "timed", vec![("tick".into(), Timestamp(5))])],
            &[],
        )
        .expect("deploy");
    let message = baton_store::BufferedMessage {
        id: 0,
        name: "paid".into(),
        correlation_key: "o-1".into(),
        variables: baton_feel::Value::Null,
        published_at: Timestamp(1),
        expires_at: Timestamp(100),
    };
    setup.buffer_message(&message).expect("buffer");
    let timer = setup.start_timers().expect("read")[0].clone();
    let schema = setup.schema().to_string();
    let barrier = std::sync::Barrier::new(6);
    let results: Vec<(bool, bool)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..6)
            .map(|_| {
                let (url, schema, timer, barrier) = (&schemas.url, &schema, &timer, &barrier);
                scope.spawn(move || {
                    let mut store = PgStore::connect_schema(url, schema).expect("connect");
                    let instance = store.reserve_instance_ids(1).expect("reserve");
                    let fired = StartTimerFired {
                        timer: timer.clone(),
                        next_due: None,
                    };
                    barrier.wait();
                    let fired = store.commit(&[started(instance, Some(fired))], &[]).is_ok();
                    let took = store
                        .take_message("paid", "o-1", Timestamp(2))
                        .expect("take")
                        .is_some();
                    (fired, took)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("thread"))
            .collect()
    });
    assert_eq!(results.iter().filter(|r| r.0).count(), 1, "{results:?}");
    assert_eq!(results.iter().filter(|r| r.1).count(), 1, "{results:?}");
    let instances = setup
        .instances(&baton_store::InstanceFilter::default())
        .expect("instances");
    assert_eq!(instances.len(), 1);
}

/// A tenant's store is a schema of its own in the same database, found again by its id.
#[test]
fn tenants_have_a_schema_each_and_are_found_again() {
    let Some(schemas) = Schemas::for_test("tenants_have_a_schema_each_and_are_found_again") else {
        return;
    };
    let tenants: Vec<String> = (0..2)
        .map(|n| format!("t{}-{n}", schemas.fresh_name().replace('_', "-")))
        .collect();
    for tenant in &tenants {
        let schema = baton_store_postgres::tenant_schema(tenant);
        schemas.made.borrow_mut().push(schema.clone());
        let mut store = PgStore::connect_tenant(&schemas.url, tenant).expect("tenant store");
        assert_eq!(
            (store.schema(), store.tenant()),
            (schema.as_str(), Some(tenant.as_str()))
        );
        store
            .deploy(&[process("p", tenant, Vec::new())], &[])
            .expect("deploy");
    }
    let found = PgStore::tenants(&schemas.url).expect("tenants");
    for tenant in &tenants {
        assert!(found.contains(tenant), "{tenant} in {found:?}");
    }
    // Each tenant sees its own deployment only.
    let store = PgStore::connect_tenant(&schemas.url, &tenants[0]).expect("reopen");
    let source = store
        .definition(baton_store::DefinitionKind::Process, "p", None)
        .expect("query")
        .map(|d| d.source);
    assert_eq!(source.as_deref(), Some(tenants[0].as_str()));
}
