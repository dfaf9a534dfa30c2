//! Chain heads saved outside the database: what shows a chain was neither cut short nor
//! rewritten since, which the chain alone cannot show. The checks against them are in
//! `service::audit::heads`.

use std::fmt;
use std::str::FromStr;

use crate::domain::ids::TenantId;
use crate::domain::time::Timestamp;

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
pub fn removable_before(retention_days: u32, now: Timestamp) -> Timestamp {
    now.plus_seconds(PURGE_CLOCK_SKEW_SECS - i64::from(retention_days) * 86_400)
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
