//! A throwaway agentidp server for one load run: started from a binary in a fresh temporary
//! directory on a free 127.0.0.1 port, with tenant quotas and the per-client rate limit off, its
//! admin credentials read from what it prints on first start, and killed at the end.

use std::fs::File;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use tempfile::TempDir;
use tokio::process::{Child, Command};

use crate::api::ClientCredentials;

/// How long the server may take to answer `GET /health` (migrations, a database to reach).
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// What the server is started with.
#[derive(Clone, Debug)]
pub struct ServerOptions {
    /// The `agentidp` binary.
    pub bin: PathBuf,
    /// `DATABASE_URL`; `None` = a SQLite file in the temporary directory.
    pub database_url: Option<String>,
    /// `REDIS_URL`, if any.
    pub redis_url: Option<String>,
    /// Further environment, after (and so over) the load test's own settings.
    pub extra_env: Vec<(String, String)>,
}

/// A running server started by the load test.
pub struct Server {
    /// The server process (killed when dropped, too).
    child: Child,
    /// Its working directory, with its logs and SQLite database; removed when dropped.
    dir: TempDir,
    /// `http://127.0.0.1:PORT`.
    base_url: String,
}

impl Server {
    /// Starts the server and waits until `GET /health` answers 200.
    pub async fn start(options: &ServerOptions) -> Result<Server> {
        let bin = options.bin.canonicalize().with_context(|| {
            format!(
                "no server binary at {} (build it with `cargo build --release --bin agentidp`, \
                 or pass --server-bin)",
                options.bin.display()
            )
        })?;
        let dir = tempfile::Builder::new()
            .prefix("agentidp-load-")
            .tempdir()
            .context("creating the server's temporary directory")?;
        let addr = format!("127.0.0.1:{}", free_port()?);
        let database_url = options
            .database_url
            .clone()
            .unwrap_or_else(|| format!("sqlite://{}", dir.path().join("agentidp.db").display()));
        let stdout = File::create(dir.path().join("stdout.log")).context("creating stdout.log")?;
        let stderr = File::create(dir.path().join("stderr.log")).context("creating stderr.log")?;

        let mut command = Command::new(&bin);
        command
            .arg("serve")
            .current_dir(dir.path())
            // Only what is set here reaches the server: no stray DATABASE_URL, JWT_* or .env.
            .env_clear()
            .env("BIND_ADDR", &addr)
            .env("DATABASE_URL", &database_url)
            .env("MAX_AGENTS_PER_TENANT", "0")
            .env("MAX_TOKENS_PER_MONTH", "0")
            .env("RATE_LIMIT_MAX_REQUESTS", "0")
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(stdout)
            .stderr(stderr)
            .kill_on_drop(true);
        for name in ["PATH", "TMPDIR"] {
            if let Some(value) = std::env::var_os(name) {
                command.env(name, value);
            }
        }
        if let Some(redis_url) = &options.redis_url {
            command.env("REDIS_URL", redis_url);
        }
        command.envs(options.extra_env.iter().map(|(k, v)| (k, v)));
        let child = command
            .spawn()
            .with_context(|| format!("starting {}", bin.display()))?;

        let mut server = Server {
            child,
            dir,
            base_url: format!("http://{addr}"),
        };
        server.wait_healthy().await?;
        Ok(server)
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The admin credentials the server printed on first start, if it printed them (a database
    /// that was already set up prints none).
    pub fn admin_credentials(&self) -> Result<Option<ClientCredentials>> {
        let path = self.dir.path().join("stdout.log");
        let out = std::fs::read_to_string(&path)
            .with_context(|| format!("reading {}", path.display()))?;
        let field = |name: &str| {
            out.lines()
                .filter_map(|line| line.strip_prefix(name))
                .filter_map(|rest| rest.split_whitespace().next())
                .next()
                .map(str::to_owned)
        };
        Ok(field("client_id:")
            .zip(field("client_secret:"))
            .map(|(id, secret)| ClientCredentials { id, secret }))
    }

    /// Fails when the server process has exited, with the end of its log.
    pub fn check_running(&mut self) -> Result<()> {
        if let Some(status) = self
            .child
            .try_wait()
            .context("checking the server process")?
        {
            bail!(
                "the server exited ({status}); the end of its log:\n{}",
                log_tail(&self.dir.path().join("stderr.log"))
            );
        }
        Ok(())
    }

    /// Kills the server and removes its directory.
    pub async fn stop(mut self) {
        if let Err(e) = self.child.kill().await {
            eprintln!("warning: could not stop the server: {e}");
        }
    }

    /// Polls `GET /health` until it answers 200, the server exits, or [`START_TIMEOUT`] passes.
    async fn wait_healthy(&mut self) -> Result<()> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(2))
            .build()
            .context("building the HTTP client")?;
        let url = format!("{}/health", self.base_url);
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            self.check_running()?;
            if let Ok(response) = http.get(&url).send().await
                && response.status().is_success()
            {
                return Ok(());
            }
            if Instant::now() > deadline {
                bail!(
                    "the server did not answer GET /health within {} s; the end of its log:\n{}",
                    START_TIMEOUT.as_secs(),
                    log_tail(&self.dir.path().join("stderr.log"))
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

/// A TCP port on 127.0.0.1 that is free now.
fn free_port() -> Result<u16> {
    let listener = TcpListener::bind("127.0.0.1:0").context("finding a free port")?;
    Ok(listener.local_addr().context("finding a free port")?.port())
}

/// The last 20 lines of a log file, or a note that it could not be read.
fn log_tail(path: &Path) -> String {
    match std::fs::read_to_string(path) {
        Ok(text) => {
            let lines: Vec<&str> = text.lines().collect();
            lines[lines.len().saturating_sub(20)..].join("\n")
        }
        Err(e) => format!("({}: {e})", path.display()),
    }
}
