//! Verifying the audit hash chains: each from its start (genesis or retention checkpoint) to
//! the head it had when verification began.

use crate::domain::audit::chain_key::{
    HashKind, KEYED_HEADER_LEN, KEYED_PREFIX, VerifyPolicy, check_checkpoint, key_age, link_key,
};
use crate::domain::audit::heads::ChainHead;
use crate::domain::audit::{BrokenLink, Checkpoint, GENESIS_HASH};
use crate::domain::ids::TenantId;
use crate::service::{ServiceError, ServiceResult};
use crate::store::Db;

/// Blocks read per page while verifying (at most 64 events each).
const PAGE: u32 = 64;

/// What a verification found intact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// Events verified.
    pub events: u64,
    /// The head they lead to, the chain's head when verification began; `None` if no event
    /// was verified (an empty chain, or one whose every event the purge removed).
    pub head: Option<ChainHead>,
}

/// Re-computes every hash of one chain from its start (genesis or checkpoint) to its head,
/// with the database's chain key, accepting no unkeyed link once a key is configured;
/// `Ok(n)` is the number of events verified, `Err` the first broken link.
pub async fn verify_chain(db: &Db, tenant: TenantId) -> ServiceResult<Result<u64, BrokenLink>> {
    verify_chain_with(db, tenant, VerifyPolicy::default()).await
}

/// [`verify_chain`] with what `policy` accepts of unkeyed links.
pub async fn verify_chain_with(
    db: &Db,
    tenant: TenantId,
    policy: VerifyPolicy,
) -> ServiceResult<Result<u64, BrokenLink>> {
    Ok(verify_to_head(db, tenant, policy).await?.map(|v| v.events))
}

/// [`verify_chain_with`], returning the head it verified up to.
///
/// The chain may grow and be purged meanwhile, as it is on a running server. Events appended
/// after its head was read are left for the next verification. Should the retention purge
/// move the checkpoint during the run, the events it removed look missing, so a break found
/// after the checkpoint moved is checked again from the new one.
pub async fn verify_to_head(
    db: &Db,
    tenant: TenantId,
    policy: VerifyPolicy,
) -> ServiceResult<Result<Verified, BrokenLink>> {
    let checkpoint = db.chain_checkpoint(tenant).await?;
    let first = verify_from(db, tenant, policy, checkpoint.as_ref()).await?;
    if first.is_ok() {
        return Ok(first);
    }
    let now = db.chain_checkpoint(tenant).await?;
    if now == checkpoint {
        return Ok(first);
    }
    verify_from(db, tenant, policy, now.as_ref()).await
}

/// One pass of [`verify_to_head`], from `checkpoint` (or the genesis).
async fn verify_from(
    db: &Db,
    tenant: TenantId,
    policy: VerifyPolicy,
    checkpoint: Option<&Checkpoint>,
) -> ServiceResult<Result<Verified, BrokenLink>> {
    let broken = |seq, reason: String| {
        Ok(Err(BrokenLink {
            tenant_id: tenant,
            seq,
            reason,
        }))
    };
    // Read before the events, so that every event up to it is already committed.
    let head = db.chain_head(tenant).await?;
    let (mut seq, mut prev) = match checkpoint {
        Some(c) => (c.seq, c.hash.clone()),
        None => (0, GENESIS_HASH.to_owned()),
    };
    if let Some(c) = checkpoint {
        if let Err(reason) = check_checkpoint(tenant, c, db.chain_keys(), policy) {
            return broken(c.seq + 1, reason);
        }
        // The purge removes every event up to its checkpoint; one left there was put back.
        if let Some(stale) = db.first_event_through(tenant, c.seq).await? {
            return broken(
                stale,
                format!(
                    "it is before the retention checkpoint after {}, where the chain resumes (re-inserted?)",
                    c.seq
                ),
            );
        }
    }
    let end = head.as_ref().map_or(i64::MAX, |(s, _)| *s);
    let mut verified = 0u64;
    let mut last_at = None;
    // A keyed checkpoint means keyed events came before it, too.
    let mut newest = key_age(&prev, db.chain_keys());
    let mut after = checkpoint.map_or(0, |c| c.seq);
    while seq < end {
        let page = db.verify_page(tenant, after, PAGE).await?;
        for stored in page.events {
            if stored.seq != seq + 1 {
                return broken(
                    seq + 1,
                    format!(
                        "event {} is missing (next stored is {})",
                        seq + 1,
                        stored.seq
                    ),
                );
            }
            if stored.prev_hash != prev {
                return broken(
                    stored.seq,
                    "its previous-hash does not match the preceding event".into(),
                );
            }
            let kind = HashKind::of(&stored.hash);
            let key = match link_key(kind, db.chain_keys(), newest, policy) {
                Ok(key) => key,
                Err(reason) => return broken(stored.seq, reason),
            };
            if let Some((age, _)) = key {
                newest = Some(newest.map_or(age, |n| n.min(age)));
            }
            let expected = stored
                .event
                .link_hash(stored.seq, &prev, key.map(|(_, k)| k));
            if stored.hash != expected {
                return broken(
                    stored.seq,
                    "its content does not match its hash (altered)".into(),
                );
            }
            prev = stored.hash;
            seq = stored.seq;
            last_at = Some(stored.event.occurred_at);
            verified += 1;
            if seq >= end {
                break;
            }
        }
        // What finds the events must match them too, or altering it would hide events from
        // queries without breaking the chain. The page ends with the faulty block, so a
        // broken link up to it is reported first; one past the head is the check below's.
        if let Some((at, reason)) = page.fault.filter(|(at, _)| *at <= end) {
            return broken(at, reason);
        }
        match page.next {
            Some(next) => after = next,
            None => break,
        }
    }
    match &head {
        Some((head_seq, head_hash)) if *head_seq != seq || *head_hash != prev => {
            return broken(
                seq + 1,
                format!("the chain ends at {seq} but its head records {head_seq} (events removed)"),
            );
        }
        // The chain may have begun after its head was read; if so, it has one now.
        None if seq > 0 && db.chain_head(tenant).await?.is_none() => {
            return broken(
                seq + 1,
                format!("the chain has events up to {seq} but no head (head removed)"),
            );
        }
        _ => {}
    }
    // Nothing may be stored past the head. The last position is read before the head, so an
    // append in between (events and head move in one transaction) cannot look like one.
    if let Some(last) = db.chain_last_seq(tenant).await? {
        let head_now = db.chain_head(tenant).await?.map_or(0, |(s, _)| s);
        if last > head_now {
            return broken(
                last,
                format!("it is stored past the chain's head at {head_now} (inserted?)"),
            );
        }
    }
    Ok(Ok(Verified {
        events: verified,
        head: last_at.map(|occurred_at| ChainHead {
            tenant_id: tenant,
            seq,
            hash: prev,
            occurred_at,
        }),
    }))
}

/// Refuses to start on a chain key that would break the chains: a chain keyed with a key
/// needs that key to go on, or its next links would be unkeyed (a downgrade) or keyed with
/// another key, and verification would report it broken from there.
pub async fn check_chain_key(db: &Db) -> ServiceResult<()> {
    let keyed = db
        .head_hash_prefixes(KEYED_PREFIX, KEYED_HEADER_LEN)
        .await?;
    let keys = db.chain_keys();
    for prefix in &keyed {
        let HashKind::Keyed(id) = HashKind::of(prefix) else {
            continue;
        };
        let problem = match keys {
            Some(keys) if keys.find(id).is_some() => continue,
            Some(keys) => format!(
                "AUDIT_CHAIN_KEY is key {} and no retired key is {id}, but",
                keys.current().id()
            ),
            None => "AUDIT_CHAIN_KEY is not set, but".to_owned(),
        };
        return Err(ServiceError::ChainKey(format!(
            "{problem} the audit chains are keyed with key {id}: configure that key"
        )));
    }
    Ok(())
}
