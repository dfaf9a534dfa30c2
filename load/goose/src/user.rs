//! What one Goose user does on the wire: measured requests, reading their JSON answers, and the
//! session (admin token, own credential) it keeps between iterations.

use std::time::{Duration, Instant};

use goose::goose::GooseResponse;
use goose::metrics::GooseRequestMetric;
use goose::prelude::*;
use reqwest::RequestBuilder;
use serde::de::DeserializeOwned;

use crate::api::{ClientCredentials, TOKEN_FORM, TokenResponse};

/// What a user keeps between iterations (Goose holds one value per user).
#[derive(Clone, Default)]
pub struct Session {
    /// The admin access token, once the user has one.
    pub admin_token: Option<AdminToken>,
    /// A rotation user's own agent and credential, once created.
    pub own: Option<OwnCredential>,
}

/// An admin access token, and when to get a new one.
#[derive(Clone)]
pub struct AdminToken {
    /// The bearer token.
    token: String,
    /// Past this instant the user gets a new token (half the token's lifetime).
    renew_at: Instant,
}

/// A rotation user's own agent and credential.
#[derive(Clone)]
pub struct OwnCredential {
    /// The agent.
    pub agent_id: String,
    /// Its credential, rotated over and over.
    pub credential_id: String,
}

/// A copy of the user's session (empty before the first `store`).
pub fn session(user: &GooseUser) -> Session {
    user.get_session_data::<Session>()
        .cloned()
        .unwrap_or_default()
}

/// Changes the user's session with `change`.
pub fn store(user: &mut GooseUser, change: impl FnOnce(&mut Session)) {
    let mut updated = session(user);
    change(&mut updated);
    user.set_session_data(updated);
}

/// Sends a measured request and reads its JSON body as `T`, returning the request's metric too
/// so the caller can still mark it failed. A non-2xx status is already a failed request for
/// Goose; an unreadable body is marked failed here.
pub async fn send_json<T: DeserializeOwned>(
    user: &mut GooseUser,
    request: GooseRequest<'_>,
) -> Result<(T, GooseRequestMetric), Box<TransactionError>> {
    let GooseResponse {
        mut request,
        response,
    } = user.request(request).await?;
    let response = match response {
        Ok(response) if response.status().is_success() => response,
        Ok(response) => {
            // Read the body so the connection can be reused.
            let _ = response.bytes().await;
            return Err(Box::new(TransactionError::RequestFailed {
                raw_request: Box::new(request),
            }));
        }
        Err(_) => {
            return Err(Box::new(TransactionError::RequestFailed {
                raw_request: Box::new(request),
            }));
        }
    };
    match response.json::<T>().await {
        Ok(value) => Ok((value, request)),
        Err(e) => Err(fail(
            user,
            &mut request,
            &format!("unreadable response body: {e}"),
        )),
    }
}

/// Marks a request that got a 2xx answer as failed, with `reason`, and returns the error.
pub fn fail(
    user: &mut GooseUser,
    request: &mut GooseRequestMetric,
    reason: &str,
) -> Box<TransactionError> {
    match user.set_failure(reason, request, None, None) {
        Err(error) => error,
        Ok(()) => Box::new(TransactionError::Custom(reason.to_owned())),
    }
}

/// A `POST` request named `name`, built by `build` from the user's request builder for `path`.
pub fn post<'a>(
    user: &GooseUser,
    path: &'a str,
    name: &'a str,
    build: impl FnOnce(RequestBuilder) -> RequestBuilder,
) -> Result<GooseRequest<'a>, Box<TransactionError>> {
    let builder = build(user.get_request_builder(&GooseMethod::Post, path)?);
    Ok(GooseRequest::builder()
        .method(GooseMethod::Post)
        .path(path)
        .name(name)
        .set_request_builder(builder)
        .build())
}

/// The `POST /oauth2/token` request for `client` (client_credentials, `client_secret_basic`).
pub fn token_request<'a>(
    user: &GooseUser,
    client: &ClientCredentials,
    name: &'a str,
) -> Result<GooseRequest<'a>, Box<TransactionError>> {
    post(user, "/oauth2/token", name, |builder| {
        builder
            .basic_auth(&client.id, Some(&client.secret))
            .form(&TOKEN_FORM)
    })
}

/// The user's admin token: the one it holds, or a new one (measured) when it has none yet or
/// half of its lifetime has passed.
pub async fn admin_token(
    user: &mut GooseUser,
    admin: &ClientCredentials,
) -> Result<String, Box<TransactionError>> {
    if let Some(held) = session(user).admin_token
        && Instant::now() < held.renew_at
    {
        return Ok(held.token);
    }
    let request = token_request(user, admin, "POST /oauth2/token (admin)")?;
    let (response, _): (TokenResponse, _) = send_json(user, request).await?;
    let held = AdminToken {
        token: response.access_token,
        renew_at: Instant::now() + Duration::from_secs(response.expires_in / 2),
    };
    let token = held.token.clone();
    store(user, |s| s.admin_token = Some(held));
    Ok(token)
}
