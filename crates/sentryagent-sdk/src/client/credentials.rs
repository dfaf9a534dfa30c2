//! `/v1/agents/{agentId}/credentials`: create, list, rotate and revoke client secrets and
//! public keys.

use chrono::{DateTime, Utc};
use reqwest::Method;

use super::{Client, plain, with_json};
use crate::error::Error;
use crate::error::Result;
use crate::models::{
    AgentId, Credential, CredentialId, CredentialType, CredentialWithSecret, IssuedCredential,
    NewCredential, RotateOptions,
};
use crate::transport::{Repeat, json};

impl Client {
    /// A new credential; its secret is in the answer and never shown again
    /// (`credentials:write`).
    pub async fn create_credential(
        &self,
        agent: AgentId,
        expires_at: Option<DateTime<Utc>>,
    ) -> Result<CredentialWithSecret> {
        let body = NewCredential {
            expires_at,
            ..NewCredential::default()
        };
        secret(self.post_credential(agent, &body).await?)
    }

    /// Registers a public key as a credential of the agent, for `private_key_jwt`
    /// (`credentials:write`): `jwk` is the public JWK, e.g. [`PrivateKey::public_jwk`]
    /// (crate::PrivateKey::public_jwk); a JWK with private members is refused.
    pub async fn register_public_key(
        &self,
        agent: AgentId,
        jwk: serde_json::Value,
        expires_at: Option<DateTime<Utc>>,
    ) -> Result<Credential> {
        let body = NewCredential {
            credential_type: Some(CredentialType::PublicKey),
            jwk: Some(jwk),
            expires_at,
        };
        key(self.post_credential(agent, &body).await?)
    }

    async fn post_credential(
        &self,
        agent: AgentId,
        body: &NewCredential,
    ) -> Result<IssuedCredential> {
        let path = format!("/v1/agents/{agent}/credentials");
        let r = self
            .call(
                Method::POST,
                &path,
                Repeat::OnlyWhenRefused,
                with_json(body),
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
        secret(self.post_rotation(agent, credential, options).await?)
    }

    /// Replaces a public-key credential's key with `jwk`; the old key keeps working for the
    /// grace period of `options` (`credentials:write`).
    pub async fn rotate_public_key(
        &self,
        agent: AgentId,
        credential: CredentialId,
        jwk: serde_json::Value,
        options: &RotateOptions,
    ) -> Result<Credential> {
        let options = RotateOptions {
            jwk: Some(jwk),
            ..options.clone()
        };
        key(self.post_rotation(agent, credential, &options).await?)
    }

    async fn post_rotation(
        &self,
        agent: AgentId,
        credential: CredentialId,
        options: &RotateOptions,
    ) -> Result<IssuedCredential> {
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

/// The secret credential the server issued, or a decoding error.
fn secret(issued: IssuedCredential) -> Result<CredentialWithSecret> {
    match issued {
        IssuedCredential::Secret(c) => Ok(c),
        IssuedCredential::PublicKey(_) => Err(Error::Decode(
            "the credential is a public key: use register_public_key or rotate_public_key".into(),
        )),
    }
}

/// The public-key credential the server registered, or a decoding error.
fn key(issued: IssuedCredential) -> Result<Credential> {
    match issued {
        IssuedCredential::PublicKey(c) => Ok(c),
        IssuedCredential::Secret(_) => Err(Error::Decode(
            "the server issued a secret where a public key was registered".into(),
        )),
    }
}
