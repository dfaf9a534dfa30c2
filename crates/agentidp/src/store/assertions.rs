//! The `jti`s of accepted client assertions, kept until the assertions expire, so that a
//! replay is refused by every node sharing the database.

use super::{Db, StoreResult, on_pool};
use crate::domain::ids::AgentId;
use crate::domain::time::Timestamp;

/// Records a `jti`; a second one of the same client inserts nothing.
const CLAIM_JTI: &str = "INSERT INTO client_assertion_jtis (client_id, jti_hash, expires_at)
    VALUES ($1, $2, $3) ON CONFLICT (client_id, jti_hash) DO NOTHING";

impl Db {
    /// Records `jti_hash` for `client` until `expires_at`; `false` when it was already there.
    pub async fn claim_assertion_jti(
        &self,
        client: AgentId,
        jti_hash: &[u8],
        expires_at: Timestamp,
    ) -> StoreResult<bool> {
        let done = on_pool!(self, p => sqlx::query(CLAIM_JTI)
            .bind(client.uuid()).bind(jti_hash).bind(expires_at)
            .execute(p).await.map(|r| r.rows_affected()))?;
        Ok(done == 1)
    }

    /// Forgets the `jti`s of assertions that have expired (they are refused as expired
    /// anyway); returns how many.
    pub async fn purge_expired_assertion_jtis(&self, now: Timestamp) -> StoreResult<u64> {
        const SQL: &str = "DELETE FROM client_assertion_jtis WHERE expires_at < $1";
        let done = on_pool!(self, p => sqlx::query(SQL).bind(now).execute(p).await.map(|r| r.rows_affected()))?;
        Ok(done)
    }
}
