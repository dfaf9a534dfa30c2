//! The portal pages through the router: served from the binary, under a CSP without
//! `unsafe-inline`, with the running configuration's limits; the browser flows themselves are
//! in tests/e2e.

use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::helpers::backend_tests;

backend_tests! {
    async fn every_portal_page_is_html_under_a_strict_csp(app) {
        for path in ["/", "/pricing", "/sdks", "/get-started", "/dashboard"] {
            let r = app.request(Method::GET, path, None, None).await;
            assert_eq!(r.status, StatusCode::OK, "{path}");
            assert!(r.header("content-type").starts_with("text/html"), "{path}");
            let csp = r.header("content-security-policy");
            assert!(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"), "{path}: {csp}");
            assert!(r.text.contains(r#"<nav aria-label="Main">"#), "{path}");
            assert!(!r.text.contains("{{"), "{path}: every placeholder is filled");
        }
    }

    async fn the_pricing_page_shows_the_limits_this_server_enforces(app, "--max-agents-per-tenant", "7", "--max-tokens-per-month", "0") {
        let r = app.request(Method::GET, "/pricing", None, None).await;
        assert!(r.text.contains(r#"<strong data-limit="agents">7 agents</strong>"#), "{}", r.text);
        assert!(r.text.contains(r#"<strong data-limit="tokens">Unlimited</strong>"#), "{}", r.text);
    }

    async fn assets_are_served_and_unknown_ones_are_404(app) {
        let js = app.request(Method::GET, "/portal/assets/common.js", None, None).await;
        assert_eq!(js.status, StatusCode::OK);
        assert!(js.header("content-type").starts_with("text/javascript"));
        assert!(js.text.contains("sessionStorage") && !js.text.contains("localStorage.setItem"));
        let missing = app.request(Method::GET, "/portal/assets/../Cargo.toml", None, None).await;
        assert_eq!(missing.status, StatusCode::NOT_FOUND);
        let explorer = app.request(Method::GET, "/api-explorer", None, None).await;
        assert_eq!(explorer.status, StatusCode::PERMANENT_REDIRECT);
        assert_eq!(explorer.header("location"), "/api-docs/");
    }

    async fn the_marketplace_pages_are_404_and_out_of_the_navigation_when_the_marketplace_is_off(app) {
        for path in ["/marketplace", "/marketplace?q=weather", "/marketplace/agents/7d5c1a0e-4bd4-4a0e-9a53-6f0f1c7c3a10"] {
            let r = app.request(Method::GET, path, None, None).await;
            assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}");
        }
        let home = app.request(Method::GET, "/", None, None).await;
        assert!(!home.text.contains(r#"href="/marketplace""#), "no dead link in the navigation");
        let dashboard = app.request(Method::GET, "/dashboard", None, None).await;
        assert!(dashboard.text.contains(r#"data-marketplace="false""#));
    }

    async fn the_marketplace_page_searches_escapes_what_agents_say_and_links_to_the_next_page(app, "--marketplace-enabled", "true") {
        let admin = app.admin_token().await;
        for i in 0..21 {
            app.create_agent(&admin, json!({"isPublic": true, "name": format!("Weather <script>alert({i})</script>"),
                "description": "Forecasts & \"alerts\"", "capabilities": ["weather:read"]})).await;
        }
        let r = app.request(Method::GET, "/marketplace?q=weather&capability=weather%3Aread&publisher=", None, None).await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(r.text.contains(r#"<a href="/marketplace" aria-current="page">Marketplace</a>"#));
        assert_eq!(r.text.matches("<article>").count(), 20, "one page of 20");
        assert!(!r.text.contains("<script>alert"), "agent text is escaped");
        assert!(r.text.contains("Weather &lt;script&gt;alert(0)&lt;/script&gt;"));
        assert!(r.text.contains("Forecasts &amp; &quot;alerts&quot;"));
        assert!(r.text.contains(r#"value="weather:read""#), "the form keeps its filters");
        let next = r.text.split(r#"rel="next" href=""#).nth(1).expect("a next-page link").split('"').next().unwrap();
        assert!(next.starts_with("/marketplace?q=weather&amp;capability=weather%3Aread&amp;cursor="), "{next}");
        let second = app.request(Method::GET, &next.replace("&amp;", "&"), None, None).await;
        assert_eq!(second.status, StatusCode::OK);
        assert_eq!(second.text.matches("<article>").count(), 1);
        assert!(!second.text.contains(r#"rel="next""#));

        let none = app.request(Method::GET, "/marketplace?q=zzzz", None, None).await;
        assert_eq!(none.status, StatusCode::OK);
        assert!(none.text.contains("No public agent matches."));
        let bad = app.request(Method::GET, "/marketplace?cursor=not-a-cursor", None, None).await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST);
        assert!(bad.text.contains(r#"<p class="error" role="alert">"#), "{}", bad.text);
    }

    async fn an_agent_page_shows_its_did_card_and_how_to_call_it_and_is_404_when_private(app, "--marketplace-enabled", "true") {
        let admin = app.admin_token().await;
        let agent = app.create_agent(&admin, json!({"isPublic": true, "name": "Forecaster",
            "description": "Seven-day forecasts", "capabilities": ["weather:forecast"],
            "endpointUrl": "https://meteo.example.com/a2a",
            "skills": [{"id": "forecast", "name": "Forecast", "description": "A {{card}} 7-day forecast", "tags": ["meteorology"], "examples": ["Rain in Oslo?"]}]})).await;
        let id = agent["agentId"].as_str().unwrap();
        let path = format!("/marketplace/agents/{id}");
        let r = app.request(Method::GET, &path, None, None).await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(r.text.contains("<h1>Forecaster</h1>"));
        assert!(r.text.contains(r#"<code id="did">did:web:"#) && r.text.contains(&format!(":agents:{id}</code>")));
        assert!(r.text.contains("A {{card}} 7-day forecast"), "a value is never filled as a placeholder");
        assert!(r.text.contains("Rain in Oslo?"));
        assert!(r.text.contains(r#"&quot;signatures&quot;"#), "the signed card is shown");
        assert!(r.text.contains("/oauth2/token") && r.text.contains("https://meteo.example.com/a2a"));
        assert!(r.text.contains(r#"data-copy="did""#) && r.text.contains("/portal/assets/common.js"));

        app.request(Method::PATCH, &format!("/v1/agents/{id}"), Some(&admin), Some(json!({"isPublic": false}))).await.expect(StatusCode::OK);
        let private = app.request(Method::GET, &path, None, None).await;
        assert_eq!(private.status, StatusCode::NOT_FOUND);
        assert!(private.text.contains("Not in the marketplace"));
        let malformed = app.request(Method::GET, "/marketplace/agents/not-a-uuid", None, None).await;
        assert_eq!(malformed.status, StatusCode::NOT_FOUND);
    }
}
