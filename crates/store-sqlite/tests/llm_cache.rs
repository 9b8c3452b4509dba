//! The LLM answer cache: an answer is found by its digest until it expires, a newer one
//! replaces it, and expired entries are dropped when the next one is written.

use baton_core::Timestamp;
use baton_store::{CachedAnswer, LlmCacheStore};
use baton_store_sqlite::{Durability, SqliteStore};

fn answer(digest: &str, content: &str) -> CachedAnswer {
    CachedAnswer {
        digest: digest.into(),
        provider: "stub".into(),
        model: "stub-model-1".into(),
        answer: content.into(),
        tokens_in: 57,
        tokens_out: 19,
    }
}

#[test]
fn an_answer_is_found_by_digest_until_it_expires_and_a_newer_one_replaces_it() {
    let mut store = SqliteStore::in_memory().expect("store");
    let first = answer("ab12", r#"{"category": "billing"}"#);
    store
        .cache_answer(&first, Timestamp(1_000), Timestamp(5_000))
        .expect("put");
    assert_eq!(
        store.cached_answer("ab12", Timestamp(4_999)).expect("get"),
        Some(first)
    );
    assert_eq!(
        store.cached_answer("cd34", Timestamp(2_000)).expect("get"),
        None
    );
    assert_eq!(
        store.cached_answer("ab12", Timestamp(5_000)).expect("get"),
        None,
        "expired at its expiry"
    );
    let second = answer("ab12", r#"{"category": "bug"}"#);
    store
        .cache_answer(&second, Timestamp(6_000), Timestamp(9_000))
        .expect("put again");
    assert_eq!(
        store.cached_answer("ab12", Timestamp(6_000)).expect("get"),
        Some(second)
    );
}

#[test]
fn expired_answers_are_dropped_from_the_file_when_the_next_is_written() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("baton.db");
    let mut store = SqliteStore::open(&path, Durability::Relaxed).expect("store");
    store
        .cache_answer(&answer("old", "{}"), Timestamp(0), Timestamp(10))
        .expect("put");
    store
        .cache_answer(&answer("new", "{}"), Timestamp(20), Timestamp(30))
        .expect("put");
    drop(store);
    let conn = rusqlite::Connection::open(&path).expect("open");
    let digests: Vec<String> = conn
        .prepare("SELECT digest FROM llm_cache ORDER BY digest")
        .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
        .expect("rows");
    assert_eq!(digests, ["new"]);
}
