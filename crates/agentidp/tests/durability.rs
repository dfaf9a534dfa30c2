//! Crash durability of the audit log: the server is killed with SIGKILL in the middle of a
//! token load, and every token response a client received must have its `token.issued` event.

#![expect(clippy::unwrap_used, reason = "tests fail loudly")]

#[path = "common/postgres.rs"]
mod common_postgres;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const CONNECTIONS: usize = 16;
const LOAD_BEFORE_KILL: Duration = Duration::from_millis(1500);

/// Reads one HTTP/1.1 response; `Some(true)` for a 200, `None` when the connection died.
async fn read_response(stream: &mut TcpStream, buf: &mut Vec<u8>) -> Option<bool> {
    buf.clear();
    loop {
        let mut chunk = [0u8; 4096];
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return None,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
        let text = String::from_utf8_lossy(buf);
        if let Some(head_end) = text.find("\r\n\r\n") {
            let length: usize = text[..head_end]
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length:")
                        .map(|v| v.trim().parse().unwrap_or(0))
                })
                .unwrap_or(0);
            if buf.len() >= head_end + 4 + length {
                return Some(text.starts_with("HTTP/1.1 200"));
            }
        }
    }
}

/// One keep-alive connection requesting tokens until the server dies; counts 200 responses.
async fn client(addr: String, basic: String, received: Arc<AtomicU64>) {
    let Ok(mut stream) = TcpStream::connect(&addr).await else {
        return;
    };
    let body = "grant_type=client_credentials";
    let request = format!(
        "POST /oauth2/token HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Basic {basic}\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    let mut buf = Vec::with_capacity(4096);
    while stream.write_all(request.as_bytes()).await.is_ok() {
        match read_response(&mut stream, &mut buf).await {
            Some(true) => {
                received.fetch_add(1, Ordering::SeqCst);
            }
            Some(false) => {}
            None => return,
        }
    }
}

async fn recorded_token_events(database_url: &str) -> i64 {
    // Every event of every block, not the blocks or their keys.
    if database_url.starts_with("postgres") {
        const SQL: &str = "SELECT COUNT(*) FROM audit_blocks, jsonb_array_elements(events::jsonb) e
            WHERE e ->> 'action' = 'token.issued'";
        let pool = sqlx::PgPool::connect(database_url).await.unwrap();
        sqlx::query_scalar(SQL).fetch_one(&pool).await.unwrap()
    } else {
        const SQL: &str = "SELECT COUNT(*) FROM audit_blocks, json_each(audit_blocks.events) e
            WHERE e.value ->> 'action' = 'token.issued'";
        let pool = sqlx::SqlitePool::connect(database_url).await.unwrap();
        sqlx::query_scalar(SQL).fetch_one(&pool).await.unwrap()
    }
}

async fn no_sent_token_loses_its_event_when_the_server_is_killed(database_url: String) {
    let dir =
        std::env::temp_dir().join(format!("agentidp-crash-{}", uuid::Uuid::now_v7().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let addr = format!("127.0.0.1:{port}");
    let mut server = Command::new(env!("CARGO_BIN_EXE_agentidp"))
        .args([
            "--bind-addr",
            &addr,
            "--jwt-algorithm",
            "EdDSA",
            "--max-tokens-per-month",
            "0",
        ])
        .env("DATABASE_URL", &database_url)
        .env("RUST_LOG", "warn")
        .env("RATE_LIMIT_MAX_REQUESTS", "0")
        .current_dir(&dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(server.stdout.take().unwrap()).lines();
    let (mut id, mut secret) = (String::new(), String::new());
    for line in lines.by_ref().map_while(Result::ok) {
        if let Some(v) = line.strip_prefix("client_id:") {
            id = v.trim().to_owned();
        }
        if let Some(v) = line.strip_prefix("client_secret:") {
            secret = v.trim().to_owned();
            break;
        }
    }
    assert!(
        !secret.is_empty(),
        "the server printed its admin credentials"
    );
    for _ in 0..200 {
        if TcpStream::connect(&addr).await.is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }

    let basic = STANDARD.encode(format!("{id}:{secret}"));
    let received = Arc::new(AtomicU64::new(0));
    let clients: Vec<_> = (0..CONNECTIONS)
        .map(|_| tokio::spawn(client(addr.clone(), basic.clone(), Arc::clone(&received))))
        .collect();
    tokio::time::sleep(LOAD_BEFORE_KILL).await;
    server.kill().unwrap();
    server.wait().unwrap();
    for c in clients {
        c.await.unwrap();
    }

    let received = received.load(Ordering::SeqCst);
    let recorded = recorded_token_events(&database_url).await;
    println!("tokens received by clients: {received}; token.issued events recorded: {recorded}");
    assert!(
        received >= 50,
        "the load ran before the kill ({received} tokens)"
    );
    assert!(
        u64::try_from(recorded).unwrap() >= received,
        "{received} tokens were sent but only {recorded} token.issued events survived the crash"
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_keeps_every_event_of_a_sent_token_across_a_kill() {
    let dir = std::env::temp_dir().join(format!(
        "agentidp-crash-db-{}",
        uuid::Uuid::now_v7().simple()
    ));
    no_sent_token_loses_its_event_when_the_server_is_killed(format!(
        "sqlite://{}/crash.db",
        dir.display()
    ))
    .await;
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_keeps_every_event_of_a_sent_token_across_a_kill() {
    let Some(server) = common_postgres::postgres_url() else {
        eprintln!("skipped: set AGENTIDP_TEST_POSTGRES_URL to run the PostgreSQL suite");
        return;
    };
    let url = common_postgres::fresh_postgres_database(&server).await;
    no_sent_token_loses_its_event_when_the_server_is_killed(url).await;
}
