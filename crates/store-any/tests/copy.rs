//! `baton_store_any::copy`: a SQLite store filled by the conformance suite's stories reads
//! the same through every store query after it was copied into PostgreSQL (exact decimals,
//! booleans, NULLs, the audit chain). Runs when `BATON_TEST_PG_URL` is set.

use std::io::Write as _;

use baton_core::InstanceId;
use baton_store::audit::AuditFilter;
use baton_store::testsuite;
use baton_store::{
    AuditStore as _, DefinitionKind, DeploymentStore as _, HistoryStore as _, IncidentFilter,
    InstanceFilter, JobFilter, JournalStore as _, QueryStore as _, TaskFilter, TokenStore as _,
};
use baton_store_any::{Loaded, PgStore, SqliteStore};

#[test]
fn a_copied_store_answers_every_query_as_the_original() {
    let Some(url) = std::env::var("BATON_TEST_PG_URL")
        .ok()
        .filter(|u| !u.is_empty())
    else {
        let _ = writeln!(
            std::io::stderr(),
            "\n*** a_copied_store_answers_every_query_as_the_original: skipped: \
             BATON_TEST_PG_URL is not set; the copy to PostgreSQL was NOT tested ***\n"
        );
        return;
    };
    let mut sqlite = SqliteStore::in_memory().expect("sqlite");
    testsuite::tokens_are_found_by_hash_until_revoked(&mut sqlite);
    testsuite::audit_records_chain_with_the_changes_they_describe(&mut sqlite);
    testsuite::projections_follow_appends(&mut sqlite);
    testsuite::llm_stats_count_what_rules_and_models_did(&mut sqlite);

    let schema = format!("baton_copy_test_{}", std::process::id());
    let dropped = DropSchema(url.clone(), schema.clone());
    let mut pg = PgStore::connect_schema(&url, &schema).expect("postgres");
    let loaded = baton_store_any::copy(&mut sqlite, &mut pg).expect("copy");
    assert!(matches!(loaded, Loaded::Copied(_)), "{loaded:?}");

    let all = InstanceFilter::default();
    let instances = sqlite.instances(&all).expect("instances");
    assert!(!instances.is_empty());
    assert_eq!(pg.instances(&all).expect("instances"), instances);
    for row in &instances {
        let id: InstanceId = row.instance;
        assert_eq!(
            pg.journal(id).expect("journal"),
            sqlite.journal(id).expect("journal")
        );
        assert_eq!(
            pg.variables(id).expect("vars"),
            sqlite.variables(id).expect("vars")
        );
    }
    let tasks = TaskFilter {
        include_closed: true,
        ..TaskFilter::default()
    };
    assert_eq!(
        pg.user_tasks(&tasks).expect("tasks"),
        sqlite.user_tasks(&tasks).expect("tasks")
    );
    let incidents = IncidentFilter {
        include_resolved: true,
        ..IncidentFilter::default()
    };
    assert_eq!(
        pg.incidents(&incidents).expect("incidents"),
        sqlite.incidents(&incidents).expect("incidents")
    );
    let jobs = JobFilter::default();
    assert_eq!(
        pg.jobs(&jobs).expect("jobs"),
        sqlite.jobs(&jobs).expect("jobs")
    );
    assert_eq!(
        pg.llm_stats(None).expect("llm"),
        sqlite.llm_stats(None).expect("llm")
    );
    assert_eq!(
        pg.tokens(None).expect("tokens"),
        sqlite.tokens(None).expect("tokens")
    );
    assert_eq!(
        pg.definitions(DefinitionKind::Process)
            .expect("definitions"),
        sqlite
            .definitions(DefinitionKind::Process)
            .expect("definitions")
    );
    let history = baton_store::HistoryFilter::default();
    assert_eq!(
        pg.element_history(&history).expect("history"),
        sqlite.element_history(&history).expect("history")
    );
    let audit = AuditFilter::default();
    let records = pg.audit_records(&audit).expect("audit");
    assert_eq!(records, sqlite.audit_records(&audit).expect("audit"));
    let verdict =
        baton_store::audit::verify(&records, pg.audit_head().expect("head").as_ref(), None);
    assert!(verdict.ok, "{verdict:?}");
    // Ids go on after the copied ones.
    let next = pg.reserve_instance_ids(1).expect("reserve");
    assert_eq!(next, sqlite.reserve_instance_ids(1).expect("reserve"));

    // A second copy finds the target full and writes nothing.
    let again = baton_store_any::copy(&mut sqlite, &mut pg).expect("copy again");
    assert!(matches!(again, Loaded::NotEmpty { .. }), "{again:?}");
    drop(pg);
    drop(dropped);
}

/// Drops the test's schema when the test ends, passed or not.
struct DropSchema(String, String);

impl Drop for DropSchema {
    fn drop(&mut self) {
        if let Ok(mut client) = postgres::Client::connect(&self.0, postgres::NoTls) {
            let _ = client.batch_execute(&format!("DROP SCHEMA IF EXISTS \"{}\" CASCADE", self.1));
        }
    }
}
