//! Audit rows: chained appends inside the caller's transaction, queries, and the retention
//! purge (the only path allowed past the immutability triggers).

use sqlx::AssertSqlSafe;
use uuid::Uuid;

use super::{Db, StoreError, StoreResult, from_row, in_tx, on_pool, parse_stored};
use crate::domain::audit::{
    Action, EventFilter, GENESIS_HASH, NewEvent, Outcome, RequestMeta, StoredEvent,
};
use crate::domain::ids::{AgentId, TenantId};
use crate::domain::time::Timestamp;

/// Creates the chain head or reserves `$2` more positions on it, in one statement. The row lock
/// (PostgreSQL) or the write lock (SQLite) serialises appenders of a chain until commit.
/// Returns the new last position and the hash of the event before the reserved ones.
pub(crate) const ADVANCE_HEAD: &str =
    "INSERT INTO audit_heads (tenant_id, seq, hash) VALUES ($1, $2, $3)
    ON CONFLICT (tenant_id) DO UPDATE SET seq = audit_heads.seq + excluded.seq
    RETURNING seq, hash";
pub(crate) const SET_HEAD_HASH: &str = "UPDATE audit_heads SET hash = $2 WHERE tenant_id = $1";

/// Events written per multi-row INSERT (13 parameters each, well under both databases' limits).
pub(crate) const INSERT_CHUNK: usize = 256;

/// Whether the transaction's database wants `$N` placeholders (PostgreSQL) rather than `?`.
pub(crate) fn numbered_params<DB: sqlx::Database>(_: &sqlx::Transaction<'_, DB>) -> bool {
    DB::NAME == "PostgreSQL"
}

/// `INSERT … VALUES (…), (…)` for `rows` events. SQLite gets anonymous `?` placeholders: the
/// driver resolves each `$N` by name, and SQLite's name lookup is linear, which makes binding a
/// many-row statement quadratic.
pub(crate) fn insert_events_sql(rows: usize, numbered: bool) -> String {
    let mut sql = String::from(
        "INSERT INTO audit_events (id, tenant_id, seq, occurred_at, actor, agent_id, action, outcome, ip, \
         user_agent, metadata, prev_hash, hash) VALUES ",
    );
    for r in 0..rows {
        let b = r * 13;
        if r > 0 {
            sql.push_str(", ");
        }
        sql.push('(');
        for c in 1..=13 {
            if c > 1 {
                sql.push_str(", ");
            }
            if numbered {
                sql.push_str(&format!("${}", b + c));
            } else {
                sql.push('?');
            }
        }
        sql.push(')');
    }
    sql
}

/// Appends events to their tenants' chains inside the open transaction `$tx`: per tenant,
/// reserve the positions on the chain head, hash in order, insert in multi-row statements,
/// move the head.
macro_rules! append_events {
    ($tx:ident, $events:expr) => {{
        let events: &[$crate::domain::audit::NewEvent] = $events;
        let mut tenants: Vec<$crate::domain::ids::TenantId> =
            events.iter().map(|e| e.tenant_id).collect();
        tenants.sort();
        tenants.dedup();
        for tenant in tenants {
            let mine: Vec<&$crate::domain::audit::NewEvent> =
                events.iter().filter(|e| e.tenant_id == tenant).collect();
            let count = i64::try_from(mine.len()).unwrap_or(i64::MAX);
            let (last, mut prev): (i64, String) =
                sqlx::query_as($crate::store::audit::ADVANCE_HEAD)
                    .bind(tenant.uuid())
                    .bind(count)
                    .bind($crate::domain::audit::GENESIS_HASH)
                    .fetch_one(&mut *$tx)
                    .await?;
            let mut seq = last - count;
            let mut chained = Vec::with_capacity(mine.len());
            for e in mine {
                seq += 1;
                let hash = e.chain_hash(seq, &prev);
                chained.push((e, seq, std::mem::replace(&mut prev, hash.clone()), hash));
            }
            for chunk in chained.chunks($crate::store::audit::INSERT_CHUNK) {
                let numbered = $crate::store::audit::numbered_params(&$tx);
                let sql = $crate::store::audit::insert_events_sql(chunk.len(), numbered);
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).persistent(chunk.len() == 1);
                for (e, seq, prev_hash, hash) in chunk {
                    q = q
                        .bind(e.id)
                        .bind(e.tenant_id.uuid())
                        .bind(*seq)
                        .bind(e.occurred_at)
                        .bind(e.actor.as_str())
                        .bind(e.agent_id.map(|a| a.uuid()))
                        .bind(e.action.as_str())
                        .bind(e.outcome.as_str())
                        .bind(e.meta.ip.as_deref())
                        .bind(e.meta.user_agent.as_deref())
                        .bind($crate::store::agents::json(&e.metadata))
                        .bind(prev_hash.as_str())
                        .bind(hash.as_str());
                }
                q.execute(&mut *$tx).await?;
            }
            sqlx::query($crate::store::audit::SET_HEAD_HASH)
                .bind(tenant.uuid())
                .bind(prev.as_str())
                .execute(&mut *$tx)
                .await?;
        }
    }};
}
pub(crate) use append_events;

struct EventRow {
    id: Uuid,
    tenant_id: Uuid,
    seq: i64,
    occurred_at: Timestamp,
    actor: String,
    agent_id: Option<Uuid>,
    action: String,
    outcome: String,
    ip: Option<String>,
    user_agent: Option<String>,
    metadata: String,
    prev_hash: String,
    hash: String,
}

from_row!(EventRow {
    id,
    tenant_id,
    seq,
    occurred_at,
    actor,
    agent_id,
    action,
    outcome,
    ip,
    user_agent,
    metadata,
    prev_hash,
    hash
});

const EVENT_COLUMNS: &str = "id, tenant_id, seq, occurred_at, actor, agent_id, action, outcome, ip, user_agent, metadata, prev_hash, hash";

impl TryFrom<EventRow> for StoredEvent {
    type Error = StoreError;

    fn try_from(r: EventRow) -> StoreResult<Self> {
        Ok(StoredEvent {
            event: NewEvent {
                id: r.id,
                tenant_id: TenantId::from_uuid(r.tenant_id),
                actor: r.actor,
                agent_id: r.agent_id.map(AgentId::from_uuid),
                action: parse_stored("audit action", &r.action, Action::parse)?,
                outcome: parse_stored("audit outcome", &r.outcome, Outcome::parse)?,
                meta: RequestMeta {
                    ip: r.ip,
                    user_agent: r.user_agent,
                },
                metadata: serde_json::from_str(&r.metadata)
                    .map_err(|_| StoreError::Corrupt(format!("audit event {} metadata", r.id)))?,
                occurred_at: r.occurred_at,
            },
            seq: r.seq,
            prev_hash: r.prev_hash,
            hash: r.hash,
        })
    }
}

/// The smallest (or largest) UUID v7 whose timestamp is `t`'s millisecond.
fn v7_bound(t: Timestamp, upper: bool) -> Uuid {
    let millis = u64::try_from(t.micros().div_euclid(1000)).unwrap_or(0) & 0xFFFF_FFFF_FFFF;
    let fill = if upper { u128::MAX >> 48 } else { 0 };
    Uuid::from_u128((u128::from(millis) << 80) | fill)
}

/// Direction of an event listing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    /// Newest first (the query API).
    NewestFirst,
    /// Oldest first (exports).
    OldestFirst,
}

impl Db {
    /// Appends events in one transaction (the group commit of token events and failures).
    pub async fn append_events(&self, events: &[NewEvent]) -> StoreResult<()> {
        if events.is_empty() {
            return Ok(());
        }
        in_tx!(self, tx => { append_events!(tx, events); });
        Ok(())
    }

    /// One page of a tenant's events matching `filter`, not older than `not_before`, after
    /// the event `after` in the given order.
    pub async fn list_events(
        &self,
        tenant: TenantId,
        filter: &EventFilter,
        not_before: Timestamp,
        after: Option<Uuid>,
        order: Order,
        limit: u32,
    ) -> StoreResult<Vec<StoredEvent>> {
        enum P {
            Uuid(Uuid),
            Text(String),
            Time(Timestamp),
        }
        let mut params = vec![
            P::Uuid(tenant.uuid()),
            P::Time(filter.from.map_or(not_before, |f| f.max(not_before))),
        ];
        let mut sql = format!(
            "SELECT {EVENT_COLUMNS} FROM audit_events WHERE tenant_id = $1 AND occurred_at >= $2"
        );
        let mut push = |sql: &mut String, clause: &str, p: P| {
            params.push(p);
            sql.push_str(&clause.replace('?', &format!("${}", params.len())));
        };
        if let Some(a) = filter.agent_id {
            push(&mut sql, " AND agent_id = ?", P::Uuid(a.uuid()));
        }
        if let Some(a) = &filter.actor {
            push(&mut sql, " AND actor = ?", P::Text(a.clone()));
        }
        if let Some(a) = filter.action {
            push(&mut sql, " AND action = ?", P::Text(a.as_str().to_owned()));
        }
        // The outcome is one of two fixed words; as a literal it lets both planners use the
        // partial index on failures.
        match filter.outcome {
            Some(Outcome::Failure) => sql.push_str(" AND outcome = 'failure'"),
            Some(Outcome::Success) => sql.push_str(" AND outcome = 'success'"),
            None => {}
        }
        if let Some(t) = filter.to {
            push(&mut sql, " AND occurred_at <= ?", P::Time(t));
            // Event ids are UUID v7, whose first 48 bits are the creation time in ms: bounding
            // the id as well lets the (tenant, id) index seek straight to the window. One
            // second of slack covers the gap between id generation and `occurred_at`.
            push(
                &mut sql,
                " AND id <= ?",
                P::Uuid(v7_bound(t.plus_seconds(1), true)),
            );
        }
        if let Some(f) = filter.from {
            push(
                &mut sql,
                " AND id >= ?",
                P::Uuid(v7_bound(f.plus_seconds(-1), false)),
            );
        }
        let (cmp, dir) = match order {
            Order::NewestFirst => ("<", "DESC"),
            Order::OldestFirst => (">", "ASC"),
        };
        if let Some(a) = after {
            push(&mut sql, &format!(" AND id {cmp} ?"), P::Uuid(a));
        }
        sql.push_str(&format!(" ORDER BY id {dir} LIMIT {limit}"));
        let rows: Vec<EventRow> = on_pool!(self, p => {
            let mut q = sqlx::query_as(AssertSqlSafe(sql.clone()));
            for param in &params {
                q = match param {
                    P::Uuid(u) => q.bind(*u),
                    P::Text(t) => q.bind(t.as_str()),
                    P::Time(t) => q.bind(*t),
                };
            }
            q.fetch_all(p).await
        })?;
        rows.into_iter().map(StoredEvent::try_from).collect()
    }

    /// One event of a tenant.
    pub async fn get_event(&self, tenant: TenantId, id: Uuid) -> StoreResult<Option<StoredEvent>> {
        let sql =
            format!("SELECT {EVENT_COLUMNS} FROM audit_events WHERE tenant_id = $1 AND id = $2");
        let row: Option<EventRow> = on_pool!(self, p => sqlx::query_as(AssertSqlSafe(sql.clone()))
            .bind(tenant.uuid()).bind(id).fetch_optional(p).await)?;
        row.map(StoredEvent::try_from).transpose()
    }

    /// A chain's events in order, starting after position `after_seq`.
    pub async fn chain_page(
        &self,
        tenant: TenantId,
        after_seq: i64,
        limit: u32,
    ) -> StoreResult<Vec<StoredEvent>> {
        let sql = format!(
            "SELECT {EVENT_COLUMNS} FROM audit_events WHERE tenant_id = $1 AND seq > $2 ORDER BY seq LIMIT {limit}"
        );
        let rows: Vec<EventRow> = on_pool!(self, p => sqlx::query_as(AssertSqlSafe(sql.clone()))
            .bind(tenant.uuid()).bind(after_seq).fetch_all(p).await)?;
        rows.into_iter().map(StoredEvent::try_from).collect()
    }

    /// Where a chain's verification starts: the newest retention checkpoint, or the genesis.
    pub async fn chain_start(&self, tenant: TenantId) -> StoreResult<(i64, String)> {
        const SQL: &str = "SELECT seq, hash FROM audit_checkpoints WHERE tenant_id = $1 ORDER BY seq DESC LIMIT 1";
        let row: Option<(i64, String)> =
            on_pool!(self, p => sqlx::query_as(SQL).bind(tenant.uuid()).fetch_optional(p).await)?;
        Ok(row.unwrap_or((0, GENESIS_HASH.to_owned())))
    }

    /// The head of a chain: its last position and hash.
    pub async fn chain_head(&self, tenant: TenantId) -> StoreResult<Option<(i64, String)>> {
        const SQL: &str = "SELECT seq, hash FROM audit_heads WHERE tenant_id = $1";
        Ok(on_pool!(self, p => sqlx::query_as(SQL).bind(tenant.uuid()).fetch_optional(p).await)?)
    }

    /// Every chain (tenant) that has events or a head.
    pub async fn audit_chains(&self) -> StoreResult<Vec<TenantId>> {
        const SQL: &str = "SELECT tenant_id FROM audit_heads ORDER BY tenant_id";
        let rows: Vec<(Uuid,)> = on_pool!(self, p => sqlx::query_as(SQL).fetch_all(p).await)?;
        Ok(rows
            .into_iter()
            .map(|(t,)| TenantId::from_uuid(t))
            .collect())
    }

    /// Deletes a chain's events older than `cutoff`, first recording a checkpoint at the last
    /// deleted event so the rest of the chain stays verifiable. Returns how many were deleted.
    pub async fn purge_events(
        &self,
        tenant: TenantId,
        cutoff: Timestamp,
        now: Timestamp,
    ) -> StoreResult<u64> {
        // Seeks by id (UUID v7, time-ordered) rather than scanning the retained events.
        const LAST: &str = "SELECT seq, hash FROM audit_events WHERE tenant_id = $1 AND id < $3
            AND occurred_at < $2 ORDER BY id DESC LIMIT 1";
        const CHECKPOINT: &str = "INSERT INTO audit_checkpoints (tenant_id, seq, hash, created_at)
            VALUES ($1, $2, $3, $4) ON CONFLICT (tenant_id, seq) DO NOTHING";
        const GUARD_ON: &str = "INSERT INTO audit_purge_guard (id) VALUES (1)";
        const DELETE: &str = "DELETE FROM audit_events WHERE tenant_id = $1 AND seq <= $2";
        const GUARD_OFF: &str = "DELETE FROM audit_purge_guard";
        let deleted = in_tx!(self, tx => {
            let last: Option<(i64, String)> =
                sqlx::query_as(LAST)
                    .bind(tenant.uuid())
                    .bind(cutoff)
                    .bind(v7_bound(cutoff, true))
                    .fetch_optional(&mut *tx)
                    .await?;
            match last {
                None => 0,
                Some((seq, hash)) => {
                    sqlx::query(CHECKPOINT).bind(tenant.uuid()).bind(seq).bind(hash.as_str()).bind(now)
                        .execute(&mut *tx).await?;
                    sqlx::query(GUARD_ON).execute(&mut *tx).await?;
                    let done = sqlx::query(DELETE).bind(tenant.uuid()).bind(seq).execute(&mut *tx).await?.rows_affected();
                    sqlx::query(GUARD_OFF).execute(&mut *tx).await?;
                    done
                }
            }
        });
        Ok(deleted)
    }
}
