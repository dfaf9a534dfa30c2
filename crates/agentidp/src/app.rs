//! Wiring: builds the domain service from the configuration and the HTTP router around it.

use std::ops::Deref;
use std::sync::Arc;
use std::time::Duration;

use crate::config::Config;
use crate::domain::audit::chain_key::VerifyPolicy;
use crate::domain::billing::Limits;
use crate::domain::did::DidWeb;
use crate::domain::keys::KeyRing;
use crate::infra::metrics::Metrics;
use crate::infra::oidc::OidcClient;
use crate::infra::rate_limit::RateLimiter;
use crate::infra::redis::RedisLink;
use crate::infra::stripe::StripeClient;
use crate::service::audit::verify::check_chain_key;
use crate::service::audit::watch::ChainWatch;
use crate::service::audit::writer::AuditWriter;
use crate::service::billing::PlanSettings;
use crate::service::billing::checkout::CheckoutSettings;
use crate::service::clock::Clock;
use crate::service::federation::IssuerKeys;
use crate::service::metering::Meter;
use crate::service::replay::ReplayGuard;
use crate::service::signing::{self, KeySettings};
use crate::service::{Idp, ServiceError, Settings};
use crate::store::{Db, StoreError};

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    /// The database could not be reached or migrated.
    #[error("database")]
    Store(#[from] StoreError),
    /// Signing keys could not be loaded or created, or the audit chain key does not fit.
    #[error("signing keys or audit chains")]
    Service(#[from] ServiceError),
    /// A setting is unusable (e.g. a malformed `REDIS_URL`).
    #[error("configuration: {0}")]
    Config(String),
}

/// Where signing keys come from and how their private halves are kept, from the settings.
pub fn key_settings(config: &Config) -> Result<KeySettings, StartupError> {
    Ok(KeySettings {
        algorithm: config.jwt_algorithm.into(),
        pem_file: config.jwt_private_key_file.clone(),
        token_ttl_secs: config.token_ttl_seconds,
        envelope: Arc::new(config.envelope().map_err(StartupError::Config)?),
    })
}

/// Everything a request needs, shared behind one `Arc`.
#[derive(Debug)]
pub struct App {
    /// The configuration the server started with.
    pub config: Config,
    /// The domain service.
    pub idp: Idp,
    /// The shared-state link, when `REDIS_URL` is set.
    pub redis: Option<Arc<RedisLink>>,
    /// Per-client and per-IP request limits.
    pub limiter: RateLimiter,
    /// Prometheus metrics.
    pub metrics: Arc<Metrics>,
    /// Outbound HTTP (dependency health checks), rustls on the one crypto backend.
    pub http_client: reqwest::Client,
    /// The server's did:web identity when the public documents are on (`MARKETPLACE_ENABLED`).
    pub identity: Option<DidWeb>,
}

/// Axum state: a cheap handle on [`App`].
#[derive(Debug, Clone)]
pub struct AppState(pub Arc<App>);

impl Deref for AppState {
    type Target = App;
    fn deref(&self) -> &App {
        &self.0
    }
}

impl App {
    /// Connects to the database (retrying while it is unreachable, up to
    /// `DB_CONNECT_RETRY_SECS`), applies migrations and loads (or creates) signing keys.
    pub async fn init(config: Config) -> Result<Self, StartupError> {
        let retry = Duration::from_secs(config.db_connect_retry_secs);
        let db = Db::connect_with_retry(&config.database_url, &config.pool(), retry).await?;
        db.migrate().await?;
        Self::with_db(config, db).await
    }

    /// Builds the app on an already migrated database, hashing audit chain links with the
    /// configured key.
    pub async fn with_db(config: Config, db: Db) -> Result<Self, StartupError> {
        let db = db.with_chain_keys(config.chain_keys().map_err(StartupError::Config)?);
        check_chain_key(&db).await?;
        let redis = match config.redis() {
            Some(url) => Some(
                RedisLink::connect(url)
                    .await
                    .map_err(StartupError::Config)?,
            ),
            None => None,
        };
        let limiter = RateLimiter::new(
            config.rate_limit_window_ms,
            config.rate_limit_max_requests,
            config
                .rate_limit_overrides
                .iter()
                .map(|o| (o.route.clone(), o.max_requests)),
            redis.clone(),
        );
        let key_settings = key_settings(&config)?;
        let keys = signing::load(&db, &key_settings, None).await?;
        let settings = Settings {
            issuer: config.issuer(),
            token_ttl_secs: config.token_ttl_seconds,
            audit_retention_days: config.audit_retention_days,
            signup_enabled: config.signup_enabled,
            secret_pepper: config.pepper(),
        };
        let mut chain_watch = ChainWatch::new(VerifyPolicy {
            accept_unkeyed_prefix: config.audit_verify_accept_unkeyed_prefix,
        });
        if let Some(path) = &config.audit_verify_heads_file {
            chain_watch = chain_watch
                .with_heads_file(path.clone())
                .map_err(StartupError::Config)?;
        }
        let writer = db.dedicated();
        // On SQLite every write takes the one database lock, and a writer that finds it taken
        // sleeps in SQLite's busy handler (1, 2, 5 … 100 ms): the periodic writes (usage
        // counters, credential uses) share the audit writer's connection there, queueing
        // between its commits instead of stalling them. PostgreSQL locks rows: they use the pool.
        let background = match db.backend() {
            "sqlite" => writer.clone(),
            _ => db.clone(),
        };
        let metrics = Arc::new(Metrics::new(redis.is_some()));
        let clock = Arc::new(Clock::default());
        let b = &config.billing;
        let plans_settings = PlanSettings {
            billing_enabled: b.billing_enabled,
            free: Limits::from_config(
                b.free_max_agents,
                b.free_max_api_calls_per_day,
                b.free_max_tokens_per_month,
            ),
            pro: Limits::from_config(
                b.pro_max_agents,
                b.pro_max_api_calls_per_day,
                b.pro_max_tokens_per_month,
            ),
            unbilled: Limits::from_config(
                u64::from(config.max_agents_per_tenant),
                0,
                config.max_tokens_per_month,
            ),
            past_due_grace_secs: i64::from(b.billing_past_due_grace_days) * 86_400,
        };
        let stripe = b
            .stripe_secret_key
            .clone()
            .map(|key| StripeClient::new(&b.stripe_api_base, key).map(Arc::new))
            .transpose()
            .map_err(StartupError::Config)?;
        let checkout = b.stripe_price_id.clone().map(|price| {
            Arc::new(CheckoutSettings {
                price,
                success_url: b
                    .billing_success_url
                    .clone()
                    .unwrap_or_else(|| format!("{}/dashboard?checkout=success", config.issuer())),
                cancel_url: b
                    .billing_cancel_url
                    .clone()
                    .unwrap_or_else(|| format!("{}/pricing", config.issuer())),
            })
        });
        let idp = Idp {
            audit: AuditWriter::spawn(
                writer,
                Duration::from_millis(config.audit_commit_interval_ms),
            ),
            chain_watch: Arc::new(chain_watch),
            meter: Arc::new(Meter::new(
                background.clone(),
                redis.clone(),
                Arc::clone(&clock),
            )),
            clock,
            plans_settings: Arc::new(plans_settings),
            plan_cache: Arc::default(),
            stripe,
            checkout,
            metrics: Arc::clone(&metrics),
            replay: Arc::new(ReplayGuard::spawn(background.clone(), redis.clone())),
            issuers: Arc::new(IssuerKeys::new(
                OidcClient::new().map_err(|e| StartupError::Config(e.to_string()))?,
                &config.federation_insecure_issuers,
            )),
            background_db: background,
            db,
            keys: Arc::new(KeyRing::new(keys)),
            settings: Arc::new(settings),
            key_settings: Arc::new(key_settings),
            last_use: Arc::default(),
        };
        let identity = match config.marketplace_enabled {
            true => Some(
                DidWeb::from_public_url(&config.issuer())
                    .map_err(|e| StartupError::Config(e.to_string()))?,
            ),
            false => None,
        };
        Ok(Self {
            identity,
            config,
            idp,
            metrics,
            redis,
            limiter,
            http_client: reqwest::Client::builder()
                .user_agent(concat!("agentidp/", env!("CARGO_PKG_VERSION")))
                .timeout(Duration::from_secs(5))
                .build()
                .map_err(|e| StartupError::Config(format!("HTTP client: {e}")))?,
        })
    }

    /// Starts the periodic jobs: usage and credential-use flushes (5 s), key refresh (60 s),
    /// planner statistics, active-agent samples, expired-revocation and audit-retention
    /// purges (1 h), and
    /// the audit chains' verification
    /// (`AUDIT_VERIFY_INTERVAL_SECS`, polled beside the others so that a long one delays
    /// none of them). They stop when the returned handle is aborted.
    pub fn spawn_background_jobs(self: &Arc<Self>) -> tokio::task::JoinHandle<()> {
        let (a, b) = (Arc::clone(self), Arc::clone(self));
        tokio::spawn(async move {
            tokio::join!(a.verify_chains_periodically(), b.run_periodic_jobs());
        })
    }

    /// The audit chains' verification, every `AUDIT_VERIFY_INTERVAL_SECS` (never if 0).
    async fn verify_chains_periodically(self: Arc<Self>) {
        let every = self.config.audit_verify_interval_secs;
        if every == 0 {
            return;
        }
        let mut tick = tokio::time::interval(Duration::from_secs(every));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            let retention = self.idp.settings.audit_retention_days;
            match self.idp.chain_watch.run(&self.idp.db, retention).await {
                Ok(broken) if broken.is_empty() => tracing::debug!("audit chains verified"),
                Ok(broken) => tracing::error!(
                    chains = broken.len(),
                    "audit chains broken: run `agentidp audit verify` for details"
                ),
                Err(e) => tracing::warn!(error = %e, "could not verify the audit chains"),
            }
        }
    }

    /// The short periodic jobs, on one 5 s tick.
    async fn run_periodic_jobs(self: Arc<Self>) {
        let mut tick = tokio::time::interval(Duration::from_secs(5));
        let mut n: u64 = 0;
        loop {
            tick.tick().await;
            n += 1;
            if let Err(e) = self.idp.meter.flush().await {
                tracing::warn!(error = %e, "could not flush usage counters; will retry");
            }
            if let Err(e) = self
                .idp
                .flush_last_use(crate::domain::last_use::FLUSH_MAX)
                .await
            {
                tracing::warn!(error = %e, "could not record credential uses; will retry");
            }
            if n.is_multiple_of(12)
                && let Err(e) = self.idp.refresh_keys().await
            {
                tracing::warn!(error = %e, "could not refresh signing keys");
            }
            if n % 720 == 1 {
                // Hourly: the statements on a request's path do not depend on statistics
                // (store/plans.rs), and an analysis holds SQLite's write lock while it reads
                // (a second on a million agents), so it queues on the writer's connection.
                if let Err(e) = self.idp.background_db.refresh_statistics().await {
                    tracing::warn!(error = %e, "could not refresh planner statistics");
                }
                // Each day's last hourly sample stands as its count of active agents.
                if let Err(e) = self.idp.meter.sample_agents().await {
                    tracing::warn!(error = %e, "could not sample active agents");
                }
                match self.idp.purge_expired_events().await {
                    Ok(n) if n > 0 => {
                        tracing::info!(purged = n, "purged audit events past retention")
                    }
                    Ok(_) => {}
                    Err(e) => {
                        tracing::warn!(error = %e, "could not purge expired audit events")
                    }
                }
            }
            if n % 720 == 1 {
                if let Err(e) = self
                    .idp
                    .background_db
                    .purge_expired_assertion_jtis(crate::domain::time::Timestamp::now())
                    .await
                {
                    tracing::warn!(error = %e, "could not purge used client assertion ids");
                }
                match self
                    .idp
                    .db
                    .purge_expired_revocations(crate::domain::time::Timestamp::now())
                    .await
                {
                    Ok(n) if n > 0 => {
                        tracing::info!(purged = n, "purged expired token revocations")
                    }
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e, "could not purge expired revocations"),
                }
            }
        }
    }
}
