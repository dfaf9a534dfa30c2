//! Public identity documents: the server's and public agents' DID documents (did:web), only
//! with `MARKETPLACE_ENABLED`, never for private agents.

use axum::http::{Method, StatusCode};
use serde_json::json;

use agentidp::domain::keys::{Algorithm, SigningKey};

use crate::helpers::backend_tests;

const SERVER_DID: &str = "did:web:agentidp.test";

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
}
