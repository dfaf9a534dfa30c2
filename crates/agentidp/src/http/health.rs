//! Liveness and a dependency check of the database.

use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::AppState;

/// The routes of this module.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(health))
        .routes(routes!(health_detailed))
}

/// Liveness answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// `ok`, `degraded` or `unavailable`.
    status: &'static str,
    /// Server version.
    version: &'static str,
}

/// One dependency's state.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DependencyHealth {
    /// `healthy` or `unreachable`.
    status: &'static str,
    /// `sqlite` or `postgres`.
    backend: &'static str,
    /// Round-trip time in milliseconds.
    latency_ms: u128,
}

/// Detailed health.
#[derive(Debug, Serialize, ToSchema)]
pub struct DetailedHealth {
    /// `ok` or `unavailable`.
    status: &'static str,
    /// Server version.
    version: &'static str,
    /// The database.
    database: DependencyHealth,
}

/// Liveness: answers while the process serves HTTP; checks no dependency.
#[utoipa::path(get, path = "/health", tag = "operations", responses((status = 200, body = Health)))]
async fn health() -> axum::Json<Health> {
    axum::Json(Health {
        status: "ok",
        version: env!("CARGO_PKG_VERSION"),
    })
}

/// Readiness: checks the database within 2 s.
#[utoipa::path(get, path = "/health/detailed", tag = "operations",
    responses((status = 200, body = DetailedHealth), (status = 503, body = DetailedHealth)))]
async fn health_detailed(
    State(state): State<AppState>,
) -> (StatusCode, axum::Json<DetailedHealth>) {
    let start = std::time::Instant::now();
    let ok = matches!(
        tokio::time::timeout(std::time::Duration::from_secs(2), state.idp.db.ping()).await,
        Ok(Ok(()))
    );
    let database = DependencyHealth {
        status: if ok { "healthy" } else { "unreachable" },
        backend: state.idp.db.backend(),
        latency_ms: start.elapsed().as_millis(),
    };
    let status = if ok {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let body = DetailedHealth {
        status: if ok { "ok" } else { "unavailable" },
        version: env!("CARGO_PKG_VERSION"),
        database,
    };
    (status, axum::Json(body))
}
