//! Usage counters per tenant, period and metric (monthly token quota, later billing).

use super::{Db, StoreResult, on_pool};
use crate::domain::ids::TenantId;

impl Db {
    /// Adds `delta` to a counter (creating it) and returns the new total.
    pub async fn add_usage(
        &self,
        tenant: TenantId,
        period: &str,
        metric: &str,
        delta: i64,
    ) -> StoreResult<i64> {
        const SQL: &str =
            "INSERT INTO usage_counters (tenant_id, period, metric, count) VALUES ($1, $2, $3, $4)
            ON CONFLICT (tenant_id, period, metric) DO UPDATE SET count = usage_counters.count + $4
            RETURNING count";
        let (n,): (i64,) = on_pool!(self, p => sqlx::query_as(SQL)
            .bind(tenant.uuid()).bind(period).bind(metric).bind(delta).fetch_one(p).await)?;
        Ok(n)
    }

    /// A counter's current total (0 when absent).
    pub async fn usage(&self, tenant: TenantId, period: &str, metric: &str) -> StoreResult<i64> {
        const SQL: &str =
            "SELECT count FROM usage_counters WHERE tenant_id = $1 AND period = $2 AND metric = $3";
        let row: Option<(i64,)> = on_pool!(self, p => sqlx::query_as(SQL)
            .bind(tenant.uuid()).bind(period).bind(metric).fetch_optional(p).await)?;
        Ok(row.map_or(0, |(n,)| n))
    }
}
