//! Placing events on their tenants' hash chains: numbering and hashing each link, before the
//! links are written as blocks. Pure: no SQL here.

use std::collections::BTreeMap;

use crate::domain::audit::NewEvent;
use crate::domain::audit::chain_key::ChainKey;
use crate::domain::ids::TenantId;

/// Events grouped by tenant, each group in the given order, the tenants in a fixed order so
/// concurrent transactions lock chain heads in the same order.
pub(crate) fn by_tenant(events: &[NewEvent]) -> BTreeMap<TenantId, Vec<&NewEvent>> {
    let mut groups: BTreeMap<TenantId, Vec<&NewEvent>> = BTreeMap::new();
    for e in events {
        groups.entry(e.tenant_id).or_default().push(e);
    }
    groups
}

/// One event placed on its chain.
pub(crate) struct Linked<'a> {
    pub(crate) event: &'a NewEvent,
    pub(crate) seq: i64,
    pub(crate) prev_hash: String,
    pub(crate) hash: String,
}

/// Places one chain's `events`, in order, after position `after` whose hash is `prev`, hashing
/// each link with `key` if there is one.
pub(crate) fn link<'a>(
    events: &[&'a NewEvent],
    after: i64,
    mut prev: String,
    key: Option<&ChainKey>,
) -> Vec<Linked<'a>> {
    let mut seq = after;
    events
        .iter()
        .map(|event| {
            seq += 1;
            let hash = event.link_hash(seq, &prev, key);
            Linked {
                event,
                seq,
                prev_hash: std::mem::replace(&mut prev, hash.clone()),
                hash,
            }
        })
        .collect()
}
