//! Appending audit events to their tenants' hash chains inside a caller's transaction
//! ([`append_events!`]), and the pieces the group-commit writer's batches share with it.

use crate::domain::audit::chain_key::{ChainKey, ChainKeys, HashKind};
use crate::store::{Db, StoreError};

/// Creates the chain head or reserves `$2` more positions on it, in one statement. The row lock
/// (PostgreSQL) or the write lock (SQLite) serialises appenders of a chain until commit.
/// Returns the new last position and the hash of the event before the reserved ones.
pub(crate) const ADVANCE_HEAD: &str =
    "INSERT INTO audit_heads (tenant_id, seq, hash) VALUES ($1, $2, $3)
    ON CONFLICT (tenant_id) DO UPDATE SET seq = audit_heads.seq + excluded.seq
    RETURNING seq, hash";
pub(crate) const SET_HEAD_HASH: &str = "UPDATE audit_heads SET hash = $2 WHERE tenant_id = $1";

/// Rows written per multi-row INSERT inside a caller's transaction (at most 1,536
/// parameters, well under both databases' limits).
pub(crate) const INSERT_CHUNK: usize = 256;

/// Whether the transaction's database wants `$N` placeholders (PostgreSQL) rather than `?`.
pub(crate) fn numbered_params<DB: sqlx::Database>(_: &sqlx::Transaction<'_, DB>) -> bool {
    DB::NAME == "PostgreSQL"
}

impl Db {
    /// The same database, hashing the audit chain links it appends with the current key of
    /// `keys` (see [`crate::domain::audit::chain_key`]); `None` appends unkeyed links.
    #[must_use]
    pub fn with_chain_keys(mut self, keys: Option<ChainKeys>) -> Self {
        self.chain_keys = keys.map(std::sync::Arc::new);
        self
    }

    /// The audit chain keys, if any.
    pub fn chain_keys(&self) -> Option<&ChainKeys> {
        self.chain_keys.as_deref()
    }

    /// The key new audit chain links are hashed with, if any.
    pub(crate) fn new_link_key(&self) -> Option<&ChainKey> {
        self.chain_keys().map(ChainKeys::current)
    }
}

/// Refuses to extend a chain whose last link `prev` is keyed with a key not in `keys`: the
/// new link would be unkeyed (a downgrade) or keyed with a key verification does not rank
/// after it, and the chain would be reported broken from there. A node that lacks the key
/// thus fails its writes instead of breaking the chain.
pub(crate) fn check_extends(prev: &str, keys: Option<&ChainKeys>) -> Result<(), StoreError> {
    match HashKind::of(prev) {
        HashKind::Keyed(id) if keys.and_then(|k| k.find(id)).is_none() => {
            Err(StoreError::ChainKeyMismatch(id.to_owned()))
        }
        _ => Ok(()),
    }
}

/// Binds the columns of each block of `$rows` to the query `$q`, in
/// [`super::blocks::BLOCK_COLUMNS`] order.
macro_rules! bind_blocks {
    ($q:expr, $rows:expr) => {{
        let mut q = $q;
        for b in $rows {
            q = q
                .bind(b.tenant.uuid())
                .bind(b.first_seq)
                .bind(b.last_seq)
                .bind(b.first_at)
                .bind(b.last_at)
                .bind(b.events.as_str());
        }
        q
    }};
}
pub(crate) use bind_blocks;

/// Appends events to their tenants' chains inside the open transaction `$tx` of the database
/// `$db`: per tenant, reserve the positions on the chain head, hash in order (with `$db`'s
/// chain key), write the blocks and their keys in multi-row statements, move the head.
/// Evaluates to each chain's new head.
macro_rules! append_events {
    ($db:expr, $tx:ident, $events:expr) => {{
        use $crate::store::audit::blocks as b;
        let mut heads = Vec::new();
        for (tenant, mine) in $crate::store::audit::link::by_tenant($events) {
            let count = i64::try_from(mine.len()).unwrap_or(i64::MAX);
            let (last, prev): (i64, String) =
                sqlx::query_as($crate::store::audit::chain::ADVANCE_HEAD)
                    .bind(tenant.uuid())
                    .bind(count)
                    .bind($crate::domain::audit::GENESIS_HASH)
                    .fetch_one(&mut *$tx)
                    .await?;
            $crate::store::audit::chain::check_extends(&prev, $db.chain_keys())?;
            let linked =
                $crate::store::audit::link::link(&mine, last - count, prev, $db.new_link_key());
            let blocks = b::blocks(tenant, &linked);
            let numbered = $crate::store::audit::chain::numbered_params(&$tx);
            for chunk in blocks.chunks($crate::store::audit::chain::INSERT_CHUNK) {
                let sql = b::insert_blocks_sql(chunk.len(), numbered);
                let q = sqlx::query(sqlx::AssertSqlSafe(sql)).persistent(chunk.len() == 1);
                $crate::store::audit::chain::bind_blocks!(q, chunk)
                    .execute(&mut *$tx)
                    .await?;
            }
            let keys: Vec<_> = b::key_rows(&blocks).collect();
            for chunk in keys.chunks($crate::store::audit::chain::INSERT_CHUNK) {
                let sql = b::insert_keys_sql(chunk.len(), numbered);
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).persistent(chunk.len() <= 4);
                for (tenant, kind, value, first_seq) in chunk {
                    q = q.bind(*tenant).bind(*kind).bind(*value).bind(*first_seq);
                }
                q.execute(&mut *$tx).await?;
            }
            if let Some(end) = linked.last() {
                sqlx::query($crate::store::audit::chain::SET_HEAD_HASH)
                    .bind(tenant.uuid())
                    .bind(end.hash.as_str())
                    .execute(&mut *$tx)
                    .await?;
                heads.push((tenant, end.seq, end.hash.clone()));
            }
        }
        heads
    }};
}
pub(crate) use append_events;
