//! OAuth 2.0 endpoints: token (client credentials), introspection (RFC 7662) and
//! revocation (RFC 7009). Errors use the RFC 6749 §5.2 shape.

use agentidp_proto as wire;
use axum::extract::{FromRequest, Request, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use secrecy::SecretString;
use serde::de::DeserializeOwned;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::client_auth::{authenticate_client, client_credentials, token_client};
use super::error::{OAuthError, OAuthErrorBody};
use super::extract::{Meta, bearer_token};
use super::limits::{BearerRefusal, RateSlot, authenticate_bearer};
use super::ops::IssuedWith;
use super::token_exchange;
use crate::app::AppState;
use crate::domain::audit::RequestMeta;
use crate::domain::scope::ScopeSet;
use crate::domain::token::{IssuedToken, Principal, Resource};
use crate::service::ServiceError;
use crate::service::tokens::TokenRequest;

/// The routes of this module.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(token))
        .routes(routes!(introspect))
        .routes(routes!(revoke))
}

/// A form body (`application/x-www-form-urlencoded`) with OAuth-shaped rejections.
/// Repeated parameters are rejected, as RFC 6749 §3.2 requires.
pub struct OAuthForm<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for OAuthForm<T> {
    type Rejection = OAuthError;

    async fn from_request(req: Request, state: &S) -> Result<Self, OAuthError> {
        let is_form = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
        if !is_form {
            return Err(OAuthError::bad_request(
                "invalid_request",
                "expected Content-Type: application/x-www-form-urlencoded",
            ));
        }
        axum::Form::<T>::from_request(req, state)
            .await
            .map(|axum::Form(v)| Self(v))
            .map_err(|e| OAuthError::bad_request("invalid_request", e.body_text()))
    }
}

/// Authenticates the caller of introspection or revocation: client credentials, or a bearer
/// token of the same tenant.
async fn caller(
    state: &AppState,
    slot: &RateSlot,
    headers: &HeaderMap,
    meta: &RequestMeta,
    id: Option<&str>,
    secret: Option<&SecretString>,
) -> Result<Principal, OAuthError> {
    if let Some(token) = bearer_token(headers) {
        return match authenticate_bearer(state, slot, Some(token), meta).await {
            Ok(principal) => Ok(principal),
            Err(BearerRefusal::Limited(retry)) => Err(OAuthError::rate_limited(retry)),
            Err(BearerRefusal::OverPlan(e)) => Err(e.into()),
            Err(BearerRefusal::Denied(e)) if e.is_unavailable() => Err(e.into()),
            Err(BearerRefusal::Denied(_)) => {
                Err(OAuthError::invalid_client("the bearer token is invalid"))
            }
        };
    }
    let (id, secret) = client_credentials(headers, id, secret)?;
    let agent = authenticate_client(state, slot, &id, &secret, meta).await?;
    Ok(Principal {
        meta: meta.clone(),
        tenant_id: agent.tenant_id,
        agent_id: agent.id,
        scopes: agent.allowed_scopes,
        act: None,
    })
}

fn no_store(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    response
}

/// The token response, `no-store`; `issued_token_type` set for an exchange.
pub(crate) fn token_response(issued: IssuedToken, exchanged: bool) -> Response {
    let algorithm = issued.algorithm;
    let body = wire::TokenResponse {
        access_token: issued.access_token.into(),
        token_type: "Bearer".to_owned(),
        expires_in: issued.expires_in,
        scope: issued.scope.to_string(),
        issued_token_type: exchanged.then(|| token_exchange::ACCESS_TOKEN_TYPE.to_owned()),
    };
    let mut response = no_store(axum::Json(body).into_response());
    response.extensions_mut().insert(IssuedWith(algorithm));
    response
}

/// Obtain an access token: the client-credentials grant, or a token exchange (RFC 8693): a
/// workload's identity token that a trust policy admits (`client_id` may name the agent), or
/// delegation, an agent's access token exchanged by an agent it allows to act for it
/// (`actor_token`), for a token with `act`.
#[utoipa::path(post, path = "/oauth2/token", tag = "oauth2",
    request_body(content = wire::TokenRequest, content_type = "application/x-www-form-urlencoded"),
    security((), ("clientBasic" = [])),
    responses(
        (status = 200, description = "Token issued", body = wire::TokenResponse),
        (status = 400, description = "invalid_request, unsupported_grant_type, invalid_scope, invalid_target (resource or audience not an absolute URI, or with a fragment) or, for an exchange, invalid_request (RFC 8693 §2.2.2: a subject or actor token invalid or refused by policy)", body = OAuthErrorBody),
        (status = 401, description = "invalid_client", body = OAuthErrorBody),
        (status = 429, description = "quota_exceeded (the tenant's monthly token quota is used up) or too_many_requests (rate limit)", body = OAuthErrorBody),
        (status = 503, description = "temporarily_unavailable: an exchanged token's issuer could not be reached", body = OAuthErrorBody),
    ))]
async fn token(
    State(state): State<AppState>,
    headers: HeaderMap,
    Meta(meta): Meta,
    slot: RateSlot,
    OAuthForm(form): OAuthForm<wire::TokenRequest>,
) -> Result<Response, OAuthError> {
    let exchange = match form.grant_type.as_deref() {
        Some("client_credentials") => false,
        Some(token_exchange::GRANT_TYPE) => true,
        Some(other) => {
            return Err(OAuthError::bad_request(
                "unsupported_grant_type",
                format!("grant_type {other:?} is not supported"),
            ));
        }
        None => {
            return Err(OAuthError::bad_request(
                "invalid_request",
                "grant_type is required",
            ));
        }
    };
    let audience = match (form.resource.clone(), form.audience.clone()) {
        (Some(r), Some(a)) if r != a => {
            return Err(OAuthError::bad_request(
                "invalid_request",
                "resource and audience disagree",
            ));
        }
        (r, a) => r
            .or(a)
            .map(|t| Resource::parse(&t))
            .transpose()
            .map_err(|why| OAuthError::bad_request("invalid_target", why))?,
    };
    let scope = form
        .scope
        .as_deref()
        .map(ScopeSet::parse)
        .transpose()
        .map_err(|e| OAuthError::bad_request("invalid_scope", e.to_string()))?;
    if exchange {
        let issued = token_exchange::exchange(&state, &slot, &meta, &form, scope, audience).await?;
        return Ok(token_response(issued, true));
    }
    if form.expires_in.is_some() || form.actor_token.is_some() {
        return Err(OAuthError::bad_request(
            "invalid_request",
            "actor_token and expires_in belong to a token exchange (delegation)",
        ));
    }
    let agent = token_client(&state, &slot, &headers, &form, &meta).await?;
    let issued = state
        .idp
        .issue_token(&agent, TokenRequest { scope, audience }, &meta)
        .await?;
    Ok(token_response(issued, false))
}

/// Introspect a token (RFC 7662). The caller authenticates with client credentials or a
/// bearer token; only tokens of the caller's tenant can be active.
#[utoipa::path(post, path = "/oauth2/introspect", tag = "oauth2",
    request_body(content = wire::TokenParam, content_type = "application/x-www-form-urlencoded"),
    security(("clientBasic" = []), ("bearerAuth" = [])),
    responses(
        (status = 200, description = "Token state", body = wire::Introspection),
        (status = 400, description = "invalid_request", body = OAuthErrorBody),
        (status = 401, description = "invalid_client", body = OAuthErrorBody),
    ))]
async fn introspect(
    State(state): State<AppState>,
    headers: HeaderMap,
    Meta(meta): Meta,
    slot: RateSlot,
    OAuthForm(form): OAuthForm<wire::TokenParam>,
) -> Result<Response, OAuthError> {
    let principal = caller(
        &state,
        &slot,
        &headers,
        &meta,
        form.client_id.as_deref(),
        form.client_secret.as_ref(),
    )
    .await?;
    let _ = form.token_type_hint;
    let token = form
        .token
        .ok_or_else(|| OAuthError::bad_request("invalid_request", "token is required"))?;
    let response = match state.idp.introspect(&principal, &token).await? {
        None => wire::Introspection::default(),
        Some(c) => wire::Introspection {
            active: true,
            scope: Some(c.scope),
            client_id: Some(c.client_id),
            token_type: Some("Bearer".to_owned()),
            exp: Some(c.exp),
            iat: Some(c.iat),
            nbf: c.nbf,
            sub: Some(c.sub),
            aud: Some(c.aud),
            iss: Some(c.iss),
            jti: Some(c.jti),
            tenant_id: Some(c.tenant_id),
            act: c.act,
        },
    };
    Ok(no_store(axum::Json(response).into_response()))
}

/// Revoke a token (RFC 7009). Answers 200 for unknown, invalid or already revoked tokens;
/// revoking another agent's token needs `tokens:revoke`.
#[utoipa::path(post, path = "/oauth2/revoke", tag = "oauth2",
    request_body(content = wire::TokenParam, content_type = "application/x-www-form-urlencoded"),
    security(("clientBasic" = []), ("bearerAuth" = ["tokens:revoke"])),
    responses(
        (status = 200, description = "Revoked (or nothing to revoke)"),
        (status = 400, description = "invalid_request or unauthorized_client", body = OAuthErrorBody),
        (status = 401, description = "invalid_client", body = OAuthErrorBody),
    ))]
async fn revoke(
    State(state): State<AppState>,
    headers: HeaderMap,
    Meta(meta): Meta,
    slot: RateSlot,
    OAuthForm(form): OAuthForm<wire::TokenParam>,
) -> Result<Response, OAuthError> {
    let principal = caller(
        &state,
        &slot,
        &headers,
        &meta,
        form.client_id.as_deref(),
        form.client_secret.as_ref(),
    )
    .await?;
    let token = form
        .token
        .ok_or_else(|| OAuthError::bad_request("invalid_request", "token is required"))?;
    state
        .idp
        .revoke(&principal, &token)
        .await
        .map_err(|e| match e {
            ServiceError::NotTokenOwner => OAuthError::bad_request(
                "unauthorized_client",
                "this client may not revoke that token",
            ),
            other => other.into(),
        })?;
    Ok(no_store(axum::http::StatusCode::OK.into_response()))
}
