//! Token revocations (RFC 7009) and the per-request liveness check of bearer tokens.

use super::audit::chain::append_events;
use super::{Db, Sql, StoreResult, hinted, in_tx, on_pool};
use crate::domain::audit::NewEvent;
use crate::domain::ids::{AgentId, TenantId, TokenId};
use crate::domain::time::Timestamp;

/// Records a revocation; a second one of the same token changes nothing.
pub(crate) const REVOKE_TOKEN: &str =
    "INSERT INTO revoked_tokens (jti, tenant_id, expires_at, revoked_at)
    VALUES ($1, $2, $3, $4) ON CONFLICT (jti) DO NOTHING";

/// A bearer token's subject status and whether the token is revoked: every `/v1` request.
pub(crate) const TOKEN_LIVENESS: Sql = hinted!(
    "SELECT a.status,
        EXISTS (SELECT 1 FROM revoked_tokens r" => "sqlite_autoindex_revoked_tokens_1",
    " WHERE r.jti = $3) AS revoked
    FROM agents a" => "sqlite_autoindex_agents_1",
    " WHERE a.id = $2 AND a.tenant_id = $1",
);

impl Db {
    /// Marks a token as revoked until it would have expired anyway. Idempotent.
    pub async fn revoke_token(
        &self,
        jti: TokenId,
        tenant: TenantId,
        expires_at: Timestamp,
        now: Timestamp,
        events: &[NewEvent],
    ) -> StoreResult<()> {
        in_tx!(self, tx => {
            sqlx::query(REVOKE_TOKEN).bind(jti.uuid()).bind(tenant.uuid()).bind(expires_at).bind(now).execute(&mut *tx).await?;
            append_events!(self, tx, events);
        });
        Ok(())
    }

    /// The subject agent's status and whether the token was revoked, in one round trip.
    /// `None` when the agent does not exist in that tenant.
    pub async fn token_liveness(
        &self,
        tenant: TenantId,
        agent: AgentId,
        jti: TokenId,
    ) -> StoreResult<Option<(String, bool)>> {
        let sql = TOKEN_LIVENESS.on(self);
        let row: Option<(String, bool)> = on_pool!(self, p => sqlx::query_as(sql)
            .bind(tenant.uuid()).bind(agent.uuid()).bind(jti.uuid()).fetch_optional(p).await)?;
        Ok(row)
    }

    /// Deletes revocation entries of tokens that have expired; returns how many.
    pub async fn purge_expired_revocations(&self, now: Timestamp) -> StoreResult<u64> {
        const SQL: &str = "DELETE FROM revoked_tokens WHERE expires_at < $1";
        let done = on_pool!(self, p => sqlx::query(SQL).bind(now).execute(p).await.map(|r| r.rows_affected()))?;
        Ok(done)
    }
}
