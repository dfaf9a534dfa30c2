//! Plans and limits: which limits apply to a tenant (its plan's when billing is enabled, the
//! server-wide `MAX_*` ones otherwise), metering of API calls and tokens against them, and
//! what a refusal says and records. Stripe's side lives in the submodules.

pub mod checkout;
pub mod webhook;

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::metering::Exceeded;
use super::{Idp, ServiceError, ServiceResult};
use crate::domain::audit::{Action, NewEvent, RequestMeta};
use crate::domain::billing::{
    BillingState, Limits, Metric, Plan, SubscriptionStatus, Window, plan_for,
};
use crate::domain::ids::{AgentId, TenantId};
use crate::domain::time::Timestamp;

/// How long a node trusts the plan it read for a tenant (a change made through another node
/// takes effect here within this long).
const PLAN_CACHE_TTL: Duration = Duration::from_secs(30);
/// Most tenants' plans a node keeps; past it the cache is emptied (it refills on demand).
const PLAN_CACHE_MAX: usize = 100_000;

/// What decides the limits.
#[derive(Debug, Clone)]
pub struct PlanSettings {
    /// Whether plans are enforced (`BILLING_ENABLED`).
    pub billing_enabled: bool,
    /// The free plan's limits.
    pub free: Limits,
    /// The pro plan's limits.
    pub pro: Limits,
    /// The limits of every tenant when billing is disabled (`MAX_AGENTS_PER_TENANT`,
    /// `MAX_TOKENS_PER_MONTH`).
    pub unbilled: Limits,
    /// How long a past-due subscription keeps the pro plan.
    pub past_due_grace_secs: i64,
}

/// The limits that apply to a tenant now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Applied {
    /// Its plan (billing disabled: the stored one, which nothing reads).
    pub plan: Plan,
    /// The limits.
    pub limits: Limits,
    /// Whether they are the plan's (billing enabled).
    pub billed: bool,
}

/// Plans read recently, and the limits already reported once in their window.
#[derive(Debug, Default)]
pub struct PlanCache {
    plans: Mutex<HashMap<TenantId, (Plan, Instant)>>,
    reported: Mutex<HashSet<(TenantId, Metric, Window)>>,
}

impl PlanCache {
    /// Forgets a tenant's plan (after this node changed it).
    pub fn forget(&self, tenant: TenantId) {
        self.plans
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .remove(&tenant);
    }
}

impl Idp {
    /// The plan a stored billing state gives now.
    pub(crate) fn effective_plan(&self, billing: &BillingState) -> Plan {
        match &billing.status {
            Some(status) => plan_for(
                &SubscriptionStatus::parse(status),
                billing.past_due_since,
                self.plans_settings.past_due_grace_secs,
                self.clock.now(),
            ),
            None => Plan::parse(&billing.plan),
        }
    }

    /// The limits that apply to `tenant` now.
    pub async fn applied_limits(&self, tenant: TenantId) -> ServiceResult<Applied> {
        if !self.plans_settings.billing_enabled {
            return Ok(self.limits_of(Plan::Free));
        }
        let cached = {
            let plans = self
                .plan_cache
                .plans
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            plans
                .get(&tenant)
                .filter(|(_, at)| at.elapsed() < PLAN_CACHE_TTL)
                .map(|(plan, _)| *plan)
        };
        let plan = match cached {
            Some(plan) => plan,
            None => {
                let billing =
                    self.db
                        .tenant_billing(tenant)
                        .await?
                        .ok_or(ServiceError::InvalidToken(
                            "the token's tenant no longer exists",
                        ))?;
                let plan = self.effective_plan(&billing);
                let mut plans = self
                    .plan_cache
                    .plans
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                if plans.len() >= PLAN_CACHE_MAX {
                    plans.clear();
                }
                plans.insert(tenant, (plan, Instant::now()));
                plan
            }
        };
        Ok(self.limits_of(plan))
    }

    /// The limits a tenant on `plan` has: the plan's when billing is enabled, else the
    /// server-wide ones.
    pub(crate) fn limits_of(&self, plan: Plan) -> Applied {
        let s = &self.plans_settings;
        let limits = match (s.billing_enabled, plan) {
            (false, _) => s.unbilled,
            (true, Plan::Free) => s.free,
            (true, Plan::Pro) => s.pro,
        };
        Applied {
            plan,
            limits,
            billed: s.billing_enabled,
        }
    }

    /// Counts one unit of `metric` (an authenticated API call, an issued token) for
    /// `tenant`, refusing it past the limit that applies.
    pub(crate) async fn count_usage(
        &self,
        tenant: TenantId,
        agent: AgentId,
        metric: Metric,
        meta: &RequestMeta,
    ) -> ServiceResult<()> {
        let applied = self.applied_limits(tenant).await?;
        match self
            .meter
            .count(tenant, metric, applied.limits.of(metric))
            .await?
        {
            Ok(()) => Ok(()),
            Err(exceeded) => Err(self
                .over_limit(tenant, agent, applied, exceeded, meta)
                .await?),
        }
    }

    /// The error of a refused count, counted in the metrics and audited (once per tenant,
    /// limit and window on each node, so a client retrying in a loop does not flood the log).
    pub(crate) async fn over_limit(
        &self,
        tenant: TenantId,
        agent: AgentId,
        applied: Applied,
        exceeded: Exceeded,
        meta: &RequestMeta,
    ) -> ServiceResult<ServiceError> {
        let limit_type = exceeded.metric.limit_type();
        self.metrics
            .billing_limit_rejection(&tenant.to_string(), limit_type);
        let first = {
            let mut reported = self
                .plan_cache
                .reported
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if reported.len() >= PLAN_CACHE_MAX {
                reported.clear();
            }
            reported.insert((tenant, exceeded.metric, exceeded.window))
        };
        if first {
            let event = NewEvent::new(
                tenant,
                agent.to_string(),
                Action::LimitExceeded,
                meta,
                Timestamp::now(),
            )
            .subject(agent)
            .failed()
            .with("limit", limit_type)
            .with("max", exceeded.limit)
            .with("plan", applied.plan.as_str());
            self.audit.record(event).await?;
        }
        Ok(refusal(
            applied,
            limit_type,
            exceeded.limit,
            Some(exceeded.retry_after),
        ))
    }
}

/// The error for a limit reached: the free tier's when billing applies it, else the
/// server-wide limit's.
pub(crate) fn refusal(
    applied: Applied,
    limit_type: &'static str,
    limit: u64,
    retry_after: Option<u64>,
) -> ServiceError {
    if applied.billed {
        return ServiceError::PlanLimitExceeded {
            plan: applied.plan,
            limit_type,
            limit,
            retry_after,
        };
    }
    match limit_type {
        "agents" => ServiceError::AgentLimitReached {
            limit: u32::try_from(limit).unwrap_or(u32::MAX),
        },
        _ => ServiceError::TokenQuotaExceeded { limit },
    }
}
