//! Remote workers against a live `baton serve`: `baton worker` running a shell command, and
//! the Python example in `examples/workers/`, each completing and failing jobs over HTTP.

mod support;

use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::json;
use support::server::{Running, Server, free_port, wait_for};
use support::{Workdir, repo_root};

/// A server in its own directory with `examples/workers/double.bpmn` deployed.
fn serve_double() -> (Workdir, Server) {
    let work = Workdir::new();
    let server = Server::start(&work, true);
    server.deploy(&repo_root().join("examples/workers/double.bpmn"));
    (work, server)
}

#[test]
fn baton_worker_completes_jobs_with_the_commands_output() {
    let (work, server) = serve_double();
    let instances: Vec<(u64, i64)> = (1..=5)
        .map(|x| (server.start_instance("double", json!({ "x": x })), x))
        .collect();

    // `sh` arithmetic on the one number in the input: {"x":N} → {"y": 2N}.
    let command = r#"read input; x=$(echo "$input" | tr -dc 0-9); echo "{\"y\": $((x * 2))}""#;
    let _worker = server.worker(&work, command);
    for (id, x) in instances {
        let done = server.await_state(id, "completed", Duration::from_secs(20));
        assert_eq!(done["variables"]["result"], json!(2 * x), "{done:#}");
    }
}

#[test]
fn baton_worker_fails_a_job_retries_it_then_raises_an_incident() {
    let (work, server) = serve_double();
    let id = server.start_instance("double", json!({ "x": 1 }));

    let attempts = work.path().join("attempts");
    let command = format!(
        "echo run >> '{}'; echo disk full >&2; exit 3",
        attempts.display()
    );
    let _worker = server.worker(&work, &command);
    // The model gives two tries; the retry waits about a second of backoff.
    let stuck = server.await_state(id, "incident", Duration::from_secs(20));
    assert_eq!(stuck["incidents"][0]["kind"], "job_no_retries", "{stuck:#}");
    assert_eq!(
        stuck["incidents"][0]["message"], "disk full (exit code 3)",
        "{stuck:#}"
    );
    let runs = std::fs::read_to_string(&attempts).expect("the command ran");
    assert_eq!(runs.lines().count(), 2, "one try and one retry");
}

#[test]
fn baton_worker_without_a_server_names_the_url() {
    let work = Workdir::new();
    let url = format!("http://127.0.0.1:{}", free_port());
    let out = work.baton(&["worker", "double", "--server", &url, "--", "true"]);
    assert_eq!(out.code, 3, "{}", out.stderr);
    assert!(
        out.stderr
            .contains(&format!("could not reach the server at {url}")),
        "{}",
        out.stderr
    );
}

#[test]
fn python_example_worker_completes_and_fails_jobs() {
    if Command::new("python3").arg("--version").output().is_err() {
        eprintln!("python3 is not installed: skipping the Python worker example");
        return;
    }
    let (_work, server) = serve_double();
    let good = server.start_instance("double", json!({ "x": 21 }));
    let bad = server.start_instance("double", json!({ "x": "twenty-one" }));

    let _worker = Running(
        Command::new("python3")
            .arg(repo_root().join("examples/workers/worker.py"))
            .args(["--server", &server.url, "--type", "double"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3 runs"),
    );
    let done = server.await_state(good, "completed", Duration::from_secs(20));
    assert_eq!(done["variables"]["result"], json!(42), "{done:#}");
    let stuck = server.await_state(bad, "incident", Duration::from_secs(20));
    let message = stuck["incidents"][0]["message"]
        .as_str()
        .unwrap_or_default();
    assert!(message.contains("x must be a number"), "{stuck:#}");
}

#[test]
fn baton_worker_finishes_the_running_job_on_sigterm() {
    let (work, server) = serve_double();
    let id = server.start_instance("double", json!({ "x": 4 }));

    let started = work.path().join("started");
    let command = format!(
        "touch '{}'; sleep 1; echo '{{\"y\": 8}}'",
        started.display()
    );
    let mut worker = server.worker(&work, &command);
    assert!(
        wait_for(Duration::from_secs(20), || started.exists()),
        "the job never started"
    );
    let killed = Command::new("kill")
        .args(["-TERM", &worker.0.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(killed.success());
    let status = worker.0.wait().expect("the worker exits");
    assert!(status.success(), "{status:?}");
    let done = server.instance(id);
    assert_eq!(done["state"], "completed", "{done:#}");
    assert_eq!(done["variables"]["result"], json!(8), "{done:#}");
}

#[test]
fn baton_worker_takes_new_jobs_while_a_slow_one_runs() {
    let (work, server) = serve_double();
    let slow = server.start_instance("double", json!({ "x": 1 }));
    let started = work.path().join("slow-started");
    let release = work.path().join("release");
    // x = 1 waits until the test releases it; every other job answers at once.
    let command = format!(
        r#"read input; x=$(echo "$input" | tr -dc 0-9)
if [ "$x" = 1 ]; then touch '{started}'; while [ ! -e '{release}' ]; do sleep 0.05; done; fi
echo "{{\"y\": $((x * 2))}}""#,
        started = started.display(),
        release = release.display()
    );
    let _worker = server.worker(&work, &command);
    assert!(
        wait_for(Duration::from_secs(20), || started.exists()),
        "the slow job never started"
    );
    let fast: Vec<u64> = (2..=4)
        .map(|x| server.start_instance("double", json!({ "x": x })))
        .collect();
    for id in fast {
        server.await_state(id, "completed", Duration::from_secs(20));
    }
    assert_eq!(server.instance(slow)["state"], "waiting", "still held");
    std::fs::write(&release, "").expect("release the slow job");
    let done = server.await_state(slow, "completed", Duration::from_secs(20));
    assert_eq!(done["variables"]["result"], json!(2), "{done:#}");
}
