//! Credentials: the rotatable client secrets an agent authenticates with
//! (`/v1/agents/{agentId}/credentials`).

use chrono::{DateTime, Utc};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};

use crate::ids::{AgentId, CredentialId};

/// Body of `POST …/credentials` (optional).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = CreateCredentialRequest))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewCredential {
    /// When the secret stops working (RFC 3339, future); omitted = never.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::time::micros_option"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub expires_at: Option<DateTime<Utc>>,
}

/// Body of `POST …/rotate` (optional).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = RotateCredentialRequest))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RotateOptions {
    /// Seconds the old secret keeps working (0–604800, default 0).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub grace_period_seconds: i64,
    /// Expiry of the new secret (RFC 3339, future); omitted = never.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::time::micros_option"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub expires_at: Option<DateTime<Utc>>,
}

fn is_zero(n: &i64) -> bool {
    *n == 0
}

/// A credential as the API shows it (never its secret or digest).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = CredentialResponse))]
#[serde(rename_all = "camelCase")]
pub struct Credential {
    /// Credential id.
    #[cfg_attr(feature = "openapi", schema(value_type = uuid::Uuid))]
    pub credential_id: CredentialId,
    /// The agent, which is also the OAuth `client_id`.
    #[cfg_attr(feature = "openapi", schema(value_type = uuid::Uuid))]
    pub agent_id: AgentId,
    /// `active` or `revoked`.
    pub status: String,
    /// Creation time.
    #[serde(with = "crate::time::millis")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub created_at: DateTime<Utc>,
    /// When the secret stops working, if ever.
    #[serde(default, with = "crate::time::millis_option")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub expires_at: Option<DateTime<Utc>>,
    /// Last rotation.
    #[serde(default, with = "crate::time::millis_option")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub rotated_at: Option<DateTime<Utc>>,
    /// Revocation time.
    #[serde(default, with = "crate::time::millis_option")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub revoked_at: Option<DateTime<Utc>>,
    /// Last successful use.
    #[serde(default, with = "crate::time::millis_option")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub last_used_at: Option<DateTime<Utc>>,
    /// Until when the secret replaced by the last rotation still works.
    #[serde(default, with = "crate::time::millis_option")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub previous_secret_expires_at: Option<DateTime<Utc>>,
}

/// A credential with its secret: returned once, by creation and rotation only.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct CredentialWithSecret {
    /// The credential.
    #[serde(flatten)]
    pub credential: Credential,
    /// The OAuth client id (the agent id).
    #[cfg_attr(feature = "openapi", schema(value_type = uuid::Uuid))]
    pub client_id: AgentId,
    /// The client secret. Store it now: it is never shown again.
    #[serde(serialize_with = "crate::secret::expose")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "sk_live_…"))]
    pub client_secret: SecretString,
}
