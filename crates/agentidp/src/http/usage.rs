//! `GET /v1/billing/usage`: the caller's tenant's consumption against its limits (what the
//! dashboard's usage tab shows; billing adds its subscription state here later).

use agentidp_proto as wire;
use axum::extract::State;
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

fn metered(m: Metered) -> wire::Metered {
    wire::Metered {
        used: m.used,
        limit: m.limit,
    }
}

/// The caller's tenant's usage this month against its plan's limits.
#[utoipa::path(get, path = "/v1/billing/usage", tag = "billing",
    security(("bearerAuth" = ["agents:read"])),
    responses(
        (status = 200, description = "Usage this month", body = wire::Usage),
        (status = 401, description = "Missing or invalid token", body = ErrorBody),
        (status = 403, description = "Missing scope", body = ErrorBody),
    ))]
async fn usage(
    State(state): State<AppState>,
    Auth(caller): Auth,
) -> Result<axum::Json<wire::Usage>, ApiError> {
    let usage: Usage = state.idp.usage(&caller, Timestamp::now()).await?;
    Ok(axum::Json(wire::Usage {
        month: usage.month,
        plan: usage.plan,
        tokens: metered(usage.tokens),
        agents: metered(usage.agents),
    }))
}
