//! `GET /v1/billing/usage`: the caller's tenant's consumption against its limits (what the
//! dashboard's usage tab shows; billing adds its subscription state here later).

use axum::extract::State;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::error::{ApiError, ErrorBody};
use super::extract::Auth;
use crate::app::AppState;
use crate::domain::time::Timestamp;
use crate::service::usage::{Metered, Usage};

/// The routes of this module.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(usage))
}

/// One metric against its limit.
#[derive(Debug, Serialize, ToSchema)]
pub struct MeteredResponse {
    /// How much is used.
    used: u64,
    /// The limit; `null` when there is none.
    limit: Option<u64>,
}

impl From<Metered> for MeteredResponse {
    fn from(m: Metered) -> Self {
        Self {
            used: m.used,
            limit: m.limit,
        }
    }
}

/// A tenant's usage this month.
#[derive(Debug, Serialize, ToSchema)]
pub struct UsageResponse {
    /// The month counted, `YYYY-MM` (UTC).
    #[schema(example = "2026-11")]
    month: String,
    /// `free` or `pro`.
    plan: String,
    /// Access tokens issued this month (other nodes' counts arrive within 5 s).
    tokens: MeteredResponse,
    /// Live (not decommissioned) agents.
    agents: MeteredResponse,
}

impl From<Usage> for UsageResponse {
    fn from(u: Usage) -> Self {
        Self {
            month: u.month,
            plan: u.plan,
            tokens: u.tokens.into(),
            agents: u.agents.into(),
        }
    }
}

/// The caller's tenant's usage this month against its plan's limits.
#[utoipa::path(get, path = "/v1/billing/usage", tag = "billing",
    security(("bearerAuth" = ["agents:read"])),
    responses(
        (status = 200, description = "Usage this month", body = UsageResponse),
        (status = 401, description = "Missing or invalid token", body = ErrorBody),
        (status = 403, description = "Missing scope", body = ErrorBody),
    ))]
async fn usage(
    State(state): State<AppState>,
    Auth(caller): Auth,
) -> Result<axum::Json<UsageResponse>, ApiError> {
    let usage = state.idp.usage(&caller, Timestamp::now()).await?;
    Ok(axum::Json(usage.into()))
}
