//! The storage port: every SQL statement of the server lives under this module.
//!
//! One [`Db`] value wraps either a SQLite or a PostgreSQL pool. Each query's SQL text is
//! written once (both dialects accept `$n` placeholders, `ON CONFLICT` and `RETURNING`) and the
//! [`on_pool!`] macro instantiates it for whichever backend is configured.

mod agents;
mod assertions;
pub(crate) mod audit;
mod billing;
mod codec;
mod connect;
mod credentials;
mod federation;
mod keys;
mod marketplace;
mod migrate;
#[cfg(test)]
mod plans;
mod tenants;
#[cfg(test)]
pub(crate) mod test_db;
mod tokens;
mod usage;
mod wal;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use sqlx::postgres::PgPool;
use sqlx::sqlite::SqlitePool;

use crate::domain::audit::chain_key::ChainKeys;

pub use agents::AgentWrite;
pub use assertions::JtiClaim;
pub use audit::{BATCH_MAX, BlockFault, KnownHeads, Order, VerifyPage};
pub use billing::BillingChange;
pub use credentials::InsertRefused;
pub use keys::StoredKey;
pub use usage::DayCount;

/// Errors of the storage layer.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database URL or options are unusable.
    #[error("invalid database configuration: {0}")]
    Config(String),
    /// A uniqueness constraint rejected a write; carries the constraint's name when known.
    #[error("unique constraint violated: {0}")]
    UniqueViolation(String),
    /// A guarded counter update found its limit reached.
    #[error("limit reached")]
    LimitReached,
    /// A guarded update would have left no active agent of the tenant holding the scope it
    /// guards; nothing was written.
    #[error("no other active agent of the tenant holds the guarded scope")]
    LastHolder,
    /// A guarded update found the row changed since it was read (or gone); nothing was written.
    #[error("the row changed since it was read")]
    Stale,
    /// The audit chain's head is keyed with a key this node does not hold: extending it would
    /// break the chain (see [`crate::domain::audit::chain_key`]).
    #[error(
        "the audit chain is keyed with key {0}, which this node's audit chain keys do not hold"
    )]
    ChainKeyMismatch(String),
    /// A stored value could not be turned back into a domain value.
    #[error("corrupt row: {0}")]
    Corrupt(String),
    /// A migration failed.
    #[error("migration {version} failed")]
    Migration {
        /// The migration's version number.
        version: i64,
        /// The database error.
        #[source]
        source: sqlx::Error,
    },
    /// The database cannot be reached (connection refused or lost, pool exhausted, server
    /// shutting down): a transient condition, answered with 503.
    #[error("database unavailable")]
    Unavailable(#[source] sqlx::Error),
    /// The database reported an error.
    #[error("database error")]
    Database(#[source] sqlx::Error),
}

impl StoreError {
    /// Whether the error is transient unavailability rather than a bug or bad data.
    pub fn is_unavailable(&self) -> bool {
        matches!(self, Self::Unavailable(_))
    }
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::Database(db) if db.is_unique_violation() => {
                Self::UniqueViolation(db.constraint().unwrap_or(db.message()).to_owned())
            }
            sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::WorkerCrashed => Self::Unavailable(e),
            // SQLSTATE class 08 (connection exception) and 57P01–57P03 (shutdown, recovery).
            sqlx::Error::Database(db)
                if db
                    .code()
                    .is_some_and(|c| c.starts_with("08") || c.starts_with("57P")) =>
            {
                Self::Unavailable(e)
            }
            _ => Self::Database(e),
        }
    }
}

/// Result alias for store operations.
pub type StoreResult<T> = Result<T, StoreError>;

/// Connection pool settings (DB_POOL_*).
#[derive(Debug, Clone)]
pub struct PoolSettings {
    /// Maximum open connections.
    pub max: u32,
    /// Connections kept open when idle.
    pub min: u32,
    /// How long an idle connection is kept.
    pub idle_timeout: Duration,
    /// How long a request waits for a connection.
    pub connection_timeout: Duration,
}

#[derive(Debug, Clone)]
pub(crate) enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// The database handle: cheap to clone, shared by every request.
#[derive(Debug, Clone)]
pub struct Db {
    pub(crate) pool: Pool,
    /// Store operations in progress (holding or waiting for a connection), for pool metrics.
    pub(crate) busy: Arc<AtomicUsize>,
    /// SQLite WAL upkeep shared by the checkpointer and the audit writer (unused on PostgreSQL).
    pub(crate) wal: Arc<wal::Upkeep>,
    /// The keys audit chain links are hashed and recognised with, if configured.
    chain_keys: Option<Arc<ChainKeys>>,
}

/// Counts one store operation in progress while alive.
pub(crate) struct Busy(Arc<AtomicUsize>);

impl Drop for Busy {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// A snapshot of the connection pool, for `/metrics`.
#[derive(Debug, Clone, Copy)]
pub struct PoolStats {
    /// Connections executing a statement or holding a transaction.
    pub active: usize,
    /// Open idle connections.
    pub idle: usize,
    /// Store operations waiting for a connection.
    pub waiting: usize,
}

/// Runs `$body` with `$pool` bound to the concrete pool of either backend.
macro_rules! on_pool {
    ($db:expr, $pool:ident => $body:expr) => {{
        let _busy = $db.busy();
        match &$db.pool {
            $crate::store::Pool::Sqlite($pool) => $body,
            $crate::store::Pool::Postgres($pool) => $body,
        }
    }};
}
pub(crate) use on_pool;

/// A statement written once for both backends, with index hints for SQLite (`INDEXED BY`),
/// whose planner would otherwise trust statistics gathered when the tables were nearly empty
/// and scan them; PostgreSQL gets the hints as comments. See [`hinted!`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct Sql {
    /// The text for SQLite, with its hints.
    pub(crate) sqlite: &'static str,
    /// The text for PostgreSQL, the hints as comments.
    pub(crate) postgres: &'static str,
}

impl Sql {
    /// The text for `db`'s backend.
    pub(crate) fn on(self, db: &Db) -> &'static str {
        match db.pool {
            Pool::Sqlite(_) => self.sqlite,
            Pool::Postgres(_) => self.postgres,
        }
    }
}

/// Builds a [`Sql`] from pieces of text (literals, or macros that expand to them), a table
/// reference followed by `=> "index"` naming the index SQLite must use for it:
/// `hinted!("SELECT … FROM credentials c" => "credentials_agent_idx", " WHERE c.agent_id = $1")`.
/// SQLite refuses the statement if the index cannot serve it, so a hint can never silently
/// fall back to a scan.
macro_rules! hinted {
    ($($text:expr $(=> $index:literal)?),+ $(,)?) => {
        $crate::store::Sql {
            sqlite: concat!($($text, $(" INDEXED BY ", $index,)?)+),
            postgres: concat!($($text, $(" /* ", $index, " */",)?)+),
        }
    };
}
pub(crate) use hinted;

/// Runs `$body` inside a write transaction bound to `$tx`, committing when it succeeds.
/// SQLite write transactions start `IMMEDIATE` so they never fail upgrading a read lock.
macro_rules! in_tx {
    ($db:expr, $tx:ident => $body:expr) => {{
        let _busy = $db.busy();
        match &$db.pool {
            $crate::store::Pool::Sqlite(pool) => {
                let mut $tx = pool.begin_with("BEGIN IMMEDIATE").await?;
                let out = $body;
                $tx.commit().await?;
                out
            }
            $crate::store::Pool::Postgres(pool) => {
                let mut $tx = pool.begin().await?;
                let out = $body;
                $tx.commit().await?;
                out
            }
        }
    }};
}
pub(crate) use in_tx;

/// Implements `FromRow` for both backends' rows by reading each field by its column name.
macro_rules! from_row {
    ($ty:ident { $($field:ident),+ $(,)? }) => {
        impl<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow> for $ty {
            fn from_row(row: &'r sqlx::sqlite::SqliteRow) -> Result<Self, sqlx::Error> {
                use sqlx::Row as _;
                Ok(Self { $($field: row.try_get(stringify!($field))?),+ })
            }
        }
        impl<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow> for $ty {
            fn from_row(row: &'r sqlx::postgres::PgRow) -> Result<Self, sqlx::Error> {
                use sqlx::Row as _;
                Ok(Self { $($field: row.try_get(stringify!($field))?),+ })
            }
        }
    };
}
pub(crate) use from_row;

impl Db {
    fn new(pool: Pool) -> Self {
        Self {
            pool,
            busy: Arc::new(AtomicUsize::new(0)),
            wal: Arc::default(),
            chain_keys: None,
        }
    }

    pub(crate) fn busy(&self) -> Busy {
        self.busy.fetch_add(1, Ordering::Relaxed);
        Busy(Arc::clone(&self.busy))
    }

    /// Connections in use and idle, and operations waiting for one.
    pub fn pool_stats(&self) -> PoolStats {
        let (size, idle) = match &self.pool {
            Pool::Sqlite(p) => (p.size() as usize, p.num_idle()),
            Pool::Postgres(p) => (p.size() as usize, p.num_idle()),
        };
        let active = size.saturating_sub(idle);
        let busy = self.busy.load(Ordering::Relaxed);
        PoolStats {
            active,
            idle,
            waiting: busy.saturating_sub(active),
        }
    }

    /// `"sqlite"` or `"postgres"`, for logs and health output.
    pub fn backend(&self) -> &'static str {
        match self.pool {
            Pool::Sqlite(_) => "sqlite",
            Pool::Postgres(_) => "postgres",
        }
    }

    /// Cheap round trip used by health checks.
    pub async fn ping(&self) -> StoreResult<()> {
        on_pool!(self, p => sqlx::query("SELECT 1").execute(p).await.map(|_| ()).map_err(StoreError::from))
    }

    /// Refreshes the query planner's statistics where they went stale: on SQLite `PRAGMA
    /// optimize`, which analyses (a sample of, see `analysis_limit`) the tables that changed
    /// markedly since they were last analysed; on PostgreSQL, whose autovacuum analyses tables
    /// as they grow, the audit tables, whose key distribution it would otherwise miss.
    pub async fn refresh_statistics(&self) -> StoreResult<()> {
        match &self.pool {
            Pool::Sqlite(p) => sqlx::query("PRAGMA optimize")
                .execute(p)
                .await
                .map(|_| ())?,
            Pool::Postgres(p) => sqlx::query("ANALYZE audit_blocks, audit_block_keys")
                .execute(p)
                .await
                .map(|_| ())?,
        }
        Ok(())
    }

    /// A pool of one connection to the same database with the same settings, opened on first
    /// use, for a writer that must not queue for a connection behind request traffic (the
    /// audit group commit: every request it keeps waiting is waiting for it).
    pub fn dedicated(&self) -> Self {
        let pool = match &self.pool {
            Pool::Sqlite(p) => Pool::Sqlite(one_connection_like(p)),
            Pool::Postgres(p) => Pool::Postgres(one_connection_like(p)),
        };
        Self {
            pool,
            busy: Arc::clone(&self.busy),
            wal: Arc::clone(&self.wal),
            chain_keys: self.chain_keys.clone(),
        }
    }

    /// Closes every connection (graceful shutdown).
    pub async fn close(&self) {
        on_pool!(self, p => p.close().await);
    }
}

/// A pool of one connection to the same database with the same settings as `pool`, opened on
/// first use: for work that must not take a connection requests are waiting for.
pub(crate) fn one_connection_like<DB: sqlx::Database>(pool: &sqlx::Pool<DB>) -> sqlx::Pool<DB> {
    (pool.options().clone())
        .max_connections(1)
        .min_connections(0)
        .connect_lazy_with((*pool.connect_options()).clone())
}

/// Whether `url` names a PostgreSQL database; anything else is a SQLite path.
pub(crate) fn is_postgres_url(url: &str) -> bool {
    url.starts_with("postgres://") || url.starts_with("postgresql://")
}

/// Parses a stored enum spelling, reporting corruption instead of panicking.
pub(crate) fn parse_stored<T>(
    what: &str,
    value: &str,
    parse: impl FnOnce(&str) -> Option<T>,
) -> StoreResult<T> {
    parse(value).ok_or_else(|| StoreError::Corrupt(format!("{what} {value:?}")))
}

/// A value as the JSON text stored in a text column (`null` if it cannot be serialised, which
/// for the plain maps and lists stored here does not happen).
pub(crate) fn json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "null".into())
}
