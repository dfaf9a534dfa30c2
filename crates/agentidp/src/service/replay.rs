//! Single use of client assertions: each `jti` is accepted once per client until the
//! assertion expires. With Redis every node checks one shared key; without it (or while it is
//! down) the database's records are shared instead.

use std::sync::Arc;

use aws_lc_rs::digest;

use super::ServiceResult;
use crate::domain::ids::AgentId;
use crate::domain::time::Timestamp;
use crate::infra::redis::RedisLink;
use crate::store::Db;

/// Remembers the client assertions already used.
#[derive(Debug)]
pub struct ReplayGuard {
    db: Db,
    redis: Option<Arc<RedisLink>>,
}

impl ReplayGuard {
    /// A guard recording in `db`, or in `redis` when given and reachable.
    pub fn new(db: Db, redis: Option<Arc<RedisLink>>) -> Self {
        Self { db, redis }
    }

    /// Records `jti` for `client` until `expires_at`; `false` when it was used before. The
    /// `jti` is kept as its SHA-256, so any client-chosen text has a bounded, inert key.
    pub async fn first_use(
        &self,
        client: AgentId,
        jti: &str,
        expires_at: Timestamp,
    ) -> ServiceResult<bool> {
        let hash = digest::digest(&digest::SHA256, jti.as_bytes());
        if let Some(link) = &self.redis {
            let key = format!("agentidp:jti:{client}:{}", hex::encode(hash.as_ref()));
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
        Ok(self
            .db
            .claim_assertion_jti(client, hash.as_ref(), expires_at)
            .await?)
    }
}
