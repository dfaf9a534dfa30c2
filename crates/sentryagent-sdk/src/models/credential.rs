//! Client credentials: the rotatable secrets an agent authenticates with.

use chrono::{DateTime, Utc};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};

use super::{AgentId, CredentialId};

/// A credential as the API shows it (never its secret).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Credential {
    /// Credential id.
    pub credential_id: CredentialId,
    /// The agent, which is also the OAuth `client_id`.
    pub agent_id: AgentId,
    /// `active` or `revoked`.
    pub status: String,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// When the secret stops working, if ever.
    #[serde(default)]
    pub expires_at: Option<DateTime<Utc>>,
    /// Last rotation.
    #[serde(default)]
    pub rotated_at: Option<DateTime<Utc>>,
    /// Revocation time.
    #[serde(default)]
    pub revoked_at: Option<DateTime<Utc>>,
    /// Last successful use.
    #[serde(default)]
    pub last_used_at: Option<DateTime<Utc>>,
    /// Until when the secret replaced by the last rotation still works.
    #[serde(default)]
    pub previous_secret_expires_at: Option<DateTime<Utc>>,
}

/// A credential with its secret: returned once, by creation and rotation only.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CredentialWithSecret {
    /// The credential.
    #[serde(flatten)]
    pub credential: Credential,
    /// The OAuth client id (the agent id).
    pub client_id: AgentId,
    /// The client secret. Store it now: the server never shows it again.
    pub client_secret: SecretString,
}

/// Options of a rotation.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RotateOptions {
    /// Seconds the old secret keeps working (0–604800; the server's default is 0).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grace_period_seconds: Option<u32>,
    /// Expiry of the new secret; none = never.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<DateTime<Utc>>,
}
