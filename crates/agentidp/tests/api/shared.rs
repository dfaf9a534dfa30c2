//! State shared between nodes through Redis (rate limits, quotas), and what happens when
//! Redis dies and comes back. Runs when `AGENTIDP_TEST_REDIS_URL` is set.

use std::time::Duration;

use axum::http::{Method, StatusCode};

use crate::common_redis::{RedisServer, redis_url};
use crate::helpers::backend_tests;

backend_tests! {
    async fn two_nodes_share_one_rate_limit_through_redis(app) {
        let Some(redis) = redis_url() else { return };
        let args = ["--redis-url", redis.as_str(), "--rate-limit-max-requests", "4"];
        let a = app.another_node(&args).await;
        let b = app.another_node(&args).await;
        let token = a.admin_token().await;
        b.request(Method::GET, "/v1/agents", Some(&token), None).await.expect(StatusCode::OK);
        a.request(Method::GET, "/v1/agents", Some(&token), None).await.expect(StatusCode::OK);
        let last = b.request(Method::GET, "/v1/agents", Some(&token), None).await;
        last.expect(StatusCode::OK);
        assert_eq!(last.header("x-ratelimit-remaining"), "0");
        a.request(Method::GET, "/v1/agents", Some(&token), None).await
            .expect_error(StatusCode::TOO_MANY_REQUESTS, "RATE_LIMIT_EXCEEDED");
    }

    async fn two_nodes_share_one_budget_of_failed_client_authentications_through_redis(app) {
        if redis_url().is_none() { return; }
        let redis = RedisServer::start().await;
        let url = redis.url();
        let args = ["--redis-url", url.as_str(), "--rate-limit-overrides", "/oauth2/token=2"];
        let a = app.another_node(&args).await;
        let b = app.another_node(&args).await;
        a.token_response(&a.admin_id, "sk_live_wrong", &[]).await
            .expect_oauth_error(StatusCode::UNAUTHORIZED, "invalid_client");
        b.token_response(&b.admin_id, "sk_live_wrong", &[]).await
            .expect_oauth_error(StatusCode::UNAUTHORIZED, "invalid_client");
        a.token_response(&a.admin_id, "sk_live_wrong", &[]).await
            .expect_oauth_error(StatusCode::TOO_MANY_REQUESTS, "too_many_requests");
        b.token_response(&b.admin_id, &b.admin_secret, &[]).await
            .expect_oauth_error(StatusCode::TOO_MANY_REQUESTS, "too_many_requests");
        let keys = redis.keys("agentidp:rl:/oauth2/token|f|*").await;
        assert_eq!(keys.len(), 1, "one failure counter in Redis: {keys:?}");
    }

    async fn two_nodes_share_the_monthly_token_quota_through_redis(app) {
        let Some(redis) = redis_url() else { return };
        let args = ["--redis-url", redis.as_str(), "--max-tokens-per-month", "3"];
        let a = app.another_node(&args).await;
        let b = app.another_node(&args).await;
        let token = a.admin_token().await;
        b.admin_token().await;
        a.admin_token().await;
        b.token_response(&b.admin_id, &b.admin_secret, &[]).await
            .expect_oauth_error(StatusCode::TOO_MANY_REQUESTS, "quota_exceeded");
        // The database still learns every node's count.
        a.state.idp.meter.flush().await.unwrap();
        b.state.idp.meter.flush().await.unwrap();
        let tenant = crate::helpers::decode_jwt(&token).1["tenant_id"].as_str().unwrap().parse().unwrap();
        assert_eq!(crate::helpers::tokens_this_month(&a, tenant).await, 3);
    }

    async fn two_nodes_share_a_free_tenants_daily_api_calls_through_redis(app) {
        let Some(redis) = redis_url() else { return };
        let args = ["--redis-url", redis.as_str(), "--billing-enabled", "true", "--free-max-api-calls-per-day", "4"];
        let a = app.another_node(&args).await;
        let b = app.another_node(&args).await;
        let token = a.admin_token().await;
        b.request(Method::GET, "/v1/agents", Some(&token), None).await.expect(StatusCode::OK);
        a.request(Method::GET, "/v1/agents", Some(&token), None).await.expect(StatusCode::OK);
        b.request(Method::GET, "/v1/agents", Some(&token), None).await.expect(StatusCode::OK);
        a.request(Method::GET, "/v1/agents", Some(&token), None).await
            .expect_error(StatusCode::TOO_MANY_REQUESTS, "FREE_TIER_LIMIT_EXCEEDED");
        b.request(Method::GET, "/v1/agents", Some(&token), None).await
            .expect_error(StatusCode::TOO_MANY_REQUESTS, "FREE_TIER_LIMIT_EXCEEDED");
    }

    async fn nodes_take_usage_from_redis_a_lease_at_a_time(app) {
        if redis_url().is_none() { return; }
        let redis = RedisServer::start().await;
        let url = redis.url();
        let args = ["--redis-url", url.as_str(), "--billing-enabled", "true", "--free-max-api-calls-per-day", "1000"];
        let a = app.another_node(&args).await;
        let b = app.another_node(&args).await;
        let token = a.admin_token().await;
        for node in [&a, &a, &a, &b] {
            node.request(Method::GET, "/v1/agents", Some(&token), None).await.expect(StatusCode::OK);
        }
        let keys = redis.keys("agentidp:usage:api_calls:*").await;
        assert_eq!(keys.len(), 1, "{keys:?}");
        // A lease is a hundredth of the limit: one for each node, not one call per request.
        assert_eq!(redis.get(&keys[0]).await.as_deref(), Some("20"));
    }

    async fn requests_keep_succeeding_while_redis_is_down_and_sharing_resumes_when_it_returns(app) {
        if redis_url().is_none() { return; }
        let mut redis = RedisServer::start().await;
        let url = redis.url();
        let node = app.another_node(&["--redis-url", url.as_str()]).await;
        let token = node.admin_token().await;
        node.request(Method::GET, "/v1/agents", Some(&token), None).await.expect(StatusCode::OK);
        assert!(!redis.keys("agentidp:rl:*").await.is_empty(), "counted in Redis");

        redis.kill();
        for _ in 0..3 {
            let r = node.request(Method::GET, "/v1/agents", Some(&token), None).await;
            r.expect(StatusCode::OK);
            assert!(!r.header("x-ratelimit-remaining").is_empty(), "limits still apply, in process");
        }
        node.admin_token().await;
        let health = node.request(Method::GET, "/health/detailed", None, None).await;
        assert_eq!(health.status, StatusCode::MULTI_STATUS, "{}", health.text);
        assert_eq!(health.body["status"], "degraded");
        assert_eq!(health.body["checks"]["redis"]["status"], "unreachable");
        assert_eq!(health.body["checks"]["database"]["status"], "healthy");
        let metrics = node.request(Method::GET, "/metrics", None, None).await;
        assert!(metrics.text.lines().any(|l| l == "agentidp_redis_up 0"), "{}", metrics.text);

        redis.restart().await;
        let mut healthy = false;
        for _ in 0..50 {
            tokio::time::sleep(Duration::from_millis(100)).await;
            let health = node.request(Method::GET, "/health/detailed", None, None).await;
            if health.status == StatusCode::OK {
                healthy = true;
                break;
            }
        }
        assert!(healthy, "health recovers once Redis is back");
        node.request(Method::GET, "/v1/agents", Some(&token), None).await.expect(StatusCode::OK);
        assert!(!redis.keys("agentidp:rl:*").await.is_empty(), "counting went back to Redis");
    }
}
