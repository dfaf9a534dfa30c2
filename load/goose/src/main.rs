//! `agentidp-load`: a Goose load test of the agentidp server.
//!
//! Runs the product spec's three scenarios one after another (or one, with `--scenario`):
//! `registration` (100 users), `tokens` (1000 users) and `rotation` (50 users), each for
//! `--duration` seconds once its users are up, then prints a Markdown table of the results and
//! exits with status 1 when a scenario missed a threshold (p95 < 500 ms, error rate < 1 %).
//!
//! Without `--url` it starts its own server (`--server-bin`) in a temporary directory and kills
//! it at the end; it only ever sends requests to 127.0.0.1 or localhost.

mod api;
mod report;
mod scenarios;
mod server;
mod user;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use clap::Parser;
use url::{Host, Url};

use crate::api::ClientCredentials;
use crate::report::{Summary, Thresholds};
use crate::scenarios::{Kind, RunSettings};
use crate::server::{Server, ServerOptions};

/// Set by the first Ctrl-C: the running scenario stops and no further one starts.
static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// Load test of the agentidp server (Goose): agent registration, token issuance and credential
/// rotation, with pass/fail thresholds.
#[derive(Debug, Parser)]
#[command(name = "agentidp-load", version)]
struct Cli {
    /// Run only this scenario (default: all three, one after another).
    #[arg(long, value_enum)]
    scenario: Option<Kind>,
    /// Seconds each scenario runs once all its users are up.
    #[arg(long, default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..=3600))]
    duration: u64,
    /// Seconds over which a scenario starts its users.
    #[arg(long, default_value_t = 3)]
    ramp: u64,
    /// Users for every scenario, instead of the spec's 100 / 1000 / 50.
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=100_000))]
    users: Option<u64>,
    /// Shortest pause of a user between two requests, in milliseconds.
    #[arg(long, default_value_t = 500)]
    wait_min_ms: u64,
    /// Longest pause of a user between two requests, in milliseconds (0 with --wait-min-ms 0:
    /// no pause, every user sends as fast as it gets answers).
    #[arg(long, default_value_t = 1500)]
    wait_max_ms: u64,
    /// Agents, each with one client secret, that the token scenario's users share.
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u64).range(1..=10_000))]
    token_agents: u64,
    /// Seconds one request may take before it counts as failed.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=300))]
    request_timeout: u64,
    /// A scenario fails when its 95th percentile response time is not below this (ms).
    #[arg(long, default_value_t = 500.0)]
    max_p95_ms: f64,
    /// A scenario fails when its failed requests are not below this share (percent).
    #[arg(long, default_value_t = 1.0)]
    max_error_rate: f64,
    /// Test an already running server (http://127.0.0.1:PORT or http://localhost:PORT) instead
    /// of starting one; needs the admin credentials.
    #[arg(long)]
    url: Option<String>,
    /// The admin's client id (default for a started server: the one it prints on first start).
    #[arg(long, env = "ADMIN_CLIENT_ID")]
    admin_client_id: Option<String>,
    /// The admin's client secret.
    #[arg(long, env = "ADMIN_CLIENT_SECRET", hide_env_values = true)]
    admin_client_secret: Option<String>,
    /// The agentidp binary to start when no --url is given
    /// [default: target/release/agentidp of this repository].
    #[arg(long)]
    server_bin: Option<PathBuf>,
    /// DATABASE_URL of the started server, e.g. postgres://postgres@127.0.0.1:5432/agentidp_load
    /// [default: a SQLite file in the server's temporary directory].
    #[arg(long)]
    database_url: Option<String>,
    /// REDIS_URL of the started server, e.g. redis://127.0.0.1:6379.
    #[arg(long)]
    redis_url: Option<String>,
    /// More environment for the started server, KEY=VALUE (repeatable), e.g. JWT_ALGORITHM=ES256.
    #[arg(long = "server-env", value_name = "KEY=VALUE", value_parser = key_value)]
    server_env: Vec<(String, String)>,
}

impl Cli {
    /// How each scenario runs.
    fn settings(&self) -> Result<RunSettings> {
        if self.wait_min_ms > self.wait_max_ms {
            bail!("--wait-min-ms must not be above --wait-max-ms");
        }
        Ok(RunSettings {
            duration_secs: usize::try_from(self.duration)?,
            ramp_secs: self.ramp as f64,
            wait_min: Duration::from_millis(self.wait_min_ms),
            wait_max: Duration::from_millis(self.wait_max_ms),
            users: self.users.map(usize::try_from).transpose()?,
            token_agents: usize::try_from(self.token_agents)?,
            request_timeout: Duration::from_secs(self.request_timeout),
        })
    }

    /// The admin credentials given by flag or environment, if both parts are.
    fn admin(&self) -> Option<ClientCredentials> {
        let id = self.admin_client_id.clone()?;
        let secret = self.admin_client_secret.clone()?;
        Some(ClientCredentials { id, secret })
    }

    /// The server to start when no --url is given.
    fn server_options(&self) -> ServerOptions {
        let bin = self.server_bin.clone().unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/release/agentidp")
        });
        ServerOptions {
            bin,
            database_url: self.database_url.clone(),
            redis_url: self.redis_url.clone(),
            extra_env: self.server_env.clone(),
        }
    }
}

/// Parses `KEY=VALUE`.
fn key_value(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((key, value)) if !key.is_empty() => Ok((key.to_owned(), value.to_owned())),
        _ => Err(format!("expected KEY=VALUE, got {s:?}")),
    }
}

/// The base URL of `url`, which must be http(s) on 127.0.0.1 (or another loopback address) or
/// localhost: the load test never sends load anywhere else.
fn local_base_url(url: &str) -> Result<String> {
    let parsed = Url::parse(url).with_context(|| format!("--url {url:?} is not a URL"))?;
    let local = match parsed.host() {
        Some(Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    if !local || !matches!(parsed.scheme(), "http" | "https") {
        bail!("--url must be http://127.0.0.1:PORT or http://localhost:PORT, not {url}");
    }
    Ok(parsed.as_str().trim_end_matches('/').to_owned())
}

/// The process-wide logger: only errors, to stderr. Installed before Goose's own (which then
/// stays out), so a failing server does not flood the terminal with a warning per request;
/// failures are counted in the results table instead.
struct ErrorsOnly;

impl log::Log for ErrorsOnly {
    fn enabled(&self, metadata: &log::Metadata) -> bool {
        metadata.level() <= log::Level::Error
    }

    fn log(&self, record: &log::Record) {
        if self.enabled(record.metadata()) {
            eprintln!("{}: {}", record.level(), record.args());
        }
    }

    fn flush(&self) {}
}

/// Installs [`ErrorsOnly`] as the logger.
fn install_logger() -> Result<()> {
    static LOGGER: ErrorsOnly = ErrorsOnly;
    log::set_logger(&LOGGER).map_err(|e| anyhow::anyhow!("installing the logger: {e}"))?;
    log::set_max_level(log::LevelFilter::Error);
    Ok(())
}

/// Stops the running scenario on the first Ctrl-C, and exits on the second.
fn install_interrupt_handler() -> Result<()> {
    ctrlc::set_handler(|| {
        if INTERRUPTED.swap(true, Ordering::SeqCst) {
            eprintln!("interrupted again: exiting");
            std::process::exit(130);
        }
        eprintln!("interrupted: stopping the running scenario (Ctrl-C again to exit now)");
        goose::trigger_killswitch("interrupted");
    })
    .context("installing the Ctrl-C handler")
}

/// Runs `kinds` one after another, adding each one's summary to `summaries`; stops early when
/// interrupted or when the started server has died.
async fn run_scenarios(
    kinds: &[Kind],
    base_url: &str,
    admin: &ClientCredentials,
    settings: &RunSettings,
    mut server: Option<&mut Server>,
    summaries: &mut Vec<Summary>,
) -> Result<()> {
    for &kind in kinds {
        if INTERRUPTED.load(Ordering::SeqCst) {
            break;
        }
        let users = settings.users_for(kind);
        eprintln!(
            "== {}: {users} users, {} s after a {} s ramp-up, against {base_url}",
            kind.name(),
            settings.duration_secs,
            settings.ramp_secs
        );
        let metrics = scenarios::run(kind, base_url, admin, settings).await?;
        let mut summary = Summary::from_metrics(kind.name(), users, &metrics);
        summary.interrupted = INTERRUPTED.load(Ordering::SeqCst);
        eprintln!(
            "   {} requests, {:.1} req/s, p95 {:.1} ms, {:.2} % errors",
            summary.requests,
            summary.rps,
            summary.p95_ms,
            summary.error_rate_pct()
        );
        summaries.push(summary);
        if let Some(server) = server.as_deref_mut() {
            server.check_running()?;
        }
    }
    Ok(())
}

/// Runs the load test; `Ok(true)` when every scenario met the thresholds.
async fn run(cli: Cli) -> Result<bool> {
    install_logger()?;
    install_interrupt_handler()?;
    let settings = cli.settings()?;
    let limits = Thresholds {
        p95_ms: cli.max_p95_ms,
        error_rate_pct: cli.max_error_rate,
    };
    let kinds: Vec<Kind> = cli.scenario.map_or_else(|| Kind::ALL.to_vec(), |k| vec![k]);

    let (mut server, base_url, admin) = match &cli.url {
        Some(url) => {
            let admin = cli.admin().context(
                "--url needs the admin credentials: ADMIN_CLIENT_ID and ADMIN_CLIENT_SECRET \
                 (or --admin-client-id and --admin-client-secret)",
            )?;
            (None, local_base_url(url)?, admin)
        }
        None => {
            let options = cli.server_options();
            eprintln!("starting {}", options.bin.display());
            let server = Server::start(&options).await?;
            let admin = match cli.admin() {
                Some(admin) => admin,
                None => server.admin_credentials()?.context(
                    "the server printed no admin credentials (its database was set up before); \
                     pass ADMIN_CLIENT_ID and ADMIN_CLIENT_SECRET",
                )?,
            };
            let base_url = server.base_url().to_owned();
            eprintln!("server up at {base_url}");
            (Some(server), base_url, admin)
        }
    };

    let mut summaries = Vec::new();
    let outcome = match api::check_admin(&base_url, &admin).await {
        Ok(()) => {
            run_scenarios(
                &kinds,
                &base_url,
                &admin,
                &settings,
                server.as_mut(),
                &mut summaries,
            )
            .await
        }
        Err(e) => Err(e),
    };
    if let Some(server) = server.take() {
        server.stop().await;
    }

    if !summaries.is_empty() {
        println!("\n{}", report::table(&summaries, limits));
    }
    outcome?;
    if INTERRUPTED.load(Ordering::SeqCst) {
        bail!("interrupted");
    }
    Ok(summaries.iter().all(|s| s.passes(limits)))
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli).await {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => {
            eprintln!("a scenario missed its thresholds");
            ExitCode::from(1)
        }
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}
