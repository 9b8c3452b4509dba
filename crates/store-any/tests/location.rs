//! `--db` text picks the backend once: URLs are PostgreSQL, everything else a SQLite file;
//! either backend behind `AnyStore` passes the store conformance suite.

use std::path::{Path, PathBuf};

use baton_store_any::{AnyStore, Durability, Location};

fn check(db: &str, expected: &Location) {
    assert_eq!(&Location::parse(Path::new(db)), expected, "{db}");
}

#[test]
fn urls_name_postgres_and_everything_else_is_a_file() {
    let postgres = |url: &str| Location::Postgres {
        url: url.into(),
        tenant: None,
    };
    for url in [
        "postgres://postgres@127.0.0.1:5432/test",
        "postgresql://u@db.example/baton",
        "POSTGRES://u@h/d",
    ] {
        check(url, &postgres(url));
    }
    for file in [
        "postgres:",
        "postgres",
        "./postgres://x",
        ".baton/baton.db",
        "/tmp/postgresql.db",
    ] {
        check(file, &Location::Sqlite(PathBuf::from(file)));
    }
}

#[test]
fn tenants_live_beside_the_file_or_in_a_schema_of_the_database() {
    let file = Location::parse(Path::new(".baton/baton.db"));
    assert_eq!(
        file.tenant("acme"),
        Location::Sqlite(PathBuf::from(".baton/baton.db.tenants/acme.db"))
    );
    let database = Location::parse(Path::new("postgres://u:secret@h/d"));
    let acme = database.tenant("acme");
    assert_eq!(
        acme,
        Location::Postgres {
            url: "postgres://u:secret@h/d".into(),
            tenant: Some("acme".into())
        }
    );
    assert_eq!(acme.to_string(), "postgres://u:***@h/d (tenant acme)");
    assert_eq!(format!("{database:?}"), "Location(postgres://u:***@h/d)");
}

#[test]
fn long_tenant_ids_keep_distinct_schemas_within_postgres_limit() {
    let long_a = "a".repeat(64);
    let long_b = format!("{}b", "a".repeat(63));
    let (a, b) = (
        baton_store_postgres::tenant_schema(&long_a),
        baton_store_postgres::tenant_schema(&long_b),
    );
    assert!(a.len() <= 63 && b.len() <= 63, "{a} {b}");
    assert_ne!(a, b);
    assert_eq!(
        baton_store_postgres::tenant_schema("acme"),
        "baton_tenant_acme"
    );
}

#[test]
fn any_store_on_sqlite_passes_the_conformance_suite() {
    let dir = tempfile::tempdir().expect("temp dir");
    let counter = std::cell::Cell::new(0);
    baton_store::testsuite::run_all(|| {
        counter.set(counter.get() + 1);
        let location = Location::Sqlite(dir.path().join(format!("s{}.db", counter.get())));
        location.open(Durability::Relaxed).expect("open")
    });
    assert!(AnyStore::in_memory().expect("open").is_in_memory());
}
