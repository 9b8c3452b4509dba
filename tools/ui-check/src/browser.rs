//! Chromium through chromedriver: starting the driver on a free port, opening headless
//! sessions, and the two Chromium commands WebDriver itself lacks (the browser's console
//! log and DevTools calls for phone emulation).

use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::error::{CmdError, NewSessionError};
use fantoccini::wd::{Capabilities, WebDriverCompatibleCommand};
use fantoccini::{Client, ClientBuilder};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{Value, json};
use tokio::process::{Child, Command};

#[derive(Debug, thiserror::Error)]
pub enum BrowserError {
    #[error(
        "{path} is missing: install Debian's chromium and chromium-driver (scripts/ui_check does)"
    )]
    Missing { path: PathBuf },
    #[error("cannot start {path}: {source}")]
    Spawn {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("no free port for chromedriver: {0}")]
    Port(std::io::Error),
    #[error("chromedriver did not listen on port {port} within 15 s")]
    NotListening { port: u16 },
    #[error("chromium would not start a session: {0}")]
    Session(#[from] NewSessionError),
}

/// A running chromedriver; killed when dropped.
pub struct Driver {
    _child: Child,
    port: u16,
    chromium: PathBuf,
}

impl Driver {
    /// Starts `chromedriver` on a free loopback port and waits until it listens.
    pub async fn start(chromedriver: &Path, chromium: &Path) -> Result<Driver, BrowserError> {
        for path in [chromedriver, chromium] {
            if !path.exists() {
                return Err(BrowserError::Missing {
                    path: path.to_path_buf(),
                });
            }
        }
        let port = free_port().map_err(BrowserError::Port)?;
        let child = Command::new(chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .map_err(|source| BrowserError::Spawn {
                path: chromedriver.to_path_buf(),
                source,
            })?;
        let started = Instant::now();
        while TcpStream::connect((Ipv4Addr::LOCALHOST, port)).is_err() {
            if started.elapsed() > Duration::from_secs(15) {
                return Err(BrowserError::NotListening { port });
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Ok(Driver {
            _child: child,
            port,
            chromium: chromium.to_path_buf(),
        })
    }

    /// A new headless browser (its own profile, so its own cookies) at 1280x800, keeping
    /// its console log for [`Browser::console_errors`].
    pub async fn browser(&self) -> Result<Browser, BrowserError> {
        let mut caps = Capabilities::new();
        caps.insert("browserName".into(), json!("chrome"));
        caps.insert(
            "goog:chromeOptions".into(),
            json!({
                "binary": self.chromium,
                "args": ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                         "--disable-gpu", "--window-size=1280,800", "--no-first-run",
                         "--no-default-browser-check", "--hide-scrollbars"],
            }),
        );
        caps.insert("goog:loggingPrefs".into(), json!({"browser": "ALL"}));
        let client = ClientBuilder::new(HttpConnector::new())
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{}", self.port))
            .await?;
        Ok(Browser { client })
    }
}

/// A port nobody listens on right now (the OS picks it; chromedriver takes it next).
fn free_port() -> std::io::Result<u16> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
    Ok(listener.local_addr()?.port())
}

/// One browser session.
pub struct Browser {
    pub client: Client,
}

/// An entry of Chromium's console log.
#[derive(Debug)]
pub struct LogEntry {
    pub source: String,
    pub message: String,
}

impl Browser {
    /// The SEVERE entries of the console log since the last call (Chromium hands each entry
    /// out once): exceptions, `console.error`, failed loads. A missing favicon.ico is not
    /// the page's fault (browsers ask for it on their own).
    pub async fn console_errors(&self) -> Result<Vec<LogEntry>, CmdError> {
        let entries = self.client.issue_cmd(BrowserLog).await?;
        Ok(entries
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .filter(|e| e.get("level").and_then(Value::as_str) == Some("SEVERE"))
            .map(|e| LogEntry {
                source: text(e, "source"),
                message: text(e, "message"),
            })
            .filter(|e| !e.message.contains("favicon.ico"))
            .collect())
    }

    /// A Chrome DevTools Protocol command (chromedriver's `goog/cdp/execute`).
    pub async fn cdp(&self, cmd: &'static str, params: Value) -> Result<Value, CmdError> {
        self.client.issue_cmd(Cdp { cmd, params }).await
    }

    /// Sets the page's viewport to `width` x `height` CSS pixels, as a phone (touch, the
    /// page's viewport meta honoured, twice the pixels) when `phone`, else as a desktop
    /// window of that size. Exact, unlike the window size, which includes the browser's
    /// own bars.
    pub async fn viewport(&self, (width, height): (u32, u32), phone: bool) -> Result<(), CmdError> {
        let scale = if phone { 2 } else { 1 };
        self.cdp(
            "Emulation.setDeviceMetricsOverride",
            json!({"width": width, "height": height, "deviceScaleFactor": scale, "mobile": phone}),
        )
        .await?;
        Ok(())
    }

    /// Presses and releases keys (WebDriver key codes such as `Key::Tab`, or characters)
    /// on whatever has the focus, as a keyboard does.
    pub async fn press(&self, keys: &[char]) -> Result<(), CmdError> {
        let mut actions = KeyActions::new("keyboard".to_string());
        for &value in keys {
            actions = actions
                .then(KeyAction::Down { value })
                .then(KeyAction::Up { value });
        }
        self.client.perform_actions(actions).await?;
        self.client.release_actions().await
    }

    /// Runs a script (its `arguments` from `args`) and returns its value; a returned
    /// promise is awaited.
    pub async fn js(&self, script: &str, args: Vec<Value>) -> Result<Value, CmdError> {
        self.client.execute(script, args).await
    }

    pub async fn close(self) {
        // The session may already be gone (the browser crashed); nothing to do then.
        let _ = self.client.close().await;
    }
}

fn text(entry: &Value, key: &str) -> String {
    entry
        .get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

/// `POST /session/{id}/se/log {"type": "browser"}`: Chromium's console log, collected
/// because the session asked for `goog:loggingPrefs`. Not in the W3C protocol, so not in
/// fantoccini; chromedriver serves it (Selenium's `get_log` uses it).
#[derive(Debug)]
struct BrowserLog;

impl WebDriverCompatibleCommand for BrowserLog {
    fn endpoint(
        &self,
        base: &url::Url,
        session: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base.join(&format!("session/{}/se/log", session.unwrap_or_default()))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        (
            http::Method::POST,
            Some(json!({"type": "browser"}).to_string()),
        )
    }
}

/// `POST /session/{id}/goog/cdp/execute`: one DevTools Protocol command.
#[derive(Debug)]
struct Cdp {
    cmd: &'static str,
    params: Value,
}

impl WebDriverCompatibleCommand for Cdp {
    fn endpoint(
        &self,
        base: &url::Url,
        session: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base.join(&format!(
            "session/{}/goog/cdp/execute",
            session.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        let body = json!({"cmd": self.cmd, "params": self.params});
        (http::Method::POST, Some(body.to_string()))
    }
}
