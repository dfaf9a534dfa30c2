//! Plans and metering: the free tier's daily API calls, monthly tokens and agents are refused
//! past their limits (until the next UTC midnight or month, the clock moved forward), a pro
//! tenant passes, nothing is enforced with billing off, and usage is counted per day.

use agentidp::domain::billing::Metric;
use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{TestApp, backend_tests};

/// Seconds from the app's clock to the next UTC midnight.
fn to_midnight(app: &TestApp) -> u64 {
    let now = app.state.idp.clock.now();
    Metric::ApiCalls.window(now).seconds_left(now)
}

async fn list_agents(app: &TestApp, token: &str) -> crate::helpers::TestResponse {
    app.request(Method::GET, "/v1/agents", Some(token), None)
        .await
}

backend_tests! {
    async fn a_free_tenant_past_its_daily_calls_is_refused_until_the_next_utc_midnight(app, "--billing-enabled", "true", "--free-max-api-calls-per-day", "4") {
        // The token request is the first call (client authentication counts).
        let token = app.admin_token().await;
        for _ in 0..3 {
            list_agents(&app, &token).await.expect(StatusCode::OK);
        }
        let refused = list_agents(&app, &token).await;
        let body = refused.expect_error(StatusCode::TOO_MANY_REQUESTS, "FREE_TIER_LIMIT_EXCEEDED");
        assert_eq!(body["details"], json!({"plan": "free", "limitType": "api_calls_per_day", "limit": 4}));
        let retry: u64 = refused.header("retry-after").parse().unwrap();
        assert!(retry.abs_diff(to_midnight(&app)) <= 2, "Retry-After {retry} is the next UTC midnight");
        app.token_response(&app.admin_id, &app.admin_secret, &[]).await
            .expect_oauth_error(StatusCode::TOO_MANY_REQUESTS, "too_many_requests");
        let metrics = app.request(Method::GET, "/metrics", None, None).await;
        assert!(metrics.text.contains("agentidp_billing_limit_rejections_total{tenant_id=\""), "{}", metrics.text);
        assert!(metrics.text.contains("limit_type=\"api_calls_per_day\"} 2"), "{}", metrics.text);

        app.state.idp.clock.advance(i64::try_from(to_midnight(&app)).unwrap());
        list_agents(&app, &token).await.expect(StatusCode::OK);
        let events = app.request(Method::GET, "/v1/audit/events?action=limit.exceeded", Some(&token), None).await;
        let events = events.expect(StatusCode::OK)["data"].as_array().unwrap().clone();
        assert_eq!(events.len(), 1, "audited once per window: {events:?}");
        assert_eq!(events[0]["metadata"]["limit"], "api_calls_per_day");
        assert_eq!(events[0]["metadata"]["plan"], "free");
    }

    async fn a_pro_tenant_passes_the_free_limits(app, "--billing-enabled", "true", "--free-max-api-calls-per-day", "2", "--free-max-tokens-per-month", "1") {
        app.raw_sql("UPDATE tenants SET plan = 'pro'").await.unwrap();
        let token = app.admin_token().await;
        app.admin_token().await;
        for _ in 0..5 {
            list_agents(&app, &token).await.expect(StatusCode::OK);
        }
        let usage = app.request(Method::GET, "/v1/billing/usage", Some(&token), None).await;
        let usage = usage.expect(StatusCode::OK);
        assert_eq!(usage["plan"], "pro");
        assert_eq!(usage["billingEnabled"], true);
        assert_eq!(usage["apiCalls"]["limit"], json!(null));
    }

    async fn free_tokens_and_agents_are_refused_past_the_plan(app, "--billing-enabled", "true", "--free-max-tokens-per-month", "2", "--free-max-agents", "2") {
        let token = app.admin_token().await;
        app.create_agent(&token, json!({})).await;
        let third = app.request(Method::POST, "/v1/agents", Some(&token), Some(crate::helpers::agent_body(json!({})))).await;
        let body = third.expect_error(StatusCode::TOO_MANY_REQUESTS, "FREE_TIER_LIMIT_EXCEEDED");
        assert_eq!(body["details"]["limitType"], "agents");
        assert!(third.headers.get("retry-after").is_none(), "agents do not reset");
        app.admin_token().await;
        let r = app.token_response(&app.admin_id, &app.admin_secret, &[]).await;
        r.expect_oauth_error(StatusCode::TOO_MANY_REQUESTS, "too_many_requests");
        let now = app.state.idp.clock.now();
        let to_next_month = Metric::TokensIssued.window(now).seconds_left(now);
        let retry: u64 = r.header("retry-after").parse().unwrap();
        assert!(retry.abs_diff(to_next_month) <= 2, "{retry} vs {to_next_month}");
    }

    async fn with_billing_disabled_nothing_of_the_plans_is_enforced_and_usage_is_still_metered(app, "--free-max-api-calls-per-day", "1", "--free-max-agents", "1") {
        let token = app.admin_token().await;
        for _ in 0..3 {
            list_agents(&app, &token).await.expect(StatusCode::OK);
        }
        app.create_agent(&token, json!({})).await;
        app.state.idp.meter.flush().await.unwrap();
        let usage = app.request(Method::GET, "/v1/billing/usage", Some(&token), None).await;
        let usage = usage.expect(StatusCode::OK);
        assert_eq!(usage["billingEnabled"], false);
        // The server-wide limits (MAX_AGENTS_PER_TENANT, MAX_TOKENS_PER_MONTH) still apply.
        assert_eq!(usage["agents"]["limit"], 100);
        assert_eq!(usage["apiCalls"]["limit"], json!(null));
        let today = &usage["days"].as_array().unwrap().last().unwrap().clone();
        assert_eq!(today["apiCalls"], 5, "token, three lists, one create: {usage}");
        assert_eq!(today["tokensIssued"], 1);
        assert_eq!(usage["apiCalls"]["used"], 6, "and this request");
    }

    async fn two_nodes_on_one_database_both_count_into_the_days_usage(app) {
        let a = app.another_node(&[]).await;
        let b = app.another_node(&[]).await;
        let token = a.admin_token().await;
        for node in [&a, &b, &b] {
            list_agents(node, &token).await.expect(StatusCode::OK);
        }
        a.state.idp.meter.flush().await.unwrap();
        b.state.idp.meter.flush().await.unwrap();
        let tenant = app.tenant_id().await;
        let today = Metric::ApiCalls.window(a.state.idp.clock.now());
        let calls = a.state.idp.db.usage_total(tenant, Metric::ApiCalls.as_str(), &today).await.unwrap();
        assert_eq!(calls, 4, "a token and three calls, over two nodes");
    }

    async fn without_redis_nodes_converge_on_a_limit_within_one_flush(app, "--billing-enabled", "true", "--free-max-api-calls-per-day", "3") {
        let args = ["--billing-enabled", "true", "--free-max-api-calls-per-day", "3"];
        let a = app.another_node(&args).await;
        let b = app.another_node(&args).await;
        let token = a.admin_token().await;
        list_agents(&a, &token).await.expect(StatusCode::OK);
        list_agents(&a, &token).await.expect(StatusCode::OK);
        a.state.idp.meter.flush().await.unwrap();
        b.state.idp.meter.flush().await.unwrap();
        list_agents(&b, &token).await
            .expect_error(StatusCode::TOO_MANY_REQUESTS, "FREE_TIER_LIMIT_EXCEEDED");
    }

    async fn usage_shows_each_days_calls_tokens_and_sampled_agents(app) {
        let token = app.admin_token().await;
        app.create_agent(&token, json!({})).await;
        app.state.idp.meter.flush().await.unwrap();
        app.state.idp.meter.sample_agents().await.unwrap();
        app.state.idp.clock.advance(i64::try_from(to_midnight(&app)).unwrap());
        list_agents(&app, &token).await.expect(StatusCode::OK);
        app.state.idp.meter.flush().await.unwrap();
        let usage = app.request(Method::GET, "/v1/billing/usage", Some(&token), None).await;
        let days = usage.expect(StatusCode::OK)["days"].as_array().unwrap().clone();
        // The first day of a month has no yesterday in this month's report.
        let first = days.first().unwrap();
        if days.len() == 2 {
            assert_eq!(first["apiCalls"], 2);
            assert_eq!(first["activeAgents"], 2);
            assert_eq!(first["tokensIssued"], 1);
        }
        assert_eq!(days.last().unwrap()["apiCalls"], 1);
    }
}
