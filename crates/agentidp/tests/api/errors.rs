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
        app.send(oauth).await.expect_error(StatusCode::PAYLOAD_TOO_LARGE, "PAYLOAD_TOO_LARGE");
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
