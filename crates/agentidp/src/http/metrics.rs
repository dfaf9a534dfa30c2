//! `GET /metrics`: the Prometheus exposition, optionally behind a bearer token or served on
//! its own listener (`METRICS_BIND_ADDR`).

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use secrecy::ExposeSecret;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::error::ApiError;
use super::extract::bearer_token;
use crate::app::AppState;
use crate::infra::metrics::{CONTENT_TYPE, Snapshot};

/// How long a scrape waits for the database's answer before reporting it down.
const DATABASE_PING_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(2);

/// The routes of this module.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(metrics))
}

/// Prometheus metrics (OpenMetrics text format 1.0.0).
#[utoipa::path(get, path = "/metrics", tag = "operations",
    security((), ("bearerAuth" = [])),
    responses(
        (status = 200, description = "Prometheus text format", content_type = "application/openmetrics-text", body = String),
        (status = 401, description = "METRICS_TOKEN is set and the bearer token does not match", body = super::error::ErrorBody),
    ))]
pub async fn metrics(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Some(expected) = state.config.metrics_token() {
        let given = bearer_token(&headers).unwrap_or("");
        let matches = aws_lc_rs::constant_time::verify_slices_are_equal(
            given.as_bytes(),
            expected.expose_secret().as_bytes(),
        )
        .is_ok();
        if !matches {
            return ApiError::new(
                StatusCode::UNAUTHORIZED,
                "INVALID_TOKEN",
                "GET /metrics needs the configured metrics bearer token",
            )
            .into_response();
        }
    }
    // A bounded ping, so a hung database shows as down instead of stalling the scrape.
    let database_up = tokio::time::timeout(DATABASE_PING_TIMEOUT, state.idp.db.ping())
        .await
        .is_ok_and(|ping| ping.is_ok());
    let pool = state.idp.db.pool_stats();
    let watch = state.idp.chain_watch.status();
    let body = state.metrics.render(&Snapshot {
        pool_active: pool.active,
        pool_idle: pool.idle,
        pool_waiting: pool.waiting,
        chains_broken: watch.broken,
        chains_verified_at: watch.finished_at.map_or(0, |t| t.unix_seconds()),
        redis_up: state.redis.as_ref().map(|r| r.is_up()),
        database_up,
    });
    let mut response = body.into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
    response
}
