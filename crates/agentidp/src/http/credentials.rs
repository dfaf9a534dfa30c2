//! `/v1/agents/{agentId}/credentials`: issue, list, rotate and revoke client secrets.

use agentidp_proto as wire;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde_json::Value;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::error::{ApiError, ErrorBody};
use super::extract::{ApiPath, Auth, OptionalJson};
use crate::app::AppState;
use crate::domain::client_key::ClientKey;
use crate::domain::credential::{ClientSecret, Credential, Verifier};
use crate::domain::ids::{AgentId, CredentialId};
use crate::domain::time::Timestamp;

/// The routes of this module.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_credential, list_credentials))
        .routes(routes!(rotate_credential))
        .routes(routes!(revoke_credential))
}

/// A credential as the API shows it (never its secret or digest).
fn credential_body(c: Credential) -> wire::Credential {
    wire::Credential {
        credential_id: wire::CredentialId(c.id.uuid()),
        agent_id: wire::AgentId(c.agent_id.uuid()),
        credential_type: c.type_name().into(),
        status: c.status.as_str().to_owned(),
        kid: c.public_key.as_ref().map(|k| k.kid().to_owned()),
        jwk: c
            .public_key
            .as_ref()
            .and_then(|k| k.jwk().as_object().cloned()),
        created_at: c.created_at.to_datetime(),
        expires_at: c.expires_at.map(Timestamp::to_datetime),
        rotated_at: c.rotated_at.map(Timestamp::to_datetime),
        revoked_at: c.revoked_at.map(Timestamp::to_datetime),
        last_used_at: c.last_used_at.map(Timestamp::to_datetime),
        previous_secret_expires_at: c.previous_expires_at.map(Timestamp::to_datetime),
    }
}

/// A created or rotated credential: with its secret, shown this once, or its key.
fn issued(credential: Credential, secret: Option<ClientSecret>) -> wire::IssuedCredential {
    match secret {
        Some(secret) => wire::IssuedCredential::Secret(wire::CredentialWithSecret {
            client_id: wire::AgentId(credential.agent_id.uuid()),
            credential: credential_body(credential),
            client_secret: secret.expose().into(),
        }),
        None => wire::IssuedCredential::PublicKey(credential_body(credential)),
    }
}

/// What a body asks a credential to hold: a new secret, or the public key it gives.
fn verifier(
    kind: Option<&wire::CredentialType>,
    jwk: Option<&Value>,
) -> Result<Verifier, ApiError> {
    let kind = kind.unwrap_or(&wire::CredentialType::ClientSecret);
    match (kind, jwk) {
        (wire::CredentialType::ClientSecret, None) => Ok(Verifier::Secret),
        (wire::CredentialType::ClientSecret, Some(_)) => Err(ApiError::validation(
            "jwk",
            "jwk: only a credential of type public_key has a jwk",
        )),
        (wire::CredentialType::PublicKey, Some(jwk)) => {
            Ok(Verifier::PublicKey(ClientKey::parse(jwk)?))
        }
        (wire::CredentialType::PublicKey, None) => Err(ApiError::validation(
            "jwk",
            "jwk: a public_key credential needs the public JWK",
        )),
        (wire::CredentialType::Other(t), _) => Err(ApiError::validation(
            "type",
            format!("type: {t:?} must be one of: client_secret, public_key"),
        )),
    }
}

/// Add a credential to an agent: a new client secret (the default), or a public key
/// (`"type": "public_key"` with its `jwk`) for `private_key_jwt`.
#[utoipa::path(post, path = "/v1/agents/{agentId}/credentials", tag = "credentials",
    request_body(content = Option<wire::NewCredential>),
    params(("agentId" = Uuid, Path, description = "Agent id")),
    security(("bearerAuth" = ["credentials:write"])),
    responses(
        (status = 201, description = "Created; a secret is in this response only", body = wire::IssuedCredential),
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
    OptionalJson(body): OptionalJson<wire::NewCredential>,
) -> Result<impl IntoResponse, ApiError> {
    let verifier = verifier(body.credential_type.as_ref(), body.jwk.as_ref())?;
    let (credential, secret) = state
        .idp
        .create_credential(
            &caller,
            AgentId::from_uuid(agent),
            verifier,
            body.expires_at.map(Timestamp::from_datetime),
        )
        .await?;
    Ok((StatusCode::CREATED, axum::Json(issued(credential, secret))))
}

/// List an agent's credentials.
#[utoipa::path(get, path = "/v1/agents/{agentId}/credentials", tag = "credentials",
    params(("agentId" = Uuid, Path, description = "Agent id")),
    security(("bearerAuth" = ["credentials:read"])),
    responses(
        (status = 200, description = "The credentials, oldest first", body = Vec<wire::Credential>),
        (status = 401, description = "Missing or invalid token", body = ErrorBody),
        (status = 403, description = "Missing scope", body = ErrorBody),
        (status = 404, description = "No such agent in the tenant", body = ErrorBody),
    ))]
async fn list_credentials(
    State(state): State<AppState>,
    Auth(caller): Auth,
    ApiPath(agent): ApiPath<Uuid>,
) -> Result<axum::Json<Vec<wire::Credential>>, ApiError> {
    let list = state
        .idp
        .list_credentials(&caller, AgentId::from_uuid(agent))
        .await?;
    Ok(axum::Json(list.into_iter().map(credential_body).collect()))
}

/// Rotate a credential's secret (or replace its key with the `jwk` given), optionally keeping
/// the old one valid for a grace period.
#[utoipa::path(post, path = "/v1/agents/{agentId}/credentials/{credentialId}/rotate", tag = "credentials",
    request_body(content = Option<wire::RotateOptions>),
    params(("agentId" = Uuid, Path, description = "Agent id"), ("credentialId" = Uuid, Path, description = "Credential id")),
    security(("bearerAuth" = ["credentials:write"])),
    responses(
        (status = 200, description = "Rotated; a new secret is in this response only", body = wire::IssuedCredential),
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
    OptionalJson(body): OptionalJson<wire::RotateOptions>,
) -> Result<axum::Json<wire::IssuedCredential>, ApiError> {
    let kind = body.jwk.as_ref().map(|_| &wire::CredentialType::PublicKey);
    let verifier = verifier(kind, body.jwk.as_ref())?;
    let (credential, secret) = state
        .idp
        .rotate_credential(
            &caller,
            AgentId::from_uuid(agent),
            CredentialId::from_uuid(id),
            verifier,
            body.grace_period_seconds,
            body.expires_at.map(Timestamp::from_datetime),
        )
        .await?;
    Ok(axum::Json(issued(credential, secret)))
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
