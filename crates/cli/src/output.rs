//! Output for people (tables, timelines) and for scripts (`--json`). Data goes to stdout;
//! messages and hints go to stderr.

use std::io::Write;

use anyhow::Result;
use baton_feel::Value;
use baton_runtime::view::InstanceView;

/// Prints JSON on one line followed by a newline.
pub fn json(value: &serde_json::Value) -> Result<()> {
    let mut out = std::io::stdout().lock();
    serde_json::to_writer(&mut out, value)?;
    writeln!(out)?;
    Ok(())
}

/// Prints rows under a header with aligned columns.
pub fn table(header: &[&str], rows: &[Vec<String>]) -> Result<()> {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            if let Some(w) = widths.get_mut(i) {
                *w = (*w).max(cell.chars().count());
            }
        }
    }
    let mut out = std::io::stdout().lock();
    let line = |cells: Vec<&str>| -> String {
        let padded: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        padded.join("  ").trim_end().to_string()
    };
    writeln!(out, "{}", line(header.to_vec()))?;
    for row in rows {
        writeln!(out, "{}", line(row.iter().map(String::as_str).collect()))?;
    }
    Ok(())
}

/// A duration for people: `12 ms`, `1.5 s`.
pub fn millis(ms: i64) -> String {
    if ms < 1_000 {
        format!("{ms} ms")
    } else {
        format!("{:.1} s", ms as f64 / 1_000.0)
    }
}

/// A timeline row marking a migration: `-- migrated v1 -> v2`, when, and the mapping and
/// reason.
fn migration_row(m: &baton_core::history::MigrationRun, start: i64) -> Vec<String> {
    let mapping: Vec<String> = m
        .mapping
        .iter()
        .map(|(old, new)| format!("{old} -> {new}"))
        .collect();
    let mut what = String::new();
    if !mapping.is_empty() {
        what.push_str(&format!("mapping {}", mapping.join(", ")));
    }
    if !m.reason.is_empty() {
        if !what.is_empty() {
            what.push_str("; ");
        }
        what.push_str(&format!("reason: {}", m.reason));
    }
    vec![
        format!("-- migrated v{} -> v{}", m.from, m.to),
        format!("+{}", millis(m.at.0 - start)),
        "-".to_string(),
        what,
    ]
}

/// The human form of an instance: header, timeline, variables, waits and incidents.
/// `served` is for an instance on a `baton serve`, whose hints differ: the server fires
/// timers itself and remote workers take its jobs.
pub fn instance(view: &InstanceView, served: bool) -> Result<()> {
    let mut out = std::io::stdout().lock();
    let start = view.timeline.first().map_or(0, |r| r.started.0);
    let end = view
        .timeline
        .iter()
        .filter_map(|r| r.ended)
        .map(|t| t.0)
        .max()
        .unwrap_or(start);
    writeln!(
        out,
        "instance {} of {} (version {}): {} after {}",
        view.instance,
        view.process_id,
        view.version,
        view.state,
        millis(end - start)
    )?;
    drop(out);
    if !view.timeline.is_empty() {
        println!();
        let mut rows: Vec<Vec<String>> = Vec::new();
        let mut migrations = view.migrations.iter().peekable();
        for run in &view.timeline {
            // The migration point: after what started before it, before what started
            // later.
            while let Some(m) = migrations.next_if(|m| m.at < run.started) {
                rows.push(migration_row(m, start));
            }
            rows.push(vec![
                run.element.clone(),
                format!("+{}", millis(run.started.0 - start)),
                run.ended
                    .map_or_else(|| "-".to_string(), |e| millis(e.0 - run.started.0)),
                run.outcome.as_str().to_string(),
            ]);
        }
        rows.extend(migrations.map(|m| migration_row(m, start)));
        table(&["element", "started", "took", "outcome"], &rows)?;
        let warned: Vec<_> = view
            .timeline
            .iter()
            .flat_map(|run| run.warnings.iter().map(move |w| (&run.element, w)))
            .collect();
        if !warned.is_empty() {
            println!("\nwarnings");
            for (element, warning) in warned {
                println!("  {element}: {warning}");
            }
        }
    }
    if !view.variables.is_empty() {
        println!("\nvariables");
        for (name, value) in view.variables.iter() {
            println!("  {name} = {}", short(value));
        }
    }
    if !view.llm_calls.is_empty() {
        println!("\nLLM calls");
        let rows: Vec<Vec<String>> = view
            .llm_calls
            .iter()
            .map(|c| {
                let call = &c.call;
                let outcome = match (&call.error, call.valid) {
                    (_, true) => "valid".to_string(),
                    (Some(error), false) => clip(error, 60),
                    (None, false) => "invalid".to_string(),
                };
                vec![
                    c.element.clone(),
                    format!("{}/{}", call.provider, call.model),
                    if call.cache_hit {
                        "cache".to_string()
                    } else {
                        millis(i64::try_from(call.latency_ms).unwrap_or(i64::MAX))
                    },
                    format!("{}+{}", call.tokens_in, call.tokens_out),
                    outcome,
                ]
            })
            .collect();
        table(
            &["element", "provider/model", "took", "tokens", "answer"],
            &rows,
        )?;
    }
    for wait in &view.waiting {
        let label = wait
            .name
            .as_deref()
            .map_or_else(String::new, |n| format!(" \"{n}\""));
        match wait.kind {
            "user_task" => {
                let holder = wait
                    .assignee
                    .as_deref()
                    .map_or_else(String::new, |a| format!(", claimed by {a}"));
                println!(
                    "\nwaiting for user task {}{label} ({}{holder})",
                    wait.id, wait.element
                );
                println!(
                    "  complete it with: baton complete {} --var NAME=VALUE",
                    wait.id
                );
            }
            "timer" => {
                let due = wait
                    .due
                    .map_or(String::new(), |d| format!(" due at {} ms", d.0));
                println!("\nwaiting for timer {} ({}){due}", wait.id, wait.element);
                if served {
                    println!("  the server fires it when it is due");
                } else {
                    println!(
                        "  `baton run` sleeps until it is due; otherwise `baton timers --fire-due`"
                    );
                }
            }
            "message" => {
                let what = wait.name.as_deref().unwrap_or("?");
                println!("\nwaiting for message {what} at {}", wait.element);
                println!("  publish it with: baton publish NAME --key KEY");
            }
            "child" => {
                println!(
                    "\nwaiting for child instance {} of call activity {}",
                    wait.id.instance, wait.element
                );
                println!("  see it with: baton show {}", wait.id.instance);
            }
            "signal" => {
                let what = wait.name.as_deref().unwrap_or("?");
                println!("\nwaiting for signal '{what}' at {}", wait.element);
                println!("  broadcast it with: baton signal {what}");
            }
            _ => {
                let job_type = wait.job_type.as_deref().unwrap_or("?");
                println!(
                    "\nwaiting for job {} of type '{job_type}' ({}){label}",
                    wait.id, wait.element
                );
                if served {
                    println!(
                        "  no worker has taken it: run one with `baton worker {job_type} -- COMMAND`"
                    );
                } else {
                    println!(
                        "  no local handler ran it: add [workers.{job_type}] command = \"...\" to baton.toml and run `baton resume`"
                    );
                }
            }
        }
    }
    for incident in &view.incidents {
        println!(
            "\nincident {} on {}: {}",
            incident.id, incident.element, incident.message
        );
        println!("  fix the cause, then: baton resolve {}", incident.id);
    }
    Ok(())
}

/// A value on one line, shortened for tables.
pub fn short(value: &Value) -> String {
    clip(&value.to_string(), 80)
}

/// Text on one line of at most `max` characters.
fn clip(text: &str, max: usize) -> String {
    let text = text.replace('\n', " ");
    if text.chars().count() <= max {
        return text;
    }
    let cut: String = text.chars().take(max.saturating_sub(3)).collect();
    format!("{cut}...")
}
