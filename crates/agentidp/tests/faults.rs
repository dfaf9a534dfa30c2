//! Fault paths of a real `agentidp` process: a database that is unreachable at start (the
//! server retries, then gives up clearly) and one that goes away while serving (503 with a
//! clear code, recovery once it is back).

#![expect(clippy::unwrap_used, reason = "tests fail loudly")]

#[path = "common/postgres.rs"]
mod common_postgres;
#[path = "common/process.rs"]
#[expect(
    dead_code,
    reason = "shared test helpers: this binary uses a part of them"
)]
mod process;
#[path = "common/proxy.rs"]
mod proxy;

use std::process::Command;
use std::time::{Duration, Instant};

use process::{Server, free_port};
use proxy::Proxy;

/// A fresh PostgreSQL database reached through a proxy (open or not): the proxy and the
/// database URL that goes through it. `None` when the PostgreSQL suite is off.
async fn proxied_database(open: bool) -> Option<(Proxy, String)> {
    let server = common_postgres::postgres_url()?;
    let url = common_postgres::fresh_postgres_database(&server).await;
    let rest = server.trim_end_matches('/').split("://").nth(1).unwrap();
    let host_port = rest.rsplit('@').next().unwrap().to_owned();
    let proxy = Proxy::start(host_port.clone(), open).await;
    let via_proxy = url.replace(&host_port, &format!("127.0.0.1:{}", proxy.port));
    Some((proxy, via_proxy))
}

#[test]
fn a_server_whose_database_never_answers_gives_up_with_a_clear_error() {
    let dead = format!("postgres://postgres@127.0.0.1:{}/agentidp", free_port());
    let started = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_agentidp"))
        .arg("serve")
        .env("DATABASE_URL", &dead)
        .env("DB_CONNECT_RETRY_SECS", "2")
        .env("BIND_ADDR", format!("127.0.0.1:{}", free_port()))
        .env("RUST_LOG", "warn")
        .env("LOG_FORMAT", "json")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(started.elapsed() < Duration::from_secs(20));
    assert!(
        stderr.contains("database unreachable; retrying"),
        "{stderr}"
    );
    let last = stderr.lines().last().unwrap();
    assert!(
        last.starts_with("error: database: database unavailable"),
        "{last}"
    );
}

#[tokio::test]
async fn a_server_started_before_its_database_waits_for_it() {
    let Some((proxy, via_proxy)) = proxied_database(false).await else {
        return;
    };
    let restore = async {
        tokio::time::sleep(Duration::from_millis(1500)).await;
        proxy.restore();
    };
    let env = [
        ("DATABASE_URL", via_proxy.as_str()),
        ("DB_CONNECT_RETRY_SECS", "30"),
    ];
    let (server, ()) = tokio::join!(Server::start(&env), restore);
    assert!(!server.admin.1.is_empty(), "it bootstrapped once connected");
    assert!(server.stderr().contains("database unreachable; retrying"));
}

#[tokio::test]
async fn requests_get_503_while_the_database_is_unreachable_and_succeed_again_after() {
    let Some((proxy, via_proxy)) = proxied_database(true).await else {
        return;
    };
    let server = Server::start(&[
        ("DATABASE_URL", via_proxy.as_str()),
        ("DB_POOL_CONNECTION_TIMEOUT_MS", "1000"),
    ])
    .await;
    let (id, secret) = server.admin.clone();
    let token = server.token(&id, &secret).await.unwrap();
    assert_eq!(
        server.get("/v1/agents", Some(&token)).await.unwrap().status,
        200
    );

    proxy.cut().await;
    let down = server.get("/v1/agents", Some(&token)).await.unwrap();
    assert_eq!(down.status, 503, "{}", down.body);
    assert_eq!(down.json()["code"], "SERVICE_UNAVAILABLE");
    assert_eq!(down.header("retry-after"), "1");
    let refused = server.token(&id, &secret).await.unwrap_err();
    assert_eq!(refused.status, 503, "{}", refused.body);
    assert_eq!(refused.json()["error"], "temporarily_unavailable");
    let health = server.get("/health/detailed", None).await.unwrap();
    assert_eq!(health.status, 503);
    assert_eq!(health.json()["checks"]["database"]["status"], "unreachable");
    assert_eq!(server.get("/health", None).await.unwrap().status, 200);

    proxy.restore();
    let mut recovered = false;
    for _ in 0..50 {
        if server
            .get("/v1/agents", Some(&token))
            .await
            .is_some_and(|r| r.status == 200)
        {
            recovered = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(
        recovered,
        "requests succeed again once the database is back"
    );
    assert!(server.token(&id, &secret).await.is_ok());
}

#[tokio::test]
async fn sigterm_stops_the_server_cleanly_after_flushing_usage_counters() {
    let dir = std::env::temp_dir().join(format!("agentidp-term-{}", uuid::Uuid::now_v7().simple()));
    let url = format!("sqlite://{}/agentidp.db", dir.display());
    let mut server = Server::start(&[("DATABASE_URL", url.as_str())]).await;
    let (id, secret) = server.admin.clone();
    for _ in 0..3 {
        server.token(&id, &secret).await.unwrap();
    }
    let status = server.terminate().await;
    assert!(status.success(), "{status:?}: {}", server.stderr());
    let log = server.stderr();
    assert!(
        log.contains("shutting down: draining requests") && log.contains("stopped"),
        "{log}"
    );

    // The counters were only in memory (flushed every 5 s): the shutdown wrote them.
    let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
    let (count,): (i64,) =
        sqlx::query_as("SELECT count FROM usage_events WHERE metric = 'tokens_issued'")
            .fetch_one(&pool)
            .await
            .unwrap();
    pool.close().await;
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(count, 3);
}

/// Issues three tokens, waits one flush interval, issues two more and kills the server with
/// SIGKILL; answers how many of the five the database holds.
async fn tokens_stored_after_a_kill(env: &[(&str, &str)]) -> i64 {
    let server = Server::start(env).await;
    let (id, secret) = server.admin.clone();
    for _ in 0..3 {
        server.token(&id, &secret).await.unwrap();
    }
    // Counts are flushed every 5 s: after one interval the first three are stored.
    tokio::time::sleep(Duration::from_secs(6)).await;
    for _ in 0..2 {
        server.token(&id, &secret).await.unwrap();
    }
    drop(server); // SIGKILL: no shutdown flush.
    tokio::time::sleep(Duration::from_millis(200)).await;
    const SQL: &str = "SELECT CAST(COALESCE(SUM(count), 0) AS BIGINT) FROM usage_events WHERE metric = 'tokens_issued'";
    let url = env
        .iter()
        .find(|(k, _)| *k == "DATABASE_URL")
        .map(|(_, v)| *v)
        .unwrap();
    let (stored,): (i64,) = if url.starts_with("postgres") {
        let pool = sqlx::PgPool::connect(url).await.unwrap();
        let row = sqlx::query_as(SQL).fetch_one(&pool).await.unwrap();
        pool.close().await;
        row
    } else {
        let pool = sqlx::SqlitePool::connect(url).await.unwrap();
        let row = sqlx::query_as(SQL).fetch_one(&pool).await.unwrap();
        pool.close().await;
        row
    };
    stored
}

#[tokio::test]
async fn a_killed_server_loses_at_most_the_usage_of_its_last_flush_interval() {
    let dir = std::env::temp_dir().join(format!("agentidp-kill-{}", uuid::Uuid::now_v7().simple()));
    let url = format!("sqlite://{}/agentidp.db", dir.display());
    let stored = tokens_stored_after_a_kill(&[("DATABASE_URL", url.as_str())]).await;
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        (3..=5).contains(&stored),
        "at most the last interval is lost: {stored} of 5 stored"
    );
}

#[tokio::test]
async fn a_killed_node_on_postgresql_with_redis_loses_at_most_its_last_flush_interval() {
    let (Some(server), Ok(redis)) = (
        common_postgres::postgres_url(),
        std::env::var("AGENTIDP_TEST_REDIS_URL"),
    ) else {
        return;
    };
    let url = common_postgres::fresh_postgres_database(&server).await;
    let env = [
        ("DATABASE_URL", url.as_str()),
        ("REDIS_URL", redis.as_str()),
    ];
    let stored = tokens_stored_after_a_kill(&env).await;
    assert!(
        (3..=5).contains(&stored),
        "at most the last interval is lost: {stored} of 5 stored"
    );
}

#[tokio::test]
async fn metrics_can_be_served_on_their_own_address_only() {
    let dir = std::env::temp_dir().join(format!(
        "agentidp-metrics-{}",
        uuid::Uuid::now_v7().simple()
    ));
    let url = format!("sqlite://{}/agentidp.db", dir.display());
    let metrics_addr = format!("127.0.0.1:{}", free_port());
    let server = Server::start(&[
        ("DATABASE_URL", url.as_str()),
        ("METRICS_BIND_ADDR", metrics_addr.as_str()),
    ])
    .await;
    assert_eq!(server.get("/metrics", None).await.unwrap().status, 404);
    let scrape = process::request(&metrics_addr, "GET", "/metrics", "", None)
        .await
        .unwrap();
    assert_eq!(scrape.status, 200);
    assert!(
        scrape
            .body
            .contains(r#"agentidp_http_requests_total{method="GET",route="/health",status="200"}"#),
        "{}",
        scrape.body
    );
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn a_request_stuck_on_the_database_is_cut_off_by_the_request_timeout() {
    let Some((proxy, via_proxy)) = proxied_database(true).await else {
        return;
    };
    let server = Server::start(&[
        ("DATABASE_URL", via_proxy.as_str()),
        ("REQUEST_TIMEOUT_MS", "300"),
        ("DB_POOL_CONNECTION_TIMEOUT_MS", "10000"),
    ])
    .await;
    let (id, secret) = server.admin.clone();
    let token = server.token(&id, &secret).await.unwrap();
    proxy.stall().await;
    let started = Instant::now();
    let rest = server.get("/v1/agents", Some(&token)).await.unwrap();
    assert_eq!(rest.status, 503, "{}", rest.body);
    assert_eq!(rest.json()["code"], "REQUEST_TIMEOUT");
    assert_eq!(rest.header("retry-after"), "1");
    let oauth = server.token(&id, &secret).await.unwrap_err();
    assert_eq!(oauth.status, 503, "{}", oauth.body);
    assert_eq!(oauth.json()["error"], "temporarily_unavailable");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "cut off long before the pool gave up"
    );
}
