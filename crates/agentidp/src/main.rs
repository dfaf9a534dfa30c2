//! `agentidp`: the server's command line (serve, migrate, bootstrap, keys rotate, audit).

use std::sync::Arc;

use agentidp::app::{App, key_settings};
use agentidp::config::{Config, LogFormat};
use agentidp::domain::audit::chain_key::VerifyPolicy;
use agentidp::domain::tenant::TenantAdmin;
use agentidp::service::audit::verify::check_chain_key;
use agentidp::service::signing;
use agentidp::service::tenants::Bootstrap;
use agentidp::store::Db;
use agentidp::{AppState, http};
use clap::{Parser, Subcommand};
use tracing_subscriber::EnvFilter;

mod audit_cli;
mod health_cli;

use audit_cli::AuditCommand;

/// glibc's allocator took about 11 % of the CPU under token load (many small, short-lived
/// allocations across threads); mimalloc's per-thread heaps serve them far more cheaply.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Debug, Parser)]
#[command(
    name = "agentidp",
    version,
    about = "AgentIdP: identity provider for AI agents"
)]
struct Cli {
    #[command(flatten)]
    config: Config,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the HTTP server (the default): migrates, bootstraps an empty database, serves.
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Create a tenant with an admin agent, or issue a new admin credential for an existing one.
    Bootstrap {
        /// Tenant name (3–63 characters of a-z, 0-9, '-').
        #[arg(long)]
        tenant: String,
    },
    /// Signing-key management.
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
    /// Audit-log tools.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Ask a running server's /health; exit 0 when it answers 200 (a container HEALTHCHECK).
    Healthcheck {
        /// The URL to ask (default: /health on BIND_ADDR, on loopback when it is 0.0.0.0).
        #[arg(long)]
        url: Option<String>,
        /// Seconds to wait for the answer.
        #[arg(long, default_value_t = 3)]
        timeout_secs: u64,
    },
}

#[derive(Debug, Subcommand)]
enum KeysCommand {
    /// Generate a new active signing key; the old one stays in the JWKS until its tokens expire.
    Rotate,
    /// Encrypt every stored private key under KEY_ENCRYPTION_KEY: keys stored in plain text
    /// and keys encrypted under a retired key (KEY_ENCRYPTION_RETIRED_KEYS).
    Encrypt,
}

fn init_logging(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_http=info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Json => builder.json().init(),
        LogFormat::Pretty => builder.init(),
    }
}

fn print_admin(heading: &str, admin: &TenantAdmin) {
    println!("\n==================== {heading} ====================");
    println!("tenant:        {} ({})", admin.tenant.name, admin.tenant.id);
    println!("client_id:     {}", admin.admin.id);
    println!("client_secret: {}", admin.secret.expose());
    println!("scopes:        {}", admin.admin.allowed_scopes);
    println!("Store the secret now: it is shown only once.");
    println!("==========================================================\n");
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let _ = dotenvy::dotenv();
    let cli = Cli::parse();
    init_logging(cli.config.log_format);
    match run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {}", agentidp::error_chain(e.as_ref()));
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<(), Box<dyn std::error::Error>> {
    let config = cli.config;
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(config).await?,
        Command::Migrate => {
            let db = Db::connect(&config.database_url, &config.pool()).await?;
            let applied = db.migrate().await?;
            println!(
                "{applied} migration(s) applied to the {} database",
                db.backend()
            );
        }
        Command::Bootstrap { tenant } => {
            let app = App::init(config).await?;
            match app.idp.bootstrap(&tenant).await? {
                Bootstrap::Created(admin) => print_admin("tenant created", &admin),
                Bootstrap::NewCredential(admin) => print_admin("new admin credential", &admin),
                Bootstrap::Recovered(admin) => {
                    print_admin("no active admin: new admin agent", &admin)
                }
            }
        }
        Command::Keys {
            command: KeysCommand::Rotate,
        } => {
            let db = open_db(&config).await?;
            check_chain_key(&db).await?;
            let kid = signing::rotate(&db, &key_settings(&config)?).await?;
            println!("new active signing key {kid}; running servers pick it up within 60 s");
        }
        Command::Keys {
            command: KeysCommand::Encrypt,
        } => {
            let db = open_db(&config).await?;
            check_chain_key(&db).await?;
            let sealed = signing::encrypt_stored(&db, &key_settings(&config)?).await?;
            println!(
                "{sealed} signing key(s) encrypted under KEY_ENCRYPTION_KEY; the others already were"
            );
        }
        Command::Healthcheck { url, timeout_secs } => {
            let url = url.unwrap_or_else(|| health_cli::default_url(config.bind_addr));
            health_cli::check(&url, std::time::Duration::from_secs(timeout_secs)).await?;
            println!("healthy: {url}");
        }
        Command::Audit {
            command:
                AuditCommand::Verify {
                    tenant,
                    accept_unkeyed_prefix,
                    expect_heads,
                    save_heads,
                },
        } => {
            // No key check here: a chain keyed with another key is reported, chain by chain.
            let db = open_db(&config).await?;
            let policy = VerifyPolicy {
                accept_unkeyed_prefix,
            };
            let intact = audit_cli::verify(
                &db,
                tenant.as_deref(),
                policy,
                config.audit_retention_days,
                expect_heads.as_deref(),
                save_heads.as_deref(),
            )
            .await?;
            if !intact {
                std::process::exit(1);
            }
        }
        Command::Audit {
            command: AuditCommand::Export { tenant },
        } => {
            let app = App::init(config).await?;
            audit_cli::export(&app, &tenant).await?;
        }
    }
    Ok(())
}

/// Connects to and migrates the database, with the configured audit chain keys.
async fn open_db(config: &Config) -> Result<Db, Box<dyn std::error::Error>> {
    let db = Db::connect(&config.database_url, &config.pool()).await?;
    db.migrate().await?;
    Ok(db.with_chain_keys(config.chain_keys()?))
}

async fn serve(config: Config) -> Result<(), Box<dyn std::error::Error>> {
    let bind = config.bind_addr;
    let metrics_bind = config.metrics_bind_addr;
    let drain = std::time::Duration::from_secs(config.shutdown_timeout_secs);
    let tenant = config.bootstrap_tenant.clone();
    let app = Arc::new(App::init(config).await?);
    if let Some(admin) = app.idp.bootstrap_if_empty(&tenant).await? {
        print_admin("first start: admin credentials", &admin);
    }
    let jobs = app.spawn_background_jobs();
    let listener = tokio::net::TcpListener::bind(bind).await?;
    tracing::info!(
        addr = %listener.local_addr()?,
        issuer = %app.idp.settings.issuer,
        database = app.idp.db.backend(),
        redis = app.redis.is_some(),
        alg = app.idp.keys.current().active.alg().as_str(),
        "agentidp listening"
    );
    let listener_settings = http::serve::ListenerSettings {
        header_read_timeout: std::time::Duration::from_millis(
            app.config.http_header_read_timeout_ms,
        ),
        max_connections: app.config.http_max_connections as usize,
    };
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let metrics_server = match metrics_bind {
        Some(addr) => {
            let metrics_listener = tokio::net::TcpListener::bind(addr).await?;
            tracing::info!(addr = %metrics_listener.local_addr()?, "metrics listening");
            let router = http::metrics_router(AppState(Arc::clone(&app)));
            let mut stop = stop_rx.clone();
            Some(tokio::spawn(http::serve::serve(
                metrics_listener,
                router,
                listener_settings,
                async move {
                    let _ = stop.wait_for(|s| *s).await;
                },
            )))
        }
        None => None,
    };
    let router = http::router(AppState(Arc::clone(&app)));
    let server = http::serve::serve(listener, router, listener_settings, async move {
        shutdown_signal().await;
        let _ = stop_tx.send(true);
    });
    // In-flight requests get `drain` to finish once the signal arrives; then they are cut.
    let mut stopping = stop_rx;
    tokio::select! {
        () = server => {},
        () = async {
            let _ = stopping.wait_for(|s| *s).await;
            tokio::time::sleep(drain).await;
        } => tracing::warn!(secs = drain.as_secs(), "requests still running after the shutdown timeout; closing them"),
    }
    if let Some(m) = metrics_server {
        m.abort();
    }
    jobs.abort();
    if let Err(e) = app.idp.meter.flush().await {
        tracing::warn!(error = %e, "could not flush usage counters at shutdown");
    }
    if let Err(e) = app.idp.flush_last_use(usize::MAX).await {
        tracing::warn!(error = %e, "could not record credential uses at shutdown");
    }
    app.idp.db.close().await;
    tracing::info!("stopped");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down: draining requests");
}
