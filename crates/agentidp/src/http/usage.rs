//! `GET /v1/billing/usage`: the caller's tenant's consumption against its limits, its plan and
//! subscription (what the dashboard's usage tab shows).

use agentidp_proto as wire;
use axum::extract::State;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::error::{ApiError, ErrorBody};
use super::extract::Auth;
use crate::app::AppState;
use crate::domain::billing::Metric;
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

/// The caller's tenant's usage this month (per day, and today's API calls) against the
/// limits that apply, with its plan and subscription status.
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
    let usage: Usage = state.idp.usage(&caller).await?;
    let count =
        |counts: &std::collections::BTreeMap<Metric, u64>, m| counts.get(&m).copied().unwrap_or(0);
    let days = usage
        .days
        .iter()
        .map(|(date, counts)| wire::DayUsage {
            date: date.clone(),
            api_calls: count(counts, Metric::ApiCalls),
            tokens_issued: count(counts, Metric::TokensIssued),
            active_agents: count(counts, Metric::ActiveAgents),
        })
        .collect();
    Ok(axum::Json(wire::Usage {
        month: usage.month,
        plan: usage.plan,
        billing_enabled: usage.billing_enabled,
        subscription_status: usage.subscription_status,
        tokens: metered(usage.tokens),
        agents: metered(usage.agents),
        api_calls: Some(metered(usage.api_calls)),
        days,
    }))
}
