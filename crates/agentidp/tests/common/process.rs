//! Real `agentidp` processes on loopback for multi-node and fault tests, and a minimal
//! HTTP/1.1 client to talk to them (one connection per request).

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// A free loopback port.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port()
}

/// A running server process; killed when dropped.
pub struct Server {
    pub addr: String,
    child: Child,
    dir: PathBuf,
    /// The admin credentials printed on first start (empty when the database was not new).
    pub admin: (String, String),
}

impl Server {
    /// Starts `agentidp serve` with `env` and waits until `/health` answers (up to 30 s).
    pub async fn start(env: &[(&str, &str)]) -> Self {
        let dir =
            std::env::temp_dir().join(format!("agentidp-node-{}", uuid::Uuid::now_v7().simple()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let addr = format!("127.0.0.1:{}", free_port());
        let mut child = Command::new(env!("CARGO_BIN_EXE_agentidp"))
            .arg("serve")
            .env_remove("DATABASE_URL")
            .env_remove("REDIS_URL")
            .env("BIND_ADDR", &addr)
            .env("PUBLIC_URL", "http://agentidp.cluster.test")
            .env("RUST_LOG", "info")
            .envs(env.iter().copied())
            .current_dir(&dir)
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(dir.join("stderr.log")).expect("log file"))
            .spawn()
            .expect("agentidp starts");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = std::sync::mpsc::channel();
        // Keeps draining stdout so the server never blocks on a full pipe.
        std::thread::spawn(move || {
            let mut id = String::new();
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(v) = line.strip_prefix("client_id:") {
                    id = v.trim().to_owned();
                }
                if let Some(v) = line.strip_prefix("client_secret:") {
                    let _ = tx.send((id.clone(), v.trim().to_owned()));
                }
            }
        });
        let mut server = Self {
            addr,
            child,
            dir,
            admin: (String::new(), String::new()),
        };
        for _ in 0..300 {
            if server
                .get("/health", None)
                .await
                .is_some_and(|r| r.status == 200)
            {
                break;
            }
            assert!(
                server.child.try_wait().ok().flatten().is_none(),
                "server exited: {}",
                server.stderr()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        // The credentials block, if any, is printed before the listener opens.
        server.admin = rx.try_recv().unwrap_or_default();
        server
    }

    /// Sends SIGTERM and waits (up to 30 s) for the exit status.
    pub async fn terminate(&mut self) -> std::process::ExitStatus {
        let pid = self.child.id().to_string();
        let sent = Command::new("kill").args(["-TERM", &pid]).status();
        assert!(sent.is_ok_and(|s| s.success()), "kill -TERM {pid}");
        for _ in 0..300 {
            if let Ok(Some(status)) = self.child.try_wait() {
                return status;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the server did not stop within 30 s of SIGTERM");
    }

    /// Everything the server logged so far.
    pub fn stderr(&self) -> String {
        std::fs::read_to_string(self.dir.join("stderr.log")).unwrap_or_default()
    }

    /// GET with an optional bearer token.
    pub async fn get(&self, path: &str, token: Option<&str>) -> Option<Reply> {
        let auth = token.map(|t| format!("Authorization: Bearer {t}\r\n"));
        request(&self.addr, "GET", path, auth.as_deref().unwrap_or(""), None).await
    }

    /// DELETE with a bearer token.
    pub async fn delete(&self, path: &str, token: &str) -> Option<Reply> {
        let auth = format!("Authorization: Bearer {token}\r\n");
        request(&self.addr, "DELETE", path, &auth, None).await
    }

    /// POST a JSON body with a bearer token.
    pub async fn post_json(&self, path: &str, token: &str, body: &Value) -> Option<Reply> {
        let auth = format!("Authorization: Bearer {token}\r\n");
        let body = ("application/json", body.to_string());
        request(&self.addr, "POST", path, &auth, Some(body)).await
    }

    /// POST a form with HTTP Basic client authentication.
    pub async fn post_form(&self, path: &str, basic: (&str, &str), form: &str) -> Option<Reply> {
        let auth = format!(
            "Authorization: Basic {}\r\n",
            STANDARD.encode(format!("{}:{}", basic.0, basic.1))
        );
        let body = ("application/x-www-form-urlencoded", form.to_owned());
        request(&self.addr, "POST", path, &auth, Some(body)).await
    }

    /// A client-credentials token, or the failed reply.
    pub async fn token(&self, id: &str, secret: &str) -> Result<String, Reply> {
        let reply = self
            .post_form(
                "/oauth2/token",
                (id, secret),
                "grant_type=client_credentials",
            )
            .await
            .expect("server answers");
        match reply.json()["access_token"].as_str() {
            Some(t) if reply.status == 200 => Ok(t.to_owned()),
            _ => Err(reply),
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A response.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: HashMap<String, String>,
    pub body: String,
}

impl Reply {
    /// The body as JSON (`Null` when it is not).
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or(Value::Null)
    }

    /// A header by lower-case name, or "".
    pub fn header(&self, name: &str) -> &str {
        self.headers.get(name).map_or("", String::as_str)
    }
}

/// One request to `addr` (`host:port`); `headers` are complete header lines.
pub async fn request(
    addr: &str,
    method: &str,
    path: &str,
    headers: &str,
    body: Option<(&str, String)>,
) -> Option<Reply> {
    let mut stream = TcpStream::connect(addr).await.ok()?;
    let (kind, body) = body.unwrap_or(("text/plain", String::new()));
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n{headers}\
         Content-Type: {kind}\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.ok()?;
    stream.write_all(body.as_bytes()).await.ok()?;
    let mut raw = Vec::new();
    tokio::time::timeout(Duration::from_secs(30), stream.read_to_end(&mut raw))
        .await
        .ok()?
        .ok()?;
    let text = String::from_utf8_lossy(&raw);
    let (head, body) = text.split_once("\r\n\r\n")?;
    let mut lines = head.lines();
    let status = lines.next()?.split(' ').nth(1)?.parse().ok()?;
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    Some(Reply {
        status,
        headers,
        body: body.to_owned(),
    })
}
