//! Agent rows: insert under the tenant's agent limit, fetch, filtered keyset listing, update.

use sqlx::AssertSqlSafe;
use uuid::Uuid;

use super::audit::chain::append_events;
use super::{Db, Sql, StoreError, StoreResult, from_row, hinted, in_tx, on_pool, parse_stored};
use crate::domain::agent::{Agent, AgentFilter, AgentStatus, DeploymentEnv};
use crate::domain::audit::NewEvent;
use crate::domain::delegation::AllowedActors;
use crate::domain::ids::{AgentId, TenantId};
use crate::domain::marketplace::listing_text;
use crate::domain::scope::ScopeSet;
use crate::domain::time::Timestamp;

/// The agent columns in the order every agent query selects them.
macro_rules! agent_columns {
    () => {
        "id, tenant_id, email, name, description, agent_type, version, capabilities, owner, \
         deployment_env, status, is_public, metadata, allowed_scopes, created_at, updated_at, last_auth_at, \
         card, allowed_actors"
    };
}

/// An agent as selected by `agent_columns!()`.
pub(crate) struct AgentRow {
    id: Uuid,
    tenant_id: Uuid,
    email: String,
    name: String,
    description: String,
    agent_type: String,
    version: String,
    capabilities: String,
    owner: String,
    deployment_env: String,
    status: String,
    is_public: bool,
    metadata: String,
    allowed_scopes: String,
    created_at: Timestamp,
    updated_at: Timestamp,
    last_auth_at: Option<Timestamp>,
    card: String,
    allowed_actors: String,
}

from_row!(AgentRow {
    id,
    tenant_id,
    email,
    name,
    description,
    agent_type,
    version,
    capabilities,
    owner,
    deployment_env,
    status,
    is_public,
    metadata,
    allowed_scopes,
    created_at,
    updated_at,
    last_auth_at,
    card,
    allowed_actors
});

impl TryFrom<AgentRow> for Agent {
    type Error = StoreError;

    fn try_from(r: AgentRow) -> StoreResult<Self> {
        let corrupt = |what: &str| StoreError::Corrupt(format!("agent {} {what}", r.id));
        Ok(Agent {
            id: AgentId::from_uuid(r.id),
            tenant_id: TenantId::from_uuid(r.tenant_id),
            capabilities: serde_json::from_str(&r.capabilities)
                .map_err(|_| corrupt("capabilities"))?,
            deployment_env: parse_stored("deployment_env", &r.deployment_env, |s| {
                DeploymentEnv::parse("deploymentEnv", s).ok()
            })?,
            status: parse_stored("status", &r.status, |s| {
                AgentStatus::parse("status", s).ok()
            })?,
            metadata: serde_json::from_str(&r.metadata).map_err(|_| corrupt("metadata"))?,
            card: serde_json::from_str(&r.card).map_err(|_| corrupt("card"))?,
            allowed_scopes: ScopeSet::parse(&r.allowed_scopes)
                .map_err(|_| corrupt("allowed_scopes"))?,
            allowed_actors: AllowedActors::from_stored(&r.allowed_actors)
                .ok_or_else(|| corrupt("allowed_actors"))?,
            email: r.email,
            name: r.name,
            description: r.description,
            agent_type: r.agent_type,
            version: r.version,
            owner: r.owner,
            is_public: r.is_public,
            created_at: r.created_at,
            updated_at: r.updated_at,
            last_auth_at: r.last_auth_at,
        })
    }
}

pub(crate) const INSERT_AGENT: &str = concat!(
    "INSERT INTO agents (",
    agent_columns!(),
    ", search_text) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)"
);

/// An agent of a tenant by id.
pub(crate) const GET_AGENT: Sql = hinted!(
    "SELECT ",
    agent_columns!(),
    " FROM agents" => "sqlite_autoindex_agents_1",
    " WHERE id = $2 AND tenant_id = $1",
);

/// Any tenant's agent by id (public documents), with its tenant's name.
pub(crate) const GET_ANY_AGENT: Sql = hinted!(
    "SELECT ",
    agent_columns!(),
    " FROM agents" => "sqlite_autoindex_agents_1",
    " WHERE id = $1",
);

/// A tenant's name by id.
const TENANT_NAME: &str = "SELECT name FROM tenants WHERE id = $1";

/// Claims one agent slot; matches no row once a non-zero limit is reached.
const CLAIM_SLOT: &str = "UPDATE tenants SET agent_count = agent_count + 1 WHERE id = $1 AND ($2 = 0 OR agent_count < $2)";

/// Binds an agent's columns in `agent_columns!()` order, then its marketplace search text.
macro_rules! bind_agent {
    ($query:expr, $a:expr) => {
        $query
            .bind($a.id.uuid())
            .bind($a.tenant_id.uuid())
            .bind($a.email.as_str())
            .bind($a.name.as_str())
            .bind($a.description.as_str())
            .bind($a.agent_type.as_str())
            .bind($a.version.as_str())
            .bind($crate::store::json(&$a.capabilities))
            .bind($a.owner.as_str())
            .bind($a.deployment_env.as_str())
            .bind($a.status.as_str())
            .bind($a.is_public)
            .bind($crate::store::json(&$a.metadata))
            .bind($a.allowed_scopes.to_string())
            .bind($a.created_at)
            .bind($a.updated_at)
            .bind($a.last_auth_at)
            .bind($crate::store::json(&$a.card))
            .bind($a.allowed_actors.to_string())
            .bind($crate::domain::marketplace::listing_text(&$a))
    };
}
pub(crate) use bind_agent;

/// The `LIKE` pattern (escape character `\`) matching a stored capabilities array that holds
/// `capability`. Capabilities are stored as a JSON array of tokens that cannot contain quotes,
/// so the quoted token matches exactly one element; LIKE wildcards are escaped.
pub(crate) fn capability_like(capability: &str) -> String {
    let escaped = capability
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%\"{escaped}\"%")
}

/// What an agent update does besides writing the agent, in the same transaction.
#[derive(Debug, Default, Clone, Copy)]
pub struct AgentWrite {
    /// Revoke the agent's active credentials.
    pub revoke_credentials: bool,
    /// Free the agent's slot in its tenant's agent count.
    pub release_slot: bool,
    /// Refuse with [`StoreError::LastHolder`], writing nothing, if the tenant would be left
    /// with no active agent holding this scope.
    pub keep_admin: Option<&'static str>,
}

impl Db {
    /// Inserts an agent if its tenant is below `limit` live agents (0 = unlimited).
    /// Fails with [`StoreError::LimitReached`] or a unique violation on the e-mail.
    pub async fn insert_agent(
        &self,
        agent: &Agent,
        limit: u32,
        events: &[NewEvent],
    ) -> StoreResult<()> {
        in_tx!(self, tx => {
            let claimed = sqlx::query(CLAIM_SLOT)
                .bind(agent.tenant_id.uuid())
                .bind(i64::from(limit))
                .execute(&mut *tx)
                .await?;
            if claimed.rows_affected() == 0 {
                return Err(StoreError::LimitReached);
            }
            bind_agent!(sqlx::query(INSERT_AGENT), agent).execute(&mut *tx).await?;
            append_events!(self, tx, events);
        });
        Ok(())
    }

    /// The agent with `id` in `tenant`, if any.
    pub async fn get_agent(&self, tenant: TenantId, id: AgentId) -> StoreResult<Option<Agent>> {
        let sql = GET_AGENT.on(self);
        let row: Option<AgentRow> = on_pool!(self, p => sqlx::query_as(sql)
            .bind(tenant.uuid()).bind(id.uuid()).fetch_optional(p).await)?;
        row.map(Agent::try_from).transpose()
    }

    /// The agent with `id` in whichever tenant, with that tenant's name: what public
    /// documents (DID documents, agent cards) show. `None` when there is no such agent.
    pub async fn agent_with_publisher(&self, id: AgentId) -> StoreResult<Option<(Agent, String)>> {
        let sql = GET_ANY_AGENT.on(self);
        let row: Option<AgentRow> =
            on_pool!(self, p => sqlx::query_as(sql).bind(id.uuid()).fetch_optional(p).await)?;
        let Some(agent) = row.map(Agent::try_from).transpose()? else {
            return Ok(None);
        };
        let name: Option<String> = on_pool!(self, p => sqlx::query_scalar(TENANT_NAME)
            .bind(agent.tenant_id.uuid()).fetch_optional(p).await)?;
        Ok(name.map(|name| (agent, name)))
    }

    /// The agent with this e-mail in `tenant`, if any.
    pub async fn agent_by_email(
        &self,
        tenant: TenantId,
        email: &str,
    ) -> StoreResult<Option<Agent>> {
        const SQL: &str = concat!(
            "SELECT ",
            agent_columns!(),
            " FROM agents WHERE tenant_id = $1 AND email = $2"
        );
        let row: Option<AgentRow> = on_pool!(self, p => sqlx::query_as(SQL)
            .bind(tenant.uuid()).bind(email).fetch_optional(p).await)?;
        row.map(Agent::try_from).transpose()
    }

    /// The tenant's active agents whose e-mail is `email` or matches `like`, newest first.
    pub async fn active_agents_by_email(
        &self,
        tenant: TenantId,
        email: &str,
        like: &str,
    ) -> StoreResult<Vec<Agent>> {
        const SQL: &str = concat!(
            "SELECT ",
            agent_columns!(),
            " FROM agents WHERE tenant_id = $1 AND status = 'active' AND (email = $2 OR email LIKE $3)
            ORDER BY id DESC LIMIT 100"
        );
        let rows: Vec<AgentRow> = on_pool!(self, p => sqlx::query_as(SQL)
            .bind(tenant.uuid()).bind(email).bind(like).fetch_all(p).await)?;
        rows.into_iter().map(Agent::try_from).collect()
    }

    /// One page of a tenant's agents in id (creation) order, after `after`, filtered.
    pub async fn list_agents(
        &self,
        tenant: TenantId,
        filter: &AgentFilter,
        after: Option<AgentId>,
        limit: u32,
    ) -> StoreResult<Vec<Agent>> {
        let mut sql = String::from(concat!(
            "SELECT ",
            agent_columns!(),
            " FROM agents WHERE tenant_id = $1"
        ));
        let mut texts: Vec<String> = Vec::new();
        let mut push = |sql: &mut String, clause: &str, value: String| {
            texts.push(value);
            sql.push_str(&clause.replace('?', &format!("${}", texts.len() + 1)));
        };
        if let Some(s) = filter.status {
            push(&mut sql, " AND status = ?", s.as_str().to_owned());
        }
        if let Some(t) = &filter.agent_type {
            push(&mut sql, " AND agent_type = ?", t.clone());
        }
        if let Some(o) = &filter.owner {
            push(&mut sql, " AND owner = ?", o.clone());
        }
        if let Some(e) = filter.deployment_env {
            push(&mut sql, " AND deployment_env = ?", e.as_str().to_owned());
        }
        if let Some(c) = &filter.capability {
            push(
                &mut sql,
                " AND capabilities LIKE ? ESCAPE '\\'",
                capability_like(c),
            );
        }
        let after_param = texts.len() + 2;
        if after.is_some() {
            sql.push_str(&format!(" AND id > ${after_param}"));
        }
        let limit_param = after_param + usize::from(after.is_some());
        sql.push_str(&format!(" ORDER BY id LIMIT ${limit_param}"));

        let rows: Vec<AgentRow> = on_pool!(self, p => {
            let mut q = sqlx::query_as(AssertSqlSafe(sql.clone())).bind(tenant.uuid());
            for t in &texts {
                q = q.bind(t.as_str());
            }
            if let Some(a) = after {
                q = q.bind(a.uuid());
            }
            q.bind(i64::from(limit)).fetch_all(p).await
        })?;
        rows.into_iter().map(Agent::try_from).collect()
    }

    /// Writes an agent's mutable fields if the stored agent is still the one that was read
    /// (its `updated_at` is `read_at`), and fails with [`StoreError::Stale`] otherwise, so a
    /// concurrent change (a revocation, a decommissioning) is never overwritten with the values
    /// read before it. `also` says what else happens in the same transaction.
    pub async fn update_agent(
        &self,
        agent: &Agent,
        read_at: Timestamp,
        also: AgentWrite,
        events: &[NewEvent],
    ) -> StoreResult<()> {
        const UPDATE: &str = "UPDATE agents SET name = $3, description = $4, agent_type = $5, version = $6,
            capabilities = $7, owner = $8, deployment_env = $9, status = $10, is_public = $11, metadata = $12,
            allowed_scopes = $13, updated_at = $14, card = $16, search_text = $17, allowed_actors = $18
            WHERE tenant_id = $1 AND id = $2 AND updated_at = $15";
        const REVOKE: &str = "UPDATE credentials SET status = 'revoked', revoked_at = $2
            WHERE agent_id = $1 AND status = 'active'";
        const RELEASE: &str =
            "UPDATE tenants SET agent_count = agent_count - 1 WHERE id = $1 AND agent_count > 0";
        // Every guarded change of a tenant locks its row first (SQLite's write transaction
        // already excludes every other), so two of them cannot each see the other's agent
        // still holding the scope and together leave none.
        const LOCK_TENANT: &str = "UPDATE tenants SET agent_count = agent_count WHERE id = $1";
        const ADMIN_LEFT: &str = "SELECT id FROM agents WHERE tenant_id = $1 AND status = 'active'
            AND (' ' || allowed_scopes || ' ') LIKE $2 LIMIT 1";
        in_tx!(self, tx => {
            if also.keep_admin.is_some() {
                sqlx::query(LOCK_TENANT).bind(agent.tenant_id.uuid()).execute(&mut *tx).await?;
            }
            let updated = sqlx::query(UPDATE)
                .bind(agent.tenant_id.uuid())
                .bind(agent.id.uuid())
                .bind(agent.name.as_str())
                .bind(agent.description.as_str())
                .bind(agent.agent_type.as_str())
                .bind(agent.version.as_str())
                .bind(super::json(&agent.capabilities))
                .bind(agent.owner.as_str())
                .bind(agent.deployment_env.as_str())
                .bind(agent.status.as_str())
                .bind(agent.is_public)
                .bind(super::json(&agent.metadata))
                .bind(agent.allowed_scopes.to_string())
                .bind(agent.updated_at)
                .bind(read_at)
                .bind(super::json(&agent.card))
                .bind(listing_text(agent))
                .bind(agent.allowed_actors.to_string())
                .execute(&mut *tx)
                .await?;
            if updated.rows_affected() != 1 {
                return Err(StoreError::Stale);
            }
            if let Some(scope) = also.keep_admin {
                let left: Option<(Uuid,)> = sqlx::query_as(ADMIN_LEFT)
                    .bind(agent.tenant_id.uuid())
                    .bind(format!("% {scope} %"))
                    .fetch_optional(&mut *tx)
                    .await?;
                if left.is_none() {
                    return Err(StoreError::LastHolder);
                }
            }
            if also.revoke_credentials {
                sqlx::query(REVOKE).bind(agent.id.uuid()).bind(agent.updated_at).execute(&mut *tx).await?;
            }
            if also.release_slot {
                sqlx::query(RELEASE).bind(agent.tenant_id.uuid()).execute(&mut *tx).await?;
            }
            append_events!(self, tx, events);
        });
        Ok(())
    }
}
