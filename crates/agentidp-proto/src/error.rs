//! Error bodies: `{code, message, details}` on the REST API and `{error, error_description}` on
//! the OAuth endpoints (RFC 6749 §5.2).

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The body of every REST error.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    /// Machine-readable code, e.g. `AGENT_NOT_FOUND`.
    #[cfg_attr(feature = "openapi", schema(example = "AGENT_NOT_FOUND"))]
    pub code: String,
    /// Human-readable explanation.
    pub message: String,
    /// Structured context (the offending field, a limit…); `{}` when there is none.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub details: Value,
}

/// The body of an OAuth error (RFC 6749 §5.2).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OAuthErrorBody {
    /// `invalid_request`, `invalid_client`, `unauthorized_client`, `unsupported_grant_type`,
    /// `invalid_scope`, `invalid_target`, `quota_exceeded`, `too_many_requests`,
    /// `temporarily_unavailable` or `server_error`.
    #[cfg_attr(feature = "openapi", schema(example = "invalid_client"))]
    pub error: String,
    /// Human-readable explanation.
    pub error_description: String,
}
