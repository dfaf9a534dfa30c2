//! The resource-server guard: real tokens from a real server, forged ones from a stand-in
//! issuer, and the tower layer's answers.

#![expect(clippy::unwrap_used, reason = "tests fail loudly")]

mod support {
    pub mod issuer;
    pub mod server;
}

use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use axum::routing::get;
use http_body_util::BodyExt;
use sentryagent_sdk::guard::{Algorithm, Guard, GuardError, VerifiedToken};
use sentryagent_sdk::models::{DeploymentEnv, NewAgent, TokenRequest};
use sentryagent_sdk::{Client, ExposeSecret};
use serde_json::json;
use support::issuer::{Issuer, TestKey};
use support::server::TestServer;
use tower::ServiceExt;

const AUDIENCE: &str = "https://weather.example";

/// A real server signing with `alg`, and a token for an agent allowed `weather:read`,
/// requested for `resource`.
async fn server_token(alg: &str, resource: Option<&str>) -> (TestServer, String, String) {
    let server = TestServer::start(&["--jwt-algorithm", alg]).await;
    let admin = Client::builder(&server.url)
        .client_credentials(&server.admin_id, server.admin_secret.clone())
        .build()
        .unwrap();
    let agent = NewAgent {
        allowed_scopes: vec!["weather:read".into(), "weather:write".into()],
        ..NewAgent::new(
            "bot@example.com",
            "bot",
            "retrieval",
            "1.0.0",
            "team",
            DeploymentEnv::Staging,
        )
    };
    let agent = admin.create_agent(&agent).await.unwrap();
    let credential = admin.create_credential(agent.agent_id, None).await.unwrap();
    let request = TokenRequest {
        scope: Some("weather:read".into()),
        resource: resource.map(Into::into),
        ..TokenRequest::default()
    };
    let token = admin
        .issue_token(
            &agent.agent_id.to_string(),
            &credential.client_secret,
            &request,
        )
        .await
        .unwrap();
    let secret = token.access_token.expose_secret().to_owned();
    (server, agent.agent_id.to_string(), secret)
}

#[tokio::test]
async fn valid_tokens_of_every_algorithm_the_server_signs_with_verify_offline() {
    for alg in ["RS256", "ES256", "EdDSA"] {
        let (server, agent_id, token) = server_token(alg, Some(AUDIENCE)).await;
        let guard = Guard::builder(&server.url, AUDIENCE).build().unwrap();
        let verified = guard
            .verify(&token)
            .await
            .unwrap_or_else(|e| panic!("{alg}: {e}"));
        assert_eq!(verified.agent_id(), agent_id);
        assert!(verified.has_scope("weather:read") && !verified.has_scope("weather:write"));
        assert_eq!(guard.jwks_fetch_count(), 1);
        guard.verify(&token).await.unwrap();
        assert_eq!(guard.jwks_fetch_count(), 1, "{alg}: keys are cached");
    }
}

#[tokio::test]
async fn a_token_for_another_audience_is_refused() {
    let (server, _, other) = server_token("ES256", Some("https://billing.example")).await;
    let guard = Guard::builder(&server.url, AUDIENCE).build().unwrap();
    assert_eq!(
        guard.verify(&other).await.unwrap_err(),
        GuardError::WrongAudience
    );
    let wrong_issuer = Guard::builder("http://idp.elsewhere", "https://billing.example")
        .jwks_url(format!("{}/.well-known/jwks.json", server.url))
        .build()
        .unwrap();
    assert_eq!(
        wrong_issuer.verify(&other).await.unwrap_err(),
        GuardError::WrongIssuer
    );
}

#[tokio::test]
async fn expired_and_not_yet_valid_tokens_are_refused_beyond_the_leeway() {
    let key = TestKey::new("k1");
    let issuer = Issuer::start(&[&key]).await;
    let guard = Guard::builder(&issuer.url, AUDIENCE)
        .leeway(Duration::from_secs(30))
        .build()
        .unwrap();
    let now = chrono::Utc::now().timestamp();
    let expired = key.token(
        &issuer.url,
        AUDIENCE,
        json!({"exp": now - 31, "iat": now - 400}),
    );
    assert_eq!(
        guard.verify(&expired).await.unwrap_err(),
        GuardError::Expired
    );
    let within_leeway = key.token(
        &issuer.url,
        AUDIENCE,
        json!({"exp": now - 5, "iat": now - 400}),
    );
    guard.verify(&within_leeway).await.unwrap();
    let future = key.token(&issuer.url, AUDIENCE, json!({"nbf": now + 120}));
    assert_eq!(
        guard.verify(&future).await.unwrap_err(),
        GuardError::NotYetValid
    );
}

#[tokio::test]
async fn algorithm_confusion_and_unsigned_tokens_are_refused() {
    let key = TestKey::new("k1");
    let issuer = Issuer::start(&[&key]).await;
    let guard = Guard::builder(&issuer.url, AUDIENCE).build().unwrap();
    let good = key.token(&issuer.url, AUDIENCE, json!({}));
    let (_, rest) = good.split_once('.').unwrap();
    let with_header = |h: serde_json::Value| {
        use base64::Engine;
        format!(
            "{}.{rest}",
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(h.to_string())
        )
    };
    for alg in ["none", "HS256", "RS256", "EdDSA"] {
        let forged = with_header(json!({"alg": alg, "typ": "at+jwt", "kid": "k1"}));
        assert_eq!(
            guard.verify(&forged).await.unwrap_err(),
            GuardError::AlgorithmRejected(alg.into()),
            "{alg} on an ES256 key"
        );
    }
    let pinned = Guard::builder(&issuer.url, AUDIENCE)
        .algorithms(&[Algorithm::Rs256])
        .build()
        .unwrap();
    assert_eq!(
        pinned.verify(&good).await.unwrap_err(),
        GuardError::AlgorithmRejected("ES256".into())
    );
    let id_token = with_header(json!({"alg": "ES256", "typ": "JWT", "kid": "k1"}));
    assert_eq!(
        guard.verify(&id_token).await.unwrap_err(),
        GuardError::WrongType
    );
}

#[tokio::test]
async fn tampered_and_malformed_tokens_are_refused() {
    let key = TestKey::new("k1");
    let issuer = Issuer::start(&[&key]).await;
    let guard = Guard::builder(&issuer.url, AUDIENCE).build().unwrap();
    let good = key.token(&issuer.url, AUDIENCE, json!({}));
    let parts: Vec<&str> = good.split('.').collect();
    let other_claims = key.token(&issuer.url, AUDIENCE, json!({"scope": "weather:write"}));
    let swapped = format!(
        "{}.{}.{}",
        parts[0],
        other_claims.split('.').nth(1).unwrap(),
        parts[2]
    );
    assert_eq!(
        guard.verify(&swapped).await.unwrap_err(),
        GuardError::BadSignature
    );
    for junk in ["", "abc", "a.b", "a.b.c.d", "!!.??.**"] {
        assert!(
            matches!(
                guard.verify(junk).await.unwrap_err(),
                GuardError::Malformed(_)
            ),
            "{junk:?}"
        );
    }
}

#[tokio::test]
async fn an_unknown_kid_refreshes_the_jwks_at_most_once_per_cooldown() {
    let current = TestKey::new("current");
    let issuer = Issuer::start(&[&current]).await;
    let guard = Guard::builder(&issuer.url, AUDIENCE)
        .jwks_refresh_cooldown(Duration::from_millis(300))
        .build()
        .unwrap();
    guard
        .verify(&current.token(&issuer.url, AUDIENCE, json!({})))
        .await
        .unwrap();
    assert_eq!(issuer.fetches(), 1);

    let stranger = TestKey::new("stranger");
    let forged = stranger.token(&issuer.url, AUDIENCE, json!({}));
    for _ in 0..50 {
        assert_eq!(
            guard.verify(&forged).await.unwrap_err(),
            GuardError::UnknownKey("stranger".into())
        );
    }
    assert_eq!(issuer.fetches(), 1, "no refetch within the cooldown");

    // After a rotation the issuer publishes the new key; once the cooldown has passed, the
    // first token signed with it refreshes the set and verifies.
    let next = TestKey::new("next");
    issuer.publish(&next);
    tokio::time::sleep(Duration::from_millis(350)).await;
    guard
        .verify(&next.token(&issuer.url, AUDIENCE, json!({})))
        .await
        .unwrap();
    assert_eq!(issuer.fetches(), 2);
    assert_eq!(
        guard.verify(&forged).await.unwrap_err(),
        GuardError::UnknownKey("stranger".into())
    );
    assert_eq!(issuer.fetches(), 2);
}

#[tokio::test]
async fn an_unreachable_jwks_is_reported_as_unavailable() {
    let key = TestKey::new("k1");
    let guard = Guard::builder("http://127.0.0.1:9", AUDIENCE)
        .build()
        .unwrap();
    let token = key.token("http://127.0.0.1:9", AUDIENCE, json!({}));
    assert!(matches!(
        guard.verify(&token).await.unwrap_err(),
        GuardError::JwksUnavailable(_)
    ));
}

#[tokio::test]
async fn a_delegated_token_exposes_its_chain_of_actors() {
    let server = TestServer::start(&[]).await;
    let admin = Client::builder(&server.url)
        .client_credentials(&server.admin_id, server.admin_secret.clone())
        .build()
        .unwrap();
    let agent = |name: &str, actors: Vec<String>| NewAgent {
        allowed_scopes: vec!["weather:read".into()],
        allowed_actors: actors,
        ..NewAgent::new(
            format!("{name}@example.com"),
            name,
            "retrieval",
            "1.0.0",
            "team",
            DeploymentEnv::Staging,
        )
    };
    let mut tokens = Vec::new();
    let worker = admin.create_agent(&agent("worker", vec![])).await.unwrap();
    let orchestrator = admin
        .create_agent(&agent("orchestrator", vec![worker.agent_id.to_string()]))
        .await
        .unwrap();
    for id in [orchestrator.agent_id, worker.agent_id] {
        let credential = admin.create_credential(id, None).await.unwrap();
        let issued = admin
            .issue_token(
                &id.to_string(),
                &credential.client_secret,
                &TokenRequest::default(),
            )
            .await
            .unwrap();
        tokens.push(issued.access_token);
    }
    let request = TokenRequest {
        audience: Some(AUDIENCE.into()),
        ..TokenRequest::default()
    };
    let delegated = admin
        .delegate_token(&tokens[0], &tokens[1], &request, Some(120))
        .await
        .unwrap();
    assert_eq!(delegated.expires_in, 120);
    let guard = Guard::builder(&server.url, AUDIENCE).build().unwrap();
    let verified = guard
        .verify(delegated.access_token.expose_secret())
        .await
        .unwrap();
    let worker_id = worker.agent_id.to_string();
    assert_eq!(verified.agent_id(), orchestrator.agent_id.to_string());
    assert_eq!(verified.actor(), Some(worker_id.as_str()));
    assert_eq!(verified.delegation_chain(), [worker_id.as_str()]);
}

async fn whoami(token: VerifiedToken) -> String {
    token.agent_id().to_owned()
}

#[tokio::test]
async fn the_layer_admits_valid_tokens_and_answers_refusals_as_rfc_6750_says() {
    let (server, agent_id, token) = server_token("ES256", Some(AUDIENCE)).await;
    let guard = Guard::builder(&server.url, AUDIENCE).build().unwrap();
    guard.prefetch().await.unwrap();
    let app = Router::new()
        .route(
            "/read",
            get(whoami).layer(guard.layer().require_scopes(["weather:read"])),
        )
        .route(
            "/write",
            get(whoami).layer(guard.layer().require_scopes(["weather:write"])),
        );
    let call = |path: &str, auth: Option<String>| {
        let mut req = Request::get(path);
        if let Some(a) = auth {
            req = req.header(header::AUTHORIZATION, a);
        }
        app.clone().oneshot(req.body(Body::empty()).unwrap())
    };

    let ok = call("/read", Some(format!("Bearer {token}")))
        .await
        .unwrap();
    assert_eq!(ok.status(), StatusCode::OK);
    let body = ok.into_body().collect().await.unwrap().to_bytes();
    assert_eq!(body, agent_id.as_bytes());

    let missing = call("/read", None).await.unwrap();
    assert_eq!(missing.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(missing.headers()[header::WWW_AUTHENTICATE], "Bearer");

    let bad = call("/read", Some("Bearer not.a.token".into()))
        .await
        .unwrap();
    assert_eq!(bad.status(), StatusCode::UNAUTHORIZED);
    let challenge = bad.headers()[header::WWW_AUTHENTICATE].to_str().unwrap();
    assert!(
        challenge.starts_with(r#"Bearer error="invalid_token""#),
        "{challenge}"
    );

    use base64::Engine;
    let evil_header = json!({"alg": "ES256", "typ": "at+jwt", "kid": "evil\"kid"}).to_string();
    let (_, rest) = token.split_once('.').unwrap();
    let evil = format!(
        "{}.{rest}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(evil_header)
    );
    let unknown = call("/read", Some(format!("Bearer {evil}"))).await.unwrap();
    assert_eq!(unknown.status(), StatusCode::UNAUTHORIZED);
    let challenge = unknown.headers()[header::WWW_AUTHENTICATE]
        .to_str()
        .unwrap();
    assert!(
        challenge.ends_with(r#"error_description="unknown signing key evil'kid""#),
        "{challenge}"
    );

    let scope = call("/write", Some(format!("Bearer {token}")))
        .await
        .unwrap();
    assert_eq!(scope.status(), StatusCode::FORBIDDEN);
    let challenge = scope.headers()[header::WWW_AUTHENTICATE].to_str().unwrap();
    assert_eq!(
        challenge,
        r#"Bearer error="insufficient_scope", scope="weather:write""#
    );
}
