//! The public marketplace: search across tenants by words, capability and publisher; only
//! public, active agents; the public view; an agent's page with its DID document and card.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{TestApp, backend_tests};

/// A public agent with a complete card, changed by `overrides`.
fn listed(overrides: Value) -> Value {
    let mut body = json!({
        "isPublic": true,
        "name": "Forecaster",
        "description": "Seven-day weather forecasts for any city",
        "capabilities": ["weather:forecast"],
        "endpointUrl": "https://meteo.example.com/a2a",
        "skills": [{"id": "forecast", "name": "Forecast", "description": "A 7-day forecast", "tags": ["meteorology"]}],
    });
    for (k, v) in overrides.as_object().unwrap() {
        body[k] = v.clone();
    }
    body
}

/// The names of the agents a search returns, in order.
async fn names(app: &TestApp, query: &str) -> Vec<String> {
    let r = app
        .request(
            Method::GET,
            &format!("/v1/marketplace/agents{query}"),
            None,
            None,
        )
        .await;
    r.expect(StatusCode::OK)["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap().to_owned())
        .collect()
}

backend_tests! {
    async fn searches_match_words_and_prefixes_capabilities_exactly_and_publishers_by_name(app, "--marketplace-enabled", "true") {
        let admin = app.admin_token().await;
        app.create_agent(&admin, listed(json!({}))).await;
        app.create_agent(&admin, listed(json!({"name": "Translator", "description": "French to English",
            "capabilities": ["text:translate"], "skills": [{"id": "fr-en", "name": "Translate", "description": "fr→en", "tags": ["language"]}]}))).await;
        let other = app.state.idp.create_tenant("globex", "system", &Default::default()).await.unwrap();
        let globex = app.token(&other.admin.id.to_string(), other.secret.expose(), &[]).await;
        app.create_agent(&globex, listed(json!({"name": "Storm watch", "description": "Severe weather alerts",
            "capabilities": ["weather:alerts"], "skills": [{"id": "alert", "name": "Alert", "description": "Storm alerts", "tags": ["storms"]}]}))).await;

        assert_eq!(names(&app, "").await, ["Forecaster", "Translator", "Storm watch"]);
        assert_eq!(names(&app, "?q=weather").await, ["Forecaster", "Storm watch"]);
        assert_eq!(names(&app, "?q=WEATH").await, ["Forecaster", "Storm watch"], "prefixes, any case");
        assert_eq!(names(&app, "?q=weather%20city").await, ["Forecaster"], "every word must match");
        assert_eq!(names(&app, "?q=meteorology").await, ["Forecaster"], "skill tags are searched");
        assert_eq!(names(&app, "?q=translate").await, ["Translator"], "capabilities are searched");
        assert_eq!(names(&app, "?capability=weather:alerts").await, ["Storm watch"]);
        assert!(names(&app, "?capability=weather").await.is_empty(), "a capability matches exactly");
        assert_eq!(names(&app, "?q=weather&publisher=test-tenant").await, ["Forecaster"]);
        assert_eq!(names(&app, "?publisher=globex&capability=weather:alerts").await, ["Storm watch"]);
        assert!(names(&app, "?publisher=nobody").await.is_empty());
    }

    async fn only_public_active_agents_appear_and_a_change_shows_at_once(app, "--marketplace-enabled", "true") {
        let admin = app.admin_token().await;
        let public = app.create_agent(&admin, listed(json!({}))).await;
        app.create_agent(&admin, listed(json!({"name": "Hidden forecaster", "isPublic": false}))).await;
        assert_eq!(names(&app, "?q=forecast").await, ["Forecaster"]);

        let uri = format!("/v1/agents/{}", public["agentId"].as_str().unwrap());
        let patch = |body: Value| app.request(Method::PATCH, &uri, Some(&admin), Some(body));
        patch(json!({"name": "Nowcaster"})).await.expect(StatusCode::OK);
        assert!(names(&app, "?q=forecaster").await.is_empty());
        assert_eq!(names(&app, "?q=nowcaster").await, ["Nowcaster"]);
        patch(json!({"status": "suspended"})).await.expect(StatusCode::OK);
        assert!(names(&app, "?q=nowcaster").await.is_empty());
        patch(json!({"status": "active"})).await.expect(StatusCode::OK);
        patch(json!({"isPublic": false})).await.expect(StatusCode::OK);
        assert!(names(&app, "").await.is_empty());
        patch(json!({"isPublic": true})).await.expect(StatusCode::OK);
        assert_eq!(names(&app, "?q=nowcaster").await, ["Nowcaster"]);
        app.request(Method::DELETE, &uri, Some(&admin), None).await.expect(StatusCode::NO_CONTENT);
        assert!(names(&app, "").await.is_empty());
    }

    async fn the_public_view_holds_no_private_field_and_pages_follow_the_cursor(app, "--marketplace-enabled", "true") {
        let admin = app.admin_token().await;
        for name in ["A1", "A2", "A3"] {
            app.create_agent(&admin, listed(json!({"name": name, "metadata": {"secret": "x"}}))).await;
        }
        let first = app.request(Method::GET, "/v1/marketplace/agents?q=forecast&limit=2", None, None).await;
        let first = first.expect(StatusCode::OK).clone();
        let agent = &first["data"][0];
        for private in ["email", "owner", "allowedScopes", "metadata", "tenantId", "deploymentEnv"] {
            assert!(agent.get(private).is_none(), "{private} is not public: {agent}");
        }
        let id = agent["agentId"].as_str().unwrap();
        assert_eq!(agent["publisher"], "test-tenant");
        assert_eq!(agent["did"], format!("did:web:agentidp.test:agents:{id}"));
        assert_eq!(agent["agentCardUrl"], format!("http://agentidp.test/agents/{id}/agent-card.json"));
        let cursor = first["nextCursor"].as_str().unwrap();
        assert_eq!(names(&app, &format!("?q=forecast&limit=2&cursor={cursor}")).await, ["A3"]);
        let last = app.request(Method::GET, &format!("/v1/marketplace/agents?limit=2&cursor={cursor}"), None, None).await;
        assert!(last.expect(StatusCode::OK)["nextCursor"].is_null());
    }

    async fn invalid_searches_are_refused_with_the_field(app, "--marketplace-enabled", "true") {
        for (query, field) in [("q=%22*%22", "q"), ("q=a+b+c+d+e+f+g+h+i", "q"), ("capability=Not+a+token", "capability"),
                               ("limit=0", "limit"), ("publisher=", "publisher")] {
            let r = app.request(Method::GET, &format!("/v1/marketplace/agents?{query}"), None, None).await;
            assert_eq!(r.expect_error(StatusCode::BAD_REQUEST, "VALIDATION_ERROR")["details"]["field"], field, "{query}");
        }
        app.request(Method::GET, "/v1/marketplace/agents?cursor=nope", None, None).await
            .expect_error(StatusCode::BAD_REQUEST, "INVALID_CURSOR");
        app.request(Method::GET, "/v1/marketplace/agents?tenant=x", None, None).await
            .expect_error(StatusCode::BAD_REQUEST, "INVALID_QUERY");
    }

    async fn an_agents_page_carries_its_did_document_and_signed_card(app, "--marketplace-enabled", "true") {
        let admin = app.admin_token().await;
        let agent = app.create_agent(&admin, listed(json!({}))).await;
        let id = agent["agentId"].as_str().unwrap();
        let r = app.request(Method::GET, &format!("/v1/marketplace/agents/{id}"), None, None).await;
        let page = r.expect(StatusCode::OK);
        assert_eq!(page["didDocument"]["id"], page["did"]);
        let card = app.request(Method::GET, &format!("/agents/{id}/agent-card.json"), None, None).await;
        let card = card.expect(StatusCode::OK);
        assert_eq!(page["agentCard"]["skills"], card["skills"]);
        assert_eq!(page["agentCard"]["signatures"][0]["protected"], card["signatures"][0]["protected"]);

        let bare = app.create_agent(&admin, json!({"isPublic": true})).await;
        let r = app.request(Method::GET, &format!("/v1/marketplace/agents/{}", bare["agentId"].as_str().unwrap()), None, None).await;
        let bare_page = r.expect(StatusCode::OK);
        assert!(bare_page["agentCard"].is_null() && bare_page["agentCardUrl"].is_null(), "{bare_page}");

        let private = app.create_agent(&admin, listed(json!({"isPublic": false}))).await;
        app.request(Method::GET, &format!("/v1/marketplace/agents/{}", private["agentId"].as_str().unwrap()), None, None).await
            .expect_error(StatusCode::NOT_FOUND, "AGENT_NOT_FOUND");
        app.request(Method::DELETE, &format!("/v1/agents/{id}"), Some(&admin), None).await.expect(StatusCode::NO_CONTENT);
        app.request(Method::GET, &format!("/v1/marketplace/agents/{id}"), None, None).await
            .expect_error(StatusCode::GONE, "AGENT_GONE");
    }

    async fn without_marketplace_enabled_the_marketplace_is_not_found(app) {
        app.request(Method::GET, "/v1/marketplace/agents", None, None).await
            .expect_error(StatusCode::NOT_FOUND, "NOT_FOUND");
        app.request(Method::GET, &format!("/v1/marketplace/agents/{}", uuid::Uuid::now_v7()), None, None).await
            .expect_error(StatusCode::NOT_FOUND, "NOT_FOUND");
    }

    async fn marketplace_searches_are_rate_limited_per_client_ip(app, "--marketplace-enabled", "true", "--rate-limit-max-requests", "2") {
        app.request(Method::GET, "/v1/marketplace/agents", None, None).await.expect(StatusCode::OK);
        app.request(Method::GET, "/v1/marketplace/agents?q=x", None, None).await.expect(StatusCode::OK);
        app.request(Method::GET, "/v1/marketplace/agents", None, None).await
            .expect_error(StatusCode::TOO_MANY_REQUESTS, "RATE_LIMIT_EXCEEDED");
    }

    async fn a_term_matches_every_word_it_starts_however_many_words_start_with_it(app, "--marketplace-enabled", "true") {
        let admin = app.admin_token().await;
        // Thirty words starting with "forec": more than a term is expanded into.
        let many: Vec<String> = (0..30).map(|i| format!("forec{}", char::from(b'a' + (i % 26) as u8).to_string().repeat(1 + i / 26))).collect();
        app.create_agent(&admin, listed(json!({"name": "Many words", "description": many.join(" ")}))).await;
        app.create_agent(&admin, listed(json!({"name": "Far away", "description": "Long-range forecasts"}))).await;
        app.create_agent(&admin, listed(json!({"name": "Unrelated", "description": "Translation", "capabilities": ["text:translate"],
            "skills": [{"id": "t", "name": "Translate", "description": "any language", "tags": ["language"]}]}))).await;

        assert_eq!(names(&app, "?q=forec").await, ["Many words", "Far away"], "many words start with it");
        assert_eq!(names(&app, "?q=forecz").await, ["Many words"], "a few words start with it");
        assert_eq!(names(&app, "?q=fo").await, ["Many words", "Far away"], "a two-letter prefix");
        assert_eq!(names(&app, "?q=f").await, ["Many words", "Far away"], "a one-letter prefix");
        assert!(names(&app, "?q=forecq%20range").await.is_empty(), "every term must match");
        assert_eq!(names(&app, "?q=range%20forecasts").await, ["Far away"]);
        assert!(names(&app, "?q=forecastless").await.is_empty(), "no word starts with it");
    }
}
