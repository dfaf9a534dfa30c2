//! Delegation (RFC 8693 with an actor token): an agent holding another agent's access token
//! exchanges it, presenting its own, for a token saying it acts for that agent (`act`). Only
//! agents the subject agent lists in `allowedActors` may. Every delegation is audited in the
//! tenant's chain: `token.issued` with the `act` chain, or `auth.failed` (method
//! `delegation`) with the reason.

use super::tokens::{Grant, ids};
use super::{Idp, ServiceError, ServiceResult};
use crate::domain::agent::AgentStatus;
use crate::domain::audit::{Action, RequestMeta};
use crate::domain::delegation::{Delegation, Wanted};
use crate::domain::ids::AgentId;
use crate::domain::time::Timestamp;
use crate::domain::token::{AccessClaims, IssuedToken, Principal};

/// What the acting agent asks for, besides its own (already authenticated) token.
#[derive(Debug)]
pub struct DelegationRequest {
    /// The subject agent's access token from this server (compact JWS).
    pub subject_token: String,
    /// Scopes, target and lifetime wanted.
    pub wanted: Wanted,
}

impl Idp {
    /// Issues a token of the subject token's agent to `actor`, who authenticated with the
    /// token whose claims are `actor_claims`.
    pub async fn delegate(
        &self,
        actor: &Principal,
        actor_claims: &AccessClaims,
        request: DelegationRequest,
        meta: &RequestMeta,
    ) -> ServiceResult<IssuedToken> {
        let mut subject_agent = None;
        let outcome = self
            .delegation(actor, actor_claims, request, &mut subject_agent)
            .await;
        match outcome {
            Ok(grant) => self.mint(grant, meta).await,
            Err(e) if e.is_unavailable() || matches!(e, ServiceError::Store(_)) => Err(e),
            Err(e) => {
                let mut event = actor
                    .event(Action::AuthFailed, Timestamp::now())
                    .failed()
                    .with("method", "delegation")
                    .with("reason", e.to_string());
                if let Some(agent) = subject_agent {
                    event = event.subject(agent);
                }
                self.audit.record(event).await?;
                Err(e)
            }
        }
    }

    /// The grant a delegation yields, or why it is refused; `subject_agent` is set once the
    /// subject token is known to name an agent of the actor's tenant.
    async fn delegation(
        &self,
        actor: &Principal,
        actor_claims: &AccessClaims,
        request: DelegationRequest,
        subject_agent: &mut Option<AgentId>,
    ) -> ServiceResult<Grant> {
        let subject = match self.verify_jwt(&request.subject_token, None, true).await {
            Ok(claims) => claims,
            Err(ServiceError::InvalidToken(why)) => {
                return Err(ServiceError::InvalidSubjectToken(why));
            }
            Err(e) => return Err(e),
        };
        let (tenant, agent, _) = ids(&subject)
            .map_err(|_| ServiceError::InvalidSubjectToken("malformed identifiers"))?;
        if tenant == actor.tenant_id {
            *subject_agent = Some(agent);
        }
        if let Some(why) = self.liveness_refusal(&subject).await? {
            return Err(ServiceError::InvalidSubjectToken(why));
        }
        let record = self
            .db
            .get_agent(tenant, agent)
            .await?
            .filter(|a| a.status == AgentStatus::Active)
            .ok_or(ServiceError::InvalidSubjectToken("agent is not active"))?;
        let rules = Delegation {
            subject: &subject,
            actor: actor_claims,
            allowed_actors: &record.allowed_actors,
            allowed_scopes: &record.allowed_scopes,
            issuer: &self.settings.issuer,
            max_ttl_secs: self.settings.token_ttl_secs,
        };
        let delegated = rules
            .grant(
                (tenant, agent),
                (actor.tenant_id, actor.agent_id),
                request.wanted,
                Timestamp::now().unix_seconds(),
            )
            .map_err(ServiceError::DelegationRefused)?;
        Ok(Grant {
            tenant,
            agent,
            scope: delegated.scope,
            audience: delegated.audience,
            ttl_secs: delegated.ttl_secs,
            federated: subject.federated,
            act: Some(delegated.act),
        })
    }
}
