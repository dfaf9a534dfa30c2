//! When each credential and agent last authenticated, buffered in memory and written in
//! batches: recording it on the request path cost every fleet token request (each one a
//! different client) two row updates queued behind the audit log's commits.
//!
//! A credential's use is recorded at most once a minute per node, as before; the buffer is
//! written every few seconds and at shutdown, so the stored times lag the truth by at most
//! [`TOUCH_INTERVAL_SECS`] plus one flush interval, and a crash loses at most the uses of one
//! flush interval (the next use of each credential records it again).

use std::collections::HashMap;
use std::sync::Mutex;

use super::ids::{AgentId, CredentialId};
use super::time::Timestamp;

/// How often a credential's `last_used_at` is recorded at most.
pub const TOUCH_INTERVAL_SECS: i64 = 60;

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

    /// Takes every pending use, leaving the buffer empty.
    pub fn take(&self) -> Vec<Use> {
        let mut pending = self
            .pending
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        pending.drain().map(|(_, u)| u).collect()
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
        let mut taken = buffer.take();
        taken.sort_by_key(|u| u.at);
        assert_eq!(taken.len(), 2);
        assert_eq!(taken[1].at, t.plus_seconds(5));
        assert!(buffer.take().is_empty());
        buffer.restore(vec![other]);
        assert_eq!(buffer.take(), vec![other]);
    }

    #[test]
    fn a_use_is_due_once_a_minute() {
        let now = Timestamp::from_micros(1_000_000_000_000);
        assert!(LastUse::due(None, now));
        assert!(!LastUse::due(Some(now.plus_seconds(-30)), now));
        assert!(LastUse::due(Some(now.plus_seconds(-61)), now));
    }
}
