//! Access-token claims (RFC 9068) and the authenticated caller they describe.

use serde::{Deserialize, Serialize};

use super::ids::{AgentId, TenantId};
use super::scope::ScopeSet;

/// The `aud` claim: one audience or several.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(untagged)]
pub enum Audience {
    /// A single audience (how this server issues tokens).
    One(String),
    /// Several audiences.
    Many(Vec<String>),
}

impl Audience {
    /// Whether `aud` is among the audiences.
    pub fn contains(&self, aud: &str) -> bool {
        match self {
            Self::One(a) => a == aud,
            Self::Many(all) => all.iter().any(|a| a == aud),
        }
    }
}

/// The claims of every access token this server issues.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AccessClaims {
    /// Issuer: this server's public base URL.
    pub iss: String,
    /// Subject: the agent id.
    pub sub: String,
    /// Audience: the resource the token is for.
    pub aud: Audience,
    /// Expiry (seconds since the epoch).
    pub exp: i64,
    /// Issued-at (seconds since the epoch).
    pub iat: i64,
    /// Not-before (seconds since the epoch).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<i64>,
    /// Unique token id.
    pub jti: String,
    /// The OAuth client (same as `sub` for client-credentials tokens).
    pub client_id: String,
    /// Granted scopes, space separated.
    #[serde(default)]
    pub scope: String,
    /// The tenant the agent belongs to.
    pub tenant_id: String,
}

/// An authenticated caller of the management API.
#[derive(Debug, Clone)]
pub struct Principal {
    /// The caller's tenant; every query it makes is scoped to it.
    pub tenant_id: TenantId,
    /// The calling agent.
    pub agent_id: AgentId,
    /// What it may do.
    pub scopes: ScopeSet,
    /// Where the request came from (for the audit log).
    pub meta: super::audit::RequestMeta,
}

impl Principal {
    /// The caller's agent id as an audit actor.
    pub fn actor(&self) -> String {
        self.agent_id.to_string()
    }

    /// An audit event of `action` by this caller, in its tenant's chain, with its request's
    /// metadata.
    pub fn event(&self, action: super::audit::Action) -> super::audit::NewEvent {
        super::audit::NewEvent::new(self.tenant_id, self.actor(), action, &self.meta)
    }
}

/// A freshly signed access token.
#[derive(Debug)]
pub struct IssuedToken {
    /// The compact JWS.
    pub access_token: String,
    /// Lifetime in seconds.
    pub expires_in: i64,
    /// Granted scopes.
    pub scope: ScopeSet,
    /// The algorithm it was signed with.
    pub algorithm: super::keys::Algorithm,
}
