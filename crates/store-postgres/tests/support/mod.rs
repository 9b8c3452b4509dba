//! What the PostgreSQL tests share: the database `BATON_TEST_PG_URL` names (a loud
//! notice and a skip without it) and schemas of their own, dropped when a test ends.
#![allow(dead_code)] // each test file uses its part

use std::io::Write as _;
use std::sync::atomic::{AtomicU32, Ordering};

use baton_store_postgres::PgStore;

const URL_VARIABLE: &str = "BATON_TEST_PG_URL";

fn url(test: &str) -> Option<String> {
    match std::env::var(URL_VARIABLE) {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            // Straight to the process's stderr: the test harness hides what `eprintln!`
            // prints in a test that passes, and this must be seen.
            let _ = writeln!(
                std::io::stderr(),
                "\n*** {test}: skipped: {URL_VARIABLE} is not set (e.g. \
                 postgres://postgres@127.0.0.1:5432/test); the PostgreSQL store was NOT tested ***\n"
            );
            None
        }
    }
}

/// Schemas made for one test, dropped (with everything in them) when it ends, failed
/// or not.
pub struct Schemas {
    pub url: String,
    pub made: std::cell::RefCell<Vec<String>>,
}

impl Schemas {
    /// The schemas of the test `test`, or `None` (after a loud notice) when no database
    /// is named.
    pub fn for_test(test: &str) -> Option<Schemas> {
        Some(Schemas {
            url: url(test)?,
            made: std::cell::RefCell::new(Vec::new()),
        })
    }

    /// A name no other test or run uses.
    pub fn fresh_name(&self) -> String {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let name = format!(
            "baton_test_{}_{}_{nanos}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        self.made.borrow_mut().push(name.clone());
        name
    }

    pub fn store(&self) -> PgStore {
        PgStore::connect_schema(&self.url, &self.fresh_name()).expect("connect")
    }

    pub fn client(&self) -> postgres::Client {
        postgres::Client::connect(&self.url, postgres::NoTls).expect("connect")
    }
}

impl Drop for Schemas {
    fn drop(&mut self) {
        let Ok(mut client) = postgres::Client::connect(&self.url, postgres::NoTls) else {
            return;
        };
        for schema in self.made.borrow().iter() {
            let _ = client.batch_execute(&format!("DROP SCHEMA IF EXISTS \"{schema}\" CASCADE"));
        }
    }
}
