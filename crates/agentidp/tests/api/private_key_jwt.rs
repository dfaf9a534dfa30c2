//! Public-key credentials and `private_key_jwt` client authentication (RFC 7523 §2.2):
//! registration, assertions and every refusal, rotation, revocation, replay across nodes.

use axum::http::{Method, StatusCode};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use serde_json::{Value, json};

use agentidp::domain::keys::{Algorithm, SigningKey};

use crate::common_redis::redis_url;
use crate::helpers::{ISSUER, TestApp, backend_tests, decode_jwt};

const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

fn now() -> i64 {
    agentidp::domain::time::Timestamp::now().unix_seconds()
}

/// An assertion by `key` for `client` with the standard claims, `changes` applied on top.
fn assertion(key: &SigningKey, client: &str, changes: Value) -> String {
    let mut claims = json!({
        "iss": client, "sub": client, "aud": format!("{ISSUER}/oauth2/token"),
        "exp": now() + 60, "iat": now(), "jti": uuid::Uuid::now_v7().to_string(),
    });
    for (k, v) in changes.as_object().unwrap() {
        claims[k] = v.clone();
    }
    key.sign_jws(claims.to_string().as_bytes()).unwrap()
}

/// Registers `key` as a public-key credential of `agent`; returns the credential.
async fn register(app: &TestApp, admin: &str, agent: &str, key: &SigningKey) -> Value {
    let body = json!({"type": "public_key", "jwk": key.jwk()});
    let r = app
        .request(
            Method::POST,
            &format!("/v1/agents/{agent}/credentials"),
            Some(admin),
            Some(body),
        )
        .await;
    r.expect(StatusCode::CREATED).clone()
}

async fn token_by_assertion(app: &TestApp, assertion: &str) -> crate::helpers::TestResponse {
    let pairs = [
        ("grant_type", "client_credentials"),
        ("client_assertion_type", ASSERTION_TYPE),
        ("client_assertion", assertion),
    ];
    app.form("/oauth2/token", None, &pairs).await
}

/// An agent with a registered key of `alg`: (agent id, signing key, credential id).
async fn keyed_agent(app: &TestApp, admin: &str, alg: Algorithm) -> (String, SigningKey, String) {
    let agent = app
        .create_agent(admin, json!({"allowedScopes": ["weather:read"]}))
        .await;
    let id = agent["agentId"].as_str().unwrap().to_owned();
    let (key, _) = SigningKey::generate(alg).unwrap();
    let credential = register(app, admin, &id, &key).await;
    (
        id,
        key,
        credential["credentialId"].as_str().unwrap().to_owned(),
    )
}

backend_tests! {
    async fn a_registered_public_key_is_shown_by_its_thumbprint_and_never_as_a_secret(app) {
        let admin = app.admin_token().await;
        let (id, key, _) = keyed_agent(&app, &admin, Algorithm::EdDsa).await;
        let list = app.request(Method::GET, &format!("/v1/agents/{id}/credentials"), Some(&admin), None).await;
        let listed = &list.expect(StatusCode::OK)[0];
        assert_eq!(listed["type"], "public_key");
        assert_eq!(listed["kid"], key.kid());
        assert_eq!(listed["jwk"]["kid"], key.kid());
        assert_eq!(listed["jwk"]["alg"], "EdDSA");
        assert!(listed.get("clientSecret").is_none());
        // Secrets are still the default type.
        let secret = app.request(Method::POST, &format!("/v1/agents/{id}/credentials"), Some(&admin), None).await;
        let secret = secret.expect(StatusCode::CREATED);
        assert_eq!(secret["type"], "client_secret");
        assert!(secret["clientSecret"].as_str().unwrap().starts_with("sk_live_"));
    }

    async fn an_agent_gets_tokens_with_ed25519_es256_and_rsa_assertions(app) {
        let admin = app.admin_token().await;
        for alg in [Algorithm::EdDsa, Algorithm::Es256, Algorithm::Rs256] {
            let (id, key, _) = keyed_agent(&app, &admin, alg).await;
            let r = token_by_assertion(&app, &assertion(&key, &id, json!({}))).await;
            let token = r.expect(StatusCode::OK)["access_token"].as_str().unwrap().to_owned();
            let (_, claims) = decode_jwt(&token);
            assert_eq!(claims["sub"], id.as_str());
            assert_eq!(claims["scope"], "weather:read");
            // The issuer is an accepted audience too, and client_id may accompany the assertion.
            let by_issuer = assertion(&key, &id, json!({"aud": ISSUER}));
            let pairs = [
                ("grant_type", "client_credentials"), ("client_id", id.as_str()),
                ("client_assertion_type", ASSERTION_TYPE), ("client_assertion", by_issuer.as_str()),
            ];
            app.form("/oauth2/token", None, &pairs).await.expect(StatusCode::OK);
        }
    }

    async fn replayed_expired_misaddressed_and_foreign_assertions_are_refused(app) {
        let admin = app.admin_token().await;
        let (id, key, _) = keyed_agent(&app, &admin, Algorithm::Es256).await;
        let once = assertion(&key, &id, json!({}));
        token_by_assertion(&app, &once).await.expect(StatusCode::OK);
        let cases = [
            (once.clone(), "already used"),
            (assertion(&key, &id, json!({"exp": now() - 120})), "expired"),
            (assertion(&key, &id, json!({"exp": now() + 3600})), "5 minutes"),
            (assertion(&key, &id, json!({"aud": "https://elsewhere.example"})), "aud"),
        ];
        for (text, reason) in cases {
            let r = token_by_assertion(&app, &text).await;
            r.expect_oauth_error(StatusCode::UNAUTHORIZED, "invalid_client");
            assert!(r.body["error_description"].as_str().unwrap().contains(reason), "{reason}: {}", r.text);
        }
        // Another key, HS256 keyed with the public key, and alg none: never verified.
        let (stranger, _) = SigningKey::generate(Algorithm::Es256).unwrap();
        let claims = B64.encode(json!({"iss": id, "sub": id, "aud": ISSUER, "exp": now() + 60, "jti": "x"}).to_string());
        let forged = [
            assertion(&stranger, &id, json!({})),
            format!("{}.{claims}.{}", B64.encode(r#"{"alg":"HS256"}"#), B64.encode([0u8; 32])),
            format!("{}.{claims}.", B64.encode(r#"{"alg":"none"}"#)),
        ];
        for text in forged {
            let r = token_by_assertion(&app, &text).await;
            r.expect_oauth_error(StatusCode::UNAUTHORIZED, "invalid_client");
            assert!(!r.body["error_description"].as_str().unwrap().contains("already used"));
        }
        let events = app.request(Method::GET, &format!("/v1/audit/events?agentId={id}&action=auth.failed"), Some(&admin), None).await;
        let events = events.expect(StatusCode::OK)["data"].as_array().unwrap().clone();
        // Four refused after verification, the stranger's key before it; the HS256 and `none`
        // forgeries name no verifiable client and are recorded in the system chain.
        assert_eq!(events.len(), 5, "{events:?}");
        assert!(events.iter().all(|e| e["metadata"]["method"] == "private_key_jwt"));
    }

    async fn a_jwk_with_private_members_or_a_weak_key_is_refused_naming_the_problem(app) {
        let admin = app.admin_token().await;
        let agent = app.create_agent(&admin, json!({})).await;
        let uri = format!("/v1/agents/{}/credentials", agent["agentId"].as_str().unwrap());
        let (key, _) = SigningKey::generate(Algorithm::EdDsa).unwrap();
        let mut private = key.jwk();
        private["d"] = json!(B64.encode([7u8; 32]));
        let cases = [
            (json!({"type": "public_key", "jwk": private}), "private member"),
            (json!({"type": "public_key", "jwk": {"kty": "RSA", "n": B64.encode([0xffu8; 128]), "e": "AQAB"}}), "2048"),
            (json!({"type": "public_key"}), "needs the public JWK"),
            (json!({"jwk": key.jwk()}), "only a credential of type public_key"),
            (json!({"type": "password"}), "must be one of"),
        ];
        for (body, reason) in cases {
            let r = app.request(Method::POST, &uri, Some(&admin), Some(body)).await;
            let e = r.expect_error(StatusCode::BAD_REQUEST, "VALIDATION_ERROR");
            assert!(e["message"].as_str().unwrap().contains(reason), "{reason}: {e}");
        }
    }

    async fn a_key_credential_never_authenticates_a_secret_and_a_secret_never_an_assertion(app) {
        let admin = app.admin_token().await;
        let (id, key, _) = keyed_agent(&app, &admin, Algorithm::EdDsa).await;
        let x = key.jwk()["x"].as_str().unwrap().to_owned();
        let thumbprint_input = format!(r#"{{"crv":"Ed25519","kty":"OKP","x":"{x}"}}"#);
        app.token_response(&id, &thumbprint_input, &[]).await
            .expect_oauth_error(StatusCode::UNAUTHORIZED, "invalid_client");
        let (secret_agent, secret) = app.agent_with_secret(&admin, json!({})).await;
        app.token_response(&secret_agent, &secret, &[]).await.expect(StatusCode::OK);
        token_by_assertion(&app, &assertion(&key, &secret_agent, json!({}))).await
            .expect_oauth_error(StatusCode::UNAUTHORIZED, "invalid_client");
        // One method at a time.
        let text = assertion(&key, &id, json!({}));
        let pairs = [("grant_type", "client_credentials"), ("client_assertion_type", ASSERTION_TYPE), ("client_assertion", text.as_str())];
        app.form("/oauth2/token", Some((&secret_agent, &secret)), &pairs).await
            .expect_oauth_error(StatusCode::BAD_REQUEST, "invalid_request");
        let pairs = [("grant_type", "client_credentials"), ("client_assertion_type", "urn:other"), ("client_assertion", text.as_str())];
        app.form("/oauth2/token", None, &pairs).await.expect_oauth_error(StatusCode::BAD_REQUEST, "invalid_request");
    }

    async fn a_rotated_key_keeps_working_through_its_grace_period_and_a_revoked_one_stops(app) {
        let admin = app.admin_token().await;
        let (id, old, credential) = keyed_agent(&app, &admin, Algorithm::Es256).await;
        let (new, _) = SigningKey::generate(Algorithm::EdDsa).unwrap();
        let uri = format!("/v1/agents/{id}/credentials/{credential}");
        let rotated = app.request(Method::POST, &format!("{uri}/rotate"), Some(&admin),
            Some(json!({"jwk": new.jwk(), "gracePeriodSeconds": 60}))).await;
        let rotated = rotated.expect(StatusCode::OK);
        assert_eq!(rotated["kid"], new.kid());
        assert!(rotated.get("clientSecret").is_none());
        token_by_assertion(&app, &assertion(&new, &id, json!({}))).await.expect(StatusCode::OK);
        token_by_assertion(&app, &assertion(&old, &id, json!({}))).await.expect(StatusCode::OK);
        // A key credential rotates only to a key.
        app.request(Method::POST, &format!("{uri}/rotate"), Some(&admin), None).await
            .expect_error(StatusCode::BAD_REQUEST, "VALIDATION_ERROR");
        app.request(Method::DELETE, &uri, Some(&admin), None).await.expect(StatusCode::NO_CONTENT);
        for key in [&new, &old] {
            token_by_assertion(&app, &assertion(key, &id, json!({}))).await
                .expect_oauth_error(StatusCode::UNAUTHORIZED, "invalid_client");
        }
    }

    async fn the_metadata_lists_private_key_jwt_and_its_algorithms(app) {
        let r = app.request(Method::GET, "/.well-known/oauth-authorization-server", None, None).await;
        let m = r.expect(StatusCode::OK);
        assert!(m["token_endpoint_auth_methods_supported"].as_array().unwrap().contains(&json!("private_key_jwt")));
        assert_eq!(m["token_endpoint_auth_signing_alg_values_supported"], json!(["RS256", "ES256", "EdDSA", "Ed25519"]));
    }

    async fn of_one_assertion_sent_many_times_at_once_exactly_one_gets_a_token(app) {
        let admin = app.admin_token().await;
        let (id, key, _) = keyed_agent(&app, &admin, Algorithm::EdDsa).await;
        let text = assertion(&key, &id, json!({}));
        let attempts = (0..16).map(|_| token_by_assertion(&app, &text));
        let results = futures_util::future::join_all(attempts).await;
        let issued = results.iter().filter(|r| r.status == StatusCode::OK).count();
        assert_eq!(issued, 1, "{:?}", results.iter().map(|r| r.status).collect::<Vec<_>>());
        assert!(results.iter().all(|r| r.status == StatusCode::OK || r.text.contains("already used")));
    }

    async fn an_assertion_replayed_on_another_node_is_refused_with_and_without_redis(app) {
        let admin = app.admin_token().await;
        let (id, key, _) = keyed_agent(&app, &admin, Algorithm::EdDsa).await;
        let mut setups: Vec<Vec<String>> = vec![vec![]];
        if let Some(redis) = redis_url() {
            setups.push(vec!["--redis-url".into(), redis]);
        }
        for args in setups {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let (a, b) = (app.another_node(&args).await, app.another_node(&args).await);
            let text = assertion(&key, &id, json!({}));
            token_by_assertion(&a, &text).await.expect(StatusCode::OK);
            let r = token_by_assertion(&b, &text).await;
            r.expect_oauth_error(StatusCode::UNAUTHORIZED, "invalid_client");
            assert!(r.text.contains("already used"), "{args:?}: {}", r.text);
        }
    }
}
