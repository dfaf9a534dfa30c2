//! Audit rows: queries, chain verification reads, and the retention purge (the only path
//! allowed past the immutability triggers). Appends live in [`super::chain`].

use sqlx::AssertSqlSafe;
use uuid::Uuid;

use super::chain::check_extends;
use super::{Db, StoreError, StoreResult, from_row, in_tx, on_pool, parse_stored};
use crate::domain::audit::{
    Action, Checkpoint, EventFilter, NewEvent, Outcome, RequestMeta, SYSTEM_TENANT, StoredEvent,
};
use crate::domain::ids::{AgentId, TenantId};
use crate::domain::time::Timestamp;

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

/// The columns of an event row, in the order inserts bind them.
pub(crate) const EVENT_COLUMNS: &str = "id, tenant_id, seq, occurred_at, actor, agent_id, action, outcome, ip, user_agent, metadata, prev_hash, hash";

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

    /// The newest retention checkpoint of a chain, where its verification starts; `None`: the
    /// chain starts at the genesis.
    pub async fn chain_checkpoint(&self, tenant: TenantId) -> StoreResult<Option<Checkpoint>> {
        const SQL: &str = "SELECT seq, hash, mac FROM audit_checkpoints WHERE tenant_id = $1 ORDER BY seq DESC LIMIT 1";
        let row: Option<(i64, String, Option<String>)> =
            on_pool!(self, p => sqlx::query_as(SQL).bind(tenant.uuid()).fetch_optional(p).await)?;
        Ok(row.map(|(seq, hash, mac)| Checkpoint { seq, hash, mac }))
    }

    /// The first position at or before `seq` that still holds an event of the chain.
    pub async fn first_event_through(
        &self,
        tenant: TenantId,
        seq: i64,
    ) -> StoreResult<Option<i64>> {
        const SQL: &str = "SELECT min(seq) FROM audit_events WHERE tenant_id = $1 AND seq <= $2";
        let (first,): (Option<i64>,) = on_pool!(self, p => sqlx::query_as(SQL).bind(tenant.uuid()).bind(seq).fetch_one(p).await)?;
        Ok(first)
    }

    /// The highest position stored in a chain, which must not be past its head.
    pub async fn chain_last_seq(&self, tenant: TenantId) -> StoreResult<Option<i64>> {
        const SQL: &str = "SELECT max(seq) FROM audit_events WHERE tenant_id = $1";
        let (last,): (Option<i64>,) =
            on_pool!(self, p => sqlx::query_as(SQL).bind(tenant.uuid()).fetch_one(p).await)?;
        Ok(last)
    }

    /// The head of a chain: its last position and hash.
    pub async fn chain_head(&self, tenant: TenantId) -> StoreResult<Option<(i64, String)>> {
        const SQL: &str = "SELECT seq, hash FROM audit_heads WHERE tenant_id = $1";
        Ok(on_pool!(self, p => sqlx::query_as(SQL).bind(tenant.uuid()).fetch_optional(p).await)?)
    }

    /// The distinct beginnings, `prefix_len` characters long, of the chain heads' hashes that
    /// start with `prefix`: which keys the keyed chains were hashed with.
    pub async fn head_hash_prefixes(
        &self,
        prefix: &str,
        prefix_len: usize,
    ) -> StoreResult<Vec<String>> {
        const SQL: &str = "SELECT DISTINCT substr(hash, 1, $2) FROM audit_heads
            WHERE substr(hash, 1, $3) = $1";
        let len = |n: usize| i32::try_from(n).unwrap_or(i32::MAX);
        let rows: Vec<(String,)> = on_pool!(self, p => sqlx::query_as(SQL)
            .bind(prefix)
            .bind(len(prefix_len))
            .bind(len(prefix.len()))
            .fetch_all(p)
            .await)?;
        Ok(rows.into_iter().map(|(h,)| h).collect())
    }

    /// Every chain: each tenant's and the system chain, and any other that has a head. Tenants
    /// are listed whether or not their head is still there, so that deleting a head cannot hide
    /// a chain from verification.
    pub async fn audit_chains(&self) -> StoreResult<Vec<TenantId>> {
        const SQL: &str = "SELECT tenant_id FROM audit_heads UNION SELECT id FROM tenants";
        let rows: Vec<(Uuid,)> = on_pool!(self, p => sqlx::query_as(SQL).fetch_all(p).await)?;
        let mut chains: Vec<TenantId> = rows
            .into_iter()
            .map(|(t,)| TenantId::from_uuid(t))
            .chain([SYSTEM_TENANT])
            .collect();
        chains.sort();
        chains.dedup();
        Ok(chains)
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
        const CHECKPOINT: &str =
            "INSERT INTO audit_checkpoints (tenant_id, seq, hash, created_at, mac)
            VALUES ($1, $2, $3, $4, $5) ON CONFLICT (tenant_id, seq) DO NOTHING";
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
                // A checkpoint this node could not authenticate would break the chain for
                // good; a node holding the chain's key purges it instead.
                Some((_, hash)) if check_extends(&hash, self.chain_keys()).is_err() => {
                    tracing::warn!(%tenant, "audit chain keyed with a key this node lacks; not purged");
                    0
                }
                Some((seq, hash)) => {
                    // The guard also admits the checkpoint, which no other path may write.
                    sqlx::query(GUARD_ON).execute(&mut *tx).await?;
                    let mac = self.new_link_key().map(|k| k.checkpoint_mac(tenant, seq, &hash));
                    sqlx::query(CHECKPOINT).bind(tenant.uuid()).bind(seq).bind(hash.as_str()).bind(now)
                        .bind(mac).execute(&mut *tx).await?;
                    let done = sqlx::query(DELETE).bind(tenant.uuid()).bind(seq).execute(&mut *tx).await?.rows_affected();
                    sqlx::query(GUARD_OFF).execute(&mut *tx).await?;
                    done
                }
            }
        });
        Ok(deleted)
    }
}
