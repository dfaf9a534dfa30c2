//! Upgrading to the pro plan: a Stripe Checkout Session for the tenant's subscription. The
//! plan changes only when Stripe's webhook says the subscription is paid.

use super::super::{Idp, ServiceError, ServiceResult};
use crate::domain::audit::Action;
use crate::domain::token::Principal;
use crate::infra::stripe::{CheckoutRequest, StripeError};

/// Where Checkout sends the customer, and which price it sells.
#[derive(Debug, Clone)]
pub struct CheckoutSettings {
    /// The pro plan's Stripe price.
    pub price: String,
    /// After paying.
    pub success_url: String,
    /// After cancelling.
    pub cancel_url: String,
}

/// Seconds during which repeated Upgrade clicks of one tenant get the same session.
const SAME_SESSION_SECS: i64 = 600;
/// Longest idempotency key Stripe accepts.
const MAX_IDEMPOTENCY_KEY: usize = 255;

impl Idp {
    /// Creates a Checkout Session for the caller's tenant and answers its URL. A caller's
    /// `Idempotency-Key` makes its retries return the same session; without one, the tenant's
    /// requests within ten minutes do.
    pub async fn start_checkout(
        &self,
        caller: &Principal,
        idempotency_key: Option<&str>,
    ) -> ServiceResult<String> {
        self.authorize(caller, "billing:write").await?;
        let (Some(stripe), Some(settings), true) = (
            &self.stripe,
            &self.checkout,
            self.plans_settings.billing_enabled,
        ) else {
            return Err(ServiceError::BillingDisabled);
        };
        let tenant = caller.tenant_id;
        let key = match idempotency_key {
            Some(k)
                if !k.is_empty()
                    && k.len() <= MAX_IDEMPOTENCY_KEY
                    && k.bytes().all(|b| b.is_ascii_graphic()) =>
            {
                format!("{tenant}:{k}")
            }
            Some(_) => {
                return Err(crate::domain::DomainError::Validation {
                    field: "Idempotency-Key",
                    message: "must be 1 to 255 printable ASCII characters".to_owned(),
                }
                .into());
            }
            None => {
                let slot = self.clock.now().unix_seconds() / SAME_SESSION_SECS;
                format!("agentidp-checkout:{tenant}:{slot}")
            }
        };
        let customer = self
            .db
            .tenant_billing(tenant)
            .await?
            .and_then(|b| b.customer);
        let request = CheckoutRequest {
            price: settings.price.clone(),
            tenant: tenant.to_string(),
            customer,
            success_url: settings.success_url.clone(),
            cancel_url: settings.cancel_url.clone(),
            idempotency_key: key,
        };
        let session = stripe
            .create_checkout_session(&request)
            .await
            .map_err(|e| match e {
                StripeError::Refused { .. } => ServiceError::Stripe(e.to_string()),
                StripeError::Unavailable(_) => ServiceError::StripeUnavailable(e.to_string()),
            })?;
        let event = caller
            .event(
                Action::CheckoutStarted,
                crate::domain::time::Timestamp::now(),
            )
            .with("session", session.id.as_str());
        self.audit.record(event).await?;
        Ok(session.url)
    }
}
