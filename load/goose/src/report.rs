//! Per-scenario figures from Goose's metrics, the pass/fail thresholds, and the results table.

use std::fmt::Write as _;

use goose::metrics::{GooseMetrics, GooseRequestMetricTimingData};

/// The pass/fail limits every scenario is judged against.
#[derive(Clone, Copy, Debug)]
pub struct Thresholds {
    /// Largest passing 95th percentile response time, in milliseconds.
    pub p95_ms: f64,
    /// Largest passing share of failed requests, in percent.
    pub error_rate_pct: f64,
}

/// One scenario's figures over its steady phase (all users up), every request it made together.
#[derive(Clone, Debug)]
pub struct Summary {
    /// The scenario's name.
    pub scenario: &'static str,
    /// Users it ran with.
    pub users: usize,
    /// Requests made (successful and failed).
    pub requests: usize,
    /// Requests that failed.
    pub failed: usize,
    /// Requests per second.
    pub rps: f64,
    /// Median response time, ms.
    pub p50_ms: f64,
    /// 95th percentile response time, ms.
    pub p95_ms: f64,
    /// 99th percentile response time, ms.
    pub p99_ms: f64,
    /// The most frequent errors, as `(count, error)`, most frequent first.
    pub top_errors: Vec<(usize, String)>,
    /// Whether the run was cut short (interrupted).
    pub interrupted: bool,
}

impl Summary {
    /// The figures of `metrics`, which Goose measured for `scenario` with `users` users.
    pub fn from_metrics(scenario: &'static str, users: usize, metrics: &GooseMetrics) -> Self {
        let mut timing = GooseRequestMetricTimingData::default();
        let (mut requests, mut failed) = (0, 0);
        for aggregate in metrics.requests.values() {
            merge(&mut timing, &aggregate.raw_data);
            requests += aggregate.success_count + aggregate.fail_count;
            failed += aggregate.fail_count;
        }
        let mut top_errors: Vec<(usize, String)> = metrics
            .errors
            .values()
            .map(|e| {
                // Goose names the request in most errors already ("409 Conflict: POST /v1/agents").
                let text = if e.error.contains(e.name.as_str()) {
                    e.error.clone()
                } else {
                    format!("{}: {}", e.name, e.error)
                };
                (e.occurrences, text)
            })
            .collect();
        top_errors.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
        top_errors.truncate(5);
        let ms = |percent: f32| timing.percentile_us(percent) as f64 / 1000.0;
        Summary {
            scenario,
            users,
            requests,
            failed,
            rps: requests as f64 / metrics.duration.max(1) as f64,
            p50_ms: ms(0.50),
            p95_ms: ms(0.95),
            p99_ms: ms(0.99),
            top_errors,
            interrupted: false,
        }
    }

    /// Failed requests as a percent of all requests (100 % without any request).
    pub fn error_rate_pct(&self) -> f64 {
        if self.requests == 0 {
            100.0
        } else {
            100.0 * self.failed as f64 / self.requests as f64
        }
    }

    /// Whether the scenario met `limits` (a run without requests, or interrupted, does not).
    pub fn passes(&self, limits: Thresholds) -> bool {
        !self.interrupted
            && self.requests > 0
            && self.p95_ms < limits.p95_ms
            && self.error_rate_pct() < limits.error_rate_pct
    }
}

/// Adds `other`'s times to `into`, as Goose's own merge (which it keeps to itself) does.
fn merge(into: &mut GooseRequestMetricTimingData, other: &GooseRequestMetricTimingData) {
    if other.counter == 0 {
        return;
    }
    for (&bucket, &count) in other.times_us.iter() {
        let held = into.times_us.get(&bucket).copied().unwrap_or(0);
        into.times_us.insert(bucket, held + count);
    }
    if into.counter == 0 || other.minimum_time_us < into.minimum_time_us {
        into.minimum_time_us = other.minimum_time_us;
    }
    into.maximum_time_us = into.maximum_time_us.max(other.maximum_time_us);
    into.total_time_us += other.total_time_us;
    into.counter += other.counter;
}

/// The results as a Markdown table, followed by each scenario's most frequent errors.
pub fn table(summaries: &[Summary], limits: Thresholds) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "| scenario | users | requests | req/s | p50 (ms) | p95 (ms) | p99 (ms) | errors | result |"
    );
    let _ = writeln!(
        out,
        "|----------|------:|---------:|------:|---------:|---------:|---------:|-------:|--------|"
    );
    for s in summaries {
        let result = match (s.interrupted, s.passes(limits)) {
            (true, _) => "interrupted",
            (false, true) => "pass",
            (false, false) => "FAIL",
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {:.1} | {:.1} | {:.1} | {:.1} | {:.2} % | {} |",
            s.scenario,
            s.users,
            s.requests,
            s.rps,
            s.p50_ms,
            s.p95_ms,
            s.p99_ms,
            s.error_rate_pct(),
            result
        );
    }
    let _ = writeln!(
        out,
        "\nThresholds per scenario: p95 < {} ms, error rate < {} %.",
        limits.p95_ms, limits.error_rate_pct
    );
    for s in summaries.iter().filter(|s| !s.top_errors.is_empty()) {
        let _ = writeln!(out, "\nMost frequent errors in {}:", s.scenario);
        for (count, error) in &s.top_errors {
            let _ = writeln!(out, "- {count} × {error}");
        }
    }
    out
}
