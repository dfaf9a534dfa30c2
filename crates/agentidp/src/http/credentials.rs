//! `/v1/agents/{agentId}/credentials`: issue, list, rotate and revoke client secrets.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::error::{ApiError, ErrorBody};
use super::extract::{ApiPath, Auth, OptionalJson};
use crate::app::AppState;
use crate::domain::credential::{ClientSecret, Credential};
use crate::domain::ids::{AgentId, CredentialId};
use crate::domain::time::Timestamp;

/// The routes of this module.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_credential, list_credentials))
        .routes(routes!(rotate_credential))
        .routes(routes!(revoke_credential))
}

/// Body of `POST …/credentials` (optional).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateCredentialRequest {
    /// When the secret stops working (RFC 3339, future); omitted = never.
    #[schema(value_type = Option<String>, format = DateTime)]
    expires_at: Option<Timestamp>,
}

/// Body of `POST …/rotate` (optional).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RotateCredentialRequest {
    /// Seconds the old secret keeps working (0–604800, default 0).
    #[serde(default)]
    grace_period_seconds: i64,
    /// Expiry of the new secret (RFC 3339, future); omitted = never.
    #[schema(value_type = Option<String>, format = DateTime)]
    expires_at: Option<Timestamp>,
}

/// A credential as the API shows it (never its secret or digest).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CredentialResponse {
    credential_id: Uuid,
    /// The agent, which is also the OAuth `client_id`.
    agent_id: Uuid,
    /// `active` or `revoked`.
    status: &'static str,
    #[schema(value_type = String, format = DateTime)]
    created_at: Timestamp,
    #[schema(value_type = Option<String>, format = DateTime)]
    expires_at: Option<Timestamp>,
    #[schema(value_type = Option<String>, format = DateTime)]
    rotated_at: Option<Timestamp>,
    #[schema(value_type = Option<String>, format = DateTime)]
    revoked_at: Option<Timestamp>,
    #[schema(value_type = Option<String>, format = DateTime)]
    last_used_at: Option<Timestamp>,
    /// Until when the secret replaced by the last rotation still works.
    #[schema(value_type = Option<String>, format = DateTime)]
    previous_secret_expires_at: Option<Timestamp>,
}

impl From<Credential> for CredentialResponse {
    fn from(c: Credential) -> Self {
        Self {
            credential_id: c.id.uuid(),
            agent_id: c.agent_id.uuid(),
            status: c.status.as_str(),
            created_at: c.created_at,
            expires_at: c.expires_at,
            rotated_at: c.rotated_at,
            revoked_at: c.revoked_at,
            last_used_at: c.last_used_at,
            previous_secret_expires_at: c.previous_expires_at,
        }
    }
}

/// A credential with its secret: returned once, by creation and rotation only.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CredentialWithSecret {
    #[serde(flatten)]
    credential: CredentialResponse,
    /// The OAuth client id (the agent id).
    client_id: Uuid,
    /// The client secret. Store it now: it is never shown again.
    #[schema(example = "sk_live_…")]
    client_secret: String,
}

fn with_secret(credential: Credential, secret: &ClientSecret) -> CredentialWithSecret {
    CredentialWithSecret {
        client_id: credential.agent_id.uuid(),
        credential: credential.into(),
        client_secret: secret.expose().to_owned(),
    }
}

/// Issue a new client secret for an agent.
#[utoipa::path(post, path = "/v1/agents/{agentId}/credentials", tag = "credentials",
    request_body(content = Option<CreateCredentialRequest>),
    params(("agentId" = Uuid, Path, description = "Agent id")),
    security(("bearerAuth" = ["credentials:write"])),
    responses(
        (status = 201, description = "Created; the secret is in this response only", body = CredentialWithSecret),
        (status = 400, description = "Invalid input", body = ErrorBody),
        (status = 401, description = "Missing or invalid token", body = ErrorBody),
        (status = 403, description = "Missing scope", body = ErrorBody),
        (status = 404, description = "No such agent in the tenant", body = ErrorBody),
        (status = 409, description = "The agent is not active", body = ErrorBody),
    ))]
async fn create_credential(
    State(state): State<AppState>,
    Auth(caller): Auth,
    ApiPath(agent): ApiPath<Uuid>,
    OptionalJson(body): OptionalJson<CreateCredentialRequest>,
) -> Result<impl IntoResponse, ApiError> {
    let (credential, secret) = state
        .idp
        .create_credential(&caller, AgentId::from_uuid(agent), body.expires_at)
        .await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(with_secret(credential, &secret)),
    ))
}

/// List an agent's credentials.
#[utoipa::path(get, path = "/v1/agents/{agentId}/credentials", tag = "credentials",
    params(("agentId" = Uuid, Path, description = "Agent id")),
    security(("bearerAuth" = ["credentials:read"])),
    responses(
        (status = 200, description = "The credentials, oldest first", body = Vec<CredentialResponse>),
        (status = 401, description = "Missing or invalid token", body = ErrorBody),
        (status = 403, description = "Missing scope", body = ErrorBody),
        (status = 404, description = "No such agent in the tenant", body = ErrorBody),
    ))]
async fn list_credentials(
    State(state): State<AppState>,
    Auth(caller): Auth,
    ApiPath(agent): ApiPath<Uuid>,
) -> Result<axum::Json<Vec<CredentialResponse>>, ApiError> {
    let list = state
        .idp
        .list_credentials(&caller, AgentId::from_uuid(agent))
        .await?;
    Ok(axum::Json(
        list.into_iter().map(CredentialResponse::from).collect(),
    ))
}

/// Rotate a credential's secret, optionally keeping the old one valid for a grace period.
#[utoipa::path(post, path = "/v1/agents/{agentId}/credentials/{credentialId}/rotate", tag = "credentials",
    request_body(content = Option<RotateCredentialRequest>),
    params(("agentId" = Uuid, Path, description = "Agent id"), ("credentialId" = Uuid, Path, description = "Credential id")),
    security(("bearerAuth" = ["credentials:write"])),
    responses(
        (status = 200, description = "Rotated; the new secret is in this response only", body = CredentialWithSecret),
        (status = 400, description = "Invalid input", body = ErrorBody),
        (status = 401, description = "Missing or invalid token", body = ErrorBody),
        (status = 403, description = "Missing scope", body = ErrorBody),
        (status = 404, description = "No such agent or credential", body = ErrorBody),
        (status = 409, description = "Credential revoked or agent not active", body = ErrorBody),
    ))]
async fn rotate_credential(
    State(state): State<AppState>,
    Auth(caller): Auth,
    ApiPath((agent, id)): ApiPath<(Uuid, Uuid)>,
    OptionalJson(body): OptionalJson<RotateCredentialRequest>,
) -> Result<axum::Json<CredentialWithSecret>, ApiError> {
    let (credential, secret) = state
        .idp
        .rotate_credential(
            &caller,
            AgentId::from_uuid(agent),
            CredentialId::from_uuid(id),
            body.grace_period_seconds,
            body.expires_at,
        )
        .await?;
    Ok(axum::Json(with_secret(credential, &secret)))
}

/// Revoke a credential immediately.
#[utoipa::path(delete, path = "/v1/agents/{agentId}/credentials/{credentialId}", tag = "credentials",
    params(("agentId" = Uuid, Path, description = "Agent id"), ("credentialId" = Uuid, Path, description = "Credential id")),
    security(("bearerAuth" = ["credentials:write"])),
    responses(
        (status = 204, description = "Revoked"),
        (status = 401, description = "Missing or invalid token", body = ErrorBody),
        (status = 403, description = "Missing scope", body = ErrorBody),
        (status = 404, description = "No such agent or credential", body = ErrorBody),
    ))]
async fn revoke_credential(
    State(state): State<AppState>,
    Auth(caller): Auth,
    ApiPath((agent, id)): ApiPath<(Uuid, Uuid)>,
) -> Result<StatusCode, ApiError> {
    state
        .idp
        .revoke_credential(
            &caller,
            AgentId::from_uuid(agent),
            CredentialId::from_uuid(id),
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
