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
