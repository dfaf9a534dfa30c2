//! Trust policy rows (workload federation): a tenant's policies by id and page, and the
//! policies of an issuer, which a token exchange matches against.

use serde_json::{Map, Value};
use uuid::Uuid;

use super::audit::chain::append_events;
use super::{Db, StoreError, StoreResult, from_row, in_tx, on_pool};
use crate::domain::audit::NewEvent;
use crate::domain::federation::{ClaimRules, PolicyRules, TrustPolicy};
use crate::domain::ids::{AgentId, TenantId, TrustPolicyId};
use crate::domain::scope::ScopeSet;
use crate::domain::time::Timestamp;

macro_rules! policy_columns {
    () => {
        "id, tenant_id, agent_id, issuer, audience, subject, claims, scopes, \
         max_token_ttl_seconds, description, created_at, updated_at"
    };
}

struct PolicyRow {
    id: Uuid,
    tenant_id: Uuid,
    agent_id: Uuid,
    issuer: String,
    audience: String,
    subject: Option<String>,
    claims: String,
    scopes: String,
    max_token_ttl_seconds: i64,
    description: String,
    created_at: Timestamp,
    updated_at: Timestamp,
}

from_row!(PolicyRow {
    id,
    tenant_id,
    agent_id,
    issuer,
    audience,
    subject,
    claims,
    scopes,
    max_token_ttl_seconds,
    description,
    created_at,
    updated_at
});

impl TryFrom<PolicyRow> for TrustPolicy {
    type Error = StoreError;

    fn try_from(r: PolicyRow) -> StoreResult<Self> {
        let corrupt = |what: &str| StoreError::Corrupt(format!("trust policy {} {what}", r.id));
        let claims: Map<String, Value> =
            serde_json::from_str(&r.claims).map_err(|_| corrupt("claims"))?;
        Ok(TrustPolicy {
            id: TrustPolicyId::from_uuid(r.id),
            tenant_id: TenantId::from_uuid(r.tenant_id),
            agent_id: AgentId::from_uuid(r.agent_id),
            rules: PolicyRules {
                claims: ClaimRules::parse(&claims).map_err(|_| corrupt("claims"))?,
                scopes: ScopeSet::parse(&r.scopes).map_err(|_| corrupt("scopes"))?,
                max_token_ttl_seconds: u32::try_from(r.max_token_ttl_seconds)
                    .map_err(|_| corrupt("max_token_ttl_seconds"))?,
                issuer: r.issuer,
                audience: r.audience,
                subject: r.subject,
            },
            description: r.description,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    }
}

fn rows(rows: Vec<PolicyRow>) -> StoreResult<Vec<TrustPolicy>> {
    rows.into_iter().map(TrustPolicy::try_from).collect()
}

impl Db {
    /// Stores a new policy with its audit events.
    pub async fn insert_trust_policy(
        &self,
        p: &TrustPolicy,
        events: &[NewEvent],
    ) -> StoreResult<()> {
        const INSERT: &str = concat!(
            "INSERT INTO trust_policies (",
            policy_columns!(),
            ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
        );
        in_tx!(self, tx => {
            sqlx::query(INSERT)
                .bind(p.id.uuid())
                .bind(p.tenant_id.uuid())
                .bind(p.agent_id.uuid())
                .bind(p.rules.issuer.as_str())
                .bind(p.rules.audience.as_str())
                .bind(p.rules.subject.as_deref())
                .bind(super::json(&p.rules.claims.to_json()))
                .bind(p.rules.scopes.to_string())
                .bind(i64::from(p.rules.max_token_ttl_seconds))
                .bind(p.description.as_str())
                .bind(p.created_at)
                .bind(p.updated_at)
                .execute(&mut *tx)
                .await?;
            append_events!(self, tx, events);
        });
        Ok(())
    }

    /// One policy of a tenant.
    pub async fn get_trust_policy(
        &self,
        tenant: TenantId,
        id: TrustPolicyId,
    ) -> StoreResult<Option<TrustPolicy>> {
        const GET: &str = concat!(
            "SELECT ",
            policy_columns!(),
            " FROM trust_policies WHERE tenant_id = $1 AND id = $2"
        );
        let row: Option<PolicyRow> = on_pool!(self, p => {
            sqlx::query_as(GET).bind(tenant.uuid()).bind(id.uuid()).fetch_optional(p).await
        })?;
        row.map(TrustPolicy::try_from).transpose()
    }

    /// A tenant's policies (of one agent, if given) in id order after `after`.
    pub async fn list_trust_policies(
        &self,
        tenant: TenantId,
        agent: Option<AgentId>,
        after: Option<TrustPolicyId>,
        limit: u32,
    ) -> StoreResult<Vec<TrustPolicy>> {
        // Absent filters are NULL parameters, so one statement serves every combination.
        const LIST: &str = concat!(
            "SELECT ",
            policy_columns!(),
            " FROM trust_policies WHERE tenant_id = $1 AND ($2 IS NULL OR agent_id = $2) \
             AND ($3 IS NULL OR id > $3) ORDER BY id LIMIT $4"
        );
        let found: Vec<PolicyRow> = on_pool!(self, p => {
            sqlx::query_as(LIST)
                .bind(tenant.uuid())
                .bind(agent.map(AgentId::uuid))
                .bind(after.map(TrustPolicyId::uuid))
                .bind(i64::from(limit))
                .fetch_all(p)
                .await
        })?;
        rows(found)
    }

    /// Every tenant's policies for `issuer`: the candidates of a token exchange.
    pub async fn trust_policies_for_issuer(&self, issuer: &str) -> StoreResult<Vec<TrustPolicy>> {
        const BY_ISSUER: &str = concat!(
            "SELECT ",
            policy_columns!(),
            " FROM trust_policies WHERE issuer = $1 ORDER BY id"
        );
        let found: Vec<PolicyRow> = on_pool!(self, p => {
            sqlx::query_as(BY_ISSUER).bind(issuer).fetch_all(p).await
        })?;
        rows(found)
    }

    /// One agent's policies for `issuer`: the candidates of an exchange that names the agent.
    pub async fn trust_policies_of_agent(
        &self,
        issuer: &str,
        agent: AgentId,
    ) -> StoreResult<Vec<TrustPolicy>> {
        const OF_AGENT: &str = concat!(
            "SELECT ",
            policy_columns!(),
            " FROM trust_policies WHERE agent_id = $1 AND issuer = $2 ORDER BY id"
        );
        let found: Vec<PolicyRow> = on_pool!(self, p => {
            sqlx::query_as(OF_AGENT).bind(agent.uuid()).bind(issuer).fetch_all(p).await
        })?;
        rows(found)
    }

    /// Writes a changed policy if it is still the one read (its `updated_at` is `read_at`);
    /// [`StoreError::Stale`] otherwise.
    pub async fn update_trust_policy(
        &self,
        p: &TrustPolicy,
        read_at: Timestamp,
        events: &[NewEvent],
    ) -> StoreResult<()> {
        const UPDATE: &str = "UPDATE trust_policies SET audience = $3, subject = $4, claims = $5, \
            scopes = $6, max_token_ttl_seconds = $7, description = $8, updated_at = $9 \
            WHERE tenant_id = $1 AND id = $2 AND updated_at = $10";
        in_tx!(self, tx => {
            let updated = sqlx::query(UPDATE)
                .bind(p.tenant_id.uuid())
                .bind(p.id.uuid())
                .bind(p.rules.audience.as_str())
                .bind(p.rules.subject.as_deref())
                .bind(super::json(&p.rules.claims.to_json()))
                .bind(p.rules.scopes.to_string())
                .bind(i64::from(p.rules.max_token_ttl_seconds))
                .bind(p.description.as_str())
                .bind(p.updated_at)
                .bind(read_at)
                .execute(&mut *tx)
                .await?;
            if updated.rows_affected() != 1 {
                return Err(StoreError::Stale);
            }
            append_events!(self, tx, events);
        });
        Ok(())
    }

    /// Deletes a policy with its audit events; whether it was there.
    pub async fn delete_trust_policy(
        &self,
        tenant: TenantId,
        id: TrustPolicyId,
        events: &[NewEvent],
    ) -> StoreResult<bool> {
        const DELETE: &str = "DELETE FROM trust_policies WHERE tenant_id = $1 AND id = $2";
        let deleted = in_tx!(self, tx => {
            let deleted = sqlx::query(DELETE)
                .bind(tenant.uuid())
                .bind(id.uuid())
                .execute(&mut *tx)
                .await?;
            if deleted.rows_affected() == 1 {
                append_events!(self, tx, events);
            }
            deleted.rows_affected() == 1
        });
        Ok(deleted)
    }
}
