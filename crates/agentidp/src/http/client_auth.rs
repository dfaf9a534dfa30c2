//! Client authentication at the OAuth endpoints: `client_secret_basic`, `client_secret_post`
//! and, at the token endpoint, `private_key_jwt` (RFC 7523 §2.2), each under the failure
//! budgets of the rate limiter.

use axum::http::{HeaderMap, header};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use percent_encoding::percent_decode_str;
use secrecy::{ExposeSecret, SecretString};

use agentidp_proto as wire;

use super::error::OAuthError;
use super::limits::RateSlot;
use crate::app::AppState;
use crate::domain::assertion::{ASSERTION_TYPE, subject_hint};
use crate::domain::audit::RequestMeta;
use crate::domain::billing::Metric;
use crate::domain::credential::Client;
use crate::service::ServiceError;

/// The token endpoint's client: by secret (Basic or form), or by a client assertion, and by
/// exactly one of them.
pub async fn token_client(
    state: &AppState,
    slot: &RateSlot,
    headers: &HeaderMap,
    form: &wire::TokenRequest,
    meta: &RequestMeta,
) -> Result<Client, OAuthError> {
    let (Some(kind), Some(assertion)) = (&form.client_assertion_type, &form.client_assertion)
    else {
        if form.client_assertion_type.is_some() || form.client_assertion.is_some() {
            return Err(OAuthError::bad_request(
                "invalid_request",
                "client_assertion and client_assertion_type go together",
            ));
        }
        let (id, secret) = client_credentials(
            headers,
            form.client_id.as_deref(),
            form.client_secret.as_ref(),
        )?;
        return authenticate_client(state, slot, &id, &secret, meta).await;
    };
    if kind != ASSERTION_TYPE {
        return Err(OAuthError::bad_request(
            "invalid_request",
            format!("client_assertion_type must be {ASSERTION_TYPE}"),
        ));
    }
    if form.client_secret.is_some() || headers.contains_key(header::AUTHORIZATION) {
        return Err(OAuthError::bad_request(
            "invalid_request",
            "use exactly one client authentication method",
        ));
    }
    let assertion = assertion.expose_secret();
    let presented = form.client_id.as_deref();
    // The failure budget is keyed by the client the assertion claims to be, before it is
    // verified, as a secret's is by the client id presented with it.
    let budget_key = presented
        .map(str::to_owned)
        .or_else(|| subject_hint(assertion))
        .unwrap_or_default();
    slot.client_attempt(&budget_key)
        .await
        .map_err(OAuthError::rate_limited)?;
    let result = state
        .idp
        .authenticate_assertion(presented, assertion, meta)
        .await;
    settle(
        state,
        slot,
        &budget_key,
        result.map(|(client, _)| client),
        meta,
    )
    .await
}

/// Counts an authentication's outcome: a success against the client's own budget, a failure
/// against the presenting IP's budget for that client.
async fn settle(
    state: &AppState,
    slot: &RateSlot,
    presented: &str,
    result: Result<Client, ServiceError>,
    meta: &RequestMeta,
) -> Result<Client, OAuthError> {
    match result {
        Ok(agent) => {
            slot.client(&agent.id.to_string())
                .await
                .map_err(OAuthError::rate_limited)?;
            state
                .idp
                .count_usage(agent.tenant_id, agent.id, Metric::ApiCalls, meta)
                .await?;
            Ok(agent)
        }
        Err(e) => {
            if matches!(
                e,
                ServiceError::InvalidClient | ServiceError::InvalidClientAssertion(_)
            ) {
                slot.client_failed(presented).await;
            }
            Err(e.into())
        }
    }
}

/// Client credentials from `client_secret_basic` or `client_secret_post` (exactly one).
pub fn client_credentials(
    headers: &HeaderMap,
    id: Option<&str>,
    secret: Option<&SecretString>,
) -> Result<(String, SecretString), OAuthError> {
    let basic = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("basic"));
    match (basic, id, secret) {
        (Some(_), Some(_), _) | (Some(_), _, Some(_)) => Err(OAuthError::bad_request(
            "invalid_request",
            "use exactly one client authentication method",
        )),
        (Some((_, encoded)), None, None) => {
            let bad = || OAuthError::invalid_client("malformed Basic credentials");
            let decoded = STANDARD.decode(encoded.trim()).map_err(|_| bad())?;
            let decoded = String::from_utf8(decoded).map_err(|_| bad())?;
            let (id, secret) = decoded.split_once(':').ok_or_else(bad)?;
            // RFC 6749 §2.3.1: both parts are form-urlencoded before Base64.
            let unescape = |s: &str| {
                percent_decode_str(&s.replace('+', " "))
                    .decode_utf8()
                    .map(|c| c.into_owned())
            };
            Ok((
                unescape(id).map_err(|_| bad())?,
                SecretString::from(unescape(secret).map_err(|_| bad())?),
            ))
        }
        (None, Some(id), Some(secret)) => Ok((id.to_owned(), secret.clone())),
        _ => Err(OAuthError::invalid_client(
            "client authentication is required",
        )),
    }
}

/// Authenticates a client by id and secret under the rate limits: a failure is counted
/// against the presenting IP's budget for that client, a success against the client's own.
pub async fn authenticate_client(
    state: &AppState,
    slot: &RateSlot,
    id: &str,
    secret: &SecretString,
    meta: &RequestMeta,
) -> Result<Client, OAuthError> {
    slot.client_attempt(id)
        .await
        .map_err(OAuthError::rate_limited)?;
    let result = state
        .idp
        .authenticate_client(id, secret.expose_secret(), meta)
        .await;
    settle(state, slot, id, result.map(|(client, _)| client), meta).await
}
