//! Audit query latency with 1,000,000 events in one tenant, end to end through the router
//! (bearer verification, SQL, JSON): p50 and p99 per filter, on SQLite and on PostgreSQL;
//! then how long verifying the tenant's chain and exporting it as NDJSON take.
//!
//! `cargo bench --bench audit_query` (SQLite); add `AGENTIDP_BENCH_POSTGRES_URL=postgres://…`
//! for PostgreSQL. `AUDIT_BENCH_EVENTS` changes the event count.

#![expect(clippy::unwrap_used, reason = "a benchmark fails loudly")]

use std::sync::Arc;
use std::time::{Duration, Instant};

use agentidp::app::App;
use agentidp::config::Config;
use agentidp::domain::audit::{Action, NewEvent, Outcome, RequestMeta};
use agentidp::domain::ids::{AgentId, TenantId};
use agentidp::domain::time::Timestamp;
use agentidp::service::audit::verify::verify_chain;
use agentidp::store::KnownHeads;
use agentidp::{AppState, http};
use axum::body::Body;
use axum::http::{Request, StatusCode};
use base64::Engine;
use clap::Parser;
use http_body_util::BodyExt;
use tower::ServiceExt;

#[derive(Parser)]
struct Cli {
    #[command(flatten)]
    config: Config,
}

const AGENTS: usize = 1000;
const ITERATIONS: usize = 200;
const SPREAD_DAYS: i64 = 30;
/// Events in the burst that the lookup by id is measured in.
const DENSE: usize = 40_000;

fn events(
    tenant: TenantId,
    agents: &[AgentId],
    start: usize,
    count: usize,
    total: usize,
    now: Timestamp,
    span_micros: i64,
) -> Vec<NewEvent> {
    let actions = Action::ALL;
    (start..start + count)
        .map(|i| {
            // Oldest first, evenly spread over the `span_micros` before `now`.
            let age_micros =
                span_micros * i64::try_from(total - i).unwrap() / i64::try_from(total).unwrap();
            let at = Timestamp::from_micros(now.micros() - age_micros);
            let secs = u64::try_from(at.micros() / 1_000_000).unwrap();
            let nanos = u32::try_from((at.micros() % 1_000_000) * 1000).unwrap();
            let id = uuid::Uuid::new_v7(uuid::Timestamp::from_unix(uuid::NoContext, secs, nanos));
            let agent = agents[i % agents.len()];
            let action = actions[i % 7 % actions.len()];
            let mut e = NewEvent::new(
                tenant,
                agent.to_string(),
                action,
                &RequestMeta {
                    ip: Some("127.0.0.1".into()),
                    user_agent: Some("bench".into()),
                },
                Timestamp::now(),
            )
            .subject(agent)
            .with("n", i64::try_from(i).unwrap());
            if i % 100 == 0 {
                e.outcome = Outcome::Failure;
            }
            e.id = id;
            e.occurred_at = at;
            e
        })
        .collect()
}

/// A GET through the router with the bearer token: how long it took, and its JSON body.
async fn timed_get(router: &axum::Router, token: &str, uri: &str) -> (Duration, serde_json::Value) {
    let request = Request::get(uri)
        .header("authorization", format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap();
    let started = Instant::now();
    let response = router.clone().oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK, "{uri}");
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (started.elapsed(), serde_json::from_slice(&body).unwrap())
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[idx].as_secs_f64() * 1000.0
}

async fn run(label: &str, database_url: &str, total: usize) {
    let config = Cli::try_parse_from([
        "bench",
        "--database-url",
        database_url,
        "--public-url",
        "http://bench",
        "--jwt-algorithm",
        "EdDSA",
        // The benchmark measures queries, not the per-client rate limit it would hit.
        "--rate-limit-max-requests",
        "0",
    ])
    .unwrap()
    .config;
    let app = App::init(config).await.unwrap();
    let admin = app
        .idp
        .create_tenant("bench", "system", &RequestMeta::default())
        .await
        .unwrap();
    let tenant = admin.tenant.id;
    let agents: Vec<AgentId> = (0..AGENTS).map(|_| AgentId::new()).collect();
    let now = Timestamp::now().plus_seconds(-60);

    let seeding = Instant::now();
    let batch = 5000;
    let mut heads = KnownHeads::default();
    for start in (0..total).step_by(batch) {
        let chunk = events(
            tenant,
            &agents,
            start,
            batch.min(total - start),
            total,
            now,
            SPREAD_DAYS * 86_400_000_000,
        );
        app.idp.db.append_batch(&mut heads, &chunk).await.unwrap();
    }
    let seeded = seeding.elapsed();
    // What the hourly maintenance job does; a bulk load leaves the planner without statistics.
    app.idp.db.refresh_statistics().await.unwrap();
    println!(
        "[{label}] seeded {total} events in {:.1} s ({:.0} events/s)",
        seeded.as_secs_f64(),
        total as f64 / seeded.as_secs_f64()
    );

    let state = AppState(Arc::new(app));
    let router = http::router(state.clone());
    let basic = base64::engine::general_purpose::STANDARD.encode(format!(
        "{}:{}",
        admin.admin.id,
        admin.secret.expose()
    ));
    let token_response = router
        .clone()
        .oneshot(
            Request::post("/oauth2/token")
                .header("authorization", format!("Basic {basic}"))
                .header("content-type", "application/x-www-form-urlencoded")
                .body(Body::from("grant_type=client_credentials"))
                .unwrap(),
        )
        .await
        .unwrap();
    let body = token_response
        .into_body()
        .collect()
        .await
        .unwrap()
        .to_bytes();
    let token = serde_json::from_slice::<serde_json::Value>(&body).unwrap()["access_token"]
        .as_str()
        .unwrap()
        .to_owned();

    let agent = agents[17];
    let window_end = now.plus_seconds(-15 * 86_400);
    let window_start = window_end.plus_seconds(-3600);
    let queries = [
        ("newest page", String::new()),
        ("agentId", format!("agentId={agent}")),
        ("action", "action=agent.updated".to_owned()),
        (
            "rare action (none stored)",
            "action=credential.rotated".to_owned(),
        ),
        ("outcome=failure", "outcome=failure".to_owned()),
        ("actor", format!("actor={agent}")),
        (
            "1 h window, 15 days ago",
            format!(
                "from={}&to={}",
                window_start.to_rfc3339(),
                window_end.to_rfc3339()
            ),
        ),
        (
            "agentId+action+window",
            format!(
                "agentId={agent}&action=agent.created&from={}&to={}",
                now.plus_seconds(-20 * 86_400).to_rfc3339(),
                now.to_rfc3339()
            ),
        ),
    ];
    let mut all = Vec::new();
    println!("[{label}] {ITERATIONS} requests per query, limit 50");
    println!("| query | p50 (ms) | p99 (ms) | rows |");
    println!("|---|---|---|---|");
    for (name, query) in &queries {
        let mut times = Vec::with_capacity(ITERATIONS);
        let mut rows = 0;
        for _ in 0..ITERATIONS {
            let uri = format!("/v1/audit/events?limit=50&{query}");
            let (took, body) = timed_get(&router, &token, &uri).await;
            times.push(took);
            rows = body["data"].as_array().unwrap().len();
        }
        times.sort();
        println!(
            "| {name} | {:.2} | {:.2} | {rows} |",
            percentile(&times, 0.5),
            percentile(&times, 0.99)
        );
        all.extend(times);
    }
    // One event by id (GET /v1/audit/events/{eventId}), for 100 events 15 days old, each
    // asked for twice.
    let uri = format!(
        "/v1/audit/events?limit=100&from={}&to={}",
        window_start.to_rfc3339(),
        window_end.to_rfc3339()
    );
    let (_, page) = timed_get(&router, &token, &uri).await;
    let page = page["data"].as_array().unwrap();
    let mut times = Vec::with_capacity(ITERATIONS);
    for event in page.iter().chain(page) {
        let id = event["eventId"].as_str().unwrap();
        let (took, body) = timed_get(&router, &token, &format!("/v1/audit/events/{id}")).await;
        assert_eq!(body["eventId"].as_str(), Some(id));
        times.push(took);
    }
    times.sort();
    println!(
        "| one event by id | {:.2} | {:.2} | 1 |",
        percentile(&times, 0.5),
        percentile(&times, 0.99)
    );
    all.extend(times);
    all.sort();
    println!(
        "[{label}] all queries: p50 {:.2} ms, p99 {:.2} ms",
        percentile(&all, 0.5),
        percentile(&all, 0.99)
    );

    verify_and_export(label, &state, &router, &token, tenant).await;
    burst_lookups(label, &state, &router, &token, tenant, &agents, now).await;
}

/// Times verifying the tenant's chain and exporting it as NDJSON.
async fn verify_and_export(
    label: &str,
    state: &AppState,
    router: &axum::Router,
    token: &str,
    tenant: TenantId,
) {
    // What `agentidp audit verify` and the periodic verification do for this tenant.
    let verifying = Instant::now();
    let verified = verify_chain(&state.0.idp.db, tenant).await.unwrap();
    let verified = verified.unwrap();
    let took = verifying.elapsed().as_secs_f64();
    println!(
        "[{label}] verified {verified} events in {took:.1} s ({:.0} events/s)",
        verified as f64 / took
    );

    // The NDJSON export of every event, streamed through the router.
    let exporting = Instant::now();
    let response = router
        .clone()
        .oneshot(
            Request::get("/v1/audit/events")
                .header("authorization", format!("Bearer {token}"))
                .header("accept", "application/x-ndjson")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let (mut lines, mut bytes) = (0usize, 0usize);
    let mut body = response.into_body();
    while let Some(frame) = body.frame().await {
        if let Ok(data) = frame.unwrap().into_data() {
            lines += data.iter().filter(|&&b| b == b'\n').count();
            bytes += data.len();
        }
    }
    let took = exporting.elapsed().as_secs_f64();
    println!(
        "[{label}] exported {lines} events ({:.0} MB) in {took:.1} s ({:.0} events/s)",
        bytes as f64 / 1e6,
        lines as f64 / took
    );
}

/// Times lookups by id among 40,000 events written within 2 s.
async fn burst_lookups(
    label: &str,
    state: &AppState,
    router: &axum::Router,
    token: &str,
    tenant: TenantId,
    agents: &[AgentId],
    now: Timestamp,
) {
    // A burst: 40,000 more events within 2 s (20,000 a second), then lookups by id among them.
    let burst_at = now.plus_seconds(30);
    let burst = events(tenant, agents, 0, DENSE, DENSE, burst_at, 2_000_000);
    let mut heads = KnownHeads::default();
    for chunk in burst.chunks(1000) {
        state
            .0
            .idp
            .db
            .append_batch(&mut heads, chunk)
            .await
            .unwrap();
    }
    let mut times = Vec::with_capacity(ITERATIONS);
    for e in burst.iter().step_by(DENSE / ITERATIONS) {
        let (took, body) = timed_get(router, token, &format!("/v1/audit/events/{}", e.id)).await;
        assert_eq!(body["eventId"].as_str(), Some(e.id.to_string().as_str()));
        times.push(took);
    }
    times.sort();
    println!(
        "[{label}] one event by id inside a burst of {DENSE} events in 2 s: p50 {:.2} ms, p99 {:.2} ms",
        percentile(&times, 0.5),
        percentile(&times, 0.99)
    );
}

#[tokio::main]
async fn main() {
    let total: usize = std::env::var("AUDIT_BENCH_EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let dir = std::env::temp_dir().join(format!(
        "agentidp-audit-bench-{}",
        uuid::Uuid::now_v7().simple()
    ));
    run(
        "sqlite",
        &format!("sqlite://{}/bench.db", dir.display()),
        total,
    )
    .await;
    let _ = std::fs::remove_dir_all(&dir);
    if let Ok(server) = std::env::var("AGENTIDP_BENCH_POSTGRES_URL") {
        let name = format!("agentidp_bench_{}", uuid::Uuid::now_v7().simple());
        let admin = sqlx::PgPool::connect(&format!("{server}/postgres"))
            .await
            .unwrap();
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&admin)
            .await
            .unwrap();
        run("postgres", &format!("{server}/{name}"), total).await;
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "DROP DATABASE {name} WITH (FORCE)"
        )))
        .execute(&admin)
        .await
        .unwrap();
    }
}
