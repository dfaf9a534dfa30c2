//! Trust policies: the use cases that create, read, list, change and delete the policies
//! letting workloads of an OIDC issuer act as one of the tenant's agents. Writing one needs
//! `federation:write` and the right to manage its agent; every change is audited with what
//! the policy pins.

use super::super::{Idp, ServiceError, ServiceResult, cut_page, stale_is_conflict};
use crate::domain::DomainError;
use crate::domain::agent::{Agent, AgentStatus};
use crate::domain::audit::Action;
use crate::domain::federation::{
    MAX_POLICY_TTL_SECONDS, PolicyDraft, PolicyPatch, PolicyRules, TrustPolicy, check_description,
};
use crate::domain::ids::{AgentId, TrustPolicyId};
use crate::domain::scope::ScopeSet;
use crate::domain::time::Timestamp;
use crate::domain::token::Principal;

/// One page of trust policies.
#[derive(Debug)]
pub struct PolicyPage {
    /// The policies, oldest first.
    pub policies: Vec<TrustPolicy>,
    /// Where the next page starts; `None` on the last page.
    pub next: Option<TrustPolicyId>,
}

/// Refuses scopes the agent may not hold: a workload gets no more than the agent could.
fn check_scopes(scopes: &ScopeSet, agent: &Agent) -> ServiceResult<()> {
    if scopes.is_subset(&agent.allowed_scopes) {
        Ok(())
    } else {
        Err(DomainError::Validation {
            field: "scopes",
            message: format!(
                "scopes: must be among the agent's allowed scopes ({})",
                agent.allowed_scopes
            ),
        }
        .into())
    }
}

impl Idp {
    /// The agent a policy of the caller names, which the caller must be able to manage and
    /// which must not be retired.
    async fn policy_agent(&self, caller: &Principal, id: AgentId) -> ServiceResult<Agent> {
        let agent = self.managed_agent(caller, id).await?;
        match agent.status {
            AgentStatus::Revoked | AgentStatus::Decommissioned => {
                Err(ServiceError::AgentNotActive(agent.status.as_str()))
            }
            _ => Ok(agent),
        }
    }

    /// Creates a policy for `agent_id`; scopes default to the agent's, the lifetime to the
    /// server's token lifetime.
    pub async fn create_trust_policy(
        &self,
        caller: &Principal,
        agent_id: AgentId,
        draft: PolicyDraft,
    ) -> ServiceResult<TrustPolicy> {
        self.authorize(caller, "federation:write").await?;
        let agent = self.policy_agent(caller, agent_id).await?;
        let default_ttl = u32::try_from(self.settings.token_ttl_secs)
            .unwrap_or(MAX_POLICY_TTL_SECONDS)
            .min(MAX_POLICY_TTL_SECONDS);
        let rules = PolicyRules {
            issuer: draft.issuer,
            audience: draft.audience,
            subject: draft.subject,
            claims: draft.claims,
            scopes: draft.scopes.unwrap_or_else(|| agent.allowed_scopes.clone()),
            max_token_ttl_seconds: draft.max_token_ttl_seconds.unwrap_or(default_ttl),
        };
        rules.validate()?;
        check_scopes(&rules.scopes, &agent)?;
        check_description(&draft.description)?;
        let now = Timestamp::now();
        let policy = TrustPolicy {
            id: TrustPolicyId::new(),
            tenant_id: caller.tenant_id,
            agent_id,
            rules,
            description: draft.description,
            created_at: now,
            updated_at: now,
        };
        let event = caller
            .event(Action::TrustPolicyCreated, now)
            .subject(agent_id)
            .with("policy", policy.summary());
        self.db.insert_trust_policy(&policy, &[event]).await?;
        Ok(policy)
    }

    /// One policy of the caller's tenant.
    pub async fn trust_policy(
        &self,
        caller: &Principal,
        id: TrustPolicyId,
    ) -> ServiceResult<TrustPolicy> {
        self.authorize(caller, "federation:read").await?;
        self.tenant_policy(caller, id).await
    }

    async fn tenant_policy(
        &self,
        caller: &Principal,
        id: TrustPolicyId,
    ) -> ServiceResult<TrustPolicy> {
        self.db
            .get_trust_policy(caller.tenant_id, id)
            .await?
            .ok_or(ServiceError::TrustPolicyNotFound)
    }

    /// The caller's policies (of one agent, if given), `limit` per page after the cursor.
    pub async fn list_trust_policies(
        &self,
        caller: &Principal,
        agent: Option<AgentId>,
        after: Option<TrustPolicyId>,
        limit: u32,
    ) -> ServiceResult<PolicyPage> {
        self.authorize(caller, "federation:read").await?;
        let mut policies = self
            .db
            .list_trust_policies(caller.tenant_id, agent, after, limit + 1)
            .await?;
        let next = cut_page(&mut policies, limit, |p| p.id);
        Ok(PolicyPage { policies, next })
    }

    /// Changes a policy; a concurrent change of the same policy is refused, not overwritten.
    pub async fn update_trust_policy(
        &self,
        caller: &Principal,
        id: TrustPolicyId,
        patch: PolicyPatch,
    ) -> ServiceResult<TrustPolicy> {
        self.authorize(caller, "federation:write").await?;
        if patch.is_empty() {
            return Err(DomainError::Validation {
                field: "body",
                message: "the update changes nothing".to_owned(),
            }
            .into());
        }
        let mut policy = self.tenant_policy(caller, id).await?;
        let agent = self.policy_agent(caller, policy.agent_id).await?;
        let read_at = policy.updated_at;
        policy.apply(patch, Timestamp::now().max(read_at))?;
        check_scopes(&policy.rules.scopes, &agent)?;
        let event = caller
            .event(Action::TrustPolicyUpdated, policy.updated_at)
            .subject(policy.agent_id)
            .with("policy", policy.summary());
        self.db
            .update_trust_policy(&policy, read_at, &[event])
            .await
            .map_err(stale_is_conflict)?;
        Ok(policy)
    }

    /// Deletes a policy: workloads it admitted get no new tokens (tokens already issued run
    /// out at their expiry).
    pub async fn delete_trust_policy(
        &self,
        caller: &Principal,
        id: TrustPolicyId,
    ) -> ServiceResult<()> {
        self.authorize(caller, "federation:write").await?;
        let policy = self.tenant_policy(caller, id).await?;
        self.managed_agent(caller, policy.agent_id).await?;
        let event = caller
            .event(Action::TrustPolicyDeleted, Timestamp::now())
            .subject(policy.agent_id)
            .with("policy", policy.summary());
        if self
            .db
            .delete_trust_policy(caller.tenant_id, id, &[event])
            .await?
        {
            Ok(())
        } else {
            Err(ServiceError::TrustPolicyNotFound)
        }
    }
}
