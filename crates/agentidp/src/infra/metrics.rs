//! Prometheus metrics: a small registry of labelled counters and histograms owned by the
//! app (no global recorder, so every test server has its own), rendered in the text format.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::time::Duration;

/// Latency buckets in seconds.
const BUCKETS: [f64; 12] = [
    0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];
/// Separates label values inside a map key (cannot occur in a route, method or id).
const SEP: char = '\u{1f}';

#[derive(Debug)]
struct Family<V> {
    name: &'static str,
    help: &'static str,
    labels: &'static [&'static str],
    values: Mutex<BTreeMap<String, V>>,
}

impl<V: Default> Family<V> {
    const fn new(name: &'static str, help: &'static str, labels: &'static [&'static str]) -> Self {
        Self {
            name,
            help,
            labels,
            values: Mutex::new(BTreeMap::new()),
        }
    }

    fn with(&self, labels: &[&str], update: impl FnOnce(&mut V)) {
        let key = labels.join(&SEP.to_string());
        let mut values = self
            .values
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        match values.get_mut(&key) {
            Some(v) => update(v),
            None => update(values.entry(key).or_default()),
        }
    }

    fn label_text(&self, key: &str, extra: Option<(&str, &str)>) -> String {
        let pairs = self.labels.iter().zip(key.split(SEP));
        let mut text: Vec<String> = pairs
            .map(|(name, value)| format!("{name}=\"{}\"", escape(value)))
            .collect();
        if let Some((name, value)) = extra {
            text.push(format!("{name}=\"{value}\""));
        }
        if text.is_empty() {
            String::new()
        } else {
            format!("{{{}}}", text.join(","))
        }
    }
}

fn escape(v: &str) -> String {
    v.replace('\\', r"\\")
        .replace('"', "\\\"")
        .replace('\n', r"\n")
}

#[derive(Debug, Default)]
struct Histogram {
    buckets: [u64; BUCKETS.len()],
    sum: f64,
    count: u64,
}

/// A gauge value computed at scrape time.
#[derive(Debug)]
pub struct Gauge {
    /// Metric name.
    pub name: &'static str,
    /// Help text.
    pub help: &'static str,
    /// Current value.
    pub value: f64,
}

/// The server's metrics.
#[derive(Debug)]
pub struct Metrics {
    requests: Family<u64>,
    latency: Family<Histogram>,
    tokens: Family<u64>,
    auth_failures: Family<u64>,
    rate_limit_hits: Family<u64>,
    tenant_calls: Family<u64>,
}

impl Default for Metrics {
    fn default() -> Self {
        Self {
            requests: Family::new(
                "agentidp_http_requests_total",
                "HTTP requests by method, route and status.",
                &["method", "route", "status"],
            ),
            latency: Family::new(
                "agentidp_http_request_duration_seconds",
                "HTTP request latency by method, route and status.",
                &["method", "route", "status"],
            ),
            tokens: Family::new(
                "agentidp_tokens_issued_total",
                "Access tokens issued, by signing algorithm.",
                &["algorithm"],
            ),
            auth_failures: Family::new(
                "agentidp_auth_failures_total",
                "Requests refused for failed client or bearer authentication, by route.",
                &["route"],
            ),
            rate_limit_hits: Family::new(
                "agentidp_rate_limit_hits_total",
                "Requests refused by the rate limiter, by endpoint.",
                &["endpoint"],
            ),
            tenant_calls: Family::new(
                "agentidp_tenant_api_calls_total",
                "Authenticated API calls per tenant.",
                &["tenant_id"],
            ),
        }
    }
}

impl Metrics {
    /// Records one finished HTTP request.
    pub fn request(&self, method: &str, route: &str, status: u16, took: Duration) {
        let status = status.to_string();
        let labels = [method, route, status.as_str()];
        self.requests.with(&labels, |n| *n += 1);
        let secs = took.as_secs_f64();
        self.latency.with(&labels, |h| {
            for (bucket, le) in h.buckets.iter_mut().zip(BUCKETS) {
                if secs <= le {
                    *bucket += 1;
                }
            }
            h.sum += secs;
            h.count += 1;
        });
        if status == "401" {
            self.auth_failures.with(&[route], |n| *n += 1);
        }
    }

    /// Counts an issued token.
    pub fn token_issued(&self, algorithm: &str) {
        self.tokens.with(&[algorithm], |n| *n += 1);
    }

    /// Counts a request refused by the rate limiter.
    pub fn rate_limited(&self, endpoint: &str) {
        self.rate_limit_hits.with(&[endpoint], |n| *n += 1);
    }

    /// Counts an authenticated call of a tenant.
    pub fn tenant_call(&self, tenant_id: &str) {
        self.tenant_calls.with(&[tenant_id], |n| *n += 1);
    }

    /// The Prometheus text exposition of every metric plus `gauges`.
    pub fn render(&self, gauges: &[Gauge]) -> String {
        let mut out = String::with_capacity(4096);
        for family in [
            &self.requests,
            &self.tokens,
            &self.auth_failures,
            &self.rate_limit_hits,
            &self.tenant_calls,
        ] {
            render_counter(&mut out, family);
        }
        render_histogram(&mut out, &self.latency);
        for g in gauges {
            let _ = writeln!(out, "# HELP {} {}\n# TYPE {} gauge", g.name, g.help, g.name);
            let _ = writeln!(out, "{} {}", g.name, g.value);
        }
        out
    }
}

fn header(out: &mut String, name: &str, help: &str, kind: &str) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
}

fn render_counter(out: &mut String, f: &Family<u64>) {
    header(out, f.name, f.help, "counter");
    let values = f
        .values
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    for (key, n) in values.iter() {
        let _ = writeln!(out, "{}{} {n}", f.name, f.label_text(key, None));
    }
}

fn render_histogram(out: &mut String, f: &Family<Histogram>) {
    header(out, f.name, f.help, "histogram");
    let values = f
        .values
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    for (key, h) in values.iter() {
        for (le, n) in BUCKETS.iter().zip(h.buckets) {
            let labels = f.label_text(key, Some(("le", &le.to_string())));
            let _ = writeln!(out, "{}_bucket{labels} {n}", f.name);
        }
        let inf = f.label_text(key, Some(("le", "+Inf")));
        let _ = writeln!(out, "{}_bucket{inf} {}", f.name, h.count);
        let plain = f.label_text(key, None);
        let _ = writeln!(out, "{}_sum{plain} {}", f.name, h.sum);
        let _ = writeln!(out, "{}_count{plain} {}", f.name, h.count);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_exposition_has_counters_histograms_and_gauges() {
        let m = Metrics::default();
        m.request("POST", "/oauth2/token", 200, Duration::from_millis(3));
        m.request("POST", "/oauth2/token", 401, Duration::from_millis(30));
        m.token_issued("ES256");
        m.rate_limited("/oauth2/token");
        m.tenant_call("t\"1");
        let text = m.render(&[Gauge {
            name: "agentidp_db_pool_active_connections",
            help: "Connections in use.",
            value: 2.0,
        }]);
        for line in [
            r#"agentidp_http_requests_total{method="POST",route="/oauth2/token",status="200"} 1"#,
            r#"agentidp_http_request_duration_seconds_bucket{method="POST",route="/oauth2/token",status="200",le="0.005"} 1"#,
            r#"agentidp_http_request_duration_seconds_bucket{method="POST",route="/oauth2/token",status="401",le="0.025"} 0"#,
            r#"agentidp_http_request_duration_seconds_count{method="POST",route="/oauth2/token",status="401"} 1"#,
            r#"agentidp_auth_failures_total{route="/oauth2/token"} 1"#,
            r#"agentidp_tokens_issued_total{algorithm="ES256"} 1"#,
            r#"agentidp_rate_limit_hits_total{endpoint="/oauth2/token"} 1"#,
            r#"agentidp_tenant_api_calls_total{tenant_id="t\"1"} 1"#,
            "# TYPE agentidp_db_pool_active_connections gauge",
            "agentidp_db_pool_active_connections 2",
        ] {
            assert!(text.lines().any(|l| l == line), "missing {line}\n{text}");
        }
    }
}
