//! The `audit` and `audit_head` tables: the audit chain's records and its head. Sealing
//! and verifying are `baton_store::audit`'s; this only reads and writes rows.

use postgres::{GenericClient, Row};

use baton_store::Result;
use baton_store::audit::{self, AuditEntry, AuditFilter, AuditHead, AuditRecord};

use crate::sql::{Lock, Sql, big, get, get_opt_u64, get_u64};

const COLUMNS: &str =
    "seq, at, actor, action, instance, detail, payload_digest, reason, outcome, node, client, hash";

/// Seals `entries` behind the head and writes them and the new head, inside the
/// transaction of the change they describe. The head is read under the audit lock, held to
/// the end of the transaction, so two processes never chain to the same record.
pub(crate) fn append<C: GenericClient>(
    sql: &mut Sql<'_, C>,
    namespace: i32,
    entries: &[AuditEntry],
) -> Result<Vec<AuditRecord>> {
    if entries.is_empty() {
        return Ok(Vec::new());
    }
    sql.lock(namespace, Lock::Audit)?;
    let (records, new_head) = audit::seal_all(entries, head(sql)?.as_ref());
    // One statement for the batch's records, in chain order.
    let (mut seq, mut at, mut actor, mut action, mut instance, mut detail) = (
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
    );
    let (mut payload_digest, mut reason, mut outcome, mut node, mut client, mut hash) = (
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
    );
    for r in &records {
        seq.push(big(r.seq));
        at.push(r.at);
        actor.push(r.actor.as_str());
        action.push(r.action.as_str());
        instance.push(r.instance.map(big));
        detail.push(r.detail.as_str());
        payload_digest.push(r.payload_digest.as_deref());
        reason.push(r.reason.as_deref());
        outcome.push(r.outcome.as_str());
        node.push(r.node.as_str());
        client.push(r.client.as_deref());
        hash.push(r.hash.as_str());
    }
    sql.execute(
        &format!(
            "INSERT INTO audit ({COLUMNS})
             SELECT * FROM unnest($1::BIGINT[], $2::BIGINT[], $3::TEXT[], $4::TEXT[], $5::BIGINT[],
                                  $6::TEXT[], $7::TEXT[], $8::TEXT[], $9::TEXT[], $10::TEXT[],
                                  $11::TEXT[], $12::TEXT[])"
        ),
        &[
            &seq,
            &at,
            &actor,
            &action,
            &instance,
            &detail,
            &payload_digest,
            &reason,
            &outcome,
            &node,
            &client,
            &hash,
        ],
    )?;
    sql.execute(
        "INSERT INTO audit_head (id, seq, hash) VALUES (1, $1, $2)
         ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash",
        &[&big(new_head.seq), &new_head.hash],
    )?;
    Ok(records)
}

pub(crate) fn head<C: GenericClient>(sql: &mut Sql<'_, C>) -> Result<Option<AuditHead>> {
    sql.query_opt("SELECT seq, hash FROM audit_head WHERE id = 1", &[])?
        .map(|r| {
            Ok(AuditHead {
                seq: get_u64(&r, 0)?,
                hash: get(&r, 1)?,
            })
        })
        .transpose()
}

pub(crate) fn records<C: GenericClient>(
    sql: &mut Sql<'_, C>,
    filter: &AuditFilter,
) -> Result<Vec<AuditRecord>> {
    // The action filter matches the action itself or those under it (`instance` →
    // `instance.cancel`).
    let action_prefix = filter.actions_under_like();
    sql.query(
        &format!(
            "SELECT {COLUMNS} FROM audit
             WHERE ($1::BIGINT IS NULL OR at >= $1)
               AND ($2::TEXT IS NULL OR (actor::json ->> 'name') = $2)
               AND ($3::TEXT IS NULL OR action = $3 OR action LIKE $4::TEXT ESCAPE '\\')
               AND ($5::BIGINT IS NULL OR instance = $5)
               AND ($6::BIGINT IS NULL OR seq > $6)
             ORDER BY seq
             LIMIT $7"
        ),
        &[
            &filter.since.map(|t| t.0),
            &filter.actor,
            &filter.action,
            &action_prefix,
            &filter.instance.map(|id| big(id.0)),
            &filter.after.map(big),
            &filter.limit.map(i64::from),
        ],
    )?
    .iter()
    .map(record)
    .collect()
}

fn record(r: &Row) -> Result<AuditRecord> {
    Ok(AuditRecord {
        seq: get_u64(r, 0)?,
        at: get(r, 1)?,
        actor: get(r, 2)?,
        action: get(r, 3)?,
        instance: get_opt_u64(r, 4)?,
        detail: get(r, 5)?,
        payload_digest: get(r, 6)?,
        reason: get(r, 7)?,
        outcome: get(r, 8)?,
        node: get(r, 9)?,
        client: get(r, 10)?,
        hash: get(r, 11)?,
    })
}
