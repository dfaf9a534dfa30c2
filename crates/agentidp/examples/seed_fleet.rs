//! Seeds a fleet of agents, one client secret each, straight into a server's database, for the
//! fleet benchmark (`load/bench-fleet.sh`): a million agents take seconds, not the hours the
//! API would. The tenant `fleet` is created through the library (so it has its admin and its
//! audit chain); the agents and credentials are multi-row inserts in large transactions.
//!
//! ```sh
//! cargo run --release --example seed_fleet -- --database-url sqlite://./data/agentidp.db \
//!     --agents 1000000 --clients 20000 --clients-file clients.txt
//! ```
//!
//! `clients.txt` gets one line per client whose secret is kept: `base64(client_id:secret)`,
//! ready for an `Authorization: Basic` header. The other agents get random digests (nobody
//! knows their secrets). Running it again adds another `--agents` to the same tenant.

#![expect(clippy::unwrap_used, reason = "a benchmark tool fails loudly")]

use std::io::Write as _;
use std::time::Instant;

use agentidp::app::App;
use agentidp::config::Config;
use agentidp::domain::audit::RequestMeta;
use agentidp::domain::credential::{ClientSecret, SecretHasher};
use agentidp::domain::ids::{AgentId, CredentialId, TenantId};
use agentidp::domain::time::Timestamp;
use base64::Engine as _;
use clap::Parser;
use sqlx::AssertSqlSafe;

#[derive(Parser)]
struct Cli {
    #[command(flatten)]
    config: Config,
    /// How many agents to add.
    #[arg(long)]
    agents: usize,
    /// How many of them get a secret written to `--clients-file`.
    #[arg(long, default_value_t = 0)]
    clients: usize,
    /// Where the clients' Basic credentials go.
    #[arg(long)]
    clients_file: Option<std::path::PathBuf>,
}

/// Rows per INSERT statement (17 parameters each, under SQLite's 32,766).
const ROWS: usize = 500;
/// Statements per transaction.
const STATEMENTS_PER_TX: usize = 40;

const AGENT_COLUMNS: &str = "id, tenant_id, email, name, description, agent_type, version, \
    capabilities, owner, deployment_env, status, is_public, metadata, allowed_scopes, created_at, \
    updated_at, last_auth_at";

/// `INSERT … VALUES ($1, …), (…)` for `rows` rows of `columns` parameters; with `anonymous`,
/// `?` placeholders, which SQLite binds in order (it looks numbered ones up by name, one by
/// one, which makes binding thousands of them quadratic).
fn insert(table: &str, columns: &str, count: usize, rows: usize, anonymous: bool) -> String {
    let mut sql = format!("INSERT INTO {table} ({columns}) VALUES ");
    for r in 0..rows {
        let params: Vec<String> = (1..=count)
            .map(|c| {
                if anonymous {
                    "?".to_owned()
                } else {
                    format!("${}", r * count + c)
                }
            })
            .collect();
        sql.push_str(if r == 0 { "(" } else { ", (" });
        sql.push_str(&params.join(", "));
        sql.push(')');
    }
    sql
}

struct Row {
    agent: AgentId,
    credential: CredentialId,
    email: String,
    digest: Vec<u8>,
}

/// Inserts one chunk of agents and their credentials on either backend.
macro_rules! insert_chunk {
    ($tx:expr, $tenant:expr, $rows:expr, $now:expr, $anonymous:expr) => {{
        let agents = insert("agents", AGENT_COLUMNS, 17, $rows.len(), $anonymous);
        let mut q = sqlx::query(AssertSqlSafe(agents));
        for r in $rows {
            q = q
                .bind(r.agent.uuid())
                .bind($tenant.uuid())
                .bind(r.email.as_str())
                .bind("fleet agent")
                .bind("")
                .bind("worker")
                .bind("1.0.0")
                .bind("[]")
                .bind("fleet")
                .bind("production")
                .bind("active")
                .bind(false)
                .bind("{}")
                .bind("fleet:run")
                .bind($now)
                .bind($now)
                .bind(None::<Timestamp>);
        }
        q.execute(&mut *$tx).await.unwrap();
        let columns = "id, agent_id, tenant_id, secret_hash, status, created_at";
        let credentials = insert("credentials", columns, 6, $rows.len(), $anonymous);
        let mut q = sqlx::query(AssertSqlSafe(credentials));
        for r in $rows {
            q = q
                .bind(r.credential.uuid())
                .bind(r.agent.uuid())
                .bind($tenant.uuid())
                .bind(r.digest.as_slice())
                .bind("active")
                .bind($now);
        }
        q.execute(&mut *$tx).await.unwrap();
    }};
}

/// Inserts every row in transactions of `STATEMENTS_PER_TX` chunks, then counts the agents
/// against the tenant.
macro_rules! insert_all {
    ($pool:expr, $tenant:expr, $rows:expr, $now:expr, $anonymous:expr) => {{
        for batch in $rows.chunks(ROWS * STATEMENTS_PER_TX) {
            let mut tx = $pool.begin().await.unwrap();
            for chunk in batch.chunks(ROWS) {
                insert_chunk!(tx, $tenant, chunk, $now, $anonymous);
            }
            tx.commit().await.unwrap();
        }
        sqlx::query("UPDATE tenants SET agent_count = agent_count + $2 WHERE id = $1")
            .bind($tenant.uuid())
            .bind(i64::try_from($rows.len()).unwrap())
            .execute(&$pool)
            .await
            .unwrap();
    }};
}

#[tokio::main]
async fn main() {
    let cli = Cli::parse();
    let started = Instant::now();
    let url = cli.config.database_url.clone();
    let hasher = SecretHasher::new(cli.config.pepper().as_ref());
    let app = App::init(cli.config).await.unwrap();
    let tenant: TenantId = match app.idp.db.tenant_by_name("fleet").await.unwrap() {
        Some(t) => t.id,
        None => {
            let meta = RequestMeta::default();
            let created = app.idp.create_tenant("fleet", "system", &meta).await;
            created.unwrap().tenant.id
        }
    };
    app.idp.db.close().await;

    let mut clients = Vec::with_capacity(cli.clients);
    let rows: Vec<Row> = (0..cli.agents)
        .map(|i| {
            let agent = AgentId::new();
            let digest = if i < cli.clients {
                let secret = ClientSecret::generate().unwrap();
                let basic = format!("{agent}:{}", secret.expose());
                clients.push(base64::engine::general_purpose::STANDARD.encode(basic));
                hasher.digest(secret.expose())
            } else {
                let mut random = vec![0_u8; 32];
                getrandom::fill(&mut random).unwrap();
                random
            };
            Row {
                agent,
                credential: CredentialId::new(),
                email: format!("agent-{}@fleet.test", agent.uuid().simple()),
                digest,
            }
        })
        .collect();
    let now = Timestamp::now();
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        let pool = sqlx::PgPool::connect(&url).await.unwrap();
        insert_all!(pool, tenant, rows, now, false);
    } else {
        let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
        insert_all!(pool, tenant, rows, now, true);
        // Fold what the seeding wrote into the database file, so that a server measured next
        // does not first copy hundreds of megabytes out of the WAL.
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .execute(&pool)
            .await
            .unwrap();
    }
    if let Some(path) = cli.clients_file {
        let mut file = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
        for line in &clients {
            writeln!(file, "{line}").unwrap();
        }
    }
    eprintln!(
        "seeded {} agents ({} with known secrets) in {:.1} s",
        cli.agents,
        clients.len(),
        started.elapsed().as_secs_f64()
    );
}
