//! Metered usage per tenant, UTC day and metric (`usage_events`).

use super::{Db, StoreResult, from_row, on_pool};
use crate::domain::billing::Window;
use crate::domain::billing::day_key;
use crate::domain::ids::TenantId;

/// One day's count of one metric.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayCount {
    /// The day, `YYYY-MM-DD`.
    pub date: String,
    /// The metric's stored name.
    pub metric: String,
    /// The count (for `active_agents`, the day's sample).
    pub count: i64,
}

from_row!(DayCount {
    date,
    metric,
    count
});

impl Db {
    /// Adds `delta` to a tenant's count of `metric` on `date` (creating it).
    pub async fn add_usage(
        &self,
        tenant: TenantId,
        date: &str,
        metric: &str,
        delta: i64,
    ) -> StoreResult<()> {
        const SQL: &str =
            "INSERT INTO usage_events (tenant_id, date, metric, count) VALUES ($1, $2, $3, $4)
            ON CONFLICT (tenant_id, date, metric) DO UPDATE SET count = usage_events.count + $4";
        on_pool!(self, p => sqlx::query(SQL)
            .bind(tenant.uuid()).bind(date).bind(metric).bind(delta).execute(p).await.map(|_| ()))?;
        Ok(())
    }

    /// A tenant's total of `metric` over the days of `window`.
    pub async fn usage_total(
        &self,
        tenant: TenantId,
        metric: &str,
        window: &Window,
    ) -> StoreResult<i64> {
        const SQL: &str = "SELECT CAST(COALESCE(SUM(count), 0) AS BIGINT) FROM usage_events
            WHERE tenant_id = $1 AND date >= $2 AND date <= $3 AND metric = $4";
        let (first, last) = (day_key(window.first), day_key(window.last));
        let (n,): (i64,) = on_pool!(self, p => sqlx::query_as(SQL)
            .bind(tenant.uuid()).bind(first.as_str()).bind(last.as_str()).bind(metric)
            .fetch_one(p).await)?;
        Ok(n)
    }

    /// A tenant's counts of every metric per day over `window`, by day then metric.
    pub async fn usage_by_day(
        &self,
        tenant: TenantId,
        window: &Window,
    ) -> StoreResult<Vec<DayCount>> {
        const SQL: &str = "SELECT date, metric, count FROM usage_events
            WHERE tenant_id = $1 AND date >= $2 AND date <= $3 ORDER BY date, metric";
        let (first, last) = (day_key(window.first), day_key(window.last));
        let rows = on_pool!(self, p => sqlx::query_as(SQL)
            .bind(tenant.uuid()).bind(first.as_str()).bind(last.as_str()).fetch_all(p).await)?;
        Ok(rows)
    }

    /// Records every tenant's live agents as the `active_agents` sample of `date` (the last
    /// sample of a day stands); returns how many tenants were sampled.
    pub async fn sample_active_agents(&self, date: &str) -> StoreResult<u64> {
        const SQL: &str = "INSERT INTO usage_events (tenant_id, date, metric, count)
            SELECT id, $1, 'active_agents', agent_count FROM tenants WHERE true
            ON CONFLICT (tenant_id, date, metric) DO UPDATE SET count = excluded.count";
        let done = on_pool!(self, p => sqlx::query(SQL).bind(date).execute(p).await
            .map(|r| r.rows_affected()))?;
        Ok(done)
    }
}
