//! Checking a chain against the head saved for it outside the database ([`ChainHead`]): was it
//! cut short, rewritten, or its saved event removed before the retention window allowed?

use super::verify::{Verified, verify_to_head};
use crate::domain::audit::BrokenLink;
use crate::domain::audit::chain_key::VerifyPolicy;
use crate::domain::audit::heads::{AgainstSaved, ChainHead, removable_before};
use crate::domain::ids::TenantId;
use crate::domain::time::Timestamp;
use crate::service::ServiceResult;
use crate::store::Db;

/// Checks that a chain, verified on its own, still reaches `saved` unchanged: it was not cut
/// short below it, nor rewritten up to it, nor was its event removed while younger than
/// `purgeable_before` (see [`removable_before`]): a checkpoint written past it early is how
/// removing it would look.
pub async fn check_saved_head(
    db: &Db,
    saved: &ChainHead,
    purgeable_before: Timestamp,
) -> ServiceResult<Result<AgainstSaved, BrokenLink>> {
    let tenant = saved.tenant_id;
    let broken = |seq, reason: String| {
        Ok(Err(BrokenLink {
            tenant_id: tenant,
            seq,
            reason,
        }))
    };
    let Some((head_seq, _)) = db.chain_head(tenant).await? else {
        return broken(
            1,
            format!(
                "the chain has no head, but one at {} was saved (chain removed)",
                saved.seq
            ),
        );
    };
    if head_seq < saved.seq {
        return broken(
            head_seq + 1,
            format!(
                "the chain ends at {head_seq}, but a head at {} was saved (events removed)",
                saved.seq
            ),
        );
    }
    // Read twice at most: the purge may remove the saved event between the two reads.
    for _ in 0..2 {
        let at_saved = match db.chain_checkpoint(tenant).await? {
            Some(c) if c.seq >= saved.seq => {
                if saved.occurred_at >= purgeable_before {
                    return broken(
                        saved.seq,
                        "the saved head's event was removed before its retention ended \
                         (checkpoint forged?)"
                            .into(),
                    );
                }
                if c.seq > saved.seq {
                    return Ok(Ok(AgainstSaved::Purged));
                }
                Some(c.hash)
            }
            _ => db
                .chain_page(tenant, saved.seq - 1, 1)
                .await?
                .into_iter()
                .find(|e| e.seq == saved.seq)
                .map(|e| e.hash),
        };
        match at_saved {
            Some(hash) if hash == saved.hash => return Ok(Ok(AgainstSaved::Holds)),
            Some(_) => {
                return broken(
                    saved.seq,
                    "it is not the event saved as the chain's head then (chain rewritten)".into(),
                );
            }
            None => {}
        }
    }
    broken(saved.seq, "the saved head's event is missing".into())
}

/// The chains to check: every chain in the database, and every chain with a saved head that
/// is no longer there (it was removed, which [`check_saved_head`] reports).
pub async fn chains_to_check<'h>(
    db: &Db,
    saved: impl IntoIterator<Item = &'h ChainHead>,
) -> ServiceResult<Vec<TenantId>> {
    let mut chains = db.audit_chains().await?;
    for head in saved {
        if !chains.contains(&head.tenant_id) {
            chains.push(head.tenant_id);
        }
    }
    Ok(chains)
}

/// What [`verify_against`] found of an intact chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    /// The chain's own verification.
    pub verified: Verified,
    /// How it stands against its saved head, if it had one.
    pub saved: Option<AgainstSaved>,
    /// The head to save for the next check: the verified one, or, for a chain with no event
    /// left to verify (all purged), the saved one it still holds, so that the chain stays
    /// anchored and its removal is caught.
    pub anchor: Option<ChainHead>,
}

/// Verifies one chain, then checks it against its saved head if there is one. A failure to
/// read or decode the chain is reported as a broken link of that chain, so one bad row
/// cannot hide the rest of a run; only an unreachable database is an error.
///
/// `retention_days` tells which saved heads the purge may have removed; the cutoff is taken
/// when the chain is checked, so that a long run does not mistake a purge during it for an
/// early removal.
pub async fn verify_against(
    db: &Db,
    tenant: TenantId,
    policy: VerifyPolicy,
    saved: Option<&ChainHead>,
    retention_days: u32,
) -> ServiceResult<Result<Checked, BrokenLink>> {
    let checked = async {
        let verified = match verify_to_head(db, tenant, policy).await? {
            Ok(verified) => verified,
            Err(link) => return Ok(Err(link)),
        };
        let against = match saved {
            Some(head) => {
                let purgeable_before = removable_before(retention_days, Timestamp::now());
                match check_saved_head(db, head, purgeable_before).await? {
                    Ok(against) => Some(against),
                    Err(link) => return Ok(Err(link)),
                }
            }
            None => None,
        };
        let anchor = verified.head.clone().or_else(|| saved.cloned());
        ServiceResult::Ok(Ok(Checked {
            verified,
            saved: against,
            anchor,
        }))
    };
    match checked.await {
        Err(e) if e.is_unavailable() => Err(e),
        Err(e) => Ok(Err(BrokenLink {
            tenant_id: tenant,
            seq: saved.map_or(1, |h| h.seq),
            reason: format!("it could not be read: {}", crate::error_chain(&e)),
        })),
        Ok(result) => Ok(result),
    }
}
