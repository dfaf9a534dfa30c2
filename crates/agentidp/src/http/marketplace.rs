//! `/v1/marketplace`: the public, active agents of every tenant, searchable without
//! authentication when `MARKETPLACE_ENABLED` is on (rate-limited per client IP like every
//! unauthenticated route).

use agentidp_proto as wire;
use axum::extract::State;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::agents::skill_body;
use super::error::{ApiError, ErrorBody};
use super::extract::{ApiPath, ApiQuery};
use super::identity::did_web;
use super::paging::{encode_cursor, page_size, position};
use crate::app::AppState;
use crate::domain::agent::Agent;
use crate::domain::did::DidWeb;
use crate::domain::ids::AgentId;
use crate::domain::marketplace::Search;
use crate::domain::time::Timestamp;

/// The routes of this module.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(search_agents))
        .routes(routes!(get_agent))
}

/// The public view of an agent: its card URL only when `has_card`.
fn listing_body(
    agent: Agent,
    publisher: String,
    web: &DidWeb,
    has_card: bool,
) -> wire::MarketplaceAgent {
    let id = agent.id;
    wire::MarketplaceAgent {
        agent_id: wire::AgentId(id.uuid()),
        did: web.agent_did(id),
        did_document_url: web.url(&format!("/agents/{id}/did.json")),
        agent_card_url: has_card.then(|| web.url(&format!("/agents/{id}/agent-card.json"))),
        name: agent.name,
        description: agent.description,
        agent_type: agent.agent_type,
        version: agent.version,
        capabilities: agent.capabilities,
        publisher,
        endpoint_url: agent.card.endpoint_url,
        documentation_url: agent.card.documentation_url,
        icon_url: agent.card.icon_url,
        skills: agent.card.skills.into_iter().map(skill_body).collect(),
        created_at: agent.created_at.to_datetime(),
        updated_at: agent.updated_at.to_datetime(),
    }
}

/// Search the public agents of every tenant (keyset pagination in registration order).
#[utoipa::path(get, path = "/v1/marketplace/agents", tag = "marketplace", params(wire::MarketplaceFilter),
    responses(
        (status = 200, description = "A page of public agents", body = wire::MarketplaceList),
        (status = 400, description = "Invalid query, filter, limit or cursor", body = ErrorBody),
        (status = 404, description = "MARKETPLACE_ENABLED is off", body = ErrorBody),
    ))]
async fn search_agents(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<wire::MarketplaceFilter>,
) -> Result<axum::Json<wire::MarketplaceList>, ApiError> {
    search(&state, q).await.map(axum::Json)
}

/// One page of a marketplace search; shared by the API and the portal's marketplace pages.
pub(crate) async fn search(
    state: &AppState,
    q: wire::MarketplaceFilter,
) -> Result<wire::MarketplaceList, ApiError> {
    let web = did_web(state)?;
    let limit = page_size(q.limit, 20)?;
    let after = position(q.cursor.as_deref(), AgentId::from_uuid)?;
    let search = Search::parse(q.q.as_deref(), q.capability, q.publisher)?;
    let page = state.idp.search_marketplace(&search, after, limit).await?;
    Ok(wire::MarketplaceList {
        data: page
            .listings
            .into_iter()
            .map(|l| {
                let has_card = crate::domain::a2a::missing_for_card(&l.agent).is_none();
                listing_body(l.agent, l.publisher, web, has_card)
            })
            .collect(),
        next_cursor: page.next.map(|id| encode_cursor(id.uuid())),
    })
}

/// A public agent's marketplace page: its public view, DID document and signed agent card.
#[utoipa::path(get, path = "/v1/marketplace/agents/{agentId}", tag = "marketplace", operation_id = "get_marketplace_agent",
    params(("agentId" = Uuid, Path, description = "Agent id")),
    responses(
        (status = 200, description = "The agent's public page", body = wire::MarketplaceAgentPage),
        (status = 400, description = "Malformed id", body = ErrorBody),
        (status = 404, description = "No such public, active agent, or MARKETPLACE_ENABLED is off", body = ErrorBody),
        (status = 410, description = "The agent was public and is now revoked or decommissioned", body = ErrorBody),
    ))]
async fn get_agent(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<axum::Json<wire::MarketplaceAgentPage>, ApiError> {
    agent_page(&state, id).await.map(axum::Json)
}

/// A public agent's page; shared by the API and the portal.
pub(crate) async fn agent_page(
    state: &AppState,
    id: Uuid,
) -> Result<wire::MarketplaceAgentPage, ApiError> {
    let web = did_web(state)?;
    let page = state
        .idp
        .marketplace_agent(AgentId::from_uuid(id), web, Timestamp::now())
        .await?;
    let has_card = page.agent_card.is_some();
    Ok(wire::MarketplaceAgentPage {
        agent: listing_body(page.public.agent, page.public.publisher, web, has_card),
        did_document: page.did_document,
        agent_card: page.agent_card,
    })
}
