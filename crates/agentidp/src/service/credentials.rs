//! Credential use cases: issue, list, rotate with a grace period, revoke.

use super::{Idp, ServiceError, ServiceResult};
use crate::domain::agent::AgentStatus;
use crate::domain::audit::Action;
use crate::domain::credential::{
    ClientSecret, Credential, CredentialStatus, MAX_ACTIVE_CREDENTIALS, Verifier, check_expiry,
    check_grace_period,
};
use crate::domain::ids::{AgentId, CredentialId};
use crate::domain::time::Timestamp;
use crate::domain::token::Principal;
use crate::store::{InsertRefused, StoreError};

fn limit_reached() -> ServiceError {
    ServiceError::CredentialLimitReached {
        limit: MAX_ACTIVE_CREDENTIALS,
    }
}

impl Idp {
    async fn active_agent(&self, caller: &Principal, agent_id: AgentId) -> ServiceResult<()> {
        let agent = self.managed_agent(caller, agent_id).await?;
        if agent.status != AgentStatus::Active {
            return Err(ServiceError::AgentNotActive(agent.status.as_str()));
        }
        Ok(())
    }

    /// Creates a credential: a secret, returned once with only its digest stored, or a
    /// public key the client registers.
    pub async fn create_credential(
        &self,
        caller: &Principal,
        agent_id: AgentId,
        verifier: Verifier,
        expires_at: Option<Timestamp>,
    ) -> ServiceResult<(Credential, Option<ClientSecret>)> {
        self.authorize(caller, "credentials:write").await?;
        let now = Timestamp::now();
        check_expiry(expires_at, now)?;
        self.active_agent(caller, agent_id).await?;
        let active = self
            .db
            .list_credentials(caller.tenant_id, agent_id)
            .await?
            .iter()
            .filter(|c| c.status == CredentialStatus::Active)
            .count();
        if active >= MAX_ACTIVE_CREDENTIALS {
            return Err(limit_reached());
        }
        let (credential, secret) =
            Credential::issue(&self.hasher(), agent_id, verifier, expires_at, now)?;
        let event = caller
            .event(Action::CredentialCreated, now)
            .subject(agent_id)
            .with("credentialId", credential.id.to_string())
            .with("type", credential.type_name())
            .with(
                "kid",
                credential.public_key.as_ref().map(|k| k.kid().to_owned()),
            )
            .with("expiresAt", expires_at.map(Timestamp::to_rfc3339));
        match self
            .db
            .insert_credential(
                caller.tenant_id,
                &credential,
                Some(MAX_ACTIVE_CREDENTIALS),
                &[event],
            )
            .await?
        {
            Ok(()) => Ok((credential, secret)),
            Err(InsertRefused::AtLimit) => Err(limit_reached()),
            // The agent changed since it was read: its current state names the reason.
            Err(InsertRefused::AgentNotActive) => {
                self.active_agent(caller, agent_id).await?;
                Err(ServiceError::ConcurrentUpdate)
            }
        }
    }

    /// Lists an agent's credentials (never their secrets).
    pub async fn list_credentials(
        &self,
        caller: &Principal,
        agent_id: AgentId,
    ) -> ServiceResult<Vec<Credential>> {
        self.authorize(caller, "credentials:read").await?;
        self.tenant_agent(caller, agent_id).await?;
        Ok(self.db.list_credentials(caller.tenant_id, agent_id).await?)
    }

    async fn tenant_credential(
        &self,
        caller: &Principal,
        agent_id: AgentId,
        id: CredentialId,
    ) -> ServiceResult<Credential> {
        self.managed_agent(caller, agent_id).await?;
        self.db
            .get_credential(caller.tenant_id, agent_id, id)
            .await?
            .ok_or(ServiceError::CredentialNotFound)
    }

    /// Replaces a credential's secret, or its key with the new one given. The old one keeps
    /// working for `grace_secs` (0 = stops at once); `expires_at` sets the new one's expiry
    /// (`None` = never).
    pub async fn rotate_credential(
        &self,
        caller: &Principal,
        agent_id: AgentId,
        id: CredentialId,
        verifier: Verifier,
        grace_secs: i64,
        expires_at: Option<Timestamp>,
    ) -> ServiceResult<(Credential, Option<ClientSecret>)> {
        self.authorize(caller, "credentials:write").await?;
        check_grace_period(grace_secs)?;
        let now = Timestamp::now();
        check_expiry(expires_at, now)?;
        let mut credential = self.tenant_credential(caller, agent_id, id).await?;
        self.active_agent(caller, agent_id).await?;
        if credential.status == CredentialStatus::Revoked {
            return Err(ServiceError::CredentialRevoked);
        }
        let read_secret = credential.secret_hash.clone();
        let secret = credential.rotate(&self.hasher(), verifier, grace_secs, expires_at, now)?;
        let event = caller
            .event(Action::CredentialRotated, now)
            .subject(agent_id)
            .with("credentialId", credential.id.to_string())
            .with("type", credential.type_name())
            .with(
                "kid",
                credential.public_key.as_ref().map(|k| k.kid().to_owned()),
            )
            .with("gracePeriodSeconds", grace_secs);
        self.db
            .update_credential(&credential, &read_secret, &[event])
            .await
            .map_err(super::stale_is_conflict)?;
        Ok((credential, secret))
    }

    /// Revokes a credential at once (including any secret in its grace period). Idempotent;
    /// a revocation that loses a race against a rotation is applied again on top of it.
    pub async fn revoke_credential(
        &self,
        caller: &Principal,
        agent_id: AgentId,
        id: CredentialId,
    ) -> ServiceResult<()> {
        self.authorize(caller, "credentials:write").await?;
        for _ in 0..super::RETRIES_ON_RACE {
            let mut credential = self.tenant_credential(caller, agent_id, id).await?;
            if credential.status == CredentialStatus::Revoked {
                return Ok(());
            }
            let read_secret = credential.secret_hash.clone();
            let now = Timestamp::now();
            credential.revoke(now);
            let event = caller
                .event(Action::CredentialRevoked, now)
                .subject(agent_id)
                .with("credentialId", credential.id.to_string());
            match self
                .db
                .update_credential(&credential, &read_secret, &[event])
                .await
            {
                Err(StoreError::Stale) => continue,
                done => return Ok(done?),
            }
        }
        Err(ServiceError::ConcurrentUpdate)
    }
}
