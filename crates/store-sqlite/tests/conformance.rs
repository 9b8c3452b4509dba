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
