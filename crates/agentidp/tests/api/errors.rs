//! Client mistakes come back as REST-shaped 4xx errors, never plain text or a 500.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use serde_json::json;

use crate::helpers::backend_tests;

backend_tests! {
    async fn malformed_bodies_get_rest_shaped_errors(app) {
        let token = app.admin_token().await;
        let send = |content_type: &'static str, body: String| {
            Request::builder()
                .method(Method::POST)
                .uri("/v1/agents")
                .header(header::AUTHORIZATION, format!("Bearer {token}"))
                .header(header::CONTENT_TYPE, content_type)
                .body(Body::from(body))
                .unwrap()
        };
        app.send(send("application/json", "{not json".into())).await.expect_error(StatusCode::BAD_REQUEST, "MALFORMED_JSON");
        app.send(send("text/plain", "{}".into())).await.expect_error(StatusCode::UNSUPPORTED_MEDIA_TYPE, "UNSUPPORTED_MEDIA_TYPE");
        app.send(send("application/json", json!({"email": 5}).to_string())).await.expect_error(StatusCode::BAD_REQUEST, "VALIDATION_ERROR");
        let huge = json!({"description": "x".repeat(100_000)}).to_string();
        app.send(send("application/json", huge)).await.expect_error(StatusCode::PAYLOAD_TOO_LARGE, "PAYLOAD_TOO_LARGE");
        let declared = "x".repeat(100_000);
        let oauth = Request::builder()
            .method(Method::POST)
            .uri("/oauth2/token")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::CONTENT_LENGTH, declared.len())
            .body(Body::from(declared))
            .unwrap();
        let refused = app.send(oauth).await;
        refused.expect_oauth_error(StatusCode::PAYLOAD_TOO_LARGE, "invalid_request");
        assert_eq!(refused.header("cache-control"), "no-store");
    }

    async fn every_error_under_oauth2_is_in_the_oauth_shape(app) {
        app.request(Method::GET, "/oauth2/token", None, None).await
            .expect_oauth_error(StatusCode::METHOD_NOT_ALLOWED, "invalid_request");
        app.request(Method::POST, "/oauth2/nothing-here", None, None).await
            .expect_oauth_error(StatusCode::NOT_FOUND, "invalid_request");
        let long = format!("/oauth2/token?x={}", "a".repeat(9000));
        app.request(Method::POST, &long, None, None).await
            .expect_oauth_error(StatusCode::URI_TOO_LONG, "invalid_request");
    }

    async fn overlong_targets_and_header_sections_get_json_errors(app) {
        let long = format!("/v1/agents?owner={}", "a".repeat(9000));
        app.request(Method::GET, &long, None, None).await.expect_error(StatusCode::URI_TOO_LONG, "URI_TOO_LONG");
        let mut many = Request::builder().method(Method::GET).uri("/health");
        for n in 0..101 {
            many = many.header(format!("x-filler-{n}"), "1");
        }
        app.send(many.body(Body::empty()).unwrap()).await
            .expect_error(StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE, "HEADERS_TOO_LARGE");
        let big = Request::builder().method(Method::GET).uri("/health")
            .header("x-filler", "b".repeat(40_000)).body(Body::empty()).unwrap();
        app.send(big).await.expect_error(StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE, "HEADERS_TOO_LARGE");
        let fine = Request::builder().method(Method::GET).uri("/health")
            .header("x-filler", "b".repeat(8_000)).body(Body::empty()).unwrap();
        app.send(fine).await.expect(StatusCode::OK);
    }

    async fn query_values_that_are_not_utf8_are_refused_not_matched_against_nothing(app) {
        let token = app.admin_token().await;
        for uri in ["/v1/agents?owner=%FF", "/v1/agents?agentType=a%C3%28", "/v1/audit/events?actor=%E2%82"] {
            let r = app.request(Method::GET, uri, Some(&token), None).await;
            r.expect_error(StatusCode::BAD_REQUEST, "INVALID_QUERY");
        }
        app.request(Method::GET, "/v1/agents?owner=%C3%A9quipe", Some(&token), None).await.expect(StatusCode::OK);
    }

    async fn timestamps_outside_the_years_0000_to_9999_are_refused(app) {
        let token = app.admin_token().await;
        let agent = app.create_agent(&token, json!({})).await;
        let uri = format!("/v1/agents/{}/credentials", agent["agentId"].as_str().unwrap());
        for bad in ["+10000-01-01T00:00:00Z", "9999-12-31T23:00:00-05:00", "2030-01-01"] {
            let r = app.request(Method::POST, &uri, Some(&token), Some(json!({"expiresAt": bad}))).await;
            r.expect_error(StatusCode::BAD_REQUEST, "VALIDATION_ERROR");
        }
        let r = app.request(Method::POST, &uri, Some(&token), Some(json!({"expiresAt": "9999-12-31T23:59:59Z"}))).await;
        assert_eq!(r.expect(StatusCode::CREATED)["expiresAt"], "9999-12-31T23:59:59.000Z");
        for bad in ["%2B10000-01-01T00:00:00Z", "0000-01-01T00:00:00%2B01:00"] {
            let r = app.request(Method::GET, &format!("/v1/audit/events?from={bad}"), Some(&token), None).await;
            r.expect_error(StatusCode::BAD_REQUEST, "INVALID_QUERY");
        }
    }

    async fn list_filters_with_control_characters_or_no_end_are_validation_errors(app) {
        let token = app.admin_token().await;
        let long = "o".repeat(257);
        for uri in [
            "/v1/agents?owner=%00".to_owned(),
            "/v1/agents?agentType=a%07".to_owned(),
            "/v1/agents?capability=%00".to_owned(),
            "/v1/audit/events?actor=%00x".to_owned(),
            format!("/v1/agents?owner={long}"),
            format!("/v1/audit/events?actor={long}"),
        ] {
            let r = app.request(Method::GET, &uri, Some(&token), None).await;
            r.expect_error(StatusCode::BAD_REQUEST, "VALIDATION_ERROR");
        }
    }

    async fn unknown_routes_methods_and_ids_get_rest_shaped_errors(app) {
        let token = app.admin_token().await;
        app.request(Method::GET, "/v1/nothing-here", Some(&token), None).await.expect_error(StatusCode::NOT_FOUND, "NOT_FOUND");
        app.request(Method::PUT, "/v1/agents", Some(&token), None).await.expect_error(StatusCode::METHOD_NOT_ALLOWED, "METHOD_NOT_ALLOWED");
        app.request(Method::GET, "/v1/agents/not-a-uuid", Some(&token), None).await
            .expect_error(StatusCode::BAD_REQUEST, "INVALID_PATH_PARAMETER");
        let missing = uuid::Uuid::now_v7();
        app.request(Method::GET, &format!("/v1/agents/{missing}"), Some(&token), None).await
            .expect_error(StatusCode::NOT_FOUND, "AGENT_NOT_FOUND");
    }

    async fn health_endpoints_report_the_database(app) {
        let r = app.request(Method::GET, "/health", None, None).await;
        assert_eq!(r.expect(StatusCode::OK)["status"], "ok");
        let r = app.request(Method::GET, "/health/detailed", None, None).await;
        let body = r.expect(StatusCode::OK);
        assert_eq!(body["status"], "healthy");
        assert_eq!(body["checks"]["database"]["status"], "healthy");
        let expected = match app.backend { crate::helpers::Backend::Sqlite => "sqlite", crate::helpers::Backend::Postgres => "postgres" };
        assert_eq!(body["checks"]["database"]["backend"], expected);
    }
}
