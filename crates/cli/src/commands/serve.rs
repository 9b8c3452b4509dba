//! `baton serve`: the engine behind the REST API, on the store `--db` names, one store
//! per tenant (beside a SQLite file, or a schema each in a PostgreSQL database).

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::{Context as _, Result};
use baton_auth::TenantId;
use baton_server::auth::Tokens;
use baton_server::engine::Tenants;
use baton_server::traces::TraceSettings;
use baton_server::{existing_tenants, tenant_db};
use baton_store_any::{Durability, Location};

use crate::workspace::{self, EmbeddedRuntime};

pub fn run(listen: SocketAddr, db: Option<PathBuf>, insecure_dev: bool) -> Result<u8> {
    let db = workspace::db_location(db.as_deref());
    let open = {
        let db = db.clone();
        move |tenant: &str| {
            // Principals carry valid ids only; parsing again keeps a path or schema from
            // ever being made of anything else.
            let tenant: TenantId = tenant.parse().map_err(|e| format!("{e}"))?;
            open_tenant(&tenant_db(&db, &tenant)).map_err(|e| format!("{e:#}"))
        }
    };
    let mut tenants = Tenants::new(Box::new(open));
    // Open jobs, timers and timer start events from before a restart, in every tenant.
    for tenant in std::iter::once(TenantId::default_tenant()).chain(existing_tenants(&db)) {
        let runtime = open_tenant(&tenant_db(&db, &tenant))
            .with_context(|| format!("opening the store of tenant '{tenant}'"))?;
        tenants.insert(tenant.as_str(), runtime);
    }
    // Traces: `[telemetry]` of baton.toml, overridden by the standard OTEL_* variables.
    let telemetry = workspace::config()?.telemetry;
    let traces = TraceSettings::resolve(&telemetry, |name| std::env::var(name).ok())
        .map_err(crate::exit::InputError)?;
    baton_server::serve(tenants, Tokens::at(db), listen, insecure_dev, traces)
        .with_context(|| format!("serving on {listen}"))?;
    Ok(0)
}

fn open_tenant(db: &Location) -> Result<EmbeddedRuntime> {
    if let Some(dir) = db
        .file()
        .and_then(|path| path.parent())
        .filter(|d| !d.as_os_str().is_empty())
    {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("creating the directory {}", dir.display()))?;
    }
    let mut runtime = workspace::open_with(db, Durability::Full)?;
    runtime.recover()?;
    Ok(runtime)
}
