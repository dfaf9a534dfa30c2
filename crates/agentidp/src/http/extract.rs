//! Request extractors whose rejections come back in the REST error shape, never as axum's
//! plain-text defaults, and the bearer-token principal extractor.

use axum::body::Bytes;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Path, Query, Request};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use serde::de::DeserializeOwned;

use super::error::ApiError;
use super::limits::{BearerRefusal, ClientIp, RateSlot, authenticate_bearer};
use crate::app::AppState;
use crate::domain::audit::RequestMeta;
use crate::domain::token::Principal;

/// `Json<T>` with REST-shaped rejections.
#[derive(Debug)]
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(Self(v)),
            Err(rejection) => Err(json_rejection(rejection)),
        }
    }
}

fn json_rejection(r: JsonRejection) -> ApiError {
    match r {
        JsonRejection::MissingJsonContentType(_) => ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "UNSUPPORTED_MEDIA_TYPE",
            "expected a request body with Content-Type: application/json",
        ),
        JsonRejection::JsonSyntaxError(e) => ApiError::new(
            StatusCode::BAD_REQUEST,
            "MALFORMED_JSON",
            format!("the body is not valid JSON: {}", e.body_text()),
        ),
        JsonRejection::JsonDataError(e) => {
            ApiError::new(StatusCode::BAD_REQUEST, "VALIDATION_ERROR", e.body_text())
        }
        JsonRejection::BytesRejection(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            ApiError::payload_too_large()
        }
        other => ApiError::new(StatusCode::BAD_REQUEST, "INVALID_BODY", other.body_text()),
    }
}

/// A JSON body that may be absent: an empty body parses as `T::default()`.
#[derive(Debug)]
pub struct OptionalJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Default> FromRequest<S> for OptionalJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/json") || v.contains("+json"));
        let bytes = Bytes::from_request(req, state).await.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::payload_too_large()
            } else {
                ApiError::new(StatusCode::BAD_REQUEST, "INVALID_BODY", e.body_text())
            }
        })?;
        if bytes.is_empty() {
            return Ok(Self(T::default()));
        }
        if !is_json {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "UNSUPPORTED_MEDIA_TYPE",
                "expected a request body with Content-Type: application/json",
            ));
        }
        serde_json::from_slice(&bytes)
            .map(Self)
            .map_err(|e| match e.classify() {
                serde_json::error::Category::Data => {
                    ApiError::new(StatusCode::BAD_REQUEST, "VALIDATION_ERROR", e.to_string())
                }
                _ => ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "MALFORMED_JSON",
                    format!("the body is not valid JSON: {e}"),
                ),
            })
    }
}

/// `Query<T>` with REST-shaped rejections.
#[derive(Debug)]
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        if let Some(field) = parts.uri.query().and_then(non_utf8_field) {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "INVALID_QUERY",
                format!("query parameter {field:?} is not valid percent-encoded UTF-8"),
            ));
        }
        Query::<T>::from_request_parts(parts, state)
            .await
            .map(|Query(v)| Self(v))
            .map_err(|e: QueryRejection| {
                ApiError::new(StatusCode::BAD_REQUEST, "INVALID_QUERY", e.body_text())
            })
    }
}

/// The name (decoded as far as it goes) of the first query parameter whose name or value is
/// not valid UTF-8 once percent-decoded. The form decoder would replace such bytes with
/// U+FFFD, so a filter would silently match nothing instead of being refused.
fn non_utf8_field(query: &str) -> Option<String> {
    let decodes = |s: &str| {
        percent_encoding::percent_decode_str(&s.replace('+', " "))
            .decode_utf8()
            .is_ok()
    };
    query.split('&').find_map(|pair| {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        (!decodes(name) || !decodes(value)).then(|| {
            percent_encoding::percent_decode_str(name)
                .decode_utf8_lossy()
                .into_owned()
        })
    })
}

/// `Path<T>` with REST-shaped rejections (a malformed id is a 400 naming the parameter).
#[derive(Debug)]
pub struct ApiPath<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for ApiPath<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        Path::<T>::from_request_parts(parts, state)
            .await
            .map(|Path(v)| Self(v))
            .map_err(|e: PathRejection| {
                ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "INVALID_PATH_PARAMETER",
                    e.body_text(),
                )
            })
    }
}

/// The bearer token of the request, if any (`Authorization: Bearer …`).
pub(crate) fn bearer_token(headers: &axum::http::HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// Where the request came from, for the audit log: the peer address and `User-Agent`.
#[derive(Debug)]
pub struct Meta(pub RequestMeta);

impl<S: Send + Sync> FromRequestParts<S> for Meta {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Self(request_meta(parts)))
    }
}

fn request_meta(parts: &Parts) -> RequestMeta {
    let ip = match parts.extensions.get::<ClientIp>() {
        Some(ClientIp(ip)) => Some(ip.to_string()),
        None => parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip().to_string()),
    };
    let user_agent = parts
        .headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(|ua| ua.chars().take(256).collect());
    RequestMeta { ip, user_agent }
}

/// The authenticated caller of a `/v1` route (bearer JWT, verified and live), counted
/// against its rate limit; a failed authentication counts against the client IP instead.
#[derive(Debug)]
pub struct Auth(pub Principal);

impl FromRequestParts<AppState> for Auth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let slot = RateSlot::from_request_parts(parts, state)
            .await
            .unwrap_or_else(|never| match never {});
        let token = bearer_token(&parts.headers);
        match authenticate_bearer(state, &slot, token, &request_meta(parts)).await {
            Ok(principal) => Ok(Self(principal)),
            Err(BearerRefusal::Limited(retry)) => Err(ApiError::rate_limited(retry)),
            Err(BearerRefusal::Denied(e) | BearerRefusal::OverPlan(e)) => Err(e.into()),
        }
    }
}
