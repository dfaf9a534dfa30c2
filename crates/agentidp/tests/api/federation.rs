//! Trust policies (`/v1/oidc/trust-policies`): created for any OIDC issuer or with the GitHub
//! shorthand, read, listed, changed and deleted by a tenant holding the federation scopes,
//! validated strictly, audited, and invisible to other tenants.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{TestApp, backend_tests};

const POLICIES: &str = "/v1/oidc/trust-policies";

/// A policy for `agent` pinning a GitLab project, changed by `overrides`.
fn gitlab(agent: &str, overrides: Value) -> Value {
    let mut body = json!({
        "agentId": agent,
        "issuer": "https://gitlab.example.com/",
        "audience": "https://idp.example.com",
        "claims": {"project_path": "acme/api", "ref_protected": "true", "ref": ["main", "release/*"]},
        "scopes": ["weather:read"],
        "maxTokenTtlSeconds": 600,
        "description": "Deploys from GitLab CI",
    });
    for (k, v) in overrides.as_object().unwrap() {
        body[k] = v.clone();
    }
    body
}

async fn agent(app: &TestApp, admin: &str) -> String {
    app.create_agent(admin, json!({})).await["agentId"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn create(app: &TestApp, admin: &str, body: Value) -> crate::helpers::TestResponse {
    app.request(Method::POST, POLICIES, Some(admin), Some(body))
        .await
}

backend_tests! {
    async fn a_policy_is_created_read_listed_changed_and_deleted_and_each_change_is_audited(app) {
        let admin = app.admin_token().await;
        let agent = agent(&app, &admin).await;
        let created = create(&app, &admin, gitlab(&agent, json!({}))).await;
        let policy = created.expect(StatusCode::CREATED).clone();
        assert_eq!(policy["issuer"], "https://gitlab.example.com", "normalised");
        assert_eq!(policy["claims"], json!({"project_path": "acme/api", "ref_protected": "true", "ref": ["main", "release/*"]}));
        assert_eq!(policy["scopes"], json!(["weather:read"]));
        assert_eq!(policy["subject"], Value::Null);
        let id = policy["policyId"].as_str().unwrap();
        let uri = format!("{POLICIES}/{id}");

        let read = app.request(Method::GET, &uri, Some(&admin), None).await;
        assert_eq!(read.expect(StatusCode::OK), &policy);
        let other = agent_of_another_policy(&app, &admin).await;
        let all = app.request(Method::GET, POLICIES, Some(&admin), None).await;
        assert_eq!(all.expect(StatusCode::OK)["data"].as_array().unwrap().len(), 2);
        let mine = app.request(Method::GET, &format!("{POLICIES}?agentId={agent}&limit=1"), Some(&admin), None).await;
        let mine = mine.expect(StatusCode::OK);
        assert_eq!(mine["data"][0]["policyId"], id);
        assert_eq!(mine["nextCursor"], Value::Null);
        let first = app.request(Method::GET, &format!("{POLICIES}?limit=1"), Some(&admin), None).await;
        let cursor = first.expect(StatusCode::OK)["nextCursor"].as_str().unwrap().to_owned();
        let second = app.request(Method::GET, &format!("{POLICIES}?limit=1&cursor={cursor}"), Some(&admin), None).await;
        assert_eq!(second.expect(StatusCode::OK)["data"][0]["agentId"], other);

        let changed = app.request(Method::PATCH, &uri, Some(&admin), Some(json!({
            "subject": "project_path:acme/api:ref_type:branch:ref:main", "maxTokenTtlSeconds": 300,
        }))).await;
        let changed = changed.expect(StatusCode::OK);
        assert_eq!(changed["subject"], "project_path:acme/api:ref_type:branch:ref:main");
        assert_eq!(changed["maxTokenTtlSeconds"], 300);
        let unpinned = app.request(Method::PATCH, &uri, Some(&admin), Some(json!({"subject": ""}))).await;
        assert_eq!(unpinned.expect(StatusCode::OK)["subject"], Value::Null);
        app.request(Method::PATCH, &uri, Some(&admin), Some(json!({}))).await
            .expect_error(StatusCode::BAD_REQUEST, "VALIDATION_ERROR");

        app.request(Method::DELETE, &uri, Some(&admin), None).await.expect(StatusCode::NO_CONTENT);
        app.request(Method::GET, &uri, Some(&admin), None).await
            .expect_error(StatusCode::NOT_FOUND, "TRUST_POLICY_NOT_FOUND");
        app.request(Method::DELETE, &uri, Some(&admin), None).await
            .expect_error(StatusCode::NOT_FOUND, "TRUST_POLICY_NOT_FOUND");

        for action in ["trust_policy.created", "trust_policy.updated", "trust_policy.deleted"] {
            let events = app.request(Method::GET, &format!("/v1/audit/events?action={action}&agentId={agent}"), Some(&admin), None).await;
            let events = events.expect(StatusCode::OK)["data"].as_array().unwrap().clone();
            assert!(!events.is_empty(), "{action}");
            assert_eq!(events[0]["agentId"], agent.as_str(), "{action}");
            assert_eq!(events[0]["metadata"]["policy"]["issuer"], "https://gitlab.example.com", "{action}");
        }
    }

    async fn the_github_shorthand_pins_the_repository_and_defaults_the_audience_to_this_server(app) {
        let admin = app.admin_token().await;
        let agent = agent(&app, &admin).await;
        let r = create(&app, &admin, json!({
            "provider": "github", "repository": "acme/api", "branch": "main", "repositoryId": "123456",
            "events": ["push", "workflow_dispatch"], "agentId": agent,
        })).await;
        let policy = r.expect(StatusCode::CREATED);
        assert_eq!(policy["issuer"], "https://token.actions.githubusercontent.com");
        assert_eq!(policy["audience"], app.state.idp.settings.issuer.as_str());
        assert_eq!(policy["claims"], json!({
            "repository": "acme/api", "ref": "refs/heads/main", "repository_id": "123456",
            "event_name": ["push", "workflow_dispatch"],
        }));
        assert_eq!(policy["scopes"], json!(["weather:read", "weather:write"]), "the agent's scopes by default");

        for (body, field) in [
            (json!({"provider": "github", "agentId": agent}), "repository"),
            (json!({"provider": "github", "repository": "acme", "agentId": agent}), "repository"),
            (json!({"provider": "github", "repository": "acme/api", "repositoryId": "12a", "agentId": agent}), "repositoryId"),
            (json!({"provider": "github", "repository": "acme/api", "issuer": "https://evil.example.com", "agentId": agent}), "issuer"),
            (json!({"provider": "gitlab", "agentId": agent}), "provider"),
            (json!({"repository": "acme/api", "issuer": "https://x.example.com", "audience": "a", "agentId": agent}), "provider"),
        ] {
            let r = create(&app, &admin, body.clone()).await;
            let e = r.expect_error(StatusCode::BAD_REQUEST, "VALIDATION_ERROR");
            assert_eq!(e["details"]["field"], field, "{body}");
        }
    }

    async fn a_policy_that_would_trust_too_much_is_refused_with_the_field(app) {
        let admin = app.admin_token().await;
        let agent = agent(&app, &admin).await;
        for (overrides, field) in [
            (json!({"claims": {}}), "claims"),
            (json!({"claims": {"project_path": "*"}}), "claims"),
            (json!({"claims": {"sub": "x"}}), "claims"),
            (json!({"claims": {"ref": []}}), "claims"),
            (json!({"claims": {"ref": 7}}), "claims"),
            (json!({"issuer": "http://gitlab.example.com"}), "issuer"),
            (json!({"issuer": "gitlab.example.com"}), "issuer"),
            (json!({"audience": ""}), "audience"),
            (json!({"scopes": ["agents:write"]}), "scopes"),
            (json!({"maxTokenTtlSeconds": 0}), "maxTokenTtlSeconds"),
            (json!({"maxTokenTtlSeconds": 3601}), "maxTokenTtlSeconds"),
        ] {
            let r = create(&app, &admin, gitlab(&agent, overrides.clone())).await;
            let e = r.expect_error(StatusCode::BAD_REQUEST, "VALIDATION_ERROR");
            assert_eq!(e["details"]["field"], field, "{overrides}");
        }
        let missing = create(&app, &admin, json!({"agentId": agent, "issuer": "https://gitlab.example.com"})).await;
        assert_eq!(missing.expect_error(StatusCode::BAD_REQUEST, "VALIDATION_ERROR")["details"]["field"], "audience");
        let unknown = create(&app, &admin, gitlab(&uuid::Uuid::now_v7().to_string(), json!({}))).await;
        unknown.expect_error(StatusCode::NOT_FOUND, "AGENT_NOT_FOUND");
    }

    async fn a_listed_insecure_issuer_may_be_plain_http(app, "--federation-insecure-issuers", "http://127.0.0.1:9999") {
        let admin = app.admin_token().await;
        let agent = agent(&app, &admin).await;
        let r = create(&app, &admin, gitlab(&agent, json!({"issuer": "http://127.0.0.1:9999/"}))).await;
        assert_eq!(r.expect(StatusCode::CREATED)["issuer"], "http://127.0.0.1:9999");
        let other = create(&app, &admin, gitlab(&agent, json!({"issuer": "http://127.0.0.1:9998"}))).await;
        other.expect_error(StatusCode::BAD_REQUEST, "VALIDATION_ERROR");
    }

    async fn policies_need_the_federation_scopes_and_stay_inside_their_tenant(app) {
        let admin = app.admin_token().await;
        let agent = agent(&app, &admin).await;
        let policy = create(&app, &admin, gitlab(&agent, json!({}))).await.expect(StatusCode::CREATED).clone();
        let uri = format!("{POLICIES}/{}", policy["policyId"].as_str().unwrap());

        let (reader, secret) = app.agent_with_secret(&admin, json!({"allowedScopes": ["federation:read"]})).await;
        let reader = app.token(&reader, &secret, &[]).await;
        app.request(Method::GET, &uri, Some(&reader), None).await.expect(StatusCode::OK);
        create(&app, &reader, gitlab(&agent, json!({}))).await
            .expect_error(StatusCode::FORBIDDEN, "INSUFFICIENT_SCOPE");
        app.request(Method::DELETE, &uri, Some(&reader), None).await
            .expect_error(StatusCode::FORBIDDEN, "INSUFFICIENT_SCOPE");

        let other = app.state.idp.create_tenant("globex", "system", &Default::default()).await.unwrap();
        let globex = app.token(&other.admin.id.to_string(), other.secret.expose(), &[]).await;
        app.request(Method::GET, &uri, Some(&globex), None).await
            .expect_error(StatusCode::NOT_FOUND, "TRUST_POLICY_NOT_FOUND");
        let listed = app.request(Method::GET, POLICIES, Some(&globex), None).await;
        assert!(listed.expect(StatusCode::OK)["data"].as_array().unwrap().is_empty());
        create(&app, &globex, gitlab(&agent, json!({}))).await
            .expect_error(StatusCode::NOT_FOUND, "AGENT_NOT_FOUND");
    }
}

/// Creates a second policy, for a new agent; returns that agent's id.
async fn agent_of_another_policy(app: &TestApp, admin: &str) -> String {
    let other = agent(app, admin).await;
    create(app, admin, gitlab(&other, json!({"description": "second"})))
        .await
        .expect(StatusCode::CREATED);
    other
}
