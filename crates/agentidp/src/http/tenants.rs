//! `POST /v1/tenants`: self-service sign-up (off unless `SIGNUP_ENABLED=true`).

use agentidp_proto as wire;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::error::{ApiError, ErrorBody};
use super::extract::{ApiJson, Meta};
use crate::app::AppState;
use crate::domain::tenant::TenantAdmin;

/// The routes of this module.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(sign_up))
}

/// A new tenant with its administrator's one-time credentials.
fn tenant_created(t: TenantAdmin) -> wire::TenantCreated {
    wire::TenantCreated {
        tenant_id: wire::TenantId(t.tenant.id.uuid()),
        name: t.tenant.name,
        plan: t.tenant.plan,
        created_at: t.tenant.created_at.to_datetime(),
        admin: wire::TenantAdmin {
            agent_id: wire::AgentId(t.admin.id.uuid()),
            client_id: wire::AgentId(t.admin.id.uuid()),
            credential_id: wire::CredentialId(t.credential_id.uuid()),
            client_secret: t.secret.expose().into(),
            scopes: t.admin.allowed_scopes.to_vec(),
        },
    }
}

/// Sign up: create a tenant and its admin agent.
#[utoipa::path(post, path = "/v1/tenants", tag = "tenants", request_body = wire::SignUpRequest,
    responses(
        (status = 201, description = "Created; the admin secret is in this response only", body = wire::TenantCreated),
        (status = 400, description = "Invalid name", body = ErrorBody),
        (status = 403, description = "Sign-up is disabled", body = ErrorBody),
        (status = 409, description = "Name taken", body = ErrorBody),
    ))]
async fn sign_up(
    State(state): State<AppState>,
    Meta(meta): Meta,
    ApiJson(body): ApiJson<wire::SignUpRequest>,
) -> Result<impl IntoResponse, ApiError> {
    let created = state.idp.sign_up(&body.name, &meta).await?;
    Ok((StatusCode::CREATED, axum::Json(tenant_created(created))))
}
