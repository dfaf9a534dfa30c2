//! Verifying the audit hash chains: each from its start (genesis or retention checkpoint) to
//! the head it had when verification began, and against heads saved outside the database.

use std::fmt;
use std::str::FromStr;

use super::audit::{BrokenLink, Checkpoint, GENESIS_HASH};
use super::chain_key::{
    HashKind, KEYED_HEADER_LEN, KEYED_PREFIX, VerifyPolicy, check_checkpoint, key_age, link_key,
};
use super::ids::TenantId;
use super::{DomainError, DomainResult};
use crate::store::Db;

/// Events read per page while verifying.
const PAGE: u32 = 1000;

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
}

/// `<tenant id> <seq> <hash>`, the line format of a saved-heads file.
impl fmt::Display for ChainHead {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} {}", self.tenant_id, self.seq, self.hash)
    }
}

impl FromStr for ChainHead {
    type Err = String;

    fn from_str(line: &str) -> Result<Self, String> {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let [tenant, seq, hash] = fields[..] else {
            return Err(format!(
                "expected `<tenant id> <seq> <hash>`, got {} field(s)",
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
        Ok(Self {
            tenant_id,
            seq,
            hash: hash.to_owned(),
        })
    }
}

/// Parses a saved-heads file: one head per line; blank lines and `#` comments are skipped.
/// A tenant listed twice is an error, since one of its heads would be silently ignored.
pub fn parse_heads(text: &str) -> Result<Vec<ChainHead>, String> {
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

/// What a verification found intact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// Events verified.
    pub events: u64,
    /// The head they lead to: the chain's head when verification began; `None` for a chain
    /// that had none then.
    pub head: Option<ChainHead>,
}

/// Re-computes every hash of one chain from its start (genesis or checkpoint) to its head,
/// with the database's chain key, accepting no unkeyed link once a key is configured;
/// `Ok(n)` is the number of events verified, `Err` the first broken link.
pub async fn verify_chain(db: &Db, tenant: TenantId) -> DomainResult<Result<u64, BrokenLink>> {
    verify_chain_with(db, tenant, VerifyPolicy::default()).await
}

/// [`verify_chain`] with what `policy` accepts of unkeyed links.
pub async fn verify_chain_with(
    db: &Db,
    tenant: TenantId,
    policy: VerifyPolicy,
) -> DomainResult<Result<u64, BrokenLink>> {
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
) -> DomainResult<Result<Verified, BrokenLink>> {
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
) -> DomainResult<Result<Verified, BrokenLink>> {
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
    // A keyed checkpoint means keyed events came before it, too.
    let mut newest = key_age(&prev, db.chain_keys());
    while seq < end {
        let page = db.chain_page(tenant, seq, PAGE).await?;
        if page.is_empty() {
            break;
        }
        for stored in page.into_iter().take_while(|e| e.seq <= end) {
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
            verified += 1;
        }
    }
    let at = |seq, hash| {
        Ok(Ok(Verified {
            events: verified,
            head: (seq > 0).then_some(ChainHead {
                tenant_id: tenant,
                seq,
                hash,
            }),
        }))
    };
    match head {
        Some((head_seq, head_hash)) if head_seq != seq || head_hash != prev => broken(
            seq + 1,
            format!("the chain ends at {seq} but its head records {head_seq} (events removed)"),
        ),
        Some((head_seq, head_hash)) => at(head_seq, head_hash),
        // The chain may have begun after its head was read; if so, it has one now.
        None if seq > 0 && db.chain_head(tenant).await?.is_none() => broken(
            seq + 1,
            format!("the chain has events up to {seq} but no head (head removed)"),
        ),
        None => at(seq, prev),
    }
}

/// How a chain stands against a head saved earlier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AgainstSaved {
    /// The chain still holds the saved head's event, unchanged.
    Holds,
    /// The retention purge has removed the saved head's event; the chain goes on past it.
    Purged,
}

/// Checks that a chain, verified on its own, still reaches `saved` unchanged: it was not cut
/// short below it, nor rewritten up to it.
pub async fn check_saved_head(
    db: &Db,
    saved: &ChainHead,
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
    let at_saved = match db.chain_checkpoint(tenant).await? {
        Some(c) if c.seq > saved.seq => return Ok(Ok(AgainstSaved::Purged)),
        Some(c) if c.seq == saved.seq => Some(c.hash),
        _ => db
            .chain_page(tenant, saved.seq - 1, 1)
            .await?
            .into_iter()
            .find(|e| e.seq == saved.seq)
            .map(|e| e.hash),
    };
    match at_saved {
        Some(hash) if hash == saved.hash => Ok(Ok(AgainstSaved::Holds)),
        Some(_) => broken(
            saved.seq,
            "it is not the event saved as the chain's head then (chain rewritten)".into(),
        ),
        None => broken(saved.seq, "the saved head's event is missing".into()),
    }
}

/// Refuses to start on a chain key that would break the chains: a chain keyed with a key
/// needs that key to go on, or its next links would be unkeyed (a downgrade) or keyed with
/// another key, and verification would report it broken from there.
pub async fn check_chain_key(db: &Db) -> DomainResult<()> {
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
        return Err(DomainError::ChainKey(format!(
            "{problem} the audit chains are keyed with key {id}: configure that key"
        )));
    }
    Ok(())
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
        };
        assert_eq!(head(&written.to_string()), Ok(written));
    }

    #[test]
    fn a_malformed_head_line_is_refused_with_what_is_wrong() {
        let tenant = TenantId::new();
        assert!(head("").unwrap_err().contains("0 field(s)"));
        assert!(head("x 1 h").unwrap_err().contains("bad tenant id"));
        assert!(
            head(&format!("{tenant} 0 h"))
                .unwrap_err()
                .contains("from 1")
        );
        assert!(
            head(&format!("{tenant} -3 h"))
                .unwrap_err()
                .contains("from 1")
        );
        assert!(
            head(&format!("{tenant} 1 h extra"))
                .unwrap_err()
                .contains("4 field(s)")
        );
    }

    #[test]
    fn a_heads_file_skips_comments_and_refuses_a_tenant_twice() {
        let (a, b) = (TenantId::new(), TenantId::new());
        let text = format!("# saved heads\n\n{a} 3 h3\n  {b} 7 h7  \n");
        let heads = parse_heads(&text).expect("parses");
        assert_eq!(heads.len(), 2);
        assert_eq!((heads[1].tenant_id, heads[1].seq), (b, 7));
        let twice = parse_heads(&format!("{text}{a} 4 h4\n")).unwrap_err();
        assert!(twice.starts_with("line 5:"), "{twice}");
        assert!(
            parse_heads(&format!("{a} x h"))
                .unwrap_err()
                .starts_with("line 1:")
        );
    }
}
