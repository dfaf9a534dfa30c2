//! Sliding-window rate limits per client or per IP, shared through Redis when it is
//! configured and up, counted in process otherwise.
//!
//! The window is the "sliding window counter" approximation: the count of the current fixed
//! window plus the previous window's count weighted by how much of it still overlaps the
//! sliding window. Two integers per key, exact at window edges, never more than `max` bursts.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use super::redis::RedisLink;

/// Checks and counts atomically: counts the request only when the estimate is under the limit.
/// KEYS: current window, previous window. ARGV: max, previous-window weight (per mille), TTL ms.
const SLIDING_WINDOW_LUA: &str = r"
local cur = tonumber(redis.call('GET', KEYS[1]) or '0')
local prev = tonumber(redis.call('GET', KEYS[2]) or '0')
local allowed = 0
if prev * tonumber(ARGV[2]) + cur * 1000 < tonumber(ARGV[1]) * 1000 then
  cur = redis.call('INCR', KEYS[1])
  if cur == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[3]) end
  allowed = 1
end
return {allowed, cur, prev}
";

/// Who a request is counted against.
#[derive(Debug, Clone, Copy)]
pub enum RateKey<'a> {
    /// An authenticated or claimed client id (the token subject, or `client_id`).
    Client(&'a str),
    /// The client IP, for unauthenticated endpoints.
    Ip(IpAddr),
    /// Failed authentications as one client from one IP: whoever guesses at a client's
    /// secret spends this budget, never the client's own.
    Failures(&'a str, IpAddr),
}

/// The outcome of one check, for the response headers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateDecision {
    /// Whether the request may proceed.
    pub allowed: bool,
    /// `X-RateLimit-Limit`.
    pub limit: u32,
    /// `X-RateLimit-Remaining`.
    pub remaining: u32,
    /// `X-RateLimit-Reset`: seconds until the current window ends.
    pub reset_secs: u64,
    /// `Retry-After` when refused: seconds until a request would be allowed again.
    pub retry_after_secs: u64,
}

#[derive(Debug, Default, Clone, Copy)]
struct Slot {
    window: u64,
    cur: u64,
    prev: u64,
}

/// The limiter: one default limit per client, optional per-route limits with their own counters.
#[derive(Debug)]
pub struct RateLimiter {
    window_ms: u64,
    default_max: u32,
    overrides: HashMap<String, u32>,
    redis: Option<Arc<RedisLink>>,
    script: redis::Script,
    local: Mutex<Local>,
}

#[derive(Debug, Default)]
struct Local {
    slots: HashMap<String, Slot>,
    sweep_at: usize,
}

impl RateLimiter {
    /// A limiter with `default_max` requests per `window_ms` (0 = off) and route overrides.
    pub fn new(
        window_ms: u64,
        default_max: u32,
        overrides: impl IntoIterator<Item = (String, u32)>,
        redis: Option<Arc<RedisLink>>,
    ) -> Self {
        Self {
            window_ms: window_ms.max(1),
            default_max,
            overrides: overrides.into_iter().collect(),
            redis,
            script: redis::Script::new(SLIDING_WINDOW_LUA),
            local: Mutex::new(Local {
                slots: HashMap::new(),
                sweep_at: 10_000,
            }),
        }
    }

    /// Counts a request to `route` by `key`; `None` when no limit applies to it.
    pub async fn check(&self, route: &str, key: RateKey<'_>) -> Option<RateDecision> {
        self.check_at(route, key, now_ms()).await
    }

    /// Whether a request to `route` by `key` would be allowed, without counting it; `None`
    /// when no limit applies.
    pub async fn peek(&self, route: &str, key: RateKey<'_>) -> Option<RateDecision> {
        self.peek_at(route, key, now_ms()).await
    }

    /// The limit and counter name of `key` on `route`; `None` when no limit applies.
    fn bucket(&self, route: &str, key: RateKey<'_>) -> Option<(u32, String)> {
        let (max, scope) = match self.overrides.get(route) {
            Some(max) => (*max, route),
            None => (self.default_max, "*"),
        };
        if max == 0 {
            return None;
        }
        let bucket = match key {
            RateKey::Client(id) => format!("{scope}|c|{id}"),
            RateKey::Ip(ip) => format!("{scope}|ip|{ip}"),
            RateKey::Failures(id, ip) => format!("{scope}|f|{id}|{ip}"),
        };
        Some((max, bucket))
    }

    /// The Redis keys of a bucket's current and previous windows.
    fn redis_keys(bucket: &str, window: u64) -> [String; 2] {
        [
            format!("agentidp:rl:{bucket}:{window}"),
            format!("agentidp:rl:{bucket}:{}", window.saturating_sub(1)),
        ]
    }

    async fn peek_at(&self, route: &str, key: RateKey<'_>, now_ms: u64) -> Option<RateDecision> {
        let (max, bucket) = self.bucket(route, key)?;
        let window = now_ms / self.window_ms;
        let elapsed = now_ms % self.window_ms;
        let weight = (self.window_ms - elapsed) * 1000 / self.window_ms;
        let read = match &self.redis {
            Some(link) => {
                let keys = Self::redis_keys(&bucket, window);
                link.run(|mut conn| async move {
                    let (cur, prev): (Option<u64>, Option<u64>) = redis::cmd("MGET")
                        .arg(&keys[0])
                        .arg(&keys[1])
                        .query_async(&mut conn)
                        .await?;
                    Ok((cur.unwrap_or(0), prev.unwrap_or(0)))
                })
                .await
            }
            None => None,
        };
        let (cur, prev) = read.unwrap_or_else(|| self.read_locally(&bucket, window));
        let allowed = prev * weight + cur * 1000 < u64::from(max) * 1000;
        Some(decide(max, self.window_ms, elapsed, allowed, cur, prev))
    }

    fn read_locally(&self, bucket: &str, window: u64) -> (u64, u64) {
        let local = self
            .local
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        match local.slots.get(bucket) {
            Some(s) if s.window == window => (s.cur, s.prev),
            Some(s) if s.window + 1 == window => (0, s.cur),
            _ => (0, 0),
        }
    }

    async fn check_at(&self, route: &str, key: RateKey<'_>, now_ms: u64) -> Option<RateDecision> {
        let (max, bucket) = self.bucket(route, key)?;
        let window = now_ms / self.window_ms;
        let elapsed = now_ms % self.window_ms;
        let weight = (self.window_ms - elapsed) * 1000 / self.window_ms;
        let counted = match &self.redis {
            Some(link) => {
                let keys = Self::redis_keys(&bucket, window);
                let ttl = self.window_ms * 2;
                link.run(|mut conn| async move {
                    let (allowed, cur, prev): (u8, u64, u64) = self
                        .script
                        .key(&keys[0])
                        .key(&keys[1])
                        .arg(max)
                        .arg(weight)
                        .arg(ttl)
                        .invoke_async(&mut conn)
                        .await?;
                    Ok((allowed == 1, cur, prev))
                })
                .await
            }
            None => None,
        };
        let (allowed, cur, prev) =
            counted.unwrap_or_else(|| self.count_locally(bucket, window, max, weight));
        Some(decide(max, self.window_ms, elapsed, allowed, cur, prev))
    }

    fn count_locally(
        &self,
        bucket: String,
        window: u64,
        max: u32,
        weight: u64,
    ) -> (bool, u64, u64) {
        let mut local = self
            .local
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if local.slots.len() >= local.sweep_at {
            local.slots.retain(|_, s| s.window + 1 >= window);
            local.sweep_at = (local.slots.len() * 2).max(10_000);
        }
        let slot = local.slots.entry(bucket).or_default();
        if slot.window != window {
            slot.prev = if slot.window + 1 == window {
                slot.cur
            } else {
                0
            };
            slot.cur = 0;
            slot.window = window;
        }
        let allowed = slot.prev * weight + slot.cur * 1000 < u64::from(max) * 1000;
        if allowed {
            slot.cur += 1;
        }
        (allowed, slot.cur, slot.prev)
    }
}

/// Milliseconds since the Unix epoch.
fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// Shapes the counts into a decision: `cur` includes this request when it was allowed.
fn decide(
    max: u32,
    window_ms: u64,
    elapsed_ms: u64,
    allowed: bool,
    cur: u64,
    prev: u64,
) -> RateDecision {
    let left_ms = window_ms - elapsed_ms;
    let used_milli = prev * left_ms * 1000 / window_ms + cur * 1000;
    let remaining = (u64::from(max) * 1000).saturating_sub(used_milli) / 1000;
    let retry_after_ms = if allowed {
        0
    } else if cur >= u64::from(max) {
        // Only the next window can admit it, once this window's weight has decayed enough.
        left_ms + window_ms * (cur - u64::from(max)) / cur.max(1) + 1
    } else {
        // The previous window's share must shrink by the excess within this window.
        let excess_ms = (u64::from(max) - cur) * window_ms / prev.max(1);
        left_ms.saturating_sub(excess_ms) + 1
    };
    RateDecision {
        allowed,
        limit: max,
        remaining: u32::try_from(remaining).unwrap_or(u32::MAX),
        reset_secs: left_ms.div_ceil(1000),
        retry_after_secs: retry_after_ms.div_ceil(1000),
    }
}

#[cfg(test)]
mod tests {
    #![expect(clippy::unwrap_used, reason = "tests fail loudly")]
    use super::*;

    const CLIENT: RateKey<'static> = RateKey::Client("agent-1");

    #[tokio::test]
    async fn a_client_gets_exactly_max_requests_per_window() {
        let limiter = RateLimiter::new(60_000, 3, [], None);
        let t = 60_000 * 100;
        for left in [2, 1, 0] {
            let d = limiter.check_at("/v1/agents", CLIENT, t).await.unwrap();
            assert!(d.allowed);
            assert_eq!(d.remaining, left);
        }
        let refused = limiter
            .check_at("/v1/agents", CLIENT, t + 10)
            .await
            .unwrap();
        assert!(!refused.allowed);
        assert_eq!(refused.remaining, 0);
        assert_eq!(refused.retry_after_secs, 60);
        let other = limiter
            .check_at("/v1/agents", RateKey::Client("agent-2"), t)
            .await;
        assert!(other.unwrap().allowed, "clients are counted separately");
    }

    #[tokio::test]
    async fn the_previous_window_still_counts_while_it_overlaps() {
        let limiter = RateLimiter::new(10_000, 4, [], None);
        let start = 10_000 * 7;
        for _ in 0..4 {
            assert!(limiter.check_at("/x", CLIENT, start).await.unwrap().allowed);
        }
        // A quarter into the next window, 3/4 of the previous 4 still count: 3 used, 1 left.
        let d = limiter
            .check_at("/x", CLIENT, start + 12_500)
            .await
            .unwrap();
        assert!(d.allowed);
        assert!(
            !limiter
                .check_at("/x", CLIENT, start + 12_500)
                .await
                .unwrap()
                .allowed
        );
        // Two windows later everything has decayed.
        assert_eq!(
            limiter
                .check_at("/x", CLIENT, start + 30_000)
                .await
                .unwrap()
                .remaining,
            3
        );
    }

    #[tokio::test]
    async fn routes_with_overrides_have_their_own_counter_and_zero_turns_limits_off() {
        let limiter = RateLimiter::new(60_000, 1, [("/oauth2/token".to_owned(), 2)], None);
        assert!(
            limiter
                .check_at("/v1/agents", CLIENT, 0)
                .await
                .unwrap()
                .allowed
        );
        assert!(
            !limiter
                .check_at("/v1/agents", CLIENT, 0)
                .await
                .unwrap()
                .allowed
        );
        assert!(
            limiter
                .check_at("/oauth2/token", CLIENT, 0)
                .await
                .unwrap()
                .allowed
        );
        assert_eq!(
            limiter
                .check_at("/oauth2/token", CLIENT, 0)
                .await
                .unwrap()
                .limit,
            2
        );
        let off = RateLimiter::new(60_000, 0, [], None);
        assert!(off.check_at("/v1/agents", CLIENT, 0).await.is_none());
    }

    #[tokio::test]
    async fn a_peek_reports_the_budget_without_spending_it() {
        let limiter = RateLimiter::new(60_000, 2, [], None);
        let ip: IpAddr = "192.0.2.1".parse().unwrap();
        let key = RateKey::Failures("agent-1", ip);
        let t = 60_000 * 5;
        for _ in 0..5 {
            assert!(limiter.peek_at("/x", key, t).await.unwrap().allowed);
        }
        limiter.check_at("/x", key, t).await.unwrap();
        limiter.check_at("/x", key, t).await.unwrap();
        assert!(!limiter.peek_at("/x", key, t).await.unwrap().allowed);
        let elsewhere = RateKey::Failures("agent-1", "192.0.2.2".parse().unwrap());
        assert!(limiter.peek_at("/x", elsewhere, t).await.unwrap().allowed);
        assert!(limiter.check_at("/x", CLIENT, t).await.unwrap().allowed);
        // Half a window later, half of the previous window's two still count.
        let later = limiter.peek_at("/x", key, t + 90_000).await.unwrap();
        assert!(later.allowed);
    }
}
