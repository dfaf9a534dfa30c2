//! Marketplace search: public, active agents of every tenant, by full text (SQLite FTS5,
//! PostgreSQL `tsvector`), capability and publisher, in id order with keyset pagination.
//!
//! The full-text predicate is the one part written per dialect: each database has its own
//! query language. Both match the same words, because the server stores each agent's listing
//! text already split into words (see [`crate::domain::marketplace::listing_text`]).
//!
//! On SQLite a term is a prefix of every word it matches, and FTS5 answers a prefix by first
//! merging the whole posting list of every word that starts with it, which for a common word
//! costs more than the rest of the search. So a term is first expanded, through the list of
//! indexed words (`marketplace_terms`), into the few words it can match, and searched as
//! those words, whose posting lists FTS5 walks lazily. A term of two letters, or one that
//! starts too many words, is left to FTS5: its two-letter prefix index answers the former.

use sqlx::AssertSqlSafe;

use super::agents::{AgentRow, capability_like};
use super::{Db, Pool, StoreResult, on_pool};
use crate::domain::agent::Agent;
use crate::domain::ids::AgentId;
use crate::domain::marketplace::Search;

/// The agent columns of `a`, then its publisher's name.
const COLUMNS: &str = "a.id, a.tenant_id, a.email, a.name, a.description, a.agent_type, a.version, \
    a.capabilities, a.owner, a.deployment_env, a.status, a.is_public, a.metadata, a.allowed_scopes, \
    a.created_at, a.updated_at, a.last_auth_at, a.card, a.allowed_actors, t.name AS publisher";

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

/// Most words a term is expanded into; a term that starts more is left to FTS5's prefix
/// matching.
const MAX_EXPANSION: usize = 16;

/// An FTS5 string: quoted, with quotes doubled (words hold only letters and digits, so there
/// are none; doubling keeps that true of the query whatever the words become).
fn quoted(word: &str) -> String {
    format!("\"{}\"", word.replace('"', "\"\""))
}

/// The FTS5 query: each term as the words it starts (`words[i]` for `terms[i]`) or else as a
/// prefix, the capability's words as a phrase, all required.
fn fts5_query(search: &Search, words: &[Vec<String>]) -> String {
    let mut parts: Vec<String> = search
        .terms
        .iter()
        .enumerate()
        .map(|(i, term)| match words.get(i) {
            Some(w) if !w.is_empty() && w.len() <= MAX_EXPANSION => {
                let any: Vec<String> = w.iter().map(|w| quoted(w)).collect();
                format!("({})", any.join(" OR "))
            }
            _ => format!("{}*", quoted(term)),
        })
        .collect();
    let capability = search.capability_terms();
    if !capability.is_empty() {
        parts.push(quoted(&capability.join(" ")));
    }
    parts.join(" AND ")
}

/// The `to_tsquery` text: every term as a prefix (the capability has its own index there).
fn tsquery(search: &Search) -> String {
    let parts: Vec<String> = search.terms.iter().map(|t| format!("{t}:*")).collect();
    parts.join(" & ")
}

/// A search statement: its SQL, then its text parameters in order (the cursor's agent id, if
/// any, and the limit are bound after them).
struct Statement {
    sql: String,
    texts: Vec<String>,
}

impl Statement {
    /// Adds a text parameter; returns its placeholder.
    fn text(&mut self, value: String) -> String {
        self.texts.push(value);
        format!("${}", self.texts.len())
    }

    /// Appends the keyset condition (`column > cursor`) when there is a cursor, then the order
    /// and the limit.
    fn page(&mut self, column: &str, after: bool, order: bool) {
        let mut next = self.texts.len() + 1;
        if after {
            self.sql.push_str(&format!(" AND {column} > ${next}"));
            next += 1;
        }
        if order {
            self.sql
                .push_str(&format!(" ORDER BY {column} LIMIT ${next}"));
        }
    }

    /// The placeholder of the limit.
    fn limit(&self, after: bool) -> String {
        format!("${}", self.texts.len() + 1 + usize::from(after))
    }
}

/// SQLite: each search shape gets its join order (CROSS JOIN) and indexes (INDEXED BY)
/// spelled out, because the planner trusts statistics gathered while the tables were nearly
/// empty and would otherwise scan `agents`, running the full-text query once per row. The
/// full-text query holds the capability's words; `LIKE` then checks it exactly.
fn sqlite_search(search: &Search, words: &[Vec<String>], after: bool) -> Statement {
    let mut st = Statement {
        sql: format!("SELECT {COLUMNS}"),
        texts: Vec::new(),
    };
    let full_text = !search.terms.is_empty() || search.capability.is_some();
    let order = if full_text {
        let matches = st.text(fts5_query(search, words));
        st.sql.push_str(&format!(
            " FROM marketplace_fts f \
             CROSS JOIN marketplace_entries e ON e.entry = f.rowid \
             CROSS JOIN agents a INDEXED BY sqlite_autoindex_agents_1 ON a.id = e.agent_id \
             CROSS JOIN tenants t INDEXED BY sqlite_autoindex_tenants_1 ON t.id = a.tenant_id \
             WHERE marketplace_fts MATCH {matches}"
        ));
        "e.agent_id"
    } else if search.publisher.is_some() {
        st.sql.push_str(
            " FROM tenants t INDEXED BY sqlite_autoindex_tenants_2 \
             CROSS JOIN agents a INDEXED BY agents_tenant_id_idx ON a.tenant_id = t.id \
             CROSS JOIN marketplace_entries e INDEXED BY sqlite_autoindex_marketplace_entries_1 \
             ON e.agent_id = a.id WHERE 1 = 1",
        );
        "a.id"
    } else {
        st.sql.push_str(
            " FROM marketplace_entries e INDEXED BY sqlite_autoindex_marketplace_entries_1 \
             CROSS JOIN agents a INDEXED BY sqlite_autoindex_agents_1 ON a.id = e.agent_id \
             CROSS JOIN tenants t INDEXED BY sqlite_autoindex_tenants_1 ON t.id = a.tenant_id \
             WHERE 1 = 1",
        );
        "e.agent_id"
    };
    if let Some(c) = &search.capability {
        let like = st.text(capability_like(c));
        st.sql
            .push_str(&format!(" AND a.capabilities LIKE {like} ESCAPE '\\'"));
    }
    if let Some(p) = &search.publisher {
        let name = st.text(p.clone());
        st.sql.push_str(&format!(" AND t.name = {name}"));
    }
    st.page(order, after, true);
    st
}

/// PostgreSQL: words through the stored `search_vector`, the capability by containment in
/// the capabilities array, each with its partial GIN index. A search by words or capability
/// gathers its matches first (MATERIALIZED) and sorts them: given `ORDER BY id LIMIT`, the
/// planner would otherwise walk the id index, testing every agent against filters whose
/// combined rarity it cannot estimate, and read most of the table for a rare combination.
fn postgres_search(search: &Search, after: bool) -> Statement {
    let mut st = Statement {
        sql: String::new(),
        texts: Vec::new(),
    };
    let mut filters = String::from("a.is_public AND a.status = 'active'");
    if !search.terms.is_empty() {
        let query = st.text(tsquery(search));
        filters.push_str(&format!(
            " AND a.search_vector @@ to_tsquery('simple', {query})"
        ));
    }
    if let Some(c) = &search.capability {
        let array = st.text(serde_json::json!([c]).to_string());
        filters.push_str(&format!(" AND a.capabilities::jsonb @> {array}::jsonb"));
    }
    if let Some(p) = &search.publisher {
        let name = st.text(p.clone());
        filters.push_str(&format!(" AND t.name = {name}"));
    }
    let from = "agents a JOIN tenants t ON t.id = a.tenant_id";
    if search.terms.is_empty() && search.capability.is_none() {
        st.sql = format!("SELECT {COLUMNS} FROM {from} WHERE {filters}");
        st.page("a.id", after, true);
    } else {
        st.sql = format!("WITH m AS MATERIALIZED (SELECT a.id FROM {from} WHERE {filters}");
        st.page("a.id", after, false);
        let limit = st.limit(after);
        st.sql.push_str(&format!(
            ") SELECT {COLUMNS} FROM m JOIN agents a ON a.id = m.id \
             JOIN tenants t ON t.id = a.tenant_id ORDER BY m.id LIMIT {limit}"
        ));
    }
    st
}

impl Db {
    /// On SQLite, the indexed words each term of `search` starts (at most one more than
    /// [`MAX_EXPANSION`], enough to tell that there are too many); an empty list for a term of
    /// two letters or fewer, which the prefix index answers, and on PostgreSQL.
    async fn prefix_words(&self, search: &Search) -> StoreResult<Vec<Vec<String>>> {
        // char(1114111) is the last code point, so the range holds every word starting with $1.
        const WORDS: &str = "SELECT term FROM marketplace_terms \
            WHERE term >= $1 AND term < $1 || char(1114111) ORDER BY term LIMIT $2";
        let Pool::Sqlite(pool) = &self.pool else {
            return Ok(Vec::new());
        };
        let _busy = self.busy();
        let mut out = Vec::with_capacity(search.terms.len());
        for term in &search.terms {
            let words: Vec<(String,)> = if term.chars().count() <= 2 {
                Vec::new()
            } else {
                sqlx::query_as(WORDS)
                    .bind(term.as_str())
                    .bind(MAX_EXPANSION as i64 + 1)
                    .fetch_all(pool)
                    .await?
            };
            out.push(words.into_iter().map(|(w,)| w).collect());
        }
        Ok(out)
    }

    /// One page of public, active agents matching `search`, in id order after `after`, each
    /// with its publisher's name.
    pub async fn search_marketplace(
        &self,
        search: &Search,
        after: Option<AgentId>,
        limit: u32,
    ) -> StoreResult<Vec<(Agent, String)>> {
        let statement = match self.pool {
            Pool::Sqlite(_) => {
                let words = self.prefix_words(search).await?;
                sqlite_search(search, &words, after.is_some())
            }
            Pool::Postgres(_) => postgres_search(search, after.is_some()),
        };
        let rows: Vec<ListedRow> = on_pool!(self, p => {
            // Not prepared: each search is planned for its own words and capability, whose
            // selectivities a generic plan cannot know.
            let mut q = sqlx::query_as(AssertSqlSafe(statement.sql.clone())).persistent(false);
            for t in &statement.texts {
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
            fts5_query(&search, &[]),
            "\"forecast\"* AND \"paris\"* AND \"weather daily\""
        );
        let many: Vec<String> = (0..=MAX_EXPANSION).map(|i| format!("paris{i}")).collect();
        assert_eq!(
            fts5_query(
                &search,
                &[vec!["forecast".into(), "forecaster".into()], many]
            ),
            "(\"forecast\" OR \"forecaster\") AND \"paris\"* AND \"weather daily\"",
            "a term is the words it starts, unless it starts too many"
        );
        assert_eq!(tsquery(&search), "forecast:* & paris:*");
    }
}
