//! SQLite WAL upkeep: background checkpoints that keep the write-ahead log bounded under
//! sustained writes without putting a checkpoint inside any request's commit.
//!
//! A PASSIVE checkpoint never blocks, but it also never lets the WAL start over while readers
//! and writers keep arriving: under steady token traffic the file grew by about 30 MB a second
//! and every read had more WAL to search. So once the WAL holds more than [`RESTART_FRAMES`]
//! after a passive pass, a RESTART checkpoint briefly holds writers back until readers have moved
//! to the database file, and the next commit writes the WAL from its start again.
//!
//! That RESTART runs on the audit writer's connection, between two of its batches
//! ([`Upkeep::restart_if_due`]), when the writer is there to run it. Run from the checkpointer's
//! own connection it took the write lock while the writer was committing, and the writer's next
//! `BEGIN` slept through SQLite's busy-handler backoff (1, 2, 5, 10, 15, 20 ms …) long after
//! the restart was over: each restart stalled every request waiting on the audit log for
//! 50–75 ms, the token endpoint's p99 at 64 connections.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use sqlx::{AssertSqlSafe, SqlitePool};

/// How often the WAL is checkpointed.
const INTERVAL: Duration = Duration::from_secs(1);

/// Longest a restart holds new commits back while waiting for readers; if they are not done
/// by then, a later pass tries again.
const RESTART_WAIT: Duration = Duration::from_millis(10);

/// SQLite's default page size, which the server does not change; a WAL frame holds one page.
const PAGE_BYTES: i64 = 4096;

/// A restart becomes due once a pass has left at most this many frames uncopied (a few
/// milliseconds of commits at full load).
const CATCH_UP_FRAMES: i64 = 1_024;

/// Passive passes that may follow the first to catch up before a restart becomes due.
const CATCH_UP_PASSES: usize = 4;

/// WAL size (in pages) above which a checkpoint restarts the log: 64 MiB, a few seconds of
/// writes at full load.
const RESTART_FRAMES: i64 = 16_384;

/// The size the WAL file is truncated back to after it restarts (SQLite's
/// `journal_size_limit`), so a burst does not leave a huge file behind: four times the restart
/// threshold. Under steady load the WAL peaks at the threshold plus up to a second of commits;
/// truncating that back on every restart took up to 18 ms of the writer's time here, and the
/// next pass grew the file again.
pub(crate) const SIZE_LIMIT_BYTES: i64 = 4 * RESTART_FRAMES * PAGE_BYTES;

/// What the checkpointer and the audit writer of one database share: whether the WAL is due
/// for a restart.
#[derive(Debug, Default)]
pub(crate) struct Upkeep {
    restart_due: AtomicBool,
}

impl Upkeep {
    /// Restarts the WAL on `writer` if a checkpoint pass found it over the limit; called by the
    /// audit writer before a batch, when it holds no transaction. One attempt per pass: should
    /// readers hold it off, the next pass asks again. Returns whether it restarted.
    pub(crate) async fn restart_if_due(&self, writer: &SqlitePool) -> Result<bool, sqlx::Error> {
        if !self.restart_due.swap(false, Ordering::Relaxed) {
            return Ok(false);
        }
        restart(writer).await
    }
}

/// What one checkpoint pass did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Checkpoint {
    /// Pages in the WAL after the passive pass.
    pub(crate) wal_frames: i64,
    /// Whether the log was restarted.
    pub(crate) restarted: bool,
}

/// Copies WAL pages into the database. When the WAL holds more than `restart_frames` pages, a
/// restart becomes due for the audit writer; one still due at the next pass (no writer came
/// by) runs here.
pub(crate) async fn checkpoint(
    pool: &SqlitePool,
    upkeep: &Upkeep,
    restart_frames: i64,
) -> Result<Checkpoint, sqlx::Error> {
    let mut wal_frames = passive(pool).await?;
    if wal_frames <= restart_frames {
        upkeep.restart_due.store(false, Ordering::Relaxed);
        return Ok(Checkpoint {
            wal_frames,
            restarted: false,
        });
    }
    // Writers wait while a restart copies what no pass has copied yet: the frames committed
    // during the last pass. Each pass is shorter than the one before, so a few catch up.
    for _ in 0..CATCH_UP_PASSES {
        let frames = passive(pool).await?;
        let committed_meanwhile = frames - wal_frames;
        wal_frames = frames;
        if committed_meanwhile <= CATCH_UP_FRAMES {
            break;
        }
    }
    let mut restarted = false;
    if upkeep.restart_due.swap(true, Ordering::Relaxed) {
        restarted = restart(pool).await?;
        upkeep.restart_due.store(!restarted, Ordering::Relaxed);
    }
    Ok(Checkpoint {
        wal_frames,
        restarted,
    })
}

/// One PASSIVE pass; returns the number of frames in the WAL when it started, all of which it
/// copied unless a reader still needed them.
async fn passive(pool: &SqlitePool) -> Result<i64, sqlx::Error> {
    // The pragma answers (busy, frames in the WAL, frames checkpointed); -1 when not in WAL mode.
    let (_, wal_frames, _): (i64, i64, i64) = sqlx::query_as("PRAGMA wal_checkpoint(PASSIVE)")
        .fetch_one(pool)
        .await?;
    Ok(wal_frames)
}

/// A RESTART checkpoint with a short busy timeout: new commits wait while it waits for readers
/// still on old WAL pages. Returns false when some reader did not finish in time.
async fn restart(pool: &SqlitePool) -> Result<bool, sqlx::Error> {
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
    Ok(busy == 0)
}

/// Checkpoints the WAL every second until the requests' pool closes, on a connection of its
/// own: under load a pass copies thousands of pages and fsyncs the database file (~25 ms a
/// second here), which on a shared connection left requests one connection short meanwhile.
pub(crate) fn spawn_checkpointer(requests: SqlitePool, upkeep: std::sync::Arc<Upkeep>) {
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
            match checkpoint(&own, &upkeep, RESTART_FRAMES).await {
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
    async fn a_wal_over_the_limit_is_restarted_by_the_writer_and_the_next_commit_writes_from_its_start()
     {
        let (pool, dir) = database_with_rows("restart", 50).await;
        let upkeep = Upkeep::default();
        assert!(!upkeep.restart_if_due(&pool).await.expect("nothing due"));

        let first = checkpoint(&pool, &upkeep, 10).await.expect("checkpoint");
        assert!(first.wal_frames > 10, "{first:?}");
        assert!(!first.restarted, "left to the writer: {first:?}");
        assert!(upkeep.restart_if_due(&pool).await.expect("restart"));
        assert!(!upkeep.restart_if_due(&pool).await.expect("done once"));

        write_rows(&pool, 1).await;
        let after = checkpoint(&pool, &upkeep, 10).await.expect("checkpoint");
        assert!(after.wal_frames < 10, "the log started over: {after:?}");
        assert!(!after.restarted);
        pool.close().await;
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[tokio::test]
    async fn a_restart_no_writer_takes_is_run_by_the_next_checkpoint() {
        let (pool, dir) = database_with_rows("overdue", 50).await;
        let upkeep = Upkeep::default();

        let first = checkpoint(&pool, &upkeep, 10).await.expect("checkpoint");
        assert!(!first.restarted, "{first:?}");
        let second = checkpoint(&pool, &upkeep, 10).await.expect("checkpoint");
        assert!(second.restarted, "{second:?}");
        assert!(!upkeep.restart_if_due(&pool).await.expect("nothing due"));

        write_rows(&pool, 1).await;
        let after = checkpoint(&pool, &upkeep, 10).await.expect("checkpoint");
        assert!(after.wal_frames < 10, "the log started over: {after:?}");
        pool.close().await;
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[tokio::test]
    async fn a_wal_under_the_limit_is_only_checkpointed_passively() {
        let (pool, dir) = database_with_rows("passive", 5).await;
        let upkeep = Upkeep::default();

        let done = checkpoint(&pool, &upkeep, 1000).await.expect("checkpoint");
        assert!(done.wal_frames > 0, "{done:?}");
        assert!(!done.restarted, "{done:?}");
        assert!(!upkeep.restart_if_due(&pool).await.expect("nothing due"));
        pool.close().await;
        let _ = std::fs::remove_dir_all(&dir);
    }
}
