//! The portal pages through the router: served from the binary, under a CSP without
//! `unsafe-inline`, with the running configuration's limits; the browser flows themselves are
//! in tests/e2e.

use axum::http::{Method, StatusCode};

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
}
