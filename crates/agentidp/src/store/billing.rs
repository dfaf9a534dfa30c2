//! A tenant's plan and Stripe subscription, and the Stripe events already applied.

use uuid::Uuid;

use super::audit::chain::append_events;
use super::{Db, StoreResult, from_row, in_tx, on_pool};
use crate::domain::audit::NewEvent;
use crate::domain::billing::BillingState;
use crate::domain::ids::TenantId;
use crate::domain::time::Timestamp;

struct BillingRow {
    plan: String,
    stripe_customer_id: Option<String>,
    subscription_id: Option<String>,
    subscription_status: Option<String>,
    past_due_since: Option<Timestamp>,
    billing_event_at: i64,
}

from_row!(BillingRow {
    plan,
    stripe_customer_id,
    subscription_id,
    subscription_status,
    past_due_since,
    billing_event_at
});

/// What one Stripe event changes on a tenant.
#[derive(Debug, Clone)]
pub struct BillingChange {
    /// The tenant.
    pub tenant: TenantId,
    /// The new stored billing state.
    pub billing: BillingState,
}

impl Db {
    /// A tenant's billing state; `None` when there is no such tenant.
    pub async fn tenant_billing(&self, tenant: TenantId) -> StoreResult<Option<BillingState>> {
        const SQL: &str = "SELECT plan, stripe_customer_id, subscription_id, subscription_status,
            past_due_since, billing_event_at FROM tenants WHERE id = $1";
        let row: Option<BillingRow> =
            on_pool!(self, p => sqlx::query_as(SQL).bind(tenant.uuid()).fetch_optional(p).await)?;
        Ok(row.map(|r| BillingState {
            plan: r.plan,
            customer: r.stripe_customer_id,
            subscription: r.subscription_id,
            status: r.subscription_status,
            past_due_since: r.past_due_since,
            event_at: r.billing_event_at,
        }))
    }

    /// The tenant whose Stripe customer is `customer`.
    pub async fn tenant_by_customer(&self, customer: &str) -> StoreResult<Option<TenantId>> {
        const SQL: &str = "SELECT id FROM tenants WHERE stripe_customer_id = $1";
        let row: Option<(Uuid,)> =
            on_pool!(self, p => sqlx::query_as(SQL).bind(customer).fetch_optional(p).await)?;
        Ok(row.map(|(id,)| TenantId::from_uuid(id)))
    }

    /// Records Stripe event `id` as applied and, in the same transaction, writes `change`
    /// (when given, and unless an event created later was applied meanwhile) with its audit
    /// `events`. `false` when the event was applied before: nothing is written then.
    pub async fn apply_stripe_event(
        &self,
        (id, kind, created): (&str, &str, i64),
        change: Option<&BillingChange>,
        events: &[NewEvent],
        now: Timestamp,
    ) -> StoreResult<bool> {
        const RECORD: &str = "INSERT INTO stripe_events (id, type, created, received_at)
            VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO NOTHING";
        const UPDATE: &str = "UPDATE tenants SET plan = $2, stripe_customer_id = $3,
            subscription_id = $4, subscription_status = $5, past_due_since = $6,
            billing_event_at = $7 WHERE id = $1 AND billing_event_at <= $7";
        let applied = in_tx!(self, tx => {
            let recorded = sqlx::query(RECORD)
                .bind(id)
                .bind(kind)
                .bind(created)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            if recorded.rows_affected() == 0 {
                false
            } else {
                if let Some(c) = change {
                    let b = &c.billing;
                    sqlx::query(UPDATE)
                        .bind(c.tenant.uuid())
                        .bind(b.plan.as_str())
                        .bind(b.customer.as_deref())
                        .bind(b.subscription.as_deref())
                        .bind(b.status.as_deref())
                        .bind(b.past_due_since)
                        .bind(b.event_at)
                        .execute(&mut *tx)
                        .await?;
                }
                append_events!(self, tx, events);
                true
            }
        });
        Ok(applied)
    }
}
