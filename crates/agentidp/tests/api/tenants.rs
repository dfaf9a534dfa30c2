//! Tenants: sign-up (off by default) and operator bootstrap.

use agentidp::service::tenants::Bootstrap;
use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::helpers::backend_tests;

backend_tests! {
    async fn sign_up_is_refused_unless_enabled(app) {
        app.request(Method::POST, "/v1/tenants", None, Some(json!({"name": "acme"}))).await
            .expect_error(StatusCode::FORBIDDEN, "SIGNUP_DISABLED");
    }

    async fn sign_up_creates_a_tenant_whose_admin_can_work(app, "--signup-enabled", "true") {
        let r = app.request(Method::POST, "/v1/tenants", None, Some(json!({"name": "acme-robotics"}))).await;
        let created = r.expect(StatusCode::CREATED).clone();
        assert_eq!(created["name"], "acme-robotics");
        assert_eq!(created["plan"], "free");
        let id = created["admin"]["clientId"].as_str().unwrap();
        let token = app.token(id, created["admin"]["clientSecret"].as_str().unwrap(), &[]).await;
        let listed = app.request(Method::GET, "/v1/agents", Some(&token), None).await;
        assert_eq!(listed.expect(StatusCode::OK)["data"].as_array().unwrap().len(), 1, "only its own admin");
        app.request(Method::POST, "/v1/tenants", None, Some(json!({"name": "acme-robotics"}))).await
            .expect_error(StatusCode::CONFLICT, "TENANT_EXISTS");
        app.request(Method::POST, "/v1/tenants", None, Some(json!({"name": "Bad Name"}))).await
            .expect_error(StatusCode::BAD_REQUEST, "VALIDATION_ERROR");
    }

    async fn bootstrap_of_an_existing_tenant_issues_a_new_admin_credential(app) {
        let Bootstrap::NewCredential(again) = app.state.idp.bootstrap("test-tenant").await.unwrap() else {
            panic!("the tenant exists");
        };
        assert_eq!(again.admin.id.to_string(), app.admin_id);
        app.token(&app.admin_id, again.secret.expose(), &[]).await;
        app.token(&app.admin_id, &app.admin_secret, &[]).await;
        let Bootstrap::Created(fresh) = app.state.idp.bootstrap("second-tenant").await.unwrap() else {
            panic!("a new tenant");
        };
        app.token(&fresh.admin.id.to_string(), fresh.secret.expose(), &[]).await;
    }
}
