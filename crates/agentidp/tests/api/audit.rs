//! The audit log: coverage, queries, export, immutability, tamper evidence, retention.

use agentidp::domain::time::Timestamp;
use agentidp::service::audit::verify::verify_chain;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use serde_json::{Value, json};

use crate::helpers::{TestApp, backend_tests};

async fn events(app: &TestApp, token: &str, query: &str) -> Vec<Value> {
    let r = app
        .request(
            Method::GET,
            &format!("/v1/audit/events?limit=100&{query}"),
            Some(token),
            None,
        )
        .await;
    r.expect(StatusCode::OK)["data"].as_array().unwrap().clone()
}

fn actions(events: &[Value]) -> Vec<&str> {
    events
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect()
}

backend_tests! {
    async fn every_state_change_is_recorded_with_its_actor_and_subject(app) {
        let admin = app.admin_token().await;
        let bootstrap = events(&app, &admin, "").await;
        for action in ["tenant.created", "agent.created", "credential.created", "token.issued"] {
            assert!(actions(&bootstrap).contains(&action), "{action} in {bootstrap:?}");
        }
        let (id, secret) = app.agent_with_secret(&admin, json!({})).await;
        let creds = app.request(Method::GET, &format!("/v1/agents/{id}/credentials"), Some(&admin), None).await;
        let cred = creds.body[0]["credentialId"].as_str().unwrap().to_owned();
        let rotated = app.request(Method::POST, &format!("/v1/agents/{id}/credentials/{cred}/rotate"), Some(&admin), None).await;
        let secret2 = rotated.body["clientSecret"].as_str().unwrap().to_owned();
        let token = app.token(&id, &secret2, &[]).await;
        app.request(Method::PATCH, &format!("/v1/agents/{id}"), Some(&admin), Some(json!({"name": "New name"}))).await;
        app.request(Method::PATCH, &format!("/v1/agents/{id}"), Some(&admin), Some(json!({"status": "suspended"}))).await;
        app.request(Method::DELETE, &format!("/v1/agents/{id}/credentials/{cred}"), Some(&admin), None).await;
        app.request(Method::DELETE, &format!("/v1/agents/{id}"), Some(&admin), None).await;
        let mine = events(&app, &admin, &format!("agentId={id}")).await;
        assert_eq!(actions(&mine), [
            "agent.decommissioned", "credential.revoked", "agent.status_changed", "agent.updated",
            "token.issued", "credential.rotated", "credential.created", "agent.created",
        ]);
        assert!(mine.iter().all(|e| e["outcome"] == "success" && e["agentId"] == id.as_str()));
        assert!(mine.iter().filter(|e| e["action"] != "token.issued").all(|e| e["actor"] == app.admin_id.as_str()));
        let issued = mine.iter().find(|e| e["action"] == "token.issued").unwrap();
        assert_eq!(issued["actor"], id.as_str());
        assert_eq!(issued["metadata"]["jti"], crate::helpers::decode_jwt(&token).1["jti"]);
        let changed = mine.iter().find(|e| e["action"] == "agent.status_changed").unwrap();
        assert_eq!((&changed["metadata"]["from"], &changed["metadata"]["to"]), (&json!("active"), &json!("suspended")));
        let everything = serde_json::to_string(&events(&app, &admin, "").await).unwrap();
        assert!(!everything.contains(&secret) && !everything.contains(&secret2) && !everything.contains(&token),
            "no secret or token is ever recorded");
        let ts = issued["timestamp"].as_str().unwrap();
        assert!(ts.ends_with('Z') && chrono::DateTime::parse_from_rfc3339(ts).is_ok(), "{ts}");
    }

    async fn failures_are_recorded_as_failures(app) {
        let admin = app.admin_token().await;
        app.token_response(&app.admin_id, "sk_live_wrong", &[]).await;
        let (id, secret) = app.agent_with_secret(&admin, json!({"allowedScopes": ["agents:read"]})).await;
        let reader = app.token(&id, &secret, &[]).await;
        app.request(Method::POST, "/v1/agents", Some(&reader), Some(crate::helpers::agent_body(json!({})))).await;
        app.form("/oauth2/revoke", Some((&id, &secret)), &[("token", &reader)]).await;
        app.request(Method::GET, "/v1/agents", Some(&reader), None).await;
        let failures = events(&app, &admin, "outcome=failure").await;
        assert_eq!(actions(&failures), ["auth.failed", "access.denied", "auth.failed"]);
        assert_eq!(failures[0]["metadata"]["reason"], "revoked");
        assert_eq!(failures[1]["metadata"]["requiredScope"], "agents:write");
        assert_eq!(failures[2]["metadata"]["reason"], "wrong or expired secret");
        assert_eq!(failures[2]["agentId"], app.admin_id.as_str());
        assert!(actions(&events(&app, &admin, &format!("agentId={id}")).await).contains(&"token.revoked"));
    }

    async fn a_quota_refusal_is_recorded(app, "--max-tokens-per-month", "2") {
        let admin = app.admin_token().await;
        app.admin_token().await;
        app.token_response(&app.admin_id, &app.admin_secret, &[]).await.expect_oauth_error(StatusCode::TOO_MANY_REQUESTS, "quota_exceeded");
        let refused = events(&app, &admin, "action=limit.exceeded").await;
        assert_eq!(refused.len(), 1);
        assert_eq!(refused[0]["metadata"]["limit"], "tokens_per_month");
    }

    async fn events_are_paged_newest_first_and_filtered(app) {
        let admin = app.admin_token().await;
        for _ in 0..3 {
            app.create_agent(&admin, json!({})).await;
        }
        let all = events(&app, &admin, "").await;
        let ids: Vec<&str> = all.iter().map(|e| e["eventId"].as_str().unwrap()).collect();
        let mut sorted = ids.clone();
        sorted.sort_unstable_by(|a, b| b.cmp(a));
        assert_eq!(ids, sorted, "newest first");
        let mut paged = Vec::new();
        let mut uri = "/v1/audit/events?limit=2".to_owned();
        loop {
            let page = app.request(Method::GET, &uri, Some(&admin), None).await.body;
            paged.extend(page["data"].as_array().unwrap().iter().map(|e| e["eventId"].as_str().unwrap().to_owned()));
            match page["nextCursor"].as_str() {
                Some(c) => uri = format!("/v1/audit/events?limit=2&cursor={c}"),
                None => break,
            }
        }
        assert_eq!(paged, ids);
        assert_eq!(events(&app, &admin, "action=agent.created").await.len(), 4, "three plus the admin");
        assert_eq!(events(&app, &admin, &format!("actor={}", app.admin_id)).await.len(), 4, "three agents and its own token");
        assert!(events(&app, &admin, "to=2001-01-01T00:00:00Z").await.is_empty());
        assert!(events(&app, &admin, "from=2999-01-01T00:00:00Z").await.is_empty());
        assert_eq!(events(&app, &admin, "from=2001-01-01T00:00:00Z&to=2999-01-01T00:00:00Z").await.len(), all.len());
    }

    async fn bad_audit_queries_are_rejected_with_clear_errors(app) {
        let admin = app.admin_token().await;
        for (query, code) in [
            ("from=yesterday", "INVALID_QUERY"),
            ("from=2025-02-01T00:00:00Z&to=2025-01-01T00:00:00Z", "VALIDATION_ERROR"),
            ("action=agent.exploded", "VALIDATION_ERROR"),
            ("outcome=maybe", "VALIDATION_ERROR"),
            ("cursor=zzz", "INVALID_CURSOR"),
            ("limit=0", "VALIDATION_ERROR"),
            ("agentId=nope", "INVALID_QUERY"),
            ("colour=red", "INVALID_QUERY"),
        ] {
            app.request(Method::GET, &format!("/v1/audit/events?{query}"), Some(&admin), None).await
                .expect_error(StatusCode::BAD_REQUEST, code);
        }
        let r = app.request(Method::GET, "/v1/audit/events?action=nope", Some(&admin), None).await;
        assert!(r.body["message"].as_str().unwrap().contains("token.issued"), "lists the valid actions");
    }

    async fn an_event_is_read_by_id_only_within_its_tenant(app) {
        let admin = app.admin_token().await;
        let first = events(&app, &admin, "").await[0].clone();
        let uri = format!("/v1/audit/events/{}", first["eventId"].as_str().unwrap());
        assert_eq!(app.request(Method::GET, &uri, Some(&admin), None).await.expect(StatusCode::OK), &first);
        let other = app.state.idp.create_tenant("other-tenant", "system", &Default::default()).await.unwrap();
        let theirs = app.token(&other.admin.id.to_string(), other.secret.expose(), &[]).await;
        app.request(Method::GET, &uri, Some(&theirs), None).await.expect_error(StatusCode::NOT_FOUND, "EVENT_NOT_FOUND");
        assert!(events(&app, &theirs, "").await.iter().all(|e| e["tenantId"] != first["tenantId"]));
        let missing = uuid::Uuid::now_v7();
        app.request(Method::GET, &format!("/v1/audit/events/{missing}"), Some(&admin), None).await
            .expect_error(StatusCode::NOT_FOUND, "EVENT_NOT_FOUND");
    }

    async fn reading_the_audit_log_needs_audit_read(app) {
        let admin = app.admin_token().await;
        let (id, secret) = app.agent_with_secret(&admin, json!({"allowedScopes": ["agents:read"]})).await;
        let reader = app.token(&id, &secret, &[]).await;
        app.request(Method::GET, "/v1/audit/events", Some(&reader), None).await
            .expect_error(StatusCode::FORBIDDEN, "INSUFFICIENT_SCOPE");
        app.request(Method::GET, "/v1/audit/events", None, None).await
            .expect_error(StatusCode::UNAUTHORIZED, "INVALID_TOKEN");
    }

    async fn the_log_streams_as_ndjson_oldest_first(app) {
        let admin = app.admin_token().await;
        for _ in 0..3 {
            app.create_agent(&admin, json!({})).await;
        }
        let request = Request::builder()
            .uri("/v1/audit/events?action=agent.created")
            .header(header::AUTHORIZATION, format!("Bearer {admin}"))
            .header(header::ACCEPT, "application/x-ndjson")
            .body(Body::empty())
            .unwrap();
        let r = app.send(request).await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(r.header("content-type"), "application/x-ndjson");
        let lines: Vec<Value> = r.text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        assert_eq!(lines.len(), 4);
        assert!(lines.windows(2).all(|w| w[0]["seq"].as_i64() < w[1]["seq"].as_i64()), "oldest first");
    }

    async fn stored_events_cannot_be_updated_or_deleted(app) {
        app.admin_token().await;
        for table in ["audit_blocks", "audit_block_keys"] {
            let update = app.raw_sql(&format!("UPDATE {table} SET first_seq = first_seq + 1")).await;
            assert!(update.unwrap_err().to_string().contains("immutable"), "{table}");
            let delete = app.raw_sql(&format!("DELETE FROM {table}")).await;
            assert!(delete.unwrap_err().to_string().contains("immutable"), "{table}");
            if app.backend == crate::helpers::Backend::Postgres {
                assert!(app.raw_sql(&format!("TRUNCATE {table}")).await.is_err(), "{table}");
            }
        }
        let tenant = app.tenant_id().await;
        assert!(verify_chain(&app.state.idp.db, tenant).await.unwrap().is_ok());
    }

    async fn token_events_and_state_changes_share_one_unbroken_chain(app) {
        let admin = app.admin_token().await;
        let (id, secret) = app.agent_with_secret(&admin, json!({})).await;
        let tenant = app.tenant_id().await;
        let db = &app.state.idp.db;
        let before = verify_chain(db, tenant).await.unwrap().unwrap();
        // Group-committed token events and transactional agent events move the same head.
        let tokens = futures_util::future::join_all((0..20).map(|_| app.token_response(&id, &secret, &[])));
        let agents = futures_util::future::join_all((0..5).map(|_| app.create_agent(&admin, json!({}))));
        let (tokens, _) = tokio::join!(tokens, agents);
        assert!(tokens.iter().all(|r| r.status == StatusCode::OK));
        app.token_response(&id, "not-the-secret", &[]).await
            .expect_oauth_error(StatusCode::UNAUTHORIZED, "invalid_client");
        app.token(&id, &secret, &[]).await;
        let after = verify_chain(db, tenant).await.unwrap().unwrap();
        assert_eq!(after - before, 20 + 5 + 1 + 1);
    }

    async fn verification_pinpoints_an_altered_or_removed_event(app) {
        let admin = app.admin_token().await;
        app.create_agent(&admin, json!({})).await;
        let tenant = app.tenant_id().await;
        let db = &app.state.idp.db;
        let verified = verify_chain(db, tenant).await.unwrap().unwrap();
        assert_eq!(verified, 6, "three bootstrap events, two tokens, one agent");
        crate::tamper::set_field(&app, tenant, 2, "actor", r#""mallory""#).await;
        let broken = verify_chain(db, tenant).await.unwrap().unwrap_err();
        assert_eq!(broken.seq, 2);
        assert!(broken.reason.contains("altered"), "{}", broken.reason);
        crate::tamper::remove_events(&app, tenant, 1, 2).await;
        let broken = verify_chain(db, tenant).await.unwrap().unwrap_err();
        assert_eq!(broken.seq, 2);
        assert!(broken.reason.contains("missing"), "{}", broken.reason);
    }

    async fn verification_catches_events_hidden_from_the_queries_without_touching_a_hash(app) {
        let admin = app.admin_token().await;
        let agent = app.create_agent(&admin, json!({})).await["agentId"].as_str().unwrap().to_owned();
        let tenant = app.tenant_id().await;
        let db = &app.state.idp.db;
        assert!(verify_chain(db, tenant).await.unwrap().is_ok());
        assert_eq!(events(&app, &admin, &format!("agentId={agent}")).await.len(), 1);
        // The agent's key rows removed: its events drop out of filtered queries.
        let t = crate::tamper::tenant_sql(&app, tenant);
        app.raw_sql(&format!(
            "{} DELETE FROM audit_block_keys WHERE tenant_id = {t} AND kind = 'agent'",
            crate::tamper::bypass(&app)
        )).await.unwrap();
        assert!(events(&app, &admin, &format!("agentId={agent}")).await.is_empty());
        let broken = verify_chain(db, tenant).await.unwrap().unwrap_err();
        assert!(broken.reason.contains("filter keys"), "{}", broken.reason);
        crate::tamper::reindex(&app, tenant).await;
        assert!(verify_chain(db, tenant).await.unwrap().is_ok(), "re-indexed, nothing is hidden");
        // Every block moved a day back in time: the events drop out of time-bounded queries.
        let shift = match app.backend {
            crate::helpers::Backend::Sqlite => "first_at = first_at - 86400000000, last_at = last_at - 86400000000",
            crate::helpers::Backend::Postgres => "first_at = first_at - interval '1 day', last_at = last_at - interval '1 day'",
        };
        app.raw_sql(&format!("UPDATE audit_blocks SET {shift} WHERE tenant_id = {t}")).await.unwrap();
        let broken = verify_chain(db, tenant).await.unwrap().unwrap_err();
        assert_eq!(broken.seq, 1);
        assert!(broken.reason.contains("time range"), "{}", broken.reason);
    }

    async fn attempts_with_a_revoked_secret_are_in_the_tenants_audit_log(app) {
        let admin = app.admin_token().await;
        let (id, secret) = app.agent_with_secret(&admin, json!({})).await;
        let list = app.request(Method::GET, &format!("/v1/agents/{id}/credentials"), Some(&admin), None).await;
        let cred = list.expect(StatusCode::OK)[0]["credentialId"].as_str().unwrap().to_owned();
        app.request(Method::DELETE, &format!("/v1/agents/{id}/credentials/{cred}"), Some(&admin), None).await
            .expect(StatusCode::NO_CONTENT);
        app.token_response(&id, &secret, &[]).await.expect_oauth_error(StatusCode::UNAUTHORIZED, "invalid_client");
        let uri = format!("/v1/audit/events?agentId={id}&action=auth.failed");
        let events = app.request(Method::GET, &uri, Some(&admin), None).await;
        let events = events.expect(StatusCode::OK)["data"].as_array().unwrap().clone();
        assert_eq!(events.len(), 1, "{events:?}");
        assert_eq!(events[0]["outcome"], "failure");
        assert_eq!(events[0]["actor"], id.as_str());
    }

    async fn an_event_the_database_refuses_fails_alone_not_its_whole_group_commit(app) {
        use agentidp::domain::audit::{Action, NewEvent, RequestMeta};
        let tenant = app.tenant_id().await;
        let meta = RequestMeta::default();
        // PostgreSQL cannot store a NUL in text; SQLite can, and takes every event.
        let actor = |n: usize| if n == 4 { "bad\0actor" } else { "good" };
        let records = (0..9).map(|n| app.state.idp.audit.record(NewEvent::new(tenant, actor(n), Action::TokenIssued, &meta, Timestamp::now())));
        let results = futures_util::future::join_all(records).await;
        let refusable = matches!(app.backend, crate::helpers::Backend::Postgres);
        for (n, r) in results.iter().enumerate() {
            assert_eq!(r.is_err(), refusable && n == 4, "event {n}: {r:?}");
        }
        assert!(verify_chain(&app.state.idp.db, tenant).await.unwrap().is_ok());
    }

    async fn chain_heads_and_checkpoints_refuse_tampering(app) {
        app.admin_token().await;
        let tenant = app.tenant_id().await;
        for tamper in [
            "UPDATE audit_heads SET seq = 1",
            "DELETE FROM audit_heads",
            "INSERT INTO audit_checkpoints (tenant_id, seq, hash, created_at) SELECT tenant_id, seq, hash, 0 FROM audit_heads",
        ] {
            assert!(app.raw_sql(tamper).await.is_err(), "{tamper} was allowed");
        }
        assert!(verify_chain(&app.state.idp.db, tenant).await.unwrap().is_ok());
    }

    async fn deleting_a_chains_head_does_not_hide_the_chain_from_verification(app) {
        let admin = app.admin_token().await;
        app.create_agent(&admin, json!({})).await;
        let tenant = app.tenant_id().await;
        let db = &app.state.idp.db;
        assert!(verify_chain(db, tenant).await.unwrap().is_ok());
        // Past the guard, as someone who can drop triggers could.
        let bypass = match app.backend {
            crate::helpers::Backend::Sqlite => "DROP TRIGGER audit_heads_no_delete;",
            crate::helpers::Backend::Postgres => "ALTER TABLE audit_heads DISABLE TRIGGER audit_heads_forward_only;",
        };
        app.raw_sql(&format!("{bypass} DELETE FROM audit_heads")).await.unwrap();
        assert!(db.audit_chains().await.unwrap().contains(&tenant), "the tenant's chain is still listed");
        let broken = verify_chain(db, tenant).await.unwrap().unwrap_err();
        assert!(broken.reason.contains("no head"), "{}", broken.reason);
    }

    async fn the_retention_purge_leaves_a_verifiable_chain(app) {
        let admin = app.admin_token().await;
        let tenant = app.tenant_id().await;
        let db = &app.state.idp.db;
        let before = verify_chain(db, tenant).await.unwrap().unwrap();
        let now = Timestamp::now();
        let purged = db.purge_events(tenant, now.plus_seconds(1), now).await.unwrap();
        assert_eq!(purged, before, "everything older than the cutoff is gone");
        assert_eq!(verify_chain(db, tenant).await.unwrap().unwrap(), 0);
        app.create_agent(&admin, json!({})).await;
        assert_eq!(verify_chain(db, tenant).await.unwrap().unwrap(), 1, "the chain continues from the checkpoint");
        assert!(app.raw_sql("DELETE FROM audit_blocks").await.is_err(), "the purge leaves no bypass behind");
        assert_eq!(app.state.idp.purge_expired_events().await.unwrap(), 0, "nothing is older than 90 days");
    }
}
