//! The claims of an access token (RFC 9068), as the server signs them and a resource server
//! reads them after verification.

use serde::{Deserialize, Serialize};

/// The `aud` claim: one audience or several.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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

impl std::fmt::Display for Audience {
    /// The audience, or the audiences separated by spaces.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::One(a) => f.write_str(a),
            Self::Many(all) => f.write_str(&all.join(" ")),
        }
    }
}

/// The `act` claim of a delegated token (RFC 8693 §4.1): the agent acting for the token's
/// subject and, nested, the actors before it (most recent first).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Actor {
    /// The acting agent's id.
    pub sub: String,
    /// The actor that acted before it, when the subject token was itself delegated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(no_recursion, value_type = Option<Object>))]
    pub act: Option<Box<Actor>>,
}

impl Actor {
    /// The chain of actors, the current one first and the first delegate last.
    pub fn chain(&self) -> impl Iterator<Item = &Actor> {
        std::iter::successors(Some(self), |a| a.act.as_deref())
    }
}

/// The claims of every access token the server issues.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AccessClaims {
    /// Issuer: the server's public base URL.
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
    /// For a token exchanged for a workload's identity token (RFC 8693): who the workload
    /// is — its issuer, subject and, from GitHub Actions, repository, workflow and run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub federated: Option<serde_json::Map<String, serde_json::Value>>,
    /// For a delegated token (RFC 8693 §4.1): the agent acting for `sub`, and the chain of
    /// actors before it; `client_id` is then the current actor.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub act: Option<Actor>,
}

impl AccessClaims {
    /// The granted scopes.
    pub fn scopes(&self) -> impl Iterator<Item = &str> {
        self.scope.split_ascii_whitespace()
    }

    /// Whether `scope` was granted.
    pub fn has_scope(&self, scope: &str) -> bool {
        self.scopes().any(|s| s == scope)
    }

    /// The ids of the agents acting for the subject, the current actor first; empty for a
    /// token the subject holds itself.
    pub fn actors(&self) -> impl Iterator<Item = &str> {
        self.act
            .iter()
            .flat_map(Actor::chain)
            .map(|a| a.sub.as_str())
    }
}
