//! The HTTP surface: one module per area; handlers parse, call the domain, shape the response.

pub mod agents;
pub mod audit;
mod billing;
mod client_auth;
pub mod credentials;
pub mod error;
pub mod extract;
mod federation;
pub mod health;
mod identity;
pub mod limits;
mod marketplace;
pub mod metrics;
pub mod oauth;
pub mod openapi;
pub mod ops;
mod paging;
pub mod portal;
pub mod serve;
pub mod tenants;
mod token_exchange;
pub mod usage;
pub mod well_known;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::middleware::from_fn_with_state;
use std::time::Duration;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;
use utoipa::openapi::OpenApi as OpenApiDoc;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_swagger_ui::{Config, SwaggerUi};

use crate::app::AppState;
use error::ApiError;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "AgentIdP",
        description = "Identity provider for AI agents: agent registry, rotating client credentials and \
                       OAuth 2.0 client-credentials tokens (RFC 9068 JWTs) verifiable offline via the JWKS.",
        license(name = "Apache-2.0"),
    ),
    modifiers(&SecuritySchemes),
    tags(
        (name = "agents", description = "Agent registry"),
        (name = "credentials", description = "Client secrets and public keys of an agent"),
        (name = "federation", description = "Trust policies: workloads of an OIDC issuer acting as an agent without a secret"),
        (name = "audit", description = "Tamper-evident audit log"),
        (name = "oauth2", description = "Token, introspection and revocation endpoints"),
        (name = "discovery", description = "JWKS and server metadata"),
        (name = "identity", description = "DID documents and agent cards of public agents (MARKETPLACE_ENABLED)"),
        (name = "marketplace", description = "Search of public agents across tenants (MARKETPLACE_ENABLED)"),
        (name = "tenants", description = "Self-service sign-up"),
        (name = "billing", description = "Usage against the plan's limits"),
        (name = "operations", description = "Health and metrics"),
    )
)]
struct ApiDoc;

struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut OpenApiDoc) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearerAuth",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
        components.add_security_scheme(
            "clientBasic",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Basic).build()),
        );
    }
}

/// Every documented route; `/metrics` only when it is served on the API listener.
fn api(with_metrics: bool) -> OpenApiRouter<AppState> {
    let api = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(agents::routes())
        .merge(credentials::routes())
        .merge(federation::routes())
        .merge(audit::routes())
        .merge(oauth::routes())
        .merge(well_known::routes())
        .merge(identity::routes())
        .merge(marketplace::routes())
        .merge(tenants::routes())
        .merge(usage::routes())
        .merge(billing::routes())
        .merge(health::routes());
    if with_metrics {
        api.merge(metrics::routes())
    } else {
        api
    }
}

/// The generated OpenAPI document (served at `/openapi.json`, committed as docs/openapi.json).
pub fn openapi() -> OpenApiDoc {
    let mut doc = api(true).into_openapi();
    openapi::add_error_responses(&mut doc);
    doc
}

async fn not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "NOT_FOUND", "no such endpoint")
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "METHOD_NOT_ALLOWED",
        "method not allowed on this endpoint",
    )
}

/// The complete router with its state and the operational layers, outermost first:
/// request id, tracing, metrics, CORS, security headers, error shaping, timeout, body limit,
/// rate limit.
pub fn router(state: AppState) -> Router {
    let config = &state.config;
    let max_body = config.max_body_bytes;
    let timeout = Duration::from_millis(config.request_timeout_ms.max(1));
    let (router, mut doc) = api(config.metrics_bind_addr.is_none()).split_for_parts();
    openapi::add_error_responses(&mut doc);
    let router = router
        .merge(
            SwaggerUi::new("/api-docs")
                .url("/openapi.json", doc)
                .config(Config::from("/openapi.json").persist_authorization(true)),
        )
        .merge(portal::routes())
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(from_fn_with_state(state.clone(), limits::rate_limit))
        .layer(DefaultBodyLimit::max(max_body))
        .layer(RequestBodyLimitLayer::new(max_body))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            timeout,
        ))
        .layer(axum::middleware::from_fn(ops::shape_errors))
        .layer(from_fn_with_state(state.clone(), ops::security_headers));
    let router = match ops::cors(&config.cors_allowed_origins) {
        Some(cors) => router.layer(cors),
        None => router,
    };
    router
        .layer(from_fn_with_state(state.clone(), ops::track))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(TraceLayer::new_for_http().make_span_with(request_span))
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .with_state(state)
}

/// The router of the separate metrics listener (`METRICS_BIND_ADDR`).
pub fn metrics_router(state: AppState) -> Router {
    Router::new()
        .route("/metrics", axum::routing::get(metrics::metrics))
        .with_state(state)
}

/// One span per request, carrying its id so every log line of the request can be correlated.
/// Only method and path are recorded: headers (Authorization) and query strings never are.
fn request_span(req: &axum::http::Request<axum::body::Body>) -> tracing::Span {
    let id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    tracing::info_span!("request", method = %req.method(), path = %req.uri().path(), request_id = %id)
}
