//! A tenant always keeps an active agent holding `agents:write`: the API refuses any change
//! that would leave none (even two admins disabling each other at once), and `agentidp
//! bootstrap` gets back a tenant whose bootstrap admin is no longer active.

use agentidp::service::tenants::Bootstrap;
use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{TestApp, backend_tests};

/// A second administrator: every management scope, with a secret; returns (id, token).
async fn second_admin(app: &TestApp, admin: &str) -> (String, String) {
    let scopes = "agents:read agents:write audit:read billing:write credentials:read credentials:write federation:read federation:write tokens:revoke";
    let scopes: Vec<&str> = scopes.split(' ').collect();
    let (id, secret) = app
        .agent_with_secret(admin, json!({ "allowedScopes": scopes }))
        .await;
    let token = app.token(&id, &secret, &[]).await;
    (id, token)
}

fn patch(status: &str) -> Option<Value> {
    Some(json!({ "status": status }))
}

backend_tests! {
    async fn the_last_admin_cannot_suspend_revoke_decommission_or_demote_itself(app) {
        let admin = app.admin_token().await;
        let me = format!("/v1/agents/{}", app.admin_id);
        for status in ["suspended", "revoked"] {
            let refused = app.request(Method::PATCH, &me, Some(&admin), patch(status)).await;
            let body = refused.expect_error(StatusCode::CONFLICT, "LAST_ADMIN");
            assert_eq!(body["details"]["requiredScope"], "agents:write");
        }
        app.request(Method::DELETE, &me, Some(&admin), None).await
            .expect_error(StatusCode::CONFLICT, "LAST_ADMIN");
        let demote = json!({ "allowedScopes": ["agents:read", "audit:read"] });
        app.request(Method::PATCH, &me, Some(&admin), Some(demote)).await
            .expect_error(StatusCode::CONFLICT, "LAST_ADMIN");
        // Nothing changed: the admin still works, and other edits of it go through.
        let renamed = app.request(Method::PATCH, &me, Some(&admin), Some(json!({ "name": "still here" }))).await;
        let renamed = renamed.expect(StatusCode::OK);
        assert_eq!((renamed["status"].as_str(), renamed["name"].as_str()), (Some("active"), Some("still here")));
        app.admin_token().await;
    }

    async fn an_admin_may_step_down_while_another_active_admin_remains(app) {
        let admin = app.admin_token().await;
        let (other, other_token) = second_admin(&app, &admin).await;
        let me = format!("/v1/agents/{}", app.admin_id);
        app.request(Method::PATCH, &me, Some(&admin), patch("suspended")).await.expect(StatusCode::OK);
        // Now the other one is the last: it cannot go, but it can bring the first one back.
        let it = format!("/v1/agents/{other}");
        app.request(Method::DELETE, &it, Some(&other_token), None).await
            .expect_error(StatusCode::CONFLICT, "LAST_ADMIN");
        app.request(Method::PATCH, &me, Some(&other_token), patch("active")).await.expect(StatusCode::OK);
        app.request(Method::DELETE, &it, Some(&other_token), None).await.expect(StatusCode::NO_CONTENT);
        // A suspended admin does not count as one.
        let admin = app.admin_token().await;
        let (third, _) = second_admin(&app, &admin).await;
        app.request(Method::PATCH, &format!("/v1/agents/{third}"), Some(&admin), patch("suspended")).await
            .expect(StatusCode::OK);
        app.request(Method::PATCH, &me, Some(&admin), patch("suspended")).await
            .expect_error(StatusCode::CONFLICT, "LAST_ADMIN");
    }

    async fn two_admins_disabling_each_other_at_once_leave_one_of_them_active(app) {
        let admin = app.admin_token().await;
        for _ in 0..5 {
            let (a, a_token) = second_admin(&app, &admin).await;
            let (b, b_token) = second_admin(&app, &admin).await;
            // The bootstrap admin steps aside, so a and b are the only two.
            let me = format!("/v1/agents/{}", app.admin_id);
            app.request(Method::PATCH, &me, Some(&a_token), patch("suspended")).await.expect(StatusCode::OK);
            let (a_path, b_path) = (format!("/v1/agents/{a}"), format!("/v1/agents/{b}"));
            let (x, y) = tokio::join!(
                app.request(Method::DELETE, &b_path, Some(&a_token), None),
                app.request(Method::DELETE, &a_path, Some(&b_token), None),
            );
            let statuses = [x.status, y.status];
            assert!(
                statuses.contains(&StatusCode::NO_CONTENT) && statuses.iter().any(|s| s.is_client_error()),
                "exactly one may win: {statuses:?} ({} / {})", x.text, y.text
            );
            let (survivor, token) = if x.status == StatusCode::NO_CONTENT { (&a_path, &a_token) } else { (&b_path, &b_token) };
            app.request(Method::PATCH, &me, Some(token), patch("active")).await.expect(StatusCode::OK);
            app.request(Method::DELETE, survivor, Some(&admin), None).await.expect(StatusCode::NO_CONTENT);
        }
    }

    async fn bootstrap_adds_a_new_admin_to_a_tenant_whose_admin_is_not_active(app) {
        let admin = app.admin_token().await;
        let (other, other_token) = second_admin(&app, &admin).await;
        let me = format!("/v1/agents/{}", app.admin_id);
        app.request(Method::PATCH, &me, Some(&other_token), patch("suspended")).await.expect(StatusCode::OK);
        let Bootstrap::Recovered(recovered) = app.state.idp.bootstrap("test-tenant").await.unwrap() else {
            panic!("the bootstrap admin is suspended, so a new one is added");
        };
        let id = recovered.admin.id.to_string();
        assert_ne!(id, app.admin_id);
        assert_ne!(id, other);
        assert!(recovered.admin.email.starts_with("admin+"), "{}", recovered.admin.email);
        let token = app.token(&id, recovered.secret.expose(), &[]).await;
        app.request(Method::PATCH, &me, Some(&token), patch("active")).await.expect(StatusCode::OK);
        // The recovery is in the audit log, under the operator's name.
        let log = app.request(Method::GET, &format!("/v1/audit/events?agentId={id}"), Some(&token), None).await;
        let actions: Vec<(String, String)> = log.expect(StatusCode::OK)["data"].as_array().unwrap().iter()
            .map(|e| (e["action"].as_str().unwrap().to_owned(), e["actor"].as_str().unwrap().to_owned()))
            .collect();
        for action in ["agent.created", "credential.created", "tenant.bootstrapped"] {
            assert!(actions.contains(&(action.to_owned(), "operator".to_owned())), "{action} in {actions:?}");
        }
        // Another bootstrap gives the newest active bootstrap admin a credential, adding none.
        app.request(Method::PATCH, &me, Some(&token), patch("suspended")).await.expect(StatusCode::OK);
        let Bootstrap::NewCredential(again) = app.state.idp.bootstrap("test-tenant").await.unwrap() else {
            panic!("the recovered admin is active");
        };
        assert_eq!(again.admin.id.to_string(), id);
    }
}
