//! The `llm_cache` table: valid answers of LLM tasks by request digest, until they expire.
//! Each write is a small transaction of its own, never part of a journal commit.

use rusqlite::{Connection, OptionalExtension, params};

use baton_core::Timestamp;
use baton_store::{CachedAnswer, Result};

use crate::{SqliteStore, backend};

pub(crate) fn get(conn: &Connection, digest: &str, now: Timestamp) -> Result<Option<CachedAnswer>> {
    conn.prepare_cached(
        "SELECT digest, provider, model, answer, tokens_in, tokens_out FROM llm_cache
         WHERE digest = ?1 AND expires_at > ?2",
    )
    .and_then(|mut s| {
        s.query_row(params![digest, now.0], |r| {
            Ok(CachedAnswer {
                digest: r.get(0)?,
                provider: r.get(1)?,
                model: r.get(2)?,
                answer: r.get(3)?,
                tokens_in: r.get::<_, i64>(4)?.max(0) as u64,
                tokens_out: r.get::<_, i64>(5)?.max(0) as u64,
            })
        })
        .optional()
    })
    .map_err(backend)
}

pub(crate) fn put(
    store: &mut SqliteStore,
    answer: &CachedAnswer,
    now: Timestamp,
    expires_at: Timestamp,
) -> Result<()> {
    let count = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
    let tx = store.write_transaction()?;
    tx.prepare_cached("DELETE FROM llm_cache WHERE expires_at <= ?1")
        .and_then(|mut s| s.execute([now.0]))
        .map_err(backend)?;
    tx.prepare_cached(
        "INSERT INTO llm_cache (digest, provider, model, answer, tokens_in, tokens_out, stored_at, expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT (digest) DO UPDATE SET provider = excluded.provider, model = excluded.model,
           answer = excluded.answer, tokens_in = excluded.tokens_in, tokens_out = excluded.tokens_out,
           stored_at = excluded.stored_at, expires_at = excluded.expires_at",
    )
    .and_then(|mut s| {
        s.execute(params![
            answer.digest,
            answer.provider,
            answer.model,
            answer.answer,
            count(answer.tokens_in),
            count(answer.tokens_out),
            now.0,
            expires_at.0
        ])
    })
    .map_err(backend)?;
    tx.commit().map_err(backend)
}
