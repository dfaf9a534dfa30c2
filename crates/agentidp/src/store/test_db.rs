//! Fresh, empty databases for the store's unit tests: a SQLite file in its own directory, and,
//! when `AGENTIDP_TEST_POSTGRES_URL` names a server, a new PostgreSQL database on it.

use std::path::PathBuf;
use std::time::Duration;

use super::{Db, PoolSettings, on_pool};

const SETTINGS: PoolSettings = PoolSettings {
    max: 2,
    min: 0,
    idle_timeout: Duration::from_secs(60),
    connection_timeout: Duration::from_secs(10),
};

/// Runs `sql` (one or more statements) on any connection of `db`.
pub(crate) async fn execute(db: &Db, sql: &str) -> Result<(), sqlx::Error> {
    on_pool!(db, p => sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned())).execute(p).await.map(|_| ()))
}

/// A SQLite database file that is removed with this value.
pub(crate) struct SqliteDir(PathBuf);

impl Drop for SqliteDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A new SQLite database, not yet migrated; keep the guard alive while it is used.
pub(crate) async fn sqlite() -> (Db, SqliteDir) {
    let dir = std::env::temp_dir().join(format!("agentidp-store-{}", uuid::Uuid::now_v7()));
    let url = format!("sqlite://{}", dir.join("idp.db").display());
    let db = Db::connect(&url, &SETTINGS).await.expect("open sqlite");
    (db, SqliteDir(dir))
}

/// A new PostgreSQL database, not yet migrated, or `None` when no test server is configured.
pub(crate) async fn postgres() -> Option<Db> {
    let server = std::env::var("AGENTIDP_TEST_POSTGRES_URL")
        .ok()
        .filter(|s| !s.is_empty())?;
    let server = server.trim_end_matches('/');
    let name = format!("agentidp_test_{}", uuid::Uuid::now_v7().simple());
    let admin = Db::connect(&format!("{server}/postgres"), &SETTINGS)
        .await
        .expect("connect");
    execute(&admin, &format!("CREATE DATABASE {name}"))
        .await
        .expect("create database");
    admin.close().await;
    Some(
        Db::connect(&format!("{server}/{name}"), &SETTINGS)
            .await
            .expect("connect"),
    )
}

/// Defines two tests that run `scenario` (an `async fn(Db)`) on a fresh database: `$sqlite` on
/// SQLite, and `$postgres` on PostgreSQL, which passes without running when no test server is
/// configured.
macro_rules! on_both_stores {
    ($scenario:ident, $sqlite:ident, $postgres:ident) => {
        #[tokio::test]
        async fn $sqlite() {
            let (db, _dir) = $crate::store::test_db::sqlite().await;
            $scenario(db).await;
        }

        #[tokio::test]
        async fn $postgres() {
            if let Some(db) = $crate::store::test_db::postgres().await {
                $scenario(db).await;
            }
        }
    };
}
pub(crate) use on_both_stores;
