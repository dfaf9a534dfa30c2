//! Chain heads saved outside the database, and checking a chain against them: what shows a
//! chain was neither cut short nor rewritten since, which the chain alone cannot show.

use std::fmt;
use std::str::FromStr;

use super::DomainResult;
use super::audit::BrokenLink;
use super::chain_key::VerifyPolicy;
use super::chain_verify::{Verified, verify_to_head};
use super::ids::TenantId;
use super::time::Timestamp;
use crate::store::Db;

/// The first line of a saved-heads file. Required, so that an emptied or truncated file is
/// refused instead of checking nothing.
pub const HEADS_HEADER: &str = "# agentidp audit chain heads: <tenant id> <seq> <hash> <time>";

/// How far another node's clock may be ahead of this one's when it purges: an event this much
/// younger than the retention window may already be gone.
const PURGE_CLOCK_SKEW_SECS: i64 = 3600;

/// A chain's head at one moment: its last position and that event's hash.
///
/// Kept outside the database, a head shows later that the chain was neither cut short nor
/// rewritten up to it, which the chain alone cannot show: remove its newest events and move
/// its head back, and what is left still verifies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainHead {
    /// The chain's tenant.
    pub tenant_id: TenantId,
    /// The head event's position.
    pub seq: i64,
    /// The head event's hash.
    pub hash: String,
    /// When the head event occurred: once the purge has removed it, this shows whether the
    /// retention window allowed that.
    pub occurred_at: Timestamp,
}

/// `<tenant id> <seq> <hash> <time>`, the line format of a saved-heads file.
impl fmt::Display for ChainHead {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let at = self.occurred_at.to_rfc3339();
        write!(f, "{} {} {} {at}", self.tenant_id, self.seq, self.hash)
    }
}

impl FromStr for ChainHead {
    type Err = String;

    fn from_str(line: &str) -> Result<Self, String> {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let [tenant, seq, hash, at] = fields[..] else {
            return Err(format!(
                "expected `<tenant id> <seq> <hash> <time>`, got {} field(s)",
                fields.len()
            ));
        };
        let tenant_id = tenant
            .parse()
            .map_err(|e| format!("bad tenant id {tenant:?}: {e}"))?;
        let seq = seq
            .parse::<i64>()
            .ok()
            .filter(|s| *s >= 1)
            .ok_or_else(|| format!("bad position {seq:?}: expected a whole number from 1"))?;
        let occurred_at = Timestamp::parse_rfc3339(at)
            .ok_or_else(|| format!("bad time {at:?}: expected RFC 3339"))?;
        Ok(Self {
            tenant_id,
            seq,
            hash: hash.to_owned(),
            occurred_at,
        })
    }
}

/// Parses a saved-heads file: [`HEADS_HEADER`], then one head per line; blank lines and `#`
/// comments are skipped. A tenant listed twice is an error, since one of its heads would be
/// silently ignored.
pub fn parse_heads(text: &str) -> Result<Vec<ChainHead>, String> {
    if text.lines().next().map(str::trim_end) != Some(HEADS_HEADER) {
        return Err(format!(
            "line 1: not a saved-heads file (it starts with {HEADS_HEADER:?})"
        ));
    }
    let mut heads: Vec<ChainHead> = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let head: ChainHead = line.parse().map_err(|e| format!("line {}: {e}", n + 1))?;
        if heads.iter().any(|h| h.tenant_id == head.tenant_id) {
            return Err(format!(
                "line {}: tenant {} is listed twice",
                n + 1,
                head.tenant_id
            ));
        }
        heads.push(head);
    }
    Ok(heads)
}

/// How a chain stands against a head saved earlier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AgainstSaved {
    /// The chain still holds the saved head's event, unchanged.
    Holds,
    /// The retention purge has removed the saved head's event; the chain goes on past it.
    Purged,
}

/// The time before which the retention purge may have removed an event, for
/// [`check_saved_head`]: the retention window's start, allowing for another node's clock.
pub fn removable_before(retention_days: u32) -> Timestamp {
    Timestamp::now().plus_seconds(PURGE_CLOCK_SKEW_SECS - i64::from(retention_days) * 86_400)
}

/// Checks that a chain, verified on its own, still reaches `saved` unchanged: it was not cut
/// short below it, nor rewritten up to it, nor was its event removed while younger than
/// `purgeable_before` (see [`removable_before`]): a checkpoint written past it early is how
/// removing it would look.
pub async fn check_saved_head(
    db: &Db,
    saved: &ChainHead,
    purgeable_before: Timestamp,
) -> DomainResult<Result<AgainstSaved, BrokenLink>> {
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
) -> DomainResult<Vec<TenantId>> {
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
) -> DomainResult<Result<Checked, BrokenLink>> {
    let checked = async {
        let verified = match verify_to_head(db, tenant, policy).await? {
            Ok(verified) => verified,
            Err(link) => return Ok(Err(link)),
        };
        let against = match saved {
            Some(head) => {
                let purgeable_before = removable_before(retention_days);
                match check_saved_head(db, head, purgeable_before).await? {
                    Ok(against) => Some(against),
                    Err(link) => return Ok(Err(link)),
                }
            }
            None => None,
        };
        let anchor = verified.head.clone().or_else(|| saved.cloned());
        DomainResult::Ok(Ok(Checked {
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

#[cfg(test)]
mod tests {
    #![expect(clippy::unwrap_used, reason = "tests fail loudly")]

    use super::*;

    fn head(line: &str) -> Result<ChainHead, String> {
        line.parse()
    }

    #[test]
    fn a_saved_head_reads_back_as_it_was_written() {
        let written = ChainHead {
            tenant_id: TenantId::new(),
            seq: 42,
            hash: "hmac-sha256:0123456789abcdef:ff".into(),
            occurred_at: Timestamp::from_micros(1_700_000_000_123_000),
        };
        assert_eq!(head(&written.to_string()), Ok(written));
    }

    #[test]
    fn a_malformed_head_line_is_refused_with_what_is_wrong() {
        let tenant = TenantId::new();
        let at = "2026-12-02T05:00:00.000Z";
        let refused = |line: String, what: &str| {
            let e = head(&line).unwrap_err();
            assert!(e.contains(what), "{line:?}: {e}");
        };
        refused(String::new(), "0 field(s)");
        refused(format!("x 1 h {at}"), "bad tenant id");
        refused(format!("{tenant} 0 h {at}"), "from 1");
        refused(format!("{tenant} -3 h {at}"), "from 1");
        refused(format!("{tenant} 1 h yesterday"), "bad time");
        refused(format!("{tenant} 1 h {at} extra"), "5 field(s)");
    }

    #[test]
    fn a_heads_file_skips_comments_and_refuses_a_tenant_twice() {
        let (a, b) = (TenantId::new(), TenantId::new());
        let at = "2026-12-02T05:00:00Z";
        let text = format!("{HEADS_HEADER}\n# saved by cron\n\n{a} 3 h3 {at}\n  {b} 7 h7 {at}  \n");
        let heads = parse_heads(&text).expect("parses");
        assert_eq!(heads.len(), 2);
        assert_eq!((heads[1].tenant_id, heads[1].seq), (b, 7));
        let twice = parse_heads(&format!("{text}{a} 4 h4 {at}\n")).unwrap_err();
        assert!(twice.starts_with("line 6:"), "{twice}");
        let bad = parse_heads(&format!("{HEADS_HEADER}\n{a} x h {at}")).unwrap_err();
        assert!(bad.starts_with("line 2:"), "{bad}");
    }

    #[test]
    fn an_emptied_or_foreign_heads_file_is_refused() {
        for text in ["", "\n", "# some other file\n"] {
            let refused = parse_heads(text).unwrap_err();
            assert!(refused.contains("not a saved-heads file"), "{refused}");
        }
        assert_eq!(parse_heads(&format!("{HEADS_HEADER}\n")), Ok(vec![]));
    }
}
