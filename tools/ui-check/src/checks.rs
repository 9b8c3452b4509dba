//! The checks, in the order a run does them:
//!
//! 1. the admin logs in with the keyboard only (Tab to the token field, type, Tab to the
//!    button, Enter);
//! 2. every page at 1280x800, then every page emulating a 390x844 phone: it loads (200,
//!    not the login page), a screenshot is saved, the console has no errors and nothing
//!    failed to load or came from another server; on the phone the viewport meta is there
//!    and the page is no wider than the screen; at desktop size the page shows what the
//!    contract says it shows (rows linking instances, the diagram's state classes...);
//! 3. keyboard: Tab from the page start reaches the incident's retry button and the
//!    decision's inputs and evaluate button;
//! 4. a viewer logs in, sees the pages, has no retry, complete or bulk button to press,
//!    and form posts sent from the viewer's browser anyway change nothing (checked over
//!    the API);
//! 5. the admin completes the task with the keyboard only (Tab through the form, typing
//!    values, Enter on the complete button) and the API shows it completed.
//!
//! The run changes the server's data only in step 5, so everything before it sees the
//! instances as `scripts/ui_check` prepared them.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use fantoccini::Locator;
use fantoccini::key::Key;
use serde_json::{Value, json};

use crate::Args;
use crate::api::{Api, field};
use crate::browser::{Browser, BrowserError, Driver};
use crate::report::{Fail, Outcome, Report, fail};
use crate::scripts;

const DESKTOP: (u32, u32) = (1280, 800);
const PHONE: (u32, u32) = (390, 844);

/// What the page at a URL must show (the contract of issue 18, by page).
#[derive(Clone, Copy, Debug)]
enum Kind {
    Processes,
    Process,
    Instances,
    TaskInstance,
    IncidentInstance,
    Incidents,
    Tasks,
    Task,
    Decisions,
    Decision,
    Audit,
}

struct Page {
    path: String,
    /// For the screenshot's file name.
    name: &'static str,
    kind: Kind,
}

/// What the run learnt from the API before looking at pages.
struct Facts {
    task_key: Option<String>,
    task_name: String,
    /// The keys of the task form's components (inputs named so on `/tasks/{key}`).
    form_keys: Result<Vec<String>, String>,
    incident_key: Option<String>,
    incident_message: String,
}

struct Run<'a> {
    args: &'a Args,
    base: String,
    api: Api,
    report: Report,
    facts: Facts,
}

/// Runs every check; `Err` only when no browser could be started at all.
pub async fn run(args: &Args) -> Result<Report, BrowserError> {
    let driver = Driver::start(&args.chromedriver, &args.chromium).await?;
    let admin = driver.browser().await?;
    let base = args.url.trim_end_matches('/').to_string();
    let mut run = Run {
        args,
        api: Api::new(&base, &args.admin),
        base,
        report: Report::default(),
        facts: Facts {
            task_key: None,
            task_name: String::new(),
            form_keys: Err("not looked up".into()),
            incident_key: None,
            incident_message: String::new(),
        },
    };
    if let Err(e) = std::fs::create_dir_all(&args.shots) {
        run.report.record(
            &format!("screenshot folder {}", args.shots.display()),
            Err(Fail(e.to_string())),
        );
    }
    run.all(&driver, &admin).await;
    admin.close().await;
    Ok(run.report)
}

impl Run<'_> {
    async fn all(&mut self, driver: &Driver, admin: &Browser) {
        let outcome = admin.viewport(DESKTOP, false).await.map_err(Fail::from);
        self.report.record(
            "the page's viewport is 1280x800 (DevTools device metrics)",
            outcome,
        );

        let outcome = keyboard_login(admin, &self.base, &self.args.admin).await;
        let by_keyboard = outcome.is_ok();
        self.report.record(
            "keyboard: from the page start, Tab reaches the token field and the log-in button; Enter logs in",
            outcome,
        );
        if !by_keyboard {
            // The rest can still be checked with a session from a plain click.
            let outcome = click_login(admin, &self.base, &self.args.admin).await;
            self.report.record(
                "the admin logs in (clicking, after the keyboard failed)",
                outcome,
            );
        }

        self.learn().await;
        let pages = self.pages();
        for page in &pages {
            self.desktop(admin, page).await;
        }
        match admin.viewport(PHONE, true).await {
            Ok(()) => {
                for page in &pages {
                    self.phone(admin, page).await;
                }
                let outcome = admin.viewport(DESKTOP, false).await.map_err(Fail::from);
                self.report
                    .record("back from the phone to a 1280x800 viewport", outcome);
            }
            Err(e) => self.report.record(
                "390x844: phone emulation (DevTools Emulation.setDeviceMetricsOverride)",
                Err(Fail::from(e)),
            ),
        }

        self.keyboard_reach(admin).await;

        match driver.browser().await {
            Ok(viewer) => {
                self.viewer(admin, &viewer).await;
                viewer.close().await;
            }
            Err(e) => self
                .report
                .record("a second browser for the viewer", Err(Fail::from(e))),
        }

        self.keyboard_complete(admin).await;
    }

    /// Looks up the task and the incident of the prepared instances over the API.
    async fn learn(&mut self) {
        let task_instance = self.args.task_instance;
        let outcome = match self.api.task(task_instance).await {
            Ok(Some(task)) => {
                self.facts.task_key = Some(field(&task, "key"));
                self.facts.task_name = field(&task, "name");
                Ok(())
            }
            Ok(None) => Err(Fail(format!(
                "the API lists no open task of instance {task_instance}"
            ))),
            Err(e) => Err(Fail::from(e)),
        };
        self.report.record(
            &format!("setup: instance {task_instance} waits at a user task"),
            outcome,
        );
        if let Some(key) = &self.facts.task_key {
            self.facts.form_keys = match self.api.get(&format!("/v1/user-tasks/{key}/form")).await {
                Ok(form) => Ok(form_keys(form.get("schema").unwrap_or(&Value::Null))),
                Err(e) => Err(e.to_string()),
            };
        }

        let incident_instance = self.args.incident_instance;
        let outcome = match self.api.incident(incident_instance).await {
            Ok(Some(incident)) => {
                self.facts.incident_key = Some(field(&incident, "key"));
                self.facts.incident_message = field(&incident, "message");
                Ok(())
            }
            Ok(None) => Err(Fail(format!(
                "the API lists no open incident of instance {incident_instance}"
            ))),
            Err(e) => Err(Fail::from(e)),
        };
        self.report.record(
            &format!("setup: instance {incident_instance} has an open incident"),
            outcome,
        );
    }

    /// Every page of the UI, with the prepared data in its URL.
    fn pages(&self) -> Vec<Page> {
        let a = self.args;
        let page = |path: String, name, kind| Page { path, name, kind };
        let mut pages = vec![
            page("/".into(), "processes", Kind::Processes),
            page(
                format!("/processes/{}", a.process),
                "process",
                Kind::Process,
            ),
            page("/instances".into(), "instances", Kind::Instances),
            page(
                format!("/instances/{}", a.task_instance),
                "instance-task",
                Kind::TaskInstance,
            ),
            page(
                format!("/instances/{}", a.incident_instance),
                "instance-incident",
                Kind::IncidentInstance,
            ),
            page("/incidents".into(), "incidents", Kind::Incidents),
            page("/tasks".into(), "tasks", Kind::Tasks),
        ];
        if let Some(key) = &self.facts.task_key {
            pages.push(page(format!("/tasks/{key}"), "task", Kind::Task));
        }
        pages.extend([
            page("/decisions".into(), "decisions", Kind::Decisions),
            page(
                format!("/decisions/{}", a.decision),
                "decision",
                Kind::Decision,
            ),
            page("/audit".into(), "audit", Kind::Audit),
        ]);
        pages
    }

    fn shot_path(&self, size: (u32, u32), name: &str) -> PathBuf {
        self.args
            .shots
            .join(format!("{}x{}-{name}.png", size.0, size.1))
    }

    /// A page at 1280x800: it loads, no console errors, and it shows its content.
    async fn desktop(&mut self, b: &Browser, page: &Page) {
        let shot = self.shot_path(DESKTOP, page.name);
        let visit = visit(b, &self.base, &page.path, &shot).await;
        let loaded = visit.as_ref().map(|_| ()).map_err(|e| Fail(e.0.clone()));
        self.report.record(
            &format!(
                "1280x800 {}: loads (200, not the login page); screenshot {}",
                page.path,
                shot.display()
            ),
            loaded,
        );
        let Ok(state) = visit else { return };
        self.report.record(
            &format!(
                "1280x800 {}: no console errors, no failed or outside loads",
                page.path
            ),
            clean(b, &state).await,
        );
        let (what, outcome) = self.content(b, page).await;
        self.report
            .record(&format!("1280x800 {}: {what}", page.path), outcome);
    }

    /// A page on a 390x844 phone: it loads, no console errors, fits the screen.
    async fn phone(&mut self, b: &Browser, page: &Page) {
        let shot = self.shot_path(PHONE, page.name);
        let visit = visit(b, &self.base, &page.path, &shot).await;
        let loaded = visit.as_ref().map(|_| ()).map_err(|e| Fail(e.0.clone()));
        self.report.record(
            &format!(
                "390x844 {}: loads (200, not the login page); screenshot {}",
                page.path,
                shot.display()
            ),
            loaded,
        );
        let Ok(state) = visit else { return };
        self.report.record(
            &format!(
                "390x844 {}: no console errors, no failed or outside loads",
                page.path
            ),
            clean(b, &state).await,
        );
        self.report.record(
            &format!(
                "390x844 {}: viewport meta width=device-width, initial-scale=1; no wider than the screen",
                page.path
            ),
            fits(&state),
        );
    }

    /// What the page must show, by its kind; waits up to 3 s for it (scripts may still
    /// be filling it in).
    async fn content(&self, b: &Browser, page: &Page) -> (String, Outcome) {
        let a = self.args;
        let f = &self.facts;
        let (task_path, inc_path) = (
            format!("/instances/{}", a.task_instance),
            format!("/instances/{}", a.incident_instance),
        );
        let message = short(&f.incident_message);
        match page.kind {
            Kind::Processes => (
                format!("names the deployed process {}", a.process),
                settle(async || {
                    let text = text(b).await?.to_lowercase();
                    if !text.contains(&a.process.to_lowercase()) {
                        fail!("the page does not name {}: {}", a.process, short(&text));
                    }
                    Ok(())
                })
                .await,
            ),
            Kind::Process => (
                "an inline SVG diagram with data-element-id elements".into(),
                settle(async || {
                    let n = count(b, "svg [data-element-id]").await?;
                    if n == 0 {
                        fail!("no `svg [data-element-id]`: {}", short(&text(b).await?));
                    }
                    Ok(())
                })
                .await,
            ),
            Kind::Instances => (
                format!("an instance-row links to {task_path} and one to {inc_path}"),
                settle(async || {
                    let links = strings(&b.js(scripts::LINKS, vec![json!("instance-row")]).await?);
                    for want in [&task_path, &inc_path] {
                        if !links.contains(want) {
                            fail!("no [data-testid=instance-row] links to {want}; row links: {:?}", first(&links));
                        }
                    }
                    Ok(())
                })
                .await,
            ),
            Kind::TaskInstance => (
                "the diagram marks the waiting user task `active`".into(),
                settle(async || {
                    let classes = diagram_classes(b).await?;
                    if !classes.iter().any(|c| c.iter().any(|c| c == "active")) {
                        fail!("no diagram element has class active; classes: {:?}", first(&classes));
                    }
                    Ok(())
                })
                .await,
            ),
            Kind::IncidentInstance => (
                "the diagram marks the failed task `incident`; the error and an incident-retry button are shown".into(),
                settle(async || {
                    let classes = diagram_classes(b).await?;
                    if !classes.iter().any(|c| c.iter().any(|c| c == "incident")) {
                        fail!("no diagram element has class incident; classes: {:?}", first(&classes));
                    }
                    let text = text(b).await?;
                    if !text.contains(&message) {
                        fail!("the page does not show the error {message:?}: {}", short(&text));
                    }
                    if enabled(b, "incident-retry").await? == 0 {
                        fail!("no enabled [data-testid=incident-retry]");
                    }
                    Ok(())
                })
                .await,
            ),
            Kind::Incidents => (
                format!("the incident's error, a link to {inc_path} and an incident-retry button"),
                settle(async || {
                    let links = strings(&b.js(scripts::LINKS, vec![Value::Null]).await?);
                    if !links.contains(&inc_path) {
                        fail!("no link to {inc_path}");
                    }
                    let text = text(b).await?;
                    if !text.contains(&message) {
                        fail!("the page does not show the error {message:?}: {}", short(&text));
                    }
                    if enabled(b, "incident-retry").await? == 0 {
                        fail!("no enabled [data-testid=incident-retry]");
                    }
                    Ok(())
                })
                .await,
            ),
            Kind::Tasks => {
                let key = f.task_key.clone().unwrap_or_default();
                (
                    format!("a task-row shows {:?} and links to /tasks/{key}", f.task_name),
                    settle(async || {
                        let rows = strings(
                            &b.js(scripts::ROWS_LINKING, vec![json!("task-row"), json!(format!("/tasks/{key}"))])
                                .await?,
                        );
                        if !rows.iter().any(|r| r.contains(&f.task_name)) {
                            fail!("no [data-testid=task-row] with {:?} links to /tasks/{key}; rows linking there: {:?}", f.task_name, rows);
                        }
                        Ok(())
                    })
                    .await,
                )
            }
            Kind::Task => (
                "a field named after each form component and a task-complete button".into(),
                settle(async || {
                    let keys = match &f.form_keys {
                        Ok(keys) => keys,
                        Err(e) => fail!("the task's form from the API: {e}"),
                    };
                    for key in keys {
                        let sel = format!("input[name=\"{key}\"], textarea[name=\"{key}\"], select[name=\"{key}\"]");
                        if count(b, &sel).await? == 0 {
                            fail!("no input, textarea or select named {key:?}: {}", short(&text(b).await?));
                        }
                    }
                    if enabled(b, "task-complete").await? == 0 {
                        fail!("no enabled [data-testid=task-complete]");
                    }
                    Ok(())
                })
                .await,
            ),
            Kind::Decisions => (
                format!("links to /decisions/{}", a.decision),
                settle(async || {
                    let want = format!("/decisions/{}", a.decision);
                    let links = strings(&b.js(scripts::LINKS, vec![Value::Null]).await?);
                    if !links.contains(&want) {
                        fail!("no link to {want}: {}", short(&text(b).await?));
                    }
                    Ok(())
                })
                .await,
            ),
            Kind::Decision => (
                "rules with data-rule-id, decision-variables, decision-evaluate".into(),
                settle(async || {
                    for sel in [
                        "[data-rule-id]",
                        "textarea[data-testid=\"decision-variables\"]",
                        "[data-testid=\"decision-evaluate\"]",
                    ] {
                        if count(b, sel).await? == 0 {
                            fail!("no {sel}: {}", short(&text(b).await?));
                        }
                    }
                    Ok(())
                })
                .await,
            ),
            Kind::Audit => (
                "a heading".into(),
                settle(async || {
                    if count(b, "h1").await? == 0 {
                        fail!("no h1: {}", short(&text(b).await?));
                    }
                    Ok(())
                })
                .await,
            ),
        }
    }

    /// Tab from the page start reaches the incident's retry button, and the decision's
    /// inputs and evaluate button (not pressed: the run leaves the data alone until the
    /// end).
    async fn keyboard_reach(&mut self, b: &Browser) {
        let path = format!("/instances/{}", self.args.incident_instance);
        let outcome = async {
            open(b, &self.base, &path).await?;
            tab_to(b, 80, true, |f| f.testid == "incident-retry").await?;
            Ok(())
        }
        .await;
        self.report.record(
            &format!("keyboard: on {path}, Tab from the page start reaches incident-retry"),
            outcome,
        );

        let path = format!("/decisions/{}", self.args.decision);
        let outcome = async {
            open(b, &self.base, &path).await?;
            tab_to(b, 80, true, |f| f.testid == "decision-variables").await?;
            tab_to(b, 20, false, |f| f.testid == "decision-evaluate").await?;
            Ok(())
        }
        .await;
        self.report.record(
            &format!(
                "keyboard: on {path}, Tab from the page start reaches decision-variables, then decision-evaluate"
            ),
            outcome,
        );
    }

    /// A viewer sees the pages but has nothing to press, and what a viewer's browser posts
    /// anyway changes nothing.
    async fn viewer(&mut self, admin: &Browser, viewer: &Browser) {
        let outcome = click_login(viewer, &self.base, &self.args.viewer).await;
        let logged_in = outcome.is_ok();
        self.report
            .record("viewer: logs in with a viewer token", outcome);
        if !logged_in {
            return;
        }
        let a = self.args;
        let inc_path = format!("/instances/{}", a.incident_instance);
        let shot = self.shot_path(DESKTOP, "viewer-instance-incident");
        let outcome = async {
            visit(viewer, &self.base, &inc_path, &shot).await?;
            settle(async || {
                if count(viewer, "svg [data-element-id]").await? == 0 {
                    fail!(
                        "the viewer sees no diagram: {}",
                        short(&text(viewer).await?)
                    );
                }
                Ok(())
            })
            .await?;
            nothing_to_press(viewer, "incident-retry").await
        }
        .await;
        self.report.record(
            &format!("viewer: {inc_path} shows the diagram but no incident-retry to press"),
            outcome,
        );
        let shot = self.shot_path(DESKTOP, "viewer-incidents");
        let outcome = async {
            visit(viewer, &self.base, "/incidents", &shot).await?;
            nothing_to_press(viewer, "incident-retry").await
        }
        .await;
        self.report
            .record("viewer: /incidents has no incident-retry to press", outcome);
        if let Some(key) = self.facts.task_key.clone() {
            let path = format!("/tasks/{key}");
            let shot = self.shot_path(DESKTOP, "viewer-task");
            let outcome = async {
                visit(viewer, &self.base, &path, &shot).await?;
                nothing_to_press(viewer, "task-complete").await
            }
            .await;
            self.report.record(
                &format!("viewer: {path} has no task-complete to press"),
                outcome,
            );
        }
        let shot = self.shot_path(DESKTOP, "viewer-instances");
        let outcome = async {
            visit(viewer, &self.base, "/instances", &shot).await?;
            let buttons = strings(
                &viewer
                    .js(scripts::ENABLED_SUBMITTERS, vec![json!("/instances/bulk")])
                    .await?,
            );
            if !buttons.is_empty() {
                fail!("the viewer can press bulk actions: {buttons:?}");
            }
            Ok(())
        }
        .await;
        self.report.record(
            "viewer: /instances has no bulk action to press (posting to /instances/bulk)",
            outcome,
        );
        let outcome = console(viewer).await;
        self.report
            .record("viewer: no console errors on the viewer's pages", outcome);

        self.forged_posts(admin, viewer).await;
    }

    /// Form posts sent from the viewer's browser (its cookie, its origin) as a page
    /// would send them: retry the incident, complete the task, cancel in bulk. Each must
    /// leave the instance as it was.
    async fn forged_posts(&mut self, admin: &Browser, viewer: &Browser) {
        let a = self.args;
        if let Some(key) = self.facts.incident_key.clone() {
            let action = format!("/incidents/{key}/retry");
            let post = json!({"action": action, "body": "next=%2Fincidents"});
            let outcome = self.forged(viewer, a.incident_instance, &post).await;
            self.report.record(
                &format!(
                    "viewer: a form post to {action} from the viewer's browser leaves instance {} as it was",
                    a.incident_instance
                ),
                outcome,
            );
        }
        if let Some(key) = self.facts.task_key.clone() {
            let path = format!("/tasks/{key}");
            let outcome = async {
                open(admin, &self.base, &path).await?;
                let post = admin.js(scripts::TASK_FORM_POST, vec![]).await?;
                if post.is_null() {
                    fail!("the admin's {path} has no form around [data-testid=task-complete]");
                }
                self.forged(viewer, a.task_instance, &post).await
            }
            .await;
            self.report.record(
                &format!(
                    "viewer: the task form of {path}, posted from the viewer's browser, leaves instance {} as it was",
                    a.task_instance
                ),
                outcome,
            );
        }
        let outcome = async {
            open(admin, &self.base, "/instances").await?;
            let post = admin
                .js(scripts::BULK_CANCEL_POST, vec![json!(a.task_instance)])
                .await?;
            if post.is_null() {
                fail!("the admin's /instances has no form posting to /instances/bulk");
            }
            if post.get("picked") != Some(&Value::Bool(true)) {
                fail!(
                    "the bulk form on /instances has no checkbox with value {}",
                    a.task_instance
                );
            }
            self.forged(viewer, a.task_instance, &post).await
        }
        .await;
        self.report.record(
            &format!(
                "viewer: a bulk cancel of instance {} posted from the viewer's browser leaves it as it was",
                a.task_instance
            ),
            outcome,
        );
    }

    /// Posts `post` (`{action, body}`) from the viewer's browser; `instance` must look the
    /// same over the API afterwards.
    async fn forged(&self, viewer: &Browser, instance: u64, post: &Value) -> Outcome {
        let before = self.api.snapshot(instance).await?;
        let action = field(post, "action");
        let body = field(post, "body");
        let status = viewer
            .js(scripts::POST_FORM, vec![json!(action), json!(body)])
            .await?;
        // The UI answers a post after the API did the work, but leave a moment anyway.
        tokio::time::sleep(Duration::from_millis(300)).await;
        let after = self.api.snapshot(instance).await?;
        if before != after {
            fail!(
                "POST {action} ({body}) answered {status} and changed instance {instance}: before {before}, after {after}"
            );
        }
        Ok(())
    }

    /// The admin completes the task with the keyboard only; the API shows it completed.
    async fn keyboard_complete(&mut self, b: &Browser) {
        let Some(key) = self.facts.task_key.clone() else {
            return;
        };
        let path = format!("/tasks/{key}");
        let outcome = async {
            open(b, &self.base, &path).await?;
            let marked = b.js(scripts::MARK_TASK_FORM, vec![]).await?;
            if marked.is_null() {
                fail!("no form around [data-testid=task-complete]: {}", short(&text(b).await?));
            }
            let fields = strings(&marked);
            b.js(scripts::FOCUS_START, vec![]).await?;
            let mut filled = Vec::new();
            let mut path_seen = Vec::new();
            let mut reached = false;
            for _ in 0..80 {
                b.press(&[Key::Tab.into()]).await?;
                let Some(focus) = focused(b).await? else { continue };
                path_seen.push(focus.describe());
                if focus.testid == "task-complete" {
                    reached = true;
                    break;
                }
                if focus.in_form && matches!(focus.tag.as_str(), "input" | "textarea") {
                    let value = match focus.kind.as_str() {
                        "number" => "3",
                        "text" | "" | "email" | "search" | "tel" | "url" | "textarea" => "ui-check",
                        _ => continue,
                    };
                    let element = b.client.active_element().await?;
                    element.clear().await?;
                    element.send_keys(value).await?;
                    filled.push(focus.name.clone());
                }
            }
            if !reached {
                fail!("Tab did not reach task-complete; focus went: {}", path_seen.join(" > "));
            }
            let missed: Vec<_> = fields.iter().filter(|f| !path_seen.iter().any(|p| p.contains(&format!("[name={f}]")))).collect();
            if !missed.is_empty() {
                fail!("Tab skipped the form fields {missed:?}; focus went: {}", path_seen.join(" > "));
            }
            b.press(&[Key::Enter.into()]).await?;
            let started = Instant::now();
            loop {
                let snapshot = self.api.snapshot(self.args.task_instance).await?;
                let open = snapshot["tasks"].as_array().is_some_and(|t| {
                    t.iter().any(|t| field(t, "key") == key && field(t, "state") != "completed")
                });
                if !open {
                    return Ok(());
                }
                if started.elapsed() > Duration::from_secs(6) {
                    let shot = self.shot_path(DESKTOP, "task-after-enter");
                    let _ = save_shot(b, &shot).await;
                    fail!("filled {filled:?}, pressed Enter on task-complete, but task {key} is still open: {}", short(&text(b).await?));
                }
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
        .await;
        let shot = self.shot_path(DESKTOP, "task-completed");
        let _ = save_shot(b, &shot).await;
        self.report.record(
            &format!(
                "keyboard: on {path}, Tab from the page start goes through the form's fields to task-complete; typing and Enter complete the task"
            ),
            outcome,
        );
    }
}

/// What a page visit found.
struct PageState(Value);

/// Opens `path`, waits for it to load, saves a screenshot; fails when the page is not a
/// 200 or shows the login form.
async fn visit(b: &Browser, base: &str, path: &str, shot: &PathBuf) -> Result<PageState, Fail> {
    open(b, base, path).await?;
    let state = b.js(scripts::PAGE_STATE, vec![]).await?;
    save_shot(b, shot).await?;
    let status = state["status"].as_u64().unwrap_or(0);
    if status != 200 {
        fail!(
            "{path} answered {status}: {}",
            state["text"].as_str().unwrap_or_default()
        );
    }
    if state["login"].as_bool() == Some(true) {
        fail!("{path} shows the login form: the session was not kept");
    }
    Ok(PageState(state))
}

/// Goes to `path` and waits until it has loaded (and its scripts had a moment to run).
async fn open(b: &Browser, base: &str, path: &str) -> Outcome {
    b.client.goto(&format!("{base}{path}")).await?;
    let started = Instant::now();
    while b.js(scripts::READY, vec![]).await? != Value::Bool(true) {
        if started.elapsed() > Duration::from_secs(10) {
            fail!("{path} did not finish loading within 10 s");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(150)).await;
    Ok(())
}

async fn save_shot(b: &Browser, path: &PathBuf) -> Outcome {
    let png = b.client.screenshot().await?;
    std::fs::write(path, png).map_err(|e| Fail(format!("{}: {e}", path.display())))
}

/// No console errors since the last look, and no resource that failed or came from
/// another server.
async fn clean(b: &Browser, state: &PageState) -> Outcome {
    let mut problems: Vec<String> = strings(&state.0["failed"]);
    problems.extend(
        strings(&state.0["external"])
            .into_iter()
            .map(|u| format!("loaded from another server: {u}")),
    );
    if let Err(Fail(e)) = console(b).await {
        problems.push(e);
    }
    if !problems.is_empty() {
        fail!("{}", problems.join(" | "));
    }
    Ok(())
}

/// The console log has no errors since the last look.
async fn console(b: &Browser) -> Outcome {
    let errors = b.console_errors().await?;
    if !errors.is_empty() {
        let all: Vec<String> = errors
            .iter()
            .map(|e| format!("[{}] {}", e.source, e.message))
            .collect();
        fail!("{} console error(s): {}", all.len(), all.join(" | "));
    }
    Ok(())
}

/// The phone rules: the viewport meta, and nothing wider than the screen.
fn fits(state: &PageState) -> Outcome {
    let viewport = state.0["viewport"].as_str().unwrap_or_default();
    let parts: Vec<String> = viewport
        .split(',')
        .map(|p| p.split_whitespace().collect::<String>())
        .collect();
    if !parts.iter().any(|p| p == "width=device-width")
        || !parts
            .iter()
            .any(|p| p == "initial-scale=1" || p == "initial-scale=1.0")
    {
        fail!("the viewport meta is {viewport:?}, not width=device-width, initial-scale=1");
    }
    let width = state.0["scrollWidth"].as_u64().unwrap_or(u64::MAX);
    if width > u64::from(PHONE.0) {
        fail!(
            "the page is {width}px wide (document.scrollingElement.scrollWidth), the screen {}px",
            PHONE.0
        );
    }
    Ok(())
}

/// Logs in with the keyboard only: from the page start, Tab to the token field, type the
/// token, Tab to the button, Enter.
async fn keyboard_login(b: &Browser, base: &str, token: &str) -> Outcome {
    open(b, base, "/").await?;
    tab_to(b, 30, true, |f| f.testid == "login-token").await?;
    b.client.active_element().await?.send_keys(token).await?;
    tab_to(b, 10, false, |f| f.testid == "login-submit").await?;
    b.press(&[Key::Enter.into()]).await?;
    logged_in(b).await
}

/// Logs in by typing the token and clicking the button.
async fn click_login(b: &Browser, base: &str, token: &str) -> Outcome {
    open(b, base, "/").await?;
    let field = b
        .client
        .find(Locator::Css("[data-testid=\"login-token\"]"))
        .await?;
    field.send_keys(token).await?;
    b.client
        .find(Locator::Css("[data-testid=\"login-submit\"]"))
        .await?
        .click()
        .await?;
    logged_in(b).await
}

/// The login form went away after submitting it.
async fn logged_in(b: &Browser) -> Outcome {
    let started = Instant::now();
    loop {
        let ready = b.js(scripts::READY, vec![]).await? == Value::Bool(true);
        if ready && count(b, "[data-testid=\"login-token\"]").await? == 0 {
            return Ok(());
        }
        if started.elapsed() > Duration::from_secs(5) {
            fail!(
                "the login form is still shown after submitting the token: {}",
                short(&text(b).await?)
            );
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The focused element, as [`scripts::FOCUSED`] describes it.
struct Focus {
    testid: String,
    tag: String,
    kind: String,
    name: String,
    in_form: bool,
    label: String,
}

impl Focus {
    fn describe(&self) -> String {
        let mut s = self.tag.clone();
        if !self.testid.is_empty() {
            s.push_str(&format!("[data-testid={}]", self.testid));
        }
        if !self.name.is_empty() {
            s.push_str(&format!("[name={}]", self.name));
        }
        if !self.label.is_empty() && self.name.is_empty() && self.testid.is_empty() {
            s.push_str(&format!("({})", self.label));
        }
        s
    }
}

async fn focused(b: &Browser) -> Result<Option<Focus>, Fail> {
    let v = b.js(scripts::FOCUSED, vec![]).await?;
    if v.is_null() {
        return Ok(None);
    }
    Ok(Some(Focus {
        testid: field(&v, "testid"),
        tag: field(&v, "tag"),
        kind: field(&v, "type"),
        name: field(&v, "name"),
        in_form: v["inForm"].as_bool() == Some(true),
        label: field(&v, "label"),
    }))
}

/// Presses Tab until the focused element satisfies `want`, at most `limit` times: from
/// the page start (as if nothing had the focus, not even an `autofocus` field) when
/// `from_start`, else from where the focus is.
async fn tab_to(
    b: &Browser,
    limit: usize,
    from_start: bool,
    want: impl Fn(&Focus) -> bool,
) -> Outcome {
    if from_start {
        b.js(scripts::FOCUS_START, vec![]).await?;
    }
    let mut seen = Vec::new();
    for _ in 0..limit {
        b.press(&[Key::Tab.into()]).await?;
        if let Some(focus) = focused(b).await? {
            if want(&focus) {
                return Ok(());
            }
            seen.push(focus.describe());
        }
    }
    // The focus cycles through the page: its first rounds say enough.
    seen.truncate(30);
    fail!(
        "not reached with {limit} Tabs; focus went: {} ...",
        seen.join(" > ")
    )
}

/// No element with `data-testid` `testid` that a person could press.
async fn nothing_to_press(b: &Browser, testid: &str) -> Outcome {
    let n = enabled(b, testid).await?;
    if n > 0 {
        fail!("{n} enabled [data-testid={testid}] for a viewer");
    }
    Ok(())
}

/// Retries `check` for up to 3 s until it passes; its last outcome.
async fn settle(mut check: impl AsyncFnMut() -> Outcome) -> Outcome {
    let started = Instant::now();
    loop {
        let outcome = check().await;
        if outcome.is_ok() || started.elapsed() > Duration::from_secs(3) {
            return outcome;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn text(b: &Browser) -> Result<String, Fail> {
    Ok(b.js(scripts::TEXT, vec![])
        .await?
        .as_str()
        .unwrap_or_default()
        .to_string())
}

async fn count(b: &Browser, selector: &str) -> Result<u64, Fail> {
    Ok(b.js(scripts::COUNT, vec![json!(selector)])
        .await?
        .as_u64()
        .unwrap_or(0))
}

async fn enabled(b: &Browser, testid: &str) -> Result<u64, Fail> {
    Ok(b.js(scripts::ENABLED, vec![json!(testid)])
        .await?
        .as_u64()
        .unwrap_or(0))
}

async fn diagram_classes(b: &Browser) -> Result<Vec<Vec<String>>, Fail> {
    let v = b.js(scripts::DIAGRAM_CLASSES, vec![]).await?;
    Ok(v.as_array()
        .map(|all| all.iter().map(strings).collect())
        .unwrap_or_default())
}

/// A JSON array of strings (anything else: empty).
fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|all| {
            all.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// The first ten, for messages.
fn first<T: Clone>(all: &[T]) -> Vec<T> {
    all.iter().take(10).cloned().collect()
}

/// The start of a text, whitespace squeezed, for messages (and for finding an error
/// message on a page, which may wrap it differently).
fn short(text: &str) -> String {
    let squeezed = text.split_whitespace().collect::<Vec<_>>().join(" ");
    squeezed.chars().take(60).collect()
}

/// The keys of a Camunda form's input components (static `text` and layout components
/// have none), nested groups included.
fn form_keys(schema: &Value) -> Vec<String> {
    let mut keys = Vec::new();
    if let Some(components) = schema.get("components").and_then(Value::as_array) {
        for c in components {
            if let Some(key) = c.get("key").and_then(Value::as_str) {
                keys.push(key.to_string());
            }
            keys.extend(form_keys(c));
        }
    }
    keys
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_keys_are_the_input_components_nested_or_not() {
        let schema = json!({"components": [
            {"type": "text", "text": "Hello"},
            {"type": "textfield", "key": "name"},
            {"type": "group", "components": [{"type": "number", "key": "amount"}]}
        ]});
        assert_eq!(form_keys(&schema), ["name", "amount"]);
    }

    #[test]
    fn a_phone_page_must_fit_and_declare_its_viewport() {
        let state = |viewport: &str, width: u64| {
            PageState(json!({"viewport": viewport, "scrollWidth": width}))
        };
        assert!(fits(&state("width=device-width, initial-scale=1", 390)).is_ok());
        assert!(fits(&state("width=device-width,initial-scale=1.0", 300)).is_ok());
        assert!(fits(&state("width=device-width, initial-scale=1", 391)).is_err());
        assert!(fits(&state("width=1024", 390)).is_err());
    }
}
