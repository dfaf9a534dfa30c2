//! Marketplace search: public, active agents of every tenant, by full text (SQLite FTS5,
//! PostgreSQL `tsvector`), capability and publisher, in id order with keyset pagination.
//!
//! The full-text predicate is the one part written per dialect: each database has its own
//! query language. Both match the same words, because the server stores each agent's listing
//! text already split into words (see [`crate::domain::marketplace::listing_text`]).

use sqlx::AssertSqlSafe;

use super::agents::{AgentRow, capability_like};
use super::{Db, Pool, StoreResult, on_pool};
use crate::domain::agent::Agent;
use crate::domain::ids::AgentId;
use crate::domain::marketplace::Search;

/// The agent columns of `a`, then its publisher's name.
const COLUMNS: &str = "a.id, a.tenant_id, a.email, a.name, a.description, a.agent_type, a.version, \
    a.capabilities, a.owner, a.deployment_env, a.status, a.is_public, a.metadata, a.allowed_scopes, \
    a.created_at, a.updated_at, a.last_auth_at, a.card, t.name AS publisher";

/// An agent with the name of the tenant that publishes it.
struct ListedRow(AgentRow, String);

impl<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow> for ListedRow {
    fn from_row(row: &'r sqlx::sqlite::SqliteRow) -> Result<Self, sqlx::Error> {
        use sqlx::Row as _;
        Ok(Self(AgentRow::from_row(row)?, row.try_get("publisher")?))
    }
}

impl<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow> for ListedRow {
    fn from_row(row: &'r sqlx::postgres::PgRow) -> Result<Self, sqlx::Error> {
        use sqlx::Row as _;
        Ok(Self(AgentRow::from_row(row)?, row.try_get("publisher")?))
    }
}

/// The FTS5 query: every term as a prefix, the capability's words as a phrase. Terms hold
/// only letters and digits, so quoting them cannot be escaped from.
fn fts5_query(search: &Search) -> String {
    let mut parts: Vec<String> = search.terms.iter().map(|t| format!("\"{t}\"*")).collect();
    let capability = search.capability_terms();
    if !capability.is_empty() {
        parts.push(format!("\"{}\"", capability.join(" ")));
    }
    parts.join(" ")
}

/// The `to_tsquery` text: every term as a prefix, the capability's words as a phrase.
fn tsquery(search: &Search) -> String {
    let mut parts: Vec<String> = search.terms.iter().map(|t| format!("{t}:*")).collect();
    let capability = search.capability_terms();
    if !capability.is_empty() {
        parts.push(format!("({})", capability.join(" <-> ")));
    }
    parts.join(" & ")
}

impl Db {
    /// One page of public, active agents matching `search`, in id order after `after`, each
    /// with its publisher's name.
    pub async fn search_marketplace(
        &self,
        search: &Search,
        after: Option<AgentId>,
        limit: u32,
    ) -> StoreResult<Vec<(Agent, String)>> {
        let full_text = !search.terms.is_empty() || search.capability.is_some();
        let mut texts: Vec<String> = Vec::new();
        let mut sql = format!("SELECT {COLUMNS}");
        let sqlite = matches!(self.pool, Pool::Sqlite(_));
        // Each backend's listing of public, active agents, and its full-text predicate. SQLite
        // gets its join order (CROSS JOIN) and indexes (INDEXED BY) spelled out: its planner
        // trusts statistics gathered while the tables were nearly empty and would otherwise
        // scan `agents`, running the full-text query once per row.
        let order = if sqlite {
            if full_text {
                texts.push(fts5_query(search));
                sql.push_str(
                    " FROM marketplace_fts f \
                     CROSS JOIN marketplace_entries e ON e.entry = f.rowid \
                     CROSS JOIN agents a INDEXED BY sqlite_autoindex_agents_1 ON a.id = e.agent_id \
                     CROSS JOIN tenants t INDEXED BY sqlite_autoindex_tenants_1 ON t.id = a.tenant_id \
                     WHERE marketplace_fts MATCH $1",
                );
                "e.agent_id"
            } else if search.publisher.is_some() {
                sql.push_str(
                    " FROM tenants t INDEXED BY sqlite_autoindex_tenants_2 \
                     CROSS JOIN agents a INDEXED BY agents_tenant_id_idx ON a.tenant_id = t.id \
                     CROSS JOIN marketplace_entries e INDEXED BY sqlite_autoindex_marketplace_entries_1 \
                     ON e.agent_id = a.id WHERE 1 = 1",
                );
                "a.id"
            } else {
                sql.push_str(
                    " FROM marketplace_entries e INDEXED BY sqlite_autoindex_marketplace_entries_1 \
                     CROSS JOIN agents a INDEXED BY sqlite_autoindex_agents_1 ON a.id = e.agent_id \
                     CROSS JOIN tenants t INDEXED BY sqlite_autoindex_tenants_1 ON t.id = a.tenant_id \
                     WHERE 1 = 1",
                );
                "e.agent_id"
            }
        } else {
            sql.push_str(
                " FROM agents a JOIN tenants t ON t.id = a.tenant_id \
                 WHERE a.is_public AND a.status = 'active'",
            );
            if full_text {
                texts.push(tsquery(search));
                sql.push_str(
                    " AND to_tsvector('simple', a.search_text) @@ to_tsquery('simple', $1)",
                );
            }
            "a.id"
        };
        if let Some(c) = &search.capability {
            texts.push(capability_like(c));
            sql.push_str(&format!(
                " AND a.capabilities LIKE ${} ESCAPE '\\'",
                texts.len()
            ));
        }
        if let Some(p) = &search.publisher {
            texts.push(p.clone());
            sql.push_str(&format!(" AND t.name = ${}", texts.len()));
        }
        let mut next = texts.len() + 1;
        if after.is_some() {
            sql.push_str(&format!(" AND {order} > ${next}"));
            next += 1;
        }
        sql.push_str(&format!(" ORDER BY {order} LIMIT ${next}"));

        let rows: Vec<ListedRow> = on_pool!(self, p => {
            let mut q = sqlx::query_as(AssertSqlSafe(sql.clone()));
            for t in &texts {
                q = q.bind(t.as_str());
            }
            if let Some(a) = after {
                q = q.bind(a.uuid());
            }
            q.bind(i64::from(limit)).fetch_all(p).await
        })?;
        rows.into_iter()
            .map(|ListedRow(row, publisher)| Ok((Agent::try_from(row)?, publisher)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    #![expect(clippy::unwrap_used, reason = "tests fail loudly")]
    use super::*;

    #[test]
    fn full_text_queries_take_terms_as_prefixes_and_a_capability_as_a_phrase() {
        let search =
            Search::parse(Some("Forecast, Paris"), Some("weather:daily".into()), None).unwrap();
        assert_eq!(
            fts5_query(&search),
            "\"forecast\"* \"paris\"* \"weather daily\""
        );
        assert_eq!(
            tsquery(&search),
            "forecast:* & paris:* & (weather <-> daily)"
        );
    }
}
