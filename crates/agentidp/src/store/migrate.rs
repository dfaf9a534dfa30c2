//! Embedded, versioned migrations, one directory per backend, applied at start and by
//! `agentidp migrate`. Each migration runs in its own transaction.

use super::{Db, Pool, StoreError, StoreResult, in_tx, on_pool};
use crate::domain::time::Timestamp;

struct Migration {
    version: i64,
    description: &'static str,
    sqlite: &'static str,
    postgres: &'static str,
}

const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        description: "core",
        sqlite: include_str!("../../migrations/sqlite/0001_core.sql"),
        postgres: include_str!("../../migrations/postgres/0001_core.sql"),
    },
    Migration {
        version: 2,
        description: "audit",
        sqlite: include_str!("../../migrations/sqlite/0002_audit.sql"),
        postgres: include_str!("../../migrations/postgres/0002_audit.sql"),
    },
];

/// Serialises concurrent `migrate` runs on PostgreSQL (several nodes starting at once).
const PG_MIGRATION_LOCK: i64 = 0x6167_656e_7469_6470;

impl Db {
    /// Applies every migration not yet recorded; returns how many ran.
    pub async fn migrate(&self) -> StoreResult<usize> {
        const CREATE: &str = "CREATE TABLE IF NOT EXISTS schema_migrations (
            version BIGINT PRIMARY KEY, description TEXT NOT NULL, applied_at BIGINT NOT NULL)";
        on_pool!(self, p => sqlx::query(CREATE).execute(p).await.map(|_| ()))?;
        if let Pool::Postgres(p) = &self.pool {
            let mut conn = p.acquire().await?;
            sqlx::query("SELECT pg_advisory_lock($1)")
                .bind(PG_MIGRATION_LOCK)
                .execute(&mut *conn)
                .await?;
            let applied = self.apply_pending().await;
            sqlx::query("SELECT pg_advisory_unlock($1)")
                .bind(PG_MIGRATION_LOCK)
                .execute(&mut *conn)
                .await?;
            return applied;
        }
        self.apply_pending().await
    }

    async fn apply_pending(&self) -> StoreResult<usize> {
        let done: Vec<(i64,)> = on_pool!(self, p => sqlx::query_as("SELECT version FROM schema_migrations").fetch_all(p).await)?;
        let mut applied = 0;
        for m in MIGRATIONS
            .iter()
            .filter(|m| !done.iter().any(|(v,)| *v == m.version))
        {
            let wrap = |source| StoreError::Migration {
                version: m.version,
                source,
            };
            let record = "INSERT INTO schema_migrations (version, description, applied_at) VALUES ($1, $2, $3)";
            let now = Timestamp::now().micros();
            let script = match self.pool {
                Pool::Sqlite(_) => m.sqlite,
                Pool::Postgres(_) => m.postgres,
            };
            in_tx!(self, tx => {
                sqlx::raw_sql(script).execute(&mut *tx).await.map_err(wrap)?;
                sqlx::query(record).bind(m.version).bind(m.description).bind(now).execute(&mut *tx).await?;
            });
            tracing::info!(
                version = m.version,
                description = m.description,
                "applied migration"
            );
            applied += 1;
        }
        Ok(applied)
    }
}
