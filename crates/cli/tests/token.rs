//! `baton token`: API tokens for `baton serve`. The secret is printed once, by `create`;
//! listings never show it or its hash; revoking stops a token; bad roles and tenants are
//! input errors (exit 2) that say what is valid.

mod support;

use support::{Output, Workdir};

fn create(w: &Workdir, role: &str, tenant: &str) -> serde_json::Value {
    let out = w.baton(&[
        "token", "create", "--role", role, "--tenant", tenant, "--json", "--db", "s.db",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    out.json()
}

fn list(w: &Workdir, args: &[&str]) -> Output {
    let mut all = vec!["token", "list", "--db", "s.db"];
    all.extend_from_slice(args);
    w.baton(&all)
}

#[test]
fn create_prints_the_secret_once_as_the_acceptance_script_reads_it() {
    let w = Workdir::new();
    let d = create(&w, "admin", "acme");
    let secret = d["token"].as_str().expect("a token string");
    assert!(secret.starts_with("baton_"), "{secret}");
    assert_eq!(secret.len(), "baton_".len() + 43);
    assert_eq!(
        d["id"].as_str(),
        Some(&secret[6..14]),
        "the id is the secret's start"
    );
    assert_eq!(d["role"], "admin");
    assert_eq!(d["tenant"], "acme");
    assert_eq!(d["name"], serde_json::Value::Null);
    assert!(d["createdAt"].as_i64().is_some_and(|t| t > 0), "{d}");
    assert_ne!(create(&w, "admin", "acme")["token"], d["token"]);
}

#[test]
fn the_human_form_prints_the_secret_and_warns_it_is_shown_once() {
    let w = Workdir::new();
    let out = w.baton(&[
        "token",
        "create",
        "--role",
        "worker",
        "--tenant",
        "acme",
        "--name",
        "ci runner",
        "--db",
        "s.db",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let secret = out.stdout.trim();
    assert!(
        secret.starts_with("baton_") && !secret.contains(' '),
        "{secret}"
    );
    assert!(
        out.stderr.contains("it will not be shown again"),
        "{}",
        out.stderr
    );
    let listed = list(&w, &[]);
    assert!(listed.stdout.contains("ci runner"), "{}", listed.stdout);
}

#[test]
fn list_never_shows_secrets_or_hashes_and_filters_by_tenant() {
    let w = Workdir::new();
    let acme = create(&w, "operator", "acme");
    let globex = create(&w, "viewer", "globex");
    let secret = acme["token"].as_str().expect("secret");

    for args in [&[][..], &["--json"][..]] {
        let out = list(&w, args);
        assert_eq!(out.code, 0, "{}", out.stderr);
        assert!(!out.stdout.contains(secret), "{}", out.stdout);
        assert!(!out.stdout.contains("baton_"), "{}", out.stdout);
        assert!(
            !out.stdout.to_lowercase().contains("hash"),
            "{}",
            out.stdout
        );
    }

    let only_acme = list(&w, &["--tenant", "acme", "--json"]).json();
    let ids: Vec<_> = only_acme
        .as_array()
        .expect("an array")
        .iter()
        .map(|t| t["id"].clone())
        .collect();
    assert_eq!(ids, [acme["id"].clone()]);
    assert_eq!(only_acme[0]["role"], "operator");
    assert_eq!(only_acme[0]["revokedAt"], serde_json::Value::Null);
    let all = list(&w, &["--json"]).json();
    assert_eq!(all.as_array().map(Vec::len), Some(2));
    assert!(
        all.as_array()
            .is_some_and(|a| a.contains(&json_without_secret(&globex)))
    );
}

/// What a listing shows of a created token.
fn json_without_secret(created: &serde_json::Value) -> serde_json::Value {
    serde_json::json!({
        "id": created["id"], "role": created["role"], "tenant": created["tenant"],
        "name": created["name"], "createdAt": created["createdAt"], "revokedAt": null,
    })
}

#[test]
fn revoke_marks_the_token_revoked_and_only_once() {
    let w = Workdir::new();
    let token = create(&w, "developer", "acme");
    let id = token["id"].as_str().expect("id");

    let out = w.baton(&["token", "revoke", id, "--db", "s.db"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr.contains(&format!("revoked token {id}")),
        "{}",
        out.stderr
    );
    let listed = list(&w, &["--json"]).json();
    assert!(listed[0]["revokedAt"].as_i64().is_some(), "{listed}");

    let again = w.baton(&["token", "revoke", id, "--db", "s.db"]);
    assert_eq!(again.code, 2, "{}", again.stderr);
    assert!(again.stderr.contains("revoked already"), "{}", again.stderr);

    let unknown = w.baton(&["token", "revoke", "-nosuch1", "--db", "s.db"]);
    assert_eq!(unknown.code, 2, "{}", unknown.stderr);
    assert!(
        unknown.stderr.contains("no token with id '-nosuch1'"),
        "an id may start with '-': {}",
        unknown.stderr
    );
}

#[test]
fn a_bad_role_or_tenant_is_an_input_error_naming_what_is_valid() {
    let w = Workdir::new();
    let out = w.baton(&[
        "token", "create", "--role", "boss", "--tenant", "acme", "--db", "s.db",
    ]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains(
            "unknown role 'boss'; valid roles: admin, operator, developer, worker, viewer"
        ),
        "{}",
        out.stderr
    );

    for bad in ["acme corp", "", "a/b", "Acme"] {
        let out = w.baton(&[
            "token", "create", "--role", "admin", "--tenant", bad, "--db", "s.db",
        ]);
        assert_eq!(out.code, 2, "{bad:?}: {}", out.stderr);
        assert!(
            out.stderr
                .contains("a tenant id is 1 to 64 lowercase letters, digits, '_' or '-'"),
            "{}",
            out.stderr
        );
        assert!(out.stdout.is_empty(), "no secret for a refused token");
    }
    let capitals = w.baton(&[
        "token", "create", "--role", "admin", "--tenant", "Acme", "--db", "s.db",
    ]);
    assert!(
        capitals
            .stderr
            .contains("tenant ids are lowercase (use 'acme')"),
        "two tenants differing in case would share a store on some file systems: {}",
        capitals.stderr
    );

    let out = list(&w, &["--tenant", "no spaces"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        list(&w, &["--json"])
            .json()
            .as_array()
            .is_some_and(Vec::is_empty)
    );
}
