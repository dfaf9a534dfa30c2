//! Cross-cutting HTTP behaviour: request metrics, security headers, CORS, and JSON bodies
//! for the errors that tower layers produce as plain text (oversized body, timeout).

use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderName, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tower_http::cors::{AllowOrigin, CorsLayer};

use super::error::{ApiError, OAuthError, OAuthShaped};
use crate::app::AppState;
use crate::domain::keys::Algorithm;

/// The route template a request matched (`unmatched` for the fallback): the label of its
/// metrics and the scope of its rate limit, never the raw path with its ids.
pub fn route_of(req: &Request) -> String {
    req.extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", MatchedPath::as_str)
        .to_owned()
}

/// Marks a response that carries an access token, signed with this algorithm: [`track`]
/// counts it and times its request (every grant's handler, one timing).
#[derive(Debug, Clone, Copy)]
pub struct IssuedWith(pub Algorithm);

/// Records every request in the HTTP metrics, labelled by its route template, and every
/// issued token by its algorithm.
pub async fn track(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let start = Instant::now();
    let method = req.method().clone();
    let route = route_of(&req);
    let response = next.run(req).await;
    let took = start.elapsed();
    state
        .metrics
        .request(method.as_str(), &route, response.status().as_u16(), took);
    if let Some(IssuedWith(algorithm)) = response.extensions().get() {
        state.metrics.token_issued(algorithm.as_str(), took);
    }
    response
}

/// The Swagger UI needs its own scripts and styles; everything else is JSON or the portal.
const API_CSP: &str = "default-src 'none'; frame-ancestors 'none'";
/// The hash admits the one inline `<style>` of the vendored Swagger UI page, so no
/// `unsafe-inline` is needed; the browser test (tests/e2e) fails if an upgrade changes it.
const DOCS_CSP: &str = "default-src 'self'; img-src 'self' data:; \
    style-src 'self' 'sha256-RL3ie0nH+Lzz2YNqQN83mnU0J1ot4QL7b99vMdIX99w='; frame-ancestors 'none'";

/// Adds the security headers to every response (unless a handler set its own).
pub async fn security_headers(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let docs = req.uri().path().starts_with("/api-docs");
    let mut response = next.run(req).await;
    let headers = response.headers_mut();
    let mut set = |name: HeaderName, value: &'static str| {
        if !headers.contains_key(&name) {
            headers.insert(name, HeaderValue::from_static(value));
        }
    };
    set(header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(header::X_FRAME_OPTIONS, "DENY");
    set(header::REFERRER_POLICY, "no-referrer");
    set(
        header::CONTENT_SECURITY_POLICY,
        if docs { DOCS_CSP } else { API_CSP },
    );
    set(
        HeaderName::from_static("cross-origin-resource-policy"),
        "same-site",
    );
    if state.idp.settings.issuer.starts_with("https://") {
        set(
            header::STRICT_TRANSPORT_SECURITY,
            "max-age=31536000; includeSubDomains",
        );
    }
    response
}

/// Longest request target (path and query) served; a longer one answers 414.
pub const MAX_URI_BYTES: usize = 8 * 1024;
/// Most header fields a request may carry; more answer 431.
pub const MAX_HEADER_FIELDS: usize = 100;
/// Largest total size of a request's header names and values; more answers 431.
pub const MAX_HEADER_BYTES: usize = 32 * 1024;

/// A refusal for a request target or header section over the limits above, which hyper
/// accepts up to larger limits of its own (where it answers without a body).
fn over_request_bounds(req: &Request) -> Option<ApiError> {
    let target = req.uri().path_and_query().map_or(0, |p| p.as_str().len());
    if target > MAX_URI_BYTES {
        return Some(ApiError::new(
            StatusCode::URI_TOO_LONG,
            "URI_TOO_LONG",
            format!("the request target is longer than {MAX_URI_BYTES} bytes"),
        ));
    }
    let headers = req.headers();
    let bytes: usize = headers
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len())
        .sum();
    if headers.len() > MAX_HEADER_FIELDS || bytes > MAX_HEADER_BYTES {
        return Some(ApiError::new(
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            "HEADERS_TOO_LARGE",
            format!(
                "the request has more than {MAX_HEADER_FIELDS} header fields or more than {MAX_HEADER_BYTES} bytes of them"
            ),
        ));
    }
    None
}

/// Gives every error the documented shape, whichever layer raised it: a request over the
/// target or header limits is refused here; the plain-text 413 of the body-limit layer and
/// the empty 503 of the timeout layer become JSON; and under `/oauth2/` every error is in the
/// OAuth shape (RFC 6749 §5.2), the fallbacks' 404 and 405 included. An OAuth 401 challenges
/// with `WWW-Authenticate: Basic` only when the client sent Basic credentials (RFC 6749 §5.2):
/// a browser that posted its credentials in the form would otherwise stop at its own password
/// dialog.
pub async fn shape_errors(req: Request, next: Next) -> Response {
    let oauth = req.uri().path().starts_with("/oauth2/");
    let sent_basic = req.headers().get(header::AUTHORIZATION).is_some_and(|v| {
        v.as_bytes().len() > 6 && v.as_bytes()[..6].eq_ignore_ascii_case(b"basic ")
    });
    let mut response = match over_request_bounds(&req) {
        Some(refused) => refused.into_response(),
        None => next.run(req).await,
    };
    if oauth && !sent_basic {
        response.headers_mut().remove(header::WWW_AUTHENTICATE);
    }
    let status = response.status();
    if oauth {
        let is_error = status.is_client_error() || status.is_server_error();
        if !is_error || response.extensions().get::<OAuthShaped>().is_some() {
            return response;
        }
        let (mut parts, _) = response.into_parts();
        let mut reshaped = OAuthError::for_status(status).into_response();
        // Keep what the original said besides its body: Retry-After, Allow, rate-limit headers.
        for (name, value) in parts.headers.drain().filter_map(|(n, v)| Some((n?, v))) {
            let kept = name == header::RETRY_AFTER
                || name == header::ALLOW
                || name.as_str().starts_with("x-ratelimit-");
            if kept {
                reshaped.headers_mut().insert(name, value);
            }
        }
        return reshaped;
    }
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    match status {
        _ if is_json => response,
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::payload_too_large().into_response(),
        StatusCode::SERVICE_UNAVAILABLE => ApiError::timed_out().into_response(),
        _ => response,
    }
}

/// CORS for the configured origins; `None` when no origin is allowed (no CORS headers).
pub fn cors(origins: &[String]) -> Option<CorsLayer> {
    let origins: Vec<&str> = origins
        .iter()
        .map(|o| o.trim())
        .filter(|o| !o.is_empty())
        .collect();
    if origins.is_empty() {
        return None;
    }
    let allow = if origins.contains(&"*") {
        AllowOrigin::any()
    } else {
        AllowOrigin::list(
            origins
                .iter()
                .filter_map(|o| HeaderValue::from_str(o.trim_end_matches('/')).ok()),
        )
    };
    Some(
        CorsLayer::new()
            .allow_origin(allow)
            .allow_methods([Method::GET, Method::POST, Method::PATCH, Method::DELETE])
            .allow_headers([
                header::AUTHORIZATION,
                header::CONTENT_TYPE,
                header::ACCEPT,
                HeaderName::from_static("x-request-id"),
            ])
            .expose_headers([
                HeaderName::from_static("x-request-id"),
                HeaderName::from_static("x-ratelimit-limit"),
                HeaderName::from_static("x-ratelimit-remaining"),
                HeaderName::from_static("x-ratelimit-reset"),
                header::RETRY_AFTER,
            ])
            .max_age(std::time::Duration::from_secs(600)),
    )
}
