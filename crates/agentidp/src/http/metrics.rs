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
use crate::infra::metrics::Gauge;

/// The routes of this module.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(metrics))
}

/// Prometheus metrics (text exposition format 0.0.4).
#[utoipa::path(get, path = "/metrics", tag = "operations",
    security((), ("bearerAuth" = [])),
    responses(
        (status = 200, description = "Prometheus text format", content_type = "text/plain", body = String),
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
    let pool = state.idp.db.pool_stats();
    let count = |n: usize| f64::from(u32::try_from(n).unwrap_or(u32::MAX));
    let mut gauges = vec![
        Gauge {
            name: "agentidp_db_pool_active_connections",
            help: "Database connections executing a statement or holding a transaction.",
            value: count(pool.active),
        },
        Gauge {
            name: "agentidp_db_pool_idle_connections",
            help: "Open idle database connections.",
            value: count(pool.idle),
        },
        Gauge {
            name: "agentidp_db_pool_waiting_requests",
            help: "Store operations waiting for a database connection.",
            value: count(pool.waiting),
        },
    ];
    let watch = state.idp.chain_watch.status();
    gauges.push(Gauge {
        name: "agentidp_audit_chains_broken",
        help: "Audit chains the last periodic verification found broken (AUDIT_VERIFY_INTERVAL_SECS).",
        value: count(watch.broken),
    });
    gauges.push(Gauge {
        name: "agentidp_audit_chains_verified_timestamp_seconds",
        help: "Unix time the last periodic verification of the audit chains finished; 0 before the first.",
        #[expect(clippy::cast_precision_loss, reason = "Unix seconds fit a double exactly")]
        value: watch.finished_at.map_or(0.0, |t| t.unix_seconds() as f64),
    });
    if let Some(redis) = &state.redis {
        gauges.push(Gauge {
            name: "agentidp_redis_up",
            help: "1 while shared state goes through Redis, 0 while falling back to in-process state.",
            value: if redis.is_up() { 1.0 } else { 0.0 },
        });
    }
    let body = state.metrics.render(&gauges);
    let mut response = body.into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    response
}
