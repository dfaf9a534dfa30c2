//! Public identity documents: the server's and public agents' DID documents (did:web), only
//! with `MARKETPLACE_ENABLED`, never for private agents.

use axum::http::{Method, StatusCode};
use serde_json::json;

use agentidp::domain::keys::{Algorithm, SigningKey};

use crate::helpers::backend_tests;

const SERVER_DID: &str = "did:web:agentidp.test";

fn card_agent_body() -> serde_json::Value {
    json!({
        "isPublic": true,
        "capabilities": ["weather:forecast"],
        "endpointUrl": "https://meteo.example.com/a2a",
        "iconUrl": "https://meteo.example.com/icon.png",
        "skills": [{"id": "forecast", "name": "Forecast", "description": "7-day forecast", "tags": ["weather"]}],
    })
}

backend_tests! {
    async fn without_marketplace_enabled_no_identity_document_is_served(app) {
        let admin = app.admin_token().await;
        let agent = app.create_agent(&admin, json!({"isPublic": true})).await;
        for uri in ["/.well-known/did.json".to_owned(), format!("/agents/{}/did.json", agent["agentId"].as_str().unwrap())] {
            app.request(Method::GET, &uri, None, None).await.expect_error(StatusCode::NOT_FOUND, "NOT_FOUND");
        }
    }

    async fn the_servers_did_document_carries_its_published_signing_keys(app, "--marketplace-enabled", "true") {
        let r = app.request(Method::GET, "/.well-known/did.json", None, None).await;
        assert_eq!(r.header("content-type"), "application/did+json");
        let doc = r.expect(StatusCode::OK);
        assert_eq!(doc["id"], SERVER_DID);
        let jwks = app.request(Method::GET, "/.well-known/jwks.json", None, None).await;
        let kid = jwks.expect(StatusCode::OK)["keys"][0]["kid"].as_str().unwrap().to_owned();
        let method = &doc["verificationMethod"][0];
        assert_eq!(method["id"], format!("{SERVER_DID}#{kid}"));
        assert_eq!(method["type"], "JsonWebKey2020");
        assert_eq!(method["controller"], SERVER_DID);
        assert!(method["publicKeyJwk"].get("d").is_none());
        assert_eq!(doc["assertionMethod"], json!([format!("{SERVER_DID}#{kid}")]));
    }

    async fn a_public_agents_did_document_lists_its_keys_and_services(app, "--marketplace-enabled", "true") {
        let admin = app.admin_token().await;
        let agent = app.create_agent(&admin, json!({"isPublic": true})).await;
        let id = agent["agentId"].as_str().unwrap().to_owned();
        let (key, _) = SigningKey::generate(Algorithm::EdDsa).unwrap();
        app.request(Method::POST, &format!("/v1/agents/{id}/credentials"), Some(&admin),
            Some(json!({"type": "public_key", "jwk": key.jwk()}))).await.expect(StatusCode::CREATED);
        let doc = app.request(Method::GET, &format!("/agents/{id}/did.json"), None, None).await;
        let doc = doc.expect(StatusCode::OK);
        let did = format!("{SERVER_DID}:agents:{id}");
        assert_eq!(doc["id"], did.as_str());
        assert_eq!(doc["controller"], SERVER_DID);
        assert_eq!(doc["verificationMethod"][0]["id"], format!("{did}#{}", key.kid()));
        assert_eq!(doc["verificationMethod"][0]["publicKeyJwk"]["x"], key.jwk()["x"]);
        assert_eq!(doc["authentication"], json!([format!("{did}#{}", key.kid())]));
        assert_eq!(doc["service"][0]["serviceEndpoint"], format!("http://agentidp.test/agents/{id}/agent-card.json"));
        assert_eq!(doc["service"][1]["serviceEndpoint"], "http://agentidp.test/oauth2/token");
    }

    async fn private_unknown_and_suspended_agents_are_not_found_and_retired_public_ones_are_gone(app, "--marketplace-enabled", "true") {
        let admin = app.admin_token().await;
        let private = app.create_agent(&admin, json!({})).await;
        let suspended = app.create_agent(&admin, json!({"isPublic": true})).await;
        let retired = app.create_agent(&admin, json!({"isPublic": true})).await;
        let id = |a: &serde_json::Value| a["agentId"].as_str().unwrap().to_owned();
        app.request(Method::PATCH, &format!("/v1/agents/{}", id(&suspended)), Some(&admin), Some(json!({"status": "suspended"}))).await
            .expect(StatusCode::OK);
        app.request(Method::DELETE, &format!("/v1/agents/{}", id(&retired)), Some(&admin), None).await
            .expect(StatusCode::NO_CONTENT);
        for agent in [id(&private), id(&suspended), uuid::Uuid::now_v7().to_string()] {
            app.request(Method::GET, &format!("/agents/{agent}/did.json"), None, None).await
                .expect_error(StatusCode::NOT_FOUND, "AGENT_NOT_FOUND");
        }
        app.request(Method::GET, &format!("/agents/{}/did.json", id(&retired)), None, None).await
            .expect_error(StatusCode::GONE, "AGENT_GONE");
        app.request(Method::GET, "/agents/not-a-uuid/did.json", None, None).await
            .expect_error(StatusCode::BAD_REQUEST, "INVALID_PATH_PARAMETER");
    }

    async fn card_fields_are_validated_stored_and_cleared(app) {
        let admin = app.admin_token().await;
        let cases = [
            (json!({"endpointUrl": "http://plain.example"}), "endpointUrl"),
            (json!({"iconUrl": "not a url"}), "iconUrl"),
            (json!({"skills": [{"id": "a", "name": "A", "description": "d", "tags": []}]}), "skills"),
            (json!({"skills": [{"id": "a", "name": "A", "description": "d", "tags": ["t"]},
                               {"id": "a", "name": "B", "description": "d", "tags": ["t"]}]}), "skills"),
        ];
        for (body, field) in cases {
            let r = app.request(Method::POST, "/v1/agents", Some(&admin), Some(crate::helpers::agent_body(body))).await;
            assert_eq!(r.expect_error(StatusCode::BAD_REQUEST, "VALIDATION_ERROR")["details"]["field"], field);
        }
        let agent = app.create_agent(&admin, card_agent_body()).await;
        assert_eq!(agent["endpointUrl"], "https://meteo.example.com/a2a");
        assert_eq!(agent["skills"][0]["tags"], json!(["weather"]));
        let uri = format!("/v1/agents/{}", agent["agentId"].as_str().unwrap());
        let cleared = app.request(Method::PATCH, &uri, Some(&admin), Some(json!({"endpointUrl": ""}))).await;
        let cleared = cleared.expect(StatusCode::OK);
        assert!(cleared["endpointUrl"].is_null());
        assert_eq!(cleared["iconUrl"], "https://meteo.example.com/icon.png");
    }

    async fn a_public_agents_card_is_signed_by_the_server_over_its_canonical_form(app, "--marketplace-enabled", "true") {
        use agentidp::domain::{a2a, jcs, keys::VerifyingKey};
        use base64::Engine;
        use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
        let admin = app.admin_token().await;
        let agent = app.create_agent(&admin, card_agent_body()).await;
        let id = agent["agentId"].as_str().unwrap().to_owned();
        let card_doc = app.request(Method::GET, &format!("/agents/{id}/agent-card.json"), None, None).await;
        let mut card_doc = card_doc.expect(StatusCode::OK).clone();
        assert_eq!(card_doc["supportedInterfaces"][0]["url"], "https://meteo.example.com/a2a");
        assert_eq!(card_doc["provider"]["organization"], "test-tenant");
        let flow = &card_doc["securitySchemes"]["agentidp"]["oauth2SecurityScheme"];
        assert_eq!(flow["flows"]["clientCredentials"]["tokenUrl"], "http://agentidp.test/oauth2/token");
        assert_eq!(flow["oauth2MetadataUrl"], "http://agentidp.test/.well-known/oauth-authorization-server");
        assert!(flow["flows"]["clientCredentials"]["scopes"].get("weather:forecast").is_some());

        let signature = card_doc.as_object_mut().unwrap().remove("signatures").unwrap()[0].clone();
        let protected = signature["protected"].as_str().unwrap();
        let header: serde_json::Value = serde_json::from_slice(&B64.decode(protected).unwrap()).unwrap();
        assert_eq!(header["jku"], "http://agentidp.test/.well-known/jwks.json");
        let jwks = app.request(Method::GET, "/.well-known/jwks.json", None, None).await;
        let jwk = jwks.expect(StatusCode::OK)["keys"].as_array().unwrap().iter()
            .find(|k| k["kid"] == header["kid"]).unwrap().clone();
        let (_, key) = VerifyingKey::from_jwk(&jwk).unwrap();
        let sig = B64.decode(signature["signature"].as_str().unwrap()).unwrap();
        let signed = |doc: &serde_json::Value| {
            let canonical = jcs::canonicalize(&a2a::without_empty(doc.clone()).unwrap());
            format!("{protected}.{}", B64.encode(canonical))
        };
        assert!(key.verify(signed(&card_doc).as_bytes(), &sig));
        card_doc["version"] = json!("9.9.9");
        assert!(!key.verify(signed(&card_doc).as_bytes(), &sig));
    }

    async fn an_incomplete_private_or_disabled_card_is_not_served(app, "--marketplace-enabled", "true") {
        let admin = app.admin_token().await;
        let bare = app.create_agent(&admin, json!({"isPublic": true})).await;
        let r = app.request(Method::GET, &format!("/agents/{}/agent-card.json", bare["agentId"].as_str().unwrap()), None, None).await;
        let e = r.expect_error(StatusCode::NOT_FOUND, "AGENT_CARD_INCOMPLETE");
        assert!(e["message"].as_str().unwrap().contains("endpointUrl"), "{e}");
        let mut private = card_agent_body();
        private["isPublic"] = json!(false);
        let private = app.create_agent(&admin, private).await;
        app.request(Method::GET, &format!("/agents/{}/agent-card.json", private["agentId"].as_str().unwrap()), None, None).await
            .expect_error(StatusCode::NOT_FOUND, "AGENT_NOT_FOUND");
        let off = app.another_node(&["--marketplace-enabled", "false"]).await;
        let public = app.create_agent(&admin, card_agent_body()).await;
        off.request(Method::GET, &format!("/agents/{}/agent-card.json", public["agentId"].as_str().unwrap()), None, None).await
            .expect_error(StatusCode::NOT_FOUND, "NOT_FOUND");
    }
}
