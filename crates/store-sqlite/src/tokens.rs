//! The `tokens` table: API tokens by public id and by the hash of their secret.

use rusqlite::{Connection, ErrorCode, OptionalExtension, Row, params};

use baton_core::Timestamp;
use baton_store::{Error, NewToken, Result, TokenRow};

use crate::backend;

const COLUMNS: &str = "id, secret_hash, role, tenant, name, created_at, revoked_at";

pub(crate) fn create(conn: &Connection, token: &NewToken) -> Result<TokenRow> {
    conn.execute(
        "INSERT INTO tokens (id, secret_hash, role, tenant, name, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            token.id,
            token.secret_hash,
            token.role,
            token.tenant,
            token.name,
            token.created_at.0
        ],
    )
    .map_err(|e| match e.sqlite_error_code() {
        // Both the id and the hash are unique; either clash means "generate another".
        Some(ErrorCode::ConstraintViolation) => Error::TokenTaken {
            id: token.id.clone(),
        },
        _ => backend(e),
    })?;
    Ok(TokenRow {
        id: token.id.clone(),
        secret_hash: token.secret_hash.clone(),
        role: token.role.clone(),
        tenant: token.tenant.clone(),
        name: token.name.clone(),
        created_at: token.created_at,
        revoked_at: None,
    })
}

pub(crate) fn by_hash(conn: &Connection, secret_hash: &str) -> Result<Option<TokenRow>> {
    conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM tokens WHERE secret_hash = ?1 AND revoked_at IS NULL"
    ))
    .and_then(|mut s| s.query_row([secret_hash], row).optional())
    .map_err(backend)
}

pub(crate) fn list(conn: &Connection, tenant: Option<&str>) -> Result<Vec<TokenRow>> {
    let mut stmt = conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM tokens WHERE ?1 IS NULL OR tenant = ?1 ORDER BY created_at, id"
        ))
        .map_err(backend)?;
    let rows = stmt.query_map([tenant], row).map_err(backend)?;
    rows.collect::<rusqlite::Result<_>>().map_err(backend)
}

pub(crate) fn revoke(conn: &Connection, id: &str, at: Timestamp) -> Result<bool> {
    let changed = conn
        .execute(
            "UPDATE tokens SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL",
            params![id, at.0],
        )
        .map_err(backend)?;
    Ok(changed > 0)
}

fn row(r: &Row<'_>) -> rusqlite::Result<TokenRow> {
    Ok(TokenRow {
        id: r.get(0)?,
        secret_hash: r.get(1)?,
        role: r.get(2)?,
        tenant: r.get(3)?,
        name: r.get(4)?,
        created_at: Timestamp(r.get(5)?),
        revoked_at: r.get::<_, Option<i64>>(6)?.map(Timestamp),
    })
}
