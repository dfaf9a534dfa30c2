//! Keyed audit chains (`AUDIT_CHAIN_KEY`): links carry their key's id, an event altered and
//! re-hashed without the key is caught, nodes that lack the key neither start nor write, a
//! key adopted on an existing chain keys every later link, and a retired key verifies only
//! the links made before its successor's. Retention checkpoints carry a MAC, and events put
//! back before one are caught.

use crate::helpers::{TestApp, backend_tests};
use crate::tamper;
use agentidp::domain::audit::StoredEvent;
use agentidp::domain::audit::chain_key::{ChainKey, VerifyPolicy};
use agentidp::domain::ids::TenantId;
use agentidp::domain::time::Timestamp;
use agentidp::service::audit::verify::{verify_chain, verify_chain_with};
use axum::http::{Method, StatusCode};
use secrecy::SecretString;
use serde_json::json;

/// The key the tests' servers are started with (spelled out again in their arguments).
const KEY: &str = "1111111111111111111111111111111111111111111111111111111111111111";
const OTHER_KEY: &str = "2222222222222222222222222222222222222222222222222222222222222222";

fn key(hex: &str) -> ChainKey {
    ChainKey::from_hex(&SecretString::from(hex.to_owned())).unwrap()
}

/// The chain's head position and its last event.
async fn last_event(app: &TestApp, tenant: TenantId) -> (i64, StoredEvent) {
    let db = &app.state.idp.db;
    let (head, _) = db.chain_head(tenant).await.unwrap().unwrap();
    (
        head,
        db.chain_page(tenant, head - 1, 1).await.unwrap().remove(0),
    )
}

/// Purges the whole tenant chain as the retention purge would, leaving a checkpoint at its
/// head; returns an admin token and the tenant.
async fn purge_all(app: &TestApp) -> (String, TenantId) {
    let admin = app.admin_token().await;
    let tenant = app.tenant_id().await;
    let now = Timestamp::now();
    assert!(
        app.state
            .idp
            .db
            .purge_events(tenant, now.plus_seconds(1), now)
            .await
            .unwrap()
            > 0
    );
    (admin, tenant)
}

/// A node that rotated the chain key (`OTHER_KEY` current, `KEY` retired), after it appended
/// two events with the new key.
async fn rotated_node(app: &TestApp, admin: &str) -> TestApp {
    let rotated = app
        .another_node(&[
            "--audit-chain-key",
            OTHER_KEY,
            "--audit-chain-retired-keys",
            KEY,
        ])
        .await;
    rotated.create_agent(admin, json!({})).await;
    rotated.create_agent(admin, json!({})).await;
    rotated
}

/// Rewrites the chain's event at `seq` (its last) with a new actor and `hash`, and its index
/// and head to match, past the triggers, as someone with full write access to the database
/// could.
async fn forge_last_event(app: &TestApp, tenant: TenantId, seq: i64, hash: &str) {
    tamper::set_field(app, tenant, seq, "actor", r#""mallory""#).await;
    tamper::set_field(app, tenant, seq, "hash", &format!("\"{hash}\"")).await;
    tamper::reindex(app, tenant).await;
    let tenant = tamper::tenant_sql(app, tenant);
    app.raw_sql(&format!(
        "UPDATE audit_heads SET hash = '{hash}' WHERE tenant_id = {tenant}"
    ))
    .await
    .unwrap();
}

/// Writes a retention checkpoint after position `seq` with MAC `mac` (SQL) through the
/// purge's guard and removes the events up to it, as someone with write access could.
async fn forge_checkpoint(app: &TestApp, tenant: TenantId, seq: i64, mac: &str) {
    let t = tamper::tenant_sql(app, tenant);
    let hash = tamper::hash_at_sql(app, tenant, seq);
    app.raw_sql(&format!(
        "INSERT INTO audit_purge_guard (id) VALUES (1);
         INSERT INTO audit_checkpoints (tenant_id, seq, hash, created_at, mac)
             SELECT tenant_id, {seq}, {hash}, last_at, {mac} FROM audit_blocks
             WHERE tenant_id = {t} AND first_seq <= {seq} AND last_seq >= {seq};
         DELETE FROM audit_purge_guard;"
    ))
    .await
    .unwrap();
    tamper::remove_events(app, tenant, 0, seq).await;
}

backend_tests! {
    async fn keyed_links_name_their_key_and_the_chain_verifies_with_it(app, "--audit-chain-key", "1111111111111111111111111111111111111111111111111111111111111111") {
        let admin = app.admin_token().await;
        let tenant = app.tenant_id().await;
        app.create_agent(&admin, json!({})).await;
        let r = app.request(Method::GET, "/v1/audit/events", Some(&admin), None).await;
        let events = r.expect(StatusCode::OK)["data"].as_array().unwrap().clone();
        let prefix = format!("hmac-sha256:{}:", key(KEY).id());
        assert!(events.len() >= 5);
        for e in &events {
            assert!(e["hash"].as_str().unwrap().starts_with(&prefix), "{e}");
        }
        assert_eq!(verify_chain(&app.state.idp.db, tenant).await.unwrap().unwrap(), events.len() as u64);
    }

    async fn an_event_altered_and_rehashed_without_the_key_breaks_the_chain(app, "--audit-chain-key", "1111111111111111111111111111111111111111111111111111111111111111") {
        let admin = app.admin_token().await;
        app.create_agent(&admin, json!({})).await;
        let tenant = app.tenant_id().await;
        let db = &app.state.idp.db;
        let (head, last) = last_event(&app, tenant).await;
        let mut altered = last.event.clone();
        altered.actor = "mallory".into();
        // Without the key, the forger can hash the link unkeyed or under a key of its own.
        let unkeyed = altered.chain_hash(head, &last.prev_hash);
        let own_key = altered.link_hash(head, &last.prev_hash, Some(&key(OTHER_KEY)));
        for (hash, reason) in [(unkeyed, "downgraded"), (own_key, "neither AUDIT_CHAIN_KEY")] {
            forge_last_event(&app, tenant, last.seq, &hash).await;
            let broken = verify_chain(db, tenant).await.unwrap().unwrap_err();
            assert_eq!(broken.seq, head);
            assert!(broken.reason.contains(reason), "{}", broken.reason);
        }
        // With the key, the same edit is what verification recomputes: the key is the secret.
        let keyed = altered.link_hash(head, &last.prev_hash, Some(&key(KEY)));
        forge_last_event(&app, tenant, last.seq, &keyed).await;
        assert!(verify_chain(db, tenant).await.unwrap().is_ok());
    }

    async fn a_keyed_chain_continues_verifiably_from_a_retention_checkpoint(app, "--audit-chain-key", "1111111111111111111111111111111111111111111111111111111111111111") {
        let (admin, tenant) = purge_all(&app).await;
        let db = &app.state.idp.db;
        app.create_agent(&admin, json!({})).await;
        assert_eq!(verify_chain(db, tenant).await.unwrap().unwrap(), 1);
    }

    async fn a_node_without_the_chains_key_refuses_to_start(app, "--audit-chain-key", "1111111111111111111111111111111111111111111111111111111111111111") {
        app.admin_token().await;
        for args in [&[][..], &["--audit-chain-key", OTHER_KEY]] {
            let Err(refused) = app.try_another_node(args).await else {
                panic!("a node with {args:?} started on a chain keyed with another key");
            };
            let chain = agentidp::error_chain(&refused);
            assert!(chain.contains(&format!("keyed with key {}", key(KEY).id())), "{chain}");
        }
        assert!(app.try_another_node(&["--audit-chain-key", KEY]).await.is_ok());
    }

    async fn a_retired_key_still_verifies_its_links_but_may_not_follow_the_new_keys(app, "--audit-chain-key", "1111111111111111111111111111111111111111111111111111111111111111") {
        let admin = app.admin_token().await;
        let tenant = app.tenant_id().await;
        let rotated = rotated_node(&app, &admin).await;
        let db = &rotated.state.idp.db;
        assert_eq!(verify_chain(db, tenant).await.unwrap().unwrap(), 3 + 2 + 2);
        // Nodes holding only the retired key neither start nor, if still running, write.
        assert!(app.try_another_node(&["--audit-chain-key", KEY]).await.is_err());
        let refused = app.request(Method::POST, "/v1/agents", Some(&admin), Some(crate::helpers::agent_body(json!({})))).await;
        refused.expect_error(StatusCode::INTERNAL_SERVER_ERROR, "INTERNAL_ERROR");
        // Whoever holds the retired key (say it leaked) cannot re-hash a link that follows one
        // made with its successor.
        let (head, last) = last_event(&rotated, tenant).await;
        let mut altered = last.event.clone();
        altered.actor = "mallory".into();
        let forged = altered.link_hash(head, &last.prev_hash, Some(&key(KEY)));
        forge_last_event(&rotated, tenant, last.seq, &forged).await;
        let broken = verify_chain(db, tenant).await.unwrap().unwrap_err();
        assert_eq!(broken.seq, head);
        assert!(broken.reason.contains("retired before"), "{}", broken.reason);
    }

    async fn a_key_adopted_on_an_existing_chain_keys_every_later_link(app) {
        let admin = app.admin_token().await;
        let tenant = app.tenant_id().await;
        let keyed = app.another_node(&["--audit-chain-key", KEY]).await;
        keyed.create_agent(&admin, json!({})).await;
        let db = &keyed.state.idp.db;
        let strict = verify_chain(db, tenant).await.unwrap().unwrap_err();
        assert!(strict.reason.contains("--accept-unkeyed-prefix"), "{}", strict.reason);
        let lenient = VerifyPolicy { accept_unkeyed_prefix: true };
        let verified = verify_chain_with(db, tenant, lenient).await.unwrap().unwrap();
        assert_eq!(verified, 3 + 2 + 1, "bootstrap, two tokens, then the keyed agent event");
        // The node still running without the key fails its writes rather than downgrade the
        // chain, and verifying without the key says what it needs.
        let refused = app.request(Method::POST, "/v1/agents", Some(&admin), Some(crate::helpers::agent_body(json!({})))).await;
        refused.expect_error(StatusCode::INTERNAL_SERVER_ERROR, "INTERNAL_ERROR");
        let unkeyed = verify_chain(&app.state.idp.db, tenant).await.unwrap().unwrap_err();
        assert!(unkeyed.reason.contains("set AUDIT_CHAIN_KEY"), "{}", unkeyed.reason);
        // Nor does it purge the chain: it could not authenticate the checkpoint.
        let now = Timestamp::now();
        assert_eq!(app.state.idp.db.purge_events(tenant, now.plus_seconds(1), now).await.unwrap(), 0);
        assert_eq!(verify_chain_with(db, tenant, lenient).await.unwrap().unwrap(), verified);
    }

    async fn a_retention_checkpoint_forged_without_the_key_is_caught(app, "--audit-chain-key", "1111111111111111111111111111111111111111111111111111111111111111") {
        let (admin, tenant) = purge_all(&app).await;
        let db = &app.state.idp.db;
        for _ in 0..4 {
            app.create_agent(&admin, json!({})).await;
        }
        let (head, _) = db.chain_head(tenant).await.unwrap().unwrap();
        // A MAC under a key of the forger's own, over the right position and hash.
        let hidden = db.chain_page(tenant, head - 4, 1).await.unwrap().remove(0);
        let foreign = format!("'{}'", key(OTHER_KEY).checkpoint_mac(tenant, head - 3, &hidden.hash));
        // The real purge's MAC, copied onto another position.
        let copied = format!(
            "(SELECT mac FROM audit_checkpoints WHERE tenant_id = {} ORDER BY seq LIMIT 1)",
            tamper::tenant_sql(&app, tenant)
        );
        let lenient = VerifyPolicy { accept_unkeyed_prefix: true };
        for (seq, mac, reason) in [
            (head - 3, foreign.as_str(), "do not hold"),
            (head - 2, copied.as_str(), "does not match its MAC"),
            (head - 1, "NULL", "without a MAC"),
        ] {
            forge_checkpoint(&app, tenant, seq, mac).await;
            for policy in [VerifyPolicy::default(), lenient] {
                let broken = verify_chain_with(db, tenant, policy).await.unwrap().unwrap_err();
                assert_eq!(broken.seq, seq + 1);
                assert!(broken.reason.contains(reason), "{}", broken.reason);
            }
        }
    }

    async fn a_retired_key_cannot_move_a_chains_start_past_its_successors_links(app, "--audit-chain-key", "1111111111111111111111111111111111111111111111111111111111111111") {
        let admin = app.admin_token().await;
        let tenant = app.tenant_id().await;
        let rotated = rotated_node(&app, &admin).await;
        let db = &rotated.state.idp.db;
        let (head, _) = db.chain_head(tenant).await.unwrap().unwrap();
        let successors = db.chain_page(tenant, head - 2, 1).await.unwrap().remove(0);
        let mac = key(KEY).checkpoint_mac(tenant, head - 1, &successors.hash);
        forge_checkpoint(&rotated, tenant, head - 1, &format!("'{mac}'")).await;
        let broken = verify_chain(db, tenant).await.unwrap().unwrap_err();
        assert!(broken.reason.contains("retired before"), "{}", broken.reason);
    }

    async fn a_keyed_checkpoint_admits_no_unkeyed_link_after_it_even_from_before_the_key(app, "--audit-chain-key", "1111111111111111111111111111111111111111111111111111111111111111") {
        let (admin, tenant) = purge_all(&app).await;
        let db = &app.state.idp.db;
        app.create_agent(&admin, json!({})).await;
        let (head, last) = last_event(&app, tenant).await;
        forge_last_event(&app, tenant, last.seq, &last.event.chain_hash(head, &last.prev_hash)).await;
        let lenient = VerifyPolicy { accept_unkeyed_prefix: true };
        let broken = verify_chain_with(db, tenant, lenient).await.unwrap().unwrap_err();
        assert!(broken.reason.contains("downgraded"), "{}", broken.reason);
    }

    async fn an_event_put_back_before_the_retention_checkpoint_is_caught(app) {
        let (admin, tenant) = purge_all(&app).await;
        let db = &app.state.idp.db;
        app.create_agent(&admin, json!({})).await;
        assert!(verify_chain(db, tenant).await.unwrap().is_ok());
        let (head, _) = db.chain_head(tenant).await.unwrap().unwrap();
        tamper::insert_copy(&app, tenant, head, 1, Some("mallory")).await;
        let broken = verify_chain(db, tenant).await.unwrap().unwrap_err();
        assert_eq!(broken.seq, 1);
        assert!(broken.reason.contains("before the retention checkpoint"), "{}", broken.reason);
    }
}
