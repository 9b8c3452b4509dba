//! One file per subcommand; this module dispatches and holds what several share.

mod apply;
mod audit;
mod bench;
mod cancel;
mod claim;
mod cluster;
mod complete;
mod convert;
mod decide;
mod deploy;
mod diff;
mod history;
mod hub;
mod incidents;
mod instances;
mod layout;
mod lint;
mod llm;
mod metrics;
mod migrate;
mod modify;
mod plan;
mod prune;
mod publish;
mod render;
mod resolve;
mod resume;
mod rollback;
mod run;
mod serve;
mod show;
mod signal;
mod simulate;
mod start;
mod stats;
mod status;
mod store;
mod tasks;
mod tck;
mod test;
mod timers;
mod token;
mod worker;

use std::path::Path;

use anyhow::Result;
use baton_core::{GlobalKey, InstanceId};
use baton_runtime::{Source, read_source};

use crate::cli::{
    AuditCommand, Cli, ClusterCommand, Commands, LlmCommand, RemoteArgs, StoreCommand, TokenCommand,
};
use crate::exit::{self, InputError};
use crate::output;
use crate::remote::{self, Client, Tuning};
use crate::workspace::EmbeddedRuntime;

pub fn run(cli: Cli) -> Result<u8> {
    match cli.command {
        Commands::Run {
            files,
            process,
            vars,
            dry_run,
            no_wait,
            audit,
            store,
        } => run::run(
            &files,
            process.as_deref(),
            &vars,
            dry_run,
            no_wait,
            audit.reason,
            &store,
        ),
        Commands::Deploy {
            files,
            audit,
            remote,
            store,
        } => match server(&remote)? {
            Some(client) => deploy::remote(&client, &files, audit.reason, &store),
            None => deploy::run(&files, audit.reason, &store),
        },
        Commands::Start {
            process_id,
            vars,
            version,
            count,
            no_wait,
            traceparent,
            audit,
            remote,
            store,
        } => {
            let options = start::Options {
                version,
                count,
                no_wait,
                traceparent,
                reason: audit.reason,
            };
            match server(&remote)? {
                Some(client) => start::remote(&client, &process_id, &vars, &options, &store),
                None => start::run(&process_id, &vars, &options, &store),
            }
        }
        Commands::Resume {
            no_wait,
            dir,
            store,
        } => resume::run(no_wait, dir.as_deref(), &store),
        Commands::Apply {
            workflow,
            vars,
            no_wait,
            audit,
            project,
        } => apply::run(&workflow, &vars, no_wait, audit.reason, &project),
        Commands::Status { project } => status::run(&project),
        Commands::Rollback {
            instance,
            audit,
            project,
        } => rollback::run(instance.map(InstanceId), audit.reason, &project),
        Commands::Publish {
            name,
            key,
            vars,
            ttl,
            audit,
            remote,
            store,
        } => match server(&remote)? {
            Some(client) => publish::remote(
                &client,
                &name,
                &key,
                &vars,
                ttl.as_deref(),
                audit.reason,
                &store,
            ),
            None => publish::run(&name, &key, &vars, ttl.as_deref(), audit.reason, &store),
        },
        Commands::Signal {
            name,
            vars,
            audit,
            remote,
            store,
        } => match server(&remote)? {
            Some(client) => signal::remote(&client, &name, &vars, audit.reason, &store),
            None => signal::run(&name, &vars, audit.reason, &store),
        },
        Commands::Timers { fire_due, store } => timers::run(fire_due, &store),
        Commands::Metrics { db } => metrics::run(db),
        Commands::Serve {
            listen,
            db,
            insecure_dev,
        } => serve::run(listen, db, insecure_dev),
        Commands::Worker(args) => worker::run(args),
        Commands::Modify {
            instance,
            activate,
            terminate,
            vars,
            reason,
            remote,
            store,
        } => {
            let change = modify::Change {
                activate,
                terminate,
                reason,
            };
            match server(&remote)? {
                Some(client) => {
                    modify::modify_remote(&client, InstanceId(instance), change, &vars, &store)
                }
                None => modify::modify(InstanceId(instance), change, &vars, &store),
            }
        }
        Commands::Restart {
            instance,
            from,
            vars,
            audit,
            remote,
            store,
        } => match server(&remote)? {
            Some(client) => modify::restart_remote(
                &client,
                InstanceId(instance),
                &from,
                &vars,
                audit.reason,
                &store,
            ),
            None => modify::restart(InstanceId(instance), &from, &vars, audit.reason, &store),
        },
        Commands::Instances {
            process,
            state,
            remote,
            store,
        } => match server(&remote)? {
            Some(client) => instances::remote(&client, process, state, &store),
            None => instances::run(process, state, &store),
        },
        Commands::History {
            process,
            version,
            element,
            state,
            from,
            to,
            limit,
            csv,
            store,
        } => {
            let query = history::Query {
                process,
                version,
                element,
                state,
                from,
                to,
                limit,
            };
            history::run(query, csv, &store)
        }
        Commands::Stats {
            process_id,
            version,
            store,
        } => stats::run(&process_id, version, &store),
        Commands::Prune {
            ended_before,
            archive,
            dry_run,
            audit,
            store,
        } => prune::run(&ended_before, archive, dry_run, audit.reason, &store),
        Commands::Diff {
            a,
            b,
            process,
            store,
        } => diff::run(&a, &b, process.as_deref(), &store),
        Commands::Migrate {
            process,
            from,
            to,
            all,
            instances,
            map,
            reason,
            preview,
            store,
        } => migrate::run(
            migrate::Selection {
                process,
                from,
                to,
                all,
                instances: instances.into_iter().map(InstanceId).collect(),
                map,
                reason,
                preview,
            },
            &store,
        ),
        Commands::Show {
            instance,
            remote,
            store,
        } => match server(&remote)? {
            Some(client) => show::remote(&client, InstanceId(instance), &store),
            None => show::run(InstanceId(instance), &store),
        },
        Commands::Tasks {
            filter,
            remote,
            store,
        } => match server(&remote)? {
            Some(client) => tasks::remote(&client, &filter, &store),
            None => tasks::run(&filter, &store),
        },
        Commands::Claim {
            task,
            assignee,
            force,
            audit,
            remote,
            store,
        } => match server(&remote)? {
            Some(client) => {
                claim::remote(&client, &task, Some(&assignee), force, audit.reason, &store)
            }
            None => claim::run(&task, Some(&assignee), force, audit.reason, &store),
        },
        Commands::Unclaim {
            task,
            audit,
            remote,
            store,
        } => match server(&remote)? {
            Some(client) => claim::remote(&client, &task, None, true, audit.reason, &store),
            None => claim::run(&task, None, true, audit.reason, &store),
        },
        Commands::Complete {
            task,
            vars,
            audit,
            remote,
            store,
        } => match server(&remote)? {
            Some(client) => complete::remote(&client, &task, &vars, audit.reason, &store),
            None => complete::run(&task, &vars, audit.reason, &store),
        },
        Commands::Cancel {
            instance,
            audit,
            remote,
            store,
        } => match server(&remote)? {
            Some(client) => cancel::remote(&client, InstanceId(instance), audit.reason, &store),
            None => cancel::run(InstanceId(instance), audit.reason, &store),
        },
        Commands::Incidents { remote, store } => match server(&remote)? {
            Some(client) => incidents::remote(&client, &store),
            None => incidents::run(&store),
        },
        Commands::Resolve {
            incident,
            retries,
            audit,
            remote,
            store,
        } => match server(&remote)? {
            Some(client) => resolve::remote(&client, &incident, retries, audit.reason, &store),
            None => resolve::run(&incident, retries, audit.reason, &store),
        },
        Commands::Decide {
            files,
            decision,
            vars,
            json,
        } => decide::run(&files, decision.as_deref(), &vars, json),
        Commands::Render {
            model,
            output,
            instance,
            store,
        } => render::run(model.as_deref(), output.as_deref(), instance, &store),
        Commands::Layout { model, output } => layout::run(&model, output.as_deref()),
        Commands::Lint {
            files,
            config,
            json,
        } => lint::run(&files, config.as_deref(), json),
        Commands::Plan {
            file,
            process,
            db,
            json,
            mermaid,
            dot,
        } => {
            let format = match (json, mermaid, dot) {
                (true, _, _) => plan::Format::Json,
                (_, true, _) => plan::Format::Mermaid,
                (_, _, true) => plan::Format::Dot,
                _ => plan::Format::Table,
            };
            plan::run(&file, process.as_deref(), db.as_deref(), format)
        }
        Commands::Convert { file, output } => convert::run(&file, output.as_deref()),
        Commands::Tck { dir, json, csv } => tck::run(&dir, json, csv.as_deref()),
        Commands::Test {
            paths,
            junit,
            coverage,
            jobs,
        } => test::run(&paths, junit.as_deref(), coverage.as_deref(), jobs),
        Commands::Bench {
            files,
            process,
            decision,
            feel,
            instances,
            vars,
            durable,
            migrate_to,
            map,
            store,
        } => match (feel, decision) {
            _ if migrate_to.is_some() => bench::migration(
                &files,
                migrate_to.as_deref().unwrap_or(Path::new("")),
                &map,
                instances,
                &vars,
                &store,
            ),
            (Some(expression), _) => bench::feel(&expression, instances, &vars, store.json),
            (None, Some(decision)) => {
                bench::decision(&files, &decision, instances, &vars, store.json)
            }
            (None, None) => bench::run(
                &files,
                process.as_deref(),
                instances,
                &vars,
                durable,
                &store,
            ),
        },
        Commands::Cluster { command } => match command {
            ClusterCommand::Status { db, json } => cluster::status(db.as_deref(), json),
        },
        Commands::Store { command } => match command {
            StoreCommand::Copy { from, to, json } => store::copy(&from, &to, json),
        },
        Commands::Token { command } => match command {
            TokenCommand::Create {
                role,
                tenant,
                name,
                audit,
                store,
            } => token::create(&role, &tenant, name, audit.reason, &store),
            TokenCommand::List { tenant, store } => token::list(tenant.as_deref(), &store),
            TokenCommand::Revoke { id, audit, store } => token::revoke(&id, audit.reason, &store),
        },
        Commands::Audit { command } => match command {
            AuditCommand::List { filter, store } => audit::list(&filter, &store),
            AuditCommand::Export {
                format,
                filter,
                store,
            } => audit::export(&format, &filter, &store),
            AuditCommand::Verify { pubkey, store } => audit::verify(pubkey.as_deref(), &store),
            AuditCommand::Checkpoint { key, audit, store } => {
                audit::checkpoint(&key, audit.reason, &store)
            }
            AuditCommand::Keygen { out } => audit::keygen(&out),
        },
        Commands::Hub { command } => hub::run(command),
        Commands::Llm { command } => match command {
            LlmCommand::Stats { process, store } => llm::stats(process.as_deref(), &store),
        },
    }
}

/// Reads model files, naming the file that could not be read.
/// Reads the model files named on the command line; one that cannot be read (missing, a
/// directory, not readable) is the input's fault, exit 2. A YAML workflow brings the DMN
/// files its `decision:` phases name (relative to it), unless they are named already.
fn read_sources(files: &[impl AsRef<Path>]) -> Result<Vec<Source>> {
    let mut sources: Vec<Source> = files
        .iter()
        .map(|f| {
            let path = f.as_ref();
            let mut source = read_source(path).map_err(|e| unreadable(path, &e))?;
            // A YAML workflow's templates and schemas are found from its stored name,
            // later and from any directory, so the name it is stored under is absolute.
            if baton_yaml::is_yaml(path)
                && let Ok(absolute) = std::path::absolute(path)
            {
                source.name = absolute;
            }
            Ok(source)
        })
        .collect::<Result<_>>()?;
    let mut wanted = Vec::new();
    for source in sources.iter().filter(|s| baton_yaml::is_yaml(&s.name)) {
        let dir = source.name.parent().unwrap_or(Path::new(""));
        if let Some(workflow) = baton_yaml::parse(&source.text, None).workflow {
            decision_files(&workflow.phases, &mut |file| wanted.push(dir.join(file)));
        }
    }
    for path in wanted {
        let same = |s: &Source| s.name == path || (s.name.exists() && same_file(&s.name, &path));
        if !sources.iter().any(same) {
            sources.push(read_source(&path).map_err(|e| unreadable(&path, &e))?);
        }
    }
    Ok(sources)
}

fn decision_files(phases: &[baton_yaml::ast::Phase], found: &mut impl FnMut(&str)) {
    for phase in phases {
        if let Some(decision) = &phase.decision {
            found(&decision.file);
        }
        decision_files(&phase.steps, found);
    }
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

fn unreadable(path: &Path, error: &std::io::Error) -> InputError {
    InputError(format!("could not read {}: {error}", path.display()))
}

fn parse_key(text: &str) -> Result<GlobalKey> {
    text.parse::<GlobalKey>()
        .map_err(|e| InputError(e.to_string()).into())
}

/// Prints an instance (human or JSON) and returns the exit code its state means.
fn print_instance(runtime: &mut EmbeddedRuntime, instance: InstanceId, json: bool) -> Result<u8> {
    let view = runtime.view(instance)?;
    if json {
        output::json(&view.to_json())?;
    } else {
        output::instance(&view, false)?;
    }
    Ok(exit_code(view.state))
}

/// The client for `--server` (or `BATON_SERVER`); `None` to use the store file.
fn server(args: &RemoteArgs) -> Result<Option<Client>> {
    let Some(url) = args.server.as_deref().filter(|u| !u.is_empty()) else {
        return Ok(None);
    };
    let tuning = Tuning {
        idle_connections: 1,
        // The server runs a started or completed instance until it waits.
        timeout: std::time::Duration::from_secs(300),
        role: "operator",
    };
    Client::new(url, args.token.as_deref(), &tuning).map(Some)
}

/// Prints an instance object from the API as `print_instance` prints the store's, and
/// returns the exit code its state means.
fn print_remote_instance(api: serde_json::Value, json: bool) -> Result<u8> {
    let instance = remote::cli_instance(api);
    let view = remote::instance_view(&instance)?;
    if json {
        output::json(&instance)?;
    } else {
        output::instance(&view, true)?;
    }
    Ok(exit_code(view.state))
}

/// GETs an instance from the server and prints it.
fn print_server_instance(client: &Client, instance: InstanceId, json: bool) -> Result<u8> {
    let api = client.get(&format!("/v1/process-instances/{}", instance.0))?;
    print_remote_instance(api, json)
}

fn exit_code(state: &str) -> u8 {
    match state {
        "incident" | "failed" => exit::INSTANCE_FAILED,
        _ => exit::OK,
    }
}

fn patience(no_wait: bool) -> baton_runtime::Patience {
    if no_wait {
        baton_runtime::Patience::DueNow
    } else {
        baton_runtime::Patience::WaitForRetries
    }
}
