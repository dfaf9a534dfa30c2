//! Delegation (RFC 8693 with an actor token): an agent an orchestrator lists in
//! `allowedActors` exchanges the orchestrator's token for one carrying `act`; unlisted
//! actors, widened scopes or audiences and longer lifetimes are refused; chains nest.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{TestApp, TestResponse, backend_tests, decode_jwt};

const ACCESS_TOKEN: &str = "urn:ietf:params:oauth:token-type:access_token";

/// The orchestrator (the subject), the agents it lets act for it, and one it does not.
struct Cast {
    subject: (String, String),
    actor: (String, String),
    second: (String, String),
    stranger: (String, String),
}

async fn cast(app: &TestApp) -> Cast {
    let admin = app.admin_token().await;
    let actor = app.agent_with_secret(&admin, json!({})).await;
    let second = app.agent_with_secret(&admin, json!({})).await;
    let stranger = app.agent_with_secret(&admin, json!({})).await;
    let subject = app
        .agent_with_secret(&admin, json!({"allowedActors": [actor.0, second.0]}))
        .await;
    Cast {
        subject,
        actor,
        second,
        stranger,
    }
}

async fn token_of(app: &TestApp, agent: &(String, String), extra: &[(&str, &str)]) -> String {
    app.token(&agent.0, &agent.1, extra).await
}

/// The token-exchange request of `actor_token` for `subject_token`, with `extra` parameters.
async fn delegate(
    app: &TestApp,
    subject_token: &str,
    actor_token: &str,
    extra: &[(&str, &str)],
) -> TestResponse {
    let mut pairs = vec![
        (
            "grant_type",
            "urn:ietf:params:oauth:grant-type:token-exchange",
        ),
        ("subject_token", subject_token),
        ("subject_token_type", ACCESS_TOKEN),
        ("actor_token", actor_token),
        ("actor_token_type", ACCESS_TOKEN),
    ];
    pairs.extend_from_slice(extra);
    app.form("/oauth2/token", None, &pairs).await
}

/// The token as the tenant's administrator introspects it.
async fn introspect(app: &TestApp, token: &str) -> Value {
    let admin = Some((app.admin_id.as_str(), app.admin_secret.as_str()));
    let r = app
        .form("/oauth2/introspect", admin, &[("token", token)])
        .await;
    r.expect(StatusCode::OK).clone()
}

backend_tests! {
    async fn a_listed_actor_gets_the_subjects_token_with_act_which_introspection_shows(app) {
        let cast = cast(&app).await;
        let subject_token = token_of(&app, &cast.subject, &[("scope", "weather:read weather:write")]).await;
        let actor_token = token_of(&app, &cast.actor, &[]).await;
        let r = delegate(&app, &subject_token, &actor_token, &[
            ("scope", "weather:read"), ("audience", "https://tools.example"),
        ]).await;
        let body = r.expect(StatusCode::OK);
        assert_eq!(body["issued_token_type"], ACCESS_TOKEN);
        assert_eq!(body["scope"], "weather:read");
        let token = body["access_token"].as_str().unwrap().to_owned();
        let (_, claims) = decode_jwt(&token);
        let (_, subject_claims) = decode_jwt(&subject_token);
        assert_eq!(claims["sub"], cast.subject.0.as_str());
        assert_eq!(claims["client_id"], cast.actor.0.as_str());
        assert_eq!(claims["act"], json!({"sub": cast.actor.0}));
        assert_eq!(claims["aud"], "https://tools.example");
        assert!(claims["exp"].as_i64() <= subject_claims["exp"].as_i64());

        let seen = introspect(&app, &token).await;
        assert_eq!(seen["active"], true);
        assert_eq!(seen["act"], json!({"sub": cast.actor.0}));
        assert_eq!(seen["client_id"], cast.actor.0.as_str());

        // The actor's deactivation ends the tokens it holds for others.
        let admin = app.admin_token().await;
        app.request(Method::PATCH, &format!("/v1/agents/{}", cast.actor.0), Some(&admin),
            Some(json!({"status": "suspended"}))).await.expect(StatusCode::OK);
        assert_eq!(introspect(&app, &token).await["active"], false);
    }

    async fn unlisted_actors_widened_scopes_and_longer_lifetimes_are_refused_and_audited(app) {
        let cast = cast(&app).await;
        let subject_token = token_of(&app, &cast.subject, &[("scope", "weather:read")]).await;
        let stranger_token = token_of(&app, &cast.stranger, &[]).await;
        delegate(&app, &subject_token, &stranger_token, &[]).await
            .expect_oauth_error(StatusCode::BAD_REQUEST, "invalid_request");
        let actor_token = token_of(&app, &cast.actor, &[]).await;
        delegate(&app, &subject_token, &actor_token, &[("scope", "weather:write")]).await
            .expect_oauth_error(StatusCode::BAD_REQUEST, "invalid_scope");
        delegate(&app, &subject_token, &actor_token, &[("expires_in", "86400")]).await
            .expect_oauth_error(StatusCode::BAD_REQUEST, "invalid_request");
        let short = delegate(&app, &subject_token, &actor_token, &[("expires_in", "60")]).await;
        assert_eq!(short.expect(StatusCode::OK)["expires_in"], 60);

        let admin = app.admin_token().await;
        let refusals = app.request(Method::GET,
            &format!("/v1/audit/events?action=auth.failed&agentId={}", cast.subject.0), Some(&admin), None).await;
        let events = refusals.expect(StatusCode::OK)["data"].as_array().unwrap().clone();
        let reasons: Vec<&str> = events.iter()
            .filter(|e| e["metadata"]["method"] == "delegation")
            .map(|e| e["metadata"]["reason"].as_str().unwrap()).collect();
        assert_eq!(reasons.len(), 3, "{events:?}");
        assert!(reasons.iter().any(|r| r.contains("allowedActors")));
    }

    async fn a_token_bound_to_a_resource_cannot_be_delegated_to_another(app) {
        let cast = cast(&app).await;
        let bound = token_of(&app, &cast.subject, &[("resource", "https://tools.example")]).await;
        let actor_token = token_of(&app, &cast.actor, &[]).await;
        delegate(&app, &bound, &actor_token, &[("audience", "https://bank.example")]).await
            .expect_oauth_error(StatusCode::BAD_REQUEST, "invalid_target");
        let kept = delegate(&app, &bound, &actor_token, &[]).await;
        let token = kept.expect(StatusCode::OK)["access_token"].as_str().unwrap().to_owned();
        assert_eq!(decode_jwt(&token).1["aud"], "https://tools.example");
    }

    async fn bad_subject_and_actor_tokens_are_refused(app) {
        let cast = cast(&app).await;
        let subject_token = token_of(&app, &cast.subject, &[]).await;
        let actor_token = token_of(&app, &cast.actor, &[]).await;
        for (subject, actor) in [("not-a-token", actor_token.as_str()), (subject_token.as_str(), "not-a-token")] {
            delegate(&app, subject, actor, &[]).await
                .expect_oauth_error(StatusCode::BAD_REQUEST, "invalid_request");
        }
        let no_actor = app.form("/oauth2/token", None, &[
            ("grant_type", "urn:ietf:params:oauth:grant-type:token-exchange"),
            ("subject_token", &subject_token), ("subject_token_type", ACCESS_TOKEN),
        ]).await;
        no_actor.expect_oauth_error(StatusCode::BAD_REQUEST, "invalid_request");
        // A revoked subject token is refused.
        app.form("/oauth2/revoke", Some((&cast.subject.0, &cast.subject.1)), &[("token", &subject_token)])
            .await.expect(StatusCode::OK);
        delegate(&app, &subject_token, &actor_token, &[]).await
            .expect_oauth_error(StatusCode::BAD_REQUEST, "invalid_request");
        // A delegated token does not stand for its actor.
        let fresh = token_of(&app, &cast.subject, &[]).await;
        let delegated = delegate(&app, &fresh, &actor_token, &[]).await;
        let delegated = delegated.expect(StatusCode::OK)["access_token"].as_str().unwrap().to_owned();
        delegate(&app, &fresh, &delegated, &[]).await
            .expect_oauth_error(StatusCode::BAD_REQUEST, "invalid_request");
    }

    async fn a_chain_of_actors_nests_the_earlier_ones_and_the_actor_may_revoke_its_token(app) {
        let cast = cast(&app).await;
        let subject_token = token_of(&app, &cast.subject, &[]).await;
        let first = token_of(&app, &cast.actor, &[]).await;
        let once = delegate(&app, &subject_token, &first, &[]).await;
        let once = once.expect(StatusCode::OK)["access_token"].as_str().unwrap().to_owned();
        let second = token_of(&app, &cast.second, &[]).await;
        let twice = delegate(&app, &once, &second, &[]).await;
        let twice = twice.expect(StatusCode::OK)["access_token"].as_str().unwrap().to_owned();
        let (_, claims) = decode_jwt(&twice);
        assert_eq!(claims["sub"], cast.subject.0.as_str());
        assert_eq!(claims["act"], json!({"sub": cast.second.0, "act": {"sub": cast.actor.0}}));

        app.form("/oauth2/revoke", Some((&cast.second.0, &cast.second.1)), &[("token", &twice)])
            .await.expect(StatusCode::OK);
        assert_eq!(introspect(&app, &twice).await["active"], false);
    }

    async fn the_audit_log_names_who_acted_for_the_subject_on_this_servers_api(app) {
        let admin = app.admin_token().await;
        let actor = app.agent_with_secret(&admin, json!({})).await;
        let target = app.agent_with_secret(&admin, json!({})).await;
        let subject = app.agent_with_secret(&admin, json!({
            "allowedScopes": ["agents:read", "agents:write"], "allowedActors": [actor.0],
        })).await;
        let subject_token = token_of(&app, &subject, &[]).await;
        let actor_token = token_of(&app, &actor, &[]).await;
        let delegated = delegate(&app, &subject_token, &actor_token, &[]).await;
        let delegated = delegated.expect(StatusCode::OK)["access_token"].as_str().unwrap().to_owned();

        app.request(Method::PATCH, &format!("/v1/agents/{}", target.0), Some(&delegated),
            Some(json!({"description": "changed by a delegate"}))).await.expect(StatusCode::OK);
        app.request(Method::GET, "/v1/audit/events", Some(&delegated), None).await
            .expect_error(StatusCode::FORBIDDEN, "INSUFFICIENT_SCOPE");
        // The subject's own token, for contrast: no `act`.
        app.request(Method::PATCH, &format!("/v1/agents/{}", target.0), Some(&subject_token),
            Some(json!({"description": "changed by the subject"}))).await.expect(StatusCode::OK);

        let events = app.request(Method::GET, "/v1/audit/events?limit=100", Some(&admin), None).await;
        let events = events.expect(StatusCode::OK)["data"].as_array().unwrap().clone();
        let by_subject: Vec<(&str, &Value)> = events.iter()
            .filter(|e| e["actor"] == subject.0.as_str() && e["action"] != "token.issued")
            .map(|e| (e["action"].as_str().unwrap(), &e["metadata"]["act"])).collect();
        let act = json!({"sub": actor.0});
        assert_eq!(by_subject.len(), 3, "{events:?}");
        assert!(by_subject.contains(&("agent.updated", &act)), "{by_subject:?}");
        assert!(by_subject.contains(&("access.denied", &act)), "{by_subject:?}");
        assert!(by_subject.contains(&("agent.updated", &Value::Null)), "{by_subject:?}");
    }

    async fn allowed_actors_must_be_other_agents_of_the_tenant(app) {
        let admin = app.admin_token().await;
        let (id, _) = app.agent_with_secret(&admin, json!({})).await;
        let bad = |actors: Value| app.request(Method::POST, "/v1/agents", Some(&admin),
            Some(crate::helpers::agent_body(json!({"allowedActors": actors}))));
        bad(json!(["bot"])).await.expect_error(StatusCode::BAD_REQUEST, "VALIDATION_ERROR");
        bad(json!([uuid::Uuid::now_v7().to_string()])).await
            .expect_error(StatusCode::BAD_REQUEST, "VALIDATION_ERROR");
        let own = app.request(Method::PATCH, &format!("/v1/agents/{id}"), Some(&admin),
            Some(json!({"allowedActors": [id]}))).await;
        own.expect_error(StatusCode::BAD_REQUEST, "VALIDATION_ERROR");
        let (other, _) = app.agent_with_secret(&admin, json!({})).await;
        let set = app.request(Method::PATCH, &format!("/v1/agents/{id}"), Some(&admin),
            Some(json!({"allowedActors": [other]}))).await;
        assert_eq!(set.expect(StatusCode::OK)["allowedActors"], json!([other]));
        let read = app.request(Method::GET, &format!("/v1/agents/{id}"), Some(&admin), None).await;
        assert_eq!(read.expect(StatusCode::OK)["allowedActors"], json!([other]));
    }
}
