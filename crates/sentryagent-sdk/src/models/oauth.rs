//! OAuth 2.0 and operational types: token responses, introspection, metadata, sign-up, health.

use chrono::{DateTime, Utc};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};

use super::{AgentId, CredentialId, TenantId};

/// What a client-credentials request asks for beyond the client's identity.
#[derive(Debug, Clone, Default, Serialize)]
pub struct TokenRequest {
    /// Space-separated scopes; none = every scope the agent may have.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// The resource (RFC 8707) the token is for; becomes its `aud`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource: Option<String>,
}

/// A successful token response (RFC 6749 §5.1).
#[derive(Debug, Clone, Deserialize)]
pub struct TokenResponse {
    /// The JWT access token.
    pub access_token: SecretString,
    /// Always `Bearer`.
    pub token_type: String,
    /// Lifetime in seconds.
    pub expires_in: u64,
    /// Granted scopes, space separated.
    #[serde(default)]
    pub scope: String,
}

/// An RFC 7662 introspection answer; an inactive token has only `active: false`.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Introspection {
    /// Whether the token is valid right now.
    pub active: bool,
    /// Granted scopes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// The client it was issued to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// Its subject (the agent id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub: Option<String>,
    /// Its audience.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aud: Option<serde_json::Value>,
    /// Its issuer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iss: Option<String>,
    /// Expiry (seconds since the epoch).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exp: Option<i64>,
    /// Issued-at (seconds since the epoch).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iat: Option<i64>,
    /// Token id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jti: Option<String>,
    /// The agent's tenant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant_id: Option<String>,
    /// `Bearer`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_type: Option<String>,
}

/// RFC 8414 authorization-server metadata (the fields a client needs).
#[derive(Debug, Clone, Deserialize)]
pub struct ServerMetadata {
    /// The issuer every token carries in `iss`.
    pub issuer: String,
    /// Where to request tokens.
    pub token_endpoint: String,
    /// Where the signing keys are published.
    pub jwks_uri: String,
    /// RFC 7662 endpoint.
    pub introspection_endpoint: String,
    /// RFC 7009 endpoint.
    pub revocation_endpoint: String,
    /// Scopes the server knows.
    #[serde(default)]
    pub scopes_supported: Vec<String>,
}

/// The answer to `GET /health`.
#[derive(Debug, Clone, Deserialize)]
pub struct Health {
    /// `ok` while the server serves.
    pub status: String,
    /// Server version.
    pub version: String,
}

/// A tenant created by `POST /v1/tenants`, with its administrator's one-time credentials.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TenantCreated {
    /// Tenant id.
    pub tenant_id: TenantId,
    /// Tenant name.
    pub name: String,
    /// `free` or `pro`.
    pub plan: String,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// The administrator agent and its secret (shown once).
    pub admin: TenantAdmin,
}

/// A new tenant's administrator agent.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TenantAdmin {
    /// The admin agent.
    pub agent_id: AgentId,
    /// Its OAuth client id.
    pub client_id: AgentId,
    /// Its credential.
    pub credential_id: CredentialId,
    /// Its secret: store it now.
    pub client_secret: SecretString,
    /// Its management scopes.
    pub scopes: Vec<String>,
}

/// One metric against its limit.
#[derive(Debug, Clone, Copy, Deserialize, Serialize)]
pub struct Metered {
    /// How much is used.
    pub used: u64,
    /// The limit; `None` when there is none.
    pub limit: Option<u64>,
}

/// `GET /v1/billing/usage`: the tenant's consumption this month.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Usage {
    /// `YYYY-MM` (UTC).
    pub month: String,
    /// `free` or `pro`.
    pub plan: String,
    /// Access tokens issued this month.
    pub tokens: Metered,
    /// Live agents.
    pub agents: Metered,
}
