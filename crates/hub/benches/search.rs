//! How long `hub add` (cloning and indexing) and `hub search` take on a hub of N
//! workflows (default 1,000). In a debug build, as the shared machine asks:
//! `cargo test -p baton-hub --bench search -- [N] [DIR]`; `cargo bench -p baton-hub` for
//! an optimized one.
//! With DIR the repository, settings and cache stay there, so the `baton` binary can be
//! timed on the same hub (`XDG_CONFIG_HOME=DIR/config XDG_CACHE_HOME=DIR/cache`).

use std::path::PathBuf;
use std::time::Instant;

use baton_hub::{Hubs, Paths, Query};
use git2::{Repository, Signature};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let count: usize = args.next().map(|n| n.parse()).transpose()?.unwrap_or(1_000);
    let temporary = tempfile::tempdir()?;
    let dir = args
        .next()
        .map(PathBuf::from)
        .unwrap_or_else(|| temporary.path().to_path_buf());

    let started = Instant::now();
    let upstream = dir.join("upstream.git");
    let repo = Repository::init_bare(&upstream)?;
    let mut tree = repo.treebuilder(None)?;
    for n in 0..count {
        let tag = if n % 10 == 0 { "release" } else { "data" };
        let text = format!(
            "id: w{n:04}\nname: Workflow {n}\ndescription: Generated for the benchmark\nversion: 1.0.{n}\ntags: [{tag}, bench]\ncategory: bench\n\nphases:\n  build:\n    run: echo build\n  test:\n    needs: [build]\n    run: echo test\n"
        );
        tree.insert(
            format!("w{n:04}.yaml"),
            repo.blob(text.as_bytes())?,
            0o100644,
        )?;
    }
    let tree = repo.find_tree(tree.write()?)?;
    let me = Signature::now("bench", "bench@example.com")?;
    repo.commit(Some("HEAD"), &me, &me, "Workflows", &tree, &[])?;
    println!("repository of {count} workflows: {:?}", started.elapsed());

    let paths = || {
        Paths::new(
            dir.join("config/baton/hubs.toml"),
            dir.join("cache/baton/hubs"),
        )
    };
    let started = Instant::now();
    let added = Hubs::open(paths())?.add("bench", &upstream.to_string_lossy())?;
    println!(
        "hub add (clone and index {} workflows): {:?}",
        added.workflows,
        started.elapsed()
    );

    let query = Query {
        text: Some("release".to_string()),
        ..Query::default()
    };
    for round in 1..=3 {
        let started = Instant::now();
        let hits = Hubs::open(paths())?.search(&query)?;
        println!(
            "hub search release, round {round}: {} hits in {:?}",
            hits.len(),
            started.elapsed()
        );
    }
    Ok(())
}
