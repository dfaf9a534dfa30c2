//! Credential use cases: issue, list, rotate with a grace period, revoke.

use super::agent::AgentStatus;
use super::audit::Action;
use super::credential::{ClientSecret, Credential, CredentialStatus};
use super::ids::{AgentId, CredentialId};
use super::time::Timestamp;
use super::token::Principal;
use super::{DomainError, DomainResult, Idp};
use crate::store::{InsertRefused, StoreError};

/// Most active credentials an agent may hold: enough for overlapping rotations and a few
/// deployments, and a bound on what every token request for the agent reads and checks.
pub const MAX_ACTIVE_CREDENTIALS: usize = 10;

/// Longest grace period a rotation may leave the old secret valid for (7 days).
pub const MAX_GRACE_PERIOD_SECS: i64 = 7 * 24 * 3600;

fn limit_reached() -> DomainError {
    DomainError::CredentialLimitReached {
        limit: MAX_ACTIVE_CREDENTIALS,
    }
}

fn check_expiry(expires_at: Option<Timestamp>, now: Timestamp) -> DomainResult<()> {
    match expires_at {
        Some(t) if t <= now => Err(DomainError::Validation {
            field: "expiresAt",
            message: "must be in the future".into(),
        }),
        _ => Ok(()),
    }
}

impl Idp {
    async fn active_agent(&self, caller: &Principal, agent_id: AgentId) -> DomainResult<()> {
        let agent = self.managed_agent(caller, agent_id).await?;
        if agent.status != AgentStatus::Active {
            return Err(DomainError::AgentNotActive(agent.status.as_str()));
        }
        Ok(())
    }

    /// Creates a credential; the secret is returned once and only its digest is stored.
    pub async fn create_credential(
        &self,
        caller: &Principal,
        agent_id: AgentId,
        expires_at: Option<Timestamp>,
    ) -> DomainResult<(Credential, ClientSecret)> {
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
        let (credential, secret) = Credential::issue(&self.hasher(), agent_id, expires_at, now)?;
        let event = caller
            .event(Action::CredentialCreated)
            .subject(agent_id)
            .with("credentialId", credential.id.to_string())
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
                Err(DomainError::ConcurrentUpdate)
            }
        }
    }

    /// Lists an agent's credentials (never their secrets).
    pub async fn list_credentials(
        &self,
        caller: &Principal,
        agent_id: AgentId,
    ) -> DomainResult<Vec<Credential>> {
        self.authorize(caller, "credentials:read").await?;
        self.tenant_agent(caller, agent_id).await?;
        Ok(self.db.list_credentials(caller.tenant_id, agent_id).await?)
    }

    async fn tenant_credential(
        &self,
        caller: &Principal,
        agent_id: AgentId,
        id: CredentialId,
    ) -> DomainResult<Credential> {
        self.managed_agent(caller, agent_id).await?;
        self.db
            .get_credential(caller.tenant_id, agent_id, id)
            .await?
            .ok_or(DomainError::CredentialNotFound)
    }

    /// Replaces a credential's secret. The old secret keeps working for `grace_secs`
    /// (0 = stops at once); `expires_at` sets the new secret's expiry (`None` = never).
    pub async fn rotate_credential(
        &self,
        caller: &Principal,
        agent_id: AgentId,
        id: CredentialId,
        grace_secs: i64,
        expires_at: Option<Timestamp>,
    ) -> DomainResult<(Credential, ClientSecret)> {
        self.authorize(caller, "credentials:write").await?;
        if !(0..=MAX_GRACE_PERIOD_SECS).contains(&grace_secs) {
            return Err(DomainError::Validation {
                field: "gracePeriodSeconds",
                message: format!("must be between 0 and {MAX_GRACE_PERIOD_SECS}"),
            });
        }
        let now = Timestamp::now();
        check_expiry(expires_at, now)?;
        let mut credential = self.tenant_credential(caller, agent_id, id).await?;
        self.active_agent(caller, agent_id).await?;
        if credential.status == CredentialStatus::Revoked {
            return Err(DomainError::CredentialRevoked);
        }
        let secret = ClientSecret::generate()?;
        let read_secret = credential.secret_hash.clone();
        let old = std::mem::replace(
            &mut credential.secret_hash,
            self.hasher().digest(secret.expose()),
        );
        let old_still_valid = credential.expires_at.is_none_or(|e| e > now);
        (
            credential.previous_secret_hash,
            credential.previous_expires_at,
        ) = if grace_secs > 0 && old_still_valid {
            (Some(old), Some(now.plus_seconds(grace_secs)))
        } else {
            (None, None)
        };
        credential.rotated_at = Some(now);
        credential.expires_at = expires_at;
        let event = caller
            .event(Action::CredentialRotated)
            .subject(agent_id)
            .with("credentialId", credential.id.to_string())
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
    ) -> DomainResult<()> {
        self.authorize(caller, "credentials:write").await?;
        for _ in 0..super::RETRIES_ON_RACE {
            let mut credential = self.tenant_credential(caller, agent_id, id).await?;
            if credential.status == CredentialStatus::Revoked {
                return Ok(());
            }
            let read_secret = credential.secret_hash.clone();
            credential.status = CredentialStatus::Revoked;
            credential.revoked_at = Some(Timestamp::now());
            credential.previous_secret_hash = None;
            credential.previous_expires_at = None;
            let event = caller
                .event(Action::CredentialRevoked)
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
        Err(DomainError::ConcurrentUpdate)
    }
}
