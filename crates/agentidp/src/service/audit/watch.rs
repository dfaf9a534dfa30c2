//! The server's own periodic verification of every audit chain. It remembers the heads it
//! verified, so a chain cut short or rewritten while the server runs is caught as
//! `audit verify --expect-heads` would catch it, and the result is exported as metrics. With a
//! heads file it remembers them across restarts too.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Mutex;

use super::heads::{chains_to_check, verify_against};
use super::heads_file;
use crate::domain::audit::BrokenLink;
use crate::domain::audit::chain_key::VerifyPolicy;
use crate::domain::audit::heads::ChainHead;
use crate::domain::ids::TenantId;
use crate::domain::time::Timestamp;
use crate::service::ServiceResult;
use crate::store::Db;

/// What the last verification found.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WatchStatus {
    /// Chains found broken.
    pub broken: usize,
    /// When it finished; `None` before the first.
    pub finished_at: Option<Timestamp>,
}

#[derive(Debug, Default)]
struct State {
    /// The newest head verified of each chain; for a broken chain, its last good one.
    heads: HashMap<TenantId, ChainHead>,
    status: WatchStatus,
}

/// Verifies every chain on demand and keeps what it found.
#[derive(Debug, Default)]
pub struct ChainWatch {
    policy: VerifyPolicy,
    heads_file: Option<PathBuf>,
    state: Mutex<State>,
}

impl ChainWatch {
    /// A watch that verifies under `policy`.
    pub fn new(policy: VerifyPolicy) -> Self {
        Self {
            policy,
            heads_file: None,
            state: Mutex::default(),
        }
    }

    /// The same watch, starting from the heads saved in `path` (none if there is no such file
    /// yet) and saving there what each run verified. A file that cannot be read or parsed is
    /// an error, not an empty start: that would accept any chain cut short while the server
    /// was down.
    pub fn with_heads_file(mut self, path: PathBuf) -> Result<Self, String> {
        let heads = heads_file::read(&path)?.unwrap_or_default();
        self.state().heads = heads.into_iter().map(|h| (h.tenant_id, h)).collect();
        self.heads_file = Some(path);
        Ok(self)
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// What the last [`run`](Self::run) found.
    pub fn status(&self) -> WatchStatus {
        self.state().status
    }

    /// Verifies every chain, and each against the head the previous run verified; returns the
    /// broken ones. A chain that has since disappeared is checked too, and reported.
    /// `retention_days` tells which saved heads the purge may have removed.
    pub async fn run(&self, db: &Db, retention_days: u32) -> ServiceResult<Vec<BrokenLink>> {
        let known = self.state().heads.clone();
        let chains = chains_to_check(db, known.values()).await?;
        let mut heads = HashMap::with_capacity(chains.len());
        let mut broken = Vec::new();
        for chain in chains {
            let saved = known.get(&chain);
            match verify_against(db, chain, self.policy, saved, retention_days).await? {
                Ok(checked) => heads.extend(checked.anchor.map(|h| (chain, h))),
                Err(link) => {
                    tracing::error!(
                        tenant_id = %link.tenant_id,
                        seq = link.seq,
                        reason = %link.reason,
                        "audit chain broken"
                    );
                    heads.extend(saved.map(|h| (chain, h.clone())));
                    broken.push(link);
                }
            }
        }
        if let Some(path) = &self.heads_file {
            // A broken chain keeps its last good head, so it is reported again after a restart.
            let mut saved: Vec<ChainHead> = heads.values().cloned().collect();
            saved.sort_by_key(|h| h.tenant_id);
            let path = path.clone();
            let written = tokio::task::spawn_blocking(move || heads_file::write(&path, &saved))
                .await
                .unwrap_or_else(|e| Err(format!("the heads file writer failed: {e}")));
            if let Err(e) = written {
                // The file keeps the previous run's heads: older, but still ones to hold.
                tracing::error!(error = %e, "could not save the verified audit chain heads");
            }
        }
        let mut state = self.state();
        state.heads = heads;
        state.status = WatchStatus {
            broken: broken.len(),
            finished_at: Some(Timestamp::now()),
        };
        Ok(broken)
    }
}
