//! Discovery documents: the JWKS and RFC 8414 authorization-server metadata.

use agentidp_proto::ServerMetadata;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::AppState;
use crate::domain::scope::MANAGEMENT_SCOPES;

/// The routes of this module.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(jwks))
        .routes(routes!(metadata))
}

/// The public signing keys, including retired keys whose tokens may still be live.
#[utoipa::path(get, path = "/.well-known/jwks.json", tag = "discovery",
    responses((status = 200, description = "JSON Web Key Set (RFC 7517)", content_type = "application/json", body = Object)))]
async fn jwks(State(state): State<AppState>) -> Response {
    let set = state.idp.keys.current();
    let mut response = axum::Json(set.jwks.as_ref().clone()).into_response();
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=300"),
    );
    response
}

/// Discovery metadata (RFC 8414).
#[utoipa::path(get, path = "/.well-known/oauth-authorization-server", tag = "discovery",
    responses((status = 200, description = "Server metadata", body = ServerMetadata)))]
async fn metadata(State(state): State<AppState>) -> axum::Json<ServerMetadata> {
    let issuer = state.idp.settings.issuer.clone();
    let strings = |all: &[&str]| all.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    let introspection_methods = strings(&["client_secret_basic", "client_secret_post"]);
    let token_methods = strings(&[
        "client_secret_basic",
        "client_secret_post",
        "private_key_jwt",
    ]);
    axum::Json(ServerMetadata {
        token_endpoint: format!("{issuer}/oauth2/token"),
        jwks_uri: format!("{issuer}/.well-known/jwks.json"),
        introspection_endpoint: format!("{issuer}/oauth2/introspect"),
        revocation_endpoint: format!("{issuer}/oauth2/revoke"),
        response_types_supported: vec![],
        grant_types_supported: strings(&[
            "client_credentials",
            "urn:ietf:params:oauth:grant-type:token-exchange",
        ]),
        scopes_supported: strings(&MANAGEMENT_SCOPES),
        token_endpoint_auth_methods_supported: token_methods,
        token_endpoint_auth_signing_alg_values_supported: strings(&[
            "RS256", "ES256", "EdDSA", "Ed25519",
        ]),
        introspection_endpoint_auth_methods_supported: introspection_methods.clone(),
        revocation_endpoint_auth_methods_supported: introspection_methods,
        service_documentation: format!("{issuer}/api-docs"),
        issuer,
    })
}
