//! `/health/detailed` with Vault and OPA configured: local servers that answer their
//! documented health endpoints stand in for them.

use axum::Router;
use axum::http::{Method, StatusCode};
use axum::routing::get;
use serde_json::json;

use crate::helpers::backend_tests;

/// Serves Vault's `GET /v1/sys/health` (answering `vault_status`, as a sealed Vault answers
/// 503) and OPA's `GET /health` on a loopback port; returns the base URL.
async fn vault_and_opa(vault_status: u16) -> String {
    let status = StatusCode::from_u16(vault_status).unwrap();
    let vault_body = json!({"initialized": true, "sealed": vault_status == 503, "standby": false});
    let router = Router::new()
        .route(
            "/v1/sys/health",
            get(move || async move { (status, axum::Json(vault_body)) }),
        )
        .route("/health", get(|| async { axum::Json(json!({})) }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await });
    format!("http://{addr}")
}

backend_tests! {
    async fn vault_and_opa_are_checked_when_configured(app) {
        let base = vault_and_opa(200).await;
        let node = app.another_node(&["--vault-addr", &base, "--opa-url", &format!("{base}/")]).await;
        let r = node.request(Method::GET, "/health/detailed", None, None).await;
        let body = r.expect(StatusCode::OK);
        assert_eq!(body["status"], "healthy");
        assert_eq!(body["checks"]["vault"]["status"], "healthy");
        assert_eq!(body["checks"]["opa"]["status"], "healthy");
        assert!(body["checks"]["vault"]["latencyMs"].is_u64());
        assert!(body["checks"].get("redis").is_none(), "Redis is not configured");
    }

    async fn a_sealed_vault_or_an_absent_opa_degrades_health_without_failing_it(app) {
        let sealed = vault_and_opa(503).await;
        let nobody = format!("http://127.0.0.1:{}", std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port());
        let node = app.another_node(&["--vault-addr", &sealed, "--opa-url", &nobody]).await;
        let r = node.request(Method::GET, "/health/detailed", None, None).await;
        assert_eq!(r.status, StatusCode::MULTI_STATUS, "{}", r.text);
        assert_eq!(r.body["status"], "degraded");
        assert_eq!(r.body["checks"]["database"]["status"], "healthy");
        assert_eq!(r.body["checks"]["vault"]["status"], "unreachable");
        assert_eq!(r.body["checks"]["vault"]["error"], "answered HTTP 503");
        assert_eq!(r.body["checks"]["opa"]["status"], "unreachable");
    }
}
