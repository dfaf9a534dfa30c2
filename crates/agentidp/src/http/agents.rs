//! `/v1/agents`: register, list, read, update and decommission agents.

use agentidp_proto as wire;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde_json::{Map, Value};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::error::{ApiError, ErrorBody};
use super::extract::{ApiJson, ApiPath, ApiQuery, Auth};
use super::paging::{encode_cursor, page_size, position};
use crate::app::AppState;
use crate::domain::DomainError;
use crate::domain::agent::{
    self, Agent, AgentFilter, AgentPatch, AgentStatus, DeploymentEnv, Email, IMMUTABLE_FIELDS,
    NewAgent,
};
use crate::domain::card::{self, CardFields, CardPatch, Skill};
use crate::domain::delegation::AllowedActors;
use crate::domain::ids::AgentId;
use crate::domain::scope::ScopeSet;
use crate::domain::time::Timestamp;

/// The routes of this module.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_agent, list_agents))
        .routes(routes!(get_agent, update_agent, delete_agent))
}

/// Validates a registration body into the domain's new agent.
fn new_agent(body: wire::NewAgent) -> Result<NewAgent, DomainError> {
    Ok(NewAgent {
        email: Email::parse(&body.email)?,
        name: agent::parse_name(body.name)?,
        description: agent::parse_description(body.description)?,
        agent_type: agent::parse_agent_type(body.agent_type)?,
        version: agent::parse_version(&body.version)?,
        capabilities: agent::parse_capabilities(body.capabilities)?,
        owner: agent::parse_owner(body.owner)?,
        deployment_env: DeploymentEnv::parse("deploymentEnv", body.deployment_env.as_str())?,
        is_public: body.is_public,
        metadata: agent::parse_metadata(body.metadata.unwrap_or(Value::Object(Map::new())))?,
        allowed_scopes: ScopeSet::from_list(&body.allowed_scopes)?,
        allowed_actors: AllowedActors::parse(&body.allowed_actors)?,
        card: CardFields {
            endpoint_url: url("endpointUrl", body.endpoint_url)?.flatten(),
            documentation_url: url("documentationUrl", body.documentation_url)?.flatten(),
            icon_url: url("iconUrl", body.icon_url)?.flatten(),
            skills: card::parse_skills(body.skills.into_iter().map(skill).collect())?,
        },
    })
}

fn url(field: &'static str, url: Option<String>) -> Result<Option<Option<String>>, DomainError> {
    url.map(|u| card::parse_url(field, u)).transpose()
}

fn skill(s: wire::AgentSkill) -> Skill {
    Skill {
        id: s.id,
        name: s.name,
        description: s.description,
        tags: s.tags,
        examples: s.examples,
    }
}

/// Validates an update body into the domain's patch.
fn agent_patch(body: wire::AgentUpdate) -> Result<AgentPatch, DomainError> {
    Ok(AgentPatch {
        name: body.name.map(agent::parse_name).transpose()?,
        description: body.description.map(agent::parse_description).transpose()?,
        agent_type: body.agent_type.map(agent::parse_agent_type).transpose()?,
        version: body
            .version
            .as_deref()
            .map(agent::parse_version)
            .transpose()?,
        capabilities: body
            .capabilities
            .map(agent::parse_capabilities)
            .transpose()?,
        owner: body.owner.map(agent::parse_owner).transpose()?,
        deployment_env: body
            .deployment_env
            .map(|e| DeploymentEnv::parse("deploymentEnv", e.as_str()))
            .transpose()?,
        status: body
            .status
            .map(|s| AgentStatus::parse("status", s.as_str()))
            .transpose()?,
        is_public: body.is_public,
        metadata: body.metadata.map(agent::parse_metadata).transpose()?,
        allowed_scopes: body
            .allowed_scopes
            .map(|s| ScopeSet::from_list(&s))
            .transpose()?,
        allowed_actors: body
            .allowed_actors
            .map(|a| AllowedActors::parse(&a))
            .transpose()?,
        card: CardPatch {
            endpoint_url: url("endpointUrl", body.endpoint_url)?,
            documentation_url: url("documentationUrl", body.documentation_url)?,
            icon_url: url("iconUrl", body.icon_url)?,
            skills: body
                .skills
                .map(|s| card::parse_skills(s.into_iter().map(skill).collect()))
                .transpose()?,
        },
    })
}

/// An agent as the API shows it.
pub(crate) fn agent_body(a: Agent) -> wire::Agent {
    wire::Agent {
        agent_id: wire::AgentId(a.id.uuid()),
        tenant_id: wire::TenantId(a.tenant_id.uuid()),
        allowed_scopes: a.allowed_scopes.to_vec(),
        allowed_actors: a
            .allowed_actors
            .ids()
            .iter()
            .map(|id| wire::AgentId(id.uuid()))
            .collect(),
        deployment_env: a.deployment_env.as_str().into(),
        status: a.status.as_str().into(),
        email: a.email,
        name: a.name,
        description: a.description,
        agent_type: a.agent_type,
        version: a.version,
        capabilities: a.capabilities,
        owner: a.owner,
        is_public: a.is_public,
        metadata: a.metadata,
        created_at: a.created_at.to_datetime(),
        updated_at: a.updated_at.to_datetime(),
        last_auth_at: a.last_auth_at.map(Timestamp::to_datetime),
        endpoint_url: a.card.endpoint_url,
        documentation_url: a.card.documentation_url,
        icon_url: a.card.icon_url,
        skills: a.card.skills.into_iter().map(skill_body).collect(),
    }
}

/// A skill as the API shows it.
pub(crate) fn skill_body(s: Skill) -> wire::AgentSkill {
    wire::AgentSkill {
        id: s.id,
        name: s.name,
        description: s.description,
        tags: s.tags,
        examples: s.examples,
    }
}

/// Register an agent.
#[utoipa::path(post, path = "/v1/agents", tag = "agents", request_body = wire::NewAgent,
    security(("bearerAuth" = ["agents:write"])),
    responses(
        (status = 201, description = "Registered", body = wire::Agent),
        (status = 400, description = "Invalid input", body = ErrorBody),
        (status = 401, description = "Missing or invalid token", body = ErrorBody),
        (status = 403, description = "Missing scope, scope not grantable or agent limit reached", body = ErrorBody),
        (status = 409, description = "E-mail already used in the tenant", body = ErrorBody),
    ))]
async fn create_agent(
    State(state): State<AppState>,
    Auth(caller): Auth,
    ApiJson(body): ApiJson<wire::NewAgent>,
) -> Result<impl IntoResponse, ApiError> {
    let agent = state.idp.create_agent(&caller, new_agent(body)?).await?;
    Ok((StatusCode::CREATED, axum::Json(agent_body(agent))))
}

/// List the tenant's agents (keyset pagination in creation order).
#[utoipa::path(get, path = "/v1/agents", tag = "agents", params(wire::AgentFilter),
    security(("bearerAuth" = ["agents:read"])),
    responses(
        (status = 200, description = "A page of agents", body = wire::AgentList),
        (status = 400, description = "Invalid filter, limit or cursor", body = ErrorBody),
        (status = 401, description = "Missing or invalid token", body = ErrorBody),
        (status = 403, description = "Missing scope", body = ErrorBody),
    ))]
async fn list_agents(
    State(state): State<AppState>,
    Auth(caller): Auth,
    ApiQuery(q): ApiQuery<wire::AgentFilter>,
) -> Result<axum::Json<wire::AgentList>, ApiError> {
    let limit = page_size(q.limit, 20)?;
    let after = position(q.cursor.as_deref(), AgentId::from_uuid)?;
    let filter = AgentFilter {
        status: q
            .status
            .map(|s| AgentStatus::parse("status", s.as_str()))
            .transpose()?,
        agent_type: q.agent_type,
        owner: q.owner,
        deployment_env: q
            .deployment_env
            .map(|e| DeploymentEnv::parse("deploymentEnv", e.as_str()))
            .transpose()?,
        capability: q.capability,
    };
    let page = state
        .idp
        .list_agents(&caller, &filter, after, limit)
        .await?;
    Ok(axum::Json(wire::AgentList {
        data: page.agents.into_iter().map(agent_body).collect(),
        next_cursor: page.next.map(|id| encode_cursor(id.uuid())),
    }))
}

/// Read one agent.
#[utoipa::path(get, path = "/v1/agents/{agentId}", tag = "agents",
    params(("agentId" = Uuid, Path, description = "Agent id")),
    security(("bearerAuth" = ["agents:read"])),
    responses(
        (status = 200, description = "The agent", body = wire::Agent),
        (status = 400, description = "Malformed id", body = ErrorBody),
        (status = 401, description = "Missing or invalid token", body = ErrorBody),
        (status = 403, description = "Missing scope", body = ErrorBody),
        (status = 404, description = "No such agent in the tenant", body = ErrorBody),
    ))]
async fn get_agent(
    State(state): State<AppState>,
    Auth(caller): Auth,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<axum::Json<wire::Agent>, ApiError> {
    let agent = state.idp.get_agent(&caller, AgentId::from_uuid(id)).await?;
    Ok(axum::Json(agent_body(agent)))
}

/// Update an agent's mutable fields or status.
#[utoipa::path(patch, path = "/v1/agents/{agentId}", tag = "agents", request_body = wire::AgentUpdate,
    params(("agentId" = Uuid, Path, description = "Agent id")),
    security(("bearerAuth" = ["agents:write"])),
    responses(
        (status = 200, description = "The updated agent", body = wire::Agent),
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
) -> Result<axum::Json<wire::Agent>, ApiError> {
    if let Some(field) = IMMUTABLE_FIELDS.iter().find(|f| body.contains_key(**f)) {
        return Err(DomainError::ImmutableField((*field).to_owned()).into());
    }
    let patch: wire::AgentUpdate = serde_json::from_value(Value::Object(body))
        .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "VALIDATION_ERROR", e.to_string()))?;
    let agent = state
        .idp
        .update_agent(&caller, AgentId::from_uuid(id), agent_patch(patch)?)
        .await?;
    Ok(axum::Json(agent_body(agent)))
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
