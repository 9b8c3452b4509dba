//! The SQLite backend passes the store conformance suite, in memory and on disk.

#[test]
fn conformance_in_memory() {
    baton_store::testsuite::run_all(|| baton_store_sqlite::SqliteStore::in_memory().expect("open"));
}

#[test]
fn conformance_on_disk_with_full_durability() {
    let dir = tempfile::tempdir().expect("temp dir");
    let counter = std::cell::Cell::new(0);
    baton_store::testsuite::run_all(|| {
        counter.set(counter.get() + 1);
        let path = dir
            .path()
            .join(format!("nested/dir/store-{}.db", counter.get()));
        baton_store_sqlite::SqliteStore::open(&path, baton_store_sqlite::Durability::Full)
            .expect("open")
    });
}

#[test]
fn a_store_from_a_newer_baton_is_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("future.db");
    drop(
        baton_store_sqlite::SqliteStore::open(&path, baton_store_sqlite::Durability::Relaxed)
            .expect("create"),
    );
    let conn = rusqlite::Connection::open(&path).expect("open raw");
    conn.execute_batch("PRAGMA user_version = 99")
        .expect("bump version");
    drop(conn);
    let error =
        baton_store_sqlite::SqliteStore::open(&path, baton_store_sqlite::Durability::Relaxed)
            .expect_err("refused");
    assert!(error.to_string().contains("newer Baton"), "{error}");
}

fn definition(id: &str, source: &std::sync::Arc<str>) -> baton_store::NewDefinition {
    baton_store::NewDefinition {
        kind: baton_store::DefinitionKind::Process,
        id: id.into(),
        resource_name: "many.bpmn".into(),
        source: source.clone(),
        digest: "digest-of-many".into(),
        deployed_at: baton_core::Timestamp(1),
        start_timers: Vec::new(),
    }
}

#[test]
fn a_file_defining_many_processes_is_stored_once() {
    use baton_store::DeploymentStore as _;
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("many.db");
    let mut store =
        baton_store_sqlite::SqliteStore::open(&path, baton_store_sqlite::Durability::Relaxed)
            .expect("open");
    let source: std::sync::Arc<str> = "x".repeat(1 << 20).into();
    let definitions: Vec<_> = (0..200)
        .map(|n| definition(&format!("p{n}"), &source))
        .collect();
    store.deploy(&definitions, &[]).expect("deploy");
    let last = baton_store::DeploymentStore::definition(
        &store,
        baton_store::DefinitionKind::Process,
        "p199",
        None,
    )
    .expect("query")
    .expect("deployed");
    assert_eq!(last.source.len(), 1 << 20);
    drop(store);
    let size = std::fs::metadata(&path).expect("the store").len()
        + std::fs::metadata(dir.path().join("many.db-wal")).map_or(0, |m| m.len());
    assert!(
        size < 8 << 20,
        "200 definitions of one 1 MiB file take {size} bytes"
    );
}

#[test]
fn definitions_deployed_before_sources_were_shared_stay_readable() {
    use baton_store::DeploymentStore as _;
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("old.db");
    // A store as Baton wrote it before migration 7: each definition with its own source.
    let conn = rusqlite::Connection::open(&path).expect("open raw");
    for sql in [
        include_str!("../migrations/0001_initial.sql"),
        include_str!("../migrations/0002_definitions.sql"),
        include_str!("../migrations/0003_events.sql"),
        include_str!("../migrations/0004_start_timers.sql"),
        include_str!("../migrations/0005_tokens.sql"),
        include_str!("../migrations/0006_task_assignment.sql"),
    ] {
        conn.execute_batch(sql).expect("old schema");
    }
    conn.execute_batch(
        "PRAGMA user_version = 6;
         INSERT INTO definitions (kind, id, version, resource_name, source, digest, deployed_at)
         VALUES ('process', 'a', 1, 'ab.bpmn', '<ab/>', 'd-ab', 1),
                ('process', 'b', 1, 'ab.bpmn', '<ab/>', 'd-ab', 1),
                ('decision', 'c', 1, 'c.dmn', '<c/>', 'd-c', 1);",
    )
    .expect("old rows");
    drop(conn);
    let store =
        baton_store_sqlite::SqliteStore::open(&path, baton_store_sqlite::Durability::Relaxed)
            .expect("migrated");
    for (kind, id, source) in [
        (baton_store::DefinitionKind::Process, "a", "<ab/>"),
        (baton_store::DefinitionKind::Process, "b", "<ab/>"),
        (baton_store::DefinitionKind::Decision, "c", "<c/>"),
    ] {
        let stored = store
            .definition(kind, id, None)
            .expect("query")
            .expect("still deployed");
        assert_eq!(stored.source, source);
    }
}

/// Instances written before `instances.parent` existed get theirs from their journal's
/// `instance_created` event when the store is upgraded.
#[test]
fn an_upgraded_store_learns_each_instances_parent_from_its_journal() {
    use baton_core::{ElementRef, Event, InstanceId, Key, Timestamp};
    use baton_store::{Append, InstanceRow, JournalStore as _, QueryStore as _, RowChanges};

    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("old.db");
    let mut store =
        baton_store_sqlite::SqliteStore::open(&path, baton_store_sqlite::Durability::Relaxed)
            .expect("create");
    let (parent, child) = (InstanceId(1), InstanceId(2));
    for (instance, from) in [(parent, None), (child, Some(parent))] {
        let created = Event::InstanceCreated {
            instance,
            process_id: "p".into(),
            version: 1,
            parent: from.map(|instance| ElementRef {
                instance,
                element: Key(3),
            }),
            trace: None,
        };
        let row = InstanceRow {
            instance,
            process_id: "p".into(),
            version: 1,
            state: "active".into(),
            started_at: Timestamp(1),
            ended_at: None,
            updated_at: Timestamp(1),
            parent: from,
        };
        let append = Append {
            instance,
            first_seq: 0,
            at: Timestamp(1),
            events_json: serde_json::to_string(&[created]).expect("json"),
            rows: RowChanges {
                instance: Some(row),
                ..RowChanges::default()
            },
        };
        store.commit(&[append], &[]).expect("commit");
    }
    drop(store);
    // Back to the schema before the history migration (0010), undoing the later ones.
    let conn = rusqlite::Connection::open(&path).expect("open raw");
    conn.execute_batch(
        "DROP INDEX instances_by_version; DROP INDEX instances_by_start;
         DROP INDEX variables_by_value;
         DROP TABLE llm_cache; DROP TABLE llm_calls; DROP TABLE decision_routes;
         DROP TABLE resource_holds;
         DROP INDEX instances_by_end;
         DROP INDEX incidents_by_element; ALTER TABLE instances DROP COLUMN parent;
         PRAGMA user_version = 9",
    )
    .expect("downgrade");
    drop(conn);
    let store =
        baton_store_sqlite::SqliteStore::open(&path, baton_store_sqlite::Durability::Relaxed)
            .expect("upgrade");
    let parent_of = |i| store.instance(i).expect("row").and_then(|r| r.parent);
    assert_eq!((parent_of(parent), parent_of(child)), (None, Some(parent)));
}
