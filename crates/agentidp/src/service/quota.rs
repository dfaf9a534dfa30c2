//! Monthly token counters per tenant, kept in memory and flushed to storage in batches.
//!
//! Counting in memory keeps a database write off the token endpoint's hot path. The counts
//! are flushed every few seconds and at shutdown; a flush reads back the stored total, so
//! nodes sharing a database converge on each other's counts within one flush interval.
//! With Redis, the limit is checked against one shared counter per tenant and month, so
//! nodes agree at once; the database still receives every node's counts through the flush.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use super::{ServiceError, ServiceResult};
use crate::domain::ids::TenantId;
use crate::domain::time::Timestamp;
use crate::infra::redis::RedisLink;
use crate::store::{Db, StoreResult};

/// Shared counters outlive their month by a few days so late flushes still find them.
const COUNTER_TTL_SECS: u64 = 35 * 86_400;

/// The usage metric name for issued tokens.
pub const TOKENS_METRIC: &str = "tokens";

#[derive(Debug, Clone, Copy)]
struct Count {
    total: u64,
    pending: u64,
}

/// Per-tenant, per-month token counters.
#[derive(Debug)]
pub struct QuotaCounter {
    db: Db,
    redis: Option<Arc<RedisLink>>,
    counts: Mutex<HashMap<(TenantId, String), Count>>,
}

impl QuotaCounter {
    /// A counter backed by `db`, shared through `redis` when given.
    pub fn new(db: Db, redis: Option<Arc<RedisLink>>) -> Self {
        Self {
            db,
            redis,
            counts: Mutex::new(HashMap::new()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<(TenantId, String), Count>> {
        self.counts
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Counts one token for `tenant`, refusing once `limit` (0 = none) is used this month.
    pub async fn acquire(&self, tenant: TenantId, limit: u64, now: Timestamp) -> ServiceResult<()> {
        let key = (tenant, now.month());
        if let Some(shared) = self.acquire_shared(&key, limit).await? {
            if !shared {
                return Err(ServiceError::TokenQuotaExceeded { limit });
            }
            let mut counts = self.lock();
            let c = counts.entry(key).or_insert(Count {
                total: 0,
                pending: 0,
            });
            c.total += 1;
            c.pending += 1;
            return Ok(());
        }
        loop {
            if let Some(c) = self.lock().get_mut(&key) {
                if limit > 0 && c.total >= limit {
                    return Err(ServiceError::TokenQuotaExceeded { limit });
                }
                c.total += 1;
                c.pending += 1;
                return Ok(());
            }
            let stored = self.db.usage(tenant, &key.1, TOKENS_METRIC).await?;
            self.lock().entry(key.clone()).or_insert(Count {
                total: u64::try_from(stored).unwrap_or(0),
                pending: 0,
            });
        }
    }

    /// Tokens issued by `tenant` in `month`: the stored total plus what this node has not
    /// flushed yet (other nodes' counts arrive with their next flush, within 5 s).
    pub async fn used(&self, tenant: TenantId, month: &str) -> ServiceResult<u64> {
        let stored = u64::try_from(self.db.usage(tenant, month, TOKENS_METRIC).await?).unwrap_or(0);
        let local = self
            .lock()
            .get(&(tenant, month.to_owned()))
            .map(|c| (c.total, c.pending));
        Ok(match local {
            Some((total, pending)) => total.max(stored + pending),
            None => stored,
        })
    }

    /// Counts on the shared Redis counter: `Some(allowed)`, or `None` to count locally
    /// (no Redis, or Redis is down).
    async fn acquire_shared(
        &self,
        (tenant, month): &(TenantId, String),
        limit: u64,
    ) -> ServiceResult<Option<bool>> {
        let Some(link) = &self.redis else {
            return Ok(None);
        };
        let counter = format!("agentidp:quota:{TOKENS_METRIC}:{tenant}:{month}");
        // A counter missing from Redis (first use this month, or Redis restarted) starts
        // from the total the database has.
        let stored = || self.db.usage(*tenant, month, TOKENS_METRIC);
        Ok(link
            .count_up_to(&counter, limit, COUNTER_TTL_SECS, stored)
            .await?)
    }

    /// Writes pending counts to storage and forgets counters of past months.
    pub async fn flush(&self) -> StoreResult<()> {
        let pending: Vec<((TenantId, String), u64)> = {
            let mut counts = self.lock();
            counts
                .iter_mut()
                .filter(|(_, c)| c.pending > 0)
                .map(|(k, c)| (k.clone(), std::mem::replace(&mut c.pending, 0)))
                .collect()
        };
        let month = Timestamp::now().month();
        let mut first_error = None;
        for ((tenant, period), delta) in pending {
            let delta_i64 = i64::try_from(delta).unwrap_or(i64::MAX);
            match self
                .db
                .add_usage(tenant, &period, TOKENS_METRIC, delta_i64)
                .await
            {
                Ok(stored) => {
                    if let Some(c) = self.lock().get_mut(&(tenant, period)) {
                        c.total = u64::try_from(stored).unwrap_or(0) + c.pending;
                    }
                }
                Err(e) => {
                    if let Some(c) = self.lock().get_mut(&(tenant, period)) {
                        c.pending += delta;
                    }
                    first_error.get_or_insert(e);
                }
            }
        }
        self.lock()
            .retain(|(_, period), c| *period == month || c.pending > 0);
        first_error.map_or(Ok(()), Err)
    }
}
