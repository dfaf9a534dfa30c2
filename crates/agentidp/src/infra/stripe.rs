//! A thin typed client of the one Stripe API call the server makes: creating a Checkout
//! Session. Form-encoded as Stripe expects, with a timeout, an `Idempotency-Key` (so retries
//! cannot create two sessions) and retries on 5xx and network errors.

use std::time::Duration;

use secrecy::{ExposeSecret as _, SecretString};
use serde::Deserialize;

/// Attempts per call (the first and two retries).
const ATTEMPTS: u32 = 3;
/// The wait before the first retry; doubled before each next one.
const FIRST_BACKOFF: Duration = Duration::from_millis(250);
/// Longest a call may take.
const TIMEOUT: Duration = Duration::from_secs(10);

/// What a Stripe call failed with.
#[derive(Debug, thiserror::Error)]
pub enum StripeError {
    /// Stripe answered 4xx: the request is wrong (a bad price id, a bad key).
    #[error("Stripe refused the request ({status}): {message}")]
    Refused {
        /// The HTTP status.
        status: u16,
        /// Stripe's error message.
        message: String,
    },
    /// Stripe could not be reached or kept failing (5xx, timeouts).
    #[error("Stripe is unavailable: {0}")]
    Unavailable(String),
}

/// A Checkout Session to create for a subscription.
#[derive(Debug, Clone)]
pub struct CheckoutRequest {
    /// The price subscribed to.
    pub price: String,
    /// The tenant subscribing: `client_reference_id` and the subscription's metadata.
    pub tenant: String,
    /// The tenant's Stripe customer, once it has one.
    pub customer: Option<String>,
    /// Where the customer lands after paying.
    pub success_url: String,
    /// Where the customer lands after cancelling.
    pub cancel_url: String,
    /// Makes repeated calls return the same session.
    pub idempotency_key: String,
}

/// A created Checkout Session.
#[derive(Debug, Clone, Deserialize)]
pub struct CheckoutSession {
    /// `cs_…`.
    pub id: String,
    /// The hosted payment page.
    pub url: String,
}

#[derive(Deserialize)]
struct ErrorBody {
    error: ErrorDetail,
}

#[derive(Deserialize)]
struct ErrorDetail {
    #[serde(default)]
    message: String,
}

/// The Stripe API client.
#[derive(Debug, Clone)]
pub struct StripeClient {
    http: reqwest::Client,
    base: String,
    key: SecretString,
}

impl StripeClient {
    /// A client of the API at `base` (e.g. `https://api.stripe.com`) with secret key `key`.
    pub fn new(base: &str, key: SecretString) -> Result<Self, String> {
        let http = reqwest::Client::builder()
            .user_agent(concat!("agentidp/", env!("CARGO_PKG_VERSION")))
            .timeout(TIMEOUT)
            .build()
            .map_err(|e| format!("Stripe HTTP client: {e}"))?;
        Ok(Self {
            http,
            base: base.trim_end_matches('/').to_owned(),
            key,
        })
    }

    /// `POST /v1/checkout/sessions` in subscription mode.
    pub async fn create_checkout_session(
        &self,
        request: &CheckoutRequest,
    ) -> Result<CheckoutSession, StripeError> {
        let mut form: Vec<(&str, &str)> = vec![
            ("mode", "subscription"),
            ("line_items[0][price]", &request.price),
            ("line_items[0][quantity]", "1"),
            ("client_reference_id", &request.tenant),
            ("metadata[tenant_id]", &request.tenant),
            ("subscription_data[metadata][tenant_id]", &request.tenant),
            ("success_url", &request.success_url),
            ("cancel_url", &request.cancel_url),
        ];
        if let Some(customer) = &request.customer {
            form.push(("customer", customer));
        }
        let url = format!("{}/v1/checkout/sessions", self.base);
        let mut backoff = FIRST_BACKOFF;
        let mut last = String::new();
        for attempt in 1..=ATTEMPTS {
            let sent = self
                .http
                .post(&url)
                .bearer_auth(self.key.expose_secret())
                .header("Idempotency-Key", &request.idempotency_key)
                .form(&form)
                .send()
                .await;
            match sent {
                Ok(r) if r.status().is_success() => {
                    return r
                        .json::<CheckoutSession>()
                        .await
                        .map_err(|e| StripeError::Unavailable(format!("unreadable answer: {e}")));
                }
                Ok(r) if r.status().is_client_error() => {
                    let status = r.status().as_u16();
                    let message = r
                        .json::<ErrorBody>()
                        .await
                        .map_or_else(|_| "no error message".to_owned(), |b| b.error.message);
                    return Err(StripeError::Refused { status, message });
                }
                Ok(r) => last = format!("HTTP {}", r.status()),
                Err(e) => last = e.to_string(),
            }
            if attempt < ATTEMPTS {
                tokio::time::sleep(backoff).await;
                backoff *= 2;
            }
        }
        Err(StripeError::Unavailable(last))
    }
}
