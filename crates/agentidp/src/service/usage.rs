//! A tenant's consumption against its plan's limits: tokens this month, live agents.

use super::{Idp, ServiceError, ServiceResult};
use crate::domain::time::Timestamp;
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
    /// The tenant's plan.
    pub plan: String,
    /// Access tokens issued this month.
    pub tokens: Metered,
    /// Live (not decommissioned) agents.
    pub agents: Metered,
}

fn limit(n: u64) -> Option<u64> {
    (n > 0).then_some(n)
}

impl Idp {
    /// The caller's tenant's usage (`agents:read`: whoever may see the agents may see how
    /// many there are and what they consume).
    pub async fn usage(&self, caller: &Principal, now: Timestamp) -> ServiceResult<Usage> {
        self.authorize(caller, "agents:read").await?;
        let month = now.month();
        let (plan, agents) = self
            .db
            .tenant_plan_and_agents(caller.tenant_id)
            .await?
            .ok_or(ServiceError::InvalidToken(
                "the token's tenant no longer exists",
            ))?;
        let tokens = self.quota.used(caller.tenant_id, &month).await?;
        Ok(Usage {
            month,
            plan,
            tokens: Metered {
                used: tokens,
                limit: limit(self.settings.max_tokens_per_month),
            },
            agents: Metered {
                used: u64::try_from(agents).unwrap_or(0),
                limit: limit(u64::from(self.settings.max_agents_per_tenant)),
            },
        })
    }
}
