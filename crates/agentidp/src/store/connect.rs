//! Opening the database: the pool settings each backend needs, and waiting for a PostgreSQL
//! server that is not up yet.

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

use super::{Db, Pool, PoolSettings, StoreError, StoreResult, is_postgres_url, wal};

impl Db {
    /// Opens a pool for `url`: `postgres://…` for PostgreSQL, `sqlite://PATH` or a bare path for
    /// SQLite (the file and its directory are created when missing).
    pub async fn connect(url: &str, settings: &PoolSettings) -> StoreResult<Self> {
        if is_postgres_url(url) {
            let options =
                PgConnectOptions::from_str(url).map_err(|e| StoreError::Config(e.to_string()))?;
            let pool = PgPoolOptions::new()
                .max_connections(settings.max)
                .min_connections(settings.min)
                .idle_timeout(settings.idle_timeout)
                .acquire_timeout(settings.connection_timeout)
                .connect_with(options)
                .await?;
            return Ok(Self::new(Pool::Postgres(pool)));
        }
        let path = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
            .unwrap_or(url);
        let path = path.split('?').next().unwrap_or(path);
        if let Some(dir) = std::path::Path::new(path)
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
        {
            std::fs::create_dir_all(dir)
                .map_err(|e| StoreError::Config(format!("cannot create {}: {e}", dir.display())))?;
        }
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // FULL makes a commit survive power loss, not only a crash; group commit of audit
            // events keeps the fsync per commit affordable.
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            // The default 2 MB page cache thrashes once the audit indexes outgrow it.
            .pragma("cache_size", "-32768")
            // A multi-row INSERT inside a transaction keeps a statement journal; past 64 KiB
            // SQLite spills it to a temporary file (create, write, unlink, close) on every
            // audit commit. Memory is enough: it only ever holds one statement's pages.
            .pragma("temp_store", "MEMORY")
            // Bounded, sampled statistics keep `PRAGMA optimize` cheap on large tables.
            .analysis_limit(Some(1000))
            .optimize_on_close(true, None)
            // Checkpoints run in the background (`wal`), not inside whichever commit crosses
            // the WAL threshold, where they stalled every request waiting on that commit.
            .pragma("wal_autocheckpoint", "0")
            .pragma("journal_size_limit", wal::SIZE_LIMIT_BYTES.to_string())
            .busy_timeout(settings.connection_timeout.max(Duration::from_secs(5)));
        let pool = SqlitePoolOptions::new()
            // An in-process connection cannot have been dropped by a peer; the default ping
            // before each acquire is a round trip to the connection's thread on every query.
            .test_before_acquire(false)
            .max_connections(settings.max)
            .min_connections(settings.min.min(settings.max))
            .idle_timeout(settings.idle_timeout)
            .acquire_timeout(settings.connection_timeout)
            .connect_with(options)
            .await?;
        let db = Self::new(Pool::Sqlite(pool.clone()));
        wal::spawn_checkpointer(pool, Arc::clone(&db.wal));
        Ok(db)
    }

    /// [`Db::connect`], waiting for an unreachable PostgreSQL server with backoff for up to
    /// `retry_for` (servers often start before their database). Each attempt is one plain
    /// connection, so the log names the real cause (refused, unknown host, bad password);
    /// other errors than unreachability fail at once.
    pub async fn connect_with_retry(
        url: &str,
        settings: &PoolSettings,
        retry_for: Duration,
    ) -> StoreResult<Self> {
        if !is_postgres_url(url) {
            return Self::connect(url, settings).await;
        }
        let options =
            PgConnectOptions::from_str(url).map_err(|e| StoreError::Config(e.to_string()))?;
        let deadline = tokio::time::Instant::now() + retry_for;
        let mut delay = Duration::from_millis(250);
        let mut attempt = 1;
        loop {
            let probe = tokio::time::timeout(
                settings.connection_timeout,
                <sqlx::PgConnection as sqlx::Connection>::connect_with(&options),
            )
            .await
            .unwrap_or(Err(sqlx::Error::PoolTimedOut));
            match probe.map_err(StoreError::from) {
                Ok(conn) => {
                    let _ = sqlx::Connection::close(conn).await;
                    return Self::connect(url, settings).await;
                }
                Err(e) if e.is_unavailable() && tokio::time::Instant::now() + delay < deadline => {
                    tracing::warn!(
                        attempt,
                        error = %crate::error_chain(&e),
                        retry_in_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
                        "database unreachable; retrying"
                    );
                    tokio::time::sleep(delay).await;
                    delay = (delay * 2).min(Duration::from_secs(5));
                    attempt += 1;
                }
                Err(e) => return Err(e),
            }
        }
    }
}
