//! Tenant rows, and the transaction that creates a tenant with its first admin agent.

use uuid::Uuid;

use super::agents::{INSERT_AGENT, bind_agent};
use super::audit::chain::append_events;
use super::{Db, StoreResult, from_row, in_tx, on_pool};

/// Binds a first credential's columns in [`FIRST_CREDENTIAL`] order.
macro_rules! bind_first_credential {
    ($query:expr, $tenant:expr, $c:expr) => {
        $query
            .bind($tenant.uuid())
            .bind($c.id.uuid())
            .bind($c.agent_id.uuid())
            .bind($c.secret_hash.as_slice())
            .bind($c.status.as_str())
            .bind($c.created_at)
    };
}
use crate::domain::agent::Agent;
use crate::domain::audit::NewEvent;
use crate::domain::credential::Credential;
use crate::domain::ids::TenantId;
use crate::domain::tenant::Tenant;
use crate::domain::time::Timestamp;

struct TenantRow {
    id: Uuid,
    name: String,
    plan: String,
    created_at: Timestamp,
}

from_row!(TenantRow {
    id,
    name,
    plan,
    created_at
});

impl From<TenantRow> for Tenant {
    fn from(r: TenantRow) -> Self {
        Tenant {
            id: TenantId::from_uuid(r.id),
            name: r.name,
            plan: r.plan,
            created_at: r.created_at,
        }
    }
}

impl Db {
    /// How many tenants exist (zero means the server has never been bootstrapped).
    pub async fn count_tenants(&self) -> StoreResult<i64> {
        let (n,): (i64,) =
            on_pool!(self, p => sqlx::query_as("SELECT COUNT(*) FROM tenants").fetch_one(p).await)?;
        Ok(n)
    }

    /// A tenant's plan and live-agent count (the counter the agent limit is enforced on).
    pub async fn tenant_plan_and_agents(
        &self,
        tenant: TenantId,
    ) -> StoreResult<Option<(String, i64)>> {
        const SQL: &str = "SELECT plan, agent_count FROM tenants WHERE id = $1";
        let row: Option<(String, i64)> =
            on_pool!(self, p => sqlx::query_as(SQL).bind(tenant.uuid()).fetch_optional(p).await)?;
        Ok(row)
    }

    /// The tenant called `name`, if any.
    pub async fn tenant_by_name(&self, name: &str) -> StoreResult<Option<Tenant>> {
        const SQL: &str = "SELECT id, name, plan, created_at FROM tenants WHERE name = $1";
        let row: Option<TenantRow> =
            on_pool!(self, p => sqlx::query_as(SQL).bind(name).fetch_optional(p).await)?;
        Ok(row.map(Tenant::from))
    }

    /// Creates a tenant, its admin agent and that agent's first credential atomically.
    pub async fn create_tenant_with_admin(
        &self,
        t: &Tenant,
        admin: &Agent,
        c: &Credential,
        events: &[NewEvent],
    ) -> StoreResult<()> {
        const TENANT: &str = "INSERT INTO tenants (id, name, plan, agent_count, created_at) VALUES ($1, $2, $3, 1, $4)";
        in_tx!(self, tx => {
            sqlx::query(TENANT)
                .bind(t.id.uuid())
                .bind(t.name.as_str())
                .bind(t.plan.as_str())
                .bind(t.created_at)
                .execute(&mut *tx)
                .await?;
            bind_agent!(sqlx::query(INSERT_AGENT), admin).execute(&mut *tx).await?;
            bind_first_credential!(sqlx::query(FIRST_CREDENTIAL), admin.tenant_id, c).execute(&mut *tx).await?;
            append_events!(self, tx, events);
        });
        Ok(())
    }

    /// Adds an admin agent with its first credential to an existing tenant atomically, taking
    /// an agent slot whatever the tenant's limit (the operator's break-glass recovery).
    pub async fn add_admin(
        &self,
        admin: &Agent,
        c: &Credential,
        events: &[NewEvent],
    ) -> StoreResult<()> {
        const TAKE_SLOT: &str = "UPDATE tenants SET agent_count = agent_count + 1 WHERE id = $1";
        in_tx!(self, tx => {
            sqlx::query(TAKE_SLOT).bind(admin.tenant_id.uuid()).execute(&mut *tx).await?;
            bind_agent!(sqlx::query(INSERT_AGENT), admin).execute(&mut *tx).await?;
            bind_first_credential!(sqlx::query(FIRST_CREDENTIAL), admin.tenant_id, c).execute(&mut *tx).await?;
            append_events!(self, tx, events);
        });
        Ok(())
    }
}

/// Inserts a tenant's or a recovered admin's first credential.
const FIRST_CREDENTIAL: &str =
    "INSERT INTO credentials (tenant_id, id, agent_id, secret_hash, status, created_at)
    VALUES ($1, $2, $3, $4, $5, $6)";
