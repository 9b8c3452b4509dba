//! Reading every row of the store as text, for `baton store copy` (moving up to
//! PostgreSQL): one consistent snapshot of whichever tables the target names.

use rusqlite::types::ValueRef;

use baton_store::{Error, Result};

use crate::{SqliteStore, backend};

/// A table's rows, each column as text (`None` for NULL), in no particular order.
pub type TableRows = Vec<Vec<Option<String>>>;

impl SqliteStore {
    /// The store's tables (not SQLite's own), by name.
    pub fn table_names(&self) -> Result<Vec<String>> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'
                 ORDER BY name",
            )
            .map_err(backend)?;
        let names = stmt.query_map([], |r| r.get(0)).map_err(backend)?;
        names.collect::<rusqlite::Result<_>>().map_err(backend)
    }

    /// The rows of each `(table, columns)`, read in one transaction so that they are one
    /// snapshot however the store is written meanwhile. Integers are written in decimal;
    /// a column missing from the table is an error.
    pub fn read_tables(&mut self, tables: &[(String, Vec<String>)]) -> Result<Vec<TableRows>> {
        let tx = self.conn.transaction().map_err(backend)?;
        let mut all = Vec::with_capacity(tables.len());
        for (table, columns) in tables {
            let list: Vec<String> = columns.iter().map(|c| format!("\"{c}\"")).collect();
            let mut stmt = tx
                .prepare(&format!("SELECT {} FROM \"{table}\"", list.join(", ")))
                .map_err(backend)?;
            let mut rows = stmt.query([]).map_err(backend)?;
            let mut read = Vec::new();
            while let Some(row) = rows.next().map_err(backend)? {
                let mut cells = Vec::with_capacity(columns.len());
                for (index, column) in columns.iter().enumerate() {
                    let cell = match row.get_ref(index).map_err(backend)? {
                        ValueRef::Null => None,
                        ValueRef::Integer(n) => Some(n.to_string()),
                        ValueRef::Real(x) => Some(x.to_string()),
                        ValueRef::Text(text) => Some(
                            String::from_utf8(text.to_vec())
                                .map_err(|e| Error::Corrupt(format!("{table}: {e}")))?,
                        ),
                        ValueRef::Blob(_) => {
                            return Err(Error::Corrupt(format!(
                                "{table}.{column}: a binary value where Baton writes none"
                            )));
                        }
                    };
                    cells.push(cell);
                }
                read.push(cells);
            }
            all.push(read);
        }
        Ok(all)
    }
}
