//! OAuth 2.0: token endpoint, introspection, revocation, discovery.

use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{ISSUER, backend_tests, decode_jwt};

backend_tests! {
    async fn client_secret_basic_yields_an_rfc_9068_token(app) {
        let r = app.token_response(&app.admin_id, &app.admin_secret, &[]).await;
        let body = r.expect(StatusCode::OK);
        assert_eq!(r.header("cache-control"), "no-store");
        assert_eq!(body["token_type"], "Bearer");
        assert_eq!(body["expires_in"], 3600);
        let (header, claims) = decode_jwt(body["access_token"].as_str().unwrap());
        assert_eq!(header["typ"], "at+jwt");
        assert_eq!(header["alg"], "ES256");
        let jwks = app.request(Method::GET, "/.well-known/jwks.json", None, None).await;
        let jwks = jwks.expect(StatusCode::OK);
        assert!(jwks["keys"].as_array().unwrap().iter().any(|k| k["kid"] == header["kid"]), "kid is published");
        assert_eq!(claims["iss"], ISSUER);
        assert_eq!(claims["aud"], ISSUER);
        assert_eq!(claims["sub"], app.admin_id.as_str());
        assert_eq!(claims["client_id"], app.admin_id.as_str());
        assert_eq!(claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(), 3600);
        assert!(claims["jti"].is_string() && claims["tenant_id"].is_string());
        assert_eq!(claims["scope"], body["scope"]);
    }

    async fn client_secret_post_works_and_one_method_only_is_allowed(app) {
        let (id, secret) = (app.admin_id.clone(), app.admin_secret.clone());
        let pairs = [("grant_type", "client_credentials"), ("client_id", id.as_str()), ("client_secret", secret.as_str())];
        app.form("/oauth2/token", None, &pairs).await.expect(StatusCode::OK);
        app.form("/oauth2/token", Some((&id, &secret)), &pairs).await.expect_oauth_error(StatusCode::BAD_REQUEST, "invalid_request");
    }

    async fn bad_client_credentials_are_invalid_client_with_a_challenge(app) {
        let unknown = uuid::Uuid::now_v7().to_string();
        for (id, secret) in [
            (app.admin_id.as_str(), "sk_live_wrong"),
            (unknown.as_str(), app.admin_secret.as_str()),
            ("not-a-uuid", app.admin_secret.as_str()),
        ] {
            let r = app.token_response(id, secret, &[]).await;
            r.expect_oauth_error(StatusCode::UNAUTHORIZED, "invalid_client");
            assert!(r.header("www-authenticate").starts_with("Basic"), "{:?}", r.headers);
        }
        app.form("/oauth2/token", None, &[("grant_type", "client_credentials")]).await
            .expect_oauth_error(StatusCode::UNAUTHORIZED, "invalid_client");
        // Credentials posted in the form get no Basic challenge, which would make a browser
        // open its password dialog.
        let posted = [("grant_type", "client_credentials"), ("client_id", app.admin_id.as_str()), ("client_secret", "sk_live_wrong")];
        let r = app.form("/oauth2/token", None, &posted).await;
        r.expect_oauth_error(StatusCode::UNAUTHORIZED, "invalid_client");
        assert_eq!(r.header("www-authenticate"), "", "{:?}", r.headers);
    }

    async fn client_ids_with_control_characters_fail_alone_and_only_as_invalid_client(app) {
        // PostgreSQL cannot store a NUL in text. The refusal's audit event must still commit,
        // and the token requests that share its group commit must not fail with it.
        let grant = [("grant_type", "client_credentials")];
        let nul = ("\0x\u{7}", "sk_live_wrong");
        let admin = (app.admin_id.as_str(), app.admin_secret.as_str());
        let requests = (0..16).map(|n| app.form("/oauth2/token", Some(if n % 2 == 0 { nul } else { admin }), &grant));
        for (n, r) in futures_util::future::join_all(requests).await.into_iter().enumerate() {
            if n % 2 == 0 {
                r.expect_oauth_error(StatusCode::UNAUTHORIZED, "invalid_client");
            } else {
                assert_eq!(r.status, StatusCode::OK, "{}", r.text);
            }
        }
    }

    async fn malformed_token_requests_are_rejected_in_oauth_shape(app) {
        let basic = Some((app.admin_id.as_str(), app.admin_secret.as_str()));
        app.form("/oauth2/token", basic, &[]).await.expect_oauth_error(StatusCode::BAD_REQUEST, "invalid_request");
        app.form("/oauth2/token", basic, &[("grant_type", "password")]).await
            .expect_oauth_error(StatusCode::BAD_REQUEST, "unsupported_grant_type");
        app.form("/oauth2/token", basic, &[("grant_type", "client_credentials"), ("scope", "a"), ("scope", "b")]).await
            .expect_oauth_error(StatusCode::BAD_REQUEST, "invalid_request");
        let json_body = app.request(Method::POST, "/oauth2/token", None, Some(json!({"grant_type": "client_credentials"}))).await;
        json_body.expect_oauth_error(StatusCode::BAD_REQUEST, "invalid_request");
    }

    async fn scopes_must_be_a_subset_of_the_allowed_scopes(app) {
        let admin = app.admin_token().await;
        let (id, secret) = app.agent_with_secret(&admin, json!({"allowedScopes": ["weather:read", "weather:write"]})).await;
        let r = app.token_response(&id, &secret, &[("scope", "weather:read")]).await;
        assert_eq!(r.expect(StatusCode::OK)["scope"], "weather:read");
        let r = app.token_response(&id, &secret, &[]).await;
        assert_eq!(r.expect(StatusCode::OK)["scope"], "weather:read weather:write");
        app.token_response(&id, &secret, &[("scope", "weather:read agents:write")]).await
            .expect_oauth_error(StatusCode::BAD_REQUEST, "invalid_scope");
        app.token_response(&id, &secret, &[("scope", "bad\"scope")]).await
            .expect_oauth_error(StatusCode::BAD_REQUEST, "invalid_scope");
    }

    async fn resource_sets_the_audience_and_such_tokens_cannot_call_the_api(app) {
        let r = app.token_response(&app.admin_id, &app.admin_secret, &[("resource", "https://weather.example.com")]).await;
        let token = r.expect(StatusCode::OK)["access_token"].as_str().unwrap().to_owned();
        assert_eq!(decode_jwt(&token).1["aud"], "https://weather.example.com");
        app.request(Method::GET, "/v1/agents", Some(&token), None).await.expect_error(StatusCode::UNAUTHORIZED, "INVALID_TOKEN");
        app.token_response(&app.admin_id, &app.admin_secret, &[("resource", "https://a.example"), ("audience", "https://b.example")]).await
            .expect_oauth_error(StatusCode::BAD_REQUEST, "invalid_request");
        // RFC 8707 §2: an absolute URI without a fragment, or invalid_target.
        for bad in ["weather-api", "/relative/path", "https://weather.example.com/#part", "https://a.example/ x"] {
            for param in ["resource", "audience"] {
                app.token_response(&app.admin_id, &app.admin_secret, &[(param, bad)]).await
                    .expect_oauth_error(StatusCode::BAD_REQUEST, "invalid_target");
            }
        }
        let urn = app.token(&app.admin_id, &app.admin_secret, &[("audience", "urn:example:weather")]).await;
        assert_eq!(decode_jwt(&urn).1["aud"], "urn:example:weather");
    }

    async fn the_monthly_token_quota_is_enforced_and_persisted(app, "--max-tokens-per-month", "2") {
        let token = app.admin_token().await;
        app.admin_token().await;
        let r = app.token_response(&app.admin_id, &app.admin_secret, &[]).await;
        r.expect_oauth_error(StatusCode::TOO_MANY_REQUESTS, "quota_exceeded");
        app.state.idp.meter.flush().await.unwrap();
        let tenant: agentidp::domain::ids::TenantId = decode_jwt(&token).1["tenant_id"].as_str().unwrap().parse().unwrap();
        assert_eq!(crate::helpers::tokens_this_month(&app, tenant).await, 2, "issued tokens are persisted");
    }

    async fn introspection_reports_active_tokens_and_hides_everything_else(app) {
        let admin = app.admin_token().await;
        let (id, secret) = app.agent_with_secret(&admin, json!({})).await;
        let token = app.token(&id, &secret, &[("scope", "weather:read")]).await;
        let basic = Some((app.admin_id.as_str(), app.admin_secret.as_str()));
        let r = app.form("/oauth2/introspect", basic, &[("token", &token)]).await;
        let body = r.expect(StatusCode::OK);
        assert_eq!(body["active"], true);
        assert_eq!(body["sub"], id.as_str());
        assert_eq!(body["scope"], "weather:read");
        assert_eq!(body["token_type"], "Bearer");
        assert_eq!(r.header("cache-control"), "no-store");
        let r = app.form("/oauth2/introspect", basic, &[("token", "garbage")]).await;
        assert_eq!(r.expect(StatusCode::OK), &json!({"active": false}));
        app.form("/oauth2/introspect", None, &[("token", &token)]).await.expect_oauth_error(StatusCode::UNAUTHORIZED, "invalid_client");
        app.form("/oauth2/introspect", basic, &[]).await.expect_oauth_error(StatusCode::BAD_REQUEST, "invalid_request");
        let other = app.state.idp.create_tenant("other-tenant", "system", &Default::default()).await.unwrap();
        let other_id = other.admin.id.to_string();
        let r = app.form("/oauth2/introspect", Some((&other_id, other.secret.expose())), &[("token", &token)]).await;
        assert_eq!(r.expect(StatusCode::OK), &json!({"active": false}), "another tenant's token is inactive");
        let r = app.request(Method::POST, "/oauth2/introspect", None, None).await;
        r.expect_oauth_error(StatusCode::BAD_REQUEST, "invalid_request");
    }

    async fn revocation_stops_a_token_and_ignores_unknown_ones(app) {
        let admin = app.admin_token().await;
        let (id, secret) = app.agent_with_secret(&admin, json!({"allowedScopes": ["agents:read"]})).await;
        let token = app.token(&id, &secret, &[]).await;
        let mine = Some((id.as_str(), secret.as_str()));
        assert_eq!(app.form("/oauth2/revoke", mine, &[("token", "garbage")]).await.status, StatusCode::OK);
        let other = app.token(&app.admin_id, &app.admin_secret, &[]).await;
        app.form("/oauth2/revoke", mine, &[("token", &other)]).await.expect_oauth_error(StatusCode::BAD_REQUEST, "unauthorized_client");
        assert_eq!(app.form("/oauth2/revoke", mine, &[("token", &token)]).await.status, StatusCode::OK);
        app.request(Method::GET, "/v1/agents", Some(&token), None).await.expect_error(StatusCode::UNAUTHORIZED, "INVALID_TOKEN");
        let basic = Some((app.admin_id.as_str(), app.admin_secret.as_str()));
        let r = app.form("/oauth2/introspect", basic, &[("token", &token)]).await;
        assert_eq!(r.expect(StatusCode::OK), &json!({"active": false}));
        let another = app.token(&id, &secret, &[]).await;
        let r = app.request(Method::POST, "/oauth2/revoke", Some(&admin), None).await;
        r.expect_oauth_error(StatusCode::BAD_REQUEST, "invalid_request");
        let admin_revokes = axum::http::Request::builder()
            .method(Method::POST)
            .uri("/oauth2/revoke")
            .header("authorization", format!("Bearer {admin}"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(axum::body::Body::from(format!("token={another}")))
            .unwrap();
        assert_eq!(app.send(admin_revokes).await.status, StatusCode::OK, "tokens:revoke may revoke any token of the tenant");
        app.request(Method::GET, "/v1/agents", Some(&another), None).await.expect_error(StatusCode::UNAUTHORIZED, "INVALID_TOKEN");
    }

    async fn discovery_metadata_is_complete(app) {
        let r = app.request(Method::GET, "/.well-known/oauth-authorization-server", None, None).await;
        let m = r.expect(StatusCode::OK);
        assert_eq!(m["issuer"], ISSUER);
        assert_eq!(m["token_endpoint"], format!("{ISSUER}/oauth2/token"));
        assert_eq!(m["jwks_uri"], format!("{ISSUER}/.well-known/jwks.json"));
        assert_eq!(m["introspection_endpoint"], format!("{ISSUER}/oauth2/introspect"));
        assert_eq!(m["revocation_endpoint"], format!("{ISSUER}/oauth2/revoke"));
        assert_eq!(m["grant_types_supported"], json!(["client_credentials", "urn:ietf:params:oauth:grant-type:token-exchange"]));
        assert_eq!(m["token_endpoint_auth_methods_supported"], json!(["client_secret_basic", "client_secret_post", "private_key_jwt"]));
        assert!(m["scopes_supported"].as_array().unwrap().contains(&json!("agents:write")));
        assert!(m["response_types_supported"].is_array());
    }
}
