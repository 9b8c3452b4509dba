//! Loading a whole store into an empty PostgreSQL store, for `baton store copy` (moving up
//! from SQLite): every table's rows as text, cast to the column's type on the way in, read
//! back in the same transaction and compared (row counts and a SHA-256 over the sorted
//! rows) before anything is committed.

use postgres::types::ToSql;
use sha2::{Digest as _, Sha256};

use baton_store::{Error, Result};

use crate::sql::{Lock, Sql, get, get_count};
use crate::{PgStore, quoted};

/// A table's rows, each column as text (`None` for NULL), in no particular order.
pub type TableRows = Vec<Vec<Option<String>>>;

/// A table as it arrived: how many rows, and the checksum both sides agree on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Copied {
    pub table: String,
    pub rows: u64,
    /// Lowercase hex SHA-256 of the sorted rows ([`checksum`]).
    pub checksum: String,
}

/// What a load did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Loaded {
    /// Every table, in the order given.
    Copied(Vec<Copied>),
    /// Nothing: the target holds data already (this table has rows).
    NotEmpty { table: String },
}

/// SHA-256 of `rows` in sorted order, each cell length-prefixed (NULL apart from every
/// text), so that equal checksums mean equal rows whatever order they were read in.
pub fn checksum(rows: &TableRows) -> String {
    let mut sorted: Vec<&Vec<Option<String>>> = rows.iter().collect();
    sorted.sort();
    let mut hash = Sha256::new();
    for row in sorted {
        for cell in row {
            match cell {
                None => hash.update([0xff]),
                Some(text) => {
                    hash.update([0x00]);
                    hash.update((text.len() as u64).to_le_bytes());
                    hash.update(text.as_bytes());
                }
            }
        }
        hash.update([0x0a]);
    }
    hash.finalize()
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// A column of the store's schema.
struct Column {
    name: String,
    data_type: String,
    identity: bool,
}

impl PgStore {
    /// The store's tables (not `schema_version`), by name, with their columns in order.
    pub fn table_columns(&self) -> Result<Vec<(String, Vec<String>)>> {
        let columns = self.read(columns)?;
        Ok(columns
            .into_iter()
            .map(|(table, columns)| (table, columns.into_iter().map(|c| c.name).collect()))
            .collect())
    }

    /// Writes `rows[i]` into `tables[i]` of this store, which must be empty, then reads
    /// every table back and compares it with what was given, all in one transaction: on
    /// any difference nothing is written. A target that holds anything (a deployment, an
    /// instance id reserved, a token, an audit record…) is left alone.
    pub fn load(&mut self, tables: &[(String, Vec<String>)], rows: &[TableRows]) -> Result<Loaded> {
        let namespace = self.namespace;
        self.write(|sql| {
            // One copy at a time, and none while a process migrates the schema.
            sql.lock(namespace, Lock::Migrate)?;
            let schema = columns(sql)?;
            for (table, _) in &schema {
                // The only row a new store has: the instance id counter at its start.
                let filter = if table == "sequences" {
                    " WHERE NOT (name = 'instance' AND next = 1)"
                } else {
                    ""
                };
                let row = sql.query_one(
                    &format!("SELECT count(*) FROM {}{filter}", quoted(table)),
                    &[],
                )?;
                if get_count(&row, 0)? > 0 {
                    return Ok(Loaded::NotEmpty {
                        table: table.clone(),
                    });
                }
            }
            sql.execute("DELETE FROM sequences", &[])?;
            let mut copied = Vec::with_capacity(tables.len());
            for ((table, names), given) in tables.iter().zip(rows) {
                let Some((_, columns)) = schema.iter().find(|(name, _)| name == table) else {
                    return Err(Error::Corrupt(format!("the target has no table {table}")));
                };
                let columns = names
                    .iter()
                    .map(|name| {
                        columns.iter().find(|c| &c.name == name).ok_or_else(|| {
                            Error::Corrupt(format!("the target's {table} has no column {name}"))
                        })
                    })
                    .collect::<Result<Vec<&Column>>>()?;
                insert(sql, table, &columns, given)?;
                let back = read_back(sql, table, &columns)?;
                let (sent, arrived) = (checksum(given), checksum(&back));
                if back.len() != given.len() || sent != arrived {
                    return Err(Error::Corrupt(format!(
                        "the copy of {table} does not match: {} rows sent ({sent}), {} read back \
                         ({arrived}); nothing was written",
                        given.len(),
                        back.len()
                    )));
                }
                copied.push(Copied {
                    table: table.clone(),
                    rows: given.len() as u64,
                    checksum: sent,
                });
            }
            Ok(Loaded::Copied(copied))
        })
    }
}

/// Every table of the current schema but `schema_version` and the cluster's (the live
/// nodes' own state, not data: [`crate::cluster::TABLES`]), with its columns in order.
fn columns<C: postgres::GenericClient>(sql: &mut Sql<'_, C>) -> Result<Vec<(String, Vec<Column>)>> {
    let rows = sql.query(
        "SELECT c.table_name::TEXT, c.column_name::TEXT, c.data_type::TEXT, c.is_identity = 'YES'
         FROM information_schema.columns c JOIN information_schema.tables t
           ON t.table_schema = c.table_schema AND t.table_name = c.table_name
         WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'
           AND c.table_name <> 'schema_version' AND NOT c.table_name = ANY($1)
         ORDER BY c.table_name, c.ordinal_position",
        &[&&crate::cluster::TABLES[..]],
    )?;
    let mut tables: Vec<(String, Vec<Column>)> = Vec::new();
    for row in &rows {
        let table: String = get(row, 0)?;
        let column = Column {
            name: get(row, 1)?,
            data_type: get(row, 2)?,
            identity: get(row, 3)?,
        };
        match tables.last_mut() {
            Some((name, columns)) if *name == table => columns.push(column),
            _ => tables.push((table, vec![column])),
        }
    }
    Ok(tables)
}

fn insert<C: postgres::GenericClient>(
    sql: &mut Sql<'_, C>,
    table: &str,
    columns: &[&Column],
    rows: &TableRows,
) -> Result<()> {
    let names: Vec<String> = columns.iter().map(|c| quoted(&c.name)).collect();
    // Text in, cast to the column's type: integers, booleans (SQLite's 0 and 1) and text.
    let values: Vec<String> = columns
        .iter()
        .enumerate()
        .map(|(index, c)| format!("CAST(${}::TEXT AS {})", index + 1, c.data_type))
        .collect();
    let identity = columns.iter().find(|c| c.identity);
    let overriding = if identity.is_some() {
        " OVERRIDING SYSTEM VALUE"
    } else {
        ""
    };
    let statement = format!(
        "INSERT INTO {} ({}){overriding} VALUES ({})",
        quoted(table),
        names.join(", "),
        values.join(", ")
    );
    for row in rows {
        let params: Vec<&(dyn ToSql + Sync)> =
            row.iter().map(|cell| cell as &(dyn ToSql + Sync)).collect();
        sql.execute(&statement, &params)?;
    }
    if let Some(column) = identity {
        // Ids given explicitly leave the identity's sequence behind: new rows go on after
        // the largest copied one.
        sql.query_one(
            &format!(
                "SELECT setval(pg_get_serial_sequence($1, $2), max({}))::TEXT FROM {}",
                quoted(&column.name),
                quoted(table)
            ),
            &[&table, &column.name],
        )?;
    }
    Ok(())
}

fn read_back<C: postgres::GenericClient>(
    sql: &mut Sql<'_, C>,
    table: &str,
    columns: &[&Column],
) -> Result<TableRows> {
    // Booleans as 0 and 1, as SQLite keeps them.
    let list: Vec<String> = columns
        .iter()
        .map(|c| match c.data_type.as_str() {
            "boolean" => format!("({}::INT)::TEXT", quoted(&c.name)),
            _ => format!("{}::TEXT", quoted(&c.name)),
        })
        .collect();
    let rows = sql.query(
        &format!("SELECT {} FROM {}", list.join(", "), quoted(table)),
        &[],
    )?;
    rows.iter()
        .map(|row| (0..columns.len()).map(|index| get(row, index)).collect())
        .collect()
}
