//! The token-exchange grant (RFC 8693) of `/oauth2/token`: which exchange a form asks for —
//! a workload's identity token under a trust policy, or delegation with an actor token — and
//! the checks of its parameters before the use cases run.

use agentidp_proto as wire;
use secrecy::ExposeSecret as _;

use super::error::OAuthError;
use super::limits::{BearerRefusal, RateSlot, bearer_with_claims};
use crate::app::AppState;
use crate::domain::audit::RequestMeta;
use crate::domain::delegation::Wanted;
use crate::domain::ids::AgentId;
use crate::domain::scope::ScopeSet;
use crate::domain::token::{IssuedToken, Resource};
use crate::service::delegation::DelegationRequest;
use crate::service::federation::ExchangeRequest;

/// RFC 8693's grant type.
pub(crate) const GRANT_TYPE: &str = "urn:ietf:params:oauth:grant-type:token-exchange";
/// The subject token types a workload may present (an OIDC ID token, or any JWT).
const WORKLOAD_TOKEN_TYPES: [&str; 2] = [
    "urn:ietf:params:oauth:token-type:id_token",
    "urn:ietf:params:oauth:token-type:jwt",
];
/// What an exchange issues, and the type of the tokens a delegation presents.
pub(crate) const ACCESS_TOKEN_TYPE: &str = "urn:ietf:params:oauth:token-type:access_token";

fn invalid(message: impl Into<String>) -> OAuthError {
    OAuthError::bad_request("invalid_request", message)
}

/// Runs the exchange the form asks for.
pub(crate) async fn exchange(
    state: &AppState,
    slot: &RateSlot,
    meta: &RequestMeta,
    form: &wire::TokenRequest,
    scope: Option<ScopeSet>,
    audience: Option<Resource>,
) -> Result<IssuedToken, OAuthError> {
    let subject = form
        .subject_token
        .as_ref()
        .ok_or_else(|| invalid("subject_token is required"))?
        .expose_secret()
        .to_owned();
    if form
        .requested_token_type
        .as_deref()
        .is_some_and(|t| t != ACCESS_TOKEN_TYPE)
    {
        return Err(invalid(format!(
            "requested_token_type can only be {ACCESS_TOKEN_TYPE}"
        )));
    }
    match form.subject_token_type.as_deref() {
        Some(ACCESS_TOKEN_TYPE) => {
            let wanted = Wanted {
                scope,
                audience,
                expires_in: form.expires_in,
            };
            delegate(state, slot, meta, form, subject, wanted).await
        }
        Some(t) if WORKLOAD_TOKEN_TYPES.contains(&t) => {
            if form.actor_token.is_some() || form.expires_in.is_some() {
                return Err(invalid(format!(
                    "actor_token and expires_in are accepted only with subject_token_type {ACCESS_TOKEN_TYPE} (delegation)"
                )));
            }
            // No client authenticates a workload's exchange: it is counted against the IP.
            slot.ip().await.map_err(OAuthError::rate_limited)?;
            let agent = form
                .client_id
                .as_deref()
                .map(str::parse::<AgentId>)
                .transpose()
                .map_err(|_| invalid("client_id must be an agent id"))?;
            let request = ExchangeRequest {
                subject_token: subject,
                agent,
                scope,
                audience,
            };
            Ok(state.idp.exchange_workload_token(request, meta).await?)
        }
        _ => Err(invalid(format!(
            "subject_token_type must be one of {}, {ACCESS_TOKEN_TYPE}",
            WORKLOAD_TOKEN_TYPES.join(", ")
        ))),
    }
}

/// Delegation: the actor authenticates with its own access token (`actor_token`), and is
/// counted as the client of the request.
async fn delegate(
    state: &AppState,
    slot: &RateSlot,
    meta: &RequestMeta,
    form: &wire::TokenRequest,
    subject_token: String,
    wanted: Wanted,
) -> Result<IssuedToken, OAuthError> {
    let actor_token = form
        .actor_token
        .as_ref()
        .ok_or_else(|| invalid("actor_token is required to delegate an access token"))?;
    if form.actor_token_type.as_deref() != Some(ACCESS_TOKEN_TYPE) {
        return Err(invalid(format!(
            "actor_token_type must be {ACCESS_TOKEN_TYPE}"
        )));
    }
    if wanted.expires_in.is_some_and(|s| s < 1) {
        return Err(invalid("expires_in must be a positive number of seconds"));
    }
    let (actor, claims) =
        match bearer_with_claims(state, slot, Some(actor_token.expose_secret()), meta).await {
            Ok(authenticated) => authenticated,
            Err(BearerRefusal::Limited(retry)) => return Err(OAuthError::rate_limited(retry)),
            Err(BearerRefusal::OverPlan(e)) => return Err(e.into()),
            Err(BearerRefusal::Denied(e)) if e.is_unavailable() => return Err(e.into()),
            Err(BearerRefusal::Denied(_)) => {
                return Err(invalid(
                    "the actor token is invalid, expired, revoked or not for this server",
                ));
            }
        };
    if form
        .client_id
        .as_deref()
        .is_some_and(|id| id != actor.agent_id.to_string())
    {
        return Err(invalid(
            "client_id, when given, must be the actor token's agent",
        ));
    }
    let request = DelegationRequest {
        subject_token,
        wanted,
    };
    Ok(state.idp.delegate(&actor, &claims, request, meta).await?)
}
