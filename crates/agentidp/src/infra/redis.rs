//! The optional Redis link that shares rate limits and quota counters between nodes.
//!
//! Redis is an accelerator, not a dependency: when a call fails the link is marked down
//! (logged once), callers fall back to in-process state without failing the request, and a
//! probe brings the link back as soon as Redis answers again.

use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use redis::aio::{ConnectionManager, ConnectionManagerConfig};

/// Counts one unit unless the limit is reached. KEYS: the counter. ARGV: limit (0 = none).
/// Returns the new count, -1 when the counter does not exist yet, -2 when the limit is used.
const TAKE_UP_TO_LUA: &str = r"
local v = redis.call('GET', KEYS[1])
if not v then return -1 end
local limit = tonumber(ARGV[1])
local n = tonumber(ARGV[2])
local have = tonumber(v)
if limit > 0 then
  if have >= limit then return 0 end
  if have + n > limit then n = limit - have end
end
redis.call('INCRBY', KEYS[1], n)
return n
";

/// How long one Redis call (or connection attempt) may take before it counts as a failure.
const CALL_TIMEOUT: Duration = Duration::from_millis(500);
/// How often a down link is probed.
const PROBE_INTERVAL: Duration = Duration::from_secs(1);

/// A shared, self-healing Redis connection.
pub struct RedisLink {
    manager: ConnectionManager,
    up: AtomicBool,
    take_up_to: redis::Script,
}

impl std::fmt::Debug for RedisLink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisLink")
            .field("up", &self.is_up())
            .finish_non_exhaustive()
    }
}

impl RedisLink {
    /// A link to `url`. Only a malformed URL fails; an unreachable server starts the link down.
    pub async fn connect(url: &str) -> Result<Arc<Self>, String> {
        let client = redis::Client::open(url).map_err(|e| format!("invalid REDIS_URL: {e}"))?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(CALL_TIMEOUT))
            .set_response_timeout(Some(CALL_TIMEOUT))
            .set_number_of_retries(1)
            .set_max_delay(Duration::from_millis(200));
        let manager = ConnectionManager::new_lazy_with_config(client, config)
            .map_err(|e| format!("cannot set up Redis: {e}"))?;
        let link = Arc::new(Self {
            manager,
            up: AtomicBool::new(true),
            take_up_to: redis::Script::new(TAKE_UP_TO_LUA),
        });
        match link.ping().await {
            Ok(_) => tracing::info!("connected to Redis: rate limits and quotas are shared"),
            Err(e) => {
                link.up.store(false, Ordering::Relaxed);
                tracing::warn!(error = %e, "Redis unreachable at start: using in-process state until it answers");
            }
        }
        spawn_probe(Arc::downgrade(&link));
        Ok(link)
    }

    /// Whether calls currently go to Redis (false while falling back).
    pub fn is_up(&self) -> bool {
        self.up.load(Ordering::Relaxed)
    }

    /// Runs `op` on Redis while the link is up. `None` means "use the fallback": the link is
    /// down, or this call failed, which marks it down.
    pub async fn run<T, F, Fut>(&self, op: F) -> Option<T>
    where
        F: FnOnce(ConnectionManager) -> Fut,
        Fut: Future<Output = redis::RedisResult<T>>,
    {
        if !self.is_up() {
            return None;
        }
        match tokio::time::timeout(CALL_TIMEOUT, op(self.manager.clone())).await {
            Ok(Ok(value)) => Some(value),
            Ok(Err(e)) => {
                self.mark_down(&e.to_string());
                None
            }
            Err(_) => {
                self.mark_down("timed out");
                None
            }
        }
    }

    /// Atomically takes up to `n` units on `key` without passing `limit` (0 = none):
    /// `Some(granted)`, 0 when the limit is reached, or `None` when Redis is not usable
    /// (count locally). A counter that does not exist yet is first created from `seed`
    /// (expiring after `ttl_secs`), once, even when several nodes race to create it.
    pub async fn take_up_to<F, Fut, E>(
        &self,
        key: &str,
        limit: u64,
        n: u64,
        ttl_secs: u64,
        seed: F,
    ) -> Result<Option<u64>, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<i64, E>>,
    {
        let take = || {
            self.run(|mut conn| async move {
                self.take_up_to
                    .key(key)
                    .arg(limit)
                    .arg(n)
                    .invoke_async::<i64>(&mut conn)
                    .await
            })
        };
        match take().await {
            None => return Ok(None),
            Some(-1) => {}
            Some(granted) => return Ok(u64::try_from(granted).ok()),
        }
        let initial = seed().await?;
        let seeded = self
            .run(|mut conn| async move {
                redis::cmd("SET")
                    .arg(key)
                    .arg(initial)
                    .arg("NX")
                    .arg("EX")
                    .arg(ttl_secs)
                    .query_async::<Option<String>>(&mut conn)
                    .await
            })
            .await;
        if seeded.is_none() {
            return Ok(None);
        }
        Ok(take().await.and_then(|granted| u64::try_from(granted).ok()))
    }

    fn mark_down(&self, why: &str) {
        if self.up.swap(false, Ordering::Relaxed) {
            tracing::error!(
                error = why,
                "Redis failed: falling back to in-process rate limits and quotas"
            );
        }
    }

    /// One `PING`, with its round-trip time (health checks and the probe).
    pub async fn ping(&self) -> Result<Duration, String> {
        let start = Instant::now();
        let mut conn = self.manager.clone();
        match tokio::time::timeout(
            CALL_TIMEOUT,
            redis::cmd("PING").query_async::<String>(&mut conn),
        )
        .await
        {
            Ok(Ok(_)) => Ok(start.elapsed()),
            Ok(Err(e)) => Err(e.to_string()),
            Err(_) => Err("timed out".into()),
        }
    }
}

/// Probes a down link every second and restores it when Redis answers; ends with the link.
fn spawn_probe(link: Weak<RedisLink>) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(PROBE_INTERVAL);
        loop {
            tick.tick().await;
            let Some(link) = link.upgrade() else { return };
            if !link.is_up() && link.ping().await.is_ok() {
                link.up.store(true, Ordering::Relaxed);
                tracing::info!("Redis is back: shared rate limits and quotas resumed");
            }
        }
    });
}
