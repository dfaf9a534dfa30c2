//! Usage metering per tenant, metric and UTC day, with limits checked on the way.
//!
//! Counting in memory keeps a database write off every request's path: counts are flushed to
//! `usage_events` every few seconds and at shutdown, so a crash loses at most one interval's
//! counts of the node that crashed. A limit is checked against the total of its window (a day
//! for API calls, a month for tokens): with Redis, one shared counter per tenant, metric and
//! window from which each node takes small leases, so nodes agree within a lease each;
//! without, the stored total plus this node's counts since, read again after each flush, so
//! nodes converge within one flush interval.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use chrono::NaiveDate;

use super::ServiceResult;
use super::clock::Clock;
use crate::domain::billing::{Metric, Window, day_key};
use crate::domain::ids::TenantId;
use crate::infra::redis::RedisLink;
use crate::store::{Db, StoreResult};

/// Shared counters outlive their window by a couple of days, so late flushes still find them.
const SHARED_TTL_GRACE_SECS: u64 = 2 * 86_400;
/// Most units a node takes from a shared counter at once.
const MAX_LEASE: u64 = 64;

/// A limit that a count would have passed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Exceeded {
    /// The metric.
    pub metric: Metric,
    /// Its limit.
    pub limit: u64,
    /// The window whose total reached it.
    pub window: Window,
    /// Seconds until that window ends.
    pub retry_after: u64,
}

/// What a count against a window's view does next.
enum Step {
    /// Admitted on the view.
    Admitted,
    /// Admitted; this request reads the stored total again.
    Refresh,
    /// No view yet: read it, then count.
    Missing,
}

/// This node's view of a limit window's total.
#[derive(Debug, Clone, Copy)]
struct WindowTotal {
    /// The stored total when last read, plus what was counted here since.
    total: u64,
    /// A flush happened since the read: other nodes' counts may have arrived.
    stale: bool,
    /// A request is reading the stored total again.
    refreshing: bool,
}

#[derive(Debug, Default)]
struct Counts {
    /// Counts not yet written, per tenant and metric, by day (so that a window's pending
    /// counts are found without walking every tenant's).
    pending: HashMap<(TenantId, Metric), BTreeMap<NaiveDate, u64>>,
    /// Known totals of limit windows, marked stale at each flush so that other nodes' counts
    /// are read again, by one request at a time, while the others go on counting.
    windows: HashMap<(TenantId, Metric, Window), WindowTotal>,
    /// Units taken from a shared Redis counter and not used yet.
    leases: HashMap<(TenantId, Metric, Window), u64>,
}

impl Counts {
    fn pending_in(&self, tenant: TenantId, metric: Metric, window: &Window) -> u64 {
        self.pending.get(&(tenant, metric)).map_or(0, |days| {
            days.range(window.first..=window.last).map(|(_, n)| n).sum()
        })
    }

    fn add_pending(&mut self, tenant: TenantId, metric: Metric, day: NaiveDate, n: u64) {
        *self
            .pending
            .entry((tenant, metric))
            .or_default()
            .entry(day)
            .or_default() += n;
    }
}

/// The per-node meter.
#[derive(Debug)]
pub struct Meter {
    db: Db,
    redis: Option<Arc<RedisLink>>,
    clock: Arc<Clock>,
    counts: Mutex<Counts>,
}

impl Meter {
    /// A meter writing to `db`, sharing limits through `redis` when given, reading `clock`.
    pub fn new(db: Db, redis: Option<Arc<RedisLink>>, clock: Arc<Clock>) -> Self {
        Self {
            db,
            redis,
            clock,
            counts: Mutex::default(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Counts> {
        self.counts
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Counts one unit of `metric` for `tenant` now, unless `limit` is given and its window's
    /// total has reached it.
    pub async fn count(
        &self,
        tenant: TenantId,
        metric: Metric,
        limit: Option<u64>,
    ) -> ServiceResult<Result<(), Exceeded>> {
        let now = self.clock.now();
        let window = metric.window(now);
        if let Some(limit) = limit {
            let allowed = match self.count_shared(tenant, metric, &window, limit).await? {
                Some(allowed) => allowed,
                None => self.count_local(tenant, metric, &window, limit).await?,
            };
            if !allowed {
                return Ok(Err(Exceeded {
                    metric,
                    limit,
                    window,
                    retry_after: window.seconds_left(now),
                }));
            }
        }
        let day = now.to_datetime().date_naive();
        self.lock().add_pending(tenant, metric, day, 1);
        Ok(Ok(()))
    }

    /// Counts against this node's view of the window's total. The view is read from the
    /// database on first use and again after each flush; a stale view still refuses (the
    /// real total can only be higher) and admits meanwhile, so no request waits on the read
    /// but the one that makes it.
    async fn count_local(
        &self,
        tenant: TenantId,
        metric: Metric,
        window: &Window,
        limit: u64,
    ) -> ServiceResult<bool> {
        let key = (tenant, metric, *window);
        loop {
            let step = {
                let mut counts = self.lock();
                match counts.windows.get_mut(&key) {
                    Some(w) if w.total >= limit => return Ok(false),
                    Some(w) => {
                        w.total += 1;
                        let refresh = w.stale && !w.refreshing;
                        w.refreshing |= refresh;
                        if refresh {
                            Step::Refresh
                        } else {
                            Step::Admitted
                        }
                    }
                    None => Step::Missing,
                }
            };
            match step {
                Step::Admitted => return Ok(true),
                Step::Missing => {
                    let stored = self.stored(tenant, metric, window).await?;
                    let mut counts = self.lock();
                    let local = counts.pending_in(tenant, metric, window);
                    counts.windows.entry(key).or_insert(WindowTotal {
                        total: stored + local,
                        stale: false,
                        refreshing: false,
                    });
                }
                Step::Refresh => {
                    let stored = self.stored(tenant, metric, window).await;
                    let mut counts = self.lock();
                    let local = counts.pending_in(tenant, metric, window);
                    if let Some(w) = counts.windows.get_mut(&key) {
                        w.refreshing = false;
                        if let Ok(stored) = stored {
                            // What every node flushed, what this node counted since (its
                            // pending counts), and this request, counted on return.
                            w.total = stored + local + 1;
                            w.stale = false;
                        }
                    }
                    return stored.map(|_| true).map_err(Into::into);
                }
            }
        }
    }

    /// Counts on the shared Redis counter: `Some(allowed)`, or `None` to count locally (no
    /// Redis, or Redis is down). Units are taken from Redis a lease at a time (up to
    /// [`MAX_LEASE`], a hundredth of the limit), and counted here until the lease is used, so
    /// most requests make no Redis call; a lease a node has not used when the window ends is
    /// what the other nodes were refused early, at most a lease per node.
    async fn count_shared(
        &self,
        tenant: TenantId,
        metric: Metric,
        window: &Window,
        limit: u64,
    ) -> ServiceResult<Option<bool>> {
        let Some(link) = &self.redis else {
            return Ok(None);
        };
        let lease_key = (tenant, metric, *window);
        if let Some(left) = self.lock().leases.get_mut(&lease_key)
            && *left > 0
        {
            *left -= 1;
            return Ok(Some(true));
        }
        let key = format!(
            "agentidp:usage:{}:{tenant}:{}",
            metric.as_str(),
            window.key()
        );
        let ttl = window.seconds_left(self.clock.now()) + SHARED_TTL_GRACE_SECS;
        // A counter missing from Redis (the window's first count, or Redis restarted) starts
        // from what the database holds.
        let seed = || async {
            let stored = self.stored(tenant, metric, window).await?;
            Ok::<i64, super::ServiceError>(i64::try_from(stored).unwrap_or(i64::MAX))
        };
        let lease = (limit / 100).clamp(1, MAX_LEASE);
        Ok(
            match link.take_up_to(&key, limit, lease, ttl, seed).await? {
                None => None,
                Some(0) => Some(false),
                Some(granted) => {
                    *self.lock().leases.entry(lease_key).or_default() += granted - 1;
                    Some(true)
                }
            },
        )
    }

    async fn stored(&self, tenant: TenantId, metric: Metric, window: &Window) -> StoreResult<u64> {
        let n = self.db.usage_total(tenant, metric.as_str(), window).await?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// `tenant`'s total of `metric` over `window`: what is stored plus what this node has not
    /// flushed yet (other nodes' counts arrive with their next flush).
    pub async fn used(
        &self,
        tenant: TenantId,
        metric: Metric,
        window: &Window,
    ) -> ServiceResult<u64> {
        let stored = self.stored(tenant, metric, window).await?;
        Ok(stored + self.lock().pending_in(tenant, metric, window))
    }

    /// Writes the pending counts; a count that fails to be written stays pending.
    pub async fn flush(&self) -> StoreResult<()> {
        let pending = std::mem::take(&mut self.lock().pending);
        let mut first_error = None;
        for ((tenant, metric), days) in pending {
            for (day, n) in days {
                let delta = i64::try_from(n).unwrap_or(i64::MAX);
                if let Err(e) = self
                    .db
                    .add_usage(tenant, &day_key(day), metric.as_str(), delta)
                    .await
                {
                    self.lock().add_pending(tenant, metric, day, n);
                    first_error.get_or_insert(e);
                }
            }
        }
        let today = self.clock.now().to_datetime().date_naive();
        let mut counts = self.lock();
        counts
            .windows
            .retain(|(_, _, window), _| window.last >= today);
        for w in counts.windows.values_mut() {
            w.stale = true;
        }
        drop(counts);
        first_error.map_or(Ok(()), Err)
    }

    /// Samples every tenant's live agents for today.
    pub async fn sample_agents(&self) -> StoreResult<u64> {
        let today = self.clock.now().to_datetime().date_naive();
        self.db.sample_active_agents(&day_key(today)).await
    }
}
