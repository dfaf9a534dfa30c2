//! Signing keys encrypted at rest under KEY_ENCRYPTION_KEY: what the database holds, a wrong
//! key refusing to start, `keys encrypt` for keys stored before, and rotating the key.

use agentidp::domain::envelope::Envelope;
use agentidp::service::signing;
use axum::http::{Method, StatusCode};

use crate::helpers::{TestApp, backend_tests};

const A: &str = "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1";
const B: &str = "b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2";

/// The stored private keys, as a database dump would show them.
async fn stored(app: &TestApp) -> Vec<Vec<u8>> {
    let keys = app.state.idp.db.private_keys().await.expect("private keys");
    assert!(!keys.is_empty(), "a generated key is stored");
    keys.into_iter().map(|(_, blob)| blob).collect()
}

/// Whether `blob` is a PKCS#8 private key in DER, i.e. readable by anyone with the dump.
fn is_plain_der(blob: &[u8]) -> bool {
    blob.first() == Some(&0x30)
}

/// Why a node with `args` refuses to start on `app`'s database.
async fn refusal(app: &TestApp, args: &[&str]) -> String {
    match app.try_another_node(args).await {
        Ok(_) => panic!("a node with {args:?} started"),
        Err(e) => agentidp::error_chain(&e),
    }
}

/// A management call with `token` on `node` succeeds: the node verifies it.
async fn accepted(node: &TestApp, token: &str) {
    node.request(Method::GET, "/v1/agents", Some(token), None)
        .await
        .expect(StatusCode::OK);
}

backend_tests! {
    async fn signing_keys_are_stored_encrypted_and_a_wrong_or_missing_key_refuses_to_start(app, "--key-encryption-key", "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1") {
        let token = app.admin_token().await;
        for blob in stored(&app).await {
            assert!(Envelope::is_sealed(&blob) && !is_plain_der(&blob), "a private key is stored in the clear");
        }
        accepted(&app, &token).await;
        let without = refusal(&app, &[]).await;
        assert!(without.contains("KEY_ENCRYPTION_KEY is not set"), "{without}");
        let wrong = refusal(&app, &["--key-encryption-key", B]).await;
        assert!(wrong.contains("neither KEY_ENCRYPTION_KEY nor one of KEY_ENCRYPTION_RETIRED_KEYS"), "{wrong}");
        let malformed = refusal(&app, &["--key-encryption-key", "abc"]).await;
        assert!(malformed.contains("64 hex characters"), "{malformed}");

        // Rotation without the key would store a plain key beside the encrypted ones.
        let plain = signing::KeySettings { envelope: Default::default(), ..(*app.state.idp.key_settings).clone() };
        let refused = signing::rotate(&app.state.idp.db, &plain).await.expect_err("a plain key beside encrypted ones");
        assert!(agentidp::error_chain(&refused).contains("set KEY_ENCRYPTION_KEY to rotate"));
        let kid = signing::rotate(&app.state.idp.db, &app.state.idp.key_settings).await.expect("rotation with the key");
        assert!(stored(&app).await.iter().all(|b| Envelope::is_sealed(b)), "the new key {kid} is encrypted too");
    }

    async fn keys_stored_before_are_encrypted_and_the_key_can_be_rotated_without_breaking_tokens(app) {
        let before = app.admin_token().await;
        assert!(stored(&app).await.iter().all(|b| is_plain_der(b)), "no key-encryption key: stored as before");

        // Setting a key: the node starts on the plain key, and `keys encrypt` seals it.
        let with_a = app.another_node(&["--key-encryption-key", A]).await;
        let sealed = signing::encrypt_stored(&with_a.state.idp.db, &with_a.state.idp.key_settings).await.expect("encrypt");
        assert_eq!(sealed, 1);
        assert!(stored(&app).await.iter().all(|b| Envelope::is_sealed(b)));
        assert_eq!(signing::encrypt_stored(&with_a.state.idp.db, &with_a.state.idp.key_settings).await.expect("again"), 0);
        accepted(&with_a, &before).await;

        // Rotating it: B is current, A retired; the key opens, tokens old and new verify.
        let rotating = app.another_node(&["--key-encryption-key", B, "--key-encryption-retired-keys", A]).await;
        accepted(&rotating, &before).await;
        let during = rotating.admin_token().await;
        assert_eq!(signing::encrypt_stored(&rotating.state.idp.db, &rotating.state.idp.key_settings).await.expect("reseal"), 1);

        // Once re-encrypted, B alone suffices and A alone is refused.
        let with_b = app.another_node(&["--key-encryption-key", B]).await;
        accepted(&with_b, &before).await;
        accepted(&with_b, &during).await;
        accepted(&with_b, &with_b.admin_token().await).await;
        let old = refusal(&app, &["--key-encryption-key", A]).await;
        assert!(old.contains("neither KEY_ENCRYPTION_KEY"), "{old}");
    }
}
