//! Bearer authentication of `/v1`: forged, expired, foreign and under-scoped tokens.

use agentidp::domain::keys::{Algorithm, SigningKey};
use aws_lc_rs::hmac;
use axum::http::{Method, StatusCode};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use serde_json::{Value, json};

use crate::helpers::{ISSUER, TestApp, backend_tests, decode_jwt};

/// Claims like the server's, with `changes` applied.
fn claims(template: &str, changes: Value) -> Value {
    let mut c = decode_jwt(template).1;
    c["exp"] = json!(chrono::Utc::now().timestamp() + 600);
    if let (Some(map), Value::Object(extra)) = (c.as_object_mut(), changes) {
        map.extend(extra);
    }
    c
}

/// Signs `claims` with the server's own active key (a token only the server could mint).
fn server_signed(app: &TestApp, claims: &Value) -> String {
    app.state
        .idp
        .keys
        .current()
        .active
        .sign_jws(claims.to_string().as_bytes())
        .unwrap()
}

async fn expect_invalid(app: &TestApp, token: &str, why: &str) {
    let r = app
        .request(Method::GET, "/v1/agents", Some(token), None)
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{why}: {}", r.text);
    assert_eq!(r.body["code"], "INVALID_TOKEN", "{why}");
    assert_eq!(
        r.header("www-authenticate"),
        r#"Bearer error="invalid_token""#,
        "{why}"
    );
}

backend_tests! {
    async fn missing_and_malformed_tokens_are_rejected(app) {
        let r = app.request(Method::GET, "/v1/agents", None, None).await;
        r.expect_error(StatusCode::UNAUTHORIZED, "INVALID_TOKEN");
        for token in ["", "abc", "a.b.c", "a.b.c.d", "eyJhbGciOiJFUzI1NiJ9.e30.AAAA"] {
            expect_invalid(&app, token, token).await;
        }
    }

    async fn forged_algorithms_and_unknown_keys_are_rejected(app) {
        let real = app.admin_token().await;
        let (header, _) = decode_jwt(&real);
        let body = B64.encode(claims(&real, json!({})).to_string());

        let none_header = B64.encode(json!({"alg": "none", "typ": "at+jwt", "kid": header["kid"]}).to_string());
        expect_invalid(&app, &format!("{none_header}.{body}."), "alg none").await;

        let jwks = app.request(Method::GET, "/.well-known/jwks.json", None, None).await.body;
        let hs_header = B64.encode(json!({"alg": "HS256", "typ": "at+jwt", "kid": header["kid"]}).to_string());
        let signing_input = format!("{hs_header}.{body}");
        let key = hmac::Key::new(hmac::HMAC_SHA256, jwks["keys"][0].to_string().as_bytes());
        let tag = B64.encode(hmac::sign(&key, signing_input.as_bytes()));
        expect_invalid(&app, &format!("{signing_input}.{tag}"), "HS256 with the public key").await;

        let (stranger, _) = SigningKey::generate(Algorithm::Es256).unwrap();
        let forged = stranger.sign_jws(claims(&real, json!({})).to_string().as_bytes()).unwrap();
        expect_invalid(&app, &forged, "unknown kid").await;

        let (ed, _) = SigningKey::generate(Algorithm::EdDsa).unwrap();
        let mixed = ed.sign_jws(b"{}").unwrap();
        let ed_sig = mixed.rsplit('.').next().unwrap();
        let swapped_header = B64.encode(json!({"alg": "EdDSA", "typ": "at+jwt", "kid": header["kid"]}).to_string());
        expect_invalid(&app, &format!("{swapped_header}.{body}.{ed_sig}"), "alg differing from the key's").await;

        let mut parts: Vec<&str> = real.split('.').collect();
        let tampered = B64.encode(claims(&real, json!({"scope": "everything"})).to_string());
        parts[1] = &tampered;
        expect_invalid(&app, &parts.join("."), "tampered payload").await;
    }

    async fn expired_foreign_and_misdirected_tokens_are_rejected(app) {
        let real = app.admin_token().await;
        let now = chrono::Utc::now().timestamp();
        let cases = [
            (json!({"exp": now - 1}), "expired"),
            (json!({"iss": "https://evil.example"}), "wrong issuer"),
            (json!({"aud": "https://elsewhere.example"}), "wrong audience"),
            (json!({"sub": uuid::Uuid::now_v7().to_string()}), "unknown subject"),
            (json!({"tenant_id": uuid::Uuid::now_v7().to_string()}), "wrong tenant"),
        ];
        for (change, why) in cases {
            let token = server_signed(&app, &claims(&real, change));
            expect_invalid(&app, &token, why).await;
        }
        let ok = server_signed(&app, &claims(&real, json!({"aud": [ISSUER, "other"]})));
        app.request(Method::GET, "/v1/agents", Some(&ok), None).await.expect(StatusCode::OK);
    }

    async fn a_validly_signed_token_naming_no_known_tenant_opens_no_audit_chain(app) {
        let real = app.admin_token().await;
        let made_up = uuid::Uuid::now_v7().to_string();
        let token = server_signed(&app, &claims(&real, json!({"tenant_id": made_up})));
        expect_invalid(&app, &token, "unknown tenant").await;
        let chains = app.state.idp.db.audit_chains().await.unwrap();
        assert!(chains.iter().all(|t| t.to_string() != made_up), "a chain was opened for {made_up}: {chains:?}");
        // The refusal is still on record, in the system chain, with what the token claimed.
        let system = agentidp::domain::audit::SYSTEM_TENANT;
        let page = app.state.idp.db.chain_page(system, 0, 1000).await.unwrap();
        let refused = page.iter().any(|e| e.event.metadata.get("claimedTenant").and_then(|v| v.as_str()) == Some(made_up.as_str()));
        assert!(refused, "the refusal is in the system chain");
    }

    async fn a_token_without_the_route_scope_is_forbidden(app) {
        let admin = app.admin_token().await;
        let (id, secret) = app.agent_with_secret(&admin, json!({"allowedScopes": ["agents:read"]})).await;
        let reader = app.token(&id, &secret, &[]).await;
        app.request(Method::GET, "/v1/agents", Some(&reader), None).await.expect(StatusCode::OK);
        let r = app.request(Method::POST, "/v1/agents", Some(&reader), Some(crate::helpers::agent_body(json!({})))).await;
        assert_eq!(r.expect_error(StatusCode::FORBIDDEN, "INSUFFICIENT_SCOPE")["details"]["requiredScope"], "agents:write");
        assert!(r.header("www-authenticate").contains("insufficient_scope"));
        app.request(Method::GET, &format!("/v1/agents/{id}/credentials"), Some(&reader), None).await
            .expect_error(StatusCode::FORBIDDEN, "INSUFFICIENT_SCOPE");
        app.request(Method::POST, &format!("/v1/agents/{id}/credentials"), Some(&reader), None).await
            .expect_error(StatusCode::FORBIDDEN, "INSUFFICIENT_SCOPE");
        app.request(Method::DELETE, &format!("/v1/agents/{id}"), Some(&reader), None).await
            .expect_error(StatusCode::FORBIDDEN, "INSUFFICIENT_SCOPE");
    }
}
