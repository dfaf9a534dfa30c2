//! The HTTP surface: one module per area; handlers parse, call the domain, shape the response.

pub mod agents;
pub mod audit;
pub mod credentials;
pub mod error;
pub mod extract;
pub mod health;
pub mod oauth;
pub mod tenants;
pub mod well_known;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::trace::TraceLayer;
use utoipa::openapi::OpenApi as OpenApiDoc;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_swagger_ui::SwaggerUi;

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
        (name = "credentials", description = "Client secrets of an agent"),
        (name = "audit", description = "Tamper-evident audit log"),
        (name = "oauth2", description = "Token, introspection and revocation endpoints"),
        (name = "discovery", description = "JWKS and server metadata"),
        (name = "tenants", description = "Self-service sign-up"),
        (name = "operations", description = "Health"),
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

fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(agents::routes())
        .merge(credentials::routes())
        .merge(audit::routes())
        .merge(oauth::routes())
        .merge(well_known::routes())
        .merge(tenants::routes())
        .merge(health::routes())
}

/// The generated OpenAPI document (served at `/openapi.json`, committed as docs/openapi.json).
pub fn openapi() -> OpenApiDoc {
    api().into_openapi()
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

/// Turns the body-limit layer's plain-text 413 into the REST error shape.
async fn shape_payload_too_large(response: Response) -> Response {
    if response.status() == StatusCode::PAYLOAD_TOO_LARGE
        && !response
            .headers()
            .get("content-type")
            .is_some_and(|v| v.as_bytes().starts_with(b"application/json"))
    {
        return ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "PAYLOAD_TOO_LARGE",
            "the request body is too large",
        )
        .into_response();
    }
    response
}

/// The complete router with its state.
pub fn router(state: AppState) -> Router {
    let max_body = state.config.max_body_bytes;
    let (router, doc) = api().split_for_parts();
    router
        .merge(SwaggerUi::new("/api-docs").url("/openapi.json", doc))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(max_body))
        .layer(RequestBodyLimitLayer::new(max_body))
        // Outside the limit layer, so its plain-text 413 is reshaped too.
        .layer(axum::middleware::map_response(shape_payload_too_large))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}
