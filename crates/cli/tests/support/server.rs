//! A live `baton serve` for tests that talk to it over HTTP: started on a free loopback
//! port with its own store, killed when the test ends.

use std::net::TcpListener;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::Workdir;

/// A child process killed when the test ends, passing or not.
pub struct Running(pub Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `baton serve --insecure-dev` on a free loopback port with its own store.
pub struct Server {
    pub url: String,
    _process: Running,
    agent: ureq::Agent,
}

impl Server {
    /// Serves the store `server.db` in `work`; `insecure_dev` serves without tokens.
    pub fn start(work: &Workdir, insecure_dev: bool) -> Server {
        let db = Server::db(work);
        Server::start_on(work, db.to_str().expect("utf-8 temp path"), insecure_dev)
    }

    /// Serves the store `db` (a file, or a PostgreSQL URL) in `work`.
    pub fn start_on(work: &Workdir, db: &str, insecure_dev: bool) -> Server {
        let port = free_port();
        let listen = format!("127.0.0.1:{port}");
        let mut args = vec!["serve", "--listen", &listen, "--db", db];
        if insecure_dev {
            args.push("--insecure-dev");
        }
        let process = work
            .command(&args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("baton serve starts");
        let server = Server {
            url: format!("http://{listen}"),
            _process: Running(process),
            agent: ureq::Agent::config_builder()
                .http_status_as_error(false)
                .timeout_global(Some(Duration::from_secs(30)))
                .build()
                .into(),
        };
        // Ready, not just alive: a cluster node is ready once it holds partitions.
        let ready = wait_for(Duration::from_secs(20), || {
            server
                .agent
                .get(format!("{}/readyz", server.url))
                .call()
                .is_ok_and(|r| r.status() == 200)
        });
        assert!(ready, "baton serve did not come up on {listen}");
        server
    }

    /// The server's store file.
    pub fn db(work: &Workdir) -> std::path::PathBuf {
        work.path().join("server.db")
    }

    /// The body of a GET as text (`/metrics`).
    pub fn get_text(&self, path: &str) -> String {
        let mut response = self
            .agent
            .get(format!("{}{path}", self.url))
            .call()
            .expect("the server answers");
        assert_eq!(response.status(), 200, "GET {path}");
        response.body_mut().read_to_string().expect("a text body")
    }

    pub fn deploy(&self, file: &std::path::Path) {
        let text = std::fs::read_to_string(file).expect("model readable");
        let boundary = "baton-test-boundary";
        let body = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"model.bpmn\"\r\n\
             Content-Type: application/xml\r\n\r\n{text}\r\n--{boundary}--\r\n"
        );
        let mut response = self
            .agent
            .post(format!("{}/v1/deployments", self.url))
            .header(
                "content-type",
                format!("multipart/form-data; boundary={boundary}"),
            )
            .send(body)
            .expect("deploy request");
        let status = response.status().as_u16();
        let answer = response.body_mut().read_to_string().unwrap_or_default();
        assert_eq!(status, 201, "deploy: {answer}");
    }

    pub fn start_instance(&self, process: &str, variables: Value) -> u64 {
        let mut response = self
            .agent
            .post(format!("{}/v1/process-instances", self.url))
            .header("content-type", "application/json")
            .send(json!({ "processId": process, "variables": variables }).to_string())
            .expect("start request");
        let status = response.status().as_u16();
        let answer = response.body_mut().read_to_string().unwrap_or_default();
        assert_eq!(status, 201, "start: {answer}");
        let instance: Value = serde_json::from_str(&answer).expect("instance JSON");
        instance["instance"].as_u64().expect("instance id")
    }

    pub fn instance(&self, id: u64) -> Value {
        let mut response = self
            .agent
            .get(format!("{}/v1/process-instances/{id}", self.url))
            .call()
            .expect("get request");
        let answer = response.body_mut().read_to_string().unwrap_or_default();
        serde_json::from_str(&answer).unwrap_or_else(|e| panic!("instance {id} ({e}): {answer}"))
    }

    /// `baton worker double -- COMMAND` against this server.
    pub fn worker(&self, work: &Workdir, command: &str) -> Running {
        Running(
            work.command(&["worker", "double", "--server", &self.url, "--", command])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("baton worker starts"),
        )
    }

    /// Waits until the instance is in `state`, and returns it.
    pub fn await_state(&self, id: u64, state: &str, timeout: Duration) -> Value {
        let mut last = Value::Null;
        let reached = wait_for(timeout, || {
            last = self.instance(id);
            last["state"] == state
        });
        assert!(reached, "instance {id} never became {state}: {last:#}");
        last
    }
}

pub fn free_port() -> u16 {
    // The port is free when asked; a clash with another process before the server binds
    // it is unlikely enough for a test.
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

pub fn wait_for(timeout: Duration, mut ready: impl FnMut() -> bool) -> bool {
    let end = Instant::now() + timeout;
    while Instant::now() < end {
        if ready() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    false
}
