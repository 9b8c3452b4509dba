//! Writing a committed batch in a handful of statements: one multi-row statement (arrays
//! bound as parameters, `unnest`ed) per table the batch touches, however many appends it
//! holds. Each statement is a network round trip on the synchronous client, so a statement
//! per row made a group-committed batch of 30 instances cost hundreds of them.
//!
//! The result must be what writing the appends one after another (in instance order, each
//! append's rows in the order of `RowChanges`) would leave. Within one statement a row can
//! be written only once, so the rows of one key are folded first:
//! - an upsert whose `DO UPDATE` overwrites its columns becomes one upsert with the insert
//!   columns of the key's first row and the update columns of its last;
//! - a delete wins over the upserts before it, and the delete statement runs before the
//!   upserts, so an upsert after a delete (a fresh row) survives;
//! - a user task's upsert keeps the assignee of a closed task from the row it updates, which
//!   no single upsert can reproduce, so its rows go in rounds: the n-th row of each key in
//!   the n-th statement (a batch rarely touches one task twice).

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use postgres::GenericClient;

use baton_store::{
    Append, DecisionRouteRow, ElementRow, Error, IncidentRow, InstanceRow, JobRow, LlmCallRow,
    Result, SubscriptionRow, TimerRow, UserTaskRow, VariableRow,
};

use crate::rows;
use crate::sql::{Sql, big, get};

/// `(instance, key)` of a projection row.
type RowKey = (i64, i64);

/// Writes `ordered` (sorted by instance, each instance's appends in theirs): the journal,
/// then every projection table. A conflicting append fails the whole batch with
/// [`Error::Conflict`]; the caller's transaction then rolls back what was written.
pub(crate) fn write<C: GenericClient>(sql: &mut Sql<'_, C>, ordered: &[&Append]) -> Result<()> {
    journal(sql, ordered)?;
    Projection::fold(ordered).write(sql)
}

/// The primary key `(instance, seq)` is what keeps two writers apart: of two processes
/// appending at one position, the second waits for the first's transaction and then
/// inserts nothing. An append whose row is not returned (or repeats a position of this very
/// batch) conflicts. Start timers are fired here, append by append, so that the first
/// failing append in order decides the error, as when appends were written one by one.
fn journal<C: GenericClient>(sql: &mut Sql<'_, C>, ordered: &[&Append]) -> Result<()> {
    let n = ordered.len();
    let (mut instances, mut seqs, mut ats, mut events) = (
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
    );
    for append in ordered {
        instances.push(big(append.instance.0));
        seqs.push(big(append.first_seq));
        ats.push(append.at.0);
        events.push(append.events_json.as_str());
    }
    let returned = sql.query(
        "INSERT INTO journal (instance, seq, at, events)
         SELECT * FROM unnest($1::BIGINT[], $2::BIGINT[], $3::BIGINT[], $4::TEXT[])
         ON CONFLICT (instance, seq) DO NOTHING RETURNING instance, seq",
        &[&instances, &seqs, &ats, &events],
    )?;
    let mut inserted = HashSet::with_capacity(returned.len());
    for row in &returned {
        inserted.insert((get::<i64>(row, 0)?, get::<i64>(row, 1)?));
    }
    for append in ordered {
        if !inserted.remove(&(big(append.instance.0), big(append.first_seq))) {
            return Err(Error::Conflict(append.instance));
        }
        if let Some(fired) = &append.rows.start_timer_fired {
            rows::start_timer_fired(sql, fired)?;
        }
    }
    Ok(())
}

/// The first and the last row a batch writes for one key.
struct Span<'a, R> {
    first: &'a R,
    last: &'a R,
}

fn upsert<'a, K: Ord, R>(map: &mut BTreeMap<K, Span<'a, R>>, key: K, row: &'a R) {
    map.entry(key)
        .and_modify(|span| span.last = row)
        .or_insert(Span {
            first: row,
            last: row,
        });
}

/// Every projection change of a batch, folded per key (see the module's comment). Maps and
/// sets are ordered by key, so two processes writing the same rows lock them in one order.
#[derive(Default)]
struct Projection<'a> {
    instances: BTreeMap<i64, Span<'a, InstanceRow>>,
    elements: BTreeMap<RowKey, Span<'a, ElementRow>>,
    jobs: BTreeMap<RowKey, Span<'a, JobRow>>,
    jobs_removed: BTreeSet<RowKey>,
    user_tasks: Vec<Vec<&'a UserTaskRow>>,
    incidents: BTreeMap<RowKey, Span<'a, IncidentRow>>,
    variables: BTreeMap<(i64, i64, &'a str), &'a VariableRow>,
    scopes_removed: BTreeSet<RowKey>,
    timers: BTreeMap<RowKey, Span<'a, TimerRow>>,
    timers_removed: BTreeSet<RowKey>,
    subscriptions: BTreeMap<RowKey, &'a SubscriptionRow>,
    subscriptions_removed: BTreeSet<RowKey>,
    llm_calls: Vec<&'a LlmCallRow>,
    decision_routes: Vec<&'a DecisionRouteRow>,
    /// `(from_seq, to_seq)`: the first append's start, the last one's end.
    trace: BTreeMap<i64, (i64, i64)>,
}

impl<'a> Projection<'a> {
    fn fold(ordered: &[&'a Append]) -> Self {
        let mut p = Projection::default();
        let mut task_writes: HashMap<RowKey, usize> = HashMap::new();
        for append in ordered {
            let rows = &append.rows;
            // Removals name the append's instance by its row, as they always have.
            let instance = rows.instance.as_ref().map_or(0, |r| big(r.instance.0));
            if let Some(r) = &rows.instance {
                upsert(&mut p.instances, big(r.instance.0), r);
            }
            for r in &rows.elements {
                upsert(&mut p.elements, (big(r.instance.0), big(r.key.0)), r);
            }
            for r in &rows.jobs {
                upsert(&mut p.jobs, (big(r.instance.0), big(r.key.0)), r);
            }
            for key in &rows.jobs_removed {
                let key = (instance, big(key.0));
                p.jobs.remove(&key);
                p.jobs_removed.insert(key);
            }
            for r in &rows.user_tasks {
                let round = task_writes
                    .entry((big(r.instance.0), big(r.key.0)))
                    .or_insert(0);
                if p.user_tasks.len() <= *round {
                    p.user_tasks.push(Vec::new());
                }
                p.user_tasks[*round].push(r);
                *round += 1;
            }
            for r in &rows.incidents {
                upsert(&mut p.incidents, (big(r.instance.0), big(r.key.0)), r);
            }
            for r in &rows.variables {
                let key = (big(r.instance.0), big(r.scope.0), r.name.as_str());
                p.variables.insert(key, r);
            }
            for scope in &rows.scopes_removed {
                let scope = (instance, big(scope.0));
                p.variables.retain(|key, _| (key.0, key.1) != scope);
                p.scopes_removed.insert(scope);
            }
            for r in &rows.timers {
                upsert(&mut p.timers, (big(r.instance.0), big(r.key.0)), r);
            }
            for key in &rows.timers_removed {
                let key = (instance, big(key.0));
                p.timers.remove(&key);
                p.timers_removed.insert(key);
            }
            for r in &rows.subscriptions {
                // Only the element id is updated (a migration): the last row of a key
                // has the one that stays, and the same wait.
                p.subscriptions.insert((big(r.instance.0), big(r.key.0)), r);
            }
            for key in &rows.subscriptions_removed {
                let key = (instance, big(key.0));
                p.subscriptions.remove(&key);
                p.subscriptions_removed.insert(key);
            }
            p.llm_calls.extend(&rows.llm_calls);
            p.decision_routes.extend(&rows.decision_routes);
            if let Some(through) = rows.trace_through {
                p.trace
                    .entry(big(append.instance.0))
                    .and_modify(|span| span.1 = big(through))
                    .or_insert((big(append.first_seq), big(through)));
            }
        }
        for round in &mut p.user_tasks {
            round.sort_by_key(|r| (r.instance, r.key));
        }
        p
    }

    fn write<C: GenericClient>(&self, sql: &mut Sql<'_, C>) -> Result<()> {
        self.write_instances(sql)?;
        self.write_elements(sql)?;
        delete_pairs(
            sql,
            "DELETE FROM jobs WHERE (instance, key) IN
             (SELECT * FROM unnest($1::BIGINT[], $2::BIGINT[]))",
            &self.jobs_removed,
        )?;
        self.write_jobs(sql)?;
        for round in &self.user_tasks {
            write_user_tasks(sql, round)?;
        }
        self.write_incidents(sql)?;
        delete_pairs(
            sql,
            "DELETE FROM variables WHERE (instance, scope) IN
             (SELECT * FROM unnest($1::BIGINT[], $2::BIGINT[]))",
            &self.scopes_removed,
        )?;
        self.write_variables(sql)?;
        delete_pairs(
            sql,
            "DELETE FROM timers WHERE (instance, key) IN
             (SELECT * FROM unnest($1::BIGINT[], $2::BIGINT[]))",
            &self.timers_removed,
        )?;
        self.write_timers(sql)?;
        delete_pairs(
            sql,
            "DELETE FROM subscriptions WHERE (instance, key) IN
             (SELECT * FROM unnest($1::BIGINT[], $2::BIGINT[]))",
            &self.subscriptions_removed,
        )?;
        self.write_subscriptions(sql)?;
        self.write_llm_calls(sql)?;
        // After the element instances: a route without an element id takes its row's.
        self.write_decision_routes(sql)?;
        self.write_trace(sql)
    }

    fn write_instances<C: GenericClient>(&self, sql: &mut Sql<'_, C>) -> Result<()> {
        if self.instances.is_empty() {
            return Ok(());
        }
        let (mut instance, mut process_id, mut version, mut state) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        let (mut started_at, mut ended_at, mut updated_at, mut parent) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for span in self.instances.values() {
            let (f, l) = (span.first, span.last);
            instance.push(big(f.instance.0));
            process_id.push(f.process_id.as_str());
            version.push(i64::from(f.version));
            state.push(l.state.as_str());
            started_at.push(f.started_at.0);
            ended_at.push(l.ended_at.map(|t| t.0));
            updated_at.push(l.updated_at.0);
            parent.push(f.parent.map(|p| big(p.0)));
        }
        sql.execute(
            "INSERT INTO instances (instance, process_id, version, state, started_at, ended_at, updated_at, parent)
             SELECT * FROM unnest($1::BIGINT[], $2::TEXT[], $3::BIGINT[], $4::TEXT[], $5::BIGINT[],
                                  $6::BIGINT[], $7::BIGINT[], $8::BIGINT[])
             ON CONFLICT (instance) DO UPDATE SET state = excluded.state, ended_at = excluded.ended_at,
                                                  updated_at = excluded.updated_at, version = excluded.version",
            &[&instance, &process_id, &version, &state, &started_at, &ended_at, &updated_at, &parent],
        )?;
        Ok(())
    }

    fn write_elements<C: GenericClient>(&self, sql: &mut Sql<'_, C>) -> Result<()> {
        if self.elements.is_empty() {
            return Ok(());
        }
        let n = self.elements.len();
        let (mut instance, mut key, mut element_id, mut state, mut started_at, mut ended_at) = (
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
        );
        for (k, span) in &self.elements {
            let (f, l) = (span.first, span.last);
            instance.push(k.0);
            key.push(k.1);
            element_id.push(latest_id(&f.element_id, &l.element_id));
            state.push(l.state.as_str());
            started_at.push(f.started_at.0);
            ended_at.push(l.ended_at.map(|t| t.0));
        }
        sql.execute(
            "INSERT INTO element_instances (instance, key, element_id, state, started_at, ended_at)
             SELECT * FROM unnest($1::BIGINT[], $2::BIGINT[], $3::TEXT[], $4::TEXT[], $5::BIGINT[], $6::BIGINT[])
             ON CONFLICT (instance, key) DO UPDATE SET state = excluded.state, ended_at = excluded.ended_at,
                 element_id = CASE WHEN excluded.element_id = '' THEN element_instances.element_id ELSE excluded.element_id END",
            &[&instance, &key, &element_id, &state, &started_at, &ended_at],
        )?;
        Ok(())
    }

    fn write_jobs<C: GenericClient>(&self, sql: &mut Sql<'_, C>) -> Result<()> {
        if self.jobs.is_empty() {
            return Ok(());
        }
        let (mut instance, mut key, mut element_id, mut job_type, mut retries) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
        let (mut state, mut due, mut error, mut worker, mut lease_deadline) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for (k, span) in &self.jobs {
            let (f, l) = (span.first, span.last);
            instance.push(k.0);
            key.push(k.1);
            element_id.push(latest_id(&f.element_id, &l.element_id));
            job_type.push(f.job_type.as_str());
            retries.push(i64::from(l.retries));
            state.push(l.state.as_str());
            due.push(l.due.0);
            error.push(l.error.as_deref());
            worker.push(l.worker.as_deref());
            lease_deadline.push(l.lease_deadline.map(|t| t.0));
        }
        sql.execute(
            "INSERT INTO jobs (instance, key, element_id, job_type, retries, state, due, error, worker, lease_deadline)
             SELECT * FROM unnest($1::BIGINT[], $2::BIGINT[], $3::TEXT[], $4::TEXT[], $5::BIGINT[], $6::TEXT[],
                                  $7::BIGINT[], $8::TEXT[], $9::TEXT[], $10::BIGINT[])
             ON CONFLICT (instance, key) DO UPDATE SET retries = excluded.retries, state = excluded.state,
                                                       due = excluded.due, error = excluded.error,
                                                       worker = excluded.worker, lease_deadline = excluded.lease_deadline,
                                                       element_id = excluded.element_id",
            &[&instance, &key, &element_id, &job_type, &retries, &state, &due, &error, &worker, &lease_deadline],
        )?;
        Ok(())
    }

    fn write_incidents<C: GenericClient>(&self, sql: &mut Sql<'_, C>) -> Result<()> {
        if self.incidents.is_empty() {
            return Ok(());
        }
        let (mut instance, mut key, mut element_id, mut job, mut kind) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
        let (mut message, mut state, mut created_at, mut resolved_at) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for (k, span) in &self.incidents {
            let (f, l) = (span.first, span.last);
            instance.push(k.0);
            key.push(k.1);
            element_id.push(latest_id(&f.element_id, &l.element_id));
            job.push(f.job.map(|j| big(j.0)));
            kind.push(f.kind.as_str());
            message.push(f.message.as_str());
            state.push(l.state.as_str());
            created_at.push(f.created_at.0);
            resolved_at.push(l.resolved_at.map(|t| t.0));
        }
        sql.execute(
            "INSERT INTO incidents (instance, key, element_id, job, kind, message, state, created_at, resolved_at)
             SELECT * FROM unnest($1::BIGINT[], $2::BIGINT[], $3::TEXT[], $4::BIGINT[], $5::TEXT[], $6::TEXT[],
                                  $7::TEXT[], $8::BIGINT[], $9::BIGINT[])
             ON CONFLICT (instance, key) DO UPDATE SET state = excluded.state, resolved_at = excluded.resolved_at,
                 element_id = CASE WHEN excluded.element_id = '' THEN incidents.element_id ELSE excluded.element_id END",
            &[&instance, &key, &element_id, &job, &kind, &message, &state, &created_at, &resolved_at],
        )?;
        Ok(())
    }

    fn write_variables<C: GenericClient>(&self, sql: &mut Sql<'_, C>) -> Result<()> {
        if self.variables.is_empty() {
            return Ok(());
        }
        let (mut instance, mut scope, mut name, mut value) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for (k, r) in &self.variables {
            instance.push(k.0);
            scope.push(k.1);
            name.push(k.2);
            value.push(json(&r.value)?);
        }
        sql.execute(
            "INSERT INTO variables (instance, scope, name, value)
             SELECT * FROM unnest($1::BIGINT[], $2::BIGINT[], $3::TEXT[], $4::TEXT[])
             ON CONFLICT (instance, scope, name) DO UPDATE SET value = excluded.value",
            &[&instance, &scope, &name, &value],
        )?;
        Ok(())
    }

    fn write_timers<C: GenericClient>(&self, sql: &mut Sql<'_, C>) -> Result<()> {
        if self.timers.is_empty() {
            return Ok(());
        }
        let (mut instance, mut key, mut element_id, mut due) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for (k, span) in &self.timers {
            instance.push(k.0);
            key.push(k.1);
            element_id.push(latest_id(&span.first.element_id, &span.last.element_id));
            due.push(span.last.due.0);
        }
        sql.execute(
            "INSERT INTO timers (instance, key, element_id, due)
             SELECT * FROM unnest($1::BIGINT[], $2::BIGINT[], $3::TEXT[], $4::BIGINT[])
             ON CONFLICT (instance, key) DO UPDATE SET due = excluded.due,
                 element_id = CASE WHEN excluded.element_id = '' THEN timers.element_id ELSE excluded.element_id END",
            &[&instance, &key, &element_id, &due],
        )?;
        Ok(())
    }

    fn write_subscriptions<C: GenericClient>(&self, sql: &mut Sql<'_, C>) -> Result<()> {
        if self.subscriptions.is_empty() {
            return Ok(());
        }
        let (mut instance, mut key, mut element_id, mut kind, mut name, mut correlation_key) = (
            Vec::new(),
            Vec::new(),
            Vec::new(),
            Vec::new(),
            Vec::new(),
            Vec::new(),
        );
        for (k, r) in &self.subscriptions {
            instance.push(k.0);
            key.push(k.1);
            element_id.push(r.element_id.as_str());
            kind.push(r.kind.as_str());
            name.push(r.name.as_str());
            correlation_key.push(r.correlation_key.as_deref());
        }
        sql.execute(
            "INSERT INTO subscriptions (instance, key, element_id, kind, name, correlation_key)
             SELECT * FROM unnest($1::BIGINT[], $2::BIGINT[], $3::TEXT[], $4::TEXT[], $5::TEXT[], $6::TEXT[])
             ON CONFLICT (instance, key) DO UPDATE SET element_id = excluded.element_id",
            &[&instance, &key, &element_id, &kind, &name, &correlation_key],
        )?;
        Ok(())
    }

    fn write_llm_calls<C: GenericClient>(&self, sql: &mut Sql<'_, C>) -> Result<()> {
        if self.llm_calls.is_empty() {
            return Ok(());
        }
        let (mut instance, mut job, mut process_id, mut element_id, mut provider) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
        let (mut model, mut tokens_in, mut tokens_out, mut cost_micros, mut latency_ms) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
        let (mut cache_hit, mut valid, mut answered, mut at) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for r in &self.llm_calls {
            instance.push(big(r.instance.0));
            job.push(big(r.job.0));
            process_id.push(r.process_id.as_str());
            element_id.push(r.element_id.as_str());
            provider.push(r.provider.as_str());
            model.push(r.model.as_str());
            tokens_in.push(big(r.tokens_in));
            tokens_out.push(big(r.tokens_out));
            cost_micros.push(big(r.cost_micros));
            latency_ms.push(big(r.latency_ms));
            cache_hit.push(r.cache_hit);
            valid.push(r.valid);
            answered.push(r.answered);
            at.push(r.at.0);
        }
        // WITH ORDINALITY: the identity column numbers the calls in batch order.
        sql.execute(
            "INSERT INTO llm_calls (instance, job, process_id, element_id, provider, model, tokens_in,
                                    tokens_out, cost_micros, latency_ms, cache_hit, valid, answered, at)
             SELECT instance, job, process_id, element_id, provider, model, tokens_in,
                    tokens_out, cost_micros, latency_ms, cache_hit, valid, answered, at
             FROM unnest($1::BIGINT[], $2::BIGINT[], $3::TEXT[], $4::TEXT[], $5::TEXT[], $6::TEXT[],
                         $7::BIGINT[], $8::BIGINT[], $9::BIGINT[], $10::BIGINT[], $11::BOOLEAN[],
                         $12::BOOLEAN[], $13::BOOLEAN[], $14::BIGINT[])
                  WITH ORDINALITY AS u(instance, job, process_id, element_id, provider, model, tokens_in,
                                       tokens_out, cost_micros, latency_ms, cache_hit, valid, answered, at, n)
             ORDER BY n",
            &[
                &instance,
                &job,
                &process_id,
                &element_id,
                &provider,
                &model,
                &tokens_in,
                &tokens_out,
                &cost_micros,
                &latency_ms,
                &cache_hit,
                &valid,
                &answered,
                &at,
            ],
        )?;
        Ok(())
    }

    fn write_decision_routes<C: GenericClient>(&self, sql: &mut Sql<'_, C>) -> Result<()> {
        if self.decision_routes.is_empty() {
            return Ok(());
        }
        let (mut instance, mut key, mut process_id, mut element_id, mut route, mut at) = (
            Vec::new(),
            Vec::new(),
            Vec::new(),
            Vec::new(),
            Vec::new(),
            Vec::new(),
        );
        for r in &self.decision_routes {
            instance.push(big(r.instance.0));
            key.push(big(r.key.0));
            process_id.push(r.process_id.as_str());
            element_id.push(r.element_id.as_str());
            route.push(r.route.as_str());
            at.push(r.at.0);
        }
        // An element id the projection could not tell is the element instance's (its row
        // is written above when it was activated in this very batch).
        sql.execute(
            "INSERT INTO decision_routes (instance, key, process_id, element_id, route, at)
             SELECT u.instance, u.key, u.process_id,
                    CASE WHEN u.element_id <> '' THEN u.element_id ELSE coalesce(
                        (SELECT e.element_id FROM element_instances e
                         WHERE e.instance = u.instance AND e.key = u.key), '') END,
                    u.route, u.at
             FROM unnest($1::BIGINT[], $2::BIGINT[], $3::TEXT[], $4::TEXT[], $5::TEXT[], $6::BIGINT[])
                  WITH ORDINALITY AS u(instance, key, process_id, element_id, route, at, n)
             ORDER BY u.n",
            &[&instance, &key, &process_id, &element_id, &route, &at],
        )?;
        Ok(())
    }

    fn write_trace<C: GenericClient>(&self, sql: &mut Sql<'_, C>) -> Result<()> {
        if self.trace.is_empty() {
            return Ok(());
        }
        let (mut instance, mut from_seq, mut to_seq) = (Vec::new(), Vec::new(), Vec::new());
        for (i, (from, to)) in &self.trace {
            instance.push(*i);
            from_seq.push(*from);
            to_seq.push(*to);
        }
        sql.execute(
            "INSERT INTO trace_outbox (instance, from_seq, to_seq)
             SELECT * FROM unnest($1::BIGINT[], $2::BIGINT[], $3::BIGINT[])
             ON CONFLICT (instance) DO UPDATE SET to_seq = excluded.to_seq",
            &[&instance, &from_seq, &to_seq],
        )?;
        Ok(())
    }
}

fn write_user_tasks<C: GenericClient>(sql: &mut Sql<'_, C>, round: &[&UserTaskRow]) -> Result<()> {
    let (mut instance, mut key, mut element_id, mut name, mut process_id, mut state) = (
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
    );
    let (mut created_at, mut ended_at, mut assignee, mut groups, mut users) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for r in round {
        instance.push(big(r.instance.0));
        key.push(big(r.key.0));
        element_id.push(r.element_id.as_str());
        name.push(r.name.as_deref());
        process_id.push(r.process_id.as_str());
        state.push(r.state.as_str());
        created_at.push(r.created_at.0);
        ended_at.push(r.ended_at.map(|t| t.0));
        assignee.push(r.assignee.as_deref());
        groups.push(json(&r.candidate_groups)?);
        users.push(json(&r.candidate_users)?);
    }
    // A closed task's row keeps the assignee it had: the live state no longer knows it.
    sql.execute(
        "INSERT INTO user_tasks (instance, key, element_id, name, process_id, state, created_at, ended_at,
                                 assignee, candidate_groups, candidate_users)
         SELECT * FROM unnest($1::BIGINT[], $2::BIGINT[], $3::TEXT[], $4::TEXT[], $5::TEXT[], $6::TEXT[],
                              $7::BIGINT[], $8::BIGINT[], $9::TEXT[], $10::TEXT[], $11::TEXT[])
         ON CONFLICT (instance, key) DO UPDATE SET state = excluded.state, ended_at = excluded.ended_at,
             element_id = CASE WHEN excluded.element_id = '' THEN user_tasks.element_id ELSE excluded.element_id END,
             name = CASE WHEN excluded.element_id = '' THEN user_tasks.name ELSE excluded.name END,
             assignee = CASE WHEN excluded.state = 'open' THEN excluded.assignee ELSE user_tasks.assignee END,
             candidate_groups = CASE WHEN excluded.state = 'open' THEN excluded.candidate_groups
                                     ELSE user_tasks.candidate_groups END,
             candidate_users = CASE WHEN excluded.state = 'open' THEN excluded.candidate_users
                                    ELSE user_tasks.candidate_users END",
        &[
            &instance,
            &key,
            &element_id,
            &name,
            &process_id,
            &state,
            &created_at,
            &ended_at,
            &assignee,
            &groups,
            &users,
        ],
    )?;
    Ok(())
}

/// Deletes the rows whose `(instance, key)` pairs are in `pairs` (the statement names the
/// columns), in one statement.
fn delete_pairs<C: GenericClient>(
    sql: &mut Sql<'_, C>,
    statement: &str,
    pairs: &BTreeSet<RowKey>,
) -> Result<()> {
    if pairs.is_empty() {
        return Ok(());
    }
    let (instances, keys): (Vec<i64>, Vec<i64>) = pairs.iter().copied().unzip();
    sql.execute(statement, &[&instances, &keys])?;
    Ok(())
}

/// The element id a key's rows leave: the last row's, unless it has none (a row that only
/// changes the state), then the first's.
fn latest_id<'a>(first: &'a str, last: &'a str) -> &'a str {
    if last.is_empty() { first } else { last }
}

fn json(value: &impl serde::Serialize) -> Result<String> {
    serde_json::to_string(value).map_err(|e| Error::Corrupt(e.to_string()))
}
