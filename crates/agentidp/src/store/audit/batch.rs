//! The group-commit writer's batches: chained in memory on the heads the writer remembers and
//! written in one round trip, falling back to the transactional append when a head has moved.

use std::collections::HashMap;
use std::sync::LazyLock;

use uuid::Uuid;

use super::blocks::{BLOCK_COLUMNS, BLOCK_PARAMS, KEY_COLUMNS, NewBlock, key_rows, value_rows};
use super::chain::{append_events, bind_blocks};
use super::link::{Linked, by_tenant, link};
use crate::domain::audit::NewEvent;
use crate::domain::ids::TenantId;
use crate::domain::time::Timestamp;
use crate::store::{Db, Pool, StoreError, StoreResult, in_tx};

/// Chains whose heads a writer remembers at most; past it the memory starts over, at the cost
/// of one ordinary append per chain.
const KNOWN_HEADS_MAX: usize = 4096;

/// The guarded head update of [`SQLITE_MOVE_HEADS`], as a literal for `concat!`. The `IN`
/// list lets the planner look each head up by its key even when its statistics claim the
/// table holds one row (as after an `ANALYZE` on a new database); the join alone was then
/// planned as a scan of every head.
macro_rules! sqlite_update_heads {
    () => {
        "UPDATE OR ROLLBACK audit_heads INDEXED BY sqlite_autoindex_audit_heads_1
        SET seq = CASE WHEN audit_heads.seq = h.value ->> 1 AND audit_heads.hash = h.value ->> 2
            THEN h.value ->> 3 END,
            hash = h.value ->> 4
        FROM jsonb_each(?) AS h
        WHERE audit_heads.tenant_id = unhex(h.value ->> 0, '-')
            AND audit_heads.tenant_id IN (SELECT unhex(value ->> 0, '-') FROM jsonb_each(?))"
    };
}

/// The head half of a batch on remembered heads, for SQLite: the heads come as one JSON array
/// (bound twice, for the join and for the `IN` list), and their count after it. A head no longer at its remembered position and hash gets a NULL
/// position, which `OR ROLLBACK` turns into the end of the transaction. A head that is gone is
/// not updated at all, so the guard after it checks that every head moved (`changes()` is the
/// update's count); if not, `json()` of a non-JSON text fails the statement (plain SQL has no
/// other way to raise an error) and the caller rolls back.
const SQLITE_MOVE_HEADS: &str = concat!(
    "BEGIN IMMEDIATE;\n    ",
    sqlite_update_heads!(),
    ";
    SELECT json(CASE WHEN changes() = ? THEN '0'
        ELSE 'an audit head has moved or is missing' END);
"
);

/// The head update alone, for the query-plan test.
#[cfg(test)]
pub(crate) const SQLITE_UPDATE_HEADS: &str = sqlite_update_heads!();

/// Block counts the SQLite batch statement is compiled for. A batch is padded with NULL rows
/// up to the next count, which the statement skips; a fixed set keeps the connection's
/// statement cache from filling up with one compiled text per batch size.
const SQLITE_ROW_COUNTS: [usize; 20] = [
    1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512, 768, BATCH_MAX,
];

/// Most events a batch on remembered heads takes; a larger batch is appended the ordinary way.
pub const BATCH_MAX: usize = 1024;

/// A batch on remembered heads, for SQLite, one text per entry of [`SQLITE_ROW_COUNTS`]: one
/// transaction, the heads moved as in [`SQLITE_MOVE_HEADS`], every block in one multi-row
/// INSERT of bound values, then the blocks' keys from one JSON array. The block INSERT calls no
/// SQL function: SQLite keeps a statement journal (a copy of every page the statement changes,
/// to undo it alone) for a many-row statement that might fail halfway, and it counts any
/// function call as a possible failure; the keys are few and small. Constraints end the whole
/// transaction instead (`OR ROLLBACK`).
static SQLITE_APPEND_ON_HEADS: LazyLock<Vec<String>> = LazyLock::new(|| {
    SQLITE_ROW_COUNTS
        .iter()
        .map(|&rows| {
            format!(
                "{SQLITE_MOVE_HEADS}    INSERT OR ROLLBACK INTO audit_blocks ({BLOCK_COLUMNS})
        SELECT * FROM (VALUES {})
        WHERE column1 IS NOT NULL;
    INSERT OR ROLLBACK INTO audit_block_keys ({KEY_COLUMNS})
        SELECT unhex(k.value ->> 0, '-'), k.value ->> 1, k.value ->> 2, k.value ->> 3
        FROM json_each(?) AS k;
    COMMIT",
                value_rows(rows, BLOCK_PARAMS, false)
            )
        })
        .collect()
});

/// The same for PostgreSQL: one statement (so one implicit transaction), the heads, blocks and
/// keys each as column arrays, with the same two guards on both inserts. Joining the CTE makes
/// the guarded head update, and with it the row locks, come before the inserts, in the order
/// the transactional path takes them.
const POSTGRES_APPEND_ON_HEADS: &str = "WITH moved AS (
        UPDATE audit_heads
        SET seq = CASE WHEN audit_heads.seq = h.old_seq AND audit_heads.hash = h.old_hash
            THEN h.new_seq END,
            hash = h.new_hash
        FROM unnest($1::uuid[], $2::int8[], $3::text[], $4::int8[], $5::text[])
            AS h (tenant_id, old_seq, old_hash, new_seq, new_hash)
        WHERE audit_heads.tenant_id = h.tenant_id
        RETURNING 1),
    m AS (SELECT count(*) = cardinality($1::uuid[]) AS ok FROM moved),
    written AS (
        INSERT INTO audit_blocks (tenant_id, first_seq, last_seq, first_at, last_at, events)
        SELECT CASE WHEN m.ok THEN r.tenant_id END, r.first_seq, r.last_seq, r.first_at,
            r.last_at, r.events
        FROM unnest($6::uuid[], $7::int8[], $8::int8[], $9::timestamptz[], $10::timestamptz[],
                $11::text[])
            AS r (tenant_id, first_seq, last_seq, first_at, last_at, events), m
        RETURNING 1)
    INSERT INTO audit_block_keys (tenant_id, kind, value, first_seq)
        SELECT CASE WHEN m.ok THEN k.tenant_id END, k.kind, k.value, k.first_seq
        FROM unnest($12::uuid[], $13::text[], $14::text[], $15::int8[])
            AS k (tenant_id, kind, value, first_seq), m";

/// The last position and hash of the chains one writer appended to, so that its next batch
/// can be chained without first reading the heads.
#[derive(Debug, Default)]
pub struct KnownHeads(HashMap<TenantId, (i64, String)>);

impl KnownHeads {
    fn remember(&mut self, heads: impl IntoIterator<Item = (TenantId, i64, String)>) {
        for (tenant, seq, hash) in heads {
            if self.0.len() >= KNOWN_HEADS_MAX && !self.0.contains_key(&tenant) {
                self.0.clear();
            }
            self.0.insert(tenant, (seq, hash));
        }
    }
}

/// One chain's part of a batch: the events placed after its remembered head (never none).
type ChainPart<'a> = (TenantId, Vec<Linked<'a>>);

/// A chain head: its last position and that event's hash.
type Head<'p> = (i64, &'p str);

/// How a chain part moves its head: from the one before its first event to its last event.
fn head_move<'p>(linked: &'p [Linked<'_>]) -> Option<(Head<'p>, Head<'p>)> {
    let (first, last) = (linked.first()?, linked.last()?);
    Some((
        (first.seq - 1, first.prev_hash.as_str()),
        (last.seq, last.hash.as_str()),
    ))
}

impl Db {
    /// Appends a batch of events atomically and durably, and records the chains' new heads in
    /// `heads`. Each round trip is spent holding the write lock while every request in the
    /// batch waits, so when `heads` knows every chain the batch is chained in memory and
    /// written in one round trip (SQLite: one multi-statement transaction; PostgreSQL: one
    /// statement). Should another transaction have moved a head meanwhile, the
    /// guarded head update refuses the batch and it is appended the ordinary way.
    pub async fn append_batch(
        &self,
        heads: &mut KnownHeads,
        events: &[NewEvent],
    ) -> StoreResult<()> {
        if events.is_empty() {
            return Ok(());
        }
        if let Pool::Sqlite(pool) = &self.pool {
            // Between two batches the writer holds no transaction, so a WAL restart it runs
            // here cannot leave it waiting on its own lock. A failed attempt is retried later.
            if let Err(e) = self.wal.restart_if_due(pool).await {
                tracing::warn!(error = %crate::error_chain(&e), "WAL restart failed; will retry");
            }
        }
        let known: Option<Vec<ChainPart<'_>>> = (events.len() <= BATCH_MAX)
            .then(|| {
                by_tenant(events)
                    .into_iter()
                    .map(|(tenant, mine)| {
                        let (seq, hash) = heads.0.get(&tenant)?;
                        Some((tenant, link(&mine, *seq, hash.clone(), self.new_link_key())))
                    })
                    .collect()
            })
            .flatten();
        if let Some(parts) = known {
            match self.append_on_known_heads(&parts).await {
                Ok(()) => {
                    heads.remember(parts.iter().filter_map(|(tenant, linked)| {
                        let (_, (seq, hash)) = head_move(linked)?;
                        Some((*tenant, seq, hash.to_owned()))
                    }));
                    return Ok(());
                }
                Err(e) => tracing::debug!(
                    error = %crate::error_chain(&e),
                    "audit batch not appended on the remembered chain heads; reading them"
                ),
            }
        }
        let moved = in_tx!(self, tx => append_events!(self, tx, events));
        heads.remember(moved);
        Ok(())
    }

    async fn append_on_known_heads(&self, parts: &[ChainPart<'_>]) -> StoreResult<()> {
        let _busy = self.busy();
        let blocks: Vec<NewBlock> = parts
            .iter()
            .flat_map(|(tenant, linked)| super::blocks::blocks(*tenant, linked))
            .collect();
        match &self.pool {
            Pool::Sqlite(pool) => {
                let rows = blocks.len();
                let Some(slot) = SQLITE_ROW_COUNTS.iter().position(|&n| n >= rows) else {
                    return Err(StoreError::Config(format!(
                        "a batch of {rows} blocks is over {BATCH_MAX}"
                    )));
                };
                let (heads, count) = sqlite_heads(parts);
                let q = sqlx::query(SQLITE_APPEND_ON_HEADS[slot].as_str())
                    .bind(heads.clone())
                    .bind(heads)
                    .bind(count);
                let mut q = bind_blocks!(q, &blocks);
                for _ in rows..SQLITE_ROW_COUNTS[slot] {
                    for _ in 0..BLOCK_PARAMS {
                        q = q.bind(None::<i64>);
                    }
                }
                let keys: Vec<_> = key_rows(&blocks).collect();
                let q = q.bind(crate::store::json(&keys));
                let mut conn = pool.acquire().await?;
                let done = q.execute(&mut *conn).await;
                if done.is_err() {
                    // A failure other than a violation (which rolled back) may leave the
                    // transaction open. Should this rollback fail too, the next batch's BEGIN
                    // fails and ends up here again.
                    let _ = sqlx::query("ROLLBACK").execute(&mut *conn).await;
                }
                done?;
            }
            Pool::Postgres(pool) => {
                let c = PgColumns::new(parts, &blocks);
                sqlx::query(POSTGRES_APPEND_ON_HEADS)
                    .bind(&c.tenants)
                    .bind(&c.old_seqs)
                    .bind(&c.old_hashes)
                    .bind(&c.new_seqs)
                    .bind(&c.new_hashes)
                    .bind(&c.block_tenants)
                    .bind(&c.first_seqs)
                    .bind(&c.last_seqs)
                    .bind(&c.first_at)
                    .bind(&c.last_at)
                    .bind(&c.events)
                    .bind(&c.key_tenants)
                    .bind(&c.kinds)
                    .bind(&c.values)
                    .bind(&c.key_seqs)
                    .execute(pool)
                    .await?;
            }
        }
        Ok(())
    }
}

/// The heads (tenant, old position, old hash, new position, new hash) of a batch as the JSON
/// parameter of [`SQLITE_MOVE_HEADS`], and how many there are.
fn sqlite_heads(parts: &[ChainPart<'_>]) -> (String, i64) {
    let heads: Vec<_> = parts
        .iter()
        .filter_map(|(tenant, linked)| {
            let ((seq, hash), (end_seq, end_hash)) = head_move(linked)?;
            Some((tenant.uuid(), seq, hash, end_seq, end_hash))
        })
        .collect();
    // Serialising these never fails; were it to, the `null` in their place fails the guard.
    let count = i64::try_from(heads.len()).unwrap_or(i64::MAX);
    (crate::store::json(&heads), count)
}

/// A batch as the column arrays of [`POSTGRES_APPEND_ON_HEADS`].
#[derive(Default)]
struct PgColumns<'a> {
    tenants: Vec<Uuid>,
    old_seqs: Vec<i64>,
    old_hashes: Vec<&'a str>,
    new_seqs: Vec<i64>,
    new_hashes: Vec<&'a str>,
    block_tenants: Vec<Uuid>,
    first_seqs: Vec<i64>,
    last_seqs: Vec<i64>,
    first_at: Vec<Timestamp>,
    last_at: Vec<Timestamp>,
    events: Vec<&'a str>,
    key_tenants: Vec<Uuid>,
    kinds: Vec<&'static str>,
    values: Vec<&'a str>,
    key_seqs: Vec<i64>,
}

impl<'a> PgColumns<'a> {
    fn new(parts: &'a [ChainPart<'a>], blocks: &'a [NewBlock]) -> Self {
        let mut c = Self::default();
        for (tenant, linked) in parts {
            let Some(((seq, hash), (end_seq, end_hash))) = head_move(linked) else {
                continue;
            };
            c.tenants.push(tenant.uuid());
            c.old_seqs.push(seq);
            c.old_hashes.push(hash);
            c.new_seqs.push(end_seq);
            c.new_hashes.push(end_hash);
        }
        for b in blocks {
            c.block_tenants.push(b.tenant.uuid());
            c.first_seqs.push(b.first_seq);
            c.last_seqs.push(b.last_seq);
            c.first_at.push(b.first_at);
            c.last_at.push(b.last_at);
            c.events.push(&b.events);
        }
        for (tenant, kind, value, first_seq) in key_rows(blocks) {
            c.key_tenants.push(tenant);
            c.kinds.push(kind);
            c.values.push(value);
            c.key_seqs.push(first_seq);
        }
        c
    }
}

#[cfg(test)]
mod tests;
