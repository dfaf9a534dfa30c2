//! `POST /v1/tenants`: self-service sign-up (off unless `SIGNUP_ENABLED=true`).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::error::{ApiError, ErrorBody};
use super::extract::{ApiJson, Meta};
use crate::app::AppState;
use crate::domain::tenant::TenantAdmin;
use crate::domain::time::Timestamp;

/// The routes of this module.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(sign_up))
}

/// Body of `POST /v1/tenants`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignUpRequest {
    /// Unique tenant name: 3–63 characters of a-z, 0-9 and '-'.
    #[schema(example = "acme-robotics")]
    name: String,
}

/// The admin agent's one-time credentials.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AdminCredentials {
    agent_id: Uuid,
    client_id: Uuid,
    credential_id: Uuid,
    /// Shown once; store it now.
    client_secret: String,
    scopes: Vec<String>,
}

/// A new tenant with its administrator.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TenantCreated {
    tenant_id: Uuid,
    name: String,
    plan: String,
    #[schema(value_type = String, format = DateTime)]
    created_at: Timestamp,
    admin: AdminCredentials,
}

impl From<TenantAdmin> for TenantCreated {
    fn from(t: TenantAdmin) -> Self {
        Self {
            tenant_id: t.tenant.id.uuid(),
            name: t.tenant.name,
            plan: t.tenant.plan,
            created_at: t.tenant.created_at,
            admin: AdminCredentials {
                agent_id: t.admin.id.uuid(),
                client_id: t.admin.id.uuid(),
                credential_id: t.credential_id.uuid(),
                client_secret: t.secret.expose().to_owned(),
                scopes: t.admin.allowed_scopes.to_vec(),
            },
        }
    }
}

/// Sign up: create a tenant and its admin agent.
#[utoipa::path(post, path = "/v1/tenants", tag = "tenants", request_body = SignUpRequest,
    responses(
        (status = 201, description = "Created; the admin secret is in this response only", body = TenantCreated),
        (status = 400, description = "Invalid name", body = ErrorBody),
        (status = 403, description = "Sign-up is disabled", body = ErrorBody),
        (status = 409, description = "Name taken", body = ErrorBody),
    ))]
async fn sign_up(
    State(state): State<AppState>,
    Meta(meta): Meta,
    ApiJson(body): ApiJson<SignUpRequest>,
) -> Result<impl IntoResponse, ApiError> {
    let created = state.idp.sign_up(&body.name, &meta).await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(TenantCreated::from(created)),
    ))
}
