//! Prometheus metrics on `prometheus-client`: one registry per app (no global recorder, so
//! every test server has its own), rendered in the OpenMetrics text format.
//!
//! Recording takes no lock shared by all requests: each labelled series is found under its
//! family's read lock and updated atomically (a histogram takes its own series' lock).

use std::sync::atomic::AtomicI64;
use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

/// The `Content-Type` of [`Metrics::render`]'s output.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// Latency buckets in seconds.
const BUCKETS: [f64; 12] = [
    0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// A finished request's labels.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: String,
    route: String,
    status: u16,
}

/// A route's label.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabel {
    route: String,
}

/// An endpoint's label.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct EndpointLabel {
    endpoint: String,
}

/// A signing algorithm's label.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct AlgorithmLabel {
    algorithm: String,
}

/// A tenant's label.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct TenantLabel {
    tenant_id: String,
}

/// A refused request's tenant and the limit it hit.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct LimitLabels {
    tenant_id: String,
    limit_type: String,
}

/// Values read when Prometheus scrapes, not counted as they happen.
#[derive(Debug, Clone, Copy, Default)]
pub struct Snapshot {
    /// Database connections executing a statement or holding a transaction.
    pub pool_active: usize,
    /// Open idle database connections.
    pub pool_idle: usize,
    /// Store operations waiting for a connection.
    pub pool_waiting: usize,
    /// Audit chains the last periodic verification found broken.
    pub chains_broken: usize,
    /// Unix time the last periodic verification finished; 0 before the first.
    pub chains_verified_at: i64,
    /// Whether shared state goes through Redis (`None` when no Redis is configured).
    pub redis_up: Option<bool>,
    /// Whether the database answered a ping just now.
    pub database_up: bool,
}

/// The gauges set from a [`Snapshot`] at each scrape.
#[derive(Debug, Default)]
struct Gauges {
    pool_active: Gauge<i64, AtomicI64>,
    pool_idle: Gauge<i64, AtomicI64>,
    pool_waiting: Gauge<i64, AtomicI64>,
    chains_broken: Gauge<i64, AtomicI64>,
    chains_verified_at: Gauge<i64, AtomicI64>,
    redis_up: Gauge<i64, AtomicI64>,
    database_up: Gauge<i64, AtomicI64>,
}

/// The server's metrics and the registry that renders them.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Family<RequestLabels, Histogram>,
    tokens: Family<AlgorithmLabel, Counter>,
    token_latency: Family<AlgorithmLabel, Histogram>,
    auth_failures: Family<RouteLabel, Counter>,
    rate_limit_hits: Family<EndpointLabel, Counter>,
    tenant_calls: Family<TenantLabel, Counter>,
    limit_rejections: Family<LimitLabels, Counter>,
    gauges: Gauges,
}

fn latency_histogram() -> Histogram {
    Histogram::new(BUCKETS)
}

impl Metrics {
    /// A registry with every metric; `agentidp_redis_up` only when Redis is configured.
    pub fn new(with_redis: bool) -> Self {
        let mut registry = Registry::default();
        let requests = Family::<RequestLabels, Counter>::default();
        let latency = Family::<RequestLabels, Histogram>::new_with_constructor(
            latency_histogram as fn() -> Histogram,
        );
        let tokens = Family::<AlgorithmLabel, Counter>::default();
        let token_latency = Family::<AlgorithmLabel, Histogram>::new_with_constructor(
            latency_histogram as fn() -> Histogram,
        );
        let auth_failures = Family::<RouteLabel, Counter>::default();
        let rate_limit_hits = Family::<EndpointLabel, Counter>::default();
        let tenant_calls = Family::<TenantLabel, Counter>::default();
        let limit_rejections = Family::<LimitLabels, Counter>::default();
        let gauges = Gauges::default();
        // Counters are registered without `_total`, which the encoder appends.
        registry.register(
            "agentidp_http_requests",
            "HTTP requests by method, route and status",
            requests.clone(),
        );
        registry.register(
            "agentidp_http_request_duration_seconds",
            "HTTP request latency by method, route and status",
            latency.clone(),
        );
        registry.register(
            "agentidp_tokens_issued",
            "Access tokens issued, by signing algorithm",
            tokens.clone(),
        );
        registry.register(
            "agentidp_token_issue_duration_seconds",
            "Latency of the requests that issued an access token, by signing algorithm",
            token_latency.clone(),
        );
        registry.register(
            "agentidp_auth_failures",
            "Requests refused for failed client or bearer authentication, by route",
            auth_failures.clone(),
        );
        registry.register(
            "agentidp_rate_limit_hits",
            "Requests refused by the rate limiter, by endpoint",
            rate_limit_hits.clone(),
        );
        registry.register(
            "agentidp_tenant_api_calls",
            "Authenticated API calls per tenant",
            tenant_calls.clone(),
        );
        registry.register(
            "agentidp_billing_limit_rejections",
            "Requests refused for a tenant's plan or server limit, by tenant and limit (agents, api_calls_per_day, tokens_per_month)",
            limit_rejections.clone(),
        );
        let scraped: [(&str, &str, &Gauge<i64, AtomicI64>); 6] = [
            (
                "agentidp_database_up",
                "1 when the database answered a ping at this scrape, 0 when it did not",
                &gauges.database_up,
            ),
            (
                "agentidp_db_pool_active_connections",
                "Database connections executing a statement or holding a transaction",
                &gauges.pool_active,
            ),
            (
                "agentidp_db_pool_idle_connections",
                "Open idle database connections",
                &gauges.pool_idle,
            ),
            (
                "agentidp_db_pool_waiting_requests",
                "Store operations waiting for a database connection",
                &gauges.pool_waiting,
            ),
            (
                "agentidp_audit_chains_broken",
                "Audit chains the last periodic verification found broken (AUDIT_VERIFY_INTERVAL_SECS)",
                &gauges.chains_broken,
            ),
            (
                "agentidp_audit_chains_verified_timestamp_seconds",
                "Unix time the last periodic verification of the audit chains finished; 0 before the first",
                &gauges.chains_verified_at,
            ),
        ];
        for (name, help, gauge) in scraped {
            registry.register(name, help, gauge.clone());
        }
        if with_redis {
            registry.register(
                "agentidp_redis_up",
                "1 while shared state goes through Redis, 0 while falling back to in-process state",
                gauges.redis_up.clone(),
            );
        }
        Self {
            registry,
            requests,
            latency,
            tokens,
            token_latency,
            auth_failures,
            rate_limit_hits,
            tenant_calls,
            limit_rejections,
            gauges,
        }
    }

    /// Records one finished HTTP request.
    pub fn request(&self, method: &str, route: &str, status: u16, took: Duration) {
        let labels = RequestLabels {
            method: method.to_owned(),
            route: route.to_owned(),
            status,
        };
        self.latency
            .get_or_create(&labels)
            .observe(took.as_secs_f64());
        self.requests.get_or_create(&labels).inc();
        if status == 401 {
            let route = RouteLabel {
                route: route.to_owned(),
            };
            self.auth_failures.get_or_create(&route).inc();
        }
    }

    /// Counts an issued token, and the latency of the request that issued it.
    pub fn token_issued(&self, algorithm: &str, took: Duration) {
        let label = AlgorithmLabel {
            algorithm: algorithm.to_owned(),
        };
        self.tokens.get_or_create(&label).inc();
        self.token_latency
            .get_or_create(&label)
            .observe(took.as_secs_f64());
    }

    /// Counts a request refused by the rate limiter.
    pub fn rate_limited(&self, endpoint: &str) {
        let label = EndpointLabel {
            endpoint: endpoint.to_owned(),
        };
        self.rate_limit_hits.get_or_create(&label).inc();
    }

    /// Counts an authenticated call of a tenant.
    pub fn tenant_call(&self, tenant_id: &str) {
        let label = TenantLabel {
            tenant_id: tenant_id.to_owned(),
        };
        self.tenant_calls.get_or_create(&label).inc();
    }

    /// Counts a request refused for a limit.
    pub fn billing_limit_rejection(&self, tenant_id: &str, limit_type: &str) {
        let labels = LimitLabels {
            tenant_id: tenant_id.to_owned(),
            limit_type: limit_type.to_owned(),
        };
        self.limit_rejections.get_or_create(&labels).inc();
    }

    /// The OpenMetrics text exposition of every metric, with the scrape-time values of `now`.
    pub fn render(&self, now: &Snapshot) -> String {
        let count = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
        let g = &self.gauges;
        g.pool_active.set(count(now.pool_active));
        g.pool_idle.set(count(now.pool_idle));
        g.pool_waiting.set(count(now.pool_waiting));
        g.chains_broken.set(count(now.chains_broken));
        g.chains_verified_at.set(now.chains_verified_at);
        g.redis_up.set(i64::from(now.redis_up.unwrap_or(false)));
        g.database_up.set(i64::from(now.database_up));
        let mut out = String::with_capacity(4096);
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_exposition_has_counters_histograms_and_gauges() {
        let m = Metrics::new(false);
        m.request("POST", "/oauth2/token", 200, Duration::from_millis(3));
        m.request("POST", "/oauth2/token", 401, Duration::from_millis(30));
        m.token_issued("ES256", Duration::from_millis(4));
        m.rate_limited("/oauth2/token");
        m.tenant_call("t1");
        let text = m.render(&Snapshot {
            pool_active: 2,
            ..Snapshot::default()
        });
        for line in [
            r#"agentidp_http_requests_total{method="POST",route="/oauth2/token",status="200"} 1"#,
            r#"agentidp_http_request_duration_seconds_bucket{le="0.005",method="POST",route="/oauth2/token",status="200"} 1"#,
            r#"agentidp_http_request_duration_seconds_bucket{le="0.025",method="POST",route="/oauth2/token",status="401"} 0"#,
            r#"agentidp_http_request_duration_seconds_count{method="POST",route="/oauth2/token",status="401"} 1"#,
            r#"agentidp_auth_failures_total{route="/oauth2/token"} 1"#,
            r#"agentidp_tokens_issued_total{algorithm="ES256"} 1"#,
            r#"agentidp_rate_limit_hits_total{endpoint="/oauth2/token"} 1"#,
            r#"agentidp_tenant_api_calls_total{tenant_id="t1"} 1"#,
            "# TYPE agentidp_db_pool_active_connections gauge",
            "agentidp_db_pool_active_connections 2",
            "# EOF",
        ] {
            assert!(text.lines().any(|l| l == line), "missing {line}\n{text}");
        }
        assert!(!text.contains("agentidp_redis_up"), "no Redis, no gauge");
    }
}
