//! Agent registry use cases: register, read, list, update, decommission.

use serde_json::json;

use super::{Idp, ServiceError, ServiceResult};
use crate::domain::DomainError;
use crate::domain::agent::{
    ADMIN_SCOPE, Agent, AgentFilter, AgentPatch, AgentStatus, NewAgent, administers,
};
use crate::domain::audit::Action;
use crate::domain::delegation::AllowedActors;
use crate::domain::ids::AgentId;
use crate::domain::scope::ScopeSet;
use crate::domain::time::Timestamp;
use crate::domain::token::Principal;
use crate::store::{AgentWrite, StoreError};

/// Maps the store's guard refusal to the domain's; other errors as [`super::stale_is_conflict`].
fn last_admin_is_refused(e: StoreError) -> ServiceError {
    match e {
        StoreError::LastHolder => ServiceError::LastAdmin,
        e => super::stale_is_conflict(e),
    }
}

/// A page of agents and the cursor of the next page.
#[derive(Debug)]
pub struct AgentPage {
    /// The agents, in creation order.
    pub agents: Vec<Agent>,
    /// Where the next page starts; `None` on the last page.
    pub next: Option<AgentId>,
}

/// The first management scope in `scopes` that `caller` does not hold.
fn missing_management_scope(caller: &Principal, scopes: &ScopeSet) -> Option<String> {
    scopes
        .iter()
        .find(|s| s.is_management() && !caller.scopes.contains(s.as_str()))
        .map(|s| s.as_str().to_owned())
}

/// A caller may only grant the management scopes it holds itself (no privilege escalation).
fn check_grantable(caller: &Principal, scopes: &ScopeSet) -> ServiceResult<()> {
    missing_management_scope(caller, scopes)
        .map_or(Ok(()), |s| Err(ServiceError::ScopeNotGrantable(s)))
}

/// The names of the fields a patch sets, for the audit trail.
fn patched_fields(patch: &AgentPatch) -> Vec<&'static str> {
    let mut fields = Vec::new();
    macro_rules! named {
        ($($field:ident => $name:literal),+) => { $(if patch.$field.is_some() { fields.push($name); })+ };
    }
    named!(name => "name", description => "description", agent_type => "agentType", version => "version",
        capabilities => "capabilities", owner => "owner", deployment_env => "deploymentEnv", status => "status",
        is_public => "isPublic", metadata => "metadata", allowed_scopes => "allowedScopes",
        allowed_actors => "allowedActors");
    let card = &patch.card;
    for (set, name) in [
        (card.endpoint_url.is_some(), "endpointUrl"),
        (card.documentation_url.is_some(), "documentationUrl"),
        (card.icon_url.is_some(), "iconUrl"),
        (card.skills.is_some(), "skills"),
    ] {
        if set {
            fields.push(name);
        }
    }
    fields
}

impl Idp {
    /// Registers an agent in the caller's tenant.
    pub async fn create_agent(&self, caller: &Principal, new: NewAgent) -> ServiceResult<Agent> {
        self.authorize(caller, "agents:write").await?;
        check_grantable(caller, &new.allowed_scopes)?;
        self.check_actors(caller, None, &new.allowed_actors).await?;
        let now = Timestamp::now();
        let agent = Agent {
            id: AgentId::new(),
            tenant_id: caller.tenant_id,
            email: new.email.as_str().to_owned(),
            name: new.name,
            description: new.description,
            agent_type: new.agent_type,
            version: new.version,
            capabilities: new.capabilities,
            owner: new.owner,
            deployment_env: new.deployment_env,
            status: AgentStatus::Active,
            is_public: new.is_public,
            metadata: new.metadata,
            allowed_scopes: new.allowed_scopes,
            allowed_actors: new.allowed_actors,
            card: new.card,
            created_at: now,
            updated_at: now,
            last_auth_at: None,
        };
        let event = caller
            .event(Action::AgentCreated, now)
            .subject(agent.id)
            .with("email", agent.email.as_str())
            .with("allowedScopes", agent.allowed_scopes.to_string())
            .with("allowedActors", agent.allowed_actors.to_string());
        let applied = self.applied_limits(caller.tenant_id).await?;
        let limit = applied.limits.agents.unwrap_or(0);
        let stored_limit = u32::try_from(limit).unwrap_or(u32::MAX);
        match self.db.insert_agent(&agent, stored_limit, &[event]).await {
            Ok(()) => Ok(agent),
            Err(StoreError::LimitReached) => {
                self.metrics
                    .billing_limit_rejection(&caller.tenant_id.to_string(), "agents");
                let refused = caller
                    .event(Action::LimitExceeded, now)
                    .failed()
                    .with("limit", "agents")
                    .with("max", limit)
                    .with("plan", applied.plan.as_str());
                self.audit.record(refused).await?;
                Err(super::billing::refusal(applied, "agents", limit, None))
            }
            Err(StoreError::UniqueViolation(_)) => Err(ServiceError::EmailTaken),
            Err(e) => Err(e.into()),
        }
    }

    /// Loads an agent of the caller's tenant (404 for other tenants' ids).
    pub(crate) async fn tenant_agent(
        &self,
        caller: &Principal,
        id: AgentId,
    ) -> ServiceResult<Agent> {
        self.db
            .get_agent(caller.tenant_id, id)
            .await?
            .ok_or(ServiceError::AgentNotFound)
    }

    /// An agent of the caller's tenant that the caller may manage (change, decommission, give
    /// or take credentials): one whose management scopes the caller holds itself. Otherwise an
    /// agent holding `credentials:write` could mint itself the secret of a more privileged one,
    /// or one holding `agents:write` could lock the tenant's administrator out.
    pub(crate) async fn managed_agent(
        &self,
        caller: &Principal,
        id: AgentId,
    ) -> ServiceResult<Agent> {
        let agent = self.tenant_agent(caller, id).await?;
        match missing_management_scope(caller, &agent.allowed_scopes) {
            Some(scope) => Err(ServiceError::AgentMorePrivileged(scope)),
            None => Ok(agent),
        }
    }

    /// Every listed actor must be another agent of the caller's tenant: a typo would
    /// otherwise silently allow nobody, and an agent acting for itself means nothing.
    async fn check_actors(
        &self,
        caller: &Principal,
        agent: Option<AgentId>,
        actors: &AllowedActors,
    ) -> ServiceResult<()> {
        for &actor in actors.ids() {
            let invalid = |message: String| DomainError::Validation {
                field: "allowedActors",
                message,
            };
            if Some(actor) == agent {
                return Err(invalid("an agent cannot act for itself".to_owned()).into());
            }
            if self.db.get_agent(caller.tenant_id, actor).await?.is_none() {
                return Err(invalid(format!("{actor} is not an agent of this tenant")).into());
            }
        }
        Ok(())
    }

    /// Reads one agent.
    pub async fn get_agent(&self, caller: &Principal, id: AgentId) -> ServiceResult<Agent> {
        self.authorize(caller, "agents:read").await?;
        self.tenant_agent(caller, id).await
    }

    /// Lists the caller's agents, `limit` per page, after the cursor.
    pub async fn list_agents(
        &self,
        caller: &Principal,
        filter: &AgentFilter,
        after: Option<AgentId>,
        limit: u32,
    ) -> ServiceResult<AgentPage> {
        self.authorize(caller, "agents:read").await?;
        filter.validate()?;
        let mut agents = self
            .db
            .list_agents(caller.tenant_id, filter, after, limit + 1)
            .await?;
        let next = super::cut_page(&mut agents, limit, |a| a.id);
        Ok(AgentPage { agents, next })
    }

    /// Applies a partial update. Moving to `revoked` also revokes every credential. A change
    /// that would leave the tenant without an active agent holding [`ADMIN_SCOPE`] (suspending,
    /// revoking or taking the scope from the last one) is refused.
    pub async fn update_agent(
        &self,
        caller: &Principal,
        id: AgentId,
        mut patch: AgentPatch,
    ) -> ServiceResult<Agent> {
        self.authorize(caller, "agents:write").await?;
        let mut agent = self.managed_agent(caller, id).await?;
        if agent.status == AgentStatus::Decommissioned {
            return Err(ServiceError::AgentNotActive(
                AgentStatus::Decommissioned.as_str(),
            ));
        }
        let read_at = agent.updated_at;
        let fields = patched_fields(&patch);
        let before = agent.status;
        let was_admin = administers(agent.status, &agent.allowed_scopes);
        if let Some(status) = patch.status {
            agent.status = before.transition(status)?;
        }
        if let Some(scopes) = patch.allowed_scopes {
            check_grantable(caller, &scopes)?;
            agent.allowed_scopes = scopes;
        }
        if let Some(actors) = patch.allowed_actors.take() {
            self.check_actors(caller, Some(agent.id), &actors).await?;
            agent.allowed_actors = actors;
        }
        agent.card.apply(std::mem::take(&mut patch.card));
        macro_rules! set {
            ($($field:ident),+) => { $(if let Some(v) = patch.$field { agent.$field = v; })+ };
        }
        set!(
            name,
            description,
            agent_type,
            version,
            capabilities,
            owner,
            deployment_env,
            is_public,
            metadata
        );
        agent.updated_at = Timestamp::now();
        let revoke = before != AgentStatus::Revoked && agent.status == AgentStatus::Revoked;
        let action = if before == agent.status {
            Action::AgentUpdated
        } else {
            Action::AgentStatusChanged
        };
        let event = caller
            .event(action, agent.updated_at)
            .subject(agent.id)
            .with("fields", json!(fields))
            .with("from", before.as_str())
            .with("to", agent.status.as_str());
        let also = AgentWrite {
            revoke_credentials: revoke,
            keep_admin: (was_admin && !administers(agent.status, &agent.allowed_scopes))
                .then_some(ADMIN_SCOPE),
            ..AgentWrite::default()
        };
        self.db
            .update_agent(&agent, read_at, also, &[event])
            .await
            .map_err(last_admin_is_refused)?;
        Ok(agent)
    }

    /// Soft-deletes an agent: it becomes `decommissioned`, its credentials are revoked and its
    /// tokens stop validating; the record stays for the audit trail. Idempotent; should another
    /// change of the agent land between reading and writing it, the decommissioning is applied
    /// again on top of it, and one that was itself a decommissioning leaves nothing to do (so
    /// the agent's tenant slot is released once). The tenant's last active agent holding
    /// [`ADMIN_SCOPE`] cannot be decommissioned.
    pub async fn decommission_agent(&self, caller: &Principal, id: AgentId) -> ServiceResult<()> {
        self.authorize(caller, "agents:write").await?;
        for _ in 0..super::RETRIES_ON_RACE {
            let mut agent = self.managed_agent(caller, id).await?;
            if agent.status == AgentStatus::Decommissioned {
                return Ok(());
            }
            let read_at = agent.updated_at;
            let now = Timestamp::now();
            let event = caller
                .event(Action::AgentDecommissioned, now)
                .subject(agent.id)
                .with("from", agent.status.as_str());
            let also = AgentWrite {
                revoke_credentials: true,
                release_slot: true,
                keep_admin: administers(agent.status, &agent.allowed_scopes).then_some(ADMIN_SCOPE),
            };
            agent.status = AgentStatus::Decommissioned;
            agent.updated_at = now;
            match self.db.update_agent(&agent, read_at, also, &[event]).await {
                Err(StoreError::Stale) => continue,
                done => return done.map_err(last_admin_is_refused),
            }
        }
        Err(ServiceError::ConcurrentUpdate)
    }
}
