//! Checking that a chain's blocks are indexed as their events say: positions, time range and
//! filter keys. The hash chain covers the events; this covers what finds them, so that
//! altering a block's columns or removing its key rows, which would hide events from queries
//! without touching the chain, is caught by the same verification.

use std::collections::BTreeMap;

use super::blocks::{peeks, stored_key_set};
use super::{Db, StoreResult, from_row, on_pool};
use crate::domain::ids::TenantId;
use crate::domain::time::Timestamp;

struct IndexedBlock {
    first_seq: i64,
    last_seq: i64,
    first_at: Timestamp,
    last_at: Timestamp,
    events: String,
}

from_row!(IndexedBlock {
    first_seq,
    last_seq,
    first_at,
    last_at,
    events
});

/// A block whose index does not match its events: the block's first position, and what is
/// wrong.
pub type BlockFault = (i64, String);

impl Db {
    /// Checks up to `limit` blocks of a chain that start after position `after`, in order.
    /// `Ok(Ok(Some(p)))`: all clean, continue after `p`; `Ok(Ok(None))`: no blocks left.
    pub async fn check_blocks(
        &self,
        tenant: TenantId,
        after: i64,
        limit: u32,
    ) -> StoreResult<Result<Option<i64>, BlockFault>> {
        const BLOCKS: &str = "SELECT first_seq, last_seq, first_at, last_at, events
            FROM audit_blocks WHERE tenant_id = $1 AND first_seq > $2
            ORDER BY first_seq LIMIT $3";
        const KEYS: &str = "SELECT first_seq, kind, value FROM audit_block_keys
            WHERE tenant_id = $1 AND first_seq > $2 AND first_seq <= $3";
        let blocks: Vec<IndexedBlock> = on_pool!(self, p => sqlx::query_as(BLOCKS)
            .bind(tenant.uuid())
            .bind(after)
            .bind(i64::from(limit))
            .fetch_all(p)
            .await)?;
        let Some(last) = blocks.last().map(|b| b.first_seq) else {
            return Ok(Ok(None));
        };
        let rows: Vec<(i64, String, String)> = on_pool!(self, p => sqlx::query_as(KEYS)
            .bind(tenant.uuid())
            .bind(after)
            .bind(last)
            .fetch_all(p)
            .await)?;
        let mut keys: BTreeMap<i64, Vec<(String, String)>> = BTreeMap::new();
        for (first_seq, kind, value) in rows {
            keys.entry(first_seq).or_default().push((kind, value));
        }
        for block in &blocks {
            let stored = keys.remove(&block.first_seq).unwrap_or_default();
            if let Some(reason) = fault(tenant, block, stored) {
                return Ok(Err((block.first_seq, reason)));
            }
        }
        Ok(Ok((blocks.len() == limit as usize).then_some(last)))
    }
}

/// What is wrong with one block's index, if anything. Reads only the indexed fields of its
/// events: the chain walk before it has decoded and checked them in full.
fn fault(tenant: TenantId, b: &IndexedBlock, mut stored: Vec<(String, String)>) -> Option<String> {
    let Ok(events) = peeks(tenant, b.first_seq, &b.events) else {
        return Some("its block could not be read".into());
    };
    let (Some(first), Some(last)) = (events.first(), events.last()) else {
        return Some("its block holds no events".into());
    };
    if first.seq != b.first_seq || last.seq != b.last_seq {
        return Some(format!(
            "its block is indexed as positions {}..={} but holds {}..={} (index altered)",
            b.first_seq, b.last_seq, first.seq, last.seq
        ));
    }
    let times = events.iter().map(|e| e.at);
    if times.clone().min() != Some(b.first_at.micros()) || times.max() != Some(b.last_at.micros()) {
        return Some("its block's time range does not match its events (index altered)".into());
    }
    let mut expected: Vec<(String, String)> = stored_key_set(&events)
        .into_iter()
        .map(|(kind, value)| (kind.to_owned(), value))
        .collect();
    stored.sort();
    expected.sort();
    (stored != expected)
        .then(|| "its block's filter keys do not match its events (index altered)".into())
}
