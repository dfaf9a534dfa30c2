//! The listener of a real `agentidp` process against slow clients: connections that never
//! finish their request head are closed after the header-read timeout, and the connection cap
//! keeps them from crowding out everyone else. Runs on SQLite, and on PostgreSQL when
//! `AGENTIDP_TEST_POSTGRES_URL` is set.

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
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Connections that send half a request head and then nothing.
const SLOW: usize = 150;

/// Whether the server closed `stream` within `wait` (a read sees end of file or a reset).
async fn closed_within(stream: &mut TcpStream, wait: Duration) -> bool {
    let mut buf = [0_u8; 1024];
    loop {
        match tokio::time::timeout(wait, stream.read(&mut buf)).await {
            Err(_) => return false,
            Ok(Ok(0) | Err(_)) => return true,
            // A status line (e.g. 408) before the close is fine; keep reading to the end.
            Ok(Ok(_)) => {}
        }
    }
}

async fn slow_clients_are_closed_and_normal_requests_keep_succeeding(database_url: Option<String>) {
    let mut env = vec![
        ("HTTP_HEADER_READ_TIMEOUT_MS", "1000".to_owned()),
        ("HTTP_MAX_CONNECTIONS", "32".to_owned()),
    ];
    if let Some(url) = database_url {
        env.push(("DATABASE_URL", url));
    }
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let server = Server::start(&env).await;

    let started = Instant::now();
    let mut slow = Vec::with_capacity(SLOW);
    for _ in 0..SLOW {
        let mut stream = TcpStream::connect(&server.addr).await.unwrap();
        stream
            .write_all(b"GET /health HTTP/1.1\r\nHost: agentidp.test\r\nX-Slow: ")
            .await
            .unwrap();
        slow.push(stream);
    }
    // While they hold (and, past the cap, queue for) connection slots, requests still get
    // through: each waits at most for the slots ahead of it to time out.
    for _ in 0..5 {
        let reply = tokio::time::timeout(Duration::from_secs(10), server.get("/health", None))
            .await
            .expect("a normal request is answered while slow clients hold connections");
        assert_eq!(reply.map(|r| r.status), Some(200));
    }
    // Every slow connection is closed once its header-read timeout ran out: with 32 slots
    // and a 1 s timeout, 150 of them are through in about 5 s.
    for (n, stream) in slow.iter_mut().enumerate() {
        let left = Duration::from_secs(20).saturating_sub(started.elapsed());
        assert!(
            closed_within(stream, left).await,
            "slow connection {n} still open after {:?}",
            started.elapsed()
        );
    }
    let reply = server.get("/health", None).await.unwrap();
    assert_eq!(reply.status, 200);
}

#[tokio::test]
async fn slow_clients_are_closed_on_sqlite() {
    slow_clients_are_closed_and_normal_requests_keep_succeeding(None).await;
}

#[tokio::test]
async fn slow_clients_are_closed_on_postgres() {
    let Some(server) = common_postgres::postgres_url() else {
        return;
    };
    let url = common_postgres::fresh_postgres_database(&server).await;
    slow_clients_are_closed_and_normal_requests_keep_succeeding(Some(url)).await;
}
