//! `/v1/agents/{agentId}/credentials`: create, list, rotate and revoke client secrets.

use chrono::{DateTime, Utc};
use reqwest::Method;

use super::{Client, plain, with_json};
use crate::error::Result;
use crate::models::{AgentId, Credential, CredentialId, CredentialWithSecret, RotateOptions};
use crate::transport::{Repeat, json};

impl Client {
    /// A new credential; its secret is in the answer and never shown again
    /// (`credentials:write`).
    pub async fn create_credential(
        &self,
        agent: AgentId,
        expires_at: Option<DateTime<Utc>>,
    ) -> Result<CredentialWithSecret> {
        let path = format!("/v1/agents/{agent}/credentials");
        let body = serde_json::json!({ "expiresAt": expires_at });
        let r = self
            .call(
                Method::POST,
                &path,
                Repeat::OnlyWhenRefused,
                with_json(&body),
            )
            .await?;
        json(r).await
    }

    /// The agent's credentials, oldest first, without secrets (`credentials:read`).
    pub async fn list_credentials(&self, agent: AgentId) -> Result<Vec<Credential>> {
        let path = format!("/v1/agents/{agent}/credentials");
        json(self.call(Method::GET, &path, Repeat::Safe, plain).await?).await
    }

    /// Replaces a credential's secret; the old one keeps working for the grace period
    /// (`credentials:write`).
    pub async fn rotate_credential(
        &self,
        agent: AgentId,
        credential: CredentialId,
        options: &RotateOptions,
    ) -> Result<CredentialWithSecret> {
        let path = format!("/v1/agents/{agent}/credentials/{credential}/rotate");
        let r = self
            .call(
                Method::POST,
                &path,
                Repeat::OnlyWhenRefused,
                with_json(options),
            )
            .await?;
        json(r).await
    }

    /// Revokes a credential at once (`credentials:write`).
    pub async fn revoke_credential(&self, agent: AgentId, credential: CredentialId) -> Result<()> {
        let path = format!("/v1/agents/{agent}/credentials/{credential}");
        self.call(Method::DELETE, &path, Repeat::Safe, plain)
            .await?;
        Ok(())
    }
}
