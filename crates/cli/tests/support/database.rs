//! A PostgreSQL database of a test's own, beside the one `BATON_TEST_PG_URL` names.

use std::io::Write as _;

const URL_VARIABLE: &str = "BATON_TEST_PG_URL";

/// A database of its own, dropped (with everything in it) when the test ends.
pub struct Database {
    admin_url: String,
    name: String,
    pub url: String,
}

impl Database {
    pub fn for_test(test: &str) -> Option<Database> {
        let Some(admin_url) = std::env::var(URL_VARIABLE).ok().filter(|u| !u.is_empty()) else {
            // Straight to stderr: the harness hides `eprintln!` of a passing test.
            let _ = writeln!(
                std::io::stderr(),
                "\n*** {test}: skipped: {URL_VARIABLE} is not set (e.g. \
                 postgres://postgres@127.0.0.1:5432/test); this PostgreSQL test did NOT run ***\n"
            );
            return None;
        };
        let name = format!("baton_cli_{}_{test}", std::process::id());
        let (base, query) = match admin_url.split_once('?') {
            Some((base, query)) => (base, format!("?{query}")),
            None => (admin_url.as_str(), String::new()),
        };
        let server = base.rsplit_once('/').map_or(base, |(server, _)| server);
        let url = format!("{server}/{name}{query}");
        let database = Database {
            admin_url: admin_url.clone(),
            name,
            url,
        };
        database.admin(&format!("DROP DATABASE IF EXISTS {}", database.name));
        database.admin(&format!("CREATE DATABASE {}", database.name));
        Some(database)
    }

    pub fn admin(&self, sql: &str) {
        let mut client =
            postgres::Client::connect(&self.admin_url, postgres::NoTls).expect("connect");
        client.batch_execute(sql).expect(sql);
    }

    /// The address of the cluster node owning `instance`'s partition, if one does.
    pub fn owner(&self, instance: u64) -> Option<String> {
        let mut client = postgres::Client::connect(&self.url, postgres::NoTls).expect("connect");
        let partition = i32::try_from(instance % 32).expect("small");
        client
            .query_opt(
                "SELECT n.address FROM partitions p JOIN cluster_nodes n ON n.id = p.owner
                 WHERE p.partition = $1 AND p.lease_until > now()",
                &[&partition],
            )
            .expect("owner")
            .map(|row| row.get(0))
    }

    /// How many partitions each cluster node holds, sorted.
    pub fn shares(&self) -> Vec<i64> {
        let mut client = postgres::Client::connect(&self.url, postgres::NoTls).expect("connect");
        let mut shares: Vec<i64> = client
            .query(
                "SELECT count(*) FROM partitions WHERE lease_until > now() GROUP BY owner",
                &[],
            )
            .expect("shares")
            .iter()
            .map(|row| row.get(0))
            .collect();
        shares.sort_unstable();
        shares
    }

    /// How many tables the database has outside PostgreSQL's own schemas.
    pub fn tables(&self) -> i64 {
        let mut client = postgres::Client::connect(&self.url, postgres::NoTls).expect("connect");
        client
            .query_one(
                "SELECT count(*) FROM information_schema.tables
                 WHERE table_schema NOT IN ('pg_catalog', 'information_schema')",
                &[],
            )
            .expect("count")
            .get(0)
    }
}

impl Drop for Database {
    fn drop(&mut self) {
        if let Ok(mut client) = postgres::Client::connect(&self.admin_url, postgres::NoTls) {
            let _ = client.batch_execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ));
        }
    }
}
