//! Two `agentidp` processes behind one address, sharing one PostgreSQL database and one
//! Redis, behave as one: revocations, decommissions, rate limits and quotas hold across them.
//! Runs when both `AGENTIDP_TEST_POSTGRES_URL` and `AGENTIDP_TEST_REDIS_URL` are set.

#![expect(clippy::unwrap_used, reason = "tests fail loudly")]

#[path = "common/postgres.rs"]
mod common_postgres;
#[path = "common/process.rs"]
#[expect(
    dead_code,
    reason = "shared test helpers: this binary uses a part of them"
)]
mod process;

use std::time::{Duration, Instant};

use process::Server;
use serde_json::json;

/// Polls `check` for up to one second; returns how long it took to hold.
async fn within_one_second(mut check: impl AsyncFnMut() -> bool) -> Duration {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(1) {
        if check().await {
            return start.elapsed();
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("did not hold within 1 s");
}

#[tokio::test]
async fn two_nodes_on_one_postgres_and_redis_behave_as_one() {
    let (Some(pg), Some(redis)) = (
        common_postgres::postgres_url(),
        std::env::var("AGENTIDP_TEST_REDIS_URL")
            .ok()
            .filter(|s| !s.is_empty()),
    ) else {
        return;
    };
    let url = common_postgres::fresh_postgres_database(&pg).await;
    let env = [
        ("DATABASE_URL", url.as_str()),
        ("REDIS_URL", redis.as_str()),
        ("MAX_TOKENS_PER_MONTH", "12"),
        ("RATE_LIMIT_OVERRIDES", "/v1/audit/events=3"),
    ];
    let a = Server::start(&env).await;
    let b = Server::start(&env).await;
    let (admin_id, admin_secret) = a.admin.clone();
    assert!(
        b.admin.0.is_empty(),
        "the second node found the tenant already there"
    );

    // A token from A works on B: one issuer, one key set.
    let admin = a.token(&admin_id, &admin_secret).await.unwrap();
    assert_eq!(b.get("/v1/agents", Some(&admin)).await.unwrap().status, 200);

    // An agent with a secret, registered on A and given a token by B.
    let agent = a
        .post_json(
            "/v1/agents",
            &admin,
            &json!({"email": "twin@example.com", "name": "Twin", "agentType": "worker",
                    "version": "1.0.0", "owner": "ops", "deploymentEnv": "production",
                    "allowedScopes": ["jobs:run"]}),
        )
        .await
        .unwrap();
    assert_eq!(agent.status, 201, "{}", agent.body);
    let agent_id = agent.json()["agentId"].as_str().unwrap().to_owned();
    let cred = a
        .post_json(
            &format!("/v1/agents/{agent_id}/credentials"),
            &admin,
            &json!({}),
        )
        .await
        .unwrap();
    let agent_secret = cred.json()["clientSecret"].as_str().unwrap().to_owned();
    let agent_token = b.token(&agent_id, &agent_secret).await.unwrap();
    let introspect = async |node: &Server, token: &str| {
        node.post_form(
            "/oauth2/introspect",
            (&admin_id, &admin_secret),
            &format!("token={token}"),
        )
        .await
        .unwrap()
        .json()["active"]
            == true
    };
    assert!(introspect(&a, &agent_token).await);

    // Revoked on A, rejected by B within a second.
    let revoked = a
        .post_form(
            "/oauth2/revoke",
            (&admin_id, &admin_secret),
            &format!("token={agent_token}"),
        )
        .await
        .unwrap();
    assert_eq!(revoked.status, 200);
    let took = within_one_second(async || !introspect(&b, &agent_token).await).await;
    eprintln!("revocation seen by the other node after {took:?}");

    // Decommissioned on B, its fresh token rejected by A within a second.
    let fresh = a.token(&agent_id, &agent_secret).await.unwrap();
    let deleted = b
        .delete(&format!("/v1/agents/{agent_id}"), &admin)
        .await
        .unwrap();
    assert!(
        deleted.status == 200 || deleted.status == 204,
        "{}",
        deleted.body
    );
    within_one_second(async || !introspect(&a, &fresh).await).await;
    assert_eq!(
        a.token(&agent_id, &agent_secret).await.unwrap_err().status,
        401
    );

    // One rate limit across both nodes: 3 audit queries per window, wherever they land.
    for node in [&a, &b, &a] {
        assert_eq!(
            node.get("/v1/audit/events", Some(&admin))
                .await
                .unwrap()
                .status,
            200
        );
    }
    let limited = b.get("/v1/audit/events", Some(&admin)).await.unwrap();
    assert_eq!(limited.status, 429, "{}", limited.body);
    assert_eq!(limited.json()["code"], "RATE_LIMIT_EXCEEDED");

    // One monthly quota across both nodes: 12 tokens in all, 3 already issued above.
    let mut issued = 3;
    for node in [&a, &b].into_iter().cycle().take(12) {
        match node.token(&admin_id, &admin_secret).await {
            Ok(_) => issued += 1,
            Err(reply) => {
                assert_eq!(reply.status, 429, "{}", reply.body);
                assert_eq!(reply.json()["error"], "quota_exceeded");
            }
        }
    }
    assert_eq!(issued, 12, "exactly the quota, split over two nodes");
}
