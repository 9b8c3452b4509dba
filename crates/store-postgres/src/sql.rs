//! A thin layer over the `postgres` client: statements prepared once per connection and
//! reused, errors mapped to the store's, and typed column reads.

use std::collections::HashMap;

use postgres::error::SqlState;
use postgres::types::{FromSql, ToSql};
use postgres::{GenericClient, Row, Statement};

use baton_store::{Error, Result};

/// Query parameters, as the `postgres` crate takes them.
pub(crate) type Params<'a> = [&'a (dyn ToSql + Sync)];

/// Statements this connection has prepared, by their text: preparing costs a round trip,
/// and the store runs the same few dozen statements all the time.
#[derive(Default)]
pub(crate) struct Statements(HashMap<String, Statement>);

/// A client (the connection, or a transaction on it) with the connection's statements.
pub(crate) struct Sql<'a, C> {
    pub(crate) client: &'a mut C,
    pub(crate) statements: &'a mut Statements,
}

impl<C: GenericClient> Sql<'_, C> {
    fn statement(&mut self, sql: &str) -> Result<Statement> {
        if let Some(statement) = self.statements.0.get(sql) {
            return Ok(statement.clone());
        }
        let statement = self.client.prepare(sql).map_err(backend)?;
        self.statements.0.insert(sql.to_string(), statement.clone());
        Ok(statement)
    }

    /// Runs a statement, returning how many rows it changed.
    pub(crate) fn execute(&mut self, sql: &str, params: &Params<'_>) -> Result<u64> {
        let statement = self.statement(sql)?;
        self.client.execute(&statement, params).map_err(backend)
    }

    /// Like [`Sql::execute`], but a failure of the statement itself comes back as the
    /// driver's error, for callers that tell constraint violations apart.
    pub(crate) fn try_execute(
        &mut self,
        sql: &str,
        params: &Params<'_>,
    ) -> Result<std::result::Result<u64, postgres::Error>> {
        let statement = self.statement(sql)?;
        Ok(self.client.execute(&statement, params))
    }

    pub(crate) fn query(&mut self, sql: &str, params: &Params<'_>) -> Result<Vec<Row>> {
        let statement = self.statement(sql)?;
        self.client.query(&statement, params).map_err(backend)
    }

    pub(crate) fn query_opt(&mut self, sql: &str, params: &Params<'_>) -> Result<Option<Row>> {
        let statement = self.statement(sql)?;
        self.client.query_opt(&statement, params).map_err(backend)
    }

    pub(crate) fn query_one(&mut self, sql: &str, params: &Params<'_>) -> Result<Row> {
        let statement = self.statement(sql)?;
        self.client.query_one(&statement, params).map_err(backend)
    }

    /// Takes a lock for this transaction (released at its end) on one `purpose` within the
    /// store's schema: how writers of other processes are kept from interleaving where a
    /// single SQLite writer never could.
    pub(crate) fn lock(&mut self, namespace: i32, purpose: Lock) -> Result<()> {
        let purpose = purpose as i32;
        self.execute(
            "SELECT pg_advisory_xact_lock($1, $2)::TEXT",
            &[&namespace, &purpose],
        )
        .map(|_| ())
    }
}

/// What an advisory lock of a transaction guards, within one schema.
#[derive(Clone, Copy, Debug)]
#[repr(i32)]
pub(crate) enum Lock {
    /// Creating the schema and migrating it.
    Migrate = 1,
    /// The audit chain's head: two appends must not chain to the same record.
    Audit = 2,
    /// Versions of definitions: two deploys of one id must not both make version N + 1.
    Deploy = 3,
    /// Resource holds: two holders must never both take the last units.
    Resources = 4,
}

pub(crate) fn backend(e: postgres::Error) -> Error {
    Error::Backend(describe(&e))
}

/// The database's own message when there is one (`postgres::Error` alone says "db error").
pub(crate) fn describe(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => match db.detail() {
            Some(detail) => format!("{}: {detail}", db.message()),
            None => db.message().to_string(),
        },
        None => {
            // The driver's own message is a summary ("error connecting to server"); the
            // reason ("Connection refused") is in its source.
            let mut message = e.to_string();
            let mut source = std::error::Error::source(e);
            while let Some(cause) = source {
                let cause_text = cause.to_string();
                if !message.contains(&cause_text) {
                    message = format!("{message}: {cause_text}");
                }
                source = cause.source();
            }
            message
        }
    }
}

pub(crate) fn is_unique_violation(e: &postgres::Error) -> bool {
    e.code() == Some(&SqlState::UNIQUE_VIOLATION)
}

/// Column `index` of `row`, or [`Error::Corrupt`] naming it.
pub(crate) fn get<'a, T: FromSql<'a>>(row: &'a Row, index: usize) -> Result<T> {
    row.try_get(index).map_err(|e| {
        let column = row.columns().get(index).map_or("?", |c| c.name());
        Error::Corrupt(format!("column {column}: {e}"))
    })
}

/// A non-negative BIGINT column (ids, positions, counts).
pub(crate) fn get_u64(row: &Row, index: usize) -> Result<u64> {
    let n: i64 = get(row, index)?;
    u64::try_from(n).map_err(|_| Error::Corrupt(format!("negative number {n} in column {index}")))
}

pub(crate) fn get_opt_u64(row: &Row, index: usize) -> Result<Option<u64>> {
    let n: Option<i64> = get(row, index)?;
    n.map(|n| {
        u64::try_from(n)
            .map_err(|_| Error::Corrupt(format!("negative number {n} in column {index}")))
    })
    .transpose()
}

/// A BIGINT column holding a version, retry count or unit count.
pub(crate) fn get_u32(row: &Row, index: usize) -> Result<u32> {
    let n: i64 = get(row, index)?;
    u32::try_from(n)
        .map_err(|_| Error::Corrupt(format!("number {n} out of range in column {index}")))
}

/// A count or sum, never negative; NULL (the sum of no rows) is zero.
pub(crate) fn get_count(row: &Row, index: usize) -> Result<u64> {
    let n: Option<i64> = get(row, index)?;
    Ok(n.map_or(0, |n| u64::try_from(n).unwrap_or(0)))
}

/// A store-wide id or position as PostgreSQL's BIGINT (they never come near 2^63).
pub(crate) fn big(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}
