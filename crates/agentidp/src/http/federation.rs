//! `/v1/oidc/trust-policies`: the policies that let workloads of an OIDC issuer (GitHub
//! Actions, GitLab CI, Kubernetes) act as one of the tenant's agents without a secret.

use agentidp_proto as wire;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use secrecy::ExposeSecret as _;
use serde_json::{Map, Value};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::error::{ApiError, ErrorBody};
use super::extract::{ApiJson, ApiPath, ApiQuery, Auth, Meta};
use super::oauth::token_response;
use super::paging::{encode_cursor, page_size, position};
use crate::app::AppState;
use crate::domain::federation::{
    ClaimRules, GITHUB_ISSUER, GithubShorthand, PolicyDraft, PolicyPatch, TrustPolicy, parse_issuer,
};
use crate::domain::ids::{AgentId, TrustPolicyId};
use crate::domain::scope::ScopeSet;
use crate::domain::token::Resource;
use crate::service::federation::ExchangeRequest;

/// The routes of this module.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_policy, list_policies))
        .routes(routes!(get_policy, update_policy, delete_policy))
        .routes(routes!(workload_token))
}

/// A policy as the API shows it.
fn policy_body(p: TrustPolicy) -> wire::TrustPolicy {
    wire::TrustPolicy {
        policy_id: wire::TrustPolicyId(p.id.uuid()),
        tenant_id: wire::TenantId(p.tenant_id.uuid()),
        agent_id: wire::AgentId(p.agent_id.uuid()),
        claims: p.rules.claims.to_json(),
        scopes: p.rules.scopes.to_vec(),
        max_token_ttl_seconds: p.rules.max_token_ttl_seconds,
        issuer: p.rules.issuer,
        audience: p.rules.audience,
        subject: p.rules.subject,
        description: p.description,
        created_at: p.created_at.to_datetime(),
        updated_at: p.updated_at.to_datetime(),
    }
}

fn scopes(list: Option<Vec<String>>) -> Result<Option<ScopeSet>, ApiError> {
    list.map(|l| ScopeSet::from_list(&l))
        .transpose()
        .map_err(|e| ApiError::validation("scopes", format!("scopes: {e}")))
}

fn claims(map: Option<&Map<String, Value>>) -> Result<ClaimRules, ApiError> {
    Ok(ClaimRules::parse(map.unwrap_or(&Map::new()))?)
}

/// The policy a creation body describes: a generic one, or the GitHub shorthand.
fn draft(state: &AppState, b: wire::NewTrustPolicy) -> Result<PolicyDraft, ApiError> {
    let shorthand_used = b.repository.is_some()
        || b.branch.is_some()
        || b.environment.is_some()
        || b.repository_id.is_some()
        || b.repository_owner_id.is_some()
        || b.events.is_some();
    let (issuer, audience, claims) = match b.provider.as_deref() {
        Some("github") => {
            if b.issuer.as_deref().is_some_and(|i| i != GITHUB_ISSUER) {
                return Err(ApiError::validation(
                    "issuer",
                    format!("issuer: the github provider's issuer is {GITHUB_ISSUER}"),
                ));
            }
            let repository = b.repository.ok_or_else(|| {
                ApiError::validation("repository", "repository: required (owner/repo)")
            })?;
            let shorthand = GithubShorthand {
                repository,
                branch: b.branch,
                environment: b.environment,
                repository_id: b.repository_id,
                repository_owner_id: b.repository_owner_id,
                events: b.events.unwrap_or_default(),
            };
            let mut pinned = shorthand.claims()?;
            pinned.extend(claims(b.claims.as_ref())?);
            let audience = b.audience.unwrap_or_else(|| state.config.issuer());
            (GITHUB_ISSUER.to_owned(), audience, pinned)
        }
        Some(other) => {
            return Err(ApiError::validation(
                "provider",
                format!(
                    "provider: {other:?} is not known; use github, or omit it and give the issuer"
                ),
            ));
        }
        None if shorthand_used => {
            return Err(ApiError::validation(
                "provider",
                "provider: repository, branch, environment, repositoryId, repositoryOwnerId and \
                 events are the GitHub shorthand; set \"provider\": \"github\"",
            ));
        }
        None => {
            let issuer = b
                .issuer
                .ok_or_else(|| ApiError::validation("issuer", "issuer: required"))?;
            let issuer = parse_issuer(&issuer, &state.config.federation_insecure_issuers)?;
            let audience = b
                .audience
                .ok_or_else(|| ApiError::validation("audience", "audience: required"))?;
            (issuer, audience, claims(b.claims.as_ref())?)
        }
    };
    Ok(PolicyDraft {
        issuer,
        audience,
        subject: b.subject,
        claims,
        scopes: scopes(b.scopes)?,
        max_token_ttl_seconds: b.max_token_ttl_seconds,
        description: b.description.unwrap_or_default(),
    })
}

/// Exchange a workload's identity token (GitHub Actions, GitLab CI, Kubernetes, any OIDC
/// issuer a trust policy names) for an access token of the agent the policy names; the same
/// exchange as RFC 8693 at `/oauth2/token`, with REST errors naming the claims that did not
/// match.
#[utoipa::path(post, path = "/oidc/token", tag = "federation",
    request_body = wire::WorkloadTokenRequest,
    responses(
        (status = 200, description = "Token issued (RFC 8693 §2.2)", body = wire::TokenResponse),
        (status = 400, description = "Malformed, badly signed, expired or replayed token (INVALID_SUBJECT_TOKEN), invalid scope or audience, or policies of several agents match (AMBIGUOUS_TRUST_POLICY)", body = ErrorBody),
        (status = 403, description = "No trust policy admits the token (TRUST_POLICY_MISMATCH, details.claims names what did not match)", body = ErrorBody),
        (status = 409, description = "The policy's agent is not active", body = ErrorBody),
        (status = 429, description = "The tenant's monthly token quota is used up, or too many requests", body = ErrorBody),
        (status = 503, description = "The issuer's keys could not be fetched (ISSUER_UNAVAILABLE)", body = ErrorBody),
    ))]
async fn workload_token(
    State(state): State<AppState>,
    Meta(meta): Meta,
    ApiJson(b): ApiJson<wire::WorkloadTokenRequest>,
) -> Result<Response, ApiError> {
    let scope = b
        .scope
        .as_deref()
        .map(ScopeSet::parse)
        .transpose()
        .map_err(|e| ApiError::validation("scope", format!("scope: {e}")))?;
    let audience = b
        .audience
        .as_deref()
        .map(Resource::parse)
        .transpose()
        .map_err(|why| ApiError::validation("audience", format!("audience: {why}")))?;
    let request = ExchangeRequest {
        subject_token: b.token.expose_secret().to_owned(),
        agent: b.agent_id.map(|a| AgentId::from_uuid(a.0)),
        scope,
        audience,
    };
    let issued = state.idp.exchange_workload_token(request, &meta).await?;
    Ok(token_response(issued, true))
}

/// Create a trust policy: a workload whose identity token matches acts as the agent.
#[utoipa::path(post, path = "/v1/oidc/trust-policies", tag = "federation",
    request_body = wire::NewTrustPolicy,
    security(("bearerAuth" = ["federation:write"])),
    responses(
        (status = 201, description = "Created", body = wire::TrustPolicy),
        (status = 400, description = "Invalid policy", body = ErrorBody),
        (status = 401, description = "Missing or invalid token", body = ErrorBody),
        (status = 403, description = "Missing scope, or the agent holds a management scope the caller does not", body = ErrorBody),
        (status = 404, description = "No such agent in the tenant", body = ErrorBody),
        (status = 409, description = "The agent is revoked or decommissioned", body = ErrorBody),
    ))]
async fn create_policy(
    State(state): State<AppState>,
    Auth(caller): Auth,
    ApiJson(body): ApiJson<wire::NewTrustPolicy>,
) -> Result<impl IntoResponse, ApiError> {
    let agent = AgentId::from_uuid(body.agent_id.0);
    let draft = draft(&state, body)?;
    let policy = state.idp.create_trust_policy(&caller, agent, draft).await?;
    Ok((StatusCode::CREATED, axum::Json(policy_body(policy))))
}

/// List the tenant's trust policies (of one agent, with `agentId`), oldest first.
#[utoipa::path(get, path = "/v1/oidc/trust-policies", tag = "federation",
    params(wire::TrustPolicyFilter),
    security(("bearerAuth" = ["federation:read"])),
    responses(
        (status = 200, description = "A page of policies", body = wire::TrustPolicyList),
        (status = 400, description = "Invalid filter, limit or cursor", body = ErrorBody),
        (status = 401, description = "Missing or invalid token", body = ErrorBody),
        (status = 403, description = "Missing scope", body = ErrorBody),
    ))]
async fn list_policies(
    State(state): State<AppState>,
    Auth(caller): Auth,
    ApiQuery(q): ApiQuery<wire::TrustPolicyFilter>,
) -> Result<axum::Json<wire::TrustPolicyList>, ApiError> {
    let limit = page_size(q.limit, 20)?;
    let after = position(q.cursor.as_deref(), TrustPolicyId::from_uuid)?;
    let agent = q.agent_id.map(|a| AgentId::from_uuid(a.0));
    let page = state
        .idp
        .list_trust_policies(&caller, agent, after, limit)
        .await?;
    Ok(axum::Json(wire::TrustPolicyList {
        data: page.policies.into_iter().map(policy_body).collect(),
        next_cursor: page.next.map(|id| encode_cursor(id.uuid())),
    }))
}

/// Read one trust policy.
#[utoipa::path(get, path = "/v1/oidc/trust-policies/{policyId}", tag = "federation",
    params(("policyId" = Uuid, Path, description = "Trust policy id")),
    security(("bearerAuth" = ["federation:read"])),
    responses(
        (status = 200, description = "The policy", body = wire::TrustPolicy),
        (status = 401, description = "Missing or invalid token", body = ErrorBody),
        (status = 403, description = "Missing scope", body = ErrorBody),
        (status = 404, description = "No such policy in the tenant", body = ErrorBody),
    ))]
async fn get_policy(
    State(state): State<AppState>,
    Auth(caller): Auth,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<axum::Json<wire::TrustPolicy>, ApiError> {
    let policy = state
        .idp
        .trust_policy(&caller, TrustPolicyId::from_uuid(id))
        .await?;
    Ok(axum::Json(policy_body(policy)))
}

/// Change a trust policy: audience, subject, claims, scopes, lifetime or description.
#[utoipa::path(patch, path = "/v1/oidc/trust-policies/{policyId}", tag = "federation",
    params(("policyId" = Uuid, Path, description = "Trust policy id")),
    request_body = wire::TrustPolicyUpdate,
    security(("bearerAuth" = ["federation:write"])),
    responses(
        (status = 200, description = "The changed policy", body = wire::TrustPolicy),
        (status = 400, description = "Invalid change", body = ErrorBody),
        (status = 401, description = "Missing or invalid token", body = ErrorBody),
        (status = 403, description = "Missing scope", body = ErrorBody),
        (status = 404, description = "No such policy in the tenant", body = ErrorBody),
        (status = 409, description = "The policy changed meanwhile, or its agent is retired", body = ErrorBody),
    ))]
async fn update_policy(
    State(state): State<AppState>,
    Auth(caller): Auth,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(b): ApiJson<wire::TrustPolicyUpdate>,
) -> Result<axum::Json<wire::TrustPolicy>, ApiError> {
    let patch = PolicyPatch {
        audience: b.audience,
        subject: b.subject.map(|s| Some(s).filter(|s| !s.is_empty())),
        claims: b.claims.as_ref().map(|c| claims(Some(c))).transpose()?,
        scopes: scopes(b.scopes)?,
        max_token_ttl_seconds: b.max_token_ttl_seconds,
        description: b.description,
    };
    let policy = state
        .idp
        .update_trust_policy(&caller, TrustPolicyId::from_uuid(id), patch)
        .await?;
    Ok(axum::Json(policy_body(policy)))
}

/// Delete a trust policy: its workloads get no new tokens.
#[utoipa::path(delete, path = "/v1/oidc/trust-policies/{policyId}", tag = "federation",
    params(("policyId" = Uuid, Path, description = "Trust policy id")),
    security(("bearerAuth" = ["federation:write"])),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "Missing or invalid token", body = ErrorBody),
        (status = 403, description = "Missing scope", body = ErrorBody),
        (status = 404, description = "No such policy in the tenant", body = ErrorBody),
    ))]
async fn delete_policy(
    State(state): State<AppState>,
    Auth(caller): Auth,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<StatusCode, ApiError> {
    state
        .idp
        .delete_trust_policy(&caller, TrustPolicyId::from_uuid(id))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
