//! The HTTP transport every call goes through: URL building, retries with backoff that honour
//! `Retry-After`, and turning error responses into [`Error`].

use std::time::Duration;

use reqwest::{RequestBuilder, Response, StatusCode, header};
use serde::de::DeserializeOwned;

use crate::error::{Error, Result};

/// When and how long to retry a refused or failed call.
///
/// A 429 is always retried (the server refused before doing anything); 5xx answers and
/// connection failures only for calls that are safe to repeat (reads, token requests,
/// revocations), so a create is never applied twice.
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    /// Retries after the first attempt (0 disables retrying).
    pub max_retries: u32,
    /// The first backoff; it doubles on each retry (with full jitter).
    pub initial_backoff: Duration,
    /// The longest backoff.
    pub max_backoff: Duration,
    /// A `Retry-After` longer than this is not waited for: the error is returned instead.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_retries: 3,
            initial_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(5),
            max_retry_after: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// Never retry.
    pub fn none() -> Self {
        Self {
            max_retries: 0,
            ..Self::default()
        }
    }

    /// The wait before retry number `attempt` (0-based): the server's `Retry-After` when it
    /// gave one, else an exponential backoff with full jitter. `None` means give up.
    fn wait(&self, attempt: u32, retry_after: Option<Duration>) -> Option<Duration> {
        if attempt >= self.max_retries {
            return None;
        }
        if let Some(wait) = retry_after {
            return (wait <= self.max_retry_after).then_some(wait);
        }
        let cap = self
            .initial_backoff
            .saturating_mul(2u32.saturating_pow(attempt))
            .min(self.max_backoff);
        let jitter = getrandom::u64().unwrap_or(u64::MAX / 2) as f64 / u64::MAX as f64;
        Some(cap.mul_f64(jitter.max(0.1)))
    }
}

/// Whether a call may be repeated after a 5xx or a broken connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Repeat {
    /// Reads, token requests, revocations: repeating them changes nothing.
    Safe,
    /// Creates and rotations: only a 429 (refused before anything happened) is retried.
    OnlyWhenRefused,
}

/// Base URL, HTTP client and retry policy.
#[derive(Debug)]
pub(crate) struct Transport {
    base: String,
    http: reqwest::Client,
    retry: RetryPolicy,
}

impl Transport {
    pub(crate) fn new(base_url: &str, http: reqwest::Client, retry: RetryPolicy) -> Result<Self> {
        let base = base_url.trim().trim_end_matches('/').to_owned();
        let parsed = reqwest::Url::parse(&base)
            .map_err(|e| Error::Config(format!("API URL {base:?}: {e}")))?;
        if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
            return Err(Error::Config(format!(
                "API URL {base:?} must be an http(s) URL such as https://idp.example.com"
            )));
        }
        Ok(Self { base, http, retry })
    }

    /// The base URL, without a trailing slash.
    pub(crate) fn base(&self) -> &str {
        &self.base
    }

    /// `base` + `path` (which starts with `/`).
    pub(crate) fn request(&self, method: reqwest::Method, path: &str) -> RequestBuilder {
        self.http.request(method, format!("{}{path}", self.base))
    }

    /// Sends the request `build` makes, retrying as the policy allows; a non-success answer
    /// becomes an [`Error`].
    pub(crate) async fn send(
        &self,
        repeat: Repeat,
        build: impl Fn() -> RequestBuilder,
    ) -> Result<Response> {
        let mut attempt = 0;
        loop {
            let outcome = build().send().await;
            let (error, retry_after) = match outcome {
                Ok(response) if response.status().is_success() => return Ok(response),
                Ok(response) => {
                    let status = response.status();
                    let retry_after = retry_after(&response);
                    let body = response.bytes().await.unwrap_or_default();
                    let error = Error::from_response(status.as_u16(), retry_after, &body);
                    if !retryable(status, repeat) {
                        return Err(error);
                    }
                    (error, retry_after)
                }
                // Refused, reset or timed out: repeating a safe call is harmless.
                Err(e)
                    if repeat == Repeat::Safe
                        && (e.is_connect() || e.is_timeout() || e.is_request()) =>
                {
                    (Error::transport(&e), None)
                }
                Err(e) => return Err(Error::transport(&e)),
            };
            let Some(wait) = self.retry.wait(attempt, retry_after) else {
                return Err(error);
            };
            tracing::debug!(attempt, wait_ms = wait.as_millis() as u64, %error, "retrying");
            tokio::time::sleep(wait).await;
            attempt += 1;
        }
    }
}

fn retryable(status: StatusCode, repeat: Repeat) -> bool {
    status == StatusCode::TOO_MANY_REQUESTS || (repeat == Repeat::Safe && status.is_server_error())
}

/// `Retry-After` in seconds (the form this server sends; an HTTP date is ignored).
fn retry_after(response: &Response) -> Option<Duration> {
    response
        .headers()
        .get(header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse::<u64>()
        .ok()
        .map(Duration::from_secs)
}

/// Reads a success body as `T`.
pub(crate) async fn json<T: DeserializeOwned>(response: Response) -> Result<T> {
    let body = response.bytes().await.map_err(|e| Error::transport(&e))?;
    serde_json::from_slice(&body).map_err(|e| Error::Decode(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_is_honoured_up_to_the_cap() {
        let policy = RetryPolicy::default();
        assert_eq!(
            policy.wait(0, Some(Duration::from_secs(2))),
            Some(Duration::from_secs(2))
        );
        assert_eq!(policy.wait(0, Some(Duration::from_secs(3600))), None);
    }

    #[test]
    fn backoff_grows_but_stays_under_the_cap_and_stops_after_the_last_retry() {
        let policy = RetryPolicy::default();
        for attempt in 0..3 {
            let wait = policy.wait(attempt, None).expect("retries left");
            assert!(wait <= policy.max_backoff);
            assert!(wait <= policy.initial_backoff * 2u32.pow(attempt));
        }
        assert_eq!(policy.wait(3, None), None);
        assert_eq!(RetryPolicy::none().wait(0, None), None);
    }

    #[test]
    fn only_safe_calls_are_repeated_after_a_server_error() {
        assert!(retryable(
            StatusCode::TOO_MANY_REQUESTS,
            Repeat::OnlyWhenRefused
        ));
        assert!(retryable(StatusCode::SERVICE_UNAVAILABLE, Repeat::Safe));
        assert!(!retryable(
            StatusCode::SERVICE_UNAVAILABLE,
            Repeat::OnlyWhenRefused
        ));
        assert!(!retryable(StatusCode::BAD_REQUEST, Repeat::Safe));
    }

    #[test]
    fn a_base_url_must_be_http() {
        let http = reqwest::Client::new();
        assert!(Transport::new("ftp://x", http.clone(), RetryPolicy::none()).is_err());
        assert!(Transport::new("not a url", http.clone(), RetryPolicy::none()).is_err());
        let t = Transport::new("http://127.0.0.1:3000/", http, RetryPolicy::none()).expect("ok");
        assert_eq!(t.base(), "http://127.0.0.1:3000");
    }
}
