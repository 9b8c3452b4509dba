//! The embedded commands on a PostgreSQL database (`--db postgres://…` or `BATON_DB`):
//! deploy, start, instances, show, token create and list print what they print on SQLite,
//! and the store's tables land in that database, never in a file named like the URL.
//! Runs when `BATON_TEST_PG_URL` names a database to make others beside (each test
//! makes its own and drops it after); without it, a loud notice and a pass.

mod support;

use serde_json::Value;
use support::database::Database;
use support::server::Server;
use support::{Output, Workdir};

const REVIEW: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="t">
<bpmn:process id="review" isExecutable="true">
<bpmn:startEvent id="start"/>
<bpmn:userTask id="check"/>
<bpmn:endEvent id="end"/>
<bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="check"/>
<bpmn:sequenceFlow id="f1" sourceRef="check" targetRef="end"/>
</bpmn:process>
</bpmn:definitions>"#;

fn ok(out: Output, what: &str) -> Value {
    assert_eq!(out.code, 0, "{what}: {}{}", out.stdout, out.stderr);
    out.json()
}

#[test]
fn embedded_commands_run_on_a_postgres_database() {
    let Some(db) = Database::for_test("embedded") else {
        return;
    };
    let w = Workdir::new();
    w.write("review.bpmn", REVIEW);
    // A URL taken for a file path would fail on this file (or make a SQLite store beside it).
    w.write("postgres:", "");
    let url = db.url.as_str();

    let deployed = ok(
        w.baton(&["deploy", "review.bpmn", "--db", url, "--json"]),
        "deploy",
    );
    assert_eq!(deployed["deployed"][0]["id"], "review");
    assert_eq!(
        (
            &deployed["deployed"][0]["version"],
            &deployed["deployed"][0]["new"]
        ),
        (&Value::from(1), &Value::from(true))
    );
    assert!(db.tables() > 0, "the store's tables are in the database");

    let started = ok(
        w.baton(&["start", "review", "--var", "n=5", "--db", url, "--json"]),
        "start",
    );
    let instance = started["instance"].as_u64().expect("instance id");
    let listed = ok(w.baton(&["instances", "--db", url, "--json"]), "instances");
    let ids: Vec<u64> = listed
        .as_array()
        .expect("a list")
        .iter()
        .filter_map(|i| i["instance"].as_u64())
        .collect();
    assert_eq!(ids, [instance]);
    assert_eq!(listed[0]["state"], "active");
    let shown = ok(
        w.baton(&["show", &instance.to_string(), "--db", url, "--json"]),
        "show",
    );
    assert_eq!(shown["variables"]["n"], 5);
    assert_eq!(shown["path"], serde_json::json!(["start"]));

    let token = ok(
        w.baton(&[
            "token", "create", "--role", "admin", "--tenant", "default", "--json", "--db", url,
        ]),
        "token create",
    );
    let id = token["id"].as_str().expect("token id");
    assert!(
        token["token"]
            .as_str()
            .is_some_and(|t| t.starts_with("baton_"))
    );
    let tokens = ok(
        w.baton(&["token", "list", "--json", "--db", url]),
        "token list",
    );
    assert_eq!(tokens[0]["id"], id);

    // BATON_DB selects it as --db does, and an unchanged redeploy keeps its version.
    let out = w
        .command(&["deploy", "review.bpmn", "--json"])
        .env("BATON_DB", url)
        .output()
        .expect("baton runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let again: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(
        (
            &again["deployed"][0]["version"],
            &again["deployed"][0]["new"]
        ),
        (&Value::from(1), &Value::from(false))
    );

    // Nothing was written as a file: no SQLite store, the decoy left empty.
    assert!(!w.path().join(".baton").exists());
    assert_eq!(
        std::fs::read(w.path().join("postgres:")).expect("decoy"),
        b""
    );
}

#[test]
fn an_unreachable_database_is_a_clear_error() {
    let w = Workdir::new();
    let out = w.baton(&[
        "instances",
        "--db",
        "postgres://nobody@127.0.0.1:1/nothing",
        "--json",
    ]);
    assert_eq!(out.code, 3, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stderr.contains("postgres://nobody@127.0.0.1:1/nothing"),
        "{}",
        out.stderr
    );
    assert!(!w.path().join(".baton").exists());
}

/// `baton store copy`: a SQLite store moves into an empty database whole (same instance
/// and token ids, journals that go on, an audit chain that still verifies); into one that
/// is not empty it exits 2 and writes nothing.
#[test]
fn a_sqlite_store_is_copied_into_an_empty_database_once() {
    let Some(db) = Database::for_test("copy") else {
        return;
    };
    let w = Workdir::new();
    w.write("review.bpmn", REVIEW);
    let url = db.url.as_str();
    ok(
        w.baton(&["deploy", "review.bpmn", "--db", "s.db", "--json"]),
        "deploy",
    );
    let first = ok(
        w.baton(&["start", "review", "--var", "n=1", "--db", "s.db", "--json"]),
        "start",
    );
    let token = ok(
        w.baton(&[
            "token", "create", "--role", "worker", "--tenant", "default", "--json", "--db", "s.db",
        ]),
        "token create",
    );

    let copied = ok(
        w.baton(&["store", "copy", "--from", "s.db", "--to", url, "--json"]),
        "store copy",
    );
    let rows_of = |table: &str| {
        copied["tables"]
            .as_array()
            .expect("tables")
            .iter()
            .find(|t| t["table"] == table)
            .map(|t| (t["rows"].as_u64(), t["checksum"].as_str().map(str::len)))
    };
    assert_eq!(rows_of("instances"), Some((Some(1), Some(64))));
    assert_eq!(rows_of("tokens"), Some((Some(1), Some(64))));

    let listed = ok(w.baton(&["instances", "--db", url, "--json"]), "instances");
    assert_eq!(listed[0]["instance"], first["instance"]);
    let shown = ok(
        w.baton(&[
            "show",
            &first["instance"].to_string(),
            "--db",
            url,
            "--json",
        ]),
        "show",
    );
    assert_eq!(shown["variables"]["n"], 1);
    let tokens = ok(
        w.baton(&["token", "list", "--json", "--db", url]),
        "token list",
    );
    assert_eq!(tokens[0]["id"], token["id"]);
    let again = ok(
        w.baton(&["deploy", "review.bpmn", "--db", url, "--json"]),
        "deploy again",
    );
    assert_eq!(
        (
            &again["deployed"][0]["version"],
            &again["deployed"][0]["new"]
        ),
        (&Value::from(1), &Value::from(false))
    );
    // New instances go on after the copied ids; the copied chain verifies.
    let next = ok(
        w.baton(&["start", "review", "--db", url, "--json"]),
        "start on the copy",
    );
    assert!(next["instance"].as_u64() > first["instance"].as_u64());
    let verified = w.baton(&["audit", "verify", "--db", url]);
    assert_eq!(verified.code, 0, "{}{}", verified.stdout, verified.stderr);

    let tables_before = db.tables();
    let refused = w.baton(&["store", "copy", "--from", "s.db", "--to", url]);
    assert_eq!(refused.code, 2, "{}{}", refused.stdout, refused.stderr);
    assert!(refused.stderr.contains("not empty"), "{}", refused.stderr);
    let listed = ok(w.baton(&["instances", "--db", url, "--json"]), "instances");
    assert_eq!(
        listed.as_array().map(Vec::len),
        Some(2),
        "nothing was written"
    );
    assert_eq!(db.tables(), tables_before);
}

#[test]
fn store_copy_needs_an_existing_file_and_a_database_url() {
    let w = Workdir::new();
    let missing = w.baton(&[
        "store",
        "copy",
        "--from",
        "nope.db",
        "--to",
        "postgres://nobody@127.0.0.1:1/nothing",
    ]);
    assert_eq!(missing.code, 2, "{}", missing.stderr);
    assert!(
        missing.stderr.contains("no such store"),
        "{}",
        missing.stderr
    );
    assert!(!w.path().join("nope.db").exists(), "no store is created");
    w.write("s.db", "");
    let file_target = w.baton(&["store", "copy", "--from", "s.db", "--to", "other.db"]);
    assert_eq!(file_target.code, 2, "{}", file_target.stderr);
    assert!(
        file_target.stderr.contains("postgres://"),
        "{}",
        file_target.stderr
    );
    assert!(!w.path().join("other.db").exists());
}

/// `baton serve --db postgres://…`: tokens made with the CLI authenticate, each tenant's
/// work lands in a schema of its own and no other tenant sees it, and a restarted server
/// finds it all again.
#[test]
fn serve_keeps_each_tenant_in_its_own_schema() {
    let Some(db) = Database::for_test("serve") else {
        return;
    };
    let w = Workdir::new();
    w.write("review.bpmn", REVIEW);
    let url = db.url.as_str();
    let token = |tenant: &str| {
        let created = ok(
            w.baton(&[
                "token", "create", "--role", "admin", "--tenant", tenant, "--json", "--db", url,
            ]),
            "token create",
        );
        created["token"].as_str().expect("secret").to_string()
    };
    let (default, acme) = (token("default"), token("acme"));
    let instances = |server: &Server, token: &str| -> Vec<u64> {
        let listed = ok(
            w.baton(&[
                "instances",
                "--server",
                &server.url,
                "--token",
                token,
                "--json",
            ]),
            "instances",
        );
        let list = listed.get("instances").unwrap_or(&listed);
        list.as_array()
            .expect("a list")
            .iter()
            .filter_map(|i| i["instance"].as_u64())
            .collect()
    };

    let server = Server::start_on(&w, url, false);
    let remote = |args: &[&str], token: &str| {
        let mut all = args.to_vec();
        all.extend(["--server", server.url.as_str(), "--token", token, "--json"]);
        ok(w.baton(&all), &format!("{args:?}"))
    };
    remote(&["deploy", "review.bpmn"], &acme);
    let started = remote(&["start", "review"], &acme);
    let id = started["instance"].as_u64().expect("instance id");
    assert_eq!(instances(&server, &acme), [id]);
    assert!(
        instances(&server, &default).is_empty(),
        "tenants see only their own"
    );
    let mut client = postgres::Client::connect(url, postgres::NoTls).expect("connect");
    let acme_rows: i64 = client
        .query_one("SELECT count(*) FROM baton_tenant_acme.instances", &[])
        .expect("the tenant's schema")
        .get(0);
    let default_rows: i64 = client
        .query_one("SELECT count(*) FROM public.instances", &[])
        .expect("the default schema")
        .get(0);
    assert_eq!((acme_rows, default_rows), (1, 0));
    drop(server);

    let restarted = Server::start_on(&w, url, false);
    assert_eq!(instances(&restarted, &acme), [id]);
}

/// Two `baton serve` on one database are two nodes of its cluster: `baton cluster status`
/// lists them by their `--listen` address, live, sharing the 32 partitions evenly, and
/// `/readyz` tells the lease state.
#[test]
fn cluster_status_lists_every_serve_on_the_database() {
    let Some(db) = Database::for_test("cluster") else {
        return;
    };
    let w = Workdir::new();
    let url = db.url.as_str();
    let (a, b) = (
        Server::start_on(&w, url, false),
        Server::start_on(&w, url, false),
    );
    let address = |server: &Server| server.url.trim_start_matches("http://").to_string();
    let mut want = vec![
        (address(&a), "live".to_string(), 16),
        (address(&b), "live".to_string(), 16),
    ];
    want.sort();
    // The nodes balance within a few one-second beats.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let mut seen;
    loop {
        let status = ok(
            w.baton(&["cluster", "status", "--db", url, "--json"]),
            "cluster status",
        );
        seen = status["nodes"]
            .as_array()
            .expect("nodes")
            .iter()
            .map(|n| {
                (
                    n["address"].as_str().unwrap_or_default().to_string(),
                    n["state"].as_str().unwrap_or_default().to_string(),
                    n["partitions"].as_u64().unwrap_or_default(),
                )
            })
            .collect::<Vec<_>>();
        seen.sort();
        if seen == want || std::time::Instant::now() > deadline {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    assert_eq!(seen, want);
    let ready = a.get_text("/readyz");
    assert!(
        ready.starts_with("ready: cluster node, 16 partition(s) leased"),
        "{ready}"
    );

    let on_sqlite = w.baton(&["cluster", "status", "--db", "local.db"]);
    assert_eq!(on_sqlite.code, 2, "{}", on_sqlite.stderr);
    assert!(
        on_sqlite.stderr.contains("PostgreSQL"),
        "{}",
        on_sqlite.stderr
    );
}

/// A timer process counting its firings: `quick` waits one second (`slow`, made of it,
/// four).
const TIMERS: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" targetNamespace="t">
<bpmn:process id="quick" isExecutable="true">
<bpmn:startEvent id="start"/>
<bpmn:intermediateCatchEvent id="wait"><bpmn:timerEventDefinition><bpmn:timeDuration>PT1S</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>
<bpmn:scriptTask id="count"><bpmn:extensionElements><zeebe:script expression="=fired + 1" resultVariable="fired"/></bpmn:extensionElements></bpmn:scriptTask>
<bpmn:endEvent id="end"/>
<bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="wait"/>
<bpmn:sequenceFlow id="f1" sourceRef="wait" targetRef="count"/>
<bpmn:sequenceFlow id="f2" sourceRef="count" targetRef="end"/>
</bpmn:process>
</bpmn:definitions>"#;

/// Two `baton serve` on one database run each instance once: instances started through
/// either node get ids of that node's partitions and their timers fire once; when one
/// node is killed (SIGKILL), the other takes its instances over once the lease (2 s,
/// `[cluster] lease_ms` of baton.toml) has run out and fires their timers, once.
#[test]
fn two_nodes_run_each_instance_once_and_take_over_a_killed_one() {
    let Some(db) = Database::for_test("takeover") else {
        return;
    };
    let w = Workdir::new();
    w.write("baton.toml", "[cluster]\nlease_ms = 2000\n");
    w.write("timers.bpmn", TIMERS);
    let slow_model = TIMERS
        .replace("id=\"quick\"", "id=\"slow\"")
        .replace("PT1S", "PT4S");
    w.write("slow.bpmn", &slow_model);
    let url = db.url.as_str();
    let a = Server::start_on(&w, url, true);
    let b = Server::start_on(&w, url, true);
    let balanced = support::server::wait_for(std::time::Duration::from_secs(15), || {
        let status = ok(
            w.baton(&["cluster", "status", "--db", url, "--json"]),
            "cluster status",
        );
        let held: Vec<u64> = status["nodes"]
            .as_array()
            .expect("nodes")
            .iter()
            .filter(|n| n["state"] == "live")
            .map(|n| n["partitions"].as_u64().unwrap_or_default())
            .collect();
        held == [16, 16]
    });
    assert!(balanced, "the two nodes did not split the partitions");
    a.deploy(&w.path().join("timers.bpmn"));
    a.deploy(&w.path().join("slow.bpmn"));
    let fired = serde_json::json!({"fired": 0});
    let on_a: Vec<u64> = (0..6)
        .map(|_| a.start_instance("quick", fired.clone()))
        .collect();
    // A deployment through a is started through b: b sees the latest version.
    let on_b: Vec<u64> = (0..6)
        .map(|_| b.start_instance("quick", fired.clone()))
        .collect();
    let partitions =
        |ids: &[u64]| -> std::collections::BTreeSet<u64> { ids.iter().map(|id| id % 32).collect() };
    assert!(
        partitions(&on_a).is_disjoint(&partitions(&on_b)),
        "each node starts instances in its own partitions: {on_a:?} {on_b:?}"
    );
    let once = |server: &Server, id: u64| {
        let done = server.await_state(id, "completed", std::time::Duration::from_secs(15));
        assert_eq!(done["variables"]["fired"], 1, "instance {id}: {done}");
        assert_eq!(
            done["path"],
            serde_json::json!(["start", "wait", "count", "end"]),
            "instance {id}: {done}"
        );
    };
    for id in &on_a {
        once(&a, *id);
    }
    for id in &on_b {
        once(&b, *id);
    }

    // b's slow timers are armed, and b dies before they are due.
    let slow: Vec<u64> = (0..6)
        .map(|_| b.start_instance("slow", fired.clone()))
        .collect();
    drop(b);
    let killed = std::time::Instant::now();
    for id in &slow {
        once(&a, *id);
    }
    let took = killed.elapsed();
    assert!(
        took < std::time::Duration::from_secs(12),
        "a took b's instances over after {took:?}"
    );
    // A second firing, if there were one, would land now.
    std::thread::sleep(std::time::Duration::from_secs(1));
    for id in on_a.iter().chain(&on_b).chain(&slow) {
        assert_eq!(a.instance(*id)["variables"]["fired"], 1, "instance {id}");
    }
}
