//! Workload token exchange against a real local OIDC issuer (an HTTP server on port 0 that
//! publishes discovery and JWKS documents and mints GitHub-shaped tokens): the right token is
//! granted, every mismatch and every bad token refused, a replay refused on two nodes.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use aws_lc_rs::signature::{Ed25519KeyPair, KeyPair as _};
use axum::http::{Method, StatusCode};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, decode_jwt};

/// The issuer's signing keys, by `kid`.
type Keys = Arc<Mutex<Vec<(String, Arc<Ed25519KeyPair>)>>>;

/// A local OIDC issuer: its URL, keys (by `kid`) and how often its JWKS was fetched.
struct Issuer {
    url: String,
    keys: Keys,
    fetches: Arc<AtomicUsize>,
}

impl Issuer {
    async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let keys: Keys = Arc::default();
        let fetches = Arc::new(AtomicUsize::new(0));
        let (discovery_url, jwks_keys, counter) = (url.clone(), keys.clone(), fetches.clone());
        let app = axum::Router::new()
            .route(
                "/.well-known/openid-configuration",
                axum::routing::get(move || {
                    let issuer = discovery_url.clone();
                    async move {
                        axum::Json(json!({"issuer": issuer, "jwks_uri": format!("{issuer}/jwks")}))
                    }
                }),
            )
            .route(
                "/jwks",
                axum::routing::get(move || {
                    counter.fetch_add(1, Ordering::SeqCst);
                    let keys: Vec<Value> = jwks_keys.lock().unwrap().iter().map(|(kid, k)| json!({
                        "kty": "OKP", "crv": "Ed25519", "alg": "EdDSA", "use": "sig", "kid": kid,
                        "x": B64.encode(k.public_key().as_ref()),
                    })).collect();
                    async move { axum::Json(json!({ "keys": keys })) }
                }),
            );
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        let issuer = Self { url, keys, fetches };
        issuer.add_key("k1");
        issuer
    }

    fn add_key(&self, kid: &str) -> Arc<Ed25519KeyPair> {
        let key = Arc::new(Ed25519KeyPair::generate().unwrap());
        self.keys
            .lock()
            .unwrap()
            .push((kid.to_owned(), key.clone()));
        key
    }

    fn key(&self, kid: &str) -> Arc<Ed25519KeyPair> {
        self.keys
            .lock()
            .unwrap()
            .iter()
            .find(|(k, _)| k == kid)
            .unwrap()
            .1
            .clone()
    }

    /// A GitHub-shaped token for `audience`, changed by `overrides`, signed with key `k1`.
    fn token(&self, audience: &str, overrides: Value) -> String {
        let now = chrono::Utc::now().timestamp();
        let mut claims = json!({
            "iss": self.url, "aud": audience, "sub": "repo:acme/api:ref:refs/heads/main",
            "repository": "acme/api", "repository_id": "123456", "repository_owner_id": "42",
            "ref": "refs/heads/main", "event_name": "push", "workflow": "deploy", "run_id": "987",
            "iat": now, "nbf": now, "exp": now + 300, "jti": uuid::Uuid::now_v7().to_string(),
        });
        for (k, v) in overrides.as_object().unwrap() {
            claims[k] = v.clone();
        }
        sign(
            &json!({"alg": "EdDSA", "kid": "k1", "typ": "JWT"}),
            &claims,
            &self.key("k1"),
        )
    }
}

fn sign(header: &Value, claims: &Value, key: &Ed25519KeyPair) -> String {
    let b64 = |v: &Value| B64.encode(serde_json::to_vec(v).unwrap());
    let input = format!("{}.{}", b64(header), b64(claims));
    format!(
        "{input}.{}",
        B64.encode(key.sign(input.as_bytes()).as_ref())
    )
}

/// An app trusting `issuer` over http, an agent, and a GitHub-style policy for it pinning
/// the repository id, the branch and `push` events.
async fn setup(backend: Backend, issuer: &Issuer) -> Option<(TestApp, String)> {
    let app = TestApp::spawn(backend, &["--federation-insecure-issuers", &issuer.url]).await?;
    let admin = app.admin_token().await;
    let agent = app
        .create_agent(
            &admin,
            json!({"allowedScopes": ["deploy:write", "deploy:read"]}),
        )
        .await;
    let agent = agent["agentId"].as_str().unwrap().to_owned();
    let policy = json!({
        "agentId": agent, "issuer": issuer.url, "audience": "https://idp.example.com",
        "claims": {"repository_id": "123456", "ref": "refs/heads/main", "event_name": ["push", "workflow_dispatch"]},
        "scopes": ["deploy:write"], "maxTokenTtlSeconds": 600,
    });
    app.request(
        Method::POST,
        "/v1/oidc/trust-policies",
        Some(&admin),
        Some(policy),
    )
    .await
    .expect(StatusCode::CREATED);
    Some((app, agent))
}

async fn exchange(app: &TestApp, token: &str) -> crate::helpers::TestResponse {
    app.request(
        Method::POST,
        "/oidc/token",
        None,
        Some(json!({ "token": token })),
    )
    .await
}

const AUD: &str = "https://idp.example.com";

macro_rules! both_backends {
    ($(async fn $name:ident($backend:ident) $body:block)*) => {
        mod sqlite { use super::*; $( #[tokio::test] async fn $name() { let $backend = Backend::Sqlite; $body } )* }
        mod postgres { use super::*; $( #[tokio::test] async fn $name() { let $backend = Backend::Postgres; $body } )* }
    };
}

both_backends! {
    async fn a_matching_workload_gets_the_agents_token_with_who_it_is(backend) {
        let issuer = Issuer::start().await;
        let Some((app, agent)) = setup(backend, &issuer).await else { return };
        let r = exchange(&app, &issuer.token(AUD, json!({}))).await;
        let body = r.expect(StatusCode::OK).clone();
        assert_eq!(body["issued_token_type"], "urn:ietf:params:oauth:token-type:access_token");
        assert_eq!(body["token_type"], "Bearer");
        assert_eq!(body["scope"], "deploy:write");
        assert!(body["expires_in"].as_i64().unwrap() <= 600);
        let (_, claims) = decode_jwt(body["access_token"].as_str().unwrap());
        assert_eq!(claims["sub"], agent.as_str());
        assert_eq!(claims["federated"]["iss"], issuer.url.as_str());
        assert_eq!(claims["federated"]["repository"], "acme/api");
        assert_eq!(claims["federated"]["run_id"], "987");
        // RFC 8693 at the token endpoint, naming the agent with client_id and a narrower scope.
        let form = [
            ("grant_type", "urn:ietf:params:oauth:grant-type:token-exchange"),
            ("subject_token_type", "urn:ietf:params:oauth:token-type:id_token"),
            ("client_id", agent.as_str()),
            ("scope", "deploy:write"),
        ];
        let token = issuer.token(AUD, json!({}));
        let mut pairs = form.to_vec();
        pairs.push(("subject_token", token.as_str()));
        let r = app.form("/oauth2/token", None, &pairs).await;
        assert_eq!(r.expect(StatusCode::OK)["issued_token_type"], "urn:ietf:params:oauth:token-type:access_token");
        let events = app.request(Method::GET, &format!("/v1/audit/events?action=token.issued&agentId={agent}"), Some(&app.admin_token().await), None).await;
        let events = events.expect(StatusCode::OK)["data"].as_array().unwrap().clone();
        assert_eq!(events.len(), 2);
        assert_eq!(events[0]["metadata"]["federated"]["repository_id"], "123456");
        assert_eq!(issuer.fetches.load(Ordering::SeqCst), 1, "the issuer's keys are cached");
    }

    async fn every_claim_mismatch_is_refused_naming_the_claims_only(backend) {
        let issuer = Issuer::start().await;
        let Some((app, _)) = setup(backend, &issuer).await else { return };
        for (overrides, claims) in [
            (json!({"aud": "https://elsewhere.example.com"}), vec!["aud"]),
            (json!({"repository_id": "999", "repository": "acme/api"}), vec!["repository_id"]),
            (json!({"event_name": "pull_request", "ref": "refs/pull/7/merge"}), vec!["event_name", "ref"]),
            (json!({"ref": "refs/heads/dev"}), vec!["ref"]),
        ] {
            let r = exchange(&app, &issuer.token(AUD, overrides.clone())).await;
            let e = r.expect_error(StatusCode::FORBIDDEN, "TRUST_POLICY_MISMATCH");
            assert_eq!(e["details"]["claims"], json!(claims), "{overrides}");
            assert!(!e["message"].as_str().unwrap().contains("123456"), "never the expected values");
        }
        let admin = app.admin_token().await;
        let refused = app.request(Method::GET, "/v1/audit/events?action=auth.failed", Some(&admin), None).await;
        let refused = refused.expect(StatusCode::OK)["data"].as_array().unwrap().clone();
        assert_eq!(refused.len(), 4, "every refusal is in the tenant's chain");
        assert_eq!(refused[0]["metadata"]["method"], "token_exchange");
        assert_eq!(refused[0]["metadata"]["workload"]["repository"], "acme/api");
    }

    async fn bad_tokens_are_refused_expired_replayed_unsigned_hmac_and_unknown_keys(backend) {
        let issuer = Issuer::start().await;
        let Some((app, _)) = setup(backend, &issuer).await else { return };
        let now = chrono::Utc::now().timestamp();
        let expired = issuer.token(AUD, json!({"exp": now - 120, "iat": now - 600, "nbf": now - 600}));
        exchange(&app, &expired).await.expect_error(StatusCode::BAD_REQUEST, "INVALID_SUBJECT_TOKEN");

        let good = issuer.token(AUD, json!({}));
        exchange(&app, &good).await.expect(StatusCode::OK);
        let replay = exchange(&app, &good).await;
        assert!(replay.expect_error(StatusCode::BAD_REQUEST, "INVALID_SUBJECT_TOKEN")["message"].as_str().unwrap().contains("already"));

        let claims = decode_jwt(&issuer.token(AUD, json!({}))).1;
        let b64 = |v: &Value| B64.encode(serde_json::to_vec(v).unwrap());
        let none = format!("{}.{}.", b64(&json!({"alg": "none"})), b64(&claims));
        exchange(&app, &none).await.expect_error(StatusCode::BAD_REQUEST, "INVALID_SUBJECT_TOKEN");
        let hmac = format!("{}.{}.{}", b64(&json!({"alg": "HS256", "kid": "k1"})), b64(&claims), B64.encode([7u8; 32]));
        exchange(&app, &hmac).await.expect_error(StatusCode::BAD_REQUEST, "INVALID_SUBJECT_TOKEN");

        // A key the issuer never published, under a kid it does not know: refused, and the
        // issuer, fetched moments ago, is not fetched again for it.
        let before = issuer.fetches.load(Ordering::SeqCst);
        let stranger = Ed25519KeyPair::generate().unwrap();
        let forged = sign(&json!({"alg": "EdDSA", "kid": "k9"}), &decode_jwt(&issuer.token(AUD, json!({}))).1, &stranger);
        exchange(&app, &forged).await.expect_error(StatusCode::BAD_REQUEST, "INVALID_SUBJECT_TOKEN");
        let forged_again = sign(&json!({"alg": "EdDSA", "kid": "k9"}), &decode_jwt(&issuer.token(AUD, json!({}))).1, &stranger);
        exchange(&app, &forged_again).await.expect_error(StatusCode::BAD_REQUEST, "INVALID_SUBJECT_TOKEN");
        assert_eq!(issuer.fetches.load(Ordering::SeqCst), before, "an unknown kid refetches at most once a minute");
        // Claims changed under a genuine signature.
        let genuine = issuer.token(AUD, json!({}));
        let parts: Vec<&str> = genuine.split('.').collect();
        let mut changed = decode_jwt(&genuine).1;
        changed["repository_id"] = json!("123456");
        changed["sub"] = json!("repo:evil/api:ref:refs/heads/main");
        let tampered = format!("{}.{}.{}", parts[0], b64(&changed), parts[2]);
        exchange(&app, &tampered).await.expect_error(StatusCode::BAD_REQUEST, "INVALID_SUBJECT_TOKEN");

        let unknown_issuer = sign(&json!({"alg": "EdDSA", "kid": "k1"}),
            &json!({"iss": "https://unknown.example.com", "aud": AUD, "exp": now + 60, "jti": "x"}), &issuer.key("k1"));
        let e = exchange(&app, &unknown_issuer).await;
        assert_eq!(e.expect_error(StatusCode::FORBIDDEN, "TRUST_POLICY_MISMATCH")["details"]["claims"], json!(["iss"]));
        assert_eq!(issuer.fetches.load(Ordering::SeqCst), before, "no fetch for an issuer no policy names");
    }

    async fn two_nodes_refuse_the_same_replayed_token(backend) {
        let issuer = Issuer::start().await;
        let Some((app, _)) = setup(backend, &issuer).await else { return };
        let node2 = app.another_node(&["--federation-insecure-issuers", &issuer.url]).await;
        let token = issuer.token(AUD, json!({}));
        exchange(&app, &token).await.expect(StatusCode::OK);
        exchange(&node2, &token).await.expect_error(StatusCode::BAD_REQUEST, "INVALID_SUBJECT_TOKEN");
    }

    async fn the_token_lives_no_longer_than_the_policy_and_the_subject_token_allow(backend) {
        let issuer = Issuer::start().await;
        let Some((app, agent)) = setup(backend, &issuer).await else { return };
        let now = chrono::Utc::now().timestamp();
        let short = exchange(&app, &issuer.token(AUD, json!({"exp": now + 90}))).await;
        let lifetime = short.expect(StatusCode::OK)["expires_in"].as_i64().unwrap();
        assert!((80..=90).contains(&lifetime), "{lifetime}");
        let wider = app.request(Method::POST, "/oidc/token", None, Some(json!({
            "token": issuer.token(AUD, json!({})), "scope": "deploy:read"}))).await;
        wider.expect_error(StatusCode::BAD_REQUEST, "SCOPE_NOT_ALLOWED");
        let named = app.request(Method::POST, "/oidc/token", None, Some(json!({
            "token": issuer.token(AUD, json!({})), "agentId": uuid::Uuid::now_v7()}))).await;
        named.expect_error(StatusCode::FORBIDDEN, "TRUST_POLICY_MISMATCH");
        let admin = app.admin_token().await;
        app.request(Method::PATCH, &format!("/v1/agents/{agent}"), Some(&admin), Some(json!({"status": "suspended"}))).await.expect(StatusCode::OK);
        exchange(&app, &issuer.token(AUD, json!({}))).await.expect_error(StatusCode::CONFLICT, "AGENT_NOT_ACTIVE");
    }
}
