//! OAuth 2.0 and public endpoints: tokens, introspection, revocation, metadata, JWKS,
//! sign-up and health.

use reqwest::Method;
use secrecy::{ExposeSecret, SecretString};

use super::Client;
use crate::error::Result;
use crate::models::{
    Health, Introspection, ServerMetadata, SignUpRequest, TenantCreated, TokenParam, TokenRequest,
    TokenResponse,
};
use crate::transport::{Repeat, json};

impl Client {
    /// A token for any client (client_secret_basic), uncached: what `issue-token` does. An
    /// agent that calls services should use a [`TokenProvider`](crate::TokenProvider).
    pub async fn issue_token(
        &self,
        client_id: &str,
        client_secret: &SecretString,
        request: &TokenRequest,
    ) -> Result<TokenResponse> {
        let form = request.client_credentials_grant();
        let r = self
            .transport
            .send(Repeat::Safe, || {
                self.transport
                    .request(Method::POST, "/oauth2/token")
                    .basic_auth(client_id, Some(client_secret.expose_secret()))
                    .form(&form)
            })
            .await?;
        json(r).await
    }

    /// Delegation (RFC 8693): exchanges `subject_token`, an access token of an agent that
    /// lists the caller in `allowedActors`, for a token of that agent carrying `act` (the
    /// caller, authenticated by its own `actor_token`). `request` may narrow the scopes and
    /// name the target (`resource`/`audience`); `expires_in` may shorten the lifetime.
    pub async fn delegate_token(
        &self,
        subject_token: &SecretString,
        actor_token: &SecretString,
        request: &TokenRequest,
        expires_in: Option<i64>,
    ) -> Result<TokenResponse> {
        const ACCESS_TOKEN: &str = "urn:ietf:params:oauth:token-type:access_token";
        let form = TokenRequest {
            grant_type: Some("urn:ietf:params:oauth:grant-type:token-exchange".to_owned()),
            subject_token: Some(subject_token.clone()),
            subject_token_type: Some(ACCESS_TOKEN.to_owned()),
            actor_token: Some(actor_token.clone()),
            actor_token_type: Some(ACCESS_TOKEN.to_owned()),
            expires_in,
            ..request.clone()
        };
        let r = self
            .transport
            .send(Repeat::Safe, || {
                self.transport
                    .request(Method::POST, "/oauth2/token")
                    .form(&form)
            })
            .await?;
        json(r).await
    }

    /// RFC 7662 introspection, authenticated as this client.
    pub async fn introspect_token(&self, token: &str) -> Result<Introspection> {
        json(self.oauth_post("/oauth2/introspect", token).await?).await
    }

    /// RFC 7009 revocation, authenticated as this client (another agent's token needs
    /// `tokens:revoke`). Unknown or already revoked tokens succeed, as the RFC says.
    pub async fn revoke_token(&self, token: &str) -> Result<()> {
        self.oauth_post("/oauth2/revoke", token).await?;
        Ok(())
    }

    async fn oauth_post(&self, path: &str, token: &str) -> Result<reqwest::Response> {
        let form = TokenParam {
            token: Some(token.to_owned()),
            ..TokenParam::default()
        };
        let auth = self.oauth_auth().await?;
        self.transport
            .send(Repeat::Safe, || {
                let request = self.transport.request(Method::POST, path).form(&form);
                match &auth {
                    Some(auth) => auth.apply(request),
                    None => request,
                }
            })
            .await
    }

    /// RFC 8414 metadata.
    pub async fn server_metadata(&self) -> Result<ServerMetadata> {
        self.public_get("/.well-known/oauth-authorization-server")
            .await
    }

    /// The published signing keys.
    pub async fn jwks(&self) -> Result<serde_json::Value> {
        self.public_get("/.well-known/jwks.json").await
    }

    /// Liveness.
    pub async fn health(&self) -> Result<Health> {
        self.public_get("/health").await
    }

    /// Creates a tenant and its administrator (when the server allows sign-up).
    pub async fn sign_up(&self, name: &str) -> Result<TenantCreated> {
        let body = SignUpRequest {
            name: name.to_owned(),
        };
        let r = self
            .transport
            .send(Repeat::OnlyWhenRefused, || {
                self.transport
                    .request(Method::POST, "/v1/tenants")
                    .json(&body)
            })
            .await?;
        json(r).await
    }

    async fn public_get<T: serde::de::DeserializeOwned>(&self, path: &str) -> Result<T> {
        let r = self
            .transport
            .send(Repeat::Safe, || self.transport.request(Method::GET, path))
            .await?;
        json(r).await
    }
}
