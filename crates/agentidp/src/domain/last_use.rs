//! When each credential and agent last authenticated, buffered in memory and written in
//! batches: recording it on the request path cost every fleet token request (each one a
//! different client) two row updates queued behind the audit log's commits.
//!
//! A credential's use is recorded at most once an hour per node (as AWS records an access key's
//! last use, to the hour: enough to find credentials nobody uses any more, while a fleet whose
//! agents ask for a token every few minutes writes a row per agent an hour, not per token).
//! The buffer is written every few seconds, at most [`FLUSH_MAX`] uses at a time so that a
//! fleet's first hour spreads its writes, and at shutdown. The stored times thus lag the last
//! use by up to [`TOUCH_INTERVAL_SECS`] plus the time the buffer takes to drain, and a crash
//! loses what the buffer held (each credential's next use records it again).

use std::collections::HashMap;
use std::sync::Mutex;

use super::ids::{AgentId, CredentialId};
use super::time::Timestamp;

/// How often a credential's `last_used_at` is recorded at most.
pub const TOUCH_INTERVAL_SECS: i64 = 3600;

/// Most uses one flush writes; the rest wait for the next.
pub const FLUSH_MAX: usize = 2048;

/// One credential's latest use (and so its agent's latest authentication).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Use {
    /// The agent that authenticated.
    pub agent: AgentId,
    /// The credential it used.
    pub credential: CredentialId,
    /// When.
    pub at: Timestamp,
}

/// Uses recorded since the last flush, the latest per credential.
#[derive(Debug, Default)]
pub struct LastUse {
    pending: Mutex<HashMap<CredentialId, Use>>,
}

impl LastUse {
    /// Whether a use at `now` of a credential last recorded at `stored` should be recorded.
    pub fn due(stored: Option<Timestamp>, now: Timestamp) -> bool {
        stored.is_none_or(|t| t.plus_seconds(TOUCH_INTERVAL_SECS) < now)
    }

    /// Records a use, replacing an older pending one of the same credential.
    pub fn record(&self, used: Use) {
        let mut pending = self
            .pending
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        pending
            .entry(used.credential)
            .and_modify(|u| {
                if used.at > u.at {
                    *u = used;
                }
            })
            .or_insert(used);
    }

    /// Takes up to `max` pending uses, leaving the rest.
    pub fn take(&self, max: usize) -> Vec<Use> {
        let mut pending = self
            .pending
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if pending.len() <= max {
            return pending.drain().map(|(_, u)| u).collect();
        }
        let keys: Vec<CredentialId> = pending.keys().take(max).copied().collect();
        keys.iter().filter_map(|k| pending.remove(k)).collect()
    }

    /// How many uses are waiting to be written.
    pub fn pending(&self) -> usize {
        self.pending
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .len()
    }

    /// Puts back uses whose write failed, unless a newer use was recorded meanwhile.
    pub fn restore(&self, uses: Vec<Use>) {
        for used in uses {
            self.record(used);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_latest_use_of_each_credential_is_kept_until_taken() {
        let buffer = LastUse::default();
        let (agent, credential) = (AgentId::new(), CredentialId::new());
        let t = Timestamp::from_micros(1_000_000_000);
        buffer.record(Use {
            agent,
            credential,
            at: t.plus_seconds(5),
        });
        buffer.record(Use {
            agent,
            credential,
            at: t,
        });
        let other = Use {
            agent,
            credential: CredentialId::new(),
            at: t,
        };
        buffer.record(other);
        let mut taken = buffer.take(1);
        assert_eq!(taken.len(), 1, "at most what was asked");
        assert_eq!(buffer.pending(), 1);
        taken.extend(buffer.take(10));
        assert_eq!(taken.len(), 2);
        assert!(taken.contains(&other));
        assert!(
            taken.iter().any(|u| u.at == t.plus_seconds(5)),
            "the latest use is kept"
        );
        assert!(buffer.take(10).is_empty());
        buffer.restore(vec![other]);
        assert_eq!(buffer.take(10), vec![other]);
    }

    #[test]
    fn a_use_is_due_once_an_hour() {
        let now = Timestamp::from_micros(1_000_000_000_000);
        assert!(LastUse::due(None, now));
        assert!(!LastUse::due(Some(now.plus_seconds(-3000)), now));
        assert!(LastUse::due(Some(now.plus_seconds(-3601)), now));
    }
}
