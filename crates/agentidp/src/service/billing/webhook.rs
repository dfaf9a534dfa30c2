//! Stripe's webhook: a signed event about a tenant's checkout, subscription or invoice,
//! applied once (by event id), never over a newer one, and audited as `plan.changed`.

use secrecy::{ExposeSecret as _, SecretString};
use serde::Deserialize;
use serde_json::{Map, Value};

use super::super::{Idp, ServiceError, ServiceResult};
use crate::domain::audit::{Action, NewEvent, RequestMeta};
use crate::domain::billing::{SubscriptionEvent, apply};
use crate::domain::ids::TenantId;
use crate::domain::stripe;
use crate::domain::time::Timestamp;
use crate::store::BillingChange;

/// A Stripe event, as far as the server reads it.
#[derive(Debug, Deserialize)]
struct Event {
    id: String,
    #[serde(rename = "type")]
    kind: String,
    created: i64,
    data: EventData,
}

#[derive(Debug, Deserialize)]
struct EventData {
    object: Map<String, Value>,
}

/// What a webhook delivery did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// Applied (or recorded: an event type or tenant the server has nothing to do with).
    Applied,
    /// Delivered before; nothing changed.
    Duplicate,
}

fn text(object: &Map<String, Value>, field: &str) -> Option<String> {
    object.get(field).and_then(Value::as_str).map(str::to_owned)
}

/// The subscription change an event reports, if it reports one.
fn subscription_event(event: &Event) -> Option<SubscriptionEvent> {
    let o = &event.data.object;
    let (subscription, status) = match event.kind.as_str() {
        "checkout.session.completed" => {
            let paid = matches!(
                o.get("payment_status").and_then(Value::as_str),
                Some("paid" | "no_payment_required")
            );
            (text(o, "subscription"), paid.then(|| "active".to_owned())?)
        }
        "customer.subscription.created" | "customer.subscription.updated" => {
            (text(o, "id"), text(o, "status")?)
        }
        "customer.subscription.deleted" => (text(o, "id"), "canceled".to_owned()),
        "invoice.paid" => (invoice_subscription(o), "active".to_owned()),
        "invoice.payment_failed" => (invoice_subscription(o), "past_due".to_owned()),
        _ => return None,
    };
    Some(SubscriptionEvent {
        created: event.created,
        customer: text(o, "customer"),
        subscription,
        status,
    })
}

/// An invoice's subscription: `subscription` in older API versions,
/// `parent.subscription_details.subscription` in newer ones.
fn invoice_subscription(o: &Map<String, Value>) -> Option<String> {
    text(o, "subscription").or_else(|| {
        o.get("parent")?
            .get("subscription_details")?
            .get("subscription")?
            .as_str()
            .map(str::to_owned)
    })
}

/// The tenant an event names: `client_reference_id` (checkout), `metadata.tenant_id` (set on
/// the subscription at checkout), else whoever has its customer.
async fn tenant_of(idp: &Idp, o: &Map<String, Value>) -> ServiceResult<Option<TenantId>> {
    let named = text(o, "client_reference_id").or_else(|| {
        o.get("metadata")?
            .get("tenant_id")?
            .as_str()
            .map(str::to_owned)
    });
    if let Some(id) = named.and_then(|n| n.parse::<TenantId>().ok()) {
        return Ok(Some(id));
    }
    match text(o, "customer") {
        Some(customer) => Ok(idp.db.tenant_by_customer(&customer).await?),
        None => Ok(None),
    }
}

impl Idp {
    /// Verifies and applies one webhook delivery.
    pub async fn stripe_webhook(
        &self,
        secret: Option<&SecretString>,
        signature: Option<&str>,
        payload: &[u8],
        meta: &RequestMeta,
    ) -> ServiceResult<Delivery> {
        let secret = secret.ok_or(ServiceError::BillingDisabled)?;
        // Signatures are checked against the real time, whatever the metering clock says.
        let now = Timestamp::now();
        stripe::verify(
            signature,
            payload,
            secret.expose_secret().as_bytes(),
            now.unix_seconds(),
        )
        .map_err(ServiceError::BadStripeSignature)?;
        let event: Event = serde_json::from_slice(payload)
            .map_err(|e| ServiceError::BadStripeEvent(e.to_string()))?;
        let record = (event.id.as_str(), event.kind.as_str(), event.created);
        let reported = subscription_event(&event);
        let tenant = match &reported {
            Some(_) => tenant_of(self, &event.data.object).await?,
            None => None,
        };
        let (change, events) = match (reported, tenant) {
            (Some(reported), Some(tenant)) => self.change(tenant, &event, &reported, meta).await?,
            (Some(_), None) => {
                tracing::warn!(event = %event.id, kind = %event.kind, "a Stripe event names no known tenant");
                (None, Vec::new())
            }
            (None, _) => (None, Vec::new()),
        };
        let applied = self
            .db
            .apply_stripe_event(record, change.as_ref(), &events, now)
            .await?;
        if let Some(change) = &change {
            self.plan_cache.forget(change.tenant);
        }
        Ok(if applied {
            Delivery::Applied
        } else {
            Delivery::Duplicate
        })
    }

    /// The change `reported` makes to `tenant`'s billing, with its audit event; none when it
    /// is stale or about another subscription.
    async fn change(
        &self,
        tenant: TenantId,
        event: &Event,
        reported: &SubscriptionEvent,
        meta: &RequestMeta,
    ) -> ServiceResult<(Option<BillingChange>, Vec<NewEvent>)> {
        let Some(state) = self.db.tenant_billing(tenant).await? else {
            return Ok((None, Vec::new()));
        };
        let grace = self.plans_settings.past_due_grace_secs;
        let Some(next) = apply(&state, reported, grace, self.clock.now()) else {
            return Ok((None, Vec::new()));
        };
        let audit = NewEvent::new(
            tenant,
            "stripe",
            Action::PlanChanged,
            meta,
            Timestamp::now(),
        )
        .with("event", event.id.as_str())
        .with("type", event.kind.as_str())
        .with("from", state.plan.as_str())
        .with("to", next.plan.as_str())
        .with("status", next.status.as_deref().unwrap_or_default());
        Ok((
            Some(BillingChange {
                tenant,
                billing: next,
            }),
            vec![audit],
        ))
    }
}
