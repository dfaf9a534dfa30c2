//! Credential rows, and the one indexed query the token endpoint needs to authenticate.

use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};

use uuid::Uuid;

use super::audit::chain::append_events;
use super::{
    Db, Pool, Sql, StoreError, StoreResult, from_row, hinted, in_tx, on_pool, parse_stored,
};
use crate::domain::agent::AgentStatus;
use crate::domain::audit::NewEvent;
use crate::domain::client_key::ClientKey;
use crate::domain::credential::{Client, Credential, CredentialStatus};
use crate::domain::ids::{AgentId, CredentialId, TenantId};
use crate::domain::last_use::Use;
use crate::domain::scope::ScopeSet;
use crate::domain::time::Timestamp;

macro_rules! credential_columns {
    () => {
        "id, agent_id, secret_hash, previous_secret_hash, previous_expires_at, status, created_at, \
         expires_at, rotated_at, revoked_at, last_used_at, public_jwk, previous_public_jwk"
    };
}

pub(crate) struct CredentialRow {
    id: Uuid,
    agent_id: Uuid,
    secret_hash: Vec<u8>,
    previous_secret_hash: Option<Vec<u8>>,
    previous_expires_at: Option<Timestamp>,
    status: String,
    created_at: Timestamp,
    expires_at: Option<Timestamp>,
    rotated_at: Option<Timestamp>,
    revoked_at: Option<Timestamp>,
    last_used_at: Option<Timestamp>,
    public_jwk: Option<String>,
    previous_public_jwk: Option<String>,
}

from_row!(CredentialRow {
    id,
    agent_id,
    secret_hash,
    previous_secret_hash,
    previous_expires_at,
    status,
    created_at,
    expires_at,
    rotated_at,
    revoked_at,
    last_used_at,
    public_jwk,
    previous_public_jwk
});

impl TryFrom<CredentialRow> for Credential {
    type Error = StoreError;

    fn try_from(r: CredentialRow) -> StoreResult<Self> {
        let key = |text: Option<String>| {
            text.map(|t| {
                stored_key(t)
                    .map_err(|e| StoreError::Corrupt(format!("credential {} key: {e}", r.id)))
            })
            .transpose()
        };
        Ok(Credential {
            public_key: key(r.public_jwk)?,
            previous_public_key: key(r.previous_public_jwk)?,
            id: CredentialId::from_uuid(r.id),
            agent_id: AgentId::from_uuid(r.agent_id),
            status: parse_stored("credential status", &r.status, CredentialStatus::parse)?,
            secret_hash: r.secret_hash,
            previous_secret_hash: r.previous_secret_hash,
            previous_expires_at: r.previous_expires_at,
            created_at: r.created_at,
            expires_at: r.expires_at,
            rotated_at: r.rotated_at,
            revoked_at: r.revoked_at,
            last_used_at: r.last_used_at,
        })
    }
}

/// The columns of an agent that client authentication needs, joined with one of its active
/// credentials, if it has any.
struct ClientRow {
    tenant_id: Uuid,
    agent_status: String,
    allowed_scopes: String,
    credential: Option<CredentialRow>,
}

macro_rules! client_row_impl {
    ($row:ty) => {
        impl<'r> sqlx::FromRow<'r, $row> for ClientRow {
            fn from_row(row: &'r $row) -> Result<Self, sqlx::Error> {
                use sqlx::Row as _;
                Ok(Self {
                    tenant_id: row.try_get("tenant_id")?,
                    agent_status: row.try_get("agent_status")?,
                    allowed_scopes: row.try_get("allowed_scopes")?,
                    credential: match row.try_get::<Option<Uuid>, _>("id")? {
                        Some(_) => Some(CredentialRow::from_row(row)?),
                        None => None,
                    },
                })
            }
        }
    };
}
client_row_impl!(sqlx::sqlite::SqliteRow);
client_row_impl!(sqlx::postgres::PgRow);

/// Why [`Db::insert_credential`] stored nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InsertRefused {
    /// The agent is not active, or not of the tenant.
    AgentNotActive,
    /// The agent already holds the most active credentials allowed.
    AtLimit,
}

/// An agent's status and scopes with its active credentials: client authentication's one read.
pub(crate) const CLIENT_WITH_CREDENTIALS: Sql = hinted!(
    "SELECT a.tenant_id, a.status AS agent_status, a.allowed_scopes,
        c.id, c.agent_id, c.secret_hash, c.previous_secret_hash, c.previous_expires_at, c.status,
        c.created_at, c.expires_at, c.rotated_at, c.revoked_at, c.last_used_at, c.public_jwk,
        c.previous_public_jwk
    FROM agents a" => "sqlite_autoindex_agents_1",
    " LEFT JOIN credentials c" => "credentials_agent_idx",
    " ON c.agent_id = a.id AND c.status = 'active' WHERE a.id = $1",
);

/// Inserts a credential unless its agent already holds `$15` active ones.
pub(crate) const INSERT_CREDENTIAL: Sql = hinted!(
    "INSERT INTO credentials (tenant_id, ",
    credential_columns!(),
    ") SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14
    WHERE $15 IS NULL OR (SELECT count(*) FROM credentials" => "credentials_agent_idx",
    " WHERE agent_id = $3 AND status = 'active') < $15",
);

/// One credential of an agent.
pub(crate) const GET_CREDENTIAL: Sql = hinted!(
    "SELECT ",
    credential_columns!(),
    " FROM credentials" => "sqlite_autoindex_credentials_1",
    " WHERE id = $3 AND agent_id = $2 AND tenant_id = $1",
);

/// Locks an active agent's row (PostgreSQL; SQLite's write transaction excludes every other)
/// so that its credentials can be counted and added without a race.
pub(crate) const LOCK_ACTIVE_AGENT: Sql = hinted!(
    "UPDATE agents" => "sqlite_autoindex_agents_1",
    " SET status = status WHERE id = $2 AND tenant_id = $1 AND status = 'active'",
);

/// Every credential of an agent, oldest first.
pub(crate) const LIST_CREDENTIALS: Sql = hinted!(
    "SELECT ",
    credential_columns!(),
    " FROM credentials" => "credentials_agent_idx",
    " WHERE agent_id = $2 AND tenant_id = $1 ORDER BY id",
);

impl Db {
    /// Stores a new credential for an active agent of `tenant` holding fewer than
    /// `max_active` active credentials (`None`: no limit), or stores nothing and says which
    /// condition failed. Both are checked inside the insert's transaction, after the agent's
    /// row is locked (on PostgreSQL; SQLite's write transaction excludes every other), so
    /// concurrent inserts and a concurrent decommission cannot each pass a check the other
    /// invalidates.
    pub async fn insert_credential(
        &self,
        tenant: TenantId,
        c: &Credential,
        max_active: Option<usize>,
        events: &[NewEvent],
    ) -> StoreResult<Result<(), InsertRefused>> {
        let max_active = max_active.map(|n| i64::try_from(n).unwrap_or(i64::MAX));
        in_tx!(self, tx => {
            let locked = sqlx::query(LOCK_ACTIVE_AGENT.on(self))
                .bind(tenant.uuid())
                .bind(c.agent_id.uuid())
                .execute(&mut *tx).await?;
            if locked.rows_affected() == 0 {
                return Ok(Err(InsertRefused::AgentNotActive));
            }
            let inserted = sqlx::query(INSERT_CREDENTIAL.on(self))
            .bind(tenant.uuid())
            .bind(c.id.uuid())
            .bind(c.agent_id.uuid())
            .bind(c.secret_hash.as_slice())
            .bind(c.previous_secret_hash.as_deref())
            .bind(c.previous_expires_at)
            .bind(c.status.as_str())
            .bind(c.created_at)
            .bind(c.expires_at)
            .bind(c.rotated_at)
            .bind(c.revoked_at)
            .bind(c.last_used_at)
            .bind(stored_jwk(c.public_key.as_ref()))
            .bind(stored_jwk(c.previous_public_key.as_ref()))
            .bind(max_active)
            .execute(&mut *tx).await?;
            if inserted.rows_affected() == 0 {
                return Ok(Err(InsertRefused::AtLimit));
            }
            append_events!(self, tx, events);
        });
        Ok(Ok(()))
    }

    /// Every credential of an agent, oldest first.
    pub async fn list_credentials(
        &self,
        tenant: TenantId,
        agent: AgentId,
    ) -> StoreResult<Vec<Credential>> {
        let sql = LIST_CREDENTIALS.on(self);
        let rows: Vec<CredentialRow> = on_pool!(self, p => sqlx::query_as(sql).bind(tenant.uuid()).bind(agent.uuid()).fetch_all(p).await)?;
        rows.into_iter().map(Credential::try_from).collect()
    }

    /// One credential of an agent.
    pub async fn get_credential(
        &self,
        tenant: TenantId,
        agent: AgentId,
        id: CredentialId,
    ) -> StoreResult<Option<Credential>> {
        let sql = GET_CREDENTIAL.on(self);
        let row: Option<CredentialRow> = on_pool!(self, p => sqlx::query_as(sql)
            .bind(tenant.uuid()).bind(agent.uuid()).bind(id.uuid()).fetch_optional(p).await)?;
        row.map(Credential::try_from).transpose()
    }

    /// Writes a credential's mutable state (rotation or revocation) if it is still active with
    /// the secret `read_secret` it had when it was read, and fails with [`StoreError::Stale`]
    /// otherwise: a rotation racing a revocation must not bring the revoked secret back, and two
    /// rotations must not both report a secret when only one is stored.
    pub async fn update_credential(
        &self,
        c: &Credential,
        read_secret: &[u8],
        events: &[NewEvent],
    ) -> StoreResult<()> {
        const SQL: &str = "UPDATE credentials SET secret_hash = $2, previous_secret_hash = $3,
            previous_expires_at = $4, status = $5, expires_at = $6, rotated_at = $7, revoked_at = $8,
            public_jwk = $10, previous_public_jwk = $11
            WHERE id = $1 AND status = 'active' AND secret_hash = $9";
        in_tx!(self, tx => {
            let updated = sqlx::query(SQL)
            .bind(c.id.uuid())
            .bind(c.secret_hash.as_slice())
            .bind(c.previous_secret_hash.as_deref())
            .bind(c.previous_expires_at)
            .bind(c.status.as_str())
            .bind(c.expires_at)
            .bind(c.rotated_at)
            .bind(c.revoked_at)
            .bind(read_secret)
            .bind(stored_jwk(c.public_key.as_ref()))
            .bind(stored_jwk(c.previous_public_key.as_ref()))
            .execute(&mut *tx).await?;
            if updated.rows_affected() != 1 {
                return Err(StoreError::Stale);
            }
            append_events!(self, tx, events);
        });
        Ok(())
    }

    /// The client view of the agent behind `client_id` with its active credentials, in one
    /// indexed query: none when all are revoked, so that a refused attempt is still recorded in
    /// the agent's own tenant. `None` when the agent does not exist.
    pub async fn client_with_credentials(
        &self,
        client_id: AgentId,
    ) -> StoreResult<Option<(Client, Vec<Credential>)>> {
        let sql = CLIENT_WITH_CREDENTIALS.on(self);
        let rows: Vec<ClientRow> =
            on_pool!(self, p => sqlx::query_as(sql).bind(client_id.uuid()).fetch_all(p).await)?;
        let Some(first) = rows.first() else {
            return Ok(None);
        };
        let client = Client {
            id: client_id,
            tenant_id: TenantId::from_uuid(first.tenant_id),
            status: parse_stored("agent status", &first.agent_status, |s| {
                AgentStatus::parse("status", s).ok()
            })?,
            allowed_scopes: ScopeSet::parse(&first.allowed_scopes)
                .map_err(|_| StoreError::Corrupt(format!("agent {client_id} allowed_scopes")))?,
        };
        let credentials = rows
            .into_iter()
            .filter_map(|r| r.credential)
            .map(Credential::try_from)
            .collect::<StoreResult<_>>()?;
        Ok(Some((client, credentials)))
    }

    /// Records credential uses and their agents' authentications, never moving a time
    /// backwards (another node may have written a later one), each row found by its key
    /// whatever the planner's statistics say. SQLite: one statement per table and
    /// [`USES_PER_STATEMENT`] uses, each its own short transaction, since its one writer lock
    /// is what the audit log's commits wait for (a flush of thousands of row updates in one
    /// transaction kept them waiting for a second). PostgreSQL locks rows, not the database:
    /// one key-lookup update per row, in a transaction per chunk.
    pub async fn record_uses(&self, uses: &[Use]) -> StoreResult<()> {
        for chunk in uses.chunks(USES_PER_STATEMENT) {
            match &self.pool {
                Pool::Sqlite(pool) => {
                    let credentials = chunk.iter().map(|u| (u.credential.uuid(), u.at));
                    // An agent may have used several credentials: its latest use wins.
                    let mut agents: HashMap<Uuid, Timestamp> = HashMap::new();
                    for u in chunk {
                        let at = agents.entry(u.agent.uuid()).or_insert(u.at);
                        *at = (*at).max(u.at);
                    }
                    for (sql, rows) in [
                        (
                            &*SQLITE_RECORD_CREDENTIAL_USES,
                            credentials.collect::<Vec<_>>(),
                        ),
                        (&*SQLITE_RECORD_AGENT_USES, agents.into_iter().collect()),
                    ] {
                        let _busy = self.busy();
                        sqlite_uses_query(sql, &rows).execute(pool).await?;
                    }
                }
                Pool::Postgres(pool) => {
                    let _busy = self.busy();
                    let mut tx = pool.begin().await?;
                    for u in chunk {
                        sqlx::query(RECORD_CREDENTIAL_USE)
                            .bind(u.credential.uuid())
                            .bind(u.at)
                            .execute(&mut *tx)
                            .await?;
                        sqlx::query(RECORD_AGENT_USE)
                            .bind(u.agent.uuid())
                            .bind(u.at)
                            .execute(&mut *tx)
                            .await?;
                    }
                    tx.commit().await?;
                }
            }
        }
        Ok(())
    }
}

/// Most parsed client keys kept; past it the cache starts over.
const KEY_CACHE_MAX: usize = 65_536;

/// Client keys parsed from their stored JWK text. Parsing (the JSON, the curve point, the
/// thumbprint) would otherwise be repeated for every assertion of every client; a stored
/// text always parses to the same key, so entries never go stale.
static KEY_CACHE: LazyLock<Mutex<HashMap<String, ClientKey>>> = LazyLock::new(Mutex::default);

fn stored_key(text: String) -> Result<ClientKey, crate::domain::DomainError> {
    let cache = || {
        KEY_CACHE
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    };
    if let Some(key) = cache().get(&text) {
        return Ok(key.clone());
    }
    let key = ClientKey::from_stored(&text)?;
    let mut cache = cache();
    if cache.len() >= KEY_CACHE_MAX {
        cache.clear();
    }
    cache.insert(text, key.clone());
    Ok(key)
}

/// A key's public JWK as stored.
fn stored_jwk(key: Option<&ClientKey>) -> Option<String> {
    key.map(|k| k.jwk().to_string())
}

/// [`sqlite_record_uses`] with `rows` (id, time) bound: its placeholders are anonymous (SQLite
/// looks numbered ones up by name, one by one), in the order the pairs of the first `CASE`,
/// the `IN` list, the pairs again; rows past `rows` are NULL.
fn sqlite_uses_query<'q>(
    sql: &'q str,
    rows: &[(Uuid, Timestamp)],
) -> sqlx::query::Query<'q, sqlx::Sqlite, sqlx::sqlite::SqliteArguments> {
    let row = |n: usize| rows.get(n).copied().unzip();
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
    for n in 0..USES_PER_STATEMENT {
        let (id, at) = row(n);
        q = q.bind(id).bind(at);
    }
    for n in 0..USES_PER_STATEMENT {
        q = q.bind(row(n).0);
    }
    for n in 0..USES_PER_STATEMENT {
        let (id, at) = row(n);
        q = q.bind(id).bind(at);
    }
    q
}

/// Uses written per statement (SQLite) or transaction (PostgreSQL).
pub(crate) const USES_PER_STATEMENT: usize = 256;

/// Moves a credential's `last_used_at` forward (PostgreSQL, one row).
pub(crate) const RECORD_CREDENTIAL_USE: &str = "UPDATE credentials SET last_used_at = $2
    WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < $2)";

/// Moves an agent's `last_auth_at` forward (PostgreSQL, one row).
pub(crate) const RECORD_AGENT_USE: &str = "UPDATE agents SET last_auth_at = $2
    WHERE id = $1 AND (last_auth_at IS NULL OR last_auth_at < $2)";

/// Moves the `last_used_at` of up to [`USES_PER_STATEMENT`] credentials forward (SQLite).
pub(crate) static SQLITE_RECORD_CREDENTIAL_USES: LazyLock<String> = LazyLock::new(|| {
    sqlite_record_uses(
        "credentials",
        "sqlite_autoindex_credentials_1",
        "last_used_at",
    )
});

/// Moves the `last_auth_at` of up to [`USES_PER_STATEMENT`] agents forward (SQLite).
pub(crate) static SQLITE_RECORD_AGENT_USES: LazyLock<String> =
    LazyLock::new(|| sqlite_record_uses("agents", "sqlite_autoindex_agents_1", "last_auth_at"));

/// An update of up to [`USES_PER_STATEMENT`] rows by key: an `IN` list on the primary key
/// (with the index named, so that it is searched, never scanned) and a `CASE` on the same
/// parameters for each row's time; rows past the chunk are NULL and match nothing.
fn sqlite_record_uses(table: &str, index: &str, column: &str) -> String {
    let ids = vec!["?"; USES_PER_STATEMENT].join(", ");
    let whens = " WHEN ? THEN ?".repeat(USES_PER_STATEMENT);
    format!(
        "UPDATE {table} INDEXED BY {index} SET {column} = CASE id{whens} END
        WHERE id IN ({ids}) AND ({column} IS NULL OR {column} < CASE id{whens} END)"
    )
}
