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
    Migration {
        version: 3,
        description: "audit events keyed by tenant",
        sqlite: include_str!("../../migrations/sqlite/0003_audit_key.sql"),
        postgres: include_str!("../../migrations/postgres/0003_audit_key.sql"),
    },
    Migration {
        version: 4,
        description: "audit heads and checkpoints guarded",
        sqlite: include_str!("../../migrations/sqlite/0004_audit_companions.sql"),
        postgres: include_str!("../../migrations/postgres/0004_audit_companions.sql"),
    },
    Migration {
        version: 5,
        description: "audit checkpoints authenticated",
        sqlite: include_str!("../../migrations/sqlite/0005_audit_checkpoint_mac.sql"),
        postgres: include_str!("../../migrations/postgres/0005_audit_checkpoint_mac.sql"),
    },
    Migration {
        version: 6,
        description: "audit events stored in blocks",
        sqlite: include_str!("../../migrations/sqlite/0006_audit_blocks.sql"),
        postgres: include_str!("../../migrations/postgres/0006_audit_blocks.sql"),
    },
    Migration {
        version: 7,
        description: "audit blocks found by their agent actors",
        sqlite: include_str!("../../migrations/sqlite/0007_audit_actor_keys.sql"),
        postgres: include_str!("../../migrations/postgres/0007_audit_actor_keys.sql"),
    },
    Migration {
        version: 8,
        description: "public-key credentials and client assertion replay records",
        sqlite: include_str!("../../migrations/sqlite/0008_public_key_credentials.sql"),
        postgres: include_str!("../../migrations/postgres/0008_public_key_credentials.sql"),
    },
    Migration {
        version: 9,
        description: "agent card fields",
        sqlite: include_str!("../../migrations/sqlite/0009_agent_cards.sql"),
        postgres: include_str!("../../migrations/postgres/0009_agent_cards.sql"),
    },
    Migration {
        version: 10,
        description: "marketplace search",
        sqlite: include_str!("../../migrations/sqlite/0010_marketplace.sql"),
        postgres: include_str!("../../migrations/postgres/0010_marketplace.sql"),
    },
    Migration {
        version: 11,
        description: "trust policies for workload federation",
        sqlite: include_str!("../../migrations/sqlite/0011_trust_policies.sql"),
        postgres: include_str!("../../migrations/postgres/0011_trust_policies.sql"),
    },
    Migration {
        version: 12,
        description: "agents that may act for an agent (delegation)",
        sqlite: include_str!("../../migrations/sqlite/0012_allowed_actors.sql"),
        postgres: include_str!("../../migrations/postgres/0012_allowed_actors.sql"),
    },
    Migration {
        version: 13,
        description: "daily usage metering and Stripe billing",
        sqlite: include_str!("../../migrations/sqlite/0013_billing.sql"),
        postgres: include_str!("../../migrations/postgres/0013_billing.sql"),
    },
    Migration {
        version: 14,
        description: "at most one active signing key",
        sqlite: include_str!("../../migrations/sqlite/0014_one_active_key.sql"),
        postgres: include_str!("../../migrations/postgres/0014_one_active_key.sql"),
    },
];

/// Serialises concurrent `migrate` runs on PostgreSQL (several nodes starting at once).
const PG_MIGRATION_LOCK: i64 = 0x6167_656e_7469_6470;

impl Db {
    /// Applies every migration not yet recorded; returns how many ran.
    pub async fn migrate(&self) -> StoreResult<usize> {
        self.migrate_through(i64::MAX).await
    }

    /// Applies the migrations not yet recorded, up to version `through`.
    async fn migrate_through(&self, through: i64) -> StoreResult<usize> {
        const CREATE: &str = "CREATE TABLE IF NOT EXISTS schema_migrations (
            version BIGINT PRIMARY KEY, description TEXT NOT NULL, applied_at BIGINT NOT NULL)";
        if let Pool::Postgres(p) = &self.pool {
            let mut conn = p.acquire().await?;
            sqlx::query("SELECT pg_advisory_lock($1)")
                .bind(PG_MIGRATION_LOCK)
                .execute(&mut *conn)
                .await?;
            // Under the lock: two concurrent `CREATE TABLE IF NOT EXISTS` can both try to create.
            let applied = match sqlx::query(CREATE).execute(p).await {
                Ok(_) => self.apply_pending(through).await,
                Err(e) => Err(e.into()),
            };
            sqlx::query("SELECT pg_advisory_unlock($1)")
                .bind(PG_MIGRATION_LOCK)
                .execute(&mut *conn)
                .await?;
            return applied;
        }
        on_pool!(self, p => sqlx::query(CREATE).execute(p).await.map(|_| ()))?;
        self.apply_pending(through).await
    }

    /// Applies the pending migrations up to `through` (a version), in order.
    async fn apply_pending(&self, through: i64) -> StoreResult<usize> {
        let done: Vec<(i64,)> = on_pool!(self, p => sqlx::query_as("SELECT version FROM schema_migrations").fetch_all(p).await)?;
        let mut applied = 0;
        for m in MIGRATIONS
            .iter()
            .filter(|m| m.version <= through && !done.iter().any(|(v,)| *v == m.version))
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::audit::GENESIS_HASH;
    use crate::domain::audit::{Action, EventFilter, NewEvent, RequestMeta};
    use crate::domain::ids::{AgentId, TenantId};
    use crate::service::audit::verify::verify_chain;
    use crate::store::audit::link::{by_tenant, link};
    use crate::store::test_db::{self, execute};
    use crate::store::{KnownHeads, Order};

    /// Appends `events` to fresh chains the way the schema before blocks (version 5) stored
    /// them: one row each.
    async fn append_as_rows(db: &Db, events: &[NewEvent]) -> StoreResult<()> {
        const ROW: &str = "INSERT INTO audit_events (id, tenant_id, seq, occurred_at, actor,
            agent_id, action, outcome, ip, user_agent, metadata, prev_hash, hash)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)";
        const HEAD: &str = "INSERT INTO audit_heads (tenant_id, seq, hash) VALUES ($1, $2, $3)";
        for (tenant, mine) in by_tenant(events) {
            let linked = link(&mine, 0, GENESIS_HASH.to_owned(), None);
            in_tx!(db, tx => {
                for l in &linked {
                    let e = l.event;
                    sqlx::query(ROW)
                        .bind(e.id)
                        .bind(tenant.uuid())
                        .bind(l.seq)
                        .bind(e.occurred_at)
                        .bind(e.actor.as_str())
                        .bind(e.agent_id.map(|a| a.uuid()))
                        .bind(e.action.as_str())
                        .bind(e.outcome.as_str())
                        .bind(e.meta.ip.as_deref())
                        .bind(e.meta.user_agent.as_deref())
                        .bind(crate::store::json(&e.metadata))
                        .bind(l.prev_hash.as_str())
                        .bind(l.hash.as_str())
                        .execute(&mut *tx)
                        .await?;
                }
                if let Some(end) = linked.last() {
                    sqlx::query(HEAD).bind(tenant.uuid()).bind(end.seq).bind(end.hash.as_str())
                        .execute(&mut *tx).await?;
                }
            });
        }
        Ok(())
    }

    /// Fills two tenants' chains on the version-2 schema, migrates to the latest (rekeying the
    /// rows, then moving them into blocks) and checks that every event is still there,
    /// findable through each filter and by id, and chained.
    async fn events_survive_the_audit_migrations(db: Db) {
        db.migrate_through(2).await.expect("migrations 1 and 2");
        let meta = RequestMeta::default();
        let (a, b) = (TenantId::new(), TenantId::new());
        let agent = AgentId::new();
        let events: Vec<NewEvent> = (0..30)
            .map(|i| {
                let tenant = if i % 3 == 0 { b } else { a };
                // Half by another actor, half by the agent itself (found through its agent key
                // since migration 7).
                let actor = if i % 2 == 0 {
                    "actor-0".to_owned()
                } else {
                    agent.to_string()
                };
                NewEvent::new(tenant, actor, Action::TokenIssued, &meta, Timestamp::now())
                    .subject(agent)
            })
            .collect();
        append_as_rows(&db, &events)
            .await
            .expect("append on version 2");

        assert_eq!(
            db.migrate().await.expect("migrate to the latest"),
            MIGRATIONS.len() - 2
        );

        for (tenant, expected) in [(a, 20), (b, 10)] {
            assert_eq!(
                verify_chain(&db, tenant).await.expect("verify"),
                Ok(expected)
            );
            let filter = EventFilter {
                agent_id: Some(agent),
                actor: Some(agent.to_string()),
                ..EventFilter::default()
            };
            let listed = db
                .list_events(
                    tenant,
                    &filter,
                    Timestamp::from_micros(0),
                    None,
                    Order::NewestFirst,
                    100,
                )
                .await
                .expect("list");
            assert_eq!(listed.len(), expected as usize / 2);
            let one = &listed[0].event;
            let found = db.get_event(tenant, one.id).await.expect("get");
            assert_eq!(found.map(|e| e.event.id), Some(one.id));
        }
        let more = [NewEvent::new(
            a,
            "actor-0",
            Action::TokenIssued,
            &meta,
            Timestamp::now(),
        )];
        db.append_batch(&mut KnownHeads::default(), &more)
            .await
            .expect("append after the migration");
        assert_eq!(verify_chain(&db, a).await.expect("verify"), Ok(21));
        for tamper in [
            "UPDATE audit_blocks SET events = '[]'",
            "DELETE FROM audit_blocks",
            "UPDATE audit_block_keys SET value = 'mallory'",
            "DELETE FROM audit_block_keys",
        ] {
            let refused = execute(&db, tamper).await.is_err();
            assert!(refused, "the blocks still refuse {tamper}");
        }
    }

    /// Two keys left active by nodes that started together before version 14: the newest
    /// stays active, the other retires, and from then on a second active key is refused.
    async fn two_active_keys_become_one(db: Db) {
        db.migrate_through(13).await.expect("migrations through 13");
        const KEY: &str =
            "INSERT INTO signing_keys (kid, algorithm, public_jwk, status, created_at)
            VALUES ($1, 'ES256', '{}', 'active', $2)";
        let insert = |kid: &'static str, at: Timestamp| {
            let db = db.clone();
            async move {
                on_pool!(db, p => sqlx::query(KEY).bind(kid).bind(at).execute(p).await.map(|_| ()))
                    .map_err(StoreError::from)
            }
        };
        let now = Timestamp::now();
        insert("older", now.plus_seconds(-5))
            .await
            .expect("first key");
        insert("newer", now)
            .await
            .expect("a second active key before 14");

        assert_eq!(db.migrate().await.expect("migrate to the latest"), 1);

        let keys = db
            .published_keys(now.plus_seconds(-60))
            .await
            .expect("keys");
        let status: Vec<_> = keys
            .iter()
            .map(|k| (k.kid.as_str(), k.status.as_str(), k.retired_at.is_some()))
            .collect();
        assert_eq!(
            status,
            [("newer", "active", false), ("older", "retired", true)]
        );
        let third = insert("third", Timestamp::now()).await;
        assert!(
            matches!(third, Err(StoreError::UniqueViolation(_))),
            "{third:?}"
        );
    }

    test_db::on_both_stores!(
        two_active_keys_become_one,
        a_sqlite_database_keeps_one_active_key,
        a_postgres_database_keeps_one_active_key
    );

    test_db::on_both_stores!(
        events_survive_the_audit_migrations,
        a_sqlite_database_keeps_its_audit_chain_through_the_audit_migrations,
        a_postgres_database_keeps_its_audit_chain_through_the_audit_migrations
    );
}
