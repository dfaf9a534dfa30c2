//! SQLite WAL upkeep: background checkpoints that keep the write-ahead log bounded under
//! sustained writes without putting a checkpoint inside any request's commit.
//!
//! A PASSIVE checkpoint never blocks, but it also never lets the WAL start over while readers
//! and writers keep arriving: under steady token traffic the file grew by about 30 MB a second
//! and every read had more WAL to search. So once the WAL holds more than [`RESTART_FRAMES`]
//! after a passive pass, a RESTART checkpoint briefly holds writers back until readers have moved
//! to the database file, and the next commit writes the WAL from its start again.

use std::time::Duration;

use sqlx::{AssertSqlSafe, SqlitePool};

/// How often the WAL is checkpointed.
const INTERVAL: Duration = Duration::from_secs(1);

/// Longest a restart holds new commits back while waiting for readers.
const RESTART_WAIT: Duration = Duration::from_millis(100);

/// SQLite's default page size, which the server does not change; a WAL frame holds one page.
const PAGE_BYTES: i64 = 4096;

/// WAL size (in pages) above which a checkpoint restarts the log: 64 MiB, a few seconds of
/// writes at full load.
const RESTART_FRAMES: i64 = 16_384;

/// The size the WAL file is truncated back to after it restarts (SQLite's
/// `journal_size_limit`): the restart threshold, so a burst does not leave a larger file behind.
pub(crate) const SIZE_LIMIT_BYTES: i64 = RESTART_FRAMES * PAGE_BYTES;

/// What one checkpoint pass did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Checkpoint {
    /// Pages in the WAL after the passive pass.
    pub(crate) wal_frames: i64,
    /// Whether the log was restarted.
    pub(crate) restarted: bool,
}

/// Copies WAL pages into the database; restarts the log when it holds more than
/// `restart_frames` pages.
pub(crate) async fn checkpoint(
    pool: &SqlitePool,
    restart_frames: i64,
) -> Result<Checkpoint, sqlx::Error> {
    // The pragma answers (busy, pages in the WAL, pages checkpointed); -1 when not in WAL mode.
    let (_, wal_frames, _): (i64, i64, i64) = sqlx::query_as("PRAGMA wal_checkpoint(PASSIVE)")
        .fetch_one(pool)
        .await?;
    if wal_frames <= restart_frames {
        return Ok(Checkpoint {
            wal_frames,
            restarted: false,
        });
    }
    // New commits wait while a restart waits for readers still on old WAL pages, so that wait
    // is short; busy = 1 means some reader did not finish in time, and the next pass retries.
    let mut conn = pool.acquire().await?;
    let (usual,): (i64,) = sqlx::query_as("PRAGMA busy_timeout")
        .fetch_one(&mut *conn)
        .await?;
    sqlx::query(AssertSqlSafe(format!(
        "PRAGMA busy_timeout = {}",
        RESTART_WAIT.as_millis()
    )))
    .execute(&mut *conn)
    .await?;
    let restart = sqlx::query_as("PRAGMA wal_checkpoint(RESTART)")
        .fetch_one(&mut *conn)
        .await;
    let restored = sqlx::query(AssertSqlSafe(format!("PRAGMA busy_timeout = {usual}")))
        .execute(&mut *conn)
        .await;
    if restored.is_err() {
        // A connection left with the short timeout must not go back to serve requests.
        conn.close_on_drop();
    }
    restored?;
    let (busy, _, _): (i64, i64, i64) = restart?;
    Ok(Checkpoint {
        wal_frames,
        restarted: busy == 0,
    })
}

/// Checkpoints the WAL every second until the requests' pool closes, on a connection of its
/// own: under load a pass copies thousands of pages and fsyncs the database file (~25 ms a
/// second here), which on a shared connection left requests one connection short meanwhile.
pub(crate) fn spawn_checkpointer(requests: SqlitePool) {
    let own = super::one_connection_like(&requests);
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(INTERVAL);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if requests.is_closed() {
                own.close().await;
                return;
            }
            match checkpoint(&own, RESTART_FRAMES).await {
                Ok(done) if done.restarted => {
                    tracing::debug!(wal_frames = done.wal_frames, "WAL restarted");
                }
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!(error = %crate::error_chain(&e), "WAL checkpoint failed; will retry");
                }
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions};

    use super::*;

    /// A WAL-mode database in its own directory with a table of `rows` one-page rows, each
    /// written in its own commit.
    async fn database_with_rows(name: &str, rows: usize) -> (SqlitePool, std::path::PathBuf) {
        let dir = std::env::temp_dir().join(format!("agentidp-wal-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("scratch dir");
        let options = SqliteConnectOptions::new()
            .filename(dir.join("wal.db"))
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .pragma("wal_autocheckpoint", "0");
        let pool = SqlitePoolOptions::new()
            .max_connections(2)
            .connect_with(options)
            .await
            .expect("open a SQLite file");
        sqlx::query("CREATE TABLE t (v BLOB)")
            .execute(&pool)
            .await
            .expect("create");
        write_rows(&pool, rows).await;
        (pool, dir)
    }

    async fn write_rows(pool: &SqlitePool, rows: usize) {
        for _ in 0..rows {
            sqlx::query("INSERT INTO t (v) VALUES (randomblob(3000))")
                .execute(pool)
                .await
                .expect("insert");
        }
    }

    #[tokio::test]
    async fn a_wal_over_the_limit_is_restarted_and_the_next_commit_writes_from_its_start() {
        let (pool, dir) = database_with_rows("restart", 50).await;

        let first = checkpoint(&pool, 10).await.expect("checkpoint");
        assert!(first.wal_frames > 10, "{first:?}");
        assert!(first.restarted, "{first:?}");

        write_rows(&pool, 1).await;
        let after = checkpoint(&pool, 10).await.expect("checkpoint");
        assert!(after.wal_frames < 10, "the log started over: {after:?}");
        assert!(!after.restarted);
        pool.close().await;
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[tokio::test]
    async fn a_wal_under_the_limit_is_only_checkpointed_passively() {
        let (pool, dir) = database_with_rows("passive", 5).await;

        let done = checkpoint(&pool, 1000).await.expect("checkpoint");
        assert!(done.wal_frames > 0, "{done:?}");
        assert!(!done.restarted, "{done:?}");
        pool.close().await;
        let _ = std::fs::remove_dir_all(&dir);
    }
}
