//! The SDK's one error type: what the server refused (with its code and message), or why it
//! could not be asked.

use std::time::Duration;

use agentidp_proto::{ErrorBody, OAuthErrorBody};

/// Everything a call can fail with.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A `/v1` endpoint refused the request: `{"code", "message", "details"}`.
    #[error("{code}: {message}")]
    Api {
        /// HTTP status.
        status: u16,
        /// Machine-readable code, e.g. `AGENT_NOT_FOUND`.
        code: String,
        /// The server's human-readable explanation.
        message: String,
        /// Structured context (the offending field, a limit…).
        details: serde_json::Value,
        /// How long the server asked us to wait (`Retry-After`), on 429 and 503.
        retry_after: Option<Duration>,
    },
    /// An OAuth endpoint refused the request (RFC 6749 §5.2).
    #[error("{error}: {description}")]
    OAuth {
        /// HTTP status.
        status: u16,
        /// The OAuth error code, e.g. `invalid_client`.
        error: String,
        /// The server's `error_description`.
        description: String,
        /// How long the server asked us to wait (`Retry-After`), on 429 and 503.
        retry_after: Option<Duration>,
    },
    /// The server answered with a status and body that are not part of its API (a proxy page,
    /// say).
    #[error("unexpected HTTP {status} from the server: {body}")]
    UnexpectedResponse {
        /// HTTP status.
        status: u16,
        /// The start of the body.
        body: String,
    },
    /// The server could not be reached, or the connection broke.
    #[error("cannot reach the server: {0}")]
    Transport(String),
    /// A successful answer that does not parse as the documented type.
    #[error("cannot read the server's answer: {0}")]
    Decode(String),
    /// The client was configured with something unusable (e.g. a base URL that is not http(s)).
    #[error("invalid configuration: {0}")]
    Config(String),
}

/// `Result` with the SDK's error.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// The server's machine code (`AGENT_NOT_FOUND`, `invalid_client`…), when it gave one.
    pub fn code(&self) -> Option<&str> {
        match self {
            Self::Api { code, .. } => Some(code),
            Self::OAuth { error, .. } => Some(error),
            _ => None,
        }
    }

    /// The HTTP status, when the server answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Api { status, .. }
            | Self::OAuth { status, .. }
            | Self::UnexpectedResponse { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The wait the server asked for before trying again.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::Api { retry_after, .. } | Self::OAuth { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// Builds the error for a non-success response from its status, `Retry-After` and body.
    pub(crate) fn from_response(status: u16, retry_after: Option<Duration>, body: &[u8]) -> Self {
        if let Ok(b) = serde_json::from_slice::<ErrorBody>(body) {
            return Self::Api {
                status,
                code: b.code,
                message: b.message,
                details: b.details,
                retry_after,
            };
        }
        if let Ok(b) = serde_json::from_slice::<OAuthErrorBody>(body) {
            return Self::OAuth {
                status,
                error: b.error,
                description: b.error_description,
                retry_after,
            };
        }
        let text = String::from_utf8_lossy(body);
        Self::UnexpectedResponse {
            status,
            body: text.chars().take(200).collect(),
        }
    }

    /// A transport failure, with its cause chain (reqwest's own message names only the URL).
    pub(crate) fn transport(e: &reqwest::Error) -> Self {
        let mut text = e.to_string();
        let mut source = std::error::Error::source(e);
        while let Some(cause) = source {
            text.push_str(": ");
            text.push_str(&cause.to_string());
            source = cause.source();
        }
        Self::Transport(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rest_error_body_keeps_its_code_message_and_details() {
        let e = Error::from_response(
            404,
            None,
            br#"{"code":"AGENT_NOT_FOUND","message":"no such agent","details":{"agentId":"x"}}"#,
        );
        assert_eq!(e.code(), Some("AGENT_NOT_FOUND"));
        assert_eq!(e.status(), Some(404));
        assert_eq!(e.to_string(), "AGENT_NOT_FOUND: no such agent");
    }

    #[test]
    fn an_oauth_error_body_keeps_its_error_and_description() {
        let e = Error::from_response(
            429,
            Some(Duration::from_secs(3)),
            br#"{"error":"too_many_requests","error_description":"slow down"}"#,
        );
        assert_eq!(e.code(), Some("too_many_requests"));
        assert_eq!(e.retry_after(), Some(Duration::from_secs(3)));
    }

    #[test]
    fn a_body_outside_the_api_is_reported_with_its_start() {
        let e = Error::from_response(502, None, b"<html>bad gateway</html>");
        assert!(matches!(e, Error::UnexpectedResponse { status: 502, .. }));
        assert!(e.to_string().contains("bad gateway"));
    }
}
