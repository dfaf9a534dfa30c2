//! Signing keys: every algorithm, rotation with overlap, PEM import.

use agentidp::app::App;
use agentidp::domain::keys::{Algorithm, SigningKey};
use agentidp::domain::time::Timestamp;
use agentidp::service::signing;
use agentidp::store::Db;
use axum::http::{Method, StatusCode};
use serde_json::Value;

use crate::helpers::{
    Backend, TestApp, backend_tests, decode_jwt, fresh_postgres_database, postgres_url, test_config,
};

async fn kids(app: &TestApp) -> Vec<Value> {
    let jwks = app
        .request(Method::GET, "/.well-known/jwks.json", None, None)
        .await;
    assert_eq!(jwks.header("cache-control"), "public, max-age=300");
    jwks.body["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].clone())
        .collect()
}

async fn issues_working_tokens(app: &TestApp, alg: &str, kty: &str) {
    let token = app.admin_token().await;
    let (header, _) = decode_jwt(&token);
    assert_eq!(header["alg"], alg);
    let jwks = app
        .request(Method::GET, "/.well-known/jwks.json", None, None)
        .await
        .body;
    let jwk = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kid"] == header["kid"])
        .unwrap()
        .clone();
    assert_eq!(jwk["kty"], kty);
    assert_eq!(jwk["alg"], alg);
    assert_eq!(jwk["use"], "sig");
    assert!(jwk.get("d").is_none(), "no private material is published");
    app.request(Method::GET, "/v1/agents", Some(&token), None)
        .await
        .expect(StatusCode::OK);
}

backend_tests! {
    async fn rs256_tokens_are_issued_and_verified(app, "--jwt-algorithm", "RS256") {
        issues_working_tokens(&app, "RS256", "RSA").await;
    }

    async fn eddsa_tokens_are_issued_and_verified(app, "--jwt-algorithm", "EdDSA") {
        issues_working_tokens(&app, "EdDSA", "OKP").await;
    }

    async fn es256_tokens_are_issued_and_verified(app) {
        issues_working_tokens(&app, "ES256", "EC").await;
    }

    async fn rotation_signs_with_the_new_key_and_old_tokens_keep_verifying(app) {
        let before = app.admin_token().await;
        let old_kid = decode_jwt(&before).0["kid"].clone();
        let new_kid = signing::rotate(&app.state.idp.db, &app.state.idp.key_settings).await.unwrap();
        app.state.idp.refresh_keys().await.unwrap();
        let after = app.admin_token().await;
        assert_eq!(decode_jwt(&after).0["kid"], new_kid.as_str());
        assert_ne!(old_kid, new_kid.as_str());
        let published = kids(&app).await;
        assert!(published.contains(&old_kid) && published.contains(&Value::from(new_kid)));
        app.request(Method::GET, "/v1/agents", Some(&before), None).await.expect(StatusCode::OK);
        app.request(Method::GET, "/v1/agents", Some(&after), None).await.expect(StatusCode::OK);
    }

    async fn a_node_adopts_an_active_key_rotated_to_another_algorithm(app) {
        // `agentidp keys rotate` run with another JWT_ALGORITHM than this (ES256) node's: the
        // node must sign with the database's active key, not keep its retired one, which drops
        // out of the key set once its tokens have expired.
        let other = signing::KeySettings { algorithm: Algorithm::EdDsa, ..(*app.state.idp.key_settings).clone() };
        let new_kid = signing::rotate(&app.state.idp.db, &other).await.unwrap();
        app.state.idp.refresh_keys().await.unwrap();
        let token = app.admin_token().await;
        let (header, _) = decode_jwt(&token);
        assert_eq!((header["alg"].as_str(), header["kid"].as_str()), (Some("EdDSA"), Some(new_kid.as_str())));
        app.request(Method::GET, "/v1/agents", Some(&token), None).await.expect(StatusCode::OK);
    }

    async fn a_restart_reuses_the_stored_key(app) {
        let token = app.admin_token().await;
        let config = app.state.config.clone();
        let restarted = agentidp::app::App::with_db(config, app.state.idp.db.clone()).await.unwrap();
        assert_eq!(restarted.idp.keys.current().active.kid(), decode_jwt(&token).0["kid"].as_str().unwrap());
    }
}

#[tokio::test]
async fn a_pem_private_key_signs_tokens_with_its_thumbprint_as_kid() {
    let dir = std::env::temp_dir().join(format!("agentidp-pem-{}", uuid::Uuid::now_v7().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let (key, der) = SigningKey::generate(Algorithm::Es256).unwrap();
    let path = dir.join("signing.pem");
    std::fs::write(&path, pem::encode(&pem::Pem::new("PRIVATE KEY", der))).unwrap();
    let path = path.display().to_string();
    let app = TestApp::spawn(Backend::Sqlite, &["--jwt-private-key-file", &path])
        .await
        .unwrap();
    let token = app.admin_token().await;
    assert_eq!(decode_jwt(&token).0["kid"], key.kid());
    app.request(Method::GET, "/v1/agents", Some(&token), None)
        .await
        .expect(StatusCode::OK);
    let refused = signing::rotate(&app.state.idp.db, &app.state.idp.key_settings).await;
    assert!(
        refused.is_err(),
        "a PEM-configured server rotates by replacing the file"
    );
    let _ = std::fs::remove_dir_all(dir);
}

/// Nodes started together on an empty PostgreSQL database (a Compose or Kubernetes first
/// start): they agree on one active signing key, and exactly one creates the first tenant.
#[tokio::test]
async fn nodes_starting_together_on_an_empty_database_share_one_key_and_one_first_tenant() {
    let Some(server) = postgres_url() else { return };
    let url = fresh_postgres_database(&server).await;
    let config = test_config(&url, &[]);
    let pool = config.pool();
    let connect = || Db::connect(&url, &pool);
    // Migrated first (the migrate Job or service), so the nodes meet at the empty key table.
    connect().await.unwrap().migrate().await.unwrap();
    let nodes = futures_util::future::join_all(
        (0..4).map(|_| async { App::with_db(config.clone(), connect().await.unwrap()).await }),
    )
    .await
    .into_iter()
    .collect::<Result<Vec<_>, _>>()
    .expect("every node starts");

    let kids: Vec<String> = nodes
        .iter()
        .map(|n| n.idp.keys.current().active.kid().to_owned())
        .collect();
    assert!(
        kids.iter().all(|k| *k == kids[0]),
        "one signing key: {kids:?}"
    );
    let active = nodes[0]
        .idp
        .db
        .published_keys(Timestamp::now().plus_seconds(-3600))
        .await
        .unwrap();
    assert_eq!(active.iter().filter(|k| k.status == "active").count(), 1);

    let bootstraps =
        futures_util::future::join_all(nodes.iter().map(|n| n.idp.bootstrap_if_empty("default")))
            .await;
    let created = bootstraps
        .into_iter()
        .map(|b| b.expect("no node fails"))
        .filter(Option::is_some)
        .count();
    assert_eq!(created, 1, "exactly one node prints the first admin");
}
