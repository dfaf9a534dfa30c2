//! The tower layer and axum extractor that put the guard in front of a service, answering
//! refusals as RFC 6750 §3 says (401/403 with `WWW-Authenticate`).

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::extract::{FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use tower::{Layer, Service};

use super::{Guard, GuardError, VerifiedToken};

/// Admits requests whose bearer token verifies (and carries the required scopes), and puts
/// the [`VerifiedToken`] in the request's extensions for handlers.
#[derive(Clone, Debug)]
pub struct GuardLayer {
    guard: Guard,
    scopes: Arc<[String]>,
}

impl GuardLayer {
    pub(crate) fn new(guard: Guard) -> Self {
        Self {
            guard,
            scopes: Arc::from([]),
        }
    }

    /// Requires every one of `scopes` (403 `insufficient_scope` otherwise).
    pub fn require_scopes<I, S>(mut self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.scopes = scopes.into_iter().map(Into::into).collect();
        self
    }
}

impl<S> Layer<S> for GuardLayer {
    type Service = GuardService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        GuardService {
            inner,
            layer: self.clone(),
        }
    }
}

/// The service [`GuardLayer`] wraps around yours.
#[derive(Clone, Debug)]
pub struct GuardService<S> {
    inner: S,
    layer: GuardLayer,
}

impl<S> Service<Request> for GuardService<S>
where
    S: Service<Request, Response = Response, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request) -> Self::Future {
        // The clone that was polled ready serves this request; a fresh clone stays behind.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let layer = self.layer.clone();
        Box::pin(async move {
            let verified = match bearer(request.headers()) {
                Some(token) => layer.guard.verify(token).await,
                None => Err(GuardError::MissingToken),
            };
            let admitted = verified.and_then(|t| t.require(&layer.scopes).map(|()| t));
            match admitted {
                Ok(token) => {
                    request.extensions_mut().insert(token);
                    inner.call(request).await
                }
                Err(refusal) => Ok(refusal.into_response()),
            }
        })
    }
}

fn bearer(headers: &axum::http::HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

impl<S: Send + Sync> FromRequestParts<S> for VerifiedToken {
    type Rejection = GuardError;

    /// Reads the token [`GuardLayer`] verified. Without the layer the request is refused
    /// (fail closed) and the mistake is logged.
    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        match parts.extensions.get::<VerifiedToken>() {
            Some(token) => Ok(token.clone()),
            None => {
                tracing::error!("VerifiedToken extracted on a route without GuardLayer");
                Err(GuardError::MissingToken)
            }
        }
    }
}

impl IntoResponse for GuardError {
    fn into_response(self) -> Response {
        let (status, challenge) = match &self {
            Self::MissingToken => (StatusCode::UNAUTHORIZED, r#"Bearer"#.to_owned()),
            Self::InsufficientScope(scope) => (
                StatusCode::FORBIDDEN,
                format!(r#"Bearer error="insufficient_scope", scope="{scope}""#),
            ),
            Self::JwksUnavailable(_) => (StatusCode::SERVICE_UNAVAILABLE, String::new()),
            // A kid comes from the token itself: quotes and backslashes would break the
            // quoted-string, so they are replaced.
            _ => (
                StatusCode::UNAUTHORIZED,
                format!(
                    r#"Bearer error="invalid_token", error_description="{}""#,
                    self.to_string().replace(['"', '\\'], "'")
                ),
            ),
        };
        if let Self::JwksUnavailable(cause) = &self {
            tracing::warn!(%cause, "refusing a request: signing keys unavailable");
        }
        let error = match &self {
            Self::MissingToken => "invalid_request",
            Self::InsufficientScope(_) => "insufficient_scope",
            Self::JwksUnavailable(_) => "temporarily_unavailable",
            _ => "invalid_token",
        };
        let description = match &self {
            Self::JwksUnavailable(_) => "token verification is unavailable".to_owned(),
            other => other.to_string(),
        };
        let body = serde_json::json!({ "error": error, "error_description": description });
        let mut response = (status, axum::Json(body)).into_response();
        if let Ok(value) = HeaderValue::from_str(&challenge)
            && !challenge.is_empty()
        {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, value);
        }
        response
    }
}
