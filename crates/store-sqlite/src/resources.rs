//! The `resource_holds` table: units of named resources taken by holders, all or nothing,
//! in a transaction that holds the write lock from its start, so two processes on the
//! file never both take the last units.

use rusqlite::{Connection, params};

use baton_core::Timestamp;
use baton_store::{Claim, Hold, Result};

use crate::{SqliteStore, backend};

pub(crate) fn try_acquire(
    store: &mut SqliteStore,
    holder: &str,
    claims: &[Claim],
    now: Timestamp,
    expires_at: Timestamp,
) -> Result<bool> {
    let tx = store.write_transaction()?;
    tx.execute("DELETE FROM resource_holds WHERE expires_at <= ?1", [now.0])
        .map_err(backend)?;
    for claim in claims {
        let held_by_others: i64 = tx
            .prepare_cached(
                "SELECT COALESCE(SUM(units), 0) FROM resource_holds
                 WHERE resource = ?1 AND holder <> ?2",
            )
            .and_then(|mut s| s.query_row(params![claim.resource, holder], |r| r.get(0)))
            .map_err(backend)?;
        if held_by_others + i64::from(claim.units) > i64::from(claim.capacity) {
            // Dropping the transaction rolls back the cleanup too: it is redone next time.
            return Ok(false);
        }
    }
    for claim in claims {
        tx.prepare_cached(
            "INSERT INTO resource_holds (resource, holder, units, expires_at)
             VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (resource, holder) DO UPDATE
             SET units = excluded.units, expires_at = excluded.expires_at",
        )
        .and_then(|mut s| s.execute(params![claim.resource, holder, claim.units, expires_at.0]))
        .map_err(backend)?;
    }
    tx.commit().map_err(backend)?;
    Ok(true)
}

pub(crate) fn release(store: &mut SqliteStore, holder: &str) -> Result<()> {
    let tx = store.write_transaction()?;
    tx.execute("DELETE FROM resource_holds WHERE holder = ?1", [holder])
        .map_err(backend)?;
    tx.commit().map_err(backend)
}

pub(crate) fn holders(conn: &Connection, resource: &str, now: Timestamp) -> Result<Vec<Hold>> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT resource, holder, units, expires_at FROM resource_holds
             WHERE resource = ?1 AND expires_at > ?2 ORDER BY holder",
        )
        .map_err(backend)?;
    let rows = stmt
        .query_map(params![resource, now.0], |r| {
            Ok(Hold {
                resource: r.get(0)?,
                holder: r.get(1)?,
                units: r.get(2)?,
                expires_at: Timestamp(r.get(3)?),
            })
        })
        .map_err(backend)?;
    rows.collect::<rusqlite::Result<_>>().map_err(backend)
}
