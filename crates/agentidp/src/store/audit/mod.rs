//! The audit log's storage: events linked into per-tenant hash chains ([`link`]), stored as
//! blocks of up to 64 events with one key row per indexed value ([`blocks`]), appended inside
//! a caller's transaction ([`chain`]) or by the group-commit writer's batches ([`batch`]).
//! This file holds the reads: queries (planned by [`walk`]), chain verification reads
//! ([`block_check`]), and the retention purge (the only path allowed past the immutability
//! triggers).

pub(crate) mod batch;
mod block_check;
pub(crate) mod blocks;
pub(crate) mod chain;
pub(crate) mod link;
mod walk;

pub use batch::{BATCH_MAX, KnownHeads};
pub use block_check::{BlockFault, VerifyPage};

use sqlx::AssertSqlSafe;
use uuid::Uuid;

use crate::domain::audit::{Checkpoint, EventFilter, SYSTEM_TENANT, StoredEvent};
use crate::domain::ids::TenantId;
use crate::domain::time::Timestamp;
use crate::store::{Db, StoreResult, from_row, in_tx, on_pool};
use blocks::decode_matching;
use chain::check_extends;
use walk::{FIRST_ROUND, Matcher, P, next_round, walk_sql};

/// A stored block: where it starts in its chain, and its events as JSON.
struct BlockRow {
    first_seq: i64,
    last_seq: i64,
    events: String,
}

from_row!(BlockRow {
    first_seq,
    last_seq,
    events
});

/// Direction of an event listing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    /// Newest first (the query API).
    NewestFirst,
    /// Oldest first (exports).
    OldestFirst,
}

/// How far an event's time may be from its id's, tried in turn (microseconds). The two are
/// taken microseconds apart, so the first window holds the event and stays a few blocks
/// however many events a second the chain takes; the second covers a clock stepped between.
const ID_TIME_SLACK_MICROS: [i64; 2] = [10_000, 1_000_000];

impl Db {
    /// One page of a tenant's events matching `filter`, not older than `not_before`, after
    /// position `after` in the given order.
    pub async fn list_events(
        &self,
        tenant: TenantId,
        filter: &EventFilter,
        not_before: Timestamp,
        after: Option<i64>,
        order: Order,
        limit: u32,
    ) -> StoreResult<Vec<StoredEvent>> {
        let from = filter.from.map_or(not_before, |f| f.max(not_before));
        self.walk(tenant, filter, Some(from), after, order, limit)
            .await
    }

    /// Reads blocks in chain order (or its reverse) from position `after`, round by round,
    /// until `limit` events pass the filter or the blocks run out.
    async fn walk(
        &self,
        tenant: TenantId,
        filter: &EventFilter,
        from: Option<Timestamp>,
        after: Option<i64>,
        order: Order,
        limit: u32,
    ) -> StoreResult<Vec<StoredEvent>> {
        let limit = limit as usize;
        let mut out = Vec::new();
        let (mut bound, mut round, mut read) = (after, FIRST_ROUND, 0);
        let matcher = Matcher::new(filter, from, after.map(|a| (order, a)));
        while out.len() < limit {
            let (sql, params) = walk_sql(filter, from, bound, order, round);
            let rows: Vec<BlockRow> = on_pool!(self, p => {
                let mut q = sqlx::query_as(AssertSqlSafe(sql.clone())).bind(tenant.uuid());
                for param in &params {
                    q = match param {
                        P::Text(t) => q.bind(t.as_str()),
                        P::Time(t) => q.bind(*t),
                        P::Int(i) => q.bind(*i),
                    };
                }
                q.fetch_all(p).await
            })?;
            for row in &rows {
                let mut events =
                    decode_matching(tenant, row.first_seq, &row.events, |e| matcher.keeps(e))?;
                if order == Order::NewestFirst {
                    events.reverse();
                }
                out.extend(events);
            }
            let Some(last) = rows.last() else { break };
            if rows.len() < round {
                break;
            }
            bound = Some(match order {
                Order::NewestFirst => last.first_seq,
                Order::OldestFirst => last.last_seq,
            });
            read += rows.len();
            round = next_round(round, read, out.len(), limit);
        }
        out.truncate(limit);
        Ok(out)
    }

    /// One event of a tenant. Its id (UUID v7) carries its creation time, which bounds the
    /// blocks that can hold it.
    pub async fn get_event(&self, tenant: TenantId, id: Uuid) -> StoreResult<Option<StoredEvent>> {
        let Some((secs, nanos)) = id.get_timestamp().map(|t| t.to_unix()) else {
            return Ok(None);
        };
        let micros = i64::try_from(secs)
            .unwrap_or(i64::MAX)
            .saturating_mul(1_000_000)
            .saturating_add(i64::from(nanos / 1000));
        for slack in ID_TIME_SLACK_MICROS {
            let found = self
                .event_near(
                    tenant,
                    id,
                    micros.saturating_sub(slack),
                    micros.saturating_add(slack),
                )
                .await?;
            if found.is_some() {
                return Ok(found);
            }
        }
        Ok(None)
    }

    /// The event `id` among the blocks holding events from `lo` to `hi` (microseconds).
    async fn event_near(
        &self,
        tenant: TenantId,
        id: Uuid,
        lo: i64,
        hi: i64,
    ) -> StoreResult<Option<StoredEvent>> {
        const SQL: &str =
            "SELECT first_seq, last_seq, events FROM audit_blocks WHERE tenant_id = $1
            AND first_at >= $2 AND first_at <= $3 AND last_at >= $4";
        let (lo, hi) = (Timestamp::from_micros(lo), Timestamp::from_micros(hi));
        let rows: Vec<BlockRow> = on_pool!(self, p => sqlx::query_as(SQL)
            .bind(tenant.uuid())
            .bind(lo.plus_seconds(-blocks::BLOCK_SPAN_SECS))
            .bind(hi)
            .bind(lo)
            .fetch_all(p)
            .await)?;
        let needle = format!("\"{}\"", id.simple());
        for row in rows.iter().filter(|r| r.events.contains(&needle)) {
            let events = blocks::decode(tenant, row.first_seq, &row.events)?;
            if let Some(e) = events.into_iter().find(|e| e.event.id == id) {
                return Ok(Some(e));
            }
        }
        Ok(None)
    }

    /// A chain's events in order, starting after position `after_seq`.
    pub async fn chain_page(
        &self,
        tenant: TenantId,
        after_seq: i64,
        limit: u32,
    ) -> StoreResult<Vec<StoredEvent>> {
        self.walk(
            tenant,
            &EventFilter::default(),
            None,
            Some(after_seq),
            Order::OldestFirst,
            limit,
        )
        .await
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
        const SQL: &str = "SELECT min(first_seq) FROM audit_blocks
            WHERE tenant_id = $1 AND first_seq <= $2";
        let (first,): (Option<i64>,) = on_pool!(self, p => sqlx::query_as(SQL).bind(tenant.uuid()).bind(seq).fetch_one(p).await)?;
        Ok(first)
    }

    /// The highest position stored in a chain, which must not be past its head.
    pub async fn chain_last_seq(&self, tenant: TenantId) -> StoreResult<Option<i64>> {
        // Blocks hold consecutive positions, so the last block holds the highest one.
        const SQL: &str = "SELECT last_seq FROM audit_blocks WHERE tenant_id = $1
            ORDER BY first_seq DESC LIMIT 1";
        let last: Option<(i64,)> =
            on_pool!(self, p => sqlx::query_as(SQL).bind(tenant.uuid()).fetch_optional(p).await)?;
        Ok(last.map(|(l,)| l))
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

    /// Deletes a chain's blocks whose events are all older than `cutoff`, first recording a
    /// checkpoint at the last deleted event so the rest of the chain stays verifiable. A block
    /// straddling the cutoff stays (the query API's retention filter still hides its old
    /// events). Returns how many events were deleted.
    pub async fn purge_events(
        &self,
        tenant: TenantId,
        cutoff: Timestamp,
        now: Timestamp,
    ) -> StoreResult<u64> {
        // Seeks the time index rather than scanning the retained blocks.
        const LAST: &str = "SELECT first_seq, last_seq, events FROM audit_blocks
            WHERE tenant_id = $1 AND first_at < $2 AND last_at < $2
            ORDER BY first_at DESC LIMIT 1";
        const COUNT: &str = "SELECT CAST(sum(last_seq - first_seq + 1) AS BIGINT) FROM audit_blocks
            WHERE tenant_id = $1 AND first_seq <= $2";
        const CHECKPOINT: &str =
            "INSERT INTO audit_checkpoints (tenant_id, seq, hash, created_at, mac)
            VALUES ($1, $2, $3, $4, $5) ON CONFLICT (tenant_id, seq) DO NOTHING";
        const GUARD_ON: &str = "INSERT INTO audit_purge_guard (id) VALUES (1)";
        const DELETE_KEYS: &str =
            "DELETE FROM audit_block_keys WHERE tenant_id = $1 AND first_seq <= $2";
        const DELETE: &str = "DELETE FROM audit_blocks WHERE tenant_id = $1 AND first_seq <= $2";
        const GUARD_OFF: &str = "DELETE FROM audit_purge_guard";
        let deleted = in_tx!(self, tx => {
            let last: Option<BlockRow> = sqlx::query_as(LAST)
                .bind(tenant.uuid())
                .bind(cutoff)
                .fetch_optional(&mut *tx)
                .await?;
            let end = match &last {
                Some(b) => blocks::decode(tenant, b.first_seq, &b.events)?.pop(),
                None => None,
            };
            match (last, end) {
                (Some(_), None) | (None, _) => 0,
                // A checkpoint this node could not authenticate would break the chain for
                // good; a node holding the chain's key purges it instead.
                (Some(_), Some(e)) if check_extends(&e.hash, self.chain_keys()).is_err() => {
                    tracing::warn!(%tenant, "audit chain keyed with a key this node lacks; not purged");
                    0
                }
                (Some(block), Some(e)) => {
                    let (events,): (Option<i64>,) = sqlx::query_as(COUNT)
                        .bind(tenant.uuid()).bind(block.first_seq).fetch_one(&mut *tx).await?;
                    // The guard also admits the checkpoint, which no other path may write.
                    sqlx::query(GUARD_ON).execute(&mut *tx).await?;
                    let mac = self.new_link_key().map(|k| k.checkpoint_mac(tenant, e.seq, &e.hash));
                    sqlx::query(CHECKPOINT).bind(tenant.uuid()).bind(e.seq).bind(e.hash.as_str())
                        .bind(now).bind(mac).execute(&mut *tx).await?;
                    sqlx::query(DELETE_KEYS).bind(tenant.uuid()).bind(block.first_seq).execute(&mut *tx).await?;
                    sqlx::query(DELETE).bind(tenant.uuid()).bind(block.first_seq).execute(&mut *tx).await?;
                    sqlx::query(GUARD_OFF).execute(&mut *tx).await?;
                    u64::try_from(events.unwrap_or(0)).unwrap_or(0)
                }
            }
        });
        Ok(deleted)
    }
}

#[cfg(test)]
mod tests;
