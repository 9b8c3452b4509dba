//! The `tokens` table: API tokens by public id and by the hash of their secret.

use postgres::{GenericClient, Row};

use baton_core::Timestamp;
use baton_store::{Error, NewToken, Result, TokenRow};

use crate::sql::{Sql, backend, get, is_unique_violation};

const COLUMNS: &str = "id, secret_hash, role, tenant, name, created_at, revoked_at";

pub(crate) fn create<C: GenericClient>(sql: &mut Sql<'_, C>, token: &NewToken) -> Result<TokenRow> {
    let inserted = sql.try_execute(
        "INSERT INTO tokens (id, secret_hash, role, tenant, name, created_at)
         VALUES ($1, $2, $3, $4, $5, $6)",
        &[
            &token.id,
            &token.secret_hash,
            &token.role,
            &token.tenant,
            &token.name,
            &token.created_at.0,
        ],
    )?;
    match inserted {
        Ok(_) => {}
        // Both the id and the hash are unique; either clash means "generate another".
        Err(e) if is_unique_violation(&e) => {
            return Err(Error::TokenTaken {
                id: token.id.clone(),
            });
        }
        Err(e) => return Err(backend(e)),
    }
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

pub(crate) fn by_hash<C: GenericClient>(
    sql: &mut Sql<'_, C>,
    secret_hash: &str,
) -> Result<Option<TokenRow>> {
    sql.query_opt(
        &format!("SELECT {COLUMNS} FROM tokens WHERE secret_hash = $1 AND revoked_at IS NULL"),
        &[&secret_hash],
    )?
    .map(|r| row(&r))
    .transpose()
}

pub(crate) fn list<C: GenericClient>(
    sql: &mut Sql<'_, C>,
    tenant: Option<&str>,
) -> Result<Vec<TokenRow>> {
    sql.query(
        &format!(
            "SELECT {COLUMNS} FROM tokens WHERE $1::TEXT IS NULL OR tenant = $1
             ORDER BY created_at, id"
        ),
        &[&tenant],
    )?
    .iter()
    .map(row)
    .collect()
}

pub(crate) fn revoke<C: GenericClient>(
    sql: &mut Sql<'_, C>,
    id: &str,
    at: Timestamp,
) -> Result<bool> {
    let changed = sql.execute(
        "UPDATE tokens SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL",
        &[&id, &at.0],
    )?;
    Ok(changed > 0)
}

fn row(r: &Row) -> Result<TokenRow> {
    Ok(TokenRow {
        id: get(r, 0)?,
        secret_hash: get(r, 1)?,
        role: get(r, 2)?,
        tenant: get(r, 3)?,
        name: get(r, 4)?,
        created_at: Timestamp(get(r, 5)?),
        revoked_at: get::<Option<i64>>(r, 6)?.map(Timestamp),
    })
}
