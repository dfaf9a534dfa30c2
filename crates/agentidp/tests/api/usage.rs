//! `GET /v1/billing/usage`: tokens this month and live agents against the configured limits.

use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::helpers::backend_tests;

backend_tests! {
    async fn usage_counts_this_months_tokens_and_live_agents_against_the_limits(app, "--max-agents-per-tenant", "5", "--max-tokens-per-month", "50") {
        let token = app.admin_token().await;
        let (id, secret) = app.agent_with_secret(&token, json!({})).await;
        for _ in 0..3 {
            app.token(&id, &secret, &[]).await;
        }
        let r = app.request(Method::GET, "/v1/billing/usage", Some(&token), None).await;
        let body = r.expect(StatusCode::OK);
        assert_eq!(body["plan"], "free");
        assert_eq!(body["month"].as_str().unwrap().len(), 7);
        // The admin's token and the agent's three, counted before any flush.
        assert_eq!(body["tokens"], json!({"used": 4, "limit": 50}));
        assert_eq!(body["agents"], json!({"used": 2, "limit": 5}));
    }

    async fn usage_without_limits_shows_null_and_needs_agents_read(app, "--max-agents-per-tenant", "0", "--max-tokens-per-month", "0") {
        let token = app.admin_token().await;
        let body = app.request(Method::GET, "/v1/billing/usage", Some(&token), None).await;
        let body = body.expect(StatusCode::OK);
        assert_eq!(body["tokens"]["limit"], json!(null));
        assert_eq!(body["agents"]["limit"], json!(null));
        let (id, secret) = app.agent_with_secret(&token, json!({"allowedScopes": ["weather:read"]})).await;
        let agent = app.token(&id, &secret, &[]).await;
        app.request(Method::GET, "/v1/billing/usage", Some(&agent), None).await
            .expect_error(StatusCode::FORBIDDEN, "INSUFFICIENT_SCOPE");
        app.request(Method::GET, "/v1/billing/usage", None, None).await
            .expect_error(StatusCode::UNAUTHORIZED, "INVALID_TOKEN");
    }
}
