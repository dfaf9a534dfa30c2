//! Rate limits per client and per IP, their headers and error shapes, and the operational
//! surface around them: request ids, security headers, CORS and `/metrics`.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};

use crate::helpers::{TestApp, backend_tests};

async fn get_with(
    app: &TestApp,
    uri: &str,
    headers: &[(&str, &str)],
) -> crate::helpers::TestResponse {
    let mut builder = Request::builder().method(Method::GET).uri(uri);
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    app.send(builder.body(Body::empty()).unwrap()).await
}

/// A client-credentials token request from `ip` (through the trusted proxy at 127.0.0.1).
async fn token_from(
    app: &TestApp,
    ip: &str,
    id: &str,
    secret: &str,
) -> crate::helpers::TestResponse {
    use base64::Engine as _;
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("{id}:{secret}"));
    let request = Request::builder()
        .method(Method::POST)
        .uri("/oauth2/token")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("authorization", format!("Basic {basic}"))
        .header("x-forwarded-for", ip)
        .body(Body::from("grant_type=client_credentials"))
        .unwrap();
    app.send(request).await
}

backend_tests! {
    async fn a_client_over_its_limit_gets_429_with_retry_after_while_other_clients_go_on(app, "--rate-limit-max-requests", "3") {
        let token = app.admin_token().await;
        let first = app.request(Method::GET, "/v1/agents", Some(&token), None).await;
        first.expect(StatusCode::OK);
        assert_eq!(first.header("x-ratelimit-limit"), "3");
        assert_eq!(first.header("x-ratelimit-remaining"), "1");
        let reset: u64 = first.header("x-ratelimit-reset").parse().unwrap();
        assert!((1..=60).contains(&reset), "reset {reset}");
        app.request(Method::GET, "/v1/agents", Some(&token), None).await.expect(StatusCode::OK);

        let refused = app.request(Method::GET, "/v1/agents", Some(&token), None).await;
        let body = refused.expect_error(StatusCode::TOO_MANY_REQUESTS, "RATE_LIMIT_EXCEEDED");
        let retry: u64 = refused.header("retry-after").parse().unwrap();
        assert!((1..=60).contains(&retry), "retry-after {retry}");
        assert_eq!(body["details"]["retryAfterSeconds"], retry);
        assert_eq!(refused.header("x-ratelimit-remaining"), "0");

        let other = app.state.idp.create_tenant("other-tenant", "system", &Default::default()).await.unwrap();
        let other_token = app.token(&other.admin.id.to_string(), other.secret.expose(), &[]).await;
        app.request(Method::GET, "/v1/agents", Some(&other_token), None).await.expect(StatusCode::OK);
    }

    async fn the_token_endpoint_has_its_own_limit_and_answers_429_in_the_oauth_shape(app, "--rate-limit-overrides", "/oauth2/token=2") {
        let first = app.token_response(&app.admin_id, &app.admin_secret, &[]).await;
        first.expect(StatusCode::OK);
        assert_eq!(first.header("x-ratelimit-limit"), "2");
        let token = first.body["access_token"].as_str().unwrap().to_owned();
        app.token_response(&app.admin_id, &app.admin_secret, &[]).await.expect(StatusCode::OK);
        let refused = app.token_response(&app.admin_id, &app.admin_secret, &[]).await;
        refused.expect_oauth_error(StatusCode::TOO_MANY_REQUESTS, "too_many_requests");
        assert!(refused.header("retry-after").parse::<u64>().unwrap() >= 1);
        assert_eq!(refused.header("cache-control"), "no-store");

        let api = app.request(Method::GET, "/v1/agents", Some(&token), None).await;
        api.expect(StatusCode::OK);
        assert_eq!(api.header("x-ratelimit-limit"), "100000", "the default counter is separate");
    }

    async fn other_spellings_of_a_client_id_and_ids_naming_no_client_share_a_counter(app, "--rate-limit-overrides", "/oauth2/token=2") {
        let upper = app.admin_id.to_uppercase();
        let urn = format!("urn:uuid:{}", app.admin_id);
        app.token_response(&upper, "sk_live_wrong", &[]).await.expect_oauth_error(StatusCode::UNAUTHORIZED, "invalid_client");
        app.token_response(&urn, "sk_live_wrong", &[]).await.expect_oauth_error(StatusCode::UNAUTHORIZED, "invalid_client");
        app.token_response(&app.admin_id, "sk_live_wrong", &[]).await
            .expect_oauth_error(StatusCode::TOO_MANY_REQUESTS, "too_many_requests");
        // Ids that cannot name a client count against the IP they come from.
        let other = app.another_node(&["--rate-limit-overrides", "/oauth2/token=2"]).await;
        for n in 0..2 {
            other.token_response(&format!("guess-{n}"), "x", &[]).await.expect_oauth_error(StatusCode::UNAUTHORIZED, "invalid_client");
        }
        other.token_response("guess-2", "x", &[]).await.expect_oauth_error(StatusCode::TOO_MANY_REQUESTS, "too_many_requests");
    }

    async fn someone_guessing_at_a_client_secret_exhausts_only_their_own_budget_and_the_client_still_gets_tokens(app, "--rate-limit-overrides", "/oauth2/token=3", "--trusted-proxies", "127.0.0.1/32") {
        let attacker = "203.0.113.66";
        for _ in 0..3 {
            token_from(&app, attacker, &app.admin_id, "sk_live_wrong").await
                .expect_oauth_error(StatusCode::UNAUTHORIZED, "invalid_client");
        }
        let refused = token_from(&app, attacker, &app.admin_id, "sk_live_wrong").await;
        refused.expect_oauth_error(StatusCode::TOO_MANY_REQUESTS, "too_many_requests");
        assert!(refused.header("retry-after").parse::<u64>().unwrap() >= 1);
        // Past its budget, that IP cannot even try the right secret as that client.
        token_from(&app, attacker, &app.admin_id, &app.admin_secret).await
            .expect_oauth_error(StatusCode::TOO_MANY_REQUESTS, "too_many_requests");
        // The client itself, from its own address, still has its whole budget.
        let victim = "198.51.100.7";
        for _ in 0..3 {
            token_from(&app, victim, &app.admin_id, &app.admin_secret).await.expect(StatusCode::OK);
        }
        token_from(&app, victim, &app.admin_id, &app.admin_secret).await
            .expect_oauth_error(StatusCode::TOO_MANY_REQUESTS, "too_many_requests");
    }

    async fn unauthenticated_endpoints_are_limited_per_client_ip_and_health_never(app, "--rate-limit-max-requests", "2", "--trusted-proxies", "127.0.0.1/32") {
        let from = |ip: &'static str| [("x-forwarded-for", ip)];
        for _ in 0..2 {
            get_with(&app, "/.well-known/jwks.json", &from("203.0.113.1")).await.expect(StatusCode::OK);
        }
        let refused = get_with(&app, "/.well-known/jwks.json", &from("203.0.113.1")).await;
        refused.expect_error(StatusCode::TOO_MANY_REQUESTS, "RATE_LIMIT_EXCEEDED");
        assert!(!refused.header("retry-after").is_empty());
        get_with(&app, "/.well-known/jwks.json", &from("203.0.113.2")).await.expect(StatusCode::OK);
        for _ in 0..5 {
            let health = get_with(&app, "/health", &from("203.0.113.1")).await;
            health.expect(StatusCode::OK);
            assert_eq!(health.header("x-ratelimit-limit"), "");
        }

        // Without a trusted proxy, X-Forwarded-For is the client's word and is ignored.
        let direct = app.another_node(&["--rate-limit-max-requests", "2"]).await;
        get_with(&direct, "/.well-known/jwks.json", &from("198.51.100.1")).await.expect(StatusCode::OK);
        get_with(&direct, "/.well-known/jwks.json", &from("198.51.100.2")).await.expect(StatusCode::OK);
        get_with(&direct, "/.well-known/jwks.json", &from("198.51.100.3")).await
            .expect_error(StatusCode::TOO_MANY_REQUESTS, "RATE_LIMIT_EXCEEDED");
    }

    async fn invalid_bearer_tokens_are_counted_against_the_ip(app, "--rate-limit-max-requests", "2") {
        for _ in 0..2 {
            app.request(Method::GET, "/v1/agents", Some("not-a-token"), None).await
                .expect_error(StatusCode::UNAUTHORIZED, "INVALID_TOKEN");
        }
        app.request(Method::GET, "/v1/agents", Some("not-a-token"), None).await
            .expect_error(StatusCode::TOO_MANY_REQUESTS, "RATE_LIMIT_EXCEEDED");
    }

    async fn every_response_carries_a_request_id_and_security_headers(app) {
        let r = get_with(&app, "/health", &[]).await;
        assert_eq!(r.header("x-request-id").len(), 36, "a generated UUID");
        assert_eq!(r.header("x-content-type-options"), "nosniff");
        assert_eq!(r.header("x-frame-options"), "DENY");
        assert_eq!(r.header("referrer-policy"), "no-referrer");
        assert!(r.header("content-security-policy").contains("default-src 'none'"));
        let echoed = get_with(&app, "/v1/agents", &[("x-request-id", "req-42")]).await;
        echoed.expect_error(StatusCode::UNAUTHORIZED, "INVALID_TOKEN");
        assert_eq!(echoed.header("x-request-id"), "req-42");
    }

    async fn cors_answers_preflights_from_configured_origins_only(app, "--cors-allowed-origins", "https://portal.example") {
        let preflight = |origin: &'static str| {
            Request::builder()
                .method(Method::OPTIONS)
                .uri("/v1/agents")
                .header("origin", origin)
                .header("access-control-request-method", "POST")
                .header("access-control-request-headers", "authorization,content-type")
                .body(Body::empty())
                .unwrap()
        };
        let ok = app.send(preflight("https://portal.example")).await;
        assert!(ok.status.is_success(), "{}", ok.status);
        assert_eq!(ok.header("access-control-allow-origin"), "https://portal.example");
        let other = app.send(preflight("https://evil.example")).await;
        assert_eq!(other.header("access-control-allow-origin"), "");
    }

    async fn metrics_count_requests_tokens_limits_and_tenant_calls(app, "--rate-limit-overrides", "/oauth2/token=1") {
        let token = app.admin_token().await;
        app.token_response(&app.admin_id, &app.admin_secret, &[]).await
            .expect_oauth_error(StatusCode::TOO_MANY_REQUESTS, "too_many_requests");
        app.request(Method::GET, "/v1/agents", Some(&token), None).await.expect(StatusCode::OK);
        let tenant = crate::helpers::decode_jwt(&token).1["tenant_id"].as_str().unwrap().to_owned();

        let r = get_with(&app, "/metrics", &[]).await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(r.header("content-type").starts_with("application/openmetrics-text; version=1.0.0"));
        let tenant_line = format!(r#"agentidp_tenant_api_calls_total{{tenant_id="{tenant}"}} 1"#);
        for line in [
            r#"agentidp_http_requests_total{method="POST",route="/oauth2/token",status="200"} 1"#,
            r#"agentidp_http_requests_total{method="POST",route="/oauth2/token",status="429"} 1"#,
            r#"agentidp_http_requests_total{method="GET",route="/v1/agents",status="200"} 1"#,
            r#"agentidp_tokens_issued_total{algorithm="ES256"} 1"#,
            r#"agentidp_token_issue_duration_seconds_count{algorithm="ES256"} 1"#,
            r#"agentidp_rate_limit_hits_total{endpoint="/oauth2/token"} 1"#,
            tenant_line.as_str(),
        ] {
            assert!(r.text.lines().any(|l| l == line), "missing {line}\n{}", r.text);
        }
        for name in ["agentidp_http_request_duration_seconds_bucket", "agentidp_db_pool_active_connections ", "agentidp_db_pool_waiting_requests "] {
            assert!(r.text.contains(name), "missing {name}");
        }
    }

    async fn metrics_can_require_a_bearer_token(app, "--metrics-token", "scrape-me") {
        get_with(&app, "/metrics", &[]).await.expect_error(StatusCode::UNAUTHORIZED, "INVALID_TOKEN");
        get_with(&app, "/metrics", &[("authorization", "Bearer wrong")]).await
            .expect_error(StatusCode::UNAUTHORIZED, "INVALID_TOKEN");
        let ok = get_with(&app, "/metrics", &[("authorization", "Bearer scrape-me")]).await;
        assert_eq!(ok.status, StatusCode::OK);
    }

    async fn metrics_move_off_the_api_listener_when_given_their_own_address(app, "--metrics-bind-addr", "127.0.0.1:0") {
        get_with(&app, "/metrics", &[]).await.expect_error(StatusCode::NOT_FOUND, "NOT_FOUND");
    }
}
