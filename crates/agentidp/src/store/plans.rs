//! The statements on a request's path keep their indexes whatever the planner's statistics
//! say: statistics are taken while the database is nearly empty, thousands of rows then arrive
//! behind the planner's back, and `EXPLAIN` of each statement must not scan a table it reads.

use uuid::Uuid;

use super::audit::batch::SQLITE_UPDATE_HEADS;
use super::audit::chain::{ADVANCE_HEAD, SET_HEAD_HASH};
use super::credentials::{
    CLIENT_WITH_CREDENTIALS, GET_CREDENTIAL, INSERT_CREDENTIAL, LIST_CREDENTIALS,
    LOCK_ACTIVE_AGENT, RECORD_AGENT_USE, RECORD_CREDENTIAL_USE, SQLITE_RECORD_AGENT_USES,
    SQLITE_RECORD_CREDENTIAL_USES, USES_PER_STATEMENT,
};
use super::tokens::{REVOKE_TOKEN, TOKEN_LIVENESS};
use super::{Db, Pool, agents::GET_AGENT, agents::GET_ANY_AGENT, test_db};
use crate::domain::time::Timestamp;

/// Rows added behind the planner's back.
const GROWTH: i64 = 20_000;

/// A bound parameter of a statement under test.
#[derive(Clone, Copy)]
enum P {
    Id,
    Text(&'static str),
    Int(i64),
    Bytes,
    At,
    NoId,
    NoAt,
    NoBytes,
    NoText,
}

/// Adds `n` tenants with one audit head and one revoked token each, and `n` agents of the
/// first tenant with one credential each (SQLite).
const SQLITE_SEED: &str = "
    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $1)
    INSERT INTO tenants (id, name, plan, agent_count, created_at)
        SELECT randomblob(16), 'seed-' || lower(hex(randomblob(8))), 'free', 0, 0 FROM n;
    INSERT INTO audit_heads (tenant_id, seq, hash) SELECT id, 1, 'x' FROM tenants
        WHERE id NOT IN (SELECT tenant_id FROM audit_heads);
    INSERT INTO revoked_tokens (jti, tenant_id, expires_at, revoked_at)
        SELECT randomblob(16), id, 0, 0 FROM tenants WHERE name LIKE 'seed-%';
    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $1)
    INSERT INTO agents (id, tenant_id, email, name, description, agent_type, version,
            capabilities, owner, deployment_env, status, is_public, metadata, allowed_scopes,
            created_at, updated_at)
        SELECT randomblob(16), (SELECT min(id) FROM tenants), lower(hex(randomblob(8))) || '@x.test',
            'a', '', 't', '1.0.0', '[]', 'o', 'production', 'active', 0, '{}', 'x:y', 0, 0 FROM n;
    INSERT INTO credentials (id, agent_id, tenant_id, secret_hash, status, created_at)
        SELECT randomblob(16), id, tenant_id, randomblob(32), 'active', 0 FROM agents
        WHERE id NOT IN (SELECT agent_id FROM credentials);";

/// The same for PostgreSQL.
const POSTGRES_SEED: &str = "
    INSERT INTO tenants (id, name, plan, agent_count, created_at)
        SELECT gen_random_uuid(), 'seed-' || gen_random_uuid(), 'free', 0, now()
        FROM generate_series(1, $1);
    INSERT INTO audit_heads (tenant_id, seq, hash) SELECT id, 1, 'x' FROM tenants
        WHERE id NOT IN (SELECT tenant_id FROM audit_heads);
    INSERT INTO revoked_tokens (jti, tenant_id, expires_at, revoked_at)
        SELECT gen_random_uuid(), id, now(), now() FROM tenants WHERE name LIKE 'seed-%';
    INSERT INTO agents (id, tenant_id, email, name, description, agent_type, version,
            capabilities, owner, deployment_env, status, is_public, metadata, allowed_scopes,
            created_at, updated_at)
        SELECT gen_random_uuid(), (SELECT id FROM tenants ORDER BY id LIMIT 1),
            gen_random_uuid() || '@x.test', 'a', '', 't', '1.0.0', '[]', 'o', 'production',
            'active', false, '{}', 'x:y', now(), now()
        FROM generate_series(1, $1);
    INSERT INTO credentials (id, agent_id, tenant_id, secret_hash, status, created_at)
        SELECT gen_random_uuid(), id, tenant_id, sha256(id::text::bytea), 'active', now()
        FROM agents WHERE id NOT IN (SELECT agent_id FROM credentials);";

async fn seed(db: &Db, rows: i64) {
    let sql = match db.pool {
        Pool::Sqlite(_) => SQLITE_SEED,
        Pool::Postgres(_) => POSTGRES_SEED,
    };
    test_db::execute(db, &sql.replace("$1", &rows.to_string()))
        .await
        .expect("seed");
}

/// Binds each of `params` to `q`.
macro_rules! bind_all {
    ($q:expr, $params:expr) => {{
        let mut q = $q;
        for p in $params {
            q = match *p {
                P::Id => q.bind(Uuid::now_v7()),
                P::Text(t) => q.bind(t),
                P::Int(n) => q.bind(n),
                P::Bytes => q.bind(vec![0_u8; 32]),
                P::At => q.bind(Timestamp::now()),
                P::NoId => q.bind(None::<Uuid>),
                P::NoAt => q.bind(None::<Timestamp>),
                P::NoBytes => q.bind(None::<Vec<u8>>),
                P::NoText => q.bind(None::<String>),
            };
        }
        q
    }};
}

/// The plan of `sql` with `params` bound, one line per plan node.
async fn plan(db: &Db, sql: &str, params: &[P]) -> Vec<String> {
    let lines = match &db.pool {
        Pool::Sqlite(pool) => {
            let text = sqlx::AssertSqlSafe(format!("EXPLAIN QUERY PLAN {sql}"));
            let q = bind_all!(sqlx::query_as::<_, (i64, i64, i64, String)>(text), params);
            q.fetch_all(pool)
                .await
                .map(|rows| rows.into_iter().map(|(_, _, _, detail)| detail).collect())
        }
        Pool::Postgres(pool) => {
            let text = sqlx::AssertSqlSafe(format!("EXPLAIN {sql}"));
            bind_all!(sqlx::query_scalar::<_, String>(text), params)
                .fetch_all(pool)
                .await
        }
    };
    lines.unwrap_or_else(|e| panic!("EXPLAIN {sql}: {e}"))
}

/// The plan lines that read all of one of `sources` (table names or aliases): SQLite's
/// `SCAN x` (a full table or index scan; `SEARCH x` is a lookup), PostgreSQL's `Seq Scan`.
fn scans<'a>(lines: &'a [String], sources: &[&str]) -> Vec<&'a String> {
    lines
        .iter()
        .filter(|l| {
            l.contains("Seq Scan")
                || sources.iter().any(|s| {
                    l.trim_start()
                        .strip_prefix("SCAN ")
                        .is_some_and(|rest| rest == *s || rest.starts_with(&format!("{s} ")))
                })
        })
        .collect()
}

async fn hot_statements_use_their_indexes_after_growth_behind_the_planner(db: Db) {
    db.migrate().await.expect("migrate");
    seed(&db, 1).await;
    let analyze = match db.pool {
        Pool::Sqlite(_) => "ANALYZE",
        Pool::Postgres(_) => "ANALYZE; SET enable_seqscan = on",
    };
    test_db::execute(&db, analyze).await.expect("analyze");
    seed(&db, GROWTH).await;
    let credential = [
        P::Id,
        P::Id,
        P::Id,
        P::Bytes,
        P::NoBytes,
        P::NoAt,
        P::Text("active"),
        P::At,
        P::NoAt,
        P::NoAt,
        P::NoAt,
        P::NoAt,
        P::NoText,
        P::NoText,
        P::Int(10),
    ];
    let mut statements: Vec<(&str, String, Vec<P>, &[&str])> = vec![
        (
            "client authentication",
            CLIENT_WITH_CREDENTIALS.on(&db).into(),
            vec![P::Id],
            &["a", "c", "agents", "credentials"],
        ),
        (
            "bearer liveness",
            TOKEN_LIVENESS.on(&db).into(),
            vec![P::Id, P::Id, P::Id],
            &["a", "r", "agents", "revoked_tokens"],
        ),
        (
            "agent by id",
            GET_AGENT.on(&db).into(),
            vec![P::Id, P::Id],
            &["agents"],
        ),
        (
            "public agent by id",
            GET_ANY_AGENT.on(&db).into(),
            vec![P::Id],
            &["agents"],
        ),
        (
            "credential by id",
            GET_CREDENTIAL.on(&db).into(),
            vec![P::Id, P::Id, P::Id],
            &["credentials"],
        ),
        (
            "an agent's credentials",
            LIST_CREDENTIALS.on(&db).into(),
            vec![P::Id, P::Id],
            &["credentials"],
        ),
        (
            "lock an active agent",
            LOCK_ACTIVE_AGENT.on(&db).into(),
            vec![P::Id, P::Id],
            &["agents"],
        ),
        (
            "insert a credential under the limit",
            INSERT_CREDENTIAL.on(&db).into(),
            credential.to_vec(),
            &["credentials"],
        ),
        (
            "record a credential use",
            RECORD_CREDENTIAL_USE.into(),
            vec![P::Id, P::At],
            &["credentials"],
        ),
        (
            "record an agent use",
            RECORD_AGENT_USE.into(),
            vec![P::Id, P::At],
            &["agents"],
        ),
        (
            "revoke a token",
            REVOKE_TOKEN.into(),
            vec![P::Id, P::Id, P::At, P::At],
            &["revoked_tokens"],
        ),
        (
            "advance an audit head",
            ADVANCE_HEAD.into(),
            vec![P::Id, P::Int(1), P::Text("x")],
            &["audit_heads"],
        ),
        (
            "set an audit head's hash",
            SET_HEAD_HASH.into(),
            vec![P::Id, P::Text("x")],
            &["audit_heads"],
        ),
    ];
    if let Pool::Sqlite(_) = db.pool {
        // The pairs of the first CASE, the IN list, the pairs again (see record_uses).
        let pairs = std::iter::once([P::Id, P::At])
            .chain(std::iter::repeat_n(
                [P::NoId, P::NoAt],
                USES_PER_STATEMENT - 1,
            ))
            .flatten();
        let ids =
            std::iter::once(P::Id).chain(std::iter::repeat_n(P::NoId, USES_PER_STATEMENT - 1));
        let uses: Vec<P> = pairs.clone().chain(ids).chain(pairs).collect();
        statements.push((
            "record credential uses",
            SQLITE_RECORD_CREDENTIAL_USES.clone(),
            uses.clone(),
            &["credentials"],
        ));
        statements.push((
            "record agent uses",
            SQLITE_RECORD_AGENT_USES.clone(),
            uses,
            &["agents"],
        ));
        statements.push((
            "move audit heads (batch)",
            SQLITE_UPDATE_HEADS.into(),
            vec![P::Text("[]"), P::Text("[]")],
            &["audit_heads"],
        ));
    }
    for (name, sql, params, sources) in statements {
        let lines = plan(&db, &sql, &params).await;
        let bad = scans(&lines, sources);
        assert!(bad.is_empty(), "{name} scans {bad:?}; plan: {lines:#?}");
    }
}

test_db::on_both_stores!(
    hot_statements_use_their_indexes_after_growth_behind_the_planner,
    sqlite_plans_do_not_depend_on_statistics,
    postgres_plans_do_not_depend_on_statistics
);
