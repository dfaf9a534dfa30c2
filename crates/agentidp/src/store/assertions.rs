//! The `jti`s of accepted client assertions, kept until the assertions expire, so that a
//! replay is refused by every node sharing the database.

use std::collections::HashSet;

use uuid::Uuid;

use super::{Db, StoreResult, on_pool};
use crate::domain::ids::AgentId;
use crate::domain::time::Timestamp;

/// A `jti` (as its SHA-256) a client's assertion spends, remembered until `expires_at`.
#[derive(Debug, Clone, Copy)]
pub struct JtiClaim {
    /// The client that presented it.
    pub client: AgentId,
    /// SHA-256 of the `jti`.
    pub jti_hash: [u8; 32],
    /// When the assertion expires (the record may go after).
    pub expires_at: Timestamp,
}

/// The insert of `n` claims: rows already there are skipped, and the new ones returned.
fn claim_sql(n: usize) -> String {
    let rows: Vec<String> = (0..n)
        .map(|i| format!("(${}, ${}, ${})", 3 * i + 1, 3 * i + 2, 3 * i + 3))
        .collect();
    format!(
        "INSERT INTO client_assertion_jtis (client_id, jti_hash, expires_at) VALUES {}
        ON CONFLICT (client_id, jti_hash) DO NOTHING RETURNING client_id, jti_hash",
        rows.join(", ")
    )
}

impl Db {
    /// Records `claims` (distinct) in one statement; for each, `true` when it is new and
    /// `false` when that client had already spent that `jti`.
    pub async fn claim_assertion_jtis(&self, claims: &[JtiClaim]) -> StoreResult<Vec<bool>> {
        if claims.is_empty() {
            return Ok(Vec::new());
        }
        let sql = claim_sql(claims.len());
        let inserted: Vec<(Uuid, Vec<u8>)> = on_pool!(self, p => {
            let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()));
            for c in claims {
                q = q.bind(c.client.uuid()).bind(c.jti_hash.as_slice()).bind(c.expires_at);
            }
            q.fetch_all(p).await
        })?;
        let fresh: HashSet<(Uuid, Vec<u8>)> = inserted.into_iter().collect();
        Ok(claims
            .iter()
            .map(|c| fresh.contains(&(c.client.uuid(), c.jti_hash.to_vec())))
            .collect())
    }

    /// Forgets the `jti`s of assertions that have expired (they are refused as expired
    /// anyway); returns how many.
    pub async fn purge_expired_assertion_jtis(&self, now: Timestamp) -> StoreResult<u64> {
        const SQL: &str = "DELETE FROM client_assertion_jtis WHERE expires_at < $1";
        let done = on_pool!(self, p => sqlx::query(SQL).bind(now).execute(p).await.map(|r| r.rows_affected()))?;
        Ok(done)
    }
}
