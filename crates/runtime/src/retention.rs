//! Retention: removing ended instances after a while, optionally archiving them first.
//!
//! `baton prune` and `baton serve`'s `[retention]` schedule both go through
//! [`Runtime::prune`]. It works in bounded batches (a batch is one store transaction), so a
//! server keeps serving between them. With an archive, each batch's instances are first
//! written as JSON lines (one per instance: its summary and its whole journal) in one
//! zstd frame appended to the archive file, and the file is synced before that batch is
//! deleted: a crash loses nothing that was not archived. A file of several frames is a
//! valid zstd file (`zstd -d` reads them all, one after the other).

use std::io::Write as _;
use std::path::{Path, PathBuf};

use baton_core::{InstanceId, Timestamp};
use baton_store::audit::AuditEntry;
use baton_store::{InstanceRow, Store};
use serde_json::json;

use crate::error::Error;
use crate::runtime::Runtime;

/// Instances removed (and archived) in one store transaction, unless told otherwise.
pub const DEFAULT_BATCH_SIZE: u32 = 500;

/// What to prune.
#[derive(Clone, Debug)]
pub struct PruneOptions {
    /// Instances that ended before this time go.
    pub ended_before: Timestamp,
    /// Only find them: nothing is archived or removed.
    pub dry_run: bool,
    /// Append the instances to this zstd-compressed JSON-lines file before removing them.
    pub archive: Option<PathBuf>,
    /// Instances per batch (one transaction each).
    pub batch_size: u32,
    /// Stop after this many batches (a server's scheduled prune does one at a time and
    /// serves requests in between); `None` goes on until none is left.
    pub max_batches: Option<usize>,
    /// Who prunes and why: each batch that removes something is recorded in the audit
    /// trail with this entry (and the instances it removed), in the batch's transaction.
    pub audit: Option<AuditEntry>,
}

impl PruneOptions {
    /// Every instance that ended before `ended_before`, in batches of the default size.
    pub fn new(ended_before: Timestamp) -> PruneOptions {
        PruneOptions {
            ended_before,
            dry_run: false,
            archive: None,
            batch_size: DEFAULT_BATCH_SIZE,
            max_batches: None,
            audit: None,
        }
    }
}

/// What a prune removed (or, dry, would remove).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Pruned {
    /// The instances removed (or found, on a dry run), in id order.
    pub instances: Vec<InstanceId>,
    pub dry_run: bool,
    /// The prune stopped at `max_batches` with a full last batch: more may be left.
    pub more: bool,
}

impl<S: Store> Runtime<S> {
    /// Removes ended instances (completed or cancelled) whose end is before
    /// `options.ended_before`: their journals and every projection row, batch by batch.
    /// A child instance whose parent still runs is kept. Cached states of removed
    /// instances are forgotten.
    ///
    /// This is the one place instances are pruned; each batch that removes something is
    /// an audit record (`options.audit`) committed with its deletion.
    pub fn prune(&mut self, options: &PruneOptions) -> Result<Pruned, Error> {
        // Work staged before the prune is committed first, so that what ended is in the
        // store and nothing staged refers to an instance about to go.
        self.flush()?;
        let batch_size = options.batch_size.max(1);
        let mut pruned = Pruned {
            dry_run: options.dry_run,
            ..Pruned::default()
        };
        let mut after = None;
        let mut batches = 0;
        loop {
            if options.max_batches.is_some_and(|max| batches >= max) {
                pruned.more = true;
                break;
            }
            // A dry run pages through the candidates; a real one takes the first ones
            // each time, since the previous batch is gone.
            let found = self
                .store()
                .prunable(options.ended_before, after, batch_size)?;
            let Some(last) = found.last() else {
                break;
            };
            batches += 1;
            let full = found.len() == batch_size as usize;
            if options.dry_run {
                after = Some(last.instance);
                pruned.instances.extend(found.iter().map(|r| r.instance));
            } else {
                if let Some(path) = &options.archive {
                    archive(self.store(), &found, path)?;
                }
                let ids: Vec<InstanceId> = found.iter().map(|r| r.instance).collect();
                let audit = options.audit.clone().map(|entry| self.stamp(entry));
                let removed = self.store_mut().prune(&ids, audit)?;
                self.forget_instances(&removed);
                pruned.instances.extend(removed);
            }
            if !full {
                break;
            }
        }
        Ok(pruned)
    }
}

/// Appends `instances` (summary and journal, one JSON line each) as one zstd frame to
/// `path`, and syncs the file.
fn archive<S: Store>(store: &S, instances: &[InstanceRow], path: &Path) -> Result<(), Error> {
    let failed = |source: std::io::Error| Error::Archive {
        path: path.to_path_buf(),
        source,
    };
    let mut lines = Vec::new();
    for row in instances {
        let journal = store.journal(row.instance)?;
        let line = json!({
            "instance": row.instance.0,
            "process": row.process_id,
            "version": row.version,
            "state": row.state,
            "started_at": row.started_at.0,
            "ended_at": row.ended_at.map(|t| t.0),
            "parent": row.parent.map(|p| p.0),
            "journal": journal.iter().map(|r| json!({
                "seq": r.seq,
                "at": r.at.0,
                "event": r.event,
            })).collect::<Vec<_>>(),
        });
        serde_json::to_writer(&mut lines, &line).map_err(|e| failed(e.into()))?;
        lines.push(b'\n');
    }
    let frame = ruzstd::encoding::compress_to_vec(
        lines.as_slice(),
        ruzstd::encoding::CompressionLevel::Fastest,
    );
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(failed)?;
    }
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(failed)?;
    file.write_all(&frame).map_err(failed)?;
    file.sync_all().map_err(failed)?;
    Ok(())
}

/// An age such as `0s`, `90m`, `36h` or `30d` (parts may be combined: `1h30m`), in
/// milliseconds. Units: `ms`, `s`, `m`, `h`, `d`, `w`.
pub fn parse_age(text: &str) -> Result<u64, AgeError> {
    let invalid = || AgeError(text.to_string());
    let mut rest = text.trim();
    if rest.is_empty() {
        return Err(invalid());
    }
    let mut total: u64 = 0;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !c.is_ascii_digit())
            .ok_or_else(invalid)?;
        if digits == 0 {
            return Err(invalid());
        }
        let number: u64 = rest[..digits].parse().map_err(|_| invalid())?;
        rest = &rest[digits..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(rest.len());
        let millis: u64 = match &rest[..unit_len] {
            "ms" => 1,
            "s" => 1_000,
            "m" => 60_000,
            "h" => 3_600_000,
            "d" => 86_400_000,
            "w" => 7 * 86_400_000,
            _ => return Err(invalid()),
        };
        rest = &rest[unit_len..];
        total = number
            .checked_mul(millis)
            .and_then(|n| total.checked_add(n))
            .ok_or_else(invalid)?;
    }
    Ok(total)
}

/// A duration that [`parse_age`] does not read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "'{0}' is not a duration: write a number and a unit (ms, s, m, h, d, w), e.g. 30d or 1h30m"
)]
pub struct AgeError(pub String);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_read_numbers_with_units_and_refuse_the_rest() {
        assert_eq!(parse_age("0s"), Ok(0));
        assert_eq!(parse_age("90m"), Ok(90 * 60_000));
        assert_eq!(parse_age("30d"), Ok(30 * 86_400_000));
        assert_eq!(parse_age("1h30m"), Ok(90 * 60_000));
        assert_eq!(parse_age("250ms"), Ok(250));
        assert_eq!(parse_age("2w"), Ok(14 * 86_400_000));
        for bad in [
            "",
            "30",
            "d",
            "30 days",
            "-1d",
            "1.5h",
            "99999999999999999999d",
        ] {
            assert_eq!(parse_age(bad), Err(AgeError(bad.to_string())), "{bad}");
        }
    }
}
