//! Agent registry: create, read, list with filters and pagination, update, decommission.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{TestApp, backend_tests};

async fn get(app: &TestApp, token: &str, uri: &str) -> Value {
    app.request(Method::GET, uri, Some(token), None)
        .await
        .expect(StatusCode::OK)
        .clone()
}

backend_tests! {
    async fn an_admin_registers_an_agent_and_reads_it_back(app) {
        let token = app.admin_token().await;
        let created = app.create_agent(&token, json!({"email": "Search-Bot@Example.com"})).await;
        assert_eq!(created["email"], "search-bot@example.com", "emails are normalised to lower case");
        assert_eq!(created["status"], "active");
        assert_eq!(created["version"], "1.2.3");
        assert_eq!(created["capabilities"], json!(["search:web", "summarize"]));
        assert_eq!(created["allowedScopes"], json!(["weather:read", "weather:write"]));
        assert!(created["lastAuthAt"].is_null());
        let id = created["agentId"].as_str().unwrap();
        let read = get(&app, &token, &format!("/v1/agents/{id}")).await;
        assert_eq!(read, created);
    }

    async fn a_duplicate_email_in_the_tenant_is_a_conflict(app) {
        let token = app.admin_token().await;
        app.create_agent(&token, json!({"email": "dup@example.com"})).await;
        let body = crate::helpers::agent_body(json!({"email": "DUP@example.com"}));
        app.request(Method::POST, "/v1/agents", Some(&token), Some(body)).await
            .expect_error(StatusCode::CONFLICT, "AGENT_EMAIL_CONFLICT");
    }

    async fn invalid_agent_fields_are_rejected_naming_the_field(app) {
        let token = app.admin_token().await;
        let cases = [
            (json!({"email": "not-an-email"}), "email"),
            (json!({"version": "1.2"}), "version"),
            (json!({"deploymentEnv": "moon"}), "deploymentEnv"),
            (json!({"capabilities": ["Bad Capability"]}), "capabilities"),
            (json!({"agentType": "Has Spaces"}), "agentType"),
            (json!({"name": ""}), "name"),
            (json!({"metadata": {"blob": "x".repeat(9000)}}), "metadata"),
            (json!({"metadata": [1, 2]}), "metadata"),
            (json!({"allowedScopes": ["has space"]}), "allowedScopes"),
        ];
        for (overrides, field) in cases {
            let r = app.request(Method::POST, "/v1/agents", Some(&token), Some(crate::helpers::agent_body(overrides))).await;
            let body = r.expect_error(StatusCode::BAD_REQUEST, "VALIDATION_ERROR");
            assert_eq!(body["details"]["field"], field, "{body}");
        }
        let r = app.request(Method::POST, "/v1/agents", Some(&token), Some(crate::helpers::agent_body(json!({"colour": "red"})))).await;
        let body = r.expect_error(StatusCode::BAD_REQUEST, "VALIDATION_ERROR");
        assert!(body["message"].as_str().unwrap().contains("colour"), "{body}");
        let mut missing = crate::helpers::agent_body(json!({}));
        missing.as_object_mut().unwrap().remove("owner");
        let r = app.request(Method::POST, "/v1/agents", Some(&token), Some(missing)).await;
        assert!(r.expect_error(StatusCode::BAD_REQUEST, "VALIDATION_ERROR")["message"].as_str().unwrap().contains("owner"));
    }

    async fn agents_are_listed_with_filters_and_keyset_pagination(app) {
        let token = app.admin_token().await;
        for i in 0..5 {
            app.create_agent(&token, json!({
                "agentType": if i % 2 == 0 { "retrieval" } else { "planner" },
                "owner": format!("team-{}", i % 3),
                "deploymentEnv": if i < 2 { "staging" } else { "production" },
                "capabilities": if i == 4 { json!(["code_exec"]) } else { json!(["search:web"]) },
            })).await;
        }
        let all = get(&app, &token, "/v1/agents?limit=100").await;
        assert_eq!(all["data"].as_array().unwrap().len(), 6, "five agents plus the admin");
        assert!(all["nextCursor"].is_null());

        let mut seen = Vec::new();
        let mut uri = "/v1/agents?limit=2".to_owned();
        loop {
            let page = get(&app, &token, &uri).await;
            seen.extend(page["data"].as_array().unwrap().iter().map(|a| a["agentId"].clone()));
            match page["nextCursor"].as_str() {
                Some(c) => uri = format!("/v1/agents?limit=2&cursor={c}"),
                None => break,
            }
        }
        let ids: Vec<Value> = all["data"].as_array().unwrap().iter().map(|a| a["agentId"].clone()).collect();
        assert_eq!(seen, ids, "pages cover every agent once, in order");

        let count = |v: Value| v["data"].as_array().unwrap().len();
        assert_eq!(count(get(&app, &token, "/v1/agents?agentType=planner").await), 2);
        assert_eq!(count(get(&app, &token, "/v1/agents?owner=team-0").await), 2);
        assert_eq!(count(get(&app, &token, "/v1/agents?deploymentEnv=staging").await), 2);
        assert_eq!(count(get(&app, &token, "/v1/agents?capability=code_exec").await), 1);
        assert_eq!(count(get(&app, &token, "/v1/agents?capability=code%25").await), 0, "LIKE wildcards are literal");
        assert_eq!(count(get(&app, &token, "/v1/agents?agentType=planner&deploymentEnv=staging").await), 1);
        assert_eq!(count(get(&app, &token, "/v1/agents?status=suspended").await), 0);
    }

    async fn bad_list_parameters_are_rejected(app) {
        let token = app.admin_token().await;
        for (uri, code) in [
            ("/v1/agents?limit=0", "VALIDATION_ERROR"),
            ("/v1/agents?limit=101", "VALIDATION_ERROR"),
            ("/v1/agents?limit=ten", "INVALID_QUERY"),
            ("/v1/agents?cursor=not-a-cursor", "INVALID_CURSOR"),
            ("/v1/agents?status=sleeping", "VALIDATION_ERROR"),
            ("/v1/agents?colour=red", "INVALID_QUERY"),
        ] {
            app.request(Method::GET, uri, Some(&token), None).await.expect_error(StatusCode::BAD_REQUEST, code);
        }
    }

    async fn patch_updates_mutable_fields_and_rejects_immutable_ones(app) {
        let token = app.admin_token().await;
        let agent = app.create_agent(&token, json!({})).await;
        let uri = format!("/v1/agents/{}", agent["agentId"].as_str().unwrap());
        let r = app.request(Method::PATCH, &uri, Some(&token), Some(json!({"name": "Renamed", "version": "2.0.0-beta.1", "isPublic": true}))).await;
        let updated = r.expect(StatusCode::OK);
        assert_eq!(updated["name"], "Renamed");
        assert_eq!(updated["version"], "2.0.0-beta.1");
        assert_eq!(updated["isPublic"], true);
        assert_eq!(updated["email"], agent["email"]);
        assert_ne!(updated["updatedAt"], agent["updatedAt"]);
        for field in ["email", "id", "createdAt", "tenantId"] {
            let r = app.request(Method::PATCH, &uri, Some(&token), Some(json!({field: "x"}))).await;
            assert_eq!(r.expect_error(StatusCode::BAD_REQUEST, "IMMUTABLE_FIELD")["details"]["field"], field);
        }
        app.request(Method::PATCH, &uri, Some(&token), Some(json!({"colour": "red"}))).await
            .expect_error(StatusCode::BAD_REQUEST, "VALIDATION_ERROR");
        app.request(Method::PATCH, &uri, Some(&token), Some(json!({"version": "two"}))).await
            .expect_error(StatusCode::BAD_REQUEST, "VALIDATION_ERROR");
        app.request(Method::PATCH, &uri, Some(&token), Some(json!({"status": "decommissioned"}))).await
            .expect_error(StatusCode::CONFLICT, "INVALID_STATUS_TRANSITION");
    }

    async fn a_suspended_agent_gets_no_tokens_and_its_tokens_stop_working(app) {
        let admin = app.admin_token().await;
        let (id, secret) = app.agent_with_secret(&admin, json!({"allowedScopes": ["agents:read"]})).await;
        let agent_token = app.token(&id, &secret, &[]).await;
        app.request(Method::GET, "/v1/agents", Some(&agent_token), None).await.expect(StatusCode::OK);
        let uri = format!("/v1/agents/{id}");
        app.request(Method::PATCH, &uri, Some(&admin), Some(json!({"status": "suspended"}))).await.expect(StatusCode::OK);
        app.request(Method::GET, "/v1/agents", Some(&agent_token), None).await.expect_error(StatusCode::UNAUTHORIZED, "INVALID_TOKEN");
        app.token_response(&id, &secret, &[]).await.expect_oauth_error(StatusCode::UNAUTHORIZED, "invalid_client");
        app.request(Method::PATCH, &uri, Some(&admin), Some(json!({"status": "active"}))).await.expect(StatusCode::OK);
        app.token(&id, &secret, &[]).await;
    }

    async fn revoking_an_agent_is_terminal_and_revokes_its_credentials(app) {
        let admin = app.admin_token().await;
        let (id, secret) = app.agent_with_secret(&admin, json!({})).await;
        let uri = format!("/v1/agents/{id}");
        app.request(Method::PATCH, &uri, Some(&admin), Some(json!({"status": "revoked"}))).await.expect(StatusCode::OK);
        app.request(Method::PATCH, &uri, Some(&admin), Some(json!({"status": "active"}))).await
            .expect_error(StatusCode::CONFLICT, "INVALID_STATUS_TRANSITION");
        let creds = app.request(Method::GET, &format!("{uri}/credentials"), Some(&admin), None).await;
        assert!(creds.expect(StatusCode::OK).as_array().unwrap().iter().all(|c| c["status"] == "revoked"));
        app.token_response(&id, &secret, &[]).await.expect_oauth_error(StatusCode::UNAUTHORIZED, "invalid_client");
    }

    async fn delete_decommissions_revokes_credentials_and_invalidates_tokens(app) {
        let admin = app.admin_token().await;
        let (id, secret) = app.agent_with_secret(&admin, json!({"allowedScopes": ["agents:read"]})).await;
        let agent_token = app.token(&id, &secret, &[]).await;
        let uri = format!("/v1/agents/{id}");
        let r = app.request(Method::DELETE, &uri, Some(&admin), None).await;
        assert_eq!(r.status, StatusCode::NO_CONTENT);
        assert_eq!(app.request(Method::DELETE, &uri, Some(&admin), None).await.status, StatusCode::NO_CONTENT, "idempotent");
        assert_eq!(app.request(Method::GET, &uri, Some(&admin), None).await.expect(StatusCode::OK)["status"], "decommissioned");
        app.request(Method::GET, "/v1/agents", Some(&agent_token), None).await.expect_error(StatusCode::UNAUTHORIZED, "INVALID_TOKEN");
        app.token_response(&id, &secret, &[]).await.expect_oauth_error(StatusCode::UNAUTHORIZED, "invalid_client");
        let intro = app.form("/oauth2/introspect", Some((&app.admin_id, &app.admin_secret)), &[("token", &agent_token)]).await;
        assert_eq!(intro.expect(StatusCode::OK), &json!({"active": false}));
        app.request(Method::PATCH, &uri, Some(&admin), Some(json!({"name": "back"}))).await
            .expect_error(StatusCode::CONFLICT, "AGENT_NOT_ACTIVE");
    }

    async fn another_tenants_agent_is_not_found(app) {
        let other = app.state.idp.create_tenant("other-tenant", "system", &Default::default()).await.unwrap();
        let other_token = app.token(&other.admin.id.to_string(), other.secret.expose(), &[]).await;
        let theirs = app.create_agent(&other_token, json!({})).await;
        let uri = format!("/v1/agents/{}", theirs["agentId"].as_str().unwrap());
        let mine = app.admin_token().await;
        app.request(Method::GET, &uri, Some(&mine), None).await.expect_error(StatusCode::NOT_FOUND, "AGENT_NOT_FOUND");
        app.request(Method::PATCH, &uri, Some(&mine), Some(json!({"name": "x"}))).await.expect_error(StatusCode::NOT_FOUND, "AGENT_NOT_FOUND");
        app.request(Method::DELETE, &uri, Some(&mine), None).await.expect_error(StatusCode::NOT_FOUND, "AGENT_NOT_FOUND");
        app.request(Method::GET, &format!("{uri}/credentials"), Some(&mine), None).await.expect_error(StatusCode::NOT_FOUND, "AGENT_NOT_FOUND");
        let listed = app.request(Method::GET, "/v1/agents", Some(&mine), None).await;
        assert!(listed.expect(StatusCode::OK)["data"].as_array().unwrap().iter().all(|a| a["agentId"] != theirs["agentId"]));
    }

    async fn the_agent_limit_is_enforced_and_decommissioning_frees_a_slot(app, "--max-agents-per-tenant", "3") {
        let token = app.admin_token().await;
        let first = app.create_agent(&token, json!({})).await;
        app.create_agent(&token, json!({})).await;
        let r = app.request(Method::POST, "/v1/agents", Some(&token), Some(crate::helpers::agent_body(json!({})))).await;
        assert_eq!(r.expect_error(StatusCode::FORBIDDEN, "AGENT_LIMIT_REACHED")["details"]["limit"], 3);
        let uri = format!("/v1/agents/{}", first["agentId"].as_str().unwrap());
        app.request(Method::DELETE, &uri, Some(&token), None).await;
        app.create_agent(&token, json!({})).await;
    }

    async fn a_caller_cannot_grant_management_scopes_it_lacks(app) {
        let admin = app.admin_token().await;
        let (id, secret) = app.agent_with_secret(&admin, json!({"allowedScopes": ["agents:read", "agents:write"]})).await;
        let limited = app.token(&id, &secret, &[]).await;
        let body = crate::helpers::agent_body(json!({"allowedScopes": ["credentials:write"]}));
        let r = app.request(Method::POST, "/v1/agents", Some(&limited), Some(body)).await;
        assert_eq!(r.expect_error(StatusCode::FORBIDDEN, "SCOPE_NOT_GRANTABLE")["details"]["scope"], "credentials:write");
        app.create_agent(&limited, json!({"allowedScopes": ["agents:read", "custom:thing"]})).await;
    }
}
