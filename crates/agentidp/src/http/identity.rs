//! Public identity documents: the server's DID document and each public agent's
//! (did:web), served without authentication when `MARKETPLACE_ENABLED` is on.

use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::error::{ApiError, ErrorBody};
use super::extract::ApiPath;
use crate::app::AppState;
use crate::domain::did::DidWeb;
use crate::domain::ids::AgentId;
use crate::domain::time::Timestamp;

/// The media type of a DID document in JSON (DID Core §6.2).
const DID_JSON: &str = "application/did+json";

/// The routes of this module.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(server_did))
        .routes(routes!(agent_did))
        .routes(routes!(agent_card))
}

/// The server's did:web identity, or 404 while the public documents are off.
pub(crate) fn did_web(state: &AppState) -> Result<&DidWeb, ApiError> {
    state
        .identity
        .as_ref()
        .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, "NOT_FOUND", "no such endpoint"))
}

/// A document served as `media_type`, cacheable for a minute.
pub(crate) fn document(body: &Value, media_type: &'static str) -> Response {
    let mut response = axum::Json(body).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(media_type));
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=60"),
    );
    response
}

/// The server's DID document (did:web): its token-signing keys as JsonWebKey2020
/// verification methods.
#[utoipa::path(get, path = "/.well-known/did.json", tag = "identity",
    responses(
        (status = 200, description = "DID document (W3C DID Core)", content_type = "application/did+json", body = Object),
        (status = 404, description = "MARKETPLACE_ENABLED is off", body = ErrorBody),
    ))]
async fn server_did(State(state): State<AppState>) -> Result<Response, ApiError> {
    let web = did_web(&state)?;
    let keys = state.idp.keys.current();
    Ok(document(&web.server_document(&keys.jwks), DID_JSON))
}

/// A public agent's DID document (`did:web:<host>:agents:<agentId>`): its public keys as
/// verification methods, the server as controller, its agent card and the token endpoint
/// as services.
#[utoipa::path(get, path = "/agents/{agentId}/did.json", tag = "identity",
    params(("agentId" = Uuid, Path, description = "Agent id")),
    responses(
        (status = 200, description = "DID document (W3C DID Core)", content_type = "application/did+json", body = Object),
        (status = 400, description = "Malformed id", body = ErrorBody),
        (status = 404, description = "No such public, active agent, or MARKETPLACE_ENABLED is off", body = ErrorBody),
        (status = 410, description = "The agent was public and is now revoked or decommissioned", body = ErrorBody),
    ))]
async fn agent_did(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Response, ApiError> {
    let web = did_web(&state)?;
    let id = AgentId::from_uuid(id);
    let public = state.idp.public_agent(id, Timestamp::now()).await?;
    Ok(document(&web.agent_document(id, &public.keys), DID_JSON))
}

/// A public agent's A2A agent card (A2A protocol 1.0), signed by this server: its
/// interface, skills, provider and the OAuth 2.0 client-credentials scheme of this server.
#[utoipa::path(get, path = "/agents/{agentId}/agent-card.json", tag = "identity",
    params(("agentId" = Uuid, Path, description = "Agent id")),
    responses(
        (status = 200, description = "A2A agent card with a JWS signature (A2A §8.4)", content_type = "application/json", body = Object),
        (status = 400, description = "Malformed id", body = ErrorBody),
        (status = 404, description = "No such public, active agent (AGENT_NOT_FOUND), one without an endpointUrl, skills or capabilities (AGENT_CARD_INCOMPLETE), or MARKETPLACE_ENABLED is off", body = ErrorBody),
        (status = 410, description = "The agent was public and is now revoked or decommissioned", body = ErrorBody),
    ))]
async fn agent_card(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Response, ApiError> {
    let web = did_web(&state)?;
    let card = state
        .idp
        .agent_card(AgentId::from_uuid(id), web, Timestamp::now())
        .await?;
    Ok(document(&card, "application/json"))
}
