//! The `llm_cache` table: valid answers of LLM tasks by request digest, until they expire.
//! Each write is a small transaction of its own, never part of a journal commit. Two
//! processes caching one digest at once both succeed: the upsert keeps the later answer,
//! and either is a valid answer to the same request.

use postgres::GenericClient;

use baton_core::Timestamp;
use baton_store::{CachedAnswer, Result};

use crate::sql::{Sql, big, get, get_count};

pub(crate) fn get_answer<C: GenericClient>(
    sql: &mut Sql<'_, C>,
    digest: &str,
    now: Timestamp,
) -> Result<Option<CachedAnswer>> {
    sql.query_opt(
        "SELECT digest, provider, model, answer, tokens_in, tokens_out FROM llm_cache
         WHERE digest = $1 AND expires_at > $2",
        &[&digest, &now.0],
    )?
    .map(|r| {
        Ok(CachedAnswer {
            digest: get(&r, 0)?,
            provider: get(&r, 1)?,
            model: get(&r, 2)?,
            answer: get(&r, 3)?,
            tokens_in: get_count(&r, 4)?,
            tokens_out: get_count(&r, 5)?,
        })
    })
    .transpose()
}

pub(crate) fn put<C: GenericClient>(
    sql: &mut Sql<'_, C>,
    answer: &CachedAnswer,
    now: Timestamp,
    expires_at: Timestamp,
) -> Result<()> {
    sql.execute("DELETE FROM llm_cache WHERE expires_at <= $1", &[&now.0])?;
    sql.execute(
        "INSERT INTO llm_cache (digest, provider, model, answer, tokens_in, tokens_out, stored_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (digest) DO UPDATE SET provider = excluded.provider, model = excluded.model,
           answer = excluded.answer, tokens_in = excluded.tokens_in, tokens_out = excluded.tokens_out,
           stored_at = excluded.stored_at, expires_at = excluded.expires_at",
        &[
            &answer.digest,
            &answer.provider,
            &answer.model,
            &answer.answer,
            &big(answer.tokens_in),
            &big(answer.tokens_out),
            &now.0,
            &expires_at.0,
        ],
    )?;
    Ok(())
}
