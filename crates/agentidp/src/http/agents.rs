//! `/v1/agents`: register, list, read, update and decommission agents.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::error::{ApiError, ErrorBody};
use super::extract::{ApiJson, ApiPath, ApiQuery, Auth};
use crate::app::AppState;
use crate::domain::DomainError;
use crate::domain::agent::{
    self, Agent, AgentFilter, AgentPatch, AgentStatus, DeploymentEnv, Email, IMMUTABLE_FIELDS,
    NewAgent,
};
use crate::domain::ids::AgentId;
use crate::domain::scope::ScopeSet;

/// The routes of this module.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_agent, list_agents))
        .routes(routes!(get_agent, update_agent, delete_agent))
}

/// Body of `POST /v1/agents`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateAgentRequest {
    /// Contact address, unique within the tenant; immutable.
    #[schema(example = "search-bot@example.com")]
    email: String,
    /// Display name (1–128 characters).
    #[schema(example = "Search bot")]
    name: String,
    /// Free text (up to 1024 characters).
    #[serde(default)]
    description: String,
    /// Lower-case type token, e.g. `retrieval`.
    #[schema(example = "retrieval")]
    agent_type: String,
    /// Semantic version.
    #[schema(example = "1.0.0")]
    version: String,
    /// Capability tokens matching `^[a-z0-9][a-z0-9._:-]*$` (at most 50).
    #[serde(default)]
    capabilities: Vec<String>,
    /// Responsible team or person.
    #[schema(example = "search-team")]
    owner: String,
    /// `development`, `staging` or `production`.
    #[schema(example = "production")]
    deployment_env: String,
    /// List the agent in the public marketplace.
    #[serde(default)]
    is_public: bool,
    /// JSON object, at most 8 KiB.
    #[serde(default)]
    #[schema(value_type = Object)]
    metadata: Option<Value>,
    /// Scopes the agent may request in tokens.
    #[serde(default)]
    allowed_scopes: Vec<String>,
}

impl CreateAgentRequest {
    fn parse(self) -> Result<NewAgent, DomainError> {
        Ok(NewAgent {
            email: Email::parse(&self.email)?,
            name: agent::parse_name(self.name)?,
            description: agent::parse_description(self.description)?,
            agent_type: agent::parse_agent_type(self.agent_type)?,
            version: agent::parse_version(&self.version)?,
            capabilities: agent::parse_capabilities(self.capabilities)?,
            owner: agent::parse_owner(self.owner)?,
            deployment_env: DeploymentEnv::parse("deploymentEnv", &self.deployment_env)?,
            is_public: self.is_public,
            metadata: agent::parse_metadata(self.metadata.unwrap_or(Value::Object(Map::new())))?,
            allowed_scopes: ScopeSet::from_list(&self.allowed_scopes)?,
        })
    }
}

/// Body of `PATCH /v1/agents/{agentId}`: every field optional; `id`, `email`, `tenantId`,
/// `createdAt`, `updatedAt` and `lastAuthAt` are immutable and rejected by name.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpdateAgentRequest {
    name: Option<String>,
    description: Option<String>,
    agent_type: Option<String>,
    version: Option<String>,
    capabilities: Option<Vec<String>>,
    owner: Option<String>,
    deployment_env: Option<String>,
    /// `active`, `suspended` or `revoked` (terminal; revokes every credential).
    status: Option<String>,
    is_public: Option<bool>,
    #[schema(value_type = Option<Object>)]
    metadata: Option<Value>,
    allowed_scopes: Option<Vec<String>>,
}

impl UpdateAgentRequest {
    fn parse(self) -> Result<AgentPatch, DomainError> {
        Ok(AgentPatch {
            name: self.name.map(agent::parse_name).transpose()?,
            description: self.description.map(agent::parse_description).transpose()?,
            agent_type: self.agent_type.map(agent::parse_agent_type).transpose()?,
            version: self
                .version
                .as_deref()
                .map(agent::parse_version)
                .transpose()?,
            capabilities: self
                .capabilities
                .map(agent::parse_capabilities)
                .transpose()?,
            owner: self.owner.map(agent::parse_owner).transpose()?,
            deployment_env: self
                .deployment_env
                .map(|e| DeploymentEnv::parse("deploymentEnv", &e))
                .transpose()?,
            status: self
                .status
                .map(|s| AgentStatus::parse("status", &s))
                .transpose()?,
            is_public: self.is_public,
            metadata: self.metadata.map(agent::parse_metadata).transpose()?,
            allowed_scopes: self
                .allowed_scopes
                .map(|s| ScopeSet::from_list(&s))
                .transpose()?,
        })
    }
}

/// An agent as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AgentResponse {
    /// Agent id; also its OAuth `client_id`.
    agent_id: Uuid,
    tenant_id: Uuid,
    email: String,
    name: String,
    description: String,
    agent_type: String,
    version: String,
    capabilities: Vec<String>,
    owner: String,
    deployment_env: &'static str,
    /// `active`, `suspended`, `revoked` or `decommissioned`.
    status: &'static str,
    is_public: bool,
    #[schema(value_type = Object)]
    metadata: Map<String, Value>,
    allowed_scopes: Vec<String>,
    #[schema(value_type = String, format = DateTime)]
    created_at: crate::domain::time::Timestamp,
    #[schema(value_type = String, format = DateTime)]
    updated_at: crate::domain::time::Timestamp,
    #[schema(value_type = Option<String>, format = DateTime)]
    last_auth_at: Option<crate::domain::time::Timestamp>,
}

impl From<Agent> for AgentResponse {
    fn from(a: Agent) -> Self {
        Self {
            agent_id: a.id.uuid(),
            tenant_id: a.tenant_id.uuid(),
            allowed_scopes: a.allowed_scopes.to_vec(),
            deployment_env: a.deployment_env.as_str(),
            status: a.status.as_str(),
            email: a.email,
            name: a.name,
            description: a.description,
            agent_type: a.agent_type,
            version: a.version,
            capabilities: a.capabilities,
            owner: a.owner,
            is_public: a.is_public,
            metadata: a.metadata,
            created_at: a.created_at,
            updated_at: a.updated_at,
            last_auth_at: a.last_auth_at,
        }
    }
}

/// One page of agents.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AgentList {
    data: Vec<AgentResponse>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    next_cursor: Option<String>,
}

/// Filters and paging of `GET /v1/agents`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListAgentsQuery {
    /// Only agents in this status.
    status: Option<String>,
    /// Only agents of this type.
    agent_type: Option<String>,
    /// Only agents with this owner.
    owner: Option<String>,
    /// Only agents in this environment.
    deployment_env: Option<String>,
    /// Only agents declaring this capability.
    capability: Option<String>,
    /// Page size, 1–100 (default 20).
    limit: Option<u32>,
    /// The `nextCursor` of the previous page.
    cursor: Option<String>,
}

/// Encodes a page position as an opaque cursor.
pub(crate) fn encode_cursor(id: AgentId) -> String {
    B64.encode(id.uuid().as_bytes())
}

fn decode_cursor(cursor: &str) -> Result<AgentId, ApiError> {
    B64.decode(cursor)
        .ok()
        .and_then(|b| Uuid::from_slice(&b).ok())
        .map(AgentId::from_uuid)
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "INVALID_CURSOR",
                "cursor is not one this server issued",
            )
        })
}

/// Register an agent.
#[utoipa::path(post, path = "/v1/agents", tag = "agents", request_body = CreateAgentRequest,
    security(("bearerAuth" = ["agents:write"])),
    responses(
        (status = 201, description = "Registered", body = AgentResponse),
        (status = 400, description = "Invalid input", body = ErrorBody),
        (status = 401, description = "Missing or invalid token", body = ErrorBody),
        (status = 403, description = "Missing scope, scope not grantable or agent limit reached", body = ErrorBody),
        (status = 409, description = "E-mail already used in the tenant", body = ErrorBody),
    ))]
async fn create_agent(
    State(state): State<AppState>,
    Auth(caller): Auth,
    ApiJson(body): ApiJson<CreateAgentRequest>,
) -> Result<impl IntoResponse, ApiError> {
    let agent = state.idp.create_agent(&caller, body.parse()?).await?;
    Ok((StatusCode::CREATED, axum::Json(AgentResponse::from(agent))))
}

/// List the tenant's agents (keyset pagination in creation order).
#[utoipa::path(get, path = "/v1/agents", tag = "agents", params(ListAgentsQuery),
    security(("bearerAuth" = ["agents:read"])),
    responses(
        (status = 200, description = "A page of agents", body = AgentList),
        (status = 400, description = "Invalid filter, limit or cursor", body = ErrorBody),
        (status = 401, description = "Missing or invalid token", body = ErrorBody),
        (status = 403, description = "Missing scope", body = ErrorBody),
    ))]
async fn list_agents(
    State(state): State<AppState>,
    Auth(caller): Auth,
    ApiQuery(q): ApiQuery<ListAgentsQuery>,
) -> Result<axum::Json<AgentList>, ApiError> {
    let limit = q.limit.unwrap_or(20);
    if !(1..=100).contains(&limit) {
        return Err(ApiError::validation(
            "limit",
            "limit must be between 1 and 100",
        ));
    }
    let after = q.cursor.as_deref().map(decode_cursor).transpose()?;
    let filter = AgentFilter {
        status: q
            .status
            .map(|s| AgentStatus::parse("status", &s))
            .transpose()?,
        agent_type: q.agent_type,
        owner: q.owner,
        deployment_env: q
            .deployment_env
            .map(|e| DeploymentEnv::parse("deploymentEnv", &e))
            .transpose()?,
        capability: q.capability,
    };
    let page = state
        .idp
        .list_agents(&caller, &filter, after, limit)
        .await?;
    Ok(axum::Json(AgentList {
        data: page.agents.into_iter().map(AgentResponse::from).collect(),
        next_cursor: page.next.map(encode_cursor),
    }))
}

/// Read one agent.
#[utoipa::path(get, path = "/v1/agents/{agentId}", tag = "agents",
    params(("agentId" = Uuid, Path, description = "Agent id")),
    security(("bearerAuth" = ["agents:read"])),
    responses(
        (status = 200, description = "The agent", body = AgentResponse),
        (status = 400, description = "Malformed id", body = ErrorBody),
        (status = 401, description = "Missing or invalid token", body = ErrorBody),
        (status = 403, description = "Missing scope", body = ErrorBody),
        (status = 404, description = "No such agent in the tenant", body = ErrorBody),
    ))]
async fn get_agent(
    State(state): State<AppState>,
    Auth(caller): Auth,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<axum::Json<AgentResponse>, ApiError> {
    let agent = state.idp.get_agent(&caller, AgentId::from_uuid(id)).await?;
    Ok(axum::Json(agent.into()))
}

/// Update an agent's mutable fields or status.
#[utoipa::path(patch, path = "/v1/agents/{agentId}", tag = "agents", request_body = UpdateAgentRequest,
    params(("agentId" = Uuid, Path, description = "Agent id")),
    security(("bearerAuth" = ["agents:write"])),
    responses(
        (status = 200, description = "The updated agent", body = AgentResponse),
        (status = 400, description = "Invalid input or an immutable field", body = ErrorBody),
        (status = 401, description = "Missing or invalid token", body = ErrorBody),
        (status = 403, description = "Missing scope or scope not grantable", body = ErrorBody),
        (status = 404, description = "No such agent in the tenant", body = ErrorBody),
        (status = 409, description = "Status change not allowed (INVALID_STATUS_TRANSITION), the agent changed meanwhile (CONCURRENT_UPDATE), or it would leave the tenant without an active agent holding agents:write (LAST_ADMIN)", body = ErrorBody),
    ))]
async fn update_agent(
    State(state): State<AppState>,
    Auth(caller): Auth,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<Map<String, Value>>,
) -> Result<axum::Json<AgentResponse>, ApiError> {
    if let Some(field) = IMMUTABLE_FIELDS.iter().find(|f| body.contains_key(**f)) {
        return Err(DomainError::ImmutableField((*field).to_owned()).into());
    }
    let patch: UpdateAgentRequest = serde_json::from_value(Value::Object(body))
        .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "VALIDATION_ERROR", e.to_string()))?;
    let agent = state
        .idp
        .update_agent(&caller, AgentId::from_uuid(id), patch.parse()?)
        .await?;
    Ok(axum::Json(agent.into()))
}

/// Decommission an agent: it stays on record, its credentials are revoked and its tokens
/// stop validating.
#[utoipa::path(delete, path = "/v1/agents/{agentId}", tag = "agents",
    params(("agentId" = Uuid, Path, description = "Agent id")),
    security(("bearerAuth" = ["agents:write"])),
    responses(
        (status = 204, description = "Decommissioned"),
        (status = 401, description = "Missing or invalid token", body = ErrorBody),
        (status = 403, description = "Missing scope", body = ErrorBody),
        (status = 404, description = "No such agent in the tenant", body = ErrorBody),
        (status = 409, description = "The tenant's last active agent holding agents:write (LAST_ADMIN), or the agent changed meanwhile (CONCURRENT_UPDATE)", body = ErrorBody),
    ))]
async fn delete_agent(
    State(state): State<AppState>,
    Auth(caller): Auth,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<StatusCode, ApiError> {
    state
        .idp
        .decommission_agent(&caller, AgentId::from_uuid(id))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
