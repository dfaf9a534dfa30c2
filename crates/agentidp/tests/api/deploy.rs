//! The monitoring shipped in deploy/ fits the server: the Grafana dashboard and the alert rules
//! name only metrics that `/metrics` exports, and the database gauge tells up from down.

use std::collections::BTreeSet;

use axum::http::{Method, StatusCode};

use crate::helpers::backend_tests;

/// The metric names `/metrics` text declares (`# TYPE name kind`), with the sample names a
/// query may use: `_total` for counters, `_bucket`, `_count` and `_sum` for histograms.
fn exported(text: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for line in text.lines() {
        let Some(rest) = line.strip_prefix("# TYPE ") else {
            continue;
        };
        let mut parts = rest.split_whitespace();
        let (Some(name), Some(kind)) = (parts.next(), parts.next()) else {
            continue;
        };
        names.insert(name.to_owned());
        match kind {
            "counter" => {
                names.insert(format!("{name}_total"));
            }
            "histogram" => {
                for suffix in ["_bucket", "_count", "_sum"] {
                    names.insert(format!("{name}{suffix}"));
                }
            }
            _ => {}
        }
    }
    names
}

/// Every `agentidp_…` name a file of deploy/ uses.
fn used_in(path: &str) -> BTreeSet<String> {
    let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(path);
    let text = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    let mut names = BTreeSet::new();
    let mut rest = text.as_str();
    while let Some(at) = rest.find("agentidp_") {
        let name: String = rest[at..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        rest = &rest[at + name.len()..];
        names.insert(name);
    }
    names
}

backend_tests! {
    async fn the_dashboard_and_the_alerts_use_only_metrics_the_server_exports(
        app, "--rate-limit-overrides", "/oauth2/token=2", "--max-agents-per-tenant", "1"
    ) {
        // A family appears in /metrics once it has a sample: give each one.
        let token = app.admin_token().await; // a token issued, requests counted
        app.request(Method::GET, "/v1/agents", Some(&token), None).await.expect(StatusCode::OK);
        let refused = app
            .request(Method::POST, "/v1/agents", Some(&token), Some(crate::helpers::agent_body(serde_json::json!({}))))
            .await;
        assert!(refused.text.contains("AGENT_LIMIT_REACHED"), "the agent limit: {}", refused.text);
        let wrong = app.token_response(&app.admin_id, "sk_live_wrong", &[]).await;
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED); // an authentication failure
        let mut limited = false; // a rate-limit hit
        for _ in 0..5 {
            limited |= app.token_response(&app.admin_id, &app.admin_secret, &[]).await.status
                == StatusCode::TOO_MANY_REQUESTS;
        }
        assert!(limited, "the token endpoint's limit of 2 was never reached");
        let scrape = app.request(Method::GET, "/metrics", None, None).await;
        assert_eq!(scrape.status, StatusCode::OK);
        let mut names = exported(&scrape.text);
        // Exported only with REDIS_URL: the same registry, built with Redis.
        let with_redis = agentidp::infra::metrics::Metrics::new(true)
            .render(&agentidp::infra::metrics::Snapshot::default());
        names.extend(exported(&with_redis));
        for file in ["deploy/grafana/agentidp.json", "deploy/prometheus/alerts.yaml"] {
            let used = used_in(file);
            assert!(used.len() >= 8, "{file} names only {used:?}");
            let unknown: Vec<_> = used.difference(&names).collect();
            assert!(unknown.is_empty(), "{file} uses metrics the server does not export: {unknown:?}");
        }
        assert!(scrape.text.lines().any(|l| l == "agentidp_database_up 1"), "{}", scrape.text);
    }
}
