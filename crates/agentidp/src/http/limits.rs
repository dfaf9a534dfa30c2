//! Rate limiting at the HTTP edge: which key a route is counted against, the per-request
//! slot that carries the decision to the response, and the `X-RateLimit-*` headers.
//!
//! Unauthenticated routes are counted per client IP here. Authenticated routes are counted
//! per client by the code that learns the client (the bearer extractor, the OAuth handlers),
//! through [`RateSlot::client`], so a limit can never be charged to a client the request
//! merely names in an unverified token.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};

use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::error::ApiError;
use crate::app::AppState;
use crate::domain::audit::RequestMeta;
use crate::domain::billing::Metric;
use crate::domain::ids::AgentId;
use crate::domain::token::{AccessClaims, Principal};
use crate::infra::net::client_ip;
use crate::infra::rate_limit::{RateDecision, RateKey};
use crate::service::ServiceError;

/// Routes that are never limited: probes and scrapes must keep working under load.
const EXEMPT: [&str; 3] = ["/health", "/health/detailed", "/metrics"];

/// The client address after the trusted-proxy rule, for limits and the audit log.
#[derive(Debug, Clone, Copy)]
pub struct ClientIp(pub IpAddr);

/// Carries one request's rate-limit decision from wherever it is made to the response.
#[derive(Debug, Clone)]
pub struct RateSlot {
    state: Option<AppState>,
    route: Arc<str>,
    ip: IpAddr,
    decision: Arc<Mutex<Option<RateDecision>>>,
}

impl RateSlot {
    fn set(&self, d: RateDecision) {
        *self
            .decision
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(d);
    }

    fn get(&self) -> Option<RateDecision> {
        *self
            .decision
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    async fn count(&self, key: RateKey<'_>) -> Result<(), u64> {
        let Some(state) = &self.state else {
            return Ok(());
        };
        match state.limiter.check(&self.route, key).await {
            Some(d) => {
                self.set(d);
                if d.allowed {
                    Ok(())
                } else {
                    Err(d.retry_after_secs)
                }
            }
            None => Ok(()),
        }
    }

    /// Counts the request against a client id; `Err(retry_after_secs)` when over the limit.
    pub async fn client(&self, client_id: &str) -> Result<(), u64> {
        self.count(RateKey::Client(client_id)).await
    }

    /// Admits a client-authentication attempt before its secret is checked. An id that can
    /// name a client is refused only while this IP's failed attempts as that client are over
    /// the limit (a peek: nothing is counted yet), so guessing at a client's secret never uses
    /// up the client's own budget; an id that can name no client counts against the IP, since
    /// it must not open a fresh budget with every attempt.
    pub async fn client_attempt(&self, client_id: &str) -> Result<(), u64> {
        let Ok(id) = client_id.parse::<AgentId>() else {
            return self.ip().await;
        };
        let Some(state) = &self.state else {
            return Ok(());
        };
        let id = id.to_string();
        match state
            .limiter
            .peek(&self.route, RateKey::Failures(&id, self.ip))
            .await
        {
            Some(d) if !d.allowed => {
                self.set(d);
                Err(d.retry_after_secs)
            }
            _ => Ok(()),
        }
    }

    /// Counts a failed client authentication against this IP's budget for the presented id
    /// (in its canonical form, so `urn:uuid:`, braces or upper case share one counter).
    pub async fn client_failed(&self, client_id: &str) {
        let (Some(state), Ok(id)) = (&self.state, client_id.parse::<AgentId>()) else {
            return;
        };
        let id = id.to_string();
        let key = RateKey::Failures(&id, self.ip);
        if let Some(d) = state.limiter.check(&self.route, key).await {
            self.set(d);
        }
    }

    /// Counts the request against the client IP (used when authentication failed).
    pub async fn ip(&self) -> Result<(), u64> {
        self.count(RateKey::Ip(self.ip)).await
    }
}

impl<S: Send + Sync> FromRequestParts<S> for RateSlot {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(parts
            .extensions
            .get::<Self>()
            .cloned()
            .unwrap_or_else(|| Self {
                state: None,
                route: Arc::from(""),
                ip: IpAddr::V4(Ipv4Addr::UNSPECIFIED),
                decision: Arc::default(),
            }))
    }
}

/// Why a bearer-authenticated request was refused.
#[derive(Debug)]
pub enum BearerRefusal {
    /// Over the rate limit; seconds until a retry may succeed.
    Limited(u64),
    /// The token is missing, invalid or not live (or storage failed).
    Denied(ServiceError),
    /// The caller is authenticated but its tenant's daily API calls are used up.
    OverPlan(ServiceError),
}

/// Authenticates a bearer token and counts the request: against the token's subject when it
/// is valid, against the client IP when it is not (so guessing is limited too).
pub async fn authenticate_bearer(
    state: &AppState,
    slot: &RateSlot,
    token: Option<&str>,
    meta: &RequestMeta,
) -> Result<Principal, BearerRefusal> {
    bearer_with_claims(state, slot, token, meta)
        .await
        .map(|(principal, _)| principal)
}

/// [`authenticate_bearer`], also answering the token's claims (an actor token's expiry and
/// `act`, which a delegation checks).
pub async fn bearer_with_claims(
    state: &AppState,
    slot: &RateSlot,
    token: Option<&str>,
    meta: &RequestMeta,
) -> Result<(Principal, AccessClaims), BearerRefusal> {
    let authenticated = match token {
        Some(token) => state.idp.authenticate_bearer(token, meta).await,
        None => Err(ServiceError::InvalidToken("missing bearer token")),
    };
    match authenticated {
        Ok((principal, claims)) => {
            slot.client(&principal.agent_id.to_string())
                .await
                .map_err(BearerRefusal::Limited)?;
            state.metrics.tenant_call(&principal.tenant_id.to_string());
            state
                .idp
                .count_usage(
                    principal.tenant_id,
                    principal.agent_id,
                    Metric::ApiCalls,
                    meta,
                )
                .await
                .map_err(BearerRefusal::OverPlan)?;
            Ok((principal, claims))
        }
        Err(e) => {
            slot.ip().await.map_err(BearerRefusal::Limited)?;
            Err(BearerRefusal::Denied(e))
        }
    }
}

/// Whether a route's requests are counted per client by the handlers (true) or per IP here:
/// every authenticated route is; sign-up and the public marketplace are not.
fn counted_per_client(route: &str) -> bool {
    route.starts_with("/oauth2/")
        || (route.starts_with("/v1/")
            && route != "/v1/tenants"
            && !route.starts_with("/v1/marketplace/"))
}

/// Middleware: resolves the client IP, limits unauthenticated routes per IP, and writes the
/// decision (whoever made it) into the response headers.
pub async fn rate_limit(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let route = super::ops::route_of(&req);
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(IpAddr::V4(Ipv4Addr::LOCALHOST), |c| c.0.ip());
    let forwarded = req
        .headers()
        .get("x-forwarded-for")
        .and_then(|v| v.to_str().ok());
    let ip = client_ip(peer, forwarded, &state.config.trusted_proxies);
    req.extensions_mut().insert(ClientIp(ip));
    if EXEMPT.contains(&route.as_str()) {
        return next.run(req).await;
    }
    let slot = RateSlot {
        state: Some(state.clone()),
        route: Arc::from(route.as_str()),
        ip,
        decision: Arc::default(),
    };
    req.extensions_mut().insert(slot.clone());
    let mut response = if !counted_per_client(&route)
        && let Err(retry) = slot.ip().await
    {
        ApiError::rate_limited(retry).into_response()
    } else {
        next.run(req).await
    };
    if let Some(d) = slot.get() {
        if !d.allowed {
            state.metrics.rate_limited(&route);
        }
        let headers = response.headers_mut();
        headers.insert("x-ratelimit-limit", HeaderValue::from(d.limit));
        headers.insert("x-ratelimit-remaining", HeaderValue::from(d.remaining));
        headers.insert("x-ratelimit-reset", HeaderValue::from(d.reset_secs));
        if !d.allowed {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(d.retry_after_secs));
        }
    }
    response
}
