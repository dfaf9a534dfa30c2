//! A tenant's consumption against the limits that apply to it: this month's tokens and daily
//! usage, today's API calls, live agents, its plan and subscription.

use std::collections::BTreeMap;

use super::{Idp, ServiceError, ServiceResult};
use crate::domain::billing::{Metric, Window};
use crate::domain::token::Principal;

/// One metric against its limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Metered {
    /// How much is used.
    pub used: u64,
    /// The limit; `None` when there is none.
    pub limit: Option<u64>,
}

/// What a tenant has used this month.
#[derive(Debug, Clone)]
pub struct Usage {
    /// The month counted, `YYYY-MM` (UTC).
    pub month: String,
    /// The tenant's plan now.
    pub plan: String,
    /// Whether the plan's limits are enforced.
    pub billing_enabled: bool,
    /// The Stripe subscription's status.
    pub subscription_status: Option<String>,
    /// Access tokens issued this month.
    pub tokens: Metered,
    /// Live (not decommissioned) agents.
    pub agents: Metered,
    /// API calls today.
    pub api_calls: Metered,
    /// Per day of the month: date and the count of each metric.
    pub days: BTreeMap<String, BTreeMap<Metric, u64>>,
}

impl Idp {
    /// The caller's tenant's usage (`agents:read`: whoever may see the agents may see how
    /// many there are and what they consume).
    pub async fn usage(&self, caller: &Principal) -> ServiceResult<Usage> {
        self.authorize(caller, "agents:read").await?;
        let tenant = caller.tenant_id;
        let now = self.clock.now();
        let month = Metric::TokensIssued.window(now);
        let billing = self
            .db
            .tenant_billing(tenant)
            .await?
            .ok_or(ServiceError::InvalidToken(
                "the token's tenant no longer exists",
            ))?;
        let (_, agents) =
            self.db
                .tenant_plan_and_agents(tenant)
                .await?
                .ok_or(ServiceError::InvalidToken(
                    "the token's tenant no longer exists",
                ))?;
        let plan = self.effective_plan(&billing);
        let limits = self.limits_of(plan).limits;
        let mut days: BTreeMap<String, BTreeMap<Metric, u64>> = BTreeMap::new();
        for row in self.db.usage_by_day(tenant, &month).await? {
            if let Some(metric) = Metric::parse(&row.metric) {
                days.entry(row.date)
                    .or_default()
                    .insert(metric, u64::try_from(row.count).unwrap_or(0));
            }
        }
        let today = Metric::ApiCalls.window(now);
        Ok(Usage {
            month: now.month(),
            plan: plan.as_str().to_owned(),
            billing_enabled: self.plans_settings.billing_enabled,
            subscription_status: billing.status,
            tokens: self
                .metered(
                    tenant,
                    Metric::TokensIssued,
                    &month,
                    limits.tokens_per_month,
                )
                .await?,
            agents: Metered {
                used: u64::try_from(agents).unwrap_or(0),
                limit: limits.agents,
            },
            api_calls: self
                .metered(tenant, Metric::ApiCalls, &today, limits.api_calls_per_day)
                .await?,
            days,
        })
    }

    async fn metered(
        &self,
        tenant: crate::domain::ids::TenantId,
        metric: Metric,
        window: &Window,
        limit: Option<u64>,
    ) -> ServiceResult<Metered> {
        Ok(Metered {
            used: self.meter.used(tenant, metric, window).await?,
            limit,
        })
    }
}
