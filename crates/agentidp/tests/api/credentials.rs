//! Credentials: issue once, list without secrets, rotate with and without grace, revoke.

use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::helpers::backend_tests;

backend_tests! {
    async fn a_manager_cannot_take_over_or_lock_out_a_more_privileged_agent(app) {
        let admin = app.admin_token().await;
        let scopes = json!({"allowedScopes": ["agents:read", "agents:write", "credentials:read", "credentials:write"]});
        let (manager, secret) = app.agent_with_secret(&admin, scopes).await;
        let manager = app.token(&manager, &secret, &[]).await;
        let target = app.admin_id.clone();
        let list = app.request(Method::GET, &format!("/v1/agents/{target}/credentials"), Some(&admin), None).await;
        let cred = list.expect(StatusCode::OK)[0]["credentialId"].as_str().unwrap().to_owned();
        let attempts = [
            (Method::POST, format!("/v1/agents/{target}/credentials"), None),
            (Method::POST, format!("/v1/agents/{target}/credentials/{cred}/rotate"), None),
            (Method::DELETE, format!("/v1/agents/{target}/credentials/{cred}"), None),
            (Method::PATCH, format!("/v1/agents/{target}"), Some(json!({"status": "revoked"}))),
            (Method::PATCH, format!("/v1/agents/{target}"), Some(json!({"name": "renamed"}))),
            (Method::DELETE, format!("/v1/agents/{target}"), None),
        ];
        for (method, uri, body) in attempts {
            let r = app.request(method.clone(), &uri, Some(&manager), body).await;
            let e = r.expect_error(StatusCode::FORBIDDEN, "AGENT_MORE_PRIVILEGED");
            assert_eq!(e["details"]["scope"], "audit:read", "{method} {uri}");
        }
        app.token(&app.admin_id, &app.admin_secret, &[]).await;
        // An agent whose scopes the manager holds is the manager's to manage.
        let (worker, _) = app.agent_with_secret(&admin, json!({"allowedScopes": ["agents:read"]})).await;
        app.request(Method::POST, &format!("/v1/agents/{worker}/credentials"), Some(&manager), None).await
            .expect(StatusCode::CREATED);
        app.request(Method::DELETE, &format!("/v1/agents/{worker}"), Some(&manager), None).await
            .expect(StatusCode::NO_CONTENT);
    }

    async fn an_agent_holds_at_most_ten_active_credentials(app) {
        let admin = app.admin_token().await;
        let (id, _) = app.agent_with_secret(&admin, json!({})).await;
        let uri = format!("/v1/agents/{id}/credentials");
        for _ in 1..10 {
            app.request(Method::POST, &uri, Some(&admin), None).await.expect(StatusCode::CREATED);
        }
        let refused = app.request(Method::POST, &uri, Some(&admin), None).await;
        assert_eq!(refused.expect_error(StatusCode::CONFLICT, "CREDENTIAL_LIMIT_REACHED")["details"]["limit"], 10);
        let cred = app.request(Method::GET, &uri, Some(&admin), None).await.expect(StatusCode::OK)[0]["credentialId"]
            .as_str().unwrap().to_owned();
        app.request(Method::DELETE, &format!("{uri}/{cred}"), Some(&admin), None).await.expect(StatusCode::NO_CONTENT);
        app.request(Method::POST, &uri, Some(&admin), None).await.expect(StatusCode::CREATED);
    }

    async fn a_secret_is_shown_once_and_never_listed(app) {
        let admin = app.admin_token().await;
        let agent = app.create_agent(&admin, json!({})).await;
        let id = agent["agentId"].as_str().unwrap();
        let uri = format!("/v1/agents/{id}/credentials");
        let created = app.request(Method::POST, &uri, Some(&admin), None).await;
        let created = created.expect(StatusCode::CREATED);
        let secret = created["clientSecret"].as_str().unwrap();
        assert!(secret.starts_with("sk_live_") && secret.len() == 8 + 64, "{secret}");
        assert_eq!(created["clientId"], id);
        assert_eq!(created["status"], "active");
        let listed = app.request(Method::GET, &uri, Some(&admin), None).await;
        let listed = listed.expect(StatusCode::OK);
        assert_eq!(listed.as_array().unwrap().len(), 1);
        assert!(!listed.to_string().contains(secret), "the secret is never shown again");
        assert!(listed[0].get("clientSecret").is_none());
    }

    async fn recorded_uses_only_move_forward_and_many_are_written_whole(app) {
        use agentidp::domain::ids::{AgentId, CredentialId};
        use agentidp::domain::last_use::Use;
        use agentidp::domain::time::Timestamp;
        let admin = app.admin_token().await;
        let (id, _) = app.agent_with_secret(&admin, json!({})).await;
        let uri = format!("/v1/agents/{id}/credentials");
        let listed = app.request(Method::GET, &uri, Some(&admin), None).await;
        let cred: CredentialId = listed.expect(StatusCode::OK)[0]["credentialId"].as_str().unwrap().parse().unwrap();
        let agent: AgentId = id.parse().unwrap();
        let db = &app.state.idp.db;
        let t = Timestamp::now();
        let used = |at: Timestamp| Use { agent, credential: cred, at };
        let last = || async {
            let c = app.request(Method::GET, &uri, Some(&admin), None).await.expect(StatusCode::OK)[0]["lastUsedAt"].clone();
            let a = app.request(Method::GET, &format!("/v1/agents/{id}"), Some(&admin), None).await.expect(StatusCode::OK)["lastAuthAt"].clone();
            (c, a)
        };
        db.record_uses(&[used(t)]).await.unwrap();
        db.record_uses(&[used(t.plus_seconds(-60))]).await.unwrap();
        assert_eq!(last().await, (json!(t.to_rfc3339()), json!(t.to_rfc3339())), "an older use changes nothing");
        // 300 uses are two statements; ours is in the second, with an older one of its agent.
        let mut many: Vec<Use> = (0..298)
            .map(|_| Use { agent: AgentId::new(), credential: CredentialId::new(), at: t })
            .collect();
        many.push(Use { agent, credential: CredentialId::new(), at: t.plus_seconds(5) });
        many.push(used(t.plus_seconds(10)));
        db.record_uses(&many).await.unwrap();
        let later = t.plus_seconds(10).to_rfc3339();
        assert_eq!(last().await, (json!(later), json!(later)));
    }

    async fn uses_are_written_behind_the_token_requests_within_one_flush(app) {
        let admin = app.admin_token().await;
        let (id, secret) = app.agent_with_secret(&admin, json!({})).await;
        let uri = format!("/v1/agents/{id}/credentials");
        app.token(&id, &secret, &[]).await;
        let before = app.request(Method::GET, &uri, Some(&admin), None).await;
        assert!(before.expect(StatusCode::OK)[0]["lastUsedAt"].is_null(), "not on the request path");
        assert_eq!(app.state.idp.flush_last_use(usize::MAX).await.unwrap(), 2, "the admin's use and the agent's");
        let after = app.request(Method::GET, &uri, Some(&admin), None).await;
        let used = after.expect(StatusCode::OK)[0]["lastUsedAt"].as_str().unwrap().to_owned();
        let agent = app.request(Method::GET, &format!("/v1/agents/{id}"), Some(&admin), None).await;
        assert_eq!(agent.expect(StatusCode::OK)["lastAuthAt"].as_str(), Some(used.as_str()));
        // Within the hour a credential's use is not recorded again; a flush with nothing to
        // write writes nothing.
        app.token(&id, &secret, &[]).await;
        assert_eq!(app.state.idp.flush_last_use(usize::MAX).await.unwrap(), 0);
    }

    async fn rotation_without_grace_stops_the_old_secret_at_once(app) {
        let admin = app.admin_token().await;
        let (id, old) = app.agent_with_secret(&admin, json!({})).await;
        let list = app.request(Method::GET, &format!("/v1/agents/{id}/credentials"), Some(&admin), None).await;
        let cred = list.expect(StatusCode::OK)[0]["credentialId"].as_str().unwrap().to_owned();
        let rotated = app.request(Method::POST, &format!("/v1/agents/{id}/credentials/{cred}/rotate"), Some(&admin), None).await;
        let rotated = rotated.expect(StatusCode::OK);
        assert_eq!(rotated["credentialId"], cred.as_str(), "the credential keeps its id");
        assert!(rotated["rotatedAt"].is_string());
        let new = rotated["clientSecret"].as_str().unwrap();
        assert_ne!(new, old);
        app.token_response(&id, &old, &[]).await.expect_oauth_error(StatusCode::UNAUTHORIZED, "invalid_client");
        app.token(&id, new, &[]).await;
    }

    async fn rotation_with_grace_keeps_the_old_secret_working_for_a_while(app) {
        let admin = app.admin_token().await;
        let (id, old) = app.agent_with_secret(&admin, json!({})).await;
        let list = app.request(Method::GET, &format!("/v1/agents/{id}/credentials"), Some(&admin), None).await;
        let cred = list.expect(StatusCode::OK)[0]["credentialId"].as_str().unwrap().to_owned();
        let uri = format!("/v1/agents/{id}/credentials/{cred}/rotate");
        let rotated = app.request(Method::POST, &uri, Some(&admin), Some(json!({"gracePeriodSeconds": 300}))).await;
        let rotated = rotated.expect(StatusCode::OK);
        assert!(rotated["previousSecretExpiresAt"].is_string());
        app.token(&id, &old, &[]).await;
        app.token(&id, rotated["clientSecret"].as_str().unwrap(), &[]).await;
        for bad in [json!({"gracePeriodSeconds": -1}), json!({"gracePeriodSeconds": 604801}), json!({"grace": 5})] {
            app.request(Method::POST, &uri, Some(&admin), Some(bad)).await.expect_error(StatusCode::BAD_REQUEST, "VALIDATION_ERROR");
        }
    }

    async fn a_revoked_credential_no_longer_authenticates_and_cannot_be_rotated(app) {
        let admin = app.admin_token().await;
        let (id, secret) = app.agent_with_secret(&admin, json!({})).await;
        let list = app.request(Method::GET, &format!("/v1/agents/{id}/credentials"), Some(&admin), None).await;
        let cred = list.expect(StatusCode::OK)[0]["credentialId"].as_str().unwrap().to_owned();
        let uri = format!("/v1/agents/{id}/credentials/{cred}");
        assert_eq!(app.request(Method::DELETE, &uri, Some(&admin), None).await.status, StatusCode::NO_CONTENT);
        assert_eq!(app.request(Method::DELETE, &uri, Some(&admin), None).await.status, StatusCode::NO_CONTENT, "idempotent");
        app.token_response(&id, &secret, &[]).await.expect_oauth_error(StatusCode::UNAUTHORIZED, "invalid_client");
        app.request(Method::POST, &format!("{uri}/rotate"), Some(&admin), None).await
            .expect_error(StatusCode::CONFLICT, "CREDENTIAL_REVOKED");
        let listed = app.request(Method::GET, &format!("/v1/agents/{id}/credentials"), Some(&admin), None).await;
        let listed = listed.expect(StatusCode::OK);
        assert_eq!(listed[0]["status"], "revoked");
        assert!(listed[0]["revokedAt"].is_string());
    }

    async fn an_agent_may_hold_several_active_credentials(app) {
        let admin = app.admin_token().await;
        let (id, first) = app.agent_with_secret(&admin, json!({})).await;
        let second = app.request(Method::POST, &format!("/v1/agents/{id}/credentials"), Some(&admin), None).await;
        let second = second.expect(StatusCode::CREATED)["clientSecret"].as_str().unwrap().to_owned();
        app.token(&id, &first, &[]).await;
        app.token(&id, &second, &[]).await;
    }

    async fn credential_expiry_must_be_in_the_future(app) {
        let admin = app.admin_token().await;
        let agent = app.create_agent(&admin, json!({})).await;
        let uri = format!("/v1/agents/{}/credentials", agent["agentId"].as_str().unwrap());
        app.request(Method::POST, &uri, Some(&admin), Some(json!({"expiresAt": "2001-01-01T00:00:00Z"}))).await
            .expect_error(StatusCode::BAD_REQUEST, "VALIDATION_ERROR");
        app.request(Method::POST, &uri, Some(&admin), Some(json!({"expiresAt": "tomorrow"}))).await
            .expect_error(StatusCode::BAD_REQUEST, "VALIDATION_ERROR");
        let r = app.request(Method::POST, &uri, Some(&admin), Some(json!({"expiresAt": "2999-01-01T00:00:00Z"}))).await;
        assert_eq!(r.expect(StatusCode::CREATED)["expiresAt"], "2999-01-01T00:00:00.000Z");
    }

    async fn unknown_credentials_and_inactive_agents_are_refused(app) {
        let admin = app.admin_token().await;
        let agent = app.create_agent(&admin, json!({})).await;
        let id = agent["agentId"].as_str().unwrap();
        let missing = uuid::Uuid::now_v7();
        app.request(Method::DELETE, &format!("/v1/agents/{id}/credentials/{missing}"), Some(&admin), None).await
            .expect_error(StatusCode::NOT_FOUND, "CREDENTIAL_NOT_FOUND");
        app.request(Method::POST, &format!("/v1/agents/{id}/credentials/{missing}/rotate"), Some(&admin), None).await
            .expect_error(StatusCode::NOT_FOUND, "CREDENTIAL_NOT_FOUND");
        app.request(Method::POST, &format!("/v1/agents/{missing}/credentials"), Some(&admin), None).await
            .expect_error(StatusCode::NOT_FOUND, "AGENT_NOT_FOUND");
        app.request(Method::DELETE, &format!("/v1/agents/{id}"), Some(&admin), None).await;
        app.request(Method::POST, &format!("/v1/agents/{id}/credentials"), Some(&admin), None).await
            .expect_error(StatusCode::CONFLICT, "AGENT_NOT_ACTIVE");
    }
}
