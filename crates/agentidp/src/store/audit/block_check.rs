//! Reading a chain for its verification, block by block, and checking that each block is
//! indexed as its events say: positions, time range and filter keys. The hash chain covers
//! the events; this covers what finds them, so that altering a block's columns or removing
//! its key rows, which would hide events from queries without touching the chain, is caught
//! by the same verification, in the same read.

use std::collections::HashMap;

use super::blocks::{decode, key_set, legacy_key_set};
use crate::domain::audit::StoredEvent;
use crate::domain::ids::TenantId;
use crate::domain::time::Timestamp;
use crate::store::{Db, StoreResult, from_row, on_pool};

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

/// Whole blocks of a chain, in the order of their positions, for its verification.
#[derive(Debug)]
pub struct VerifyPage {
    /// Their events, in the order the blocks hold them.
    pub events: Vec<StoredEvent>,
    /// The first of these blocks that cannot be read or whose index does not match its
    /// events. The page ends with that block's events (none if it cannot be read), so that
    /// the chain through them is checked first.
    pub fault: Option<BlockFault>,
    /// Where the next page starts (pass it as `after`), or `None` if no blocks are left.
    pub next: Option<i64>,
}

impl Db {
    /// Up to `limit` blocks of a chain that start after position `after`, decoded and their
    /// indexes checked. Blocks are read by their key, not their content, so an altered block
    /// is read once and in its place: whatever it holds, the chain walk sees it there.
    pub async fn verify_page(
        &self,
        tenant: TenantId,
        after: i64,
        limit: u32,
    ) -> StoreResult<VerifyPage> {
        const BLOCKS: &str = "SELECT first_seq, last_seq, first_at, last_at, events
            FROM audit_blocks WHERE tenant_id = $1 AND first_seq > $2
            ORDER BY first_seq LIMIT $3";
        // One row per block, its keys length-prefixed so that no value can pass for several
        // keys: fetching a row costs more here than its bytes.
        const KEYS: &str = "SELECT first_seq,
                string_agg(kind || ':' || octet_length(value) || ':' || value, '') AS keys
            FROM audit_block_keys WHERE tenant_id = $1 AND first_seq > $2 AND first_seq <= $3
            GROUP BY first_seq";
        let blocks: Vec<IndexedBlock> = on_pool!(self, p => sqlx::query_as(BLOCKS)
            .bind(tenant.uuid())
            .bind(after)
            .bind(i64::from(limit))
            .fetch_all(p)
            .await)?;
        let Some(last) = blocks.last().map(|b| b.first_seq) else {
            return Ok(VerifyPage {
                events: Vec::new(),
                fault: None,
                next: None,
            });
        };
        let rows: Vec<(i64, String)> = on_pool!(self, p => sqlx::query_as(KEYS)
            .bind(tenant.uuid())
            .bind(after)
            .bind(last)
            .fetch_all(p)
            .await)?;
        let mut keys: HashMap<i64, String> = rows.into_iter().collect();
        let mut events = Vec::new();
        for block in &blocks {
            let stored = keys.remove(&block.first_seq).unwrap_or_default();
            let Ok(mine) = decode(tenant, block.first_seq, &block.events) else {
                return Ok(faulty(events, block, "its block could not be read".into()));
            };
            let wrong = fault(block, &mine, &stored);
            events.extend(mine);
            if let Some(reason) = wrong {
                return Ok(faulty(events, block, reason));
            }
        }
        Ok(VerifyPage {
            events,
            fault: None,
            next: (blocks.len() == limit as usize).then_some(last),
        })
    }
}

fn faulty(events: Vec<StoredEvent>, block: &IndexedBlock, reason: String) -> VerifyPage {
    VerifyPage {
        events,
        fault: Some((block.first_seq, reason)),
        next: None,
    }
}

/// What is wrong with one block's index, if anything; `stored` is its key rows as the
/// `KEYS` query of [`Db::verify_page`] aggregates them.
fn fault(b: &IndexedBlock, events: &[StoredEvent], stored: &str) -> Option<String> {
    let (Some(first), Some(last)) = (events.first(), events.last()) else {
        return Some("its block holds no events".into());
    };
    if first.seq != b.first_seq || last.seq != b.last_seq {
        return Some(format!(
            "its block is indexed as positions {}..={} but holds {}..={} (index altered)",
            b.first_seq, b.last_seq, first.seq, last.seq
        ));
    }
    let times = events.iter().map(|e| e.event.occurred_at);
    if times.clone().min() != Some(b.first_at) || times.max() != Some(b.last_at) {
        return Some("its block's time range does not match its events (index altered)".into());
    }
    // Blocks written before the current key rule carry its keys and their old ones; either
    // set finds every event by the current queries, so neither can hide one.
    let current = key_set(events.iter().map(|e| &e.event));
    let legacy = legacy_key_set(events.iter().map(|e| &e.event));
    let matches = parse_keys(stored).is_some_and(|mut stored| {
        stored.sort_unstable();
        [current, legacy].iter().any(|expected| {
            stored.len() == expected.len()
                && stored
                    .iter()
                    .zip(expected)
                    .all(|((k, v), (ek, ev))| k == ek && v == ev)
        })
    });
    (!matches).then(|| "its block's filter keys do not match its events (index altered)".into())
}

/// The `(kind, value)` pairs of a block's aggregated keys (`kind:length:value`, repeated);
/// `None` if the text is not in that form.
fn parse_keys(mut text: &str) -> Option<Vec<(&str, &str)>> {
    let mut keys = Vec::new();
    while !text.is_empty() {
        let (kind, rest) = text.split_once(':')?;
        let (len, rest) = rest.split_once(':')?;
        let len: usize = len.parse().ok()?;
        keys.push((kind, rest.get(..len)?));
        text = rest.get(len..)?;
    }
    Some(keys)
}

#[cfg(test)]
mod tests {
    use super::parse_keys;

    #[test]
    fn aggregated_keys_are_read_back_whatever_their_values_hold() {
        assert_eq!(
            parse_keys("actor:5:a:1:baction:0:failure:0:"),
            Some(vec![("actor", "a:1:b"), ("action", ""), ("failure", "")])
        );
        assert_eq!(parse_keys(""), Some(vec![]));
        assert_eq!(parse_keys("actor:9:short"), None);
        assert_eq!(parse_keys("actor:x:a"), None);
    }
}
