//! The one typed configuration, read from flags and environment variables (`.env` honoured).

mod billing;
mod reference;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, ValueEnum};
use secrecy::SecretString;

use crate::domain::audit::chain_key::{ChainKey, ChainKeys};
use crate::domain::keys::Algorithm;
pub use crate::infra::net::{IpNet, RateOverride};
use crate::store::PoolSettings;
pub use billing::BillingConfig;
pub use reference::reference_markdown;

/// Default pool size on PostgreSQL, whose connections are server processes shared by every
/// node.
const POSTGRES_POOL_MAX: u32 = 20;

/// Default pool size on SQLite: two connections per core, 4 to 16. Each connection is a
/// thread, and a read waits for its thread to be scheduled: with one per core, requests
/// queued for a connection while the cores sat partly idle. Each also has its own page cache,
/// which every commit by another connection empties, so many more only re-read the same
/// pages after each audit commit (docs/performance.md).
fn sqlite_pool_max() -> u32 {
    std::thread::available_parallelism()
        .map_or(2, |n| u32::try_from(n.get()).unwrap_or(u32::MAX))
        .saturating_mul(2)
        .clamp(4, 16)
}

/// Token signing algorithm choices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SigningAlgorithm {
    /// RSASSA-PKCS1-v1_5 SHA-256 (default; widest verifier support).
    #[value(name = "RS256")]
    Rs256,
    /// ECDSA P-256 SHA-256.
    #[value(name = "ES256")]
    Es256,
    /// Ed25519.
    #[value(name = "EdDSA")]
    EdDsa,
}

impl From<SigningAlgorithm> for Algorithm {
    fn from(a: SigningAlgorithm) -> Self {
        match a {
            SigningAlgorithm::Rs256 => Algorithm::Rs256,
            SigningAlgorithm::Es256 => Algorithm::Es256,
            SigningAlgorithm::EdDsa => Algorithm::EdDsa,
        }
    }
}

/// Log output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Pretty,
    /// One JSON object per line.
    Json,
}

/// Server configuration. Every flag has an environment variable of the same meaning.
#[derive(Debug, Clone, Args)]
pub struct Config {
    /// Address to listen on.
    #[arg(
        long,
        env = "BIND_ADDR",
        default_value = "127.0.0.1:3000",
        global = true
    )]
    pub bind_addr: SocketAddr,
    /// Public base URL: the token issuer (`iss`) and the audience of management tokens.
    /// Defaults to http://BIND_ADDR.
    #[arg(long, env = "PUBLIC_URL", global = true)]
    pub public_url: Option<String>,
    /// `sqlite://PATH` (default, created on first start) or `postgres://…`.
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "sqlite://./data/agentidp.db",
        hide_env_values = true,
        global = true
    )]
    pub database_url: String,
    /// Maximum database connections (default: 20 on PostgreSQL; on SQLite two per CPU core,
    /// 4 to 16).
    #[arg(long, env = "DB_POOL_MAX", global = true)]
    pub db_pool_max: Option<u32>,
    /// Idle database connections kept open.
    #[arg(long, env = "DB_POOL_MIN", default_value_t = 2, global = true)]
    pub db_pool_min: u32,
    /// Milliseconds before an idle connection is closed.
    #[arg(
        long,
        env = "DB_POOL_IDLE_TIMEOUT_MS",
        default_value_t = 30_000,
        global = true
    )]
    pub db_pool_idle_timeout_ms: u64,
    /// Milliseconds a request waits for a database connection.
    #[arg(
        long,
        env = "DB_POOL_CONNECTION_TIMEOUT_MS",
        default_value_t = 5_000,
        global = true
    )]
    pub db_pool_connection_timeout_ms: u64,
    /// Algorithm of newly signed tokens.
    #[arg(
        long,
        env = "JWT_ALGORITHM",
        value_enum,
        default_value = "RS256",
        global = true
    )]
    pub jwt_algorithm: SigningAlgorithm,
    /// PEM private key to sign with instead of a generated, database-stored key.
    #[arg(long, env = "JWT_PRIVATE_KEY_FILE", global = true)]
    pub jwt_private_key_file: Option<PathBuf>,
    /// Access-token lifetime in seconds (60–86400).
    #[arg(long, env = "TOKEN_TTL_SECONDS", default_value_t = 3600,
          value_parser = clap::value_parser!(i64).range(60..=86_400), global = true)]
    pub token_ttl_seconds: i64,
    /// Live agents per tenant (0 = no limit) while billing is disabled; with
    /// `BILLING_ENABLED`, each plan's limit applies instead.
    #[arg(
        long,
        env = "MAX_AGENTS_PER_TENANT",
        default_value_t = 100,
        global = true
    )]
    pub max_agents_per_tenant: u32,
    /// Tokens per tenant per calendar month (0 = no limit) while billing is disabled; with
    /// `BILLING_ENABLED`, each plan's limit applies instead.
    #[arg(
        long,
        env = "MAX_TOKENS_PER_MONTH",
        default_value_t = 10_000,
        global = true
    )]
    pub max_tokens_per_month: u64,
    /// Plans, limits and Stripe.
    #[command(flatten)]
    pub billing: BillingConfig,
    /// Days audit events are kept; older ones are hidden from queries and purged hourly,
    /// leaving a checkpoint so the rest of each chain still verifies.
    #[arg(long, env = "AUDIT_RETENTION_DAYS", default_value_t = 90,
          value_parser = clap::value_parser!(u32).range(1..=36_500), global = true)]
    pub audit_retention_days: u32,
    /// Key for the audit hash chains, as hex (at least 32 bytes: `openssl rand -hex 32`).
    /// Links are then HMAC-SHA-256 under it, so someone who can write the database cannot
    /// recompute the chain after altering an event. Keep it outside the database, like
    /// `SECRET_PEPPER`: a keyed chain can be extended and verified only with it.
    #[arg(long, env = "AUDIT_CHAIN_KEY", hide_env_values = true, global = true)]
    pub audit_chain_key: Option<SecretString>,
    /// Retired audit chain keys, comma-separated hex, most recently retired first: the links
    /// they made still verify and their chains may be extended with `AUDIT_CHAIN_KEY`, but no
    /// link may use one of them after a newer key's.
    #[arg(
        long,
        env = "AUDIT_CHAIN_RETIRED_KEYS",
        hide_env_values = true,
        global = true
    )]
    pub audit_chain_retired_keys: Option<SecretString>,
    /// Key that encrypts the signing keys' private halves in the database (AES-256-GCM), as
    /// 64 hex characters (`openssl rand -hex 32`). Keep it outside the database, like
    /// `SECRET_PEPPER`: a database dump then holds no usable private key. Keys stored before
    /// it was set are encrypted by `agentidp keys encrypt`.
    #[arg(
        long,
        env = "KEY_ENCRYPTION_KEY",
        hide_env_values = true,
        global = true
    )]
    pub key_encryption_key: Option<SecretString>,
    /// Former key-encryption keys, comma-separated hex: what they encrypted still opens, and
    /// `agentidp keys encrypt` re-encrypts it under `KEY_ENCRYPTION_KEY`.
    #[arg(
        long,
        env = "KEY_ENCRYPTION_RETIRED_KEYS",
        hide_env_values = true,
        global = true
    )]
    pub key_encryption_retired_keys: Option<SecretString>,
    /// How long after a group commit of audit events started the next one may wait for more
    /// events, in ms (0: each commit starts as soon as the previous one ends). It waits only
    /// while every runtime worker is busy; longer packs more events into each commit under
    /// load, at up to that much latency per token; an idle server never waits.
    #[arg(long, env = "AUDIT_COMMIT_INTERVAL_MS", default_value_t = 2,
          value_parser = clap::value_parser!(u64).range(0..=1000), global = true)]
    pub audit_commit_interval_ms: u64,
    /// Seconds between the server's own verifications of every audit chain (0: never). Each
    /// one also checks every chain against the head the previous one verified, so a chain cut
    /// short while the server runs is caught; results go to the log and to `/metrics`
    /// (`agentidp_audit_chains_broken`). The first runs at start.
    #[arg(long, env = "AUDIT_VERIFY_INTERVAL_SECS", default_value_t = 3600,
          value_parser = clap::value_parser!(u64).range(0..=31_536_000), global = true)]
    pub audit_verify_interval_secs: u64,
    /// Let the periodic verification accept unkeyed events at the start of a chain, as
    /// `audit verify --accept-unkeyed-prefix` does, while events from before `AUDIT_CHAIN_KEY`
    /// was adopted remain.
    #[arg(long, env = "AUDIT_VERIFY_ACCEPT_UNKEYED_PREFIX", default_value_t = false,
          action = clap::ArgAction::Set, global = true)]
    pub audit_verify_accept_unkeyed_prefix: bool,
    /// Where the periodic verification keeps the heads it verified, so that a chain cut short
    /// or rewritten while the server was down is caught after a restart. Put it where whoever
    /// can write the database cannot; one file per node, not the one `audit verify
    /// --save-heads` keeps. Unset: the heads are remembered only while the server runs.
    #[arg(
        long,
        env = "AUDIT_VERIFY_HEADS_FILE",
        value_name = "FILE",
        global = true
    )]
    pub audit_verify_heads_file: Option<PathBuf>,
    /// Serve the public identity documents: the server's and public agents' DID documents
    /// (did:web), their signed A2A agent cards and the marketplace. Off, those routes answer
    /// 404.
    #[arg(long, env = "MARKETPLACE_ENABLED", default_value_t = false, action = clap::ArgAction::Set, global = true)]
    pub marketplace_enabled: bool,
    /// OIDC issuers trusted over plain http for workload federation (comma separated):
    /// for tests with a local issuer only; every other issuer must be https.
    #[arg(
        long,
        env = "FEDERATION_INSECURE_ISSUERS",
        value_delimiter = ',',
        global = true
    )]
    pub federation_insecure_issuers: Vec<String>,
    /// Open `POST /v1/tenants` self-service sign-up.
    #[arg(long, env = "SIGNUP_ENABLED", default_value_t = false, action = clap::ArgAction::Set, global = true)]
    pub signup_enabled: bool,
    /// Server-side key mixed into client-secret digests (HMAC-SHA-256). Changing it
    /// invalidates every existing secret.
    #[arg(long, env = "SECRET_PEPPER", hide_env_values = true, global = true)]
    pub secret_pepper: Option<SecretString>,
    /// Name of the tenant created on first start.
    #[arg(
        long,
        env = "BOOTSTRAP_TENANT",
        default_value = "default",
        global = true
    )]
    pub bootstrap_tenant: String,
    /// Largest accepted request body in bytes.
    #[arg(long, env = "MAX_BODY_BYTES", default_value_t = 64 * 1024, global = true)]
    pub max_body_bytes: usize,
    /// `redis://…`: shared rate limits and quota counters across nodes. Unset: in-process.
    #[arg(long, env = "REDIS_URL", hide_env_values = true, global = true)]
    pub redis_url: Option<String>,
    /// Length of the rate-limit sliding window in milliseconds.
    #[arg(long, env = "RATE_LIMIT_WINDOW_MS", default_value_t = 60_000,
          value_parser = clap::value_parser!(u64).range(1_000..=86_400_000), global = true)]
    pub rate_limit_window_ms: u64,
    /// Requests per client (or per IP on unauthenticated endpoints) in one window; 0 = no limit.
    #[arg(
        long,
        env = "RATE_LIMIT_MAX_REQUESTS",
        default_value_t = 100,
        global = true
    )]
    pub rate_limit_max_requests: u32,
    /// Per-endpoint limits with their own window counters, e.g. `/oauth2/token=300,/v1/tenants=5`.
    #[arg(
        long,
        env = "RATE_LIMIT_OVERRIDES",
        value_delimiter = ',',
        global = true
    )]
    pub rate_limit_overrides: Vec<RateOverride>,
    /// Proxies whose `X-Forwarded-For` is believed (IPs or CIDRs, comma separated).
    #[arg(long, env = "TRUSTED_PROXIES", value_delimiter = ',', global = true)]
    pub trusted_proxies: Vec<IpNet>,
    /// Origins allowed to call the API from a browser (comma separated; `*` for any).
    #[arg(
        long,
        env = "CORS_ALLOWED_ORIGINS",
        value_delimiter = ',',
        global = true
    )]
    pub cors_allowed_origins: Vec<String>,
    /// Milliseconds a request may take before it is answered with 503.
    #[arg(
        long,
        env = "REQUEST_TIMEOUT_MS",
        default_value_t = 30_000,
        global = true
    )]
    pub request_timeout_ms: u64,
    /// Milliseconds a connection may take to send a complete request head before it is
    /// closed; also how long an idle keep-alive connection is kept open.
    #[arg(long, env = "HTTP_HEADER_READ_TIMEOUT_MS", default_value_t = 10_000,
          value_parser = clap::value_parser!(u64).range(100..=600_000), global = true)]
    pub http_header_read_timeout_ms: u64,
    /// Connections served at once (the API and metrics listeners each); further ones wait
    /// in the kernel's accept queue until one closes. Keep it below the open-file limit.
    #[arg(long, env = "HTTP_MAX_CONNECTIONS", default_value_t = 4096,
          value_parser = clap::value_parser!(u32).range(1..=1_000_000), global = true)]
    pub http_max_connections: u32,
    /// Seconds a shutdown waits for in-flight requests before closing them.
    #[arg(
        long,
        env = "SHUTDOWN_TIMEOUT_SECS",
        default_value_t = 30,
        global = true
    )]
    pub shutdown_timeout_secs: u64,
    /// Seconds the server keeps retrying an unreachable database at start before giving up.
    #[arg(
        long,
        env = "DB_CONNECT_RETRY_SECS",
        default_value_t = 30,
        global = true
    )]
    pub db_connect_retry_secs: u64,
    /// HashiCorp Vault address; when set, `/health/detailed` checks `/v1/sys/health`.
    #[arg(long, env = "VAULT_ADDR", global = true)]
    pub vault_addr: Option<String>,
    /// Open Policy Agent base URL; when set, `/health/detailed` checks its `/health`.
    #[arg(long, env = "OPA_URL", global = true)]
    pub opa_url: Option<String>,
    /// Bearer token that `GET /metrics` requires (unset: open, or see METRICS_BIND_ADDR).
    #[arg(long, env = "METRICS_TOKEN", hide_env_values = true, global = true)]
    pub metrics_token: Option<SecretString>,
    /// Serve `/metrics` only on this separate address instead of the API listener.
    #[arg(long, env = "METRICS_BIND_ADDR", global = true)]
    pub metrics_bind_addr: Option<SocketAddr>,
    /// Log format.
    #[arg(
        long,
        env = "LOG_FORMAT",
        value_enum,
        default_value = "pretty",
        global = true
    )]
    pub log_format: LogFormat,
}

impl Config {
    /// The issuer: `PUBLIC_URL` without a trailing slash, or `http://BIND_ADDR` when unset or
    /// empty.
    pub fn issuer(&self) -> String {
        match self
            .public_url
            .as_deref()
            .map(|u| u.trim().trim_end_matches('/'))
        {
            Some(url) if !url.is_empty() => url.to_owned(),
            _ => format!("http://{}", self.bind_addr),
        }
    }

    /// The audit chain keys, if set. Parsed here rather than by clap, whose error message
    /// would repeat the malformed secret.
    pub fn chain_keys(&self) -> Result<Option<ChainKeys>, String> {
        use secrecy::ExposeSecret as _;
        let retired = match &self.audit_chain_retired_keys {
            Some(list) => list
                .expose_secret()
                .split(',')
                .filter(|k| !k.trim().is_empty())
                .enumerate()
                .map(|(n, k)| {
                    ChainKey::from_hex(&SecretString::from(k.to_owned()))
                        .map_err(|e| format!("AUDIT_CHAIN_RETIRED_KEYS, key {}: {e}", n + 1))
                })
                .collect::<Result<Vec<_>, _>>()?,
            None => Vec::new(),
        };
        let current = self.audit_chain_key.as_ref().map(ChainKey::from_hex);
        match current
            .transpose()
            .map_err(|e| format!("AUDIT_CHAIN_KEY: {e}"))?
        {
            Some(current) => ChainKeys::new(current, retired).map(Some),
            None if retired.is_empty() => Ok(None),
            None => {
                Err("AUDIT_CHAIN_RETIRED_KEYS needs AUDIT_CHAIN_KEY, the key new links use".into())
            }
        }
    }

    /// The key-encryption keys; `Err` says which setting is malformed.
    pub fn envelope(&self) -> Result<crate::domain::envelope::Envelope, String> {
        crate::domain::envelope::Envelope::from_config(
            self.key_encryption_key.as_ref(),
            self.key_encryption_retired_keys.as_ref(),
        )
        .map_err(|e| e.to_string())
    }

    /// The secret pepper, unless unset or empty (an empty key would silently differ from none).
    pub fn pepper(&self) -> Option<SecretString> {
        use secrecy::ExposeSecret as _;
        self.secret_pepper
            .clone()
            .filter(|p| !p.expose_secret().is_empty())
    }

    /// The Redis URL, unless unset or empty.
    pub fn redis(&self) -> Option<&str> {
        self.redis_url.as_deref().filter(|u| !u.trim().is_empty())
    }

    /// The Vault and OPA health URLs of the configured ones (empty settings count as unset).
    pub fn external_health_urls(&self) -> [Option<String>; 2] {
        let base = |u: &Option<String>| {
            u.as_deref()
                .map(|u| u.trim().trim_end_matches('/').to_owned())
                .filter(|u| !u.is_empty())
        };
        [
            base(&self.vault_addr).map(|v| format!("{v}/v1/sys/health")),
            base(&self.opa_url).map(|o| format!("{o}/health")),
        ]
    }

    /// The metrics bearer token, unless unset or empty.
    pub fn metrics_token(&self) -> Option<&SecretString> {
        use secrecy::ExposeSecret as _;
        self.metrics_token
            .as_ref()
            .filter(|t| !t.expose_secret().is_empty())
    }

    /// The pool settings; the default size depends on the backend.
    pub fn pool(&self) -> PoolSettings {
        PoolSettings {
            max: self
                .db_pool_max
                .unwrap_or_else(|| {
                    if crate::store::is_postgres_url(&self.database_url) {
                        POSTGRES_POOL_MAX
                    } else {
                        sqlite_pool_max()
                    }
                })
                .max(1),
            min: self.db_pool_min,
            idle_timeout: Duration::from_millis(self.db_pool_idle_timeout_ms),
            connection_timeout: Duration::from_millis(self.db_pool_connection_timeout_ms),
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        config: Config,
    }

    fn pool_max(args: &[&str]) -> u32 {
        let argv = std::iter::once("agentidp").chain(args.iter().copied());
        Cli::try_parse_from(argv).expect("parse").config.pool().max
    }

    #[test]
    fn the_pool_defaults_to_twenty_on_postgres_and_two_connections_per_core_on_sqlite() {
        let postgres = ["--database-url", "postgres://db.internal/idp"];
        assert_eq!(pool_max(&postgres), POSTGRES_POOL_MAX);
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        let sqlite = pool_max(&["--database-url", "sqlite://./data/idp.db"]);
        assert_eq!(sqlite as usize, (cores * 2).clamp(4, 16));
        assert_eq!(
            pool_max(&["--database-url", "sqlite://x.db", "--db-pool-max", "5"]),
            5
        );
        assert_eq!(
            pool_max(&[postgres[0], postgres[1], "--db-pool-max", "0"]),
            1
        );
    }
}
