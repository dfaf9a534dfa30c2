//! `/v1/billing`: Stripe Checkout to subscribe to the pro plan, and the webhook through which
//! Stripe reports payments and subscription changes.

use agentidp_proto as wire;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::error::{ApiError, ErrorBody};
use super::extract::{Auth, Meta};
use super::limits::RateSlot;
use crate::app::AppState;
use crate::service::billing::webhook::Delivery;

/// The routes of this module.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(checkout))
        .routes(routes!(webhook))
}

/// Start a Stripe Checkout for the pro plan; answers the page to send the user to. The plan
/// changes when Stripe reports the payment (the webhook). An `Idempotency-Key` header makes
/// retries return the same session.
#[utoipa::path(post, path = "/v1/billing/checkout", tag = "billing",
    security(("bearerAuth" = ["billing:write"])),
    params(("Idempotency-Key" = Option<String>, Header, description = "Repeated requests with the same key get the same session")),
    responses(
        (status = 200, description = "Checkout session created", body = wire::CheckoutSession),
        (status = 401, description = "Missing or invalid token", body = ErrorBody),
        (status = 403, description = "Missing scope billing:write", body = ErrorBody),
        (status = 409, description = "BILLING_DISABLED: billing or Stripe is not configured", body = ErrorBody),
        (status = 502, description = "PAYMENT_PROVIDER_ERROR: Stripe refused the request", body = ErrorBody),
        (status = 503, description = "PAYMENT_PROVIDER_UNAVAILABLE: Stripe could not be reached", body = ErrorBody),
    ))]
async fn checkout(
    State(state): State<AppState>,
    Auth(caller): Auth,
    headers: HeaderMap,
) -> Result<axum::Json<wire::CheckoutSession>, ApiError> {
    let key = headers
        .get("idempotency-key")
        .map(|v| v.to_str().unwrap_or("\u{0}"));
    let checkout_url = state.idp.start_checkout(&caller, key).await?;
    Ok(axum::Json(wire::CheckoutSession { checkout_url }))
}

/// Stripe's webhook endpoint (no bearer token: the `Stripe-Signature` header, an HMAC of the
/// raw body under `STRIPE_WEBHOOK_SECRET`, authenticates it). Applies `checkout.session.completed`,
/// `customer.subscription.created|updated|deleted`, `invoice.paid` and
/// `invoice.payment_failed` once each, in their `created` order; acknowledges other events.
#[utoipa::path(post, path = "/v1/billing/webhook", tag = "billing",
    request_body(content = Object, content_type = "application/json", description = "A Stripe event, exactly as Stripe sent it"),
    security(()),
    params(("Stripe-Signature" = String, Header, description = "t=<unix time>,v1=<hex HMAC-SHA-256>")),
    responses(
        (status = 200, description = "Verified and recorded", body = wire::WebhookAck),
        (status = 400, description = "INVALID_SIGNATURE (missing, tampered, expired beyond 300 s) or INVALID_EVENT; nothing changed", body = ErrorBody),
        (status = 409, description = "BILLING_DISABLED: STRIPE_WEBHOOK_SECRET is not set", body = ErrorBody),
    ))]
async fn webhook(
    State(state): State<AppState>,
    Meta(meta): Meta,
    slot: RateSlot,
    headers: HeaderMap,
    body: Bytes,
) -> Result<axum::Json<wire::WebhookAck>, ApiError> {
    // No client authenticates a webhook: it is counted against the caller's IP.
    slot.ip().await.map_err(ApiError::rate_limited)?;
    let signature = headers
        .get("stripe-signature")
        .and_then(|v| v.to_str().ok());
    let secret = state.config.billing.stripe_webhook_secret.as_ref();
    let delivery = state
        .idp
        .stripe_webhook(secret, signature, &body, &meta)
        .await?;
    Ok(axum::Json(wire::WebhookAck {
        received: true,
        duplicate: delivery == Delivery::Duplicate,
    }))
}
