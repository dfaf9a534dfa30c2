//! Single use of client assertions: each `jti` is accepted once per client until the
//! assertion expires. With Redis every node checks one shared key; without it (or while it is
//! down) the database's records are shared instead, written in group commits: every claim
//! queued while the previous batch was committing goes into the next transaction, so that a
//! busy token endpoint pays one commit (and, on SQLite, one fsync) per batch, not per request.

use std::collections::HashSet;
use std::sync::Arc;

use aws_lc_rs::digest;
use tokio::sync::{mpsc, oneshot};

use super::{ServiceError, ServiceResult};
use crate::domain::ids::AgentId;
use crate::domain::time::Timestamp;
use crate::infra::redis::RedisLink;
use crate::store::{Db, JtiClaim, StoreError};

/// Most claims committed in one transaction (three parameters each).
const MAX_BATCH: usize = 512;

type Ack = oneshot::Sender<Result<bool, Arc<StoreError>>>;

/// Remembers the client assertions already used.
#[derive(Debug)]
pub struct ReplayGuard {
    queue: mpsc::Sender<(JtiClaim, Ack)>,
    redis: Option<Arc<RedisLink>>,
}

impl ReplayGuard {
    /// A guard recording in `redis` when given and reachable, else in `db`; starts the
    /// database writer task on the current runtime (it stops when the guard is dropped).
    pub fn spawn(db: Db, redis: Option<Arc<RedisLink>>) -> Self {
        let (queue, mut rx) = mpsc::channel::<(JtiClaim, Ack)>(MAX_BATCH * 4);
        tokio::spawn(async move {
            let mut claims = Vec::with_capacity(MAX_BATCH);
            let mut acks: Vec<(usize, Ack)> = Vec::with_capacity(MAX_BATCH);
            while let Some(first) = rx.recv().await {
                let mut pending = vec![first];
                while pending.len() < MAX_BATCH {
                    let Ok(next) = rx.try_recv() else { break };
                    pending.push(next);
                }
                // A jti twice in one batch: the first is the claim, the others replays.
                let mut seen = HashSet::with_capacity(pending.len());
                for (claim, ack) in pending {
                    if seen.insert((claim.client, claim.jti_hash)) {
                        acks.push((claims.len(), ack));
                        claims.push(claim);
                    } else {
                        let _ = ack.send(Ok(false));
                    }
                }
                let outcome = db.claim_assertion_jtis(&claims).await.map_err(Arc::new);
                for (index, ack) in acks.drain(..) {
                    let _ = ack.send(match &outcome {
                        Ok(fresh) => Ok(fresh.get(index).copied().unwrap_or(false)),
                        Err(e) => Err(Arc::clone(e)),
                    });
                }
                claims.clear();
            }
        });
        Self { queue, redis }
    }

    /// Records `jti` for `client` until `expires_at`; `false` when it was used before. The
    /// `jti` is kept as its SHA-256, so any client-chosen text has a bounded, inert key.
    pub async fn first_use(
        &self,
        client: AgentId,
        jti: &str,
        expires_at: Timestamp,
    ) -> ServiceResult<bool> {
        let hash: [u8; 32] = digest::digest(&digest::SHA256, jti.as_bytes())
            .as_ref()
            .try_into()
            .map_err(|_| ServiceError::Unavailable)?;
        if let Some(link) = &self.redis {
            let key = format!("agentidp:jti:{client}:{}", hex::encode(hash));
            let at = expires_at.unix_seconds().max(1);
            let set = link
                .run(|mut conn| async move {
                    redis::cmd("SET")
                        .arg(&key)
                        .arg(1)
                        .arg("NX")
                        .arg("EXAT")
                        .arg(at)
                        .query_async::<Option<String>>(&mut conn)
                        .await
                })
                .await;
            if let Some(set) = set {
                return Ok(set.is_some());
            }
        }
        let (ack, done) = oneshot::channel();
        let claim = JtiClaim {
            client,
            jti_hash: hash,
            expires_at,
        };
        self.queue
            .send((claim, ack))
            .await
            .map_err(|_| ServiceError::Unavailable)?;
        match done.await {
            Ok(Ok(fresh)) => Ok(fresh),
            Ok(Err(e)) if e.is_unavailable() => Err(ServiceError::Unavailable),
            Ok(Err(e)) => Err(ServiceError::Replay(crate::error_chain(&*e))),
            Err(_) => Err(ServiceError::Unavailable),
        }
    }
}
