//! `baton audit`: the embedded commands record who did what and why; `list`, `export` and
//! `verify` read the chain; an edited or deleted record fails `verify` (exit 1, naming
//! it); a signed checkpoint catches even a chain rewritten with recomputed hashes.

mod support;

use baton_store::audit::{self, AuditHead};
use serde_json::Value;
use support::{Output, Workdir};

const MODEL: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="t">
<bpmn:process id="review" isExecutable="true">
<bpmn:startEvent id="start"/>
<bpmn:userTask id="check"/>
<bpmn:endEvent id="end"/>
<bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="check"/>
<bpmn:sequenceFlow id="f1" sourceRef="check" targetRef="end"/>
</bpmn:process>
</bpmn:definitions>"#;

fn run(w: &Workdir, args: &[&str]) -> Output {
    let out = w
        .command(args)
        .env("USER", "ana")
        .output()
        .expect("baton runs");
    Output {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn ok(w: &Workdir, args: &[&str]) -> Output {
    let out = run(w, args);
    assert_eq!(out.code, 0, "{args:?}: {}{}", out.stdout, out.stderr);
    out
}

/// A store with a deploy, a start and a cancel, recorded by the local user.
fn story(w: &Workdir) -> u64 {
    w.write("review.bpmn", MODEL);
    ok(
        w,
        &[
            "deploy",
            "review.bpmn",
            "--reason",
            "first release",
            "--db",
            "s.db",
        ],
    );
    let started = ok(w, &["start", "review", "--json", "--db", "s.db"]).json();
    let instance = started["instance"].as_u64().expect("instance id");
    let id = instance.to_string();
    ok(
        w,
        &["cancel", &id, "--reason", "customer asked", "--db", "s.db"],
    );
    instance
}

fn verify(w: &Workdir, db: &str, extra: &[&str]) -> (i32, Value) {
    let mut args = vec!["audit", "verify", "--json", "--db", db];
    args.extend_from_slice(extra);
    let out = run(w, &args);
    (out.code, out.json())
}

#[test]
fn embedded_commands_are_recorded_with_the_local_user_and_their_reason() {
    let w = Workdir::new();
    let instance = story(&w);
    let list = ok(&w, &["audit", "list", "--json", "--db", "s.db"]).json();
    let summary: Vec<_> = list
        .as_array()
        .expect("an array")
        .iter()
        .map(|r| {
            (
                r["seq"].as_u64(),
                r["action"].as_str().unwrap_or_default().to_string(),
                r["instance"].as_u64(),
                r["reason"].as_str().map(str::to_string),
                r["outcome"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            (
                Some(1),
                "deployment.create".into(),
                None,
                Some("first release".into()),
                "done".into()
            ),
            (
                Some(2),
                "instance.start".into(),
                Some(instance),
                None,
                "done".into()
            ),
            (
                Some(3),
                "instance.cancel".into(),
                Some(instance),
                Some("customer asked".into()),
                "done".into()
            ),
        ]
    );
    assert_eq!(
        list[2]["actor"],
        serde_json::json!({"kind": "local", "name": "ana"})
    );
    assert!(list[2]["node"].as_str().is_some_and(|n| !n.is_empty()));

    // A cancel the engine refuses is recorded as refused.
    let again = run(&w, &["cancel", &instance.to_string(), "--db", "s.db"]);
    assert_ne!(again.code, 0);
    let refused = ok(
        &w,
        &[
            "audit",
            "list",
            "--json",
            "--action",
            "instance.cancel",
            "--db",
            "s.db",
        ],
    )
    .json();
    assert_eq!(refused[1]["outcome"], "refused");

    let by_instance = ok(
        &w,
        &[
            "audit",
            "list",
            "--json",
            "--instance",
            &instance.to_string(),
            "--db",
            "s.db",
        ],
    )
    .json();
    assert_eq!(by_instance.as_array().map(Vec::len), Some(3));

    let csv = ok(&w, &["audit", "export", "--format", "csv", "--db", "s.db"]).stdout;
    assert_eq!(csv.lines().count(), 5, "a header and four records:\n{csv}");
    assert!(
        csv.lines()
            .next()
            .is_some_and(|h| h.starts_with("seq,at,actor,action"))
    );
    let jsonl = ok(
        &w,
        &["audit", "export", "--format", "jsonl", "--db", "s.db"],
    )
    .stdout;
    let lines: Vec<Value> = jsonl
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    assert_eq!(lines.len(), 4);
    assert_eq!(lines[3]["outcome"], "refused");

    let (code, verdict) = verify(&w, "s.db", &[]);
    assert_eq!(
        (code, &verdict["ok"], &verdict["records"]),
        (0, &Value::Bool(true), &Value::from(4))
    );
    assert_eq!(verdict["first_bad"], Value::Null);
}

/// Copies the store and runs SQL on the copy, with the append-only triggers dropped.
fn tampered(w: &Workdir, name: &str, sql: &str) {
    std::fs::copy(w.path().join("s.db"), w.path().join(name)).expect("copy");
    let _ = std::fs::copy(
        w.path().join("s.db-wal"),
        w.path().join(format!("{name}-wal")),
    );
    let conn = rusqlite::Connection::open(w.path().join(name)).expect("open copy");
    conn.execute_batch(
        "DROP TRIGGER audit_is_append_only_update; DROP TRIGGER audit_is_append_only_delete;",
    )
    .expect("drop triggers");
    conn.execute_batch(sql).expect("tamper");
}

#[test]
fn edited_and_deleted_records_fail_verify_and_are_named() {
    let w = Workdir::new();
    story(&w);
    tampered(
        &w,
        "edited.db",
        "UPDATE audit SET reason = 'customer forgot' WHERE seq = 3",
    );
    let (code, verdict) = verify(&w, "edited.db", &[]);
    assert_eq!(
        (code, verdict["ok"].as_bool(), verdict["first_bad"].as_u64()),
        (1, Some(false), Some(3))
    );

    tampered(&w, "middle.db", "DELETE FROM audit WHERE seq = 2");
    let (code, verdict) = verify(&w, "middle.db", &[]);
    assert_eq!(
        (code, verdict["first_bad"].as_u64()),
        (1, Some(3)),
        "{verdict}"
    );

    tampered(&w, "last.db", "DELETE FROM audit WHERE seq = 3");
    let (code, verdict) = verify(&w, "last.db", &[]);
    assert_eq!(
        (code, verdict["first_bad"].as_u64()),
        (1, Some(3)),
        "{verdict}"
    );

    let text = run(&w, &["audit", "verify", "--db", "edited.db"]);
    assert_eq!(text.code, 1);
    assert!(text.stdout.contains("record 3"), "{}", text.stdout);
}

#[test]
fn a_signed_checkpoint_catches_a_chain_rewritten_with_recomputed_hashes() {
    let w = Workdir::new();
    story(&w);
    ok(&w, &["audit", "keygen", "--out", "audit.key"]);
    assert!(w.path().join("audit.key.pub").exists());
    let refused = run(&w, &["audit", "keygen", "--out", "audit.key"]);
    assert_ne!(refused.code, 0, "an existing key is never overwritten");
    ok(
        &w,
        &["audit", "checkpoint", "--key", "audit.key", "--db", "s.db"],
    );
    let (code, verdict) = verify(&w, "s.db", &["--pubkey", "audit.key.pub"]);
    assert_eq!(
        (code, verdict["checkpoints"].as_u64()),
        (0, Some(1)),
        "{verdict}"
    );

    // Someone who can write the file edits record 3 and recomputes every hash after it
    // and the head: without the key the chain looks intact, with it the forgery shows.
    tampered(
        &w,
        "forged.db",
        "UPDATE audit SET reason = 'customer forgot' WHERE seq = 3",
    );
    let conn = rusqlite::Connection::open(w.path().join("forged.db")).expect("open");
    let mut previous = audit::GENESIS.to_string();
    let mut head = AuditHead {
        seq: 0,
        hash: previous.clone(),
    };
    let store = baton_store_any::SqliteStore::open(
        &w.path().join("forged.db"),
        baton_store_any::Durability::Relaxed,
    )
    .expect("open store");
    let records =
        baton_store::AuditStore::audit_records(&store, &Default::default()).expect("records");
    for mut record in records {
        record.hash = audit::chain_hash(&previous, &record);
        conn.execute(
            "UPDATE audit SET hash = ?1 WHERE seq = ?2",
            rusqlite::params![record.hash, record.seq as i64],
        )
        .expect("rehash");
        previous = record.hash.clone();
        head = AuditHead {
            seq: record.seq,
            hash: record.hash,
        };
    }
    conn.execute("UPDATE audit_head SET hash = ?1 WHERE id = 1", [&head.hash])
        .expect("head");
    let (code, _) = verify(&w, "forged.db", &[]);
    assert_eq!(code, 0, "recomputed hashes fool the keyless check");
    let (code, verdict) = verify(&w, "forged.db", &["--pubkey", "audit.key.pub"]);
    assert_eq!(
        (code, verdict["ok"].as_bool()),
        (1, Some(false)),
        "{verdict}"
    );
    assert_eq!(
        verdict["first_bad"].as_u64(),
        Some(4),
        "the checkpoint that no longer fits"
    );

    ok(&w, &["audit", "keygen", "--out", "other.key"]);
    let (code, _) = verify(&w, "s.db", &["--pubkey", "other.key.pub"]);
    assert_eq!(
        code, 1,
        "a checkpoint signed with another key proves nothing"
    );
}

#[test]
fn token_commands_are_recorded() {
    let w = Workdir::new();
    let created = ok(
        &w,
        &[
            "token", "create", "--role", "viewer", "--tenant", "default", "--name", "ci",
            "--reason", "for CI", "--json", "--db", "s.db",
        ],
    )
    .json();
    let id = created["id"].as_str().expect("id").to_string();
    ok(&w, &["token", "revoke", &id, "--db", "s.db"]);
    let list = ok(&w, &["audit", "list", "--json", "--db", "s.db"]).json();
    assert_eq!(list[0]["action"], "token.create");
    assert_eq!(list[0]["reason"], "for CI");
    assert_eq!(list[0]["detail"]["token"], id.as_str());
    assert_eq!(list[1]["action"], "token.revoke");
    assert_eq!(list[1]["outcome"], "done");
}
