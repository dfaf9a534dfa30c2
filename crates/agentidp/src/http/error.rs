//! The only place that knows status codes: REST errors `{code, message, details}` and
//! OAuth errors `{error, error_description}` (RFC 6749 §5.2).

pub use agentidp_proto::{ErrorBody, OAuthErrorBody};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::domain::DomainError;
use crate::domain::billing::Plan;
use crate::domain::delegation::Refusal;
use crate::service::ServiceError;

/// A REST API error response.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
    details: Value,
    challenge: Option<String>,
    retry_after: Option<u64>,
}

impl ApiError {
    /// An error with an explicit status and code.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            details: json!({}),
            challenge: None,
            retry_after: None,
        }
    }

    /// A 429 from the rate limiter (its `X-RateLimit-*` headers are added by the middleware).
    pub fn rate_limited(retry_after_secs: u64) -> Self {
        Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            "RATE_LIMIT_EXCEEDED",
            format!("too many requests; retry in {retry_after_secs} s"),
        )
        .with_details(json!({ "retryAfterSeconds": retry_after_secs }))
        .retry_in(retry_after_secs)
    }

    /// A 413 for a body over `MAX_BODY_BYTES`, whichever layer noticed it.
    pub fn payload_too_large() -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "PAYLOAD_TOO_LARGE",
            "the request body is too large",
        )
    }

    /// A 503 for a request abandoned by the server's request timeout.
    pub fn timed_out() -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "REQUEST_TIMEOUT",
            "the request took too long and was abandoned; retry shortly",
        )
        .retry_in(1)
    }

    /// Adds a `Retry-After` header.
    fn retry_in(mut self, secs: u64) -> Self {
        self.retry_after = Some(secs);
        self
    }

    /// Adds structured details.
    pub fn with_details(mut self, details: Value) -> Self {
        self.details = details;
        self
    }

    /// A 400 `VALIDATION_ERROR` naming the field.
    pub fn validation(field: &str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "VALIDATION_ERROR", message)
            .with_details(json!({ "field": field }))
    }

    /// A 500 with an opaque body; the cause is logged by the caller.
    fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "INTERNAL_ERROR",
            "an internal error occurred",
        )
    }

    /// The HTTP status (for tests, logs and the portal's error pages).
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The human-readable message (opaque for internal errors), for the portal's pages.
    pub fn message(&self) -> &str {
        &self.message
    }
}

/// Logs an unexpected error with its full cause chain; the client sees an opaque body.
pub(crate) fn log_internal(e: &(dyn std::error::Error + 'static)) {
    tracing::error!(error = %crate::error_chain(e), "internal error");
}

impl From<DomainError> for ApiError {
    fn from(e: DomainError) -> Self {
        use DomainError as D;
        use StatusCode as S;
        let msg = e.to_string();
        match e {
            D::Validation { field, message } => {
                Self::validation(field, format!("{field}: {message}"))
            }
            D::InvalidScope(s) => Self::validation("allowedScopes", msg)
                .with_details(json!({"field": "allowedScopes", "scope": s})),
            D::ImmutableField(f) => Self::new(S::BAD_REQUEST, "IMMUTABLE_FIELD", msg)
                .with_details(json!({ "field": f })),
            D::InvalidStatusTransition { from, to } => {
                Self::new(S::CONFLICT, "INVALID_STATUS_TRANSITION", msg)
                    .with_details(json!({ "from": from, "to": to }))
            }
            D::Crypto(_) => {
                log_internal(&e);
                Self::internal()
            }
        }
    }
}

impl From<ServiceError> for ApiError {
    fn from(e: ServiceError) -> Self {
        use ServiceError as D;
        use StatusCode as S;
        let msg = e.to_string();
        match e {
            D::Domain(e) => Self::from(e),
            D::AgentNotFound => Self::new(S::NOT_FOUND, "AGENT_NOT_FOUND", msg),
            D::AgentGone(_) => Self::new(S::GONE, "AGENT_GONE", msg),
            D::CardIncomplete(_) => Self::new(S::NOT_FOUND, "AGENT_CARD_INCOMPLETE", msg),
            D::CredentialNotFound => Self::new(S::NOT_FOUND, "CREDENTIAL_NOT_FOUND", msg),
            D::EmailTaken => Self::new(S::CONFLICT, "AGENT_EMAIL_CONFLICT", msg)
                .with_details(json!({"field": "email"})),
            D::TenantExists => {
                Self::new(S::CONFLICT, "TENANT_EXISTS", msg).with_details(json!({"field": "name"}))
            }
            D::AgentLimitReached { limit } => Self::new(S::FORBIDDEN, "AGENT_LIMIT_REACHED", msg)
                .with_details(json!({ "limit": limit })),
            D::TokenQuotaExceeded { limit } => {
                Self::new(S::TOO_MANY_REQUESTS, "TOKEN_QUOTA_EXCEEDED", msg)
                    .with_details(json!({ "limit": limit }))
            }
            D::AgentNotActive(status) => Self::new(S::CONFLICT, "AGENT_NOT_ACTIVE", msg)
                .with_details(json!({ "status": status })),
            D::CredentialRevoked => Self::new(S::CONFLICT, "CREDENTIAL_REVOKED", msg),
            D::LastAdmin => Self::new(S::CONFLICT, "LAST_ADMIN", msg)
                .with_details(json!({ "requiredScope": crate::domain::agent::ADMIN_SCOPE })),
            D::CredentialLimitReached { limit } => {
                Self::new(S::CONFLICT, "CREDENTIAL_LIMIT_REACHED", msg)
                    .with_details(json!({ "limit": limit }))
            }
            D::ConcurrentUpdate => Self::new(S::CONFLICT, "CONCURRENT_UPDATE", msg),
            D::ScopeNotGrantable(s) => Self::new(S::FORBIDDEN, "SCOPE_NOT_GRANTABLE", msg)
                .with_details(json!({ "scope": s })),
            D::AgentMorePrivileged(s) => Self::new(S::FORBIDDEN, "AGENT_MORE_PRIVILEGED", msg)
                .with_details(json!({ "scope": s })),
            D::ScopeNotAllowed(s) => Self::new(S::BAD_REQUEST, "SCOPE_NOT_ALLOWED", msg)
                .with_details(json!({ "scope": s })),
            D::InvalidClient | D::InvalidClientAssertion(_) => {
                Self::new(S::UNAUTHORIZED, "INVALID_CLIENT", msg)
            }
            D::InvalidToken(reason) => {
                tracing::debug!(reason, "bearer token rejected");
                let mut err = Self::new(
                    S::UNAUTHORIZED,
                    "INVALID_TOKEN",
                    "the access token is missing, invalid, expired or revoked",
                );
                err.challenge = Some(r#"Bearer error="invalid_token""#.into());
                err
            }
            D::InsufficientScope(scope) => {
                let mut err = Self::new(S::FORBIDDEN, "INSUFFICIENT_SCOPE", msg)
                    .with_details(json!({ "requiredScope": scope }));
                err.challenge = Some(format!(
                    r#"Bearer error="insufficient_scope", scope="{scope}""#
                ));
                err
            }
            D::NotTokenOwner => Self::new(S::FORBIDDEN, "NOT_TOKEN_OWNER", msg),
            D::SignupDisabled => Self::new(S::FORBIDDEN, "SIGNUP_DISABLED", msg),
            D::EventNotFound => Self::new(S::NOT_FOUND, "EVENT_NOT_FOUND", msg),
            D::TrustPolicyNotFound => Self::new(S::NOT_FOUND, "TRUST_POLICY_NOT_FOUND", msg),
            D::InvalidSubjectToken(_) => Self::new(S::BAD_REQUEST, "INVALID_SUBJECT_TOKEN", msg),
            D::TrustPolicyMismatch(claims) => Self::new(S::FORBIDDEN, "TRUST_POLICY_MISMATCH", msg)
                .with_details(json!({ "claims": claims })),
            D::AmbiguousTrustPolicy => Self::new(S::BAD_REQUEST, "AMBIGUOUS_TRUST_POLICY", msg)
                .with_details(json!({ "field": "agentId" })),
            D::DelegationRefused(_) => Self::new(S::FORBIDDEN, "DELEGATION_REFUSED", msg),
            D::PlanLimitExceeded {
                plan,
                limit_type,
                limit,
                retry_after,
            } => {
                let code = match plan {
                    Plan::Free => "FREE_TIER_LIMIT_EXCEEDED",
                    Plan::Pro => "PLAN_LIMIT_EXCEEDED",
                };
                let err = Self::new(S::TOO_MANY_REQUESTS, code, msg).with_details(json!({
                    "plan": plan.as_str(), "limitType": limit_type, "limit": limit,
                }));
                match retry_after {
                    Some(secs) => err.retry_in(secs),
                    None => err,
                }
            }
            D::BillingDisabled => Self::new(S::CONFLICT, "BILLING_DISABLED", msg),
            D::BadStripeSignature(_) => Self::new(S::BAD_REQUEST, "INVALID_SIGNATURE", msg),
            D::BadStripeEvent(_) => Self::new(S::BAD_REQUEST, "INVALID_EVENT", msg),
            D::Stripe(_) => {
                tracing::error!(error = %msg, "Stripe refused a call: check STRIPE_SECRET_KEY and STRIPE_PRICE_ID");
                Self::new(
                    S::BAD_GATEWAY,
                    "PAYMENT_PROVIDER_ERROR",
                    "the payment provider refused the request",
                )
            }
            D::StripeUnavailable(_) => {
                tracing::warn!(error = %msg, "Stripe is unavailable");
                Self::new(
                    S::SERVICE_UNAVAILABLE,
                    "PAYMENT_PROVIDER_UNAVAILABLE",
                    "the payment provider could not be reached; retry shortly",
                )
                .retry_in(30)
            }
            D::IssuerUnavailable(_) => {
                tracing::warn!(error = %msg, "an OIDC issuer's keys could not be fetched");
                Self::new(S::SERVICE_UNAVAILABLE, "ISSUER_UNAVAILABLE", msg).retry_in(30)
            }
            _ if e.is_unavailable() => {
                tracing::warn!(error = %crate::error_chain(&e), "dependency unavailable");
                Self::new(
                    S::SERVICE_UNAVAILABLE,
                    "SERVICE_UNAVAILABLE",
                    "the service is temporarily unavailable; retry shortly",
                )
                .retry_in(1)
            }
            D::Unavailable | D::Store(_) | D::Audit(_) | D::ChainKey(_) | D::Replay(_) => {
                log_internal(&e);
                Self::internal()
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            code: self.code.to_owned(),
            message: self.message,
            details: self.details,
        };
        let mut response = (self.status, axum::Json(body)).into_response();
        let headers = response.headers_mut();
        if let Some(challenge) = self.challenge.and_then(|c| HeaderValue::from_str(&c).ok()) {
            headers.insert(header::WWW_AUTHENTICATE, challenge);
        }
        if let Some(secs) = self.retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    }
}

/// Marks a response as already in the OAuth error shape, so that the error-shaping layer
/// leaves it alone.
#[derive(Debug, Clone, Copy)]
pub struct OAuthShaped;

/// An OAuth endpoint error response.
#[derive(Debug)]
pub struct OAuthError {
    status: StatusCode,
    body: OAuthErrorBody,
    retry_after: Option<u64>,
}

impl OAuthError {
    fn new(status: StatusCode, error: &'static str, description: impl Into<String>) -> Self {
        Self {
            status,
            body: OAuthErrorBody {
                error: error.to_owned(),
                error_description: description.into(),
            },
            retry_after: None,
        }
    }

    /// A 400 error with the given code.
    pub fn bad_request(error: &'static str, description: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, error, description)
    }

    /// A 401 `invalid_client`.
    pub fn invalid_client(description: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "invalid_client", description)
    }

    /// A 503 for a request abandoned by the server's request timeout.
    pub fn timed_out() -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "temporarily_unavailable",
            "the request took too long and was abandoned; retry shortly",
        )
        .retry_in(1)
    }

    /// The OAuth form of an error some other layer answered with `status` (an oversized
    /// body, an unknown route, a timeout…).
    pub fn for_status(status: StatusCode) -> Self {
        let reason = status
            .canonical_reason()
            .unwrap_or("the request failed")
            .to_ascii_lowercase();
        match status {
            StatusCode::TOO_MANY_REQUESTS => Self::new(status, "too_many_requests", reason),
            StatusCode::SERVICE_UNAVAILABLE => Self::timed_out(),
            StatusCode::PAYLOAD_TOO_LARGE => {
                Self::new(status, "invalid_request", "the request body is too large")
            }
            s if s.is_server_error() => Self::new(status, "server_error", reason),
            s => Self::new(s, "invalid_request", reason),
        }
    }

    /// A 429 from the rate limiter.
    pub fn rate_limited(retry_after_secs: u64) -> Self {
        Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_requests",
            format!("too many requests; retry in {retry_after_secs} s"),
        )
        .retry_in(retry_after_secs)
    }

    /// Adds a `Retry-After` header.
    fn retry_in(mut self, secs: u64) -> Self {
        self.retry_after = Some(secs);
        self
    }
}

impl From<ServiceError> for OAuthError {
    fn from(e: ServiceError) -> Self {
        use ServiceError as D;
        let msg = e.to_string();
        match e {
            D::InvalidClient => Self::invalid_client("client authentication failed"),
            D::InvalidClientAssertion(reason) => Self::invalid_client(reason),
            D::Domain(DomainError::InvalidScope(_)) | D::ScopeNotAllowed(_) => {
                Self::bad_request("invalid_scope", msg)
            }
            D::Domain(DomainError::Validation { .. }) => Self::bad_request("invalid_request", msg),
            D::NotTokenOwner => Self::bad_request("unauthorized_client", msg),
            D::TokenQuotaExceeded { .. } => {
                Self::new(StatusCode::TOO_MANY_REQUESTS, "quota_exceeded", msg)
            }
            D::PlanLimitExceeded { retry_after, .. } => {
                let err = Self::new(StatusCode::TOO_MANY_REQUESTS, "too_many_requests", msg);
                match retry_after {
                    Some(secs) => err.retry_in(secs),
                    None => err,
                }
            }
            D::InvalidToken(_) => Self::invalid_client("the bearer token is invalid"),
            D::DelegationRefused(Refusal::ScopeWidened(_)) => {
                Self::bad_request("invalid_scope", msg)
            }
            D::DelegationRefused(Refusal::AudienceWidened) => {
                Self::bad_request("invalid_target", msg)
            }
            // RFC 8693 §2.2.2: a subject or actor token that is invalid, or unacceptable by
            // policy, MUST be answered with invalid_request.
            D::InvalidSubjectToken(_)
            | D::TrustPolicyMismatch(_)
            | D::AmbiguousTrustPolicy
            | D::DelegationRefused(_)
            | D::AgentNotActive(_) => Self::bad_request("invalid_request", msg),
            other => {
                let api = ApiError::from(other);
                if api.status() == StatusCode::SERVICE_UNAVAILABLE {
                    let err = Self::new(
                        StatusCode::SERVICE_UNAVAILABLE,
                        "temporarily_unavailable",
                        api.message,
                    );
                    err.retry_in(api.retry_after.unwrap_or(1))
                } else if api.status().is_server_error() {
                    Self::new(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        "server_error",
                        "an internal error occurred",
                    )
                } else {
                    Self::bad_request("invalid_request", api.message)
                }
            }
        }
    }
}

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        let mut response = (self.status, axum::Json(self.body)).into_response();
        response.extensions_mut().insert(OAuthShaped);
        let headers = response.headers_mut();
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        if let Some(secs) = self.retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        if self.status == StatusCode::UNAUTHORIZED {
            headers.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static(r#"Basic realm="agentidp", charset="UTF-8""#),
            );
        }
        response
    }
}
