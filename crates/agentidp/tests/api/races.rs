//! Writes that race: a change read before a revocation or decommissioning never undoes it,
//! a decommissioning releases the agent's tenant slot once, however many run at once, and
//! concurrent credential creations never pass the agent's limit or outlive its decommissioning.

use agentidp::domain::credential::{Credential, SecretHasher};
use agentidp::domain::ids::{AgentId, CredentialId};
use agentidp::domain::time::Timestamp;
use agentidp::store::{InsertRefused, StoreError};
use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::helpers::backend_tests;

backend_tests! {
    async fn an_agent_write_based_on_a_read_from_before_its_decommissioning_is_refused(app) {
        let admin = app.admin_token().await;
        let (id, secret) = app.agent_with_secret(&admin, json!({})).await;
        let db = &app.state.idp.db;
        let tenant = app.tenant_id().await;
        // What a PATCH that read the agent just before a concurrent DELETE would write.
        let read = db.get_agent(tenant, id.parse::<AgentId>().unwrap()).await.unwrap().unwrap();
        app.request(Method::DELETE, &format!("/v1/agents/{id}"), Some(&admin), None).await
            .expect(StatusCode::NO_CONTENT);
        let mut renamed = read.clone();
        renamed.name = "renamed".into();
        renamed.updated_at = Timestamp::now();
        let written = db.update_agent(&renamed, read.updated_at, Default::default(), &[]).await;
        assert!(matches!(written, Err(StoreError::Stale)), "{written:?}");
        let after = app.request(Method::GET, &format!("/v1/agents/{id}"), Some(&admin), None).await;
        assert_eq!(after.expect(StatusCode::OK)["status"], "decommissioned");
        app.token_response(&id, &secret, &[]).await.expect_oauth_error(StatusCode::UNAUTHORIZED, "invalid_client");
    }

    async fn a_rotation_based_on_a_read_from_before_a_revocation_is_refused(app) {
        let admin = app.admin_token().await;
        let (id, secret) = app.agent_with_secret(&admin, json!({})).await;
        let list = app.request(Method::GET, &format!("/v1/agents/{id}/credentials"), Some(&admin), None).await;
        let cred = list.expect(StatusCode::OK)[0]["credentialId"].as_str().unwrap().to_owned();
        let db = &app.state.idp.db;
        let tenant = app.tenant_id().await;
        let (agent, cred_id) = (id.parse::<AgentId>().unwrap(), cred.parse::<CredentialId>().unwrap());
        let read = db.get_credential(tenant, agent, cred_id).await.unwrap().unwrap();
        app.request(Method::DELETE, &format!("/v1/agents/{id}/credentials/{cred}"), Some(&admin), None).await
            .expect(StatusCode::NO_CONTENT);
        // A rotation with a grace period that read the credential before the revocation would
        // bring the revoked secret back as the previous one.
        let mut rotated = read.clone();
        rotated.previous_secret_hash = Some(read.secret_hash.clone());
        rotated.previous_expires_at = Some(Timestamp::now().plus_seconds(3600));
        rotated.secret_hash = vec![7; 32];
        let written = db.update_credential(&rotated, &read.secret_hash, &[]).await;
        assert!(matches!(written, Err(StoreError::Stale)), "{written:?}");
        app.token_response(&id, &secret, &[]).await.expect_oauth_error(StatusCode::UNAUTHORIZED, "invalid_client");
    }

    async fn concurrent_deletes_of_one_agent_release_its_slot_once(app, "--max-agents-per-tenant", "3") {
        let admin = app.admin_token().await;
        let doomed = app.create_agent(&admin, json!({})).await["agentId"].as_str().unwrap().to_owned();
        app.create_agent(&admin, json!({})).await;
        let uri = format!("/v1/agents/{doomed}");
        let deletes = (0..8).map(|_| app.request(Method::DELETE, &uri, Some(&admin), None));
        for r in futures_util::future::join_all(deletes).await {
            assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
        }
        let usage = app.request(Method::GET, "/v1/billing/usage", Some(&admin), None).await;
        assert_eq!(usage.expect(StatusCode::OK)["agents"], json!({"used": 2, "limit": 3}));
        app.create_agent(&admin, json!({})).await;
        let over = app.request(Method::POST, "/v1/agents", Some(&admin), Some(crate::helpers::agent_body(json!({})))).await;
        over.expect_error(StatusCode::FORBIDDEN, "AGENT_LIMIT_REACHED");
    }

    async fn concurrent_credential_creations_never_take_an_agent_past_its_limit(app) {
        let admin = app.admin_token().await;
        let (id, _) = app.agent_with_secret(&admin, json!({})).await;
        let uri = format!("/v1/agents/{id}/credentials");
        for _ in 1..8 {
            app.request(Method::POST, &uri, Some(&admin), None).await.expect(StatusCode::CREATED);
        }
        // Most of these read 8 active credentials before any of them inserts; however they
        // interleave, no more than two may land.
        let creates = (0..6).map(|_| app.request(Method::POST, &uri, Some(&admin), None));
        let mut created = 0;
        for r in futures_util::future::join_all(creates).await {
            match r.status {
                StatusCode::CREATED => created += 1,
                _ => { r.expect_error(StatusCode::CONFLICT, "CREDENTIAL_LIMIT_REACHED"); }
            }
        }
        assert_eq!(created, 2);
        let list = app.request(Method::GET, &uri, Some(&admin), None).await;
        let active = list.expect(StatusCode::OK).as_array().unwrap().iter()
            .filter(|c| c["status"] == "active").count();
        assert_eq!(active, 10);
    }

    async fn a_credential_insert_at_the_limit_stores_nothing_whatever_was_read_before(app) {
        let admin = app.admin_token().await;
        let (id, _) = app.agent_with_secret(&admin, json!({})).await;
        let agent = id.parse::<AgentId>().unwrap();
        let (db, tenant) = (&app.state.idp.db, app.tenant_id().await);
        let issue = || Credential::issue_secret(&SecretHasher::new(None), agent, None, Timestamp::now()).unwrap().0;
        assert_eq!(db.insert_credential(tenant, &issue(), Some(1), &[]).await.unwrap(), Err(InsertRefused::AtLimit));
        assert_eq!(db.insert_credential(tenant, &issue(), Some(2), &[]).await.unwrap(), Ok(()));
        assert_eq!(db.insert_credential(tenant, &issue(), None, &[]).await.unwrap(), Ok(()), "no limit");
    }

    async fn a_credential_creation_that_read_the_agent_before_its_decommissioning_stores_nothing(app) {
        let admin = app.admin_token().await;
        let (id, _) = app.agent_with_secret(&admin, json!({})).await;
        let agent = id.parse::<AgentId>().unwrap();
        app.request(Method::DELETE, &format!("/v1/agents/{id}"), Some(&admin), None).await
            .expect(StatusCode::NO_CONTENT);
        // What a creation that found the agent active just before the DELETE would insert.
        let (credential, _) = Credential::issue_secret(&SecretHasher::new(None), agent, None, Timestamp::now()).unwrap();
        let db = &app.state.idp.db;
        let tenant = app.tenant_id().await;
        let written = db.insert_credential(tenant, &credential, Some(10), &[]).await.unwrap();
        assert_eq!(written, Err(InsertRefused::AgentNotActive));
        let list = app.request(Method::GET, &format!("/v1/agents/{id}/credentials"), Some(&admin), None).await;
        let list = list.expect(StatusCode::OK);
        assert!(list.as_array().unwrap().iter().all(|c| c["status"] == "revoked"), "{list}");
    }
}
